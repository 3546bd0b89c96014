//! The operation catalogue: every operation and its parameters as data, and a constructor of the
//! typed operation from JSON, so tools such as the CLI learn new operations from the spec alone.
//! Everything printed here was resolved by lowering ([`OperationDef::catalog_params`]).

use proc_macro2::TokenStream;
use quote::quote;

use super::types;
use crate::ir::{Api, CatalogParam, OperationDef, ParamKind, ParamLocation, Ty};
use crate::naming::ident;

fn param(param: &CatalogParam) -> TokenStream {
    let name = &param.wire;
    let location = match param.location {
        ParamLocation::Path => quote!(Path),
        ParamLocation::Query => quote!(Query),
        ParamLocation::Body => quote!(Body),
    };
    let kind = match &param.kind {
        ParamKind::String => quote!(String),
        ParamKind::Bool => quote!(Bool),
        ParamKind::Integer => quote!(Integer),
        ParamKind::Money => quote!(Money),
        ParamKind::Time => quote!(Time),
        ParamKind::Date => quote!(Date),
        ParamKind::Enum(values) => quote!(Enum(&[#(#values),*])),
        ParamKind::Json => quote!(Json),
    };
    let required = param.required;
    let doc = &param.doc;
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

/// The operation's catalogue entry, an associated const of its struct (defined next to the
/// operation, so the catalogue itself is a list of names).
pub fn entry(op: &OperationDef) -> TokenStream {
    let info = info(op);
    let ty = &op.struct_name;
    let name = crate::naming::ident(crate::naming::CATALOG_ENTRY);
    quote! {
        impl #ty {
            /// This operation as the catalogue ([`catalog::OPERATIONS`](super::catalog::OPERATIONS))
            /// lists it.
            pub const #name: crate::dynamic::OperationInfo = #info;
        }
    }
}

fn info(op: &OperationDef) -> TokenStream {
    let params = op.catalog_params.iter().map(param);
    let id = &op.id;
    let method = ident(op.method.variant());
    let path = &op.path;
    let summary = op.summary.clone().unwrap_or_default();
    let description = op.description.as_deref().map(str::trim).unwrap_or_default();
    let has_body = op.body.is_some();
    let paginated = op.pagination.is_some();
    let key = match &op.idempotency {
        crate::ir::Idempotency::Key(key) => quote!(Some(#key)),
        _ => quote!(None),
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
    let ty = &op.struct_name;
    let mut args: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let name = &p.wire;
            if p.ty == Ty::String {
                quote!(input.path_param(#name)?)
            } else {
                let ty = types::rust_type_in(&p.ty, &quote!(super::));
                quote!(input.path_value::<#ty>(#name)?)
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
    let operations: Vec<&OperationDef> = api.modules.iter().flat_map(|m| &m.operations).collect();
    let entry = crate::naming::ident(crate::naming::CATALOG_ENTRY);
    let infos = operations.iter().map(|op| {
        let ty = &op.struct_name;
        quote!(super::#ty::#entry)
    });
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
                other => Err(crate::dynamic::unknown_operation(other)),
            }
        }
    }
}
