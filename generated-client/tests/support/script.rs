//! What the fake answers: scripted [`Reply`]s and how they are signed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Platform;

/// How the fake signs a scripted reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Signing {
    /// Properly signed with the platform key, `Wechatpay-Serial` = the certificate serial.
    Proper,
    /// Properly signed, but announcing this serial (e.g. [`PUB_KEY_ID`] or an unknown one).
    Serial(String),
    /// Signed, then this header left out.
    Omit(&'static str),
    /// Signed over the body, then the body altered.
    TamperBody,
    /// Signed with a timestamp this many seconds away from now.
    TimestampOffset(i64),
    /// No `Wechatpay-*` headers at all.
    Unsigned,
}

/// One scripted reply.
#[derive(Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Raw body bytes.
    pub body: Vec<u8>,
    /// How to sign.
    pub signing: Signing,
    /// The key that signs (default: [`Keys::platform`]).
    pub signer: Option<&'static Platform>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Break the body off with a connection reset after this many bytes.
    pub broken_after: Option<usize>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The `Request-ID` header.
    pub request_id: String,
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

impl Reply {
    /// A properly signed reply.
    pub fn ok(status: u16, body: &str) -> Self {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            signing: Signing::Proper,
            signer: None,
            delay: None,
            broken_after: None,
            headers: Vec::new(),
            request_id: format!(
                "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-{}",
                REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// An unsigned error reply (WeChat Pay omits the signature on some of them).
    pub fn error(status: u16, body: &str) -> Self {
        Reply::ok(status, body).signing(Signing::Unsigned)
    }

    /// Changes the signing mode.
    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }

    /// Signs with `key`, announcing its serial.
    pub fn signed_by(mut self, key: &'static Platform) -> Self {
        self.signer = Some(key);
        self
    }

    /// Delays the answer.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Breaks the body off after `bytes`.
    pub fn broken_after(mut self, bytes: usize) -> Self {
        self.broken_after = Some(bytes);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}
