//! Objects and open enums: the structs with their constructors, setters and checks, and the enums
//! with their `Unknown(String)` variant, `FromStr` and `Display`. The checks those structs run
//! before sending are generated in `checks`.

use proc_macro2::TokenStream;
use quote::quote;

mod checks;

// Re-exported so `types::` stays the one path the emitters use.
pub use checks::{charsets, field_checks, validate_fn};

use super::docs;
use crate::ir::{FieldDef, Ty, TypeDef, TypeKind, VariantDef};

/// The Rust type of a value of `ty`; named types are prefixed with `scope` (`super::` where
/// they are not in scope).
pub fn rust_type_in(ty: &Ty, scope: &TokenStream) -> TokenStream {
    match ty {
        Ty::String => quote!(String),
        Ty::Bool => quote!(bool),
        Ty::Int(kind) => {
            let kind = crate::naming::ident(kind.rust());
            quote!(#kind)
        }
        Ty::Money => quote!(crate::Fen),
        Ty::Time => quote!(crate::Timestamp),
        Ty::Date => quote!(crate::Date),
        Ty::List(inner) => {
            let inner = rust_type_in(inner, scope);
            quote!(Vec<#inner>)
        }
        Ty::Object(name) | Ty::Enum(name) => quote!(#scope #name),
    }
}

/// The Rust type of a value of `ty`, in a module that has the named types in scope.
pub fn rust_type(ty: &Ty) -> TokenStream {
    rust_type_in(ty, &quote!())
}

/// Optional lists are plain (possibly empty) lists; other optional values are `Option`.
fn is_plain_list(field: &FieldDef) -> bool {
    !field.required && matches!(field.ty, Ty::List(_))
}

/// The type of a struct field.
pub fn field_type(field: &FieldDef) -> TokenStream {
    let ty = rust_type(&field.ty);
    if field.required || is_plain_list(field) {
        ty
    } else {
        quote!(Option<#ty>)
    }
}

/// A constructor/setter/chain parameter of type `ty` named `value`: the parameter type and the
/// expression turning it into the stored value. Strings, money, times and dates take anything
/// that converts (`&str`, `i64`, `OffsetDateTime`, …).
pub fn param_in(ty: &Ty, value: &TokenStream, scope: &TokenStream) -> (TokenStream, TokenStream) {
    match ty {
        Ty::String => (quote!(impl Into<String>), quote!(#value.into())),
        Ty::Money => (quote!(impl Into<crate::Fen>), quote!(#value.into())),
        Ty::Time => (quote!(impl Into<crate::Timestamp>), quote!(#value.into())),
        Ty::Date => (quote!(impl Into<crate::Date>), quote!(#value.into())),
        other => (rust_type_in(other, scope), quote!(#value)),
    }
}

/// [`param_in`] in a module that has the named types in scope.
pub fn param(ty: &Ty, value: &TokenStream) -> (TokenStream, TokenStream) {
    param_in(ty, value, &quote!())
}

/// `name: value` in a struct literal, shortened to `name` when the value is the name.
fn init(name: &crate::ir::Name, value: TokenStream) -> TokenStream {
    if name.ident() == value.to_string() {
        quote!(#name)
    } else {
        quote!(#name: #value)
    }
}

/// Declares struct fields with their serde attributes.
pub fn struct_fields(fields: &[FieldDef]) -> TokenStream {
    let fields = fields.iter().map(|f| {
        let doc = docs::field(f);
        let name = &f.name;
        let ty = field_type(f);
        let rename = (name.as_str() != f.wire).then(|| {
            let wire = &f.wire;
            quote!(#[serde(rename = #wire)])
        });
        let aliases = f.aliases.iter().map(|alias| quote!(#[serde(alias = #alias)]));
        // A list that decoding also accepts as one comma-separated string (`comma_separated`).
        let decode = if f.comma_separated {
            "crate::wire::comma_separated"
        } else {
            "crate::wire::null_as_default"
        };
        let serde = if is_plain_list(f) && f.always_serialize {
            quote!(#[serde(default, deserialize_with = #decode)])
        } else if is_plain_list(f) {
            quote!(#[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = #decode)])
        } else if f.comma_separated {
            quote!(#[serde(deserialize_with = #decode)])
        } else if !f.required {
            quote!(#[serde(default, skip_serializing_if = "Option::is_none")])
        } else {
            quote!()
        };
        quote! {
            #doc
            #rename
            #(#aliases)*
            #serde
            pub #name: #ty,
        }
    });
    quote!(#(#fields)*)
}

/// `new(required...)` (documented with `new_doc`) and one setter per optional field.
pub fn constructor_and_setters(fields: &[FieldDef], new_doc: &str) -> TokenStream {
    let required: Vec<&FieldDef> = fields.iter().filter(|f| f.required).collect();
    let params = required.iter().map(|f| {
        let name = &f.name;
        let (ty, _) = param(&f.ty, &quote!(#name));
        quote!(#name: #ty)
    });
    let inits = fields.iter().map(|f| {
        let name = &f.name;
        if f.required {
            let (_, value) = param(&f.ty, &quote!(#name));
            init(name, value)
        } else if is_plain_list(f) {
            quote!(#name: Vec::new())
        } else {
            quote!(#name: None)
        }
    });
    let allow = too_many_arguments(required.len());
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let name = &f.name;
        let doc = format!(" Sets `{}`.", f.wire);
        if is_plain_list(f) {
            let ty = rust_type(&f.ty);
            quote! {
                #[doc = #doc]
                pub fn #name(mut self, #name: #ty) -> Self {
                    self.#name = #name;
                    self
                }
            }
        } else {
            let (ty, value) = param(&f.ty, &quote!(#name));
            quote! {
                #[doc = #doc]
                pub fn #name(mut self, #name: #ty) -> Self {
                    self.#name = Some(#value);
                    self
                }
            }
        }
    });
    let new_doc = docs::doc(&[new_doc.to_string()]);
    quote! {
        #new_doc
        #allow
        pub fn new(#(#params),*) -> Self {
            Self { #(#inits),* }
        }

        #(#setters)*
    }
}

/// Allows clippy's `too_many_arguments` on a constructor taking more than clippy's seven.
pub fn too_many_arguments(params: usize) -> Option<TokenStream> {
    (params > 7).then(|| {
        quote!(#[allow(clippy::too_many_arguments, reason = "every required field of the spec is a constructor argument, so a missing one does not compile")])
    })
}

/// The doc of `new()`: what it takes, and for a type no request sends, why it has one.
fn new_doc(fields: &[FieldDef], in_request: bool) -> String {
    let mut doc = if fields.iter().all(|f| !f.required) {
        "Creates an empty value; set optional fields with the setters.".to_string()
    } else {
        "Creates a value from its required fields; optional ones start unset.".to_string()
    };
    if !in_request {
        doc.push_str(
            "\n\nNo request sends this type; the constructor is for the side that answers — a \
             server such as the sandbox, or a test double — which builds it to send.",
        );
    }
    doc
}

/// A named type.
pub fn type_def(def: &TypeDef, spec_file: &str) -> TokenStream {
    let mut paragraphs: Vec<String> = def.doc.iter().cloned().collect();
    paragraphs.push(format!("Spec: `{spec_file}`."));
    let doc = docs::doc(&paragraphs);
    let name = def.name.ident();
    match &def.kind {
        TypeKind::Object(fields) => {
            let body = struct_fields(fields);
            let ctor = constructor_and_setters(fields, &new_doc(fields, def.in_request));
            let validate = def.in_request.then(|| validate_fn(fields));
            // With no required field, the empty value is a natural default.
            let default = fields.iter().all(|f| !f.required).then(|| quote!(Default,));
            quote! {
                #doc
                #[derive(Debug, Clone, #default PartialEq, Eq, serde::Serialize, serde::Deserialize)]
                #[non_exhaustive]
                pub struct #name {
                    #body
                }

                impl #name {
                    #ctor
                    #validate
                }
            }
        }
        TypeKind::Enum(variants) => open_enum(&name, doc, variants, quote!()),
    }
}

/// An open enum: the listed values plus `Unknown(String)`, which round-trips any other value.
pub fn open_enum(
    name: &proc_macro2::Ident,
    doc: TokenStream,
    variants: &[VariantDef],
    extra_methods: TokenStream,
) -> TokenStream {
    let decls = variants.iter().map(|v| {
        let variant = &v.name;
        let mut paragraphs: Vec<String> = v.doc.iter().cloned().collect();
        paragraphs.push(format!("Wire value `{}`.", v.wire));
        let doc = docs::doc(&paragraphs);
        quote!(#doc #variant,)
    });
    let to_str = variants.iter().map(|v| {
        let variant = &v.name;
        let wire = &v.wire;
        quote!(Self::#variant => #wire,)
    });
    let from_str = variants.iter().map(|v| {
        let variant = &v.name;
        let wire = &v.wire;
        quote!(#wire => Self::#variant,)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#decls)*
            /// A value this version of the spec does not list, kept as received.
            Unknown(String),
        }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(value) => value,
                }
            }

            #extra_methods
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        /// Parses a wire value; never fails, since the enum is open (`Unknown` keeps any other).
        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}
