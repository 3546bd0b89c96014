//! A payment from order to refund: `cargo run --example payments`.
//!
//! Starts the sandbox in this process and a notify endpoint on 127.0.0.1 (the merchant's
//! `notify_url`, verifying and decrypting with the client crate's `NotificationHandler`), then:
//!
//! 1. makes a JSAPI order (JSAPI/小程序下单) and prints its `prepay_id`;
//! 2. prints the 调起支付 parameters a web page (WeixinJSBridge) or a mini program
//!    (`wx.requestPayment`) needs, signed with the merchant key by `PaySigner`;
//! 3. lets the user pay (the sandbox plays WeChat's cashier), receives `TRANSACTION.SUCCESS`,
//!    verified and typed, and queries the order;
//! 4. refunds part of it: `PROCESSING`, then `REFUND.SUCCESS` arrives and the query says
//!    `SUCCESS`.
//!
//! Takes a few seconds, most of them generating the sandbox's RSA keys.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use tokio::sync::mpsc;
use wechatpay_apiv3::api::{
    CreateRefundBody, JsapiPayer, JsapiPrepayBody, NotificationResource, PrepayAmount,
    QueryOrderByOutTradeNoQuery, RefundRequestAmount,
};
use wechatpay_apiv3::auth::{ApiV3Key, MerchantPrivateKey, Verifier};
use wechatpay_apiv3::notify::{Notification, NotificationHandler};
use wechatpay_apiv3::paysign::PaySigner;
use wechatpay_sandbox::{Sandbox, SandboxConfig};

/// The mini program (appid) and the user (openid under it) of the order.
const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const OUT_TRADE_NO: &str = "1217752501201407033233368018";
const OUT_REFUND_NO: &str = "R1217752501201407033233368018";
/// How long to wait for a notification before giving up.
const PATIENCE: Duration = Duration::from_secs(30);

type Received = Notification<NotificationResource>;

#[tokio::main]
async fn main() -> Result<(), Failed> {
    println!(
        "WeChat Pay APIv3 payments: order, 调起支付, payment notification, refund — all local"
    );

    heading("1. The sandbox, a client, and the merchant's notify endpoint");
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let client = sandbox.client_builder().build()?;
    let (notify_url, mut notifications) = notify_endpoint(&sandbox).await?;
    println!(
        "   sandbox     {} (merchant {})",
        sandbox.base_url(),
        sandbox.mchid()
    );
    println!("   notify_url  {notify_url}");

    heading("2. JSAPI/小程序下单");
    let order = JsapiPrepayBody::new(
        APPID,
        sandbox.mchid(),
        "Image形象店-深圳腾大-QQ公仔",
        OUT_TRADE_NO,
        &notify_url,
        PrepayAmount::new(100).currency("CNY"),
        JsapiPayer::new(OPENID),
    );
    println!("   body        {}", serde_json::to_string(&order)?);
    let prepay = client.v3().pay().transactions().jsapi().post(order).await?;
    println!("   prepay_id   {}", prepay.prepay_id);

    heading("3. 调起支付: what the page hands to WeixinJSBridge / wx.requestPayment");
    let signer = PaySigner::new(MerchantPrivateKey::from_pem(
        sandbox.merchant_private_key_pem(),
    )?);
    let params = signer.jsapi(APPID, &prepay.prepay_id)?;
    println!(
        "   {}",
        serde_json::to_string_pretty(&params)?.replace('\n', "\n   ")
    );

    heading("4. The user pays; TRANSACTION.SUCCESS reaches the notify endpoint");
    sandbox.pay(OUT_TRADE_NO, None)?;
    let paid = next(&mut notifications).await?;
    let Some(transaction) = paid.transaction_success() else {
        return Err(Failed(format!(
            "expected a payment, got {}",
            paid.event_type
        )));
    };
    println!(
        "   received    {} ({}): order {} is {}, transaction_id {}",
        paid.event_type,
        paid.summary,
        transaction.out_trade_no,
        transaction.trade_state,
        transaction.transaction_id.as_deref().unwrap_or("?"),
    );
    let queried = client
        .v3()
        .pay()
        .transactions()
        .out_trade_no(OUT_TRADE_NO)
        .get(QueryOrderByOutTradeNoQuery::new(sandbox.mchid()))
        .await?;
    println!(
        "   queried     trade_state {}, paid at {}",
        queried.trade_state,
        queried.success_time.as_ref().map_or("?", |t| t.as_str())
    );

    heading("5. Refund 0.30 元 of 1.00 元");
    let mut refund = CreateRefundBody::new(OUT_REFUND_NO, RefundRequestAmount::new(30, 100, "CNY"));
    refund.out_trade_no = Some(OUT_TRADE_NO.to_owned());
    refund.notify_url = Some(notify_url.clone());
    let accepted = client
        .v3()
        .refund()
        .domestic()
        .refunds()
        .post(refund)
        .await?;
    println!(
        "   accepted    refund_id {}, status {}",
        accepted.refund_id, accepted.status
    );
    let done = next(&mut notifications).await?;
    let Some(resource) = done.refund_success() else {
        return Err(Failed(format!(
            "expected a refund, got {}",
            done.event_type
        )));
    };
    println!(
        "   received    {} ({}): {} to {}",
        done.event_type, done.summary, resource.amount.refund, resource.user_received_account
    );
    let settled = client
        .v3()
        .refund()
        .domestic()
        .refunds()
        .out_refund_no(OUT_REFUND_NO)
        .get()
        .await?;
    println!("   queried     refund status {}", settled.status);

    sandbox.shutdown().await;
    Ok(())
}

fn heading(title: &str) {
    println!("\n{title}");
}

/// The merchant's notify endpoint: every delivery verified, decrypted and typed by the client
/// crate's handler, answered as WeChat Pay expects, and handed over on the channel.
async fn notify_endpoint(
    sandbox: &Sandbox,
) -> Result<(String, mpsc::UnboundedReceiver<Received>), Failed> {
    let mut verifier = Verifier::new();
    verifier.add_public_key_pem(sandbox.public_key_id(), sandbox.public_key_pem())?;
    let handler = NotificationHandler::new(verifier, ApiV3Key::new(sandbox.api_v3_key())?);
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route("/wxpay/notify", axum::routing::post(receive))
        .with_state((std::sync::Arc::new(handler), tx));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/wxpay/notify", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, rx))
}

type EndpointState = (
    std::sync::Arc<NotificationHandler>,
    mpsc::UnboundedSender<Received>,
);

async fn receive(
    State((handler, tx)): State<EndpointState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let (status, answer) = match handler.handle_http(&headers, &body) {
        Ok(notification) => {
            let _ = tx.send(notification);
            NotificationHandler::success_response()
        }
        Err(e) => {
            eprintln!("   rejected    a notification: {e}");
            NotificationHandler::failure_response(&e)
        }
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        answer,
    )
}

async fn next(notifications: &mut mpsc::UnboundedReceiver<Received>) -> Result<Received, Failed> {
    match tokio::time::timeout(PATIENCE, notifications.recv()).await {
        Ok(Some(notification)) => Ok(notification),
        _ => Err(Failed(format!("no notification within {PATIENCE:?}"))),
    }
}

/// Why the example stopped; its `Debug` (what Rust prints when `main` fails) is the message.
struct Failed(String);

impl<E: std::fmt::Display> From<E> for Failed {
    fn from(e: E) -> Self {
        Failed(e.to_string())
    }
}

impl std::fmt::Debug for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
