//! RSA keys: the merchant's signing key and the WeChat Pay keys that responses are checked with.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    KeyPair, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{
    CertificateDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
    SubjectPublicKeyInfoDer,
};
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

use crate::error::Error;

/// The merchant API private key (`apiclient_key.pem`) that signs every request.
///
/// Only PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) is accepted, as in the official SDKs: it is
/// the format the merchant platform hands out. Cloning is cheap (the parsed key is shared), and
/// neither `Debug` nor any error message ever shows key material.
#[derive(Clone)]
pub struct MerchantPrivateKey {
    key: Arc<RsaKeyPair>,
}

impl MerchantPrivateKey {
    /// Parses a PKCS#8 PEM RSA private key.
    ///
    /// # Errors
    /// [`Error::Config`] when the text holds no `PRIVATE KEY` section (a PKCS#1
    /// `RSA PRIVATE KEY` gets a hint on how to convert it) or the key is not a usable RSA key.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            Error::config(format!(
                "merchant private key: {}",
                describe_private_pem_error(pem.as_bytes(), &e)
            ))
        })?;
        // KeyRejected only names a reason ("InvalidEncoding", ...), never key bytes.
        let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).map_err(|e| {
            Error::config(format!(
                "merchant private key: not a usable PKCS#8 RSA key ({e})"
            ))
        })?;
        Ok(MerchantPrivateKey { key: Arc::new(key) })
    }

    /// Reads and parses a PKCS#8 PEM RSA private key file.
    ///
    /// # Errors
    /// [`Error::Config`] when the file cannot be read or does not hold a usable key.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let pem = std::fs::read_to_string(path).map_err(|e| {
            Error::config_with(
                format!("cannot read merchant private key file {}", path.display()),
                e,
            )
        })?;
        Self::from_pem(&pem).map_err(|e| match e {
            Error::Config(config) => {
                Error::config(format!("{} (file {})", config.message(), path.display()))
            }
            other => other,
        })
    }

    /// Signs `message` with SHA256withRSA (RSASSA-PKCS1-v1_5, SHA-256) and returns the signature
    /// as standard Base64 with padding, the form the `Authorization` header carries.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        let mut signature = vec![0; self.key.public_modulus_len()];
        // The buffer has exactly the modulus length, so this fails only if the crypto library
        // itself is broken; a request signed with garbage would be worse than a panic.
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .expect("RSA PKCS#1 v1.5 signing with a validated key cannot fail");
        STANDARD.encode(signature)
    }

    /// The public half of this key, e.g. for a test server that checks request signatures.
    ///
    /// # Errors
    /// [`Error::Config`] if the public key cannot be re-encoded (not expected for a parsed key).
    pub fn public_key(&self) -> Result<WechatPayPublicKey, Error> {
        let spki = self
            .key
            .public_key()
            .as_der()
            .map_err(|_| Error::config("cannot encode the merchant public key"))?;
        WechatPayPublicKey::from_spki_der(spki.as_ref())
    }
}

impl fmt::Debug for MerchantPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantPrivateKey(<redacted>)")
    }
}

/// Explains a failed PKCS#8 PEM read without echoing any of the input.
fn describe_private_pem_error(pem: &[u8], error: &pem::Error) -> String {
    match error {
        pem::Error::NoItemsFound => {
            // Telling the user which *other* format they gave saves a support round-trip.
            if PrivatePkcs1KeyDer::from_pem_slice(pem).is_ok() {
                "found a PKCS#1 `RSA PRIVATE KEY`; convert it to PKCS#8 \
                 (`openssl pkcs8 -topk8 -nocrypt`) and use `-----BEGIN PRIVATE KEY-----`"
                    .into()
            } else if PrivateSec1KeyDer::from_pem_slice(pem).is_ok() {
                "found an `EC PRIVATE KEY`; WeChat Pay APIv3 needs an RSA key".into()
            } else {
                "no `-----BEGIN PRIVATE KEY-----` (PKCS#8) section found".into()
            }
        }
        other => describe_pem_error(other),
    }
}

/// A PEM error in words; deliberately drops the library's detail, which can quote input bytes.
fn describe_pem_error(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => "PEM section has no END line".into(),
        pem::Error::IllegalSectionStart { .. } => "malformed PEM BEGIN line".into(),
        pem::Error::Base64Decode(_) => "PEM body is not valid Base64".into(),
        pem::Error::NoItemsFound => "no PEM section of the expected type found".into(),
        pem::Error::SectionTooLarge => "PEM section is too large".into(),
        _ => "unreadable PEM".into(),
    }
}

/// An RSA public key that WeChat Pay signs responses and notifications with: either a
/// 微信支付公钥 (`pub_key.pem`) or the key inside a platform certificate.
///
/// Cloning is cheap (the parsed key is shared).
#[derive(Clone)]
pub struct WechatPayPublicKey {
    key: Arc<ParsedPublicKey>,
}

impl WechatPayPublicKey {
    /// Parses a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), the format of the
    /// WeChat Pay public key download.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no `PUBLIC KEY` section or it is not an RSA key of
    /// 2048–8192 bits.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            let why = match e {
                pem::Error::NoItemsFound => {
                    "no `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) section found".into()
                }
                other => describe_pem_error(&other),
            };
            Error::config(format!("WeChat Pay public key: {why}"))
        })?;
        Self::from_spki_der(der.as_ref())
    }

    /// Parses a DER SubjectPublicKeyInfo.
    ///
    /// # Errors
    /// [`Error::Config`] when the bytes are not an RSA public key of 2048–8192 bits.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der).map_err(|e| {
            Error::config(format!(
                "WeChat Pay public key: not an RSA public key of 2048-8192 bits ({e})"
            ))
        })?;
        Ok(WechatPayPublicKey { key: Arc::new(key) })
    }

    /// Reads a platform certificate PEM (`-----BEGIN CERTIFICATE-----`) and returns its serial,
    /// as WeChat Pay writes it in `Wechatpay-Serial`, together with its public key.
    ///
    /// The serial is the upper-case hex of the serial number's big-endian bytes without leading
    /// zero bytes (Go's `fmt.Sprintf("%X", cert.SerialNumber.Bytes())`): DER prefixes a `00`
    /// when the first byte has its high bit set, and keeping it would never match the header.
    /// The validity period is not checked here; WeChat Pay rotates certificates by serial.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no `CERTIFICATE` section, the certificate cannot be
    /// decoded, or its key is not an RSA key of 2048–8192 bits.
    pub fn from_certificate_pem(pem: &str) -> Result<(String, Self), Error> {
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| {
            let why = match e {
                pem::Error::NoItemsFound => "no `-----BEGIN CERTIFICATE-----` section found".into(),
                other => describe_pem_error(&other),
            };
            Error::config(format!("platform certificate: {why}"))
        })?;
        let cert = Certificate::from_der(der.as_ref())
            .map_err(|e| Error::config(format!("platform certificate: not valid X.509 ({e})")))?;
        let tbs = cert.tbs_certificate();
        let serial = serial_hex(tbs.serial_number().as_bytes());
        let spki = tbs.subject_public_key_info().to_der().map_err(|e| {
            Error::config(format!(
                "platform certificate {serial}: cannot encode its public key ({e})"
            ))
        })?;
        let key = Self::from_spki_der(&spki).map_err(|e| match e {
            Error::Config(config) => Error::config(format!(
                "platform certificate {serial}: {}",
                config.message()
            )),
            other => other,
        })?;
        Ok((serial, key))
    }

    /// Whether `signature_b64` (standard Base64) is a valid SHA256withRSA signature of
    /// `message` under this key. Undecodable Base64 (e.g. a `WECHATPAY/SIGNTEST/` probe) is
    /// simply an invalid signature.
    pub fn verify_base64(&self, message: &[u8], signature_b64: &str) -> bool {
        match STANDARD.decode(signature_b64) {
            Ok(signature) => self.verify(message, &signature),
            Err(_) => false,
        }
    }

    /// Whether `signature` (raw bytes) is a valid SHA256withRSA signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }

    /// The key as DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        self.key.as_ref().as_ref()
    }
}

impl fmt::Debug for WechatPayPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A public key is not secret, but kilobytes of hex help no one reading a log.
        f.write_str("WechatPayPublicKey(RSA)")
    }
}

/// Upper-case hex of a big-endian unsigned integer, leading zero bytes stripped like Go's
/// `big.Int.Bytes()`.
pub(crate) fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes[start..].iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_hex_strips_der_sign_byte_and_leading_zeros() {
        assert_eq!(serial_hex(&[0x00, 0xD7, 0xCE, 0x01]), "D7CE01");
        assert_eq!(serial_hex(&[0x00, 0x00, 0x0A]), "0A");
        assert_eq!(serial_hex(&[0x7F, 0x00]), "7F00");
        assert_eq!(serial_hex(&[]), "");
    }

    #[test]
    fn pkcs1_key_gets_a_conversion_hint_without_key_material() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----\n";
        let err = MerchantPrivateKey::from_pem(pem).unwrap_err().to_string();
        assert!(err.contains("PKCS#1"), "{err}");
        assert!(!err.contains("MIIBOgIBAAJBAKj34GkxFhD9"), "{err}");
    }

    #[test]
    fn garbage_is_a_config_error() {
        assert!(matches!(
            MerchantPrivateKey::from_pem("not a key"),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            WechatPayPublicKey::from_pem("not a key"),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            WechatPayPublicKey::from_certificate_pem("not a cert"),
            Err(Error::Config(_))
        ));
    }
}
