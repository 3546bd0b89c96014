//! Request signing and response verification (`WECHATPAY2-SHA256-RSA2048`), and the AES-GCM
//! decryption of notification resources.
//!
//! * [`Signer`] builds the `Authorization` header over the exact method, request-target and body
//!   bytes that are sent, with the merchant's [`MerchantPrivateKey`].
//! * [`Verifier`] checks the `Wechatpay-*` headers of a 2xx response or a notification against
//!   the raw body, with keys looked up by `Wechatpay-Serial` in one map that holds platform
//!   certificate serials and `PUB_KEY_ID_…` public keys side by side.
//! * [`aead`] decrypts (and, for test servers, encrypts) `AEAD_AES_256_GCM` resources.
//!
//! Time and nonces come from injectable [`Clock`] and [`NonceSource`] values so that signatures
//! are reproducible in tests.
//!
//! ```
//! use std::sync::Arc;
//! use wechatpay_apiv3::auth::{FixedClock, ResponseHeaders, Verifier};
//!
//! # fn demo(public_key_pem: &str, body: &[u8], signature: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let mut verifier = Verifier::new().with_clock(Arc::new(FixedClock(1554209980)));
//! verifier.add_public_key_pem("PUB_KEY_ID_0114232134912410000000000000", public_key_pem)?;
//! let headers = ResponseHeaders {
//!     timestamp: Some("1554209980"),
//!     nonce: Some("c5ac7061fccab6bf3e254dcf98995b8c"),
//!     signature: Some(signature),
//!     serial: Some("PUB_KEY_ID_0114232134912410000000000000"),
//!     signature_type: Some("WECHATPAY2-SHA256-RSA2048"),
//! };
//! verifier.verify(&headers, body)?;
//! # Ok(()) }
//! ```

pub mod aead;
mod authorization;
mod clock;
mod keys;
mod message;
mod signer;
mod verifier;

pub use aead::ApiV3Key;
pub use authorization::AuthorizationParams;
pub use clock::{Clock, FixedClock, FixedNonce, NonceSource, RandomNonce, SystemClock};
pub use keys::{MerchantPrivateKey, WechatPayPublicKey};
pub use message::{request_message, response_message};
pub use signer::Signer;
pub use verifier::{
    HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_SIGNATURE_TYPE, HEADER_TIMESTAMP,
    ResponseHeaders, Verifier,
};

/// The signature scheme of APIv3: the `Authorization` scheme of requests and the
/// `Wechatpay-Signature-Type` of responses.
pub const SIGNATURE_TYPE: &str = "WECHATPAY2-SHA256-RSA2048";

/// A response or notification whose `Wechatpay-Timestamp` is this many seconds or more away
/// from the local clock, in either direction, is rejected (the official SDKs' five minutes).
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
