//! [`NotifyError`]: why a notification was rejected, and what to answer WeChat Pay.

use crate::error::VerificationError;

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
