//! Generating a fresh key set: RSA-2048 keys, self-signed certificates, serials and IDs.

use time::{Duration, OffsetDateTime};
use wechatpay_apiv3::auth::{NonceSource as _, RandomNonce};

use super::assemble::{Parts, check_mchid};
use super::{DEFAULT_MCHID, SandboxKeys};
use crate::error::SandboxError;

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
}

/// A fresh key set's PEM texts and identifiers (see [`SandboxKeys::generate_for`]).
pub(super) fn generate_parts(mchid: &str) -> Result<Parts, SandboxError> {
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
}
