//! Decodes a whole spec file: its top-level keys, the resource it declares, and the file-wide
//! `error_codes` and `notifications` tables.

use super::decode::Decoder;
use super::model::*;
use super::spans::{KeyPath, Seg};
use super::yaml::Value;
use crate::diagnostics::Diagnostic;

const FILE_KEYS: &[&str] = &[
    "spec",
    "path",
    "path_params",
    "operations",
    "types",
    "error_codes",
    "notifications",
];
const NOTIFICATION_KEYS: &[&str] = &[
    "summary",
    "description",
    "docs",
    "original_type",
    "resource",
];
const ERROR_CODE_KEYS: &[&str] = &["status", "doc"];

impl Decoder<'_> {
    /// Decodes a whole file. Returns `None` when it is too broken to use.
    pub(crate) fn file(&mut self, value: &Value, rel_path: &str) -> Option<SpecFile> {
        let root = KeyPath::new();
        let entries = self.mapping(value, &root, "a spec file", Some(FILE_KEYS))?;
        let mut version = None;
        let mut path = None;
        let mut params = None;
        let mut operations = None;
        let mut types = Vec::new();
        let mut error_codes = Vec::new();
        let mut notifications = Vec::new();
        for (key, child, p) in &entries {
            match key.as_str() {
                "spec" => version = self.integer(child, p, "`spec`"),
                "path" => path = self.strict_string(child, p, "`path`"),
                "path_params" => {
                    params = Some((self.fields(child, p, "`path_params`"), self.pos(p)))
                }
                "operations" => operations = Some((*child, p.clone())),
                "types" => types = self.types(child, p),
                "error_codes" => error_codes = self.error_codes(child, p),
                "notifications" => notifications = self.notifications(child, p),
                _ => {}
            }
        }
        // Without `spec:` the file is still read as version 1, so its other problems (and the
        // names it declares) are not lost behind this one.
        let version = match self.required(version, &root, "the file", "spec") {
            Some(version) => version,
            None => self.spanned(1, &root),
        };
        if version.value != 1 {
            self.error(
                &[Seg::Key("spec".into())],
                format!(
                    "unsupported spec language version {}; this generator reads version 1",
                    version.value
                ),
            );
        }
        let resource = match (path, operations) {
            (Some(path), operations) => {
                let operations = match operations {
                    Some((value, p)) => self.operations(value, &p),
                    None => {
                        self.error(
                            &[Seg::Key("path".into())],
                            "a resource file needs `operations`",
                        );
                        Vec::new()
                    }
                };
                let (params, params_pos) = params.unwrap_or_else(|| (Vec::new(), path.pos.clone()));
                Some(Resource {
                    path,
                    params,
                    params_pos,
                    operations,
                })
            }
            (None, Some((_, p))) => {
                self.error(&p, "`operations` needs a `path` in the same file");
                None
            }
            (None, None) => {
                if let Some((_, pos)) = params {
                    self.diags.push(Diagnostic::new(
                        pos,
                        "`path_params` needs a `path` in the same file",
                    ));
                }
                None
            }
        };
        Some(SpecFile {
            rel_path: rel_path.to_string(),
            display: self.display.to_string(),
            version,
            resource,
            types,
            error_codes,
            notifications,
        })
    }

    pub(super) fn error_codes(&mut self, value: &Value, path: &KeyPath) -> Vec<ErrorCodeDecl> {
        let Some(entries) = self.mapping(value, path, "`error_codes`", None) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (code, child, p) in &entries {
            let what = format!("error code `{code}`");
            let Some(fields) = self.mapping(child, p, &what, Some(ERROR_CODE_KEYS)) else {
                continue;
            };
            let mut decl = ErrorCodeDecl {
                code: self.spanned(code.clone(), p),
                status: None,
                doc: None,
            };
            for (key, v, kp) in &fields {
                match key.as_str() {
                    "status" => decl.status = self.integer(v, kp, "`status`"),
                    "doc" => decl.doc = self.string(v, kp, "`doc`"),
                    _ => {}
                }
            }
            out.push(decl);
        }
        out
    }

    pub(super) fn notifications(&mut self, value: &Value, path: &KeyPath) -> Vec<NotificationDecl> {
        let Some(entries) = self.mapping(value, path, "`notifications`", None) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (event_type, child, p) in &entries {
            let what = format!("notification `{event_type}`");
            let Some(fields) = self.mapping(child, p, &what, Some(NOTIFICATION_KEYS)) else {
                continue;
            };
            let mut decl = NotificationDecl {
                event_type: self.spanned(event_type.clone(), p),
                summary: None,
                description: None,
                docs: Vec::new(),
                original_type: None,
                resource: self.spanned(String::new(), p),
            };
            let mut resource = None;
            for (key, v, kp) in &fields {
                match key.as_str() {
                    "summary" => decl.summary = self.string(v, kp, "`summary`"),
                    "description" => decl.description = self.string(v, kp, "`description`"),
                    "docs" => decl.docs = self.string_list(v, kp, "`docs`"),
                    "original_type" => decl.original_type = self.string(v, kp, "`original_type`"),
                    "resource" => resource = self.strict_string(v, kp, "`resource`"),
                    _ => {}
                }
            }
            let Some(resource) = self.required(resource, p, &what, "resource") else {
                continue;
            };
            decl.resource = resource;
            out.push(decl);
        }
        out
    }
}
