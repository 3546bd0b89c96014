//! The built-in [`Transport`]: a [`reqwest::Client`] (rustls on aws-lc-rs, HTTP/1.1 and HTTP/2).
//!
//!
//! Its defaults are documented with the [`transport`](super) module.

use std::time::Duration;

use bytes::Bytes;
use futures_util::stream;

use super::{
    BoxFuture, ResponseBody, Transport, TransportError, TransportRequest, TransportResponse,
};
use crate::error::{BoxError, Error};
use crate::operation::Method;

/// How long the built-in HTTP client keeps an idle connection: under WeChat Pay's ~8 s.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the built-in HTTP client waits for a connection to be established.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Transport`] over a [`reqwest::Client`]; see the [module docs](super) for the defaults
/// of the client the builder makes. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct ReqwestTransport {
    http: reqwest::Client,
}

impl std::fmt::Debug for ReqwestTransport {
    /// Leaves the HTTP client out: its `Debug` lists the proxies, whose URLs may carry
    /// credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReqwestTransport").finish_non_exhaustive()
    }
}

/// How the built-in HTTP client is configured.
#[derive(Clone)]
pub(crate) struct HttpSettings {
    pub(crate) connect_timeout: Duration,
    pub(crate) pool_idle_timeout: Duration,
    /// A proxy for every request, replacing the environment's.
    pub(crate) proxy: Option<String>,
}

impl ReqwestTransport {
    /// Sends requests with `http`, as it is configured.
    pub fn new(http: reqwest::Client) -> Self {
        ReqwestTransport { http }
    }

    /// The HTTP client requests go through.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// The built-in HTTP client.
    pub(crate) fn with_settings(settings: &HttpSettings) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .pool_idle_timeout(settings.pool_idle_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(url) = &settings.proxy {
            // Never echo the URL: it may carry proxy credentials.
            let proxy = reqwest::Proxy::all(url.as_str()).map_err(|e| {
                Error::config_with("proxy is not a valid proxy URL", e.without_url())
            })?;
            builder = builder.proxy(proxy);
        }
        let http = builder
            .build()
            .map_err(|e| Error::config_with("cannot build the HTTP client", e))?;
        Ok(ReqwestTransport { http })
    }
}

impl Transport for ReqwestTransport {
    fn send(
        &self,
        request: TransportRequest,
    ) -> BoxFuture<'_, Result<TransportResponse, TransportError>> {
        Box::pin(async move {
            let TransportRequest {
                method,
                url,
                headers,
                body,
            } = request;
            let mut builder = self
                .http
                .request(to_reqwest(method), url.clone())
                .headers(headers);
            if let Some(body) = body {
                builder = builder.body(body);
            }
            let mut response = builder.send().await.map_err(map_error)?;
            if response.url() != &url {
                return Err(TransportError::other(
                    "the HTTP client followed a redirect; a signed request is only valid for its \
                     target (configure it with redirect(Policy::none()))",
                ));
            }
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            let chunks = stream::unfold(Some(response), |response| async move {
                let mut response = response?;
                match response.chunk().await {
                    Ok(Some(chunk)) => Some((Ok::<Bytes, BoxError>(chunk), Some(response))),
                    Ok(None) => None,
                    Err(e) => Some((Err(Box::new(e.without_url()) as BoxError), None)),
                }
            });
            Ok(TransportResponse::new(
                status,
                headers,
                ResponseBody::from_stream(chunks),
            ))
        })
    }
}

fn to_reqwest(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// Connect failures (a connect timeout included) first: nothing was sent, which is what
/// failover relies on. The URL is dropped from the error: it is in no message the client makes.
fn map_error(err: reqwest::Error) -> TransportError {
    let err = err.without_url();
    if err.is_connect() {
        TransportError::connect(err)
    } else {
        TransportError::other(err)
    }
}
