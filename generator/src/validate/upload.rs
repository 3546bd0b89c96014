//! Rules for `upload:`, an operation whose request is a `multipart/form-data` file upload with a
//! signed JSON `meta` part: it replaces the JSON body, it needs a method with a body, and every
//! file it accepts must map to exactly one allowed content type.

use std::collections::HashMap;

use crate::diagnostics::Diagnostic;
use crate::load::model::{OperationDecl, UploadDecl};

/// Checks `op.upload`, when there is one.
pub(super) fn check(op: &OperationDecl, diags: &mut Vec<Diagnostic>) {
    let Some(upload) = &op.upload else {
        return;
    };
    if let Some(body) = &op.body {
        diags.push(Diagnostic::new(
            body.pos.clone(),
            "an operation with `upload` cannot also have a `body`: the multipart request is its body",
        ));
    }
    if op.method.value == "get" || op.method.value == "delete" {
        diags.push(Diagnostic::new(
            upload.pos.clone(),
            format!(
                "a `{}` operation cannot have an `upload`; uploads are sent with `post`, `put` or `patch`",
                op.method.value
            ),
        ));
    }
    if op.pagination.is_some() {
        diags.push(Diagnostic::new(
            upload.pos.clone(),
            "an operation with `upload` cannot be paginated",
        ));
    }
    check_parts(upload, diags);
    check_media_types(upload, diags);
}

/// Part names are multipart form-field names: non-empty, distinct, and plain enough to sit
/// unescaped in a quoted `Content-Disposition` parameter.
fn check_parts(upload: &UploadDecl, diags: &mut Vec<Diagnostic>) {
    for (key, part) in [("file", &upload.file), ("meta", &upload.meta)] {
        let clean = !part.value.is_empty()
            && part
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !clean {
            diags.push(Diagnostic::new(
                part.pos.clone(),
                format!(
                    "`upload.{key}` must be a part name of ASCII letters, digits, `_` or `-`, found {:?}",
                    part.value
                ),
            ));
        }
    }
    if upload.file.value == upload.meta.value {
        diags.push(Diagnostic::new(
            upload.meta.pos.clone(),
            format!(
                "`upload.meta` and `upload.file` must name different parts; both are `{}`",
                upload.meta.value
            ),
        ));
    }
    if upload.max_bytes.value == 0 {
        diags.push(Diagnostic::new(
            upload.max_bytes.pos.clone(),
            "`upload.max_bytes` must be at least 1",
        ));
    }
}

fn check_media_types(upload: &UploadDecl, diags: &mut Vec<Diagnostic>) {
    if upload.media_types.is_empty() {
        diags.push(Diagnostic::new(
            upload.media_types_pos.clone(),
            "`upload.media_types` must list at least one content type, each with its file extensions",
        ));
    }
    // Extensions are matched case-insensitively, so `PNG` and `png` are the same one.
    let mut owners: HashMap<String, &str> = HashMap::new();
    for media in &upload.media_types {
        let name = &media.content_type.value;
        let token = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
        };
        let well_formed = name
            .split_once('/')
            .is_some_and(|(kind, sub)| token(kind) && token(sub));
        if !well_formed {
            diags.push(Diagnostic::new(
                media.content_type.pos.clone(),
                format!("`{name}` is not a content type (`type/subtype`, e.g. `image/png`)"),
            ));
        }
        if media.extensions.is_empty() {
            diags.push(Diagnostic::new(
                media.content_type.pos.clone(),
                format!("content type `{name}` needs at least one file extension"),
            ));
        }
        for ext in &media.extensions {
            if ext.value.is_empty() || !ext.value.chars().all(|c| c.is_ascii_alphanumeric()) {
                diags.push(Diagnostic::new(
                    ext.pos.clone(),
                    format!(
                        "a file extension is ASCII letters and digits without the dot, found {:?}",
                        ext.value
                    ),
                ));
                continue;
            }
            if let Some(first) = owners.insert(ext.value.to_ascii_lowercase(), name) {
                diags.push(Diagnostic::new(
                    ext.pos.clone(),
                    format!(
                        "file extension `{}` is listed twice (under `{first}` and `{name}`); each extension selects one content type",
                        ext.value
                    ),
                ));
            }
        }
    }
}
