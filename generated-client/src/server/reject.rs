//! The shape of a WeChat Pay error answer, `{"code","message","detail"}`, and the errors the
//! server side itself gives: `400 PARAM_ERROR` for a request that does not decode or breaks the
//! spec, `404`/`405` for paths and methods the spec does not serve, `401 SIGN_ERROR`, `429`,
//! `500`.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// `400 PARAM_ERROR`: the request does not fit the spec.
pub const PARAM_ERROR: &str = "PARAM_ERROR";
/// `401 SIGN_ERROR`: the request is not signed by the merchant.
pub const SIGN_ERROR: &str = "SIGN_ERROR";
/// `404 NOT_FOUND`: no operation of the spec is served at the path (a gateway answer, not a
/// code of the spec).
pub const NOT_FOUND: &str = "NOT_FOUND";
/// `405 METHOD_NOT_ALLOWED`: the path is served, but not with this method (a gateway answer).
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// `429 FREQUENCY_LIMITED`.
pub const FREQUENCY_LIMITED: &str = "FREQUENCY_LIMITED";
/// `500 SYSTEM_ERROR`.
pub const SYSTEM_ERROR: &str = "SYSTEM_ERROR";

/// A non-2xx answer: status, error code, message and, when one input is to blame, a
/// [`Detail`] naming it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Rejection {
    /// The HTTP status.
    pub status: u16,
    /// The error code, e.g. `PARAM_ERROR`.
    pub code: String,
    /// The human-readable message (Chinese, like WeChat Pay's).
    pub message: String,
    /// Which input was wrong. Boxed: keeps `Result<_, Rejection>` small.
    pub detail: Option<Box<Detail>>,
}

/// The `detail` of an error: which input, where, its value and what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Detail {
    /// A JSON pointer (`/stock_use_rule/max_coupons`) for body fields, the name for query and
    /// path parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The rejected value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// What is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue: Option<String>,
    /// `body`, `query`, `uri_template` (path parameters) or `header`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Detail {
    /// The input `field` at `location`.
    pub fn at(location: &str, field: impl Into<String>) -> Self {
        Detail {
            field: Some(field.into()),
            location: Some(location.to_owned()),
            ..Detail::default()
        }
    }

    /// Says what is wrong.
    pub fn issue(mut self, issue: impl Into<String>) -> Self {
        self.issue = Some(issue.into());
        self
    }

    /// Echoes the rejected value.
    pub fn value(mut self, value: impl Into<Value>) -> Self {
        self.value = Some(value.into());
        self
    }
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a Detail>,
}

impl Rejection {
    /// An error answer; `code` is anything that shows as the code (a `&str`, the generated
    /// `ErrorCode`), `status` a number or an `http::StatusCode`.
    pub fn new(
        status: impl Into<u16>,
        code: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Rejection {
            status: status.into(),
            code: code.to_string(),
            message: message.into(),
            detail: None,
        }
    }

    /// With a detail.
    pub fn detail(mut self, detail: Detail) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    /// `400 PARAM_ERROR`.
    pub fn param(message: impl Into<String>) -> Self {
        Self::new(400u16, PARAM_ERROR, message)
    }

    /// `401 SIGN_ERROR`.
    pub fn sign(message: impl Into<String>) -> Self {
        Self::new(401u16, SIGN_ERROR, message)
    }

    /// `404 NOT_FOUND` for a path no operation is served at.
    pub fn not_found(method: &str, path: &str) -> Self {
        Self::new(
            404u16,
            NOT_FOUND,
            format!("请求的资源不存在：{method} {path}"),
        )
    }

    /// `405 METHOD_NOT_ALLOWED`; `allow` lists the methods the path is served with.
    pub fn method_not_allowed(method: &str, allow: &str) -> Self {
        Self::new(
            405u16,
            METHOD_NOT_ALLOWED,
            format!("不支持的请求方法 {method}，应为 {allow}"),
        )
    }

    /// `429 FREQUENCY_LIMITED`.
    pub fn rate_limited() -> Self {
        Self::new(429u16, FREQUENCY_LIMITED, "频率超限，请降低请求接口频率")
    }

    /// `500 SYSTEM_ERROR`.
    pub fn system() -> Self {
        Self::new(500u16, SYSTEM_ERROR, "系统错误，请使用相同参数稍后重新调用")
    }

    /// The JSON error body, exactly the bytes to sign and send.
    pub fn to_body(&self) -> Vec<u8> {
        let body = Body {
            code: &self.code,
            message: &self.message,
            detail: self.detail.as_deref(),
        };
        // Strings and a map of JSON values always serialize; keep a valid body regardless.
        serde_json::to_vec(&body).unwrap_or_else(|_| {
            r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#.as_bytes().to_vec()
        })
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}: {}", self.status, self.code, self.message)?;
        if let Some(detail) = &self.detail
            && let Some(field) = &detail.field
        {
            write!(f, " (field {field})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_shape() {
        let rejection =
            Rejection::param("appid 必填").detail(Detail::at("query", "appid").issue("missing"));
        assert_eq!(rejection.status, 400);
        assert_eq!(
            String::from_utf8(rejection.to_body()).unwrap(),
            r#"{"code":"PARAM_ERROR","message":"appid 必填","detail":{"field":"appid","issue":"missing","location":"query"}}"#
        );
        let body = Rejection::not_found("GET", "/x").to_body();
        assert!(
            String::from_utf8(body)
                .unwrap()
                .starts_with(r#"{"code":"NOT_FOUND""#)
        );
        assert_eq!(
            Rejection::method_not_allowed("DELETE", "GET, POST").to_string(),
            "HTTP 405 METHOD_NOT_ALLOWED: 不支持的请求方法 DELETE，应为 GET, POST"
        );
    }
}
