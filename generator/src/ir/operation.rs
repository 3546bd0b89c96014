//! Resolved operations: method, path, inputs and response, upload, idempotency, pagination,
//! and the catalogue entries the CLI and the sandbox are built from.

use super::{FieldDef, Name, Ty};

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// Upper-case wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The runtime's `Method` variant name.
    pub fn variant(self) -> &'static str {
        match self {
            HttpMethod::Get => "Get",
            HttpMethod::Post => "Post",
            HttpMethod::Put => "Put",
            HttpMethod::Patch => "Patch",
            HttpMethod::Delete => "Delete",
        }
    }

    /// The lower-case method name used in specs and chain methods.
    pub fn lower(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
        }
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    /// Literal text.
    Literal(String),
    /// A `{param}`: the index of its field in [`OperationDef::path_params`].
    Param(usize),
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationDef {
    /// The spec id, e.g. `send_coupon`.
    pub id: String,
    /// The request struct name, e.g. `SendCoupon`.
    pub struct_name: Name,
    /// The method of the server's `Handlers` trait, e.g. `send_coupon`.
    pub handler: Name,
    /// The method.
    pub method: HttpMethod,
    /// The path template.
    pub path: String,
    /// The path template, split.
    pub segments: Vec<PathSeg>,
    /// Path parameters, in template order.
    pub path_params: Vec<FieldDef>,
    /// The query struct, when the operation has query parameters.
    pub query: Option<QueryDef>,
    /// The body type.
    pub body: Option<Name>,
    /// A multipart file upload instead of a JSON body.
    pub upload: Option<UploadDef>,
    /// What a 2xx answer carries.
    pub response: Response,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Official documentation links.
    pub docs: Vec<String>,
    /// Documented rate limit.
    pub rate_limit: Option<String>,
    /// Why re-sending is safe, if it is.
    pub idempotency: Idempotency,
    /// Whether the 2xx response is signed.
    pub signed_response: bool,
    /// Documented error codes.
    pub errors: Vec<String>,
    /// Pagination.
    pub pagination: Option<PaginationDef>,
    /// The operation's parameters as the catalogue lists them: path, query, then top-level body
    /// fields.
    pub catalog_params: Vec<CatalogParam>,
}

impl OperationDef {
    /// Whether re-sending is safe, so the client may retry it.
    pub fn idempotent(&self) -> bool {
        self.idempotency != Idempotency::None
    }
}

/// A `multipart/form-data` upload: a file part and a JSON `meta` part `{filename, sha256}`, the
/// signature computed over the `meta` JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadDef {
    /// The file part's name.
    pub file_part: String,
    /// The meta part's name.
    pub meta_part: String,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Allowed content types, each with the (lower-case) extensions that select it.
    pub media_types: Vec<(String, Vec<String>)>,
}

/// What a 2xx answer of an operation carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// No body (`204 No Content`): the operation has no `response`; the Rust response is `()`.
    NoBody,
    /// A JSON object of this type.
    Json(Name),
}

/// Why an operation may be re-sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idempotency {
    /// A `get`.
    Get,
    /// The body field that makes re-sending safe.
    Key(String),
    /// The spec says `idempotent: true` (the documentation says re-sending is safe).
    Declared,
    /// Not safe: never retried.
    None,
}

/// One parameter of an operation in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogParam {
    /// The wire name.
    pub wire: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// What kind of value it takes.
    pub kind: ParamKind,
    /// Whether it must be given.
    pub required: bool,
    /// Its documentation (trimmed), empty when there is none.
    pub doc: String,
}

/// Where a catalogue parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path parameter.
    Path,
    /// A query parameter.
    Query,
    /// A top-level body field.
    Body,
    /// The file of an upload.
    File,
}

/// What kind of value a catalogue parameter takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamKind {
    /// Text.
    String,
    /// Any integer.
    Integer,
    /// Money in fen.
    Money,
    /// `true` / `false`.
    Bool,
    /// RFC 3339.
    Time,
    /// `YYYY-MM-DD`.
    Date,
    /// An open enum with these listed values.
    Enum(Vec<String>),
    /// An object or a list, as JSON.
    Json,
    /// A file (its name and bytes), for an upload.
    File,
}

/// The generated query struct of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryDef {
    /// The struct name, e.g. `ListCouponsByFilterQuery`.
    pub name: Name,
    /// The parameters, in declaration (and wire) order.
    pub fields: Vec<FieldDef>,
}

/// How offset counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// Page number.
    PageIndex,
    /// Item index.
    ItemOffset,
}

/// Pagination of an operation, resolved to fields.
#[derive(Debug, Clone, PartialEq)]
pub struct PaginationDef {
    /// How offset counts.
    pub style: PageStyle,
    /// The query offset field.
    pub offset: FieldDef,
    /// The query limit field.
    pub limit: FieldDef,
    /// The response type.
    pub response: Name,
    /// The response list field.
    pub items: FieldDef,
    /// The item type name.
    pub item_type: Ty,
    /// The response total field.
    pub total: Option<FieldDef>,
    /// The response field echoing the page size (named like the limit parameter), if any.
    pub response_limit: Option<FieldDef>,
}
