//! The call pipeline end to end (signing, verification, retries, timeouts, failover, target
//! checks) against the in-memory fake WeChat Pay of `support/`: a socket would add nothing
//! here. What needs one (the reqwest transport, proxies, the pool, oversized bodies) is in
//! `transport_tcp.rs`.
//!
//! Long on purpose: one test per behaviour of the pipeline, sharing the test operations and
//! helpers at the top; split by concern, they would repeat those.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use wechatpay_apiv3::auth::FixedNonce;
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{
    Call, Client, ClientBuilder, Error, HttpRequest, Method, Operation, OperationMeta, RetryPolicy,
};

use support::{
    BACKUP_URL, FakeWechatPay, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID, Reply, Signing,
    keys,
};

// ---------------------------------------------------------------------------------------------
// Test-local operations (the generated ones may not exist yet).

/// The decoded send-coupon answer; unknown fields must be tolerated.
#[derive(Debug, Deserialize, PartialEq)]
struct SentCoupon {
    coupon_id: String,
}

macro_rules! test_operation {
    ($(#[$doc:meta])* $name:ident -> $response:ty, $meta:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        struct $name {
            target: String,
            body: Option<Vec<u8>>,
        }

        impl Operation for $name {
            type Response = $response;
            const META: OperationMeta = $meta;

            fn build(&self) -> Result<HttpRequest, Error> {
                Ok(HttpRequest::new(
                    Self::META.method,
                    self.target.clone(),
                    self.body.clone(),
                ))
            }
        }
    };
}

test_operation!(
    /// Send coupon: a POST made idempotent by `out_request_no`.
    SendCoupon -> SentCoupon,
    OperationMeta::new("send_coupon", Method::Post, "/v3/marketing/favor/users/{openid}/coupons")
        .idempotent(true)
);

test_operation!(
    /// A GET (idempotent).
    ListCoupons -> serde_json::Value,
    OperationMeta::new("list_coupons", Method::Get, "/v3/marketing/favor/users/{openid}/coupons")
        .idempotent(true)
);

test_operation!(
    /// A POST without an idempotency key: never retried.
    CreateStock -> serde_json::Value,
    OperationMeta::new("create_stock", Method::Post, "/v3/marketing/favor/coupon-stocks")
);

test_operation!(
    /// A download whose response is not signed.
    Download -> serde_json::Value,
    OperationMeta::new("download", Method::Get, "/v3/billdownload/file")
        .idempotent(true)
        .signed_response(false)
);

const SEND_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";
const SEND_BODY: &str = r#"{"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000"}"#;
const LIST_TARGET: &str =
    "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx233544546545989";

fn send_coupon() -> SendCoupon {
    SendCoupon {
        target: SEND_TARGET.to_owned(),
        body: Some(SEND_BODY.as_bytes().to_vec()),
    }
}

fn list_coupons(target: &str) -> ListCoupons {
    ListCoupons {
        target: target.to_owned(),
        body: None,
    }
}

fn create_stock() -> CreateStock {
    CreateStock {
        target: "/v3/marketing/favor/coupon-stocks".to_owned(),
        body: Some(br#"{"stock_name":"test"}"#.to_vec()),
    }
}

/// Tiny backoffs so retries do not slow the tests down.
fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

/// A builder for the test merchant against `server`, verifying with the platform certificate.
fn builder(server: &FakeWechatPay) -> ClientBuilder {
    support::builder(server).retry(fast_retry())
}

fn client(server: &FakeWechatPay) -> Client {
    builder(server).build().expect("client builds")
}

fn assert_all_signed(server: &FakeWechatPay) {
    server.assert_all_signed();
}

// ---------------------------------------------------------------------------------------------
// Success paths.

#[tokio::test]
async fn post_is_signed_sent_verified_and_decoded() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, r#"{"coupon_id":"9867041"}"#)]);
    let client = client(&server);

    let sent = Call::new(&client, send_coupon())
        .await
        .expect("call succeeds");
    assert_eq!(sent.coupon_id, "9867041");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.auth, Ok(()));
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, SEND_TARGET);
    assert_eq!(request.body, SEND_BODY.as_bytes());
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("wechatpay-serial"), Some(PLATFORM_SERIAL));
    let ua = request.header("user-agent").unwrap_or_default();
    assert!(
        ua.starts_with(&format!(
            "wechatpay-apiv3-rust/{} (",
            env!("CARGO_PKG_VERSION")
        )),
        "{ua}"
    );
    assert!(ua.ends_with(") Rust"), "{ua}");
    assert!(
        request
            .authorization
            .starts_with("WECHATPAY2-SHA256-RSA2048 "),
        "{}",
        request.authorization
    );
    assert_eq!(request.nonce.len(), 32);
}

#[tokio::test]
async fn get_in_public_key_mode_has_no_content_type_and_names_the_key_id() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, r#"{"data":[],"total_count":0}"#)
        .signing(Signing::Serial(PUB_KEY_ID.into()))]);
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .public_key_pem(PUB_KEY_ID, &keys().platform_public_pem)
        .transport(server.clone())
        .build()
        .expect("client builds");

    let listed = Call::new(&client, list_coupons(LIST_TARGET))
        .await
        .expect("call succeeds");
    assert_eq!(listed["total_count"], 0);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].auth, Ok(()));
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].target, LIST_TARGET);
    assert!(requests[0].body.is_empty());
    assert_eq!(requests[0].header("content-type"), None);
    assert_eq!(requests[0].header("wechatpay-serial"), Some(PUB_KEY_ID));
}

#[tokio::test]
async fn certificate_and_public_key_are_accepted_side_by_side() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::ok(200, r#"{"coupon_id":"1"}"#),
        Reply::ok(200, r#"{"coupon_id":"2"}"#).signing(Signing::Serial(PUB_KEY_ID.into())),
    ]);
    let client = builder(&server)
        .public_key_pem(PUB_KEY_ID, &keys().platform_public_pem)
        .build()
        .expect("client builds");

    let first = Call::new(&client, send_coupon())
        .await
        .expect("cert-signed");
    let second = Call::new(&client, send_coupon()).await.expect("key-signed");
    assert_eq!(
        (first.coupon_id.as_str(), second.coupon_id.as_str()),
        ("1", "2")
    );
    // The public key is preferred in the request header (it steers the gray switch).
    assert_eq!(
        server.requests()[0].header("wechatpay-serial"),
        Some(PUB_KEY_ID)
    );
}

#[tokio::test]
async fn unknown_response_fields_are_accepted() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(
        200,
        r#"{"coupon_id":"42","brand_new_field":{"nested":[1,2,3]},"another":null}"#,
    )]);
    let client = client(&server);
    let sent = Call::new(&client, send_coupon())
        .await
        .expect("call succeeds");
    assert_eq!(sent.coupon_id, "42");
}

#[tokio::test]
async fn empty_204_is_verified_and_decoded() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(204, "")]);
    let client = client(&server);
    let value = Call::new(&client, list_coupons(LIST_TARGET))
        .await
        .expect("call succeeds");
    assert_eq!(value, serde_json::Value::Null);
}

#[tokio::test]
async fn unsigned_operation_skips_verification() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, r#"{"file":"x"}"#).signing(Signing::Unsigned)]);
    let client = client(&server);
    let op = Download {
        target: "/v3/billdownload/file?token=abc".to_owned(),
        body: None,
    };
    let value = Call::new(&client, op).await.expect("not verified");
    assert_eq!(value["file"], "x");
}

#[tokio::test]
async fn injected_nonce_is_used() {
    let server = FakeWechatPay::new();
    let client = builder(&server)
        .nonce_source(Arc::new(FixedNonce(
            "593BEC0C930BF1AFEB40B4A08C8FB242".into(),
        )))
        .build()
        .expect("client builds");
    Call::new(&client, list_coupons(LIST_TARGET))
        .await
        .expect("call succeeds");
    let requests = server.requests();
    assert_eq!(requests[0].auth, Ok(()));
    assert_eq!(requests[0].nonce, "593BEC0C930BF1AFEB40B4A08C8FB242");
}

// ---------------------------------------------------------------------------------------------
// Verification failures: rejected, body never returned, never retried.

async fn expect_verification_failure(signing: Signing, body: &str) -> (VerificationError, String) {
    let server = FakeWechatPay::new();
    let reply = Reply::ok(200, body).signing(signing);
    let request_id = reply.request_id.clone();
    server.script([reply]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("verification must fail");
    assert_eq!(
        server.requests().len(),
        1,
        "verification failures are not retried"
    );
    assert_all_signed(&server);
    assert!(!err.is_retryable());
    match err {
        Error::Verification {
            kind,
            request_id: got,
        } => {
            assert_eq!(got.as_deref(), Some(request_id.as_str()));
            (kind, request_id)
        }
        other => panic!("expected a verification error, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_signature_header_is_rejected() {
    for header in [
        "Wechatpay-Signature",
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Serial",
    ] {
        let (kind, _) =
            expect_verification_failure(Signing::Omit(header), r#"{"coupon_id":"1"}"#).await;
        assert_eq!(kind, VerificationError::MissingHeader(header));
    }
}

#[tokio::test]
async fn wholly_unsigned_2xx_is_rejected() {
    let (kind, _) = expect_verification_failure(Signing::Unsigned, r#"{"coupon_id":"1"}"#).await;
    assert!(
        matches!(kind, VerificationError::MissingHeader(_)),
        "{kind:?}"
    );
}

#[tokio::test]
async fn unknown_serial_is_rejected() {
    let (kind, _) = expect_verification_failure(
        Signing::Serial("PUB_KEY_ID_0000000000000000000000000099".into()),
        r#"{"coupon_id":"1"}"#,
    )
    .await;
    assert_eq!(
        kind,
        VerificationError::UnknownSerial("PUB_KEY_ID_0000000000000000000000000099".into())
    );
}

#[tokio::test]
async fn tampered_body_is_rejected() {
    let (kind, _) =
        expect_verification_failure(Signing::TamperBody, r#"{"coupon_id":"100"}"#).await;
    assert_eq!(
        kind,
        VerificationError::BadSignature {
            serial: PLATFORM_SERIAL.into()
        }
    );
}

#[tokio::test]
async fn stale_timestamp_is_rejected() {
    for offset in [-301, -3600, 301] {
        let (kind, _) =
            expect_verification_failure(Signing::TimestampOffset(offset), r#"{"coupon_id":"1"}"#)
                .await;
        assert!(
            matches!(kind, VerificationError::StaleTimestamp { .. }),
            "offset {offset}: {kind:?}"
        );
    }
}

#[tokio::test]
async fn verification_error_never_carries_the_body() {
    let secret_body = r#"{"coupon_id":"100","openid":"SHOULD-NOT-LEAK"}"#;
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, secret_body).signing(Signing::TamperBody)]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("rejected");
    assert!(
        !format!("{err} {err:?}").contains("SHOULD-NOT-LEAK"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Retries.

#[tokio::test]
async fn idempotent_post_is_resent_with_identical_bytes_and_a_fresh_signature() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#),
        Reply::ok(200, r#"{"coupon_id":"9867041"}"#),
    ]);
    let client = client(&server);

    let sent = Call::new(&client, send_coupon())
        .await
        .expect("second attempt succeeds");
    assert_eq!(sent.coupon_id, "9867041");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_all_signed(&server);
    assert_eq!(requests[0].body, SEND_BODY.as_bytes());
    assert_eq!(requests[0].body, requests[1].body, "byte-identical bodies");
    assert_eq!(requests[0].target, requests[1].target);
    assert_ne!(
        requests[0].nonce, requests[1].nonce,
        "fresh nonce per attempt"
    );
    assert_ne!(requests[0].signature, requests[1].signature);
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(503, r#"{"code":"SYSTEM_ERROR","message":"a"}"#),
        Reply::error(503, r#"{"code":"SYSTEM_ERROR","message":"b"}"#),
        Reply::error(503, r#"{"code":"SYSTEM_ERROR","message":"c"}"#),
        Reply::ok(200, r#"{"coupon_id":"never"}"#),
    ]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("gives up");
    let api = err.as_api().expect("api error");
    assert_eq!(api.status, 503);
    assert_eq!(api.message.as_deref(), Some("c"));
    assert_eq!(server.requests().len(), 3);
    assert_all_signed(&server);
}

#[tokio::test]
async fn per_call_retry_policy_overrides_the_client() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"a"}"#),
        Reply::ok(200, r#"{"coupon_id":"never"}"#),
    ]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .retry(RetryPolicy::none())
        .await
        .expect_err("no retry");
    assert_eq!(err.as_api().map(|a| a.status), Some(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn business_400_is_not_retried_and_is_fully_reported() {
    let server = FakeWechatPay::new();
    let reply = Reply::error(
        400,
        r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/stock_id","value":"x","issue":"must be digits","location":"body"}}"#,
    );
    let request_id = reply.request_id.clone();
    server.script([reply]);
    let client = client(&server);

    let err = Call::new(&client, send_coupon()).await.expect_err("400");
    assert!(!err.is_retryable());
    assert_eq!(err.request_id(), Some(request_id.as_str()));
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}");
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.code_str(), Some("PARAM_ERROR"));
    assert_eq!(api.message.as_deref(), Some("参数错误"));
    let detail = api.detail.as_ref().expect("detail");
    assert_eq!(detail.field.as_deref(), Some("/stock_id"));
    assert_eq!(detail.location.as_deref(), Some("body"));
    assert_eq!(detail.issue.as_deref(), Some("must be digits"));
    assert_eq!(api.request_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn non_idempotent_post_is_not_retried_on_500() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#),
        Reply::ok(200, "{}"),
    ]);
    let client = client(&server);
    let err = Call::new(&client, create_stock()).await.expect_err("500");
    assert_eq!(err.as_api().map(|a| a.status), Some(500));
    assert!(
        err.is_retryable(),
        "retryable in itself, but the operation is not idempotent"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn rate_limited_429_is_retried() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(429, r#"{"code":"FREQUENCY_LIMITED","message":"频率超限"}"#)
            .header("Retry-After", "0"),
        Reply::error(429, r#"{"code":"FREQUENCY_LIMITED","message":"频率超限"}"#),
        Reply::ok(200, r#"{"coupon_id":"1"}"#),
    ]);
    let client = client(&server);
    let sent = Call::new(&client, send_coupon())
        .await
        .expect("third attempt succeeds");
    assert_eq!(sent.coupon_id, "1");
    assert_eq!(server.requests().len(), 3);
    assert_all_signed(&server);
}

#[tokio::test]
async fn non_json_502_is_an_api_error_with_its_status() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::error(502, "<html><body>502 Bad Gateway</body></html>")
            .header("Content-Type", "text/html"),
    ]);
    let client = client(&server);
    let err = Call::new(&client, list_coupons(LIST_TARGET))
        .retry(RetryPolicy::none())
        .await
        .expect_err("502");
    let api = err.as_api().expect("api error");
    assert_eq!(api.status, 502);
    assert_eq!(api.code(), None);
    assert!(
        api.raw_excerpt
            .as_deref()
            .is_some_and(|e| e.contains("502 Bad Gateway")),
        "{api:?}"
    );
}

#[tokio::test]
async fn signed_but_truncated_json_is_a_decode_error() {
    let server = FakeWechatPay::new();
    let reply = Reply::ok(200, r#"{"coupon_id":"98670"#);
    let request_id = reply.request_id.clone();
    server.script([reply]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("truncated");
    match err {
        Error::Decode {
            request_id: got, ..
        } => assert_eq!(got.as_deref(), Some(request_id.as_str())),
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "decode errors are not retried");
}

// ---------------------------------------------------------------------------------------------
// Transport: timeouts, broken bodies, connect failures and failover.

#[tokio::test]
async fn slow_server_gives_a_timeout() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, r#"{"coupon_id":"late"}"#).delay(Duration::from_secs(30))]);
    let client = client(&server);
    let err = Call::new(&client, send_coupon())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .await
        .expect_err("times out");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn client_default_timeout_applies() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, "{}").delay(Duration::from_secs(30))]);
    let client = builder(&server)
        .timeout(Duration::from_millis(150))
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let err = Call::new(&client, create_stock())
        .await
        .expect_err("times out");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(150)),
        "{err:?}"
    );
}

#[tokio::test]
async fn timed_out_idempotent_call_is_retried() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::ok(200, r#"{"coupon_id":"late"}"#).delay(Duration::from_secs(30)),
        Reply::ok(200, r#"{"coupon_id":"on-time"}"#),
    ]);
    let client = client(&server);
    let sent = Call::new(&client, send_coupon())
        .timeout(Duration::from_secs(2))
        .await
        .expect("second attempt succeeds");
    assert_eq!(sent.coupon_id, "on-time");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
}

#[tokio::test]
async fn body_cut_off_midway_is_a_transport_error_with_its_cause() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(200, r#"{"coupon_id":"9867041"}"#).broken_after(12)]);
    let client = builder(&server)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("cut off");
    assert!(
        matches!(err, Error::Transport { connect: false, .. }),
        "{err:?}"
    );
    assert!(err.is_outcome_unknown());
    let cause = std::error::Error::source(&err).expect("a cause");
    assert_eq!(
        cause
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind),
        Some(std::io::ErrorKind::ConnectionReset),
        "{err:#}"
    );
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_without_failover() {
    let server = FakeWechatPay::new();
    server.refuse("api.mch.weixin.qq.com");
    let client = builder(&server)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("refused");
    assert!(
        matches!(err, Error::Transport { connect: true, .. }),
        "{err:?}"
    );
    assert!(!err.is_outcome_unknown());
    let message = format!("{err:#}");
    assert!(
        message.contains("cannot connect to api.mch.weixin.qq.com"),
        "{message}"
    );
    assert!(!message.contains("PRIVATE KEY"), "{message}");
    assert!(!message.contains("WECHATPAY2-SHA256-RSA2048"), "{message}");
}

#[tokio::test]
async fn refused_connection_fails_over_to_the_backup_host() {
    let server = FakeWechatPay::new();
    server.refuse("api.mch.weixin.qq.com");
    server.script([
        Reply::ok(200, r#"{"coupon_id":"from-backup"}"#),
        Reply::ok(200, r#"{"stock_id":"from-backup"}"#),
    ]);
    let client = builder(&server)
        .failover(true)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    assert_eq!(client.backup_base_url(), Some(BACKUP_URL));

    let sent = Call::new(&client, send_coupon())
        .await
        .expect("backup answers");
    assert_eq!(sent.coupon_id, "from-backup");
    // Nothing reached the primary host, so even a non-idempotent call may fail over.
    let created = Call::new(&client, create_stock())
        .await
        .expect("backup answers");
    assert_eq!(created["stock_id"], "from-backup");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_all_signed(&server);
    assert!(
        requests.iter().all(|r| r.host == "api2.mch.weixin.qq.com"),
        "{requests:?}"
    );
    assert_eq!(requests[0].target, SEND_TARGET);
    assert_eq!(requests[0].body, SEND_BODY.as_bytes());
}

#[tokio::test]
async fn failover_to_an_unreachable_backup_reports_both_hosts() {
    let server = FakeWechatPay::new();
    server.refuse("api.mch.weixin.qq.com");
    server.refuse("api2.mch.weixin.qq.com");
    let client = builder(&server)
        .failover(true)
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("both refused");
    let Error::Transport {
        message, connect, ..
    } = &err
    else {
        panic!("expected a transport error, got {err:?}");
    };
    assert!(connect);
    assert!(message.contains("api.mch.weixin.qq.com"), "{message}");
    assert!(message.contains("api2.mch.weixin.qq.com"), "{message}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn failover_does_not_apply_to_http_errors() {
    let server = FakeWechatPay::new();
    server.script([Reply::error(
        500,
        r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
    )]);
    let client = builder(&server)
        .failover(true)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon()).await.expect_err("500");
    assert_eq!(err.as_api().map(|a| a.status), Some(500));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].host, "api.mch.weixin.qq.com");
}

// ---------------------------------------------------------------------------------------------
// The request-target is sent exactly as signed.

#[tokio::test]
async fn percent_encoded_target_arrives_byte_identical() {
    let server = FakeWechatPay::new();
    let target = "/v3/marketing/favor/users/o%2FUpF8%27uM/coupons?stock_id=a%27b%2Fc&creator_mchid=9856000&offset=0&limit=20";
    let client = client(&server);
    Call::new(&client, list_coupons(target))
        .await
        .expect("call succeeds");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, target);
    assert_eq!(requests[0].auth, Ok(()));
}

#[tokio::test]
async fn target_the_url_parser_would_rewrite_is_refused_before_sending() {
    let server = FakeWechatPay::new();
    let client = client(&server);
    for target in [
        "/v3/marketing/favor/users/o/coupons?stock_id=a'b",
        "/v3/marketing/favor/users/o b/coupons",
        "/v3/marketing/favor/../x",
        "v3/no-leading-slash",
    ] {
        let err = Call::new(&client, list_coupons(target))
            .await
            .expect_err(target);
        assert!(
            matches!(err, Error::InvalidRequest { .. }),
            "{target}: {err:?}"
        );
    }
    assert!(server.requests().is_empty());
}
