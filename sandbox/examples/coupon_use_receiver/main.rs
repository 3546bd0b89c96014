//! `cargo run -p wechatpay-sandbox --example coupon_use_receiver`: a merchant's axum endpoint
//! receives a `COUPON.USE` notification (代金券核销通知) from the sandbox, as it would from
//! WeChat Pay. `receiver.rs` is the endpoint to copy; this file plays everything around it:
//!
//! 1. starts the sandbox and a client for it;
//! 2. serves the endpoint on 127.0.0.1 and sets it as the notify URL through the API
//!    (设置消息通知地址, `POST /v3/marketing/favor/callbacks`), as a merchant does once;
//! 3. sends a coupon and has the sandbox mark it used, as if the user had paid with it: the
//!    sandbox delivers the signed, encrypted notification, retrying until acknowledged;
//! 4. prints what the endpoint recorded.
//!
//! `sandbox/tests/coupon_use_receiver.rs` runs the same endpoint in its tests.

mod receiver;

use std::error::Error;
use std::time::Duration;

use wechatpay_apiv3::api::{SendCouponBody, SetCallbackBody};
use wechatpay_apiv3::auth::ApiV3Key;
use wechatpay_apiv3::notify::NotificationHandler;
use wechatpay_sandbox::{DeliveryStatus, Sandbox, SandboxConfig};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";
/// The sandbox's everyday stock.
const STOCK: &str = "9856000";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // 1. The sandbox, and the merchant's client for it.
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let client = sandbox.client_builder().build()?;
    println!("sandbox   {}", sandbox.base_url());

    // 2. The merchant's server: the endpoint, with the keys it verifies and decrypts with.
    let handler = NotificationHandler::new(
        client.verifier(),
        ApiV3Key::new(sandbox.keys().api_v3_key())?,
    );
    let used = receiver::UsedCoupons::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let notify_url = format!("http://{}{}", listener.local_addr()?, receiver::NOTIFY_PATH);
    let app = receiver::router(handler, used.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let callback = SetCallbackBody::new(sandbox.mchid(), &notify_url);
    client
        .v3()
        .marketing()
        .favor()
        .callbacks()
        .post(callback)
        .await?;
    println!("notify    {notify_url}");

    // 3. A coupon, used by the user: the sandbox notifies the endpoint.
    let coupons = client.v3().marketing().favor().users(OPENID).coupons();
    let sent = coupons
        .post(SendCouponBody::new(
            STOCK,
            "receiver-0001",
            APPID,
            sandbox.mchid(),
        ))
        .await?;
    sandbox.consume(OPENID, &sent.coupon_id)?;
    let notification = sandbox
        .notifications()
        .notifications()
        .into_iter()
        .find(|n| n.subject == sent.coupon_id)
        .ok_or("the sandbox made no notification")?;
    let settled = tokio::time::timeout(
        Duration::from_secs(30),
        sandbox.notifications().wait_settled(&notification.id),
    )
    .await?
    .ok_or("the notification is gone")?;
    println!(
        "delivery  {} after {} attempt(s)",
        match settled.status {
            DeliveryStatus::Delivered => "acknowledged",
            _ => "NOT acknowledged",
        },
        settled.attempts
    );

    // 4. What the merchant's server recorded.
    let recorded = used
        .get(&sent.coupon_id)
        .ok_or("the endpoint recorded nothing")?;
    println!(
        "recorded  coupon {} of stock {}, paid in {}, notification {} ({} coupon(s) in all)",
        sent.coupon_id,
        recorded.stock_id,
        recorded.transaction_id.as_deref().unwrap_or("-"),
        recorded.notification_id,
        used.count()
    );
    Ok(())
}
