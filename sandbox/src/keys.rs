//! Key material: the merchant's API key and certificate (which the sandbox checks requests
//! with), WeChat Pay's platform key and certificate (which it signs responses with), the WeChat
//! Pay public key and its `PUB_KEY_ID_…`, and the APIv3 key.
//!
//! [`SandboxKeys::generate`] makes a fresh set in memory (two RSA-2048 keys, a second or so);
//! [`SandboxKeys::load_or_create`] keeps a set in a directory so repeated runs reuse it:
//!
//! | file | content |
//! |---|---|
//! | `apiclient_key.pem` | merchant API private key, PKCS#8 (`-----BEGIN PRIVATE KEY-----`) |
//! | `apiclient_cert.pem` | self-signed merchant API certificate; its serial is the merchant serial |
//! | `wechatpay_platform_key.pem` | the platform private key (only the sandbox needs it) |
//! | `wechatpay_platform_cert.pem` | self-signed platform certificate (平台证书) |
//! | `pub_key.pem` | the WeChat Pay public key (微信支付公钥): the platform key's public half |
//! | `keys.json` | `mchid`, `merchant_serial`, `platform_serial`, `public_key_id`, `api_v3_key` |

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use wechatpay_apiv3::auth::{
    MerchantPrivateKey, NonceSource as _, RandomNonce, WechatPayPublicKey,
};
use x509_cert::Certificate;
use x509_cert::der::Decode as _;

use crate::error::SandboxError;

/// The merchant ID of generated key sets unless another is asked for (the official docs'
/// example merchant).
pub const DEFAULT_MCHID: &str = "1900009191";

/// File name of the merchant API private key.
pub const MERCHANT_KEY_FILE: &str = "apiclient_key.pem";
/// File name of the merchant API certificate.
pub const MERCHANT_CERT_FILE: &str = "apiclient_cert.pem";
/// File name of the platform private key.
pub const PLATFORM_KEY_FILE: &str = "wechatpay_platform_key.pem";
/// File name of the platform certificate.
pub const PLATFORM_CERT_FILE: &str = "wechatpay_platform_cert.pem";
/// File name of the WeChat Pay public key.
pub const PUBLIC_KEY_FILE: &str = "pub_key.pem";
/// File name of the metadata (merchant ID, serials, public key ID, APIv3 key).
pub const METADATA_FILE: &str = "keys.json";

const PEM_FILES: [&str; 5] = [
    MERCHANT_KEY_FILE,
    MERCHANT_CERT_FILE,
    PLATFORM_KEY_FILE,
    PLATFORM_CERT_FILE,
    PUBLIC_KEY_FILE,
];

/// Where a key set loaded by [`SandboxKeys::load_or_create`] lives on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyFiles {
    /// The directory.
    pub dir: PathBuf,
    /// `apiclient_key.pem`: give it to the client as its private key.
    pub merchant_private_key: PathBuf,
    /// `apiclient_cert.pem`.
    pub merchant_certificate: PathBuf,
    /// `wechatpay_platform_key.pem`: the sandbox's signing key; clients never need it.
    pub platform_private_key: PathBuf,
    /// `wechatpay_platform_cert.pem`: give it to a client in platform-certificate mode.
    pub platform_certificate: PathBuf,
    /// `pub_key.pem`: give it to a client in public-key mode, with the public key ID.
    pub public_key: PathBuf,
    /// `keys.json`.
    pub metadata: PathBuf,
}

impl KeyFiles {
    fn in_dir(dir: &Path) -> Self {
        KeyFiles {
            dir: dir.to_path_buf(),
            merchant_private_key: dir.join(MERCHANT_KEY_FILE),
            merchant_certificate: dir.join(MERCHANT_CERT_FILE),
            platform_private_key: dir.join(PLATFORM_KEY_FILE),
            platform_certificate: dir.join(PLATFORM_CERT_FILE),
            public_key: dir.join(PUBLIC_KEY_FILE),
            metadata: dir.join(METADATA_FILE),
        }
    }
}

/// `keys.json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Metadata {
    mchid: String,
    /// Informational: the certificate is authoritative.
    #[serde(default)]
    merchant_serial: Option<String>,
    /// Informational: the certificate is authoritative.
    #[serde(default)]
    platform_serial: Option<String>,
    public_key_id: String,
    api_v3_key: String,
}

/// A complete, consistent set of sandbox keys. Cheap to clone (shared).
///
/// `Debug` shows the merchant ID, serials and public key ID, never a private key or the APIv3
/// key.
#[derive(Clone)]
pub struct SandboxKeys {
    inner: Arc<Material>,
}

struct Material {
    mchid: String,
    merchant_private_key_pem: String,
    merchant_certificate_pem: String,
    merchant_serial: String,
    merchant_public_key: WechatPayPublicKey,
    platform_private_key_pem: String,
    platform_certificate_pem: String,
    platform_serial: String,
    platform_signing_key: MerchantPrivateKey,
    platform_not_before: OffsetDateTime,
    platform_not_after: OffsetDateTime,
    public_key_pem: String,
    public_key_id: String,
    api_v3_key: String,
    files: Option<KeyFiles>,
}

/// The PEM texts and identifiers a key set is assembled from.
struct Parts {
    mchid: String,
    merchant_private_key_pem: String,
    merchant_certificate_pem: String,
    platform_private_key_pem: String,
    platform_certificate_pem: String,
    public_key_pem: String,
    public_key_id: String,
    api_v3_key: String,
}

impl SandboxKeys {
    /// Generates a fresh key set for merchant [`DEFAULT_MCHID`].
    ///
    /// # Errors
    /// [`SandboxError::KeyGeneration`] if the crypto library fails.
    pub fn generate() -> Result<Self, SandboxError> {
        Self::generate_for(DEFAULT_MCHID)
    }

    /// Generates a fresh key set for merchant `mchid`: RSA-2048 merchant and platform keys,
    /// self-signed certificates with random 20-byte serials valid for five years, a
    /// `PUB_KEY_ID_01…` public key ID and a random 32-character APIv3 key.
    ///
    /// # Errors
    /// [`SandboxError::Config`] for an empty `mchid` or one that cannot sit in an
    /// `Authorization` parameter; [`SandboxError::KeyGeneration`] if the crypto library fails.
    pub fn generate_for(mchid: &str) -> Result<Self, SandboxError> {
        Self::assemble(generate_parts(mchid)?, None)
    }

    /// Loads the key set in `dir`, or generates one for [`DEFAULT_MCHID`] and writes it there
    /// when the directory holds none of the files (creating the directory if needed).
    ///
    /// # Errors
    /// As [`SandboxKeys::load_or_create_for`].
    pub fn load_or_create(dir: impl AsRef<Path>) -> Result<Self, SandboxError> {
        Self::load_or_create_for(dir, DEFAULT_MCHID)
    }

    /// [`SandboxKeys::load_or_create`] generating for merchant `mchid` when nothing is there.
    /// An existing set keeps its own merchant ID.
    ///
    /// # Errors
    /// [`SandboxError::Keys`] when only some of the files exist (nothing is overwritten) or
    /// they are inconsistent; [`SandboxError::Io`] when a file cannot be read or written;
    /// generation errors as [`SandboxKeys::generate_for`].
    pub fn load_or_create_for(dir: impl AsRef<Path>, mchid: &str) -> Result<Self, SandboxError> {
        let dir = dir.as_ref();
        let files = KeyFiles::in_dir(dir);
        let present: Vec<&str> = PEM_FILES
            .iter()
            .chain(std::iter::once(&METADATA_FILE))
            .copied()
            .filter(|name| dir.join(name).exists())
            .collect();
        if present.is_empty() {
            let keys = Self::assemble(generate_parts(mchid)?, Some(files.clone()))?;
            keys.write(&files)?;
            tracing::info!(dir = %dir.display(), "generated a new sandbox key set");
            return Ok(keys);
        }
        Self::load(dir)
    }

    /// Loads the key set in `dir` (all six files must exist).
    ///
    /// # Errors
    /// [`SandboxError::Keys`] when a file is missing or the set is inconsistent;
    /// [`SandboxError::Io`] when a file cannot be read.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, SandboxError> {
        let dir = dir.as_ref();
        let files = KeyFiles::in_dir(dir);
        let missing: Vec<&str> = PEM_FILES
            .iter()
            .chain(std::iter::once(&METADATA_FILE))
            .copied()
            .filter(|name| !dir.join(name).exists())
            .collect();
        if !missing.is_empty() {
            return Err(SandboxError::Keys(format!(
                "{} holds an incomplete key set, missing {}; supply them or point at an empty \
                 directory to generate a new set",
                dir.display(),
                missing.join(", ")
            )));
        }
        let read = |path: &Path| fs::read_to_string(path).map_err(|e| SandboxError::io(path, e));
        let metadata_text = read(&files.metadata)?;
        let metadata: Metadata = serde_json::from_str(&metadata_text).map_err(|e| {
            SandboxError::Keys(format!("{}: not valid: {e}", files.metadata.display()))
        })?;
        let keys = Self::assemble(
            Parts {
                mchid: metadata.mchid,
                merchant_private_key_pem: read(&files.merchant_private_key)?,
                merchant_certificate_pem: read(&files.merchant_certificate)?,
                platform_private_key_pem: read(&files.platform_private_key)?,
                platform_certificate_pem: read(&files.platform_certificate)?,
                public_key_pem: read(&files.public_key)?,
                public_key_id: metadata.public_key_id,
                api_v3_key: metadata.api_v3_key,
            },
            Some(files.clone()),
        )
        .map_err(|e| match e {
            SandboxError::Keys(message) => {
                SandboxError::Keys(format!("{}: {message}", dir.display()))
            }
            other => other,
        })?;
        for (what, noted, actual) in [
            (
                "merchant_serial",
                &metadata.merchant_serial,
                keys.merchant_serial(),
            ),
            (
                "platform_serial",
                &metadata.platform_serial,
                keys.platform_serial(),
            ),
        ] {
            if let Some(noted) = noted
                && noted != actual
            {
                tracing::warn!(
                    field = what,
                    noted = %noted,
                    certificate = %actual,
                    "keys.json disagrees with the certificate; using the certificate's serial"
                );
            }
        }
        Ok(keys)
    }

    /// Parses and cross-checks everything; the single place a key set is built.
    fn assemble(parts: Parts, files: Option<KeyFiles>) -> Result<Self, SandboxError> {
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

    fn write(&self, files: &KeyFiles) -> Result<(), SandboxError> {
        fs::create_dir_all(&files.dir).map_err(|e| SandboxError::io(&files.dir, e))?;
        let m = &*self.inner;
        let metadata = Metadata {
            mchid: m.mchid.clone(),
            merchant_serial: Some(m.merchant_serial.clone()),
            platform_serial: Some(m.platform_serial.clone()),
            public_key_id: m.public_key_id.clone(),
            api_v3_key: m.api_v3_key.clone(),
        };
        let metadata = serde_json::to_string_pretty(&metadata)
            .map_err(|e| SandboxError::Keys(format!("cannot encode keys.json: {e}")))?;
        write_new(
            &files.merchant_private_key,
            &m.merchant_private_key_pem,
            true,
        )?;
        write_new(
            &files.merchant_certificate,
            &m.merchant_certificate_pem,
            false,
        )?;
        write_new(
            &files.platform_private_key,
            &m.platform_private_key_pem,
            true,
        )?;
        write_new(
            &files.platform_certificate,
            &m.platform_certificate_pem,
            false,
        )?;
        write_new(&files.public_key, &m.public_key_pem, false)?;
        // Holds the APIv3 key, a secret.
        write_new(&files.metadata, &(metadata + "\n"), true)?;
        Ok(())
    }

    /// The merchant ID (`mchid`) requests must be signed for.
    pub fn mchid(&self) -> &str {
        &self.inner.mchid
    }

    /// The merchant API private key, PKCS#8 PEM: what the client signs with.
    pub fn merchant_private_key_pem(&self) -> &str {
        &self.inner.merchant_private_key_pem
    }

    /// The merchant API certificate, PEM.
    pub fn merchant_certificate_pem(&self) -> &str {
        &self.inner.merchant_certificate_pem
    }

    /// The merchant API certificate serial (upper-case hex): the `serial_no` requests must
    /// carry.
    pub fn merchant_serial(&self) -> &str {
        &self.inner.merchant_serial
    }

    /// The platform private key, PKCS#8 PEM (responses are signed with it).
    pub fn platform_private_key_pem(&self) -> &str {
        &self.inner.platform_private_key_pem
    }

    /// The platform certificate, PEM: what a client in platform-certificate mode verifies with.
    pub fn platform_certificate_pem(&self) -> &str {
        &self.inner.platform_certificate_pem
    }

    /// The platform certificate serial (upper-case hex, no leading zero byte).
    pub fn platform_serial(&self) -> &str {
        &self.inner.platform_serial
    }

    /// The platform certificate's validity period.
    pub fn platform_certificate_validity(&self) -> (OffsetDateTime, OffsetDateTime) {
        (
            self.inner.platform_not_before,
            self.inner.platform_not_after,
        )
    }

    /// The WeChat Pay public key, SubjectPublicKeyInfo PEM (the platform key's public half).
    pub fn public_key_pem(&self) -> &str {
        &self.inner.public_key_pem
    }

    /// The WeChat Pay public key ID, e.g. `PUB_KEY_ID_0119000091910000000000000000`.
    pub fn public_key_id(&self) -> &str {
        &self.inner.public_key_id
    }

    /// The 32-character APIv3 key (`/v3/certificates` is encrypted with it).
    pub fn api_v3_key(&self) -> &str {
        &self.inner.api_v3_key
    }

    /// Where the set lives on disk, when it came from [`SandboxKeys::load_or_create`] or
    /// [`SandboxKeys::load`].
    pub fn files(&self) -> Option<&KeyFiles> {
        self.inner.files.as_ref()
    }

    pub(crate) fn merchant_public_key(&self) -> &WechatPayPublicKey {
        &self.inner.merchant_public_key
    }

    pub(crate) fn platform_signing_key(&self) -> &MerchantPrivateKey {
        &self.inner.platform_signing_key
    }
}

impl fmt::Debug for SandboxKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxKeys")
            .field("mchid", &self.inner.mchid)
            .field("merchant_serial", &self.inner.merchant_serial)
            .field("platform_serial", &self.inner.platform_serial)
            .field("public_key_id", &self.inner.public_key_id)
            .field("files", &self.inner.files)
            .finish_non_exhaustive()
    }
}

/// A fresh key set's PEM texts and identifiers (see [`SandboxKeys::generate_for`]).
fn generate_parts(mchid: &str) -> Result<Parts, SandboxError> {
    check_mchid(mchid)?;
    let now = OffsetDateTime::now_utc();
    let merchant = rsa_key()?;
    let merchant_cert = self_signed(
        &merchant,
        &[
            (rcgen::DnType::CommonName, mchid),
            (
                rcgen::DnType::OrganizationName,
                "WeChat Pay sandbox merchant",
            ),
            (rcgen::DnType::OrganizationalUnitName, "Sandbox"),
            (rcgen::DnType::CountryName, "CN"),
        ],
        now,
    )?;
    let platform = rsa_key()?;
    let platform_cert = self_signed(
        &platform,
        &[
            (rcgen::DnType::CommonName, "Tenpay.com sign (sandbox)"),
            (rcgen::DnType::OrganizationName, "Tenpay.com"),
            (
                rcgen::DnType::OrganizationalUnitName,
                "Tenpay.com CA Center",
            ),
            (rcgen::DnType::LocalityName, "Shenzhen"),
            (rcgen::DnType::StateOrProvinceName, "Guangdong"),
            (rcgen::DnType::CountryName, "CN"),
        ],
        now,
    )?;
    Ok(Parts {
        mchid: mchid.to_owned(),
        merchant_private_key_pem: merchant.serialize_pem(),
        merchant_certificate_pem: merchant_cert,
        platform_private_key_pem: platform.serialize_pem(),
        platform_certificate_pem: platform_cert,
        public_key_pem: platform.public_key_pem(),
        public_key_id: public_key_id_for(mchid),
        api_v3_key: RandomNonce.nonce(),
    })
}

/// A merchant ID goes inside a quoted `Authorization` parameter and a certificate subject.
fn check_mchid(mchid: &str) -> Result<(), SandboxError> {
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

fn rsa_key() -> Result<rcgen::KeyPair, SandboxError> {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .map_err(|e| SandboxError::KeyGeneration(format!("RSA-2048 key: {e}")))
}

fn self_signed(
    key: &rcgen::KeyPair,
    subject: &[(rcgen::DnType, &str)],
    now: OffsetDateTime,
) -> Result<String, SandboxError> {
    let mut params = rcgen::CertificateParams::default();
    let mut name = rcgen::DistinguishedName::new();
    for (kind, value) in subject {
        name.push(kind.clone(), *value);
    }
    params.distinguished_name = name;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&random_serial()));
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(5 * 365);
    let cert = params
        .self_signed(key)
        .map_err(|e| SandboxError::KeyGeneration(format!("self-signed certificate: {e}")))?;
    Ok(cert.pem())
}

/// 20 random bytes, like real WeChat Pay serials (40 hex digits); the first byte is kept in
/// `0x10..=0x7F` so the serial is positive and always prints as 40 digits.
fn random_serial() -> [u8; 20] {
    let mut serial = [0u8; 20];
    rand::fill(&mut serial);
    serial[0] = 0x10 + serial[0] % 0x70;
    serial
}

/// `PUB_KEY_ID_01` + the merchant ID's digits (10, zero-padded) + 16 random digits: 28 digits
/// like `PUB_KEY_ID_0114232134912410000000000000`.
fn public_key_id_for(mchid: &str) -> String {
    let digits: String = mchid.chars().filter(char::is_ascii_digit).collect();
    let padded = format!("{digits:0>10}");
    let tail = &padded[padded.len() - 10..];
    let random = rand::random::<u64>() % 10_000_000_000_000_000;
    format!("PUB_KEY_ID_01{tail}{random:016}")
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

/// Writes a file that must not exist yet; secrets get mode 0600 on Unix.
fn write_new(path: &Path, content: &str, secret: bool) -> Result<(), SandboxError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| SandboxError::io(path, e))?;
    file.write_all(content.as_bytes())
        .map_err(|e| SandboxError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_ids_have_28_digits() {
        for mchid in ["1900009191", "1", "12345678901234"] {
            let id = public_key_id_for(mchid);
            let digits = id.strip_prefix("PUB_KEY_ID_").unwrap();
            assert_eq!(digits.len(), 28, "{id}");
            assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{id}");
        }
        assert!(public_key_id_for("1900009191").starts_with("PUB_KEY_ID_011900009191"));
    }

    #[test]
    fn serials_are_positive_and_full_length() {
        for _ in 0..100 {
            let serial = random_serial();
            assert!((0x10..=0x7F).contains(&serial[0]));
        }
    }

    #[test]
    fn mchid_is_checked() {
        assert!(check_mchid("").is_err());
        assert!(check_mchid("19\"00").is_err());
        assert!(check_mchid("1900009191").is_ok());
    }
}
