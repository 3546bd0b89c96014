//! Values built from the spec alone, as stripe-mock and Prism do: the answer of an operation
//! that has no stateful handler, and example inputs for tests and tools.
//!
//! An object gets every required field, every optional field the spec gives an `example:`, and
//! every list. A value is the field's `example:` when it has one (and it parses as the type; a
//! list's or an object's example is JSON text), else its `default:`, else one derived from the
//! type and constraints: a string of `min_length` (at least one) characters from its charset
//! (an `https://` URL for `format: https_url`), the integer nearest 0 within its range, `false`,
//! the first enum value, the current time in China time (`+08:00`) or today's date, and a list
//! of `min_items` (at least one) items, each meeting the item constraints. An object type met
//! again inside itself stops the recursion: an optional field of it is left out, a list of it
//! is empty.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use time::{OffsetDateTime, UtcOffset};

use super::reject::Rejection;
use super::schema::{FieldSchema, Format, Schema, ValueSchema};
use crate::{Date, Timestamp};

/// The value of a `format: https_url` string without an example: https, a host, no query.
const EXAMPLE_URL: &str = "https://example.com/wxpay/notify";

/// China Standard Time, the offset WeChat Pay writes its times in.
const CHINA: i32 = 8 * 3600;

/// The value of the named type: an object of example fields, or an enum's first value.
pub fn type_value(schema: &Schema, name: &str, now_unix: i64) -> Value {
    Examples::new(schema, now_unix).named(name)
}

/// An object holding example values of `fields` (a query, the path parameters).
pub fn fields_value(schema: &Schema, fields: &[FieldSchema], now_unix: i64) -> Map<String, Value> {
    Examples::new(schema, now_unix).object(fields)
}

/// A file an upload's spec accepts: named `example.` and its first extension, holding a few
/// bytes (as many as `max_bytes` allows), as a tool that sends every operation needs one.
pub fn upload_file(spec: &crate::multipart::UploadSpec) -> crate::UploadFile {
    let ext = spec
        .media_types
        .first()
        .and_then(|m| m.extensions.first())
        .copied()
        .unwrap_or("bin");
    let len = usize::try_from(spec.max_bytes.min(16)).unwrap_or(16);
    crate::UploadFile::new(format!("example.{ext}"), vec![b'x'; len])
}

/// The typed answer of `operation` built from the spec: its response type's example, decoded
/// as `R` (so it is valid for the type); `()` for an operation without a response body.
pub fn answer<R: DeserializeOwned>(
    schema: &Schema,
    operation: &str,
    now_unix: i64,
) -> Result<R, Rejection> {
    let value = match schema.route(operation).and_then(|r| r.response) {
        Some(response) => type_value(schema, response, now_unix),
        None => Value::Null,
    };
    serde_path_to_error::deserialize(value).map_err(|e| {
        tracing::error!(operation, error = %e, "the spec's example answer does not decode");
        Rejection::system()
    })
}

struct Examples<'s> {
    schema: &'s Schema,
    now: OffsetDateTime,
    /// The object types being built, outermost first.
    stack: Vec<&'s str>,
}

impl<'s> Examples<'s> {
    fn new(schema: &'s Schema, now_unix: i64) -> Self {
        let offset = UtcOffset::from_whole_seconds(CHINA).unwrap_or(UtcOffset::UTC);
        let now = OffsetDateTime::from_unix_timestamp(now_unix)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(offset);
        Examples {
            schema,
            now,
            stack: Vec::new(),
        }
    }

    fn named(&mut self, name: &str) -> Value {
        let values = self.schema.values_of(name);
        if let Some(first) = values.first() {
            return Value::String((*first).to_owned());
        }
        let Some(ty) = self.schema.type_named(name) else {
            return Value::Object(Map::new());
        };
        self.stack.push(ty.name);
        let object = self.object(self.schema.fields_of(name));
        self.stack.pop();
        Value::Object(object)
    }

    fn object(&mut self, fields: &[FieldSchema]) -> Map<String, Value> {
        let mut object = Map::new();
        for field in fields {
            let recursive =
                matches!(field.value, ValueSchema::Object(name) if self.stack.contains(&name));
            let wanted = field.required
                || field.example.is_some()
                || matches!(field.value, ValueSchema::List(_));
            if wanted && (field.required || !recursive) {
                let value = self.field(field);
                object.insert(field.wire.to_owned(), value);
            }
        }
        object
    }

    fn field(&mut self, field: &FieldSchema) -> Value {
        for text in [field.example, field.default].into_iter().flatten() {
            if let Some(value) = self.parse(&field.value, text) {
                return value;
            }
        }
        match field.value {
            ValueSchema::List(item) => {
                let recursive =
                    matches!(item, ValueSchema::Object(name) if self.stack.contains(name));
                let count = if recursive {
                    0
                } else {
                    field.constraints.min_items.unwrap_or(1).max(1)
                };
                let count = field
                    .constraints
                    .max_items
                    .map_or(count, |max| count.min(max));
                let item_field = FieldSchema {
                    constraints: field.items,
                    ..FieldSchema::required(field.wire, *item)
                };
                Value::Array((0..count).map(|_| self.field(&item_field)).collect())
            }
            value => self.derived(field, &value),
        }
    }

    /// An example or default given as text, if it is a value of the type.
    fn parse(&self, value: &ValueSchema, text: &str) -> Option<Value> {
        match value {
            ValueSchema::String | ValueSchema::Time | ValueSchema::Date => {
                Some(Value::String(text.to_owned()))
            }
            ValueSchema::Bool => text.parse::<bool>().ok().map(Value::Bool),
            ValueSchema::Integer(_) | ValueSchema::Money => text
                .parse::<u64>()
                .map(Value::from)
                .or_else(|_| text.parse::<i64>().map(Value::from))
                .ok(),
            ValueSchema::Enum(name) => {
                let values = self.schema.values_of(name);
                values
                    .contains(&text)
                    .then(|| Value::String(text.to_owned()))
            }
            // A list or an object example is JSON text: `'["123321", "456654"]'`.
            ValueSchema::List(_) => serde_json::from_str(text).ok().filter(Value::is_array),
            ValueSchema::Object(_) => serde_json::from_str(text).ok().filter(Value::is_object),
        }
    }

    fn derived(&mut self, field: &FieldSchema, value: &ValueSchema) -> Value {
        let c = &field.constraints;
        match value {
            ValueSchema::String if c.format == Some(Format::HttpsUrl) => {
                Value::String(EXAMPLE_URL.to_owned())
            }
            ValueSchema::String => {
                let fill = c.charset.first().map_or('x', |(lo, _)| *lo);
                let len = c.min_length.unwrap_or(1).max(u64::from(field.required));
                let len = c.max_length.map_or(len, |max| len.min(max));
                Value::String((0..len).map(|_| fill).collect())
            }
            ValueSchema::Bool => Value::Bool(false),
            ValueSchema::Integer(kind) => {
                let (lo, hi) = kind.range();
                number(nearest_zero(
                    c.minimum.unwrap_or(lo).max(lo),
                    c.maximum.unwrap_or(hi).min(hi),
                ))
            }
            ValueSchema::Money => {
                let (lo, hi) = (i128::from(i64::MIN), i128::from(i64::MAX));
                number(nearest_zero(
                    c.minimum.unwrap_or(lo).max(lo),
                    c.maximum.unwrap_or(hi).min(hi),
                ))
            }
            ValueSchema::Time => {
                let at = self.now.replace_nanosecond(0).unwrap_or(self.now);
                Value::String(Timestamp::from_datetime(at).as_str().to_owned())
            }
            ValueSchema::Date => {
                Value::String(Date::from_date(self.now.date()).as_str().to_owned())
            }
            ValueSchema::Enum(name) | ValueSchema::Object(name) => self.named(name),
            ValueSchema::List(_) => Value::Array(Vec::new()),
        }
    }
}

fn nearest_zero(min: i128, max: i128) -> i128 {
    0.clamp(min, max.max(min))
}

fn number(n: i128) -> Value {
    match (u64::try_from(n), i64::try_from(n)) {
        (Ok(n), _) => Value::from(n),
        (_, Ok(n)) => Value::from(n),
        _ => Value::from(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::schema::{Constraints, IntKind, TypeKind, TypeSchema};

    static NODE: &[FieldSchema] = &[
        FieldSchema::required("id", ValueSchema::String)
            .min_length(3)
            .max_length(8)
            .charset(&[('0', '9')]),
        FieldSchema::required("count", ValueSchema::Integer(IntKind::U32))
            .minimum(5)
            .maximum(9),
        FieldSchema::optional("name", ValueSchema::String).example("微信支付"),
        FieldSchema::optional("hidden", ValueSchema::String),
        FieldSchema::required("at", ValueSchema::Time),
        FieldSchema::required("colour", ValueSchema::Enum("Colour")),
        FieldSchema::optional("children", ValueSchema::List(&ValueSchema::Object("Node"))),
        FieldSchema::optional("parent", ValueSchema::Object("Node")),
        FieldSchema::required("tags", ValueSchema::List(&ValueSchema::String))
            .min_items(2)
            .items(Constraints::NONE.min_length(2).charset(&[('a', 'z')])),
        FieldSchema::required("url", ValueSchema::String).format(Format::HttpsUrl),
        FieldSchema::required("amount", ValueSchema::Money).maximum(-3),
    ];
    static SCHEMA: Schema = Schema {
        types: &[
            TypeSchema {
                name: "Colour",
                kind: TypeKind::Enum(&["RED", "BLUE"]),
            },
            TypeSchema {
                name: "Node",
                kind: TypeKind::Object(NODE),
            },
        ],
        routes: &[],
    };

    #[test]
    fn examples_meet_the_constraints() {
        // 2024-01-01T00:00:00Z.
        let value = type_value(&SCHEMA, "Node", 1_704_067_200);
        assert_eq!(
            value,
            serde_json::json!({
                "id": "000",
                "count": 5,
                "name": "微信支付",
                "at": "2024-01-01T08:00:00+08:00",
                "colour": "RED",
                "children": [],
                "tags": ["aa", "aa"],
                "url": "https://example.com/wxpay/notify",
                "amount": -3,
            })
        );
        assert_eq!(
            type_value(&SCHEMA, "Colour", 0),
            Value::String("RED".into())
        );
    }
}
