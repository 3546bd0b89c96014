//! The event types a notification can carry and what its envelope says about each.

/// The event type of a used cash coupon.
pub const COUPON_USE: &str = "COUPON.USE";
/// The event type of a paid order.
pub const TRANSACTION_SUCCESS: &str = "TRANSACTION.SUCCESS";
/// The event type of a refund that succeeded.
pub const REFUND_SUCCESS: &str = "REFUND.SUCCESS";
/// The event type of a refund that failed at the bank (the card was frozen or cancelled).
pub const REFUND_ABNORMAL: &str = "REFUND.ABNORMAL";
/// The event type of a closed refund.
pub const REFUND_CLOSED: &str = "REFUND.CLOSED";

/// What an envelope says about its event: type, `summary`, and the resource's
/// `original_type` (also its `associated_data`), as WeChat Pay sends them (coupons reference
/// C, payments reference H).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub(crate) event_type: &'static str,
    pub(super) summary: &'static str,
    pub(super) original_type: &'static str,
    /// Payment notifications follow the generic APIv3 schedule, `COUPON.USE` its own.
    pub(super) payment: bool,
}

impl Event {
    pub(crate) const COUPON_USE: Event = Event {
        event_type: COUPON_USE,
        summary: "代金券核销通知",
        original_type: "coupon",
        payment: false,
    };
    pub(crate) const TRANSACTION_SUCCESS: Event = Event {
        event_type: TRANSACTION_SUCCESS,
        summary: "支付成功",
        original_type: "transaction",
        payment: true,
    };
    pub(crate) const REFUND_SUCCESS: Event = Event {
        event_type: REFUND_SUCCESS,
        summary: "退款成功",
        original_type: "refund",
        payment: true,
    };
    pub(crate) const REFUND_ABNORMAL: Event = Event {
        event_type: REFUND_ABNORMAL,
        summary: "退款异常",
        original_type: "refund",
        payment: true,
    };
    pub(crate) const REFUND_CLOSED: Event = Event {
        event_type: REFUND_CLOSED,
        summary: "退款关闭",
        original_type: "refund",
        payment: true,
    };
}
