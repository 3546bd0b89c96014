//! Lowering of one operation: its method, path segments, inputs, response, upload,
//! idempotency, pagination and catalogue parameters.

use super::fields::FieldLowering;
use crate::ir::*;
use crate::load::model::OperationDecl;
use crate::naming;
use crate::symbols::OperationSymbol;

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

pub(super) fn lower_operation(
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
