//! `wxpay sandbox`: the local WeChat Pay sandbox in-process, and the environment that points
//! wxpay (or any client reading `WECHATPAY_*`) at it.
//!
//! Standard output gets only `export` lines and `#` comments, so it can be saved and sourced
//! (`wxpay sandbox > sandbox.env &` then `. ./sandbox.env`); everything else goes to standard
//! error.

use std::io::Write;

use clap::{ArgMatches, Args, Command, FromArgMatches};
use wechatpay_sandbox::{Sandbox, SandboxArgs, SandboxError};

use crate::config::ConfigError;
use crate::exit::{Failure, usage};

/// The `wxpay sandbox` command: the sandbox binary's own flags.
pub fn subcommand() -> Command {
    SandboxArgs::augment_args(Command::new("sandbox"))
        .about("Run a local WeChat Pay sandbox and print the export lines that point wxpay at it")
        .long_about(
            "Run a local WeChat Pay APIv3 sandbox that checks signatures for real.\n\n\
             Starts the sandbox on 127.0.0.1, prints the `export WECHATPAY_...=...` lines that \
             point wxpay at it on stdout (everything else on stderr), logs each request on \
             stderr, and runs until Ctrl-C.\n\n\
             Seeded stocks: 9856000 (running, created by the sandbox merchant), 9856001 (3 \
             coupons of budget), 9856002 (cut-to), 9856003 (paused), 9856004 / 9856005 (created \
             by merchant 8956000, authorized / not authorized). Any openid and appid work.",
        )
        .after_long_help(
            "Try it:\n  \
             wxpay sandbox > sandbox.env &\n  \
             until grep -qs APIV3_KEY sandbox.env; do sleep 0.5; done; . ./sandbox.env\n  \
             wxpay send-coupon --openid o1 --stock-id 9856000 --stock-creator-mchid 1900009191 \
             --appid wx1 --out-request-no r1\n  \
             wxpay list-coupons-by-filter --openid o1 --appid wx1 --all\n  \
             wxpay certificates download --out certs\n\n\
             Payments: make an order, sign it for the front end, let the user pay it \
             (POST /sandbox/orders/pay), query it:\n  \
             wxpay jsapi-prepay --appid wx1 --mchid 1900009191 --description demo \
             --out-trade-no order-0001 --notify-url https://example.com/notify --amount \
             '{\"total\":100}' --payer '{\"openid\":\"o1\"}'\n  \
             wxpay pay-sign --appid wx1 --prepay-id PREPAY_ID\n  \
             curl -X POST \"$WECHATPAY_BASE_URL/sandbox/orders/pay\" -d \
             '{\"out_trade_no\":\"order-0001\"}'\n  \
             wxpay query-order-by-out-trade-no --out-trade-no order-0001 --mchid 1900009191",
        )
}

/// Runs `wxpay sandbox` until Ctrl-C (or SIGTERM).
///
/// # Errors
/// A configuration error when the keys, stocks file or port cannot be used.
pub fn run(matches: &ArgMatches, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let args = SandboxArgs::from_arg_matches(matches).map_err(|e| usage(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(args, out, err))
}

async fn serve(args: SandboxArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    // The sandbox's own "configuration: " prefix would repeat the CLI's "configuration error: ".
    let config_error = |e: SandboxError| match e {
        SandboxError::Config(message) => ConfigError::new(format!("sandbox: {message}")),
        other => ConfigError::with_source("sandbox", other),
    };
    let (config, note) = args.config().await.map_err(config_error)?;
    if let Some(note) = note {
        writeln!(err, "wxpay: note: {note}")?;
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
         wxpay: answered from the spec: {}\n\
         wxpay: stocks:\n",
        sandbox.base_url(),
        sandbox.mchid(),
        sandbox.response_signing(),
        sandbox.spec_answers_summary(),
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
