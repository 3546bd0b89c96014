//! `COUPON.USE` notifications from the sandbox to a merchant receiver: a tiny axum server that
//! hands the raw headers and body to the client crate's `NotificationHandler`, as a merchant's
//! web server would. Delivery, verification, decryption, retries until acknowledged, the
//! bounded schedule, and replay protection.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{Harness, keys, send_body};
use wechatpay_apiv3::api::{CouponStatus, NotificationResource};
use wechatpay_apiv3::auth::{ApiV3Key, FixedClock, Verifier};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::notify::{Notification, NotificationHandler, NotifyError};
use wechatpay_sandbox::{
    AttemptOutcome, DeliveryStatus, NotificationRecord, ResponseSigning, RetrySchedule, Sandbox,
    SandboxConfig, SandboxKeys,
};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
/// Only guards against a hang if something is broken; no assertion depends on timing.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// What the receiver saw in one request.
struct Received {
    headers: HeaderMap,
    body: Bytes,
    result: Result<Notification<NotificationResource>, NotifyError>,
    answered: u16,
}

struct ReceiverState {
    handler: NotificationHandler,
    /// Statuses to answer valid notifications with, in order; `204` once used up.
    script: Mutex<VecDeque<u16>>,
    /// Answer every valid notification with this status instead (never acknowledge).
    always: Option<u16>,
    received: Mutex<Vec<Received>>,
}

/// A merchant's notify endpoint on 127.0.0.1.
struct Receiver {
    url: String,
    state: Arc<ReceiverState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(handler: NotificationHandler, script: &[u16], always: Option<u16>) -> Receiver {
        let state = Arc::new(ReceiverState {
            handler,
            script: Mutex::new(script.iter().copied().collect()),
            always,
            received: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/wxpay/notify", axum::routing::post(receive))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/wxpay/notify"),
            state,
            task,
        }
    }

    fn count(&self) -> usize {
        self.state.received.lock().unwrap().len()
    }

    /// The notification IDs of the valid notifications received, in order.
    fn ids(&self) -> Vec<String> {
        self.state
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|r| match &r.result {
                Ok(notification) => notification.id.clone(),
                Err(e) => panic!("the receiver rejected a delivery: {e}"),
            })
            .collect()
    }
}

/// The merchant's handler: raw headers and body in, an answer for WeChat Pay out.
async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let result = state.handler.handle_http(&headers, &body);
    let (status, answer) = match &result {
        Err(e) => NotificationHandler::failure_response(e),
        Ok(_) => match state
            .always
            .or_else(|| state.script.lock().unwrap().pop_front())
        {
            Some(status) if !(200..300).contains(&status) => (
                status,
                br#"{"code":"FAIL","message":"try again later"}"#.to_vec(),
            ),
            _ => NotificationHandler::success_response(),
        },
    };
    state.received.lock().unwrap().push(Received {
        headers,
        body,
        result,
        answered: status,
    });
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        answer,
    )
}

/// The handler a merchant of this sandbox configures: the WeChat Pay public key and the
/// platform certificate, and the APIv3 key.
fn merchant_handler(keys: &SandboxKeys) -> NotificationHandler {
    let mut verifier = Verifier::new();
    verifier
        .add_public_key_pem(keys.public_key_id(), keys.public_key_pem())
        .unwrap();
    verifier
        .add_platform_certificate_pem(keys.platform_certificate_pem())
        .unwrap();
    NotificationHandler::new(verifier, ApiV3Key::new(keys.api_v3_key()).unwrap())
}

fn quick(attempts: usize) -> RetrySchedule {
    RetrySchedule::fixed(Duration::from_millis(10), attempts)
}

async fn sandbox_with(config: SandboxConfig) -> Harness {
    Harness::with(config).await
}

/// Sends a coupon of the seeded stock 9856000 through the API and returns its ID.
async fn send_coupon(harness: &Harness, out_request_no: &str) -> String {
    let resp = harness
        .send_coupon(
            OPENID,
            &send_body("9856000", out_request_no, harness.sandbox.mchid()),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    resp.json()["coupon_id"].as_str().unwrap().to_owned()
}

fn record_of(sandbox: &Sandbox, coupon_id: &str) -> NotificationRecord {
    sandbox
        .notifications()
        .notifications()
        .into_iter()
        .find(|n| n.subject == coupon_id)
        .unwrap_or_else(|| panic!("no notification for coupon {coupon_id}"))
}

async fn settled(sandbox: &Sandbox, coupon_id: &str) -> NotificationRecord {
    let id = record_of(sandbox, coupon_id).id;
    tokio::time::timeout(HANG_GUARD, sandbox.notifications().wait_settled(&id))
        .await
        .expect("the delivery settles")
        .expect("the notification exists")
}

#[tokio::test]
async fn consumed_coupon_is_notified_verified_and_decrypted() {
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(3))).await;
    let sandbox = &harness.sandbox;
    let receiver = Receiver::start(merchant_handler(sandbox.keys()), &[], None).await;
    sandbox.set_notify_url(Some(&receiver.url)).unwrap();
    assert_eq!(
        sandbox.notifications().url().as_deref(),
        Some(&*receiver.url)
    );

    let coupon_id = send_coupon(&harness, "notify-1").await;
    let used = sandbox.consume(OPENID, &coupon_id).unwrap();
    let record = settled(sandbox, &coupon_id).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.attempts, 1);
    assert_eq!(record.event_type, "COUPON.USE");
    assert_eq!(record.url.as_deref(), Some(&*receiver.url));

    let received = receiver.state.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    let delivery = &received[0];
    assert_eq!(delivery.answered, 204);
    let notification = delivery.result.as_ref().expect("verifies and decrypts");
    assert_eq!(notification.id, record.id);
    assert_eq!(notification.event_type, "COUPON.USE");
    assert_eq!(notification.resource_type, "encrypt-resource");
    assert_eq!(notification.summary, "代金券核销通知");
    assert_eq!(notification.original_type, "coupon");
    assert!(
        notification.create_time.ends_with("+08:00"),
        "{}",
        notification.create_time
    );
    assert!(notification.create_time_parsed().is_some());
    let coupon = notification.coupon_use().expect("a CouponUse resource");
    assert_eq!(coupon.coupon_id, coupon_id);
    assert_eq!(coupon.stock_id, "9856000");
    assert_eq!(coupon.stock_creator_mchid, sandbox.mchid());
    assert_eq!(coupon.status, Some(CouponStatus::Used));
    assert_eq!(coupon.consume_information, used.consume_information);
    assert!(
        coupon
            .consume_information
            .as_ref()
            .and_then(|c| c.transaction_id.as_ref())
            .is_some()
    );
    assert_eq!(
        coupon.normal_coupon_information,
        used.normal_coupon_information
    );

    // The envelope and headers as reference C describes them.
    assert_eq!(delivery.body, record.body.as_bytes());
    let envelope: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
    let id = envelope["id"].as_str().unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(id.matches('-').count(), 4, "{id}");
    let resource = &envelope["resource"];
    assert_eq!(resource["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(resource["associated_data"], "coupon");
    let nonce = resource["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 12);
    assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
    let header = |name: &str| delivery.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("wechatpay-serial"), Some(sandbox.public_key_id()));
    assert_eq!(
        header("wechatpay-signature-type"),
        Some("WECHATPAY2-SHA256-RSA2048")
    );
    assert!(header("request-id").is_some());
    assert_eq!(header("wechatpay-nonce").map(str::len), Some(32));

    // The decrypted resource is what the sandbox recorded.
    let recorded: serde_json::Value = serde_json::from_str(&record.resource).unwrap();
    assert_eq!(recorded["coupon_id"], coupon_id.as_str());

    // The delivery log.
    let attempts = sandbox.notifications().attempts();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].notification_id, record.id);
    assert_eq!(attempts[0].attempt, 1);
    assert_eq!(
        attempts[0].outcome,
        AttemptOutcome::Acknowledged { status: 204 }
    );
}

#[tokio::test]
async fn stored_notification_replayed_later_is_rejected() {
    // D.3: the same headers and body, handed to the handler ten minutes later.
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(1))).await;
    let sandbox = &harness.sandbox;
    let receiver = Receiver::start(merchant_handler(sandbox.keys()), &[], None).await;
    sandbox.set_notify_url(Some(&receiver.url)).unwrap();
    let coupon_id = send_coupon(&harness, "notify-replay").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    assert_eq!(
        settled(sandbox, &coupon_id).await.status,
        DeliveryStatus::Delivered
    );

    let received = receiver.state.received.lock().unwrap();
    let delivery = &received[0];
    assert!(delivery.result.is_ok());
    let timestamp: i64 = delivery.headers["wechatpay-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let later = merchant_handler(sandbox.keys()).with_clock(Arc::new(FixedClock(timestamp + 600)));
    let err = later
        .handle_http(&delivery.headers, &delivery.body)
        .unwrap_err();
    assert_eq!(
        err,
        NotifyError::Verification(VerificationError::StaleTimestamp {
            timestamp,
            skew_secs: 600
        })
    );
    assert_eq!(NotificationHandler::failure_response(&err).0, 401);
    // A merchant with another APIv3 key verifies but cannot decrypt.
    let mut verifier = Verifier::new();
    verifier
        .add_public_key_pem(sandbox.public_key_id(), sandbox.public_key_pem())
        .unwrap();
    let wrong_key = NotificationHandler::new(
        verifier,
        ApiV3Key::new(*b"ffffffffffffffffffffffffffffffff").unwrap(),
    )
    .with_clock(Arc::new(FixedClock(timestamp)));
    assert!(matches!(
        wrong_key.handle_http(&delivery.headers, &delivery.body),
        Err(NotifyError::Decryption(_))
    ));
}

#[tokio::test]
async fn unacknowledged_notification_is_resent_until_acknowledged() {
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(5))).await;
    let sandbox = &harness.sandbox;
    // 500, 500, then 204.
    let receiver = Receiver::start(merchant_handler(sandbox.keys()), &[500, 500], None).await;
    sandbox.set_notify_url(Some(&receiver.url)).unwrap();

    let coupon_id = send_coupon(&harness, "notify-retry").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    let record = settled(sandbox, &coupon_id).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(record.attempts, 3);

    // Three deliveries of the same notification, each verifying on its own (fresh signature).
    let ids = receiver.ids();
    assert_eq!(ids, vec![record.id.clone(); 3]);
    let answered: Vec<u16> = receiver
        .state
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.answered)
        .collect();
    assert_eq!(answered, [500, 500, 204]);
    let outcomes: Vec<AttemptOutcome> = sandbox
        .notifications()
        .attempts()
        .into_iter()
        .filter(|a| a.notification_id == record.id)
        .map(|a| a.outcome)
        .collect();
    assert!(matches!(
        outcomes.as_slice(),
        [
            AttemptOutcome::Rejected { status: 500, .. },
            AttemptOutcome::Rejected { status: 500, .. },
            AttemptOutcome::Acknowledged { status: 204 }
        ]
    ));
    if let AttemptOutcome::Rejected { body, .. } = &outcomes[0] {
        assert!(body.contains("FAIL"), "{body}");
    }

    // And then none: the delivery is over. A second coupon's notification goes through
    // completely, and the first one still has exactly three deliveries.
    let second = send_coupon(&harness, "notify-retry-2").await;
    sandbox.consume(OPENID, &second).unwrap();
    let second = settled(sandbox, &second).await;
    assert_eq!(second.attempts, 1);
    assert_ne!(second.id, record.id);
    let ids = receiver.ids();
    assert_eq!(ids.iter().filter(|id| **id == record.id).count(), 3);
    assert_eq!(ids.len(), 4);
    assert_eq!(
        sandbox.notifications().notification(&record.id).unwrap(),
        record
    );
}

#[tokio::test]
async fn delivery_stops_after_the_bounded_attempts() {
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(4))).await;
    let sandbox = &harness.sandbox;
    let receiver = Receiver::start(merchant_handler(sandbox.keys()), &[], Some(503)).await;
    sandbox.set_notify_url(Some(&receiver.url)).unwrap();

    let coupon_id = send_coupon(&harness, "notify-never").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    let record = settled(sandbox, &coupon_id).await;
    assert_eq!(record.status, DeliveryStatus::GaveUp);
    assert_eq!(record.attempts, 4);
    assert_eq!(receiver.ids(), vec![record.id.clone(); 4]);
    assert_eq!(sandbox.notifications().attempts().len(), 4);

    // An unreachable receiver: connection failures count as failed attempts too.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_url = format!("http://{}/notify", closed.local_addr().unwrap());
    drop(closed);
    sandbox.set_notify_url(Some(&dead_url)).unwrap();
    let coupon_id = send_coupon(&harness, "notify-dead").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    let dead = settled(sandbox, &coupon_id).await;
    assert_eq!(dead.status, DeliveryStatus::GaveUp);
    assert_eq!(dead.attempts, 4);
    assert!(
        sandbox
            .notifications()
            .attempts()
            .iter()
            .filter(|a| a.notification_id == dead.id)
            .all(|a| matches!(a.outcome, AttemptOutcome::Failed { .. }) && a.url == dead_url)
    );
    // The first receiver got nothing more.
    assert_eq!(receiver.count(), 4);
}

#[tokio::test]
async fn without_a_notify_url_nothing_is_sent() {
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(2))).await;
    let sandbox = &harness.sandbox;
    assert_eq!(sandbox.notifications().url(), None);
    let coupon_id = send_coupon(&harness, "notify-none").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    let record = record_of(sandbox, &coupon_id);
    assert_eq!(record.status, DeliveryStatus::NoUrl);
    assert_eq!(record.url, None);
    assert!(sandbox.notifications().attempts().is_empty());

    assert!(sandbox.set_notify_url(Some("not a url")).is_err());
    assert!(sandbox.set_notify_url(Some("ftp://127.0.0.1/x")).is_err());
    assert!(
        sandbox
            .set_notify_url(Some("http://127.0.0.1:9/notify"))
            .is_ok()
    );
    sandbox.set_notify_url(None).unwrap();
    assert_eq!(sandbox.notifications().url(), None);
    // A bad URL in the configuration fails the start.
    assert!(
        Sandbox::start(SandboxConfig::with_keys(keys()).notify_url("nowhere"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn admin_consume_and_configured_url_in_platform_certificate_mode() {
    // The URL from the configuration, signatures under the platform certificate serial, and
    // the unauthenticated admin endpoint as the trigger.
    let receiver = Receiver::start(merchant_handler(&keys()), &[], None).await;
    let harness = sandbox_with(
        SandboxConfig::with_keys(keys())
            .response_signing(ResponseSigning::PlatformCertificate)
            .notify_url(&receiver.url)
            .notify_retries(quick(3)),
    )
    .await;
    let sandbox = &harness.sandbox;
    assert_eq!(
        sandbox.notifications().url().as_deref(),
        Some(&*receiver.url)
    );
    assert_eq!(sandbox.notifications().serial(), sandbox.platform_serial());

    let coupon_id = send_coupon(&harness, "notify-admin").await;
    let resp = harness
        .send(
            "POST",
            "/sandbox/coupons/consume",
            Some(&serde_json::json!({"openid": OPENID, "coupon_id": coupon_id}).to_string()),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let record = settled(sandbox, &coupon_id).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    let received = receiver.state.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(
        received[0]
            .headers
            .get("wechatpay-serial")
            .and_then(|v| v.to_str().ok()),
        Some(sandbox.platform_serial())
    );
    let notification = received[0].result.as_ref().unwrap();
    assert_eq!(notification.coupon_use().unwrap().coupon_id, coupon_id);

    // Using the coupon again is refused and notifies nothing.
    assert!(sandbox.consume(OPENID, &coupon_id).is_err());
    assert_eq!(sandbox.notifications().notifications().len(), 1);
}

#[tokio::test]
async fn notify_url_set_through_the_callbacks_api() {
    // `POST /v3/marketing/favor/callbacks`, signed like any API call, points the
    // notifications at the receiver; `switch: false` stops them.
    let harness = sandbox_with(SandboxConfig::with_keys(keys()).notify_retries(quick(3))).await;
    let sandbox = &harness.sandbox;
    let receiver = Receiver::start(merchant_handler(sandbox.keys()), &[], None).await;
    let set = |switch: bool| {
        serde_json::json!({
            "mchid": sandbox.mchid(),
            "notify_url": receiver.url,
            "switch": switch,
        })
        .to_string()
    };
    let resp = harness
        .call("POST", "/v3/marketing/favor/callbacks", Some(&set(true)))
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(
        sandbox.notifications().url().as_deref(),
        Some(&*receiver.url)
    );

    let coupon_id = send_coupon(&harness, "notify-api").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    let record = settled(sandbox, &coupon_id).await;
    assert_eq!(record.status, DeliveryStatus::Delivered);
    assert_eq!(receiver.ids(), std::slice::from_ref(&record.id));
    let delivered = receiver.state.received.lock().unwrap()[0]
        .result
        .as_ref()
        .map(|n| n.coupon_use().map(|c| c.coupon_id.clone()))
        .unwrap();
    assert_eq!(delivered, Some(coupon_id));

    let resp = harness
        .call("POST", "/v3/marketing/favor/callbacks", Some(&set(false)))
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(sandbox.notifications().url(), None);
    let coupon_id = send_coupon(&harness, "notify-api-off").await;
    sandbox.consume(OPENID, &coupon_id).unwrap();
    assert_eq!(record_of(sandbox, &coupon_id).status, DeliveryStatus::NoUrl);
    assert_eq!(receiver.count(), 1);

    // The direct setter and the API agree on the URL.
    sandbox
        .set_notify_url(Some("http://127.0.0.1:9/direct"))
        .unwrap();
    let query = format!("/v3/marketing/favor/callbacks?mchid={}", sandbox.mchid());
    let resp = harness.call("GET", &query, None).await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    assert_eq!(resp.json()["notify_url"], "http://127.0.0.1:9/direct");
}
