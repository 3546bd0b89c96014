//! Stage 2, validate: every semantic rule of the spec language, checked across all files. Reports
//! every problem it finds; generation only proceeds when there is none.

mod fields;
mod operations;

use std::collections::HashMap;

use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::load::model::{SpecFile, TypeKindDecl};
use crate::naming;

/// The built-in field types.
pub const BUILTIN_TYPES: &[&str] = &[
    "string", "bool", "i32", "i64", "u32", "u64", "money", "time", "date", "list",
];

/// Type names the generated code uses itself: a spec type of that name would shadow them.
const RESERVED_TYPES: &[&str] = &[
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
    "ErrorCode",
];

/// Module names the generated root uses for its own files.
const RESERVED_MODULES: &[&str] = &["paths", "catalog", "api"];

/// What the rules need to know about named types.
pub(crate) struct Catalog<'a> {
    /// Spec name -> (is enum, enum values or object field names, declaration position).
    pub types: HashMap<&'a str, TypeInfo<'a>>,
    /// Declared error codes.
    pub error_codes: HashMap<&'a str, &'a Pos>,
}

pub(crate) struct TypeInfo<'a> {
    pub is_enum: bool,
    pub decl: &'a crate::load::model::TypeDecl,
}

impl<'a> Catalog<'a> {
    fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.types
            .keys()
            .copied()
            .chain(BUILTIN_TYPES.iter().copied())
    }

    /// Reports an unknown type name, with a suggestion.
    pub fn unknown_type(&self, name: &str, pos: &Pos, diags: &mut Vec<Diagnostic>) {
        let mut names: Vec<&str> = self.names().collect();
        names.sort_unstable();
        let hint = match did_you_mean(name, names.iter().copied()) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => String::new(),
        };
        diags.push(Diagnostic::new(
            pos.clone(),
            format!("unknown type `{name}`{hint}"),
        ));
    }
}

/// Checks every rule; returns the problems found, sorted by position.
pub fn validate(files: &[SpecFile]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut catalog = Catalog {
        types: HashMap::new(),
        error_codes: HashMap::new(),
    };
    let mut rust_type_names: HashMap<String, (&str, &Pos)> = HashMap::new();

    for file in files {
        for decl in &file.types {
            let name = decl.name.value.as_str();
            if RESERVED_TYPES.contains(&naming::type_name(name).as_str()) {
                diags.push(Diagnostic::new(
                    decl.name.pos.clone(),
                    format!(
                        "type name `{name}` is reserved: the generated code uses `{}` itself",
                        naming::type_name(name)
                    ),
                ));
                continue;
            }
            if naming::type_name(name) != name {
                diags.push(Diagnostic::new(
                    decl.name.pos.clone(),
                    format!(
                        "type names are UpperCamelCase: write `{}` instead of `{name}`",
                        naming::type_name(name)
                    ),
                ));
            }
            if let Some(previous) = catalog.types.get(name) {
                diags.push(Diagnostic::new(
                    decl.name.pos.clone(),
                    format!(
                        "type `{name}` is already declared at {}",
                        previous.decl.name.pos
                    ),
                ));
                continue;
            }
            if let Some((other, pos)) = rust_type_names.get(&naming::type_name(name)) {
                diags.push(Diagnostic::new(
                    decl.name.pos.clone(),
                    format!(
                        "type `{name}` becomes the Rust name `{}`, like `{other}` at {pos}",
                        naming::type_name(name)
                    ),
                ));
            }
            rust_type_names.insert(naming::type_name(name), (name, &decl.name.pos));
            catalog.types.insert(
                name,
                TypeInfo {
                    is_enum: matches!(decl.kind, TypeKindDecl::Enum(_)),
                    decl,
                },
            );
        }
        for code in &file.error_codes {
            if let Some(previous) = catalog.error_codes.get(code.code.value.as_str()) {
                diags.push(Diagnostic::new(
                    code.code.pos.clone(),
                    format!(
                        "error code `{}` is already declared at {previous}",
                        code.code.value
                    ),
                ));
            } else {
                catalog.error_codes.insert(&code.code.value, &code.code.pos);
            }
            if let Some(status) = &code.status
                && !(400..=599).contains(&status.value)
            {
                diags.push(Diagnostic::new(
                    status.pos.clone(),
                    format!(
                        "an error code's status must be 400..=599, found {}",
                        status.value
                    ),
                ));
            }
        }
    }

    let mut modules: HashMap<String, &str> = HashMap::new();
    for file in files
        .iter()
        .filter(|f| f.resource.is_some() || !f.types.is_empty())
    {
        let module = naming::module_name(&file.rel_path);
        if RESERVED_MODULES.contains(&module.as_str()) {
            diags.push(Diagnostic::new(file.version.pos.clone(), format!("`{}` would generate the module `{module}`, which the generated code reserves; rename the file", file.display)));
        } else if let Some(other) = modules.insert(module.clone(), &file.display) {
            diags.push(Diagnostic::new(file.version.pos.clone(), format!("`{}` and `{other}` would both generate the module `{module}`; rename one of them", file.display)));
        }
    }

    let mut error_variants: HashMap<String, &str> = HashMap::new();
    for file in files {
        for code in &file.error_codes {
            let variant = naming::variant_name(&code.code.value);
            if variant == "Unknown" {
                diags.push(Diagnostic::new(
                    code.code.pos.clone(),
                    "`UNKNOWN` is reserved: every generated enum has an `Unknown(String)` variant",
                ));
            } else if let Some(other) = error_variants.insert(variant.clone(), &code.code.value)
                && other != code.code.value
            {
                diags.push(Diagnostic::new(
                    code.code.pos.clone(),
                    format!(
                        "error code `{}` becomes the variant `{variant}`, like `{other}`",
                        code.code.value
                    ),
                ));
            }
        }
        for decl in &file.types {
            match &decl.kind {
                TypeKindDecl::Object(fields) => {
                    if fields.is_empty() {
                        diags.push(Diagnostic::new(
                            decl.name.pos.clone(),
                            format!("object type `{}` has no fields", decl.name.value),
                        ));
                    }
                    fields::check_fields(fields, &catalog, fields::Place::Object, &mut diags);
                }
                TypeKindDecl::Enum(values) => fields::check_enum(decl, values, &mut diags),
            }
        }
    }
    check_notifications(files, &catalog, &mut diags);
    operations::check(files, &catalog, &rust_type_names, &mut diags);
    diags.sort();
    diags.dedup();
    diags
}

/// Notifications: unique event types (and variants), an object resource type, https links.
fn check_notifications(files: &[SpecFile], catalog: &Catalog<'_>, diags: &mut Vec<Diagnostic>) {
    let mut variants: HashMap<String, (&str, &Pos)> = HashMap::new();
    for notification in files.iter().flat_map(|f| &f.notifications) {
        let event = &notification.event_type;
        let variant = naming::variant_name(&event.value);
        if variant == "Unknown" {
            diags.push(Diagnostic::new(
                event.pos.clone(),
                "`UNKNOWN` is reserved for event types the spec does not describe",
            ));
        } else if let Some((other, pos)) =
            variants.insert(variant.clone(), (&event.value, &event.pos))
        {
            let message = if other == event.value {
                format!("notification `{other}` is already declared at {pos}")
            } else {
                format!(
                    "notification `{}` becomes the variant `{variant}`, like `{other}` at {pos}",
                    event.value
                )
            };
            diags.push(Diagnostic::new(event.pos.clone(), message));
        }
        let resource = &notification.resource;
        match catalog.types.get(resource.value.as_str()) {
            None => catalog.unknown_type(&resource.value, &resource.pos, diags),
            Some(info) if info.is_enum => diags.push(Diagnostic::new(
                resource.pos.clone(),
                format!(
                    "`resource` must name an object type; `{}` is an enum",
                    resource.value
                ),
            )),
            Some(_) => {}
        }
        for url in &notification.docs {
            if !url.value.starts_with("https://") {
                diags.push(Diagnostic::new(
                    url.pos.clone(),
                    format!("doc links must be https URLs, found {:?}", url.value),
                ));
            }
        }
    }
}
