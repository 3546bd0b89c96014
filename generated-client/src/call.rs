//! Awaitable calls: [`Call`] for a typed operation, [`RawCall`] for a request-target and body
//! given as they are (what `wxpay request` sends), each with per-call options.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::client::Client;
use crate::error::Error;
use crate::operation::{CallOptions, HttpRequest, Method, Operation, OperationMeta};
use crate::retry::RetryPolicy;

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

    /// Sets the response size limit of this call, in bytes.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.options.max_response_bytes = Some(limit);
        self
    }

    /// The operation value this call will send.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Builds the request without sending it: method, request-target and body bytes.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] naming the field that breaks a constraint of the spec.
    pub fn build(&self) -> Result<HttpRequest, Error> {
        self.operation.build()
    }

    /// Sends the call and decodes the verified response.
    ///
    /// # Errors
    /// Any [`Error`]: the request is invalid, the exchange failed, WeChat Pay answered an error,
    /// or the answer did not verify or decode.
    pub async fn send(self) -> Result<O::Response, Error> {
        let request = self.operation.build()?;
        let response = self
            .client
            .send(&O::META, O::META.path_template, request, &self.options)
            .await?;
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

/// A request given by its method, request-target and body, sent like a spec'd operation
/// (target checks, signing, failover, verification of the 2xx, errors), made with
/// [`Client::request`]. Only a `GET` is retried.
///
/// ```no_run
/// # async fn demo(client: wechatpay_apiv3::Client) -> Result<(), wechatpay_apiv3::Error> {
/// use wechatpay_apiv3::Method;
///
/// let response = client.request(Method::Get, "/v3/marketing/favor/stocks/9856000?stock_creator_mchid=8956000", None).await?;
/// let stock: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
/// # Ok(()) }
/// ```
#[must_use = "a call does nothing until it is awaited"]
#[derive(Debug)]
pub struct RawCall<'a> {
    client: &'a Client,
    request: HttpRequest,
    options: CallOptions,
}

// Defined here rather than in `client` so that `client` does not import this module.
impl Client {
    /// Sends any APIv3 request: `path_and_query` is the percent-encoded request-target
    /// (`/v3/…?…`) and `body` the exact JSON bytes. It is checked, signed, sent (with
    /// failover), and its 2xx answer verified, exactly as a spec'd operation; a non-2xx answer
    /// is an [`Error::Api`]. Only a `GET` is retried. For operations the spec does not have
    /// yet, and for `wxpay request`.
    pub fn request(
        &self,
        method: Method,
        path_and_query: impl Into<String>,
        body: Option<Vec<u8>>,
    ) -> RawCall<'_> {
        RawCall::new(self, HttpRequest::new(method, path_and_query, body))
    }

    /// Sends a request already built — an operation's [`build()`](crate::Operation::build), or
    /// an [`HttpRequest::upload`] — like [`request`](Self::request): its body sent with its
    /// content type, its [`signed_bytes`](HttpRequest::signed_bytes) signed. Only a `GET` is
    /// retried.
    pub fn send_request(&self, request: HttpRequest) -> RawCall<'_> {
        RawCall::new(self, request)
    }
}

/// The operation a raw request stands for: signed answers, retried only as a `GET`.
const RAW: &str = "raw_request";

impl<'a> RawCall<'a> {
    pub(crate) fn new(client: &'a Client, request: HttpRequest) -> Self {
        RawCall {
            client,
            request,
            options: CallOptions::default(),
        }
    }

    /// Sets the timeout of each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sets the retry policy; it only applies to a `GET` (nothing says another method is safe
    /// to re-send).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Sets the response size limit, in bytes.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.options.max_response_bytes = Some(limit);
        self
    }

    /// The request this call sends.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// Sends the request; the verified 2xx answer.
    ///
    /// # Errors
    /// As a spec'd operation: an invalid request-target, a failed exchange, an API error, a
    /// response that does not verify.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let method = self.request.method;
        let meta = OperationMeta::new(RAW, method, "").idempotent(matches!(method, Method::Get));
        // The span names the path, without the query (it may carry user IDs).
        let path = self
            .request
            .path_and_query
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let response = self
            .client
            .send(&meta, &path, self.request, &self.options)
            .await?;
        Ok(RawResponse {
            status: response.status,
            request_id: response.request_id,
            headers: response.headers,
            body: response.body,
        })
    }
}

impl<'a> IntoFuture for RawCall<'a> {
    type Output = Result<RawResponse, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A 2xx answer to a [`RawCall`], its signature verified over these exact body bytes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The `Request-ID` header.
    pub request_id: Option<String>,
    /// All response headers.
    pub headers: HeaderMap,
    /// The body, as received.
    pub body: Vec<u8>,
}
