//! Use and refund flows: `GET …/use-flow` (and refund, and the by-day variants) answer with a
//! signed JSON link to a CSV file; the file itself is served unsigned and unauthenticated at
//! `GET /mkt/storage/bill/download?bill_params=TOKEN` (the path of WeChat Pay's download
//! service), for 30 seconds.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use wechatpay_apiv3::api::{
    ErrorCode, FlowDownloadLink, HashType, RefundFlowByDayLink, StockRefundFlowByDayQuery,
    UseFlowByDayLink,
};
use wechatpay_apiv3::wire::FieldPath;

use super::App;
use super::input::{path_param, query};
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail, Reply};
use crate::state::FlowKind;

/// The path flow files are served at.
pub(super) const DOWNLOAD_PATH: &str = "/mkt/storage/bill/download";

/// The download link of a flow.
pub(super) fn link(
    app: &App,
    caller: &Caller,
    raw_stock_id: &str,
    kind: FlowKind,
    by_day: bool,
    uri: &Uri,
) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", 20)?;
        let bill_date = if by_day {
            // Both by-day operations take the same query; one generated type checks it.
            let (query, _) = query(uri, &["bill_date"], check_bill_date)?;
            let date = query.bill_date.parse().map_err(|e| {
                ApiFailure::param("bill_date 格式应为 YYYY-MM-DD").detail(
                    ErrorDetail::at("query", "bill_date")
                        .value(query.bill_date.as_str().to_owned())
                        .issue(e.to_string()),
                )
            })?;
            Some(date)
        } else {
            None
        };
        let file = app
            .state
            .flow_file(&caller.mchid, &stock_id, kind, bill_date)?;
        let url = format!("{}{DOWNLOAD_PATH}?bill_params={}", app.base_url, file.token);
        let count = file.count.to_string();
        Ok(match (kind, by_day) {
            (_, false) => Reply::json(
                StatusCode::OK,
                &FlowDownloadLink::new(url, file.sha1, HashType::Sha1),
            ),
            (FlowKind::Use, true) => Reply::json(
                StatusCode::OK,
                &UseFlowByDayLink::new(url, file.sha1, count),
            ),
            (FlowKind::Refund, true) => Reply::json(
                StatusCode::OK,
                &RefundFlowByDayLink::new(url, file.sha1, count),
            ),
        })
    };
    run().unwrap_or_else(Reply::from)
}

fn check_bill_date(
    query: &StockRefundFlowByDayQuery,
    at: &FieldPath<'_>,
) -> Result<(), wechatpay_apiv3::Error> {
    query.validate(at)
}

/// Serves a flow file: `200 text/csv` with the exact bytes the link's hash was computed
/// over, without any `Wechatpay-*` header (WeChat Pay does not sign files), or `404` once
/// the link has expired. No authentication, like a pre-signed download URL.
pub(super) fn download(app: &App, target: &str) -> Response {
    let token = target
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("bill_params="))
        .unwrap_or_default();
    let (status, content_type, body) = match app.state.download(token) {
        Some(bytes) => (StatusCode::OK, "text/csv; charset=utf-8", bytes),
        None => {
            let reply: Reply = ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::ResourceNotExists,
                "下载链接不存在或已过期（有效期 30 秒）",
            )
            .into();
            (StatusCode::NOT_FOUND, "application/json", reply.body)
        }
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
