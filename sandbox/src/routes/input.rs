//! Reading a request's inputs into the generated types, with WeChat Pay's `400 PARAM_ERROR`
//! for anything malformed: JSON bodies, query strings, path parameters.

use axum::extract::Query;
use axum::http::Uri;
use percent_encoding::percent_decode_str;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wechatpay_apiv3::wire::{FieldPath, check_length, check_text};

use super::coupons::{invalid_request, shape_error};
use crate::reply::{ApiFailure, ErrorDetail};

/// The generated `validate()` of a request type.
pub(super) type Check<T> = fn(&T, &FieldPath<'_>) -> Result<(), wechatpay_apiv3::Error>;

/// A JSON body of the generated type `T`, checked with its generated `validate()`.
pub(super) fn json_body<T: DeserializeOwned>(
    body: &[u8],
    check: Check<T>,
) -> Result<T, ApiFailure> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiFailure::param(format!("请求体不是合法的 JSON：{e}"))
            .detail(ErrorDetail::at("body", "/").issue(e.to_string()))
    })?;
    let parsed: T =
        serde_json::from_value(value.clone()).map_err(|e| shape_error(&e.to_string()))?;
    check(&parsed, &FieldPath::root("body"))
        .map_err(|error| invalid_request(&error, |pointer| value.pointer(pointer).cloned()))?;
    Ok(parsed)
}

/// The raw query parameters, percent-decoded.
#[derive(Debug, Clone, Default)]
pub(super) struct RawQuery(Vec<(String, String)>);

impl RawQuery {
    /// The value of a parameter.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn value(&self, name: &str) -> Option<Value> {
        self.get(name.trim_start_matches('/'))
            .map(|v| Value::String(v.to_owned()))
    }
}

/// The query string as the generated type `T`, checked with its generated `validate()`.
/// `required` parameters (missing or empty → `{name} 必填`) are checked first, so that a
/// parameter the official documents require but the type keeps optional for paging
/// (`offset`) is required too. A repeated parameter, a value of the wrong type and a
/// `limit` over its maximum (`页大小超过阈值`) are `400 PARAM_ERROR` as well.
pub(super) fn query<T: DeserializeOwned>(
    uri: &Uri,
    required: &[&str],
    check: Check<T>,
) -> Result<(T, RawQuery), ApiFailure> {
    let pairs = match Query::<Vec<(String, String)>>::try_from_uri(uri) {
        Ok(Query(pairs)) => RawQuery(pairs),
        Err(rejection) => {
            return Err(ApiFailure::param("查询参数格式错误").detail(ErrorDetail {
                location: Some("query".into()),
                issue: Some(rejection.body_text()),
                ..ErrorDetail::default()
            }));
        }
    };
    if let Some((name, _)) = pairs
        .0
        .iter()
        .enumerate()
        .find(|(i, (name, _))| pairs.0[..*i].iter().any(|(earlier, _)| earlier == name))
        .map(|(_, pair)| pair)
    {
        return Err(ApiFailure::param(format!("查询参数 {name} 重复"))
            .detail(ErrorDetail::at("query", name.clone()).issue("the parameter appears twice")));
    }
    if let Some(name) = required
        .iter()
        .find(|name| pairs.get(name).is_none_or(str::is_empty))
    {
        return Err(ApiFailure::param(format!("{name} 必填"))
            .detail(ErrorDetail::at("query", *name).issue(format!("{name} is required"))));
    }
    let parsed = match Query::<T>::try_from_uri(uri) {
        Ok(Query(parsed)) => parsed,
        Err(rejection) => {
            let text = rejection.body_text();
            // axum says "Failed to deserialize query string: limit: invalid digit …".
            let field = text
                .split_once(": ")
                .and_then(|(_, rest)| rest.split_once(": "))
                .map(|(field, _)| field.to_owned())
                .filter(|field| pairs.get(field).is_some());
            let mut detail = ErrorDetail {
                location: Some("query".into()),
                issue: Some(text),
                ..ErrorDetail::default()
            };
            if let Some(field) = field {
                detail.value = pairs.value(&field);
                detail.field = Some(field);
            }
            return Err(ApiFailure::param("查询参数格式错误").detail(detail));
        }
    };
    if let Err(error) = check(&parsed, &FieldPath::root("query")) {
        let mut failure = invalid_request(&error, |name| pairs.value(name));
        let is_limit = failure
            .detail
            .as_ref()
            .is_some_and(|d| d.field.as_deref() == Some("limit"));
        if is_limit
            && pairs
                .get("limit")
                .and_then(|l| l.parse::<u64>().ok())
                .unwrap_or(0)
                > 0
        {
            failure.message = "页大小超过阈值".to_owned();
        }
        return Err(failure);
    }
    Ok((parsed, pairs))
}

/// A `{name}` path parameter, percent-decoded, 1 to `max` valid characters.
pub(super) fn path_param(raw: &str, name: &str, max: u64) -> Result<String, ApiFailure> {
    let decoded = percent_decode_str(raw).decode_utf8().map_err(|_| {
        ApiFailure::param(format!("{name} 不是合法的 UTF-8")).detail(
            ErrorDetail::at("uri_template", name)
                .value(raw.to_owned())
                .issue("percent-decodes to invalid UTF-8"),
        )
    })?;
    if decoded.is_empty() {
        return Err(ApiFailure::param(format!("{name} 必填")).detail(
            ErrorDetail::at("uri_template", name)
                .value("")
                .issue(format!("{name} is required")),
        ));
    }
    let path = FieldPath::root("path");
    let field = path.field(name);
    check_text(&field, &decoded)
        .and_then(|()| check_length(&field, &decoded, Some(1), Some(max)))
        .map_err(|error| invalid_request(&error, |_| Some(Value::String(decoded.to_string()))))?;
    Ok(decoded.into_owned())
}

/// A `400 PARAM_ERROR` for an enum value the spec does not list.
pub(super) fn unknown_value(
    location: &str,
    field: &str,
    value: &str,
    expected: &str,
) -> ApiFailure {
    ApiFailure::param(format!("{field} 取值 {value} 无效，应为 {expected}")).detail(
        ErrorDetail::at(location, field.to_owned())
            .value(value.to_owned())
            .issue(format!("expected {expected}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::api::ListStocksQuery;

    fn list(target: &str) -> Result<ListStocksQuery, ApiFailure> {
        let uri: Uri = target.parse().unwrap();
        query::<ListStocksQuery>(
            &uri,
            &["offset", "limit", "stock_creator_mchid"],
            ListStocksQuery::validate,
        )
        .map(|(q, _)| q)
    }

    #[test]
    fn queries() {
        let q = list("/x?offset=1&limit=10&stock_creator_mchid=1").unwrap();
        assert_eq!((q.offset, q.limit), (1, 10));
        let err = list("/x?limit=10&stock_creator_mchid=1").unwrap_err();
        assert_eq!(err.message, "offset 必填");
        let err = list("/x?offset=0&limit=11&stock_creator_mchid=1").unwrap_err();
        assert_eq!(err.message, "页大小超过阈值");
        let err = list("/x?offset=0&limit=x&stock_creator_mchid=1").unwrap_err();
        assert_eq!(err.detail.unwrap().field.as_deref(), Some("limit"));
        let err = list("/x?offset=0&offset=1&limit=1&stock_creator_mchid=1").unwrap_err();
        assert!(err.message.contains("重复"), "{}", err.message);
        let err = list("/x?offset=0&limit=1").unwrap_err();
        assert_eq!(err.message, "stock_creator_mchid 必填");
    }

    #[test]
    fn path_params() {
        assert_eq!(path_param("98%2056", "stock_id", 20).unwrap(), "98 56");
        assert!(path_param("", "stock_id", 20).is_err());
        assert!(path_param(&"1".repeat(21), "stock_id", 20).is_err());
        assert!(path_param("%FF", "stock_id", 20).is_err());
    }
}
