//! Rules for resources and operations: paths and their parameters, file layout, operation ids,
//! bodies and responses, idempotency keys, pagination, error codes and the client chain.

use std::collections::{HashMap, HashSet};

use super::fields::check_fields;
use super::{check_doc_links, check_object_ref};
use crate::chain::{self, Trie};
use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::load::model::{OperationDecl, Resource, SpecFile};
use crate::naming::{self, Owner};
use crate::symbols::Symbols;

pub(super) fn check(files: &[SpecFile], symbols: &Symbols<'_>, diags: &mut Vec<Diagnostic>) {
    let mut paths: HashMap<&str, &Pos> = HashMap::new();
    // Paths by their shape (parameter names left out): two paths of one shape match the same
    // URLs, so neither WeChat Pay nor a router could tell which one a request is for.
    let mut shapes: HashMap<String, (&str, &Pos)> = HashMap::new();
    // The type of each path parameter by the URL prefix it ends: one chain node holds it for
    // every path below, so every resource file under it must declare the same type.
    let mut param_types: HashMap<String, (&str, &Pos)> = HashMap::new();
    let mut trie = Trie::default();
    let mut origins: Vec<&Pos> = Vec::new();
    for file in files {
        let Some(resource) = &file.resource else {
            continue;
        };
        if let Some(previous) = paths.insert(&resource.path.value, &resource.path.pos) {
            diags.push(Diagnostic::new(resource.path.pos.clone(), format!("path `{}` is already declared at {previous}; put all its operations in one file", resource.path.value)));
            continue;
        }
        if let Some((other, previous)) = shapes.insert(
            url_shape(&resource.path.value),
            (&resource.path.value, &resource.path.pos),
        ) {
            diags.push(Diagnostic::new(resource.path.pos.clone(), format!("path `{}` matches the same URLs as `{other}` (declared at {previous}): only the parameter names differ, so a request could be for either; use one parameter name", resource.path.value)));
            continue;
        }
        let path_ok = check_path(file, resource, symbols, diags);
        if path_ok {
            check_param_types(resource, &mut param_types, diags);
        }
        for op in &resource.operations {
            check_operation(op, symbols, diags);
            if path_ok {
                trie.insert(&resource.path.value, &op.method.value, origins.len());
                origins.push(&op.pos);
            }
        }
    }
    let mut seen: HashMap<(String, naming::Name), String> = HashMap::new();
    for method in chain::methods(&trie) {
        if let Some(other) = seen.insert(
            (method.on.clone(), method.name.clone()),
            method.stands_for.clone(),
        ) {
            let pos = origins
                .first()
                .map(|p| (*p).clone())
                .unwrap_or_else(|| Pos {
                    file: "spec".into(),
                    line: 1,
                    col: 1,
                });
            let pos = find_path_pos(files, &method.on).unwrap_or(pos);
            diags.push(Diagnostic::new(pos, format!("the client chain at `{}` would have two methods named `{}` (for `{other}` and `{}`); rename a path segment or parameter", method.on, method.name, method.stands_for)));
        }
    }
}

/// A path template with every parameter name left out: `/a/{x}/b` -> `/a/{}/b`.
fn url_shape(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A path parameter has one type for every resource below its chain node.
fn check_param_types<'a>(
    resource: &'a Resource,
    seen: &mut HashMap<String, (&'a str, &'a Pos)>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut prefix = String::new();
    for seg in resource.path.value.split('/').filter(|s| !s.is_empty()) {
        prefix.push('/');
        prefix.push_str(seg);
        let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let Some(param) = resource.params.iter().find(|p| p.name.value == name) else {
            continue;
        };
        let ty = param.ty.value.as_str();
        match seen.get(&prefix) {
            Some((other, pos)) if *other != ty => diags.push(Diagnostic::new(
                param.ty.pos.clone(),
                format!("path parameter `{name}` of `{prefix}` is `{ty}` here but `{other}` at {pos}; the client chain holds one value for every path below it, so declare one type"),
            )),
            Some(_) => {}
            None => {
                seen.insert(prefix.clone(), (ty, &param.ty.pos));
            }
        }
    }
}

fn find_path_pos(files: &[SpecFile], prefix: &str) -> Option<Pos> {
    files
        .iter()
        .filter_map(|f| f.resource.as_ref())
        .find(|r| r.path.value.starts_with(prefix))
        .map(|r| r.path.pos.clone())
}

/// Checks the path template against its parameters and the file's place in the layout.
fn check_path(
    file: &SpecFile,
    resource: &Resource,
    symbols: &Symbols<'_>,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let path = &resource.path;
    let mut ok = true;
    if !path.value.starts_with('/') || path.value.ends_with('/') || path.value.contains("//") {
        diags.push(Diagnostic::new(
            path.pos.clone(),
            format!(
                "`path` must start with `/` and have no empty segments: {:?}",
                path.value
            ),
        ));
        ok = false;
    }
    let mut template_params = Vec::new();
    let mut previous_param = true; // the first segment must be a literal
    for seg in path.value.split('/').filter(|s| !s.is_empty()) {
        let is_param = seg.starts_with('{') || seg.ends_with('}');
        if is_param {
            let Some(name) = seg
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .filter(|n| naming::is_clean(n))
            else {
                diags.push(Diagnostic::new(
                    path.pos.clone(),
                    format!("path segment `{seg}` must be a literal or a whole `{{parameter}}`"),
                ));
                ok = false;
                continue;
            };
            if previous_param {
                diags.push(Diagnostic::new(path.pos.clone(), format!("parameter `{{{name}}}` must follow a literal segment, which names its chain method")));
                ok = false;
            }
            if template_params.contains(&name) {
                diags.push(Diagnostic::new(
                    path.pos.clone(),
                    format!("parameter `{{{name}}}` appears twice in the path"),
                ));
            }
            template_params.push(name);
        } else if !naming::is_clean(seg) {
            diags.push(Diagnostic::new(path.pos.clone(), format!("path segment `{seg}` must use ASCII letters, digits, `_` and `-` and start with a letter")));
            ok = false;
        }
        previous_param = is_param;
    }
    for name in &template_params {
        if !resource.params.iter().any(|p| p.name.value == *name) {
            let declared = resource.params.iter().map(|p| p.name.value.as_str());
            let hint = did_you_mean(name, declared)
                .map(|s| format!(" (did you mean to name the parameter `{s}`?)"))
                .unwrap_or_default();
            diags.push(Diagnostic::new(resource.params_pos.clone(), format!("path parameter `{name}` is in the template `{}` but not declared in `path_params`{hint}", path.value)));
        }
    }
    // A malformed template is reported already; its parameters cannot be compared.
    for param in resource.params.iter().filter(|_| ok) {
        if !template_params.contains(&param.name.value.as_str()) {
            diags.push(Diagnostic::new(
                param.name.pos.clone(),
                format!(
                    "path parameter `{}` is declared but the template `{}` has no `{{{}}}`",
                    param.name.value, path.value, param.name.value
                ),
            ));
        }
    }
    check_fields(&resource.params, symbols, Owner::Path, diags);

    let expected: String = path
        .value
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => naming::param_dir(param),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    let actual = file
        .rel_path
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml");
    if ok && actual != expected {
        diags.push(Diagnostic::new(
            path.pos.clone(),
            format!(
                "the file for `{}` must be `spec/{expected}.yaml` (the layout mirrors the URL)",
                path.value
            ),
        ));
    }
    ok
}

fn check_operation(op: &OperationDecl, symbols: &Symbols<'_>, diags: &mut Vec<Diagnostic>) {
    check_fields(&op.query, symbols, Owner::Query, diags);
    for (what, reference) in [("body", &op.body), ("response", &op.response)] {
        if let Some(reference) = reference {
            check_object_ref(what, &reference.value, &reference.pos, symbols, diags);
        }
    }
    if op.method.value == "get" && op.body.is_some() {
        diags.push(Diagnostic::new(
            op.body.as_ref().map_or(op.pos.clone(), |b| b.pos.clone()),
            "a `get` operation cannot have a `body`",
        ));
    }
    super::upload::check(op, diags);
    check_doc_links(&op.docs, diags);
    let mut seen = HashSet::new();
    for code in &op.errors {
        if !symbols.has_error_code(&code.value) {
            let hint = did_you_mean(&code.value, symbols.error_codes())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            diags.push(Diagnostic::new(
                code.pos.clone(),
                format!(
                    "error code `{}` is not declared in any `error_codes`{hint}",
                    code.value
                ),
            ));
        }
        if !seen.insert(&code.value) {
            diags.push(Diagnostic::new(
                code.pos.clone(),
                format!("error code `{}` is listed twice", code.value),
            ));
        }
    }
    if let Some(idempotent) = &op.idempotent {
        if op.method.value == "get" {
            diags.push(Diagnostic::new(
                idempotent.pos.clone(),
                "`idempotent` does not apply to `get`: a `get` is always safe to retry",
            ));
        } else if let Some(key) = &op.idempotency_key {
            diags.push(Diagnostic::new(
                idempotent.pos.clone(),
                format!("`idempotent` does not apply next to `idempotency_key` `{}`: the key already makes re-sending safe", key.value),
            ));
        }
    }
    if let Some(key) = &op.idempotency_key {
        let body_field = op
            .body
            .as_ref()
            .and_then(|b| symbols.object_fields(&b.value))
            .and_then(|fields| fields.iter().find(|f| f.name.value == key.value));
        let body_known = op
            .body
            .as_ref()
            .is_some_and(|b| symbols.get(&b.value).is_some());
        match body_field {
            // An unknown body type is reported already; saying the key is missing would repeat it.
            None if op.body.is_some() && !body_known => {}
            _ if op.body.is_none() => diags.push(Diagnostic::new(key.pos.clone(), format!("`idempotency_key` `{}` needs a `body` to live in", key.value))),
            None => {
                let names = op.body.as_ref().and_then(|b| symbols.object_fields(&b.value)).unwrap_or_default();
                let hint = did_you_mean(&key.value, names.iter().map(|f| f.name.value.as_str())).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                diags.push(Diagnostic::new(key.pos.clone(), format!("`idempotency_key` `{}` is not a field of the body{hint}", key.value)));
            }
            Some(field) if !field.required || field.ty.value != "string" => diags.push(Diagnostic::new(
                key.pos.clone(),
                format!("`idempotency_key` `{}` must be a required `string` field of the body; it is {}`{}`", key.value, if field.required { "" } else { "an optional " }, field.ty.value),
            )),
            Some(_) => {}
        }
    }
    if let Some(pagination) = &op.pagination {
        if !matches!(
            pagination.style.value.as_str(),
            "page_index" | "item_offset"
        ) {
            diags.push(Diagnostic::new(
                pagination.style.pos.clone(),
                format!(
                    "`pagination.style` must be `page_index` or `item_offset`, found {:?}",
                    pagination.style.value
                ),
            ));
        }
        for (what, name) in [("offset", &pagination.offset), ("limit", &pagination.limit)] {
            match op.query.iter().find(|f| f.name.value == name.value) {
                None => {
                    let hint =
                        did_you_mean(&name.value, op.query.iter().map(|f| f.name.value.as_str()))
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                    diags.push(Diagnostic::new(
                        name.pos.clone(),
                        format!(
                            "`pagination.{what}` names `{}`, which is not a query parameter{hint}",
                            name.value
                        ),
                    ));
                }
                Some(f) if !matches!(f.ty.value.as_str(), "i32" | "i64" | "u32" | "u64") => diags
                    .push(Diagnostic::new(
                        name.pos.clone(),
                        format!(
                            "`pagination.{what}` `{}` must be an integer query parameter, not `{}`",
                            name.value, f.ty.value
                        ),
                    )),
                Some(_) => {}
            }
        }
        let response = op
            .response
            .as_ref()
            .and_then(|r| symbols.object_fields(&r.value));
        match response {
            // A `response` that is not an object type is reported already.
            None if op.response.is_some() => {}
            None => diags.push(Diagnostic::new(
                pagination.items.pos.clone(),
                "`pagination` needs a `response` object type holding the items; without `response` the operation answers with no body",
            )),
            Some(fields) => {
                match fields
                    .iter()
                    .find(|f| f.name.value == pagination.items.value)
                {
                    None => diags.push(Diagnostic::new(
                        pagination.items.pos.clone(),
                        format!(
                            "`pagination.items` names `{}`, which is not a field of the response",
                            pagination.items.value
                        ),
                    )),
                    Some(f) if f.ty.value != "list" => diags.push(Diagnostic::new(
                        pagination.items.pos.clone(),
                        format!(
                            "`pagination.items` `{}` must be a `list` field, not `{}`",
                            pagination.items.value, f.ty.value
                        ),
                    )),
                    Some(_) => {}
                }
                if let Some(total) = &pagination.total {
                    match fields.iter().find(|f| f.name.value == total.value) {
                        None => diags.push(Diagnostic::new(total.pos.clone(), format!("`pagination.total` names `{}`, which is not a field of the response", total.value))),
                        Some(f) if !matches!(f.ty.value.as_str(), "i32" | "i64" | "u32" | "u64") => diags.push(Diagnostic::new(total.pos.clone(), format!("`pagination.total` `{}` must be an integer field, not `{}`", total.value, f.ty.value))),
                        Some(_) => {}
                    }
                }
            }
        }
    }
}
