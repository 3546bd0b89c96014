//! The corpus's generated server side (`api::server`, this crate's `server` feature): every
//! sample request the client builds is routed to its own operation, decoded, checked with the
//! spec's `validate()` and answered from the spec — the exact inverse of `build()` for every
//! construct of the language.

#![cfg(feature = "server")]

mod common;

use common::cases;
use serde_json::Value;
use wechatpay_shapes::api::server::{Handlers, SCHEMA, dispatch};
use wechatpay_shapes::multipart::META_CONTENT_TYPE;
use wechatpay_shapes::server::{Form, FormPart, Resolution, Router, Service};

/// Handlers that override nothing: every operation answers from the spec.
struct FromSpec;

impl Service for FromSpec {
    type Context = ();

    fn now_unix(&self) -> i64 {
        // 2024-01-01T00:00:00Z, so answers are the same on every run.
        1_704_067_200
    }
}

impl Handlers for FromSpec {}

#[test]
fn every_sample_request_is_routed_decoded_and_answered_from_the_spec() {
    let router = Router::new(&SCHEMA);
    // The server accepts only the values an enum lists (as WeChat Pay does); the client's
    // enums are open, and these samples send a value the spec does not list on purpose.
    let mut unlisted = Vec::new();
    for case in cases() {
        let request = case.typed.as_ref().expect("every sample builds");
        let body = request.body.as_deref().unwrap_or_default();
        let resolved = router.resolve(request.method.as_str(), &request.path_and_query, body);
        let Resolution::Operation(decoded) = resolved else {
            panic!("{} ({}): not routed", case.id, case.what);
        };
        // An upload's parts as a server's framework hands them over (the sandbox's tests send
        // real bodies through axum's `Multipart`): the signed `meta` JSON and the file's bytes.
        let form: Vec<FormPart> = match (decoded.route().upload.as_ref(), &request.file_bytes) {
            (Some(upload), Some(file)) => vec![
                FormPart {
                    name: upload.meta_part.to_owned(),
                    filename: None,
                    content_type: Some(META_CONTENT_TYPE.to_owned()),
                    data: request.signed_bytes().to_vec(),
                },
                FormPart {
                    name: upload.file_part.to_owned(),
                    filename: None,
                    content_type: None,
                    data: body[file.clone()].to_vec(),
                },
            ],
            _ => Vec::new(),
        };
        let decoded = decoded
            .with_content_type(request.content_type.as_deref())
            .with_form(Form::Parts(&form));
        assert_eq!(
            decoded.operation(),
            case.id,
            "{}: routed elsewhere",
            case.what
        );
        let answer = match dispatch(&FromSpec, &(), &decoded) {
            Ok(answer) => answer,
            Err(rejection)
                if rejection.code == "PARAM_ERROR"
                    && rejection.message.contains("expected one of") =>
            {
                unlisted.push(format!("{}: {}", case.id, case.what));
                continue;
            }
            Err(rejection) => panic!("{} ({}): rejected: {rejection:?}", case.id, case.what),
        };
        match decoded.route().response {
            None => {
                assert_eq!(answer.status, 204, "{}", case.id);
                assert!(answer.body.is_empty(), "{}", case.id);
            }
            Some(_) => {
                assert_eq!(answer.status, 200, "{}", case.id);
                let value: Value = serde_json::from_slice(&answer.body).expect("a JSON answer");
                assert!(value.is_object(), "{}: {value}", case.id);
            }
        }
    }
    insta::assert_snapshot!(unlisted.join("\n"), @r"
    create_thing: every query parameter and body field set
    touch_record: a query and no body
    ");
}

#[test]
fn another_parameter_name_at_the_same_position_is_its_own_route() {
    let router = Router::new(&SCHEMA);
    let Resolution::Operation(audit) =
        router.resolve("POST", "/v3/shapes/records/S-1/audit", br#"{"kind":"iOS"}"#)
    else {
        panic!("the audit route");
    };
    assert_eq!(audit.operation(), "audit_record");
    assert_eq!(audit.raw_params(), ["S-1"]);
}
