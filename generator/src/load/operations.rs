//! Decodes a resource's `operations`: each method's operation with its upload and pagination.

use super::decode::Decoder;
use super::model::*;
use super::spans::KeyPath;
use super::yaml::Value;

/// The HTTP methods an operation can be declared under.
pub const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];
const OPERATION_KEYS: &[&str] = &[
    "id",
    "summary",
    "description",
    "docs",
    "rate_limit",
    "idempotency_key",
    "idempotent",
    "signed_response",
    "query",
    "body",
    "upload",
    "response",
    "errors",
    "pagination",
];
/// The keys of an operation's `upload:`.
const UPLOAD_KEYS: &[&str] = &["file", "meta", "max_bytes", "media_types"];
const PAGINATION_KEYS: &[&str] = &["style", "offset", "limit", "items", "total"];

impl Decoder<'_> {
    pub(super) fn operations(&mut self, value: &Value, path: &KeyPath) -> Vec<OperationDecl> {
        let Some(entries) = self.mapping(value, path, "`operations`", Some(METHODS)) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(method, child, p)| self.operation(method, child, p))
            .collect()
    }

    pub(super) fn operation(
        &mut self,
        method: &str,
        value: &Value,
        path: &KeyPath,
    ) -> Option<OperationDecl> {
        let what = format!("operation `{method}`");
        let entries = self.mapping(value, path, &what, Some(OPERATION_KEYS))?;
        let mut op = OperationDecl {
            method: self.spanned(method.to_string(), path),
            id: self.spanned(String::new(), path),
            summary: None,
            description: None,
            docs: Vec::new(),
            rate_limit: None,
            idempotency_key: None,
            idempotent: None,
            signed_response: true,
            query: Vec::new(),
            query_pos: self.pos(path),
            body: None,
            upload: None,
            response: None,
            errors: Vec::new(),
            pagination: None,
            pos: self.pos(path),
        };
        let mut id = None;
        for (key, child, p) in &entries {
            match key.as_str() {
                "id" => id = self.strict_string(child, p, "`id`"),
                "summary" => op.summary = self.string(child, p, "`summary`"),
                "description" => op.description = self.string(child, p, "`description`"),
                "docs" => op.docs = self.string_list(child, p, "`docs`"),
                "rate_limit" => op.rate_limit = self.string(child, p, "`rate_limit`"),
                "idempotency_key" => {
                    op.idempotency_key = self.strict_string(child, p, "`idempotency_key`")
                }
                "idempotent" => {
                    op.idempotent = self
                        .boolean(child, p, "`idempotent`")
                        .map(|b| self.spanned_value(b, p))
                }
                "signed_response" => {
                    op.signed_response = self.boolean(child, p, "`signed_response`").unwrap_or(true)
                }
                "query" => {
                    op.query = self.fields(child, p, "`query`");
                    op.query_pos = self.pos(p);
                }
                "body" => op.body = self.strict_string(child, p, "`body`"),
                "upload" => op.upload = self.upload(child, p),
                "response" => op.response = self.strict_string(child, p, "`response`"),
                "errors" => op.errors = self.string_list(child, p, "`errors`"),
                "pagination" => op.pagination = self.pagination(child, p),
                _ => {}
            }
        }
        op.id = self.required(id, path, &what, "id")?;
        Some(op)
    }

    pub(super) fn upload(&mut self, value: &Value, path: &KeyPath) -> Option<UploadDecl> {
        let entries = self.mapping(value, path, "`upload`", Some(UPLOAD_KEYS))?;
        let (mut file, mut meta, mut max_bytes) = (None, None, None);
        let mut media_types = None;
        let mut media_types_pos = self.pos(path);
        // A `media_types` that is there but unusable drops the upload: its problem is reported.
        let mut broken = false;
        for (key, child, p) in &entries {
            match key.as_str() {
                "file" => file = self.strict_string(child, p, "`upload.file`"),
                "meta" => meta = self.strict_string(child, p, "`upload.meta`"),
                "max_bytes" => max_bytes = self.count(child, p, "`upload.max_bytes`"),
                "media_types" => {
                    media_types_pos = self.pos(p);
                    media_types = self.media_types(child, p);
                    broken = media_types.is_none();
                }
                _ => {}
            }
        }
        let file = self.required(file, path, "`upload`", "file");
        let meta = self.required(meta, path, "`upload`", "meta");
        let max_bytes = self.required(max_bytes, path, "`upload`", "max_bytes");
        if broken {
            return None;
        }
        let media_types = self.required(media_types, path, "`upload`", "media_types");
        Some(UploadDecl {
            file: file?,
            meta: meta?,
            max_bytes: max_bytes?,
            media_types: media_types?,
            media_types_pos,
            pos: self.pos(path),
        })
    }

    /// `media_types: { image/png: [png], … }`: each content type with its file extensions.
    pub(super) fn media_types(
        &mut self,
        value: &Value,
        path: &KeyPath,
    ) -> Option<Vec<MediaTypeDecl>> {
        let entries = self.mapping(value, path, "`upload.media_types`", None)?;
        Some(
            entries
                .iter()
                .map(|(content_type, child, p)| MediaTypeDecl {
                    content_type: self.spanned(content_type.clone(), p),
                    extensions: self.string_list(
                        child,
                        p,
                        &format!("the extensions of `{content_type}`"),
                    ),
                })
                .collect(),
        )
    }

    pub(super) fn pagination(&mut self, value: &Value, path: &KeyPath) -> Option<PaginationDecl> {
        let entries = self.mapping(value, path, "`pagination`", Some(PAGINATION_KEYS))?;
        let mut found: [Option<Spanned<String>>; 5] = Default::default();
        for (key, child, p) in &entries {
            let slot = PAGINATION_KEYS.iter().position(|k| k == key)?;
            found[slot] = self.strict_string(child, p, &format!("`pagination.{key}`"));
        }
        let [style, offset, limit, items, total] = found;
        let style = self.required(style, path, "`pagination`", "style");
        let offset = self.required(offset, path, "`pagination`", "offset");
        let limit = self.required(limit, path, "`pagination`", "limit");
        let items = self.required(items, path, "`pagination`", "items");
        Some(PaginationDecl {
            style: style?,
            offset: offset?,
            limit: limit?,
            items: items?,
            total,
        })
    }
}
