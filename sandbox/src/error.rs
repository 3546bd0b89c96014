//! The one error type of the sandbox's library API.

use std::io;
use std::path::PathBuf;

/// What can go wrong when preparing, starting or driving a [`Sandbox`](crate::Sandbox).
///
/// Requests the sandbox *serves* never produce this type: a bad request gets an APIv3 error
/// response, not a Rust error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// RSA key or certificate generation failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// Key material on disk is incomplete, unreadable or inconsistent (a certificate that does
    /// not belong to its private key, say).
    #[error("key material: {0}")]
    Keys(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The configuration is invalid (a stock without an ID, a time that is not RFC 3339, a
    /// stocks file that is not JSON, ...).
    #[error("configuration: {0}")]
    Config(String),
    /// An inspection helper was asked about something the sandbox does not hold.
    #[error("not found: {0}")]
    NotFound(String),
    /// The sandbox refused an action the way WeChat Pay would (paying a closed order,
    /// settling a refund that is not processing, …).
    #[error("{code}: {message}")]
    Refused {
        /// The APIv3 error code, e.g. `ORDER_CLOSED`.
        code: String,
        /// Its message.
        message: String,
    },
    /// No tokio runtime to run on, or a background task failed.
    #[error("runtime: {0}")]
    Runtime(String),
}

impl SandboxError {
    /// The sandbox's own refusal of an action, as the library API reports it.
    pub(crate) fn refused(failure: wechatpay_apiv3::server::Rejection) -> Self {
        SandboxError::Refused {
            code: failure.code,
            message: failure.message,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        SandboxError::Io {
            path: path.into(),
            source,
        }
    }
}
