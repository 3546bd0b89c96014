//! `AEAD_AES_256_GCM` as WeChat Pay uses it for notification resources and downloaded
//! platform certificates.
//!
//! The nonce is the ASCII text of the `nonce` field (12 bytes), the associated data the text of
//! `associated_data` (may be empty), and the ciphertext the standard Base64 of the encrypted
//! bytes followed by the 16-byte tag.

use std::fmt;

use aws_lc_rs::aead::{
    AES_128_GCM, AES_192_GCM, AES_256_GCM, Aad, Algorithm, LessSafeKey, NONCE_LEN, Nonce,
    UnboundKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::Error;

/// The merchant's 32-byte APIv3 key (APIv3密钥), which decrypts notification resources.
///
/// `Debug` never shows the key.
#[derive(Clone)]
pub struct ApiV3Key(Vec<u8>);

impl ApiV3Key {
    /// Wraps the key, as set on the merchant platform (32 ASCII characters).
    ///
    /// # Errors
    /// [`Error::Config`] unless the key is exactly 32 bytes.
    pub fn new(key: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let key = key.into();
        if key.len() != 32 {
            return Err(Error::config(format!(
                "the APIv3 key must be exactly 32 bytes, got {}",
                key.len()
            )));
        }
        Ok(ApiV3Key(key))
    }

    /// [`decrypt`] with this key.
    ///
    /// # Errors
    /// As [`decrypt`].
    pub fn decrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        ciphertext_b64: &str,
    ) -> Result<Vec<u8>, Error> {
        decrypt(&self.0, nonce, associated_data, ciphertext_b64)
    }

    /// [`encrypt`] with this key.
    ///
    /// # Errors
    /// As [`encrypt`].
    pub fn encrypt(
        &self,
        nonce: &str,
        associated_data: &str,
        plaintext: &[u8],
    ) -> Result<String, Error> {
        encrypt(&self.0, nonce, associated_data, plaintext)
    }
}

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(<redacted>)")
    }
}

/// Decrypts a WeChat Pay AES-GCM resource and returns the plaintext bytes.
///
/// Real APIv3 keys are 32 bytes (AES-256); 16- and 24-byte keys select AES-128/192 like Go's
/// `aes.NewCipher`, only so that the official wechatpay-go vectors (16-byte keys) can be tested.
///
/// # Errors
/// [`Error::Config`] for a key of another length, a nonce that is not 12 bytes, Base64 that
/// does not decode, or a ciphertext that fails authentication (wrong key, nonce, associated
/// data, or tampered bytes).
pub fn decrypt(
    key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, Error> {
    let key = gcm_key(key)?;
    let nonce = gcm_nonce(nonce)?;
    let mut in_out = STANDARD
        .decode(ciphertext_b64)
        .map_err(|e| Error::config_with("AEAD ciphertext is not valid Base64", e))?;
    let plaintext = key
        .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut in_out)
        .map_err(|_| {
            Error::config("AEAD decryption failed: wrong key, nonce or associated data, or tampered ciphertext")
        })?;
    let len = plaintext.len();
    in_out.truncate(len);
    Ok(in_out)
}

/// Encrypts like WeChat Pay does and returns `base64(ciphertext || tag)`; the inverse of
/// [`decrypt`], for test servers and round-trip tests.
///
/// # Errors
/// [`Error::Config`] for a key that is not 16, 24 or 32 bytes or a nonce that is not 12 bytes.
pub fn encrypt(
    key: &[u8],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, Error> {
    let key = gcm_key(key)?;
    let nonce = gcm_nonce(nonce)?;
    let mut in_out = plaintext.to_vec();
    key.seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut in_out)
        .map_err(|_| Error::config("AEAD encryption failed"))?;
    Ok(STANDARD.encode(in_out))
}

fn gcm_key(key: &[u8]) -> Result<LessSafeKey, Error> {
    let algorithm: &'static Algorithm = match key.len() {
        16 => &AES_128_GCM,
        24 => &AES_192_GCM,
        32 => &AES_256_GCM,
        n => {
            return Err(Error::config(format!(
                "AES-GCM key must be 32 bytes (16 or 24 only for test vectors), got {n}"
            )));
        }
    };
    let key = UnboundKey::new(algorithm, key).map_err(|_| Error::config("AES-GCM key rejected"))?;
    Ok(LessSafeKey::new(key))
}

fn gcm_nonce(nonce: &str) -> Result<Nonce, Error> {
    Nonce::try_assume_unique_for_key(nonce.as_bytes()).map_err(|_| {
        Error::config(format!(
            "AES-GCM nonce must be {NONCE_LEN} bytes, got {}",
            nonce.len()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_nonce_lengths_are_checked() {
        assert!(ApiV3Key::new(*b"0123456789abcdef").is_err());
        assert!(ApiV3Key::new(*b"0123456789abcdef0123456789abcdef").is_ok());
        assert!(decrypt(b"short", "abcdefghijkl", "", "AAAA").is_err());
        let err = encrypt(&[7; 32], "short", "", b"x").unwrap_err();
        assert!(err.to_string().contains("12 bytes"), "{err}");
    }

    #[test]
    fn empty_associated_data_round_trips() {
        let key = ApiV3Key::new([7u8; 32].to_vec()).unwrap();
        let sealed = key.encrypt("abcdefghijkl", "", b"{}").unwrap();
        assert_eq!(key.decrypt("abcdefghijkl", "", &sealed).unwrap(), b"{}");
        assert!(key.decrypt("abcdefghijkl", "x", &sealed).is_err());
    }
}
