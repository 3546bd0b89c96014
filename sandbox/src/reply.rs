//! What a route hands back before signing: status, exact body bytes, extra headers; and the
//! APIv3 error body `{"code","message","detail"}`.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;
use wechatpay_apiv3::api::ErrorCode;

/// An unsigned response: the signer adds the `Wechatpay-*`, `Request-ID` and `Content-Type`
/// headers over exactly these body bytes.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    /// A JSON reply. Serializing the sandbox's own types cannot fail; if it ever did, the
    /// client gets a 500 rather than a panic.
    pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body,
                headers: Vec::new(),
            },
            Err(e) => ApiFailure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::SystemError,
                format!("系统错误：响应无法序列化（{e}）"),
            )
            .into(),
        }
    }

    /// A reply without a body (`204 No Content`).
    pub(crate) fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// The `detail` of an APIv3 error: which input is wrong, where, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct ErrorDetail {
    /// A JSON pointer (`/stock_id`) for body fields, the name for query and path parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
    /// The rejected value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) value: Option<serde_json::Value>,
    /// What is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) issue: Option<String>,
    /// `body`, `query`, `uri_template` or `header`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<String>,
}

impl ErrorDetail {
    pub(crate) fn at(location: &str, field: impl Into<String>) -> Self {
        ErrorDetail {
            field: Some(field.into()),
            location: Some(location.to_owned()),
            ..ErrorDetail::default()
        }
    }

    pub(crate) fn issue(mut self, issue: impl Into<String>) -> Self {
        self.issue = Some(issue.into());
        self
    }

    pub(crate) fn value(mut self, value: impl Into<serde_json::Value>) -> Self {
        self.value = Some(value.into());
        self
    }
}

/// A non-2xx APIv3 answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    /// Boxed: keeps `Result<_, ApiFailure>` small.
    pub(crate) detail: Option<Box<ErrorDetail>>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a ErrorDetail>,
}

impl ApiFailure {
    pub(crate) fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiFailure {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    pub(crate) fn detail(mut self, detail: ErrorDetail) -> Self {
        self.detail = Some(Box::new(detail));
        self
    }

    /// `400 PARAM_ERROR`.
    pub(crate) fn param(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::ParamError, message)
    }

    /// `401 SIGN_ERROR`.
    pub(crate) fn sign(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::SignError, message)
    }

    /// `500 SYSTEM_ERROR`.
    pub(crate) fn system() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::SystemError,
            "系统错误，请使用相同参数稍后重新调用",
        )
    }

    /// `429 FREQUENCY_LIMITED`.
    pub(crate) fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::FrequencyLimited,
            "频率超限，请降低请求接口频率",
        )
    }

    /// `404 NOT_FOUND` for a path the sandbox does not serve.
    pub(crate) fn not_found(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::Unknown("NOT_FOUND".to_owned()),
            format!("请求的资源不存在：{method} {path}"),
        )
    }
}

impl From<ApiFailure> for Reply {
    fn from(failure: ApiFailure) -> Reply {
        let body = ErrorBody {
            code: &failure.code,
            message: &failure.message,
            detail: failure.detail.as_deref(),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| {
            // Strings and an enum always serialize; keep a valid error body regardless.
            r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#.as_bytes().to_vec()
        });
        Reply {
            status: failure.status,
            body: bytes,
            headers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_shape() {
        let reply: Reply = ApiFailure::param("appid 必填")
            .detail(ErrorDetail::at("query", "appid").issue("missing"))
            .into();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            String::from_utf8(reply.body).unwrap(),
            r#"{"code":"PARAM_ERROR","message":"appid 必填","detail":{"field":"appid","issue":"missing","location":"query"}}"#
        );
        let reply: Reply = ApiFailure::not_found("GET", "/x").into();
        assert!(
            String::from_utf8(reply.body)
                .unwrap()
                .starts_with(r#"{"code":"NOT_FOUND""#)
        );
    }
}
