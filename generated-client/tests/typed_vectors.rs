//! The derived cash-coupon vectors of the domain reference (B.9.5 #1–#3) driven through the
//! *typed* generated API: the generated operations must build exactly the bytes the vectors sign,
//! and a full call must verify and decode the vector's signed response.

mod support;

use std::sync::Arc;

use wechatpay_apiv3::api::{
    CouponStatusFilter, ListCouponsByFilter, ListCouponsByFilterQuery, SendCoupon, SendCouponBody,
};
use wechatpay_apiv3::auth::{
    AuthorizationParams, FixedClock, FixedNonce, MerchantPrivateKey, Signer, WechatPayPublicKey,
    request_message,
};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, Error, Method, Operation, RetryPolicy};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, Reply, keys};

const KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-key.pem");
const PUBLIC_KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-pubkey.pem");

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const VECTOR_MCHID: &str = "1900009191";
const VECTOR_SERIAL: &str = "F5765756002FDD77";
const REQUEST_TIMESTAMP: i64 = 1_554_208_460;
const REQUEST_NONCE: &str = "593BEC0C930BF1AFEB40B4A08C8FB242";

// B.9.5 #1: send coupon.
const B951_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";
const B951_BODY: &str = r#"{"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000"}"#;
const B951_SIGNATURE: &str = "FZ2KZrYA5fgu3uoI0G+FR5SIlyGybeWMdsi8n1gx/tyrSWI6eIImgyOTfHqj28U35pIc8md9I7zOMFEKWj/MvgwDkPMnxRRg2A0ZHF087RyULH/XixlXMTO9MehTyvZBFsOPLV+0xL2T+HjRpfOj8oTbuL2l7f5ukEpEqL+C05ReSxdv3U/WGna4AekAkp7hYXn3IvC0WiC8RRFYO1B9INcP0xVygK8L1WQbh6VuvZe6BRZ2oVN9fRMSQN7yy3WkanD9T4q3AQ07t86OnJix0RcNhRu4D5lyA2EYZcWNhG9ELRwNilfE/mWWPYXYMigiEFXGDZXLQB9X0+2YnDFjVA==";

// B.9.5 #2: list coupons, with the query sorted alphabetically (as wechatpay-go sends it).
const B952_SORTED_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx233544546545989&creator_mchid=8956000&limit=10&offset=0&status=SENDED";
const B952_SIGNATURE: &str = "W84ZB/UMcAitBJuLfTte+/E91lQuyLMeKDrWUnbxhS5UppOyDtBdjYZqpM1Z3r/OSjvebQ6/PwfNzxxT7x1NxrNSPJrmzctDlx9+m1hHRMtej3dZJZB4nW3EOu1J++WgA118eR2oDi4H5dVi1njuV8QN19grAkew3BXOgXzSdxqgU5q1tAmL+SkJkKpbxMh1gNQ3frhFu1mDQDbS8v00K5S+J5zqKSYOVbBpDSQFntGXiHp7gaUf8BBxoRg+g6eXyWCJSSWj+yfRrwWIkyzbqJWscltWxDdpIcX4hmvFeksPr/PpubccGcxmLuXECvkZeE1Ktp01x9d5bhP2aTfMuw==";
/// What the generated code sends for the same parameters: declaration order.
const B952_DECLARED_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx233544546545989&status=SENDED&creator_mchid=8956000&offset=0&limit=10";

// B.9.5 #3: the simulated WeChat Pay answer to #1.
const B953_TIMESTAMP: i64 = 1_554_209_980;
const B953_NONCE: &str = "c5ac7061fccab6bf3e254dcf98995b8c";
const B953_BODY: &str = r#"{"coupon_id":"9867041"}"#;
const B953_SIGNATURE: &str = "r2Gcf72xMsWpibeGKFaIqoRTgErX36yWk9GYwADjfgrdWW4AZ9mq2yTNVclwQiL0VpKUO8SlvKfKotHREn6jNFJ0BDMv+6tIuDUcqKZAzSxjMit1cDd5IkbtiBWBUjNPVxsUe0Sc7n4U1dscEp6PHlMwDNoeP58BcImLEtDNi+NTmLKLsrpVFzzxzJcEYsaBI72ErhnMN8wzL61jBM2NTBryuhWFOfXZMNOVw3VSMD6fid/N1703hbZYJKHMl0X6cfTXFKlkfz0501wUI3CztYXTV8UsMYmOkIvrfuSKZYC8hTJREPPtWpsx/T0TPOcXOJ323kcAePY0KJNUxuM3bA==";
const B953_SERIAL: &str = "PUB_KEY_ID_TEST";

fn vector_signer() -> Signer {
    let key = MerchantPrivateKey::from_pem(KEY_PEM).expect("the wechatpay-go test key parses");
    Signer::new(VECTOR_MCHID, VECTOR_SERIAL, key)
        .with_clock(Arc::new(FixedClock(REQUEST_TIMESTAMP)))
        .with_nonce(Arc::new(FixedNonce(REQUEST_NONCE.to_owned())))
}

fn send_coupon_body() -> SendCouponBody {
    SendCouponBody::new(
        "9856000",
        "89560002019101000121",
        "wx233544546545989",
        "8956000",
    )
}

fn b952_query() -> ListCouponsByFilterQuery {
    ListCouponsByFilterQuery::new("wx233544546545989")
        .status(CouponStatusFilter::Sended)
        .creator_mchid("8956000")
        .offset(0)
        .limit(10)
}

fn expected_authorization(signature: &str) -> String {
    format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{VECTOR_MCHID}\",nonce_str=\"{REQUEST_NONCE}\",\
         timestamp=\"{REQUEST_TIMESTAMP}\",serial_no=\"{VECTOR_SERIAL}\",signature=\"{signature}\""
    )
}

// ---------------------------------------------------------------------------------------------
// B.9.5 #1 and #2: what the typed operations build, and what the signer makes of it.

#[test]
fn b95_1_typed_send_coupon_builds_the_vector_bytes() {
    let request = SendCoupon::new(OPENID, send_coupon_body())
        .build()
        .expect("the vector's values satisfy the spec");
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.path_and_query, B951_TARGET);
    assert_eq!(request.body.as_deref(), Some(B951_BODY.as_bytes()));
    assert_eq!(request.body_str(), B951_BODY);
}

#[test]
fn b95_1_typed_send_coupon_is_signed_into_the_vector_authorization() {
    let request = SendCoupon::new(OPENID, send_coupon_body())
        .build()
        .expect("builds");
    let authorization = vector_signer().authorization(
        request.method.as_str(),
        &request.path_and_query,
        request.body.as_deref().unwrap_or_default(),
    );
    assert_eq!(authorization, expected_authorization(B951_SIGNATURE));

    // The same message, spelled out, is what the signature covers.
    let message = request_message(
        "POST",
        B951_TARGET,
        REQUEST_TIMESTAMP,
        REQUEST_NONCE,
        B951_BODY.as_bytes(),
    );
    let public_key = WechatPayPublicKey::from_pem(PUBLIC_KEY_PEM).expect("public key parses");
    assert!(public_key.verify_base64(&message, B951_SIGNATURE));
}

#[test]
fn b95_1_building_is_pure() {
    let operation = SendCoupon::new(OPENID, send_coupon_body());
    assert_eq!(operation.build().ok(), operation.build().ok());
}

#[test]
fn b95_2_typed_list_query_is_in_declaration_order() {
    let request = ListCouponsByFilter::new(OPENID, b952_query())
        .build()
        .expect("the vector's values satisfy the spec");
    assert_eq!(request.method, Method::Get);
    assert_eq!(request.path_and_query, B952_DECLARED_TARGET);
    assert_eq!(request.body, None);
    // Same parameters as the vector, only in another order.
    let params = |target: &str| {
        let (_, query) = target.split_once('?').expect("has a query");
        let mut params: Vec<String> = query.split('&').map(str::to_owned).collect();
        params.sort();
        params
    };
    assert_eq!(params(&request.path_and_query), params(B952_SORTED_TARGET));
}

#[test]
fn b95_2_signature_covers_whatever_target_is_sent() {
    let signer = vector_signer();
    // The vector signs the sorted target; signing that string reproduces it exactly.
    let sorted = signer.authorization("GET", B952_SORTED_TARGET, b"");
    assert_eq!(sorted, expected_authorization(B952_SIGNATURE));

    // Our target differs, so its signature differs, and it verifies over our target only.
    let request = ListCouponsByFilter::new(OPENID, b952_query())
        .build()
        .expect("builds");
    let ours = signer.authorization("GET", &request.path_and_query, b"");
    let ours = AuthorizationParams::parse(&ours).expect("parses").signature;
    assert_ne!(ours, B952_SIGNATURE);
    let public_key = WechatPayPublicKey::from_pem(PUBLIC_KEY_PEM).expect("public key parses");
    let message =
        |target: &str| request_message("GET", target, REQUEST_TIMESTAMP, REQUEST_NONCE, b"");
    assert!(public_key.verify_base64(&message(&request.path_and_query), &ours));
    assert!(!public_key.verify_base64(&message(B952_SORTED_TARGET), &ours));
    assert!(!public_key.verify_base64(&message(&request.path_and_query), B952_SIGNATURE));
}

// ---------------------------------------------------------------------------------------------
// B.9.5 #3: the whole loop through the client, the server answering with the vector.

/// The vector's response, served as is: its `Wechatpay-*` headers are the vector's, not the test
/// server's own signature.
fn b953_reply() -> Reply {
    Reply::error(200, B953_BODY)
        .header("Wechatpay-Timestamp", &B953_TIMESTAMP.to_string())
        .header("Wechatpay-Nonce", B953_NONCE)
        .header("Wechatpay-Signature", B953_SIGNATURE)
        .header("Wechatpay-Serial", B953_SERIAL)
        .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
}

/// A client whose clock reads `now`, verifying with the wechatpay-go test public key registered
/// as `PUB_KEY_ID_TEST`. It signs with the test server's merchant key, which the server checks.
fn vector_client(server: &FakeWechatPay, now: i64) -> Client {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .public_key_pem(B953_SERIAL, PUBLIC_KEY_PEM)
        .clock(Arc::new(FixedClock(now)))
        .transport(server.clone())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn b95_3_typed_send_coupon_verifies_and_decodes_the_vector_response() {
    let server = FakeWechatPay::new();
    server.script([b953_reply()]);
    let client = vector_client(&server, B953_TIMESTAMP);

    let sent = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(send_coupon_body())
        .await
        .expect("the vector response verifies");
    assert_eq!(sent.coupon_id, "9867041");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request.auth,
        Ok(()),
        "the server accepted the request signature"
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, B951_TARGET);
    assert_eq!(request.body, B951_BODY.as_bytes());
    assert_eq!(request.timestamp, B953_TIMESTAMP.to_string());
    assert_eq!(request.header("wechatpay-serial"), Some(B953_SERIAL));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn b95_3_is_accepted_anywhere_inside_the_window() {
    let server = FakeWechatPay::new();
    for now in [B953_TIMESTAMP - 299, B953_TIMESTAMP + 299] {
        server.script([b953_reply()]);
        let sent = vector_client(&server, now)
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .post(send_coupon_body())
            .await
            .unwrap_or_else(|e| panic!("now = {now}: {e}"));
        assert_eq!(sent.coupon_id, "9867041");
    }
}

#[tokio::test]
async fn b95_3_is_stale_300_seconds_later() {
    let server = FakeWechatPay::new();
    for (now, skew) in [(B953_TIMESTAMP + 300, 300), (B953_TIMESTAMP - 300, -300)] {
        server.script([b953_reply()]);
        let err = vector_client(&server, now)
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .post(send_coupon_body())
            .await
            .expect_err("a response 300 s away from now is stale");
        match &err {
            Error::Verification {
                kind:
                    VerificationError::StaleTimestamp {
                        timestamp,
                        skew_secs,
                    },
                ..
            } => {
                assert_eq!(*timestamp, B953_TIMESTAMP);
                assert_eq!(*skew_secs, skew);
            }
            other => panic!("expected StaleTimestamp, got {other:?}"),
        }
        assert!(!err.is_retryable());
    }
    // Verification failures are never retried: one request per call.
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn b95_3_tampered_vector_body_is_rejected() {
    let server = FakeWechatPay::new();
    let mut reply = b953_reply();
    reply.body = br#"{"coupon_id":"9867042"}"#.to_vec();
    server.script([reply]);
    let err = vector_client(&server, B953_TIMESTAMP)
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(send_coupon_body())
        .await
        .expect_err("the signature does not cover the altered body");
    assert!(
        matches!(
            &err,
            Error::Verification {
                kind: VerificationError::BadSignature { serial },
                ..
            } if serial == B953_SERIAL
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn b95_2_typed_list_call_sends_the_declaration_order_target() {
    let server = FakeWechatPay::new();
    server.script([Reply::ok(
        200,
        r#"{"data":[],"total_count":0,"offset":0,"limit":10}"#,
    )]);
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .transport(server.clone())
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let page = client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .get(b952_query())
        .await
        .expect("list call succeeds");
    assert_eq!((page.total_count, page.limit), (0, 10));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].auth, Ok(()));
    assert_eq!(requests[0].target, B952_DECLARED_TARGET);
    assert!(requests[0].body.is_empty());
    assert_eq!(requests[0].header("content-type"), None);
}
