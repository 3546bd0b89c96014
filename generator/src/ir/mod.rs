//! Stage 3, ir: the validated spec, resolved into plain data the emitter can print without
//! looking anything up: Rust names (as [`Name`]s, decided by [`crate::naming`]), resolved types,
//! operations with their catalogue entries, and the client chain.

mod chain;
mod lower;
mod operation;
mod tree;
mod types;

pub use crate::naming::Name;
pub use chain::{Link, Node, NodeInput, NodeOperation, NodeParam};
pub use lower::lower;
pub use operation::{
    CatalogParam, HttpMethod, Idempotency, OperationDef, PageStyle, PaginationDef, ParamKind,
    ParamLocation, PathSeg, QueryDef, Response, UploadDef,
};
pub use types::{
    CharsetDef, CharsetRef, Constraints, FieldDef, Format, IntKind, Ty, TypeDef, TypeKind,
    VariantDef,
};

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
