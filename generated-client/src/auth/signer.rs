//! Signing requests: the `Authorization` header.

use std::sync::Arc;

use super::SIGNATURE_TYPE;
use super::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use super::keys::MerchantPrivateKey;
use super::message::request_message;

/// Signs requests for one merchant: builds the `Authorization` header over the exact method,
/// request-target and body bytes that are sent.
///
/// Cloning is cheap (key, clock and nonce source are shared). `Debug` shows the merchant ID and
/// certificate serial but never the key.
#[derive(Clone, Debug)]
pub struct Signer {
    mchid: String,
    serial: String,
    key: MerchantPrivateKey,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

impl Signer {
    /// A signer for merchant `mchid` whose API certificate has serial `serial` (upper-case hex,
    /// as the merchant platform shows it), using the system clock and random nonces.
    pub fn new(
        mchid: impl Into<String>,
        serial: impl Into<String>,
        key: MerchantPrivateKey,
    ) -> Self {
        Signer {
            mchid: mchid.into(),
            serial: serial.into(),
            key,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
        }
    }

    /// Replaces the clock the `timestamp` parameter is read from.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the source of `nonce_str`.
    pub fn with_nonce(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// The merchant ID (`mchid`).
    pub fn mchid(&self) -> &str {
        &self.mchid
    }

    /// The merchant API certificate serial (`serial_no`).
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The full `Authorization` header value, with a fresh timestamp and nonce:
    /// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`,
    /// signed over `METHOD\nREQUEST-TARGET\nTIMESTAMP\nNONCE\nBODY\n`.
    ///
    /// `request_target` is the path plus `?query` exactly as it goes on the wire and `body` the
    /// exact bytes sent (empty for none). Call it once per attempt: a retry needs a fresh header.
    pub fn authorization(&self, method: &str, request_target: &str, body: &[u8]) -> String {
        let timestamp = self.clock.now_unix();
        let nonce = self.nonce.nonce();
        self.authorization_at(method, request_target, body, timestamp, &nonce)
    }

    /// [`Signer::authorization`] with an explicit timestamp and nonce, ignoring the configured
    /// clock and nonce source.
    pub fn authorization_at(
        &self,
        method: &str,
        request_target: &str,
        body: &[u8],
        timestamp: i64,
        nonce: &str,
    ) -> String {
        let message = request_message(method, request_target, timestamp, nonce, body);
        let signature = self.key.sign_base64(&message);
        format!(
            "{SIGNATURE_TYPE} mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.serial
        )
    }
}
