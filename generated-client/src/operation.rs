//! What generated operations implement, and the awaitable [`Call`] that sends one.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::client::Client;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A request built from a typed operation value, exactly as it will be signed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The request-target: percent-encoded path plus `?query`, no scheme or host. These are the
    /// bytes that are signed and sent.
    pub path_and_query: String,
    /// The JSON body bytes, when the operation has a body. Signed and sent as they are.
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The body as text, empty when there is none (for display and tests).
    pub fn body_str(&self) -> &str {
        self.body
            .as_deref()
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
    fn decode(body: &[u8], request_id: Option<String>) -> Result<Self::Response, Error> {
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            b"null".as_slice()
        } else {
            body
        };
        serde_json::from_slice(body).map_err(|e| Error::decode(e, body, request_id))
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
}

/// One call of an operation, ready to be awaited; set per-call options first if needed.
///
/// ```no_run
/// # async fn demo(client: wechatpay_apiv3::Client, body: wechatpay_apiv3::api::SendCouponBody) -> Result<(), wechatpay_apiv3::Error> {
/// use std::time::Duration;
/// use wechatpay_apiv3::RetryPolicy;
///
/// let sent = client.v3().marketing().favor().users("openid").coupons().post(body)
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::none())
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
#[derive(Debug)]
pub struct Call<'a, O> {
    pub(crate) client: &'a Client,
    pub(crate) operation: O,
    pub(crate) options: CallOptions,
}

impl<'a, O: Operation> Call<'a, O> {
    /// Wraps an operation value; generated chain methods call this.
    pub fn new(client: &'a Client, operation: O) -> Self {
        Call {
            client,
            operation,
            options: CallOptions::default(),
        }
    }

    /// Sets the timeout of each attempt of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy of this call (it only applies to operations that are safe to retry).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// The operation value this call will send.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Builds the request without sending it: method, request-target and body bytes.
    pub fn build(&self) -> Result<HttpRequest, Error> {
        self.operation.build()
    }

    /// Sends the call and decodes the verified response.
    pub async fn send(self) -> Result<O::Response, Error> {
        let request = self.operation.build()?;
        let response = self.client.send(&O::META, &request, &self.options).await?;
        O::decode(&response.body, response.request_id)
    }
}

impl<'a, O: Operation + 'a> IntoFuture for Call<'a, O> {
    type Output = Result<O::Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
