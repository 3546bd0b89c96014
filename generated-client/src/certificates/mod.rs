//! WeChat Pay platform certificates (平台证书): downloading them from `GET /v3/certificates`,
//! decrypting them with the APIv3 key, and keeping them current — at start-up, periodically,
//! and lazily when a response names a certificate the client does not hold.
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
//!     .certificate_refresh_every(std::time::Duration::from_secs(3600))
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! # At start-up, periodically, on demand
//!
//! * [`ClientBuilder::start`](crate::ClientBuilder::start) builds the client and, when it
//!   manages certificates (`auto_certificates(true)` or a periodic refresh), downloads them
//!   before returning: the first call needs no download, and a wrong APIv3 key or merchant key
//!   fails at start-up instead of on the first payment. [`ClientBuilder::build`] never
//!   downloads.
//! * [`ClientBuilder::certificate_refresh_every`](crate::ClientBuilder::certificate_refresh_every)
//!   downloads again every interval in a background task on the tokio runtime `start` runs on,
//!   for as long as the client (any clone of it) lives; the task stops when the last clone is
//!   dropped. A failed refresh is logged (`warn`) and the keys held stay in use. The official
//!   Java SDK refreshes every 60 minutes (`RSAAutoCertificateConfig`); new certificates appear
//!   10 days before the old one expires, so any interval of a few hours is safe.
//! * [`Client::refresh_certificates`](crate::Client::refresh_certificates) downloads now, e.g.
//!   from your own scheduler.
//!
//! [`ClientBuilder::build`]: crate::ClientBuilder::build
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

mod store;

use std::time::Duration;

use serde::Deserialize;

use crate::auth::{ApiV3Key, WechatPayPublicKey};
use crate::error::Error;
use crate::wire::Timestamp;

pub(crate) use store::{CertificateStore, RefreshTask};

/// The request-target of the platform-certificate download.
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

/// The shortest time between two downloads triggered by unknown serials, unless configured.
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The prefix of WeChat Pay public-key IDs; such a serial is never looked up in
/// `/v3/certificates`.
pub const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// The only encryption WeChat Pay uses for downloaded certificates.
const CERTIFICATE_ALGORITHM: &str = "AEAD_AES_256_GCM";

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

pub(crate) fn decrypt_body(
    key: &ApiV3Key,
    body: &[u8],
    request_id: Option<String>,
) -> Result<Vec<PlatformCertificate>, Error> {
    let list: WireList = crate::json::decode_body(body, request_id)?;
    list.data
        .into_iter()
        .map(|wire| decrypt_one(key, wire))
        .collect()
}

fn decrypt_one(key: &ApiV3Key, wire: WireCertificate) -> Result<PlatformCertificate, Error> {
    let serial = wire.serial_no;
    let fail = |problem: String| Error::config(format!("platform certificate {serial}: {problem}"));
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
        .map_err(|e| fail(format!("{e:#} (is the APIv3 key right?)")))?;
    let pem = String::from_utf8(plaintext)
        .map_err(|_| fail("the decrypted certificate is not PEM text".to_owned()))?;
    let (actual, _) = WechatPayPublicKey::from_certificate_pem(&pem)
        .map_err(|e| fail(format!("the decrypted certificate does not parse: {e:#}")))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
    const CERT_PEM: &str = include_str!("../../tests/fixtures/wechatpay-go-test-cert.pem");
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
}
