//! Trade and fund-flow bills end to end over TCP on 127.0.0.1: orders paid and refunded
//! yesterday (China time) through the typed chain, the bill applied for today, downloaded with
//! `Client::download` (plain and gzip) and checked row by row, its SHA-1 against the signed
//! `hash_value`; the documented errors for days without a bill, expired links, unsigned
//! downloads; faults leave the download alone.
//!
//! One clock is shared by the client and the sandbox and starts at yesterday 12:00 China time,
//! so the records land on a known day and the test moves to "today" without waiting.

mod common;
#[path = "bills/setup.rs"]
mod setup;

use setup::{APPID, OPENID, Setup, code, rows};
use wechatpay_apiv3::api::{
    ApplyFundFlowBillQuery, ApplyTradeBillQuery, BillType, FundFlowAccountType, HashType, TarType,
};
use wechatpay_apiv3::{Date, Download};
use wechatpay_sandbox::{Fault, FaultRule};

#[tokio::test]
async fn the_trade_bill_lists_the_days_payments_and_refunds() {
    let setup = Setup::start().await;
    let [a, b] = setup.yesterday_story().await;
    let yesterday = setup.day(-1);

    let link = setup
        .trade_bill(ApplyTradeBillQuery::new(yesterday.clone()))
        .await
        .expect("trade bill");
    assert_eq!(link.hash_type, HashType::Sha1);
    let csv = setup.download(&link, false).await;
    let rows = rows(&csv);
    assert_eq!(
        rows.len(),
        6,
        "header, 3 records, summary header and row: {csv}"
    );
    assert_eq!(rows[0].len(), 27);
    assert_eq!(rows[0][0], "交易时间");
    assert_eq!(rows[0][26], "费率备注");
    let (pay_a, pay_b, refund_a) = (&rows[1], &rows[2], &rows[3]);
    for row in &rows[1..4] {
        assert_eq!(row.len(), 27, "{row:?}");
        assert!(row.iter().all(|v| v.starts_with('`')), "{row:?}");
        assert!(
            row[0].starts_with(&format!("`{}", yesterday.as_str())),
            "{row:?}"
        );
        assert_eq!(row[1], format!("`{APPID}"));
        assert_eq!(row[2], format!("`{}", setup.harness.sandbox.mchid()));
        assert_eq!(row[7], format!("`{OPENID}"));
        assert_eq!(row[8], "`JSAPI");
    }
    assert_eq!(pay_a[5], format!("`{a}"));
    assert_eq!(pay_a[6], "`bill-a");
    assert_eq!(pay_a[9], "`SUCCESS");
    assert_eq!(pay_a[12], "`1.00", "应结订单金额");
    assert_eq!(pay_a[16], "`0.00", "退款金额");
    assert_eq!(pay_a[20], "`Image形象店-深圳腾大-QQ公仔");
    assert_eq!(pay_a[24], "`1.00", "订单金额");
    assert_eq!(pay_b[5], format!("`{b}"));
    assert_eq!(pay_b[12], "`2.50");
    assert_eq!(refund_a[6], "`bill-a");
    assert_eq!(refund_a[9], "`REFUND");
    assert_eq!(refund_a[15], "`bill-a-r1");
    assert!(refund_a[14].len() > 1, "微信退款单号 {refund_a:?}");
    assert_eq!(refund_a[16], "`0.30");
    assert_eq!(refund_a[19], "`SUCCESS");
    assert_eq!(refund_a[25], "`0.30", "申请退款金额");
    assert_eq!(rows[4][0], "总交易单数");
    assert_eq!(
        rows[5],
        ["`3", "`3.50", "`0.30", "`0.00", "`0.00", "`3.50", "`0.30"]
    );
    assert!(!csv.contains("bill-c"), "unpaid orders are not in the bill");
    assert!(
        !csv.contains("bill-d"),
        "today's payment is not in yesterday's bill"
    );

    // Gzip: the same CSV (the hash is over the uncompressed file).
    let gz = setup
        .trade_bill(ApplyTradeBillQuery::new(yesterday.clone()).tar_type(TarType::Gzip))
        .await
        .expect("gzip bill");
    assert_eq!(gz.hash_value, link.hash_value);
    assert_ne!(gz.download_url, link.download_url);
    assert_eq!(setup.download(&gz, true).await, csv);
    // The raw answers: signed request, unsigned file, the media type of each.
    for (link, media, magic) in [
        (&link, "text/plain", &b"\xef\xbb\xbf"[..]),
        (&gz, "application/x-gzip", &b"\x1f\x8b"[..]),
    ] {
        let resp = setup.harness.call("GET", setup.target(link), None).await;
        assert_eq!(resp.status, 200);
        assert!(resp.header("content-type").unwrap().starts_with(media));
        assert!(resp.body.starts_with(magic));
        assert!(
            resp.header("wechatpay-signature").is_none(),
            "files are not signed"
        );
    }

    // SUCCESS: the payments; REFUND: the refund.
    let only = |kind| ApplyTradeBillQuery::new(yesterday.clone()).bill_type(kind);
    let success = setup.trade_bill(only(BillType::Success)).await.unwrap();
    let csv = setup.download(&success, false).await;
    let success_rows = self::rows(&csv);
    assert_eq!(success_rows.len(), 5, "{csv}");
    assert_eq!(success_rows[4][..2], ["`2", "`3.50"]);
    let refund = setup.trade_bill(only(BillType::Refund)).await.unwrap();
    let csv = setup.download(&refund, false).await;
    let refund_rows = self::rows(&csv);
    assert_eq!(refund_rows.len(), 4, "{csv}");
    assert_eq!(refund_rows[1][15], "`bill-a-r1");
    assert_eq!(refund_rows[3][..3], ["`1", "`0.00", "`0.30"]);
    // No recharge coupons in the sandbox; 个性化账单 need a permission it never grants.
    assert_eq!(
        code(setup.trade_bill(only(BillType::RechargeRefund)).await),
        (400, "NO_STATEMENT_EXIST".to_owned())
    );
    assert_eq!(
        code(setup.trade_bill(only(BillType::AllSpecial)).await),
        (403, "NO_AUTH".to_owned())
    );
}

#[tokio::test]
async fn the_fund_flow_bill_lists_the_basic_accounts_movements() {
    let setup = Setup::start().await;
    let [a, _] = setup.yesterday_story().await;
    let yesterday = setup.day(-1);
    let link = setup
        .fund_bill(ApplyFundFlowBillQuery::new(yesterday.clone()))
        .await
        .expect("fund bill");
    let csv = setup.download(&link, false).await;
    let rows = rows(&csv);
    assert_eq!(rows.len(), 6, "{csv}");
    assert_eq!(rows[0].len(), 11);
    assert_eq!(rows[0][6], "收支金额(元)");
    // 记账时间, 业务单号, 流水号, 业务名称, 业务类型, 收支类型, 金额, 结余, 申请人, 备注, 凭证号.
    assert_eq!(rows[1][1], format!("`{a}"));
    assert_eq!(rows[1][3..8], ["`交易", "`交易", "`收入", "`1.00", "`1.00"]);
    assert_eq!(rows[1][10], "`bill-a");
    assert_eq!(rows[2][5..8], ["`收入", "`2.50", "`3.50"]);
    assert_eq!(rows[3][3..8], ["`退款", "`退款", "`支出", "`0.30", "`3.20"]);
    assert_eq!(rows[3][10], "`bill-a-r1");
    assert_eq!(rows[4][0], "资金流水总笔数");
    assert_eq!(rows[5], ["`3", "`2", "`3.50", "`1", "`0.30"]);
    // Gzip too.
    let gz = setup
        .fund_bill(ApplyFundFlowBillQuery::new(yesterday.clone()).tar_type(TarType::Gzip))
        .await
        .expect("gzip");
    assert_eq!(setup.download(&gz, true).await, csv);
    // The operation and fees accounts never move in the sandbox.
    for account in [FundFlowAccountType::Operation, FundFlowAccountType::Fees] {
        let query = ApplyFundFlowBillQuery::new(yesterday.clone()).account_type(account);
        assert_eq!(
            code(setup.fund_bill(query).await),
            (400, "NO_STATEMENT_EXIST".to_owned())
        );
    }
}

#[tokio::test]
async fn days_without_a_bill_get_the_documented_errors() {
    let setup = Setup::start().await;
    setup.yesterday_story().await;
    let trade = |day: Date| setup.trade_bill(ApplyTradeBillQuery::new(day));
    let invalid = (400, "INVALID_REQUEST".to_owned());
    assert_eq!(code(trade(setup.day(0)).await), invalid, "today");
    assert_eq!(code(trade(setup.day(1)).await), invalid, "tomorrow");
    assert_eq!(code(trade(setup.day(-100)).await), invalid, "over 3 months");
    assert_eq!(
        code(trade(setup.day(-2)).await),
        (400, "NO_STATEMENT_EXIST".to_owned()),
        "a day without records"
    );
    let fund = setup.fund_bill(ApplyFundFlowBillQuery::new(setup.day(-2)));
    assert_eq!(code(fund.await), (400, "NO_STATEMENT_EXIST".to_owned()));
    // Before 09:00 the bill of yesterday is still being generated.
    setup.advance(-4 * 3600);
    assert_eq!(
        code(trade(setup.day(-1)).await),
        (400, "STATEMENT_CREATING".to_owned())
    );
}

#[tokio::test]
async fn a_link_works_for_five_minutes_for_the_signed_applicant_only() {
    let setup = Setup::start().await;
    setup.yesterday_story().await;
    let link = setup
        .trade_bill(ApplyTradeBillQuery::new(setup.day(-1)))
        .await
        .expect("trade bill");
    let target = setup.target(&link).to_owned();

    // Unsigned: 401 SIGN_ERROR, and nothing of the file.
    let unsigned = setup
        .harness
        .send("GET", &target, None, &[])
        .await
        .expect("request");
    assert_eq!(
        (unsigned.status, unsigned.code()),
        (401, "SIGN_ERROR".into())
    );
    // A flow-file link path does not serve bills.
    let token = target.split_once("token=").unwrap().1;
    let flow = setup
        .harness
        .send(
            "GET",
            &format!("/mkt/storage/bill/download?bill_params={token}"),
            None,
            &[],
        )
        .await
        .expect("request");
    assert_eq!(flow.status, 404);

    // Faults on every operation leave the file alone.
    let faults = setup.harness.sandbox.faults();
    faults.inject(FaultRule::new(Fault::Status500).times(100));
    setup.download(&link, false).await;
    assert_eq!(faults.applied_count(), 0);
    faults.clear();

    setup.advance(299);
    setup.download(&link, false).await;
    setup.advance(2);
    let mut out = Vec::new();
    let expired = setup
        .client
        .download(
            &Download::new(&link.download_url, &link.hash_value),
            &mut out,
        )
        .await;
    assert_eq!(code(expired), (400, "INVALID_REQUEST".to_owned()));
    let unknown = setup
        .harness
        .call("GET", "/v3/billdownload/file?token=0123", None)
        .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (400, "INVALID_REQUEST".into())
    );
    setup
        .harness
        .verify(&unknown)
        .expect("error answers are signed");
}
