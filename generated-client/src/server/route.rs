//! Matching a request to an operation: a tree of the spec's path templates, walked over the raw
//! (percent-encoded) path. A literal segment is compared byte for byte; a `{param}` takes any
//! one segment, the empty one included (so that `/users//coupons` is a `400` naming `openid`,
//! not a `404`). Literals win over parameters where both match.

use std::collections::BTreeMap;

use super::decode::Request;
use super::schema::{Route, Schema, Segment};

/// The route table of a [`Schema`], built once.
#[derive(Debug)]
pub struct Router {
    schema: &'static Schema,
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    literals: BTreeMap<&'static str, Node>,
    param: Option<Box<Node>>,
    /// The operations served at exactly this path, in spec order.
    routes: Vec<&'static Route>,
}

/// Where a request goes.
#[derive(Debug)]
pub enum Resolution<'a> {
    /// An operation of the spec, ready to decode.
    Operation(Request<'a>),
    /// The path is served, but not with this method.
    MethodNotAllowed {
        /// An operation served at the path (the first in spec order), for logs and fault rules.
        operation: &'static str,
        /// The methods the path is served with, for the `Allow` header: `GET, POST`.
        allow: String,
    },
    /// No operation is served at the path.
    NotFound,
}

impl Router {
    /// The route table of every operation of `schema`.
    pub fn new(schema: &'static Schema) -> Self {
        let mut root = Node::default();
        for route in schema.routes {
            let mut node = &mut root;
            for segment in route.segments {
                node = match segment {
                    Segment::Literal(text) => node.literals.entry(text).or_default(),
                    Segment::Param(_) => node.param.get_or_insert_with(Default::default),
                };
            }
            node.routes.push(route);
        }
        Router { schema, root }
    }

    /// The schema the table was built from.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// Resolves `method` and the raw request-target (path plus `?query`, as received). `body`
    /// is kept for decoding.
    pub fn resolve<'a>(&self, method: &str, target: &'a str, body: &'a [u8]) -> Resolution<'a> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let Some(rest) = path.strip_prefix('/') else {
            return Resolution::NotFound;
        };
        let segments: Vec<&'a str> = rest.split('/').collect();
        let mut matches = Vec::new();
        self.root.find(&segments, &mut Vec::new(), &mut matches);
        // The most specific match that serves the method; else the path is known (405) or not.
        for (node, params) in &matches {
            if let Some(route) = node.routes.iter().find(|r| r.method.as_str() == method) {
                return Resolution::Operation(Request::new(
                    self.schema,
                    route,
                    params.clone(),
                    query,
                    body,
                ));
            }
        }
        let Some((node, _)) = matches.first() else {
            return Resolution::NotFound;
        };
        let mut methods: Vec<&str> = node.routes.iter().map(|r| r.method.as_str()).collect();
        methods.sort_unstable();
        methods.dedup();
        Resolution::MethodNotAllowed {
            operation: node.routes[0].operation,
            allow: methods.join(", "),
        }
    }
}

impl Node {
    /// Every node serving exactly `segments`, most specific (literals first) first, with the raw
    /// segments its parameters took, in template order.
    fn find<'n, 'a>(
        &'n self,
        segments: &[&'a str],
        params: &mut Vec<&'a str>,
        found: &mut Vec<(&'n Node, Vec<&'a str>)>,
    ) {
        let Some((first, rest)) = segments.split_first() else {
            if !self.routes.is_empty() {
                found.push((self, params.clone()));
            }
            return;
        };
        if let Some(child) = self.literals.get(*first) {
            child.find(rest, params, found);
        }
        if let Some(child) = self.param.as_deref() {
            params.push(first);
            child.find(rest, params, found);
            params.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;
    use crate::server::schema::FieldSchema;

    const fn route(operation: &'static str, method: Method, segments: &'static [Segment]) -> Route {
        Route {
            operation,
            method,
            path: "",
            segments,
            path_params: &[],
            query: &[],
            body: None,
            response: None,
            page_limit: None,
            upload: None,
        }
    }

    static OPENID: &[FieldSchema] = &[FieldSchema::required(
        "openid",
        super::super::ValueSchema::String,
    )];
    static COUPONS: &[Segment] = &[
        Segment::Literal("users"),
        Segment::Param("openid"),
        Segment::Literal("coupons"),
    ];
    static ONE: &[Segment] = &[
        Segment::Literal("users"),
        Segment::Param("openid"),
        Segment::Literal("coupons"),
        Segment::Param("coupon_id"),
    ];
    static SPECIAL: &[Segment] = &[
        Segment::Literal("users"),
        Segment::Literal("me"),
        Segment::Literal("coupons"),
    ];
    static SCHEMA: Schema = Schema {
        types: &[],
        routes: &[
            Route {
                path_params: OPENID,
                ..route("send", Method::Post, COUPONS)
            },
            route("list", Method::Get, COUPONS),
            route("one", Method::Get, ONE),
            route("mine", Method::Get, SPECIAL),
        ],
    };

    fn resolve(method: &str, target: &str) -> Result<(&'static str, Vec<String>), String> {
        match Router::new(&SCHEMA).resolve(method, target, b"") {
            Resolution::Operation(request) => Ok((
                request.operation(),
                request.raw_params().iter().map(|p| p.to_string()).collect(),
            )),
            Resolution::MethodNotAllowed { allow, .. } => Err(allow),
            Resolution::NotFound => Err("404".into()),
        }
    }

    #[test]
    fn templates_match_the_raw_path() {
        assert_eq!(
            resolve("POST", "/users/o%27x/coupons"),
            Ok(("send", vec!["o%27x".to_owned()]))
        );
        assert_eq!(
            resolve("GET", "/users/o/coupons?a=1"),
            Ok(("list", vec!["o".to_owned()]))
        );
        assert_eq!(
            resolve("GET", "/users//coupons"),
            Ok(("list", vec![String::new()]))
        );
        assert_eq!(
            resolve("GET", "/users/o/coupons/7"),
            Ok(("one", vec!["o".to_owned(), "7".to_owned()]))
        );
        assert_eq!(
            resolve("DELETE", "/users/o/coupons"),
            Err("GET, POST".into())
        );
        assert_eq!(resolve("GET", "/users/a/b/coupons"), Err("404".into()));
        assert_eq!(
            resolve("GET", "/users/o%2Fx/coupons"),
            Ok(("list", vec!["o%2Fx".to_owned()]))
        );
        assert_eq!(resolve("GET", "/"), Err("404".into()));
        assert_eq!(resolve("GET", "users/o/coupons"), Err("404".into()));
    }

    #[test]
    fn literals_win_over_parameters() {
        assert_eq!(resolve("GET", "/users/me/coupons"), Ok(("mine", vec![])));
        // `me` as a parameter still reaches the methods only the template serves.
        assert_eq!(
            resolve("POST", "/users/me/coupons"),
            Ok(("send", vec!["me".to_owned()]))
        );
        assert_eq!(resolve("DELETE", "/users/me/coupons"), Err("GET".into()));
    }
}
