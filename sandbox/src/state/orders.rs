//! Orders (basic payments) as the ledger keeps them: the prepay fields an order holds, its
//! state and payment, and the ledger itself. A prepay creates one `NOTPAY` (`prepay.rs`); the
//! user pays it or the merchant closes it (`payment.rs`); a refund turns it into `REFUND`
//! (`refunds.rs`); `order_queries.rs` reads orders back. Facts and sources: payments
//! reference B, C.1–C.3, D, G.1–G.3. The ledger also keeps the refunds, since a refund checks
//! its order.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use wechatpay_apiv3::api::{ErrorCode, TradeState, TransactionTradeType};

use super::refunds::RefundEntry;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::stocks::wire_time;

/// The fields of a prepay body an order keeps, read from any of the four bodies (their wire
/// names are the same; the generated validation has already run).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct OrderFields {
    pub(super) appid: String,
    pub(super) mchid: String,
    pub(super) notify_url: String,
    #[serde(default)]
    pub(super) attach: Option<String>,
    #[serde(default)]
    pub(super) time_expire: Option<String>,
    pub(super) amount: OrderAmount,
    #[serde(default)]
    pub(super) payer: Option<OrderPayer>,
    #[serde(default)]
    pub(super) scene_info: Option<OrderScene>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct OrderAmount {
    pub(super) total: i64,
    #[serde(default)]
    pub(super) currency: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct OrderPayer {
    pub(super) openid: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct OrderScene {
    #[serde(default)]
    pub(super) device_id: Option<String>,
}

/// A prepay request as the ledger sees it.
#[derive(Debug, Clone)]
pub(crate) struct NewOrder {
    pub(super) kind: TransactionTradeType,
    /// The whole body, for the "identical parameters" check.
    pub(super) request: Value,
    pub(super) fields: OrderFields,
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
pub(super) struct Paid {
    pub(super) transaction_id: String,
    pub(super) openid: String,
    pub(super) time: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(super) struct Order {
    pub(super) kind: TransactionTradeType,
    pub(super) request: Value,
    pub(super) fields: OrderFields,
    pub(super) prepay_id: String,
    pub(super) state: TradeState,
    pub(super) paid: Option<Paid>,
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
pub(super) fn order_not_exist(out_trade_no: &str) -> ApiFailure {
    failure(ErrorCode::OrderNotExist, "订单不存在").detail(
        ErrorDetail::at("path", "out_trade_no")
            .value(out_trade_no.to_owned())
            .issue("no order with this out_trade_no"),
    )
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
