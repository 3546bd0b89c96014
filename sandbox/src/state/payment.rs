//! Settling an order: the user pays it (the admin endpoint,
//! [`Sandbox::pay`](crate::Sandbox::pay)) -> `SUCCESS`, or the merchant closes it ->
//! `CLOSED`. Payments reference C.3, D, G.2–G.3.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wechatpay_apiv3::api::{ErrorCode, TradeState, Transaction};

use super::SandboxState;
use super::order_queries::render;
use super::orders::{Paid, date_digits, order_not_exist};
use crate::reply::{ApiFailure, failure};

/// The openid that pays APP, H5 and Native orders when the admin call names none.
const DEFAULT_PAYER_OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// A paid order and where its `TRANSACTION.SUCCESS` goes.
#[derive(Debug, Clone)]
pub(crate) struct PaidOrder {
    pub(crate) transaction: Transaction,
    pub(crate) notify_url: String,
}

impl SandboxState {
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
}
