//! Use and refund flow files (核销/退款明细): built as CSV when a download link is asked for,
//! kept for 30 s under a random token, served unsigned at the link.

use axum::http::StatusCode;
use time::{Duration, OffsetDateTime};
use wechatpay_apiv3::api::ErrorCode;

use super::downloads::{Holder, Stored, china_day, china_time, csv_field, sha1_hex, yuan};
use super::lifecycle::{Access, CreatorIn};
use super::{Issued, SandboxState};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::CouponKind;

/// How long a download link works ("账单文件的下载地址的有效时间为30s").
pub(crate) const LINK_LIFETIME: Duration = Duration::seconds(30);
/// How long after a stock's end its whole-stock flows can be downloaded ("批次过期10小时").
const FLOW_DELAY: Duration = Duration::hours(10);

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
        let inner = self.lock();
        let stock = inner.stock_for(caller, stock_id, None, CreatorIn::Nowhere, Access::Creator)?;
        let today = china_day(now);
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
        let on_day = |used: OffsetDateTime| bill_date.is_none_or(|day| china_day(used) == day);
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
        drop(inner);
        let bytes = csv.into_bytes();
        let sha1 = sha1_hex(&bytes);
        let token = self.keep_download(
            LINK_LIFETIME,
            Stored {
                bytes,
                content_type: "text/csv; charset=utf-8",
                holder: Holder::Link,
            },
        );
        Ok(FlowFile { token, sha1, count })
    }
}

fn use_row(issued: &Issued, kind: &str, amount: &str, used: &super::Used) -> String {
    let time = china_time(used.time);
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
