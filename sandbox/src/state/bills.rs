//! Trade and fund-flow bills (交易账单, 资金账单) of one China day, built from the ledger when a
//! bill is applied for and kept for [`BILL_LINK_LIFETIME`] in the downloads store, for the
//! applicant only. Layout, errors and sources: payments reference C.7–C.9, G.7.
//!
//! The file: a UTF-8 BOM (the official PHP SDK's `tests/fixtures/bill.ALL.csv`, reference J.3
//! item 5), the header row, one row per record with every value prefixed by a backtick (the
//! real bills' Excel guard), the summary header and one summary row, also backticked. Amounts
//! are 元 with two decimals, from integer fen. The sandbox charges no fees (`手续费` `0.00`,
//! `费率` `0.00%`) and has no recharge coupons (`充值券` amounts `0.00`).

use std::io::Write as _;

use time::{Duration, Month, OffsetDateTime};
use wechatpay_apiv3::api::{BillType, ErrorCode, FundFlowAccountType};

mod csv;

use super::SandboxState;
use super::downloads::{Holder, Stored, china_day, sha1_hex};
use super::orders::Ledger;
use crate::reply::{ApiFailure, ErrorDetail, failure};

/// How long a bill's `download_url` works: "该地址5min内有效" (OFF 4012556654, 2024; the 2021
/// wiki said 30 s — `spec/types/bill.yaml` notes both).
pub(crate) const BILL_LINK_LIFETIME: Duration = Duration::minutes(5);
/// Bills of a day are generated from 09:00 China time the next day (OFF-BILL); before, the
/// answer is `STATEMENT_CREATING`.
const READY_HOUR: u8 = 9;
/// "只能下载三个月以内的账单".
const MONTHS_KEPT: u8 = 3;

/// Which bill is applied for.
#[derive(Debug, Clone)]
pub(crate) enum BillRequest {
    Trade(BillType),
    FundFlow(FundFlowAccountType),
}

/// A bill ready for download.
#[derive(Debug, Clone)]
pub(crate) struct BillFile {
    /// The download token (the link's `token`).
    pub(crate) token: String,
    /// The lower-case hex SHA-1 of the uncompressed file.
    pub(crate) sha1: String,
}

/// A paid order as the bills show it (from `orders.rs`).
#[derive(Debug, Clone)]
pub(super) struct Payment {
    pub(super) time: OffsetDateTime,
    pub(super) appid: String,
    pub(super) mchid: String,
    pub(super) device_id: String,
    pub(super) transaction_id: String,
    pub(super) out_trade_no: String,
    pub(super) openid: String,
    pub(super) trade_type: String,
    pub(super) currency: String,
    pub(super) total: i64,
    pub(super) description: String,
    pub(super) attach: String,
}

/// A refund as the bills show it (from `refunds.rs`).
#[derive(Debug, Clone)]
pub(super) struct RefundRecord {
    pub(super) time: OffsetDateTime,
    pub(super) out_trade_no: String,
    pub(super) refund_id: String,
    pub(super) out_refund_no: String,
    pub(super) refund: i64,
    pub(super) status: String,
}

/// One movement of money: a payment, or a refund of a payment.
enum Record {
    Paid(Payment),
    Refunded(Payment, RefundRecord),
}

impl Record {
    fn time(&self) -> OffsetDateTime {
        match self {
            Record::Paid(p) => p.time,
            Record::Refunded(_, r) => r.time,
        }
    }
}

impl SandboxState {
    /// Builds the bill of `day` (China time) for `mchid`, gzipped when `gzip`, and keeps it
    /// for [`BILL_LINK_LIFETIME`]. `400 INVALID_REQUEST` for today, a later day or one more
    /// than three months back; `400 STATEMENT_CREATING` for yesterday before 09:00;
    /// `400 NO_STATEMENT_EXIST` for a day without records of the bill's kind.
    pub(crate) fn bill_file(
        &self,
        mchid: &str,
        request: &BillRequest,
        day: time::Date,
        gzip: bool,
    ) -> Result<BillFile, ApiFailure> {
        check_day(self.now(), day)?;
        let csv = {
            let ledger = self.ledger();
            let records = records(&ledger, mchid);
            match request {
                BillRequest::Trade(kind) => csv::trade_bill(&records, kind, day)?,
                BillRequest::FundFlow(account) => {
                    csv::fund_bill(&records, ledger.balance, account, day)?
                }
            }
        };
        let csv = csv.ok_or_else(|| {
            failure(ErrorCode::NoStatementExist, "请求的账单文件不存在").detail(
                ErrorDetail::at("query", "bill_date")
                    .value(day.to_string())
                    .issue("no record of this bill on that day"),
            )
        })?;
        let bytes = csv.into_bytes();
        let sha1 = sha1_hex(&bytes);
        let (bytes, content_type) = if gzip {
            (gzipped(&bytes)?, "application/x-gzip")
        } else {
            (bytes, "text/plain; charset=utf-8")
        };
        let token = self.keep_download(
            BILL_LINK_LIFETIME,
            Stored {
                bytes,
                content_type,
                holder: Holder::Merchant(mchid.to_owned()),
            },
        );
        Ok(BillFile { token, sha1 })
    }
}

fn check_day(now: OffsetDateTime, day: time::Date) -> Result<(), ApiFailure> {
    let today = china_day(now);
    let invalid = |message: &str, issue: String| {
        failure(ErrorCode::InvalidRequest, message).detail(
            ErrorDetail::at("query", "bill_date")
                .value(day.to_string())
                .issue(issue),
        )
    };
    if day >= today {
        return Err(invalid(
            "账单日期须至少是前一天",
            format!("the bill of a day is generated the day after; today is {today}"),
        ));
    }
    let earliest = months_before(today, MONTHS_KEPT);
    if day < earliest {
        return Err(invalid(
            "仅支持三个月内的账单下载申请",
            format!("the earliest bill_date today is {earliest}"),
        ));
    }
    let hour = now
        .checked_to_offset(crate::stocks::china())
        .unwrap_or(now)
        .hour();
    if today.previous_day() == Some(day) && hour < READY_HOUR {
        return Err(failure(
            ErrorCode::StatementCreating,
            "账单生成中，请在次日上午10点以后再获取",
        ));
    }
    Ok(())
}

/// `day` `months` calendar months earlier, the day clamped to the month's length.
fn months_before(day: time::Date, months: u8) -> time::Date {
    let (mut year, mut month) = (day.year(), day.month());
    for _ in 0..months {
        if month == Month::January {
            year -= 1;
        }
        month = month.previous();
    }
    let last = month.length(year);
    time::Date::from_calendar_date(year, month, day.day().min(last)).unwrap_or(day)
}

/// Every payment and (not closed) refund of `mchid`, in time order.
fn records(ledger: &Ledger, mchid: &str) -> Vec<Record> {
    let mut records: Vec<Record> = ledger
        .orders
        .iter()
        .filter_map(|(no, order)| order.bill_payment(no))
        .filter(|p| p.mchid == mchid)
        .map(Record::Paid)
        .collect();
    for refund in ledger.refunds.values().filter_map(|r| r.bill_refund()) {
        let payment = ledger
            .orders
            .get(&refund.out_trade_no)
            .and_then(|o| o.bill_payment(&refund.out_trade_no))
            .filter(|p| p.mchid == mchid);
        if let Some(payment) = payment {
            records.push(Record::Refunded(payment, refund));
        }
    }
    records.sort_by_key(Record::time);
    records
}

fn gzipped(bytes: &[u8]) -> Result<Vec<u8>, ApiFailure> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).map_err(|_| ApiFailure::system())?;
    encoder.finish().map_err(|_| ApiFailure::system())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: Month, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, m, d).unwrap()
    }

    #[test]
    fn three_calendar_months_back() {
        assert_eq!(
            months_before(date(2026, Month::December, 2), 3),
            date(2026, Month::September, 2)
        );
        assert_eq!(
            months_before(date(2026, Month::February, 15), 3),
            date(2025, Month::November, 15)
        );
        assert_eq!(
            months_before(date(2026, Month::May, 31), 3),
            date(2026, Month::February, 28)
        );
    }

    #[test]
    fn the_day_rules() {
        // 2026-12-02 12:00 China time.
        let noon = OffsetDateTime::from_unix_timestamp(1_796_184_000).unwrap();
        assert_eq!(china_day(noon), date(2026, Month::December, 2));
        let code = |day| check_day(noon, day).map_err(|f| f.code);
        assert_eq!(code(date(2026, Month::December, 1)), Ok(()));
        assert_eq!(code(date(2026, Month::September, 2)), Ok(()));
        assert_eq!(
            code(date(2026, Month::December, 2)),
            Err("INVALID_REQUEST".into())
        );
        assert_eq!(
            code(date(2026, Month::September, 1)),
            Err("INVALID_REQUEST".into())
        );
        let early = noon - Duration::hours(4);
        assert_eq!(
            check_day(early, date(2026, Month::December, 1)).map_err(|f| f.code),
            Err("STATEMENT_CREATING".into())
        );
    }
}
