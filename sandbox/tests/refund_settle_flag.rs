//! `--refund-settle-delay` end to end: the flags parsed as the `wechatpay-sandbox` binary
//! parses them, the sandbox started from the configuration they describe, and a refund made
//! over TCP on 127.0.0.1 through the typed client, settling by itself or staying `PROCESSING`.

use std::time::Duration;

use clap::Parser;
use wechatpay_apiv3::Client;
use wechatpay_apiv3::api::{
    CreateRefundBody, JsapiPayer, JsapiPrepayBody, PrepayAmount, RefundRequestAmount, RefundStatus,
};
use wechatpay_sandbox::{Sandbox, SandboxArgs};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const NOTIFY: &str = "https://www.weixin.qq.com/wxpay/pay.php";
/// Only guards against a hang if something is broken.
const HANG_GUARD: Duration = Duration::from_secs(60);
/// Longer than the sandbox's default settle delay (1 s), so a refund still `PROCESSING`
/// after it was not settled by the default timer.
const PAST_THE_DEFAULT_DELAY: Duration = Duration::from_millis(1500);

/// The binary's command line: the sandbox flags, flattened.
#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    sandbox: SandboxArgs,
}

/// A sandbox started from `flags` (plus a fresh keys folder), and a client for it.
async fn sandbox_from(name: &str, flags: &[&str]) -> (Sandbox, Client, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "wechatpay-settle-flag-{name}-{}",
        std::process::id()
    ));
    let keys_dir = dir.display().to_string();
    let argv = ["wechatpay-sandbox", "--quiet", "--keys-dir", &keys_dir];
    let cli = Cli::try_parse_from(argv.iter().chain(flags)).expect("the flags parse");
    let (config, _) = cli.sandbox.config().await.expect("config from the flags");
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = sandbox.client_builder().build().expect("client");
    (sandbox, client, dir)
}

/// Prepays and pays an order of 100 fen, then refunds 40 of it; returns the refund's status.
async fn paid_and_refunded(sandbox: &Sandbox, client: &Client, no: &str) -> RefundStatus {
    let (amount, payer) = (PrepayAmount::new(100), JsapiPayer::new(OPENID));
    let order = JsapiPrepayBody::new(APPID, sandbox.mchid(), "settle", no, NOTIFY, amount, payer);
    let jsapi = client.v3().pay().transactions().jsapi();
    jsapi.post(order).await.expect("prepay");
    sandbox.pay(no, None).expect("pay");
    let mut body = CreateRefundBody::new(no, RefundRequestAmount::new(40, 100, "CNY"));
    body.out_trade_no = Some(no.to_owned());
    let refunds = client.v3().refund().domestic().refunds();
    refunds.post(body).await.expect("refund").status
}

async fn refund_status(client: &Client, out_refund_no: &str) -> RefundStatus {
    let refunds = client.v3().refund().domestic().refunds();
    let refund = refunds.out_refund_no(out_refund_no).get().await;
    refund.expect("query refund").status
}

#[tokio::test]
async fn never_keeps_a_refund_processing_until_settled_by_hand() {
    let (sandbox, client, dir) = sandbox_from("never", &["--refund-settle-delay", "never"]).await;
    let no = "settle-flag-never";
    assert_eq!(
        paid_and_refunded(&sandbox, &client, no).await,
        RefundStatus::Processing
    );
    tokio::time::sleep(PAST_THE_DEFAULT_DELAY).await;
    assert_eq!(refund_status(&client, no).await, RefundStatus::Processing);
    sandbox
        .settle_refund(no, RefundStatus::Success)
        .expect("settle by hand");
    assert_eq!(refund_status(&client, no).await, RefundStatus::Success);
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_number_of_seconds_lets_a_refund_settle_by_itself() {
    let (sandbox, client, dir) = sandbox_from("zero", &["--refund-settle-delay=0"]).await;
    let no = "settle-flag-zero";
    assert_eq!(
        paid_and_refunded(&sandbox, &client, no).await,
        RefundStatus::Processing
    );
    tokio::time::timeout(HANG_GUARD, async {
        while refund_status(&client, no).await != RefundStatus::Success {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the refund settles by itself");
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
