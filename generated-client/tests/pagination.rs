//! `Call::items()` over the generated list operation, against the loopback APIv3 test server:
//! `offset` is a page index (0, 1, 2, ...), every page is an ordinary verified (and retried) call,
//! and the stream stops at `total_count`, at a short page, at an empty page, or after an error.

mod support;

use std::time::Duration;

use futures_util::StreamExt as _;
use wechatpay_apiv3::api::{Coupon, ListCouponsByFilterQuery};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, Error, RetryPolicy};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, Reply, Signing, keys};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const PATH: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";

fn client(server: &FakeWechatPay) -> Client {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .transport(server.clone())
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
        .build()
        .expect("client builds")
}

fn coupon_json(id: u32) -> String {
    format!(
        r#"{{"stock_creator_mchid":"8956000","stock_id":"9856000","coupon_id":"{id}","coupon_name":"微信支付代金券","status":"SENDED","description":"微信支付营销","create_time":"2024-05-20T13:29:35+08:00","coupon_type":"NORMAL","no_cash":false,"available_begin_time":"2024-05-20T00:00:00+08:00","available_end_time":"2024-06-20T23:59:59+08:00","singleitem":false}}"#
    )
}

/// A signed page holding coupons `ids`, as the server would answer page `offset`.
fn page(ids: impl IntoIterator<Item = u32>, total_count: u32, offset: u32, limit: u32) -> Reply {
    let data: Vec<String> = ids.into_iter().map(coupon_json).collect();
    Reply::ok(
        200,
        &format!(
            r#"{{"data":[{}],"total_count":{total_count},"offset":{offset},"limit":{limit}}}"#,
            data.join(",")
        ),
    )
}

fn query(limit: u32) -> ListCouponsByFilterQuery {
    ListCouponsByFilterQuery::new("wx233544546545989")
        .creator_mchid("8956000")
        .offset(0)
        .limit(limit)
}

fn target(offset: u32, limit: u32) -> String {
    format!("{PATH}?appid=wx233544546545989&creator_mchid=8956000&offset={offset}&limit={limit}")
}

/// Walks the whole stream, keeping every item and error in order.
async fn collect(client: &Client, query: ListCouponsByFilterQuery) -> Vec<Result<Coupon, Error>> {
    client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .get(query)
        .items()
        .collect()
        .await
}

fn ids(items: &[Result<Coupon, Error>]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            Ok(coupon) => coupon.coupon_id.clone(),
            Err(e) => format!("error: {e}"),
        })
        .collect()
}

fn targets(server: &FakeWechatPay) -> Vec<String> {
    let requests = server.requests();
    for request in &requests {
        assert_eq!(request.auth, Ok(()), "every page request is signed");
        assert_eq!(request.method, "GET");
    }
    requests.into_iter().map(|r| r.target).collect()
}

#[tokio::test]
async fn collects_every_item_across_pages_in_order() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 5, 0, 2),
        page([3, 4], 5, 1, 2),
        page([5], 5, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(ids(&items), ["1", "2", "3", "4", "5"]);
    // Page index, not item offset: 0, 1, 2 (never 0, 2, 4); the same limit every time.
    assert_eq!(targets(&server), [target(0, 2), target(1, 2), target(2, 2)]);
}

#[tokio::test]
async fn stops_at_total_count_even_if_the_server_would_answer_more() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 4, 0, 2),
        page([3, 4], 4, 1, 2),
        // Never asked for: total_count was reached with full pages.
        page([5, 6], 4, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(ids(&items), ["1", "2", "3", "4"]);
    assert_eq!(targets(&server), [target(0, 2), target(1, 2)]);
}

#[tokio::test]
async fn stops_at_a_short_page() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2, 3], 100, 0, 3),
        page([4], 100, 1, 3),
        page([5, 6, 7], 100, 2, 3),
    ]);
    let items = collect(&client(&server), query(3)).await;
    assert_eq!(ids(&items), ["1", "2", "3", "4"]);
    assert_eq!(targets(&server), [target(0, 3), target(1, 3)]);
}

#[tokio::test]
async fn stops_at_an_empty_page() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 100, 0, 2),
        page([], 100, 1, 2),
        page([3, 4], 100, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(ids(&items), ["1", "2"]);
    assert_eq!(targets(&server), [target(0, 2), target(1, 2)]);
}

#[tokio::test]
async fn an_empty_first_page_yields_nothing() {
    let server = FakeWechatPay::new();
    server.script([
        Reply::ok(200, r#"{"total_count":0,"offset":0,"limit":2}"#),
        page([1], 1, 1, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert!(items.is_empty(), "{:?}", ids(&items));
    assert_eq!(targets(&server), [target(0, 2)]);
}

#[tokio::test]
async fn an_error_on_page_two_yields_page_one_then_the_error_and_ends() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 6, 0, 2),
        Reply::error(400, r#"{"code":"PARAM_ERROR","message":"页大小超过阈值"}"#),
        page([5, 6], 6, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(items.len(), 3, "{:?}", ids(&items));
    assert_eq!(ids(&items[..2]), ["1", "2"]);
    let err = items[2]
        .as_ref()
        .expect_err("the third element is the error");
    let api = err.as_api().expect("an API error");
    assert_eq!((api.status, api.code_str()), (400, Some("PARAM_ERROR")));
    // A 400 is not retried, and nothing is fetched after the error.
    assert_eq!(targets(&server), [target(0, 2), target(1, 2)]);
}

#[tokio::test]
async fn a_page_that_fails_verification_ends_the_stream_with_the_error() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 6, 0, 2),
        page([3, 4], 6, 1, 2).signing(Signing::TimestampOffset(-600)),
        page([5, 6], 6, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(items.len(), 3, "{:?}", ids(&items));
    assert!(matches!(
        items[2],
        Err(Error::Verification {
            kind: VerificationError::StaleTimestamp { .. },
            ..
        })
    ));
    assert_eq!(targets(&server), [target(0, 2), target(1, 2)]);
}

#[tokio::test]
async fn retry_applies_to_each_page() {
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2], 5, 0, 2),
        Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#),
        page([3, 4], 5, 1, 2),
        page([5], 5, 2, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(ids(&items), ["1", "2", "3", "4", "5"]);
    // Page 2 was asked for twice (500, then 200), each attempt signed afresh.
    assert_eq!(
        targets(&server),
        [target(0, 2), target(1, 2), target(1, 2), target(2, 2)]
    );
    let requests = server.requests();
    assert_ne!(requests[1].nonce, requests[2].nonce);
}

#[tokio::test]
async fn exhausted_retries_on_a_page_end_the_stream() {
    let server = FakeWechatPay::new();
    let system_error = || Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#);
    server.script([
        page([1, 2], 5, 0, 2),
        system_error(),
        system_error(),
        system_error(),
        page([3, 4], 5, 1, 2),
    ]);
    let items = collect(&client(&server), query(2)).await;
    assert_eq!(items.len(), 3, "{:?}", ids(&items));
    let err = items[2].as_ref().expect_err("the error after page one");
    assert_eq!(err.as_api().map(|api| api.status), Some(500));
    // max_attempts = 3 for page two, then nothing more.
    assert_eq!(
        targets(&server),
        [target(0, 2), target(1, 2), target(1, 2), target(1, 2)]
    );
}

#[tokio::test]
async fn starts_at_the_requested_page_and_keeps_the_other_parameters() {
    let server = FakeWechatPay::new();
    server.script([page([7, 8], 9, 3, 2), page([9], 9, 4, 2)]);
    let query = ListCouponsByFilterQuery::new("wx233544546545989")
        .stock_id("9856000")
        .creator_mchid("8956000")
        .offset(3)
        .limit(2);
    let items = collect(&client(&server), query).await;
    assert_eq!(ids(&items), ["7", "8", "9"]);
    let base = format!("{PATH}?appid=wx233544546545989&stock_id=9856000&creator_mchid=8956000");
    assert_eq!(
        targets(&server),
        [
            format!("{base}&offset=3&limit=2"),
            format!("{base}&offset=4&limit=2")
        ]
    );
}

#[tokio::test]
async fn without_a_limit_the_first_request_omits_offset_and_the_page_size_comes_from_the_response()
{
    let server = FakeWechatPay::new();
    server.script([
        page([1, 2, 3], 100, 0, 3),
        page([4, 5], 100, 1, 3),
        page([6], 100, 2, 3),
    ]);
    let query = ListCouponsByFilterQuery::new("wx233544546545989").creator_mchid("8956000");
    let items = collect(&client(&server), query).await;
    // The second page is short against the limit the server reported.
    assert_eq!(ids(&items), ["1", "2", "3", "4", "5"]);
    let base = format!("{PATH}?appid=wx233544546545989&creator_mchid=8956000");
    assert_eq!(targets(&server), [base.clone(), format!("{base}&offset=1")]);
}
