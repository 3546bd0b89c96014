//! Assembling a key set from its parts, generated or read from disk: every key parsed, each
//! certificate and public key checked against its private key, the identifiers checked.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use wechatpay_apiv3::auth::{MerchantPrivateKey, WechatPayPublicKey};
use x509_cert::Certificate;
use x509_cert::der::Decode as _;

use super::{
    KeyFiles, MERCHANT_CERT_FILE, MERCHANT_KEY_FILE, Material, PLATFORM_CERT_FILE,
    PLATFORM_KEY_FILE, PUBLIC_KEY_FILE, SandboxKeys,
};
use crate::error::SandboxError;

/// The PEM texts and identifiers a key set is assembled from.
pub(super) struct Parts {
    pub(super) mchid: String,
    pub(super) merchant_private_key_pem: String,
    pub(super) merchant_certificate_pem: String,
    pub(super) platform_private_key_pem: String,
    pub(super) platform_certificate_pem: String,
    pub(super) public_key_pem: String,
    pub(super) public_key_id: String,
    pub(super) api_v3_key: String,
}

impl SandboxKeys {
    /// Parses and cross-checks everything; the single place a key set is built.
    pub(super) fn assemble(parts: Parts, files: Option<KeyFiles>) -> Result<Self, SandboxError> {
        check_mchid(&parts.mchid)?;
        let keys_error =
            |what: &str, e: wechatpay_apiv3::Error| SandboxError::Keys(format!("{what}: {e}"));
        let merchant_private = MerchantPrivateKey::from_pem(&parts.merchant_private_key_pem)
            .map_err(|e| keys_error(MERCHANT_KEY_FILE, e))?;
        let (merchant_serial, merchant_public_key) =
            WechatPayPublicKey::from_certificate_pem(&parts.merchant_certificate_pem)
                .map_err(|e| keys_error(MERCHANT_CERT_FILE, e))?;
        if !same_key(&merchant_private, &merchant_public_key) {
            return Err(SandboxError::Keys(format!(
                "{MERCHANT_CERT_FILE} does not certify the key in {MERCHANT_KEY_FILE}"
            )));
        }
        let platform_signing_key = MerchantPrivateKey::from_pem(&parts.platform_private_key_pem)
            .map_err(|e| keys_error(PLATFORM_KEY_FILE, e))?;
        let (platform_serial, platform_public) =
            WechatPayPublicKey::from_certificate_pem(&parts.platform_certificate_pem)
                .map_err(|e| keys_error(PLATFORM_CERT_FILE, e))?;
        if !same_key(&platform_signing_key, &platform_public) {
            return Err(SandboxError::Keys(format!(
                "{PLATFORM_CERT_FILE} does not certify the key in {PLATFORM_KEY_FILE}"
            )));
        }
        let public_key = WechatPayPublicKey::from_pem(&parts.public_key_pem)
            .map_err(|e| keys_error(PUBLIC_KEY_FILE, e))?;
        if !same_key(&platform_signing_key, &public_key) {
            return Err(SandboxError::Keys(format!(
                "{PUBLIC_KEY_FILE} must be the public half of {PLATFORM_KEY_FILE}: the sandbox \
                 signs public-key-mode responses with the platform key"
            )));
        }
        if !parts.public_key_id.starts_with("PUB_KEY_ID_")
            || !parts
                .public_key_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
        {
            return Err(SandboxError::Keys(format!(
                "public key ID {:?} must look like PUB_KEY_ID_0114232134912410000000000000",
                parts.public_key_id
            )));
        }
        if parts.api_v3_key.len() != 32 {
            return Err(SandboxError::Keys(format!(
                "the APIv3 key must be exactly 32 bytes, got {}",
                parts.api_v3_key.len()
            )));
        }
        let (platform_not_before, platform_not_after) =
            certificate_validity(&parts.platform_certificate_pem)?;
        Ok(SandboxKeys {
            inner: Arc::new(Material {
                mchid: parts.mchid,
                merchant_private_key_pem: parts.merchant_private_key_pem,
                merchant_certificate_pem: parts.merchant_certificate_pem,
                merchant_serial,
                merchant_public_key,
                platform_private_key_pem: parts.platform_private_key_pem,
                platform_certificate_pem: parts.platform_certificate_pem,
                platform_serial,
                platform_signing_key,
                platform_not_before,
                platform_not_after,
                public_key_pem: parts.public_key_pem,
                public_key_id: parts.public_key_id,
                api_v3_key: parts.api_v3_key,
                files,
            }),
        })
    }
}

/// A merchant ID goes inside a quoted `Authorization` parameter and a certificate subject.
pub(super) fn check_mchid(mchid: &str) -> Result<(), SandboxError> {
    if mchid.is_empty()
        || !mchid
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
    {
        return Err(SandboxError::Config(format!(
            "merchant ID {mchid:?} must be non-empty printable ASCII without `\"` or `,`"
        )));
    }
    Ok(())
}

/// Whether `private` and `public` are the two halves of one key pair: a probe signed with one
/// verifies with the other (independent of how either was encoded).
fn same_key(private: &MerchantPrivateKey, public: &WechatPayPublicKey) -> bool {
    const PROBE: &[u8] = b"wechatpay-sandbox key pair probe";
    public.verify_base64(PROBE, &private.sign_base64(PROBE))
}

/// The validity period of a PEM certificate.
fn certificate_validity(pem: &str) -> Result<(OffsetDateTime, OffsetDateTime), SandboxError> {
    let der = pem_body(pem, "CERTIFICATE").ok_or_else(|| {
        SandboxError::Keys(format!(
            "{PLATFORM_CERT_FILE}: no readable CERTIFICATE section"
        ))
    })?;
    let cert = Certificate::from_der(&der)
        .map_err(|e| SandboxError::Keys(format!("{PLATFORM_CERT_FILE}: not X.509: {e}")))?;
    let validity = cert.tbs_certificate().validity();
    let at = |t: x509_cert::time::Time| {
        let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
        OffsetDateTime::from_unix_timestamp(secs).map_err(|e| {
            SandboxError::Keys(format!("{PLATFORM_CERT_FILE}: validity out of range: {e}"))
        })
    };
    Ok((at(validity.not_before)?, at(validity.not_after)?))
}

/// The DER bytes of the first `label` section of a PEM text.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let b64: String = pem[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mchid_is_checked() {
        assert!(check_mchid("").is_err());
        assert!(check_mchid("19\"00").is_err());
        assert!(check_mchid("1900009191").is_ok());
    }
}
