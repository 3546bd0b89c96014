//! Operations: the request struct, its query struct, the pure `build()` that validates and
//! serializes, the `Operation` impl the runtime sends, and `Paginated` for paged operations.

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, types};
use crate::ir::{
    FieldDef, IntKind, OperationDef, PageStyle, PathSeg, QueryDef, Response, Ty, UploadDef,
};
use crate::naming::ident;

/// How a scalar value (a reference named `value`) is written into a query string, as a `&str`:
/// strings as they are, enums, times and dates as their wire strings, money as its integer fen,
/// numbers in decimal. Path parameters are written the same way (see [`operation`]).
fn to_text(ty: &Ty, value: &TokenStream) -> TokenStream {
    match ty {
        Ty::String => quote!(#value),
        Ty::Enum(_) | Ty::Time | Ty::Date => quote!(#value.as_str()),
        Ty::Bool => quote!(if *#value { "true" } else { "false" }),
        Ty::Money => quote!(&#value.get().to_string()),
        _ => quote!(&#value.to_string()),
    }
}

fn query_struct(query: &QueryDef, op: &OperationDef, spec_file: &str) -> TokenStream {
    let name = &query.name;
    let doc = docs::doc(&[
        format!("Query parameters of [`{}`].", op.struct_name),
        format!("Spec: `{spec_file}`."),
    ]);
    let fields = types::struct_fields(&query.fields);
    let new_doc = if query.fields.iter().any(|f| f.required) {
        "Creates the query from its required parameters; optional ones start unset."
    } else {
        "Creates an empty query; set parameters with the setters."
    };
    let ctor = types::constructor_and_setters(&query.fields, new_doc);
    let validate = types::validate_fn(&query.fields);
    let pushes = query.fields.iter().map(|f| {
        let field = &f.name;
        let wire = &f.wire;
        let text = to_text(&f.ty, &quote!(value));
        if f.required {
            quote! {
                let value = &self.#field;
                query.push(#wire, #text);
            }
        } else {
            quote! {
                if let Some(value) = &self.#field {
                    query.push(#wire, #text);
                }
            }
        }
    });
    let default = query
        .fields
        .iter()
        .all(|f| !f.required)
        .then(|| quote!(Default,));
    quote! {
        #doc
        #[derive(Debug, Clone, #default PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #fields
        }

        impl #name {
            #ctor
            #validate

            /// The query string, `?` included, in declaration order with every value
            /// percent-encoded; empty when no parameter is set.
            pub fn to_query_string(&self) -> String {
                let mut query = crate::wire::QueryWriter::new();
                #(#pushes)*
                query.finish()
            }
        }
    }
}

/// An integer field's value as `u64` (a negative one as 0).
fn to_u64(field: &FieldDef, value: TokenStream) -> TokenStream {
    match field.ty {
        Ty::Int(IntKind::U64) => value,
        Ty::Int(IntKind::U32) => quote!(u64::from(#value)),
        _ => quote!(u64::try_from(#value).unwrap_or(0)),
    }
}

/// An integer field's value as `Option<u64>`; `value` is the field itself, optional or not.
fn to_u64_option(field: &FieldDef, value: TokenStream) -> TokenStream {
    if field.required {
        let v = to_u64(field, value);
        return quote!(Some(#v));
    }
    match field.ty {
        Ty::Int(IntKind::U64) => value,
        Ty::Int(IntKind::U32) => quote!(#value.map(u64::from)),
        _ => quote!(#value.map(|value| u64::try_from(value).unwrap_or(0))),
    }
}

/// A `u64` named `offset` as the value of an integer field (saturating).
fn from_u64(field: &FieldDef) -> TokenStream {
    match field.ty {
        Ty::Int(IntKind::U64) => quote!(offset),
        _ => {
            let ty = types::rust_type(&field.ty);
            quote!(#ty::try_from(offset).unwrap_or(#ty::MAX))
        }
    }
}

fn paginated(op: &OperationDef) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return quote!();
    };
    let name = &op.struct_name;
    let response = &pagination.response;
    let item = types::rust_type(&pagination.item_type);
    let style = match pagination.style {
        PageStyle::PageIndex => quote!(PageIndex),
        PageStyle::ItemOffset => quote!(ItemOffset),
    };
    let offset = &pagination.offset.name;
    let offset_value = from_u64(&pagination.offset);
    // WeChat Pay makes `offset` required on some list operations; the walk sets it either way.
    let (offset_get, offset_set) = if pagination.offset.required {
        (
            to_u64(&pagination.offset, quote!(self.query.#offset)),
            offset_value,
        )
    } else {
        let get = match pagination.offset.ty {
            Ty::Int(IntKind::U64) => quote!(self.query.#offset.unwrap_or(0)),
            Ty::Int(IntKind::U32) => quote!(self.query.#offset.map_or(0, u64::from)),
            _ => quote!(self.query.#offset.map_or(0, |value| u64::try_from(value).unwrap_or(0))),
        };
        (get, quote!(Some(#offset_value)))
    };
    let limit = &pagination.limit.name;
    let limit_value = to_u64_option(&pagination.limit, quote!(self.query.#limit));
    let items = &pagination.items.name;
    let total = match &pagination.total {
        Some(total) => {
            let field = &total.name;
            to_u64_option(total, quote!(response.#field))
        }
        None => quote!(None),
    };
    let page_limit = match &pagination.response_limit {
        Some(limit) => {
            let field = &limit.name;
            to_u64_option(limit, quote!(response.#field))
        }
        None => quote!(None),
    };
    quote! {
        impl crate::pagination::Paginated for #name {
            type Item = #item;

            const STYLE: crate::pagination::PageStyle = crate::pagination::PageStyle::#style;

            fn offset(&self) -> u64 {
                #offset_get
            }

            fn limit(&self) -> Option<u64> {
                #limit_value
            }

            fn with_offset(&self, offset: u64) -> Self {
                let mut next = self.clone();
                next.query.#offset = #offset_set;
                next
            }

            fn into_page(response: #response) -> crate::pagination::Page<Self::Item> {
                crate::pagination::Page::new(response.#items, #total, #page_limit)
            }
        }
    }
}

/// The spec's `upload:` as the runtime's `UploadSpec`, an associated const of the operation.
fn upload_const(upload: &UploadDef) -> TokenStream {
    let file = &upload.file_part;
    let meta = &upload.meta_part;
    let max = proc_macro2::Literal::u64_unsuffixed(upload.max_bytes);
    let media = upload.media_types.iter().map(|(content_type, extensions)| {
        quote! {
            crate::multipart::MediaType { content_type: #content_type, extensions: &[#(#extensions),*] }
        }
    });
    quote! {
        /// What the spec's `upload:` says: the part names, the largest file in bytes, and the
        /// content types with the file extensions that select them. Checked by `build()`.
        pub const UPLOAD: crate::multipart::UploadSpec = crate::multipart::UploadSpec {
            file_part: #file,
            meta_part: #meta,
            max_bytes: #max,
            media_types: &[#(#media),*],
        };
    }
}

/// Everything generated for one operation.
pub fn operation(op: &OperationDef, spec_file: &str) -> TokenStream {
    let name = &op.struct_name;
    let mut paragraphs = docs::operation(op);
    paragraphs.push(format!("Spec: `{spec_file}`, operation `{}`.", op.id));
    let doc = docs::doc(&paragraphs);

    let mut fields = Vec::new();
    let mut params = Vec::new();
    let mut inits = Vec::new();
    for p in &op.path_params {
        let field = &p.name;
        let doc = docs::field(p);
        let ty = types::field_type(p);
        fields.push(quote!(#doc pub #field: #ty,));
        let (param, value) = types::param(&p.ty, &quote!(#field));
        params.push(quote!(#field: #param));
        inits.push(if field.ident() == value.to_string() {
            quote!(#field)
        } else {
            quote!(#field: #value)
        });
    }
    if let Some(query) = &op.query {
        let ty = &query.name;
        fields.push(quote!(#[doc = " The query parameters."] pub query: #ty,));
        params.push(quote!(query: #ty));
        inits.push(quote!(query));
    }
    if let Some(body) = &op.body {
        fields.push(quote!(#[doc = " The JSON body."] pub body: #body,));
        params.push(quote!(body: #body));
        inits.push(quote!(body));
    }
    if op.upload.is_some() {
        fields.push(quote!(#[doc = " The file to upload."] pub file: crate::UploadFile,));
        params.push(quote!(file: crate::UploadFile));
        inits.push(quote!(file));
    }

    let path_checks: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| types::field_checks(p, &quote!(self), &quote!(path)))
        .filter(|c| !c.is_empty())
        .collect();
    let path_root =
        (!path_checks.is_empty()).then(|| quote!(let path = crate::wire::FieldPath::root("path");));
    let mut template = String::new();
    let mut encoded = Vec::new();
    for seg in &op.segments {
        template.push('/');
        match seg {
            PathSeg::Literal(text) => template.push_str(text),
            PathSeg::Param(at) => {
                let Some(field) = op.path_params.get(*at) else {
                    continue;
                };
                // `format!` captures the local by its name; a keyword is captured raw.
                template.push_str(&format!("{{{}}}", field.name));
                let local = &field.name;
                let text = match &field.ty {
                    Ty::String => quote!(&self.#local),
                    Ty::Enum(_) | Ty::Time | Ty::Date => quote!(self.#local.as_str()),
                    Ty::Bool => quote!(if self.#local { "true" } else { "false" }),
                    Ty::Money => quote!(&self.#local.get().to_string()),
                    _ => quote!(&self.#local.to_string()),
                };
                encoded.push(quote!(let #local = crate::wire::encode_path_segment(#text);));
            }
        }
    }
    let target = if encoded.is_empty() {
        quote!(let target = String::from(#template);)
    } else {
        quote!(#(#encoded)* let target = format!(#template);)
    };
    let (query_check, query_append) = match &op.query {
        Some(_) => (
            quote!(self.query.validate(&crate::wire::FieldPath::root("query"))?;),
            quote!(let target = target + &self.query.to_query_string();),
        ),
        None => (quote!(), quote!()),
    };
    let (body_check, body_bytes) = match &op.body {
        Some(_) => (
            quote!(self.body.validate(&crate::wire::FieldPath::root("body"))?;),
            quote!(Some(crate::wire::to_json(&self.body)?)),
        ),
        None => (quote!(), quote!(None)),
    };
    let method = ident(op.method.variant());
    let (upload_spec, request) = match &op.upload {
        Some(upload) => {
            let part = &upload.file_part;
            (
                upload_const(upload),
                quote! {
                    let upload = Self::UPLOAD.encode(&crate::wire::FieldPath::root(#part), &self.file)?;
                    Ok(crate::HttpRequest::upload(crate::Method::#method, target, upload))
                },
            )
        }
        None => (
            quote!(),
            quote!(Ok(crate::HttpRequest::new(crate::Method::#method, target, #body_bytes))),
        ),
    };
    let response = match &op.response {
        Response::Json(r) => quote!(#r),
        Response::NoBody => quote!(()),
    };
    let allow = types::too_many_arguments(params.len());
    let id = &op.id;
    let path = &op.path;
    // Only what differs from `OperationMeta::new` (not retried, signed answers).
    let idempotent = op.idempotent().then(|| quote!(.idempotent(true)));
    let signed = (!op.signed_response).then(|| quote!(.signed_response(false)));
    let query = op.query.as_ref().map(|q| query_struct(q, op, spec_file));
    let paginated = paginated(op);
    let catalog_entry = super::catalog::entry(op);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// Creates the request; reach it more naturally through the client chain.
            #allow
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #upload_spec
        }

        impl crate::Operation for #name {
            type Response = #response;

            const META: crate::OperationMeta = crate::OperationMeta::new(#id, crate::Method::#method, #path)
                #idempotent
                #signed;

            fn build(&self) -> Result<crate::HttpRequest, crate::Error> {
                #path_root
                #(#path_checks)*
                #query_check
                #body_check
                #target
                #query_append
                #request
            }
        }

        #paginated

        #catalog_entry

        #query
    }
}
