//! End-to-end tests of the client runtime (signing, transport, verification, retries, failover)
//! against a local APIv3 test server over real TCP on 127.0.0.1.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay_apiv3::auth::FixedNonce;
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{
    Call, Client, ClientBuilder, Error, HttpRequest, Method, Operation, OperationMeta, RetryPolicy,
};

use support::{
    MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID, Reply, Signing, TestServer,
    closed_port_url, keys,
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
                Ok(HttpRequest {
                    method: Self::META.method,
                    path_and_query: self.target.clone(),
                    body: self.body.clone(),
                })
            }
        }
    };
}

test_operation!(
    /// Send coupon: a POST made idempotent by `out_request_no`.
    SendCoupon -> SentCoupon,
    OperationMeta {
        id: "send_coupon",
        method: Method::Post,
        path_template: "/v3/marketing/favor/users/{openid}/coupons",
        idempotent: true,
        signed_response: true,
    }
);

test_operation!(
    /// A GET (idempotent).
    ListCoupons -> serde_json::Value,
    OperationMeta {
        id: "list_coupons",
        method: Method::Get,
        path_template: "/v3/marketing/favor/users/{openid}/coupons",
        idempotent: true,
        signed_response: true,
    }
);

test_operation!(
    /// A POST without an idempotency key: never retried.
    CreateStock -> serde_json::Value,
    OperationMeta {
        id: "create_stock",
        method: Method::Post,
        path_template: "/v3/marketing/favor/coupon-stocks",
        idempotent: false,
        signed_response: true,
    }
);

test_operation!(
    /// A download whose response is not signed.
    Download -> serde_json::Value,
    OperationMeta {
        id: "download",
        method: Method::Get,
        path_template: "/v3/billdownload/file",
        idempotent: true,
        signed_response: false,
    }
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

/// A builder for the test merchant, verifying with the platform certificate.
fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .base_url(base_url)
        .retry(fast_retry())
}

fn client(server: &TestServer) -> Client {
    builder(&server.base_url()).build().expect("client builds")
}

fn assert_all_signed(server: &TestServer) {
    for request in server.requests() {
        assert_eq!(
            request.auth,
            Ok(()),
            "request {} {} was not correctly signed",
            request.method,
            request.target
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Success paths.

#[tokio::test]
async fn post_is_signed_sent_verified_and_decoded() {
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
    server.script([Reply::ok(200, r#"{"data":[],"total_count":0}"#)
        .signing(Signing::Serial(PUB_KEY_ID.into()))]);
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .public_key_pem(PUB_KEY_ID, &keys().platform_public_pem)
        .base_url(&server.base_url())
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
    let server = TestServer::start().await;
    server.script([
        Reply::ok(200, r#"{"coupon_id":"1"}"#),
        Reply::ok(200, r#"{"coupon_id":"2"}"#).signing(Signing::Serial(PUB_KEY_ID.into())),
    ]);
    let client = builder(&server.base_url())
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
    server.script([Reply::ok(204, "")]);
    let client = client(&server);
    let value = Call::new(&client, list_coupons(LIST_TARGET))
        .await
        .expect("call succeeds");
    assert_eq!(value, serde_json::Value::Null);
}

#[tokio::test]
async fn unsigned_operation_skips_verification() {
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
    let client = builder(&server.base_url())
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    assert_eq!(api.code, None);
    assert!(
        api.raw_excerpt
            .as_deref()
            .is_some_and(|e| e.contains("502 Bad Gateway")),
        "{api:?}"
    );
}

#[tokio::test]
async fn signed_but_truncated_json_is_a_decode_error() {
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
    server.script([Reply::ok(200, "{}").delay(Duration::from_secs(30))]);
    let client = builder(&server.base_url())
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
    let server = TestServer::start().await;
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
async fn body_cut_off_midway_is_a_transport_error() {
    // A raw server that promises 100 bytes, sends 12 and closes the connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0u8; 65536];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"coupon_id\"",
                )
                .await;
            let _ = socket.shutdown().await;
        }
    });
    let client = builder(&format!("http://{addr}"))
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
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_without_failover() {
    let client = builder(&closed_port_url().await)
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
    let message = err.to_string();
    assert!(!message.contains("PRIVATE KEY"), "{message}");
    assert!(!message.contains("WECHATPAY2-SHA256-RSA2048"), "{message}");
}

#[tokio::test]
async fn refused_connection_fails_over_to_the_backup_host() {
    let backup = TestServer::start().await;
    backup.script([
        Reply::ok(200, r#"{"coupon_id":"from-backup"}"#),
        Reply::ok(200, r#"{"stock_id":"from-backup"}"#),
    ]);
    let client = builder(&closed_port_url().await)
        .failover(true)
        .backup_base_url(&backup.base_url())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    assert_eq!(client.backup_base_url(), Some(backup.base_url().as_str()));

    let sent = Call::new(&client, send_coupon())
        .await
        .expect("backup answers");
    assert_eq!(sent.coupon_id, "from-backup");
    // Nothing reached the primary host, so even a non-idempotent call may fail over.
    let created = Call::new(&client, create_stock())
        .await
        .expect("backup answers");
    assert_eq!(created["stock_id"], "from-backup");

    let requests = backup.requests();
    assert_eq!(requests.len(), 2);
    assert_all_signed(&backup);
    assert_eq!(requests[0].target, SEND_TARGET);
    assert_eq!(requests[0].body, SEND_BODY.as_bytes());
}

#[tokio::test]
async fn failover_to_an_unreachable_backup_reports_both_hosts() {
    let primary = closed_port_url().await;
    let backup = closed_port_url().await;
    let client = builder(&primary)
        .failover(true)
        .backup_base_url(&backup)
        .retry(fast_retry())
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon())
        .await
        .expect_err("both refused");
    let Error::Transport { message, connect } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert!(connect);
    let host = |url: &str| url.trim_start_matches("http://").to_owned();
    assert!(message.contains(&host(&primary)), "{message}");
    assert!(message.contains(&host(&backup)), "{message}");
}

#[tokio::test]
async fn failover_does_not_apply_to_http_errors() {
    let primary = TestServer::start().await;
    let backup = TestServer::start().await;
    primary.script([Reply::error(
        500,
        r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
    )]);
    let client = builder(&primary.base_url())
        .failover(true)
        .backup_base_url(&backup.base_url())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let err = Call::new(&client, send_coupon()).await.expect_err("500");
    assert_eq!(err.as_api().map(|a| a.status), Some(500));
    assert_eq!(primary.requests().len(), 1);
    assert!(backup.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// The request-target is sent exactly as signed.

#[tokio::test]
async fn percent_encoded_target_arrives_byte_identical() {
    let server = TestServer::start().await;
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
    let server = TestServer::start().await;
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

// ---------------------------------------------------------------------------------------------
// Configuration.

#[test]
fn base_url_must_be_https_or_loopback_http() {
    for bad in [
        "http://api.mch.weixin.qq.com",
        "http://192.168.1.10:8080",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "https://api.mch.weixin.qq.com/prefix",
        "https://api.mch.weixin.qq.com/?x=1",
    ] {
        let err = builder(bad).build().expect_err(bad);
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
    }
    for good in [
        "https://api.mch.weixin.qq.com",
        "https://api.mch.weixin.qq.com/",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://localhost:3000/",
        "http://[::1]:3000",
    ] {
        let client = builder(good).build().expect(good);
        assert_eq!(client.base_url(), good.trim_end_matches('/'));
    }
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .build()
        .expect("defaults");
    assert_eq!(client.base_url(), "https://api.mch.weixin.qq.com");
    assert_eq!(client.mchid(), MCHID);
    assert_eq!(client.backup_base_url(), None);
    let client = builder("https://api.mch.weixin.qq.com")
        .failover(true)
        .build()
        .expect("failover");
    assert_eq!(
        client.backup_base_url(),
        Some("https://api2.mch.weixin.qq.com")
    );
    let err = builder("https://api.mch.weixin.qq.com")
        .failover(true)
        .backup_base_url("http://api2.mch.weixin.qq.com")
        .build()
        .expect_err("plain http backup");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn build_names_what_is_missing() {
    let full = || builder("https://api.mch.weixin.qq.com");
    let cases: [(ClientBuilder, &str); 4] = [
        (
            Client::builder()
                .merchant_serial(MERCHANT_SERIAL)
                .private_key_pem(&keys().merchant_pem)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "mchid",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .private_key_pem(&keys().merchant_pem)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "serial",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .merchant_serial(MERCHANT_SERIAL)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "private key",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .merchant_serial(MERCHANT_SERIAL)
                .private_key_pem(&keys().merchant_pem),
            "verify",
        ),
    ];
    for (builder, needle) in cases {
        let err = builder.build().expect_err(needle);
        assert!(
            matches!(&err, Error::Config(m) if m.contains(needle)),
            "{needle}: {err:?}"
        );
    }
    let err = full()
        .private_key_pem("not a key")
        .build()
        .expect_err("bad key");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .platform_certificate_pem("not a cert")
        .build()
        .expect_err("bad cert");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .public_key_pem(PUB_KEY_ID, "not a key")
        .build()
        .expect_err("bad public key");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .private_key_file("/nonexistent/apiclient_key.pem")
        .build()
        .expect_err("missing file");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn debug_output_has_no_key_material() {
    let builder = builder("https://api.mch.weixin.qq.com");
    let key_line = keys()
        .merchant_pem
        .lines()
        .nth(1)
        .expect("pem body line")
        .to_owned();
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(&key_line), "{builder_debug}");
    let client = builder.build().expect("client builds");
    let client_debug = format!("{client:?}");
    assert!(client_debug.contains(MCHID), "{client_debug}");
    assert!(!client_debug.contains(&key_line), "{client_debug}");
    assert!(!client_debug.contains("PRIVATE KEY"), "{client_debug}");
}

#[test]
fn from_env_vars_reads_files_and_names_missing_variables() {
    let dir = std::env::temp_dir().join(format!("wechatpay-runtime-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key_path = dir.join("apiclient_key.pem");
    let cert_path = dir.join("platform_cert.pem");
    let pub_path = dir.join("pub_key.pem");
    std::fs::write(&key_path, &keys().merchant_pem).expect("write key");
    std::fs::write(&cert_path, &keys().platform_cert_pem).expect("write cert");
    std::fs::write(&pub_path, &keys().platform_public_pem).expect("write public key");

    let vars = |overrides: &[(&str, Option<&str>)]| {
        let mut map: std::collections::HashMap<String, String> = [
            ("WECHATPAY_MCHID", MCHID.to_owned()),
            ("WECHATPAY_MCH_SERIAL", MERCHANT_SERIAL.to_owned()),
            ("WECHATPAY_PRIVATE_KEY", key_path.display().to_string()),
            (
                "WECHATPAY_PLATFORM_CERTS",
                format!("{}, {}", cert_path.display(), cert_path.display()),
            ),
            ("WECHATPAY_PUBLIC_KEY", pub_path.display().to_string()),
            ("WECHATPAY_PUBLIC_KEY_ID", PUB_KEY_ID.to_owned()),
            ("WECHATPAY_BASE_URL", "http://127.0.0.1:9".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (name, value) in overrides {
            match value {
                Some(v) => map.insert((*name).to_owned(), (*v).to_owned()),
                None => map.remove(*name),
            };
        }
        move |name: &str| map.get(name).cloned()
    };

    let client = ClientBuilder::from_env_vars(vars(&[]))
        .expect("env complete")
        .build()
        .expect("client builds");
    assert_eq!(client.mchid(), MCHID);
    assert_eq!(client.base_url(), "http://127.0.0.1:9");

    // Either kind of verification key alone is enough.
    ClientBuilder::from_env_vars(vars(&[
        ("WECHATPAY_PUBLIC_KEY", None),
        ("WECHATPAY_PUBLIC_KEY_ID", None),
    ]))
    .expect("certs only")
    .build()
    .expect("client builds");
    let client = ClientBuilder::from_env_vars(vars(&[
        ("WECHATPAY_PLATFORM_CERTS", None),
        ("WECHATPAY_BASE_URL", None),
    ]))
    .expect("public key only")
    .build()
    .expect("client builds");
    assert_eq!(client.base_url(), "https://api.mch.weixin.qq.com");

    for (overrides, needle) in [
        (vec![("WECHATPAY_MCHID", None)], "WECHATPAY_MCHID"),
        (
            vec![("WECHATPAY_MCH_SERIAL", Some(""))],
            "WECHATPAY_MCH_SERIAL",
        ),
        (
            vec![("WECHATPAY_PRIVATE_KEY", None)],
            "WECHATPAY_PRIVATE_KEY",
        ),
        (
            vec![("WECHATPAY_PUBLIC_KEY_ID", None)],
            "WECHATPAY_PUBLIC_KEY_ID",
        ),
        (
            vec![
                ("WECHATPAY_PLATFORM_CERTS", None),
                ("WECHATPAY_PUBLIC_KEY", None),
                ("WECHATPAY_PUBLIC_KEY_ID", None),
            ],
            "WECHATPAY_PUBLIC_KEY",
        ),
        (
            vec![("WECHATPAY_PRIVATE_KEY", Some("/nonexistent/key.pem"))],
            "/nonexistent/key.pem",
        ),
        (
            vec![("WECHATPAY_PLATFORM_CERTS", Some("/nonexistent/cert.pem"))],
            "/nonexistent/cert.pem",
        ),
    ] {
        let err = ClientBuilder::from_env_vars(vars(&overrides)).expect_err(needle);
        assert!(
            matches!(&err, Error::Config(m) if m.contains(needle)),
            "{needle}: {err:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
