//! Building operations by name from JSON (`api::catalog`, as the `wxpay` CLI does): a value that
//! does not fit names its field by path (`query.limit`, `body.stock_use_rule.max_coupons`), so a
//! tool can point at the flag it came from. Nothing is sent.

use serde_json::json;
use wechatpay_apiv3::Error;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::DynamicInput;

/// The `field` of the invalid-request error building `id` from `input` gives.
fn invalid_field(id: &str, input: &DynamicInput) -> (String, String) {
    match catalog::build(id, input) {
        Err(Error::InvalidRequest { field, problem }) => (field, problem),
        Err(other) => panic!("{id}: expected an invalid request, got {other:?}"),
        Ok(_) => panic!("{id}: built"),
    }
}

fn query(value: serde_json::Value) -> DynamicInput {
    let serde_json::Value::Object(query) = value else {
        panic!("a JSON object");
    };
    DynamicInput {
        query,
        ..DynamicInput::default()
    }
}

#[test]
fn a_query_value_of_the_wrong_kind_names_its_parameter() {
    let (field, problem) = invalid_field(
        "list_stocks",
        &query(json!({"offset": 0, "limit": -1, "stock_creator_mchid": "9856888"})),
    );
    assert_eq!(field, "query.limit");
    assert!(problem.contains("-1"), "{problem}");

    let (field, _) = invalid_field(
        "list_stocks",
        &query(json!({"offset": "first", "limit": 10, "stock_creator_mchid": "9856888"})),
    );
    assert_eq!(field, "query.offset");
}

#[test]
fn a_missing_required_parameter_names_the_location_and_the_field() {
    let (field, problem) = invalid_field("list_stocks", &query(json!({"offset": 0, "limit": 10})));
    assert_eq!(field, "query");
    assert!(problem.contains("stock_creator_mchid"), "{problem}");
}

#[test]
fn a_nested_body_value_names_its_full_path() {
    let input = DynamicInput {
        body: Some(json!({"stock_use_rule": {"max_coupons": -1}})),
        ..DynamicInput::default()
    };
    let (field, problem) = invalid_field("create_coupon_stock", &input);
    assert_eq!(field, "body.stock_use_rule.max_coupons");
    assert!(problem.contains("-1"), "{problem}");
}

#[test]
fn a_value_that_fits_builds() {
    let input = query(json!({"offset": 0, "limit": 10, "stock_creator_mchid": "9856888"}));
    let operation = catalog::build("list_stocks", &input).expect("builds");
    let request = operation.build().expect("valid");
    assert!(
        request.path_and_query.contains("limit=10"),
        "{}",
        request.path_and_query
    );
}
