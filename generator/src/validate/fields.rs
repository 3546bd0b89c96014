//! Rules for fields (of objects, queries and paths), the constraints on a value or on each item
//! of a list, and enums. The constraint rules themselves are in `constraints`.

use std::collections::HashMap;

use crate::diagnostics::{Diagnostic, Pos};
use crate::load::model::{EnumValueDecl, FieldDecl, Scalar, TypeDecl};
use crate::naming::{self, Owner};
use crate::symbols::{Builtin, Symbols, TypeRef};

mod constraints;

use constraints::{Subject, check_constraints};

/// The string formats the language knows.
pub(crate) const FORMATS: &[&str] = &["https_url"];

pub(crate) fn check_fields(
    fields: &[FieldDecl],
    symbols: &Symbols<'_>,
    owner: Owner,
    diags: &mut Vec<Diagnostic>,
) {
    let mut rust_names: HashMap<naming::Name, (&str, &Pos)> = HashMap::new();
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
        let setter = !field.required && owner != Owner::Path;
        if setter && owner.generated_methods().contains(&rust.as_str()) {
            diags.push(Diagnostic::new(
                field.name.pos.clone(),
                format!("optional field `{name}` would get a setter `{rust}()`, which clashes with the generated method of that name; rename the field or make it required"),
            ));
        }
        if owner == Owner::Path && naming::OPERATION_FIELDS.contains(&rust.as_str()) {
            diags.push(Diagnostic::new(
                field.name.pos.clone(),
                format!("path parameter `{name}` clashes with the operation's `{rust}` field; rename the parameter"),
            ));
        }
        check_field(field, symbols, owner, diags);
    }
    check_decoding_forms(fields, owner, diags);
}

/// `aliases` and `comma_separated`: other wire forms of an object field that decoding accepts.
fn check_decoding_forms(fields: &[FieldDecl], owner: Owner, diags: &mut Vec<Diagnostic>) {
    let mut wire_names: HashMap<&str, &str> = fields
        .iter()
        .map(|f| (f.name.value.as_str(), f.name.value.as_str()))
        .collect();
    for field in fields {
        let name = &field.name.value;
        if let Some(flag) = &field.comma_separated
            && (owner != Owner::Object
                || field.ty.value != "list"
                || field.items.as_ref().is_none_or(|i| i.ty.value != "string"))
        {
            diags.push(Diagnostic::new(
                flag.pos.clone(),
                format!("`comma_separated` applies to object fields of type `list` with `items: string`; `{name}` is not one"),
            ));
        }
        for alias in &field.aliases {
            let text = alias.value.as_str();
            let problem = if owner != Owner::Object {
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

/// What a field's type (or its items' type) is, as far as constraints care.
#[derive(Clone, Copy)]
enum Kind<'s, 'a> {
    Builtin(Builtin),
    Named(&'s crate::symbols::TypeSymbol<'a>),
}

fn check_field(
    field: &FieldDecl,
    symbols: &Symbols<'_>,
    owner: Owner,
    diags: &mut Vec<Diagnostic>,
) {
    let ty = field.ty.value.as_str();
    let name = &field.name.value;
    let kind = match symbols.resolve(ty) {
        Some(TypeRef::Builtin(b)) => Kind::Builtin(b),
        Some(TypeRef::Named(symbol)) => Kind::Named(symbol),
        None => {
            diags.push(symbols.unknown_type(ty, &field.ty.pos));
            return;
        }
    };
    let is_list = matches!(kind, Kind::Builtin(Builtin::List));
    match &field.items {
        None if is_list => diags.push(Diagnostic::new(
            field.ty.pos.clone(),
            format!("field `{name}` is a `list` and needs `items`"),
        )),
        Some(items) if is_list => {
            let item = items.ty.value.as_str();
            match symbols.resolve(item) {
                Some(TypeRef::Builtin(Builtin::List)) => diags.push(Diagnostic::new(
                    items.ty.pos.clone(),
                    "lists of lists are not supported; name an object type for the inner items",
                )),
                None => diags.push(symbols.unknown_type(item, &items.ty.pos)),
                Some(resolved) => {
                    let item_kind = match resolved {
                        TypeRef::Builtin(b) => Kind::Builtin(b),
                        TypeRef::Named(s) => Kind::Named(s),
                    };
                    let subject = Subject::Items {
                        field: name,
                        ty: item,
                    };
                    check_constraints(&items.constraints, item_kind, &subject, diags);
                }
            }
        }
        Some(items) => diags.push(Diagnostic::new(
            items.ty.pos.clone(),
            format!("`items` only applies to `list` fields; `{name}` is `{ty}`"),
        )),
        None => {}
    }
    let structured = is_list || matches!(kind, Kind::Named(s) if !s.is_enum());
    if owner != Owner::Object && structured {
        let what = if owner == Owner::Query {
            "query"
        } else {
            "path"
        };
        diags.push(Diagnostic::new(
            field.ty.pos.clone(),
            format!("{what} parameter `{name}` must be a scalar or an enum, not `{ty}`"),
        ));
    }
    if owner == Owner::Path && !field.required {
        diags.push(Diagnostic::new(
            field.name.pos.clone(),
            format!("path parameter `{name}` must be `required: true`"),
        ));
    }

    check_constraints(
        &field.constraints,
        kind,
        &Subject::Field { name, ty },
        diags,
    );
    for (constraint, present) in [
        ("min_items", field.min_items.as_ref().map(|s| &s.pos)),
        ("max_items", field.max_items.as_ref().map(|s| &s.pos)),
    ] {
        if let Some(pos) = present
            && !is_list
        {
            diags.push(Diagnostic::new(
                pos.clone(),
                format!("`{constraint}` applies to `list` fields; `{name}` is `{ty}`"),
            ));
        }
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
    if let Some(always) = &field.always_serialize {
        if !is_list {
            diags.push(Diagnostic::new(
                always.pos.clone(),
                format!("`always_serialize` applies to optional `list` fields; `{name}` is `{ty}`"),
            ));
        } else if field.required {
            diags.push(Diagnostic::new(
                always.pos.clone(),
                format!("`always_serialize` applies to optional lists; `{name}` is required, so it is always sent already"),
            ));
        }
    }
    if let Some(default) = &field.default {
        let problem = default_problem(field, &default.value, kind);
        if let Some(problem) = problem {
            diags.push(Diagnostic::new(default.pos.clone(), problem));
        }
    }
}

/// What is wrong with a field's `default`, if anything.
fn default_problem(field: &FieldDecl, value: &Scalar, kind: Kind<'_, '_>) -> Option<String> {
    let name = &field.name.value;
    let ty = &field.ty.value;
    let c = &field.constraints;
    match (value, kind) {
        (Scalar::Int(v), Kind::Builtin(b)) if b.is_integer() => {
            let (lo, hi) = b.int_bounds();
            let lo = c.minimum.as_ref().map_or(lo, |m| m.value.max(lo));
            let hi = c.maximum.as_ref().map_or(hi, |m| m.value.min(hi));
            (*v < lo || *v > hi)
                .then(|| format!("default {v} of `{name}` is outside its range {lo}..={hi}"))
        }
        (Scalar::Bool(_), Kind::Builtin(Builtin::Bool)) => None,
        (Scalar::Str(s), Kind::Builtin(Builtin::String)) => {
            let len = s.chars().count() as u64;
            let too_long = c.max_length.as_ref().is_some_and(|m| len > m.value);
            let too_short = c.min_length.as_ref().is_some_and(|m| len < m.value);
            (too_long || too_short)
                .then(|| format!("default {s:?} of `{name}` breaks its length limits"))
        }
        (Scalar::Str(s), Kind::Named(symbol)) if symbol.is_enum() => {
            (!symbol.values().contains(&s.as_str()))
                .then(|| format!("default {s:?} of `{name}` is not a value of enum `{ty}`"))
        }
        (value, _) => Some(format!(
            "default {} of `{name}` is not a `{ty}`",
            match value {
                Scalar::Int(i) => i.to_string(),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Str(s) => format!("{s:?}"),
                Scalar::Other(o) => o.clone(),
            }
        )),
    }
}

pub(crate) fn check_enum(decl: &TypeDecl, values: &[EnumValueDecl], diags: &mut Vec<Diagnostic>) {
    if values.is_empty() {
        diags.push(Diagnostic::new(
            decl.name.pos.clone(),
            format!("enum `{}` has no values", decl.name.value),
        ));
    }
    let mut variants: HashMap<naming::Name, &str> = HashMap::new();
    for value in values {
        let wire = value.value.value.as_str();
        let variant = naming::variant_name(wire);
        if wire.is_empty() {
            diags.push(Diagnostic::new(
                value.value.pos.clone(),
                "enum values must not be empty",
            ));
        } else if variant.as_str() == naming::UNKNOWN_VARIANT {
            diags.push(Diagnostic::new(value.value.pos.clone(), format!("enum value `{wire}` would become `{}`, which is reserved for values the spec does not list", naming::UNKNOWN_VARIANT)));
        } else if let Some(other) = variants.insert(variant.clone(), wire) {
            diags.push(Diagnostic::new(
                value.value.pos.clone(),
                format!("enum values `{other}` and `{wire}` both become the variant `{variant}`"),
            ));
        }
    }
}
