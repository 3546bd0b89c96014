//! Verifying responses and notifications signed by WeChat Pay.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::clock::{Clock, SystemClock};
use super::keys::WechatPayPublicKey;
use super::message::response_message;
use super::{MAX_CLOCK_SKEW_SECS, SIGNATURE_TYPE};
use crate::error::{Error, VerificationError};

/// `Wechatpay-Timestamp`: Unix seconds of the signature.
pub const HEADER_TIMESTAMP: &str = "Wechatpay-Timestamp";
/// `Wechatpay-Nonce`: the nonce that was signed.
pub const HEADER_NONCE: &str = "Wechatpay-Nonce";
/// `Wechatpay-Signature`: Base64 SHA256withRSA signature.
pub const HEADER_SIGNATURE: &str = "Wechatpay-Signature";
/// `Wechatpay-Serial`: which key signed (certificate serial or `PUB_KEY_ID_…`). Also sent on
/// requests, naming the key the client can verify with.
pub const HEADER_SERIAL: &str = "Wechatpay-Serial";
/// `Wechatpay-Signature-Type`: the algorithm, `WECHATPAY2-SHA256-RSA2048`.
pub const HEADER_SIGNATURE_TYPE: &str = "Wechatpay-Signature-Type";

/// The `Wechatpay-*` header values of a response or notification.
///
/// Header names are case-insensitive on the wire; [`ResponseHeaders::from_lookup`] leaves the
/// matching to the caller's header map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseHeaders<'a> {
    /// `Wechatpay-Timestamp`.
    pub timestamp: Option<&'a str>,
    /// `Wechatpay-Nonce`.
    pub nonce: Option<&'a str>,
    /// `Wechatpay-Signature`.
    pub signature: Option<&'a str>,
    /// `Wechatpay-Serial`.
    pub serial: Option<&'a str>,
    /// `Wechatpay-Signature-Type`.
    pub signature_type: Option<&'a str>,
}

impl<'a> ResponseHeaders<'a> {
    /// Collects the five headers through `lookup`, which receives the canonical names
    /// ([`HEADER_TIMESTAMP`], ...) and must match them case-insensitively.
    ///
    /// ```
    /// use wechatpay_apiv3::auth::ResponseHeaders;
    ///
    /// let raw = [("wechatpay-timestamp", "1554209980"), ("wechatpay-nonce", "abc")];
    /// let headers = ResponseHeaders::from_lookup(|name| {
    ///     raw.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    /// });
    /// assert_eq!(headers.timestamp, Some("1554209980"));
    /// assert_eq!(headers.serial, None);
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<&'a str>) -> Self {
        ResponseHeaders {
            timestamp: lookup(HEADER_TIMESTAMP),
            nonce: lookup(HEADER_NONCE),
            signature: lookup(HEADER_SIGNATURE),
            serial: lookup(HEADER_SERIAL),
            signature_type: lookup(HEADER_SIGNATURE_TYPE),
        }
    }
}

/// How a key got into the verifier; decides [`Verifier::preferred_serial`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    PlatformCertificate,
    PublicKey,
}

#[derive(Clone, Default)]
struct Keys {
    by_serial: HashMap<String, WechatPayPublicKey>,
    /// Serials in the order they were (last) added.
    order: Vec<(String, KeyKind)>,
}

/// Checks the signature of WeChat Pay responses and notifications.
///
/// Holds an opaque `serial → key` map that takes platform-certificate serials and
/// `PUB_KEY_ID_…` public-key IDs at the same time, because during the certificate → public key
/// switch both kinds arrive. `Wechatpay-Serial` is matched as an exact string, never parsed.
///
/// Cloning is cheap; adding a key to a clone leaves the original untouched.
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<Keys>,
    clock: Arc<dyn Clock>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("serials", &self.serials())
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier without keys, reading the system clock.
    pub fn new() -> Self {
        Verifier {
            keys: Arc::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Replaces the clock the ±300 s timestamp window is measured against.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Adds a platform certificate (PEM) under its serial and returns that serial.
    ///
    /// # Errors
    /// [`Error::Config`] when the PEM is not a certificate with an RSA key.
    pub fn add_platform_certificate_pem(&mut self, pem: &str) -> Result<String, Error> {
        let (serial, key) = WechatPayPublicKey::from_certificate_pem(pem)?;
        self.insert(serial.clone(), key, KeyKind::PlatformCertificate);
        Ok(serial)
    }

    /// Adds a WeChat Pay public key (SubjectPublicKeyInfo PEM) under its ID, e.g.
    /// `PUB_KEY_ID_0114232134912410000000000000`.
    ///
    /// # Errors
    /// [`Error::Config`] when the PEM is not an RSA public key.
    pub fn add_public_key_pem(&mut self, id: impl Into<String>, pem: &str) -> Result<(), Error> {
        let key = WechatPayPublicKey::from_pem(pem)?;
        self.insert(id.into(), key, KeyKind::PublicKey);
        Ok(())
    }

    /// Adds an already parsed key under `id` (a serial or a `PUB_KEY_ID_…`), replacing any key
    /// held under the same ID.
    pub fn add_key(&mut self, id: impl Into<String>, key: WechatPayPublicKey) {
        self.insert(id.into(), key, KeyKind::PublicKey);
    }

    fn insert(&mut self, id: String, key: WechatPayPublicKey, kind: KeyKind) {
        let keys = Arc::make_mut(&mut self.keys);
        keys.order.retain(|(held, _)| *held != id);
        keys.order.push((id.clone(), kind));
        keys.by_serial.insert(id, key);
    }

    /// Whether a key is held under exactly this serial or ID.
    pub fn contains(&self, serial: &str) -> bool {
        self.keys.by_serial.contains_key(serial)
    }

    /// The serials and IDs held, in the order they were added.
    pub fn serials(&self) -> Vec<String> {
        self.keys.order.iter().map(|(id, _)| id.clone()).collect()
    }

    /// The value for the request header `Wechatpay-Serial`: the most recently added
    /// `PUB_KEY_ID_…` key if there is one (it steers WeChat Pay to sign with the public key),
    /// else the most recently added platform certificate, else the most recently added key.
    pub fn preferred_serial(&self) -> Option<String> {
        let order = &self.keys.order;
        let latest = |wanted: &dyn Fn(&(String, KeyKind)) -> bool| {
            order
                .iter()
                .rev()
                .find(|entry| wanted(entry))
                .map(|(id, _)| id.clone())
        };
        latest(&|(id, kind)| *kind == KeyKind::PublicKey && id.starts_with("PUB_KEY_ID_"))
            .or_else(|| latest(&|(_, kind)| *kind == KeyKind::PlatformCertificate))
            .or_else(|| latest(&|_| true))
    }

    /// Verifies a response or notification over its raw `body` bytes.
    ///
    /// Checks, in this order: all of `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial`
    /// are present and non-empty; `Wechatpay-Signature-Type`, when present, is
    /// `WECHATPAY2-SHA256-RSA2048`; the timestamp is decimal Unix seconds; it is less than
    /// 300 s away from now in either direction (as wechatpay-go); a key is held under the exact
    /// serial; the signature verifies over `TIMESTAMP\nNONCE\nBODY\n`.
    ///
    /// `StaleTimestamp::skew_secs` is `now - timestamp`: positive for an old (replayed)
    /// message, negative for one from the future.
    ///
    /// # Errors
    /// The [`VerificationError`] of the first failed check.
    pub fn verify(
        &self,
        headers: &ResponseHeaders<'_>,
        body: &[u8],
    ) -> Result<(), VerificationError> {
        let timestamp_text = required(headers.timestamp, HEADER_TIMESTAMP)?;
        let nonce = required(headers.nonce, HEADER_NONCE)?;
        let signature = required(headers.signature, HEADER_SIGNATURE)?;
        let serial = required(headers.serial, HEADER_SERIAL)?;

        if let Some(kind) = headers.signature_type.filter(|kind| !kind.is_empty())
            && kind != SIGNATURE_TYPE
        {
            return Err(VerificationError::UnsupportedSignatureType(kind.to_owned()));
        }

        let timestamp = parse_timestamp(timestamp_text)
            .ok_or_else(|| VerificationError::MalformedTimestamp(timestamp_text.to_owned()))?;
        let skew_secs = self.clock.now_unix().saturating_sub(timestamp);
        if skew_secs.saturating_abs() >= MAX_CLOCK_SKEW_SECS {
            return Err(VerificationError::StaleTimestamp {
                timestamp,
                skew_secs,
            });
        }

        let Some(key) = self.keys.by_serial.get(serial) else {
            return Err(VerificationError::UnknownSerial(serial.to_owned()));
        };
        let message = response_message(timestamp_text, nonce, body);
        if key.verify_base64(&message, signature) {
            Ok(())
        } else {
            Err(VerificationError::BadSignature {
                serial: serial.to_owned(),
            })
        }
    }
}

/// The header value, unless it is absent or empty (both mean the header was not sent usefully).
fn required<'h>(value: Option<&'h str>, name: &'static str) -> Result<&'h str, VerificationError> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(VerificationError::MissingHeader(name)),
    }
}

/// Unix seconds as plain decimal digits; signs, spaces and fractions are malformed, since the
/// header text itself is what was signed.
fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_parsing_is_strict() {
        assert_eq!(parse_timestamp("1554209980"), Some(1_554_209_980));
        assert_eq!(parse_timestamp("+1554209980"), None);
        assert_eq!(parse_timestamp("-1"), None);
        assert_eq!(parse_timestamp(" 1"), None);
        assert_eq!(parse_timestamp("1554209980000000000000"), None);
        assert_eq!(parse_timestamp("1.5"), None);
    }

    #[test]
    fn empty_verifier_prefers_nothing() {
        let verifier = Verifier::new();
        assert_eq!(verifier.preferred_serial(), None);
        assert!(verifier.serials().is_empty());
        assert_eq!(format!("{verifier:?}"), "Verifier { serials: [], .. }");
    }
}
