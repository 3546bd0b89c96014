//! Rules for fields (of objects, queries and paths) and enums.

use std::collections::HashMap;

use super::Catalog;
use crate::diagnostics::Diagnostic;
use crate::load::model::{EnumValueDecl, FieldDecl, Scalar, TypeDecl, TypeKindDecl};
use crate::naming;

/// Where a list of fields lives; query and path parameters only take scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Object,
    Query,
    Path,
}

fn is_integer(ty: &str) -> bool {
    matches!(ty, "i32" | "i64" | "u32" | "u64" | "money")
}

fn int_bounds(ty: &str) -> (i128, i128) {
    match ty {
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

pub(crate) fn check_fields(
    fields: &[FieldDecl],
    catalog: &Catalog<'_>,
    place: Place,
    diags: &mut Vec<Diagnostic>,
) {
    let mut rust_names: HashMap<String, (&str, &crate::diagnostics::Pos)> = HashMap::new();
    for field in fields {
        let name = &field.name.value;
        if !naming::is_clean(name) {
            diags.push(Diagnostic::new(field.name.pos.clone(), format!("field name `{name}` must start with an ASCII letter or `_` and use only ASCII letters, digits, `_` and `-`")));
        }
        let rust = naming::value_name(name);
        if let Some((other, pos)) = rust_names.insert(rust.clone(), (name, &field.name.pos)) {
            diags.push(Diagnostic::new(
                field.name.pos.clone(),
                format!(
                    "field `{name}` becomes the Rust name `{rust}`, like field `{other}` at {pos}"
                ),
            ));
        }
        // Optional fields get a setter named after them, next to the generated methods.
        let methods: &[&str] = match place {
            Place::Object => &["new", "validate"],
            Place::Query => &["new", "validate", "to_query_string"],
            Place::Path => &[],
        };
        if !field.required && methods.contains(&rust.as_str()) {
            diags.push(Diagnostic::new(
                field.name.pos.clone(),
                format!("optional field `{name}` would get a setter `{rust}()`, which clashes with the generated method of that name; rename the field or make it required"),
            ));
        }
        if place == Place::Path && matches!(rust.as_str(), "body" | "query") {
            diags.push(Diagnostic::new(
                field.name.pos.clone(),
                format!("path parameter `{name}` clashes with the operation's `{rust}` field; rename the parameter"),
            ));
        }
        check_field(field, catalog, place, diags);
    }
    check_decoding_forms(fields, place, diags);
}

/// `aliases` and `comma_separated`: other wire forms of an object field that decoding accepts.
fn check_decoding_forms(fields: &[FieldDecl], place: Place, diags: &mut Vec<Diagnostic>) {
    let mut wire_names: HashMap<&str, &str> = fields
        .iter()
        .map(|f| (f.name.value.as_str(), f.name.value.as_str()))
        .collect();
    for field in fields {
        let name = &field.name.value;
        if let Some(flag) = &field.comma_separated
            && (place != Place::Object
                || field.ty.value != "list"
                || field.items.as_ref().is_none_or(|i| i.value != "string"))
        {
            diags.push(Diagnostic::new(
                flag.pos.clone(),
                format!("`comma_separated` applies to object fields of type `list` with `items: string`; `{name}` is not one"),
            ));
        }
        for alias in &field.aliases {
            let text = alias.value.as_str();
            let problem = if place != Place::Object {
                Some("`aliases` apply to object fields, not to query or path parameters".to_owned())
            } else if field.required {
                // The sandbox checks required fields by name before decoding.
                Some(format!(
                    "`aliases` apply to optional fields; `{name}` is required"
                ))
            } else if !naming::is_clean(text) {
                Some(format!(
                    "alias `{text}` must start with an ASCII letter or `_` and use only ASCII letters, digits, `_` and `-`"
                ))
            } else {
                wire_names.insert(text, name).map(|other| {
                    format!(
                        "alias `{text}` of `{name}` is already the name or an alias of `{other}`"
                    )
                })
            };
            if let Some(problem) = problem {
                diags.push(Diagnostic::new(alias.pos.clone(), problem));
            }
        }
    }
}

fn check_field(
    field: &FieldDecl,
    catalog: &Catalog<'_>,
    place: Place,
    diags: &mut Vec<Diagnostic>,
) {
    let ty = field.ty.value.as_str();
    let name = &field.name.value;
    let named = catalog.types.get(ty);
    let builtin = super::BUILTIN_TYPES.contains(&ty);
    if !builtin && named.is_none() {
        catalog.unknown_type(ty, &field.ty.pos, diags);
        return;
    }
    match (&field.items, ty) {
        (None, "list") => diags.push(Diagnostic::new(
            field.ty.pos.clone(),
            format!("field `{name}` is a `list` and needs `items`"),
        )),
        (Some(items), "list") => {
            if items.value == "list" {
                diags.push(Diagnostic::new(
                    items.pos.clone(),
                    "lists of lists are not supported; name an object type for the inner items",
                ));
            } else if !super::BUILTIN_TYPES.contains(&items.value.as_str())
                && !catalog.types.contains_key(items.value.as_str())
            {
                catalog.unknown_type(&items.value, &items.pos, diags);
            }
        }
        (Some(items), _) => diags.push(Diagnostic::new(
            items.pos.clone(),
            format!("`items` only applies to `list` fields; `{name}` is `{ty}`"),
        )),
        (None, _) => {}
    }
    if place != Place::Object && (ty == "list" || named.is_some_and(|t| !t.is_enum)) {
        let what = if place == Place::Query {
            "query"
        } else {
            "path"
        };
        diags.push(Diagnostic::new(
            field.ty.pos.clone(),
            format!("{what} parameter `{name}` must be a scalar or an enum, not `{ty}`"),
        ));
    }
    if place == Place::Path && !field.required {
        diags.push(Diagnostic::new(
            field.name.pos.clone(),
            format!("path parameter `{name}` must be `required: true`"),
        ));
    }

    let string = ty == "string";
    for (constraint, present) in [
        ("min_length", field.min_length.as_ref().map(|s| &s.pos)),
        ("max_length", field.max_length.as_ref().map(|s| &s.pos)),
        ("charset", field.charset.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && !string
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                format!("`{constraint}` applies to `string` fields; `{name}` is `{ty}`"),
            ));
        }
    }
    for (constraint, present) in [
        ("minimum", field.minimum.as_ref().map(|s| &s.pos)),
        ("maximum", field.maximum.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && !is_integer(ty)
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                format!("`{constraint}` applies to integer and money fields; `{name}` is `{ty}`"),
            ));
        }
    }
    for (constraint, present) in [
        ("min_items", field.min_items.as_ref().map(|s| &s.pos)),
        ("max_items", field.max_items.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && ty != "list"
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                format!("`{constraint}` applies to `list` fields; `{name}` is `{ty}`"),
            ));
        }
    }
    if let (Some(min), Some(max)) = (&field.min_length, &field.max_length)
        && min.value > max.value
    {
        diags.push(Diagnostic::new(
            min.pos.clone(),
            format!(
                "`min_length` {} is greater than `max_length` {} of `{name}`",
                min.value, max.value
            ),
        ));
    }
    if let (Some(min), Some(max)) = (&field.min_items, &field.max_items)
        && min.value > max.value
    {
        diags.push(Diagnostic::new(
            min.pos.clone(),
            format!(
                "`min_items` {} is greater than `max_items` {} of `{name}`",
                min.value, max.value
            ),
        ));
    }
    if let (Some(min), Some(max)) = (&field.minimum, &field.maximum)
        && min.value > max.value
    {
        diags.push(Diagnostic::new(
            min.pos.clone(),
            format!(
                "`minimum` {} is greater than `maximum` {} of `{name}`",
                min.value, max.value
            ),
        ));
    }
    if is_integer(ty) {
        let (lo, hi) = int_bounds(ty);
        for bound in [&field.minimum, &field.maximum].into_iter().flatten() {
            if bound.value < lo || bound.value > hi {
                diags.push(Diagnostic::new(
                    bound.pos.clone(),
                    format!("{} does not fit `{ty}` ({lo}..={hi})", bound.value),
                ));
            }
        }
    }
    if let Some(charset) = &field.charset
        && crate::charset::parse(&charset.value).is_none()
    {
        diags.push(Diagnostic::new(
            charset.pos.clone(),
            format!(
                "`charset` {:?} is not a list of characters and ranges like `0-9A-Za-z_-`",
                charset.value
            ),
        ));
    }
    if let Some(default) = &field.default {
        let problem = match (&default.value, ty) {
            (Scalar::Int(v), t) if is_integer(t) => {
                let (lo, hi) = int_bounds(t);
                let lo = field.minimum.as_ref().map_or(lo, |m| m.value.max(lo));
                let hi = field.maximum.as_ref().map_or(hi, |m| m.value.min(hi));
                (*v < lo || *v > hi)
                    .then(|| format!("default {v} of `{name}` is outside its range {lo}..={hi}"))
            }
            (Scalar::Bool(_), "bool") => None,
            (Scalar::Str(s), "string") => {
                let len = s.chars().count() as u64;
                let too_long = field.max_length.as_ref().is_some_and(|m| len > m.value);
                let too_short = field.min_length.as_ref().is_some_and(|m| len < m.value);
                (too_long || too_short)
                    .then(|| format!("default {s:?} of `{name}` breaks its length limits"))
            }
            (Scalar::Str(s), t) if named.is_some_and(|n| n.is_enum) => match named
                .map(|n| &n.decl.kind)
            {
                Some(TypeKindDecl::Enum(values)) if !values.iter().any(|v| &v.value.value == s) => {
                    Some(format!(
                        "default {s:?} of `{name}` is not a value of enum `{t}`"
                    ))
                }
                _ => None,
            },
            (value, t) => Some(format!(
                "default {} of `{name}` is not a `{t}`",
                match value {
                    Scalar::Int(i) => i.to_string(),
                    Scalar::Bool(b) => b.to_string(),
                    Scalar::Str(s) => format!("{s:?}"),
                    Scalar::Other(o) => o.clone(),
                }
            )),
        };
        if let Some(problem) = problem {
            diags.push(Diagnostic::new(default.pos.clone(), problem));
        }
    }
}

pub(crate) fn check_enum(decl: &TypeDecl, values: &[EnumValueDecl], diags: &mut Vec<Diagnostic>) {
    if values.is_empty() {
        diags.push(Diagnostic::new(
            decl.name.pos.clone(),
            format!("enum `{}` has no values", decl.name.value),
        ));
    }
    let mut variants: HashMap<String, &str> = HashMap::new();
    for value in values {
        let wire = value.value.value.as_str();
        let variant = naming::variant_name(wire);
        if wire.is_empty() {
            diags.push(Diagnostic::new(
                value.value.pos.clone(),
                "enum values must not be empty",
            ));
        } else if variant == "Unknown" {
            diags.push(Diagnostic::new(value.value.pos.clone(), format!("enum value `{wire}` would become `Unknown`, which is reserved for values the spec does not list")));
        } else if let Some(other) = variants.insert(variant.clone(), wire) {
            diags.push(Diagnostic::new(
                value.value.pos.clone(),
                format!("enum values `{other}` and `{wire}` both become the variant `{variant}`"),
            ));
        }
    }
}
