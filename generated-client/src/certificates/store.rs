//! The platform certificates a client holds, as a [`KeySource`] the pipeline asks: it answers
//! with a snapshot of the current keys, and downloads `/v3/certificates` (one more call through
//! the [`Pipeline`]) when asked for a serial it does not hold, at start-up, periodically or on
//! demand.

use std::borrow::Cow;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};

use super::{
    CERTIFICATES_PATH, DEFAULT_REFRESH_INTERVAL, PUBLIC_KEY_ID_PREFIX, PlatformCertificate,
    decrypt_body,
};
use crate::auth::{ApiV3Key, ResponseHeaders, Verifier};
use crate::error::Error;
use crate::keys::{KeySource, serial_header};
use crate::operation::{CallOptions, HttpRequest, Method, OperationMeta};
use crate::orchestrator::Pipeline;
use crate::transport::BoxFuture;

/// `GET /v3/certificates`, as the client sends it. Its answer is verified by
/// [`CertificateStore::download`] itself: against a key already held or, on first sight of the
/// signing serial, against the certificates the answer carries.
const DOWNLOAD: OperationMeta =
    OperationMeta::new("download_certificates", Method::Get, CERTIFICATES_PATH)
        .idempotent(true)
        .signed_response(false);

/// The key set the client currently verifies with, and the `Wechatpay-Serial` it sends.
#[derive(Clone)]
struct Live {
    verifier: Verifier,
    serial_header: Option<HeaderValue>,
}

/// Platform certificates kept current by downloads.
pub(crate) struct CertificateStore {
    api_v3_key: ApiV3Key,
    /// Whether an unknown serial triggers a download.
    lazy: bool,
    min_interval: Duration,
    live: RwLock<Live>,
    /// Held for the whole of a download (one in flight at a time); the time the last one
    /// started.
    refresh: tokio::sync::Mutex<Option<Instant>>,
    /// How downloads are sent: the client's own pipeline (signer, transport, hosts).
    pipeline: Arc<Pipeline>,
}

impl CertificateStore {
    /// A store starting from `verifier`'s keys.
    ///
    /// # Errors
    /// [`Error::Config`] when the preferred key ID is not a valid header value.
    pub(crate) fn new(
        pipeline: Arc<Pipeline>,
        api_v3_key: ApiV3Key,
        verifier: Verifier,
        lazy: bool,
        min_interval: Option<Duration>,
    ) -> Result<Self, Error> {
        let serial_header = serial_header(&verifier)?;
        Ok(CertificateStore {
            api_v3_key,
            lazy,
            min_interval: min_interval.unwrap_or(DEFAULT_REFRESH_INTERVAL),
            live: RwLock::new(Live {
                verifier,
                serial_header,
            }),
            refresh: tokio::sync::Mutex::new(None),
            pipeline,
        })
    }

    /// Whether an unknown serial triggers a download.
    pub(crate) fn lazy(&self) -> bool {
        self.lazy
    }

    fn live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        // Nothing panics while holding the lock; a poisoned one still holds a consistent value.
        self.live.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Downloads unless another download already brought `wanted`, or (for a lazy refresh) the
    /// last one started less than `min_interval` ago. `wanted = None` always downloads.
    pub(crate) async fn refresh(
        &self,
        wanted: Option<&str>,
    ) -> Result<Vec<PlatformCertificate>, Error> {
        let mut last_started = self.refresh.lock().await;
        if let Some(serial) = wanted {
            if self.live().verifier.contains(serial) {
                return Ok(Vec::new());
            }
            if let Some(started) = *last_started
                && started.elapsed() < self.min_interval
            {
                tracing::debug!(
                    serial,
                    "unknown Wechatpay-Serial, but platform certificates were downloaded recently; \
                     not downloading again yet"
                );
                return Ok(Vec::new());
            }
        }
        *last_started = Some(Instant::now());
        self.download().await
    }

    async fn download(&self) -> Result<Vec<PlatformCertificate>, Error> {
        let request = HttpRequest::new(Method::Get, CERTIFICATES_PATH, None);
        let response = self
            .pipeline
            .call(
                self,
                &DOWNLOAD,
                CERTIFICATES_PATH,
                request,
                &CallOptions::default(),
            )
            .await
            .map_err(explain_download_error)?;
        let request_id = response.request_id;
        // Decrypting first is safe: it needs only the APIv3 key and AEAD authenticates every
        // certificate; nothing is trusted before the signature check below.
        let mut certificates = decrypt_body(&self.api_v3_key, &response.body, request_id.clone())?;
        certificates.sort_by(|a, b| effective_order(a).cmp(&effective_order(b)));

        // The held keys plus the serials not held yet: a download never replaces a key, so a
        // signing serial the client already holds is checked with the key it holds, and only an
        // unknown one with a certificate just decrypted (see "Trust on first download").
        let mut extended = self.live().verifier.clone();
        for certificate in &certificates {
            if !extended.contains(&certificate.serial_no) {
                extended.add_platform_certificate_pem(&certificate.pem)?;
            }
        }
        let headers = ResponseHeaders::from_lookup(|name| header(&response.headers, name));
        extended
            .verify(&headers, &response.body)
            .map_err(|kind| Error::Verification {
                kind,
                request_id: request_id.clone(),
            })?;

        let serial_header = serial_header(&extended)?;
        let serials: Vec<&str> = certificates.iter().map(|c| c.serial_no.as_str()).collect();
        tracing::info!(
            ?serials,
            request_id = request_id.as_deref(),
            "downloaded WeChat Pay platform certificates"
        );
        *self.live.write().unwrap_or_else(PoisonError::into_inner) = Live {
            verifier: extended,
            serial_header,
        };
        Ok(certificates)
    }
}

impl KeySource for CertificateStore {
    /// A cheap snapshot (two `Arc` clones under an uncontended read lock).
    fn verifier(&self) -> Cow<'_, Verifier> {
        Cow::Owned(self.live().verifier.clone())
    }

    fn serial_header(&self) -> Option<HeaderValue> {
        self.live().serial_header.clone()
    }

    /// Downloads when lazy refresh is on and `serial` is a certificate serial: a
    /// `PUB_KEY_ID_…` is never in `/v3/certificates`.
    fn fetch<'a>(&'a self, serial: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        if !self.lazy || serial.starts_with(PUBLIC_KEY_ID_PREFIX) {
            return Box::pin(std::future::ready(Ok(())));
        }
        Box::pin(async move { self.refresh(Some(serial)).await.map(drop) })
    }
}

/// The periodic refresh of a client's certificates; stops the task when dropped (with the last
/// clone of the client).
#[derive(Debug)]
pub(crate) struct RefreshTask(tokio::task::AbortHandle);

impl RefreshTask {
    /// Downloads every `every` (the first time one interval from now) on the current tokio
    /// runtime.
    pub(crate) fn spawn(store: Arc<CertificateStore>, every: Duration) -> Self {
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            // A refresh that took long (retries) does not make the next ones bunch up.
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = store.refresh(None).await {
                    tracing::warn!(
                        error = %format!("{error:#}"),
                        "periodic platform-certificate refresh failed; keeping the keys held"
                    );
                }
            }
        });
        RefreshTask(task.abort_handle())
    }
}

impl Drop for RefreshTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Oldest first, so that the newest certificate is added last and becomes the preferred serial.
fn effective_order(certificate: &PlatformCertificate) -> (Option<time::OffsetDateTime>, &str) {
    (
        certificate
            .effective_time
            .as_ref()
            .and_then(|t| t.parse().ok()),
        certificate.serial_no.as_str(),
    )
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A 404 means the merchant has no platform certificate at all (reference D.1): say what to do.
fn explain_download_error(error: Error) -> Error {
    match error.as_api() {
        Some(api) if api.status == 404 => Error::config(format!(
            "WeChat Pay has no platform certificate for this merchant (GET {CERTIFICATES_PATH} \
             answered {api}). Merchants onboarded since about October 2024 verify responses with \
             the WeChat Pay public key instead: download pub_key.pem and its ID \
             (PUB_KEY_ID_…) from 商户平台 → 账户中心 → API安全 → 微信支付公钥, configure them with \
             ClientBuilder::public_key_pem or public_key_file, and turn auto_certificates off"
        )),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_404_explains_the_public_key_mode() {
        let api = crate::error::ApiError::from_response(
            404,
            "{\"code\":\"RESOURCE_NOT_EXISTS\",\"message\":\"无可用的平台证书\"}".as_bytes(),
            Some("req-1".into()),
        );
        let err = explain_download_error(api.into());
        let text = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        for expected in [
            "RESOURCE_NOT_EXISTS",
            "public_key_pem",
            "PUB_KEY_ID_",
            "req-1",
        ] {
            assert!(text.contains(expected), "{text}");
        }
        let other = explain_download_error(Error::Timeout(Duration::from_secs(1)));
        assert!(matches!(other, Error::Timeout(_)));
    }
}
