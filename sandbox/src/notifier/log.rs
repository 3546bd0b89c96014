//! The delivery log: each notification created and each attempt to deliver it.

/// Where a notification is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// No usable notify URL when the event happened (no callback set when the coupon was
    /// used, a refund without `notify_url`, a URL that is not `http(s)://`): nothing is sent.
    NoUrl,
    /// Attempts are still to come.
    Pending,
    /// The receiver answered `2xx`.
    Delivered,
    /// Every attempt of the schedule failed.
    GaveUp,
}

impl DeliveryStatus {
    /// Whether no further attempt will be made.
    pub fn is_settled(self) -> bool {
        self != DeliveryStatus::Pending
    }
}

/// One notification the sandbox created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationRecord {
    /// The notification `id`, the same on every attempt.
    pub id: String,
    /// `COUPON.USE`, `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …
    pub event_type: String,
    /// What it is about: the used coupon's ID (`COUPON.USE`), the paid order's
    /// `out_trade_no` (`TRANSACTION.SUCCESS`) or the refund's `out_refund_no` (`REFUND.*`).
    pub subject: String,
    /// Where it is sent (`None`: nowhere, see [`DeliveryStatus::NoUrl`]).
    pub url: Option<String>,
    /// The exact body every attempt sends.
    pub body: String,
    /// The decrypted resource JSON (what the receiver should decrypt `ciphertext` to).
    pub resource: String,
    /// Attempts made so far.
    pub attempts: usize,
    /// The delivery state.
    pub status: DeliveryStatus,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The receiver answered `2xx`: delivered.
    Acknowledged {
        /// The status, e.g. `200` or `204`.
        status: u16,
    },
    /// The receiver answered with another status.
    Rejected {
        /// The status.
        status: u16,
        /// The start of its answer (e.g. `{"code":"FAIL","message":"…"}`).
        body: String,
    },
    /// No answer: connection failure or timeout.
    Failed {
        /// What the HTTP client said.
        error: String,
    },
}

/// One POST of a notification (an entry of the delivery log).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// The notification `id`.
    pub notification_id: String,
    /// 1 for the first attempt.
    pub attempt: usize,
    /// Where it was sent.
    pub url: String,
    /// The `Wechatpay-Timestamp` it was signed with.
    pub timestamp: i64,
    /// How it ended.
    pub outcome: AttemptOutcome,
}

#[derive(Default)]
pub(super) struct Log {
    pub(super) notifications: Vec<NotificationRecord>,
    pub(super) attempts: Vec<DeliveryAttempt>,
}
