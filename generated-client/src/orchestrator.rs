//! The call pipeline: for one request, sign → send → fail over → read (bounded) → verify →
//! retry, in a `wechatpay.call` tracing span.
//!
//! It knows nothing of the generated API or of the [`Client`](crate::Client): it takes the
//! spec's [`OperationMeta`] and a built [`HttpRequest`], a [`KeySource`] to verify with, and
//! gives back a verified response or an [`Error`]. Below it are the signer, the
//! [`Transport`] and the key source; above it the client, the certificate store (whose download
//! is one more call through here) and the typed calls.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::auth::{Clock, HEADER_SERIAL, ResponseHeaders, Signer};
use crate::error::{ApiError, Error};
use crate::keys::KeySource;
use crate::operation::{CallOptions, HttpRequest, Method, OperationMeta};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::target::target_url;
use crate::transport::{ReadError, Transport, TransportError, TransportRequest, read_limited};

/// The default limit on a response body: 4 MiB, some thousand times a typical APIv3 answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// Everything a call needs besides the keys; shared by the client and the certificate store.
pub(crate) struct Pipeline {
    pub(crate) signer: Signer,
    /// The clock of the signer, for `Retry-After` dates.
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) base_url: String,
    /// `Some` when failover is enabled.
    pub(crate) backup_base_url: Option<String>,
    pub(crate) user_agent: HeaderValue,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: u64,
}

/// The content type of a JSON body.
const JSON: &str = "application/json";

/// A 2xx response, verified when its operation is signed.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) status: u16,
    pub(crate) request_id: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// A failed attempt, with the server's `Retry-After` when it sent one.
struct Failure {
    error: Error,
    retry_after: Option<Duration>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// One call's fixed inputs.
struct Prepared<'a> {
    keys: &'a dyn KeySource,
    meta: &'a OperationMeta,
    method: Method,
    path_and_query: String,
    /// Shared by every attempt: the same bytes, re-signed.
    body: Option<Bytes>,
    /// What the signature covers: the body, or an upload's `meta` JSON.
    signed: Bytes,
    /// The body's content type (`None`: JSON).
    content_type: Option<String>,
    primary: reqwest::Url,
    backup: Option<reqwest::Url>,
    timeout: Duration,
    max_response_bytes: u64,
    span: tracing::Span,
}

impl Pipeline {
    /// Sends one call: signs, sends, verifies and retries (when the operation is idempotent)
    /// according to `options` and the defaults. `path` names the call in its span: the path
    /// template of a spec'd operation (never the concrete path, which may carry user IDs).
    pub(crate) async fn call(
        &self,
        keys: &dyn KeySource,
        meta: &OperationMeta,
        path: &str,
        request: HttpRequest,
        options: &CallOptions,
    ) -> Result<Verified, Error> {
        let span = tracing::info_span!(
            "wechatpay.call",
            operation = meta.id,
            method = request.method.as_str(),
            path,
            attempt = Empty,
            status = Empty,
            request_id = Empty,
        );
        let in_span = span.clone();
        async move {
            let primary = target_url(&self.base_url, &request.path_and_query)?;
            let backup = match &self.backup_base_url {
                Some(base) => Some(target_url(base, &request.path_and_query)?),
                None => None,
            };
            let signed = Bytes::copy_from_slice(request.signed_bytes());
            let prepared = Prepared {
                keys,
                meta,
                method: request.method,
                path_and_query: request.path_and_query,
                body: request.body.map(Bytes::from),
                signed,
                content_type: request.content_type,
                primary,
                backup,
                timeout: options.timeout.unwrap_or(self.timeout),
                max_response_bytes: options
                    .max_response_bytes
                    .unwrap_or(self.max_response_bytes),
                span: in_span,
            };
            let policy = options.retry.as_ref().unwrap_or(&self.retry);
            self.retry_loop(&prepared, policy).await
        }
        .instrument(span)
        .await
    }

    async fn retry_loop(
        &self,
        call: &Prepared<'_>,
        policy: &RetryPolicy,
    ) -> Result<Verified, Error> {
        let max_attempts = if call.meta.idempotent {
            policy.attempts()
        } else {
            1
        };
        let mut attempt: u32 = 1;
        loop {
            call.span.record("attempt", attempt);
            let failure = match self.attempt(call).await {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            let error = failure.error;
            let retryable = error.is_retryable();
            if attempt >= max_attempts || !retryable {
                let idempotent = call.meta.idempotent;
                let shown = format!("{error:#}");
                if attempt > 1 {
                    tracing::warn!(attempt, retryable, error = %shown, "call failed after retrying");
                } else if matches!(error, Error::Verification { .. }) {
                    // A 2xx that does not verify may be tampering; never only at debug level.
                    tracing::warn!(retryable, idempotent, error = %shown, "call failed");
                } else {
                    tracing::debug!(retryable, idempotent, error = %shown, "call failed");
                }
                return Err(error);
            }
            let rate_limited = error.as_api().is_some_and(|api| api.status == 429);
            let delay = policy.delay(
                attempt,
                rate_limited,
                failure.retry_after,
                rand::random::<f64>(),
            );
            tracing::warn!(
                attempt,
                next_attempt = attempt + 1,
                max_attempts,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %format!("{error:#}"),
                "retrying idempotent call"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One attempt: sign afresh, exchange within the timeout, fetch an unknown signing key if
    /// the key source can, then verify a 2xx or read a non-2xx as an API error.
    async fn attempt(&self, call: &Prepared<'_>) -> Result<Verified, Failure> {
        let content_type = call
            .body
            .as_ref()
            .map(|_| call.content_type.as_deref().unwrap_or(JSON));
        let headers = self.headers(
            call.keys,
            call.method,
            &call.path_and_query,
            &call.signed,
            content_type,
        )?;
        let exchange = self.exchange(call, headers);
        let (status, headers, body) = match tokio::time::timeout(call.timeout, exchange).await {
            Ok(result) => result?,
            Err(_) => return Err(Error::Timeout(call.timeout).into()),
        };
        let request_id = header(&headers, "Request-ID").map(str::to_owned);
        call.span.record("status", status);
        if let Some(id) = &request_id {
            call.span.record("request_id", id.as_str());
        }
        if (200..300).contains(&status) {
            if call.meta.signed_response {
                self.verify(call.keys, &headers, &body, request_id.clone())
                    .await?;
            }
            return Ok(Verified {
                status,
                request_id,
                headers,
                body,
            });
        }
        // Non-2xx answers are read unverified: WeChat Pay omits the signature on some of them.
        let retry_after = if status == 429 || status == 503 {
            header(&headers, "Retry-After")
                .and_then(|value| parse_retry_after(value, self.clock.now_unix()))
        } else {
            None
        };
        Err(Failure {
            error: ApiError::from_response(status, &body, request_id).into(),
            retry_after,
        })
    }

    /// Sends the request (failing over once to the backup host when no connection could be
    /// made) and reads the body within the size limit.
    async fn exchange(
        &self,
        call: &Prepared<'_>,
        headers: HeaderMap,
    ) -> Result<(u16, HeaderMap, Vec<u8>), Error> {
        let send = |url: &reqwest::Url, headers: HeaderMap| {
            self.transport.send(TransportRequest {
                method: call.method,
                url: url.clone(),
                headers,
                body: call.body.clone(),
            })
        };
        let response = match &call.backup {
            None => send(&call.primary, headers)
                .await
                .map_err(|e| transport_error(&call.primary, e, None))?,
            Some(backup) => match send(&call.primary, headers.clone()).await {
                Err(primary_error) if primary_error.is_connect() => {
                    let first = transport_error(&call.primary, primary_error, None);
                    tracing::warn!(error = %format!("{first:#}"), "connection failed; failing over to the backup host");
                    // The signature does not cover the host, so the same signed request is valid
                    // on the backup host; nothing reached the primary one.
                    send(backup, headers)
                        .await
                        .map_err(|e| transport_error(backup, e, Some(&first)))?
                }
                result => result.map_err(|e| transport_error(&call.primary, e, None))?,
            },
        };
        let status = response.status;
        let headers = response.headers;
        match read_limited(&headers, response.body, call.max_response_bytes).await {
            Ok(body) => Ok((status, headers, body)),
            Err(ReadError::TooLarge { content_length }) => Err(Error::ResponseTooLarge {
                status,
                limit: call.max_response_bytes,
                content_length,
                request_id: header(&headers, "Request-ID").map(str::to_owned),
            }),
            Err(ReadError::Broken(source)) => Err(Error::Transport {
                message: format!(
                    "{}: the response body broke off (HTTP {status})",
                    host_of(&call.primary)
                ),
                connect: false,
                source,
            }),
        }
    }

    /// Verifies a 2xx over its raw body; a signing serial the keys do not hold is first offered
    /// to the key source to fetch.
    async fn verify(
        &self,
        keys: &dyn KeySource,
        headers: &HeaderMap,
        body: &[u8],
        request_id: Option<String>,
    ) -> Result<(), Error> {
        if let Some(serial) = header(headers, HEADER_SERIAL).filter(|s| !s.is_empty())
            && !keys.verifier().contains(serial)
        {
            keys.fetch(serial).await?;
        }
        let signed = ResponseHeaders::from_lookup(|name| header(headers, name));
        keys.verifier()
            .verify(&signed, body)
            .map_err(|kind| Error::Verification { kind, request_id })
    }

    /// The headers of one attempt, in the order they are sent: a fresh `Authorization` over the
    /// exact request-target and `signed` bytes (the body, or an upload's `meta` JSON),
    /// `Accept`, `Content-Type` (with a body: `content_type`), `User-Agent` and
    /// `Wechatpay-Serial`.
    pub(crate) fn headers(
        &self,
        keys: &dyn KeySource,
        method: Method,
        path_and_query: &str,
        signed: &[u8],
        content_type: Option<&str>,
    ) -> Result<HeaderMap, Error> {
        let authorization = self
            .signer
            .authorization(method.as_str(), path_and_query, signed);
        let authorization = HeaderValue::from_str(&authorization).map_err(|_| {
            Error::config("the Authorization header contains characters HTTP does not allow")
        })?;
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(content_type) = content_type {
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                Error::config("the Content-Type contains characters HTTP does not allow")
            })?;
            headers.insert(CONTENT_TYPE, value);
        }
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let Some(serial) = keys.serial_header() {
            headers.insert("wechatpay-serial", serial);
        }
        Ok(headers)
    }
}

/// A header value as text, when present and visible ASCII (names are case-insensitive).
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Names the host, never the full URL or a header: messages carry no secrets.
fn transport_error(url: &reqwest::Url, error: TransportError, after: Option<&Error>) -> Error {
    let connect = error.is_connect();
    let host = host_of(url);
    let mut message = if connect {
        format!("cannot connect to {host}")
    } else {
        format!("{host}: no complete response")
    };
    if let Some(first) = after {
        message.push_str(&format!(" (after failing over from: {first:#})"));
    }
    Error::Transport {
        message,
        connect,
        source: error.into_source(),
    }
}

fn host_of(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        _ => String::from("?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_with_port() {
        let url = reqwest::Url::parse("http://127.0.0.1:8080/v3/x").expect("valid url");
        assert_eq!(host_of(&url), "127.0.0.1:8080");
        let url = reqwest::Url::parse("https://api.mch.weixin.qq.com/v3/x").expect("valid url");
        assert_eq!(host_of(&url), "api.mch.weixin.qq.com");
    }
}
