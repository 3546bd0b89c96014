//! Stage 4, emit: the IR as Rust tokens, one token stream per spec file plus the root (error
//! codes, re-exports) and the client chain. No string templating: everything goes through `quote!`.

mod catalog;
mod client_tree;
mod docs;
mod operations;
mod server;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, ErrorCodeDef, Module, NotificationDef, VariantDef};
use crate::naming::{self, ident};

/// One generated file: a spec file's module, the client chain, the catalogue, or the root.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// The module of one spec file.
    Module(&'a Module),
    /// The client chain (`paths.rs`).
    Paths,
    /// The operation catalogue (`catalog.rs`).
    Catalog,
    /// The server side (`server.rs`): routes, decoding, the handler trait.
    Server,
    /// The root (`api.rs`): module declarations, re-exports, `ErrorCode`, notifications.
    Root,
}

/// Every file to generate, in output order: one module per spec file that declares types or
/// operations, then the chain, the catalogue, the server side and the root.
pub fn parts(api: &Api) -> Vec<Part<'_>> {
    let mut parts: Vec<Part<'_>> = api
        .modules
        .iter()
        .filter(|m| has_content(m))
        .map(Part::Module)
        .collect();
    parts.extend([Part::Paths, Part::Catalog, Part::Server, Part::Root]);
    parts
}

fn has_content(module: &Module) -> bool {
    !module.types.is_empty() || !module.operations.is_empty()
}

/// The tokens of one part. `include` gives the root's expression including a module file.
/// Parts are independent, so they can be emitted (and rendered) in parallel.
pub fn emit_part(api: &Api, part: Part<'_>, include: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    match part {
        Part::Module(module) => self::module(module),
        Part::Paths => client_tree::client_tree(&api.tree),
        Part::Catalog => catalog::catalog(api),
        Part::Server => server::server(api),
        Part::Root => root(api, include),
    }
}

fn module(module: &Module) -> TokenStream {
    let imports = (!module.imports.is_empty()).then(|| {
        let names = &module.imports;
        quote!(use super::{#(#names),*};)
    });
    let charsets = types::charsets(&module.charsets);
    let types = module
        .types
        .iter()
        .map(|t| types::type_def(t, &module.spec_file));
    let operations = module
        .operations
        .iter()
        .map(|op| operations::operation(op, &module.spec_file));
    quote! {
        #imports
        #charsets
        #(#types)*
        #(#operations)*
    }
}

fn error_codes(codes: &[ErrorCodeDef]) -> TokenStream {
    let variants: Vec<VariantDef> = codes
        .iter()
        .map(|c| VariantDef {
            name: c.variant.clone(),
            wire: c.code.clone(),
            doc: Some(match (c.status, &c.doc) {
                (Some(status), Some(doc)) => format!("HTTP {status}. {doc}"),
                (Some(status), None) => format!("HTTP {status}."),
                (None, doc) => doc.clone().unwrap_or_default(),
            }),
        })
        .collect();
    let statuses = codes.iter().filter_map(|c| {
        let variant = ident(&c.variant);
        c.status.map(|s| {
            let s = proc_macro2::Literal::u16_unsuffixed(s);
            quote!(Self::#variant => Some(#s),)
        })
    });
    let doc = docs::doc(&[
        "An APIv3 error code. The documented codes are variants; any other code is kept in `Unknown`.".to_string(),
        "Decide on the HTTP status (see `Error::is_retryable`), not on the code: WeChat Pay spells some codes differently across documents.".to_string(),
    ]);
    let status_fn = quote! {
        /// The HTTP status this code is documented with, if the spec says.
        pub fn documented_status(&self) -> Option<u16> {
            match self {
                #(#statuses)*
                _ => None,
            }
        }
    };
    let error_code = types::open_enum(&ident("ErrorCode"), doc, &variants, status_fn);
    // The runtime keeps the code as sent; the typed view is the spec's, so it is generated here.
    quote! {
        #error_code

        impl crate::error::ApiError {
            /// The error code; [`ErrorCode::Unknown`] keeps codes the spec does not list. `None` when
            /// the body was not an APIv3 error object (a gateway page, an empty body).
            pub fn code(&self) -> Option<ErrorCode> {
                self.code_str().map(ErrorCode::from)
            }
        }
    }
}

fn notifications(defs: &[NotificationDef]) -> TokenStream {
    let variants = defs.iter().map(|n| {
        let variant = ident(&n.variant);
        let resource = ident(&n.resource);
        let mut paragraphs: Vec<String> = n.summary.iter().cloned().collect();
        paragraphs.extend(n.description.clone());
        let mut facts = format!("Event type `{}`", n.event_type);
        if let Some(original) = &n.original_type {
            facts.push_str(&format!(", resource `original_type` `{original}`"));
        }
        facts.push('.');
        paragraphs.push(facts);
        if !n.docs.is_empty() {
            let links: Vec<String> = n.docs.iter().map(|d| format!("- <{d}>")).collect();
            paragraphs.push(format!("Official documentation:\n{}", links.join("\n")));
        }
        let doc = docs::doc(&paragraphs);
        quote!(#doc #variant(Box<#resource>),)
    });
    let decodes = defs.iter().map(|n| {
        let variant = ident(&n.variant);
        let event = &n.event_type;
        quote!(#event => serde_json::from_slice(plaintext).map(|resource| Self::#variant(Box::new(resource))),)
    });
    let names = defs.iter().map(|n| {
        let variant = ident(&n.variant);
        let event = &n.event_type;
        quote!(Self::#variant(_) => #event,)
    });
    let accessors = defs.iter().map(|n| {
        let variant = ident(&n.variant);
        let resource = ident(&n.resource);
        let method = &n.accessor;
        let doc = format!(" The resource of a `{}` notification.", n.event_type);
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> Option<&#resource> {
                match &self.resource {
                    NotificationResource::#variant(resource) => Some(resource),
                    _ => None,
                }
            }
        }
    });
    quote! {
        /// The decrypted `resource` of a notification, typed by its `event_type`.
        ///
        /// Event types the spec does not describe keep their decrypted JSON in `Unknown`.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum NotificationResource {
            #(#variants)*
            /// An event type this version of the spec does not describe.
            Unknown {
                /// The `event_type` as received.
                event_type: String,
                /// The decrypted resource.
                resource: serde_json::Value,
            },
        }

        impl NotificationResource {
            /// Decodes a decrypted resource of the given event type.
            pub fn decode(event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error> {
                match event_type {
                    #(#decodes)*
                    other => serde_json::from_slice(plaintext).map(|resource| Self::Unknown {
                        event_type: other.to_owned(),
                        resource,
                    }),
                }
            }

            /// The event type this resource came with.
            pub fn event_type(&self) -> &str {
                match self {
                    #(#names)*
                    Self::Unknown { event_type, .. } => event_type,
                }
            }
        }

        impl crate::notify::NotificationEvent for NotificationResource {
            fn decode(event_type: &str, plaintext: &[u8]) -> Result<Self, serde_json::Error> {
                NotificationResource::decode(event_type, plaintext)
            }
        }

        impl crate::notify::NotificationHandler {
            /// Verifies, decrypts and decodes one notification into the spec's
            /// [`NotificationResource`]; see [`handle_as`](Self::handle_as), which this calls.
            ///
            /// # Errors
            /// The first failed step, as a [`NotifyError`](crate::notify::NotifyError).
            pub fn handle<'h>(
                &self,
                headers: impl Fn(&str) -> Option<&'h str>,
                body: &[u8],
            ) -> Result<crate::notify::Notification<NotificationResource>, crate::notify::NotifyError> {
                self.handle_as(headers, body)
            }

            /// [`handle`](Self::handle) with an HTTP header map; see
            /// [`handle_http_as`](Self::handle_http_as).
            ///
            /// # Errors
            /// As [`handle`](Self::handle).
            pub fn handle_http(
                &self,
                headers: &crate::notify::HeaderMap,
                body: &[u8],
            ) -> Result<crate::notify::Notification<NotificationResource>, crate::notify::NotifyError> {
                self.handle_http_as(headers, body)
            }
        }

        impl crate::notify::Notification<NotificationResource> {
            #(#accessors)*
        }
    }
}

fn root(api: &Api, include: &dyn Fn(&str) -> TokenStream) -> TokenStream {
    let declarations = api.modules.iter().filter(|m| has_content(m)).map(|m| {
        let name = &m.name;
        let doc = format!(" Generated from `{}`.", m.spec_file);
        let include = include(&m.name);
        let exported = &m.exports;
        quote! {
            #[doc = #doc]
            mod #name {
                #include
            }
            pub use self::#name::{#(#exported),*};
        }
    });
    let paths = ident(naming::PATHS_MODULE);
    let paths_include = include(naming::PATHS_MODULE);
    let catalog = ident(naming::CATALOG_MODULE);
    let catalog_include = include(naming::CATALOG_MODULE);
    let server = ident(naming::SERVER_MODULE);
    let server_include = include(naming::SERVER_MODULE);
    let error_code = error_codes(&api.error_codes);
    let notification = notifications(&api.notifications);
    quote! {
        #(#declarations)*

        /// The client chain: one type per URL prefix, reached from [`Client::v3`](crate::Client::v3).
        pub mod #paths {
            #paths_include
        }

        /// Every operation as data, and a constructor from JSON: how tools such as the CLI call
        /// operations they only know by name.
        pub mod #catalog {
            #catalog_include
        }

        /// The server side of every operation: routes, typed request decoding and the
        /// `Handlers` trait (see [`crate::server`]; the sandbox is built on it).
        #[cfg(feature = "server")]
        pub mod #server {
            #server_include
        }

        #error_code

        #notification
    }
}
