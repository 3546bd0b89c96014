//! Refunds against paid orders: amount checks, `PROCESSING` then a final state
//! (`SUCCESS`, `ABNORMAL`, `CLOSED`), the abnormal-refund re-route. Facts and sources:
//! payments reference C.4–C.6, E, G.4–G.6.

use serde_json::Value;
use time::OffsetDateTime;
use wechatpay_apiv3::api::{
    AbnormalRefundType, ApplyAbnormalRefundBody, CreateRefundBody, ErrorCode, FundsAccount, Refund,
    RefundAmount, RefundChannel, RefundNotificationAmount, RefundNotificationResource,
    RefundStatus,
};

use super::SandboxState;
use super::orders::date_digits;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::stocks::wire_time;

/// The most partial refunds of one order ("≤ 50 partial refunds per order", reference C.4).
const MAX_REFUNDS_PER_ORDER: usize = 50;

/// One refund as the ledger keeps it.
#[derive(Debug, Clone)]
pub(crate) struct RefundEntry {
    refund_id: String,
    out_refund_no: String,
    mchid: String,
    transaction_id: String,
    out_trade_no: String,
    /// The whole request body, for the idempotency check on `out_refund_no`.
    request: Value,
    notify_url: Option<String>,
    total: i64,
    refund: i64,
    funds_account: Option<FundsAccount>,
    status: RefundStatus,
    channel: RefundChannel,
    received_by: String,
    created: OffsetDateTime,
    succeeded: Option<OffsetDateTime>,
}

/// A refund created (or found again) and whether it repeated an earlier request.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub(crate) refund: Refund,
    pub(crate) replayed: bool,
}

/// A refund that reached a final state, and where its `REFUND.*` notification goes.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub(crate) resource: RefundNotificationResource,
    pub(crate) notify_url: Option<String>,
}

fn invalid(message: &str, field: &str, value: impl Into<Value>, issue: &str) -> ApiFailure {
    failure(ErrorCode::InvalidRequest, message).detail(
        ErrorDetail::at("body", field)
            .value(value)
            .issue(issue.to_owned()),
    )
}

fn refund_not_exists(field: &str, value: &str) -> ApiFailure {
    failure(ErrorCode::ResourceNotExists, "退款单不存在").detail(
        ErrorDetail::at("path", field)
            .value(value.to_owned())
            .issue("no refund with this number"),
    )
}

impl SandboxState {
    /// Refund: against a paid order, within what is left to refund and within the balance;
    /// the same `out_refund_no` with the same body gives the same refund back.
    pub(crate) fn refund(&self, body: &CreateRefundBody) -> Result<Applied, ApiFailure> {
        let now = self.now();
        let request = serde_json::to_value(body).map_err(|_| ApiFailure::system())?;
        let mut ledger = self.ledger();
        if let Some(entry) = ledger.refunds.get(&body.out_refund_no) {
            if entry.request != request {
                return Err(invalid(
                    "商户退款单号已使用：同一 out_refund_no 的参数须与首次请求一致",
                    "/out_refund_no",
                    body.out_refund_no.clone(),
                    "a refund with other parameters has this out_refund_no",
                ));
            }
            return Ok(Applied {
                refund: entry.render(),
                replayed: true,
            });
        }
        let (transaction_id, out_trade_no) = match (&body.transaction_id, &body.out_trade_no) {
            (None, None) => {
                return Err(
                    ApiFailure::param("transaction_id 和 out_trade_no 必须二选一进行传参").detail(
                        ErrorDetail::at("body", "/out_trade_no")
                            .issue("give transaction_id or out_trade_no"),
                    ),
                );
            }
            (id, no) => (id.as_deref(), no.as_deref()),
        };
        let unpaid = || {
            failure(
                ErrorCode::ResourceNotExists,
                "订单号不存在：请检查订单号是否正确且是否已支付，未支付的订单不能发起退款",
            )
            .detail(
                ErrorDetail::at(
                    "body",
                    if transaction_id.is_some() {
                        "/transaction_id"
                    } else {
                        "/out_trade_no"
                    },
                )
                .value(
                    transaction_id
                        .or(out_trade_no)
                        .unwrap_or_default()
                        .to_owned(),
                )
                .issue("no paid order with this number"),
            )
        };
        let order = ledger
            .order_of(transaction_id, out_trade_no)
            .ok_or_else(unpaid)?;
        let Some(paid_id) = order.transaction_id() else {
            return Err(unpaid());
        };
        if out_trade_no.is_some_and(|no| order_key(&ledger, paid_id) != Some(no)) {
            return Err(invalid(
                "transaction_id 与 out_trade_no 不是同一笔订单",
                "/out_trade_no",
                out_trade_no.unwrap_or_default().to_owned(),
                "does not match transaction_id",
            ));
        }
        let (total, left, count) = (order.total(), order.total() - order.refunded, order.refunds);
        let refund = body.amount.refund.get();
        if body.amount.total.get() != total {
            return Err(invalid(
                "订单金额与原订单不一致",
                "/amount/total",
                body.amount.total.get(),
                &format!("the order's total is {total}"),
            ));
        }
        if refund > left {
            return Err(invalid(
                "申请退款金额超过订单可退金额",
                "/amount/refund",
                refund,
                &format!("{left} fen are left to refund"),
            ));
        }
        if count >= MAX_REFUNDS_PER_ORDER {
            return Err(invalid(
                "一笔订单最多退款 50 次",
                "/out_refund_no",
                body.out_refund_no.clone(),
                "the order has 50 refunds",
            ));
        }
        if refund > ledger.balance {
            return Err(failure(
                ErrorCode::NotEnough,
                "基本账户余额不足，请充值后重新发起",
            ));
        }
        let paid_id = paid_id.to_owned();
        let mchid = order.mchid().to_owned();
        let order_no = order_key(&ledger, &paid_id).unwrap_or_default().to_owned();
        let n = ledger.next();
        let entry = RefundEntry {
            refund_id: format!("503{}{n:018}", date_digits(now, false)),
            out_refund_no: body.out_refund_no.clone(),
            mchid,
            transaction_id: paid_id,
            out_trade_no: order_no.clone(),
            request,
            notify_url: body.notify_url.clone(),
            total,
            refund,
            funds_account: body
                .funds_account
                .as_ref()
                .map(|a| FundsAccount::from(a.as_str())),
            status: RefundStatus::Processing,
            channel: RefundChannel::Original,
            received_by: "支付用户零钱".to_owned(),
            created: now,
            succeeded: None,
        };
        ledger.balance -= refund;
        if let Some(order) = ledger.orders.get_mut(&order_no) {
            order.refunded += refund;
            order.refunds += 1;
            order.mark_refunded();
        }
        ledger
            .by_refund_id
            .insert(entry.refund_id.clone(), entry.out_refund_no.clone());
        let rendered = entry.render();
        ledger.refunds.insert(entry.out_refund_no.clone(), entry);
        Ok(Applied {
            refund: rendered,
            replayed: false,
        })
    }

    /// A refund by `out_refund_no` (`404 RESOURCE_NOT_EXISTS`).
    pub(crate) fn query_refund(&self, out_refund_no: &str) -> Result<Refund, ApiFailure> {
        self.ledger()
            .refunds
            .get(out_refund_no)
            .map(RefundEntry::render)
            .ok_or_else(|| refund_not_exists("out_refund_no", out_refund_no))
    }

    /// Moves a `PROCESSING` refund to `to` (`SUCCESS`, `ABNORMAL` or `CLOSED`; a closed
    /// refund gives its amount back to the order and the balance). `None` when the refund is
    /// not processing (already settled, or unknown).
    pub(crate) fn settle_refund(&self, out_refund_no: &str, to: RefundStatus) -> Option<Settled> {
        let now = self.now();
        let mut ledger = self.ledger();
        let entry = ledger.refunds.get_mut(out_refund_no)?;
        if entry.status != RefundStatus::Processing {
            return None;
        }
        entry.status = to.clone();
        if to == RefundStatus::Success {
            entry.succeeded = Some(now);
        }
        let settled = Settled {
            resource: entry.notification(),
            notify_url: entry.notify_url.clone(),
        };
        if to == RefundStatus::Closed {
            let (refund, order_no) = (entry.refund, entry.out_trade_no.clone());
            ledger.balance += refund;
            if let Some(order) = ledger.orders.get_mut(&order_no) {
                order.refunded -= refund;
            }
        }
        Some(settled)
    }

    /// Abnormal refund: an `ABNORMAL` refund re-routed to a bank card, `PROCESSING` again.
    pub(crate) fn apply_abnormal_refund(
        &self,
        refund_id: &str,
        body: &ApplyAbnormalRefundBody,
    ) -> Result<Refund, ApiFailure> {
        let mut ledger = self.ledger();
        let key = ledger
            .by_refund_id
            .get(refund_id)
            .cloned()
            .ok_or_else(|| refund_not_exists("refund_id", refund_id))?;
        let entry = ledger
            .refunds
            .get_mut(&key)
            .ok_or_else(|| refund_not_exists("refund_id", refund_id))?;
        if entry.out_refund_no != body.out_refund_no {
            return Err(invalid(
                "out_refund_no 与 refund_id 不是同一笔退款",
                "/out_refund_no",
                body.out_refund_no.clone(),
                "does not match refund_id",
            ));
        }
        if entry.status != RefundStatus::Abnormal {
            return Err(invalid(
                "退款单状态不是退款异常（ABNORMAL），不能发起异常退款",
                "/out_refund_no",
                body.out_refund_no.clone(),
                &format!("the refund is {}", entry.status.as_str()),
            ));
        }
        entry.received_by = match body.r#type {
            AbnormalRefundType::UserBankCard => {
                let bank = body.bank_type.as_ref().map(|b| b.as_str().to_owned());
                let missing = [
                    ("/bank_type", bank.is_none()),
                    ("/bank_account", body.bank_account.is_none()),
                    ("/real_name", body.real_name.is_none()),
                ]
                .into_iter()
                .find(|(_, missing)| *missing);
                if let Some((field, _)) = missing {
                    return Err(ApiFailure::param(format!(
                        "退款至用户银行卡时 {} 必填",
                        &field[1..]
                    ))
                    .detail(
                        ErrorDetail::at("body", field)
                            .issue("required when type is USER_BANK_CARD"),
                    ));
                }
                format!("用户银行卡{}", bank.unwrap_or_default())
            }
            _ => "商户结算银行账户".to_owned(),
        };
        entry.channel = RefundChannel::OtherBankcard;
        entry.status = RefundStatus::Processing;
        Ok(entry.render())
    }
}

/// The `out_trade_no` of the paid order `transaction_id`.
fn order_key<'l>(ledger: &'l super::orders::Ledger, transaction_id: &str) -> Option<&'l str> {
    ledger
        .by_transaction
        .get(transaction_id)
        .map(String::as_str)
}

impl RefundEntry {
    /// The refund as the bills show it: applied for at `created`, of its order; `None` once
    /// closed (its amount went back, so neither bill keeps it).
    pub(super) fn bill_refund(&self) -> Option<super::bills::RefundRecord> {
        (self.status != RefundStatus::Closed).then(|| super::bills::RefundRecord {
            time: self.created,
            out_trade_no: self.out_trade_no.clone(),
            refund_id: self.refund_id.clone(),
            out_refund_no: self.out_refund_no.clone(),
            refund: self.refund,
            status: self.status.as_str().to_owned(),
        })
    }

    /// As the refund operations answer it (reference E; OBS-1's shape).
    fn render(&self) -> Refund {
        let mut amount = RefundAmount::new(
            self.total,
            self.refund,
            self.total,
            self.refund,
            self.refund,
            self.total,
            "CNY",
        );
        amount.discount_refund = Some(0.into());
        amount.refund_fee = Some(0.into());
        let mut refund = Refund::new(
            self.refund_id.clone(),
            self.out_refund_no.clone(),
            self.transaction_id.clone(),
            self.out_trade_no.clone(),
            self.channel.clone(),
            self.received_by.clone(),
            wire_time(self.created),
            self.status.clone(),
            amount,
        );
        refund.funds_account = self.funds_account.clone();
        refund.success_time = self.succeeded.map(wire_time);
        refund
    }

    /// As the `REFUND.*` notifications carry it (reference H.5, OBS-2).
    fn notification(&self) -> RefundNotificationResource {
        let amount =
            RefundNotificationAmount::new(self.total, self.refund, self.total, self.refund);
        let mut resource = RefundNotificationResource::new(
            self.mchid.clone(),
            self.out_trade_no.clone(),
            self.transaction_id.clone(),
            self.out_refund_no.clone(),
            self.refund_id.clone(),
            self.status.clone(),
            self.received_by.clone(),
            amount,
        );
        resource.success_time = self.succeeded.map(wire_time);
        resource.channel = Some(self.channel.clone());
        resource.create_time = Some(wire_time(self.created));
        resource
    }
}
