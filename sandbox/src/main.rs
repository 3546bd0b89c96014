//! `wechatpay-sandbox`: run the sandbox as a server for clients in any language.
//!
//! ```text
//! cargo run -p wechatpay-sandbox -- --port 8080 --keys-dir ./sandbox-keys
//! ```
//!
//! Creates (or reuses) the key set in `--keys-dir`, prints everything a client needs —
//! including `export WECHATPAY_…=…` lines — and serves until Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wechatpay_sandbox::{
    ResponseSigning, Sandbox, SandboxConfig, SandboxError, SandboxKeys, keys::DEFAULT_MCHID,
};

const USAGE: &str = "\
wechatpay-sandbox: a local WeChat Pay APIv3 server (cash coupons) that checks signatures for real

USAGE:
    wechatpay-sandbox [OPTIONS]

OPTIONS:
    --port PORT             port to listen on (default 0: any free port)
    --host ADDR             address to listen on (default 127.0.0.1; the /sandbox admin
                            endpoints are unauthenticated, keep it on loopback)
    --keys-dir DIR          where the key set is created or reused (default ./wechatpay-sandbox-keys)
    --mchid MCHID           merchant ID of a newly created key set (default 1900009191)
    --stocks FILE           JSON stocks to add (array, or {\"replace_defaults\":true,\"stocks\":[…]})
    --no-default-stocks     start without the seeded stocks 9856000…9856005
    --serial-mode MODE      platform | public-key | match-request (default public-key):
                            which serial responses carry in Wechatpay-Serial
    --no-platform-certificates
                            answer /v3/certificates with 404 RESOURCE_NOT_EXISTS, like WeChat Pay
                            for merchants onboarded in public-key mode
    --quiet                 do not log requests to standard error
    -h, --help              this text
";

#[derive(Debug)]
struct Args {
    host: String,
    port: u16,
    keys_dir: PathBuf,
    mchid: String,
    stocks: Option<PathBuf>,
    default_stocks: bool,
    serial_mode: ResponseSigning,
    platform_certificates: bool,
    quiet: bool,
}

fn parse_args(raw: impl IntoIterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        host: "127.0.0.1".to_owned(),
        port: 0,
        keys_dir: PathBuf::from("wechatpay-sandbox-keys"),
        mchid: DEFAULT_MCHID.to_owned(),
        stocks: None,
        default_stocks: true,
        serial_mode: ResponseSigning::default(),
        platform_certificates: true,
        quiet: false,
    };
    let mut raw = raw.into_iter();
    while let Some(arg) = raw.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| raw.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let port = value("--port")?;
                args.port = port
                    .parse()
                    .map_err(|_| format!("--port {port:?} is not a port number"))?;
            }
            "--host" => args.host = value("--host")?,
            "--keys-dir" => args.keys_dir = PathBuf::from(value("--keys-dir")?),
            "--mchid" => args.mchid = value("--mchid")?,
            "--stocks" => args.stocks = Some(PathBuf::from(value("--stocks")?)),
            "--serial-mode" => args.serial_mode = value("--serial-mode")?.parse()?,
            "--no-default-stocks" => args.default_stocks = false,
            "--no-platform-certificates" => args.platform_certificates = false,
            "--quiet" => args.quiet = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(args))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), SandboxError> {
    let addr = format!("{}:{}", args.host, args.port);
    let addr: std::net::SocketAddr = addr.parse().map_err(|_| {
        SandboxError::Config(format!(
            "--host/--port: {addr:?} is not an IP address and port"
        ))
    })?;
    let dir = args.keys_dir.clone();
    let mchid = args.mchid.clone();
    let keys = tokio::task::spawn_blocking(move || SandboxKeys::load_or_create_for(&dir, &mchid))
        .await
        .map_err(|e| SandboxError::Runtime(e.to_string()))??;
    if keys.mchid() != args.mchid && args.mchid != DEFAULT_MCHID {
        eprintln!(
            "note: {} already holds keys for merchant {}; --mchid {} is ignored",
            args.keys_dir.display(),
            keys.mchid(),
            args.mchid
        );
    }
    let mut config = SandboxConfig::with_keys(keys)
        .bind(addr)
        .response_signing(args.serial_mode)
        .serve_platform_certificates(args.platform_certificates)
        .log_requests(!args.quiet);
    if !args.default_stocks {
        config = config.without_default_stocks();
    }
    if let Some(path) = &args.stocks {
        config = config.stocks_file(path)?;
    }
    let sandbox = Sandbox::start(config).await?;
    print!("{}", banner(&sandbox));
    wechatpay_sandbox::shutdown_signal().await;
    eprintln!("shutting down");
    sandbox.shutdown().await;
    Ok(())
}

fn banner(sandbox: &Sandbox) -> String {
    let keys = sandbox.keys();
    let path = |p: Option<&Path>| {
        p.map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.to_path_buf())
                .display()
                .to_string()
        })
        .unwrap_or_else(|| "(in memory)".to_owned())
    };
    let files = keys.files();
    let merchant_key = path(files.map(|f| f.merchant_private_key.as_path()));
    let merchant_cert = path(files.map(|f| f.merchant_certificate.as_path()));
    let platform_cert = path(files.map(|f| f.platform_certificate.as_path()));
    let public_key = path(files.map(|f| f.public_key.as_path()));
    let stocks: Vec<String> = sandbox
        .state()
        .stocks()
        .iter()
        .map(|s| {
            format!(
                "    {} {:<7} {}/{} issued, {:?}, creator {} — {}",
                s.stock_id,
                s.coupon_type(),
                s.distributed_coupons,
                s.max_coupons,
                s.status,
                s.creator_mchid,
                s.stock_name
            )
        })
        .collect();
    let base = sandbox.base_url();
    format!(
        "WeChat Pay APIv3 sandbox listening on {base}\n\
         \n\
         \x20 mchid                  {mchid}\n\
         \x20 merchant serial        {merchant_serial}\n\
         \x20 merchant private key   {merchant_key}\n\
         \x20 merchant certificate   {merchant_cert}\n\
         \x20 platform serial        {platform_serial}\n\
         \x20 platform certificate   {platform_cert}\n\
         \x20 public key ID          {public_key_id}\n\
         \x20 public key             {public_key}\n\
         \x20 APIv3 key              {api_v3_key}\n\
         \x20 responses signed as    {mode} (Wechatpay-Serial: {response_serial})\n\
         \x20 stocks:\n{stocks}\n\
         \n\
         # Point a client at it:\n\
         {exports}\n\
         # Faults (unauthenticated admin endpoint), e.g. a 500 after the next coupon is issued:\n\
         #   curl -X POST {base}/sandbox/faults -d '{{\"fault\":\"status_500\",\"operation\":\"send_coupon\",\"phase\":\"after\"}}'\n\
         Press Ctrl-C to stop.\n",
        mchid = keys.mchid(),
        merchant_serial = keys.merchant_serial(),
        platform_serial = keys.platform_serial(),
        public_key_id = keys.public_key_id(),
        api_v3_key = keys.api_v3_key(),
        mode = sandbox.response_signing(),
        response_serial = sandbox.response_serial(),
        stocks = stocks.join("\n"),
        exports = sandbox.export_lines(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn arguments() {
        let args = parse(&[
            "--port",
            "8080",
            "--keys-dir=/tmp/k",
            "--serial-mode",
            "platform",
            "--stocks",
            "s.json",
            "--no-default-stocks",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(args.port, 8080);
        assert_eq!(args.keys_dir, PathBuf::from("/tmp/k"));
        assert_eq!(args.serial_mode, ResponseSigning::PlatformCertificate);
        assert_eq!(args.stocks, Some(PathBuf::from("s.json")));
        assert!(!args.default_stocks);
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--port"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--port", "x"]).is_err());
        assert!(parse(&["--serial-mode", "rsa"]).is_err());
        assert!(parse(&["--bogus"]).unwrap_err().contains("--bogus"));
    }
}
