//! [`ClientBuilder`]: the setters; building (and the start-up download) is in `assemble`, the
//! environment variables in `env`.

mod assemble;
mod env;

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::{ApiV3Key, Clock, MerchantPrivateKey, NonceSource, Verifier};
use crate::client::Client;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::transport::{ReqwestTransport, Transport};

/// Configures a [`Client`]; start with [`Client::builder`].
///
/// Required: [`mchid`](Self::mchid), [`merchant_serial`](Self::merchant_serial), a private key,
/// and at least one WeChat Pay verification key (a platform certificate, the WeChat Pay public
/// key, or a ready [`Verifier`]) unless platform certificates are downloaded automatically
/// ([`api_v3_key`](Self::api_v3_key) with [`auto_certificates`](Self::auto_certificates)).
/// Setters never fail; [`build`](Self::build) (or [`start`](Self::start)) reports the first
/// problem. `Debug` never shows key material.
///
/// HTTP: by default the client makes its own `reqwest::Client` (see
/// [`transport`](crate::transport) for its settings: no redirects, idle connections dropped
/// after 5 s, proxies from `HTTPS_PROXY`/`NO_PROXY`); [`proxy`](Self::proxy),
/// [`connect_timeout`](Self::connect_timeout) and [`pool_idle_timeout`](Self::pool_idle_timeout)
/// adjust it. [`http_client`](Self::http_client) hands in a `reqwest::Client` of your own
/// (proxies, pools, TLS roots) and [`transport`](Self::transport) any other [`Transport`].
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
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    clock: Option<Arc<dyn Clock>>,
    nonce_source: Option<Arc<dyn NonceSource>>,
    // HTTP: a transport of the user's, or settings of the built-in one.
    transport: Option<Arc<dyn Transport>>,
    connect_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    proxy: Option<String>,
    // Certificates: the APIv3 key, lazy download and its rate limit, periodic refresh.
    api_v3_key: Option<ApiV3Key>,
    auto_certificates: bool,
    certificate_refresh_interval: Option<Duration>,
    certificate_refresh_every: Option<Duration>,
    /// The first error met by a setter (a key that does not parse, a file that cannot be read).
    error: Option<Error>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let public_key_ids: Vec<&str> =
            self.public_keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("ClientBuilder")
            .field("mchid", &self.mchid)
            .field("merchant_serial", &self.merchant_serial)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("platform_certificates", &self.platform_certificates.len())
            .field("public_key_ids", &public_key_ids)
            .field("verifier", &self.verifier.is_some())
            .field("base_url", &self.base_url)
            .field("backup_base_url", &self.backup_base_url)
            .field("failover", &self.failover)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("transport", &self.transport)
            .field("connect_timeout", &self.connect_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            // A proxy URL may carry credentials.
            .field("proxy", &self.proxy.as_ref().map(|_| "<set>"))
            .field("api_v3_key", &self.api_v3_key)
            .field("auto_certificates", &self.auto_certificates)
            .field(
                "certificate_refresh_interval",
                &self.certificate_refresh_interval,
            )
            .field("certificate_refresh_every", &self.certificate_refresh_every)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

// Defined here rather than in `client`, so that `client` does not import the builder.
impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from the environment; see [`ClientBuilder::from_env_vars`] for the
    /// variables read. Certificates are downloaded lazily; for a download at start-up use
    /// `ClientBuilder::from_env_vars(|name| std::env::var(name).ok())?.start().await`.
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable or file that is missing or unusable.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env_vars(|name| std::env::var(name).ok())?.build()
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
            Err(e) => self.fail(Error::config_with(
                format!("cannot read platform certificate file {}", path.display()),
                e,
            )),
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
            Err(e) => self.fail(Error::config_with(
                format!("cannot read WeChat Pay public key file {}", path.display()),
                e,
            )),
        }
        self
    }

    /// Starts from a ready verifier; certificates and public keys added to the builder are
    /// added to it.
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The merchant's APIv3 key (APIv3密钥, 32 characters), which decrypts platform certificates
    /// downloaded from `/v3/certificates`; enables [`Client::refresh_certificates`],
    /// [`auto_certificates`](Self::auto_certificates) and
    /// [`certificate_refresh_every`](Self::certificate_refresh_every). Never shown by `Debug`.
    pub fn api_v3_key(mut self, key: impl Into<Vec<u8>>) -> Self {
        match ApiV3Key::new(key) {
            Ok(key) => self.api_v3_key = Some(key),
            Err(e) => self.fail(e),
        }
        self
    }

    /// Whether a 2xx response signed under a platform-certificate serial the client does not
    /// hold makes it download `/v3/certificates` and retry the verification once (off by
    /// default; needs [`api_v3_key`](Self::api_v3_key)). With it, no verification key needs to
    /// be configured up front, and [`start`](Self::start) downloads before returning.
    /// `PUB_KEY_ID_…` serials never trigger a download. See [`certificates`](crate::certificates).
    pub fn auto_certificates(mut self, enabled: bool) -> Self {
        self.auto_certificates = enabled;
        self
    }

    /// The shortest time between two downloads triggered by unknown serials (default 60 s,
    /// [`DEFAULT_REFRESH_INTERVAL`](crate::certificates::DEFAULT_REFRESH_INTERVAL)).
    pub fn certificate_refresh_interval(mut self, interval: Duration) -> Self {
        self.certificate_refresh_interval = Some(interval);
        self
    }

    /// Downloads the platform certificates again every `interval`, in a background task that
    /// lives as long as the client (needs [`api_v3_key`](Self::api_v3_key) and a client made
    /// with [`start`](Self::start), which also downloads once before returning). See
    /// [`certificates`](crate::certificates).
    pub fn certificate_refresh_every(mut self, interval: Duration) -> Self {
        self.certificate_refresh_every = Some(interval);
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

    /// The default timeout of each attempt, from connecting to the last byte of the body
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The default retry policy (default [`RetryPolicy::default()`]); it only ever applies to
    /// idempotent operations.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest response body the client reads, in bytes (default 4 MiB,
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES)). A response that
    /// announces more in `Content-Length` is refused before its body is read; one that sends
    /// more is cut off there; both give [`Error::ResponseTooLarge`]. Per call:
    /// [`Call::max_response_bytes`](crate::Call::max_response_bytes).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The clock for request timestamps, the response timestamp window and `Retry-After` dates.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The source of request nonces.
    pub fn nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce_source = Some(nonce);
        self
    }

    /// Sends requests with this `reqwest::Client`, as it is configured: its proxies, connection
    /// pool, TLS roots and timeouts. Build it with `redirect(reqwest::redirect::Policy::none())`
    /// (a followed redirect is refused) and a `pool_idle_timeout` under 8 s (see
    /// [`transport`](crate::transport)). Excludes [`proxy`](Self::proxy),
    /// [`connect_timeout`](Self::connect_timeout) and
    /// [`pool_idle_timeout`](Self::pool_idle_timeout), which configure the built-in client.
    pub fn http_client(self, http: reqwest::Client) -> Self {
        self.transport(ReqwestTransport::new(http))
    }

    /// Sends requests through `transport` (an in-memory one for tests, another HTTP stack).
    /// Excludes the settings of the built-in client, like [`http_client`](Self::http_client).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Sends every request of the built-in HTTP client through this proxy (`http://`,
    /// `https://`; credentials as `http://user:password@host:port`), instead of the ones
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` name (reqwest reads those by default).
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = Some(url.to_owned());
        self
    }

    /// The timeout for establishing a connection, of the built-in HTTP client (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long the built-in HTTP client keeps an idle connection for reuse (default 5 s,
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`](crate::transport::DEFAULT_POOL_IDLE_TIMEOUT)); keep it under
    /// WeChat Pay's ~8 s.
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = Some(timeout);
        self
    }
}
