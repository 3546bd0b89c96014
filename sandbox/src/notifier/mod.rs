//! Notification delivery: `COUPON.USE`, `TRANSACTION.SUCCESS` and `REFUND.*` notifications
//! POSTed to the merchant's notify URL, re-sent until acknowledged. See [`Notifier`].
//!
//! Split by concern: [`events`] (what each event type says), [`schedule`] (when to retry, the
//! notify settings), [`envelope`] and [`coupon_use`] (building the encrypted notification),
//! [`outbox`] (creating and starting one), [`delivery`] (the signed POSTs), [`log`] (what
//! happened). This module holds the [`Notifier`] handle and the state its parts share.

mod coupon_use;
mod delivery;
mod envelope;
mod events;
mod log;
mod outbox;
mod schedule;

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use wechatpay_apiv3::api::Coupon;
use wechatpay_apiv3::auth::Clock;

use crate::Sandbox;
use crate::app::App;
use crate::config::ResponseSigning;
#[cfg(doc)]
use crate::config::SandboxConfig;
use crate::error::SandboxError;
use crate::keys::SandboxKeys;

use self::coupon_use::coupon_use_resource;
pub(crate) use self::events::Event;
pub use self::events::{
    COUPON_USE, REFUND_ABNORMAL, REFUND_CLOSED, REFUND_SUCCESS, TRANSACTION_SUCCESS,
};
use self::log::Log;
pub use self::log::{AttemptOutcome, DeliveryAttempt, DeliveryStatus, NotificationRecord};
pub(crate) use self::outbox::Outbox;
pub(crate) use self::schedule::NotifySettings;
pub use self::schedule::{DEFAULT_ATTEMPT_TIMEOUT, RetrySchedule};

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
    /// Changes the log and wakes the waiters.
    fn update(&self, change: impl FnOnce(&mut Log)) {
        change(&mut lock(&self.log));
        self.changed
            .send_modify(|version| *version = version.wrapping_add(1));
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update is a single push or field assignment, so a poisoned lock guards
    // consistent data.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:8080/notify").is_ok());
        assert!(check_url("https://example.com/wxpay/notify").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("/notify").is_err());
        assert!(check_url("").is_err());
    }
}
