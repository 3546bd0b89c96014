//! The sandbox's command-line flags: one definition, used by the `wechatpay-sandbox` binary and
//! flattened into `wxpay sandbox`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use wechatpay_apiv3::api::catalog;

use crate::keys::DEFAULT_MCHID;
use crate::{ResponseSigning, SandboxConfig, SandboxError, SandboxKeys};

/// `--refund-settle-delay`'s default as clap shows and parses it:
/// [`DEFAULT_REFUND_SETTLE_DELAY`](crate::handlers::DEFAULT_REFUND_SETTLE_DELAY) in
/// seconds (clap wants a string; a unit test checks the two agree).
const DEFAULT_REFUND_SETTLE_DELAY_ARG: &str = "1";

/// The value of `--refund-settle-delay` that keeps refunds `PROCESSING` until settled by hand.
const SETTLE_NEVER: &str = "never";

/// How to run a sandbox: address, key set, stocks, signing mode, refund timing, logging.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct SandboxArgs {
    /// Port to listen on (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub port: u16,
    /// Address to listen on. The /sandbox admin endpoints are unauthenticated: keep it on
    /// loopback.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Where the key set is created, or reused when it is there.
    #[arg(long, value_name = "DIR", default_value = "wechatpay-sandbox-keys")]
    pub keys_dir: PathBuf,
    /// Merchant ID of a newly created key set (an existing one keeps its own).
    #[arg(long, value_name = "MCHID", default_value = DEFAULT_MCHID)]
    pub mchid: String,
    /// JSON stocks to add: a list, or {"replace_defaults": true, "stocks": [...]}.
    #[arg(long, value_name = "FILE")]
    pub stocks: Option<PathBuf>,
    /// Start without the seeded stocks 9856000 to 9856005.
    #[arg(long)]
    pub no_default_stocks: bool,
    /// Which key responses name in Wechatpay-Serial: the public key ID, the platform
    /// certificate serial, or whichever the request's own Wechatpay-Serial names.
    #[arg(long, value_name = "MODE", default_value_t = ResponseSigning::default())]
    pub serial_mode: ResponseSigning,
    /// Answer /v3/certificates with 404 RESOURCE_NOT_EXISTS, like WeChat Pay for merchants
    /// onboarded in public-key mode.
    #[arg(long)]
    pub no_platform_certificates: bool,
    /// Answer this operation (a spec id, e.g. query_stock; repeatable, or comma-separated)
    /// from the spec, its examples else values derived from its types, instead of from the
    /// sandbox's state: what a client sees of an operation that only exists in YAML.
    #[arg(
        long,
        value_name = "OPERATION",
        value_delimiter = ',',
        value_parser = operation_ids(),
        hide_possible_values = true
    )]
    pub answer_from_spec: Vec<String>,
    /// Answer every operation from the spec: a stateless mock of the whole spec.
    #[arg(long)]
    pub answer_all_from_spec: bool,
    /// Seconds a refund stays PROCESSING before it succeeds by itself and its REFUND.SUCCESS
    /// is sent (fractions allowed; 0: at once), or `never`: it stays PROCESSING until
    /// settled through POST /sandbox/refunds/settle.
    #[arg(
        long,
        value_name = "SECONDS",
        value_parser = parse_settle_delay,
        default_value = DEFAULT_REFUND_SETTLE_DELAY_ARG
    )]
    // The full path opts out of clap's `Option` handling: here `None` is the value `never`,
    // not an absent flag.
    pub refund_settle_delay: ::std::option::Option<Duration>,
    /// Do not log requests to standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// The operation ids of the spec, for `--answer-from-spec` (suggestions and shell completions);
/// the command name of `wxpay` (`query-stock`) is an alias, read as the id.
fn operation_ids() -> impl TypedValueParser<Value = String> {
    PossibleValuesParser::new(catalog::OPERATIONS.iter().map(|op| {
        let value = PossibleValue::new(op.id);
        match op.id.replace('_', "-") {
            kebab if kebab != op.id => value.alias(kebab),
            _ => value,
        }
    }))
    .map(|name| name.replace('-', "_"))
}

/// `--refund-settle-delay`: a number of seconds, or `never` (`None`).
fn parse_settle_delay(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case(SETTLE_NEVER) {
        return Ok(None);
    }
    // `try_from_secs_f64` refuses negative, NaN and overflowing values.
    text.parse::<f64>()
        .ok()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .map(Some)
        .ok_or_else(|| format!("expects a number of seconds (0 or more) or `{SETTLE_NEVER}`"))
}

impl ValueEnum for ResponseSigning {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            ResponseSigning::PublicKey,
            ResponseSigning::PlatformCertificate,
            ResponseSigning::MatchRequest,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

impl SandboxArgs {
    /// The address to listen on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.host, self.port)
    }

    /// Loads the key set of `--keys-dir` (creating it for `--mchid` when it is not there) and
    /// returns the configuration these flags describe, with a note to show when the folder
    /// already held keys for another merchant than `--mchid` asks for.
    ///
    /// # Errors
    /// The key set's errors (unreadable or broken key files), and the stocks file's.
    pub async fn config(&self) -> Result<(SandboxConfig, Option<String>), SandboxError> {
        let dir = self.keys_dir.clone();
        let mchid = self.mchid.clone();
        let keys =
            tokio::task::spawn_blocking(move || SandboxKeys::load_or_create_for(&dir, &mchid))
                .await
                .map_err(|e| SandboxError::Runtime(format!("key task failed: {e}")))??;
        let note = (keys.mchid() != self.mchid && self.mchid != DEFAULT_MCHID).then(|| {
            format!(
                "{} already holds keys for merchant {}; --mchid {} is ignored",
                self.keys_dir.display(),
                keys.mchid(),
                self.mchid
            )
        });
        let mut config = SandboxConfig::with_keys(keys)
            .bind(self.addr())
            .response_signing(self.serial_mode)
            .serve_platform_certificates(!self.no_platform_certificates)
            .refund_settle_delay(self.refund_settle_delay)
            .log_requests(!self.quiet);
        if self.no_default_stocks {
            config = config.without_default_stocks();
        }
        for operation in &self.answer_from_spec {
            config = config.answer_from_spec(operation);
        }
        if self.answer_all_from_spec {
            config = config.answer_all_from_spec();
        }
        if let Some(path) = &self.stocks {
            config = config.stocks_file(path)?;
        }
        Ok((config, note))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::DEFAULT_REFUND_SETTLE_DELAY;
    use clap::{Args, Command, FromArgMatches};

    fn parse(args: &[&str]) -> Result<SandboxArgs, clap::Error> {
        let command = SandboxArgs::augment_args(Command::new("sandbox"));
        let matches =
            command.try_get_matches_from(std::iter::once("sandbox").chain(args.iter().copied()))?;
        SandboxArgs::from_arg_matches(&matches)
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.addr(), "127.0.0.1:0".parse().unwrap());
        assert_eq!(args.keys_dir, PathBuf::from("wechatpay-sandbox-keys"));
        assert_eq!(args.mchid, DEFAULT_MCHID);
        assert_eq!(args.serial_mode, ResponseSigning::PublicKey);
        assert!(!args.no_default_stocks && !args.no_platform_certificates && !args.quiet);
        assert!(args.answer_from_spec.is_empty() && !args.answer_all_from_spec);
        assert_eq!(
            args.refund_settle_delay,
            Some(DEFAULT_REFUND_SETTLE_DELAY),
            "DEFAULT_REFUND_SETTLE_DELAY_ARG names DEFAULT_REFUND_SETTLE_DELAY"
        );
    }

    #[test]
    fn refund_settle_delays() {
        // `=` so that "-1" reaches the parser instead of reading as a flag.
        let delay = |value: &str| {
            parse(&[&format!("--refund-settle-delay={value}")]).map(|a| a.refund_settle_delay)
        };
        assert_eq!(delay("5").unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(delay("0.25").unwrap(), Some(Duration::from_millis(250)));
        assert_eq!(delay("0").unwrap(), Some(Duration::ZERO));
        assert_eq!(delay("never").unwrap(), None);
        assert_eq!(delay("NEVER").unwrap(), None);
        for bad in ["-1", "soon", "", "inf", "NaN", "1e30"] {
            let err = delay(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
            assert!(err.to_string().contains("`never`"), "{bad:?}: {err}");
        }
    }

    #[tokio::test]
    async fn the_refund_settle_delay_reaches_the_config() {
        let dir = std::env::temp_dir().join(format!("sandbox-args-delay-{}", std::process::id()));
        let keys_dir = dir.display().to_string();
        for (value, expected) in [("never", None), ("2.5", Some(Duration::from_millis(2500)))] {
            let args = parse(&["--keys-dir", &keys_dir, "--refund-settle-delay", value]).unwrap();
            let (config, _) = args.config().await.unwrap();
            assert_eq!(config.refund_settle_delay, expected, "{value}");
        }
        let (config, _) = parse(&["--keys-dir", &keys_dir])
            .unwrap()
            .config()
            .await
            .unwrap();
        assert_eq!(
            config.refund_settle_delay,
            Some(DEFAULT_REFUND_SETTLE_DELAY)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn operations_answered_from_the_spec() {
        let args = parse(&[
            "--answer-from-spec",
            "query_stock,list-stocks",
            "--answer-from-spec=query_callback",
        ])
        .unwrap();
        assert_eq!(
            args.answer_from_spec,
            ["query_stock", "list_stocks", "query_callback"]
        );
        assert!(
            parse(&["--answer-all-from-spec"])
                .unwrap()
                .answer_all_from_spec
        );
        let err = parse(&["--answer-from-spec", "query_stok"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("'query_stock'"), "{err}");
        let err = parse(&["--answer-from-spec", "download_certificates"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "not an operation of the spec: {err}");
    }

    #[tokio::test]
    async fn the_flags_switch_the_handlers_off() {
        let dir = std::env::temp_dir().join(format!("sandbox-args-{}", std::process::id()));
        let keys_dir = dir.display().to_string();
        let args = parse(&["--keys-dir", &keys_dir, "--answer-from-spec", "query_stock"]).unwrap();
        let (config, _) = args.config().await.unwrap();
        assert!(config.spec_answers.includes("query_stock"));
        assert!(!config.spec_answers.includes("send_coupon"));
        let args = parse(&["--keys-dir", &keys_dir, "--answer-all-from-spec"]).unwrap();
        let (config, _) = args.config().await.unwrap();
        assert!(config.spec_answers.includes("send_coupon"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn flags() {
        let args = parse(&[
            "--port",
            "8080",
            "--keys-dir=/tmp/k",
            "--serial-mode",
            "platform",
            "--stocks",
            "s.json",
            "--no-default-stocks",
            "--host",
            "::1",
        ])
        .unwrap();
        assert_eq!(args.addr(), "[::1]:8080".parse().unwrap());
        assert_eq!(args.keys_dir, PathBuf::from("/tmp/k"));
        assert_eq!(args.serial_mode, ResponseSigning::PlatformCertificate);
        assert_eq!(args.stocks, Some(PathBuf::from("s.json")));
        assert!(args.no_default_stocks);
    }

    #[test]
    fn serial_modes_are_the_sandbox_spellings() {
        for mode in ResponseSigning::value_variants() {
            let parsed = parse(&["--serial-mode", mode.as_str()]).unwrap();
            assert_eq!(parsed.serial_mode, *mode);
            assert_eq!(mode.as_str().parse::<ResponseSigning>().as_ref(), Ok(mode));
        }
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [
            &["--port", "70000"][..],
            &["--port"],
            &["--serial-mode", "rsa"],
            &["--host", "localhost"],
            &["--bogus"],
            &["stray"],
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}: {err}");
        }
        let err = parse(&["--serial-mode", "platfrom"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("platform"), "{err}");
    }
}
