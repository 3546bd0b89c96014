//! Trade and fund-flow bills: a signed JSON link to a CSV file built from the order and refund
//! ledger, served at `GET /v3/billdownload/file?token=TOKEN` — signed request, unsigned file —
//! for 5 minutes (payments reference C.7–C.9).

use wechatpay_apiv3::Date;
use wechatpay_apiv3::api::{
    ApplyFundFlowBill, ApplyTradeBill, BillDownloadLink, BillType, FundFlowAccountType, HashType,
    TarType,
};

use super::flows::day;
use crate::app::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail};
use crate::routes::BILL_DOWNLOAD_PATH;
use crate::state::BillRequest;

/// 申请交易账单: `bill_type` defaults to `ALL`.
pub(super) fn trade(
    app: &App,
    caller: &Caller,
    input: ApplyTradeBill,
) -> Result<BillDownloadLink, ApiFailure> {
    let query = input.query;
    let kind = query.bill_type.unwrap_or(BillType::All);
    link(
        app,
        caller,
        &BillRequest::Trade(kind),
        &query.bill_date,
        query.tar_type.as_ref(),
    )
}

/// 申请资金账单: `account_type` defaults to `BASIC`.
pub(super) fn fund_flow(
    app: &App,
    caller: &Caller,
    input: ApplyFundFlowBill,
) -> Result<BillDownloadLink, ApiFailure> {
    let query = input.query;
    let account = query.account_type.unwrap_or(FundFlowAccountType::Basic);
    link(
        app,
        caller,
        &BillRequest::FundFlow(account),
        &query.bill_date,
        query.tar_type.as_ref(),
    )
}

fn link(
    app: &App,
    caller: &Caller,
    request: &BillRequest,
    bill_date: &Date,
    tar_type: Option<&TarType>,
) -> Result<BillDownloadLink, ApiFailure> {
    let gzip = match tar_type {
        None => false,
        Some(TarType::Gzip) => true,
        Some(other) => {
            return Err(ApiFailure::param("tar_type 只支持 GZIP").detail(
                ErrorDetail::at("query", "tar_type")
                    .value(other.as_str().to_owned())
                    .issue("GZIP, or leave it out for the plain file"),
            ));
        }
    };
    let file = app
        .state
        .bill_file(&caller.mchid, request, day(bill_date)?, gzip)?;
    let url = format!("{}{BILL_DOWNLOAD_PATH}?token={}", app.base_url, file.token);
    Ok(BillDownloadLink::new(HashType::Sha1, file.sha1, url))
}
