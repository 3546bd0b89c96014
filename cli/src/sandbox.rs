//! `wxpay sandbox`: the local WeChat Pay sandbox in-process, and the environment that points
//! wxpay (or any client reading `WECHATPAY_*`) at it.
//!
//! Standard output gets only `export` lines and `#` comments, so it can be saved and sourced
//! (`wxpay sandbox > sandbox.env &` then `. ./sandbox.env`); everything else goes to standard
//! error.

use std::io::Write;
use std::path::PathBuf;

use wechatpay_sandbox::{ResponseSigning, Sandbox, SandboxConfig, SandboxKeys};

use crate::args::{self, Arity, UsageError, usage};
use crate::config::ConfigError;
use crate::exit::Failure;
use crate::options::Globals;

/// `wxpay sandbox --help`.
pub const HELP: &str = "\
wxpay sandbox — a local WeChat Pay APIv3 sandbox (cash coupons) that checks signatures for real

Usage:
  wxpay sandbox [--port N] [--keys-dir DIR] [--stocks FILE] [--serial-mode platform|public-key]

Starts the sandbox on 127.0.0.1, prints the `export WECHATPAY_...=...` lines that point wxpay
at it on stdout (everything else on stderr), logs each request on stderr, and runs until Ctrl-C.

  --port N              port to listen on (default 0: any free port)
  --keys-dir DIR        where the key set is created or reused (default ./wechatpay-sandbox-keys)
  --stocks FILE         JSON stocks to add (a list, or {\"replace_defaults\": true, \"stocks\": [...]})
  --serial-mode MODE    platform | public-key | match-request (default public-key): which key
                        the sandbox names in a response's Wechatpay-Serial

Seeded stocks: 9856000 (running, created by the sandbox merchant), 9856001 (3 coupons of
budget), 9856002 (cut-to), 9856003 (paused), 9856004 / 9856005 (created by merchant 8956000,
authorized / not authorized). Any openid and appid work.

Try it:
  wxpay sandbox > sandbox.env &
  until grep -qs PUBLIC_KEY_ID sandbox.env; do sleep 0.5; done; . ./sandbox.env
  wxpay send-coupon --openid o1 --stock-id 9856000 --stock-creator-mchid 1900009191 --appid wx1 --out-request-no r1
  wxpay list-coupons-by-filter --openid o1 --appid wx1 --all
";

/// The default key directory, the same as the `wechatpay-sandbox` binary's.
const DEFAULT_KEYS_DIR: &str = "wechatpay-sandbox-keys";

/// The sandbox command's settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct SandboxArgs {
    help: bool,
    port: u16,
    keys_dir: Option<PathBuf>,
    stocks: Option<PathBuf>,
    serial_mode: Option<ResponseSigning>,
}

fn parse(args: &[String]) -> Result<SandboxArgs, UsageError> {
    let arity = |name: &str| match name {
        "port" | "keys-dir" | "stocks" | "serial-mode" => Some(Arity::Value),
        "help" => Some(Arity::Switch),
        _ => None,
    };
    let known: Vec<String> = ["port", "keys-dir", "stocks", "serial-mode", "help"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let parsed = args::parse(args, false, &arity, &known)?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(usage(format!("sandbox: unexpected argument {extra:?}")));
    }
    let mut out = SandboxArgs::default();
    for flag in parsed.flags {
        let value = flag.value.unwrap_or_default();
        match flag.name.as_str() {
            "help" => out.help = true,
            "port" => {
                out.port = value.trim().parse().map_err(|_| {
                    usage(format!(
                        "--port expects a port number (0-65535), got {value:?}"
                    ))
                })?;
            }
            "keys-dir" => out.keys_dir = Some(PathBuf::from(value)),
            "stocks" => out.stocks = Some(PathBuf::from(value)),
            "serial-mode" => {
                out.serial_mode = Some(value.parse().map_err(|e: String| usage(e))?);
            }
            _ => return Err(usage(format!("unknown flag {}", flag.written))),
        }
    }
    Ok(out)
}

/// Runs `wxpay sandbox` until Ctrl-C (or SIGTERM).
///
/// # Errors
/// A usage error for bad flags, a configuration error when the keys, stocks file or port
/// cannot be used.
pub fn run(
    args: &[String],
    globals: &Globals,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let args = parse(args)?;
    if args.help || globals.help {
        out.write_all(HELP.as_bytes())?;
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args, out, err))
}

async fn serve(args: SandboxArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let config_error = |e: wechatpay_sandbox::SandboxError| ConfigError(format!("sandbox: {e}"));
    let dir = args
        .keys_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_KEYS_DIR));
    let keys = tokio::task::spawn_blocking(move || SandboxKeys::load_or_create(&dir))
        .await
        .map_err(|e| ConfigError(format!("sandbox: key task failed: {e}")))?
        .map_err(config_error)?;
    let mut config = SandboxConfig::with_keys(keys)
        .port(args.port)
        .log_requests(true);
    if let Some(mode) = args.serial_mode {
        config = config.response_signing(mode);
    }
    if let Some(path) = &args.stocks {
        config = config.stocks_file(path).map_err(config_error)?;
    }
    let sandbox = Sandbox::start(config).await.map_err(config_error)?;
    out.write_all(export_lines(&sandbox).as_bytes())?;
    out.flush()?;
    err.write_all(banner(&sandbox).as_bytes())?;
    err.flush()?;
    wechatpay_sandbox::shutdown_signal().await;
    writeln!(err, "wxpay: sandbox stopping")?;
    sandbox.shutdown().await;
    Ok(())
}

/// The `export` lines that point `wxpay` (and `Client::from_env`) at the sandbox.
fn export_lines(sandbox: &Sandbox) -> String {
    format!(
        "# wxpay sandbox at {} (merchant {})\n{}",
        sandbox.base_url(),
        sandbox.mchid(),
        sandbox.export_lines()
    )
}

fn banner(sandbox: &Sandbox) -> String {
    let mut text = format!(
        "wxpay: sandbox listening on {} (merchant {}, responses signed as {})\n\
         wxpay: stocks:\n",
        sandbox.base_url(),
        sandbox.mchid(),
        sandbox.response_signing(),
    );
    for stock in sandbox.state().stocks() {
        text.push_str(&format!(
            "  {} {:<7} {}/{} issued, {:?}, creator {} — {}\n",
            stock.stock_id,
            stock.coupon_type(),
            stock.distributed_coupons,
            stock.max_coupons,
            stock.status,
            stock.creator_mchid,
            stock.stock_name
        ));
    }
    text.push_str("wxpay: the export lines are on stdout; press Ctrl-C to stop.\n");
    text
}

/// Quotes a value for a POSIX shell when it holds anything but safe characters.
#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags() {
        let args = parse(&strings(&[
            "--port",
            "8080",
            "--keys-dir=/tmp/k",
            "--serial-mode",
            "platform",
            "--stocks",
            "s.json",
        ]))
        .unwrap();
        assert_eq!(args.port, 8080);
        assert_eq!(args.keys_dir, Some(PathBuf::from("/tmp/k")));
        assert_eq!(args.stocks, Some(PathBuf::from("s.json")));
        assert_eq!(args.serial_mode, Some(ResponseSigning::PlatformCertificate));
        assert_eq!(
            parse(&strings(&["--serial-mode", "public-key"]))
                .unwrap()
                .serial_mode,
            Some(ResponseSigning::PublicKey)
        );
        assert!(parse(&strings(&["-h"])).unwrap().help);
    }

    #[test]
    fn bad_flags() {
        let err = |args: &[&str]| parse(&strings(args)).unwrap_err().0;
        assert!(err(&["--port", "70000"]).contains("port number"));
        assert!(err(&["--serial-mode", "rsa"]).contains("unknown serial mode"));
        assert!(err(&["--mchid", "1"]).contains("unknown flag --mchid"));
        assert!(err(&["x"]).contains("unexpected argument"));
    }
}
