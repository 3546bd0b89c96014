//! Stage 2, validate: every semantic rule of the spec language, checked across all files. Reports
//! every problem it finds; generation only proceeds when there is none. Names are decided by
//! [`crate::naming`] and looked up in the one [`Symbols`] table that lowering uses too.

mod fields;
mod operations;
mod upload;

use crate::diagnostics::{Diagnostic, Pos};
use crate::load::model::{SpecFile, TypeKindDecl};
use crate::naming::Owner;
use crate::symbols::Symbols;

/// Checks every rule; returns the problems found, sorted by position.
pub fn validate(files: &[SpecFile]) -> Vec<Diagnostic> {
    let symbols = Symbols::new(files);
    let mut diags = symbols.problems().to_vec();
    for code in files.iter().flat_map(|f| &f.error_codes) {
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
    for decl in files.iter().flat_map(|f| &f.types) {
        match &decl.kind {
            TypeKindDecl::Object(fields) => {
                if fields.is_empty() {
                    diags.push(Diagnostic::new(
                        decl.name.pos.clone(),
                        format!("object type `{}` has no fields", decl.name.value),
                    ));
                }
                fields::check_fields(fields, &symbols, Owner::Object, &mut diags);
            }
            TypeKindDecl::Enum(values) => fields::check_enum(decl, values, &mut diags),
        }
    }
    check_notifications(files, &symbols, &mut diags);
    operations::check(files, &symbols, &mut diags);
    diags.sort();
    diags.dedup();
    diags
}

/// An https link, else a diagnostic.
fn check_doc_links(urls: &[crate::load::model::Spanned<String>], diags: &mut Vec<Diagnostic>) {
    for url in urls {
        if !url.value.starts_with("https://") {
            diags.push(Diagnostic::new(
                url.pos.clone(),
                format!("doc links must be https URLs, found {:?}", url.value),
            ));
        }
    }
}

/// `what` must name an object type (`body`, `response`, a notification's `resource`).
fn check_object_ref(
    what: &str,
    name: &str,
    pos: &Pos,
    symbols: &Symbols<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    match symbols.get(name) {
        None => diags.push(symbols.unknown_type(name, pos)),
        Some(symbol) if symbol.is_enum() => diags.push(Diagnostic::new(
            pos.clone(),
            format!("`{what}` must name an object type; `{name}` is an enum"),
        )),
        Some(_) => {}
    }
}

/// Notifications: an object resource type, https links (names are checked by the table).
fn check_notifications(files: &[SpecFile], symbols: &Symbols<'_>, diags: &mut Vec<Diagnostic>) {
    for notification in files.iter().flat_map(|f| &f.notifications) {
        let resource = &notification.resource;
        check_object_ref("resource", &resource.value, &resource.pos, symbols, diags);
        check_doc_links(&notification.docs, diags);
    }
}
