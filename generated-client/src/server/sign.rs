//! Signing an answer the way WeChat Pay signs its responses: `Wechatpay-Signature` is the
//! SHA256-RSA2048 signature of `TIMESTAMP\nNONCE\nBODY\n` over the exact body bytes sent, with
//! the platform key, under the serial the client looks the key up by.

use crate::auth::{
    HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_SIGNATURE_TYPE, HEADER_TIMESTAMP,
    MerchantPrivateKey, SIGNATURE_TYPE, response_message,
};

/// The `Wechatpay-*` headers of one signed answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnswerSignature {
    /// `Wechatpay-Timestamp`: Unix seconds, as signed.
    pub timestamp: String,
    /// `Wechatpay-Nonce`.
    pub nonce: String,
    /// `Wechatpay-Serial`: the platform certificate serial or the `PUB_KEY_ID_…`.
    pub serial: String,
    /// `Wechatpay-Signature`, base64.
    pub signature: String,
}

impl AnswerSignature {
    /// Signs `body` with the platform `key` at `timestamp` with `nonce`, for `serial`.
    pub fn sign(
        key: &MerchantPrivateKey,
        serial: &str,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> Self {
        let timestamp = timestamp.to_string();
        let signature = key.sign_base64(&response_message(&timestamp, nonce, body));
        AnswerSignature {
            timestamp,
            nonce: nonce.to_owned(),
            serial: serial.to_owned(),
            signature,
        }
    }

    /// The five headers, names as the client looks them up.
    pub fn headers(&self) -> [(&'static str, &str); 5] {
        [
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SERIAL, &self.serial),
            (HEADER_SIGNATURE, &self.signature),
            (HEADER_SIGNATURE_TYPE, SIGNATURE_TYPE),
        ]
    }
}
