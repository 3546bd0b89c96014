//! The shape of the client chain, shared by validation (to report clashing method names) and the
//! IR (to build it): which URL prefixes become chain nodes and what each chain method is called.
//!
//! A literal segment followed by a parameter becomes one method taking the parameter
//! (`users/{openid}` -> `.users(openid)`) when the literal's own node has nothing else; otherwise
//! the literal is a method of its own and the parameter a method named after it
//! (`coupons/{coupon_id}` next to `coupons` operations -> `.coupons().coupon_id(id)`).

use crate::naming::{self, Name};

/// A trie node over path segments.
#[derive(Debug, Default)]
pub struct Trie {
    /// Literal children, in first-seen order.
    pub literals: Vec<(String, Trie)>,
    /// The parameter child.
    pub param: Option<(String, Box<Trie>)>,
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
                    let slot = node
                        .param
                        .get_or_insert_with(|| (param.to_string(), Box::default()));
                    &mut slot.1
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

    /// Whether a literal's node is only a way to its parameter (so the two merge into one method).
    pub fn merges_into_param(&self) -> bool {
        self.operations.is_empty() && self.literals.is_empty() && self.param.is_some()
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
        match &child.param {
            Some((param, grandchild)) if child.merges_into_param() => {
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
    if let Some((param, child)) = &node.param
        && !prefix.is_empty()
        && !node.merges_into_param()
    {
        let path = format!("{prefix}/{{{param}}}");
        out.push(ChainMethod {
            name: naming::value_name(param),
            on: on.clone(),
            stands_for: format!("{{{param}}}"),
        });
        walk(child, &path, out);
    }
}
