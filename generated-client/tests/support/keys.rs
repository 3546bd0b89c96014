//! The test merchant's and the fake platform's keys, generated once per test binary.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The merchant ID the tests sign for.
pub const MCHID: &str = "1900009191";
/// The merchant certificate serial the tests sign with.
pub const MERCHANT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
/// The serial of the test platform certificate (set explicitly in the certificate).
pub const PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The ID under which the platform public key is configured in public-key mode.
pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
/// The host the fake answers for by default.
pub const BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The backup host, for failover.
pub const BACKUP_URL: &str = "https://api2.mch.weixin.qq.com";

/// A WeChat Pay platform key pair with its self-signed certificate.
pub struct Platform {
    key: RsaKeyPair,
    /// The certificate serial, upper-case hex.
    pub serial: String,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The public key, SubjectPublicKeyInfo PEM (the 微信支付公钥 form).
    pub public_pem: String,
}

/// A new platform key whose certificate has `serial` (hex).
pub fn platform(serial: &str) -> Platform {
    let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate platform key");
    let pkcs8 = key.as_der().expect("platform pkcs8");
    let spki = key.public_key().as_der().expect("platform spki");
    let signing_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_ref().to_vec()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .expect("rcgen platform key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Tenpay.com test platform");
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&hex_decode(serial)));
    let cert = params.self_signed(&signing_key).expect("self-signed cert");
    Platform {
        key,
        serial: serial.to_owned(),
        cert_pem: cert.pem(),
        public_pem: pem("PUBLIC KEY", spki.as_ref()),
    }
}

impl Platform {
    /// `Wechatpay-*` headers signing `body` at `timestamp`, announcing `serial`.
    pub fn sign(
        &self,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
        serial: &str,
    ) -> Vec<(String, String)> {
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(body);
        message.push(b'\n');
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                &message,
                &mut signature,
            )
            .expect("sign");
        [
            ("Wechatpay-Timestamp", timestamp.to_string()),
            ("Wechatpay-Nonce", nonce.to_owned()),
            ("Wechatpay-Signature", STANDARD.encode(&signature)),
            ("Wechatpay-Serial", serial.to_owned()),
            (
                "Wechatpay-Signature-Type",
                "WECHATPAY2-SHA256-RSA2048".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
    }
}

/// Keys shared by every test of a binary (RSA key generation is slow-ish, do it once).
pub struct Keys {
    /// PKCS#8 PEM of the merchant private key, for the client.
    pub merchant_pem: String,
    merchant_public: UnparsedPublicKey<Vec<u8>>,
    /// The platform key that signs replies by default.
    pub platform: Platform,
    /// The self-signed platform certificate, PEM.
    pub platform_cert_pem: String,
    /// The platform public key, SubjectPublicKeyInfo PEM.
    pub platform_public_pem: String,
}

/// The keys of this test binary.
pub fn keys() -> &'static Keys {
    static KEYS: LazyLock<Keys> = LazyLock::new(|| {
        let merchant = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate merchant key");
        let merchant_pkcs8 = merchant.as_der().expect("merchant pkcs8");
        let merchant_public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            merchant.public_key().as_ref().to_vec(),
        );
        let platform = platform(PLATFORM_SERIAL);
        Keys {
            merchant_pem: pem("PRIVATE KEY", merchant_pkcs8.as_ref()),
            merchant_public,
            platform_cert_pem: platform.cert_pem.clone(),
            platform_public_pem: platform.public_pem.clone(),
            platform,
        }
    });
    &KEYS
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Unix seconds now.
pub fn now_unix() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("seconds fit i64")
}

/// The server-side check, independent of the crate: scheme, mchid, serial, then RSA over
/// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`.
pub(super) fn check_request_signature(
    method: &str,
    target: &str,
    body: &[u8],
    params: &wechatpay_apiv3::auth::AuthorizationParams,
) -> Result<(), String> {
    if params.scheme != "WECHATPAY2-SHA256-RSA2048" {
        return Err(format!("scheme {}", params.scheme));
    }
    if params.mchid != MCHID {
        return Err(format!("mchid {}", params.mchid));
    }
    if params.serial_no != MERCHANT_SERIAL {
        return Err(format!("serial {}", params.serial_no));
    }
    if params.timestamp.len() != 10 || !params.timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("timestamp {}", params.timestamp));
    }
    let mut message = format!(
        "{method}\n{target}\n{}\n{}\n",
        params.timestamp, params.nonce_str
    )
    .into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = STANDARD
        .decode(&params.signature)
        .map_err(|e| format!("signature base64: {e}"))?;
    keys()
        .merchant_public
        .verify(&message, &signature)
        .map_err(|_| "bad request signature".to_owned())
}
