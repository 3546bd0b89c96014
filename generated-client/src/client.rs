//! The client: configuration, and the one place where a request is signed, sent, verified and
//! retried.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::auth::{
    ApiV3Key, Clock, MerchantPrivateKey, NonceSource, ResponseHeaders, Signer, Verifier,
};
use crate::certificates::{CertificateOptions, Keys};
use crate::error::{ApiError, Error};
use crate::operation::{CallOptions, HttpRequest, OperationMeta};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::transport::{RawResponse, Transport};

/// The primary APIv3 host ("使用该域名将访问就近的接入点").
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The backup APIv3 host in another region, used for failover ("访问异地的接入点").
pub const DEFAULT_BACKUP_BASE_URL: &str = "https://api2.mch.weixin.qq.com";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A WeChat Pay APIv3 client for one merchant.
///
/// Cheap to clone (the configuration and the connection pool are shared); reuse one client for
/// all calls. Every request is signed over the exact bytes sent, every 2xx response of a signed
/// operation is verified over the raw bytes received before its body is decoded, and only
/// idempotent operations are retried. `Debug` never shows key material.
///
/// ```no_run
/// # fn demo() -> Result<(), wechatpay_apiv3::Error> {
/// let client = wechatpay_apiv3::Client::builder()
///     .mchid("1900009191")
///     .merchant_serial("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C")
///     .private_key_file("/etc/wechatpay/apiclient_key.pem")
///     .public_key_pem("PUB_KEY_ID_0114232134912410000000000000", &std::fs::read_to_string("pub_key.pem").unwrap_or_default())
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    mchid: String,
    merchant_serial: String,
    base_url: String,
    /// `Some` when failover is enabled.
    backup_base_url: Option<String>,
    signer: Signer,
    // [certificates] The verifier and the `Wechatpay-Serial` sent; refreshed from
    // `/v3/certificates` when an APIv3 key is configured.
    keys: Keys,
    transport: Transport,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: HeaderValue,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("mchid", &inner.mchid)
            .field("merchant_serial", &inner.merchant_serial)
            .field("base_url", &inner.base_url)
            .field("backup_base_url", &inner.backup_base_url)
            .field("timeout", &inner.timeout)
            .field("retry", &inner.retry)
            .finish_non_exhaustive()
    }
}

/// A 2xx response whose signature was verified.
#[derive(Debug)]
pub(crate) struct VerifiedResponse {
    pub(crate) request_id: Option<String>,
    /// The response headers (the certificate download verifies its answer itself).
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

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment; see [`ClientBuilder::from_env_vars`] for the
    /// variables read.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or file that is missing or unusable.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env_vars(|name| std::env::var(name).ok())?.build()
    }

    /// The merchant ID every request is signed for.
    pub fn mchid(&self) -> &str {
        &self.inner.mchid
    }

    /// The merchant API certificate serial every request is signed with.
    pub fn merchant_serial(&self) -> &str {
        &self.inner.merchant_serial
    }

    /// The base URL requests go to, without a trailing slash, e.g.
    /// `https://api.mch.weixin.qq.com`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The backup base URL used on connection failures, when failover is enabled.
    pub fn backup_base_url(&self) -> Option<&str> {
        self.inner.backup_base_url.as_deref()
    }

    /// The verifier that 2xx responses are checked with: a snapshot (cheap to clone) that
    /// includes the platform certificates downloaded so far.
    pub fn verifier(&self) -> Verifier {
        self.inner.keys.verifier().into_owned()
    }

    // [certificates] The keys, for the certificate refresh in `crate::certificates`.
    pub(crate) fn keys(&self) -> &Keys {
        &self.inner.keys
    }

    /// Sends one call: signs, sends, verifies and retries (when the operation is idempotent)
    /// according to `options` and the client's defaults.
    pub(crate) async fn send(
        &self,
        meta: &OperationMeta,
        request: &HttpRequest,
        options: &CallOptions,
    ) -> Result<VerifiedResponse, Error> {
        let span = tracing::info_span!(
            "wechatpay.call",
            operation = meta.id,
            method = request.method.as_str(),
            path = meta.path_template,
            attempt = Empty,
            status = Empty,
            request_id = Empty,
        );
        self.send_in_span(meta, request, options, &span)
            .instrument(span.clone())
            .await
    }

    async fn send_in_span(
        &self,
        meta: &OperationMeta,
        request: &HttpRequest,
        options: &CallOptions,
        span: &tracing::Span,
    ) -> Result<VerifiedResponse, Error> {
        let inner = &*self.inner;
        let primary = target_url(&inner.base_url, &request.path_and_query)?;
        let backup = match &inner.backup_base_url {
            Some(base) => Some(target_url(base, &request.path_and_query)?),
            None => None,
        };
        let policy = options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = options.timeout.unwrap_or(inner.timeout);
        let max_attempts = if meta.idempotent {
            policy.attempts()
        } else {
            1
        };

        let mut attempt: u32 = 1;
        loop {
            span.record("attempt", attempt);
            let failure = match self
                .attempt(meta, request, &primary, backup.as_ref(), timeout, span)
                .await
            {
                Ok(response) => return Ok(response),
                Err(failure) => failure,
            };
            let error = failure.error;
            if attempt >= max_attempts || !error.is_retryable() {
                let retryable = error.is_retryable();
                if attempt > 1 {
                    tracing::warn!(attempt, retryable, error = %error, "call failed after retrying");
                } else if matches!(error, Error::Verification { .. }) {
                    // A 2xx that does not verify may be tampering; never only at debug level.
                    tracing::warn!(retryable, idempotent = meta.idempotent, error = %error, "call failed");
                } else {
                    tracing::debug!(retryable, idempotent = meta.idempotent, error = %error, "call failed");
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
                error = %error,
                "retrying idempotent call"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// One attempt: sign afresh, send (failing over once on a connection failure when enabled),
    /// then verify a 2xx or read a non-2xx as an API error.
    async fn attempt(
        &self,
        meta: &OperationMeta,
        request: &HttpRequest,
        primary: &reqwest::Url,
        backup: Option<&reqwest::Url>,
        timeout: Duration,
        span: &tracing::Span,
    ) -> Result<VerifiedResponse, Failure> {
        let inner = &*self.inner;
        let headers = self.headers(request)?;
        let result = inner
            .transport
            .execute(
                request.method,
                primary.clone(),
                headers.clone(),
                request.body.clone(),
                timeout,
            )
            .await;
        let response = match (result, backup) {
            (
                Err(Error::Transport {
                    connect: true,
                    message,
                }),
                Some(backup),
            ) => {
                tracing::warn!(error = %message, "connection failed; failing over to the backup host");
                // The signature does not cover the host, so the same signed request is valid
                // on the backup host; nothing reached the primary one.
                inner
                    .transport
                    .execute(
                        request.method,
                        backup.clone(),
                        headers,
                        request.body.clone(),
                        timeout,
                    )
                    .await
                    .map_err(|error| match error {
                        Error::Transport {
                            message: backup_message,
                            connect,
                        } => Error::Transport {
                            message: format!(
                                "{backup_message} (after failing over from: {message})"
                            ),
                            connect,
                        },
                        other => other,
                    })?
            }
            (result, _) => result?,
        };
        // [certificates] A 2xx signed under a serial the client does not hold yet first makes it
        // download the platform certificates (lazy refresh), then is verified as usual.
        if let Some(serial) = inner.keys.unknown_serial(meta, &response) {
            crate::certificates::refresh_for_serial(self, &serial).await?;
        }
        read_response(&inner.keys.verifier(), meta, response, span)
    }

    /// The headers one attempt of `request` would carry, in the order they are sent: a fresh
    /// `Authorization` over the exact request-target and body bytes, `Accept`, `Content-Type`
    /// (with a body), `User-Agent` and `Wechatpay-Serial`. Nothing is sent; for dry runs and
    /// debugging. Names are canonical (`User-Agent`).
    ///
    /// # Errors
    /// [`Error::Config`] when the signature cannot be put in a header.
    pub fn signed_headers(&self, request: &HttpRequest) -> Result<Vec<(String, String)>, Error> {
        let headers = self.headers(request)?;
        Ok(headers
            .iter()
            .map(|(name, value)| {
                let name = name
                    .as_str()
                    .split('-')
                    .map(|word| {
                        let mut chars = word.chars();
                        chars.next().map_or_else(String::new, |first| {
                            first.to_ascii_uppercase().to_string() + chars.as_str()
                        })
                    })
                    .collect::<Vec<_>>()
                    .join("-");
                (name, String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect())
    }

    /// The headers of one attempt, with a fresh signature over the exact bytes sent.
    fn headers(&self, request: &HttpRequest) -> Result<HeaderMap, Error> {
        let inner = &*self.inner;
        let body = request.body.as_deref().unwrap_or_default();
        let authorization =
            inner
                .signer
                .authorization(request.method.as_str(), &request.path_and_query, body);
        let authorization = HeaderValue::from_str(&authorization).map_err(|_| {
            Error::Config("the Authorization header contains characters HTTP does not allow".into())
        })?;
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if request.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers.insert(USER_AGENT, inner.user_agent.clone());
        if let Some(serial) = inner.keys.serial_header() {
            headers.insert("wechatpay-serial", serial);
        }
        Ok(headers)
    }
}

/// Turns a complete response into the call's result: verify a 2xx of a signed operation, read
/// any non-2xx as an [`ApiError`] (unverified: WeChat Pay omits the signature on some of them).
fn read_response(
    verifier: &Verifier,
    meta: &OperationMeta,
    response: RawResponse,
    span: &tracing::Span,
) -> Result<VerifiedResponse, Failure> {
    let status = response.status;
    let request_id = response.header("Request-ID").map(str::to_owned);
    span.record("status", status);
    if let Some(id) = &request_id {
        span.record("request_id", id.as_str());
    }
    if (200..300).contains(&status) {
        if meta.signed_response {
            let headers = ResponseHeaders::from_lookup(|name| response.header(name));
            if let Err(kind) = verifier.verify(&headers, &response.body) {
                return Err(Error::Verification { kind, request_id }.into());
            }
        }
        return Ok(VerifiedResponse {
            request_id,
            headers: response.headers,
            body: response.body,
        });
    }
    let retry_after = if status == 429 || status == 503 {
        response.header("Retry-After").and_then(parse_retry_after)
    } else {
        None
    };
    Err(Failure {
        error: ApiError::from_response(status, &response.body, request_id).into(),
        retry_after,
    })
}

/// The URL a request goes to: `base` + `path_and_query` taken as is.
///
/// The URL parser would silently re-encode some characters (a raw `'` in the query, a space, a
/// `..` segment), which would send a target other than the one signed; such a target is refused
/// before anything is sent.
fn target_url(base: &str, path_and_query: &str) -> Result<reqwest::Url, Error> {
    if !path_and_query.starts_with('/') {
        return Err(Error::invalid(
            "request_target",
            format!("must start with `/`, got {path_and_query:?}"),
        ));
    }
    let url = reqwest::Url::parse(&format!("{base}{path_and_query}")).map_err(|e| {
        Error::invalid(
            "request_target",
            format!("{path_and_query:?} does not make a valid URL: {e}"),
        )
    })?;
    let mut sent = url.path().to_owned();
    if let Some(query) = url.query() {
        sent.push('?');
        sent.push_str(query);
    }
    if url.fragment().is_some() || sent != path_and_query {
        return Err(Error::invalid(
            "request_target",
            format!(
                "{path_and_query:?} would go on the wire as {sent:?}; percent-encode it so it \
                 is sent exactly as signed"
            ),
        ));
    }
    Ok(url)
}

/// Checks a base URL: `https://host[:port]`, or `http://` to a loopback host only; no
/// credentials, path, query or fragment. Returns it without the trailing slash.
fn validate_base_url(raw: &str, what: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| Error::Config(format!("{what} is not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!("{what} must not carry credentials")));
    }
    let Some(host) = url.host_str() else {
        return Err(Error::Config(format!("{what} {url} has no host")));
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::Config(format!(
                "{what} {url}: plain http is only allowed to a loopback host \
                 (127.0.0.0/8, ::1, localhost); use https"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "{what} {url}: unsupported scheme `{other}`, use https"
            )));
        }
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "{what} {url} must have no path, query or fragment: APIv3 signs the path from `/v3/`"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

fn user_agent() -> HeaderValue {
    let ua = format!(
        "wechatpay-apiv3-rust/{} ({}/{}) Rust",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    HeaderValue::from_str(&ua).unwrap_or_else(|_| HeaderValue::from_static("wechatpay-apiv3-rust"))
}

/// A merchant ID or certificate serial goes inside a quoted `Authorization` parameter.
fn check_header_token(value: &str, what: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::Config(format!("{what} is empty")));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
    {
        return Err(Error::Config(format!(
            "{what} {value:?} must be printable ASCII without `\"` or `,`"
        )));
    }
    Ok(())
}

/// Configures a [`Client`]; start with [`Client::builder`].
///
/// Required: [`mchid`](Self::mchid), [`merchant_serial`](Self::merchant_serial), a private key,
/// and at least one WeChat Pay verification key (a platform certificate, the WeChat Pay public
/// key, or a ready [`Verifier`]) unless platform certificates are downloaded automatically
/// ([`api_v3_key`](Self::api_v3_key) with [`auto_certificates`](Self::auto_certificates)). Setters never fail; [`build`](Self::build) reports the first
/// problem. `Debug` never shows key material.
#[derive(Default)]
pub struct ClientBuilder {
    mchid: Option<String>,
    merchant_serial: Option<String>,
    private_key: Option<MerchantPrivateKey>,
    platform_certificates: Vec<String>,
    public_keys: Vec<(String, String)>,
    verifier: Option<Verifier>,
    base_url: Option<String>,
    backup_base_url: Option<String>,
    failover: bool,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    clock: Option<Arc<dyn Clock>>,
    nonce_source: Option<Arc<dyn NonceSource>>,
    // [certificates] The APIv3 key, lazy download, and its rate limit.
    api_v3_key: Option<ApiV3Key>,
    auto_certificates: bool,
    certificate_refresh_interval: Option<Duration>,
    /// The first error met by a setter (a key that does not parse, a file that cannot be read).
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("platform_certificates", &self.platform_certificates.len())
            .field(
                "public_key_ids",
                &self
                    .public_keys
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("verifier", &self.verifier.is_some())
            .field("base_url", &self.base_url)
            .field("backup_base_url", &self.backup_base_url)
            .field("failover", &self.failover)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("api_v3_key", &self.api_v3_key)
            .field("auto_certificates", &self.auto_certificates)
            .field(
                "certificate_refresh_interval",
                &self.certificate_refresh_interval,
            )
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// The merchant ID (商户号) requests are signed for.
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = Some(mchid.into());
        self
    }

    /// The serial of the merchant API certificate (商户API证书序列号), upper-case hex.
    pub fn merchant_serial(mut self, serial: impl Into<String>) -> Self {
        self.merchant_serial = Some(serial.into());
        self
    }

    /// The merchant API private key.
    pub fn private_key(mut self, key: MerchantPrivateKey) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The merchant API private key as PKCS#8 PEM (`apiclient_key.pem`).
    pub fn private_key_pem(mut self, pem: &str) -> Self {
        match MerchantPrivateKey::from_pem(pem) {
            Ok(key) => self.private_key = Some(key),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Reads the merchant API private key from a PKCS#8 PEM file.
    pub fn private_key_file(mut self, path: impl AsRef<Path>) -> Self {
        match MerchantPrivateKey::from_pem_file(path) {
            Ok(key) => self.private_key = Some(key),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Adds a WeChat Pay platform certificate (平台证书) PEM to verify responses with; repeat
    /// for each certificate (both overlap during rotation). May be combined with
    /// [`public_key_pem`](Self::public_key_pem).
    pub fn platform_certificate_pem(mut self, pem: &str) -> Self {
        self.platform_certificates.push(pem.to_owned());
        self
    }

    /// Reads a WeChat Pay platform certificate PEM file; see
    /// [`platform_certificate_pem`](Self::platform_certificate_pem).
    pub fn platform_certificate_file(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(pem) => self.platform_certificates.push(pem),
            Err(e) => self.fail(Error::Config(format!(
                "cannot read platform certificate file {}: {e}",
                path.display()
            ))),
        }
        self
    }

    /// Adds the WeChat Pay public key (微信支付公钥, `pub_key.pem`) with its ID
    /// (`PUB_KEY_ID_…`), the serial WeChat Pay names it by in `Wechatpay-Serial`.
    pub fn public_key_pem(mut self, id: impl Into<String>, pem: &str) -> Self {
        self.public_keys.push((id.into(), pem.to_owned()));
        self
    }

    /// Reads the WeChat Pay public key from a PEM file; see
    /// [`public_key_pem`](Self::public_key_pem).
    pub fn public_key_file(mut self, id: impl Into<String>, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(pem) => self.public_keys.push((id.into(), pem)),
            Err(e) => self.fail(Error::Config(format!(
                "cannot read WeChat Pay public key file {}: {e}",
                path.display()
            ))),
        }
        self
    }

    /// Starts from a ready verifier; certificates and public keys added to the builder are
    /// added to it.
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    // [certificates]
    /// The merchant's APIv3 key (APIv3密钥, 32 characters), which decrypts
    /// platform certificates downloaded from `/v3/certificates`; enables
    /// [`Client::refresh_certificates`].
    pub fn api_v3_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        match ApiV3Key::new(key) {
            Ok(key) => self.api_v3_key = Some(key),
            Err(e) => self.fail(e),
        }
        self
    }

    // [certificates]
    /// Whether a 2xx response signed under a platform-certificate serial the
    /// client does not hold makes it download `/v3/certificates` and retry the verification
    /// once (off by default; needs [`api_v3_key`](Self::api_v3_key)). With it, no verification
    /// key needs to be configured up front. `PUB_KEY_ID_…` serials never trigger a download.
    /// See [`certificates`](crate::certificates).
    pub fn auto_certificates(mut self, enabled: bool) -> Self {
        self.auto_certificates = enabled;
        self
    }

    // [certificates]
    /// The shortest time between two downloads triggered by unknown serials
    /// (default 60 s, [`DEFAULT_REFRESH_INTERVAL`](crate::certificates::DEFAULT_REFRESH_INTERVAL)).
    pub fn certificate_refresh_interval(mut self, interval: Duration) -> Self {
        self.certificate_refresh_interval = Some(interval);
        self
    }

    /// Where requests go, default `https://api.mch.weixin.qq.com`. Must be `https://host[:port]`;
    /// plain `http://` is accepted only for a loopback host (a local sandbox).
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_owned());
        self
    }

    /// Whether a request whose connection cannot be established is sent once more to the
    /// backup host (off by default). Nothing was sent to the primary host in that case, so this
    /// applies to every operation, idempotent or not.
    pub fn failover(mut self, enabled: bool) -> Self {
        self.failover = enabled;
        self
    }

    /// The backup base URL for [`failover`](Self::failover), default
    /// `https://api2.mch.weixin.qq.com`; validated like [`base_url`](Self::base_url).
    pub fn backup_base_url(mut self, url: &str) -> Self {
        self.backup_base_url = Some(url.to_owned());
        self
    }

    /// The default timeout of each attempt, connecting included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The default retry policy (default [`RetryPolicy::default()`]); it only ever applies to
    /// idempotent operations.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The clock for request timestamps and for the response timestamp window.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The source of request nonces.
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce_source = Some(nonce);
        self
    }

    /// A builder configured from variables looked up with `var` (pass
    /// `|name| std::env::var(name).ok()` for the real environment):
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `WECHATPAY_BASE_URL` | optional base URL |
    /// | `WECHATPAY_MCHID` | merchant ID |
    /// | `WECHATPAY_MCH_SERIAL` | merchant API certificate serial |
    /// | `WECHATPAY_PRIVATE_KEY` | path of the PKCS#8 PEM private key |
    /// | `WECHATPAY_PLATFORM_CERTS` | comma-separated platform certificate PEM paths |
    /// | `WECHATPAY_PUBLIC_KEY` + `WECHATPAY_PUBLIC_KEY_ID` | WeChat Pay public key PEM path and its ID |
    ///
    /// At least one of `WECHATPAY_PLATFORM_CERTS` and `WECHATPAY_PUBLIC_KEY` is needed; both may
    /// be set. Empty values count as unset.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or the file that cannot be used.
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let require = |name: &str| {
            get(name)
                .ok_or_else(|| Error::Config(format!("environment variable {name} is not set")))
        };
        let mut builder = Client::builder()
            .mchid(require("WECHATPAY_MCHID")?)
            .merchant_serial(require("WECHATPAY_MCH_SERIAL")?)
            .private_key_file(require("WECHATPAY_PRIVATE_KEY")?);
        if let Some(url) = get("WECHATPAY_BASE_URL") {
            builder = builder.base_url(&url);
        }
        let certs = get("WECHATPAY_PLATFORM_CERTS");
        if let Some(paths) = &certs {
            for path in paths.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                builder = builder.platform_certificate_file(path);
            }
        }
        match (get("WECHATPAY_PUBLIC_KEY"), get("WECHATPAY_PUBLIC_KEY_ID")) {
            (Some(path), Some(id)) => builder = builder.public_key_file(id, path),
            (Some(_), None) => {
                return Err(Error::Config(
                    "WECHATPAY_PUBLIC_KEY is set but WECHATPAY_PUBLIC_KEY_ID is not".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::Config(
                    "WECHATPAY_PUBLIC_KEY_ID is set but WECHATPAY_PUBLIC_KEY is not".into(),
                ));
            }
            (None, None) if certs.is_none() => {
                return Err(Error::Config(
                    "set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID, or \
                     WECHATPAY_PLATFORM_CERTS, to verify responses"
                        .into(),
                ));
            }
            (None, None) => {}
        }
        if let Some(error) = builder.error.take() {
            return Err(error);
        }
        Ok(builder)
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Config`] naming what is missing or unusable: merchant ID, serial, private key,
    /// a verification key, a certificate or public key that does not parse, a bad base URL.
    pub fn build(self) -> Result<Client, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let mchid = self
            .mchid
            .ok_or_else(|| Error::Config("missing mchid (ClientBuilder::mchid)".into()))?;
        check_header_token(&mchid, "mchid")?;
        let merchant_serial = self.merchant_serial.ok_or_else(|| {
            Error::Config(
                "missing merchant certificate serial (ClientBuilder::merchant_serial)".into(),
            )
        })?;
        check_header_token(&merchant_serial, "merchant certificate serial")?;
        let private_key = self.private_key.ok_or_else(|| {
            Error::Config(
                "missing merchant private key (ClientBuilder::private_key_pem / private_key_file)"
                    .into(),
            )
        })?;

        let base_url = validate_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            "base_url",
        )?;
        let backup_base_url = if self.failover {
            Some(validate_base_url(
                self.backup_base_url
                    .as_deref()
                    .unwrap_or(DEFAULT_BACKUP_BASE_URL),
                "backup_base_url",
            )?)
        } else {
            None
        };

        let mut verifier = self.verifier.unwrap_or_default();
        if let Some(clock) = &self.clock {
            verifier = verifier.with_clock(Arc::clone(clock));
        }
        for pem in &self.platform_certificates {
            verifier.add_platform_certificate_pem(pem)?;
        }
        for (id, pem) in &self.public_keys {
            verifier.add_public_key_pem(id.as_str(), pem)?;
        }
        // [certificates] Checks that something can verify responses, and picks the
        // `Wechatpay-Serial` to send.
        let keys = Keys::new(
            verifier,
            CertificateOptions {
                api_v3_key: self.api_v3_key,
                lazy: self.auto_certificates,
                min_interval: self.certificate_refresh_interval,
            },
        )?;

        let mut signer = Signer::new(mchid.clone(), merchant_serial.clone(), private_key);
        if let Some(clock) = self.clock {
            signer = signer.with_clock(clock);
        }
        if let Some(nonce) = self.nonce_source {
            signer = signer.with_nonce(nonce);
        }

        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::Config("timeout must be greater than zero".into()));
        }
        let connect_timeout = self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        if connect_timeout.is_zero() {
            return Err(Error::Config(
                "connect_timeout must be greater than zero".into(),
            ));
        }
        let transport = Transport::new(connect_timeout)?;

        Ok(Client {
            inner: Arc::new(Inner {
                mchid,
                merchant_serial,
                base_url,
                backup_base_url,
                signer,
                keys,
                transport,
                timeout,
                retry: self.retry.unwrap_or_default(),
                user_agent: user_agent(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            validate_base_url("https://api.mch.weixin.qq.com", "b")
                .ok()
                .as_deref(),
            Some("https://api.mch.weixin.qq.com")
        );
        assert_eq!(
            validate_base_url("https://api.mch.weixin.qq.com/", "b")
                .ok()
                .as_deref(),
            Some("https://api.mch.weixin.qq.com")
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080", "b")
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            validate_base_url("http://127.3.4.5", "b").ok().as_deref(),
            Some("http://127.3.4.5")
        );
        assert_eq!(
            validate_base_url("http://[::1]:9/", "b").ok().as_deref(),
            Some("http://[::1]:9")
        );
        assert_eq!(
            validate_base_url("http://LocalHost:1", "b").ok().as_deref(),
            Some("http://localhost:1")
        );
        for bad in [
            "http://api.mch.weixin.qq.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://[::2]",
            "ftp://127.0.0.1",
            "https://api.mch.weixin.qq.com/prefix",
            "https://api.mch.weixin.qq.com/?a=b",
            "https://api.mch.weixin.qq.com/#x",
            "https://user:secret@api.mch.weixin.qq.com",
            "not a url",
            "",
        ] {
            let err = validate_base_url(bad, "base_url");
            assert!(matches!(err, Err(Error::Config(_))), "{bad}: {err:?}");
            if let Err(e) = err {
                assert!(!e.to_string().contains("secret"), "{e}");
            }
        }
    }

    #[test]
    fn target_must_survive_the_url_parser() {
        let base = "https://api.mch.weixin.qq.com";
        for good in [
            "/v3/marketing/favor/users/o%2Fx%27y/coupons?stock_id=a%27b&x=%2F",
            "/v3/certificates",
            "/v3/x?",
            "/v3/x?a=1&a=2&b=%E4%B8%AD",
        ] {
            let url = target_url(base, good).expect(good);
            assert_eq!(url.as_str(), format!("{base}{good}"));
        }
        for bad in [
            "v3/x",
            "/v3/x?q='",
            "/v3/a b",
            "/v3/../x",
            "/v3/%2e%2e/x",
            "/v3/x#frag",
            "/v3/中",
        ] {
            assert!(
                matches!(target_url(base, bad), Err(Error::InvalidRequest { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn header_tokens() {
        assert!(check_header_token("1900009191", "mchid").is_ok());
        assert!(check_header_token("", "mchid").is_err());
        assert!(check_header_token("19\"00", "mchid").is_err());
        assert!(check_header_token("19 00", "mchid").is_err());
        assert!(check_header_token("19\n00", "mchid").is_err());
    }

    #[test]
    fn user_agent_names_the_crate() {
        let ua = user_agent();
        let ua = ua.to_str().unwrap_or_default();
        assert!(ua.starts_with("wechatpay-apiv3-rust/"), "{ua}");
        assert!(ua.ends_with(") Rust"), "{ua}");
    }
}
