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
//! 5. **decode** the plaintext by `event_type` into a [`NotificationEvent`]: the generated
//!    [`api::NotificationResource`](crate::api::NotificationResource), whose `Unknown` keeps the
//!    JSON of event types the spec does not describe, or any type of yours
//!    ([`NotificationHandler::handle_as`]).
//!
//! This module is spec-agnostic: the typed resource and the `handle` / `handle_http` methods
//! that return it are generated from the spec's notifications, next to the resource types.
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

mod error;
mod notification;

use serde::Deserialize;

use crate::auth::{ApiV3Key, Clock, ResponseHeaders, Verifier, aead};
use crate::error::Error;

pub use error::NotifyError;
pub use notification::Notification;

/// The header map of axum, hyper and reqwest (the `http` crate's), as
/// [`handle_http_as`](NotificationHandler::handle_http_as) takes it.
pub use reqwest::header::HeaderMap;

/// The decrypted resource of a notification, typed by its `event_type`.
///
/// Implemented by the generated [`api::NotificationResource`](crate::api::NotificationResource)
/// and by [`serde_json::Value`] (any event, as JSON).
pub trait NotificationEvent: Sized {
    /// Decodes the decrypted plaintext of a notification of `event_type`.
    ///
    /// # Errors
    /// The JSON error when the plaintext is not the shape of the event type.
    fn decode(event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error>;
}

impl NotificationEvent for serde_json::Value {
    fn decode(_event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(plaintext)
    }
}

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
                return Err(Error::config(format!(
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

    /// Verifies, decrypts and decodes one notification into the resource type `R`. The
    /// generated `handle` is this with the spec's
    /// [`NotificationResource`](crate::api::NotificationResource).
    ///
    /// `headers` looks a request header up by name and must match case-insensitively (it is
    /// asked for `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature`,
    /// `Wechatpay-Serial` and `Wechatpay-Signature-Type`); `body` must be the bytes exactly
    /// as received — never a re-serialized JSON value.
    ///
    /// # Errors
    /// The first failed step, in the order of the [module docs](self): a [`NotifyError`] that
    /// also says what to answer WeChat Pay ([`NotificationHandler::failure_response`]).
    pub fn handle_as<'h, R: NotificationEvent>(
        &self,
        headers: impl Fn(&str) -> Option<&'h str>,
        body: &[u8],
    ) -> Result<Notification<R>, NotifyError> {
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
                    Error::Config(config) => config.message().to_owned(),
                    other => other.to_string(),
                })
            })?;

        // 5. The typed resource.
        let decoded =
            R::decode(&event_type, &plaintext).map_err(|e| NotifyError::ResourceDecode {
                event_type: event_type.clone(),
                message: e.to_string(),
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

    /// [`handle_as`](Self::handle_as) with a [`HeaderMap`] — the header map of axum, hyper and
    /// reqwest — which already matches names case-insensitively. A header value that is not
    /// visible ASCII counts as absent.
    ///
    /// # Errors
    /// As [`handle_as`](Self::handle_as).
    pub fn handle_http_as<R: NotificationEvent>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification<R>, NotifyError> {
        self.handle_as(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::VerificationError;

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
