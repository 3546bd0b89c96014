//! How a sandbox is set up: keys, address, which serial signs responses, stocks, clock.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use wechatpay_apiv3::auth::{Clock, SystemClock};

use crate::app::SpecAnswers;
use crate::error::SandboxError;
use crate::keys::{DEFAULT_MCHID, SandboxKeys};
use crate::stocks::{Stock, read_stocks_file};

/// Which key a response's `Wechatpay-Serial` names (both sign with the same platform key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResponseSigning {
    /// `Wechatpay-Serial: PUB_KEY_ID_…`: the 微信支付公钥 mode of merchants onboarded since
    /// late 2024. The default.
    #[default]
    PublicKey,
    /// `Wechatpay-Serial: <platform certificate serial>`: the legacy 平台证书 mode.
    PlatformCertificate,
    /// Follow the request's own `Wechatpay-Serial` header when it names the public key ID or
    /// the platform serial (as WeChat Pay does during the certificate → public key switch);
    /// the platform certificate serial otherwise.
    MatchRequest,
}

impl ResponseSigning {
    /// The command-line spelling: `public-key`, `platform` or `match-request`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseSigning::PublicKey => "public-key",
            ResponseSigning::PlatformCertificate => "platform",
            ResponseSigning::MatchRequest => "match-request",
        }
    }
}

impl fmt::Display for ResponseSigning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResponseSigning {
    type Err = String;

    /// `public-key` (or `pubkey`), `platform` (or `platform-certificate`), `match-request`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "public-key" | "pubkey" | "pub-key" => Ok(ResponseSigning::PublicKey),
            "platform" | "platform-certificate" | "platform-cert" => {
                Ok(ResponseSigning::PlatformCertificate)
            }
            "match-request" | "match" => Ok(ResponseSigning::MatchRequest),
            other => Err(format!(
                "unknown serial mode {other:?}: use platform, public-key or match-request"
            )),
        }
    }
}

/// Everything [`Sandbox::start`](crate::Sandbox::start) needs. Start from
/// [`SandboxConfig::default`] and adjust with the builder methods.
///
/// The default listens on `127.0.0.1:0` (a free port), generates a fresh key set for merchant
/// [`DEFAULT_MCHID`] at start (two RSA-2048 keys: reuse a [`SandboxKeys`] across sandboxes with
/// [`SandboxConfig::with_keys`] when starting many), signs responses in
/// [`ResponseSigning::PublicKey`] mode, seeds [`default_stocks`](crate::default_stocks), serves
/// `/v3/certificates`, and reads the system clock.
#[derive(Clone)]
pub struct SandboxConfig {
    pub(crate) keys: Option<SandboxKeys>,
    pub(crate) mchid: String,
    pub(crate) addr: SocketAddr,
    pub(crate) response_signing: ResponseSigning,
    pub(crate) default_stocks: bool,
    pub(crate) stocks: Vec<Stock>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) serve_platform_certificates: bool,
    pub(crate) log_requests: bool,
    pub(crate) max_body_bytes: usize,
    /// Notify URL and retries ([`crate::notifier`]; its builder methods live there).
    pub(crate) notify: crate::notifier::NotifySettings,
    /// Operations whose stateful handler is switched off.
    pub(crate) spec_answers: SpecAnswers,
    /// How long a refund stays `PROCESSING` before it succeeds by itself (`None`: until
    /// settled through the admin endpoint; its builder method lives in `handlers/refunds.rs`).
    pub(crate) refund_settle_delay: Option<std::time::Duration>,
}

/// The largest JSON body accepted by default: 1 MiB, far above any APIv3 request.
const JSON_BODY_LIMIT: usize = 1 << 20;

/// Room for an upload's multipart framing and `meta` part beyond the file itself.
const MULTIPART_OVERHEAD: usize = 64 << 10;

/// 1 MiB, or more when the spec has an upload whose largest file (`upload.max_bytes`, plus its
/// multipart framing) would not fit: the limit a file is refused at is the spec's, answered
/// with the spec's message, never the body limit's.
fn default_max_body_bytes() -> usize {
    wechatpay_apiv3::api::server::SCHEMA
        .routes
        .iter()
        .filter_map(|route| route.upload.as_ref())
        .map(|upload| usize::try_from(upload.max_bytes).unwrap_or(usize::MAX))
        .map(|max| max.saturating_add(MULTIPART_OVERHEAD))
        .fold(JSON_BODY_LIMIT, usize::max)
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            keys: None,
            mchid: DEFAULT_MCHID.to_owned(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            response_signing: ResponseSigning::default(),
            default_stocks: true,
            stocks: Vec::new(),
            clock: Arc::new(SystemClock),
            serve_platform_certificates: true,
            log_requests: false,
            max_body_bytes: default_max_body_bytes(),
            notify: crate::notifier::NotifySettings::default(),
            spec_answers: SpecAnswers::default(),
            refund_settle_delay: Some(crate::handlers::DEFAULT_REFUND_SETTLE_DELAY),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("keys", &self.keys)
            .field("mchid", &self.mchid)
            .field("addr", &self.addr)
            .field("response_signing", &self.response_signing)
            .field("default_stocks", &self.default_stocks)
            .field("stocks", &self.stocks.len())
            .field("clock", &self.clock)
            .field(
                "serve_platform_certificates",
                &self.serve_platform_certificates,
            )
            .field("log_requests", &self.log_requests)
            .field("notify", &self.notify)
            .field("spec_answers", &self.spec_answers)
            .field("refund_settle_delay", &self.refund_settle_delay)
            .finish_non_exhaustive()
    }
}

impl SandboxConfig {
    /// The default configuration with an existing key set (no key generation at start).
    pub fn with_keys(keys: SandboxKeys) -> Self {
        SandboxConfig::default().keys(keys)
    }

    /// Uses this key set instead of generating one.
    pub fn keys(mut self, keys: SandboxKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The merchant ID of a generated key set (ignored when a key set is given, which has its
    /// own).
    pub fn mchid(mut self, mchid: impl Into<String>) -> Self {
        self.mchid = mchid.into();
        self
    }

    /// Listens on `127.0.0.1:port` (0, the default, picks a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.addr.set_port(port);
        self
    }

    /// Listens on `addr`. The admin endpoints are unauthenticated: keep it on loopback unless
    /// the network is trusted.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Which serial responses carry.
    pub fn response_signing(mut self, mode: ResponseSigning) -> Self {
        self.response_signing = mode;
        self
    }

    /// Adds a stock (replacing a seeded one with the same ID).
    pub fn stock(mut self, stock: Stock) -> Self {
        self.stocks.push(stock);
        self
    }

    /// Adds stocks (replacing seeded ones with the same IDs).
    pub fn stocks(mut self, stocks: impl IntoIterator<Item = Stock>) -> Self {
        self.stocks.extend(stocks);
        self
    }

    /// Starts without the [`default_stocks`](crate::default_stocks).
    pub fn without_default_stocks(mut self) -> Self {
        self.default_stocks = false;
        self
    }

    /// Adds the stocks of a JSON file (see [`crate::stocks`] for the format); a file of the
    /// object form with `"replace_defaults": true` also drops the seeded stocks.
    ///
    /// # Errors
    /// [`SandboxError::Io`] when the file cannot be read, [`SandboxError::Config`] when it is
    /// not a valid stocks file.
    pub fn stocks_file(mut self, path: impl AsRef<Path>) -> Result<Self, SandboxError> {
        let (stocks, replace_defaults) = read_stocks_file(path.as_ref())?;
        if replace_defaults {
            self.default_stocks = false;
        }
        self.stocks.extend(stocks);
        Ok(self)
    }

    /// The clock for the ±300 s request window, response timestamps and coupon times.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether `GET /v3/certificates` returns the platform certificate (the default) or, like
    /// WeChat Pay for merchants onboarded in public-key mode, `404 RESOURCE_NOT_EXISTS
    /// 无可用的平台证书…`.
    pub fn serve_platform_certificates(mut self, serve: bool) -> Self {
        self.serve_platform_certificates = serve;
        self
    }

    /// Prints one line per request to standard error (the binary turns this on; the library
    /// otherwise only emits `tracing` events).
    pub fn log_requests(mut self, log: bool) -> Self {
        self.log_requests = log;
        self
    }

    /// Switches the sandbox's own handler of `operation` (a spec id such as `query_callback`)
    /// off: it answers from the spec instead, like an operation the sandbox has no handler for
    /// (see [`SpecAnswers`]). [`Sandbox::start`](crate::Sandbox::start) rejects an id that is
    /// not in the spec.
    pub fn answer_from_spec(mut self, operation: impl Into<String>) -> Self {
        self.spec_answers.operations.insert(operation.into());
        self
    }

    /// Every operation answers from the spec: a stateless mock of the whole spec.
    pub fn answer_all_from_spec(mut self) -> Self {
        self.spec_answers.all = true;
        self
    }

    /// The largest request body accepted (default 1 MiB, raised to fit the largest file an
    /// upload of the spec accepts plus 64 KiB of multipart framing); larger bodies get
    /// `400 PARAM_ERROR`.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_modes_parse() {
        assert_eq!(
            "platform".parse::<ResponseSigning>(),
            Ok(ResponseSigning::PlatformCertificate)
        );
        assert_eq!(
            "Public_Key".parse::<ResponseSigning>(),
            Ok(ResponseSigning::PublicKey)
        );
        assert_eq!(
            "match-request".parse::<ResponseSigning>(),
            Ok(ResponseSigning::MatchRequest)
        );
        assert!("rsa".parse::<ResponseSigning>().is_err());
        for mode in [
            ResponseSigning::PublicKey,
            ResponseSigning::PlatformCertificate,
            ResponseSigning::MatchRequest,
        ] {
            assert_eq!(mode.as_str().parse::<ResponseSigning>(), Ok(mode));
        }
    }
}
