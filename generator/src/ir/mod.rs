//! Stage 3, ir: the validated spec, resolved into plain data the emitter can print without
//! looking anything up: Rust names (as [`Name`]s, decided by [`crate::naming`]), resolved types,
//! operations with their catalogue entries, and the client chain.

mod lower;
mod tree;

pub use crate::naming::Name;
pub use lower::lower;

/// Everything to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// One module per spec file, in file order.
    pub modules: Vec<Module>,
    /// Every documented error code, in spec order.
    pub error_codes: Vec<ErrorCodeDef>,
    /// Every notification event, in spec order.
    pub notifications: Vec<NotificationDef>,
    /// The root of the client chain (`client.v3()...`).
    pub tree: Node,
}

/// The Rust module generated from one spec file.
#[derive(Debug, Clone, PartialEq)]
pub struct Module {
    /// The module name.
    pub name: Name,
    /// The spec file, as shown to people (`spec/...`).
    pub spec_file: String,
    /// Named types declared in the file.
    pub types: Vec<TypeDef>,
    /// Operations declared in the file.
    pub operations: Vec<OperationDef>,
    /// Types this module uses from other modules, sorted.
    pub imports: Vec<Name>,
    /// Every type the module defines (named types, operation and query structs), re-exported
    /// from the root, in definition order.
    pub exports: Vec<Name>,
    /// The charsets its checks use, each a named constant, in first-use order.
    pub charsets: Vec<CharsetDef>,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: Name,
    /// Documentation, verbatim.
    pub doc: Option<String>,
    /// Object or enum.
    pub kind: TypeKind,
    /// Whether the type is sent in some request (and so needs client-side checks).
    pub in_request: bool,
}

/// What a type is.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A JSON object.
    Object(Vec<FieldDef>),
    /// An open string enum.
    Enum(Vec<VariantDef>),
}

/// One enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantDef {
    /// The Rust variant name.
    pub name: Name,
    /// The wire value.
    pub wire: String,
    /// Documentation, verbatim.
    pub doc: Option<String>,
}

/// A field of an object, query or path.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// The wire name.
    pub wire: String,
    /// The Rust name.
    pub name: Name,
    /// The type.
    pub ty: Ty,
    /// Whether it must be present.
    pub required: bool,
    /// Documentation, verbatim.
    pub doc: Option<String>,
    /// An example value.
    pub example: Option<String>,
    /// The server-side default, as text.
    pub default: Option<String>,
    /// Constraints checked before sending: on the value, or on a list itself.
    pub constraints: Constraints,
    /// Constraints on each item of a list (empty for other types).
    pub items: Constraints,
    /// An optional list sent as `[]` when empty, rather than omitted.
    pub always_serialize: bool,
    /// Other wire names accepted when decoding (never sent).
    pub aliases: Vec<String>,
    /// Decoding also accepts the list as one comma-separated string (never sent so).
    pub comma_separated: bool,
}

/// A resolved field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// UTF-8 text.
    String,
    /// `true` / `false`.
    Bool,
    /// An integer.
    Int(IntKind),
    /// Money in fen.
    Money,
    /// An RFC 3339 time.
    Time,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A list.
    List(Box<Ty>),
    /// A named object type.
    Object(Name),
    /// A named enum type.
    Enum(Name),
}

impl Ty {
    /// Whether the Rust type is `Copy` (so it is passed on without `.clone()`).
    pub fn is_copy(&self) -> bool {
        matches!(self, Ty::Bool | Ty::Int(_) | Ty::Money)
    }
}

/// Integer widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `u32`
    U32,
    /// `u64`
    U64,
}

impl IntKind {
    /// The Rust type name.
    pub fn rust(self) -> &'static str {
        match self {
            IntKind::I32 => "i32",
            IntKind::I64 => "i64",
            IntKind::U32 => "u32",
            IntKind::U64 => "u64",
        }
    }
}

/// Constraints on a field's value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraints {
    /// Minimum length in characters.
    pub min_length: Option<u64>,
    /// Maximum length in characters.
    pub max_length: Option<u64>,
    /// Minimum value.
    pub minimum: Option<i128>,
    /// Maximum value.
    pub maximum: Option<i128>,
    /// Allowed characters: the module constant holding them.
    pub charset: Option<CharsetRef>,
    /// A string format.
    pub format: Option<Format>,
    /// Minimum number of list items.
    pub min_items: Option<u64>,
    /// Maximum number of list items.
    pub max_items: Option<u64>,
}

/// A charset as a check uses it: the constant that holds it, and the text for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharsetRef {
    /// The constant, defined in the same module (see [`Module::charsets`]).
    pub name: Name,
    /// As written in the spec.
    pub text: String,
    /// Inclusive ranges (the server schema states them as data).
    pub ranges: Vec<(char, char)>,
}

/// A charset constant of a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharsetDef {
    /// The constant's name.
    pub name: Name,
    /// As written in the spec.
    pub text: String,
    /// Inclusive ranges.
    pub ranges: Vec<(char, char)>,
}

/// String formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An `https://` URL with a host and no query or fragment.
    HttpsUrl,
}

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

/// A notification event and the type of its decrypted resource.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationDef {
    /// The wire `event_type`, e.g. `COUPON.USE`.
    pub event_type: String,
    /// The variant name, e.g. `CouponUse`.
    pub variant: Name,
    /// The accessor of its resource on a notification, e.g. `coupon_use`.
    pub accessor: Name,
    /// The resource type name.
    pub resource: Name,
    /// `resource.original_type`, when documented.
    pub original_type: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Official documentation links.
    pub docs: Vec<String>,
}

/// A documented error code.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCodeDef {
    /// The wire code.
    pub code: String,
    /// The variant name.
    pub variant: Name,
    /// The HTTP status it comes with.
    pub status: Option<u16>,
    /// Documentation.
    pub doc: Option<String>,
}

/// A node of the client chain: one URL prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The struct name, e.g. `V3MarketingFavor`; `None` for the root (the client itself).
    pub name: Option<Name>,
    /// The URL prefix, e.g. `/v3/marketing/favor/users/{openid}`.
    pub path: String,
    /// Path parameters collected on the way here.
    pub params: Vec<NodeParam>,
    /// Links to longer prefixes.
    pub children: Vec<Link>,
    /// Operations on exactly this path.
    pub operations: Vec<NodeOperation>,
}

/// A path parameter a chain node holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeParam {
    /// The Rust name.
    pub name: Name,
    /// The wire name.
    pub wire: String,
    /// Its type (every operation below declares the same one).
    pub ty: Ty,
}

/// A chain method leading to a child node.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The method name.
    pub method: Name,
    /// The path parameter the method takes.
    pub param: Option<NodeParam>,
    /// The node it leads to.
    pub target: Node,
}

/// An operation reachable from a node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeOperation {
    /// The method.
    pub method: HttpMethod,
    /// The chain method's name (`get`, `post`, …).
    pub method_name: Name,
    /// The operation struct.
    pub struct_name: Name,
    /// The input the chain method takes.
    pub input: NodeInput,
    /// Summary, for the chain method's doc.
    pub summary: Option<String>,
}

/// What a chain operation method takes.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeInput {
    /// Nothing.
    None,
    /// The body type.
    Body(Name),
    /// The query type.
    Query(Name),
    /// Both.
    BodyAndQuery(Name, Name),
    /// The file of an upload, after the query type when there is one.
    Upload(Option<Name>),
}
