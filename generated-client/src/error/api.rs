//! [`ApiError`]: a non-2xx answer of WeChat Pay, as the runtime reads it (the typed
//! [`ErrorCode`](crate::api::ErrorCode) view is generated with the spec's error codes).

use std::fmt;

use serde::Deserialize;

use super::{Error, excerpt, write_request_id};

/// A non-2xx answer from WeChat Pay.
///
/// The typed error code is [`ApiError::code`] (generated from the spec's error codes, so it
/// lives with the generated API); [`ApiError::code_str`] is the code as WeChat Pay spelled it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// The error code as sent; `None` when the body was not an APIv3 error object.
    code: Option<String>,
    /// The human-readable message (Chinese by default).
    pub message: Option<String>,
    /// Which parameter was wrong, when WeChat Pay says.
    pub detail: Option<ErrorDetail>,
    /// The `Request-ID` header, to quote to WeChat Pay support.
    pub request_id: Option<String>,
    /// The start of the body when it was not an APIv3 error object (a gateway page, an empty
    /// body).
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
                code: wire.code,
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

    /// The error code as WeChat Pay spelled it; `None` when the body was not an APIv3 error
    /// object.
    pub fn code_str(&self) -> Option<&str> {
        self.code.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
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
        write_request_id(f, &self.request_id)
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
