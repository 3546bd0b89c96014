//! Lowers a validated spec into the IR. Validation has already reported every problem; where the
//! model is still inconsistent, lowering degrades (skips, falls back) and never panics.

use std::collections::{BTreeSet, HashMap};

use super::*;
use crate::load::model::{FieldDecl, OperationDecl, Scalar, SpecFile, TypeKindDecl};
use crate::naming;

/// What a named type is, by spec name.
pub(crate) struct Symbols<'a> {
    kinds: HashMap<&'a str, bool /* is enum */>,
}

impl<'a> Symbols<'a> {
    pub(crate) fn new(files: &'a [SpecFile]) -> Self {
        let mut kinds = HashMap::new();
        for decl in files.iter().flat_map(|f| &f.types) {
            let is_enum = matches!(decl.kind, TypeKindDecl::Enum(_));
            kinds.entry(decl.name.value.as_str()).or_insert(is_enum);
        }
        Symbols { kinds }
    }

    /// Resolves a type name (builtin or named) to a type; `None` if unknown.
    pub(crate) fn resolve(&self, name: &str, items: Option<&str>) -> Option<Ty> {
        Some(match name {
            "string" => Ty::String,
            "bool" => Ty::Bool,
            "i32" => Ty::Int(IntKind::I32),
            "i64" => Ty::Int(IntKind::I64),
            "u32" => Ty::Int(IntKind::U32),
            "u64" => Ty::Int(IntKind::U64),
            "money" => Ty::Money,
            "time" => Ty::Time,
            "date" => Ty::Date,
            "list" => Ty::List(Box::new(self.resolve(items?, None)?)),
            named => match self.kinds.get(named)? {
                true => Ty::Enum(naming::type_name(named)),
                false => Ty::Object(naming::type_name(named)),
            },
        })
    }
}

/// A charset as docs and error messages show it: characters that print as nothing (controls,
/// the noncharacters such as U+FFFF that end a range "up to the last") spelled `\u{…}`.
fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control()
                || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
                || (c as u32) & 0xFFFE == 0xFFFE
            {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub(crate) fn lower_field(decl: &FieldDecl, symbols: &Symbols<'_>) -> Option<FieldDef> {
    let ty = symbols.resolve(
        &decl.ty.value,
        decl.items.as_ref().map(|s| s.value.as_str()),
    )?;
    let constraints = Constraints {
        min_length: decl.min_length.as_ref().map(|s| s.value),
        max_length: decl.max_length.as_ref().map(|s| s.value),
        minimum: decl.minimum.as_ref().map(|s| s.value),
        maximum: decl.maximum.as_ref().map(|s| s.value),
        charset: decl.charset.as_ref().and_then(|c| {
            crate::charset::parse(&c.value).map(|ranges| Charset {
                text: shown(&c.value),
                ranges,
            })
        }),
        min_items: decl.min_items.as_ref().map(|s| s.value),
        max_items: decl.max_items.as_ref().map(|s| s.value),
    };
    Some(FieldDef {
        wire: decl.name.value.clone(),
        name: naming::value_name(&decl.name.value),
        ty,
        required: decl.required,
        doc: decl.doc.clone(),
        example: decl.example.clone(),
        default: decl.default.as_ref().map(|d| match &d.value {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Str(s) => s.clone(),
            Scalar::Other(o) => o.clone(),
        }),
        constraints,
        aliases: decl.aliases.iter().map(|a| a.value.clone()).collect(),
        comma_separated: decl.comma_separated.as_ref().is_some_and(|b| b.value),
    })
}

fn named_types(ty: &Ty, out: &mut BTreeSet<String>) {
    match ty {
        Ty::Object(n) | Ty::Enum(n) => {
            out.insert(n.clone());
        }
        Ty::List(inner) => named_types(inner, out),
        _ => {}
    }
}

fn split_path(path: &str) -> Vec<PathSeg> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => PathSeg::Param(param.to_string()),
                None => PathSeg::Literal(s.to_string()),
            },
        )
        .collect()
}

fn method_of(lower: &str) -> Option<HttpMethod> {
    Some(match lower {
        "get" => HttpMethod::Get,
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        _ => return None,
    })
}

fn lower_operation(
    op: &OperationDecl,
    path: &str,
    params: &[FieldDef],
    files: &[SpecFile],
    symbols: &Symbols<'_>,
) -> Option<OperationDef> {
    let struct_name = naming::type_name(&op.id.value);
    let query_fields: Vec<FieldDef> = op
        .query
        .iter()
        .filter_map(|f| lower_field(f, symbols))
        .collect();
    let query = (!query_fields.is_empty()).then(|| QueryDef {
        name: format!("{struct_name}Query"),
        fields: query_fields,
    });
    let segments = split_path(path);
    let path_params = segments
        .iter()
        .filter_map(|s| match s {
            PathSeg::Param(p) => params.iter().find(|f| &f.wire == p).cloned(),
            PathSeg::Literal(_) => None,
        })
        .collect();
    let pagination = op.pagination.as_ref().and_then(|p| {
        let query = query.as_ref()?;
        let find_query = |name: &str| query.fields.iter().find(|f| f.wire == name).cloned();
        let response = op.response.as_ref()?;
        let response_fields: Vec<FieldDef> = files
            .iter()
            .flat_map(|f| &f.types)
            .find(|t| t.name.value == response.value)
            .and_then(|t| match &t.kind {
                TypeKindDecl::Object(fields) => Some(
                    fields
                        .iter()
                        .filter_map(|f| lower_field(f, symbols))
                        .collect(),
                ),
                TypeKindDecl::Enum(_) => None,
            })?;
        let find_response = |name: &str| response_fields.iter().find(|f| f.wire == name).cloned();
        let items = find_response(&p.items.value)?;
        let Ty::List(item_type) = items.ty.clone() else {
            return None;
        };
        Some(PaginationDef {
            style: if p.style.value == "item_offset" {
                PageStyle::ItemOffset
            } else {
                PageStyle::PageIndex
            },
            offset: find_query(&p.offset.value)?,
            limit: find_query(&p.limit.value)?,
            items,
            item_type: *item_type,
            total: p.total.as_ref().and_then(|t| find_response(&t.value)),
            response_limit: find_response(&p.limit.value),
        })
    });
    Some(OperationDef {
        id: op.id.value.clone(),
        struct_name,
        method: method_of(&op.method.value)?,
        path: path.to_string(),
        segments,
        path_params,
        query,
        body: op.body.as_ref().map(|b| naming::type_name(&b.value)),
        response: op.response.as_ref().map(|r| naming::type_name(&r.value)),
        summary: op.summary.clone(),
        description: op.description.clone(),
        docs: op.docs.iter().map(|d| d.value.clone()).collect(),
        rate_limit: op.rate_limit.clone(),
        idempotency_key: op.idempotency_key.as_ref().map(|k| k.value.clone()),
        signed_response: op.signed_response,
        errors: op.errors.iter().map(|e| e.value.clone()).collect(),
        pagination,
    })
}

/// Lowers validated spec files into the IR.
pub fn lower(files: &[SpecFile]) -> Api {
    let module_names: Vec<String> = files
        .iter()
        .map(|f| naming::module_name(&f.rel_path))
        .collect();
    let symbols = Symbols::new(files);
    let mut modules = Vec::new();
    let mut error_codes = Vec::new();
    let mut notifications = Vec::new();
    for (file, module_name) in files.iter().zip(&module_names) {
        let types: Vec<TypeDef> = file
            .types
            .iter()
            .map(|decl| TypeDef {
                name: naming::type_name(&decl.name.value),
                doc: decl.doc.clone(),
                kind: match &decl.kind {
                    TypeKindDecl::Object(fields) => TypeKind::Object(
                        fields
                            .iter()
                            .filter_map(|f| lower_field(f, &symbols))
                            .collect(),
                    ),
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
            .collect();
        let operations: Vec<OperationDef> = match &file.resource {
            Some(resource) => {
                let params: Vec<FieldDef> = resource
                    .params
                    .iter()
                    .filter_map(|f| lower_field(f, &symbols))
                    .collect();
                resource
                    .operations
                    .iter()
                    .filter_map(|op| {
                        lower_operation(op, &resource.path.value, &params, files, &symbols)
                    })
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
            used.extend(op.response.iter().cloned());
            if let Some(p) = &op.pagination {
                named_types(&p.item_type, &mut used);
            }
        }
        let local: BTreeSet<&str> = types.iter().map(|t| t.name.as_str()).collect();
        let imports = used
            .into_iter()
            .filter(|name| !local.contains(name.as_str()))
            .collect();
        for n in &file.notifications {
            notifications.push(NotificationDef {
                event_type: n.event_type.value.clone(),
                variant: naming::variant_name(&n.event_type.value),
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
            name: module_name.clone(),
            spec_file: file.display.clone(),
            types,
            operations,
            imports,
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
    let mut pending: Vec<String> = Vec::new();
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
        if !marked.insert(name.clone()) {
            continue;
        }
        for ty in modules
            .iter()
            .flat_map(|m| &m.types)
            .filter(|t| t.name == name)
        {
            if let TypeKind::Object(fields) = &ty.kind {
                let mut next = BTreeSet::new();
                fields.iter().for_each(|f| named_types(&f.ty, &mut next));
                pending.extend(next);
            }
        }
    }
    for ty in modules.iter_mut().flat_map(|m| &mut m.types) {
        ty.in_request = marked.contains(&ty.name);
    }
}
