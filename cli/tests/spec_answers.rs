//! An operation that exists only in the spec is callable through `wxpay`: the sandbox answers
//! it from the spec (signed; the binary verifies and decodes it) with no Rust written for it.
//! Shown with a real operation whose stateful handler is switched off, which is how the
//! sandbox serves an operation added to `spec/` (see `sandbox/tests/spec_answers.rs` for the
//! typed client chain and every operation of the catalogue).

use serde_json::Value;
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_sandbox::SpecAnswers;

mod support;

#[test]
fn an_operation_without_a_handler_answers_through_wxpay() {
    let world = support::start("wxpay-spec-answers");
    let creator = world.sandbox.mchid().to_owned();
    let args = [
        "query-stock",
        "--stock-id",
        "404404",
        "--stock-creator-mchid",
        &creator,
    ];

    // With its handler, the sandbox has no such stock.
    let (code, stdout, stderr) = world.wxpay(&args);
    assert_eq!(code, 4, "an API 4xx\n{stdout}\n{stderr}");
    assert!(stderr.contains("RESOURCE_NOT_EXISTS"), "{stderr}");

    // Without it, the spec's answer: the `Stock` type's examples, verified and decoded.
    world
        .sandbox
        .set_spec_answers(SpecAnswers::operations(["query_stock"]))
        .expect("a spec operation");
    let (code, stdout, stderr) = world.wxpay(&args);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let stock: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    let example = |field: &str| {
        SCHEMA
            .fields_of("Stock")
            .iter()
            .find(|f| f.wire == field)
            .and_then(|f| f.example)
            .expect("an example in the spec")
    };
    assert_eq!(stock["stock_id"], example("stock_id"), "{stdout}");
    assert_eq!(stock["stock_name"], example("stock_name"), "{stdout}");
    assert!(
        stock["create_time"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{stdout}"
    );
}
