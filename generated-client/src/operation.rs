//! What the spec says about an operation, the request it builds, and the trait generated
//! operations implement. Plain data: nothing here sends anything (that is [`Call`](crate::Call)).

use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::retry::RetryPolicy;

/// An HTTP method used by APIv3 operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it appears on the wire and in the signed message.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// What the spec says about one operation, as the runtime needs it.
///
/// Generated operations fill it in; an operation written by hand starts from
/// [`OperationMeta::new`]:
///
/// ```
/// use wechatpay_apiv3::{Method, OperationMeta};
///
/// const META: OperationMeta = OperationMeta::new("query_stock", Method::Get, "/v3/marketing/favor/stocks/{stock_id}")
///     .idempotent(true);
/// assert!(META.signed_response);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationMeta {
    /// The spec's operation id, e.g. `send_coupon`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/v3/marketing/favor/users/{openid}/coupons`.
    pub path_template: &'static str,
    /// Whether re-sending the same request is safe: a GET, or an operation whose spec declares an
    /// idempotency key. Only these are retried.
    pub idempotent: bool,
    /// Whether WeChat Pay signs the 2xx response (and so the client must verify it).
    pub signed_response: bool,
}

impl OperationMeta {
    /// An operation that is not retried (see [`idempotent`](Self::idempotent)) and whose 2xx
    /// responses are signed.
    pub const fn new(id: &'static str, method: Method, path_template: &'static str) -> Self {
        OperationMeta {
            id,
            method,
            path_template,
            idempotent: false,
            signed_response: true,
        }
    }

    /// Sets whether re-sending the same request is safe (a GET, or an idempotency key).
    #[must_use]
    pub const fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Sets whether WeChat Pay signs the 2xx response.
    #[must_use]
    pub const fn signed_response(mut self, signed: bool) -> Self {
        self.signed_response = signed;
        self
    }
}

/// A request built from a typed operation value, exactly as it will be signed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The request-target: percent-encoded path plus `?query`, no scheme or host. These are the
    /// bytes that are signed and sent.
    pub path_and_query: String,
    /// The body bytes, when the operation has a body: JSON (signed and sent as they are), or the
    /// `multipart/form-data` body of an upload (sent; [`signed_body`](Self::signed_body) is
    /// what is signed).
    pub body: Option<Vec<u8>>,
    /// The body's `Content-Type` when it is not JSON (`multipart/form-data; boundary=…`).
    pub content_type: Option<String>,
    /// The bytes the signature covers in place of the body, for an upload: its `meta` JSON.
    pub signed_body: Option<Vec<u8>>,
    /// For an upload, where the file's bytes sit in [`body`](Self::body) (a display summarises
    /// them rather than print an image).
    pub file_bytes: Option<std::ops::Range<usize>>,
}

impl HttpRequest {
    /// A request: `path_and_query` is the percent-encoded request-target (`/v3/…?…`), `body`
    /// the exact JSON bytes to sign and send.
    pub fn new(method: Method, path_and_query: impl Into<String>, body: Option<Vec<u8>>) -> Self {
        HttpRequest {
            method,
            path_and_query: path_and_query.into(),
            body,
            content_type: None,
            signed_body: None,
            file_bytes: None,
        }
    }

    /// A file upload: sends the multipart body with its content type and signs the `meta` JSON.
    pub fn upload(
        method: Method,
        path_and_query: impl Into<String>,
        upload: crate::multipart::EncodedUpload,
    ) -> Self {
        HttpRequest {
            method,
            path_and_query: path_and_query.into(),
            body: Some(upload.body),
            content_type: Some(upload.content_type),
            signed_body: Some(upload.meta),
            file_bytes: Some(upload.file),
        }
    }

    /// The body line of the signature message: the `meta` JSON of an upload, else the body
    /// (empty when there is none).
    pub fn signed_bytes(&self) -> &[u8] {
        self.signed_body
            .as_deref()
            .or(self.body.as_deref())
            .unwrap_or_default()
    }

    /// The `Content-Type` sent with the body, when there is one.
    pub fn body_content_type(&self) -> Option<&str> {
        self.body.as_ref()?;
        Some(self.content_type.as_deref().unwrap_or("application/json"))
    }

    /// The body as text, empty when there is none (for display and tests). For an upload, the
    /// signed `meta` JSON (the multipart body holds the file's raw bytes).
    pub fn body_str(&self) -> &str {
        let shown = self.signed_body.as_deref().or(self.body.as_deref());
        shown
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }
}

/// A typed request value of one spec'd operation (generated for every operation).
pub trait Operation: Send + Sync {
    /// The decoded 2xx response.
    type Response: DeserializeOwned + Send;

    /// What the spec says about this operation.
    const META: OperationMeta;

    /// Checks the value against the spec's constraints and serializes it, without sending
    /// anything. Pure: the same value always builds the same bytes.
    fn build(&self) -> Result<HttpRequest, Error>;

    /// Decodes a verified 2xx body. Operations whose response has no body decode an empty body.
    ///
    /// # Errors
    /// [`Error::Decode`] naming the JSON path where the body does not fit the response type.
    fn decode(body: &[u8], request_id: Option<String>) -> Result<Self::Response, Error> {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            b"null".as_slice()
        } else {
            body
        };
        crate::json::decode_body(body, request_id)
    }
}

/// Per-call settings that override the client's defaults.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// Timeout of each attempt; `None` keeps the client's.
    pub timeout: Option<Duration>,
    /// Retry policy; `None` keeps the client's.
    pub retry: Option<RetryPolicy>,
    /// Response size limit in bytes; `None` keeps the client's.
    pub max_response_bytes: Option<u64>,
}
