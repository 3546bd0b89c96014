//! The generated server layer's request decoding, over real TCP, one test per failure class:
//! every failure is a signed `400 PARAM_ERROR` whose `detail` names the input — a JSON pointer
//! for body fields, the name for query and path parameters — with `location`, `value` and
//! `issue`; plus `404`/`405` for paths and methods the spec does not serve.

mod common;

use common::{Harness, coupons_path, send_body};
use serde_json::{Value, json};
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{
    CouponRule, CreateCouponStockBody, FixedNormalCoupon, StockRule, StockType,
};

const STOCKS: &str = "/v3/marketing/favor/stocks";
const CREATE: &str = "/v3/marketing/favor/coupon-stocks";

/// Status, code and `detail` of a rejected request, after checking its signature.
async fn rejected(h: &Harness, method: &str, target: &str, body: Option<&str>) -> Value {
    let resp = h.call(method, target, body).await;
    h.verify(&resp).expect("an error answer is signed too");
    assert_eq!(
        (resp.status, resp.code()),
        (400, "PARAM_ERROR".to_owned()),
        "{method} {target}: {}",
        String::from_utf8_lossy(&resp.body)
    );
    let detail = resp.json()["detail"].clone();
    assert!(detail["issue"].is_string(), "{detail}");
    detail
}

/// A valid create-stock body as JSON, to break one part of.
fn stock_body(h: &Harness) -> Value {
    let body = CreateCouponStockBody::new(
        "测试代金券",
        h.sandbox.mchid(),
        Timestamp::from_wire("2030-01-01T00:00:00+08:00"),
        Timestamp::from_wire("2030-02-01T00:00:00+08:00"),
        StockRule::new(10, 1000, 2, false, false),
        CouponRule::new().fixed_normal_coupon(FixedNormalCoupon::new(100, 200)),
        false,
        StockType::Normal,
        "decode-0001",
    );
    serde_json::to_value(body).expect("JSON")
}

#[tokio::test]
async fn a_bad_path_parameter_is_named_by_its_name() {
    let h = Harness::start().await;
    let m = h.sandbox.mchid().to_owned();
    let long = "9".repeat(21);
    let detail = rejected(
        &h,
        "GET",
        &format!("{STOCKS}/{long}?stock_creator_mchid={m}"),
        None,
    )
    .await;
    assert_eq!(
        detail,
        json!({"field": "stock_id", "value": long, "issue": detail["issue"], "location": "uri_template"})
    );
    // Percent-decoded before the check: `%FF` is not UTF-8.
    let detail = rejected(
        &h,
        "GET",
        &format!("{STOCKS}/%FF?stock_creator_mchid={m}"),
        None,
    )
    .await;
    assert_eq!(
        (&detail["field"], &detail["location"]),
        (&json!("stock_id"), &json!("uri_template"))
    );
    // An empty segment still reaches the operation, which names the parameter.
    let detail = rejected(&h, "GET", &format!("{}?appid=wx1", coupons_path("")), None).await;
    assert_eq!(detail["field"], "openid");
    // A decoded value is checked, not the raw one: 20 characters once `%20` is a space.
    let resp = h
        .call(
            "GET",
            &format!("{STOCKS}/{}%20?stock_creator_mchid={m}", "9".repeat(19)),
            None,
        )
        .await;
    assert_eq!(
        resp.status,
        404,
        "passes decoding, then no such stock: {}",
        resp.message()
    );
}

#[tokio::test]
async fn a_repeated_query_parameter_is_named() {
    let h = Harness::start().await;
    let m = h.sandbox.mchid().to_owned();
    let detail = rejected(
        &h,
        "GET",
        &format!("{STOCKS}?offset=0&limit=5&offset=1&stock_creator_mchid={m}"),
        None,
    )
    .await;
    assert_eq!(
        (&detail["field"], &detail["location"]),
        (&json!("offset"), &json!("query"))
    );
}

#[tokio::test]
async fn an_ill_typed_query_parameter_is_named_with_its_value() {
    let h = Harness::start().await;
    let m = h.sandbox.mchid().to_owned();
    for (query, field, value) in [
        ("limit=abc", "limit", "abc"),
        ("limit=99999999999", "limit", "99999999999"),
        ("limit=-1", "limit", "-1"),
        ("limit=5&status=gone", "status", "gone"),
        ("limit=5&create_start_time=", "create_start_time", ""),
    ] {
        let target = format!("{STOCKS}?offset=0&{query}&stock_creator_mchid={m}");
        let detail = rejected(&h, "GET", &target, None).await;
        assert_eq!(
            (&detail["field"], &detail["value"], &detail["location"]),
            (&json!(field), &json!(value), &json!("query")),
            "{query}: {detail}"
        );
    }
    // A required parameter missing, or empty.
    for query in ["offset=0&limit=5", "offset=0&limit=5&stock_creator_mchid="] {
        let resp = h.call("GET", &format!("{STOCKS}?{query}"), None).await;
        assert_eq!(resp.message(), "stock_creator_mchid 必填", "{query}");
        assert_eq!(resp.json()["detail"]["field"], "stock_creator_mchid");
    }
    // An enum value in another case is read as the spec spells it; unknown parameters are
    // ignored.
    let resp = h
        .call(
            "GET",
            &format!("{STOCKS}?offset=0&limit=5&stock_creator_mchid={m}&status=RUNNING&extra=1"),
            None,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.message());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_rejected_at_the_root() {
    let h = Harness::start().await;
    for body in ["", "{", "not json", "{\"a\":1,}"] {
        let detail = rejected(&h, "POST", CREATE, Some(body)).await;
        assert_eq!(
            (&detail["field"], &detail["location"]),
            (&json!("/"), &json!("body")),
            "{body:?}"
        );
    }
    // JSON, but not an object.
    let detail = rejected(&h, "POST", CREATE, Some("[1,2]")).await;
    assert_eq!(detail["location"], "body");
}

#[tokio::test]
async fn a_missing_nested_field_is_named_by_its_pointer() {
    let h = Harness::start().await;
    let mut body = stock_body(&h);
    body["stock_use_rule"]
        .as_object_mut()
        .expect("an object")
        .remove("max_coupons");
    let detail = rejected(&h, "POST", CREATE, Some(&body.to_string())).await;
    assert_eq!(
        (&detail["field"], &detail["location"]),
        (&json!("/stock_use_rule/max_coupons"), &json!("body"))
    );
    // `null` is as good as absent.
    let mut body = stock_body(&h);
    body["coupon_use_rule"]["fixed_normal_coupon"]["coupon_amount"] = Value::Null;
    let detail = rejected(&h, "POST", CREATE, Some(&body.to_string())).await;
    assert_eq!(
        detail["field"],
        "/coupon_use_rule/fixed_normal_coupon/coupon_amount"
    );
    // At the top level, too.
    let mut body = send_body("9856000", "missing-1", h.sandbox.mchid());
    body.as_object_mut().expect("an object").remove("appid");
    let detail = rejected(&h, "POST", &coupons_path("o1"), Some(&body.to_string())).await;
    assert_eq!(detail["field"], "/appid");
}

#[tokio::test]
async fn a_broken_constraint_is_named_by_its_pointer_with_the_value() {
    let h = Harness::start().await;
    // The spec's `minimum: 1`, checked by the generated `validate()`.
    let mut body = stock_body(&h);
    body["stock_use_rule"]["max_coupons"] = json!(0);
    let detail = rejected(&h, "POST", CREATE, Some(&body.to_string())).await;
    assert_eq!(
        detail,
        json!({
            "field": "/stock_use_rule/max_coupons",
            "value": 0,
            "issue": detail["issue"],
            "location": "body",
        })
    );
    // A JSON type the field does not take, and a number too big for its width.
    for wrong in [json!("ten"), json!(1.5), json!(99_999_999_999u64)] {
        let mut body = stock_body(&h);
        body["stock_use_rule"]["max_coupons_per_user"] = wrong.clone();
        let detail = rejected(&h, "POST", CREATE, Some(&body.to_string())).await;
        assert_eq!(
            detail["field"], "/stock_use_rule/max_coupons_per_user",
            "{wrong}"
        );
        assert_eq!(detail["value"], wrong);
    }
    // An enum value the spec does not list, inside a list.
    let mut body = stock_body(&h);
    body["coupon_use_rule"]["trade_type"] = json!(["MICROAPP", "NOPE"]);
    let detail = rejected(&h, "POST", CREATE, Some(&body.to_string())).await;
    assert_eq!(
        (&detail["field"], &detail["value"]),
        (&json!("/coupon_use_rule/trade_type/1"), &json!("NOPE"))
    );
    // A query constraint, named without a pointer.
    let target = format!(
        "{STOCKS}?offset=0&limit=0&stock_creator_mchid={}",
        h.sandbox.mchid()
    );
    let detail = rejected(&h, "GET", &target, None).await;
    assert_eq!(
        (&detail["field"], &detail["value"], &detail["location"]),
        (&json!("limit"), &json!("0"), &json!("query"))
    );
    // Nothing was created.
    assert!(
        h.sandbox
            .state()
            .stocks()
            .iter()
            .all(|s| s.stock_id != "17000001")
    );
}

#[tokio::test]
async fn unknown_paths_and_methods_are_told_apart() {
    let h = Harness::start().await;
    let resp = h.call("GET", "/v3/marketing/favor/nothing", None).await;
    assert_eq!((resp.status, resp.code()), (404, "NOT_FOUND".to_owned()));
    h.verify(&resp).expect("signed");
    let resp = h
        .call("GET", &format!("{STOCKS}/9856000/start"), None)
        .await;
    assert_eq!(
        (resp.status, resp.code()),
        (405, "METHOD_NOT_ALLOWED".to_owned())
    );
    assert_eq!(resp.header("allow"), Some("POST"));
    h.verify(&resp).expect("signed");
    let resp = h
        .call("PUT", "/v3/marketing/favor/callbacks", Some("{}"))
        .await;
    assert_eq!(resp.header("allow"), Some("GET, POST"));
    // A literal segment is compared raw: an encoded `-` is another path.
    let resp = h
        .call("POST", "/v3/marketing/favor/coupon%2Dstocks", Some("{}"))
        .await;
    assert_eq!(resp.status, 404);
}
