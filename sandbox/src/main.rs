//! `wechatpay-sandbox`: run the sandbox as a server for clients in any language.
//!
//! ```text
//! cargo run -p wechatpay-sandbox -- --port 8080 --keys-dir ./sandbox-keys
//! ```
//!
//! Creates (or reuses) the key set in `--keys-dir`, prints everything a client needs —
//! including `export WECHATPAY_…=…` lines — and serves until Ctrl-C.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use wechatpay_sandbox::{Sandbox, SandboxArgs, SandboxError};

/// A local WeChat Pay APIv3 server (cash coupons) that checks signatures for real.
///
/// Creates (or reuses) the key set in --keys-dir, prints everything a client needs (including
/// `export WECHATPAY_...=...` lines), and serves until Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "wechatpay-sandbox", version)]
struct Cli {
    #[command(flatten)]
    sandbox: SandboxArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli.sandbox).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &SandboxArgs) -> Result<(), SandboxError> {
    let (config, note) = args.config().await?;
    if let Some(note) = note {
        eprintln!("note: {note}");
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
         \x20 answered from the spec {spec_answers}\n\
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
        spec_answers = sandbox.spec_answers_summary(),
        stocks = stocks.join("\n"),
        exports = sandbox.export_lines(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "wechatpay-sandbox",
            "--port",
            "8080",
            "--quiet",
            "--answer-from-spec",
            "query_callback",
        ])
        .unwrap();
        assert_eq!(cli.sandbox.port, 8080);
        assert!(cli.sandbox.quiet);
        assert_eq!(cli.sandbox.answer_from_spec, ["query_callback"]);
        let err = Cli::try_parse_from(["wechatpay-sandbox", "--prot", "1"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("--port"), "{err}");
    }
}
