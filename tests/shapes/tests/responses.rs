//! What the corpus's operations accept back: responses with unknown fields and values, absent or
//! `null` lists, an empty body where the spec declares none; pages split for the walk in both
//! styles; open enums parsed and shown; the notification's resource typed by its event.

use serde_json::json;
use wechatpay_shapes::api::*;
use wechatpay_shapes::pagination::{PageStyle, Paginated};
use wechatpay_shapes::{Operation, Timestamp};

fn thing_json() -> serde_json::Value {
    json!({
        "thing_id": "T1",
        "flag": true,
        "small": -1,
        "count": 3,
        "amount": 100,
        "created_at": "2024-05-20T13:29:35.120+08:00",
        "state": "SOMETHING_NEW",
        "type": "kind",
        "self": "me",
        "parts": [{"part_id": "P1", "detail": {"label": "x", "codes": null}, "unknown": 1}],
        "states": ["ACTIVE", "010"],
        "amounts": null,
        "tags": ["a"],
        "added_later": {"nested": true}
    })
}

#[test]
fn responses_are_forward_compatible() {
    let body = serde_json::to_vec(&thing_json()).expect("JSON");
    let thing = CreateThing::decode(&body, None).expect("decodes");
    assert_eq!(thing.state, ShapeState::Unknown("SOMETHING_NEW".into()));
    assert_eq!(thing.states, [ShapeState::Active, ShapeState::V010]);
    assert_eq!(thing.r#type.as_deref(), Some("kind"));
    assert_eq!(thing.self_.as_deref(), Some("me"));
    assert!(thing.amounts.is_empty() && thing.big.is_none() && thing.day.is_none());
    assert_eq!(thing.created_at.as_str(), "2024-05-20T13:29:35.120+08:00");
    let detail = thing.parts[0].detail.as_ref().expect("nested");
    assert!(detail.codes.is_empty());
    // Sent back, the unknown value is kept and renamed fields keep their wire names.
    let again = serde_json::to_value(&thing).expect("JSON");
    assert_eq!(again["state"], "SOMETHING_NEW");
    assert_eq!(again["self"], "me");
    assert!(again.get("amounts").is_none(), "{again}");
}

#[test]
fn a_missing_required_field_is_a_decode_error_naming_it() {
    let mut value = thing_json();
    value.as_object_mut().map(|o| o.remove("amount"));
    let body = serde_json::to_vec(&value).expect("JSON");
    let err = CreateThing::decode(&body, Some("req-1".into())).expect_err("amount is required");
    assert!(err.to_string().contains("amount"), "{err}");
}

#[test]
fn operations_without_a_response_body_accept_an_empty_one() {
    DeleteRecord::decode(b"", None).expect("204: no body");
    DeleteRecord::decode(b" \n", None).expect("whitespace only");
    TouchRecord::decode(b"", None).expect("204: no body");
    SetRecordType::decode(b"", None).expect("204: no body");
}

#[test]
fn always_serialized_lists_are_sent_empty_others_are_left_out() {
    let page = ThingPage::new(10);
    assert_eq!(
        serde_json::to_string(&page).expect("JSON"),
        r#"{"data":[],"limit":10}"#
    );
    let decoded: ThingPage = serde_json::from_str(r#"{"limit":10,"data":null}"#).expect("null");
    assert!(decoded.data.is_empty());
    let decoded: ThingPage = serde_json::from_str(r#"{"limit":10}"#).expect("absent");
    assert!(decoded.data.is_empty());
    let body = common_body();
    let sent = serde_json::to_value(&body).expect("JSON");
    assert_eq!(sent["labels"], json!([]));
    assert!(
        sent.get("goods_ids").is_none() && sent.get("small").is_none(),
        "{sent}"
    );
}

fn common_body() -> CreateThingBody {
    CreateThingBody::new(
        "r1",
        false,
        0,
        wechatpay_shapes::Fen::new(1),
        Timestamp::from_wire("2024-05-20T13:29:35+08:00"),
        Part::new("P1"),
        vec!["621234".into()],
    )
}

fn list_things(offset: u32, limit: Option<i64>) -> ListThings {
    let mut query = ListThingsQuery::new(offset);
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    ListThings::new(
        "t",
        false,
        0,
        0,
        0,
        0,
        1,
        Timestamp::from_wire("2024-05-20T13:29:35+08:00"),
        wechatpay_shapes::Date::from_wire("2024-05-20"),
        ShapeState::Active,
        query,
    )
}

#[test]
fn both_pagination_styles_walk_their_offsets() {
    assert_eq!(ListThings::STYLE, PageStyle::PageIndex);
    let op = list_things(3, Some(20));
    assert_eq!((op.offset(), op.limit()), (3, Some(20)));
    assert_eq!(op.with_offset(4).query.offset, 4);
    // A negative limit is no page size; a page index past u32 saturates.
    assert_eq!(list_things(0, Some(-1)).limit(), Some(0));
    assert_eq!(list_things(0, None).limit(), None);
    assert_eq!(op.with_offset(u64::MAX).query.offset, u32::MAX);
    let page = ListThings::into_page(
        serde_json::from_value(json!({"data": [thing_json()], "total_count": 41, "limit": 20}))
            .expect("a page"),
    );
    assert_eq!(
        (page.items.len(), page.total, page.limit),
        (1, Some(41), Some(20))
    );

    assert_eq!(ListRecords::STYLE, PageStyle::ItemOffset);
    let op = ListRecords::new(ListRecordsQuery::new(20));
    assert_eq!((op.offset(), op.limit()), (0, Some(20)));
    assert_eq!(op.with_offset(u64::MAX).query.offset, Some(u64::MAX));
    let page = ListRecords::into_page(
        serde_json::from_value(
            json!({"records": [{"record_id": 1, "kind": "PLAIN"}], "total": -1}),
        )
        .expect("a page"),
    );
    assert_eq!(
        (page.items.len(), page.total, page.limit),
        (1, Some(0), None)
    );
}

#[test]
fn open_enums_parse_and_display_their_wire_values() {
    for (wire, value) in [
        ("ACTIVE", ShapeState::Active),
        ("closed", ShapeState::Closed),
        ("010", ShapeState::V010),
        ("IN-REVIEW", ShapeState::InReview),
        ("Closed", ShapeState::Unknown("Closed".into())),
    ] {
        let parsed: ShapeState = wire.parse().unwrap_or_else(|never| match never {});
        assert_eq!(parsed, value, "{wire}");
        assert_eq!(parsed.to_string(), wire);
        assert_eq!(parsed.as_str(), wire);
    }
    let kind: RecordKind = "PLAIN".parse().unwrap_or_else(|never| match never {});
    assert_eq!(kind, RecordKind::Plain);
}

#[test]
fn the_notification_resource_is_typed_by_its_event() {
    let plaintext = serde_json::to_vec(&json!({
        "thing": thing_json(),
        "changed_at": "2024-05-20T13:29:35+08:00",
        "previous_states": ["closed"]
    }))
    .expect("JSON");
    match NotificationResource::decode("SHAPE.CHANGED", &plaintext).expect("decodes") {
        NotificationResource::ShapeChanged(changed) => {
            assert_eq!(changed.thing.thing_id, "T1");
            assert_eq!(changed.previous_states, [ShapeState::Closed]);
        }
        other => panic!("decoded as {other:?}"),
    }
    let other = NotificationResource::decode("OTHER.EVENT", b"{\"a\":1}").expect("decodes");
    assert_eq!(other.event_type(), "OTHER.EVENT");
}
