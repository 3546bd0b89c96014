//! Turns a parsed YAML value into the spec model, checking every key against the language and
//! collecting every problem rather than stopping at the first.

use super::model::*;
use super::spans::{KeyPath, Seg, SpanIndex};
use super::yaml::{Value, describe};
use crate::diagnostics::{Diagnostic, Pos, did_you_mean};

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
const FIELD_KEYS: &[&str] = &[
    "type",
    "items",
    "required",
    "doc",
    "example",
    "default",
    "min_length",
    "max_length",
    "minimum",
    "maximum",
    "charset",
    "min_items",
    "max_items",
    "format",
    "always_serialize",
    "aliases",
    "comma_separated",
];
/// The keys of an `items:` mapping: the item type and the constraints on each item.
const ITEMS_KEYS: &[&str] = &[
    "type",
    "min_length",
    "max_length",
    "minimum",
    "maximum",
    "charset",
    "format",
];
const TYPE_KEYS: &[&str] = &["doc", "fields", "enum"];
const PAGINATION_KEYS: &[&str] = &["style", "offset", "limit", "items", "total"];
const ERROR_CODE_KEYS: &[&str] = &["status", "doc"];
/// The HTTP methods an operation can be declared under.
pub const METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

pub(crate) struct Decoder<'a> {
    display: &'a str,
    spans: &'a SpanIndex,
    diags: &'a mut Vec<Diagnostic>,
}

type Entries<'v> = Vec<(String, &'v Value, KeyPath)>;

impl<'a> Decoder<'a> {
    pub(crate) fn new(
        display: &'a str,
        spans: &'a SpanIndex,
        diags: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Decoder {
            display,
            spans,
            diags,
        }
    }

    fn pos(&self, path: &[Seg]) -> Pos {
        let (line, col) = self.spans.position(path);
        Pos {
            file: self.display.to_string(),
            line,
            col,
        }
    }

    fn error(&mut self, path: &[Seg], message: impl Into<String>) {
        let pos = self.pos(path);
        self.diags.push(Diagnostic::new(pos, message));
    }

    fn spanned<T>(&self, value: T, path: &[Seg]) -> Spanned<T> {
        Spanned {
            value,
            pos: self.pos(path),
        }
    }

    /// A scalar value, positioned at the value itself when it sits on its key's line.
    fn spanned_value<T>(&self, value: T, path: &[Seg]) -> Spanned<T> {
        let (line, col) = self.spans.value_position(path);
        Spanned {
            value,
            pos: Pos {
                file: self.display.to_string(),
                line,
                col,
            },
        }
    }

    /// The entries of a mapping, reporting keys outside `allowed` (when given).
    fn mapping<'v>(
        &mut self,
        value: &'v Value,
        path: &KeyPath,
        what: &str,
        allowed: Option<&[&str]>,
    ) -> Option<Entries<'v>> {
        let Value::Mapping(map) = value else {
            self.error(
                path,
                format!("{what} must be a mapping, found {}", describe(value)),
            );
            return None;
        };
        let mut entries = Vec::new();
        for (key, child) in map {
            let Value::String(key) = key else {
                self.error(
                    path,
                    format!("keys of {what} must be strings, found {}", describe(key)),
                );
                continue;
            };
            let mut child_path = path.clone();
            child_path.push(Seg::Key(key.clone()));
            if let Some(allowed) = allowed
                && !allowed.contains(&key.as_str())
            {
                let hint = match did_you_mean(key, allowed.iter().copied()) {
                    Some(s) => format!("; did you mean `{s}`?"),
                    None => format!("; expected one of: {}", allowed.join(", ")),
                };
                self.error(&child_path, format!("unknown key `{key}` in {what}{hint}"));
                continue;
            }
            entries.push((key.clone(), child, child_path));
        }
        Some(entries)
    }

    fn string(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            // Numbers and booleans written without quotes are still meant as text here.
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => {
                self.error(
                    path,
                    format!("{what} must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn strict_string(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Option<Spanned<String>> {
        match value {
            Value::String(s) => Some(self.spanned_value(s.clone(), path)),
            other => {
                self.error(
                    path,
                    format!("{what} must be a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            other => {
                self.error(
                    path,
                    format!(
                        "{what} must be `true` or `false`, found {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    fn integer(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<Spanned<i128>> {
        let parsed = match value {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from)),
            _ => None,
        };
        match parsed {
            Some(n) => Some(self.spanned_value(n, path)),
            None => {
                self.error(
                    path,
                    format!("{what} must be an integer, found {}", describe(value)),
                );
                None
            }
        }
    }

    fn count(&mut self, value: &Value, path: &KeyPath, what: &str) -> Option<Spanned<u64>> {
        let n = self.integer(value, path, what)?;
        match u64::try_from(n.value) {
            Ok(v) => Some(Spanned {
                value: v,
                pos: n.pos,
            }),
            Err(_) => {
                self.error(
                    path,
                    format!("{what} must not be negative, found {}", n.value),
                );
                None
            }
        }
    }

    fn string_list(&mut self, value: &Value, path: &KeyPath, what: &str) -> Vec<Spanned<String>> {
        let Value::Sequence(items) = value else {
            self.error(
                path,
                format!("{what} must be a list, found {}", describe(value)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let mut item_path = path.clone();
            item_path.push(Seg::Index(i));
            if let Some(s) = self.strict_string(item, &item_path, &format!("each item of {what}")) {
                out.push(s);
            }
        }
        out
    }

    fn required<T>(
        &mut self,
        found: Option<T>,
        path: &KeyPath,
        what: &str,
        key: &str,
    ) -> Option<T> {
        if found.is_none() {
            self.error(path, format!("{what} is missing the required key `{key}`"));
        }
        found
    }

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

    fn operations(&mut self, value: &Value, path: &KeyPath) -> Vec<OperationDecl> {
        let Some(entries) = self.mapping(value, path, "`operations`", Some(METHODS)) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(method, child, p)| self.operation(method, child, p))
            .collect()
    }

    fn operation(&mut self, method: &str, value: &Value, path: &KeyPath) -> Option<OperationDecl> {
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

    fn upload(&mut self, value: &Value, path: &KeyPath) -> Option<UploadDecl> {
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
    fn media_types(&mut self, value: &Value, path: &KeyPath) -> Option<Vec<MediaTypeDecl>> {
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

    fn pagination(&mut self, value: &Value, path: &KeyPath) -> Option<PaginationDecl> {
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

    fn fields(&mut self, value: &Value, path: &KeyPath, what: &str) -> Vec<FieldDecl> {
        let Some(entries) = self.mapping(value, path, what, None) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(name, child, p)| self.field(name, child, p))
            .collect()
    }

    fn field(&mut self, name: &str, value: &Value, path: &KeyPath) -> Option<FieldDecl> {
        let what = format!("field `{name}`");
        let entries = self.mapping(value, path, &what, Some(FIELD_KEYS))?;
        let mut field = FieldDecl {
            name: self.spanned(name.to_string(), path),
            ty: self.spanned(String::new(), path),
            items: None,
            required: false,
            doc: None,
            example: None,
            default: None,
            constraints: ConstraintsDecl::default(),
            min_items: None,
            max_items: None,
            always_serialize: None,
            aliases: Vec::new(),
            comma_separated: None,
        };
        let mut ty = None;
        // An `items` that is there but unusable drops the field, like a missing `type`: its
        // problem is reported already, and "a list needs `items`" would repeat it.
        let mut broken_items = false;
        for (key, child, p) in &entries {
            if self.constraint(key, child, p, &mut field.constraints) {
                continue;
            }
            match key.as_str() {
                "type" => ty = self.strict_string(child, p, "`type`"),
                "items" => {
                    field.items = self.items(name, child, p);
                    broken_items = field.items.is_none();
                }
                "required" => {
                    field.required = self.boolean(child, p, "`required`").unwrap_or(false)
                }
                "doc" => field.doc = self.string(child, p, "`doc`"),
                "example" => field.example = self.string(child, p, "`example`"),
                "default" => {
                    let scalar = match child {
                        Value::Bool(b) => Scalar::Bool(*b),
                        Value::Number(n) => match n
                            .as_i64()
                            .map(i128::from)
                            .or_else(|| n.as_u64().map(i128::from))
                        {
                            Some(i) => Scalar::Int(i),
                            None => Scalar::Other(n.to_string()),
                        },
                        Value::String(s) => Scalar::Str(s.clone()),
                        other => Scalar::Other(describe(other)),
                    };
                    field.default = Some(self.spanned_value(scalar, p));
                }
                "min_items" => field.min_items = self.count(child, p, "`min_items`"),
                "max_items" => field.max_items = self.count(child, p, "`max_items`"),
                "always_serialize" => {
                    field.always_serialize = self
                        .boolean(child, p, "`always_serialize`")
                        .map(|b| self.spanned_value(b, p))
                }
                "aliases" => field.aliases = self.string_list(child, p, "`aliases`"),
                "comma_separated" => {
                    field.comma_separated = self
                        .boolean(child, p, "`comma_separated`")
                        .map(|b| self.spanned_value(b, p))
                }
                _ => {}
            }
        }
        field.ty = self.required(ty, path, &what, "type")?;
        (!broken_items).then_some(field)
    }

    /// Decodes `key` into `constraints` when it is one of the constraints a value can carry;
    /// returns whether it was.
    fn constraint(
        &mut self,
        key: &str,
        value: &Value,
        path: &KeyPath,
        constraints: &mut ConstraintsDecl,
    ) -> bool {
        match key {
            "min_length" => constraints.min_length = self.count(value, path, "`min_length`"),
            "max_length" => constraints.max_length = self.count(value, path, "`max_length`"),
            "minimum" => constraints.minimum = self.integer(value, path, "`minimum`"),
            "maximum" => constraints.maximum = self.integer(value, path, "`maximum`"),
            "charset" => constraints.charset = self.strict_string(value, path, "`charset`"),
            "format" => constraints.format = self.strict_string(value, path, "`format`"),
            _ => return false,
        }
        true
    }

    /// `items: TypeName`, or `items: { type: TypeName, <constraints on each item> }`.
    fn items(&mut self, field: &str, value: &Value, path: &KeyPath) -> Option<ItemsDecl> {
        if !matches!(value, Value::Mapping(_)) {
            let ty = self.strict_string(value, path, "`items`")?;
            return Some(ItemsDecl {
                ty,
                constraints: ConstraintsDecl::default(),
            });
        }
        let what = format!("`items` of field `{field}`");
        let entries = self.mapping(value, path, &what, Some(ITEMS_KEYS))?;
        let mut constraints = ConstraintsDecl::default();
        let mut ty = None;
        for (key, child, p) in &entries {
            if key == "type" {
                ty = self.strict_string(child, p, "`type`");
            } else {
                self.constraint(key, child, p, &mut constraints);
            }
        }
        let ty = self.required(ty, path, &what, "type")?;
        Some(ItemsDecl { ty, constraints })
    }

    fn types(&mut self, value: &Value, path: &KeyPath) -> Vec<TypeDecl> {
        let Some(entries) = self.mapping(value, path, "`types`", None) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, child, p) in &entries {
            let what = format!("type `{name}`");
            let Some(type_entries) = self.mapping(child, p, &what, Some(TYPE_KEYS)) else {
                continue;
            };
            let mut doc = None;
            let mut kind = None;
            for (key, v, kp) in &type_entries {
                match key.as_str() {
                    "doc" => doc = self.string(v, kp, "`doc`"),
                    "fields" | "enum" if kind.is_some() => {
                        self.error(kp, format!("{what} has both `fields` and `enum`; a type is either an object or an enum"));
                    }
                    "fields" => {
                        kind = Some(TypeKindDecl::Object(self.fields(
                            v,
                            kp,
                            &format!("`fields` of {what}"),
                        )))
                    }
                    "enum" => kind = Some(TypeKindDecl::Enum(self.enum_values(v, kp, &what))),
                    _ => {}
                }
            }
            let Some(kind) = kind else {
                self.error(
                    p,
                    format!("{what} needs `fields` (an object) or `enum` (an enum)"),
                );
                continue;
            };
            out.push(TypeDecl {
                name: self.spanned(name.clone(), p),
                doc,
                kind,
            });
        }
        out
    }

    fn enum_values(&mut self, value: &Value, path: &KeyPath, what: &str) -> Vec<EnumValueDecl> {
        let Some(entries) = self.mapping(value, path, &format!("`enum` of {what}"), None) else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(name, child, p)| EnumValueDecl {
                value: self.spanned(name.clone(), p),
                doc: match child {
                    Value::Null => None,
                    other => self.string(other, p, "an enum value's doc"),
                },
            })
            .collect()
    }

    fn error_codes(&mut self, value: &Value, path: &KeyPath) -> Vec<ErrorCodeDecl> {
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

    fn notifications(&mut self, value: &Value, path: &KeyPath) -> Vec<NotificationDecl> {
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
