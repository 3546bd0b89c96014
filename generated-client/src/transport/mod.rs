//! The HTTP exchange below the call pipeline: the [`Transport`] trait that sends one prepared
//! request, what it is given and what it returns, and the bounded read of a response body.
//!
//! The client signs and verifies; a transport only moves bytes. It receives the exact URL,
//! headers and body bytes to send and returns the status, the headers and the body as a stream;
//! the pipeline reads that stream itself, so the response size limit
//! ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)) holds for
//! every transport. The built-in one is [`ReqwestTransport`]; hand the builder your own
//! [`reqwest::Client`] with [`ClientBuilder::http_client`](crate::ClientBuilder::http_client),
//! or any other implementation with [`ClientBuilder::transport`](crate::ClientBuilder::transport)
//! (tests use an in-memory one).
//!
//! # The default HTTP client
//!
//! Unless one is handed in, the client builds its own `reqwest::Client` with:
//!
//! * **redirects off**: a signed request is only valid for the target it was signed over; a 3xx
//!   is reported as an API error;
//! * **idle connections dropped after [`DEFAULT_POOL_IDLE_TIMEOUT`] (5 s)**: WeChat Pay closes a
//!   kept-alive connection after about 8 s without a request (the official Java SDK keeps
//!   connections 7 s for that reason, wechatpay-java#187), while reqwest keeps them 90 s by
//!   default. A quiet client's next request would then meet a closed socket, and a POST without
//!   an idempotency key that fails that way cannot be retried. 5 s leaves 3 s for the round trip
//!   and for the two sides' idle clocks starting at different moments; the cost is one new
//!   connection for a client that waits 5–8 s between calls;
//! * **a connect timeout of [`DEFAULT_CONNECT_TIMEOUT`] (10 s)**, so that an unreachable host
//!   fails (and may fail over) well before the call's own timeout;
//! * **proxies from the environment**, as reqwest reads them: `HTTPS_PROXY` / `https_proxy` for
//!   `https://` base URLs, `HTTP_PROXY` / `http_proxy` for `http://` ones (ignored when
//!   `REQUEST_METHOD` is set, as in CGI), `ALL_PROXY` for both, and `NO_PROXY` / `no_proxy`
//!   (comma-separated hosts, domains and CIDR ranges; `*` for all) to bypass them. Loopback
//!   hosts are not exempted automatically: put `127.0.0.1,localhost` in `NO_PROXY` when a proxy
//!   is set and you use the local sandbox. The crate builds reqwest without its `system-proxy`
//!   feature, which would add only the macOS and Windows system proxy settings; a proxy set
//!   with [`ClientBuilder::proxy`](crate::ClientBuilder::proxy) replaces the environment's.
//!
//! # Response size
//!
//! Whatever the transport, the client reads at most
//! [`max_response_bytes`](crate::ClientBuilder::max_response_bytes) of a body (default 4 MiB):
//! a `Content-Length` above it is refused before a byte of the body is read, a body that
//! streams past it is cut off there, and both are
//! [`Error::ResponseTooLarge`](crate::Error::ResponseTooLarge); the buffer never grows past the
//! limit. The connection is then dropped, not drained.
//!
//! # A client of your own
//!
//! A `reqwest::Client` handed to
//! [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) is used as it is — its
//! proxies, pool, TLS roots and timeouts — so give it `redirect(Policy::none())` and a pool idle
//! timeout under 8 s too; a response whose final URL is not the one requested (a followed
//! redirect) is refused.

mod body;
mod reqwest_impl;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;
use reqwest::header::HeaderMap;

use crate::error::BoxError;
use crate::operation::Method;

pub(crate) use body::{ReadError, read_limited};
pub(crate) use reqwest_impl::HttpSettings;
pub use reqwest_impl::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, ReqwestTransport};

/// A boxed, sendable future, as [`Transport::send`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends one HTTP request and returns the response head with its body as a stream.
///
/// Implementations must send the URL, headers and body exactly as given (the request is signed
/// over them), must not follow redirects (a signed request is only valid for its target) and
/// should not decompress or otherwise rewrite the body (the response is verified over the raw
/// bytes). Timeouts, retries, failover and the size limit are the client's: a transport makes
/// one attempt.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends `request`.
    ///
    /// # Errors
    /// A [`TransportError`]: [`TransportError::connect`] when no connection could be
    /// established (nothing was sent, so the client may fail over to the backup host),
    /// [`TransportError::other`] for anything else.
    fn send(
        &self,
        request: TransportRequest,
    ) -> BoxFuture<'_, Result<TransportResponse, TransportError>>;
}

/// One request, exactly as it goes on the wire.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportRequest {
    /// The method.
    pub method: Method,
    /// The URL: base URL + request-target, byte for byte the target that was signed.
    pub url: reqwest::Url,
    /// The headers, `Authorization` included.
    pub headers: HeaderMap,
    /// The body bytes, when there is a body.
    pub body: Option<Bytes>,
}

/// The response to a [`TransportRequest`]: status and headers, and the body still to be read.
#[non_exhaustive]
pub struct TransportResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, read by the client up to its size limit.
    pub body: ResponseBody,
}

impl TransportResponse {
    /// A response with this status, headers and body.
    pub fn new(status: u16, headers: HeaderMap, body: ResponseBody) -> Self {
        TransportResponse {
            status,
            headers,
            body,
        }
    }
}

impl fmt::Debug for TransportResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// A response body as a stream of chunks; an error item means the body broke off.
pub struct ResponseBody {
    chunks: ChunkStream,
}

impl ResponseBody {
    /// A body that is already complete.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        ResponseBody::from_stream(futures_util::stream::iter(
            (!bytes.is_empty()).then_some(Ok(bytes)),
        ))
    }

    /// A body that arrives in chunks.
    pub fn from_stream(
        stream: impl Stream<Item = Result<Bytes, BoxError>> + Send + 'static,
    ) -> Self {
        ResponseBody {
            chunks: Box::pin(stream),
        }
    }

    /// The next chunk; `None` at the end of the body.
    pub(crate) async fn next_chunk(&mut self) -> Option<Result<Bytes, BoxError>> {
        futures_util::StreamExt::next(&mut self.chunks).await
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody(..)")
    }
}

/// Why a [`Transport`] got no response.
#[derive(Debug)]
pub struct TransportError {
    connect: bool,
    source: BoxError,
}

impl TransportError {
    /// No connection could be established (DNS, refused, TLS handshake, connect timeout):
    /// nothing of the request was sent.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        TransportError {
            connect: true,
            source: source.into(),
        }
    }

    /// Any other failure: the request may have been sent.
    pub fn other(source: impl Into<BoxError>) -> Self {
        TransportError {
            connect: false,
            source: source.into(),
        }
    }

    /// Whether nothing was sent.
    pub fn is_connect(&self) -> bool {
        self.connect
    }

    /// The underlying error.
    pub fn into_source(self) -> BoxError {
        self.source
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.connect {
            f.write_str("cannot connect")
        } else {
            f.write_str("the HTTP exchange failed")
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
