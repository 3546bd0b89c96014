//! The wire format of every generated operation, without a network: snapshots of the request each
//! operation builds (`METHOD request-target`, a blank line, then the exact body bytes), the
//! client-side validation that stops a bad value before anything is sent, and how responses
//! decode (unknown fields, unknown enum values, missing or `null` lists).

use serde_json::Value;
use wechatpay_apiv3::api::{
    BusinessType, Coupon, CouponList, CouponStatus, CouponStatusFilter, CouponType,
    ListCouponsByFilter, ListCouponsByFilterQuery, SendCoupon, SendCouponBody, SendCouponResponse,
};
use wechatpay_apiv3::{Error, HttpRequest, Method, Operation};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";

/// The request as a reviewer reads it: `METHOD target`, then, when there is a body, a blank
/// line and the body bytes verbatim.
fn show(request: &HttpRequest) -> String {
    let head = format!("{} {}", request.method.as_str(), request.path_and_query);
    match &request.body {
        Some(_) => format!("{head}\n\n{}", request.body_str()),
        None => head,
    }
}

fn build<O: Operation>(operation: &O) -> HttpRequest {
    operation
        .build()
        .unwrap_or_else(|e| panic!("{} does not build: {e}", O::META.id))
}

fn body() -> SendCouponBody {
    SendCouponBody::new("9856000", "89560002019101000121", APPID, "8956000")
}

fn body_json(request: &HttpRequest) -> Value {
    serde_json::from_slice(request.body.as_deref().expect("a body")).expect("the body is JSON")
}

/// The field and problem of a client-side validation error; anything else fails the test.
fn invalid<O: Operation>(operation: &O) -> (String, String) {
    match operation.build() {
        Err(Error::InvalidRequest { field, problem }) => (field, problem),
        Err(other) => panic!("expected Error::InvalidRequest, got {other:?}"),
        Ok(request) => panic!("expected Error::InvalidRequest, built:\n{}", show(&request)),
    }
}

// ---------------------------------------------------------------------------------------------
// send_coupon: POST /v3/marketing/favor/users/{openid}/coupons

#[test]
fn send_coupon_required_fields_only() {
    let request = build(&SendCoupon::new(OPENID, body()));
    assert_eq!(request.method, Method::Post);
    insta::assert_snapshot!(show(&request), @r#"
    POST /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons

    {"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000"}
    "#);
}

#[test]
fn send_coupon_with_every_optional_field() {
    let request = build(&SendCoupon::new(
        OPENID,
        body().coupon_value(100).coupon_minimum(0),
    ));
    insta::assert_snapshot!(show(&request), @r#"
    POST /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons

    {"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000","coupon_value":100,"coupon_minimum":0}
    "#);
}

#[test]
fn send_coupon_body_keeps_chinese_text_as_utf8() {
    // `stock_id` has no charset, so any text goes; the body bytes are UTF-8, not `\u` escapes.
    let request = build(&SendCoupon::new(
        OPENID,
        SendCouponBody::new("批次 1", "no-1", "wx 应用 & 'x'", "8956000"),
    ));
    insta::assert_snapshot!(show(&request), @r#"
    POST /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons

    {"stock_id":"批次 1","out_request_no":"no-1","appid":"wx 应用 & 'x'","stock_creator_mchid":"8956000"}
    "#);
}

#[test]
fn optional_none_fields_are_absent_from_the_json_never_null() {
    let request = build(&SendCoupon::new(OPENID, body()));
    let json = body_json(&request);
    let object = json.as_object().expect("an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["appid", "out_request_no", "stock_creator_mchid", "stock_id"]
    );
    assert!(
        !request.body_str().contains("null"),
        "{}",
        request.body_str()
    );
    assert!(!request.body_str().contains("coupon_value"));

    // The same rule holds for every generated type that is serialized, responses included.
    let coupon = serde_json::to_string(&sample_coupon()).expect("serializes");
    assert!(!coupon.contains("null"), "{coupon}");
    for absent in [
        "cut_to_message",
        "no_cash",
        "consume_information",
        "stop_time",
    ] {
        assert!(!coupon.contains(absent), "{absent} in {coupon}");
    }
    // Except a list the spec marks `always_serialize`: a page's `data` is sent as `[]`.
    let empty_page = serde_json::to_string(&CouponList::new(0, 0, 10)).expect("serializes");
    assert_eq!(
        empty_page,
        r#"{"data":[],"total_count":0,"offset":0,"limit":10}"#
    );
}

#[test]
fn building_is_pure() {
    let operation = SendCoupon::new(OPENID, body().coupon_value(100));
    assert_eq!(build(&operation), build(&operation));
    assert_eq!(
        SendCoupon::META.path_template,
        "/v3/marketing/favor/users/{openid}/coupons"
    );
    // send_coupon declares out_request_no; a GET is always safe to retry.
    const { assert!(SendCoupon::META.idempotent) };
    const { assert!(ListCouponsByFilter::META.idempotent) };
}

// ---------------------------------------------------------------------------------------------
// list_coupons_by_filter: GET /v3/marketing/favor/users/{openid}/coupons

#[test]
fn list_coupons_required_query_only() {
    let request = build(&ListCouponsByFilter::new(
        OPENID,
        ListCouponsByFilterQuery::new(APPID),
    ));
    assert_eq!(request.method, Method::Get);
    assert_eq!(request.body, None, "a GET has no body");
    insta::assert_snapshot!(show(&request), @"GET /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx233544546545989");
}

#[test]
fn list_coupons_with_every_query_parameter() {
    let query = ListCouponsByFilterQuery::new(APPID)
        .stock_id("9865000")
        .status(CouponStatusFilter::Used)
        .creator_mchid("9865002")
        .sender_mchid("9865001")
        .available_mchid("9865000")
        .offset(2)
        .limit(10)
        .business_type(BusinessType::Multiuse);
    let request = build(&ListCouponsByFilter::new(OPENID, query));
    assert_eq!(request.body, None);
    insta::assert_snapshot!(show(&request), @"GET /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx233544546545989&stock_id=9865000&status=USED&creator_mchid=9865002&sender_mchid=9865001&available_mchid=9865000&offset=2&limit=10&business_type=MULTIUSE");
}

#[test]
fn query_values_with_chinese_spaces_ampersands_and_quotes_are_percent_encoded() {
    let query = ListCouponsByFilterQuery::new("wx 微信&appid='x'")
        .stock_id("批次+1 #2")
        .creator_mchid("a&b=c")
        .status(CouponStatusFilter::Unknown("NEW STATUS&x=1".into()));
    let request = build(&ListCouponsByFilter::new(OPENID, query));
    insta::assert_snapshot!(show(&request), @"GET /v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons?appid=wx%20%E5%BE%AE%E4%BF%A1%26appid%3D%27x%27&stock_id=%E6%89%B9%E6%AC%A1%2B1%20%232&status=NEW%20STATUS%26x%3D1&creator_mchid=a%26b%3Dc");

    // Exactly the parameters that were set, each once; no value leaks a separator.
    let (path, query) = request.path_and_query.split_once('?').expect("a query");
    assert_eq!(path, format!("/v3/marketing/favor/users/{OPENID}/coupons"));
    let names: Vec<&str> = query
        .split('&')
        .map(|pair| pair.split_once('=').expect("name=value").0)
        .collect();
    assert_eq!(names, ["appid", "stock_id", "status", "creator_mchid"]);
    assert!(!request.path_and_query.contains(' '));
    assert!(!request.path_and_query.contains('#'));
    assert!(!request.path_and_query.contains('\''));
    assert!(
        !query.contains('+'),
        "a space must be %20 and a plus %2B, never `+`"
    );
}

// ---------------------------------------------------------------------------------------------
// Path parameters cannot change the path.

#[test]
fn openid_with_path_syntax_is_percent_encoded() {
    let evil = "../x?y#z";
    let post = build(&SendCoupon::new(evil, body()));
    let get = build(&ListCouponsByFilter::new(
        evil,
        ListCouponsByFilterQuery::new(APPID).limit(10),
    ));
    insta::assert_snapshot!(format!("{}\n---\n{}", show(&post), show(&get)), @r#"
    POST /v3/marketing/favor/users/..%2Fx%3Fy%23z/coupons

    {"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"8956000"}
    ---
    GET /v3/marketing/favor/users/..%2Fx%3Fy%23z/coupons?appid=wx233544546545989&limit=10
    "#);

    for request in [&post, &get] {
        let target = &request.path_and_query;
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let segments: Vec<&str> = path.split('/').collect();
        assert_eq!(
            segments,
            [
                "",
                "v3",
                "marketing",
                "favor",
                "users",
                "..%2Fx%3Fy%23z",
                "coupons"
            ],
            "the openid stays one segment"
        );
        assert!(!target.contains('#'));
        assert!(query.is_empty() || query.starts_with("appid="), "{target}");
    }
}

#[test]
fn dot_segments_and_other_path_values_stay_one_segment() {
    for (openid, encoded) in [
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a/b", "a%2Fb"),
        ("用户", "%E7%94%A8%E6%88%B7"),
        ("a b%2F", "a%20b%252F"),
        ("%2e%2e", "%252e%252e"),
    ] {
        let request = build(&SendCoupon::new(openid, body()));
        assert_eq!(
            request.path_and_query,
            format!("/v3/marketing/favor/users/{encoded}/coupons"),
            "openid {openid:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Client-side validation: a bad value fails at build, before anything is signed or sent.

#[test]
fn empty_required_body_string_names_the_field() {
    let (field, problem) = invalid(&SendCoupon::new(
        OPENID,
        SendCouponBody::new("", "89560002019101000121", APPID, "8956000"),
    ));
    assert_eq!(field, "body.stock_id");
    insta::assert_snapshot!(problem, @"must not be empty");
}

#[test]
fn too_long_out_request_no_names_the_field() {
    let long = "a".repeat(129);
    let (field, problem) = invalid(&SendCoupon::new(
        OPENID,
        SendCouponBody::new("9856000", long, APPID, "8956000"),
    ));
    assert_eq!(field, "body.out_request_no");
    insta::assert_snapshot!(problem, @"is 129 characters long, at most 128 allowed");

    // 128 is the limit, and it counts characters.
    assert!(
        SendCoupon::new(
            OPENID,
            SendCouponBody::new("9856000", "a".repeat(128), APPID, "8956000")
        )
        .build()
        .is_ok()
    );
}

#[test]
fn out_request_no_outside_its_charset_names_the_field() {
    let (field, problem) = invalid(&SendCoupon::new(
        OPENID,
        SendCouponBody::new("9856000", "8956/0002", APPID, "8956000"),
    ));
    assert_eq!(field, "body.out_request_no");
    insta::assert_snapshot!(problem, @"contains '/'; allowed characters are 0-9A-Za-z|_*-");

    // Every character the charset names is accepted.
    assert!(
        SendCoupon::new(
            OPENID,
            SendCouponBody::new("9856000", "09AZaz|_*-", APPID, "8956000")
        )
        .build()
        .is_ok()
    );
}

#[test]
fn four_byte_emoji_in_appid_names_the_field() {
    let (field, problem) = invalid(&SendCoupon::new(
        OPENID,
        SendCouponBody::new("9856000", "no1", "wx🎟", "8956000"),
    ));
    assert_eq!(field, "body.appid");
    insta::assert_snapshot!(problem, @"contains the character '🎟' (U+1F39F), which WeChat Pay does not accept");

    // The same rule in a query value.
    let (field, _) = invalid(&ListCouponsByFilter::new(
        OPENID,
        ListCouponsByFilterQuery::new("wx😀"),
    ));
    assert_eq!(field, "query.appid");
}

#[test]
fn query_limit_outside_1_to_100_names_the_field() {
    let list =
        |limit| ListCouponsByFilter::new(OPENID, ListCouponsByFilterQuery::new(APPID).limit(limit));
    let (field, problem) = invalid(&list(0));
    assert_eq!(field, "query.limit");
    insta::assert_snapshot!(problem, @"is 0, at least 1 required");
    let (field, problem) = invalid(&list(101));
    assert_eq!(field, "query.limit");
    insta::assert_snapshot!(problem, @"is 101, at most 100 allowed");
    assert!(list(1).build().is_ok());
    assert!(list(100).build().is_ok());
}

#[test]
fn empty_openid_names_the_path_parameter() {
    let (field, problem) = invalid(&SendCoupon::new("", body()));
    assert_eq!(field, "path.openid");
    assert_eq!(problem, "must not be empty");
    let (field, _) = invalid(&ListCouponsByFilter::new(
        "",
        ListCouponsByFilterQuery::new(APPID),
    ));
    assert_eq!(field, "path.openid");
}

#[test]
fn optional_body_values_are_checked_when_set() {
    let (field, problem) = invalid(&SendCoupon::new(OPENID, body().coupon_value(0)));
    assert_eq!(field, "body.coupon_value");
    assert_eq!(problem, "is 0, at least 1 required");
    let (field, _) = invalid(&SendCoupon::new(OPENID, body().coupon_minimum(-1)));
    assert_eq!(field, "body.coupon_minimum");
    let (field, _) = invalid(&ListCouponsByFilter::new(
        OPENID,
        ListCouponsByFilterQuery::new(APPID).stock_id("1".repeat(21)),
    ));
    assert_eq!(field, "query.stock_id");
}

#[test]
fn validation_errors_read_well_and_are_not_retryable() {
    let error = SendCoupon::new(OPENID, SendCouponBody::new("", "no1", APPID, "8956000"))
        .build()
        .expect_err("empty stock_id");
    assert!(!error.is_retryable());
    insta::assert_snapshot!(error.to_string(), @"invalid request: `body.stock_id` must not be empty");
}

// ---------------------------------------------------------------------------------------------
// Open enums.

#[test]
fn unknown_enum_values_round_trip_through_serde() {
    let unknown = CouponStatus::Unknown("X".into());
    let json = serde_json::to_string(&unknown).expect("serializes");
    assert_eq!(json, r#""X""#);
    let back: CouponStatus = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, unknown);
    assert_eq!(back.as_str(), "X");

    for (known, wire) in [
        (CouponStatus::Sended, "SENDED"),
        (CouponStatus::Used, "USED"),
        (CouponStatus::Expired, "EXPIRED"),
        (CouponStatus::Recover, "RECOVER"),
    ] {
        let json = serde_json::to_string(&known).expect("serializes");
        assert_eq!(json, format!("\"{wire}\""));
        assert_eq!(
            serde_json::from_str::<CouponStatus>(&json).expect("deserializes"),
            known
        );
        assert_eq!(CouponStatus::from(wire), known);
        assert_eq!(known.to_string(), wire);
    }
    // Case matters on the wire: `sended` is not `SENDED`.
    assert_eq!(
        CouponStatus::from("sended"),
        CouponStatus::Unknown("sended".into())
    );
    let filter: CouponStatusFilter = serde_json::from_str(r#""EXPIRED""#).expect("open enum");
    assert_eq!(filter, CouponStatusFilter::Unknown("EXPIRED".into()));
    let business: BusinessType = serde_json::from_str(r#""FUTURE""#).expect("open enum");
    assert_eq!(
        serde_json::to_string(&business).expect("serializes"),
        r#""FUTURE""#
    );
}

// ---------------------------------------------------------------------------------------------
// Responses are forward compatible.

fn sample_coupon() -> Coupon {
    use wechatpay_apiv3::Timestamp;
    Coupon::new(
        "9800064",
        "9865888",
        "98674556",
        "微信支付代金券",
        CouponStatus::Sended,
        "使用说明",
        Timestamp::from_wire("2015-05-20T13:29:35.120+08:00"),
        CouponType::Normal,
        Timestamp::from_wire("2015-05-20T13:29:35.120+08:00"),
        Timestamp::from_wire("2015-05-21T13:29:35.120+08:00"),
    )
}

const PAGE_WITH_NEWS: &str = r#"{
  "data": [
    {
      "stock_creator_mchid": "9800064",
      "stock_id": "9865888",
      "coupon_id": "98674556",
      "cut_to_message": {"single_price_max": 100, "cut_to_price": 100, "new_inner": true},
      "coupon_name": "微信支付代金券",
      "status": "FROZEN",
      "description": "微信支付营销代金券",
      "create_time": "2015-05-20T13:29:35.120+08:00",
      "coupon_type": "DISCOUNT",
      "no_cash": null,
      "available_begin_time": "2015-05-20T13:29:35.120+08:00",
      "available_end_time": "2015-05-20T13:29:35.120+08:00",
      "singleitem": false,
      "normal_coupon_information": {"coupon_amount": 100, "transaction_minimum": 100},
      "consume_information": {
        "consume_time": "2015-05-20T13:29:35.120+08:00",
        "consume_mchid": "9856888",
        "transaction_id": "4200000000000000000",
        "goods_detail": null
      },
      "business_type": "SOMETHING_NEW",
      "a_field_from_2030": {"nested": [1, 2, 3]}
    }
  ],
  "total_count": 1,
  "offset": 0,
  "limit": 20,
  "next_cursor": "abc"
}"#;

#[test]
fn responses_with_unknown_fields_and_enum_values_decode() {
    let page: CouponList = serde_json::from_str(PAGE_WITH_NEWS).expect("forward compatible");
    assert_eq!((page.total_count, page.offset, page.limit), (1, 0, 20));
    let coupon = &page.data[0];
    assert_eq!(coupon.coupon_id, "98674556");
    assert_eq!(coupon.status, CouponStatus::Unknown("FROZEN".into()));
    assert_eq!(coupon.coupon_type, CouponType::Unknown("DISCOUNT".into()));
    assert_eq!(
        coupon.business_type,
        Some(BusinessType::Unknown("SOMETHING_NEW".into()))
    );
    assert_eq!(coupon.no_cash, None, "`null` decodes as absent");
    assert_eq!(coupon.singleitem, Some(false));
    assert_eq!(
        coupon
            .consume_information
            .as_ref()
            .map(|c| c.goods_detail.len()),
        Some(0),
        "a `null` list decodes as empty"
    );
    assert_eq!(
        coupon.create_time.as_str(),
        "2015-05-20T13:29:35.120+08:00",
        "times keep their wire text"
    );

    // The operation's own decoder agrees.
    let decoded = ListCouponsByFilter::decode(PAGE_WITH_NEWS.as_bytes(), Some("req-1".into()))
        .expect("decodes");
    assert_eq!(decoded, page);
    let sent = SendCoupon::decode(br#"{"coupon_id":"9867041","extra":1}"#, None).expect("decodes");
    assert_eq!(sent, SendCouponResponse::new("9867041"));
}

#[test]
fn missing_or_null_data_decodes_as_an_empty_list() {
    let missing: CouponList =
        serde_json::from_str(r#"{"total_count":0,"offset":0,"limit":20}"#).expect("decodes");
    assert!(missing.data.is_empty());
    let null: CouponList =
        serde_json::from_str(r#"{"data":null,"total_count":0,"offset":0,"limit":20}"#)
            .expect("decodes");
    assert!(null.data.is_empty());
    let empty: CouponList =
        serde_json::from_str(r#"{"data":[],"total_count":0,"offset":0,"limit":20}"#)
            .expect("decodes");
    assert_eq!(missing, null);
    assert_eq!(null, empty);
}

#[test]
fn missing_required_response_fields_are_a_decode_error() {
    let error = ListCouponsByFilter::decode(br#"{"data":[]}"#, Some("req-2".into()))
        .expect_err("total_count is required");
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}
