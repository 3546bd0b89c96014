//! WeChat Pay platform certificates (平台证书): downloading them from `GET /v3/certificates`,
//! decrypting them with the APIv3 key, and refreshing them lazily.
//!
//! Platform certificates are the legacy way to verify WeChat Pay's signatures; merchants
//! onboarded since about October 2024 have none and use the WeChat Pay public key
//! (`PUB_KEY_ID_…`) instead, which never needs downloading. For merchants that still use
//! certificates, the client can keep them current by itself:
//!
//! ```no_run
//! # async fn demo() -> Result<(), wechatpay_apiv3::Error> {
//! let client = wechatpay_apiv3::Client::builder()
//!     .mchid("1900009191")
//!     .merchant_serial("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C")
//!     .private_key_file("/etc/wechatpay/apiclient_key.pem")
//!     .api_v3_key("0123456789abcdef0123456789abcdef")
//!     .auto_certificates(true)
//!     .build()?;
//! // Optional: download eagerly at startup instead of on the first response.
//! let certificates = client.refresh_certificates().await?;
//! # Ok(()) }
//! ```
//!
//! # Lazy refresh
//!
//! With [`ClientBuilder::auto_certificates`](crate::ClientBuilder::auto_certificates), a 2xx
//! response whose `Wechatpay-Serial` names a key the client does not hold (and that is not a
//! `PUB_KEY_ID_…` public-key ID, which no download can provide) makes the client download
//! `/v3/certificates` once, add the certificates, and then verify that response. This is the
//! "惰性加载" the official platform-certificate rotation guide suggests: from 10 days before a
//! certificate expires WeChat Pay issues a new one, and from 5 days before it signs with either.
//!
//! * At most one download is in flight: concurrent calls that meet the same unknown serial wait
//!   for it and then find the serial known.
//! * Downloads triggered by unknown serials are rate-limited (at most one per
//!   [`DEFAULT_REFRESH_INTERVAL`] by default,
//!   [`ClientBuilder::certificate_refresh_interval`](crate::ClientBuilder::certificate_refresh_interval)),
//!   so a response with a bogus serial cannot make every call download; within the interval the
//!   response fails with [`VerificationError::UnknownSerial`](crate::error::VerificationError::UnknownSerial).
//! * A `404` from `/v3/certificates` (`RESOURCE_NOT_EXISTS 无可用的平台证书`) becomes an
//!   [`Error::Config`] that says to configure the WeChat Pay public key instead.
//!
//! Verification itself stays lock-free for clients configured without an APIv3 key; with one,
//! each call takes an uncontended read lock to snapshot the current keys, and a download only
//! holds the write lock to swap in the new key set.
//!
//! # Trust on first download
//!
//! The answer of `/v3/certificates` is signed like any other. It is verified with a key the
//! client already holds whenever its `Wechatpay-Serial` names one. Only when it does not (the
//! very first download, or a rotation whose new certificate signs the answer) is it verified
//! with the certificates it carries. That alone would prove nothing, but every certificate is
//! encrypted with `AEAD_AES_256_GCM` under the merchant's APIv3 key, which only WeChat Pay and
//! the merchant know: a certificate that decrypts and authenticates came from WeChat Pay. This is
//! the decision of the official tools — the CertificateDownloader skips verification when no
//! certificate is given to it (CertificateDownloader#3), and wechatpay-go's downloader checks
//! the answer against the certificates it just decrypted.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use crate::auth::{ApiV3Key, HEADER_SERIAL, ResponseHeaders, Verifier, WechatPayPublicKey};
use crate::client::Client;
use crate::error::Error;
use crate::operation::{CallOptions, HttpRequest, Method, OperationMeta};
use crate::transport::RawResponse;
use crate::wire::Timestamp;

/// The request-target of the platform-certificate download.
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

/// The shortest time between two downloads triggered by unknown serials, unless configured.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The prefix of WeChat Pay public-key IDs; such a serial is never looked up in
/// `/v3/certificates`.
pub const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// The only encryption WeChat Pay uses for downloaded certificates.
const CERTIFICATE_ALGORITHM: &str = "AEAD_AES_256_GCM";

/// `GET /v3/certificates`, as the client sends it.
const DOWNLOAD: OperationMeta = OperationMeta {
    id: "download_certificates",
    method: Method::Get,
    path_template: CERTIFICATES_PATH,
    idempotent: true,
    // Verified by `CertificateStore::download` itself, against a known key or, on first sight
    // of the signing serial, against the certificates the answer carries.
    signed_response: false,
};

/// A WeChat Pay platform certificate, downloaded from `/v3/certificates` and decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformCertificate {
    /// The certificate serial, as `Wechatpay-Serial` names it (upper-case hex).
    pub serial_no: String,
    /// When the certificate starts being valid, as WeChat Pay sent it.
    pub effective_time: Option<Timestamp>,
    /// When the certificate expires, as WeChat Pay sent it.
    pub expire_time: Option<Timestamp>,
    /// The decrypted certificate, PEM.
    pub pem: String,
}

#[derive(Deserialize)]
struct WireList {
    #[serde(default, deserialize_with = "crate::wire::null_as_default")]
    data: Vec<WireCertificate>,
}

#[derive(Deserialize)]
struct WireCertificate {
    serial_no: String,
    #[serde(default)]
    effective_time: Option<Timestamp>,
    #[serde(default)]
    expire_time: Option<Timestamp>,
    encrypt_certificate: WireEncrypted,
}

#[derive(Deserialize)]
struct WireEncrypted {
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: Option<String>,
    ciphertext: String,
}

/// Decrypts the body of a `GET /v3/certificates` answer (`{"data":[{"serial_no", …,
/// "encrypt_certificate":{…}}]}`) with the APIv3 key.
///
/// Each certificate must be `AEAD_AES_256_GCM`, must authenticate under `key` with its `nonce`
/// and `associated_data` (normally `certificate`), and must be a certificate whose serial is its
/// `serial_no`. This does not check the answer's signature; the client does that before trusting
/// what it downloaded.
///
/// # Errors
/// [`Error::Decode`] when the body is not that JSON shape; [`Error::Config`] naming the serial
/// when a certificate does not decrypt (wrong APIv3 key, tampered data) or is not what it claims.
pub fn decrypt_certificates(
    key: &ApiV3Key,
    body: &[u8],
) -> Result<Vec<PlatformCertificate>, Error> {
    decrypt_body(key, body, None)
}

fn decrypt_body(
    key: &ApiV3Key,
    body: &[u8],
    request_id: Option<String>,
) -> Result<Vec<PlatformCertificate>, Error> {
    let list: WireList =
        serde_json::from_slice(body).map_err(|e| Error::decode(e, body, request_id))?;
    list.data
        .into_iter()
        .map(|wire| decrypt_one(key, wire))
        .collect()
}

fn decrypt_one(key: &ApiV3Key, wire: WireCertificate) -> Result<PlatformCertificate, Error> {
    let serial = wire.serial_no;
    let fail = |problem: String| Error::Config(format!("platform certificate {serial}: {problem}"));
    let encrypted = wire.encrypt_certificate;
    if encrypted.algorithm != CERTIFICATE_ALGORITHM {
        return Err(fail(format!(
            "unsupported algorithm {:?} (expected {CERTIFICATE_ALGORITHM})",
            encrypted.algorithm
        )));
    }
    let plaintext = key
        .decrypt(
            &encrypted.nonce,
            encrypted.associated_data.as_deref().unwrap_or_default(),
            &encrypted.ciphertext,
        )
        .map_err(|e| fail(format!("{e} (is the APIv3 key right?)")))?;
    let pem = String::from_utf8(plaintext)
        .map_err(|_| fail("the decrypted certificate is not PEM text".to_owned()))?;
    let (actual, _) = WechatPayPublicKey::from_certificate_pem(&pem)
        .map_err(|e| fail(format!("the decrypted certificate does not parse: {e}")))?;
    if !actual.eq_ignore_ascii_case(&serial) {
        return Err(fail(format!(
            "the decrypted certificate has serial {actual}"
        )));
    }
    Ok(PlatformCertificate {
        serial_no: actual,
        effective_time: wire.effective_time,
        expire_time: wire.expire_time,
        pem,
    })
}

/// The keys a client verifies with.
pub(crate) enum Keys {
    /// Configured once; verification never locks.
    Fixed {
        verifier: Verifier,
        serial_header: Option<HeaderValue>,
    },
    /// Extended by downloads of `/v3/certificates`.
    Managed(Box<CertificateStore>),
}

/// The key set a managed client currently verifies with, and the `Wechatpay-Serial` it sends.
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
}

/// How the client's builder configured certificate handling.
pub(crate) struct CertificateOptions {
    pub(crate) api_v3_key: Option<ApiV3Key>,
    pub(crate) lazy: bool,
    pub(crate) min_interval: Option<Duration>,
}

impl Keys {
    /// The keys of a new client.
    ///
    /// # Errors
    /// [`Error::Config`] when nothing could ever verify a response (no key and no automatic
    /// download), when automatic download lacks the APIv3 key, or when the preferred key ID is
    /// not a valid header value.
    pub(crate) fn new(verifier: Verifier, options: CertificateOptions) -> Result<Self, Error> {
        if options.lazy && options.api_v3_key.is_none() {
            return Err(Error::Config(
                "auto_certificates needs the APIv3 key to decrypt downloaded certificates \
                 (ClientBuilder::api_v3_key)"
                    .into(),
            ));
        }
        if verifier.preferred_serial().is_none() && !options.lazy {
            return Err(Error::Config(
                "no WeChat Pay key to verify responses with: add the WeChat Pay public key \
                 (public_key_pem) or a platform certificate (platform_certificate_pem), or set \
                 api_v3_key with auto_certificates(true) to download platform certificates"
                    .into(),
            ));
        }
        let serial_header = serial_header(&verifier)?;
        Ok(match options.api_v3_key {
            None => Keys::Fixed {
                verifier,
                serial_header,
            },
            Some(api_v3_key) => Keys::Managed(Box::new(CertificateStore {
                api_v3_key,
                lazy: options.lazy,
                min_interval: options.min_interval.unwrap_or(DEFAULT_REFRESH_INTERVAL),
                live: RwLock::new(Live {
                    verifier,
                    serial_header,
                }),
                refresh: tokio::sync::Mutex::new(None),
            })),
        })
    }

    /// The verifier to check a response with: borrowed for fixed keys, a cheap snapshot (two
    /// `Arc` clones under a read lock) for managed ones.
    pub(crate) fn verifier(&self) -> Cow<'_, Verifier> {
        match self {
            Keys::Fixed { verifier, .. } => Cow::Borrowed(verifier),
            Keys::Managed(store) => Cow::Owned(store.live().verifier.clone()),
        }
    }

    /// The `Wechatpay-Serial` request header value.
    pub(crate) fn serial_header(&self) -> Option<HeaderValue> {
        match self {
            Keys::Fixed { serial_header, .. } => serial_header.clone(),
            Keys::Managed(store) => store.live().serial_header.clone(),
        }
    }

    /// The serial to download certificates for before `response` is verified: the
    /// `Wechatpay-Serial` of a 2xx of a signed operation that the client does not hold, when
    /// lazy refresh is on and it is not a `PUB_KEY_ID_…`.
    pub(crate) fn unknown_serial(
        &self,
        meta: &OperationMeta,
        response: &RawResponse,
    ) -> Option<String> {
        let Keys::Managed(store) = self else {
            return None;
        };
        if !store.lazy || !meta.signed_response || !(200..300).contains(&response.status) {
            return None;
        }
        let serial = response.header(HEADER_SERIAL)?;
        if serial.is_empty()
            || serial.starts_with(PUBLIC_KEY_ID_PREFIX)
            || store.live().verifier.contains(serial)
        {
            return None;
        }
        Some(serial.to_owned())
    }
}

fn serial_header(verifier: &Verifier) -> Result<Option<HeaderValue>, Error> {
    verifier
        .preferred_serial()
        .map(|serial| {
            HeaderValue::from_str(&serial).map_err(|_| {
                Error::Config(format!(
                    "WeChat Pay key id {serial:?} is not a valid header value"
                ))
            })
        })
        .transpose()
}

impl CertificateStore {
    fn live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        // Nothing panics while holding the lock; a poisoned one still holds a consistent value.
        self.live.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Downloads unless another download already brought `wanted`, or (for a lazy refresh) the
    /// last one started less than `min_interval` ago. `wanted = None` always downloads.
    async fn refresh(
        &self,
        client: &Client,
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
        self.download(client).await
    }

    async fn download(&self, client: &Client) -> Result<Vec<PlatformCertificate>, Error> {
        let request = HttpRequest {
            method: Method::Get,
            path_and_query: CERTIFICATES_PATH.to_owned(),
            body: None,
        };
        let response = client
            .send(&DOWNLOAD, &request, &CallOptions::default())
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
        Some(api) if api.status == 404 => Error::Config(format!(
            "WeChat Pay has no platform certificate for this merchant (GET {CERTIFICATES_PATH} \
             answered {api}). Merchants onboarded since about October 2024 verify responses with \
             the WeChat Pay public key instead: download pub_key.pem and its ID \
             (PUB_KEY_ID_…) from 商户平台 → 账户中心 → API安全 → 微信支付公钥, configure them with \
             ClientBuilder::public_key_pem or public_key_file, and turn auto_certificates off"
        )),
        _ => error,
    }
}

/// Downloads certificates for `serial` before a response signed with it is verified (called by
/// the client; boxed because the download is itself a call through the client).
pub(crate) fn refresh_for_serial<'a>(
    client: &'a Client,
    serial: &'a str,
) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>> {
    Box::pin(async move {
        match client.keys() {
            Keys::Managed(store) => store.refresh(client, Some(serial)).await.map(drop),
            Keys::Fixed { .. } => Ok(()),
        }
    })
}

impl Client {
    /// Downloads the platform certificates from `/v3/certificates` now, adds them to the keys
    /// responses are verified with, and returns them (the serials already held keep their
    /// keys). Useful at startup, or on a timer, with [`ClientBuilder::api_v3_key`]; with
    /// [`ClientBuilder::auto_certificates`] the client also does it by itself when a response
    /// names an unknown certificate serial.
    ///
    /// Waits for a download already in flight, then downloads again; it is not rate-limited.
    ///
    /// # Errors
    /// [`Error::Config`] without an APIv3 key, or when WeChat Pay has no platform certificate
    /// for this merchant (HTTP 404: configure the WeChat Pay public key instead), or when a
    /// certificate does not decrypt; [`Error::Verification`] when the answer's signature does
    /// not verify; any error of an ordinary call.
    ///
    /// [`ClientBuilder::api_v3_key`]: crate::ClientBuilder::api_v3_key
    /// [`ClientBuilder::auto_certificates`]: crate::ClientBuilder::auto_certificates
    pub async fn refresh_certificates(&self) -> Result<Vec<PlatformCertificate>, Error> {
        match self.keys() {
            Keys::Managed(store) => store.refresh(self, None).await,
            Keys::Fixed { .. } => Err(Error::Config(
                "downloading platform certificates needs the APIv3 key (ClientBuilder::api_v3_key)"
                    .into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
    const CERT_PEM: &str = include_str!("../tests/fixtures/wechatpay-go-test-cert.pem");
    const CERT_SERIAL: &str = "D7CE59D1F522D701";

    fn body(serial: &str, algorithm: &str, associated_data: &str, plaintext: &[u8]) -> String {
        let key = ApiV3Key::new(KEY.to_vec()).unwrap();
        let ciphertext = key
            .encrypt("61f9c719728a", associated_data, plaintext)
            .unwrap();
        serde_json::json!({"data": [{
            "serial_no": serial,
            "effective_time": "2021-04-27T16:55:23+08:00",
            "expire_time": "2031-04-25T16:55:23+08:00",
            "encrypt_certificate": {
                "algorithm": algorithm,
                "nonce": "61f9c719728a",
                "associated_data": associated_data,
                "ciphertext": ciphertext,
            },
        }]})
        .to_string()
    }

    fn key() -> ApiV3Key {
        ApiV3Key::new(KEY.to_vec()).unwrap()
    }

    #[test]
    fn decrypts_a_certificate_list() {
        let body = body(
            CERT_SERIAL,
            "AEAD_AES_256_GCM",
            "certificate",
            CERT_PEM.as_bytes(),
        );
        let certificates = decrypt_certificates(&key(), body.as_bytes()).unwrap();
        assert_eq!(certificates.len(), 1);
        assert_eq!(certificates[0].serial_no, CERT_SERIAL);
        assert_eq!(certificates[0].pem, CERT_PEM);
        assert_eq!(
            certificates[0].expire_time.as_ref().map(Timestamp::as_str),
            Some("2031-04-25T16:55:23+08:00")
        );
    }

    #[test]
    fn empty_or_null_data_is_no_certificates() {
        for body in [r#"{"data":[]}"#, r#"{"data":null}"#, "{}"] {
            assert!(
                decrypt_certificates(&key(), body.as_bytes())
                    .unwrap()
                    .is_empty()
            );
        }
        assert!(matches!(
            decrypt_certificates(&key(), b"<html>"),
            Err(Error::Decode { .. })
        ));
    }

    #[test]
    fn rejects_what_is_not_the_certificate_it_claims() {
        let cases = [
            (
                body(
                    CERT_SERIAL,
                    "AEAD_AES_128_GCM",
                    "certificate",
                    CERT_PEM.as_bytes(),
                ),
                "unsupported algorithm",
            ),
            (
                body(
                    "0123",
                    "AEAD_AES_256_GCM",
                    "certificate",
                    CERT_PEM.as_bytes(),
                ),
                "has serial D7CE59D1F522D701",
            ),
            (
                body(
                    CERT_SERIAL,
                    "AEAD_AES_256_GCM",
                    "certificate",
                    b"not a cert",
                ),
                "does not parse",
            ),
        ];
        for (body, expected) in cases {
            let err = decrypt_certificates(&key(), body.as_bytes()).unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{err:?}");
            assert!(err.to_string().contains(expected), "{err}");
        }
        let wrong_key = ApiV3Key::new(b"fedcba9876543210fedcba9876543210".to_vec()).unwrap();
        let body = body(
            CERT_SERIAL,
            "AEAD_AES_256_GCM",
            "certificate",
            CERT_PEM.as_bytes(),
        );
        let err = decrypt_certificates(&wrong_key, body.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("APIv3 key"), "{err}");
    }

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

    #[test]
    fn lazy_refresh_needs_the_api_v3_key() {
        let options = CertificateOptions {
            api_v3_key: None,
            lazy: true,
            min_interval: None,
        };
        assert!(matches!(
            Keys::new(Verifier::new(), options),
            Err(Error::Config(_))
        ));
        let options = CertificateOptions {
            api_v3_key: Some(key()),
            lazy: true,
            min_interval: None,
        };
        let keys = Keys::new(Verifier::new(), options).unwrap();
        assert!(keys.serial_header().is_none());
    }
}
