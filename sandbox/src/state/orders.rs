//! Orders (basic payments): a prepay creates one `NOTPAY`; the user pays it (an admin
//! endpoint, [`Sandbox::pay`](crate::Sandbox::pay)) -> `SUCCESS`; close -> `CLOSED`; a refund
//! turns it into `REFUND`. Facts and sources: payments reference B, C.1–C.3, D, G.1–G.3.
//! The ledger also keeps the refunds (see `refunds.rs`), since a refund checks its order.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wechatpay_apiv3::api::{
    ErrorCode, TradeState, Transaction, TransactionAmount, TransactionPayer, TransactionSceneInfo,
    TransactionTradeType,
};

use super::SandboxState;
use super::refunds::RefundEntry;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::stocks::wire_time;

/// The openid that pays APP, H5 and Native orders when the admin call names none.
const DEFAULT_PAYER_OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// The fields of a prepay body an order keeps, read from any of the four bodies (their wire
/// names are the same; the generated validation has already run).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderFields {
    appid: String,
    mchid: String,
    notify_url: String,
    #[serde(default)]
    attach: Option<String>,
    #[serde(default)]
    time_expire: Option<String>,
    amount: OrderAmount,
    #[serde(default)]
    payer: Option<OrderPayer>,
    #[serde(default)]
    scene_info: Option<OrderScene>,
}

#[derive(Debug, Clone, Deserialize)]
struct OrderAmount {
    total: i64,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct OrderPayer {
    openid: String,
}

#[derive(Debug, Clone, Deserialize)]
struct OrderScene {
    #[serde(default)]
    device_id: Option<String>,
}

/// A prepay request as the ledger sees it.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    kind: TransactionTradeType,
    /// The whole body, for the "identical parameters" check.
    request: Value,
    fields: OrderFields,
}

impl NewOrder {
    /// A prepay of `kind` with `body` (one of the four generated prepay bodies).
    pub(crate) fn new(
        kind: TransactionTradeType,
        body: &impl serde::Serialize,
    ) -> Result<Self, ApiFailure> {
        let request = serde_json::to_value(body).map_err(|_| ApiFailure::system())?;
        let fields = OrderFields::deserialize(&request).map_err(|_| ApiFailure::system())?;
        Ok(NewOrder {
            kind,
            request,
            fields,
        })
    }

    /// The `mchid` of the body.
    pub(crate) fn mchid(&self) -> &str {
        &self.fields.mchid
    }
}

#[derive(Debug, Clone)]
struct Paid {
    transaction_id: String,
    openid: String,
    time: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(super) struct Order {
    kind: TransactionTradeType,
    request: Value,
    fields: OrderFields,
    prepay_id: String,
    state: TradeState,
    paid: Option<Paid>,
    /// Fen refunded or being refunded (refunds not closed).
    pub(super) refunded: i64,
    pub(super) refunds: usize,
}

impl Order {
    pub(super) fn total(&self) -> i64 {
        self.fields.amount.total
    }

    pub(super) fn mchid(&self) -> &str {
        &self.fields.mchid
    }

    /// The `transaction_id` of a paid order.
    pub(super) fn transaction_id(&self) -> Option<&str> {
        self.paid.as_ref().map(|p| p.transaction_id.as_str())
    }

    /// A paid order as the bills show it; `None` while unpaid.
    pub(super) fn bill_payment(&self, out_trade_no: &str) -> Option<super::bills::Payment> {
        let paid = self.paid.as_ref()?;
        let fields = &self.fields;
        let text = |key: &str| {
            self.request
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(super::bills::Payment {
            time: paid.time,
            appid: fields.appid.clone(),
            mchid: fields.mchid.clone(),
            device_id: fields
                .scene_info
                .as_ref()
                .and_then(|s| s.device_id.clone())
                .unwrap_or_default(),
            transaction_id: paid.transaction_id.clone(),
            out_trade_no: out_trade_no.to_owned(),
            openid: paid.openid.clone(),
            trade_type: self.kind.as_str().to_owned(),
            currency: fields
                .amount
                .currency
                .clone()
                .unwrap_or_else(|| "CNY".to_owned()),
            total: fields.amount.total,
            description: text("description"),
            attach: fields.attach.clone().unwrap_or_default(),
        })
    }

    pub(super) fn mark_refunded(&mut self) {
        self.state = TradeState::Refund;
    }
}

/// Orders and refunds, behind the state's one lock for payments.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    pub(super) orders: BTreeMap<String, Order>,
    pub(super) by_transaction: HashMap<String, String>,
    pub(super) refunds: BTreeMap<String, RefundEntry>,
    pub(super) by_refund_id: HashMap<String, String>,
    /// The merchant's refundable balance in fen: payments credit it, refunds debit it.
    pub(super) balance: i64,
    pub(super) next_id: u64,
}

impl Ledger {
    pub(super) fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(super) fn order_of(
        &self,
        transaction_id: Option<&str>,
        out_trade_no: Option<&str>,
    ) -> Option<&Order> {
        let key = match (transaction_id, out_trade_no) {
            (Some(id), _) => self.by_transaction.get(id)?,
            (None, Some(no)) => no,
            (None, None) => return None,
        };
        self.orders.get(key)
    }
}

/// What a prepay turned into.
#[derive(Debug, Clone)]
pub(crate) struct Prepaid {
    pub(crate) prepay_id: String,
    /// `true` when an identical earlier prepay was repeated.
    pub(crate) replayed: bool,
}

/// A paid order and where its `TRANSACTION.SUCCESS` goes.
#[derive(Debug, Clone)]
pub(crate) struct PaidOrder {
    pub(crate) transaction: Transaction,
    pub(crate) notify_url: String,
}

fn order_not_exist(out_trade_no: &str) -> ApiFailure {
    failure(ErrorCode::OrderNotExist, "订单不存在").detail(
        ErrorDetail::at("path", "out_trade_no")
            .value(out_trade_no.to_owned())
            .issue("no order with this out_trade_no"),
    )
}

impl SandboxState {
    /// Prepay: a new order `NOTPAY`, or the same order again when every parameter is
    /// identical (`403 OUT_TRADE_NO_USED` otherwise; `ORDER_PAID` / `ORDER_CLOSED` once the
    /// order is paid or closed).
    pub(crate) fn prepay(&self, new: NewOrder, out_trade_no: &str) -> Result<Prepaid, ApiFailure> {
        let now = self.now();
        let mut ledger = self.ledger();
        if let Some(order) = ledger.orders.get(out_trade_no) {
            if order.kind != new.kind || order.request != new.request {
                return Err(failure(
                    ErrorCode::OutTradeNoUsed,
                    "商户订单号重复：同一 out_trade_no 再次下单时参数与首次请求不一致",
                )
                .detail(
                    ErrorDetail::at("body", "/out_trade_no")
                        .value(out_trade_no.to_owned())
                        .issue("an order with other parameters has this out_trade_no"),
                ));
            }
            return match order.state {
                TradeState::Notpay => Ok(Prepaid {
                    prepay_id: order.prepay_id.clone(),
                    replayed: true,
                }),
                TradeState::Closed => Err(failure(
                    ErrorCode::OrderClosed,
                    "当前订单已关闭，请重新下单",
                )),
                _ => Err(failure(ErrorCode::OrderPaid, "该订单已支付")),
            };
        }
        let n = ledger.next();
        // 36 characters like the documented `wx201410272009395522657a690389285100`.
        let prepay_id = format!(
            "wx{}{:016x}{:04x}",
            date_digits(now, true),
            rand::random::<u64>(),
            n % 0x1_0000
        );
        ledger.orders.insert(
            out_trade_no.to_owned(),
            Order {
                kind: new.kind,
                request: new.request,
                fields: new.fields,
                prepay_id: prepay_id.clone(),
                state: TradeState::Notpay,
                paid: None,
                refunded: 0,
                refunds: 0,
            },
        );
        Ok(Prepaid {
            prepay_id,
            replayed: false,
        })
    }

    /// An order by `out_trade_no`, as the query renders it (`404 ORDER_NOT_EXIST`).
    pub(crate) fn order(&self, out_trade_no: &str) -> Result<Transaction, ApiFailure> {
        let ledger = self.ledger();
        match ledger.orders.get(out_trade_no) {
            Some(order) => Ok(render(out_trade_no, order)),
            None => Err(order_not_exist(out_trade_no)),
        }
    }

    /// A paid order by `transaction_id` (`404 ORDER_NOT_EXIST`).
    pub(crate) fn order_by_transaction(
        &self,
        transaction_id: &str,
    ) -> Result<Transaction, ApiFailure> {
        let ledger = self.ledger();
        let found = ledger
            .by_transaction
            .get(transaction_id)
            .and_then(|no| Some((no, ledger.orders.get(no)?)));
        match found {
            Some((no, order)) => Ok(render(no, order)),
            None => Err(failure(ErrorCode::OrderNotExist, "订单不存在").detail(
                ErrorDetail::at("path", "transaction_id")
                    .value(transaction_id.to_owned())
                    .issue("no paid order with this transaction_id"),
            )),
        }
    }

    /// Close: `NOTPAY` -> `CLOSED`; re-entrant on a closed order; `ORDER_PAID` once paid.
    pub(crate) fn close(&self, out_trade_no: &str) -> Result<(), ApiFailure> {
        let mut ledger = self.ledger();
        let order = ledger
            .orders
            .get_mut(out_trade_no)
            .ok_or_else(|| order_not_exist(out_trade_no))?;
        match order.state {
            TradeState::Notpay | TradeState::Closed => {
                order.state = TradeState::Closed;
                Ok(())
            }
            _ => Err(failure(
                ErrorCode::OrderPaid,
                "订单已支付，不能关单；已支付的订单请申请退款",
            )),
        }
    }

    /// The user pays the order `out_trade_no` (as `openid`; JSAPI orders are paid by their
    /// `payer`): `SUCCESS`, a `transaction_id`, the amount credited to the balance.
    pub(crate) fn pay(
        &self,
        out_trade_no: &str,
        openid: Option<&str>,
    ) -> Result<PaidOrder, ApiFailure> {
        let now = self.now();
        let mut ledger = self.ledger();
        let n = ledger.next();
        let order = ledger
            .orders
            .get_mut(out_trade_no)
            .ok_or_else(|| order_not_exist(out_trade_no))?;
        match order.state {
            TradeState::Notpay => {}
            TradeState::Closed => {
                return Err(failure(ErrorCode::OrderClosed, "订单已关闭，不能支付"));
            }
            _ => return Err(failure(ErrorCode::OrderPaid, "该订单已支付")),
        }
        let expired = order
            .fields
            .time_expire
            .as_deref()
            .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            .is_some_and(|end| end < now);
        if expired {
            return Err(failure(
                ErrorCode::OrderClosed,
                "已过支付结束时间（time_expire），订单不能再支付",
            ));
        }
        let openid = match (&order.fields.payer, openid) {
            (Some(payer), _) => payer.openid.clone(),
            (None, Some(openid)) => openid.to_owned(),
            (None, None) => DEFAULT_PAYER_OPENID.to_owned(),
        };
        let transaction_id = format!("4200{}{n:016}", date_digits(now, false));
        order.state = TradeState::Success;
        order.paid = Some(Paid {
            transaction_id: transaction_id.clone(),
            openid,
            time: now,
        });
        let total = order.total();
        let transaction = render(out_trade_no, order);
        let notify_url = order.fields.notify_url.clone();
        ledger
            .by_transaction
            .insert(transaction_id, out_trade_no.to_owned());
        ledger.balance += total;
        Ok(PaidOrder {
            transaction,
            notify_url,
        })
    }

    /// The merchant's refundable balance in fen.
    pub fn balance(&self) -> i64 {
        self.ledger().balance
    }

    /// Sets the merchant's refundable balance in fen (e.g. `0` to see `NOT_ENOUGH`).
    pub fn set_balance(&self, fen: i64) {
        self.ledger().balance = fen;
    }

    /// The number of orders (any state).
    pub fn order_count(&self) -> usize {
        self.ledger().orders.len()
    }
}

/// An order as the queries and `TRANSACTION.SUCCESS` show it: unpaid orders without
/// `transaction_id`, `payer`, `success_time`, `trade_type` (payments reference C.2, OBS-1).
fn render(out_trade_no: &str, order: &Order) -> Transaction {
    let fields = &order.fields;
    let desc = match &order.state {
        TradeState::Notpay => "订单未支付",
        TradeState::Success => "支付成功",
        TradeState::Closed => "订单已关闭",
        TradeState::Refund => "订单发生过退款",
        _ => "",
    };
    let mut t = Transaction::new(
        fields.mchid.clone(),
        out_trade_no,
        order.state.clone(),
        desc,
    );
    t.appid = Some(fields.appid.clone());
    let currency = fields
        .amount
        .currency
        .clone()
        .unwrap_or_else(|| "CNY".to_owned());
    let mut amount = TransactionAmount::new(fields.amount.total);
    amount.payer_currency = Some(currency.clone());
    if let Some(device_id) = fields.scene_info.as_ref().and_then(|s| s.device_id.clone()) {
        t.scene_info = Some(TransactionSceneInfo::new().device_id(device_id));
    }
    if let Some(paid) = &order.paid {
        t.transaction_id = Some(paid.transaction_id.clone());
        t.trade_type = Some(order.kind.clone());
        t.bank_type = Some("OTHERS".to_owned());
        t.attach = Some(fields.attach.clone().unwrap_or_default());
        t.success_time = Some(wire_time(paid.time));
        t.payer = Some(TransactionPayer::new(paid.openid.clone()));
        amount.payer_total = Some(fields.amount.total.into());
        amount.currency = Some(currency);
    }
    t.amount = Some(amount);
    t
}

/// `yyyyMMdd` (and `HHmmss`) in China time, for IDs shaped like WeChat Pay's.
pub(super) fn date_digits(at: OffsetDateTime, with_time: bool) -> String {
    let wire = wire_time(at);
    let digits: String = wire
        .as_str()
        .chars()
        .take(19)
        .filter(char::is_ascii_digit)
        .collect();
    if with_time {
        digits
    } else {
        digits.chars().take(8).collect()
    }
}
