//! The client: one merchant's configuration, its keys and its call pipeline, behind an `Arc`.
//! Configured with [`ClientBuilder`](crate::ClientBuilder); calls are [`Call`](crate::Call)s
//! and [`RawCall`](crate::RawCall)s.

use std::fmt;
use std::sync::Arc;

use crate::auth::Verifier;
use crate::certificates::{CertificateStore, PlatformCertificate, RefreshTask};
use crate::error::Error;
use crate::keys::{FixedKeys, KeySource};
use crate::operation::{CallOptions, HttpRequest, OperationMeta};
use crate::orchestrator::{Pipeline, Verified};

/// The primary APIv3 host ("使用该域名将访问就近的接入点").
pub const DEFAULT_BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The backup APIv3 host in another region, used for failover ("访问异地的接入点").
pub const DEFAULT_BACKUP_BASE_URL: &str = "https://api2.mch.weixin.qq.com";

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
    pipeline: Arc<Pipeline>,
    keys: KeySet,
    /// The periodic certificate refresh; dropping the last clone of the client stops it.
    _refresh: Option<RefreshTask>,
}

/// The keys of a client: configured once, or platform certificates kept current by downloads.
pub(crate) enum KeySet {
    Fixed(FixedKeys),
    Managed(Arc<CertificateStore>),
}

impl KeySet {
    fn source(&self) -> &dyn KeySource {
        match self {
            KeySet::Fixed(keys) => keys,
            KeySet::Managed(store) => &**store,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("mchid", &inner.mchid)
            .field("merchant_serial", &inner.merchant_serial)
            .field("base_url", &inner.pipeline.base_url)
            .field("backup_base_url", &inner.pipeline.backup_base_url)
            .field("timeout", &inner.pipeline.timeout)
            .field("retry", &inner.pipeline.retry)
            .field("max_response_bytes", &inner.pipeline.max_response_bytes)
            .field("transport", &inner.pipeline.transport)
            .finish_non_exhaustive()
    }
}

// `Client::builder`, `Client::from_env` (in `builder`) and `Client::request` (in `call`) are
// defined next to the types they return, so that this module imports neither.
impl Client {
    pub(crate) fn from_parts(
        mchid: String,
        merchant_serial: String,
        pipeline: Arc<Pipeline>,
        keys: KeySet,
        refresh: Option<RefreshTask>,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                mchid,
                merchant_serial,
                pipeline,
                keys,
                _refresh: refresh,
            }),
        }
    }

    /// The call pipeline, for calls that are not spec'd operations (file downloads).
    pub(crate) fn pipeline(&self) -> &Pipeline {
        &self.inner.pipeline
    }

    /// The keys requests are signed and responses verified with.
    pub(crate) fn key_source(&self) -> &dyn KeySource {
        self.inner.keys.source()
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
        &self.inner.pipeline.base_url
    }

    /// The backup base URL used on connection failures, when failover is enabled.
    pub fn backup_base_url(&self) -> Option<&str> {
        self.inner.pipeline.backup_base_url.as_deref()
    }

    /// The verifier that 2xx responses are checked with: a snapshot (cheap to clone) that
    /// includes the platform certificates downloaded so far.
    pub fn verifier(&self) -> Verifier {
        self.inner.keys.source().verifier().into_owned()
    }

    /// Sends one call through the pipeline; `path` names it in its tracing span.
    pub(crate) async fn send(
        &self,
        meta: &OperationMeta,
        path: &str,
        request: HttpRequest,
        options: &CallOptions,
    ) -> Result<Verified, Error> {
        let inner = &*self.inner;
        inner
            .pipeline
            .call(inner.keys.source(), meta, path, request, options)
            .await
    }

    /// The headers one attempt of `request` would carry, in the order they are sent: a fresh
    /// `Authorization` over the exact request-target and body bytes, `Accept`, `Content-Type`
    /// (with a body), `User-Agent` and `Wechatpay-Serial`. Nothing is sent; for dry runs and
    /// debugging. Names are canonical (`User-Agent`).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] for a request-target that would not be sent as it is (the
    /// check a call makes first, so a dry run fails where the call would);
    /// [`Error::Config`] when the signature cannot be put in a header.
    pub fn signed_headers(&self, request: &HttpRequest) -> Result<Vec<(String, String)>, Error> {
        crate::target::target_url(self.base_url(), &request.path_and_query)?;
        let headers = self.inner.pipeline.headers(
            self.inner.keys.source(),
            request.method,
            &request.path_and_query,
            request.signed_bytes(),
            request.body_content_type(),
        )?;
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

    /// Downloads the platform certificates from `/v3/certificates` now, adds them to the keys
    /// responses are verified with, and returns them (the serials already held keep their
    /// keys). See [`certificates`](crate::certificates) for the download at start-up and the
    /// periodic and lazy refreshes.
    ///
    /// Waits for a download already in flight, then downloads again; it is not rate-limited.
    ///
    /// # Errors
    /// [`Error::Config`] without an APIv3 key, or when WeChat Pay has no platform certificate
    /// for this merchant (HTTP 404: configure the WeChat Pay public key instead), or when a
    /// certificate does not decrypt; [`Error::Verification`] when the answer's signature does
    /// not verify; any error of an ordinary call.
    pub async fn refresh_certificates(&self) -> Result<Vec<PlatformCertificate>, Error> {
        match &self.inner.keys {
            KeySet::Managed(store) => store.refresh(None).await,
            KeySet::Fixed(_) => Err(Error::config(
                "downloading platform certificates needs the APIv3 key (ClientBuilder::api_v3_key)",
            )),
        }
    }
}
