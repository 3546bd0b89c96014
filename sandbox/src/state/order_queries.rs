//! Reading orders back: the order queries (by `out_trade_no`, by `transaction_id`), how an
//! order renders as a `Transaction`, and the handle's ledger inspection (balance, count).
//! Payments reference C.2.

use wechatpay_apiv3::api::{
    ErrorCode, TradeState, Transaction, TransactionAmount, TransactionPayer, TransactionSceneInfo,
};

use super::SandboxState;
use super::orders::{Order, order_not_exist};
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::stocks::wire_time;

impl SandboxState {
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
pub(super) fn render(out_trade_no: &str, order: &Order) -> Transaction {
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
