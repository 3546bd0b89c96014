//! One sample request per shape the corpus has, with everything set and with only what is
//! required, each as the typed operation value and as the catalogue input a tool (the CLI) would
//! hand in for it: path parameters as text, the query and the body as JSON.

#![allow(
    dead_code,
    reason = "each test file uses the part of the samples it needs"
)]

use serde_json::{Value, json};
use wechatpay_shapes::api::*;
use wechatpay_shapes::dynamic::DynamicInput;
use wechatpay_shapes::{Date, Error, Fen, HttpRequest, Operation, Timestamp};

/// A time with milliseconds that must survive as written (`.120`, not `.12`).
pub const AT: &str = "2024-05-20T13:29:35.120+08:00";
/// A date.
pub const DAY: &str = "2024-05-20";

/// One sample: the operation id, what it is, the typed request's build, and the catalogue input.
pub struct Case {
    /// The spec's operation id.
    pub id: &'static str,
    /// What the sample shows.
    pub what: &'static str,
    /// `Operation::build` of the typed value.
    pub typed: Result<HttpRequest, Error>,
    /// The same request as catalogue input.
    pub input: DynamicInput,
}

/// The request as a reviewer reads it: `METHOD target`, then, when there is a body, a blank line
/// and the body bytes verbatim. An upload shows its `Content-Type`, the signed bytes (its
/// `meta`) and the multipart body line by line, bytes outside printable ASCII escaped.
pub fn show(request: &HttpRequest) -> String {
    let head = format!("{} {}", request.method.as_str(), request.path_and_query);
    match (&request.body, &request.content_type) {
        (Some(body), Some(content_type)) => {
            let printable = |b: &u8| match b {
                b' '..=b'~' => char::from(*b).to_string(),
                _ => format!("\\x{b:02x}"),
            };
            let lines: Vec<String> = body
                .split(|b| *b == b'\n')
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
                .map(|line| line.iter().map(printable).collect())
                .collect();
            format!(
                "{head}\nContent-Type: {content_type}\nsigned: {}\n\n{}",
                String::from_utf8_lossy(request.signed_bytes()),
                lines.join("\n")
            )
        }
        (Some(_), None) => format!("{head}\n\n{}", request.body_str()),
        (None, _) => head,
    }
}

/// Catalogue input: path values as the text a command line has (JSON strings as they are, other
/// JSON values spelt out), the query and body as JSON.
pub fn input(path: &[(&str, Value)], query: Option<Value>, body: Option<Value>) -> DynamicInput {
    let mut input = DynamicInput::default();
    for (name, value) in path {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        input.path.insert((*name).to_owned(), text);
    }
    if let Some(Value::Object(query)) = query {
        input.query = query;
    }
    input.body = body;
    input
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("generated types serialize")
}

/// The ten path parameters of `…/things`: every scalar kind and an enum.
pub struct ThingPath {
    pub text: &'static str,
    pub flag: bool,
    pub small: i32,
    pub big: i64,
    pub count: u32,
    pub total: u64,
    pub amount: i64,
    pub at: &'static str,
    pub day: &'static str,
    pub state: ShapeState,
}

/// Path values that need encoding (`/`, space, `+`, `:`) or reach their type's limits.
pub fn thing_path() -> ThingPath {
    ThingPath {
        text: "a b/c",
        flag: true,
        small: -3,
        big: -9_007_199_254_740_993,
        count: 7,
        total: u64::MAX,
        amount: 100,
        at: AT,
        day: DAY,
        state: ShapeState::from("IN-REVIEW"),
    }
}

impl ThingPath {
    /// The path as catalogue input.
    pub fn json(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("text", json!(self.text)),
            ("flag", json!(self.flag)),
            ("small", json!(self.small)),
            ("big", json!(self.big)),
            ("count", json!(self.count)),
            ("total", json!(self.total)),
            ("amount", json!(self.amount)),
            ("at", json!(self.at)),
            ("day", json!(self.day)),
            ("state", json!(self.state.as_str())),
        ]
    }

    /// `create_thing` on this path.
    pub fn create(&self, query: CreateThingQuery, body: CreateThingBody) -> CreateThing {
        CreateThing::new(
            self.text,
            self.flag,
            self.small,
            self.big,
            self.count,
            self.total,
            self.amount,
            Timestamp::from_wire(self.at),
            Date::from_wire(self.day),
            self.state.clone(),
            query,
            body,
        )
    }

    /// `list_things` on this path.
    pub fn list(&self, query: ListThingsQuery) -> ListThings {
        ListThings::new(
            self.text,
            self.flag,
            self.small,
            self.big,
            self.count,
            self.total,
            self.amount,
            Timestamp::from_wire(self.at),
            Date::from_wire(self.day),
            self.state.clone(),
            query,
        )
    }
}

/// A nested part, two levels deep.
pub fn part() -> Part {
    Part::new("P-01")
        .weight(-7)
        .detail(PartDetail::new("主件").codes(vec!["AB".into(), "C-9".into()]))
}

/// The body with only its required fields.
pub fn minimal_body() -> CreateThingBody {
    CreateThingBody::new(
        "order_2024-05",
        false,
        0,
        Fen::new(1),
        Timestamp::from_wire(AT),
        Part::new("P1"),
        vec!["621234".into()],
    )
}

/// The body with every field set.
pub fn full_body() -> CreateThingBody {
    CreateThingBody::new(
        "order_2024-05",
        true,
        -9_000_000_000,
        Fen::new(100_000),
        Timestamp::from_wire(AT),
        part(),
        vec!["621234".into(), "621234567".into()],
    )
    .small(-5)
    .count(1000)
    .total(u64::MAX)
    .day(Date::from_wire(DAY))
    .state(ShapeState::V010)
    .notify_url("https://merchant.example.com/notify")
    .extra_part(Part::new("X2"))
    .parts(vec![Part::new("P2"), part()])
    .states(vec![ShapeState::Closed, ShapeState::from("NEW")])
    .goods_ids(vec!["sku-1".into(), "商品六个字符".into()])
    .week_days(vec![0, 6])
    .prices(vec![Fen::new(1), Fen::new(250)])
    .mirror_urls(vec!["https://a.example.com/x".into()])
    .labels(vec!["新".into()])
    .r#type("kind")
}

/// A query with every parameter set.
pub fn full_create_query() -> CreateThingQuery {
    CreateThingQuery::new("q&x=1")
        .q_flag(false)
        .q_small(5)
        .q_big(i64::MIN)
        .q_count(0)
        .q_total(42)
        .q_amount(Fen::new(0))
        .q_at(Timestamp::from_wire(AT))
        .q_day(Date::from_wire(DAY))
        .q_state(ShapeState::Closed)
}

fn case<O: Operation>(
    id: &'static str,
    what: &'static str,
    operation: &O,
    input: DynamicInput,
) -> Case {
    assert_eq!(
        O::META.id,
        id,
        "the sample of `{id}` builds another operation"
    );
    Case {
        id,
        what,
        typed: operation.build(),
        input,
    }
}

/// Every sample, in spec order; each operation of the corpus has at least one.
pub fn cases() -> Vec<Case> {
    let path = thing_path();
    let record = [("record_id", json!(u64::MAX))];
    vec![
        case(
            "create_thing",
            "every path kind, the required query and body fields only",
            &path.create(CreateThingQuery::new("q"), minimal_body()),
            input(
                &path.json(),
                Some(to_json(&CreateThingQuery::new("q"))),
                Some(to_json(&minimal_body())),
            ),
        ),
        case(
            "create_thing",
            "every query parameter and body field set",
            &path.create(full_create_query(), full_body()),
            input(
                &path.json(),
                Some(to_json(&full_create_query())),
                Some(to_json(&full_body())),
            ),
        ),
        case(
            "list_things",
            "page index: required offset, a signed limit, an enum filter",
            &path.list(ListThingsQuery::new(2).limit(50).state(ShapeState::Active)),
            input(
                &path.json(),
                Some(json!({"offset": 2, "limit": 50, "state": "ACTIVE"})),
                None,
            ),
        ),
        case(
            "list_records",
            "item offset: optional u64 offset, required limit",
            &ListRecords::new(
                ListRecordsQuery::new(20)
                    .offset(u64::MAX)
                    .kind(RecordKind::Special),
            ),
            input(
                &[],
                Some(json!({"offset": u64::MAX, "limit": 20, "kind": "SPECIAL"})),
                None,
            ),
        ),
        case(
            "list_records",
            "only the required limit",
            &ListRecords::new(ListRecordsQuery::new(1)),
            input(&[], Some(json!({"limit": 1})), None),
        ),
        case(
            "query_record",
            "an integer path parameter, no query, no body",
            &QueryRecord::new(u64::MAX),
            input(&record, None, None),
        ),
        case(
            "delete_record",
            "no body, no response body",
            &DeleteRecord::new(1),
            input(&[("record_id", json!(1))], None, None),
        ),
        case(
            "replace_record",
            "idempotent without a key",
            &ReplaceRecord::new(7, ReplaceRecordBody::new(RecordKind::Plain).title("标题")),
            input(
                &[("record_id", json!(7))],
                None,
                Some(json!({"kind": "PLAIN", "title": "标题"})),
            ),
        ),
        case(
            "touch_record",
            "a query and no body",
            &TouchRecord::new(
                7,
                TouchRecordQuery::new(RecordKind::from("LATER")).at(Timestamp::from_wire(AT)),
            ),
            input(
                &[("record_id", json!(7))],
                Some(json!({"kind": "LATER", "at": AT})),
                None,
            ),
        ),
        case(
            "set_record_type",
            "a keyword path segment and a keyword body field",
            &SetRecordType::new(7, SetRecordTypeBody::new(RecordKind::Plain)),
            input(
                &[("record_id", json!(7))],
                None,
                Some(json!({"match": "PLAIN"})),
            ),
        ),
        case(
            "audit_record",
            "another parameter name where `record_id` is; a mixed-case enum value",
            &AuditRecord::new("S-1", AuditRecordBody::new(RecordKind::Ios)),
            input(
                &[("serial", json!("S-1"))],
                None,
                Some(json!({"kind": "iOS"})),
            ),
        ),
        case(
            "attach_record_file",
            "a multipart upload next to a path parameter and a query; an upper-case extension",
            &AttachRecordFile::new(
                7,
                AttachRecordFileQuery::new().note("备注"),
                wechatpay_shapes::UploadFile::new("scan.JPEG", b"\xff\xd8\xff".to_vec()),
            ),
            DynamicInput {
                file: Some(wechatpay_shapes::UploadFile::new(
                    "scan.JPEG",
                    b"\xff\xd8\xff".to_vec(),
                )),
                ..input(
                    &[("record_id", json!(7))],
                    Some(json!({"note": "备注"})),
                    None,
                )
            },
        ),
    ]
}
