//! Every operation of the corpus through its catalogue, as a tool that knows operations only by
//! name (the `wxpay` CLI) drives them: the parameters it lists, with their kinds, and the typed
//! operation it builds from text and JSON, which must build the very request the typed value
//! builds.

mod common;

use std::collections::BTreeSet;

use common::{cases, show};
use wechatpay_shapes::api::catalog;
use wechatpay_shapes::dynamic::{DynamicInput, Location, ValueKind};
use wechatpay_shapes::{Error, Method};

#[test]
fn every_operation_round_trips_through_the_catalogue() {
    let cases = cases();
    let sampled: BTreeSet<&str> = cases.iter().map(|c| c.id).collect();
    let listed: BTreeSet<&str> = catalog::OPERATIONS.iter().map(|op| op.id).collect();
    assert_eq!(sampled, listed, "every catalogue operation has a sample");
    for case in &cases {
        let typed = case
            .typed
            .as_ref()
            .unwrap_or_else(|e| panic!("{} ({}): {e}", case.id, case.what));
        let dynamic = catalog::build(case.id, &case.input)
            .and_then(|op| op.build())
            .unwrap_or_else(|e| panic!("{} ({}) through the catalogue: {e}", case.id, case.what));
        assert_eq!(
            show(&dynamic),
            show(typed),
            "{} ({}): the catalogue builds another request",
            case.id,
            case.what
        );
        let info = catalog::operation(case.id).expect("listed");
        assert_eq!(info.method, typed.method, "{}", case.id);
        // An upload's body is multipart, not the JSON body `has_body` speaks of.
        let json_body = typed.body.is_some() && typed.content_type.is_none();
        assert_eq!(info.has_body, json_body, "{}", case.id);
    }
}

#[test]
fn path_parameters_are_listed_with_their_kinds() {
    let op = catalog::operation("create_thing").expect("listed");
    let path: Vec<(&str, ValueKind)> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| (p.name, p.kind))
        .collect();
    assert_eq!(
        path,
        [
            ("text", ValueKind::String),
            ("flag", ValueKind::Bool),
            ("small", ValueKind::Integer),
            ("big", ValueKind::Integer),
            ("count", ValueKind::Integer),
            ("total", ValueKind::Integer),
            ("amount", ValueKind::Money),
            ("at", ValueKind::Time),
            ("day", ValueKind::Date),
            (
                "state",
                ValueKind::Enum(&["ACTIVE", "closed", "010", "IN-REVIEW"])
            ),
        ]
    );
    assert!(
        op.params
            .iter()
            .all(|p| p.location != Location::Path || p.required)
    );
    assert_eq!(op.idempotency_key, Some("out_request_no"));
    let body: Vec<&str> = op
        .params
        .iter()
        .filter(|p| p.location == Location::Body)
        .map(|p| p.name)
        .collect();
    assert_eq!(body.first(), Some(&"out_request_no"));
    assert!(body.contains(&"type") && body.contains(&"labels"));
    let list = catalog::operation("list_records").expect("listed");
    assert!(list.paginated && !list.has_body && list.method == Method::Get);
}

/// The field and problem of a client-side error from the catalogue.
fn invalid(id: &str, input: &DynamicInput) -> (String, String) {
    match catalog::build(id, input).and_then(|op| op.build()) {
        Err(Error::InvalidRequest { field, problem }) => (field, problem),
        Err(other) => panic!("expected Error::InvalidRequest, got {other:?}"),
        Ok(request) => panic!("expected Error::InvalidRequest, built:\n{}", show(&request)),
    }
}

#[test]
fn text_that_does_not_parse_names_the_path_parameter() {
    let mut base = common::input(&[("record_id", serde_json::json!(0))], None, None);
    let (field, problem) = invalid("query_record", &base);
    assert_eq!(
        (field.as_str(), problem.as_str()),
        ("path.record_id", "is 0, at least 1 required")
    );
    base.path.insert("record_id".into(), "seven".into());
    let (field, problem) = invalid("query_record", &base);
    assert_eq!(field, "path.record_id");
    assert!(
        problem.starts_with("\"seven\" is not a valid value"),
        "{problem}"
    );
    base.path.insert("record_id".into(), "-1".into());
    assert_eq!(invalid("query_record", &base).0, "path.record_id");
    base.path.clear();
    let (field, problem) = invalid("query_record", &base);
    assert_eq!(
        (field.as_str(), problem.as_str()),
        ("path.record_id", "is required")
    );
    let (field, _) = invalid("no_such_operation", &base);
    assert_eq!(field, "operation");
}
