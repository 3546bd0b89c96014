//! Lowers a validated spec into the IR. Validation has already reported every problem; where the
//! model is still inconsistent, lowering degrades (skips, falls back) and never panics. Types and
//! generated names come from the one [`Symbols`] table validation used; every name is a
//! [`Name`] from [`crate::naming`].

use std::collections::{BTreeSet, HashMap};

use super::*;
use crate::load::model::{
    ConstraintsDecl, FieldDecl, OperationDecl, Scalar, SpecFile, TypeKindDecl,
};
use crate::naming;
use crate::symbols::{Builtin, OperationSymbol, Symbols, TypeRef};

/// The charsets of one module, named as they are first met.
#[derive(Default)]
struct Charsets {
    defs: Vec<CharsetDef>,
}

impl Charsets {
    /// The constant for `text`, first used by field `field`.
    fn intern(&mut self, text: &str, field: &str) -> Option<CharsetRef> {
        let ranges = crate::charset::parse(text)?;
        let text = shown(text);
        let name = match self.defs.iter().find(|d| d.text == text) {
            Some(def) => def.name.clone(),
            None => {
                let name = (1..)
                    .map(|n| naming::charset_const(field, n))
                    .find(|name| self.defs.iter().all(|d| &d.name != name))
                    .unwrap_or_else(|| naming::charset_const(field, 1));
                self.defs.push(CharsetDef {
                    name: name.clone(),
                    text: text.clone(),
                    ranges: ranges.clone(),
                });
                name
            }
        };
        Some(CharsetRef { name, text, ranges })
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

/// Lowers fields in one module's context (which owns the charset constants).
struct FieldLowering<'s, 'a> {
    symbols: &'s Symbols<'a>,
    charsets: Charsets,
}

impl FieldLowering<'_, '_> {
    fn ty(&self, name: &str, items: Option<&str>) -> Option<Ty> {
        Some(match self.symbols.resolve(name)? {
            TypeRef::Builtin(builtin) => match builtin {
                Builtin::String => Ty::String,
                Builtin::Bool => Ty::Bool,
                Builtin::I32 => Ty::Int(IntKind::I32),
                Builtin::I64 => Ty::Int(IntKind::I64),
                Builtin::U32 => Ty::Int(IntKind::U32),
                Builtin::U64 => Ty::Int(IntKind::U64),
                Builtin::Money => Ty::Money,
                Builtin::Time => Ty::Time,
                Builtin::Date => Ty::Date,
                Builtin::List => Ty::List(Box::new(self.ty(items?, None)?)),
            },
            TypeRef::Named(symbol) if symbol.is_enum() => Ty::Enum(symbol.name.clone()),
            TypeRef::Named(symbol) => Ty::Object(symbol.name.clone()),
        })
    }

    fn constraints(&mut self, decl: &ConstraintsDecl, field: &str) -> Constraints {
        Constraints {
            min_length: decl.min_length.as_ref().map(|s| s.value),
            max_length: decl.max_length.as_ref().map(|s| s.value),
            minimum: decl.minimum.as_ref().map(|s| s.value),
            maximum: decl.maximum.as_ref().map(|s| s.value),
            charset: decl
                .charset
                .as_ref()
                .and_then(|c| self.charsets.intern(&c.value, field)),
            format: decl.format.as_ref().and_then(|f| match f.value.as_str() {
                "https_url" => Some(Format::HttpsUrl),
                _ => None,
            }),
            min_items: None,
            max_items: None,
        }
    }

    fn field(&mut self, decl: &FieldDecl) -> Option<FieldDef> {
        let ty = self.ty(
            &decl.ty.value,
            decl.items.as_ref().map(|i| i.ty.value.as_str()),
        )?;
        let wire = decl.name.value.as_str();
        let mut constraints = self.constraints(&decl.constraints, wire);
        constraints.min_items = decl.min_items.as_ref().map(|s| s.value);
        constraints.max_items = decl.max_items.as_ref().map(|s| s.value);
        let items = match &decl.items {
            Some(items) => self.constraints(&items.constraints, wire),
            None => Constraints::default(),
        };
        Some(FieldDef {
            wire: wire.to_string(),
            name: naming::value_name(wire),
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
            items,
            always_serialize: decl.always_serialize.as_ref().is_some_and(|a| a.value),
            aliases: decl.aliases.iter().map(|a| a.value.clone()).collect(),
            comma_separated: decl.comma_separated.as_ref().is_some_and(|b| b.value),
        })
    }

    fn fields(&mut self, decls: &[FieldDecl]) -> Vec<FieldDef> {
        decls.iter().filter_map(|f| self.field(f)).collect()
    }

    /// A field as the catalogue lists it: its kind of value (with an enum's listed values).
    fn catalog_param(&mut self, decl: &FieldDecl, location: ParamLocation) -> Option<CatalogParam> {
        let field = self.field(decl)?;
        let kind = match &field.ty {
            Ty::String => ParamKind::String,
            Ty::Bool => ParamKind::Bool,
            Ty::Int(_) => ParamKind::Integer,
            Ty::Money => ParamKind::Money,
            Ty::Time => ParamKind::Time,
            Ty::Date => ParamKind::Date,
            Ty::Enum(_) => ParamKind::Enum(
                self.symbols
                    .get(&decl.ty.value)
                    .map(|symbol| symbol.values().into_iter().map(str::to_string).collect())
                    .unwrap_or_default(),
            ),
            Ty::List(_) | Ty::Object(_) => ParamKind::Json,
        };
        Some(CatalogParam {
            wire: field.wire,
            location,
            kind,
            required: field.required,
            doc: field
                .doc
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_string(),
        })
    }
}

fn named_types(ty: &Ty, out: &mut BTreeSet<Name>) {
    match ty {
        Ty::Object(n) | Ty::Enum(n) => {
            out.insert(n.clone());
        }
        Ty::List(inner) => named_types(inner, out),
        _ => {}
    }
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
    op: &OperationSymbol<'_>,
    params: &[FieldDef],
    lowering: &mut FieldLowering<'_, '_>,
) -> Option<OperationDef> {
    let decl: &OperationDecl = op.decl;
    let path = op.resource.path.value.as_str();
    let method = method_of(&decl.method.value)?;
    let query = op.query.as_ref().map(|name| QueryDef {
        name: name.clone(),
        fields: lowering.fields(&decl.query),
    });
    let mut path_params: Vec<FieldDef> = Vec::new();
    let segments: Vec<PathSeg> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .filter_map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => {
                    let field = params.iter().find(|f| f.wire == param)?;
                    path_params.push(field.clone());
                    Some(PathSeg::Param(path_params.len() - 1))
                }
                None => Some(PathSeg::Literal(s.to_string())),
            },
        )
        .collect();
    let body = decl
        .body
        .as_ref()
        .and_then(|b| lowering.symbols.get(&b.value));
    // The response type, resolved once: its name, and its fields for pagination.
    let response = decl
        .response
        .as_ref()
        .and_then(|r| lowering.symbols.get(&r.value));
    let pagination = match (&decl.pagination, response, &query) {
        (Some(p), Some(response), Some(query)) => {
            let response_fields = lowering.fields(response.fields().unwrap_or_default());
            let find =
                |fields: &[FieldDef], name: &str| fields.iter().find(|f| f.wire == name).cloned();
            let items = find(&response_fields, &p.items.value);
            match items {
                Some(items) => match items.ty.clone() {
                    Ty::List(item_type) => Some(PaginationDef {
                        style: if p.style.value == "item_offset" {
                            PageStyle::ItemOffset
                        } else {
                            PageStyle::PageIndex
                        },
                        offset: find(&query.fields, &p.offset.value)?,
                        limit: find(&query.fields, &p.limit.value)?,
                        response: response.name.clone(),
                        items,
                        item_type: *item_type,
                        total: p
                            .total
                            .as_ref()
                            .and_then(|t| find(&response_fields, &t.value)),
                        response_limit: find(&response_fields, &p.limit.value),
                    }),
                    _ => None,
                },
                None => None,
            }
        }
        _ => None,
    };
    let idempotency = if method == HttpMethod::Get {
        Idempotency::Get
    } else if let Some(key) = &decl.idempotency_key {
        Idempotency::Key(key.value.clone())
    } else if decl.idempotent.as_ref().is_some_and(|i| i.value) {
        Idempotency::Declared
    } else {
        Idempotency::None
    };
    let resource_params = &op.resource.params;
    let mut catalog_params: Vec<CatalogParam> = path_params
        .iter()
        .filter_map(|f| resource_params.iter().find(|d| d.name.value == f.wire))
        .filter_map(|d| lowering.catalog_param(d, ParamLocation::Path))
        .collect();
    for d in &decl.query {
        catalog_params.extend(lowering.catalog_param(d, ParamLocation::Query));
    }
    for d in body.and_then(|b| b.fields()).unwrap_or_default() {
        catalog_params.extend(lowering.catalog_param(d, ParamLocation::Body));
    }
    let upload = decl.upload.as_ref().map(|u| UploadDef {
        file_part: u.file.value.clone(),
        meta_part: u.meta.value.clone(),
        max_bytes: u.max_bytes.value,
        media_types: u
            .media_types
            .iter()
            .map(|m| {
                let extensions = m.extensions.iter().map(|e| e.value.to_ascii_lowercase());
                (m.content_type.value.clone(), extensions.collect())
            })
            .collect(),
    });
    if let Some(upload) = &upload {
        catalog_params.push(CatalogParam {
            wire: upload.file_part.clone(),
            location: ParamLocation::File,
            kind: ParamKind::File,
            required: true,
            doc: upload_doc(upload),
        });
    }
    Some(OperationDef {
        id: decl.id.value.clone(),
        struct_name: op.name.clone(),
        handler: naming::handler_method(&decl.id.value),
        method,
        path: path.to_string(),
        segments,
        path_params,
        query,
        body: body.map(|b| b.name.clone()),
        upload,
        response: match response {
            Some(response) => Response::Json(response.name.clone()),
            None => Response::NoBody,
        },
        summary: decl.summary.clone(),
        description: decl.description.clone(),
        docs: decl.docs.iter().map(|d| d.value.clone()).collect(),
        rate_limit: decl.rate_limit.clone(),
        idempotency,
        signed_response: decl.signed_response,
        errors: decl.errors.iter().map(|e| e.value.clone()).collect(),
        pagination,
        catalog_params,
    })
}

/// The catalogue's doc of an upload's file: what it accepts.
fn upload_doc(upload: &UploadDef) -> String {
    let extensions: Vec<&str> = upload
        .media_types
        .iter()
        .flat_map(|(_, exts)| exts.iter().map(String::as_str))
        .collect();
    format!(
        "The file to upload: at most {} bytes, named *.{}.",
        upload.max_bytes,
        extensions.join(", *.")
    )
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
