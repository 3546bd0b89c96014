//! Builds the client chain from the operations' paths (shape rules in `crate::chain`).

use super::*;
use crate::chain::Trie;
use crate::naming;

pub(super) fn build(modules: &[Module]) -> Node {
    let operations: Vec<&OperationDef> = modules.iter().flat_map(|m| &m.operations).collect();
    let mut trie = Trie::default();
    for (index, op) in operations.iter().enumerate() {
        trie.insert(&op.path, op.method.lower(), index);
    }
    node(&trie, String::new(), String::new(), Vec::new(), &operations)
}

fn node_name(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!("By{}", naming::type_name(param)),
                None => naming::type_name(seg),
            },
        )
        .collect()
}

fn param_pair(param: &str) -> (String, String) {
    (naming::value_name(param), param.to_string())
}

fn node(
    trie: &Trie,
    name: String,
    path: String,
    params: Vec<(String, String)>,
    ops: &[&OperationDef],
) -> Node {
    let mut out = Node {
        name,
        path: path.clone(),
        params: params.clone(),
        children: Vec::new(),
        operations: Vec::new(),
    };
    for (_, index) in &trie.operations {
        let Some(op) = ops.get(*index) else { continue };
        let input = match (&op.body, &op.query) {
            (Some(body), Some(query)) => NodeInput::BodyAndQuery(body.clone(), query.name.clone()),
            (Some(body), None) => NodeInput::Body(body.clone()),
            (None, Some(query)) => NodeInput::Query(query.name.clone()),
            (None, None) => NodeInput::None,
        };
        out.operations.push(NodeOperation {
            method: op.method,
            struct_name: op.struct_name.clone(),
            input,
            summary: op.summary.clone(),
        });
    }
    for (literal, child) in &trie.literals {
        let link = match &child.param {
            Some((param, grandchild)) if child.merges_into_param() => {
                let child_path = format!("{path}/{literal}/{{{param}}}");
                let mut child_params = params.clone();
                child_params.push(param_pair(param));
                Link {
                    method: naming::value_name(literal),
                    param: Some(param_pair(param)),
                    target: node(
                        grandchild,
                        node_name(&child_path),
                        child_path,
                        child_params,
                        ops,
                    ),
                }
            }
            _ => {
                let child_path = format!("{path}/{literal}");
                Link {
                    method: naming::value_name(literal),
                    param: None,
                    target: node(
                        child,
                        node_name(&child_path),
                        child_path,
                        params.clone(),
                        ops,
                    ),
                }
            }
        };
        out.children.push(link);
    }
    if let Some((param, child)) = &trie.param
        && !path.is_empty()
    {
        let child_path = format!("{path}/{{{param}}}");
        let mut child_params = params.clone();
        child_params.push(param_pair(param));
        out.children.push(Link {
            method: naming::value_name(param),
            param: Some(param_pair(param)),
            target: node(child, node_name(&child_path), child_path, child_params, ops),
        });
    }
    out
}
