//! What the sandbox hands the signer: status, exact body bytes, extra headers. Error answers
//! are the client crate's server-side [`Rejection`](wechatpay_apiv3::server::Rejection) (the
//! APIv3 error body `{"code","message","detail"}`), named here as the sandbox has always
//! called them.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;
use wechatpay_apiv3::api::ErrorCode;
use wechatpay_apiv3::server::Answer;
pub(crate) use wechatpay_apiv3::server::{Detail as ErrorDetail, Rejection as ApiFailure};

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
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize a sandbox answer");
                ApiFailure::system().into()
            }
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

impl From<ApiFailure> for Reply {
    fn from(failure: ApiFailure) -> Reply {
        Reply {
            status: status(failure.status),
            body: failure.to_body(),
            headers: Vec::new(),
        }
    }
}

impl From<Answer> for Reply {
    fn from(answer: Answer) -> Reply {
        Reply {
            status: status(answer.status),
            body: answer.body,
            headers: Vec::new(),
        }
    }
}

/// The error answer `code` with the HTTP status the spec documents for it (`400` when it
/// documents none), so that no status is restated here.
pub(crate) fn failure(code: ErrorCode, message: impl Into<String>) -> ApiFailure {
    ApiFailure::new(code.documented_status().unwrap_or(400), code, message)
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_their_status_and_body() {
        let reply: Reply = ApiFailure::param("appid 必填")
            .detail(ErrorDetail::at("query", "appid").issue("missing"))
            .into();
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            String::from_utf8(reply.body).unwrap(),
            r#"{"code":"PARAM_ERROR","message":"appid 必填","detail":{"field":"appid","issue":"missing","location":"query"}}"#
        );
    }
}
