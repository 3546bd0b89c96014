//! An operation that exists only in the spec is callable through `wxpay`: the sandbox answers
//! it from the spec (signed; the binary verifies and decodes it) with no Rust written for it.
//! Shown with a real operation whose stateful handler is switched off, which is how the
//! sandbox serves an operation added to `spec/` (see `sandbox/tests/spec_answers.rs` for the
//! typed client chain and every operation of the catalogue).

use std::process::Command;

use serde_json::Value;
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_sandbox::SpecAnswers;

mod support;

/// Runs the built binary against the sandbox, with no inherited setting (its home is the test's
/// folder, which holds no config file): exit code, stdout, stderr.
fn wxpay(world: &support::World, args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wxpay"));
    command.args(args).env_clear().env("HOME", &world.dir);
    for (name, value) in world.env() {
        command.env(name, value);
    }
    let output = command.output().expect("run wxpay");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

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
    let (code, stdout, stderr) = wxpay(&world, &args);
    assert_eq!(code, 4, "an API 4xx\n{stdout}\n{stderr}");
    assert!(stderr.contains("RESOURCE_NOT_EXISTS"), "{stderr}");

    // Without it, the spec's answer: the `Stock` type's examples, verified and decoded.
    world
        .sandbox
        .set_spec_answers(SpecAnswers::operations(["query_stock"]))
        .expect("a spec operation");
    let (code, stdout, stderr) = wxpay(&world, &args);
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
