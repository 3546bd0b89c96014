//! Prepay: creating an order, and the idempotency of a repeated `out_trade_no` (the same
//! order back when every parameter is identical). Payments reference C.1, G.1.

use wechatpay_apiv3::api::{ErrorCode, TradeState};

use super::SandboxState;
use super::orders::{NewOrder, Order, date_digits};
use crate::reply::{ApiFailure, ErrorDetail, failure};

/// What a prepay turned into.
#[derive(Debug, Clone)]
pub(crate) struct Prepaid {
    pub(crate) prepay_id: String,
    /// `true` when an identical earlier prepay was repeated.
    pub(crate) replayed: bool,
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
}
