//! Reading answers: the size limit (client-wide and per call), decode errors that name the JSON
//! path, `Retry-After`, and the raw-request API (`Client::request`), against the in-memory fake
//! WeChat Pay of `support/`. The same limits over a real socket are in `transport_tcp.rs`.

mod support;

use std::error::Error as _;
use std::time::Duration;

use wechatpay_apiv3::api::{ListCouponsByFilterQuery, SendCouponBody};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, Error, Method, RetryPolicy};

use support::{FakeWechatPay, Reply, Signing};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

fn client(fake: &FakeWechatPay) -> Client {
    support::builder(fake)
        .retry(fast_retry())
        .build()
        .expect("client builds")
}

fn body() -> SendCouponBody {
    SendCouponBody::new(
        "9856000",
        "89560002019101000121",
        "wx233544546545989",
        "8956000",
    )
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused_and_not_retried() {
    let fake = FakeWechatPay::new();
    let big = format!(r#"{{"coupon_id":"{}"}}"#, "9".repeat(100));
    fake.script([Reply::ok(200, &big), Reply::ok(200, &big)]);
    let client = support::builder(&fake)
        .retry(fast_retry())
        .max_response_bytes(64)
        .build()
        .expect("client builds");
    let err = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body())
        .await
        .expect_err("too large");
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                status: 200,
                limit: 64,
                content_length: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.request_id().is_some());
    assert_eq!(fake.requests().len(), 1, "not retried");

    // A call may allow more than the client.
    let sent = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body())
        .max_response_bytes(1024)
        .await
        .expect("fits the call's limit");
    assert_eq!(sent.coupon_id.len(), 100);
}

#[tokio::test]
async fn an_announced_length_over_the_limit_is_refused_even_for_an_error_answer() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::error(500, "{}").header("Content-Length", "999999999")]);
    let err = client(&fake)
        .request(
            Method::Post,
            "/v3/marketing/favor/coupon-stocks",
            Some(b"{}".to_vec()),
        )
        .await
        .expect_err("too large");
    assert!(
        matches!(
            err,
            Error::ResponseTooLarge {
                status: 500,
                content_length: Some(999_999_999),
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn decode_errors_name_the_json_path_of_the_bad_value() {
    let fake = FakeWechatPay::new();
    let coupon = |id: &str| {
        format!(
            r#"{{"stock_creator_mchid":"8956000","stock_id":"9856000","coupon_id":{id},"coupon_name":"微信支付代金券","status":"SENDED","description":"微信支付营销","create_time":"2024-05-20T13:29:35+08:00","coupon_type":"NORMAL","no_cash":false,"available_begin_time":"2024-05-20T00:00:00+08:00","available_end_time":"2024-06-20T23:59:59+08:00","singleitem":false}}"#
        )
    };
    let page = format!(
        r#"{{"data":[{},{}],"total_count":2,"offset":0,"limit":10}}"#,
        coupon(r#""a""#),
        coupon("7")
    );
    fake.script([Reply::ok(200, &page)]);
    let query = ListCouponsByFilterQuery::new("wx233544546545989");
    let err = client(&fake)
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .get(query)
        .await
        .expect_err("coupon_id 7 is not a string");
    let Error::Decode {
        path, request_id, ..
    } = &err
    else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(path, "data[1].coupon_id");
    assert!(request_id.is_some());
    assert!(err.to_string().contains("`data[1].coupon_id`"), "{err}");
    let json = err
        .source()
        .and_then(|cause| cause.downcast_ref::<serde_json::Error>())
        .expect("the JSON error is the source");
    assert!(json.is_data(), "{json}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_waited_for() {
    // The client's clock is pinned; the answer says "retry at that time plus one second".
    let now = support::now_unix();
    let at =
        std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(now + 1).expect("after 1970"));
    let fake = FakeWechatPay::new();
    fake.script([
        Reply::error(503, r#"{"code":"SYSTEM_ERROR","message":"x"}"#)
            .header("Retry-After", &httpdate::fmt_http_date(at)),
        Reply::ok(200, r#"{"coupon_id":"1"}"#),
    ]);
    // Without the header the retry would come at once: no backoff at all.
    let client = support::builder(&fake)
        .clock(std::sync::Arc::new(wechatpay_apiv3::auth::FixedClock(now)))
        .retry(
            RetryPolicy::default()
                .initial_backoff(Duration::ZERO)
                .max_backoff(Duration::from_secs(10)),
        )
        .build()
        .expect("client builds");
    let started = std::time::Instant::now();
    let sent = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body())
        .await
        .expect("second attempt succeeds");
    assert_eq!(sent.coupon_id, "1");
    assert_eq!(fake.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_raw_get_is_signed_verified_and_retried() {
    let fake = FakeWechatPay::new();
    fake.script([
        Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"x"}"#),
        Reply::ok(200, r#"{"stock_id":"9856000"}"#).header("X-Extra", "yes"),
    ]);
    let target = "/v3/marketing/favor/stocks/9856000?stock_creator_mchid=8956000";
    let response = client(&fake)
        .request(Method::Get, target, None)
        .timeout(Duration::from_secs(5))
        .await
        .expect("second attempt succeeds");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, br#"{"stock_id":"9856000"}"#);
    assert!(response.request_id.is_some());
    assert_eq!(
        response.headers.get("x-extra").map(|v| v.as_bytes()),
        Some(&b"yes"[..])
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|r| r.target == target && r.body.is_empty())
    );
    assert_eq!(requests[0].header("content-type"), None);
    fake.assert_all_signed();
}

#[tokio::test]
async fn a_raw_post_is_sent_once_with_its_exact_bytes() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::error(
        500,
        r#"{"code":"SYSTEM_ERROR","message":"x"}"#,
    )]);
    let body = br#"{"stock_name":"test",  "spaced":true}"#.to_vec();
    let err = client(&fake)
        .request(
            Method::Post,
            "/v3/marketing/favor/coupon-stocks",
            Some(body.clone()),
        )
        .retry(fast_retry())
        .await
        .expect_err("500");
    assert_eq!(err.as_api().map(|api| api.status), Some(500));
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "a POST is never retried");
    assert_eq!(requests[0].body, body);
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    fake.assert_all_signed();
}

#[tokio::test]
async fn a_raw_answer_that_does_not_verify_is_never_returned() {
    let fake = FakeWechatPay::new();
    fake.script([Reply::ok(200, r#"{"coupon_id":"100"}"#).signing(Signing::TamperBody)]);
    let err = client(&fake)
        .request(
            Method::Get,
            "/v3/marketing/favor/stocks/1?stock_creator_mchid=2",
            None,
        )
        .await
        .expect_err("tampered");
    assert!(
        matches!(
            err,
            Error::Verification {
                kind: VerificationError::BadSignature { .. },
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_raw_target_the_url_parser_would_rewrite_is_refused_before_sending() {
    let fake = FakeWechatPay::new();
    let client = client(&fake);
    for target in ["/v3/x?q='", "v3/no-slash", "/v3/../x", "/v3/a b"] {
        let err = client
            .request(Method::Get, target, None)
            .await
            .expect_err(target);
        assert!(
            matches!(&err, Error::InvalidRequest { field, .. } if field == "request_target"),
            "{target}: {err:?}"
        );
    }
    assert!(fake.requests().is_empty());
}
