//! The `coupon_use_receiver` example's endpoint (the code users copy), served on 127.0.0.1 and
//! fed by the sandbox's real `COUPON.USE` deliveries: it records the used coupon once and
//! acknowledges, records nothing of a delivery that fails verification, and acknowledges a
//! redelivery without recording twice.

#[path = "../examples/coupon_use_receiver/receiver.rs"]
mod receiver;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, HOST};
use axum::middleware::{self, Next};
use receiver::{NOTIFY_PATH, UsedCoupons};
use wechatpay_apiv3::Client;
use wechatpay_apiv3::api::{SendCouponBody, SetCallbackBody};
use wechatpay_apiv3::auth::ApiV3Key;
use wechatpay_apiv3::notify::NotificationHandler;
use wechatpay_sandbox::{DeliveryStatus, NotificationRecord, Sandbox, SandboxConfig};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";
/// Only guards against a hang if something is broken; no assertion depends on timing.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A delivery as it arrived: headers and body bytes.
type Delivery = (HeaderMap, Vec<u8>);

/// The example's endpoint on 127.0.0.1, set as the notify URL through the API, with every
/// request it receives kept for the test.
struct Merchant {
    sandbox: Sandbox,
    client: Client,
    used: UsedCoupons,
    url: String,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl Merchant {
    async fn start() -> Merchant {
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let client = sandbox.client_builder().build().unwrap();
        let handler = NotificationHandler::new(
            client.verifier(),
            ApiV3Key::new(sandbox.keys().api_v3_key()).unwrap(),
        );
        let used = UsedCoupons::default();
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&deliveries);
        let app = receiver::router(handler, used.clone()).layer(middleware::from_fn(
            move |request: Request, next: Next| {
                let kept = Arc::clone(&kept);
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = to_bytes(body, 1 << 20).await.unwrap();
                    kept.lock()
                        .unwrap()
                        .push((parts.headers.clone(), bytes.to_vec()));
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{NOTIFY_PATH}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        client
            .v3()
            .marketing()
            .favor()
            .callbacks()
            .post(SetCallbackBody::new(sandbox.mchid(), &url))
            .await
            .unwrap();
        Merchant {
            sandbox,
            client,
            used,
            url,
            deliveries,
        }
    }

    /// Sends a coupon, has the user use it, and waits until its notification settles.
    async fn use_coupon(&self, out_request_no: &str) -> (String, NotificationRecord) {
        let sent = self
            .client
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .post(SendCouponBody::new(
                "9856000",
                out_request_no,
                APPID,
                self.sandbox.mchid(),
            ))
            .await
            .unwrap();
        self.sandbox.consume(OPENID, &sent.coupon_id).unwrap();
        let notifier = self.sandbox.notifications();
        let id = notifier
            .notifications()
            .into_iter()
            .find(|n| n.subject == sent.coupon_id)
            .expect("a notification for the used coupon")
            .id;
        let settled = tokio::time::timeout(HANG_GUARD, notifier.wait_settled(&id))
            .await
            .expect("the delivery settles")
            .expect("the notification exists");
        (sent.coupon_id, settled)
    }

    /// POSTs a delivery to the endpoint again, as WeChat Pay does when it retries.
    async fn post(&self, (mut headers, body): Delivery) -> (u16, String) {
        // reqwest sets these for its own connection and body.
        headers.remove(HOST);
        headers.remove(CONTENT_LENGTH);
        let response = reqwest::Client::new()
            .post(&self.url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    fn last_delivery(&self) -> Delivery {
        self.deliveries.lock().unwrap().last().cloned().unwrap()
    }
}

#[tokio::test]
async fn used_coupon_is_recorded_once_and_acknowledged() {
    let merchant = Merchant::start().await;
    let (coupon_id, record) = merchant.use_coupon("receiver-1").await;

    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.attempts, 1, "acknowledged at the first attempt");
    assert_eq!(record.url.as_deref(), Some(&*merchant.url));
    let used = merchant.used.get(&coupon_id).expect("recorded");
    assert_eq!(used.notification_id, record.id);
    assert_eq!(used.stock_id, "9856000");
    let resource: serde_json::Value = serde_json::from_str(&record.resource).unwrap();
    assert_eq!(
        used.transaction_id.as_deref(),
        resource["consume_information"]["transaction_id"].as_str()
    );
    assert!(used.transaction_id.is_some());
    assert_eq!(merchant.used.count(), 1);
}

#[tokio::test]
async fn redelivery_is_acknowledged_and_not_recorded_twice() {
    let merchant = Merchant::start().await;
    let (coupon_id, _) = merchant.use_coupon("receiver-2").await;
    let first = merchant.used.get(&coupon_id).unwrap();

    let (status, body) = merchant.post(merchant.last_delivery()).await;
    assert_eq!((status, body.as_str()), (204, ""));
    assert_eq!(merchant.used.get(&coupon_id), Some(first));
    assert_eq!(merchant.used.count(), 1);
}

#[tokio::test]
async fn tampered_or_unsigned_delivery_is_refused_and_not_recorded() {
    let merchant = Merchant::start().await;
    // A genuine delivery to tamper with; its coupon is recorded, nothing else may be.
    merchant.use_coupon("receiver-3").await;
    let (headers, body) = merchant.last_delivery();

    // The same signed headers over a body with one digit of the notification ID changed.
    let text = String::from_utf8(body.clone()).unwrap();
    let envelope: serde_json::Value = serde_json::from_str(&text).unwrap();
    let id = envelope["id"].as_str().unwrap();
    let forged_id: String = id
        .chars()
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect();
    assert_ne!(forged_id, id);
    let forged = text.replace(id, &forged_id).into_bytes();
    let (status, answer) = merchant.post((headers.clone(), forged)).await;
    assert!((400..600).contains(&status), "{status}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["code"], "FAIL");

    // The genuine body without its signature headers.
    let (status, _) = merchant.post((HeaderMap::new(), body)).await;
    assert!((400..600).contains(&status), "{status}");

    assert_eq!(
        merchant.used.count(),
        1,
        "only the genuine delivery is recorded"
    );
}
