//! The one error type of the client: what went wrong, with enough context to act on it, whether
//! sending the same request again is safe, and the underlying cause.
//!
//! Each error's `Display` is its own message; the error it wraps (a [`reqwest::Error`], an
//! [`std::io::Error`], a [`serde_json::Error`], …) is its [`source`](std::error::Error::source),
//! so it can be downcast. The alternate form `{:#}` appends every cause on the same line, which
//! is what a log line usually wants:
//!
//! ```
//! use std::error::Error as _;
//! use wechatpay_apiv3::Error;
//!
//! let err = Error::Config(wechatpay_apiv3::error::ConfigError::with_source(
//!     "cannot read merchant private key file /etc/key.pem",
//!     std::io::Error::from(std::io::ErrorKind::NotFound),
//! ));
//! assert_eq!(err.to_string(), "cannot read merchant private key file /etc/key.pem");
//! assert_eq!(format!("{err:#}"), "cannot read merchant private key file /etc/key.pem: entity not found");
//! assert!(err.source().is_some_and(|cause| cause.is::<std::io::Error>()));
//! ```
//!
//! Over ~400 lines only because its unit tests live beside the code they check: the code above
//! `mod tests` is about 340 lines.

mod api;
mod config;

use std::fmt;
use std::time::Duration;

pub use api::{ApiError, ErrorDetail};
pub use config::ConfigError;

/// A boxed error from a lower layer (HTTP stack, I/O, JSON), kept as the `source()` of an
/// [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when building, sending or reading an APIv3 call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// WeChat Pay answered with a non-2xx status.
    Api(Box<ApiError>),
    /// The request never got a complete HTTP response (connect, TLS, I/O, a body cut off).
    Transport {
        /// What failed, naming the host (never the full URL or a header).
        message: String,
        /// `true` when the connection could not be established at all (nothing was sent).
        connect: bool,
        /// The error of the HTTP stack (for the built-in transport a [`reqwest::Error`]).
        source: BoxError,
    },
    /// No complete response within the configured timeout.
    Timeout(Duration),
    /// The response body is larger than the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); it was
    /// not read (`content_length` announced too much) or was cut off once it grew past it.
    ResponseTooLarge {
        /// The HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
        /// The `Content-Length` the response announced, when that was what exceeded the limit.
        content_length: Option<u64>,
        /// The `Request-ID` header of the response, if any.
        request_id: Option<String>,
    },
    /// A 2xx response whose signature could not be verified; its body is never returned as data.
    Verification {
        /// Which check failed.
        kind: VerificationError,
        /// The `Request-ID` header of the rejected response, if any.
        request_id: Option<String>,
    },
    /// A verified 2xx response whose body is not the declared shape.
    Decode {
        /// Where in the body decoding failed, as a JSON path (`data[3].coupon_id`); `.` for
        /// the whole body.
        path: String,
        /// The start of the body, at most 200 characters.
        excerpt: String,
        /// The `Request-ID` header of the response, if any.
        request_id: Option<String>,
        /// What the decoder said (a [`serde_json::Error`] for JSON bodies).
        source: BoxError,
    },
    /// A request value that breaks a constraint of the spec; nothing was sent.
    InvalidRequest {
        /// The field, as a path in the wire names (`body.stock_id`, `query.limit`, `path.openid`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The client is misconfigured (bad key PEM, bad base URL, a missing setting, …).
    Config(ConfigError),
    /// A downloaded file ([`Client::download`](crate::Client::download)) does not have the
    /// digest its link announced: everything written must be discarded.
    DigestMismatch {
        /// The digest announced (`hash_value`).
        expected: String,
        /// The SHA-1 of the bytes written, lowercase hex.
        actual: String,
        /// The `Request-ID` header of the download, if any.
        request_id: Option<String>,
    },
    /// Writing a downloaded file to the caller's writer failed; what was written must be
    /// discarded.
    Write {
        /// The writer's error.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => write!(f, "{api}")?,
            Error::Transport { message, .. } => write!(f, "transport error: {message}")?,
            Error::Timeout(after) => write!(f, "timed out after {after:?}")?,
            Error::ResponseTooLarge {
                status,
                limit,
                content_length,
                request_id,
            } => {
                match content_length {
                    Some(length) => write!(
                        f,
                        "response too large: HTTP {status} announced {length} bytes, more than the \
                         limit of {limit}; not read"
                    )?,
                    None => write!(
                        f,
                        "response too large: the HTTP {status} body grew past the limit of \
                         {limit} bytes; cut off"
                    )?,
                }
                write_request_id(f, request_id)?;
            }
            Error::Verification { kind, request_id } => {
                write!(f, "response verification failed: {kind}")?;
                write_request_id(f, request_id)?;
            }
            Error::Decode {
                path,
                excerpt,
                request_id,
                ..
            } => {
                f.write_str("cannot decode the response body")?;
                if path != "." {
                    write!(f, " at `{path}`")?;
                }
                write_request_id(f, request_id)?;
                write!(f, "; body starts {excerpt:?}")?;
            }
            Error::InvalidRequest { field, problem } => {
                write!(f, "invalid request: `{field}` {problem}")?;
            }
            Error::Config(config) => write!(f, "{config}")?,
            Error::DigestMismatch {
                expected,
                actual,
                request_id,
            } => {
                write!(
                    f,
                    "downloaded file has SHA-1 {actual}, not the announced {expected}; discard \
                     what was written"
                )?;
                write_request_id(f, request_id)?;
            }
            Error::Write { .. } => {
                f.write_str("cannot write the downloaded file; discard what was written")?;
            }
        }
        if f.alternate() {
            let mut cause = std::error::Error::source(self);
            while let Some(error) = cause {
                write!(f, ": {error}")?;
                cause = error.source();
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } | Error::Decode { source, .. } => Some(&**source),
            Error::Config(config) => config.source(),
            Error::Write { source } => Some(source),
            _ => None,
        }
    }
}

pub(super) fn write_request_id(
    f: &mut fmt::Formatter<'_>,
    request_id: &Option<String>,
) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " (Request-ID {id})"),
        None => Ok(()),
    }
}

impl Error {
    /// Whether sending the very same request again may succeed and cannot do harm by itself.
    ///
    /// Follows the official guidance: 5xx and 429 answers, timeouts and network failures are
    /// retryable; 4xx business errors, verification and decode failures, oversized responses and
    /// invalid requests are not. Whether an operation may be re-sent at all is decided by its
    /// spec (GET or an idempotency key), not here.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => api.status == 429 || api.status >= 500,
            Error::Transport { .. } | Error::Timeout(_) => true,
            Error::ResponseTooLarge { .. }
            | Error::Verification { .. }
            | Error::Decode { .. }
            | Error::InvalidRequest { .. }
            | Error::Config(_)
            | Error::Write { .. } => false,
            // The file may have been corrupted on the way: downloading it again may succeed.
            Error::DigestMismatch { .. } => true,
        }
    }

    /// Whether the request may have taken effect although no usable answer came back: a
    /// timeout, a broken connection, a 5xx, a response too large to read, or a 2xx that failed
    /// verification or decoding.
    ///
    /// For an operation with an idempotency key (sending a coupon), re-send the very same request
    /// — same `out_request_no`, same parameters — to learn the outcome; never mint a new key, or
    /// the user may receive two coupons. A 4xx answer and an invalid request are definite: the
    /// request did not take effect.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Api(api) => api.status >= 500,
            Error::Transport { connect, .. } => !connect,
            Error::Timeout(_)
            | Error::ResponseTooLarge { .. }
            | Error::Verification { .. }
            | Error::Decode { .. } => true,
            Error::InvalidRequest { .. }
            | Error::Config(_)
            | Error::DigestMismatch { .. }
            | Error::Write { .. } => false,
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
            Error::Verification { request_id, .. }
            | Error::Decode { request_id, .. }
            | Error::ResponseTooLarge { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// A configuration error without an underlying cause.
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(ConfigError::new(message))
    }

    /// A configuration error caused by `source` (an I/O error, a parse error).
    pub(crate) fn config_with(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Config(ConfigError::with_source(message, source))
    }

    /// A decode failure at `path` (a JSON path, `.` for the whole body).
    pub(crate) fn decode(
        path: String,
        source: impl Into<BoxError>,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        Error::Decode {
            path,
            excerpt: excerpt(body),
            request_id,
            source: source.into(),
        }
    }
}

/// At most 200 characters of a body, lossily decoded, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
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
    use std::error::Error as _;

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
            message: "cannot connect to 127.0.0.1:1".into(),
            connect: true,
            source: "refused".into(),
        };
        assert!(connect.is_retryable() && !connect.is_outcome_unknown());
        let verification = Error::Verification {
            kind: VerificationError::MissingHeader("Wechatpay-Nonce"),
            request_id: None,
        };
        assert!(!verification.is_retryable() && verification.is_outcome_unknown());
        let too_large = Error::ResponseTooLarge {
            status: 200,
            limit: 10,
            content_length: None,
            request_id: Some("r".into()),
        };
        assert!(!too_large.is_retryable() && too_large.is_outcome_unknown());
        assert_eq!(too_large.request_id(), Some("r"));
        assert!(Error::Timeout(Duration::from_secs(1)).is_outcome_unknown());
        assert!(!Error::invalid("body.stock_id", "must not be empty").is_outcome_unknown());
    }

    #[test]
    fn non_json_error_bodies_keep_their_status_and_an_excerpt() {
        let err = ApiError::from_response(502, b"<html>bad gateway</html>", Some("req-1".into()));
        assert_eq!(
            (err.status, err.code_str(), err.raw_excerpt.as_deref()),
            (502, None, Some("<html>bad gateway</html>"))
        );
        assert!(err.to_string().contains("HTTP 502") && err.to_string().contains("req-1"));
    }

    #[test]
    fn alternate_display_appends_the_causes_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err = Error::Transport {
            message: "cannot connect to 127.0.0.1:1".into(),
            connect: true,
            source: Box::new(io),
        };
        assert_eq!(
            err.to_string(),
            "transport error: cannot connect to 127.0.0.1:1"
        );
        assert_eq!(
            format!("{err:#}"),
            "transport error: cannot connect to 127.0.0.1:1: refused"
        );
        assert!(
            err.source()
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some()
        );
        let config = Error::config("missing mchid");
        assert_eq!(format!("{config:#}"), "missing mchid");
        assert!(config.source().is_none());
    }
}
