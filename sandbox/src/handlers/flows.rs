//! Use and refund flows: a signed JSON link to a CSV file the sandbox serves, unsigned, at
//! `GET /mkt/storage/bill/download?bill_params=TOKEN` for 30 seconds.

use wechatpay_apiv3::Date;
use wechatpay_apiv3::api::{FlowDownloadLink, HashType};

use crate::app::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail};
use crate::routes::DOWNLOAD_PATH;
use crate::state::{FlowFile, FlowKind};

/// The link to a whole stock's flow.
pub(super) fn whole(
    app: &App,
    caller: &Caller,
    stock_id: &str,
    kind: FlowKind,
) -> Result<FlowDownloadLink, ApiFailure> {
    let (url, file) = link(app, caller, stock_id, kind, None)?;
    Ok(FlowDownloadLink::new(url, file.sha1, HashType::Sha1))
}

/// The link to one day's flow, and the file.
pub(super) fn by_day(
    app: &App,
    caller: &Caller,
    stock_id: &str,
    kind: FlowKind,
    bill_date: &Date,
) -> Result<(String, FlowFile), ApiFailure> {
    link(app, caller, stock_id, kind, Some(day(bill_date)?))
}

/// The typed day of a `bill_date` query parameter (the spec's `validate()` has checked its
/// format; this only gets the value).
pub(super) fn day(bill_date: &Date) -> Result<time::Date, ApiFailure> {
    bill_date.parse().map_err(|e| {
        ApiFailure::param("bill_date 格式应为 YYYY-MM-DD").detail(
            ErrorDetail::at("query", "bill_date")
                .value(bill_date.as_str().to_owned())
                .issue(e.to_string()),
        )
    })
}

fn link(
    app: &App,
    caller: &Caller,
    stock_id: &str,
    kind: FlowKind,
    bill_date: Option<time::Date>,
) -> Result<(String, FlowFile), ApiFailure> {
    let file = app
        .state
        .flow_file(&caller.mchid, stock_id, kind, bill_date)?;
    let url = format!("{}{DOWNLOAD_PATH}?bill_params={}", app.base_url, file.token);
    Ok((url, file))
}
