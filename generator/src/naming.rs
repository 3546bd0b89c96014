//! Every Rust name the generator produces comes from here: case conversion with heck, the
//! suffixes and prefixes of generated names (`…Query`, `By…`, `…_CHARSET`), the names the
//! generated code reserves for itself, keyword escaping, and a last-resort cleanup so that no
//! input can make an invalid identifier.
//!
//! A name is a [`Name`]: its text never carries `r#`; a keyword becomes a raw identifier only
//! when the name is turned into tokens ([`Name::ident`], or `#name` in `quote!`).

use std::fmt;
use std::ops::Deref;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::ToTokens;

/// Rust keywords (2024 edition, strict and reserved) that need `r#` as identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers; a name spelt like one gets a trailing `_`.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// The variant every generated enum has for values the spec does not list.
pub const UNKNOWN_VARIANT: &str = "Unknown";

/// The open enum of every declared error code.
pub const ERROR_CODE_TYPE: &str = "ErrorCode";

/// The enum of every notification's decrypted resource.
pub const NOTIFICATION_TYPE: &str = "NotificationResource";

/// Type names the generated code uses itself: a spec type of that name would shadow them.
pub const RESERVED_TYPES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Box",
    "Self",
    ERROR_CODE_TYPE,
    NOTIFICATION_TYPE,
];

/// The module of the client chain, in the generated root.
pub const PATHS_MODULE: &str = "paths";

/// The module of the operation catalogue, in the generated root.
pub const CATALOG_MODULE: &str = "catalog";

/// The module of the server side (routes, decoding, the `Handlers` trait), in the generated
/// root; compiled with the client crate's `server` feature.
pub const SERVER_MODULE: &str = "server";

/// The associated const of an operation struct holding its catalogue entry.
pub const CATALOG_ENTRY: &str = "CATALOG";

/// The associated const holding the parameters of an operation's catalogue entry.
pub const CATALOG_PARAMS: &str = "CATALOG_PARAMS";

/// Module names the generated root uses for its own files: no spec file may generate them.
pub const RESERVED_MODULES: &[&str] = &[PATHS_MODULE, CATALOG_MODULE, SERVER_MODULE, "api"];

/// The fields of a generated operation struct besides its path parameters: a path parameter of
/// that name would clash with them.
pub const OPERATION_FIELDS: &[&str] = &["body", "query"];

/// The suffix of an operation's query struct: `list_coupons` -> `ListCouponsQuery`.
const QUERY_SUFFIX: &str = "Query";

/// The prefix of a chain node's name part for a path parameter: `{openid}` -> `ByOpenid`.
const PARAM_PREFIX: &str = "By";

/// The suffix of a named charset constant: `out_request_no` -> `OUT_REQUEST_NO_CHARSET`.
const CHARSET_SUFFIX: &str = "CHARSET";

/// Where a generated struct lives, which decides the methods generated next to its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A named object type: `new`, `validate`.
    Object,
    /// An operation's query struct: `new`, `validate`, `to_query_string`.
    Query,
    /// An operation's path parameters (fields of the operation struct): `new`.
    Path,
}

impl Owner {
    /// The methods generated on a struct of this kind. An optional field gets a setter named
    /// after it, which must not be one of these.
    pub fn generated_methods(self) -> &'static [&'static str] {
        match self {
            Owner::Object => &["new", "validate"],
            Owner::Query => &["new", "validate", "to_query_string"],
            Owner::Path => &["new"],
        }
    }
}

/// A Rust identifier decided by this module. The text is never `r#`-prefixed; [`Name::ident`]
/// makes a raw identifier of a keyword.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// Only this module makes names: the text is already a valid identifier (or a keyword).
    fn new(text: String) -> Self {
        if NOT_RAW.contains(&text.as_str()) {
            Name(format!("{text}_"))
        } else {
            Name(text)
        }
    }

    /// The text, without `r#`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier, raw (`r#type`) when the name is a keyword.
    pub fn ident(&self) -> Ident {
        ident(&self.0)
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ToTokens for Name {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.ident().to_tokens(tokens);
    }
}

/// A type name: `coupon_status` -> `CouponStatus`.
pub fn type_name(name: &str) -> Name {
    Name::new(clean(&name.to_upper_camel_case(), "Type"))
}

/// An enum variant: `CUT_TO` -> `CutTo`, `stoped` -> `Stoped`, `Android` stays, and a
/// mixed-case value that is not already UpperCamelCase is one word: `iOS` -> `Ios` (heck
/// would split it into `i` + `OS`, making `IOs`).
pub fn variant_name(value: &str) -> Name {
    Name::new(clean(&variant_words(value).to_upper_camel_case(), "V"))
}

/// The text heck camel-cases for a variant: a value with no separator whose letters mix cases,
/// unless it already reads as UpperCamelCase (`MiniProgram`: an upper-case first letter and no
/// two upper-case letters in a row), in lower case, so that it is a single word.
fn variant_words(value: &str) -> String {
    let separated = value.contains(|c: char| !c.is_alphanumeric());
    let upper = value.chars().any(char::is_uppercase);
    let lower = value.chars().any(char::is_lowercase);
    let chars: Vec<char> = value.chars().collect();
    let upper_camel = chars.first().is_some_and(|c| c.is_uppercase())
        && chars
            .windows(2)
            .all(|pair| !(pair[0].is_uppercase() && pair[1].is_uppercase()));
    if !separated && upper && lower && !upper_camel {
        value.to_lowercase()
    } else {
        value.to_string()
    }
}

/// A field, parameter or method: `stock_id` stays, `use-flow` -> `use_flow`, `self` ->
/// `self_`; `type` stays `type` and becomes `r#type` as an identifier.
pub fn value_name(name: &str) -> Name {
    Name::new(clean(&name.to_snake_case(), "f"))
}

/// A module for a spec file: `v3/marketing/favor/users/_openid_/coupons.yaml` ->
/// `v3_marketing_favor_users_openid_coupons`.
pub fn module_name(rel_path: &str) -> Name {
    let stem = rel_path
        .strip_suffix(".yaml")
        .or_else(|| rel_path.strip_suffix(".yml"))
        .unwrap_or(rel_path);
    let joined: String = stem
        .split('/')
        .map(|part| part.trim_matches('_'))
        .collect::<Vec<_>>()
        .join("_");
    value_name(&joined)
}

/// The request struct of an operation: `send_coupon` -> `SendCoupon`.
pub fn operation_struct(id: &str) -> Name {
    type_name(id)
}

/// The query struct of an operation: `SendCoupon` -> `SendCouponQuery`.
pub fn query_struct(operation: &Name) -> Name {
    Name::new(format!("{operation}{QUERY_SUFFIX}"))
}

/// The method of the server's `Handlers` trait for an operation: `send_coupon` stays.
pub fn handler_method(id: &str) -> Name {
    value_name(id)
}

/// The chain method of an HTTP method: `get`, `post`, …
pub fn method_name(lower_case_method: &str) -> Name {
    value_name(lower_case_method)
}

/// The struct of the chain node at a URL prefix: `/v3/marketing/favor/users/{openid}` ->
/// `V3MarketingFavorUsersByOpenid`.
pub fn chain_node(path: &str) -> Name {
    let joined: String = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!("{PARAM_PREFIX}{}", type_name(param)),
                None => type_name(seg).0,
            },
        )
        .collect();
    Name::new(clean(&joined, "Node"))
}

/// The constant holding a charset, named after the first field that uses it; `n` > 1 tells
/// apart different charsets of fields with the same name in one module.
pub fn charset_const(field: &str, n: usize) -> Name {
    let base = clean(&field.to_shouty_snake_case(), "FIELD");
    Name::new(if n > 1 {
        format!("{base}_{CHARSET_SUFFIX}_{n}")
    } else {
        format!("{base}_{CHARSET_SUFFIX}")
    })
}

/// The name a path parameter's file or folder has in the spec layout: `{openid}` -> `_openid_`.
pub fn param_dir(param: &str) -> String {
    format!("_{param}_")
}

/// Whether a spec name converts to a plain ASCII Rust identifier without cleanup.
pub fn is_clean(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Makes any string a valid identifier: non-identifier characters become `_`, a leading digit
/// gets `prefix`.
fn clean(name: &str, prefix: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out == "_" {
        out = format!("{prefix}_");
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("{prefix}{out}");
    }
    out
}

/// The `proc_macro2::Ident` for a name: keywords become raw identifiers, and any other text is
/// cleaned into a valid identifier first (so no input can make `Ident::new` panic).
pub fn ident(name: &str) -> Ident {
    let cleaned = clean(name.strip_prefix("r#").unwrap_or(name), "x");
    if KEYWORDS.contains(&cleaned.as_str()) {
        Ident::new_raw(&cleaned, Span::call_site())
    } else if NOT_RAW.contains(&cleaned.as_str()) {
        Ident::new(&format!("{cleaned}_"), Span::call_site())
    } else {
        Ident::new(&cleaned, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("coupon_status").as_str(), "CouponStatus");
        assert_eq!(type_name("self").as_str(), "Self_");
        assert_eq!(variant_name("CUT_TO").as_str(), "CutTo");
        assert_eq!(variant_name("stoped").as_str(), "Stoped");
        assert_eq!(variant_name("010").as_str(), "V010");
        assert_eq!(variant_name("SELF").as_str(), "Self_");
        assert_eq!(variant_name("iOS").as_str(), "Ios");
        assert_eq!(variant_name("Android").as_str(), "Android");
        assert_eq!(variant_name("MiniProgram").as_str(), "MiniProgram");
        assert_eq!(variant_name("IOS").as_str(), "Ios");
        assert_eq!(variant_name("COUPON.USE").as_str(), "CouponUse");
        assert_eq!(variant_name("balance_only").as_str(), "BalanceOnly");
        assert_eq!(value_name("type").as_str(), "type");
        assert_eq!(value_name("type").ident().to_string(), "r#type");
        assert_eq!(value_name("self").as_str(), "self_");
        assert_eq!(value_name("use-flow").as_str(), "use_flow");
        assert!(!is_clean("开始"));
        let _ = value_name("开始").ident();
        assert_eq!(
            module_name("v3/marketing/favor/users/_openid_/coupons.yaml").as_str(),
            "v3_marketing_favor_users_openid_coupons"
        );
        assert_eq!(module_name("error-codes.yaml").as_str(), "error_codes");
        assert_eq!(module_name("type.yaml").ident().to_string(), "r#type");
        assert_eq!(
            query_struct(&operation_struct("send_coupon")).as_str(),
            "SendCouponQuery"
        );
        assert_eq!(
            chain_node("/v3/marketing/favor/users/{openid}").as_str(),
            "V3MarketingFavorUsersByOpenid"
        );
        assert_eq!(
            charset_const("out_request_no", 1).as_str(),
            "OUT_REQUEST_NO_CHARSET"
        );
        assert_eq!(charset_const("out-no", 2).as_str(), "OUT_NO_CHARSET_2");
        assert_eq!(ident("r#type").to_string(), "r#type");
        assert_eq!(ident("9 x").to_string(), "x9_x");
        assert_eq!(ident("").to_string(), "x_");
    }
}
