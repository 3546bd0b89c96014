//! The shape of the client chain, shared by validation (to report clashing method names) and the
//! IR (to build it): which URL prefixes become chain nodes and what each chain method is called.
//!
//! A literal segment followed by a parameter becomes one method taking the parameter
//! (`users/{openid}` -> `.users(openid)`) when the literal's own node has nothing else; otherwise
//! the literal is a method of its own and the parameter a method named after it
//! (`coupons/{coupon_id}` next to `coupons` operations -> `.coupons().coupon_id(id)`).
//!
//! Parameters of different names at the same position stay apart: each URL is mirrored with its
//! own parameter name (`refunds/{out_refund_no}` and `refunds/{refund_id}/…` ->
//! `.refunds().out_refund_no(no)` and `.refunds().refund_id(id)`).

use crate::naming::{self, Name};

/// A trie node over path segments.
#[derive(Debug, Default)]
pub struct Trie {
    /// Literal children, in first-seen order.
    pub literals: Vec<(String, Trie)>,
    /// Parameter children, one per parameter name, in first-seen order.
    pub params: Vec<(String, Trie)>,
    /// Operations on exactly this path: (lower-case method, operation index).
    pub operations: Vec<(String, usize)>,
}

impl Trie {
    /// Adds an operation at a path (`{x}` segments are parameters).
    pub fn insert(&mut self, path: &str, method: &str, index: usize) {
        let mut node = self;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            node = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => {
                    let at = match node.params.iter().position(|(p, _)| p == param) {
                        Some(at) => at,
                        None => {
                            node.params.push((param.to_string(), Trie::default()));
                            node.params.len() - 1
                        }
                    };
                    &mut node.params[at].1
                }
                None => {
                    let at = match node.literals.iter().position(|(l, _)| l == seg) {
                        Some(at) => at,
                        None => {
                            node.literals.push((seg.to_string(), Trie::default()));
                            node.literals.len() - 1
                        }
                    };
                    &mut node.literals[at].1
                }
            };
        }
        node.operations.push((method.to_string(), index));
    }

    /// The parameter a literal's node is only a way to (so the two merge into one method): its
    /// one child, when it has no operations and no literal children.
    pub fn merged_param(&self) -> Option<&(String, Trie)> {
        match self.params.as_slice() {
            [only] if self.operations.is_empty() && self.literals.is_empty() => Some(only),
            _ => None,
        }
    }
}

/// One chain method of a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainMethod {
    /// The Rust method name.
    pub name: Name,
    /// The URL prefix of the node it is defined on.
    pub on: String,
    /// The path segment(s) it stands for.
    pub stands_for: String,
}

/// Every chain method, by the node it is defined on, depth first.
pub fn methods(root: &Trie) -> Vec<ChainMethod> {
    let mut out = Vec::new();
    walk(root, "", &mut out);
    out
}

fn walk(node: &Trie, prefix: &str, out: &mut Vec<ChainMethod>) {
    let on = if prefix.is_empty() {
        "/".to_string()
    } else {
        prefix.to_string()
    };
    for (method, _) in &node.operations {
        out.push(ChainMethod {
            name: naming::method_name(method),
            on: on.clone(),
            stands_for: method.to_uppercase(),
        });
    }
    for (literal, child) in &node.literals {
        match child.merged_param() {
            Some((param, grandchild)) => {
                let path = format!("{prefix}/{literal}/{{{param}}}");
                out.push(ChainMethod {
                    name: naming::value_name(literal),
                    on: on.clone(),
                    stands_for: format!("{literal}/{{{param}}}"),
                });
                walk(grandchild, &path, out);
            }
            _ => {
                let path = format!("{prefix}/{literal}");
                out.push(ChainMethod {
                    name: naming::value_name(literal),
                    on: on.clone(),
                    stands_for: literal.clone(),
                });
                walk(child, &path, out);
            }
        }
    }
    if prefix.is_empty() {
        return;
    }
    for (param, child) in &node.params {
        let path = format!("{prefix}/{{{param}}}");
        out.push(ChainMethod {
            name: naming::value_name(param),
            on: on.clone(),
            stands_for: format!("{{{param}}}"),
        });
        walk(child, &path, out);
    }
}
