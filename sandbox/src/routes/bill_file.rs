//! The bill files the bill operations link to, at `GET /v3/billdownload/file?token=TOKEN`
//! (the path WeChat Pay's links have been observed with, payments reference C.7, C.9). The
//! request is signed like any APIv3 call (unsigned: `401 SIGN_ERROR`); the file is served
//! without any `Wechatpay-*` header, as WeChat Pay serves it. Faults never apply here.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use wechatpay_apiv3::api::ErrorCode;

use crate::app::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::state::Holder;

/// The path bill files are served at.
pub(crate) const BILL_DOWNLOAD_PATH: &str = "/v3/billdownload/file";

/// Serves a bill to the merchant that applied for it: `200` with the file as applied for
/// (`text/plain` CSV, or `application/x-gzip` with `tar_type=GZIP`). An unknown or expired
/// token is `400 INVALID_REQUEST`, another merchant's bill `403 NO_AUTH` (reference G.7).
pub(crate) fn bill_file(app: &App, caller: &Caller, target: &str) -> Result<Response, ApiFailure> {
    let token = target
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .unwrap_or_default();
    let file = app
        .state
        .download(token)
        .filter(|file| file.holder != Holder::Link)
        .ok_or_else(|| {
            failure(
                ErrorCode::InvalidRequest,
                "下载地址已过期或不存在，请按第一步申请账单的 API 指引，重新获取账单地址后再请求",
            )
            .detail(
                ErrorDetail::at("query", "token")
                    .value(token.to_owned())
                    .issue("a bill's download_url works for 5 minutes"),
            )
        })?;
    if file.holder != Holder::Merchant(caller.mchid.clone()) {
        return Err(failure(
            ErrorCode::NoAuth,
            "权限异常，请检查本次请求的商户是否与第一步申请账单 API 的请求商户一致",
        ));
    }
    let mut response = Response::new(Body::from(file.bytes));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    Ok(response)
}
