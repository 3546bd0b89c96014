//! The sandbox over real TCP on 127.0.0.1, driven by reqwest and the client crate's `Signer`
//! and `Verifier` (plus raw sockets where a byte-exact request-target matters).

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use common::{Harness, coupons_path, keys, raw_request, send_body};
use serde_json::{Value, json};
use wechatpay_apiv3::api::{CouponList, SendCouponResponse};
use wechatpay_apiv3::auth::{
    ApiV3Key, Clock as _, FixedClock, MerchantPrivateKey, SystemClock, WechatPayPublicKey,
    request_message,
};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_sandbox::{
    Fault, FaultPhase, FaultRoute, FaultRule, ResponseSigning, SandboxConfig, Stock,
};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";

fn mchid(h: &Harness) -> String {
    h.sandbox.mchid().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Signing and verification
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn signed_send_is_issued_and_the_response_verifies() {
    let h = Harness::start().await;
    let resp = h
        .send_coupon(OPENID, &send_body("9856000", "req-0001", &mchid(&h)))
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    h.verify(&resp).expect("response signature");
    let sent: SendCouponResponse = serde_json::from_slice(&resp.body).unwrap();
    assert!(
        sent.coupon_id.bytes().all(|b| b.is_ascii_digit()),
        "{}",
        sent.coupon_id
    );
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(
        resp.header("wechatpay-signature-type"),
        Some("WECHATPAY2-SHA256-RSA2048")
    );
    assert_eq!(
        resp.header("wechatpay-serial"),
        Some(h.sandbox.public_key_id())
    );
    assert!(resp.header("request-id").is_some_and(|id| !id.is_empty()));
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));
    let coupons = h.sandbox.state().coupons_of(OPENID);
    assert_eq!(coupons.len(), 1);
    assert_eq!(coupons[0].coupon_id, sent.coupon_id);
}

#[tokio::test]
async fn every_response_is_signed_with_a_unique_request_id() {
    let h = Harness::start().await;
    let mut ids = HashSet::new();
    let responses = [
        h.send_coupon(OPENID, &send_body("9856000", "r1", &mchid(&h)))
            .await, // 200
        h.list(OPENID, "limit=1000&appid=wx1").await, // 400
        h.send("GET", "/v3/certificates", None, &[]).await.unwrap(), // 401
        h.call("GET", "/v3/nothing/here", None).await, // 404
        h.call("DELETE", &coupons_path(OPENID), None).await, // 405
    ];
    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 400, 401, 404, 405]);
    for resp in &responses {
        h.verify(resp)
            .unwrap_or_else(|e| panic!("{} not signed: {e}", resp.status));
        assert!(ids.insert(resp.header("request-id").unwrap().to_owned()));
    }
    assert_eq!(responses[3].code(), "NOT_FOUND");
    assert_eq!(responses[4].header("allow"), Some("GET, POST"));
}

#[tokio::test]
async fn platform_certificate_mode_names_the_platform_serial() {
    let h = Harness::with(
        SandboxConfig::with_keys(keys()).response_signing(ResponseSigning::PlatformCertificate),
    )
    .await;
    let resp = h.list(OPENID, &format!("appid={APPID}")).await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.header("wechatpay-serial"),
        Some(h.sandbox.platform_serial())
    );
    // A verifier holding only the certificate accepts it.
    let mut verifier = wechatpay_apiv3::auth::Verifier::new();
    verifier
        .add_platform_certificate_pem(h.sandbox.platform_certificate_pem())
        .unwrap();
    let headers = wechatpay_apiv3::auth::ResponseHeaders::from_lookup(|n| resp.header(n));
    verifier.verify(&headers, &resp.body).unwrap();
}

#[tokio::test]
async fn match_request_mode_follows_the_request_serial() {
    let h = Harness::with(
        SandboxConfig::with_keys(keys()).response_signing(ResponseSigning::MatchRequest),
    )
    .await;
    let target = format!("{}?appid={APPID}", coupons_path(OPENID));
    let auth = || h.signer.authorization("GET", &target, b"");
    let plain = h
        .send("GET", &target, None, &[("Authorization", auth())])
        .await
        .unwrap();
    assert_eq!(
        plain.header("wechatpay-serial"),
        Some(h.sandbox.platform_serial())
    );
    let steered = h
        .send(
            "GET",
            &target,
            None,
            &[
                ("Authorization", auth()),
                ("Wechatpay-Serial", h.sandbox.public_key_id().to_owned()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        steered.header("wechatpay-serial"),
        Some(h.sandbox.public_key_id())
    );
    h.verify(&plain).unwrap();
    h.verify(&steered).unwrap();
}

#[tokio::test]
async fn sign_errors_have_distinct_messages() {
    const NOW: i64 = 1_716_182_975;
    let clock = Arc::new(FixedClock(NOW));
    let h = Harness::with_clock(SandboxConfig::with_keys(keys()), clock).await;
    let target = format!("{}?appid={APPID}", coupons_path(OPENID));
    let key = MerchantPrivateKey::from_pem(h.sandbox.merchant_private_key_pem()).unwrap();
    let header = |mchid: &str, serial: &str, ts: i64, scheme: &str, message_ts: i64| {
        let message = request_message("GET", &target, message_ts, "nonce123", b"");
        format!(
            "{scheme} mchid=\"{mchid}\",nonce_str=\"nonce123\",timestamp=\"{ts}\",serial_no=\"{serial}\",signature=\"{}\"",
            key.sign_base64(&message)
        )
    };
    let m = h.sandbox.mchid().to_owned();
    let s = h.sandbox.merchant_serial().to_owned();
    let scheme = "WECHATPAY2-SHA256-RSA2048";

    let ok = [NOW - 300, NOW + 300, NOW];
    for ts in ok {
        let resp = h
            .send(
                "GET",
                &target,
                None,
                &[("Authorization", header(&m, &s, ts, scheme, ts))],
            )
            .await
            .unwrap();
        assert_eq!(resp.status, 200, "timestamp {ts}: {}", resp.message());
    }

    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("missing header", vec![]),
        (
            "bad signature",
            vec![("Authorization", header(&m, &s, NOW, scheme, NOW + 1))],
        ),
        (
            "wrong serial",
            vec![(
                "Authorization",
                header(&m, "0123456789ABCDEF", NOW, scheme, NOW),
            )],
        ),
        (
            "unknown mchid",
            vec![("Authorization", header("1230000109", &s, NOW, scheme, NOW))],
        ),
        (
            "stale -301",
            vec![(
                "Authorization",
                header(&m, &s, NOW - 301, scheme, NOW - 301),
            )],
        ),
        (
            "future +301",
            vec![(
                "Authorization",
                header(&m, &s, NOW + 301, scheme, NOW + 301),
            )],
        ),
        (
            "wrong scheme",
            vec![(
                "Authorization",
                header(&m, &s, NOW, "WECHATPAY2-SHA256-RSA4096", NOW),
            )],
        ),
        (
            "malformed",
            vec![(
                "Authorization",
                "WECHATPAY2-SHA256-RSA2048 mchid=1".to_owned(),
            )],
        ),
        (
            "milliseconds",
            vec![(
                "Authorization",
                header(&m, &s, NOW * 1000, scheme, NOW * 1000),
            )],
        ),
    ];
    let mut messages = HashSet::new();
    for (name, headers) in cases {
        let resp = h.send("GET", &target, None, &headers).await.unwrap();
        assert_eq!(resp.status, 401, "{name}");
        assert_eq!(resp.code(), "SIGN_ERROR", "{name}");
        h.verify(&resp)
            .unwrap_or_else(|e| panic!("{name}: 401 not signed: {e}"));
        let message = resp.message();
        // -301 and +301 share a template; the numbers still differ.
        assert!(
            messages.insert(message.clone()),
            "{name}: message repeated: {message}"
        );
        if name == "bad signature" {
            let echoed = resp.json()["detail"]["value"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                echoed.starts_with(&format!("GET\n{target}\n{NOW}\nnonce123\n")),
                "{echoed}"
            );
        }
        if name == "milliseconds" {
            assert!(
                resp.json()["detail"]["issue"]
                    .as_str()
                    .unwrap()
                    .contains("milliseconds")
            );
        }
    }
}

#[tokio::test]
async fn authorization_in_axios_order_with_extra_headers() {
    let h = Harness::start().await;
    let target = format!("{}?limit=5&appid={APPID}&offset=0", coupons_path(OPENID));
    let key = MerchantPrivateKey::from_pem(h.sandbox.merchant_private_key_pem()).unwrap();
    let ts = SystemClock.now_unix();
    let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    let signature = key.sign_base64(&request_message("GET", &target, ts, nonce, b""));
    // wechatpay-axios-plugin order: mchid, serial_no, timestamp, nonce_str, signature.
    let authorization = format!(
        "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",serial_no=\"{}\",timestamp=\"{ts}\",nonce_str=\"{nonce}\",signature=\"{signature}\"",
        h.sandbox.mchid(),
        h.sandbox.merchant_serial()
    );
    let resp = h
        .send(
            "GET",
            &target,
            None,
            &[
                ("Authorization", authorization),
                ("Content-Type", "application/json; charset=utf-8".to_owned()),
                (
                    "Accept",
                    "application/json, text/plain, application/x-gzip, application/pdf, image/png, image/*;q=0.5"
                        .to_owned(),
                ),
                ("Wechatpay-Serial", h.sandbox.public_key_id().to_owned()),
                ("User-Agent", "wechatpay-axios-plugin/0.9.6 node/20".to_owned()),
                ("Accept-Language", "zh-CN".to_owned()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.message());
    let list: CouponList = serde_json::from_slice(&resp.body).unwrap();
    assert_eq!((list.offset, list.limit, list.total_count), (0, 5, 0));
}

#[tokio::test]
async fn the_raw_target_is_verified_never_re_encoded() {
    let h = Harness::start().await;
    let addr = h.sandbox.local_addr();
    let raw = format!("{}?appid=wx'1&stock_id=9856000", coupons_path(OPENID));
    let encoded = format!("{}?appid=wx%271&stock_id=9856000", coupons_path(OPENID));

    // axios: signs `%27`, sends a raw `'` → 401, as real WeChat Pay answers.
    let auth = h.signer.authorization("GET", &encoded, b"");
    let (status, body) = raw_request(addr, "GET", &raw, &[("Authorization", auth)], b"").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("SIGN_ERROR"), "{body}");

    // Signed over what is sent (either spelling) → accepted.
    for target in [&raw, &encoded] {
        let auth = h.signer.authorization("GET", target, b"");
        let (status, body) =
            raw_request(addr, "GET", target, &[("Authorization", auth)], b"").await;
        assert_eq!(status, 200, "{target}: {body}");
    }

    // Query order is the client's business: the signature covers the order sent.
    let reordered = format!("{}?stock_id=9856000&appid=wx%271", coupons_path(OPENID));
    let auth = h.signer.authorization("GET", &encoded, b"");
    let (status, _) = raw_request(addr, "GET", &reordered, &[("Authorization", auth)], b"").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn python_style_bodies_with_spaces_and_unicode_escapes_are_verified_raw() {
    let h = Harness::start().await;
    // json.dumps output: spaces after separators, non-ASCII as \uXXXX.
    let body = format!(
        r#"{{"stock_id": "9856000", "out_request_no": "py-0001", "appid": "wx\u0032\u0033\u0033544546545989", "stock_creator_mchid": "{}"}}"#,
        h.sandbox.mchid()
    );
    let resp = h.call("POST", &coupons_path(OPENID), Some(&body)).await;
    assert_eq!(resp.status, 200, "{}", resp.message());
    // Re-serialized JSON would be different bytes: a signature over it must fail.
    let compact = serde_json::to_string(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();
    let auth = h
        .signer
        .authorization("POST", &coupons_path(OPENID), compact.as_bytes());
    let resp = h
        .send(
            "POST",
            &coupons_path(OPENID),
            Some(&body),
            &[("Authorization", auth)],
        )
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    let list = h.list(OPENID, &format!("appid={APPID}")).await;
    assert_eq!(list.json()["total_count"], 1);
}

// ---------------------------------------------------------------------------------------------
// Send coupon semantics
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn idempotent_replay_returns_the_same_coupon() {
    let h = Harness::start().await;
    let body = send_body("9856000", "idem-0001", &mchid(&h));
    let first = h.send_coupon(OPENID, &body).await;
    let second = h.send_coupon(OPENID, &body).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_eq!(first.json()["coupon_id"], second.json()["coupon_id"]);
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));

    let other_user = h.send_coupon("o-someone-else", &body).await;
    assert_eq!(other_user.status, 400);
    assert_eq!(other_user.code(), "RESOURCE_ALREADY_EXISTS");
    assert_eq!(other_user.json()["detail"]["location"], "uri_template");

    let mut other_appid = body.clone();
    other_appid["appid"] = json!("wx0000000000000000");
    let resp = h.send_coupon(OPENID, &other_appid).await;
    assert_eq!(resp.code(), "RESOURCE_ALREADY_EXISTS");
    assert_eq!(resp.json()["detail"]["field"], "/appid");

    let mut with_value = body.clone();
    with_value["coupon_value"] = json!(100);
    let resp = h.send_coupon(OPENID, &with_value).await;
    assert_eq!(resp.json()["detail"]["field"], "/coupon_value");
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));
}

#[tokio::test]
async fn budget_exhaustion_is_not_enough_but_replays_still_succeed() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let mut ids = Vec::new();
    for i in 0..3 {
        let resp = h
            .send_coupon(OPENID, &send_body("9856001", &format!("budget-{i}"), &m))
            .await;
        assert_eq!(resp.status, 200);
        ids.push(resp.json()["coupon_id"].clone());
    }
    let resp = h
        .send_coupon(OPENID, &send_body("9856001", "budget-3", &m))
        .await;
    assert_eq!(resp.status, 403);
    assert_eq!(resp.code(), "NOT_ENOUGH");
    assert_eq!(resp.message(), "批次预算不足");
    let replay = h
        .send_coupon(OPENID, &send_body("9856001", "budget-0", &m))
        .await;
    assert_eq!(replay.status, 200);
    assert_eq!(replay.json()["coupon_id"], ids[0]);
    assert_eq!(h.sandbox.state().issued_count("9856001"), Some(3));
}

#[tokio::test]
async fn stock_errors() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let cases = [
        (
            send_body("1234567", "e-1", &m),
            404,
            "RESOURCE_NOT_EXISTS",
            "批次不存在",
        ),
        (
            send_body("9856000", "e-2", "8956000"),
            400,
            "INVALID_REQUEST",
            "非法的商户号",
        ),
        (
            send_body("9856003", "e-3", &m),
            400,
            "INVALID_REQUEST",
            "活动已结束或未激活",
        ),
        (
            send_body("9856005", "e-4", "8956000"),
            403,
            "REQUEST_BLOCKED",
            "商户无权发券",
        ),
    ];
    for (body, status, code, message) in cases {
        let resp = h.send_coupon(OPENID, &body).await;
        assert_eq!(resp.status, status, "{body}");
        assert_eq!(resp.code(), code, "{body}");
        assert!(resp.message().contains(message), "{}", resp.message());
        h.verify(&resp).unwrap();
    }
    // Authorized cross-merchant sending works.
    let resp = h
        .send_coupon(OPENID, &send_body("9856004", "e-5", "8956000"))
        .await;
    assert_eq!(resp.status, 200, "{}", resp.message());
    // 指定面额 fields must match the stock when sent.
    let mut body = send_body("9856000", "e-6", &m);
    body["coupon_value"] = json!(500);
    let resp = h.send_coupon(OPENID, &body).await;
    assert_eq!((resp.status, resp.code()), (400, "PARAM_ERROR".to_owned()));
    body["coupon_value"] = json!(100);
    body["coupon_minimum"] = json!(100);
    assert_eq!(h.send_coupon(OPENID, &body).await.status, 200);
    // A per-user limit.
    h.sandbox
        .state()
        .upsert_stock(Stock::normal("7000001", "", 100, 100, 100).max_coupons_per_user(1))
        .unwrap();
    assert_eq!(
        h.send_coupon(OPENID, &send_body("7000001", "e-7", &m))
            .await
            .status,
        200
    );
    let resp = h
        .send_coupon(OPENID, &send_body("7000001", "e-8", &m))
        .await;
    assert_eq!(
        (resp.status, resp.code()),
        (403, "REQUEST_BLOCKED".to_owned())
    );
}

#[tokio::test]
async fn invalid_requests_are_param_errors_with_detail() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let resp = h
        .send_coupon(OPENID, &send_body("9856000", "has/slash", &m))
        .await;
    assert_eq!((resp.status, resp.code()), (400, "PARAM_ERROR".to_owned()));
    assert_eq!(
        resp.json()["detail"],
        json!({
            "field": "/out_request_no",
            "value": "has/slash",
            "issue": resp.json()["detail"]["issue"],
            "location": "body",
        })
    );
    let resp = h
        .send_coupon(OPENID, &send_body("123456789012345678901", "ok-1", &m))
        .await;
    assert_eq!(resp.json()["detail"]["field"], "/stock_id");

    let missing = json!({"stock_id": "9856000", "out_request_no": "x", "stock_creator_mchid": m});
    let resp = h.send_coupon(OPENID, &missing).await;
    assert_eq!(resp.json()["detail"]["field"], "/appid");

    for body in ["", "{", "[1,2]", r#"{"stock_id": 9856000}"#] {
        let resp = h.call("POST", &coupons_path(OPENID), Some(body)).await;
        assert_eq!(
            (resp.status, resp.code()),
            (400, "PARAM_ERROR".to_owned()),
            "{body:?}"
        );
    }

    let long = "o".repeat(129);
    let resp = h
        .send_coupon(&long, &send_body("9856000", "ok-2", &m))
        .await;
    assert_eq!(resp.code(), "PARAM_ERROR");
    assert_eq!(resp.json()["detail"]["location"], "uri_template");
    assert_eq!(h.sandbox.state().coupon_count(), 0);
}

#[tokio::test]
async fn concurrent_sends_never_exceed_the_budget_or_duplicate() {
    let h = Arc::new(
        Harness::with(
            SandboxConfig::with_keys(keys()).stock(Stock::normal("7000002", "", 100, 100, 10)),
        )
        .await,
    );
    let m = mchid(&h);
    let mut budget = Vec::new();
    for i in 0..40 {
        let h = Arc::clone(&h);
        let body = send_body("7000002", &format!("c-{i}"), &m);
        budget.push(tokio::spawn(async move {
            h.send_coupon(OPENID, &body).await.status
        }));
    }
    // 20 copies of one request race each other.
    let mut same = Vec::new();
    for _ in 0..20 {
        let h = Arc::clone(&h);
        let body = send_body("9856000", "same-request", &m);
        same.push(tokio::spawn(async move {
            let resp = h.send_coupon(OPENID, &body).await;
            (resp.status, resp.json()["coupon_id"].clone())
        }));
    }
    let budget: Vec<u16> = futures_util::future::join_all(budget)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let same: Vec<(u16, Value)> = futures_util::future::join_all(same)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(budget.iter().filter(|&&s| s == 200).count(), 10);
    assert_eq!(budget.iter().filter(|&&s| s == 403).count(), 30);
    assert!(
        same.iter()
            .all(|(status, id)| *status == 200 && *id == same[0].1),
        "{same:?}"
    );
    assert_eq!(h.sandbox.state().issued_count("7000002"), Some(10));
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));
}

// ---------------------------------------------------------------------------------------------
// List coupons
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn pagination_uses_page_indexes_with_a_default_of_20() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let mut issued = Vec::new();
    for i in 0..45 {
        let resp = h
            .send_coupon(OPENID, &send_body("9856000", &format!("page-{i:02}"), &m))
            .await;
        issued.push(resp.json()["coupon_id"].as_str().unwrap().to_owned());
    }
    let page = |resp: common::Resp| -> CouponList {
        assert_eq!(resp.status, 200, "{}", resp.message());
        serde_json::from_slice(&resp.body).unwrap()
    };
    let first = page(h.list(OPENID, &format!("appid={APPID}")).await);
    assert_eq!((first.total_count, first.offset, first.limit), (45, 0, 20));
    assert_eq!(first.data.len(), 20);
    assert_eq!(first.data[0].coupon_id, issued[0]);
    // wechatpayv3's default call.
    let second = page(
        h.list(OPENID, &format!("appid={APPID}&offset=1&limit=20"))
            .await,
    );
    assert_eq!(second.offset, 1);
    assert_eq!(second.data[0].coupon_id, issued[20]);
    let third = page(h.list(OPENID, &format!("offset=2&appid={APPID}")).await);
    assert_eq!(third.data.len(), 5);
    let past = h.list(OPENID, &format!("appid={APPID}&offset=3")).await;
    assert_eq!(
        past.json()["data"],
        json!([]),
        "an empty page still has data: []"
    );
    let max = page(h.list(OPENID, &format!("appid={APPID}&limit=100")).await);
    assert_eq!(max.data.len(), 45);

    let too_big = h.list(OPENID, &format!("appid={APPID}&limit=101")).await;
    assert_eq!(
        (too_big.status, too_big.code()),
        (400, "PARAM_ERROR".to_owned())
    );
    assert_eq!(too_big.message(), "页大小超过阈值");
    assert_eq!(too_big.json()["detail"]["field"], "limit");
    let no_appid = h.list(OPENID, "limit=10").await;
    assert_eq!(
        (no_appid.status, no_appid.message()),
        (400, "appid 必填".to_owned())
    );
    for bad in [
        "appid=wx&limit=abc",
        "appid=wx&limit=0",
        "appid=wx&status=GONE",
        "appid=wx&appid=wy",
    ] {
        let resp = h.list(OPENID, bad).await;
        assert_eq!(
            (resp.status, resp.code()),
            (400, "PARAM_ERROR".to_owned()),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn list_filters_and_rendering() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let id = |resp: common::Resp| resp.json()["coupon_id"].as_str().unwrap().to_owned();
    let normal = id(h
        .send_coupon(OPENID, &send_body("9856000", "f-1", &m))
        .await);
    let cut_to = id(h
        .send_coupon(OPENID, &send_body("9856002", "f-2", &m))
        .await);
    let other = id(h
        .send_coupon(OPENID, &send_body("9856004", "f-3", "8956000"))
        .await);
    let used = id(h
        .send_coupon(OPENID, &send_body("9856000", "f-4", &m))
        .await);
    let mut elsewhere = send_body("9856000", "f-5", &m);
    elsewhere["appid"] = json!("wx_another_app");
    assert_eq!(h.send_coupon(OPENID, &elsewhere).await.status, 200);
    let consumed = h.sandbox.consume(OPENID, &used).unwrap();
    assert_eq!(consumed.status.as_str(), "USED");

    let ids = |query: String| {
        let h = &h;
        async move {
            let resp = h.list(OPENID, &query).await;
            assert_eq!(resp.status, 200, "{query}: {}", resp.message());
            let list: CouponList = serde_json::from_slice(&resp.body).unwrap();
            assert_eq!(list.total_count as usize, list.data.len(), "{query}");
            list.data
                .into_iter()
                .map(|c| c.coupon_id)
                .collect::<Vec<_>>()
        }
    };
    let all = vec![normal.clone(), cut_to.clone(), other.clone(), used.clone()];
    assert_eq!(ids(format!("appid={APPID}")).await, all);
    assert_eq!(
        ids(format!("appid={APPID}&status=SENDED")).await,
        [normal.clone(), cut_to.clone(), other.clone()]
    );
    assert_eq!(ids(format!("appid={APPID}&status=USED")).await, all);
    assert_eq!(
        ids(format!("appid={APPID}&stock_id=9856000")).await,
        [normal.clone(), used.clone()]
    );
    assert_eq!(
        ids(format!("appid={APPID}&creator_mchid=8956000")).await,
        std::slice::from_ref(&other)
    );
    assert_eq!(
        ids(format!("appid={APPID}&creator_mchid={m}&status=SENDED")).await,
        [normal.clone(), cut_to.clone()]
    );
    assert_eq!(ids(format!("appid={APPID}&sender_mchid={m}")).await, all);
    // available_mchid: only usable coupons; stock_id, status, offset, limit ignored.
    assert_eq!(
        ids(format!(
            "appid={APPID}&available_mchid=8956000&limit=1&offset=5&stock_id=x&status=USED"
        ))
        .await,
        std::slice::from_ref(&other)
    );
    assert_eq!(
        ids(format!("appid={APPID}&available_mchid={m}")).await,
        [normal.clone(), cut_to.clone(), other.clone()]
    );
    assert_eq!(
        ids(format!("appid={APPID}&business_type=MULTIUSE")).await,
        Vec::<String>::new()
    );
    assert_eq!(ids("appid=wx_another_app".to_owned()).await.len(), 1);

    let resp = h.list(OPENID, &format!("appid={APPID}")).await;
    let data = resp.json()["data"].clone();
    let by_id = |id: &str| {
        data.as_array()
            .unwrap()
            .iter()
            .find(|c| c["coupon_id"] == id)
            .unwrap()
            .clone()
    };
    let n = by_id(&normal);
    assert_eq!(n["coupon_type"], "NORMAL");
    assert_eq!(
        n["normal_coupon_information"],
        json!({"coupon_amount": 100, "transaction_minimum": 100})
    );
    assert_eq!(n["status"], "SENDED");
    assert_eq!(
        (n["no_cash"].clone(), n["singleitem"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(n["out_request_no"], "f-1");
    assert_eq!(n["stock_creator_mchid"], json!(m));
    for field in ["create_time", "available_begin_time", "available_end_time"] {
        let time = n[field].as_str().unwrap();
        assert!(time.ends_with("+08:00"), "{field}: {time}");
        wechatpay_apiv3::Timestamp::from_wire(time).parse().unwrap();
    }
    let c = by_id(&cut_to);
    assert_eq!(c["coupon_type"], "CUT_TO");
    assert_eq!(
        c["cut_to_message"],
        json!({"single_price_max": 1000, "cut_to_price": 1})
    );
    assert!(c.get("normal_coupon_information").is_none());
    let u = by_id(&used);
    assert_eq!(u["status"], "USED");
    assert!(u["consume_information"]["transaction_id"].is_string());
    assert!(h.sandbox.consume(OPENID, &used).is_err(), "consumed twice");
    assert!(h.sandbox.consume(OPENID, "999").is_err());
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn certificates_decrypt_to_the_platform_certificate() {
    let h = Harness::start().await;
    let unsigned = h.send("GET", "/v3/certificates", None, &[]).await.unwrap();
    assert_eq!(unsigned.status, 401);
    let resp = h
        .call("GET", "/v3/certificates?algorithm_type=RSA", None)
        .await;
    assert_eq!(resp.status, 200);
    h.verify(&resp).unwrap();
    let entry = resp.json()["data"][0].clone();
    assert_eq!(entry["serial_no"], h.sandbox.platform_serial());
    let enc = &entry["encrypt_certificate"];
    assert_eq!(enc["algorithm"], "AEAD_AES_256_GCM");
    assert_eq!(enc["associated_data"], "certificate");
    let key = ApiV3Key::new(h.sandbox.api_v3_key().as_bytes().to_vec()).unwrap();
    let pem = key
        .decrypt(
            enc["nonce"].as_str().unwrap(),
            "certificate",
            enc["ciphertext"].as_str().unwrap(),
        )
        .unwrap();
    let pem = String::from_utf8(pem).unwrap();
    let (serial, _) = WechatPayPublicKey::from_certificate_pem(&pem).unwrap();
    assert_eq!(serial, h.sandbox.platform_serial());
    for field in ["effective_time", "expire_time"] {
        wechatpay_apiv3::Timestamp::from_wire(entry[field].as_str().unwrap())
            .parse()
            .unwrap();
    }

    let h =
        Harness::with(SandboxConfig::with_keys(keys()).serve_platform_certificates(false)).await;
    let resp = h.call("GET", "/v3/certificates", None).await;
    assert_eq!(
        (resp.status, resp.code()),
        (404, "RESOURCE_NOT_EXISTS".to_owned())
    );
    assert!(resp.message().starts_with("无可用的平台证书"));
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

fn send_rule(fault: Fault) -> FaultRule {
    FaultRule::new(fault).operation(wechatpay_sandbox::SEND_COUPON)
}

#[tokio::test]
async fn status_500_before_and_after_processing() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let body = send_body("9856000", "fault-500", &m);

    h.sandbox.faults().inject(send_rule(Fault::Status500));
    let resp = h.send_coupon(OPENID, &body).await;
    assert_eq!((resp.status, resp.code()), (500, "SYSTEM_ERROR".to_owned()));
    h.verify(&resp).unwrap();
    assert_eq!(
        h.sandbox.state().issued_count("9856000"),
        Some(0),
        "nothing issued before"
    );

    h.sandbox
        .faults()
        .inject(send_rule(Fault::Status500).after_processing());
    let resp = h.send_coupon(OPENID, &body).await;
    assert_eq!(resp.status, 500);
    assert_eq!(
        h.sandbox.state().issued_count("9856000"),
        Some(1),
        "issued, then 500"
    );
    let retry = h.send_coupon(OPENID, &body).await;
    assert_eq!(retry.status, 200);
    assert_eq!(
        retry.json()["coupon_id"].as_str(),
        Some(h.sandbox.state().coupons_of(OPENID)[0].coupon_id.as_str())
    );
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));
    let applied = h.sandbox.faults().applied();
    assert_eq!(applied.len(), 2);
    assert_eq!(applied[1].phase, FaultPhase::AfterProcessing);
}

#[tokio::test]
async fn rate_limited_and_routes() {
    let h = Harness::start().await;
    h.sandbox.faults().inject(
        FaultRule::new(Fault::RateLimited)
            .route(FaultRoute::operation(wechatpay_sandbox::LIST_COUPONS))
            .times(2),
    );
    // A send is not matched by a list rule.
    let sent = h
        .send_coupon(OPENID, &send_body("9856000", "rl-1", &mchid(&h)))
        .await;
    assert_eq!(sent.status, 200);
    for _ in 0..2 {
        let resp = h.list(OPENID, &format!("appid={APPID}")).await;
        assert_eq!(
            (resp.status, resp.code()),
            (429, "FREQUENCY_LIMITED".to_owned())
        );
        assert_eq!(resp.header("retry-after"), Some("0"));
        h.verify(&resp).unwrap();
    }
    assert_eq!(h.list(OPENID, &format!("appid={APPID}")).await.status, 200);
    assert!(h.sandbox.faults().pending().is_empty());
}

#[tokio::test]
async fn delay_after_processing_outlives_a_client_timeout() {
    let h = Harness::start().await;
    h.sandbox
        .faults()
        .inject(send_rule(Fault::Delay(Duration::from_secs(2))).after_processing());
    let body = send_body("9856000", "slow-1", &mchid(&h)).to_string();
    let auth = h
        .signer
        .authorization("POST", &coupons_path(OPENID), body.as_bytes());
    let err = h
        .http
        .post(format!("{}{}", h.sandbox.base_url(), coupons_path(OPENID)))
        .header("Authorization", auth)
        .body(body)
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .expect_err("the client times out");
    assert!(err.is_timeout(), "{err:?}");
    // The coupon was issued before the delay.
    let mut issued = None;
    for _ in 0..100 {
        issued = h.sandbox.state().issued_count("9856000");
        if issued == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(issued, Some(1));

    // Before processing, a delay just holds the request back.
    h.sandbox
        .faults()
        .inject(send_rule(Fault::Delay(Duration::from_millis(50))));
    let resp = h
        .send_coupon(OPENID, &send_body("9856000", "slow-2", &mchid(&h)))
        .await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn connection_reset_gives_a_transport_error() {
    let h = Harness::start().await;
    let m = mchid(&h);
    for (phase, issued) in [
        (FaultPhase::BeforeProcessing, 0),
        (FaultPhase::AfterProcessing, 1),
    ] {
        h.sandbox
            .faults()
            .inject(send_rule(Fault::ConnectionReset).phase(phase));
        let body = send_body("9856000", "reset-1", &m).to_string();
        let auth = h
            .signer
            .authorization("POST", &coupons_path(OPENID), body.as_bytes());
        let err = h
            .send(
                "POST",
                &coupons_path(OPENID),
                Some(&body),
                &[("Authorization", auth)],
            )
            .await
            .expect_err("no response");
        assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
        assert_eq!(
            h.sandbox.state().issued_count("9856000"),
            Some(issued),
            "{phase:?}"
        );
    }
    // The server keeps serving, and the retry finds the coupon issued by the cut request.
    let resp = h
        .send_coupon(OPENID, &send_body("9856000", "reset-1", &m))
        .await;
    assert_eq!(resp.status, 200);
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));

    // Raw socket view: the connection closes with no bytes at all.
    h.sandbox.faults().next(Fault::ConnectionReset);
    let (status, body) =
        raw_request(h.sandbox.local_addr(), "GET", "/v3/certificates", &[], b"").await;
    assert_eq!((status, body.as_str()), (0, ""));
}

#[tokio::test]
async fn response_shaping_faults() {
    let h = Harness::start().await;
    let m = mchid(&h);
    let mut n = 0;
    let mut next = |fault: Fault| {
        h.sandbox.faults().inject(send_rule(fault));
        n += 1;
        send_body("9856000", &format!("shape-{n}"), &m)
    };

    let body = next(Fault::TruncatedBody);
    let resp = h.send_coupon(OPENID, &body).await;
    assert_eq!(resp.status, 200);
    h.verify(&resp).expect("signed over the truncated bytes");
    assert!(serde_json::from_slice::<SendCouponResponse>(&resp.body).is_err());
    assert!(br#"{"coupon_id":"#.starts_with(&resp.body[..resp.body.len().min(13)]));

    let body = next(Fault::TamperedSignature);
    let resp = h.send_coupon(OPENID, &body).await;
    assert!(matches!(
        h.verify(&resp),
        Err(VerificationError::BadSignature { .. })
    ));

    let body = next(Fault::WrongSerial);
    let resp = h.send_coupon(OPENID, &body).await;
    assert!(matches!(
        h.verify(&resp),
        Err(VerificationError::UnknownSerial(_))
    ));

    let body = next(Fault::StaleTimestamp);
    let resp = h.send_coupon(OPENID, &body).await;
    match h.verify(&resp) {
        Err(VerificationError::StaleTimestamp { skew_secs, .. }) => {
            assert!((595..=605).contains(&skew_secs), "{skew_secs}");
        }
        other => panic!("{other:?}"),
    }

    let body = next(Fault::MissingSignatureHeaders);
    let resp = h.send_coupon(OPENID, &body).await;
    assert!(matches!(
        h.verify(&resp),
        Err(VerificationError::MissingHeader(_))
    ));
    assert!(resp.header("wechatpay-signature-type").is_none());
    assert!(resp.header("request-id").is_some());
    assert_eq!(resp.status, 200);
    // Every shaped response was still processed.
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(5));
}

#[tokio::test]
async fn admin_endpoint_sets_faults_and_answers_204_signed() {
    let h = Harness::start().await;
    let base = h.sandbox.base_url();
    let post = |body: &'static str| {
        h.http
            .post(format!("{base}/sandbox/faults"))
            .body(body)
            .send()
    };
    let resp =
        post(r#"{"fault":"status_500","operation":"send_coupon","phase":"after","times":2}"#)
            .await
            .unwrap();
    assert_eq!(resp.status(), 200);
    let state: Value = resp.json().await.unwrap();
    assert_eq!(state["rules"][0]["times"], 2);
    assert_eq!(post(r#"{"fault":"boom"}"#).await.unwrap().status(), 400);
    assert_eq!(
        post(r#"[{"fault":"delay","delay_ms":1},{"fault":"wrong_serial"}]"#)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(h.sandbox.faults().pending().len(), 3);

    let resp = h
        .send_coupon(OPENID, &send_body("9856000", "admin-1", &mchid(&h)))
        .await;
    assert_eq!(resp.status, 500);
    assert_eq!(h.sandbox.state().issued_count("9856000"), Some(1));

    // DELETE answers 204 with an empty body, signed over "TS\nNONCE\n\n".
    let resp = h
        .send("DELETE", "/sandbox/faults", None, &[])
        .await
        .unwrap();
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert!(resp.header("content-type").is_none());
    h.verify(&resp).expect("empty body verifies");
    assert!(h.sandbox.faults().pending().is_empty());

    let resp = post(r#"{"random":{"probability":1.0,"seed":3,"faults":["status_500"]}}"#)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(h.list(OPENID, &format!("appid={APPID}")).await.status, 500);
    let resp = h
        .send("DELETE", "/sandbox/faults/random", None, &[])
        .await
        .unwrap();
    assert_eq!(resp.status, 204);
    assert_eq!(h.list(OPENID, &format!("appid={APPID}")).await.status, 200);

    // State helpers over HTTP.
    let coupon_id = h.sandbox.state().coupons_of(OPENID)[0].coupon_id.clone();
    let resp = h
        .http
        .post(format!("{base}/sandbox/coupons/consume"))
        .body(json!({"openid": OPENID, "coupon_id": coupon_id}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let coupons: Value = h
        .http
        .get(format!("{base}/sandbox/coupons?openid={OPENID}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(coupons[0]["status"], "USED");
    let resp = h
        .http
        .put(format!("{base}/sandbox/stocks"))
        .body(r#"{"stock_id":"7000003","coupon_type":"NORMAL","coupon_amount":1,"transaction_minimum":1,"max_coupons":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        h.sandbox.state().stock("7000003").unwrap().creator_mchid,
        mchid(&h)
    );
    let info: Value = h
        .http
        .get(format!("{base}/sandbox"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["public_key_id"], h.sandbox.public_key_id());
    assert!(info.get("api_v3_key").is_none());
}

#[tokio::test]
async fn random_faults_are_seeded() {
    let run = || async {
        let h = Harness::start().await;
        h.sandbox
            .faults()
            .set_random(0.3, 7, [Fault::Status500, Fault::RateLimited]);
        let mut statuses = Vec::new();
        for _ in 0..30 {
            statuses.push(h.list(OPENID, &format!("appid={APPID}")).await.status);
        }
        statuses
    };
    let first = run().await;
    assert_eq!(first, run().await);
    let faulted = first.iter().filter(|&&s| s != 200).count();
    assert!((1..30).contains(&faulted), "{first:?}");
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn garbage_gets_answers_not_panics() {
    let h = Harness::start().await;
    let addr = h.sandbox.local_addr();
    let target = coupons_path(OPENID);
    let valid = h.signer.authorization("POST", &target, b"{}");
    let headers = [
        "",
        "WECHATPAY2-SHA256-RSA2048",
        "WECHATPAY2-SHA256-RSA2048 ",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"1\"",
        "WECHATPAY2-SHA256-RSA2048 ,,,,",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"n\",timestamp=\"99999999999999999999\",serial_no=\"x\",signature=\"s\"",
        "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"n\",timestamp=\"-5\",serial_no=\"x\",signature=\"WECHATPAY/SIGNTEST/abc\"",
        valid.as_str(),
    ];
    let bodies: [&[u8]; 5] = [b"", b"{}", b"\xff\xfe", b"null", b"{\"stock_id\":[]}"];
    for header in headers {
        for body in bodies {
            let (status, text) = raw_request(
                addr,
                "POST",
                &target,
                &[("Authorization", header.to_owned())],
                body,
            )
            .await;
            assert!(
                (400..500).contains(&status),
                "{header:?} {body:?}: {status} {text}"
            );
        }
    }
    for odd in [
        "/v3/marketing/favor/users/%ZZ/coupons?appid=wx",
        "/v3/marketing/favor/users/%F0%9F%98%80/coupons?appid=wx",
        "/v3/marketing/favor/users/o/coupons?appid=%FF&limit=-1",
        "/v3/marketing/favor/users/o/coupons?&&&=&appid",
        "/v3/marketing/favor/users/o/coupons?offset=4294967295&limit=100&appid=wx",
    ] {
        let auth = h.signer.authorization("GET", odd, b"");
        let (status, text) = raw_request(addr, "GET", odd, &[("Authorization", auth)], b"").await;
        assert!((200..500).contains(&status), "{odd}: {status} {text}");
    }
    // Still serving.
    let resp = h.list(OPENID, &format!("appid={APPID}")).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn extreme_clocks_do_not_panic() {
    for now in [i64::MIN, -1, 0, 253_402_300_799, i64::MAX] {
        let config = SandboxConfig::with_keys(keys()).clock(Arc::new(FixedClock(now)));
        // Either it starts, or it refuses a stock window it cannot represent.
        if let Ok(sandbox) = wechatpay_sandbox::Sandbox::start(config).await {
            let _ = sandbox.state().stocks();
        }
    }
}
