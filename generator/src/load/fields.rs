//! Decodes fields (of a query, a body, a response or a named type), their constraints and
//! `items:`, and the named `types` an operation's fields refer to.

use super::decode::Decoder;
use super::model::*;
use super::spans::KeyPath;
use super::yaml::{Value, describe};

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

impl Decoder<'_> {
    pub(super) fn fields(&mut self, value: &Value, path: &KeyPath, what: &str) -> Vec<FieldDecl> {
        let Some(entries) = self.mapping(value, path, what, None) else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|(name, child, p)| self.field(name, child, p))
            .collect()
    }

    pub(super) fn field(&mut self, name: &str, value: &Value, path: &KeyPath) -> Option<FieldDecl> {
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
    pub(super) fn constraint(
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
    pub(super) fn items(
        &mut self,
        field: &str,
        value: &Value,
        path: &KeyPath,
    ) -> Option<ItemsDecl> {
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

    pub(super) fn types(&mut self, value: &Value, path: &KeyPath) -> Vec<TypeDecl> {
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

    pub(super) fn enum_values(
        &mut self,
        value: &Value,
        path: &KeyPath,
        what: &str,
    ) -> Vec<EnumValueDecl> {
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
}
