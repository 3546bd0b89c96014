//! The spec as written: plain data that remembers where each part came from.

use crate::diagnostics::Pos;

/// A value and the position it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub pos: Pos,
}

/// One spec file.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecFile {
    /// Path relative to the spec folder, `/`-separated, e.g. `types/coupon.yaml`.
    pub rel_path: String,
    /// Path as shown to people, e.g. `spec/types/coupon.yaml`.
    pub display: String,
    /// The `spec:` language version.
    pub version: Spanned<i128>,
    /// The resource (`path:` + operations), when the file declares one.
    pub resource: Option<Resource>,
    /// Named types.
    pub types: Vec<TypeDecl>,
    /// Error codes.
    pub error_codes: Vec<ErrorCodeDecl>,
    /// Notifications WeChat Pay sends to the merchant.
    pub notifications: Vec<NotificationDecl>,
}

/// A notification (callback) event WeChat Pay sends to the merchant's notify URL.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationDecl {
    /// The `event_type`, e.g. `COUPON.USE`.
    pub event_type: Spanned<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Official documentation links.
    pub docs: Vec<Spanned<String>>,
    /// The `resource.original_type` WeChat Pay sends, e.g. `coupon`.
    pub original_type: Option<String>,
    /// The object type of the decrypted resource.
    pub resource: Spanned<String>,
}

/// A resource path and its operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The URL path template, e.g. `/v3/marketing/favor/users/{openid}/coupons`.
    pub path: Spanned<String>,
    /// The template's parameters.
    pub params: Vec<FieldDecl>,
    /// Where `path_params:` was written (or the path, when absent).
    pub params_pos: Pos,
    /// The operations, by HTTP method.
    pub operations: Vec<OperationDecl>,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationDecl {
    /// The lower-case HTTP method key.
    pub method: Spanned<String>,
    /// The operation id (snake_case).
    pub id: Spanned<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Official documentation links.
    pub docs: Vec<Spanned<String>>,
    /// The documented rate limit, as text.
    pub rate_limit: Option<String>,
    /// The body field that makes re-sending safe.
    pub idempotency_key: Option<Spanned<String>>,
    /// `idempotent: true`: re-sending is safe without a key (the documentation says so).
    pub idempotent: Option<Spanned<bool>>,
    /// Whether the 2xx response is signed (default true).
    pub signed_response: bool,
    /// Query parameters.
    pub query: Vec<FieldDecl>,
    /// Where `query:` was written.
    pub query_pos: Pos,
    /// The JSON body type.
    pub body: Option<Spanned<String>>,
    /// A `multipart/form-data` file upload instead of a JSON body.
    pub upload: Option<UploadDecl>,
    /// The 2xx response type.
    pub response: Option<Spanned<String>>,
    /// Documented error codes.
    pub errors: Vec<Spanned<String>>,
    /// Pagination, when the operation is paged.
    pub pagination: Option<PaginationDecl>,
    /// Where the operation was written.
    pub pos: Pos,
}

/// `upload:`: the request is `multipart/form-data` with a file part and a JSON `meta` part
/// `{filename, sha256}`; the signature covers the `meta` JSON, not the body.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadDecl {
    /// The name of the file part (`file`).
    pub file: Spanned<String>,
    /// The name of the meta part (`meta`).
    pub meta: Spanned<String>,
    /// The largest file accepted, in bytes.
    pub max_bytes: Spanned<u64>,
    /// The allowed content types of the file, each with the file extensions it is sent for.
    pub media_types: Vec<MediaTypeDecl>,
    /// Where `media_types:` was written.
    pub media_types_pos: Pos,
    /// Where `upload:` was written.
    pub pos: Pos,
}

/// One allowed content type of an upload and the file extensions that select it.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaTypeDecl {
    /// The content type, e.g. `image/png`.
    pub content_type: Spanned<String>,
    /// The extensions, without the dot, e.g. `png`.
    pub extensions: Vec<Spanned<String>>,
}

/// How an operation pages.
#[derive(Debug, Clone, PartialEq)]
pub struct PaginationDecl {
    /// `page_index` or `item_offset`.
    pub style: Spanned<String>,
    /// The query field carrying the offset.
    pub offset: Spanned<String>,
    /// The query field carrying the page size.
    pub limit: Spanned<String>,
    /// The response list field holding the items.
    pub items: Spanned<String>,
    /// The response field holding the total count.
    pub total: Option<Spanned<String>>,
}

/// A scalar written in the spec (defaults).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
    /// Anything else (a float, null), kept for messages.
    Other(String),
}

/// A field of an object, a query parameter or a path parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    /// The wire name.
    pub name: Spanned<String>,
    /// The type name.
    pub ty: Spanned<String>,
    /// The item type (and the constraints on each item) of a `list`.
    pub items: Option<ItemsDecl>,
    /// Whether the field must be present.
    pub required: bool,
    /// Documentation, verbatim.
    pub doc: Option<String>,
    /// An example value, as text.
    pub example: Option<String>,
    /// The server-side default.
    pub default: Option<Spanned<Scalar>>,
    /// Constraints on the value (on a list: on the list itself, so none apply).
    pub constraints: ConstraintsDecl,
    /// Minimum number of items of a list.
    pub min_items: Option<Spanned<u64>>,
    /// Maximum number of items of a list.
    pub max_items: Option<Spanned<u64>>,
    /// Whether an optional list is sent (`[]`) even when empty.
    pub always_serialize: Option<Spanned<bool>>,
    /// Other wire names accepted when decoding.
    pub aliases: Vec<Spanned<String>>,
    /// Whether decoding also accepts a list of strings as one comma-separated string.
    pub comma_separated: Option<Spanned<bool>>,
}

/// The `items:` of a list: `items: TypeName`, or a mapping with `type` and constraints on each
/// item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsDecl {
    /// The item type name.
    pub ty: Spanned<String>,
    /// Constraints every item must meet.
    pub constraints: ConstraintsDecl,
}

/// Constraints on one value: a field's, or each item's of a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConstraintsDecl {
    /// Minimum length in characters.
    pub min_length: Option<Spanned<u64>>,
    /// Maximum length in characters.
    pub max_length: Option<Spanned<u64>>,
    /// Minimum value, inclusive.
    pub minimum: Option<Spanned<i128>>,
    /// Maximum value, inclusive.
    pub maximum: Option<Spanned<i128>>,
    /// Allowed characters, as ranges like `0-9A-Za-z_`.
    pub charset: Option<Spanned<String>>,
    /// A string format, e.g. `https_url`.
    pub format: Option<Spanned<String>>,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDecl {
    /// The type name (PascalCase).
    pub name: Spanned<String>,
    /// Documentation, verbatim.
    pub doc: Option<String>,
    /// Object or enum.
    pub kind: TypeKindDecl,
}

/// What a named type is.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKindDecl {
    /// A JSON object with fields.
    Object(Vec<FieldDecl>),
    /// An open string enum.
    Enum(Vec<EnumValueDecl>),
}

/// One value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValueDecl {
    /// The wire value.
    pub value: Spanned<String>,
    /// Documentation, verbatim.
    pub doc: Option<String>,
}

/// One documented error code.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCodeDecl {
    /// The code, e.g. `PARAM_ERROR`.
    pub code: Spanned<String>,
    /// The HTTP status it comes with.
    pub status: Option<Spanned<i128>>,
    /// Documentation, verbatim.
    pub doc: Option<String>,
}
