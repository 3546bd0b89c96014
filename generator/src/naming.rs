//! Every Rust name the generator produces comes from here: case conversion with heck, keyword
//! escaping, and a last-resort cleanup so that no input can make an invalid identifier.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Rust keywords (2024 edition, strict and reserved) that need `r#` as identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot even be raw identifiers; they get a trailing underscore.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A type name: `coupon_status` -> `CouponStatus`.
pub fn type_name(name: &str) -> String {
    clean(&name.to_upper_camel_case(), "Type")
}

/// An enum variant: `CUT_TO` -> `CutTo`.
pub fn variant_name(value: &str) -> String {
    clean(&value.to_upper_camel_case(), "V")
}

/// A field, parameter or method: `stock_id` stays, `type` -> `r#type`, `use-flow` -> `use_flow`.
pub fn value_name(name: &str) -> String {
    let snake = clean(&name.to_snake_case(), "f");
    if NOT_RAW.contains(&snake.as_str()) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// A module for a spec file: `v3/marketing/favor/users/_openid_/coupons.yaml` ->
/// `v3_marketing_favor_users_openid_coupons`.
pub fn module_name(rel_path: &str) -> String {
    let stem = rel_path
        .strip_suffix(".yaml")
        .or_else(|| rel_path.strip_suffix(".yml"))
        .unwrap_or(rel_path);
    let joined: String = stem
        .split('/')
        .map(|part| part.trim_matches('_'))
        .collect::<Vec<_>>()
        .join("_");
    value_name(&joined).trim_start_matches("r#").to_string()
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

/// The `proc_macro2::Ident` for a name made by this module (`r#` prefixes become raw idents).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) if KEYWORDS.contains(&raw) => Ident::new_raw(raw, Span::call_site()),
        _ => {
            let cleaned = clean(name, "x");
            if KEYWORDS.contains(&cleaned.as_str()) {
                Ident::new_raw(&cleaned, Span::call_site())
            } else if NOT_RAW.contains(&cleaned.as_str()) {
                Ident::new(&format!("{cleaned}_"), Span::call_site())
            } else {
                Ident::new(&cleaned, Span::call_site())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("coupon_status"), "CouponStatus");
        assert_eq!(variant_name("CUT_TO"), "CutTo");
        assert_eq!(variant_name("stoped"), "Stoped");
        assert_eq!(variant_name("010"), "V010");
        assert_eq!(value_name("type"), "r#type");
        assert_eq!(value_name("self"), "self_");
        assert_eq!(value_name("use-flow"), "use_flow");
        assert!(!is_clean("开始"));
        let _ = ident(&value_name("开始"));
        assert_eq!(
            module_name("v3/marketing/favor/users/_openid_/coupons.yaml"),
            "v3_marketing_favor_users_openid_coupons"
        );
        assert_eq!(module_name("error-codes.yaml"), "error_codes");
        assert_eq!(ident("r#type").to_string(), "r#type");
        assert_eq!(ident("9 x").to_string(), "x9_x");
        assert_eq!(ident("").to_string(), "x_");
    }
}
