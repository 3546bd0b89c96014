//! The server side of every operation (`api::server`, compiled with the client crate's
//! `server` feature): the spec as data (`SCHEMA`: routes and named types), a `Decode` impl per
//! operation, the `Handlers` trait with one method per operation, and `dispatch`.
//!
//! Only what the spec says is emitted here; matching, decoding, validation errors, answers
//! from the spec and signing are the runtime's (`crate::server`), written once.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{docs, types};
use crate::ir::{
    Api, Constraints, FieldDef, Format, IntKind, OperationDef, PathSeg, Response, Ty, TypeDef,
    TypeKind,
};
use crate::naming::ident;

fn value(ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote!(ValueSchema::String),
        Ty::Bool => quote!(ValueSchema::Bool),
        Ty::Int(kind) => {
            let kind = match kind {
                IntKind::I32 => quote!(I32),
                IntKind::I64 => quote!(I64),
                IntKind::U32 => quote!(U32),
                IntKind::U64 => quote!(U64),
            };
            quote!(ValueSchema::Integer(IntKind::#kind))
        }
        Ty::Money => quote!(ValueSchema::Money),
        Ty::Time => quote!(ValueSchema::Time),
        Ty::Date => quote!(ValueSchema::Date),
        Ty::List(item) => {
            let item = value(item);
            quote!(ValueSchema::List(&#item))
        }
        Ty::Object(name) => {
            let name = name.as_str();
            quote!(ValueSchema::Object(#name))
        }
        Ty::Enum(name) => {
            let name = name.as_str();
            quote!(ValueSchema::Enum(#name))
        }
    }
}

fn has_integer(ty: &Ty) -> bool {
    match ty {
        Ty::Int(_) => true,
        Ty::List(item) => has_integer(item),
        _ => false,
    }
}

/// The builder calls of what `c` states, appended to `tokens`: `.max_length(20).charset(…)`.
fn constrained(mut tokens: TokenStream, c: &Constraints) -> TokenStream {
    let counts = [
        (quote!(min_length), c.min_length),
        (quote!(max_length), c.max_length),
        (quote!(min_items), c.min_items),
        (quote!(max_items), c.max_items),
    ];
    for (method, bound) in counts {
        if let Some(bound) = bound {
            let bound = Literal::u64_unsuffixed(bound);
            tokens = quote!(#tokens.#method(#bound));
        }
    }
    for (method, bound) in [(quote!(minimum), c.minimum), (quote!(maximum), c.maximum)] {
        if let Some(bound) = bound {
            let bound = Literal::i128_unsuffixed(bound);
            tokens = quote!(#tokens.#method(#bound));
        }
    }
    if let Some(charset) = &c.charset {
        let ranges = charset.ranges.iter().map(|(lo, hi)| quote!((#lo, #hi)));
        tokens = quote!(#tokens.charset(&[#(#ranges),*]));
    }
    if let Some(format) = c.format {
        let format = match format {
            Format::HttpsUrl => quote!(HttpsUrl),
        };
        tokens = quote!(#tokens.format(Format::#format));
    }
    tokens
}

/// `FieldSchema::required("stock_id", ValueSchema::String).max_length(20)…`: only what the
/// spec states; a list's item constraints as `.items(Constraints::NONE.max_length(32))`.
fn field(f: &FieldDef) -> TokenStream {
    let wire = &f.wire;
    let ty = value(&f.ty);
    let tokens = if f.required {
        quote!(FieldSchema::required(#wire, #ty))
    } else {
        quote!(FieldSchema::optional(#wire, #ty))
    };
    let mut tokens = constrained(tokens, &f.constraints);
    if f.items != Constraints::default() {
        let items = constrained(quote!(Constraints::NONE), &f.items);
        tokens = quote!(#tokens.items(#items));
    }
    if let Some(example) = &f.example {
        let example = text(example);
        tokens = quote!(#tokens.example(#example));
    }
    if let Some(default) = &f.default {
        let default = text(default);
        tokens = quote!(#tokens.default(#default));
    }
    tokens
}

/// A string literal; a raw one when the text has quotes or backslashes (JSON examples), so it
/// reads as in the spec.
fn text(value: &str) -> TokenStream {
    if !value.contains(['"', '\\']) {
        return quote!(#value);
    }
    let mut hashes = String::from("#");
    while value.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    match format!("r{hashes}\"{value}\"{hashes}").parse::<Literal>() {
        Ok(literal) => quote!(#literal),
        Err(_) => quote!(#value),
    }
}

fn type_schema(def: &TypeDef) -> TokenStream {
    let name = def.name.as_str();
    let kind = match &def.kind {
        TypeKind::Object(fields) => {
            let fields = fields.iter().map(field);
            quote!(TypeKind::Object(&[#(#fields),*]))
        }
        TypeKind::Enum(variants) => {
            let values = variants.iter().map(|v| &v.wire);
            quote!(TypeKind::Enum(&[#(#values),*]))
        }
    };
    quote!(TypeSchema { name: #name, kind: #kind })
}

fn option(name: Option<&str>) -> TokenStream {
    match name {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    }
}

fn route(op: &OperationDef) -> TokenStream {
    let id = &op.id;
    let method = ident(op.method.variant());
    let path = &op.path;
    let segments = op.segments.iter().map(|s| match s {
        PathSeg::Literal(text) => quote!(Segment::Literal(#text)),
        PathSeg::Param(at) => {
            let wire = op.path_params.get(*at).map_or("", |p| p.wire.as_str());
            quote!(Segment::Param(#wire))
        }
    });
    let path_params = op.path_params.iter().map(field);
    let query = op.query.iter().flat_map(|q| &q.fields).map(field);
    let body = option(op.body.as_deref());
    let response = option(match &op.response {
        Response::Json(name) => Some(name.as_str()),
        Response::NoBody => None,
    });
    let page_limit = option(op.pagination.as_ref().map(|p| p.limit.wire.as_str()));
    let upload = match &op.upload {
        Some(_) => {
            let ty = &op.struct_name;
            quote!(Some(super::#ty::UPLOAD))
        }
        None => quote!(None),
    };
    quote! {
        Route {
            operation: #id,
            method: crate::Method::#method,
            path: #path,
            segments: &[#(#segments),*],
            path_params: &[#(#path_params),*],
            query: &[#(#query),*],
            body: #body,
            response: #response,
            page_limit: #page_limit,
            upload: #upload,
        }
    }
}

fn response_type(op: &OperationDef) -> TokenStream {
    match &op.response {
        Response::Json(response) => quote!(super::#response),
        Response::NoBody => quote!(()),
    }
}

fn handler(op: &OperationDef) -> TokenStream {
    let method = &op.handler;
    let input = &op.struct_name;
    let response = response_type(op);
    let id = &op.id;
    let mut paragraphs: Vec<String> = op.summary.iter().cloned().collect();
    paragraphs.push(format!(
        "`{} {}`, operation `{id}`.",
        op.method.as_str(),
        op.path
    ));
    let doc = docs::doc(&paragraphs);
    quote! {
        #doc
        fn #method(&self, cx: &Self::Context, input: super::#input) -> Result<#response, crate::server::Rejection> {
            let _ = (cx, input);
            crate::server::from_spec(self, &SCHEMA, #id)
        }
    }
}

fn decode(op: &OperationDef) -> TokenStream {
    let input = &op.struct_name;
    let mut args: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let ty = types::rust_type_in(&p.ty, &quote!(super::));
            let wire = &p.wire;
            quote!(request.path_param::<#ty>(#wire)?)
        })
        .collect();
    if let Some(query) = &op.query {
        let ty = &query.name;
        args.push(quote!(request.query::<super::#ty>()?));
    }
    if let Some(body) = &op.body {
        args.push(quote!(request.body::<super::#body>()?));
    }
    if op.upload.is_some() {
        args.push(quote!(request.upload_file()?));
    }
    let request = if args.is_empty() {
        quote!(_)
    } else {
        quote!(request)
    };
    quote! {
        impl crate::server::Decode for super::#input {
            fn decode(#request: &crate::server::Request<'_>) -> Result<Self, crate::server::Rejection> {
                Ok(Self::new(#(#args),*))
            }
        }
    }
}

/// The `server` module.
pub fn server(api: &Api) -> TokenStream {
    let mut defs: Vec<&TypeDef> = api.modules.iter().flat_map(|m| &m.types).collect();
    // Sorted: the runtime looks types up by binary search.
    defs.sort_by(|a, b| a.name.cmp(&b.name));
    let type_schemas = defs.iter().map(|d| type_schema(d));
    let operations: Vec<&OperationDef> = api.modules.iter().flat_map(|m| &m.operations).collect();
    let routes = operations.iter().map(|op| route(op));
    let handlers = operations.iter().map(|op| handler(op));
    let arms = operations.iter().map(|op| {
        let id = &op.id;
        let method = &op.handler;
        let input = &op.struct_name;
        quote! {
            #id => crate::server::answer(handlers, request, |input: super::#input| handlers.#method(cx, input)),
        }
    });
    let decodes = operations.iter().map(|op| decode(op));
    // Imported only when used, so that no spec makes an unused import.
    let fields: Vec<&FieldDef> = defs
        .iter()
        .flat_map(|d| match &d.kind {
            TypeKind::Object(fields) => fields.as_slice(),
            TypeKind::Enum(_) => &[],
        })
        .chain(operations.iter().flat_map(|op| {
            op.path_params
                .iter()
                .chain(op.query.iter().flat_map(|q| &q.fields))
        }))
        .collect();
    let int_kind = fields
        .iter()
        .any(|f| has_integer(&f.ty))
        .then(|| quote!(IntKind,));
    let constraints = fields
        .iter()
        .any(|f| f.items != Constraints::default())
        .then(|| quote!(Constraints,));
    let format = fields
        .iter()
        .any(|f| f.constraints.format.is_some() || f.items.format.is_some())
        .then(|| quote!(Format,));
    quote! {
        use crate::server::{#constraints FieldSchema, #format #int_kind Route, Schema, Segment, TypeKind, TypeSchema, ValueSchema};

        /// Every operation's route and every named type of the spec, as data.
        pub static SCHEMA: Schema = Schema {
            types: TYPES,
            routes: ROUTES,
        };

        /// One route per operation, in spec order.
        static ROUTES: &[Route] = &[#(#routes),*];

        /// Every named type, sorted by name.
        static TYPES: &[TypeSchema] = &[#(#type_schemas),*];

        /// One method per operation of the spec: its typed input (already decoded and checked
        /// with the spec's `validate()`) to its typed output, or a WeChat Pay error.
        ///
        /// Every method has a default that answers from the spec (its examples, else values
        /// derived from the types and constraints), so an operation added to the spec answers
        /// before anyone writes its handler; override the ones that need state.
        pub trait Handlers: crate::server::Service {
            #(#handlers)*
        }

        /// Runs the operation `request` was matched to on `handlers`: decode, validate, handle,
        /// serialize.
        pub fn dispatch<H: Handlers + ?Sized>(
            handlers: &H,
            cx: &H::Context,
            request: &crate::server::Request<'_>,
        ) -> Result<crate::server::Answer, crate::server::Rejection> {
            match request.operation() {
                #(#arms)*
                _ => Err(crate::server::Rejection::not_found(request.route().method.as_str(), request.route().path)),
            }
        }

        #(#decodes)*
    }
}
