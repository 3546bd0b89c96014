//! Receiving WeChat Pay notifications (回调通知) such as `COUPON.USE`: the small handler a
//! merchant's web server calls with the raw headers and body of the POST it received.
//!
//! [`NotificationHandler::handle`] does, in this order (SKILLS: "必须先验签再解密"):
//!
//! 1. **verify** the `Wechatpay-*` headers over the *raw* body bytes, with the same key set and
//!    the same ±300 s window as API responses ([`Verifier::verify`]) — nothing of the body is
//!    parsed before the signature holds;
//! 2. parse the **envelope** (`id`, `create_time`, `event_type`, `resource_type`, `summary`,
//!    `resource{original_type, algorithm, ciphertext, associated_data, nonce}`);
//! 3. require `resource.algorithm` = `AEAD_AES_256_GCM`;
//! 4. **decrypt** the resource with the APIv3 key (nonce and associated data as the ASCII text
//!    of their fields; an empty or absent `associated_data` is valid);
//! 5. **decode** the plaintext by `event_type` into the generated [`NotificationResource`]
//!    (`Unknown` keeps the JSON of event types the spec does not describe).
//!
//! The merchant's server then answers WeChat Pay: [`NotificationHandler::success_response`]
//! (`204`, no body) once the notification is safely stored, or
//! [`NotificationHandler::failure_response`] (`{"code":"FAIL","message":…}` with a 4xx/5xx)
//! so that WeChat Pay sends it again later. The same notification can arrive more than once:
//! process it idempotently, keyed by [`Notification::id`] (or the coupon ID), and answer within
//! five seconds (queue slow work).
//!
//! ```no_run
//! use wechatpay_apiv3::api::NotificationResource;
//! use wechatpay_apiv3::auth::{ApiV3Key, Verifier};
//! use wechatpay_apiv3::notify::NotificationHandler;
//!
//! # fn demo(public_key_pem: &str, raw_headers: &[(String, String)], raw_body: &[u8])
//! # -> Result<(u16, Vec<u8>), wechatpay_apiv3::Error> {
//! let mut verifier = Verifier::new();
//! verifier.add_public_key_pem("PUB_KEY_ID_0114232134912410000000000000", public_key_pem)?;
//! let handler = NotificationHandler::new(verifier, ApiV3Key::new(*b"0123456789abcdef0123456789abcdef")?);
//!
//! // In the web server's POST handler, with the body bytes exactly as received:
//! let lookup = |name: &str| {
//!     raw_headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
//! };
//! Ok(match handler.handle(lookup, raw_body) {
//!     Ok(notification) => {
//!         if let NotificationResource::CouponUse(coupon) = &notification.resource {
//!             println!("coupon {} used ({})", coupon.coupon_id, notification.id);
//!         }
//!         NotificationHandler::success_response()
//!     }
//!     Err(e) => NotificationHandler::failure_response(&e),
//! })
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::api::{CouponUseResource, NotificationResource};
use crate::auth::{ApiV3Key, Clock, ResponseHeaders, Verifier, aead};
use crate::error::{Error, VerificationError};

/// The only `resource.algorithm` APIv3 notifications use.
pub const AEAD_AES_256_GCM: &str = "AEAD_AES_256_GCM";

/// The HTTP status of [`NotificationHandler::success_response`]: `204 No Content` (WeChat Pay
/// accepts `200` or `204` as "received").
pub const SUCCESS_STATUS: u16 = 204;

/// The key that decrypts notification resources.
#[derive(Clone)]
enum DecryptionKey {
    /// A real, 32-byte APIv3 key (AES-256-GCM).
    ApiV3(ApiV3Key),
    /// A 16-byte test key (AES-128-GCM), only for the official wechatpay-go vector.
    Raw(Vec<u8>),
}

impl DecryptionKey {
    fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext: &str,
    ) -> Result<Vec<u8>, Error> {
        match self {
            DecryptionKey::ApiV3(key) => key.decrypt(nonce, associated_data, ciphertext),
            DecryptionKey::Raw(key) => aead::decrypt(key, nonce, associated_data, ciphertext),
        }
    }
}

/// Verifies, decrypts and decodes WeChat Pay notifications; see the [module docs](self).
///
/// Cloning is cheap enough to keep one per server; `Debug` shows the verifier's serials but
/// never the APIv3 key.
#[derive(Clone)]
pub struct NotificationHandler {
    verifier: Verifier,
    key: DecryptionKey,
}

impl fmt::Debug for NotificationHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationHandler")
            .field("verifier", &self.verifier)
            .field("api_v3_key", &"<redacted>")
            .finish()
    }
}

impl NotificationHandler {
    /// A handler that checks signatures with `verifier` (the same platform certificates and
    /// `PUB_KEY_ID_…` public keys as API responses, e.g. [`Client::verifier`](crate::Client::verifier))
    /// and decrypts resources with the merchant's APIv3 key.
    pub fn new(verifier: Verifier, api_v3_key: ApiV3Key) -> Self {
        NotificationHandler {
            verifier,
            key: DecryptionKey::ApiV3(api_v3_key),
        }
    }

    /// Like [`new`](Self::new), with the key as raw bytes.
    ///
    /// Real APIv3 keys are 32 bytes (AES-256-GCM). A 16-byte key (AES-128-GCM, as Go's
    /// `aes.NewCipher` picks by length) is accepted only so that the official wechatpay-go
    /// notification vector, whose key `testMchAPIv3Key0` is 16 bytes, can be checked.
    ///
    /// # Errors
    /// [`Error::Config`] unless the key is 16 or 32 bytes.
    pub fn with_key_bytes(verifier: Verifier, key: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let key = key.into();
        let key = match key.len() {
            32 => DecryptionKey::ApiV3(ApiV3Key::new(key)?),
            16 => DecryptionKey::Raw(key),
            n => {
                return Err(Error::Config(format!(
                    "the APIv3 key must be 32 bytes (16 only for test vectors), got {n}"
                )));
            }
        };
        Ok(NotificationHandler { verifier, key })
    }

    /// Replaces the clock the ±300 s timestamp window is measured against.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.verifier = self.verifier.with_clock(clock);
        self
    }

    /// The verifier signatures are checked with.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Verifies, decrypts and decodes one notification.
    ///
    /// `headers` looks a request header up by name and must match case-insensitively (it is
    /// asked for `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`,
    /// `Wechatpay-Serial` and `Wechatpay-Signature-Type`); `body` must be the bytes exactly
    /// as received — never a re-serialized JSON value.
    ///
    /// # Errors
    /// The first failed step, in the order of the [module docs](self): a [`NotifyError`] that
    /// also says what to answer WeChat Pay ([`NotificationHandler::failure_response`]).
    pub fn handle<'h>(
        &self,
        headers: impl Fn(&str) -> Option<&'h str>,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        // 1. Signature over the raw bytes, before anything in the body is looked at.
        let headers = ResponseHeaders::from_lookup(headers);
        self.verifier
            .verify(&headers, body)
            .map_err(NotifyError::Verification)?;

        // 2. The envelope.
        let envelope: Envelope = serde_json::from_slice(body)
            .map_err(|e| NotifyError::MalformedEnvelope(e.to_string()))?;
        let Envelope {
            id,
            create_time,
            event_type,
            resource_type,
            summary,
            resource,
        } = envelope;
        if id.is_empty() {
            return Err(NotifyError::MalformedEnvelope("`id` is empty".into()));
        }
        if event_type.is_empty() {
            return Err(NotifyError::MalformedEnvelope(
                "`event_type` is empty".into(),
            ));
        }

        // 3. The algorithm.
        if resource.algorithm != AEAD_AES_256_GCM {
            return Err(NotifyError::UnsupportedAlgorithm(resource.algorithm));
        }

        // 4. Decryption; empty associated data is valid (do not copy the SKILLS Go check).
        let associated_data = resource.associated_data.unwrap_or_default();
        let plaintext = self
            .key
            .decrypt(&resource.nonce, &associated_data, &resource.ciphertext)
            .map_err(|e| {
                NotifyError::Decryption(match e {
                    Error::Config(message) => message,
                    other => other.to_string(),
                })
            })?;

        // 5. The typed resource.
        let decoded = NotificationResource::decode(&event_type, &plaintext).map_err(|e| {
            NotifyError::ResourceDecode {
                event_type: event_type.clone(),
                message: e.to_string(),
            }
        })?;

        Ok(Notification {
            id,
            create_time,
            event_type,
            resource_type,
            summary,
            resource: decoded,
            original_type: resource.original_type,
        })
    }

    /// [`handle`](Self::handle) with an [`http::HeaderMap`](reqwest::header::HeaderMap) — the
    /// header map of axum, hyper and reqwest — which already matches names case-insensitively.
    /// A header value that is not visible ASCII counts as absent.
    ///
    /// # Errors
    /// As [`handle`](Self::handle).
    pub fn handle_http(
        &self,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
    ) -> Result<Notification, NotifyError> {
        self.handle(
            |name| headers.get(name).and_then(|value| value.to_str().ok()),
            body,
        )
    }

    /// What to answer WeChat Pay after the notification was handled (and stored): `204` with
    /// an empty body. WeChat Pay treats `200` and `204` as "received" and stops re-sending.
    pub fn success_response() -> (u16, Vec<u8>) {
        (SUCCESS_STATUS, Vec::new())
    }

    /// What to answer WeChat Pay when handling failed: [`NotifyError::status`] with
    /// `{"code":"FAIL","message":"…"}`. Any answer other than `200`/`204` (or none within five
    /// seconds) makes WeChat Pay send the notification again later.
    pub fn failure_response(error: &NotifyError) -> (u16, Vec<u8>) {
        let body = serde_json::json!({
            "code": "FAIL",
            "message": error.to_string(),
        });
        // Serializing a `Value` of two strings cannot fail; an empty body would still be a
        // valid failure answer.
        (
            error.status(),
            serde_json::to_vec(&body).unwrap_or_default(),
        )
    }
}

/// The notification JSON (通知报文) as WeChat Pay sends it.
#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(default)]
    create_time: String,
    event_type: String,
    #[serde(default)]
    resource_type: String,
    #[serde(default)]
    summary: String,
    resource: EncryptedResource,
}

/// The `resource` object of the envelope.
#[derive(Deserialize)]
struct EncryptedResource {
    #[serde(default)]
    original_type: String,
    algorithm: String,
    ciphertext: String,
    /// Absent, `null` and `""` all mean "no associated data".
    #[serde(default)]
    associated_data: Option<String>,
    nonce: String,
}

/// A verified and decrypted notification.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification {
    /// The notification ID (通知ID), the same on every re-delivery: deduplicate on it.
    pub id: String,
    /// When the notification was created, as sent: RFC 3339 (`2021-06-24T16:37:26+08:00`) in
    /// practice, `yyyyMMddHHmmss` in older documentation; see
    /// [`create_time_parsed`](Self::create_time_parsed).
    pub create_time: String,
    /// The event type, e.g. `COUPON.USE`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// The summary (回调摘要), e.g. `代金券核销通知`.
    pub summary: String,
    /// The decrypted resource, typed by `event_type`.
    pub resource: NotificationResource,
    /// `resource.original_type`, e.g. `coupon`.
    pub original_type: String,
}

impl Notification {
    /// [`create_time`](Self::create_time) as a time: RFC 3339, or the documented
    /// `yyyyMMddHHmmss` read as China Standard Time (+08:00). `None` for anything else.
    pub fn create_time_parsed(&self) -> Option<OffsetDateTime> {
        parse_create_time(&self.create_time)
    }

    /// The resource of a `COUPON.USE` notification.
    pub fn coupon_use(&self) -> Option<&CouponUseResource> {
        match &self.resource {
            NotificationResource::CouponUse(coupon) => Some(coupon),
            _ => None,
        }
    }
}

fn parse_create_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let format = format_description!("[year][month][day][hour][minute][second]");
    let china = UtcOffset::from_hms(8, 0, 0).ok()?;
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|at| at.assume_offset(china))
}

/// Why a notification was rejected, and what to answer WeChat Pay ([`NotifyError::status`]).
///
/// Every variant is a failure that WeChat Pay should retry: the answer is never `2xx`, so the
/// notification is sent again (with a fresh signature) and nothing is lost while the cause is
/// fixed. None of the messages contains key material or decrypted data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The signature did not verify (missing header, unknown serial, bad or probe
    /// `WECHATPAY/SIGNTEST/` signature, timestamp ±300 s away — e.g. a replayed notification).
    /// Nothing was parsed or decrypted. Answer `401`: WeChat Pay re-sends with a correct
    /// signature ("验签失败时返回 4XX/5XX 即可").
    #[error("notification signature verification failed: {0}")]
    Verification(VerificationError),
    /// The signed body is not a notification envelope (not JSON, a required field missing or
    /// of the wrong type). Answer `500`.
    #[error("malformed notification envelope: {0}")]
    MalformedEnvelope(String),
    /// `resource.algorithm` is not `AEAD_AES_256_GCM`. Answer `500`.
    #[error("unsupported resource algorithm {0:?} (expected AEAD_AES_256_GCM)")]
    UnsupportedAlgorithm(String),
    /// The resource did not decrypt: most likely the APIv3 key configured is not the one set
    /// on the merchant platform (or was just changed). Answer `500`; the notification
    /// succeeds on a later retry once the key is fixed.
    #[error("cannot decrypt the notification resource: {0}")]
    Decryption(String),
    /// The decrypted resource is not the shape the spec gives its event type. Answer `500`.
    #[error("cannot decode the {event_type} resource: {message}")]
    ResourceDecode {
        /// The `event_type` of the notification.
        event_type: String,
        /// What the JSON decoder said (no plaintext).
        message: String,
    },
}

impl NotifyError {
    /// The HTTP status to answer WeChat Pay with: `401` for a failed verification (the
    /// request is not proven to come from WeChat Pay), `500` for a genuine notification this
    /// server could not process. Both make WeChat Pay retry.
    pub fn status(&self) -> u16 {
        match self {
            NotifyError::Verification(_) => 401,
            NotifyError::MalformedEnvelope(_)
            | NotifyError::UnsupportedAlgorithm(_)
            | NotifyError::Decryption(_)
            | NotifyError::ResourceDecode { .. } => 500,
        }
    }

    /// The verification failure, if that is what this is.
    pub fn verification(&self) -> Option<&VerificationError> {
        match self {
            NotifyError::Verification(kind) => Some(kind),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_time_accepts_both_documented_formats() {
        let rfc = parse_create_time("2021-06-24T16:37:26+08:00").unwrap();
        assert_eq!(rfc.unix_timestamp(), 1_624_523_846);
        let old = parse_create_time("20210624163726").unwrap();
        assert_eq!(old, rfc);
        assert_eq!(parse_create_time("2021-06-24"), None);
        assert_eq!(parse_create_time("2021062416372x"), None);
        assert_eq!(parse_create_time(""), None);
    }

    #[test]
    fn key_lengths() {
        assert!(NotificationHandler::with_key_bytes(Verifier::new(), *b"testMchAPIv3Key0").is_ok());
        assert!(NotificationHandler::with_key_bytes(Verifier::new(), [1u8; 32].to_vec()).is_ok());
        for len in [0, 15, 24, 31, 33] {
            assert!(
                NotificationHandler::with_key_bytes(Verifier::new(), vec![1u8; len]).is_err(),
                "{len}"
            );
        }
    }

    #[test]
    fn responses() {
        assert_eq!(NotificationHandler::success_response(), (204, Vec::new()));
        let (status, body) = NotificationHandler::failure_response(&NotifyError::Verification(
            VerificationError::MissingHeader("Wechatpay-Signature"),
        ));
        assert_eq!(status, 401);
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "FAIL");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("Wechatpay-Signature")
        );
        let (status, _) =
            NotificationHandler::failure_response(&NotifyError::Decryption("x".into()));
        assert_eq!(status, 500);
    }
}
