//! The HTTP transport: a thin wrapper over one pooled [`reqwest::Client`] (rustls) that sends a
//! fully prepared request and reads the complete response, mapping failures onto [`Error`].
//!
//! It knows nothing about signing: the caller hands it the exact URL, headers and body bytes, and
//! gets back the status, the headers and the raw body bytes.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::error::Error;
use crate::operation::Method;

/// One pooled HTTP client; cheap to share behind the client's `Arc`.
#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
}

/// A complete HTTP response: the body has been read to its end.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The value of a header (names are case-insensitive), when present and visible ASCII.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Transport {
    /// Builds the pooled client. Redirects are never followed: a signed request is only valid for
    /// the target it was signed over, and a 3xx is reported as an API error instead.
    pub(crate) fn new(connect_timeout: Duration) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {}", chain(&e))))?;
        Ok(Transport { http })
    }

    /// Sends one request and reads the whole response within `timeout` (connecting included).
    ///
    /// `url` is sent as is; `body` is sent byte for byte. A timeout gives [`Error::Timeout`]; a
    /// connection that cannot be established gives [`Error::Transport`] with `connect: true`
    /// (nothing was sent); any other failure, including a body cut off midway, gives
    /// `connect: false`.
    pub(crate) async fn execute(
        &self,
        method: Method,
        url: reqwest::Url,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        timeout: Duration,
    ) -> Result<RawResponse, Error> {
        let host = host_of(&url);
        let exchange = async {
            let mut request = self
                .http
                .request(to_reqwest(method), url)
                .headers(headers)
                .timeout(timeout);
            if let Some(body) = body {
                request = request.body(body);
            }
            let response = request
                .send()
                .await
                .map_err(|e| map_error(e, &host, timeout))?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|e| map_error(e, &host, timeout))?;
            Ok(RawResponse {
                status,
                headers,
                body: body.to_vec(),
            })
        };
        // reqwest's own timeout covers the body too; this outer one is a belt-and-braces bound
        // on the whole exchange.
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(timeout)),
        }
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

fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::from("?"),
    }
}

/// Maps a reqwest error. Connect failures (including a connect timeout) come first: nothing was
/// sent, which is what failover relies on. Messages name the host but never the full URL or any
/// header, so they carry no secrets.
fn map_error(err: reqwest::Error, host: &str, timeout: Duration) -> Error {
    let err = err.without_url();
    if err.is_connect() {
        Error::Transport {
            message: format!("cannot connect to {host}: {}", chain(&err)),
            connect: true,
        }
    } else if err.is_timeout() {
        Error::Timeout(timeout)
    } else {
        Error::Transport {
            message: format!("{host}: {}", chain(&err)),
            connect: false,
        }
    }
}

/// An error and its sources on one line: reqwest's top-level message alone ("error sending
/// request") does not say what went wrong.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_joins_sources() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("error sending request")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        assert_eq!(chain(&Outer(io)), "error sending request: refused");
    }

    #[test]
    fn host_with_port() {
        let url = reqwest::Url::parse("http://127.0.0.1:8080/v3/x").expect("valid url");
        assert_eq!(host_of(&url), "127.0.0.1:8080");
        let url = reqwest::Url::parse("https://api.mch.weixin.qq.com/v3/x").expect("valid url");
        assert_eq!(host_of(&url), "api.mch.weixin.qq.com");
    }
}
