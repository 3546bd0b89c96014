//! The requests the corpus's operations build, without a network: a snapshot of every sample
//! (`METHOD request-target`, then the exact body bytes), the same requests reached through the
//! typed client chain, what each operation says about retries, and the client-side checks of
//! every constraint kind, each naming the value by its path.

mod common;

use common::{AT, DAY, cases, full_body, full_create_query, minimal_body, part, show, thing_path};
use wechatpay_shapes::api::*;
use wechatpay_shapes::{Error, Fen, Operation, Timestamp};

#[test]
fn every_sample_request() {
    let shown: Vec<String> = cases()
        .iter()
        .map(|case| match &case.typed {
            Ok(request) => format!("# {} — {}\n{}", case.id, case.what, show(request)),
            Err(e) => panic!("{} ({}) does not build: {e}", case.id, case.what),
        })
        .collect();
    insta::assert_snapshot!("sample_requests", shown.join("\n\n"));
}

/// A client that only builds requests here (nothing is sent): a fresh RSA key signs and verifies.
fn client() -> wechatpay_shapes::Client {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::KeyPair as _;
    use base64::Engine as _;

    let pem = |label: &str, der: &[u8]| {
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    };
    let key =
        aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("an RSA key");
    let private = key.as_der().expect("PKCS#8");
    let public = key.public_key().as_der().expect("SPKI");
    wechatpay_shapes::ClientBuilder::default()
        .mchid("1900009191")
        .merchant_serial("SHAPES")
        .private_key_pem(&pem("PRIVATE KEY", private.as_ref()))
        .public_key_pem("PUB_KEY_ID_SHAPES", &pem("PUBLIC KEY", public.as_ref()))
        .build()
        .map(wechatpay_shapes::Client::from)
        .expect("a client")
}

#[test]
fn the_chain_mirrors_the_url_and_builds_the_same_requests() {
    let client = client();
    let p = thing_path();
    let things = client
        .v3()
        .shapes()
        .text(p.text)
        .flag(p.flag)
        .small(p.small)
        .big(p.big)
        .count(p.count)
        .total(p.total)
        .amount(p.amount)
        .at(Timestamp::from_wire(p.at))
        .day(wechatpay_shapes::Date::from_wire(p.day))
        .state(p.state.clone())
        .things();
    let post = things.post(full_create_query(), full_body());
    let direct = p.create(full_create_query(), full_body());
    assert_eq!(post.operation(), &direct);
    assert_eq!(post.build().ok(), direct.build().ok());
    let get = things.get(ListThingsQuery::new(0));
    assert_eq!(get.operation(), &p.list(ListThingsQuery::new(0)));

    let record = client.v3().shapes().records().record_id(9);
    assert_eq!(record.get().operation(), &QueryRecord::new(9));
    assert_eq!(record.delete().operation(), &DeleteRecord::new(9));
    let body = SetRecordTypeBody::new(RecordKind::Special);
    assert_eq!(
        record.r#type().post(body.clone()).operation(),
        &SetRecordType::new(9, body)
    );
    let query = TouchRecordQuery::new(RecordKind::Plain);
    assert_eq!(
        record.patch(query.clone()).operation(),
        &TouchRecord::new(9, query)
    );
    // Another parameter name at the same position gets its own link.
    let body = AuditRecordBody::new(RecordKind::Ios);
    let audit = client.v3().shapes().records().serial("S-1").audit();
    assert_eq!(
        audit.post(body.clone()).operation(),
        &AuditRecord::new("S-1", body)
    );
}

#[test]
fn retries_follow_the_spec() {
    // A `get`, an idempotency key and `idempotent: true` make re-sending safe; nothing else does.
    let retried = [
        (CreateThing::META, true),
        (ListThings::META, true),
        (ListRecords::META, true),
        (QueryRecord::META, true),
        (ReplaceRecord::META, true),
        (DeleteRecord::META, false),
        (TouchRecord::META, false),
        (SetRecordType::META, false),
    ];
    for (meta, idempotent) in retried {
        assert_eq!(meta.idempotent, idempotent, "{}", meta.id);
    }
    let signed = [QueryRecord::META, CreateThing::META].map(|meta| meta.signed_response);
    assert_eq!(signed, [false, true]);
}

/// The field and problem of a client-side validation error; anything else fails the test.
fn invalid<O: Operation>(operation: &O) -> (String, String) {
    match operation.build() {
        Err(Error::InvalidRequest { field, problem }) => (field, problem),
        Err(other) => panic!("expected Error::InvalidRequest, got {other:?}"),
        Ok(request) => panic!("expected Error::InvalidRequest, built:\n{}", show(&request)),
    }
}

fn create(body: CreateThingBody) -> CreateThing {
    thing_path().create(CreateThingQuery::new("q"), body)
}

#[test]
fn every_constraint_kind_names_the_value_it_rejects() {
    let mut failures: Vec<String> = Vec::new();
    let mut check =
        |(field, problem): (String, String)| failures.push(format!("{field}: {problem}"));

    // Path parameters of each checked kind.
    let mut p = thing_path();
    p.small = 6;
    check(invalid(
        &p.create(CreateThingQuery::new("q"), minimal_body()),
    ));
    let mut p = thing_path();
    p.amount = 0;
    check(invalid(
        &p.create(CreateThingQuery::new("q"), minimal_body()),
    ));
    let mut p = thing_path();
    p.at = "2024-05-20 13:29";
    check(invalid(
        &p.create(CreateThingQuery::new("q"), minimal_body()),
    ));
    let mut p = thing_path();
    p.day = "2024-02-30";
    check(invalid(
        &p.create(CreateThingQuery::new("q"), minimal_body()),
    ));
    let mut p = thing_path();
    p.text = "";
    check(invalid(
        &p.create(CreateThingQuery::new("q"), minimal_body()),
    ));
    check(invalid(&QueryRecord::new(0)));

    // Query parameters.
    check(invalid(&thing_path().create(
        CreateThingQuery::new("q").q_small(-6),
        minimal_body(),
    )));
    check(invalid(
        &thing_path().list(ListThingsQuery::new(0).limit(51)),
    ));
    check(invalid(&ListRecords::new(ListRecordsQuery::new(0))));

    // Body fields, nested objects, and each item of a list.
    check(invalid(&create(
        minimal_body().notify_url("https://m.example.com/n?x=1"),
    )));
    check(invalid(&create(
        minimal_body().goods_ids(vec!["ok".into(), "seven77".into()]),
    )));
    check(invalid(&create(minimal_body().week_days(vec![0, 1, 7]))));
    check(invalid(&create(minimal_body().prices(vec![Fen::new(0)]))));
    check(invalid(&create(
        minimal_body().mirror_urls(vec!["http://m.example.com".into()]),
    )));
    check(invalid(&create(minimal_body().parts(vec![
        Part::new("P1"),
        Part::new("P1").detail(PartDetail::new("x").codes(vec!["a1".into()])),
    ]))));
    check(invalid(&create(minimal_body().parts(vec![
        Part::new("P1"),
        Part::new("P2"),
        part(),
        part(),
    ]))));
    let mut body = minimal_body();
    body.bins = vec!["12345".into()];
    check(invalid(&create(body)));
    let mut body = minimal_body();
    body.bins = Vec::new();
    check(invalid(&create(body)));
    let mut body = minimal_body();
    body.part = Part::new("p1");
    check(invalid(&create(body)));
    check(invalid(&create(minimal_body().small(6))));
    check(invalid(&create(
        minimal_body().states(vec![ShapeState::from("A\u{1F39F}")]),
    )));
    check(invalid(&ReplaceRecord::new(
        1,
        ReplaceRecordBody::new(RecordKind::Plain)
            .title("二十一个字符二十一个字符二十一个字符二十一"),
    )));
    check(invalid(&TouchRecord::new(
        1,
        TouchRecordQuery::new(RecordKind::Plain).at(Timestamp::from_wire("later")),
    )));
    // The file of an upload: its name, its type and its size, against the spec's `upload:`.
    let attach = |name: &str, bytes: &[u8]| {
        AttachRecordFile::new(
            1,
            AttachRecordFileQuery::new(),
            wechatpay_shapes::UploadFile::new(name, bytes.to_vec()),
        )
    };
    check(invalid(&attach("scan.gif", b"GIF89a")));
    check(invalid(&attach("scan", b"x")));
    check(invalid(&attach("dir/scan.jpg", b"x")));
    check(invalid(&attach("scan.txt", b"")));
    check(invalid(&attach("scan.txt", &[b'x'; 17])));
    insta::assert_snapshot!("constraint_failures", failures.join("\n"));
}

#[test]
fn times_and_dates_keep_their_wire_text() {
    let request = create(minimal_body().day(wechatpay_shapes::Date::from_wire(DAY)))
        .build()
        .expect("builds");
    let body: serde_json::Value =
        serde_json::from_slice(request.body.as_deref().unwrap_or_default()).expect("JSON");
    assert_eq!(body["at"], AT);
    assert_eq!(body["day"], DAY);
    assert!(
        request
            .path_and_query
            .contains("/at/2024-05-20T13%3A29%3A35.120%2B08%3A00/")
    );
}
