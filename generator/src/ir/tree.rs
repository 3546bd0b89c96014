//! Builds the client chain from the operations' paths (shape rules in `crate::chain`). A node
//! holds the typed path parameters collected on the way to it.

use std::collections::HashMap;

use super::*;
use crate::chain::Trie;
use crate::naming;

pub(super) fn build(modules: &[Module]) -> Node {
    let operations: Vec<&OperationDef> = modules.iter().flat_map(|m| &m.operations).collect();
    let mut trie = Trie::default();
    // Each parameter by the URL prefix it ends (validation made every declaration agree).
    let mut params: HashMap<String, NodeParam> = HashMap::new();
    for (index, op) in operations.iter().enumerate() {
        trie.insert(&op.path, op.method.lower(), index);
        let mut prefix = String::new();
        for seg in &op.segments {
            prefix.push('/');
            match seg {
                PathSeg::Literal(text) => prefix.push_str(text),
                PathSeg::Param(at) => {
                    let Some(field) = op.path_params.get(*at) else {
                        continue;
                    };
                    prefix.push_str(&format!("{{{}}}", field.wire));
                    params.entry(prefix.clone()).or_insert_with(|| NodeParam {
                        name: field.name.clone(),
                        wire: field.wire.clone(),
                        ty: field.ty.clone(),
                    });
                }
            }
        }
    }
    let chain = Chain {
        operations: &operations,
        params: &params,
    };
    chain.node(&trie, String::new(), Vec::new())
}

struct Chain<'a> {
    operations: &'a [&'a OperationDef],
    params: &'a HashMap<String, NodeParam>,
}

impl Chain<'_> {
    /// The parameter ending at `path`; a string when the operations do not say (they always do
    /// after validation).
    fn param(&self, path: &str, wire: &str) -> NodeParam {
        self.params.get(path).cloned().unwrap_or_else(|| NodeParam {
            name: naming::value_name(wire),
            wire: wire.to_string(),
            ty: Ty::String,
        })
    }

    fn node(&self, trie: &Trie, path: String, params: Vec<NodeParam>) -> Node {
        let mut out = Node {
            name: (!path.is_empty()).then(|| naming::chain_node(&path)),
            path: path.clone(),
            params: params.clone(),
            children: Vec::new(),
            operations: Vec::new(),
        };
        for (_, index) in &trie.operations {
            let Some(op) = self.operations.get(*index) else {
                continue;
            };
            let input = match (&op.body, &op.query) {
                (_, query) if op.upload.is_some() => {
                    NodeInput::Upload(query.as_ref().map(|q| q.name.clone()))
                }
                (Some(body), Some(query)) => {
                    NodeInput::BodyAndQuery(body.clone(), query.name.clone())
                }
                (Some(body), None) => NodeInput::Body(body.clone()),
                (None, Some(query)) => NodeInput::Query(query.name.clone()),
                (None, None) => NodeInput::None,
            };
            out.operations.push(NodeOperation {
                method: op.method,
                method_name: naming::method_name(op.method.lower()),
                struct_name: op.struct_name.clone(),
                input,
                summary: op.summary.clone(),
            });
        }
        for (literal, child) in &trie.literals {
            let link = match child.merged_param() {
                Some((wire, grandchild)) => {
                    let child_path = format!("{path}/{literal}/{{{wire}}}");
                    let param = self.param(&child_path, wire);
                    let mut child_params = params.clone();
                    child_params.push(param.clone());
                    Link {
                        method: naming::value_name(literal),
                        param: Some(param),
                        target: self.node(grandchild, child_path, child_params),
                    }
                }
                _ => {
                    let child_path = format!("{path}/{literal}");
                    Link {
                        method: naming::value_name(literal),
                        param: None,
                        target: self.node(child, child_path, params.clone()),
                    }
                }
            };
            out.children.push(link);
        }
        if !path.is_empty() {
            for (wire, child) in &trie.params {
                let child_path = format!("{path}/{{{wire}}}");
                let param = self.param(&child_path, wire);
                let mut child_params = params.clone();
                child_params.push(param.clone());
                out.children.push(Link {
                    method: naming::value_name(wire),
                    param: Some(param),
                    target: self.node(child, child_path, child_params),
                });
            }
        }
        out
    }
}
