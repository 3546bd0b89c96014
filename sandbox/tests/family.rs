//! The whole cash-coupon family through the typed client chain against the sandbox: creating
//! stocks and their lifecycle, stock queries and lists, goods ids, one coupon, use and refund
//! flows (the downloaded file's SHA-1 against the signed `hash_value`), and the notify URL —
//! with the error paths of each.
//!
//! Every test shares one clock between the client and its sandbox, so a test can move time
//! forward (a stock's flows open 10 hours after it ends; a download link lasts 30 s) without
//! waiting and without breaking signatures.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use common::{Harness, keys};
use futures_util::TryStreamExt as _;
use time::{OffsetDateTime, UtcOffset};
use wechatpay_apiv3::api::{
    BackgroundColor, CouponRule, CouponStatus, CreateCouponStockBody, ErrorCode, FixedNormalCoupon,
    HashType, ListAvailableMerchantsQuery, ListAvailableSingleitemsQuery, ListStocksQuery,
    ModifyStockGoodsIdsBody, PatternInfo, PauseStockBody, QueryCallbackQuery, QueryCouponQuery,
    QueryStockQuery, RestartStockBody, SendCouponBody, SetCallbackBody, StartStockBody,
    StockRefundFlowByDayQuery, StockRule, StockStatus, StockType, StockUseFlowByDayQuery,
    StopStockBody,
};
use wechatpay_apiv3::auth::{Clock, SystemClock};
use wechatpay_apiv3::{Client, Date, Error, RetryPolicy, Timestamp};
use wechatpay_sandbox::{Sandbox, SandboxConfig};

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const APPID: &str = "wx233544546545989";
/// The seeded stocks created by another merchant (see `default_stocks`).
const OTHER_CREATOR: &str = "8956000";
const AUTHORIZED_STOCK: &str = "9856004";
const UNAUTHORIZED_STOCK: &str = "9856005";

/// A clock the test moves by hand, shared by the client and the sandbox.
#[derive(Debug)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl TestClock {
    fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Now plus `offset` seconds, as an RFC 3339 time in +08:00.
    fn at(&self, offset: i64) -> Timestamp {
        let at = OffsetDateTime::from_unix_timestamp(self.now_unix() + offset)
            .expect("a time")
            .to_offset(UtcOffset::from_hms(8, 0, 0).expect("+08:00"));
        Timestamp::from_datetime(at)
    }

    /// Today in China, `offset_days` from now.
    fn day(&self, offset_days: i64) -> Date {
        let at = OffsetDateTime::from_unix_timestamp(self.now_unix() + offset_days * 86_400)
            .expect("a time")
            .to_offset(UtcOffset::from_hms(8, 0, 0).expect("+08:00"));
        Date::from_date(at.date())
    }
}

struct Setup {
    sandbox: Sandbox,
    client: Client,
    clock: Arc<TestClock>,
}

impl Setup {
    async fn start() -> Setup {
        let clock = Arc::new(TestClock(AtomicI64::new(SystemClock.now_unix())));
        let sandbox = Sandbox::start(
            SandboxConfig::with_keys(keys()).clock(Arc::clone(&clock) as Arc<dyn Clock>),
        )
        .await
        .expect("sandbox");
        let client = sandbox
            .client_builder()
            .clock(Arc::clone(&clock) as Arc<dyn Clock>)
            .retry(
                RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(20)),
            )
            .build()
            .expect("client");
        Setup {
            sandbox,
            client,
            clock,
        }
    }

    fn mchid(&self) -> String {
        self.sandbox.mchid().to_owned()
    }

    /// A NORMAL stock of the sandbox merchant: 10 coupons of 1 yuan off 2 yuan, 2 per user,
    /// usable from an hour ago for 30 days.
    fn stock_body(&self, out_request_no: &str) -> CreateCouponStockBody {
        CreateCouponStockBody::new(
            "测试代金券",
            self.mchid(),
            self.clock.at(-3600),
            self.clock.at(30 * 86_400),
            StockRule::new(10, 1000, 2, false, false),
            CouponRule::new().fixed_normal_coupon(FixedNormalCoupon::new(100, 200)),
            false,
            StockType::Normal,
            out_request_no,
        )
    }

    async fn create(&self, body: CreateCouponStockBody) -> String {
        self.client
            .v3()
            .marketing()
            .favor()
            .coupon_stocks()
            .post(body)
            .await
            .expect("create stock")
            .stock_id
    }

    /// Creates and starts a stock.
    async fn running_stock(&self, out_request_no: &str) -> String {
        let stock_id = self.create(self.stock_body(out_request_no)).await;
        self.stock(&stock_id)
            .start()
            .post(StartStockBody::new(self.mchid()))
            .await
            .expect("start");
        stock_id
    }

    fn stock(
        &self,
        stock_id: &str,
    ) -> wechatpay_apiv3::api::paths::V3MarketingFavorStocksByStockId<'_> {
        self.client
            .v3()
            .marketing()
            .favor()
            .stocks()
            .stock_id(stock_id)
    }

    async fn detail(&self, stock_id: &str) -> wechatpay_apiv3::api::Stock {
        self.stock(stock_id)
            .get(QueryStockQuery::new(self.mchid()))
            .await
            .expect("stock detail")
    }

    async fn send(&self, stock_id: &str, out_request_no: &str) -> Result<String, Error> {
        self.send_to(OPENID, stock_id, out_request_no).await
    }

    async fn send_to(
        &self,
        openid: &str,
        stock_id: &str,
        out_request_no: &str,
    ) -> Result<String, Error> {
        self.client
            .v3()
            .marketing()
            .favor()
            .users(openid)
            .coupons()
            .post(SendCouponBody::new(
                stock_id,
                out_request_no,
                APPID,
                self.mchid(),
            ))
            .await
            .map(|sent| sent.coupon_id)
    }
}

/// Status and code of an API error.
fn api(err: &Error) -> (u16, ErrorCode) {
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("expected an API error, got {err}"));
    (api.status, api.code().expect("an error code"))
}

fn message(err: &Error) -> String {
    err.as_api()
        .and_then(|a| a.message.clone())
        .unwrap_or_default()
}

/// The field of a client-side validation failure (nothing was sent).
fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidRequest { field, .. } => field,
        other => panic!("expected a client-side validation error, got {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Create, start, pause, restart, stop
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stock_lifecycle() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    let created = s
        .client
        .v3()
        .marketing()
        .favor()
        .coupon_stocks()
        .post(s.stock_body("create-0001"))
        .await
        .unwrap();
    let stock_id = created.stock_id.clone();

    // Idempotent on out_request_no: the same request again is the same stock …
    let again = s
        .client
        .v3()
        .marketing()
        .favor()
        .coupon_stocks()
        .post(s.stock_body("create-0001"))
        .await
        .unwrap();
    assert_eq!(again, created);
    // … the same out_request_no with another request is refused.
    let mut other = s.stock_body("create-0001");
    other.stock_name = "另一个批次".into();
    let err = s
        .client
        .v3()
        .marketing()
        .favor()
        .coupon_stocks()
        .post(other)
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ResourceAlreadyExists));
    assert_eq!(
        err.as_api()
            .and_then(|a| a.detail.as_ref())
            .and_then(|d| d.field.clone()),
        Some("/stock_name".to_owned())
    );

    // A new stock is unactivated: nothing can be sent yet.
    let stock = s.detail(&stock_id).await;
    assert_eq!(stock.status, StockStatus::Unactivated);
    assert_eq!(stock.create_time, created.create_time);
    assert_eq!(stock.start_time, None);
    assert_eq!((stock.distributed_coupons, stock.no_cash), (0, false));
    assert_eq!(stock.stock_type, StockType::Normal);
    let rule = stock.stock_use_rule.expect("stock_use_rule");
    assert_eq!(
        (
            rule.max_coupons,
            rule.max_amount.get(),
            rule.max_coupons_per_user
        ),
        (10, 1000, 2)
    );
    assert_eq!(
        rule.fixed_normal_coupon,
        Some(FixedNormalCoupon::new(100, 200))
    );
    let err = s.send(&stock_id, "send-0").await.unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));

    // Only an unactivated stock starts; only a running one pauses; only a paused one restarts.
    let err = s
        .stock(&stock_id)
        .pause()
        .post(PauseStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    assert!(
        message(&err).contains("非法的批次状态"),
        "{}",
        message(&err)
    );
    let started = s
        .stock(&stock_id)
        .start()
        .post(StartStockBody::new(&mchid))
        .await
        .unwrap();
    assert_eq!(started.stock_id, stock_id);
    let err = s
        .stock(&stock_id)
        .start()
        .post(StartStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    let err = s
        .stock(&stock_id)
        .restart()
        .post(RestartStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    let stock = s.detail(&stock_id).await;
    assert_eq!(stock.status, StockStatus::Running);
    assert_eq!(stock.start_time, Some(started.start_time));
    s.send(&stock_id, "send-1")
        .await
        .expect("send while running");

    s.stock(&stock_id)
        .pause()
        .post(PauseStockBody::new(&mchid))
        .await
        .unwrap();
    assert_eq!(s.detail(&stock_id).await.status, StockStatus::Paused);
    let err = s.send(&stock_id, "send-2").await.unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    let restarted = s
        .stock(&stock_id)
        .restart()
        .post(RestartStockBody::new(&mchid))
        .await
        .unwrap();
    assert_eq!(restarted.stock_id, stock_id);
    s.send(&stock_id, "send-3")
        .await
        .expect("send after restart");
    assert_eq!(s.detail(&stock_id).await.distributed_coupons, 2);

    // Stop: only an unactivated stock (官方: 终止未激活的代金券批次).
    let err = s
        .stock(&stock_id)
        .stop()
        .post(StopStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    let second = s.create(s.stock_body("create-0002")).await;
    assert_ne!(second, stock_id);
    let stopped = s
        .stock(&second)
        .stop()
        .post(StopStockBody::new(&mchid))
        .await
        .unwrap();
    let stock = s.detail(&second).await;
    assert_eq!(stock.status, StockStatus::Stoped);
    assert_eq!(stock.stop_time, Some(stopped.stop_time));
    let err = s
        .stock(&second)
        .start()
        .post(StartStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
}

#[tokio::test]
async fn lifecycle_errors() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    let err = s
        .stock("12345678")
        .start()
        .post(StartStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));
    // stock_creator_mchid must name the stock's creator …
    let err = s
        .stock("9856000")
        .pause()
        .post(PauseStockBody::new(OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    // … and only the creator may change a stock, even one it may send.
    let err = s
        .stock(AUTHORIZED_STOCK)
        .pause()
        .post(PauseStockBody::new(OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (403, ErrorCode::RequestBlocked));
    // The seeded paused stock restarts.
    s.stock("9856003")
        .restart()
        .post(RestartStockBody::new(&mchid))
        .await
        .unwrap();
    assert_eq!(s.detail("9856003").await.status, StockStatus::Running);
    // Client-side validation: nothing is sent.
    let err = s
        .stock("9856000")
        .pause()
        .post(PauseStockBody::new(""))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "body.stock_creator_mchid");
    let err = s
        .stock(&"9".repeat(21))
        .start()
        .post(StartStockBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "path.stock_id");
}

#[tokio::test]
async fn create_stock_checks() {
    let s = Setup::start().await;
    let create = |body| async {
        s.client
            .v3()
            .marketing()
            .favor()
            .coupon_stocks()
            .post(body)
            .await
    };

    // 总预算 = 发放总上限 × 券面额.
    let mut body = s.stock_body("bad-budget");
    body.stock_use_rule = StockRule::new(10, 999, 2, false, false);
    let err = create(body).await.unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    assert_eq!(
        err.as_api()
            .and_then(|a| a.detail.as_ref())
            .and_then(|d| d.field.clone()),
        Some("/stock_use_rule/max_amount".to_owned())
    );
    // The stock belongs to the caller.
    let mut body = s.stock_body("bad-owner");
    body.belong_merchant = OTHER_CREATOR.into();
    assert_eq!(
        api(&create(body).await.unwrap_err()),
        (400, ErrorCode::InvalidRequest)
    );
    // NORMAL needs fixed_normal_coupon; the sandbox models NORMAL only.
    let mut body = s.stock_body("no-rule");
    body.coupon_use_rule = CouponRule::new();
    assert_eq!(
        api(&create(body).await.unwrap_err()),
        (400, ErrorCode::ParamError)
    );
    let mut body = s.stock_body("discount");
    body.stock_type = StockType::Discount;
    assert_eq!(
        api(&create(body).await.unwrap_err()),
        (400, ErrorCode::ParamError)
    );
    let mut body = s.stock_body("unknown-type");
    body.stock_type = StockType::from("COUPON");
    assert_eq!(
        api(&create(body).await.unwrap_err()),
        (400, ErrorCode::ParamError)
    );
    // The end comes after the beginning.
    let mut body = s.stock_body("backwards");
    body.available_end_time = s.clock.at(-7200);
    assert_eq!(
        api(&create(body).await.unwrap_err()),
        (400, ErrorCode::ParamError)
    );
    // Item lengths are in the spec now (a goods id is at most 128 characters): the client stops
    // a longer one before sending.
    let mut body = s.stock_body("long-item");
    body.coupon_use_rule = CouponRule::new()
        .fixed_normal_coupon(FixedNormalCoupon::new(100, 200))
        .available_items(vec!["x".repeat(129)]);
    assert_eq!(
        invalid_field(&create(body).await.unwrap_err()),
        "body.coupon_use_rule.available_items[0]"
    );
    // Both spellings of the background colours are accepted.
    let mut body = s.stock_body("mirror-colour");
    body.pattern_info =
        Some(PatternInfo::new("满2元减1元").background_color(BackgroundColor::from("Color020")));
    create(body)
        .await
        .expect("Color020 (the mirror's spelling)");

    // Client-side validation, before anything is sent.
    let mut body = s.stock_body("client-side");
    body.stock_name = "名".repeat(21);
    assert_eq!(
        invalid_field(&create(body).await.unwrap_err()),
        "body.stock_name"
    );
    let mut body = s.stock_body("client-side");
    body.coupon_use_rule = CouponRule::new()
        .fixed_normal_coupon(FixedNormalCoupon::new(100, 200))
        .limit_pay(vec!["ICBC_CREDIT".into(), "CMB_CREDIT".into()]);
    assert_eq!(
        invalid_field(&create(body).await.unwrap_err()),
        "body.coupon_use_rule.limit_pay"
    );
    let mut body = s.stock_body("client-side");
    body.available_begin_time = Timestamp::from_wire("tomorrow");
    assert_eq!(
        invalid_field(&create(body).await.unwrap_err()),
        "body.available_begin_time"
    );

    // A body the generated client would never send is still a PARAM_ERROR.
    let h = Harness::start().await;
    let resp = h
        .call(
            "POST",
            "/v3/marketing/favor/coupon-stocks",
            Some(r#"{"stock_name":"x"}"#),
        )
        .await;
    assert_eq!((resp.status, resp.code()), (400, "PARAM_ERROR".to_owned()));
    h.verify(&resp).expect("signed");
}

// ---------------------------------------------------------------------------------------------
// List stocks, stock detail, merchants, items, modify goods ids
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_stocks_pages_and_filters() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    s.clock.advance(60);
    let since = s.clock.at(0);
    let mut created = Vec::new();
    for i in 0..12 {
        created.push(s.create(s.stock_body(&format!("list-{i:02}"))).await);
    }
    for id in &created[..5] {
        s.stock(id)
            .start()
            .post(StartStockBody::new(&mchid))
            .await
            .unwrap();
    }
    let stocks = || s.client.v3().marketing().favor().stocks();

    // offset is a page index; every page of 5.
    let all: Vec<String> = stocks()
        .get(ListStocksQuery::new(0, 5, &mchid))
        .items()
        .map_ok(|stock| stock.stock_id)
        .try_collect()
        .await
        .unwrap();
    let seeded = ["9856000", "9856001", "9856002", "9856003"];
    let expected: Vec<String> = seeded
        .iter()
        .map(|id| (*id).to_owned())
        .chain(created.iter().cloned())
        .collect();
    assert_eq!(all, expected);
    let third = stocks()
        .get(ListStocksQuery::new(2, 5, &mchid))
        .await
        .unwrap();
    assert_eq!((third.total_count, third.offset, third.limit), (16, 2, 5));
    assert_eq!(third.data.len(), 5);
    assert_eq!(third.data[0].stock_id, expected[10]);

    // Filters: creation time and status.
    let recent = stocks()
        .get(
            ListStocksQuery::new(0, 10, &mchid)
                .create_start_time(since)
                .status(StockStatus::Running),
        )
        .await
        .unwrap();
    let ids: Vec<&str> = recent.data.iter().map(|s| s.stock_id.as_str()).collect();
    assert_eq!(
        ids,
        created[..5].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let early = stocks()
        .get(ListStocksQuery::new(0, 10, &mchid).create_end_time(s.clock.at(-1)))
        .await
        .unwrap();
    assert_eq!(early.total_count, 4);
    // Another creator's stocks: only those the caller may send.
    let other = stocks()
        .get(ListStocksQuery::new(0, 10, OTHER_CREATOR))
        .await
        .unwrap();
    let ids: Vec<&str> = other.data.iter().map(|s| s.stock_id.as_str()).collect();
    assert_eq!(ids, [AUTHORIZED_STOCK]);

    // `offset` is required by WeChat Pay, even for the first page: the typed query takes it as a
    // constructor argument, and the sandbox's check of the raw query is in tests/decoding.rs.
    let err = stocks()
        .get(ListStocksQuery::new(0, 5, &mchid).status(StockStatus::from("gone")))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    let err = stocks()
        .get(ListStocksQuery::new(0, 11, &mchid))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "query.limit");
    // The server says the same to a client that does not check.
    let h = Harness::start().await;
    let resp = h
        .call(
            "GET",
            &format!(
                "/v3/marketing/favor/stocks?offset=0&limit=11&stock_creator_mchid={}",
                h.sandbox.mchid()
            ),
            None,
        )
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.message(), "页大小超过阈值");
}

#[tokio::test]
async fn stock_detail_and_access() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    let stock = s.detail("9856002").await;
    assert_eq!(stock.stock_name, "一分钱减至券");
    assert_eq!(stock.status, StockStatus::Running);
    assert!(stock.cut_to_message.is_some());
    assert!(stock.start_time.is_some());
    // The creator's authorized sender may read its stock.
    let other = s
        .stock(AUTHORIZED_STOCK)
        .get(QueryStockQuery::new(OTHER_CREATOR))
        .await
        .unwrap();
    assert_eq!(other.stock_creator_mchid, OTHER_CREATOR);
    let err = s
        .stock(UNAUTHORIZED_STOCK)
        .get(QueryStockQuery::new(OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (403, ErrorCode::RequestBlocked));
    let err = s
        .stock("9856000")
        .get(QueryStockQuery::new(OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    let err = s
        .stock("404404")
        .get(QueryStockQuery::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));
}

#[tokio::test]
async fn merchants_items_and_goods_ids() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    let merchants: Vec<String> = (1..=5).map(|i| format!("98560{i:02}")).collect();
    let goods: Vec<String> = (1..=12).map(|i| format!("sku-{i:03}")).collect();
    let mut body = s.stock_body("single-item");
    body.coupon_use_rule = CouponRule::new()
        .fixed_normal_coupon(FixedNormalCoupon::new(100, 200))
        .available_merchants(merchants.clone())
        .available_items(goods.clone());
    let stock_id = s.create(body).await;
    assert_eq!(s.detail(&stock_id).await.singleitem, Some(true));

    let listed: Vec<String> = s
        .stock(&stock_id)
        .merchants()
        .get(ListAvailableMerchantsQuery::new(0, 2, &mchid))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, merchants);
    let page = s
        .stock(&stock_id)
        .merchants()
        .get(ListAvailableMerchantsQuery::new(1, 2, &mchid))
        .await
        .unwrap();
    assert_eq!(
        (
            page.total_count,
            page.offset,
            page.limit,
            page.stock_id.as_str()
        ),
        (5, 1, 2, stock_id.as_str())
    );
    assert_eq!(page.data, merchants[2..4]);
    let items = || async {
        s.stock(&stock_id)
            .items()
            .get(ListAvailableSingleitemsQuery::new(0, 5, &mchid))
            .items()
            .try_collect::<Vec<String>>()
            .await
            .unwrap()
    };
    assert_eq!(items().await, goods);

    // Delete, then add; deleting an absent id or adding a present one is not an error.
    let changed = s
        .stock(&stock_id)
        .modify_goods_id()
        .post(
            ModifyStockGoodsIdsBody::new(&mchid)
                .add_goods_id_list(vec!["sku-100".into(), "sku-001".into()])
                .delete_goods_id_list(vec!["sku-001".into(), "sku-002".into(), "nope".into()]),
        )
        .await
        .unwrap();
    assert_eq!(changed.stock_id, stock_id);
    let mut expected: Vec<String> = goods[2..].to_vec();
    expected.extend(["sku-100".to_owned(), "sku-001".to_owned()]);
    assert_eq!(items().await, expected);
    // At least one goods id stays.
    let err = s
        .stock(&stock_id)
        .modify_goods_id()
        .post(ModifyStockGoodsIdsBody::new(&mchid).delete_goods_id_list(expected.clone()))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    assert!(message(&err).contains("至少需要保留一个商品编码"));
    assert_eq!(items().await, expected);
    // What remains must still be a valid `available_items` of the spec: at most 50.
    let more =
        |from: usize, count: usize| (from..from + count).map(|i| format!("more-{i}")).collect();
    s.stock(&stock_id)
        .modify_goods_id()
        .post(ModifyStockGoodsIdsBody::new(&mchid).add_goods_id_list(more(0, 50 - expected.len())))
        .await
        .expect("50 goods ids");
    let err = s
        .stock(&stock_id)
        .modify_goods_id()
        .post(ModifyStockGoodsIdsBody::new(&mchid).add_goods_id_list(more(50, 1)))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError), "{err}");
    assert!(message(&err).contains("51"), "{}", message(&err));
    assert_eq!(items().await.len(), 50);
    let err = s
        .stock(&stock_id)
        .modify_goods_id()
        .post(ModifyStockGoodsIdsBody::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::ParamError));
    // Not a 单品 stock.
    let err = s
        .stock("9856000")
        .modify_goods_id()
        .post(ModifyStockGoodsIdsBody::new(&mchid).add_goods_id_list(vec!["sku".into()]))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));

    // A stock naming no merchants is available at its creator; other creators' stocks.
    let own = s
        .stock("9856000")
        .merchants()
        .get(ListAvailableMerchantsQuery::new(0, 10, &mchid))
        .await
        .unwrap();
    assert_eq!(own.data, [mchid.as_str()]);
    let shared = s
        .stock(AUTHORIZED_STOCK)
        .merchants()
        .get(ListAvailableMerchantsQuery::new(0, 10, OTHER_CREATOR))
        .await
        .unwrap();
    assert_eq!(shared.data, [OTHER_CREATOR, mchid.as_str()]);
    let err = s
        .stock(UNAUTHORIZED_STOCK)
        .items()
        .get(ListAvailableSingleitemsQuery::new(0, 10, OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (403, ErrorCode::RequestBlocked));
    let empty = s
        .stock("9856000")
        .items()
        .get(ListAvailableSingleitemsQuery::new(0, 10, &mchid))
        .await
        .unwrap();
    assert_eq!(empty.total_count, 0);
    // Limits: merchants 50 a page, items 100.
    let err = s
        .stock("9856000")
        .merchants()
        .get(ListAvailableMerchantsQuery::new(0, 51, &mchid))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "query.limit");
}

// ---------------------------------------------------------------------------------------------
// One coupon
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn coupon_detail() {
    let s = Setup::start().await;
    let coupon_id = s.send("9856000", "detail-1").await.unwrap();
    let coupon = || {
        s.client
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .coupon_id(&coupon_id)
    };
    let got = coupon().get(QueryCouponQuery::new(APPID)).await.unwrap();
    assert_eq!(got.coupon_id, coupon_id);
    assert_eq!(got.stock_id, "9856000");
    assert_eq!(got.status, CouponStatus::Sended);
    assert_eq!(got.out_request_no.as_deref(), Some("detail-1"));
    assert_eq!(got, s.sandbox.state().coupons_of(OPENID)[0]);

    s.sandbox.consume(OPENID, &coupon_id).unwrap();
    let used = coupon().get(QueryCouponQuery::new(APPID)).await.unwrap();
    assert_eq!(used.status, CouponStatus::Used);
    assert!(used.consume_information.is_some());

    let err = coupon()
        .get(QueryCouponQuery::new("wx0000000000000000"))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    let err = s
        .client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .coupon_id("12345")
        .get(QueryCouponQuery::new(APPID))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));
    let err = s
        .client
        .v3()
        .marketing()
        .favor()
        .users("someone-else")
        .coupons()
        .coupon_id(&coupon_id)
        .get(QueryCouponQuery::new(APPID))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));
    let err = coupon().get(QueryCouponQuery::new("")).await.unwrap_err();
    assert_eq!(invalid_field(&err), "query.appid");
}

// ---------------------------------------------------------------------------------------------
// Use and refund flows
// ---------------------------------------------------------------------------------------------

/// Downloads a flow file without any authentication and checks it against the signed hash.
async fn download(url: &str, sha1: &str) -> String {
    let response = reqwest::get(url).await.expect("download");
    assert_eq!(response.status(), 200, "{url}");
    assert!(
        response.headers().get("wechatpay-signature").is_none(),
        "files are not signed"
    );
    let bytes = response.bytes().await.expect("file bytes");
    let actual: String = digest(&SHA1_FOR_LEGACY_USE_ONLY, &bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(actual, sha1, "the file's SHA-1 is the signed hash_value");
    String::from_utf8(bytes.to_vec()).expect("UTF-8 CSV")
}

#[tokio::test]
async fn use_and_refund_flows() {
    let s = Setup::start().await;
    let stock_id = s.running_stock("flows").await;
    // Two coupons for the user (at most two each), one for somebody else.
    let sent = [
        s.send(&stock_id, "flow-0").await.unwrap(),
        s.send(&stock_id, "flow-1").await.unwrap(),
        s.send_to("another-openid", &stock_id, "flow-2")
            .await
            .unwrap(),
    ];
    s.sandbox.consume(OPENID, &sent[0]).unwrap();
    s.sandbox.consume(OPENID, &sent[1]).unwrap();
    let use_flow = || s.stock(&stock_id).use_flow().get();

    // Not before the stock has been over for 10 hours.
    let err = use_flow().await.unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    s.clock.advance(30 * 86_400 + 10 * 3600 + 1);

    let link = use_flow().await.expect("use flow link (signed JSON)");
    assert_eq!(link.hash_type, HashType::Sha1);
    assert_eq!(link.hash_value.len(), 40);
    let csv = download(&link.url, &link.hash_value).await;
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("批次id,优惠id"), "{csv}");
    assert_eq!(rows.len(), 3, "header and two used coupons: {csv}");
    assert!(
        rows[1].starts_with(&format!("{stock_id},{}", sent[0])),
        "{csv}"
    );
    assert!(rows[2].contains(&sent[1]), "{csv}");
    assert!(
        !csv.contains(&sent[2]),
        "unused coupons are not in the use flow"
    );

    let refund = s.stock(&stock_id).refund_flow().get().await.unwrap();
    let csv = download(&refund.url, &refund.hash_value).await;
    assert_eq!(csv.lines().count(), 1, "the sandbox has no refunds: {csv}");

    // A link lasts 30 seconds.
    s.clock.advance(31);
    let expired = reqwest::get(&link.url).await.unwrap();
    assert_eq!(expired.status(), 404);

    // Only the creator.
    let err = s
        .stock(AUTHORIZED_STOCK)
        .use_flow()
        .get()
        .await
        .unwrap_err();
    assert_eq!(api(&err), (403, ErrorCode::RequestBlocked));
    let err = s.stock("404404").refund_flow().get().await.unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));
}

#[tokio::test]
async fn flows_by_day() {
    let s = Setup::start().await;
    let stock_id = s.running_stock("by-day").await;
    let first = s.send(&stock_id, "day-1").await.unwrap();
    let used_on = s.clock.day(0);
    s.sandbox.consume(OPENID, &first).unwrap();
    let by_day = |date: Date| {
        s.stock(&stock_id)
            .use_flow_by_day()
            .get(StockUseFlowByDayQuery::new(date))
    };

    // Today's bill does not exist yet.
    let err = by_day(used_on.clone()).await.unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));

    s.clock.advance(86_400);
    let link = by_day(used_on.clone()).await.unwrap();
    assert_eq!(link.stock_useflow_count, "1");
    let csv = download(&link.url, &link.stock_useflow_hash).await;
    assert!(csv.contains(&first), "{csv}");
    let before = by_day(s.clock.day(-2)).await.unwrap();
    assert_eq!(before.stock_useflow_count, "0");
    download(&before.url, &before.stock_useflow_hash).await;

    let refunds = s
        .stock(&stock_id)
        .refund_flow_by_day()
        .get(StockRefundFlowByDayQuery::new(used_on))
        .await
        .unwrap();
    assert_eq!(refunds.stock_refundflow_count, "0");
    download(&refunds.url, &refunds.stock_refundflow_hash).await;

    let err = by_day(Date::from_wire("2025-02-30")).await.unwrap_err();
    assert_eq!(invalid_field(&err), "query.bill_date");
    // The server says the same to a client that does not check.
    let h = Harness::start().await;
    let resp = h
        .call(
            "GET",
            "/v3/marketing/favor/stocks/9856000/use-flow-by-day?bill_date=20250101",
            None,
        )
        .await;
    assert_eq!((resp.status, resp.code()), (400, "PARAM_ERROR".to_owned()));
    let resp = h
        .call(
            "GET",
            "/v3/marketing/favor/stocks/9856000/use-flow-by-day",
            None,
        )
        .await;
    assert_eq!(resp.message(), "bill_date 必填");
}

// ---------------------------------------------------------------------------------------------
// The notify URL
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn callback_url() {
    let s = Setup::start().await;
    let mchid = s.mchid();
    let callbacks = || s.client.v3().marketing().favor().callbacks();

    let err = callbacks()
        .get(QueryCallbackQuery::new(&mchid))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (404, ErrorCode::ResourceNotExists));

    let url = "https://merchant.example.com/wxpay/coupon-notify";
    let set = callbacks()
        .post(SetCallbackBody::new(&mchid, url))
        .await
        .unwrap();
    assert_eq!(set.notify_url, url);
    assert!(set.update_time.parse().is_ok());
    let got = callbacks()
        .get(QueryCallbackQuery::new(&mchid))
        .await
        .unwrap();
    assert_eq!(
        (got.mchid.as_str(), got.notify_url.as_str()),
        (mchid.as_str(), url)
    );
    assert_eq!(s.sandbox.notifications().url().as_deref(), Some(url));

    // Switched off: notifications stop, the URL is kept.
    callbacks()
        .post(SetCallbackBody::new(&mchid, url).switch(false))
        .await
        .unwrap();
    assert_eq!(s.sandbox.notifications().url(), None);
    let got = callbacks()
        .get(QueryCallbackQuery::new(&mchid))
        .await
        .unwrap();
    assert_eq!(got.notify_url, url);
    // A local receiver may use plain http.
    callbacks()
        .post(SetCallbackBody::new(&mchid, "http://127.0.0.1:9/notify").switch(true))
        .await
        .unwrap();
    assert_eq!(
        s.sandbox.notifications().url().as_deref(),
        Some("http://127.0.0.1:9/notify")
    );

    // `notify_url` is `format: https_url` in the spec: the client stops these before sending.
    for bad in [
        "http://merchant.example.com/notify",
        "https://merchant.example.com/notify?from=wxpay",
        "merchant.example.com/notify",
    ] {
        let err = callbacks()
            .post(SetCallbackBody::new(&mchid, bad))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&err), "body.notify_url", "{bad}");
    }
    let err = callbacks()
        .post(SetCallbackBody::new(OTHER_CREATOR, url))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    let err = callbacks()
        .get(QueryCallbackQuery::new(OTHER_CREATOR))
        .await
        .unwrap_err();
    assert_eq!(api(&err), (400, ErrorCode::InvalidRequest));
    let err = callbacks()
        .post(SetCallbackBody::new(&mchid, ""))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&err), "body.notify_url");
}
