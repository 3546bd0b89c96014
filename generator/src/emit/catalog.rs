//! The operation catalogue: every operation and its parameters as data, and a constructor of the
//! typed operation from JSON, so tools such as the CLI learn new operations from the spec alone.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, FieldDef, OperationDef, Ty, TypeKind};
use crate::naming::ident;

fn kind(ty: &Ty, enums: &HashMap<&str, Vec<&str>>) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Bool => quote!(Bool),
        Ty::Int(_) => quote!(Integer),
        Ty::Money => quote!(Money),
        Ty::Time => quote!(Time),
        Ty::Date => quote!(Date),
        Ty::Enum(name) => {
            let values = enums.get(name.as_str()).cloned().unwrap_or_default();
            quote!(Enum(&[#(#values),*]))
        }
        Ty::List(_) | Ty::Object(_) => quote!(Json),
    }
}

fn first_paragraph(text: Option<&String>) -> String {
    text.map(|t| t.trim().to_string()).unwrap_or_default()
}

fn param(field: &FieldDef, location: TokenStream, enums: &HashMap<&str, Vec<&str>>) -> TokenStream {
    let name = &field.wire;
    let kind = kind(&field.ty, enums);
    let required = field.required;
    let doc = first_paragraph(field.doc.as_ref());
    quote! {
        crate::dynamic::ParamInfo {
            name: #name,
            location: crate::dynamic::Location::#location,
            kind: crate::dynamic::ValueKind::#kind,
            required: #required,
            doc: #doc,
        }
    }
}

fn info(
    op: &OperationDef,
    objects: &HashMap<&str, &Vec<FieldDef>>,
    enums: &HashMap<&str, Vec<&str>>,
) -> TokenStream {
    let mut params: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|f| param(f, quote!(Path), enums))
        .collect();
    if let Some(query) = &op.query {
        params.extend(query.fields.iter().map(|f| param(f, quote!(Query), enums)));
    }
    if let Some(fields) = op.body.as_deref().and_then(|b| objects.get(b)) {
        params.extend(fields.iter().map(|f| param(f, quote!(Body), enums)));
    }
    let id = &op.id;
    let method = ident(op.method.variant());
    let path = &op.path;
    let summary = op.summary.clone().unwrap_or_default();
    let description = first_paragraph(op.description.as_ref());
    let has_body = op.body.is_some();
    let paginated = op.pagination.is_some();
    let key = match &op.idempotency_key {
        Some(key) => quote!(Some(#key)),
        None => quote!(None),
    };
    quote! {
        crate::dynamic::OperationInfo {
            id: #id,
            method: crate::Method::#method,
            path: #path,
            summary: #summary,
            description: #description,
            params: &[#(#params),*],
            has_body: #has_body,
            paginated: #paginated,
            idempotency_key: #key,
        }
    }
}

fn constructor(op: &OperationDef) -> TokenStream {
    let id = &op.id;
    let ty = ident(&op.struct_name);
    let mut args: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let name = &p.wire;
            if p.ty == Ty::String {
                quote!(input.path_param(#name)?)
            } else {
                let field = format!("path.{name}");
                quote!(input.path_param(#name)?.parse().map_err(|_| crate::Error::invalid(#field, "is not a valid value"))?)
            }
        })
        .collect();
    if op.query.is_some() {
        args.push(quote!(input.query()?));
    }
    if op.body.is_some() {
        args.push(quote!(input.body()?));
    }
    let wrap = if op.pagination.is_some() {
        quote!(paged)
    } else {
        quote!(plain)
    };
    quote! {
        #id => Ok(crate::dynamic::DynamicOperation::#wrap(super::#ty::new(#(#args),*))),
    }
}

/// The `catalog` module.
pub fn catalog(api: &Api) -> TokenStream {
    let mut objects = HashMap::new();
    let mut enums = HashMap::new();
    for ty in api.modules.iter().flat_map(|m| &m.types) {
        match &ty.kind {
            TypeKind::Object(fields) => {
                objects.insert(ty.name.as_str(), fields);
            }
            TypeKind::Enum(variants) => {
                enums.insert(
                    ty.name.as_str(),
                    variants.iter().map(|v| v.wire.as_str()).collect(),
                );
            }
        }
    }
    let operations: Vec<&OperationDef> = api.modules.iter().flat_map(|m| &m.operations).collect();
    let infos = operations.iter().map(|op| info(op, &objects, &enums));
    let constructors = operations.iter().map(|op| constructor(op));
    quote! {
        /// Every operation of the spec, in spec order.
        pub static OPERATIONS: &[crate::dynamic::OperationInfo] = &[#(#infos),*];

        /// The operation with this spec id.
        pub fn operation(id: &str) -> Option<&'static crate::dynamic::OperationInfo> {
            OPERATIONS.iter().find(|op| op.id == id)
        }

        /// Builds the typed operation `id` from JSON input; fails naming the part that does not
        /// fit the spec.
        pub fn build(id: &str, input: &crate::dynamic::DynamicInput) -> Result<crate::dynamic::DynamicOperation, crate::Error> {
            match id {
                #(#constructors)*
                other => Err(crate::Error::invalid("operation", format!("`{other}` is not an operation of the spec"))),
            }
        }
    }
}
