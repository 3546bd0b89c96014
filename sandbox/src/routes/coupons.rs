//! `POST` and `GET /v3/marketing/favor/users/{openid}/coupons`: parse into the generated types,
//! validate with the generated `validate()`, then act on the state.

use axum::extract::Query;
use axum::http::{StatusCode, Uri};
use percent_encoding::percent_decode_str;
use serde_json::Value;
use wechatpay_apiv3::api::{
    BusinessType, CouponList, CouponStatusFilter, ListCouponsByFilterQuery, QueryCouponQuery,
    SendCouponBody, SendCouponResponse,
};
use wechatpay_apiv3::wire::{FieldPath, check_length, check_text};

use super::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail, Reply};

/// Send coupon.
pub(super) fn send(app: &App, caller: &Caller, raw_openid: &str, body: &[u8]) -> Reply {
    let openid = match openid_from_path(raw_openid) {
        Ok(openid) => openid,
        Err(failure) => return failure.into(),
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return ApiFailure::param(format!("请求体不是合法的 JSON：{e}"))
                .detail(ErrorDetail::at("body", "/").issue(e.to_string()))
                .into();
        }
    };
    let parsed: SendCouponBody = match serde_json::from_value(value.clone()) {
        Ok(parsed) => parsed,
        Err(e) => return shape_error(&e.to_string()).into(),
    };
    if let Err(error) = parsed.validate(&FieldPath::root("body")) {
        return invalid_request(&error, |pointer| value.pointer(pointer).cloned()).into();
    }
    match app.state.send(&caller.mchid, &openid, &parsed) {
        Ok(sent) => {
            if sent.replayed {
                tracing::debug!(coupon_id = %sent.coupon_id, "idempotent replay of send coupon");
            }
            Reply::json(StatusCode::OK, &SendCouponResponse::new(sent.coupon_id))
        }
        Err(failure) => failure.into(),
    }
}

/// List coupons.
pub(super) fn list(app: &App, caller: &Caller, raw_openid: &str, uri: &Uri) -> Reply {
    let openid = match openid_from_path(raw_openid) {
        Ok(openid) => openid,
        Err(failure) => return failure.into(),
    };
    let pairs = match Query::<Vec<(String, String)>>::try_from_uri(uri) {
        Ok(Query(pairs)) => pairs,
        Err(rejection) => {
            return ApiFailure::param("查询参数格式错误")
                .detail(ErrorDetail {
                    location: Some("query".into()),
                    issue: Some(rejection.body_text()),
                    ..ErrorDetail::default()
                })
                .into();
        }
    };
    let raw = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    if raw("appid").is_none_or(str::is_empty) {
        return ApiFailure::param("appid 必填")
            .detail(ErrorDetail::at("query", "appid").issue("appid is required"))
            .into();
    }
    if let Some((name, _)) = pairs
        .iter()
        .enumerate()
        .find(|(i, (name, _))| pairs[..*i].iter().any(|(earlier, _)| earlier == name))
        .map(|(_, pair)| pair)
    {
        return ApiFailure::param(format!("查询参数 {name} 重复"))
            .detail(ErrorDetail::at("query", name.clone()).issue("the parameter appears twice"))
            .into();
    }
    let query = match Query::<ListCouponsByFilterQuery>::try_from_uri(uri) {
        Ok(Query(query)) => query,
        Err(rejection) => {
            let text = rejection.body_text();
            // axum says "Failed to deserialize query string: limit: invalid digit …".
            let field = text
                .split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .map(|(field, _)| field.to_owned())
                .filter(|field| raw(field).is_some());
            let mut detail = ErrorDetail {
                location: Some("query".into()),
                issue: Some(text),
                ..ErrorDetail::default()
            };
            if let Some(field) = field {
                detail.value = raw(&field).map(|v| Value::String(v.to_owned()));
                detail.field = Some(field);
            }
            return ApiFailure::param("查询参数格式错误").detail(detail).into();
        }
    };
    if let Err(error) = query.validate(&FieldPath::root("query")) {
        let mut failure = invalid_request(&error, |name| {
            raw(name.trim_start_matches('/')).map(|v| Value::String(v.to_owned()))
        });
        if failure
            .detail
            .as_ref()
            .is_some_and(|d| d.field.as_deref() == Some("limit"))
            && query.limit.is_some_and(|limit| limit > 100)
        {
            failure.message = "页大小超过阈值".to_owned();
        }
        return failure.into();
    }
    if let Some(CouponStatusFilter::Unknown(status)) = &query.status {
        return ApiFailure::param(format!("status 取值 {status} 无效，应为 SENDED 或 USED"))
            .detail(ErrorDetail::at("query", "status").value(status.clone()))
            .into();
    }
    if let Some(BusinessType::Unknown(kind)) = &query.business_type {
        return ApiFailure::param(format!("business_type 取值 {kind} 无效，应为 MULTIUSE"))
            .detail(ErrorDetail::at("query", "business_type").value(kind.clone()))
            .into();
    }
    let page = app.state.list(&caller.mchid, &openid, &query);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let list =
        CouponList::new(count(page.total), count(page.offset), count(page.limit)).data(page.data);
    // The generated type omits an empty `data`; WeChat Pay documents it as required, and
    // clients written against the docs index it, so an empty page says `"data":[]`.
    match serde_json::to_value(&list) {
        Ok(Value::Object(mut object)) => {
            object
                .entry("data")
                .or_insert_with(|| Value::Array(Vec::new()));
            Reply::json(StatusCode::OK, &Value::Object(object))
        }
        _ => Reply::json(StatusCode::OK, &list),
    }
}

/// Coupon detail (`GET …/users/{openid}/coupons/{coupon_id}?appid=…`).
pub(super) fn detail(
    app: &App,
    caller: &Caller,
    raw_openid: &str,
    raw_coupon_id: &str,
    uri: &Uri,
) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let openid = openid_from_path(raw_openid)?;
        let coupon_id = super::input::path_param(raw_coupon_id, "coupon_id", 20)?;
        let (query, _) = super::input::query(uri, &["appid"], QueryCouponQuery::validate)?;
        let coupon = app
            .state
            .coupon_detail(&caller.mchid, &openid, &coupon_id, &query.appid)?;
        Ok(Reply::json(StatusCode::OK, &coupon))
    };
    run().unwrap_or_else(Reply::from)
}

/// The `{openid}` path parameter, percent-decoded and checked like the client checks it.
pub(super) fn openid_from_path(raw: &str) -> Result<String, ApiFailure> {
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        ApiFailure::param("openid 不是合法的 UTF-8").detail(
            ErrorDetail::at("uri_template", "openid")
                .value(raw.to_owned())
                .issue("percent-decodes to invalid UTF-8"),
        )
    })?;
    if decoded.is_empty() {
        return Err(ApiFailure::param("openid 必填").detail(
            ErrorDetail::at("uri_template", "openid")
                .value("")
                .issue("openid is required"),
        ));
    }
    let path = FieldPath::root("path");
    let field = path.field("openid");
    check_text(&field, &decoded)
        .and_then(|()| check_length(&field, &decoded, Some(1), Some(128)))
        .map_err(|error| invalid_request(&error, |_| Some(Value::String(decoded.to_string()))))?;
    Ok(decoded.into_owned())
}

/// A body that is JSON but not the shape of the request type.
pub(super) fn shape_error(message: &str) -> ApiFailure {
    // serde says "missing field `stock_id`" for an absent required field.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field)
    {
        return ApiFailure::param(format!(
            "输入源“/body/{field}”映射到字段“{field}”必填性规则校验失败，此字段为必填项"
        ))
        .detail(ErrorDetail::at("body", format!("/{field}")).issue("required field is missing"));
    }
    ApiFailure::param(format!("请求体格式错误：{message}"))
        .detail(ErrorDetail::at("body", "/").issue(message.to_owned()))
}

/// Turns a generated `validate()` failure (`body.stock_id`, `query.limit`, `path.openid`) into
/// `400 PARAM_ERROR` with an APIv3 `detail`: a JSON pointer for body fields, the name for query
/// and path parameters. `value_at` looks the rejected value up by that field.
pub(crate) fn invalid_request(
    error: &wechatpay_apiv3::Error,
    value_at: impl Fn(&str) -> Option<Value>,
) -> ApiFailure {
    let wechatpay_apiv3::Error::InvalidRequest { field, problem } = error else {
        return ApiFailure::param(format!("参数错误：{error}"));
    };
    let (root, rest) = field.split_once('.').unwrap_or((field.as_str(), ""));
    let (location, name) = match root {
        "body" => ("body", json_pointer(rest)),
        "query" => ("query", rest.to_owned()),
        "path" => ("uri_template", rest.to_owned()),
        other => (other, rest.to_owned()),
    };
    let shown = if location == "body" {
        name.clone()
    } else {
        format!("/{name}")
    };
    let mut detail = ErrorDetail::at(location, name.clone()).issue(problem.clone());
    detail.value = value_at(&name);
    ApiFailure::param(format!(
        "输入源“/{location}{shown}”映射到字段“{}”校验失败：{problem}",
        rest
    ))
    .detail(detail)
}

/// `goods_detail[0].goods_id` → `/goods_detail/0/goods_id`.
fn json_pointer(dotted: &str) -> String {
    let mut pointer = String::new();
    for part in dotted.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        pointer.push('/');
        pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            pointer.push('/');
            pointer.push_str(index.trim_end_matches(']'));
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert_eq!(json_pointer("stock_id"), "/stock_id");
        assert_eq!(
            json_pointer("goods_detail[0].goods_id"),
            "/goods_detail/0/goods_id"
        );
        assert_eq!(json_pointer("a[1][2]"), "/a/1/2");
    }

    #[test]
    fn validation_errors_become_param_errors() {
        let body = SendCouponBody::new("", "no/slash", "wx1", "1");
        let error = body.validate(&FieldPath::root("body")).unwrap_err();
        let value = serde_json::to_value(&body).unwrap();
        let failure = invalid_request(&error, |p| value.pointer(p).cloned());
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
        let detail = failure.detail.unwrap();
        assert_eq!(detail.field.as_deref(), Some("/stock_id"));
        assert_eq!(detail.location.as_deref(), Some("body"));
        assert_eq!(detail.value, Some(Value::String(String::new())));
        assert!(
            failure.message.contains("/body/stock_id"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn openids_are_decoded_and_checked() {
        assert_eq!(openid_from_path("o%27x").unwrap(), "o'x");
        assert!(openid_from_path("").is_err());
        assert!(openid_from_path("%FF").is_err());
        assert!(openid_from_path(&"a".repeat(129)).is_err());
        let failure = openid_from_path("%F0%9F%98%80").unwrap_err();
        assert_eq!(
            failure.detail.unwrap().location.as_deref(),
            Some("uri_template")
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let failure = shape_error("missing field `appid`");
        assert_eq!(failure.detail.unwrap().field.as_deref(), Some("/appid"));
        let failure = shape_error("invalid type: integer `1`, expected a string");
        assert!(failure.message.contains("invalid type"));
    }
}
