//! Where the pipeline gets the keys it verifies responses with: a [`KeySource`], asked for a
//! verifier snapshot and for the `Wechatpay-Serial` to send, and told about a signing serial it
//! does not hold so that it may fetch it (the platform-certificate store downloads
//! `/v3/certificates`; fixed keys never fetch).
//!
//! The pipeline depends on this trait only; the certificate store that implements it sits above
//! the pipeline and calls it for its downloads, so nothing calls back into the client.

use std::borrow::Cow;

use reqwest::header::HeaderValue;

use crate::auth::Verifier;
use crate::error::Error;
use crate::transport::BoxFuture;

/// The keys one client verifies with.
pub(crate) trait KeySource: Send + Sync {
    /// The verifier to check a response with: borrowed when the keys never change, a cheap
    /// snapshot otherwise.
    fn verifier(&self) -> Cow<'_, Verifier>;

    /// The `Wechatpay-Serial` request header: the key the client prefers WeChat Pay to sign with.
    fn serial_header(&self) -> Option<HeaderValue>;

    /// Called before a 2xx signed under `serial`, which the current verifier does not hold, is
    /// verified: fetch it if this source can (it may decline, e.g. for a `PUB_KEY_ID_…` that no
    /// download provides, or when it fetched recently). Verification then uses
    /// [`verifier`](Self::verifier) again.
    fn fetch<'a>(&'a self, serial: &'a str) -> BoxFuture<'a, Result<(), Error>>;
}

/// Keys configured once: verification never locks and never downloads.
pub(crate) struct FixedKeys {
    verifier: Verifier,
    serial_header: Option<HeaderValue>,
}

impl FixedKeys {
    /// # Errors
    /// [`Error::Config`] when the preferred key ID is not a valid header value.
    pub(crate) fn new(verifier: Verifier) -> Result<Self, Error> {
        let serial_header = serial_header(&verifier)?;
        Ok(FixedKeys {
            verifier,
            serial_header,
        })
    }
}

impl KeySource for FixedKeys {
    fn verifier(&self) -> Cow<'_, Verifier> {
        Cow::Borrowed(&self.verifier)
    }

    fn serial_header(&self) -> Option<HeaderValue> {
        self.serial_header.clone()
    }

    fn fetch<'a>(&'a self, _serial: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The `Wechatpay-Serial` header for a verifier's preferred key.
///
/// # Errors
/// [`Error::Config`] when the key ID cannot be a header value.
pub(crate) fn serial_header(verifier: &Verifier) -> Result<Option<HeaderValue>, Error> {
    verifier
        .preferred_serial()
        .map(|serial| {
            HeaderValue::from_str(&serial).map_err(|_| {
                Error::config(format!(
                    "WeChat Pay key id {serial:?} is not a valid header value"
                ))
            })
        })
        .transpose()
}
