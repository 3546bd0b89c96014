//! The one error type of the client: what went wrong, with enough context to act on it, and
//! whether sending the same request again is safe.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use crate::api::ErrorCode;

/// Everything that can go wrong when building, sending or reading an APIv3 call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// WeChat Pay answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request never got a complete HTTP response (connect, TLS, I/O).
    #[error("transport error: {message}")]
    Transport {
        /// What failed, from the HTTP stack.
        message: String,
        /// `true` when the connection could not be established at all (nothing was sent).
        connect: bool,
    },
    /// No response within the configured timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// A 2xx response whose signature could not be verified; its body is never returned as data.
    #[error("response verification failed: {kind}{}", request_id_suffix(.request_id))]
    Verification {
        /// Which check failed.
        kind: VerificationError,
        /// The `Request-ID` header of the rejected response, if any.
        request_id: Option<String>,
    },
    /// A verified 2xx response whose body is not the declared shape.
    #[error("cannot decode response body: {message}{}; body starts {excerpt:?}", request_id_suffix(.request_id))]
    Decode {
        /// What the JSON decoder said.
        message: String,
        /// The start of the body, at most 200 characters.
        excerpt: String,
        /// The `Request-ID` header of the response, if any.
        request_id: Option<String>,
    },
    /// A request value that breaks a constraint of the spec; nothing was sent.
    #[error("invalid request: `{field}` {problem}")]
    InvalidRequest {
        /// The field, as a path in the wire names (`body.stock_id`, `query.limit`, `path.openid`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The client is misconfigured (bad key PEM, bad base URL, ...).
    #[error("configuration error: {0}")]
    Config(String),
}

fn request_id_suffix(request_id: &Option<String>) -> String {
    match request_id {
        Some(id) => format!(" (Request-ID {id})"),
        None => String::new(),
    }
}

impl Error {
    /// Whether sending the very same request again may succeed and cannot do harm by itself.
    ///
    /// Follows the official guidance: 5xx and 429 answers, timeouts and network failures are
    /// retryable; 4xx business errors, verification and decode failures and invalid requests are
    /// not. Whether an operation may be re-sent at all is decided by its spec (GET or an
    /// idempotency key), not here.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.status == 429 || api.status >= 500,
            Error::Transport { .. } | Error::Timeout(_) => true,
            Error::Verification { .. }
            | Error::Decode { .. }
            | Error::InvalidRequest { .. }
            | Error::Config(_) => false,
        }
    }

    /// Whether the request may have taken effect although no usable answer came back: a
    /// timeout, a broken connection, a 5xx, or a 2xx that failed verification or decoding.
    ///
    /// For an operation with an idempotency key (sending a coupon), re-send the very same request
    /// — same `out_request_no`, same parameters — to learn the outcome; never mint a new key, or
    /// the user may receive two coupons. A 4xx answer and an invalid request are definite: the
    /// request did not take effect.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Api(api) => api.status >= 500,
            Error::Transport { connect, .. } => !connect,
            Error::Timeout(_) | Error::Verification { .. } | Error::Decode { .. } => true,
            Error::InvalidRequest { .. } | Error::Config(_) => false,
        }
    }

    /// The API error, when WeChat Pay answered with a non-2xx status.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The `Request-ID` of the response this error came from, if there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id.as_deref(),
            Error::Verification { request_id, .. } | Error::Decode { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn decode(
        message: impl fmt::Display,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        Error::Decode {
            message: message.to_string(),
            excerpt: excerpt(body),
            request_id,
        }
    }
}

/// At most 200 characters of a body, lossily decoded, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// A non-2xx answer from WeChat Pay.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The error code; [`ErrorCode::Unknown`] keeps codes the spec does not list. `None` when the
    /// body was not an APIv3 error object (a gateway page, an empty body).
    pub code: Option<ErrorCode>,
    /// The human-readable message (Chinese by default).
    pub message: Option<String>,
    /// Which parameter was wrong, when WeChat Pay says.
    pub detail: Option<ErrorDetail>,
    /// The `Request-ID` header, to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// The start of the body when it was not an APIv3 error object.
    pub raw_excerpt: Option<String>,
}

impl ApiError {
    /// Reads a non-2xx response. A body that is not an APIv3 error object still makes an
    /// `ApiError` with its status, keeping an excerpt of the body.
    pub fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        #[derive(Deserialize)]
        struct Wire {
            code: Option<String>,
            message: Option<String>,
            detail: Option<ErrorDetail>,
        }
        match serde_json::from_slice::<Wire>(body) {
            Ok(wire) if wire.code.is_some() || wire.message.is_some() => ApiError {
                status,
                code: wire.code.map(ErrorCode::from),
                message: wire.message,
                detail: wire.detail,
                request_id,
                raw_excerpt: None,
            },
            _ => ApiError {
                status,
                code: None,
                message: None,
                detail: None,
                request_id,
                raw_excerpt: Some(excerpt(body)),
            },
        }
    }

    /// The error code as WeChat Pay spelled it.
    pub fn code_str(&self) -> Option<&str> {
        self.code.as_ref().map(ErrorCode::as_str)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {}", code.as_str())?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        if let Some(excerpt) = &self.raw_excerpt {
            write!(f, ": body {excerpt:?}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (Request-ID {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<ApiError> for Error {
    fn from(err: ApiError) -> Self {
        Error::Api(Box::new(err))
    }
}

/// The `detail` object of an APIv3 error: which input was wrong and why.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// JSON pointer for body fields, the name for path and query parameters.
    pub field: Option<String>,
    /// The rejected value, as WeChat Pay echoes it.
    pub value: Option<serde_json::Value>,
    /// What is wrong.
    pub issue: Option<String>,
    /// `body`, `query`, `uri_template`, ...
    pub location: Option<String>,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(location) = &self.location {
            parts.push(format!("location={location}"));
        }
        if let Some(field) = &self.field {
            parts.push(format!("field={field}"));
        }
        if let Some(value) = &self.value {
            parts.push(format!("value={value}"));
        }
        if let Some(issue) = &self.issue {
            parts.push(format!("issue={issue}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Why a response was rejected by the verifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    /// A required `Wechatpay-*` header is absent or empty.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `Wechatpay-Serial` names a key the client does not hold.
    #[error("unknown serial {0}")]
    UnknownSerial(String),
    /// The signature does not match the bytes received.
    #[error("bad signature (serial {serial})")]
    BadSignature {
        /// The serial the signature was checked against.
        serial: String,
    },
    /// `Wechatpay-Timestamp` is more than 300 s away from now.
    #[error("timestamp {timestamp} is {skew_secs} s away from now (limit 300 s)")]
    StaleTimestamp {
        /// The timestamp received.
        timestamp: i64,
        /// Its distance from the local clock, in seconds.
        skew_secs: i64,
    },
    /// `Wechatpay-Timestamp` is not a Unix time in seconds.
    #[error("malformed timestamp {0:?}")]
    MalformedTimestamp(String),
    /// `Wechatpay-Signature-Type` names an algorithm other than `WECHATPAY2-SHA256-RSA2048`.
    #[error("unsupported signature type {0:?}")]
    UnsupportedSignatureType(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> Error {
        ApiError::from_response(status, br#"{"code":"X","message":"m"}"#, None).into()
    }

    #[test]
    fn retryable_and_unknown_outcomes() {
        assert!(api(500).is_retryable() && api(500).is_outcome_unknown());
        assert!(api(429).is_retryable() && !api(429).is_outcome_unknown());
        assert!(!api(400).is_retryable() && !api(400).is_outcome_unknown());
        let connect = Error::Transport {
            message: "refused".into(),
            connect: true,
        };
        assert!(connect.is_retryable() && !connect.is_outcome_unknown());
        let verification = Error::Verification {
            kind: VerificationError::MissingHeader("Wechatpay-Nonce"),
            request_id: None,
        };
        assert!(!verification.is_retryable() && verification.is_outcome_unknown());
        assert!(Error::Timeout(Duration::from_secs(1)).is_outcome_unknown());
        assert!(!Error::invalid("body.stock_id", "must not be empty").is_outcome_unknown());
    }

    #[test]
    fn non_json_error_bodies_keep_their_status_and_an_excerpt() {
        let err = ApiError::from_response(502, b"<html>bad gateway</html>", Some("req-1".into()));
        assert_eq!(
            (err.status, err.code.clone(), err.raw_excerpt.as_deref()),
            (502, None, Some("<html>bad gateway</html>"))
        );
        assert!(err.to_string().contains("HTTP 502") && err.to_string().contains("req-1"));
    }
}
