//! Where the sources of the cash-coupon family disagree, the spec makes a choice (spec/README.md,
//! "Choices this spec makes"); these tests hold the client and the sandbox to it, over real TCP:
//! the modify-goods-id body in the official page's forms (a comma-separated string, the key
//! `Delete_goods_id_list`) next to the SDKs' JSON arrays, its answer under both time names, the
//! create-stock `comment` and `stock_name` limits of the official page (stopped by the client
//! before sending, and by the sandbox when sent anyway), and the optional COUPON.USE amounts.

mod common;

use common::Harness;
use serde_json::{Value, json};
use wechatpay_apiv3::api::{
    CouponRule, CouponUseResource, CreateCouponStockBody, CreateCouponStockResponse,
    FixedNormalCoupon, ModifyStockGoodsIdsBody, StockRule, StockType,
};
use wechatpay_apiv3::{Client, Error, Fen, Timestamp};

const CREATE: &str = "/v3/marketing/favor/coupon-stocks";

/// A valid NORMAL create-stock body of the sandbox merchant.
fn stock_body(h: &Harness, out_request_no: &str) -> CreateCouponStockBody {
    CreateCouponStockBody::new(
        "测试代金券",
        h.sandbox.mchid(),
        Timestamp::from_wire("2030-01-01T00:00:00+08:00"),
        Timestamp::from_wire("2030-02-01T00:00:00+08:00"),
        StockRule::new(10, 1000, 2, false, false),
        CouponRule::new().fixed_normal_coupon(FixedNormalCoupon::new(100, 200)),
        false,
        StockType::Normal,
        out_request_no,
    )
}

fn client(h: &Harness) -> Client {
    h.sandbox.client_builder().build().expect("client")
}

async fn create(
    client: &Client,
    body: CreateCouponStockBody,
) -> Result<CreateCouponStockResponse, Error> {
    client
        .v3()
        .marketing()
        .favor()
        .coupon_stocks()
        .post(body)
        .await
}

/// The field of a client-side validation failure (nothing was sent).
fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidRequest { field, .. } => field,
        other => panic!("expected a client-side validation error, got {other}"),
    }
}

/// Sends `body` as it is, signed, and returns the verified answer's status and JSON.
async fn raw(h: &Harness, method: &str, target: &str, body: Option<&Value>) -> (u16, Value) {
    let body = body.map(Value::to_string);
    let resp = h.call(method, target, body.as_deref()).await;
    h.verify(&resp).expect("every answer is signed");
    let json = if resp.body.is_empty() {
        Value::Null
    } else {
        resp.json()
    };
    (resp.status, json)
}

/// A 单品 stock (created with `available_items`) of the sandbox merchant.
async fn single_item_stock(h: &Harness, out_request_no: &str, goods: &[&str]) -> String {
    let mut body = stock_body(h, out_request_no);
    body.coupon_use_rule = CouponRule::new()
        .fixed_normal_coupon(FixedNormalCoupon::new(100, 200))
        .available_items(goods.iter().map(|g| (*g).to_owned()).collect());
    create(&client(h), body).await.expect("create").stock_id
}

async fn goods_ids(h: &Harness, stock_id: &str) -> Value {
    let target = format!(
        "/v3/marketing/favor/stocks/{stock_id}/items?offset=0&limit=100&stock_creator_mchid={}",
        h.sandbox.mchid()
    );
    let (status, json) = raw(h, "GET", &target, None).await;
    assert_eq!(status, 200, "{json}");
    json["data"].clone()
}

#[tokio::test]
async fn modify_goods_ids_accepts_the_official_pages_forms() {
    let h = Harness::start().await;
    let mchid = h.sandbox.mchid().to_owned();
    let stock_id = single_item_stock(&h, "page-forms", &["sku-1", "sku-2", "sku-3"]).await;
    let target = format!("/v3/marketing/favor/stocks/{stock_id}/modify-goods-id");

    // The sample body of the official page: comma-separated strings, `Delete_goods_id_list`.
    let body = json!({
        "stock_creator_mchid": mchid,
        "add_goods_id_list": "sku-9, sku-8",
        "Delete_goods_id_list": "sku-1,sku-3",
    });
    let (status, answer) = raw(&h, "POST", &target, Some(&body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["stock_id"], stock_id.as_str());
    // The time under both names the sources use.
    assert!(answer["effect_time"].is_string(), "{answer}");
    assert_eq!(answer["effect_time"], answer["pause_time"]);
    assert_eq!(
        goods_ids(&h, &stock_id).await,
        json!(["sku-2", "sku-9", "sku-8"])
    );

    // The SDKs' form still works, and a string form mixes with an array.
    let body = json!({
        "stock_creator_mchid": mchid,
        "add_goods_id_list": ["sku-7"],
        "delete_goods_id_list": "sku-9",
    });
    let (status, answer) = raw(&h, "POST", &target, Some(&body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        goods_ids(&h, &stock_id).await,
        json!(["sku-2", "sku-8", "sku-7"])
    );

    // The items of a string are checked like those of an array: a goods id is ≤ 128 characters.
    let body = json!({
        "stock_creator_mchid": mchid,
        "add_goods_id_list": format!("ok,{}", "x".repeat(129)),
    });
    let (status, answer) = raw(&h, "POST", &target, Some(&body)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("PARAM_ERROR"))
    );
    assert_eq!(
        answer["detail"]["field"], "/add_goods_id_list/1",
        "{answer}"
    );
    // An empty string is an empty list: with nothing to add or delete, the request is refused.
    let body = json!({"stock_creator_mchid": mchid, "add_goods_id_list": ""});
    let (status, answer) = raw(&h, "POST", &target, Some(&body)).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("PARAM_ERROR"))
    );
    assert!(
        answer["message"].as_str().unwrap().contains("至少填一个"),
        "{answer}"
    );
    // Other JSON types are not lists, and both spellings of one key are one key twice.
    for body in [
        json!({"stock_creator_mchid": mchid, "add_goods_id_list": 5}),
        json!({
            "stock_creator_mchid": mchid,
            "delete_goods_id_list": ["sku-8"],
            "Delete_goods_id_list": ["sku-7"],
        }),
    ] {
        let (status, answer) = raw(&h, "POST", &target, Some(&body)).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("PARAM_ERROR")),
            "{body}"
        );
    }
    assert_eq!(
        goods_ids(&h, &stock_id).await,
        json!(["sku-2", "sku-8", "sku-7"])
    );
}

#[tokio::test]
async fn modify_goods_ids_answers_both_time_names_to_the_client() {
    let h = Harness::start().await;
    let stock_id = single_item_stock(&h, "typed-modify", &["sku-1"]).await;
    let client = client(&h);
    let request = ModifyStockGoodsIdsBody::new(h.sandbox.mchid())
        .add_goods_id_list(vec!["sku-2".into()])
        .delete_goods_id_list(vec!["sku-1".into()]);
    // The client sends JSON arrays under the SDKs' names.
    let built = client
        .v3()
        .marketing()
        .favor()
        .stocks()
        .stock_id(&stock_id)
        .modify_goods_id()
        .post(request.clone())
        .build()
        .expect("valid");
    let sent: Value = serde_json::from_slice(built.body.as_deref().expect("a body")).unwrap();
    assert_eq!(sent["add_goods_id_list"], json!(["sku-2"]));
    assert_eq!(sent["delete_goods_id_list"], json!(["sku-1"]));

    let answer = client
        .v3()
        .marketing()
        .favor()
        .stocks()
        .stock_id(&stock_id)
        .modify_goods_id()
        .post(request)
        .await
        .expect("modified");
    assert_eq!(answer.stock_id, stock_id);
    assert!(answer.effect_time.is_some());
    assert_eq!(answer.effect_time, answer.pause_time);
    // Either name alone decodes.
    for only in [
        json!({"stock_id": "1", "effect_time": "2026-01-13T10:00:00+08:00"}),
        json!({"stock_id": "1", "pause_time": "2026-01-13T10:00:00+08:00"}),
    ] {
        let decoded: wechatpay_apiv3::api::ModifyStockGoodsIdsResponse =
            serde_json::from_value(only.clone()).expect("decodes");
        let time = decoded.effect_time.or(decoded.pause_time).expect("a time");
        assert_eq!(time.as_str(), "2026-01-13T10:00:00+08:00", "{only}");
    }
}

#[tokio::test]
async fn create_stock_comment_and_name_follow_the_official_page() {
    let h = Harness::start().await;
    let client = client(&h);
    let create = |body| create(&client, body);

    // `comment` is string(60): 60 characters pass, 61 are stopped before sending.
    let mut body = stock_body(&h, "comment-60");
    body.comment = Some("备".repeat(60));
    create(body).await.expect("a 60-character comment");
    let mut body = stock_body(&h, "comment-61");
    body.comment = Some("备".repeat(61));
    assert_eq!(
        invalid_field(&create(body).await.unwrap_err()),
        "body.comment"
    );

    // `stock_name` must not contain `_ , ; |`; other punctuation is fine.
    let mut body = stock_body(&h, "name-ok");
    body.stock_name = "满100-10元券(新客)".to_owned();
    create(body).await.expect("a name with other punctuation");
    for bad in ["新客_券", "新客,券", "新客;券", "新客|券"] {
        let mut body = stock_body(&h, "name-bad");
        body.stock_name = bad.to_owned();
        assert_eq!(
            invalid_field(&create(body).await.unwrap_err()),
            "body.stock_name",
            "{bad}"
        );
    }

    // Sent anyway, the sandbox refuses them with PARAM_ERROR naming the field.
    for (field, value) in [
        ("comment", "备".repeat(61)),
        ("stock_name", "新客|券".to_owned()),
    ] {
        let mut body = serde_json::to_value(stock_body(&h, &format!("raw-{field}"))).unwrap();
        body[field] = Value::String(value);
        let (status, answer) = raw(&h, "POST", CREATE, Some(&body)).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (400, Some("PARAM_ERROR")),
            "{answer}"
        );
        assert_eq!(answer["detail"]["field"], format!("/{field}"), "{answer}");
    }

    // No source states a minimum for `max_amount_by_day`, and `coupon_available_time` is
    // optional (the official SDKs send requests without it).
    let mut body = stock_body(&h, "by-day-0");
    body.stock_use_rule = StockRule::new(10, 1000, 2, false, false).max_amount_by_day(0);
    assert!(body.coupon_use_rule.coupon_available_time.is_none());
    client
        .v3()
        .marketing()
        .favor()
        .coupon_stocks()
        .post(body)
        .build()
        .expect("no minimum on max_amount_by_day");
}

#[test]
fn coupon_use_amounts_are_optional() {
    // wechatpay.im's COUPON.USE page marks the three amounts optional.
    let resource: CouponUseResource = serde_json::from_value(json!({
        "stock_creator_mchid": "9800064",
        "stock_id": "9865888",
        "coupon_id": "98674556",
        "singleitem_discount_off": {},
        "discount_to": {"cut_to_price": 100},
    }))
    .expect("decodes");
    let single = resource.singleitem_discount_off.expect("present");
    assert_eq!(single.single_price_max, None);
    let discount = resource.discount_to.expect("present");
    assert_eq!(
        (discount.cut_to_price.map(Fen::get), discount.max_price),
        (Some(100), None)
    );
}
