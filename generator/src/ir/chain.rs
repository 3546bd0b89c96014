//! The client chain: the tree of URL prefixes a caller walks (`client.v3().marketing()...`)
//! down to an operation method.

use super::{HttpMethod, Name, Ty};

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
