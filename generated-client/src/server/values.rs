//! What the schema says about values: the JSON value of a parameter given as text, whether an
//! enum lists a value, and the required fields, defaults and enum values of a JSON body at any
//! depth. Problems come back with their JSON pointer; [`super::decode`] turns them into
//! `400 PARAM_ERROR`s.

use serde_json::{Map, Value};

use super::schema::{FieldSchema, Schema, ValueSchema};

/// What is wrong with a JSON body, and where.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Problem {
    /// A required field is absent or `null`.
    Missing {
        /// Its JSON pointer.
        pointer: String,
        /// Its wire name.
        name: &'static str,
    },
    /// A value the schema does not allow.
    Value {
        /// Its JSON pointer.
        pointer: String,
        /// The value.
        value: Value,
        /// Why.
        issue: String,
    },
}

/// Checks the fields of one object at JSON pointer `at`: required ones present, absent ones
/// given their default, enum values listed (and spelled as the spec spells them).
pub(super) fn check_object(
    schema: &Schema,
    fields: &[FieldSchema],
    object: &mut Map<String, Value>,
    at: &str,
) -> Result<(), Problem> {
    for field in fields {
        let here = format!("{at}/{}", escape(field.wire));
        match object.get_mut(field.wire) {
            None | Some(Value::Null) => {
                if field.required {
                    return Err(Problem::Missing {
                        pointer: here,
                        name: field.wire,
                    });
                }
                if let Some(value) = field.default.and_then(|d| scalar(schema, field, d).ok()) {
                    object.insert(field.wire.to_owned(), value);
                }
            }
            Some(value) => check_value(schema, &field.value, value, &here)?,
        }
    }
    Ok(())
}

/// Values of another JSON type than the schema's are left to the typed decoding, which names
/// them by path.
fn check_value(
    schema: &Schema,
    shape: &ValueSchema,
    value: &mut Value,
    at: &str,
) -> Result<(), Problem> {
    match (shape, value) {
        (ValueSchema::Object(name), Value::Object(object)) => {
            check_object(schema, schema.fields_of(name), object, at)
        }
        (ValueSchema::List(item), Value::Array(items)) => {
            for (index, value) in items.iter_mut().enumerate() {
                check_value(schema, item, value, &format!("{at}/{index}"))?;
            }
            Ok(())
        }
        (ValueSchema::Enum(name), Value::String(text)) => {
            let values = schema.values_of(name);
            match known(values, text) {
                Ok(Some(spelled)) => {
                    *text = spelled.to_owned();
                    Ok(())
                }
                Ok(None) => Ok(()),
                Err(issue) => Err(Problem::Value {
                    pointer: at.to_owned(),
                    value: Value::String(text.clone()),
                    issue,
                }),
            }
        }
        _ => Ok(()),
    }
}

/// `Ok(None)` when `given` is spelled like a listed value, `Ok(Some(listed))` when it matches
/// one ignoring ASCII case, an issue otherwise.
pub(super) fn known(values: &[&'static str], given: &str) -> Result<Option<&'static str>, String> {
    if values.is_empty() || values.contains(&given) {
        return Ok(None);
    }
    values
        .iter()
        .find(|v| v.eq_ignore_ascii_case(given))
        .map(|v| Some(*v))
        .ok_or_else(|| format!("expected one of {}", values.join(", ")))
}

/// The JSON value of a scalar given as text (a query or path parameter, a `default`).
pub(super) fn scalar(schema: &Schema, field: &FieldSchema, text: &str) -> Result<Value, String> {
    match field.value {
        ValueSchema::String | ValueSchema::Time | ValueSchema::Date => {
            Ok(Value::String(text.to_owned()))
        }
        ValueSchema::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("expected true or false".to_owned()),
        },
        ValueSchema::Integer(kind) => integer(text, kind.range(), kind.name()),
        ValueSchema::Money => integer(text, (i64::MIN.into(), i64::MAX.into()), "an amount in fen"),
        ValueSchema::Enum(name) => {
            let values = schema.values_of(name);
            known(values, text).map(|spelled| Value::String(spelled.unwrap_or(text).to_owned()))
        }
        ValueSchema::List(_) | ValueSchema::Object(_) => {
            Err("expected a single value, not a list or an object".to_owned())
        }
    }
}

fn integer(text: &str, (min, max): (i128, i128), kind: &str) -> Result<Value, String> {
    let expected = || format!("expected an integer ({kind}, {min}..={max})");
    let n: i128 = text.parse().map_err(|_| expected())?;
    if n < min || n > max {
        return Err(expected());
    }
    Ok(match u64::try_from(n) {
        Ok(n) => Value::from(n),
        Err(_) => Value::from(i64::try_from(n).map_err(|_| expected())?),
    })
}

/// One JSON pointer reference token (RFC 6901).
pub(super) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_fit_their_width() {
        assert_eq!(integer("7", (0, 10), "u32"), Ok(Value::from(7u64)));
        assert_eq!(integer("-7", (-10, 10), "i32"), Ok(Value::from(-7i64)));
        assert!(integer("11", (0, 10), "u32").is_err());
        assert!(integer("abc", (0, 10), "u32").is_err());
        assert!(integer("", (0, 10), "u32").is_err());
    }

    #[test]
    fn enum_values_match_ignoring_case() {
        let values = ["SENDED", "USED"];
        assert_eq!(known(&values, "USED"), Ok(None));
        assert_eq!(known(&values, "sended"), Ok(Some("SENDED")));
        assert!(known(&values, "GONE").unwrap_err().contains("SENDED, USED"));
    }
}
