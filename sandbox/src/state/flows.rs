//! Use and refund flow files (核销/退款明细): built as CSV when a download link is asked for,
//! kept for 30 s under a random token, served unsigned at the link.

use std::collections::HashMap;

use axum::http::StatusCode;
use time::{Duration, OffsetDateTime};
use wechatpay_apiv3::api::ErrorCode;

use super::lifecycle::{Access, CreatorIn};
use super::{Issued, SandboxState};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{CouponKind, china};

/// How long a download link works ("账单文件的下载地址的有效时间为30s").
pub(crate) const LINK_LIFETIME: Duration = Duration::seconds(30);
/// How long after a stock's end its whole-stock flows can be downloaded ("批次过期10小时").
const FLOW_DELAY: Duration = Duration::hours(10);
/// The most links kept at once; the oldest go first.
const MAX_DOWNLOADS: usize = 1024;

const USE_HEADER: &str = "批次id,优惠id,优惠类型,优惠金额（元）,订单总金额（元）,交易类型,支付单号,消耗时间,消耗商户号,设备号,银行流水号,单品信息\n";
const REFUND_HEADER: &str = "批次id,优惠id,优惠类型,优惠金额（元）,订单总金额（元）,交易类型,支付单号,退款单号,退款时间,退款金额（元）,消耗商户号\n";

/// Which flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowKind {
    /// 核销明细: one row per used coupon.
    Use,
    /// 退款明细: the sandbox has no refunds, so only the header.
    Refund,
}

/// A flow file ready for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowFile {
    /// The download token (the link's `bill_params`).
    pub(crate) token: String,
    /// The lower-case hex SHA-1 of `bytes`.
    pub(crate) sha1: String,
    /// The number of records (rows after the header).
    pub(crate) count: usize,
}

#[derive(Debug)]
struct Download {
    bytes: Vec<u8>,
    expires: OffsetDateTime,
    order: u64,
}

/// The flow files handed out, by token.
#[derive(Debug, Default)]
pub(crate) struct Downloads {
    files: HashMap<String, Download>,
    counter: u64,
}

impl SandboxState {
    /// Builds a flow file of `stock_id` — the whole stock, or one day (`bill_date`, China
    /// time) — and keeps it for [`LINK_LIFETIME`]. Only the stock's creator may. The whole
    /// stock can be downloaded from 10 hours after its `available_end_time`
    /// (`400 INVALID_REQUEST` before); a day once it is over (`bill_date` before today).
    pub(crate) fn flow_file(
        &self,
        caller: &str,
        stock_id: &str,
        kind: FlowKind,
        bill_date: Option<time::Date>,
    ) -> Result<FlowFile, ApiFailure> {
        let now = self.now();
        let mut inner = self.lock();
        let stock = inner.stock_for(caller, stock_id, None, CreatorIn::Nowhere, Access::Creator)?;
        let today = now.checked_to_offset(china()).unwrap_or(now).date();
        match bill_date {
            None => {
                let ready = stock
                    .window()
                    .1
                    .and_then(|end| end.checked_add(FLOW_DELAY))
                    .is_some_and(|ready| now >= ready);
                if !ready {
                    return Err(ApiFailure::new(
                        StatusCode::BAD_REQUEST,
                        ErrorCode::InvalidRequest,
                        "批次未过期满 10 小时，暂不能下载明细（活动结束后次日10点才可以下载）",
                    )
                    .detail(
                        ErrorDetail::at("uri_template", "stock_id")
                            .value(stock_id.to_owned())
                            .issue("whole-stock flows are ready 10 hours after available_end_time"),
                    ));
                }
            }
            Some(day) if day >= today => {
                return Err(ApiFailure::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidRequest,
                    "账单未生成：bill_date 须早于今天",
                )
                .detail(
                    ErrorDetail::at("query", "bill_date")
                        .value(day.to_string())
                        .issue(format!(
                            "the bill of a day is ready the day after; today is {today}"
                        )),
                ));
            }
            Some(_) => {}
        }
        let kind_name = match stock.kind {
            CouponKind::Normal { .. } => "满减券",
            CouponKind::CutTo { .. } => "减至券",
        };
        let amount = match stock.kind {
            CouponKind::Normal { coupon_amount, .. } => yuan(coupon_amount),
            CouponKind::CutTo { .. } => String::new(),
        };
        let on_day = |used: OffsetDateTime| {
            bill_date
                .is_none_or(|day| used.checked_to_offset(china()).unwrap_or(used).date() == day)
        };
        let mut csv = String::new();
        let mut count = 0;
        match kind {
            FlowKind::Use => {
                csv.push_str(USE_HEADER);
                for issued in inner.coupons.iter().filter(|c| c.stock_id == stock_id) {
                    if let Some(used) = issued.used.as_ref().filter(|u| on_day(u.time)) {
                        count += 1;
                        csv.push_str(&use_row(issued, kind_name, &amount, used));
                    }
                }
            }
            FlowKind::Refund => csv.push_str(REFUND_HEADER),
        }
        let bytes = csv.into_bytes();
        let sha1 = hex(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            &bytes,
        )
        .as_ref());
        let token = random_token();
        let downloads = &mut inner.downloads;
        downloads.files.retain(|_, d| d.expires > now);
        if downloads.files.len() >= MAX_DOWNLOADS
            && let Some(oldest) = downloads
                .files
                .iter()
                .min_by_key(|(_, d)| d.order)
                .map(|(token, _)| token.clone())
        {
            downloads.files.remove(&oldest);
        }
        downloads.counter += 1;
        let order = downloads.counter;
        downloads.files.insert(
            token.clone(),
            Download {
                bytes,
                expires: now.checked_add(LINK_LIFETIME).unwrap_or(now),
                order,
            },
        );
        Ok(FlowFile { token, sha1, count })
    }

    /// The bytes of a flow file, while its link is valid.
    pub(crate) fn download(&self, token: &str) -> Option<Vec<u8>> {
        let now = self.now();
        let inner = self.lock();
        inner
            .downloads
            .files
            .get(token)
            .filter(|d| d.expires > now)
            .map(|d| d.bytes.clone())
    }
}

fn use_row(issued: &Issued, kind: &str, amount: &str, used: &super::Used) -> String {
    let time = used.time.checked_to_offset(china()).unwrap_or(used.time);
    let time = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    [
        issued.stock_id.as_str(),
        issued.coupon_id.as_str(),
        kind,
        amount,
        "",
        "",
        used.transaction_id.as_str(),
        time.as_str(),
        used.mchid.as_str(),
        "",
        "",
        "",
    ]
    .iter()
    .map(|field| csv_field(field))
    .collect::<Vec<_>>()
    .join(",")
        + "\n"
}

/// A CSV field, quoted when it needs to be.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Fen as yuan with two decimals: `150` → `1.50`.
fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random lower-case hex characters.
fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(yuan(150), "1.50");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-1), "-0.01");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
        assert_eq!(random_token().len(), 32);
        // SHA-1 of "abc" (FIPS 180-1 test vector).
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, b"abc");
        assert_eq!(
            hex(digest.as_ref()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
