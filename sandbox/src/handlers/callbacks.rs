//! `POST` and `GET /v3/marketing/favor/callbacks`: the merchant's notify URL. Setting it also
//! points the sandbox's `COUPON.USE` notifications at it (or stops them, `switch: false`).

use axum::http::StatusCode;
use wechatpay_apiv3::api::{
    ErrorCode, FavorCallback, QueryCallback, SetCallback, SetCallbackResponse,
};

use super::own_mchid;
use crate::app::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail};

/// Set the notify URL.
pub(super) fn set(
    app: &App,
    caller: &Caller,
    input: SetCallback,
) -> Result<SetCallbackResponse, ApiFailure> {
    // The URL's shape (https, no query) is the spec's `format: https_url`, checked before this.
    let body = input.body;
    own_mchid(caller, &body.mchid, "body", "/mchid")?;
    let switch = body.switch.unwrap_or(true);
    app.notifier
        .set_url(switch.then_some(body.notify_url.as_str()))
        .map_err(|e| {
            ApiFailure::param(format!("通知地址无效：{e}")).detail(
                ErrorDetail::at("body", "/notify_url")
                    .value(body.notify_url.clone())
                    .issue(e.to_string()),
            )
        })?;
    let setting = app.state.set_callback(&body.notify_url, switch);
    Ok(SetCallbackResponse::new(
        setting.update_time,
        setting.notify_url,
    ))
}

/// Query the notify URL: the one set through the API, else the one the sandbox was started
/// with, else `404 RESOURCE_NOT_EXISTS`.
pub(super) fn query(
    app: &App,
    caller: &Caller,
    input: QueryCallback,
) -> Result<FavorCallback, ApiFailure> {
    let query = input.query;
    own_mchid(caller, &query.mchid, "query", "mchid")?;
    let url = app
        .state
        .callback()
        .map(|setting| setting.notify_url)
        .or_else(|| app.notifier.url());
    match url {
        Some(url) => Ok(FavorCallback::new(query.mchid, url)),
        None => Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            ErrorCode::ResourceNotExists,
            "未设置消息通知地址",
        )
        .detail(
            ErrorDetail::at("query", "mchid")
                .value(query.mchid)
                .issue("no notify URL has been set"),
        )),
    }
}
