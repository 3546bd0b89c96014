//! The client chain: one small struct per URL prefix, so that
//! `client.v3().marketing().favor().users(openid).coupons().post(body)` mirrors the URL.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs;
use crate::ir::{Node, NodeInput};
use crate::naming::ident;

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

fn links(node: &Node, at_root: bool) -> TokenStream {
    let params = node
        .params
        .iter()
        .map(|(name, _)| ident(name))
        .collect::<Vec<_>>();
    let methods = node.children.iter().map(|link| {
        let method = ident(&link.method);
        let target = ident(&link.target.name);
        let target_path = quote!(#target);
        let doc = format!(" `{}`", link.target.path);
        let client = if at_root {
            quote!(self)
        } else {
            quote!(self.client)
        };
        let carried: Vec<TokenStream> =
            params.iter().map(|p| quote!(#p: self.#p.clone())).collect();
        let lifetime = if at_root { quote!('_) } else { quote!('a) };
        match &link.param {
            Some((name, _)) => {
                let param = ident(name);
                quote! {
                    #[doc = #doc]
                    pub fn #method(&self, #param: impl Into<String>) -> #target_path<#lifetime> {
                        #target_path { client: #client, #(#carried,)* #param: #param.into() }
                    }
                }
            }
            None => quote! {
                #[doc = #doc]
                pub fn #method(&self) -> #target_path<#lifetime> {
                    #target_path { client: #client, #(#carried),* }
                }
            },
        }
    });
    quote!(#(#methods)*)
}

fn node_items(node: &Node, out: &mut Vec<TokenStream>) {
    if !node.name.is_empty() {
        let name = ident(&node.name);
        let doc = docs::doc(&[format!("The chain at `{}`.", node.path)]);
        let fields = node.params.iter().map(|(name, wire)| {
            let field = ident(name);
            let doc = format!(" The `{{{wire}}}` path parameter.");
            quote!(#[doc = #doc] #field: String,)
        });
        let methods = links(node, false);
        let operations = node.operations.iter().map(|op| {
            let method = ident(op.method.lower());
            let ty = ident(&op.struct_name);
            let params: Vec<TokenStream> = node
                .params
                .iter()
                .map(|(n, _)| {
                    let n = ident(n);
                    quote!(self.#n.clone())
                })
                .collect();
            let (args, passed) = match &op.input {
                NodeInput::None => (quote!(), quote!()),
                NodeInput::Body(body) => {
                    let body = ident(body);
                    (quote!(body: super::#body), quote!(body))
                }
                NodeInput::Query(query) => {
                    let query = ident(query);
                    (quote!(query: super::#query), quote!(query))
                }
                NodeInput::BodyAndQuery(body, query) => {
                    let body = ident(body);
                    let query = ident(query);
                    (
                        quote!(query: super::#query, body: super::#body),
                        quote!(query, body),
                    )
                }
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
        let derive = if node.params.is_empty() {
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
