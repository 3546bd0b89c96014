//! The spec as data for the server side: every named type (its fields, their types, constraints
//! and examples; an enum's values) and every operation's route. The generator emits one
//! [`Schema`] (`api::server::SCHEMA`); the hand-written server code reads it to match paths,
//! decode requests and build answers from the spec.
//!
//! Values are built with `const fn`s so that the generated statics read like the YAML they come
//! from: `FieldSchema::required("stock_id", ValueSchema::String).max_length(20)`.
//!
//! Every type here but [`Schema`], [`TypeSchema`] and [`Route`] is `#[non_exhaustive]`: the spec
//! language grows (a constraint, a value type) in minor releases, so code outside this crate reads
//! the fields and matches with a `_` arm. Those three are built as struct literals by generated
//! code, which may live in another crate (the shape corpus does); a new field there comes with the
//! generator release that fills it, and the client pins its generator exactly (`=0.1.0`).
//!
//! One file though a little over the guide's ~400 lines (about 370 of them code, the rest its
//! tests): it is one vocabulary, the shapes the generated `SCHEMA` statics are written in, read
//! top to bottom like the spec language itself; split, each piece would only make sense beside
//! the others.

use crate::Method;

/// Every named type and every operation of the spec.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// Named types, sorted by name.
    pub types: &'static [TypeSchema],
    /// One route per operation, in spec order.
    pub routes: &'static [Route],
}

impl Schema {
    /// The named type `name`.
    pub fn type_named(&self, name: &str) -> Option<&'static TypeSchema> {
        let types: &'static [TypeSchema] = self.types;
        types
            .binary_search_by(|t| t.name.cmp(name))
            .ok()
            .map(|i| &types[i])
    }

    /// The fields of the object type `name` (none for an enum or an unknown name).
    pub fn fields_of(&self, name: &str) -> &'static [FieldSchema] {
        match self.type_named(name).map(|t| t.kind) {
            Some(TypeKind::Object(fields)) => fields,
            _ => &[],
        }
    }

    /// The values of the enum type `name` (none for an object or an unknown name).
    pub fn values_of(&self, name: &str) -> &'static [&'static str] {
        match self.type_named(name).map(|t| t.kind) {
            Some(TypeKind::Enum(values)) => values,
            _ => &[],
        }
    }

    /// The route of the operation with this spec id.
    pub fn route(&self, operation: &str) -> Option<&'static Route> {
        let routes: &'static [Route] = self.routes;
        routes.iter().find(|r| r.operation == operation)
    }
}

/// A named type of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeSchema {
    /// The type name, e.g. `SendCouponBody`.
    pub name: &'static str,
    /// Object or enum.
    pub kind: TypeKind,
}

/// What a named type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypeKind {
    /// A JSON object with these fields, in spec order.
    Object(&'static [FieldSchema]),
    /// A string enum with these wire values, in spec order.
    Enum(&'static [&'static str]),
}

/// The type of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueSchema {
    /// Text.
    String,
    /// `true` / `false`.
    Bool,
    /// An integer of this width.
    Integer(IntKind),
    /// Money in fen (an `i64`).
    Money,
    /// An RFC 3339 time.
    Time,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A list of values of the item type.
    List(&'static ValueSchema),
    /// The named object type.
    Object(&'static str),
    /// The named enum type.
    Enum(&'static str),
}

/// Integer widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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
    /// The smallest and largest value of the width.
    pub fn range(self) -> (i128, i128) {
        match self {
            IntKind::I32 => (i32::MIN.into(), i32::MAX.into()),
            IntKind::I64 => (i64::MIN.into(), i64::MAX.into()),
            IntKind::U32 => (0, u32::MAX.into()),
            IntKind::U64 => (0, u64::MAX.into()),
        }
    }

    /// The Rust name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            IntKind::I32 => "i32",
            IntKind::I64 => "i64",
            IntKind::U32 => "u32",
            IntKind::U64 => "u64",
        }
    }
}

/// Constraints on a value, as the spec states them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Constraints {
    /// Minimum length in characters.
    pub min_length: Option<u64>,
    /// Maximum length in characters.
    pub max_length: Option<u64>,
    /// Minimum value.
    pub minimum: Option<i128>,
    /// Maximum value.
    pub maximum: Option<i128>,
    /// Allowed characters as inclusive ranges; empty for any.
    pub charset: &'static [(char, char)],
    /// Minimum number of list items.
    pub min_items: Option<u64>,
    /// Maximum number of list items.
    pub max_items: Option<u64>,
    /// A known shape of text.
    pub format: Option<Format>,
}

/// A known shape of text (`format:` in the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An `https://` URL with a host and no query or fragment (`wire::check_https_url`).
    HttpsUrl,
}

impl Constraints {
    /// No constraint.
    pub const NONE: Constraints = Constraints {
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        charset: &[],
        min_items: None,
        max_items: None,
        format: None,
    };

    /// With a minimum length in characters.
    pub const fn min_length(mut self, min: u64) -> Self {
        self.min_length = Some(min);
        self
    }

    /// With a maximum length in characters.
    pub const fn max_length(mut self, max: u64) -> Self {
        self.max_length = Some(max);
        self
    }

    /// With a minimum value.
    pub const fn minimum(mut self, min: i128) -> Self {
        self.minimum = Some(min);
        self
    }

    /// With a maximum value.
    pub const fn maximum(mut self, max: i128) -> Self {
        self.maximum = Some(max);
        self
    }

    /// With the allowed characters.
    pub const fn charset(mut self, ranges: &'static [(char, char)]) -> Self {
        self.charset = ranges;
        self
    }

    /// With a minimum number of items.
    pub const fn min_items(mut self, min: u64) -> Self {
        self.min_items = Some(min);
        self
    }

    /// With a maximum number of items.
    pub const fn max_items(mut self, max: u64) -> Self {
        self.max_items = Some(max);
        self
    }

    /// With a format.
    pub const fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }
}

/// A field of an object, a query parameter or a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSchema {
    /// The wire name.
    pub wire: &'static str,
    /// Whether it must be present.
    pub required: bool,
    /// Its type.
    pub value: ValueSchema,
    /// The spec's example, as text.
    pub example: Option<&'static str>,
    /// The server-side default, as text.
    pub default: Option<&'static str>,
    /// Its constraints (on a list: on the list itself).
    pub constraints: Constraints,
    /// The constraints on each item of a list.
    pub items: Constraints,
}

impl FieldSchema {
    /// A required field.
    pub const fn required(wire: &'static str, value: ValueSchema) -> Self {
        FieldSchema {
            wire,
            required: true,
            value,
            example: None,
            default: None,
            constraints: Constraints::NONE,
            items: Constraints::NONE,
        }
    }

    /// An optional field.
    pub const fn optional(wire: &'static str, value: ValueSchema) -> Self {
        FieldSchema {
            required: false,
            ..FieldSchema::required(wire, value)
        }
    }

    /// With an example value.
    pub const fn example(mut self, example: &'static str) -> Self {
        self.example = Some(example);
        self
    }

    /// With a server-side default.
    pub const fn default(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }

    /// With a minimum length in characters.
    pub const fn min_length(mut self, min: u64) -> Self {
        self.constraints = self.constraints.min_length(min);
        self
    }

    /// With a maximum length in characters.
    pub const fn max_length(mut self, max: u64) -> Self {
        self.constraints = self.constraints.max_length(max);
        self
    }

    /// With a minimum value.
    pub const fn minimum(mut self, min: i128) -> Self {
        self.constraints = self.constraints.minimum(min);
        self
    }

    /// With a maximum value.
    pub const fn maximum(mut self, max: i128) -> Self {
        self.constraints = self.constraints.maximum(max);
        self
    }

    /// With the allowed characters.
    pub const fn charset(mut self, ranges: &'static [(char, char)]) -> Self {
        self.constraints = self.constraints.charset(ranges);
        self
    }

    /// With a minimum number of items.
    pub const fn min_items(mut self, min: u64) -> Self {
        self.constraints = self.constraints.min_items(min);
        self
    }

    /// With a maximum number of items.
    pub const fn max_items(mut self, max: u64) -> Self {
        self.constraints = self.constraints.max_items(max);
        self
    }

    /// With a format.
    pub const fn format(mut self, format: Format) -> Self {
        self.constraints = self.constraints.format(format);
        self
    }

    /// With constraints on each item of a list.
    pub const fn items(mut self, items: Constraints) -> Self {
        self.items = items;
        self
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Segment {
    /// Literal text, compared with the raw (percent-encoded) segment.
    Literal(&'static str),
    /// A `{param}`: any one segment, percent-decoded into the parameter.
    Param(&'static str),
}

/// Where one operation is served and what it takes and answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The spec's operation id, e.g. `send_coupon`.
    pub operation: &'static str,
    /// The method.
    pub method: Method,
    /// The path template, e.g. `/v3/marketing/favor/users/{openid}/coupons`.
    pub path: &'static str,
    /// The template split into segments.
    pub segments: &'static [Segment],
    /// The path parameters.
    pub path_params: &'static [FieldSchema],
    /// The query parameters, in declaration order.
    pub query: &'static [FieldSchema],
    /// The body type, if any.
    pub body: Option<&'static str>,
    /// The response type; `None` answers `204 No Content`.
    pub response: Option<&'static str>,
    /// The query parameter that sets the page size of a paginated operation.
    pub page_limit: Option<&'static str>,
    /// The spec's `upload:`, for an operation whose request is a multipart file upload.
    pub upload: Option<crate::multipart::UploadSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;

    static FIELDS: &[FieldSchema] = &[
        FieldSchema::required("stock_id", ValueSchema::String).max_length(20),
        FieldSchema::optional("tags", ValueSchema::List(&ValueSchema::Enum("Colour"))).max_items(3),
        FieldSchema::optional("ids", ValueSchema::List(&ValueSchema::String))
            .items(Constraints::NONE.min_length(1).max_length(32)),
    ];
    static SCHEMA: Schema = Schema {
        types: &[
            TypeSchema {
                name: "Body",
                kind: TypeKind::Object(FIELDS),
            },
            TypeSchema {
                name: "Colour",
                kind: TypeKind::Enum(&["RED", "BLUE"]),
            },
        ],
        routes: &[],
    };

    #[test]
    fn lookups() {
        assert_eq!(SCHEMA.fields_of("Body").len(), 3);
        assert_eq!(FIELDS[2].items.max_length, Some(32));
        assert_eq!(FIELDS[2].constraints, Constraints::NONE);
        assert_eq!(SCHEMA.values_of("Colour"), ["RED", "BLUE"]);
        assert!(SCHEMA.type_named("Nope").is_none());
        assert_eq!(FIELDS[0].constraints.max_length, Some(20));
        assert!(!FIELDS[1].required);
        assert_eq!(IntKind::U32.range(), (0, 4_294_967_295));
    }
}
