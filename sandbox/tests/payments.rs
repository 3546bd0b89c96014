//! Basic payments end to end over TCP on 127.0.0.1, through the typed client chain: every
//! payment operation, the order and refund state the sandbox keeps, and the payment walk
//! (prepay -> the user pays -> `TRANSACTION.SUCCESS` verified and typed by the client's
//! notification handler -> refund -> `REFUND.SUCCESS`).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::keys;
use wechatpay_apiv3::api::{
    AbnormalRefundBankType, AbnormalRefundType, AppPrepayBody, ApplyAbnormalRefundBody,
    ApplyFundFlowBillQuery, ApplyTradeBillQuery, CloseOrderBody, CreateRefundBody, H5Info,
    H5PrepayBody, H5SceneInfo, H5SceneType, JsapiPayer, JsapiPrepayBody, NativePrepayBody,
    NotificationResource, PrepayAmount, QueryOrderByIdQuery, QueryOrderByOutTradeNoQuery,
    RefundChannel, RefundRequestAmount, RefundStatus, TradeState, TransactionTradeType,
};
use wechatpay_apiv3::auth::{ApiV3Key, Verifier};
use wechatpay_apiv3::notify::{Notification, NotificationHandler};
use wechatpay_apiv3::{Client, Date, Error};
use wechatpay_sandbox::{DeliveryStatus, RetrySchedule, Sandbox, SandboxConfig, SandboxError};

const APPID: &str = "wxd678efh567hg6787";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const NOTIFY: &str = "https://www.weixin.qq.com/wxpay/pay.php";
/// Only guards against a hang if something is broken; no assertion depends on timing.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn sandbox(config: SandboxConfig) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let client = sandbox.client_builder().build().expect("client");
    (sandbox, client)
}

fn jsapi_body(sandbox: &Sandbox, out_trade_no: &str, total: i64, notify: &str) -> JsapiPrepayBody {
    JsapiPrepayBody::new(
        APPID,
        sandbox.mchid(),
        "Image形象店-深圳腾大-QQ公仔",
        out_trade_no,
        notify,
        PrepayAmount::new(total).currency("CNY"),
        JsapiPayer::new(OPENID),
    )
}

fn refund_body(
    out_trade_no: &str,
    out_refund_no: &str,
    refund: i64,
    total: i64,
) -> CreateRefundBody {
    let mut body = CreateRefundBody::new(
        out_refund_no,
        RefundRequestAmount::new(refund, total, "CNY"),
    );
    body.out_trade_no = Some(out_trade_no.to_owned());
    body
}

/// The APIv3 error code of a failed call.
fn code(result: Result<impl std::fmt::Debug, Error>) -> (u16, String) {
    let err = result.expect_err("an error answer");
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("not an API error: {err}"));
    (api.status, api.code_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_payment_operation_through_the_typed_chain() {
    let (sandbox, client) =
        sandbox(SandboxConfig::with_keys(keys()).refund_settle_delay(None)).await;
    let mchid = sandbox.mchid().to_owned();
    let transactions = || client.v3().pay().transactions();

    // The four prepays.
    let jsapi = transactions()
        .jsapi()
        .post(jsapi_body(&sandbox, "pay-e2e-jsapi", 100, NOTIFY))
        .await
        .expect("jsapi prepay");
    assert!(jsapi.prepay_id.starts_with("wx"), "{}", jsapi.prepay_id);
    let app = transactions()
        .app()
        .post(AppPrepayBody::new(
            APPID,
            &mchid,
            "APP 商品",
            "pay-e2e-app",
            NOTIFY,
            PrepayAmount::new(200),
        ))
        .await
        .expect("app prepay");
    assert_ne!(app.prepay_id, jsapi.prepay_id);
    let h5 = transactions()
        .h5()
        .post(H5PrepayBody::new(
            APPID,
            &mchid,
            "H5 商品",
            "pay-e2e-h5",
            NOTIFY,
            PrepayAmount::new(300),
            H5SceneInfo::new("14.23.150.211", H5Info::new(H5SceneType::Wap)),
        ))
        .await
        .expect("h5 prepay");
    assert!(h5.h5_url.starts_with("https://"), "{}", h5.h5_url);
    let native = transactions()
        .native()
        .post(NativePrepayBody::new(
            APPID,
            &mchid,
            "Native 商品",
            "pay-e2e-native",
            NOTIFY,
            PrepayAmount::new(400),
        ))
        .await
        .expect("native prepay");
    assert!(
        native.code_url.starts_with("weixin://"),
        "{}",
        native.code_url
    );

    // Query by out_trade_no: unpaid, so no transaction_id, payer or success_time.
    let by_no = |no: &'static str| {
        transactions()
            .out_trade_no(no)
            .get(QueryOrderByOutTradeNoQuery::new(&mchid))
    };
    let unpaid = by_no("pay-e2e-jsapi").await.expect("query unpaid");
    assert_eq!(unpaid.trade_state, TradeState::Notpay);
    assert_eq!(
        (&unpaid.transaction_id, &unpaid.payer, &unpaid.success_time),
        (&None, &None, &None)
    );

    // The user pays; query by transaction_id.
    let paid = sandbox.pay("pay-e2e-jsapi", None).expect("pay");
    let transaction_id = paid.transaction_id.clone().expect("transaction_id");
    assert_eq!(transaction_id.len(), 28, "{transaction_id}");
    let by_id = transactions()
        .id(&transaction_id)
        .get(QueryOrderByIdQuery::new(&mchid))
        .await
        .expect("query by id");
    assert_eq!(by_id.trade_state, TradeState::Success);
    assert_eq!(by_id.trade_type, Some(TransactionTradeType::Jsapi));
    assert_eq!(
        by_id.payer.as_ref().map(|p| p.openid.as_str()),
        Some(OPENID)
    );
    assert!(by_id.success_time.is_some());
    assert_eq!(
        by_id
            .amount
            .as_ref()
            .and_then(|a| a.payer_total)
            .map(|f| f.get()),
        Some(100)
    );

    // Close: an unpaid order closes (twice: re-entrant); a paid one does not.
    let close = |no: &'static str| {
        transactions()
            .out_trade_no(no)
            .close()
            .post(CloseOrderBody::new(&mchid))
    };
    close("pay-e2e-native").await.expect("close");
    close("pay-e2e-native").await.expect("close again");
    assert_eq!(
        by_no("pay-e2e-native").await.unwrap().trade_state,
        TradeState::Closed
    );
    assert_eq!(
        code(close("pay-e2e-jsapi").await),
        (400, "ORDER_PAID".to_owned())
    );
    assert_eq!(
        code(close("pay-e2e-nothing").await),
        (404, "ORDER_NOT_EXIST".to_owned())
    );

    // Refund, query it, make it abnormal, re-route it.
    let refunds = || client.v3().refund().domestic().refunds();
    let refund = refunds()
        .post(refund_body("pay-e2e-jsapi", "refund-e2e-1", 30, 100))
        .await
        .expect("refund");
    assert_eq!(refund.status, RefundStatus::Processing);
    assert_eq!(
        (refund.amount.refund.get(), refund.amount.total.get()),
        (30, 100)
    );
    assert_eq!(refund.transaction_id, transaction_id);
    let queried = refunds()
        .out_refund_no("refund-e2e-1")
        .get()
        .await
        .expect("query refund");
    assert_eq!(queried.refund_id, refund.refund_id);
    assert_eq!(
        by_no("pay-e2e-jsapi").await.unwrap().trade_state,
        TradeState::Refund
    );
    sandbox
        .settle_refund("refund-e2e-1", RefundStatus::Abnormal)
        .expect("abnormal");
    let mut reroute =
        ApplyAbnormalRefundBody::new("refund-e2e-1", AbnormalRefundType::UserBankCard);
    reroute.bank_type = Some(AbnormalRefundBankType::IcbcDebit);
    reroute.bank_account = Some("ZW5jcnlwdGVkLWFjY291bnQ=".to_owned());
    reroute.real_name = Some("ZW5jcnlwdGVkLW5hbWU=".to_owned());
    let rerouted = apply_abnormal(&client, &refund.refund_id, reroute)
        .await
        .expect("reroute");
    assert_eq!(rerouted.status, RefundStatus::Processing);
    assert_eq!(rerouted.channel, RefundChannel::OtherBankcard);

    // Bills are served from this state (tests/bills.rs); a day over three months back is the
    // documented error, typed.
    let trade = client
        .v3()
        .bill()
        .tradebill()
        .get(ApplyTradeBillQuery::new(Date::from_wire("2019-06-11")))
        .await;
    assert_eq!(code(trade), (400, "INVALID_REQUEST".to_owned()));
    let fund = client
        .v3()
        .bill()
        .fundflowbill()
        .get(ApplyFundFlowBillQuery::new(Date::from_wire("2019-06-11")))
        .await;
    assert_eq!(code(fund), (400, "INVALID_REQUEST".to_owned()));
}

/// The abnormal-refund chain: `refunds/{refund_id}/…`, its own link next to
/// `refunds/{out_refund_no}`.
async fn apply_abnormal(
    client: &Client,
    refund_id: &str,
    body: ApplyAbnormalRefundBody,
) -> Result<wechatpay_apiv3::api::Refund, Error> {
    client
        .v3()
        .refund()
        .domestic()
        .refunds()
        .refund_id(refund_id)
        .apply_abnormal_refund()
        .post(body)
        .await
}

#[tokio::test]
async fn prepay_is_idempotent_on_out_trade_no_with_identical_parameters() {
    let (sandbox, client) = sandbox(SandboxConfig::with_keys(keys())).await;
    let jsapi = || client.v3().pay().transactions().jsapi();
    let first = jsapi()
        .post(jsapi_body(&sandbox, "pay-idem-1", 100, NOTIFY))
        .await
        .unwrap();
    let again = jsapi()
        .post(jsapi_body(&sandbox, "pay-idem-1", 100, NOTIFY))
        .await
        .unwrap();
    assert_eq!(again.prepay_id, first.prepay_id);
    assert_eq!(sandbox.state().order_count(), 1);
    // Another amount, or the same number for another product: OUT_TRADE_NO_USED.
    let changed = jsapi()
        .post(jsapi_body(&sandbox, "pay-idem-1", 101, NOTIFY))
        .await;
    assert_eq!(code(changed), (403, "OUT_TRADE_NO_USED".to_owned()));
    let native = client
        .v3()
        .pay()
        .transactions()
        .native()
        .post(NativePrepayBody::new(
            APPID,
            sandbox.mchid(),
            "Image形象店-深圳腾大-QQ公仔",
            "pay-idem-1",
            NOTIFY,
            PrepayAmount::new(100).currency("CNY"),
        ))
        .await;
    assert_eq!(code(native), (403, "OUT_TRADE_NO_USED".to_owned()));
    // Another merchant's mchid in the body.
    let mut foreign = jsapi_body(&sandbox, "pay-idem-2", 100, NOTIFY);
    foreign.mchid = "1900000001".to_owned();
    assert_eq!(
        code(jsapi().post(foreign).await),
        (400, "INVALID_REQUEST".to_owned())
    );
    // Paid: the same prepay is refused; paying twice too.
    sandbox.pay("pay-idem-1", None).unwrap();
    let replay = jsapi()
        .post(jsapi_body(&sandbox, "pay-idem-1", 100, NOTIFY))
        .await;
    assert_eq!(code(replay), (400, "ORDER_PAID".to_owned()));
    assert!(matches!(
        sandbox.pay("pay-idem-1", None),
        Err(SandboxError::Refused { code, .. }) if code == "ORDER_PAID"
    ));
}

#[tokio::test]
async fn refunds_check_the_order_the_amounts_and_the_balance() {
    let (sandbox, client) =
        sandbox(SandboxConfig::with_keys(keys()).refund_settle_delay(None)).await;
    let refunds = || client.v3().refund().domestic().refunds();
    client
        .v3()
        .pay()
        .transactions()
        .jsapi()
        .post(jsapi_body(&sandbox, "pay-refund-1", 100, NOTIFY))
        .await
        .unwrap();
    // Unpaid orders cannot be refunded.
    let unpaid = refunds()
        .post(refund_body("pay-refund-1", "refund-check-0", 10, 100))
        .await;
    assert_eq!(code(unpaid), (404, "RESOURCE_NOT_EXISTS".to_owned()));
    let unknown = refunds().out_refund_no("refund-check-none").get().await;
    assert_eq!(code(unknown), (404, "RESOURCE_NOT_EXISTS".to_owned()));
    sandbox.pay("pay-refund-1", None).unwrap();
    assert_eq!(sandbox.state().balance(), 100);

    // Over-refund and a wrong order total: INVALID_REQUEST, naming the field.
    let over = refunds()
        .post(refund_body("pay-refund-1", "refund-check-1", 101, 100))
        .await
        .unwrap_err();
    let api = over.as_api().unwrap();
    assert_eq!((api.status, api.code_str()), (400, Some("INVALID_REQUEST")));
    assert_eq!(
        api.detail.as_ref().and_then(|d| d.field.as_deref()),
        Some("/amount/refund")
    );
    let wrong_total = refunds()
        .post(refund_body("pay-refund-1", "refund-check-1", 10, 99))
        .await;
    assert_eq!(code(wrong_total), (400, "INVALID_REQUEST".to_owned()));

    // Two partial refunds; the third would exceed what is left.
    let first = refunds()
        .post(refund_body("pay-refund-1", "refund-check-1", 60, 100))
        .await
        .unwrap();
    let replayed = refunds()
        .post(refund_body("pay-refund-1", "refund-check-1", 60, 100))
        .await
        .unwrap();
    assert_eq!(
        replayed.refund_id, first.refund_id,
        "same out_refund_no, same refund"
    );
    let reused = refunds()
        .post(refund_body("pay-refund-1", "refund-check-1", 50, 100))
        .await;
    assert_eq!(code(reused), (400, "INVALID_REQUEST".to_owned()));
    let left = refunds()
        .post(refund_body("pay-refund-1", "refund-check-2", 41, 100))
        .await;
    assert_eq!(code(left), (400, "INVALID_REQUEST".to_owned()));

    // The balance: empty -> NOT_ENOUGH.
    sandbox.state().set_balance(0);
    let poor = refunds()
        .post(refund_body("pay-refund-1", "refund-check-2", 40, 100))
        .await;
    assert_eq!(code(poor), (403, "NOT_ENOUGH".to_owned()));
    sandbox.state().set_balance(40);
    refunds()
        .post(refund_body("pay-refund-1", "refund-check-2", 40, 100))
        .await
        .expect("refund the rest");

    // A closed refund gives its amount back; only processing refunds settle.
    sandbox
        .settle_refund("refund-check-2", RefundStatus::Closed)
        .unwrap();
    assert_eq!(sandbox.state().balance(), 40);
    assert!(
        sandbox
            .settle_refund("refund-check-2", RefundStatus::Success)
            .is_err()
    );
    // Abnormal refunds only for ABNORMAL refunds, and bank details for a user's card.
    let not_abnormal = apply_abnormal(
        &client,
        &first.refund_id,
        ApplyAbnormalRefundBody::new("refund-check-1", AbnormalRefundType::MerchantBankCard),
    )
    .await;
    assert_eq!(code(not_abnormal), (400, "INVALID_REQUEST".to_owned()));
    sandbox
        .settle_refund("refund-check-1", RefundStatus::Abnormal)
        .unwrap();
    let no_card = apply_abnormal(
        &client,
        &first.refund_id,
        ApplyAbnormalRefundBody::new("refund-check-1", AbnormalRefundType::UserBankCard),
    )
    .await;
    assert_eq!(code(no_card), (400, "PARAM_ERROR".to_owned()));
    let to_merchant = apply_abnormal(
        &client,
        &first.refund_id,
        ApplyAbnormalRefundBody::new("refund-check-1", AbnormalRefundType::MerchantBankCard),
    )
    .await
    .unwrap();
    assert_eq!(to_merchant.user_received_account, "商户结算银行账户");

    // Each final state was told with its event, carrying the refund the client decodes (no
    // notify_url on these refunds: recorded, not sent). The payment's went to its notify_url.
    let events: Vec<(String, String)> = sandbox
        .notifications()
        .notifications()
        .into_iter()
        .filter(|n| n.event_type != "TRANSACTION.SUCCESS")
        .map(|n| {
            let decoded = NotificationResource::decode(&n.event_type, n.resource.as_bytes())
                .expect("the client decodes the resource");
            assert_eq!(decoded.event_type(), n.event_type);
            assert_eq!(n.status, DeliveryStatus::NoUrl);
            (n.event_type, n.subject)
        })
        .collect();
    assert_eq!(
        events,
        [
            ("REFUND.CLOSED".to_owned(), "refund-check-2".to_owned()),
            ("REFUND.ABNORMAL".to_owned(), "refund-check-1".to_owned()),
        ]
    );
}

/// A merchant's notify endpoint on 127.0.0.1: verifies, decrypts and types every delivery
/// with the client crate's handler; answers `500` to the first `fail_first` valid ones.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<Notification<NotificationResource>>>>,
    changed: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct ReceiverState {
    handler: Arc<NotificationHandler>,
    fail_first: Arc<Mutex<usize>>,
    seen: Arc<Mutex<Vec<Notification<NotificationResource>>>>,
    changed: Arc<tokio::sync::Notify>,
}

async fn receive(
    State(state): State<ReceiverState>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    let (status, answer) = match state.handler.handle_http(&headers, &body) {
        Err(e) => NotificationHandler::failure_response(&e),
        Ok(notification) => {
            let mut fail = state.fail_first.lock().unwrap();
            if *fail > 0 {
                *fail -= 1;
                (500, br#"{"code":"FAIL","message":"busy"}"#.to_vec())
            } else {
                state.seen.lock().unwrap().push(notification);
                NotificationHandler::success_response()
            }
        }
    };
    state.changed.notify_waiters();
    (StatusCode::from_u16(status).unwrap(), answer)
}

impl Receiver {
    async fn start(sandbox: &Sandbox, fail_first: usize) -> Receiver {
        let mut verifier = Verifier::new();
        verifier
            .add_public_key_pem(sandbox.public_key_id(), sandbox.public_key_pem())
            .unwrap();
        let handler =
            NotificationHandler::new(verifier, ApiV3Key::new(sandbox.api_v3_key()).unwrap());
        let state = ReceiverState {
            handler: Arc::new(handler),
            fail_first: Arc::new(Mutex::new(fail_first)),
            seen: Arc::default(),
            changed: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/notify", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/notify"),
            seen: state.seen,
            changed: state.changed,
            task,
        }
    }

    /// Waits for the `n`-th accepted notification.
    async fn nth(&self, n: usize) -> Notification<NotificationResource> {
        tokio::time::timeout(HANG_GUARD, async {
            loop {
                let changed = self.changed.notified();
                if let Some(found) = self.seen.lock().unwrap().get(n - 1) {
                    return found.clone();
                }
                changed.await;
            }
        })
        .await
        .expect("notification in time")
    }
}

#[tokio::test]
async fn payment_walk_over_loopback() {
    let (sandbox, client) = sandbox(
        SandboxConfig::with_keys(keys())
            .notify_retries(RetrySchedule::fixed(Duration::from_millis(20), 5))
            .refund_settle_delay(Some(Duration::from_millis(50))),
    )
    .await;
    // The receiver refuses the first delivery: the sandbox retries.
    let receiver = Receiver::start(&sandbox, 1).await;
    let prepay = client
        .v3()
        .pay()
        .transactions()
        .jsapi()
        .post(jsapi_body(&sandbox, "pay-walk-1", 888, &receiver.url))
        .await
        .expect("prepay");
    assert!(!prepay.prepay_id.is_empty());

    // The user pays, through the admin endpoint as a non-Rust test would.
    let paid: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/sandbox/orders/pay", sandbox.base_url()))
        .body(r#"{"out_trade_no":"pay-walk-1"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["trade_state"], "SUCCESS");
    let notified = receiver.nth(1).await;
    assert_eq!(notified.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(notified.summary, "支付成功");
    let Some(transaction) = notified.transaction_success() else {
        panic!("not a transaction: {:?}", notified.resource);
    };
    assert_eq!(transaction.out_trade_no, "pay-walk-1");
    assert_eq!(transaction.trade_state, TradeState::Success);
    assert_eq!(
        transaction.amount.as_ref().map(|a| a.total.get()),
        Some(888)
    );
    assert_eq!(
        transaction.transaction_id.as_deref(),
        paid["transaction_id"].as_str()
    );
    let first = sandbox.notifications().notifications()[0].id.clone();
    let record = tokio::time::timeout(HANG_GUARD, sandbox.notifications().wait_settled(&first))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.subject.as_str(), record.attempts),
        ("pay-walk-1", 2)
    );

    // Refund it: PROCESSING, then SUCCESS by itself, told with REFUND.SUCCESS.
    let mut body =
        CreateRefundBody::new("refund-walk-1", RefundRequestAmount::new(888, 888, "CNY"));
    body.transaction_id = transaction.transaction_id.clone();
    body.notify_url = Some(receiver.url.clone());
    let refund = client
        .v3()
        .refund()
        .domestic()
        .refunds()
        .post(body)
        .await
        .expect("refund");
    assert_eq!(refund.status, RefundStatus::Processing);
    let notified = receiver.nth(2).await;
    assert_eq!(notified.event_type, "REFUND.SUCCESS");
    let Some(resource) = notified.refund_success() else {
        panic!("not a refund: {:?}", notified.resource);
    };
    assert_eq!(
        (
            resource.out_refund_no.as_str(),
            &resource.refund_status,
            resource.amount.refund.get()
        ),
        ("refund-walk-1", &RefundStatus::Success, 888)
    );
    assert_eq!(resource.mchid, sandbox.mchid());
    let settled = client
        .v3()
        .refund()
        .domestic()
        .refunds()
        .out_refund_no("refund-walk-1")
        .get()
        .await
        .unwrap();
    assert_eq!(settled.status, RefundStatus::Success);
    assert!(settled.success_time.is_some());
}
