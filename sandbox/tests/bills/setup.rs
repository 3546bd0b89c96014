//! The setup of `bills.rs`: a sandbox and a typed client sharing a clock that starts at
//! yesterday 12:00 China time, the story of yesterday's payments and refund, and the bill calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use time::{OffsetDateTime, UtcOffset};
use wechatpay_apiv3::api::{
    ApplyFundFlowBillQuery, ApplyTradeBillQuery, BillDownloadLink, CreateRefundBody, JsapiPayer,
    JsapiPrepayBody, PrepayAmount, RefundRequestAmount, RefundStatus,
};
use wechatpay_apiv3::auth::{Clock, SystemClock};
use wechatpay_apiv3::{Client, Date, Download, Error};
use wechatpay_sandbox::SandboxConfig;

use crate::common::{Harness, keys};

pub const APPID: &str = "wxd678efh567hg6787";
pub const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const NOTIFY: &str = "https://www.weixin.qq.com/wxpay/pay.php";
pub const DAY: i64 = 86_400;

#[derive(Debug)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_unix(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

fn china() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).expect("+08:00")
}

pub struct Setup {
    pub harness: Harness,
    pub client: Client,
    clock: Arc<TestClock>,
}

impl Setup {
    /// A sandbox whose clock reads yesterday 12:00 China time.
    pub async fn start() -> Setup {
        let now = OffsetDateTime::from_unix_timestamp(SystemClock.now_unix())
            .expect("now")
            .to_offset(china());
        let midnight = now.replace_time(time::Time::MIDNIGHT).unix_timestamp();
        let clock = Arc::new(TestClock(AtomicI64::new(midnight - DAY / 2)));
        let config = SandboxConfig::with_keys(keys()).refund_settle_delay(None);
        let harness = Harness::with_clock(config, Arc::clone(&clock) as Arc<dyn Clock>).await;
        let client = harness
            .sandbox
            .client_builder()
            .clock(Arc::clone(&clock) as Arc<dyn Clock>)
            .build()
            .expect("client");
        Setup {
            harness,
            client,
            clock,
        }
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.0.fetch_add(seconds, Ordering::SeqCst);
    }

    /// The China day `offset_days` from the clock's now.
    pub fn day(&self, offset_days: i64) -> Date {
        let at = OffsetDateTime::from_unix_timestamp(self.clock.now_unix() + offset_days * DAY)
            .expect("a time")
            .to_offset(china());
        Date::from_date(at.date())
    }

    /// A JSAPI order of `total` fen, paid by the user.
    pub async fn paid(&self, out_trade_no: &str, total: i64) -> String {
        let sandbox = &self.harness.sandbox;
        let body = JsapiPrepayBody::new(
            APPID,
            sandbox.mchid(),
            "Image形象店-深圳腾大-QQ公仔",
            out_trade_no,
            NOTIFY,
            PrepayAmount::new(total).currency("CNY"),
            JsapiPayer::new(OPENID),
        );
        self.client
            .v3()
            .pay()
            .transactions()
            .jsapi()
            .post(body)
            .await
            .expect("prepay");
        let paid = sandbox.pay(out_trade_no, None).expect("pay");
        paid.transaction_id.expect("transaction_id")
    }

    pub async fn refund(&self, out_trade_no: &str, out_refund_no: &str, refund: i64, total: i64) {
        let mut body = CreateRefundBody::new(
            out_refund_no,
            RefundRequestAmount::new(refund, total, "CNY"),
        );
        body.out_trade_no = Some(out_trade_no.to_owned());
        self.client
            .v3()
            .refund()
            .domestic()
            .refunds()
            .post(body)
            .await
            .expect("refund");
        self.harness
            .sandbox
            .settle_refund(out_refund_no, RefundStatus::Success)
            .expect("settle");
    }

    /// Yesterday: A (1.00) and B (2.50) paid, 0.30 of A refunded, C prepaid only. Then the
    /// clock moves to today 12:00 and D (9.99) is paid today.
    pub async fn yesterday_story(&self) -> [String; 2] {
        let a = self.paid("bill-a", 100).await;
        self.advance(60);
        let b = self.paid("bill-b", 250).await;
        self.advance(60);
        self.refund("bill-a", "bill-a-r1", 30, 100).await;
        self.client
            .v3()
            .pay()
            .transactions()
            .jsapi()
            .post(JsapiPrepayBody::new(
                APPID,
                self.harness.sandbox.mchid(),
                "未支付",
                "bill-c",
                NOTIFY,
                PrepayAmount::new(700),
                JsapiPayer::new(OPENID),
            ))
            .await
            .expect("prepay C");
        self.advance(DAY - 120);
        self.paid("bill-d", 999).await;
        [a, b]
    }

    pub async fn trade_bill(&self, query: ApplyTradeBillQuery) -> Result<BillDownloadLink, Error> {
        self.client.v3().bill().tradebill().get(query).await
    }

    pub async fn fund_bill(
        &self,
        query: ApplyFundFlowBillQuery,
    ) -> Result<BillDownloadLink, Error> {
        self.client.v3().bill().fundflowbill().get(query).await
    }

    /// Downloads and checks a link; returns the file as text.
    pub async fn download(&self, link: &BillDownloadLink, gzip: bool) -> String {
        let mut out = Vec::new();
        let download = Download::new(&link.download_url, &link.hash_value).gzip(gzip);
        let written = self
            .client
            .download(&download, &mut out)
            .await
            .expect("download");
        assert_eq!(written, out.len() as u64);
        let sha1: String = digest(&SHA1_FOR_LEGACY_USE_ONLY, &out)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha1, link.hash_value, "hash_value is the SHA-1 of the CSV");
        String::from_utf8(out).expect("UTF-8")
    }

    /// The path and query of a link on this sandbox.
    pub fn target<'l>(&self, link: &'l BillDownloadLink) -> &'l str {
        let base = self.harness.sandbox.base_url();
        let target = link.download_url.strip_prefix(base).expect("own base URL");
        assert!(
            target.starts_with("/v3/billdownload/file?token="),
            "{target}"
        );
        target
    }
}

/// The status and code of an API error.
pub fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, String) {
    let err = result.expect_err("an error answer");
    let api = err
        .as_api()
        .unwrap_or_else(|| panic!("not an API error: {err}"));
    (api.status, api.code_str().unwrap_or_default().to_owned())
}

/// The rows of a bill, BOM checked and dropped.
pub fn rows(csv: &str) -> Vec<Vec<&str>> {
    let csv = csv.strip_prefix('\u{feff}').expect("a UTF-8 BOM");
    csv.lines().map(|line| line.split(',').collect()).collect()
}
