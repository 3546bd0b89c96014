//! The client chain: one small struct per URL prefix, so that
//! `client.v3().marketing().favor().users(openid).coupons().post(body)` mirrors the URL. Path
//! parameters keep their spec type all along the chain (`.stocks().stock_id(id)` takes what
//! `stock_id` is: text, a number, an enum, …).

use proc_macro2::TokenStream;
use quote::quote;

use super::{docs, types};
use crate::ir::{Node, NodeInput, NodeParam};

/// Named types are defined in the parent of the `paths` module.
fn scope() -> TokenStream {
    quote!(super::)
}

/// The `paths` module and the root methods on `Client`.
pub fn client_tree(root: &Node) -> TokenStream {
    let mut items = Vec::new();
    node_items(root, &mut items);
    let root_methods = links(root, true);
    quote! {
        impl crate::Client {
            #root_methods
        }

        #(#items)*
    }
}

/// A parameter the node holds, passed on to the next node or to an operation.
fn carried_value(param: &NodeParam) -> TokenStream {
    let name = &param.name;
    if param.ty.is_copy() {
        quote!(self.#name)
    } else {
        quote!(self.#name.clone())
    }
}

fn links(node: &Node, at_root: bool) -> TokenStream {
    let carried: Vec<TokenStream> = node
        .params
        .iter()
        .map(|p| {
            let name = &p.name;
            let value = carried_value(p);
            quote!(#name: #value)
        })
        .collect();
    let methods = node.children.iter().filter_map(|link| {
        let method = &link.method;
        let target = link.target.name.as_ref()?;
        let doc = format!(" `{}`", link.target.path);
        let client = if at_root {
            quote!(self)
        } else {
            quote!(self.client)
        };
        let lifetime = if at_root { quote!('_) } else { quote!('a) };
        Some(match &link.param {
            Some(param) => {
                let name = &param.name;
                let (ty, value) = types::param_in(&param.ty, &quote!(#name), &scope());
                let init = if name.ident() == value.to_string() {
                    quote!(#name)
                } else {
                    quote!(#name: #value)
                };
                quote! {
                    #[doc = #doc]
                    pub fn #method(&self, #name: #ty) -> #target<#lifetime> {
                        #target { client: #client, #(#carried,)* #init }
                    }
                }
            }
            None => quote! {
                #[doc = #doc]
                pub fn #method(&self) -> #target<#lifetime> {
                    #target { client: #client, #(#carried),* }
                }
            },
        })
    });
    quote!(#(#methods)*)
}

fn node_items(node: &Node, out: &mut Vec<TokenStream>) {
    if let Some(name) = &node.name {
        let doc = docs::doc(&[format!("The chain at `{}`.", node.path)]);
        let fields = node.params.iter().map(|p| {
            let field = &p.name;
            let ty = types::rust_type_in(&p.ty, &scope());
            let doc = format!(" The `{{{}}}` path parameter.", p.wire);
            quote!(#[doc = #doc] #field: #ty,)
        });
        let methods = links(node, false);
        let operations = node.operations.iter().map(|op| {
            let method = &op.method_name;
            let ty = &op.struct_name;
            let params: Vec<TokenStream> = node.params.iter().map(carried_value).collect();
            let (args, passed) = match &op.input {
                NodeInput::None => (quote!(), quote!()),
                NodeInput::Body(body) => (quote!(body: super::#body), quote!(body)),
                NodeInput::Query(query) => (quote!(query: super::#query), quote!(query)),
                NodeInput::BodyAndQuery(body, query) => (
                    quote!(query: super::#query, body: super::#body),
                    quote!(query, body),
                ),
                NodeInput::Upload(None) => (quote!(file: crate::UploadFile), quote!(file)),
                NodeInput::Upload(Some(query)) => (
                    quote!(query: super::#query, file: crate::UploadFile),
                    quote!(query, file),
                ),
            };
            let mut paragraphs: Vec<String> = op.summary.iter().cloned().collect();
            paragraphs.push(format!(
                "`{} {}`: see [`{}`](super::{}).",
                op.method.as_str(),
                node.path,
                op.struct_name,
                op.struct_name
            ));
            let doc = docs::doc(&paragraphs);
            let comma = (!params.is_empty() && !passed.is_empty()).then(|| quote!(,));
            quote! {
                #doc
                pub fn #method(&self, #args) -> crate::Call<'a, super::#ty> {
                    crate::Call::new(self.client, super::#ty::new(#(#params),* #comma #passed))
                }
            }
        });
        let derive = if node.params.iter().all(|p| p.ty.is_copy()) {
            quote!(#[derive(Debug, Clone, Copy)])
        } else {
            quote!(#[derive(Debug, Clone)])
        };
        out.push(quote! {
            #doc
            #derive
            pub struct #name<'a> {
                client: &'a crate::Client,
                #(#fields)*
            }

            impl<'a> #name<'a> {
                #methods
                #(#operations)*
            }
        });
    }
    for link in &node.children {
        node_items(&link.target, out);
    }
}
