//! Stage 3, ir: the validated spec, resolved into plain data the emitter can print without
//! looking anything up: Rust names, resolved types, operations and the client chain.

mod lower;
mod tree;

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
    pub name: String,
    /// The spec file, as shown to people (`spec/...`).
    pub spec_file: String,
    /// Named types declared in the file.
    pub types: Vec<TypeDef>,
    /// Operations declared in the file.
    pub operations: Vec<OperationDef>,
    /// Types this module uses from other modules, sorted.
    pub imports: Vec<String>,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
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
    pub name: String,
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
    /// The Rust name (may be `r#...`).
    pub name: String,
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
    /// Constraints checked before sending.
    pub constraints: Constraints,
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
    Object(String),
    /// A named enum type.
    Enum(String),
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
    /// Allowed characters.
    pub charset: Option<Charset>,
    /// Minimum number of list items.
    pub min_items: Option<u64>,
    /// Maximum number of list items.
    pub max_items: Option<u64>,
}

/// A set of allowed characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charset {
    /// As written in the spec.
    pub text: String,
    /// Inclusive ranges.
    pub ranges: Vec<(char, char)>,
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
    /// A `{param}`.
    Param(String),
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationDef {
    /// The spec id, e.g. `send_coupon`.
    pub id: String,
    /// The request struct name, e.g. `SendCoupon`.
    pub struct_name: String,
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
    pub body: Option<String>,
    /// The response type.
    pub response: Option<String>,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Official documentation links.
    pub docs: Vec<String>,
    /// Documented rate limit.
    pub rate_limit: Option<String>,
    /// The body field that makes re-sending safe.
    pub idempotency_key: Option<String>,
    /// Whether the 2xx response is signed.
    pub signed_response: bool,
    /// Documented error codes.
    pub errors: Vec<String>,
    /// Pagination.
    pub pagination: Option<PaginationDef>,
}

impl OperationDef {
    /// Whether re-sending is safe: a GET or an operation with an idempotency key.
    pub fn idempotent(&self) -> bool {
        self.method == HttpMethod::Get || self.idempotency_key.is_some()
    }
}

/// The generated query struct of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryDef {
    /// The struct name, e.g. `ListCouponsByFilterQuery`.
    pub name: String,
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
    pub variant: String,
    /// The resource type name.
    pub resource: String,
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
    pub variant: String,
    /// The HTTP status it comes with.
    pub status: Option<u16>,
    /// Documentation.
    pub doc: Option<String>,
}

/// A node of the client chain: one URL prefix.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    /// The struct name, e.g. `V3MarketingFavor`; empty for the root (the client itself).
    pub name: String,
    /// The URL prefix, e.g. `/v3/marketing/favor/users/{openid}`.
    pub path: String,
    /// Path parameters collected on the way here: (Rust name, wire name).
    pub params: Vec<(String, String)>,
    /// Links to longer prefixes.
    pub children: Vec<Link>,
    /// Operations on exactly this path.
    pub operations: Vec<NodeOperation>,
}

/// A chain method leading to a child node.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The method name.
    pub method: String,
    /// The path parameter the method takes: (Rust name, wire name).
    pub param: Option<(String, String)>,
    /// The node it leads to.
    pub target: Node,
}

/// An operation reachable from a node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeOperation {
    /// The method.
    pub method: HttpMethod,
    /// The operation struct.
    pub struct_name: String,
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
    Body(String),
    /// The query type.
    Query(String),
    /// Both.
    BodyAndQuery(String, String),
}
