//! Operations by name, for tools that learn the API at run time (the `wxpay` CLI): the generated
//! [`crate::api::catalog`] describes every operation and its parameters, and builds a typed
//! operation from JSON values, so a new spec operation needs no hand-written code to be callable.

use std::future::Future;
use std::pin::Pin;

use futures_core::Stream;
use futures_util::StreamExt;
use serde::Serialize;

use crate::call::Call;
use crate::client::Client;
use crate::error::Error;
use crate::operation::{CallOptions, HttpRequest, Method, Operation};
use crate::pagination::Paginated;

mod input;

pub use input::DynamicInput;

/// Where a parameter goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{param}` of the path.
    Path,
    /// A query parameter.
    Query,
    /// A top-level field of the JSON body.
    Body,
    /// The file of an upload (`multipart/form-data`).
    File,
}

/// What kind of value a parameter takes, so a tool can parse text into JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Text.
    String,
    /// A signed or unsigned integer.
    Integer,
    /// Money in fen (an integer).
    Money,
    /// `true` / `false`.
    Bool,
    /// An RFC 3339 time.
    Time,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// One of the listed values (others are accepted too: enums are open).
    Enum(&'static [&'static str]),
    /// A JSON object or list.
    Json,
    /// A file: a tool reads it from a path ([`DynamicInput::file`]).
    File,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamInfo {
    /// The wire name.
    pub name: &'static str,
    /// Where it goes.
    pub location: Location,
    /// Its kind.
    pub kind: ValueKind,
    /// Whether it must be given.
    pub required: bool,
    /// Its documentation, from the spec.
    pub doc: &'static str,
}

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The spec id, e.g. `send_coupon`.
    pub id: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template.
    pub path: &'static str,
    /// The summary.
    pub summary: &'static str,
    /// The description.
    pub description: &'static str,
    /// Path, query and top-level body parameters, in spec order.
    pub params: &'static [ParamInfo],
    /// Whether the operation has a JSON body.
    pub has_body: bool,
    /// Whether the operation is paginated (so its items can be walked).
    pub paginated: bool,
    /// The idempotency key, if any.
    pub idempotency_key: Option<&'static str>,
}

impl ParamInfo {
    /// A parameter: its wire name, where it goes, its kind, whether it must be given, its doc.
    pub const fn new(
        name: &'static str,
        location: Location,
        kind: ValueKind,
        required: bool,
        doc: &'static str,
    ) -> Self {
        ParamInfo {
            name,
            location,
            kind,
            required,
            doc,
        }
    }
}

impl OperationInfo {
    /// An operation without summary, description, parameters, body, pagination or key; the
    /// other facts are set with the builder methods (generated code outside this crate, such
    /// as the shape corpus, cannot name a `#[non_exhaustive]` struct's fields).
    pub const fn new(id: &'static str, method: Method, path: &'static str) -> Self {
        OperationInfo {
            id,
            method,
            path,
            summary: "",
            description: "",
            params: &[],
            has_body: false,
            paginated: false,
            idempotency_key: None,
        }
    }

    /// With a summary.
    #[must_use]
    pub const fn summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }

    /// With a description.
    #[must_use]
    pub const fn description(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// With its parameters (path, query, then top-level body fields).
    #[must_use]
    pub const fn params(mut self, params: &'static [ParamInfo]) -> Self {
        self.params = params;
        self
    }

    /// With a JSON body.
    #[must_use]
    pub const fn with_body(mut self) -> Self {
        self.has_body = true;
        self
    }

    /// Paginated.
    #[must_use]
    pub const fn paginated(mut self) -> Self {
        self.paginated = true;
        self
    }

    /// With an idempotency key.
    #[must_use]
    pub const fn idempotency_key(mut self, key: &'static str) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// The error of [`crate::api::catalog::build`] for an id the spec does not have.
pub fn unknown_operation(id: &str) -> Error {
    Error::invalid(
        "operation",
        format!("`{id}` is not an operation of the spec"),
    )
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = T> + Send + 'a>>;

trait Erased: Send + Sync {
    fn build(&self) -> Result<HttpRequest, Error>;
    fn send<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> BoxFuture<'a, Result<serde_json::Value, Error>>;
    fn items<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> Option<BoxStream<'a, Result<serde_json::Value, Error>>>;
}

struct Plain<O>(O);
struct Paged<O>(Plain<O>);

fn to_json<T: Serialize>(value: T) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::decode(".".to_owned(), e, &[], None))
}

fn call<'a, O: Operation + Clone>(
    client: &'a Client,
    operation: &O,
    options: CallOptions,
) -> Call<'a, O> {
    Call {
        client,
        operation: operation.clone(),
        options,
    }
}

impl<O> Erased for Plain<O>
where
    O: Operation + Clone + 'static,
    O::Response: Serialize,
{
    fn build(&self) -> Result<HttpRequest, Error> {
        self.0.build()
    }

    fn send<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> BoxFuture<'a, Result<serde_json::Value, Error>> {
        let call = call(client, &self.0, options);
        Box::pin(async move { to_json(call.send().await?) })
    }

    fn items<'a>(
        &self,
        _: &'a Client,
        _: CallOptions,
    ) -> Option<BoxStream<'a, Result<serde_json::Value, Error>>> {
        None
    }
}

impl<O> Erased for Paged<O>
where
    O: Paginated + 'static,
    O::Response: Serialize,
    O::Item: Serialize + 'static,
{
    // One page is an ordinary call.
    fn build(&self) -> Result<HttpRequest, Error> {
        self.0.build()
    }

    fn send<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> BoxFuture<'a, Result<serde_json::Value, Error>> {
        self.0.send(client, options)
    }

    fn items<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> Option<BoxStream<'a, Result<serde_json::Value, Error>>> {
        let stream = call(client, &self.0.0, options).items();
        Some(Box::pin(stream.map(|item| item.and_then(to_json))))
    }
}

/// A typed operation behind a name-agnostic interface.
pub struct DynamicOperation {
    inner: Box<dyn Erased>,
}

impl std::fmt::Debug for DynamicOperation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicOperation").finish_non_exhaustive()
    }
}

impl DynamicOperation {
    /// Wraps an operation (generated code calls this).
    pub fn plain<O>(operation: O) -> Self
    where
        O: Operation + Clone + 'static,
        O::Response: Serialize,
    {
        DynamicOperation {
            inner: Box::new(Plain(operation)),
        }
    }

    /// Wraps a paginated operation (generated code calls this).
    pub fn paged<O>(operation: O) -> Self
    where
        O: Paginated + 'static,
        O::Response: Serialize,
        O::Item: Serialize + 'static,
    {
        DynamicOperation {
            inner: Box::new(Paged(Plain(operation))),
        }
    }

    /// Validates and builds the request without sending it.
    pub fn build(&self) -> Result<HttpRequest, Error> {
        self.inner.build()
    }

    /// Sends it; the verified response as JSON.
    pub async fn send(
        &self,
        client: &Client,
        options: CallOptions,
    ) -> Result<serde_json::Value, Error> {
        self.inner.send(client, options).await
    }

    /// Every item across all pages, when the operation is paginated.
    pub fn items<'a>(
        &self,
        client: &'a Client,
        options: CallOptions,
    ) -> Option<impl Stream<Item = Result<serde_json::Value, Error>> + Send + 'a> {
        self.inner.items(client, options)
    }
}
