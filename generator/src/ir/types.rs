//! The resolved shapes of data: named types, fields, their Rust types and the constraints
//! their checks enforce.

use super::Name;

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
    /// The constant, defined in the same module (see [`Module::charsets`](super::Module::charsets)).
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
