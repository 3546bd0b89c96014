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

// Split by concern: `generate` makes a fresh set, `disk` keeps one in a directory, `assemble`
// parses and cross-checks the parts of either into a `SandboxKeys`, the one way a set is built.
mod assemble;
mod disk;
mod generate;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;
use wechatpay_apiv3::auth::{MerchantPrivateKey, WechatPayPublicKey};

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

impl SandboxKeys {
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
