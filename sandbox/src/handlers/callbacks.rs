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
    let body = input.body;
    own_mchid(caller, &body.mchid, "body", "/mchid")?;
    check_url(&body.notify_url)?;
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

/// An `https://` URL without query or fragment ("不能携带参数"); `http://` only for loopback
/// hosts, so that local receivers work.
fn check_url(url: &str) -> Result<(), ApiFailure> {
    let bad = |issue: &str| {
        Err(ApiFailure::param(format!("通知地址无效：{issue}")).detail(
            ErrorDetail::at("body", "/notify_url")
                .value(url.to_owned())
                .issue(issue.to_owned()),
        ))
    };
    let (scheme, rest) = match url.split_once("://") {
        Some(split) => split,
        None => return bad("须为 https:// 开头的绝对地址"),
    };
    let host_port = rest.split('/').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port
            .rsplit_once(':')
            .map_or(host_port, |(host, _)| host),
    };
    if host.is_empty() {
        return bad("缺少主机名");
    }
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => {}
        "http" if loopback => {}
        _ => return bad("须为 https 地址（沙箱另接受回环地址的 http）"),
    }
    if url.contains(['?', '#']) {
        return bad("不能携带参数");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_url("https://example.com/notify").is_ok());
        assert!(check_url("http://127.0.0.1:8080/notify").is_ok());
        assert!(check_url("http://[::1]:8080/n").is_ok());
        assert!(check_url("http://localhost/n").is_ok());
        assert!(check_url("http://example.com/notify").is_err());
        assert!(check_url("https://example.com/notify?a=1").is_err());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("example.com").is_err());
        assert!(check_url("https:///x").is_err());
    }
}
