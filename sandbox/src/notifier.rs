//! Notification delivery: `COUPON.USE`, `TRANSACTION.SUCCESS` and `REFUND.*` notifications
//! POSTed to the merchant's notify URL, re-sent until acknowledged. See [`Notifier`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::watch;
use wechatpay_apiv3::api::{Coupon, CouponUseResource, DiscountTo, SingleitemDiscountOff};
use wechatpay_apiv3::auth::{
    Clock, HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_SIGNATURE_TYPE, HEADER_TIMESTAMP,
    NonceSource as _, RandomNonce, SIGNATURE_TYPE, aead, response_message,
};

use crate::Sandbox;
use crate::app::App;
use crate::config::{ResponseSigning, SandboxConfig};
use crate::error::SandboxError;
use crate::keys::SandboxKeys;
use crate::stocks::wire_time;

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
    summary: &'static str,
    original_type: &'static str,
    /// Payment notifications follow the generic APIv3 schedule, `COUPON.USE` its own.
    payment: bool,
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
/// How long a receiver has to answer one attempt by default (WeChat Pay's five seconds).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most characters of a rejecting receiver's answer kept in the delivery log.
const EXCERPT_CHARS: usize = 200;

/// When an unacknowledged notification is sent again: the delays between attempts. A
/// schedule of `n` delays makes at most `n + 1` attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// [`RetrySchedule::coupon_use`].
    fn default() -> Self {
        RetrySchedule::coupon_use()
    }
}

impl RetrySchedule {
    /// Attempts separated by these delays (the first attempt is immediate).
    pub fn new(delays: impl IntoIterator<Item = Duration>) -> Self {
        RetrySchedule {
            delays: delays.into_iter().collect(),
        }
    }

    /// `attempts` attempts in all (at least one), `interval` apart.
    pub fn fixed(interval: Duration, attempts: usize) -> Self {
        RetrySchedule::new(std::iter::repeat_n(interval, attempts.saturating_sub(1)))
    }

    /// One attempt, no retry.
    pub fn once() -> Self {
        RetrySchedule::new([])
    }

    /// The schedule documented for `COUPON.USE` ("通知频率为1min1次，总计9次"): nine attempts,
    /// one minute apart (eight minutes from first to last). The default.
    pub fn coupon_use() -> Self {
        RetrySchedule::fixed(Duration::from_secs(60), 9)
    }

    /// The generic APIv3 notification schedule (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/
    /// 3h/6h/6h, 24 h 4 min in all): sixteen attempts.
    pub fn payment() -> Self {
        const MIN: u64 = 60;
        const HOUR: u64 = 60 * MIN;
        RetrySchedule::new(
            [
                15,
                15,
                30,
                3 * MIN,
                10 * MIN,
                20 * MIN,
                30 * MIN,
                30 * MIN,
                30 * MIN,
                HOUR,
                3 * HOUR,
                3 * HOUR,
                3 * HOUR,
                6 * HOUR,
                6 * HOUR,
            ]
            .map(Duration::from_secs),
        )
    }

    /// The delays between attempts.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The most attempts one notification gets.
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }
}

/// Notification settings of a [`SandboxConfig`].
#[derive(Debug, Clone, Default)]
pub(crate) struct NotifySettings {
    url: Option<String>,
    /// `None`: each event's documented schedule.
    schedule: Option<RetrySchedule>,
    attempt_timeout: Option<Duration>,
}

impl SandboxConfig {
    /// The notify URL `COUPON.USE` notifications are POSTed to from the start (as if set with
    /// `POST /v3/marketing/favor/callbacks`). `http://` and `https://` URLs are accepted;
    /// [`Sandbox::start`] fails with [`SandboxError::Config`] on anything else.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify.url = Some(url.into());
        self
    }

    /// When unacknowledged notifications are re-sent, for every event type. By default each
    /// follows its documented schedule: [`RetrySchedule::coupon_use`] (9 attempts, a minute
    /// apart) for `COUPON.USE`, [`RetrySchedule::payment`] (16 attempts over 24 h) for
    /// `TRANSACTION.SUCCESS` and `REFUND.*`.
    pub fn notify_retries(mut self, schedule: RetrySchedule) -> Self {
        self.notify.schedule = Some(schedule);
        self
    }

    /// How long the receiver has to answer one attempt (default 5 s).
    pub fn notify_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.notify.attempt_timeout = Some(timeout);
        self
    }
}

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
struct Log {
    notifications: Vec<NotificationRecord>,
    attempts: Vec<DeliveryAttempt>,
}

/// What the background deliveries share.
struct Shared {
    keys: SandboxKeys,
    serial: String,
    clock: Arc<dyn Clock>,
    http: Result<reqwest::Client, String>,
    coupon_schedule: RetrySchedule,
    payment_schedule: RetrySchedule,
    attempt_timeout: Duration,
    url: Mutex<Option<String>>,
    log: Mutex<Log>,
    /// Bumped on every log change; waiters watch it.
    changed: watch::Sender<u64>,
    request_id_prefix: u64,
    request_counter: AtomicU64,
}

/// The notification sender of a sandbox ([`Sandbox::notifications`]): when a coupon is used,
/// it POSTs a `COUPON.USE` notification to the merchant's notify URL the way WeChat Pay does,
/// and re-sends it until the receiver acknowledges it. It also keeps the delivery log.
///
/// Each notification is built once (reference section C):
///
/// ```json
/// {"id":"<UUID>","create_time":"2024-05-21T10:00:05+08:00","resource_type":"encrypt-resource",
///  "event_type":"COUPON.USE","summary":"代金券核销通知",
///  "resource":{"original_type":"coupon","algorithm":"AEAD_AES_256_GCM","ciphertext":"…",
///              "associated_data":"coupon","nonce":"<12 random alphanumerics>"}}
/// ```
///
/// where `ciphertext` is the `CouponUseResource` JSON of the used coupon, encrypted with the
/// sandbox's APIv3 key. Every attempt sends those same body bytes with a fresh
/// `Wechatpay-Timestamp` (sandbox clock), `Wechatpay-Nonce` and `Wechatpay-Signature` (the
/// platform key, over `TIMESTAMP\nNONCE\nBODY\n`), `Wechatpay-Serial` (the serial responses
/// use by default: the public key ID, or the platform certificate serial in the other two
/// [`ResponseSigning`] modes), `Wechatpay-Signature-Type`, `Request-ID` and
/// `Content-Type: application/json`.
///
/// Any `2xx` answer acknowledges (WeChat Pay documents `200` and `204`); any other status, a
/// connection failure or no answer within the attempt timeout (default 5 s, the time WeChat
/// Pay gives) is a failed attempt, retried after the next delay of the [`RetrySchedule`]. The
/// default schedule is the one documented for `COUPON.USE` — one attempt per minute, nine in
/// all; [`RetrySchedule::payment`] is the generic 15 s/15 s/30 s/3 m/… schedule. After the
/// last attempt the notification is given up. Deliveries run in the background on the
/// sandbox's runtime and stop when the sandbox is dropped.
///
/// The notify URL comes from `POST /v3/marketing/favor/callbacks`, [`Sandbox::set_notify_url`]
/// or [`SandboxConfig::notify_url`], whichever was set last. It is read when the coupon is
/// used: a coupon used while no URL is set is logged as [`DeliveryStatus::NoUrl`] and never
/// sent.
pub struct Notifier {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    /// Deliveries hold receivers: dropping the notifier (with the sandbox) stops them.
    stop: watch::Sender<()>,
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("url", &self.url())
            .field("serial", &self.shared.serial)
            .field("coupon_schedule", &self.shared.coupon_schedule)
            .field("payment_schedule", &self.shared.payment_schedule)
            .field("attempt_timeout", &self.shared.attempt_timeout)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// The notifier of a sandbox being started.
    pub(crate) fn new(
        settings: &NotifySettings,
        keys: SandboxKeys,
        signing: ResponseSigning,
        clock: Arc<dyn Clock>,
        runtime: tokio::runtime::Handle,
    ) -> Result<Self, SandboxError> {
        let url = settings.url.as_deref().map(check_url).transpose()?;
        // The same serial a response without `Wechatpay-Serial` carries.
        let serial = match signing {
            ResponseSigning::PublicKey => keys.public_key_id(),
            ResponseSigning::PlatformCertificate | ResponseSigning::MatchRequest => {
                keys.platform_serial()
            }
        }
        .to_owned();
        // No proxy: notify URLs of a local sandbox point at local receivers. Redirects are not
        // followed (WeChat Pay does not either).
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"));
        if let Err(e) = &http {
            tracing::error!(error = %e, "notifications cannot be sent");
        }
        Ok(Notifier {
            shared: Arc::new(Shared {
                keys,
                serial,
                clock,
                http,
                coupon_schedule: settings
                    .schedule
                    .clone()
                    .unwrap_or_else(RetrySchedule::coupon_use),
                payment_schedule: settings
                    .schedule
                    .clone()
                    .unwrap_or_else(RetrySchedule::payment),
                attempt_timeout: settings.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
                url: Mutex::new(url),
                log: Mutex::default(),
                changed: watch::Sender::new(0),
                request_id_prefix: rand::random(),
                request_counter: AtomicU64::new(1),
            }),
            runtime,
            stop: watch::Sender::new(()),
        })
    }

    /// The notify URL, if one is set.
    pub fn url(&self) -> Option<String> {
        lock(&self.shared.url).clone()
    }

    /// Sets (or, with `None`, clears) the notify URL for coupons used from now on.
    /// Notifications already being delivered keep their URL.
    ///
    /// # Errors
    /// [`SandboxError::Config`] unless the URL is an absolute `http://` or `https://` URL.
    pub fn set_url(&self, url: Option<&str>) -> Result<(), SandboxError> {
        let url = url.map(check_url).transpose()?;
        *lock(&self.shared.url) = url;
        Ok(())
    }

    /// The retry schedule of `COUPON.USE` notifications.
    pub fn schedule(&self) -> &RetrySchedule {
        &self.shared.coupon_schedule
    }

    /// The retry schedule of `TRANSACTION.SUCCESS` and `REFUND.*` notifications.
    pub fn payment_schedule(&self) -> &RetrySchedule {
        &self.shared.payment_schedule
    }

    /// The serial notifications are signed under (`Wechatpay-Serial`).
    pub fn serial(&self) -> &str {
        &self.shared.serial
    }

    /// Every notification created so far, oldest first.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        lock(&self.shared.log).notifications.clone()
    }

    /// One notification by `id`.
    pub fn notification(&self, id: &str) -> Option<NotificationRecord> {
        lock(&self.shared.log)
            .notifications
            .iter()
            .find(|n| n.id == id)
            .cloned()
    }

    /// The delivery log: every attempt so far, in the order they ended.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        lock(&self.shared.log).attempts.clone()
    }

    /// Waits until the notification `id` is delivered or given up, and returns it (`None` for
    /// an unknown `id`, or if the sandbox stopped first).
    pub async fn wait_settled(&self, id: &str) -> Option<NotificationRecord> {
        let mut changed = self.shared.changed.subscribe();
        loop {
            let record = self.notification(id)?;
            if record.status.is_settled() {
                return Some(record);
            }
            changed.changed().await.ok()?;
        }
    }

    /// Waits until `count` notifications exist and none is pending, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<NotificationRecord> {
        let mut changed = self.shared.changed.subscribe();
        loop {
            let all = self.notifications();
            if all.len() >= count && all.iter().all(|n| n.status.is_settled()) {
                return all;
            }
            if changed.changed().await.is_err() {
                return all;
            }
        }
    }

    /// Creates the `COUPON.USE` notification of a coupon just used and starts delivering it
    /// to the notify URL set now.
    pub(crate) fn coupon_used(&self, coupon: &Coupon) {
        let resource = coupon_use_resource(coupon);
        self.outbox()
            .send(&Event::COUPON_USE, &coupon.coupon_id, &resource, self.url());
    }

    /// A sending handle that tasks can keep (it stops with the sandbox too).
    pub(crate) fn outbox(&self) -> Outbox {
        Outbox {
            shared: Arc::clone(&self.shared),
            runtime: self.runtime.clone(),
            stop: self.stop.subscribe(),
        }
    }
}

impl Shared {
    /// The envelope JSON of a new notification.
    fn envelope(&self, event: &Event, plaintext: &str) -> Result<Built, SandboxError> {
        let nonce: String = RandomNonce.nonce().chars().take(12).collect();
        let ciphertext = aead::encrypt(
            self.keys.api_v3_key().as_bytes(),
            &nonce,
            event.original_type,
            plaintext.as_bytes(),
        )
        .map_err(|e| SandboxError::Config(e.to_string()))?;
        let now = OffsetDateTime::from_unix_timestamp(self.clock.now_unix())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let id = uuid_like();
        let envelope = Envelope {
            id: &id,
            create_time: wire_time(now).as_str().to_owned(),
            resource_type: "encrypt-resource",
            event_type: event.event_type,
            summary: event.summary,
            resource: EncryptedResource {
                original_type: event.original_type,
                algorithm: "AEAD_AES_256_GCM",
                ciphertext,
                associated_data: event.original_type,
                nonce,
            },
        };
        let json = serde_json::to_string(&envelope)
            .map_err(|e| SandboxError::Config(format!("notification JSON: {e}")))?;
        Ok(Built { id, json })
    }
}

/// A handle that sends notifications: cheap to clone, kept by tasks that send later (a
/// refund settling); its deliveries stop with the sandbox like the notifier's.
#[derive(Clone)]
pub(crate) struct Outbox {
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    stop: watch::Receiver<()>,
}

impl Outbox {
    /// Creates a notification of `event` about `subject` (see
    /// [`NotificationRecord::subject`]) carrying `resource`, and starts delivering it to
    /// `url`. The one place every notification is built and sent from.
    pub(crate) fn send<R: Serialize>(
        &self,
        event: &Event,
        subject: &str,
        resource: &R,
        url: Option<String>,
    ) {
        // Serializing a generated struct of strings, numbers and booleans cannot fail.
        let plaintext = serde_json::to_string(resource).unwrap_or_default();
        let url = url.and_then(|url| match check_url(&url) {
            Ok(url) => Some(url),
            Err(e) => {
                tracing::warn!(error = %e, subject, "notification not sent");
                None
            }
        });
        let body = match self.shared.envelope(event, &plaintext) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, subject, "cannot build notification");
                return;
            }
        };
        let record = NotificationRecord {
            id: body.id.clone(),
            event_type: event.event_type.to_owned(),
            subject: subject.to_owned(),
            url: url.clone(),
            body: body.json.clone(),
            resource: plaintext,
            attempts: 0,
            status: if url.is_some() {
                DeliveryStatus::Pending
            } else {
                DeliveryStatus::NoUrl
            },
        };
        self.shared.update(|log| log.notifications.push(record));
        let Some(url) = url else {
            tracing::info!(event = event.event_type, subject, "no notify URL; not sent");
            return;
        };
        let shared = Arc::clone(&self.shared);
        let stop = self.stop.clone();
        let schedule = if event.payment {
            shared.payment_schedule.clone()
        } else {
            shared.coupon_schedule.clone()
        };
        self.runtime
            .spawn(deliver(shared, stop, schedule, body.id, url, body.json));
    }

    /// Runs `task` after `delay` on the sandbox's runtime, unless the sandbox stops first.
    pub(crate) fn after(&self, delay: Duration, task: impl FnOnce(&Outbox) + Send + 'static) {
        let outbox = self.clone();
        let mut stop = self.stop.clone();
        self.runtime.spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(delay) => task(&outbox),
                _ = stop.changed() => {}
            }
        });
    }
}

struct Built {
    id: String,
    json: String,
}

/// The envelope, fields in WeChat Pay's order.
#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    create_time: String,
    resource_type: &'static str,
    event_type: &'static str,
    summary: &'static str,
    resource: EncryptedResource,
}

#[derive(Serialize)]
struct EncryptedResource {
    original_type: &'static str,
    algorithm: &'static str,
    ciphertext: String,
    associated_data: &'static str,
    nonce: String,
}

impl Shared {
    /// Changes the log and wakes the waiters.
    fn update(&self, change: impl FnOnce(&mut Log)) {
        change(&mut lock(&self.log));
        self.changed
            .send_modify(|version| *version = version.wrapping_add(1));
    }

    /// One POST; the timestamp it was signed with and how it ended.
    async fn attempt(&self, url: &str, body: &str) -> (i64, AttemptOutcome) {
        let timestamp = self.clock.now_unix();
        let http = match &self.http {
            Ok(http) => http,
            Err(e) => {
                return (timestamp, AttemptOutcome::Failed { error: e.clone() });
            }
        };
        let timestamp_text = timestamp.to_string();
        let nonce = RandomNonce.nonce();
        let signature = self
            .keys
            .platform_signing_key()
            .sign_base64(&response_message(&timestamp_text, &nonce, body.as_bytes()));
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("{:016X}{n:012X}-0", self.request_id_prefix);
        let request = http
            .post(url)
            .timeout(self.attempt_timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Request-ID", request_id)
            .header(HEADER_TIMESTAMP, &timestamp_text)
            .header(HEADER_NONCE, &nonce)
            .header(HEADER_SERIAL, &self.serial)
            .header(HEADER_SIGNATURE, &signature)
            .header(HEADER_SIGNATURE_TYPE, SIGNATURE_TYPE)
            .body(body.to_owned());
        let outcome = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                if response.status().is_success() {
                    AttemptOutcome::Acknowledged { status }
                } else {
                    let answer = response.bytes().await.unwrap_or_default();
                    AttemptOutcome::Rejected {
                        status,
                        body: String::from_utf8_lossy(&answer)
                            .chars()
                            .take(EXCERPT_CHARS)
                            .collect(),
                    }
                }
            }
            Err(e) => AttemptOutcome::Failed {
                error: error_chain(&e),
            },
        };
        (timestamp, outcome)
    }
}

/// Delivers one notification: attempts until acknowledged or the schedule is used up, or
/// until the sandbox stops.
async fn deliver(
    shared: Arc<Shared>,
    mut stop: watch::Receiver<()>,
    schedule: RetrySchedule,
    id: String,
    url: String,
    body: String,
) {
    let max = schedule.max_attempts();
    for attempt in 1..=max {
        let (timestamp, outcome) = tokio::select! {
            done = shared.attempt(&url, &body) => done,
            _ = stop.changed() => return,
        };
        let acknowledged = matches!(outcome, AttemptOutcome::Acknowledged { .. });
        let status = if acknowledged {
            DeliveryStatus::Delivered
        } else if attempt == max {
            DeliveryStatus::GaveUp
        } else {
            DeliveryStatus::Pending
        };
        tracing::info!(
            notification_id = %id,
            attempt,
            outcome = ?outcome,
            "notification attempt"
        );
        shared.update(|log| {
            if let Some(record) = log.notifications.iter_mut().find(|n| n.id == id) {
                record.attempts = attempt;
                record.status = status;
            }
            log.attempts.push(DeliveryAttempt {
                notification_id: id.clone(),
                attempt,
                url: url.clone(),
                timestamp,
                outcome,
            });
        });
        if status.is_settled() {
            return;
        }
        let delay = schedule
            .delays
            .get(attempt - 1)
            .copied()
            .unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.changed() => return,
        }
    }
}

impl App {
    /// Marks a coupon used and sends its `COUPON.USE` notification: the one place both
    /// [`Sandbox::consume`] and `POST /sandbox/coupons/consume` go through.
    pub(crate) fn consume(&self, openid: &str, coupon_id: &str) -> Result<Coupon, SandboxError> {
        let coupon = self.state.consume(openid, coupon_id)?;
        self.notifier.coupon_used(&coupon);
        Ok(coupon)
    }
}

impl Sandbox {
    /// The notification sender: notify URL, delivery log, waiting for deliveries.
    pub fn notifications(&self) -> &Notifier {
        &self.app.notifier
    }

    /// Sets (or clears) the URL `COUPON.USE` notifications are POSTed to, like
    /// `POST /v3/marketing/favor/callbacks` with `switch` `true` (or `false`) does; see
    /// [`Notifier::set_url`]. `GET /v3/marketing/favor/callbacks` shows it afterwards.
    ///
    /// # Errors
    /// [`SandboxError::Config`] unless the URL is an absolute `http://` or `https://` URL.
    pub fn set_notify_url(&self, url: Option<&str>) -> Result<(), SandboxError> {
        self.app.notifier.set_url(url)?;
        // Keep the API's view (the stored callback setting) in step.
        match url {
            Some(url) => {
                self.app.state.set_callback(url, true);
            }
            None => {
                if let Some(setting) = self.app.state.callback() {
                    self.app.state.set_callback(&setting.notify_url, false);
                }
            }
        }
        Ok(())
    }
}

/// The decrypted `COUPON.USE` resource of a coupon, as the list API renders it.
fn coupon_use_resource(coupon: &Coupon) -> CouponUseResource {
    let mut resource = CouponUseResource::new(
        coupon.stock_creator_mchid.clone(),
        coupon.stock_id.clone(),
        coupon.coupon_id.clone(),
    )
    .coupon_name(coupon.coupon_name.clone())
    .status(coupon.status.clone())
    .description(coupon.description.clone())
    .create_time(coupon.create_time.clone())
    .coupon_type(coupon.coupon_type.clone())
    .available_begin_time(coupon.available_begin_time.clone())
    .available_end_time(coupon.available_end_time.clone());
    if let Some(no_cash) = coupon.no_cash {
        resource = resource.no_cash(no_cash);
    }
    if let Some(singleitem) = coupon.singleitem {
        resource = resource.singleitem(singleitem);
    }
    if let Some(normal) = &coupon.normal_coupon_information {
        resource = resource.normal_coupon_information(normal.clone());
    }
    // The list API's `cut_to_message` is two fields of the notification (reference C).
    if let Some(cut_to) = &coupon.cut_to_message {
        resource = resource
            .singleitem_discount_off(
                SingleitemDiscountOff::new().single_price_max(cut_to.single_price_max),
            )
            .discount_to(
                DiscountTo::new()
                    .cut_to_price(cut_to.cut_to_price)
                    .max_price(cut_to.single_price_max),
            );
    }
    if let Some(consumed) = &coupon.consume_information {
        resource = resource.consume_information(consumed.clone());
    }
    if let Some(business_type) = &coupon.business_type {
        resource = resource.business_type(business_type.clone());
    }
    resource
}

/// An absolute `http(s)://` URL.
fn check_url(url: &str) -> Result<String, SandboxError> {
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(url.to_owned())
        }
        Ok(_) => Err(SandboxError::Config(format!(
            "notify URL {url:?} must be an http:// or https:// URL"
        ))),
        Err(e) => Err(SandboxError::Config(format!(
            "notify URL {url:?} is not a valid URL: {e}"
        ))),
    }
}

/// A random UUID (version 4 layout), like the IDs WeChat Pay gives notifications.
fn uuid_like() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0F) | 0x40;
    bytes[8] = (bytes[8] & 0x3F) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// An error and its sources, `: `-separated (reqwest's own message is terse).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a single push or field assignment, so a poisoned lock guards
    // consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::Timestamp;
    use wechatpay_apiv3::api::NotificationResource;
    use wechatpay_apiv3::api::{
        ConsumeInformation, CouponStatus, CouponType, CutToMessage, NormalCouponInformation,
    };

    /// Whether the client's decoder reads `plaintext` as a `COUPON.USE` resource.
    fn decodes(plaintext: &str) -> bool {
        matches!(
            NotificationResource::decode(COUPON_USE, plaintext.as_bytes()),
            Ok(NotificationResource::CouponUse(_))
        )
    }

    #[test]
    fn schedules() {
        assert_eq!(RetrySchedule::default().max_attempts(), 9);
        assert!(
            RetrySchedule::coupon_use()
                .delays()
                .iter()
                .all(|d| *d == Duration::from_secs(60))
        );
        let payment = RetrySchedule::payment();
        assert_eq!(payment.max_attempts(), 16);
        let total: Duration = payment.delays().iter().sum();
        assert_eq!(total, Duration::from_secs(24 * 3600 + 4 * 60));
        assert_eq!(RetrySchedule::once().max_attempts(), 1);
        assert_eq!(
            RetrySchedule::fixed(Duration::from_millis(1), 0).max_attempts(),
            1
        );
        assert_eq!(
            RetrySchedule::fixed(Duration::from_millis(1), 3).max_attempts(),
            3
        );
    }

    #[test]
    fn ids_look_like_uuids() {
        let id = uuid_like();
        assert_eq!(id.len(), 36);
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(
            groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        assert_ne!(uuid_like(), id);
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:8080/notify").is_ok());
        assert!(check_url("https://example.com/wxpay/notify").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("/notify").is_err());
        assert!(check_url("").is_err());
    }

    fn coupon(kind: CouponType) -> Coupon {
        let t = Timestamp::from_wire("2024-05-20T13:29:35+08:00");
        Coupon::new(
            "8956000",
            "9856000",
            "9867041",
            "微信支付代金券",
            CouponStatus::Used,
            "说明",
            t.clone(),
            kind,
            t.clone(),
            t.clone(),
        )
        .no_cash(false)
        .singleitem(false)
        .consume_information(
            ConsumeInformation::new().transaction_id("4200000000000000000000000000"),
        )
    }

    #[test]
    fn resources_follow_the_notification_shape() {
        let normal = coupon(CouponType::Normal)
            .normal_coupon_information(NormalCouponInformation::new(100, 100));
        let json = serde_json::to_string(&coupon_use_resource(&normal)).unwrap();
        assert!(decodes(&json), "{json}");
        assert!(
            json.contains(
                r#""normal_coupon_information":{"coupon_amount":100,"transaction_minimum":100}"#
            ),
            "{json}"
        );
        assert!(json.contains(r#""status":"USED""#), "{json}");
        assert!(!json.contains("out_request_no"), "{json}");

        let cut_to = coupon(CouponType::CutTo).cut_to_message(CutToMessage::new(1000, 1));
        let json = serde_json::to_string(&coupon_use_resource(&cut_to)).unwrap();
        assert!(decodes(&json), "{json}");
        assert!(
            json.contains(r#""singleitem_discount_off":{"single_price_max":1000}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""discount_to":{"cut_to_price":1,"max_price":1000}"#),
            "{json}"
        );
        assert!(!json.contains("cut_to_message"), "{json}");
    }
}
