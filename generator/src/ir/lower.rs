//! Lowers a validated spec into the IR. Validation has already reported every problem; where the
//! model is still inconsistent, lowering degrades (skips, falls back) and never panics. Types and
//! generated names come from the one [`Symbols`] table validation used; every name is a
//! [`Name`] from [`crate::naming`]. This file drives the lowering of whole files; fields (and the
//! charset constants their checks name) are lowered in `fields`, operations in `operation`.

use std::collections::{BTreeSet, HashMap};

use super::*;
use crate::load::model::{SpecFile, TypeKindDecl};
use crate::naming;
use crate::symbols::Symbols;

mod fields;
mod operation;

use fields::{Charsets, FieldLowering};
use operation::lower_operation;

fn named_types(ty: &Ty, out: &mut BTreeSet<Name>) {
    match ty {
        Ty::Object(n) | Ty::Enum(n) => {
            out.insert(n.clone());
        }
        Ty::List(inner) => named_types(inner, out),
        _ => {}
    }
}

/// Lowers validated spec files into the IR.
pub fn lower(files: &[SpecFile]) -> Api {
    let symbols = Symbols::new(files);
    let mut modules = Vec::new();
    let mut error_codes = Vec::new();
    let mut notifications = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let mut lowering = FieldLowering {
            symbols: &symbols,
            charsets: Charsets::default(),
        };
        let types: Vec<TypeDef> = file
            .types
            .iter()
            .filter_map(|decl| {
                let symbol = symbols.get(&decl.name.value)?;
                Some(TypeDef {
                    name: symbol.name.clone(),
                    doc: decl.doc.clone(),
                    kind: match &decl.kind {
                        TypeKindDecl::Object(fields) => TypeKind::Object(lowering.fields(fields)),
                        TypeKindDecl::Enum(values) => TypeKind::Enum(
                            values
                                .iter()
                                .map(|v| VariantDef {
                                    name: naming::variant_name(&v.value.value),
                                    wire: v.value.value.clone(),
                                    doc: v.doc.clone(),
                                })
                                .collect(),
                        ),
                    },
                    in_request: false,
                })
            })
            .collect();
        let operations: Vec<OperationDef> = match &file.resource {
            Some(resource) => {
                let params = lowering.fields(&resource.params);
                symbols
                    .operations()
                    .iter()
                    .filter(|op| std::ptr::eq(op.resource, resource))
                    .filter_map(|op| lower_operation(op, &params, &mut lowering))
                    .collect()
            }
            None => Vec::new(),
        };
        let mut used = BTreeSet::new();
        for ty in &types {
            if let TypeKind::Object(fields) = &ty.kind {
                fields.iter().for_each(|f| named_types(&f.ty, &mut used));
            }
        }
        for op in &operations {
            op.path_params
                .iter()
                .for_each(|f| named_types(&f.ty, &mut used));
            if let Some(q) = &op.query {
                q.fields.iter().for_each(|f| named_types(&f.ty, &mut used));
            }
            used.extend(op.body.iter().cloned());
            if let Response::Json(response) = &op.response {
                used.insert(response.clone());
            }
            if let Some(p) = &op.pagination {
                named_types(&p.item_type, &mut used);
            }
        }
        let local: BTreeSet<&Name> = types.iter().map(|t| &t.name).collect();
        let imports = used
            .into_iter()
            .filter(|name| !local.contains(name))
            .collect();
        let mut exports: Vec<Name> = types.iter().map(|t| t.name.clone()).collect();
        for op in &operations {
            exports.push(op.struct_name.clone());
            exports.extend(op.query.as_ref().map(|q| q.name.clone()));
        }
        for n in &file.notifications {
            notifications.push(NotificationDef {
                event_type: n.event_type.value.clone(),
                variant: naming::variant_name(&n.event_type.value),
                accessor: naming::value_name(&naming::variant_name(&n.event_type.value)),
                resource: naming::type_name(&n.resource.value),
                original_type: n.original_type.clone(),
                summary: n.summary.clone(),
                description: n.description.clone(),
                docs: n.docs.iter().map(|d| d.value.clone()).collect(),
            });
        }
        for code in &file.error_codes {
            error_codes.push(ErrorCodeDef {
                code: code.code.value.clone(),
                variant: naming::variant_name(&code.code.value),
                status: code
                    .status
                    .as_ref()
                    .and_then(|s| u16::try_from(s.value).ok()),
                doc: code.doc.clone(),
            });
        }
        modules.push(Module {
            name: symbols
                .module(index)
                .cloned()
                .unwrap_or_else(|| naming::module_name(&file.rel_path)),
            spec_file: file.display.clone(),
            types,
            operations,
            imports,
            exports,
            charsets: lowering.charsets.defs,
        });
    }
    mark_request_types(&mut modules);
    let tree = tree::build(&modules);
    Api {
        modules,
        error_codes,
        notifications,
        tree,
    }
}

/// Marks every type reachable from a request body, query or path parameter.
fn mark_request_types(modules: &mut [Module]) {
    // The named types each object refers to, by name.
    let mut refers: HashMap<&Name, BTreeSet<Name>> = HashMap::new();
    for ty in modules.iter().flat_map(|m| &m.types) {
        if let TypeKind::Object(fields) = &ty.kind {
            let entry = refers.entry(&ty.name).or_default();
            fields.iter().for_each(|f| named_types(&f.ty, entry));
        }
    }
    let mut pending: Vec<Name> = Vec::new();
    for op in modules.iter().flat_map(|m| &m.operations) {
        let mut roots = BTreeSet::new();
        op.path_params
            .iter()
            .for_each(|f| named_types(&f.ty, &mut roots));
        if let Some(q) = &op.query {
            q.fields.iter().for_each(|f| named_types(&f.ty, &mut roots));
        }
        roots.extend(op.body.iter().cloned());
        pending.extend(roots);
    }
    let mut marked = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if let Some(next) = refers.get(&name) {
            pending.extend(next.iter().filter(|n| !marked.contains(*n)).cloned());
        }
        marked.insert(name);
    }
    for ty in modules.iter_mut().flat_map(|m| &mut m.types) {
        ty.in_request = marked.contains(&ty.name);
    }
}
