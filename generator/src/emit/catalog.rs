//! The operation catalogue: every operation and its parameters as data, and a constructor of the
//! typed operation from JSON, so tools such as the CLI learn new operations from the spec alone.
//! Everything printed here was resolved by lowering ([`OperationDef::catalog_params`]).

use proc_macro2::TokenStream;
use quote::quote;

use super::types;
use crate::ir::{Api, CatalogParam, OperationDef, ParamKind, ParamLocation, Ty};
use crate::naming::{self, ident};

fn param(param: &CatalogParam) -> TokenStream {
    let name = &param.wire;
    let location = match param.location {
        ParamLocation::Path => quote!(Path),
        ParamLocation::Query => quote!(Query),
        ParamLocation::Body => quote!(Body),
        ParamLocation::File => quote!(File),
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
        ParamKind::File => quote!(File),
    };
    let required = param.required;
    let doc = &param.doc;
    quote! {
        crate::dynamic::ParamInfo::new(
            #name,
            crate::dynamic::Location::#location,
            crate::dynamic::ValueKind::#kind,
            #required,
            #doc,
        )
    }
}

/// The operation's catalogue entry, an associated const of its struct (defined next to the
/// operation, so the catalogue itself is a list of names).
pub fn entry(op: &OperationDef) -> TokenStream {
    let info = info(op);
    let ty = &op.struct_name;
    let name = ident(naming::CATALOG_ENTRY);
    let params_name = ident(naming::CATALOG_PARAMS);
    let params = op.catalog_params.iter().map(param);
    quote! {
        impl #ty {
            /// The parameters of [`Self::CATALOG`].
            const #params_name: &[crate::dynamic::ParamInfo] = &[#(#params),*];

            /// This operation as the catalogue ([`catalog::OPERATIONS`](super::catalog::OPERATIONS))
            /// lists it.
            pub const #name: crate::dynamic::OperationInfo = #info;
        }
    }
}

/// Built with the runtime's `const fn`s, not a struct literal: the struct is
/// `#[non_exhaustive]`, and generated code compiled outside the client crate (the shape corpus)
/// must compile too.
fn info(op: &OperationDef) -> TokenStream {
    let id = &op.id;
    let method = ident(op.method.variant());
    let path = &op.path;
    let mut tokens = quote!(crate::dynamic::OperationInfo::new(#id, crate::Method::#method, #path));
    if let Some(summary) = &op.summary {
        tokens = quote!(#tokens.summary(#summary));
    }
    if let Some(description) = op.description.as_deref().map(str::trim) {
        tokens = quote!(#tokens.description(#description));
    }
    if !op.catalog_params.is_empty() {
        let params_name = ident(naming::CATALOG_PARAMS);
        tokens = quote!(#tokens.params(Self::#params_name));
    }
    if op.body.is_some() {
        tokens = quote!(#tokens.with_body());
    }
    if op.pagination.is_some() {
        tokens = quote!(#tokens.paginated());
    }
    if let crate::ir::Idempotency::Key(key) = &op.idempotency {
        tokens = quote!(#tokens.idempotency_key(#key));
    }
    tokens
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
    if let Some(upload) = &op.upload {
        let part = &upload.file_part;
        args.push(quote!(input.file(#part)?));
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
