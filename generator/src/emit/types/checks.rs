//! The checks generated objects and queries run before anything is sent: `validate()` with
//! each field's constraints, and the charset constants those checks name.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::is_plain_list;
use crate::emit::docs;
use crate::ir::{CharsetDef, Constraints, FieldDef, Format, Ty};

fn lit_u64(v: Option<u64>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::u64_unsuffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

fn lit_i128(v: Option<i128>) -> TokenStream {
    match v {
        Some(v) => {
            let v = Literal::i128_unsuffixed(v);
            quote!(Some(#v))
        }
        None => quote!(None),
    }
}

/// The checks of one value of type `ty` under constraints `c` (`items`: those of each item of a
/// list), whose expression is `value` (a reference), at field path `at`. `required` makes a
/// string non-empty unless the spec sets its own minimum.
fn value_checks(
    c: &Constraints,
    items: &Constraints,
    ty: &Ty,
    required: bool,
    value: &TokenStream,
    at: &TokenStream,
) -> TokenStream {
    match ty {
        Ty::String => {
            let min_length = c.min_length.or(required.then_some(1));
            let length = (min_length.is_some() || c.max_length.is_some()).then(|| {
                let (min, max) = (lit_u64(min_length), lit_u64(c.max_length));
                quote!(crate::wire::check_length(&#at, #value, #min, #max)?;)
            });
            let charset = c.charset.as_ref().map(|charset| {
                let name = &charset.name;
                let text = &charset.text;
                quote!(crate::wire::check_charset(&#at, #value, #name, #text)?;)
            });
            let format = c.format.map(|format| match format {
                Format::HttpsUrl => quote!(crate::wire::check_https_url(&#at, #value)?;),
            });
            quote! {
                crate::wire::check_text(&#at, #value)?;
                #length
                #charset
                #format
            }
        }
        Ty::Int(_) | Ty::Money if c.minimum.is_some() || c.maximum.is_some() => {
            let (min, max) = (lit_i128(c.minimum), lit_i128(c.maximum));
            let number = if *ty == Ty::Money {
                quote!(#value.get())
            } else {
                quote!(*#value)
            };
            quote!(crate::wire::check_range(&#at, i128::from(#number), #min, #max)?;)
        }
        Ty::Time => quote!(crate::wire::check_time(&#at, #value)?;),
        Ty::Date => quote!(crate::wire::check_date(&#at, #value)?;),
        // Known values are plain ASCII; an `Unknown` one is sent as given, so it is checked.
        Ty::Enum(_) => quote!(crate::wire::check_text(&#at, #value.as_str())?;),
        Ty::Object(_) => quote!(#value.validate(&#at)?;),
        Ty::List(inner) => {
            let count = (c.min_items.is_some() || c.max_items.is_some()).then(|| {
                let (min, max) = (lit_u64(c.min_items), lit_u64(c.max_items));
                quote!(crate::wire::check_items(&#at, #value.len(), #min, #max)?;)
            });
            let none = Constraints::default();
            let per_item = value_checks(
                items,
                &none,
                inner,
                required,
                &quote!(item),
                &quote!(at_item),
            );
            let each = (!per_item.is_empty()).then(|| {
                quote! {
                    for (index, item) in #value.iter().enumerate() {
                        let at_item = #at.index(index);
                        #per_item
                    }
                }
            });
            quote!(#count #each)
        }
        _ => quote!(),
    }
}

/// The checks of one field of `owner` (an expression such as `self`), below field path `at`.
pub fn field_checks(field: &FieldDef, owner: &TokenStream, at: &TokenStream) -> TokenStream {
    let name = &field.name;
    let wire = &field.wire;
    let checks = value_checks(
        &field.constraints,
        &field.items,
        &field.ty,
        field.required,
        &quote!(value),
        &quote!(at_field),
    );
    if checks.is_empty() {
        quote!()
    } else if field.required || is_plain_list(field) {
        quote! {
            {
                let at_field = #at.field(#wire);
                let value = &#owner.#name;
                #checks
            }
        }
    } else {
        quote! {
            if let Some(value) = &#owner.#name {
                let at_field = #at.field(#wire);
                #checks
            }
        }
    }
}

/// `validate(&self, at)` for an object.
pub fn validate_fn(fields: &[FieldDef]) -> TokenStream {
    let checks: Vec<TokenStream> = fields
        .iter()
        .map(|f| field_checks(f, &quote!(self), &quote!(at)))
        .filter(|c| !c.is_empty())
        .collect();
    let at = if checks.is_empty() {
        quote!(_at)
    } else {
        quote!(at)
    };
    quote! {
        /// Checks the spec's constraints before anything is sent; `at` names where this value
        /// sits in the request, for the error.
        pub fn validate(&self, #at: &crate::wire::FieldPath<'_>) -> Result<(), crate::Error> {
            #(#checks)*
            Ok(())
        }
    }
}

/// A module's charset constants.
pub fn charsets(defs: &[CharsetDef]) -> TokenStream {
    let consts = defs.iter().map(|def| {
        let name = &def.name;
        let doc = format!(
            " The characters {} allows, as inclusive ranges.",
            docs::code_span(&def.text)
        );
        let ranges = def.ranges.iter().map(|(lo, hi)| quote!((#lo, #hi)));
        quote! {
            #[doc = #doc]
            const #name: &[(char, char)] = &[#(#ranges),*];
        }
    });
    quote!(#(#consts)*)
}
