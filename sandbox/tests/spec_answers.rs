//! Operations that exist only in the spec: an operation the sandbox has no stateful handler for
//! answers from the spec — signed, decoded by the generated client, valid for its response type
//! — with no Rust written for it. Shown with real operations whose handlers are switched off by
//! configuration (`SandboxConfig::answer_from_spec`), which is exactly how an operation added to
//! `spec/` is served; `cli/tests/spec_answers.rs` drives the same through `wxpay`.

mod common;

use common::{Harness, keys};
use serde_json::{Value, json};
use wechatpay_apiv3::CallOptions;
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_apiv3::api::{ErrorCode, QueryCallbackQuery, catalog};
use wechatpay_apiv3::dynamic::DynamicInput;
use wechatpay_apiv3::server::example;
use wechatpay_sandbox::{Sandbox, SandboxConfig, SpecAnswers};

/// The spec's `example:` of a field of a named type.
fn example_of(type_name: &str, field: &str) -> &'static str {
    SCHEMA
        .fields_of(type_name)
        .iter()
        .find(|f| f.wire == field)
        .and_then(|f| f.example)
        .unwrap_or_else(|| panic!("{type_name}.{field} has an example in the spec"))
}

#[tokio::test]
async fn a_switched_off_handler_answers_from_the_spec() {
    let sandbox =
        Sandbox::start(SandboxConfig::with_keys(keys()).answer_from_spec("query_callback"))
            .await
            .expect("sandbox");
    let client = sandbox.client_builder().build().expect("client");
    let query = || {
        client
            .v3()
            .marketing()
            .favor()
            .callbacks()
            .get(QueryCallbackQuery::new(sandbox.mchid()))
    };

    // No notify URL is set, so the sandbox's own handler would answer 404; the spec's answer is
    // the response type's examples, verified and decoded by the typed client.
    let answer = query().await.expect("an answer from the spec");
    assert_eq!(answer.notify_url, example_of("FavorCallback", "notify_url"));
    assert_eq!(answer.mchid, example_of("FavorCallback", "mchid"));
    assert_eq!(sandbox.notifications().url(), None, "nothing was stored");

    // Switched back on, the state answers again.
    sandbox
        .set_spec_answers(SpecAnswers::default())
        .expect("known operations");
    let err = query().await.expect_err("no notify URL is set");
    let api = err.as_api().expect("an API error");
    assert_eq!(
        (api.status, api.code()),
        (404, Some(ErrorCode::ResourceNotExists))
    );
}

#[tokio::test]
async fn a_spec_answer_still_decodes_and_validates_the_request() {
    let h =
        Harness::with(SandboxConfig::with_keys(keys()).answer_from_spec("query_callback")).await;
    let resp = h
        .call("GET", "/v3/marketing/favor/callbacks?mchid=", None)
        .await;
    assert_eq!((resp.status, resp.code()), (400, "PARAM_ERROR".to_owned()));
    assert_eq!(resp.json()["detail"]["field"], "mchid");
    h.verify(&resp).expect("signed");

    let ok = h
        .call("GET", "/v3/marketing/favor/callbacks?mchid=1", None)
        .await;
    assert_eq!(ok.status, 200, "{}", ok.message());
    h.verify(&ok).expect("signed");
    assert_eq!(ok.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn spec_answers_are_switched_over_http_and_checked() {
    let h = Harness::start().await;
    let put = |body: &'static str| {
        let h = &h;
        async move {
            let url = format!("{}/sandbox/spec-answers", h.sandbox.base_url());
            let resp = h.http.put(url).body(body).send().await.expect("admin");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("JSON"))
        }
    };
    let (status, now) = put(r#"{"operations":["query_stock","list_stocks"]}"#).await;
    assert_eq!(status, 200);
    assert_eq!(
        now,
        json!({"all": false, "operations": ["list_stocks", "query_stock"]})
    );
    assert!(h.sandbox.spec_answers().includes("query_stock"));
    // A stock the sandbox does not have: the spec's example answers.
    let resp = h
        .call(
            "GET",
            &format!(
                "/v3/marketing/favor/stocks/404404?stock_creator_mchid={}",
                h.sandbox.mchid()
            ),
            None,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.message());
    assert_eq!(resp.json()["stock_id"], example_of("Stock", "stock_id"));

    let (status, error) = put(r#"{"operations":["no_such_operation"]}"#).await;
    assert_eq!(status, 400);
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("no_such_operation")),
        "{error}"
    );
    assert!(
        Sandbox::start(SandboxConfig::with_keys(keys()).answer_from_spec("no_such_operation"))
            .await
            .is_err()
    );
}

/// Every operation of the catalogue, sent with its inputs' examples from the spec to a
/// sandbox where nothing has state: each answers 2xx, signed, and decodes as its response type.
/// An operation added to `spec/` is in the catalogue, so it is covered without an edit here.
#[tokio::test]
async fn every_operation_answers_from_the_spec() {
    let sandbox = Sandbox::start(SandboxConfig::with_keys(keys()).answer_all_from_spec())
        .await
        .expect("sandbox");
    let client = sandbox.client_builder().build().expect("client");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert_eq!(catalog::OPERATIONS.len(), SCHEMA.routes.len());
    for operation in catalog::OPERATIONS {
        let route = SCHEMA.route(operation.id).expect("a route per operation");
        let path = example::fields_value(&SCHEMA, route.path_params, now)
            .into_iter()
            .map(|(name, value)| match value {
                Value::String(text) => (name, text),
                other => (name, other.to_string()),
            })
            .collect();
        let input = DynamicInput {
            path,
            query: example::fields_value(&SCHEMA, route.query, now),
            body: route
                .body
                .map(|body| example::type_value(&SCHEMA, body, now)),
            file: route.upload.as_ref().map(example::upload_file),
        };
        let typed = catalog::build(operation.id, &input)
            .unwrap_or_else(|e| panic!("{}: the spec's examples do not build: {e}", operation.id));
        let answer = typed
            .send(&client, CallOptions::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", operation.id));
        match route.response {
            Some(response) => {
                let expected = example::type_value(&SCHEMA, response, now);
                let expected_keys: Vec<&String> = expected
                    .as_object()
                    .map(|o| o.keys().collect())
                    .unwrap_or_default();
                for key in expected_keys {
                    assert!(
                        answer.get(key).is_some(),
                        "{}: {key} missing from {answer}",
                        operation.id
                    );
                }
            }
            None => assert_eq!(answer, Value::Null, "{}", operation.id),
        }
    }
}
