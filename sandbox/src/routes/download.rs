//! The flow files the use/refund flow operations link to, served unsigned and unauthenticated
//! at `GET /mkt/storage/bill/download?bill_params=TOKEN` (the path of WeChat Pay's download
//! service), for 30 seconds.

use axum::body::Body;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use wechatpay_apiv3::api::ErrorCode;

use crate::app::App;
use crate::reply::{ApiFailure, Reply};
use crate::state::Holder;

/// The path flow files are served at.
pub(crate) const DOWNLOAD_PATH: &str = "/mkt/storage/bill/download";

/// Serves a flow file: `200 text/csv` with the exact bytes the link's hash was computed
/// over, without any `Wechatpay-*` header (WeChat Pay does not sign files), or `404` once
/// the link has expired. No authentication, like a pre-signed download URL.
pub(crate) fn download(app: &App, target: &str) -> Response {
    let token = target
        .split_once('?')
        .map(|(_, query)| query)
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("bill_params="))
        .unwrap_or_default();
    let (status, content_type, body) = match app
        .state
        .download(token)
        .filter(|f| f.holder == Holder::Link)
    {
        Some(file) => (StatusCode::OK, file.content_type, file.bytes),
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
