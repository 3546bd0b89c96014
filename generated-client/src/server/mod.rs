//! The server side of the spec (feature `server`): what a WeChat Pay look-alike such as the
//! sandbox needs to answer every spec'd operation, generated from the same spec as the client.
//!
//! Generated, per operation (`api::server`, reviewed as the `server.rs` snapshot):
//! * [`SCHEMA`](crate::api::server::SCHEMA): the route of every operation (method, path
//!   template, path and query parameters, body and response types) and every named type, as
//!   data;
//! * a [`Decode`] impl: the typed input decoded from a [`Request`];
//! * the `Handlers` trait, one method per operation, typed input to typed output or a
//!   [`Rejection`]; a method that is not overridden answers from the spec
//!   ([`example::answer`]);
//! * `dispatch`, which runs the matched operation's method through [`answer`].
//!
//! Hand-written here, once: matching ([`Router`]), decoding and the `400 PARAM_ERROR` that names
//! the field ([`Request::query`], [`Request::body`], [`Request::path_param`]), the error shape
//! ([`Rejection`]), answers from the spec ([`example`]) and signing the answer
//! ([`AnswerSignature`]).
//!
//! ```
//! use wechatpay_apiv3::api::server::{Handlers, SCHEMA, dispatch};
//! use wechatpay_apiv3::server::{Resolution, Router, Service};
//!
//! /// A server without state: every operation answers from the spec.
//! struct Mock;
//! impl Service for Mock {
//!     type Context = ();
//! }
//! impl Handlers for Mock {}
//!
//! let router = Router::new(&SCHEMA);
//! let target = "/v3/marketing/favor/stocks/123?stock_creator_mchid=9856888";
//! let Resolution::Operation(request) = router.resolve("GET", target, b"") else {
//!     panic!("a spec'd operation");
//! };
//! let answer = dispatch(&Mock, &(), &request).unwrap();
//! assert_eq!(answer.status, 200);
//! // The response type's examples.
//! let stock: wechatpay_apiv3::api::Stock = serde_json::from_slice(&answer.body).unwrap();
//! assert_eq!(stock.stock_id, "9856000");
//!
//! // A query that breaks the spec names the parameter.
//! let target = "/v3/marketing/favor/stocks/123?stock_creator_mchid=";
//! let Resolution::Operation(request) = router.resolve("GET", target, b"") else {
//!     panic!("a spec'd operation");
//! };
//! let rejection = dispatch(&Mock, &(), &request).unwrap_err();
//! assert_eq!((rejection.status, rejection.code.as_str()), (400, "PARAM_ERROR"));
//! assert_eq!(rejection.detail.unwrap().field.as_deref(), Some("stock_creator_mchid"));
//! ```

mod decode;
pub mod example;
mod reject;
mod route;
pub mod schema;
mod sign;
mod upload;
mod values;

use serde::Serialize;

pub use decode::{Decode, Request};
pub use reject::{
    Detail, FREQUENCY_LIMITED, METHOD_NOT_ALLOWED, NOT_FOUND, PARAM_ERROR, Rejection, SIGN_ERROR,
    SYSTEM_ERROR,
};
pub use route::{Resolution, Router};
pub use schema::{
    Constraints, FieldSchema, Format, IntKind, Route, Schema, Segment, TypeKind, TypeSchema,
    ValueSchema,
};
pub use sign::AnswerSignature;
pub use upload::{Form, FormPart, UploadParts};

use crate::Operation;
use crate::auth::{Clock as _, SystemClock};

/// What every server built on the generated `Handlers` trait provides besides its handlers.
pub trait Service {
    /// What each handler gets besides its input: the authenticated caller, say.
    type Context;

    /// Whether `operation` answers from the spec even though the implementation handles it (a
    /// way to switch a stateful handler off by configuration). Default: never.
    fn answers_from_spec(&self, operation: &str) -> bool {
        let _ = operation;
        false
    }

    /// Now, in Unix seconds: the times of answers built from the spec.
    fn now_unix(&self) -> i64 {
        SystemClock.now_unix()
    }
}

/// A successful answer, ready to be signed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// `200`, or `204` for an operation without a response body.
    pub status: u16,
    /// The JSON body; empty for `204`.
    pub body: Vec<u8>,
}

/// Runs one operation: decodes its input, checks it with the spec's `validate()` (through the
/// client's own `build()`, so the server rejects exactly what the client would not send), then
/// hands it to `handle` — or answers from the spec when the service says so — and serializes
/// the output. Generated `dispatch` calls this for the matched operation.
pub fn answer<S, O>(
    service: &S,
    request: &Request<'_>,
    handle: impl FnOnce(O) -> Result<O::Response, Rejection>,
) -> Result<Answer, Rejection>
where
    S: Service + ?Sized,
    O: Decode + Operation,
    O::Response: Serialize,
{
    let input = <O as Decode>::decode(request)?;
    input.build().map_err(|error| request.invalid(&error))?;
    let route = request.route();
    let output = if service.answers_from_spec(route.operation) {
        example::answer::<O::Response>(request.schema(), route.operation, service.now_unix())?
    } else {
        handle(input)?
    };
    if route.response.is_none() {
        return Ok(Answer {
            status: 204,
            body: Vec::new(),
        });
    }
    let failed = |e: serde_json::Error| {
        tracing::error!(operation = route.operation, error = %e, "cannot serialize the answer");
        Rejection::system()
    };
    // Lists WeChat Pay always sends (a page's `data`) are `always_serialize` in the spec, so
    // the response type writes them even when empty.
    let body = serde_json::to_vec(&output).map_err(failed)?;
    Ok(Answer { status: 200, body })
}

/// The answer of `operation` built from the spec; what a `Handlers` method that is not
/// overridden returns.
pub fn from_spec<R, S>(service: &S, schema: &Schema, operation: &str) -> Result<R, Rejection>
where
    R: serde::de::DeserializeOwned,
    S: Service + ?Sized,
{
    example::answer(schema, operation, service.now_unix())
}
