//! The only place that knows the YAML library. serde_yaml is archived upstream; a maintained fork
//! with the same API (serde_norway, yaml_serde) replaces it by changing the `use` below.

use serde_yaml as yaml_lib;

pub use yaml_lib::Value;

/// A YAML syntax error with its 1-based position when the parser knows it.
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses one YAML document into a generic value.
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    yaml_lib::from_str::<Value>(text).map_err(|err| {
        let (line, col) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
        // The library appends " at line L column C"; the position is reported separately.
        let message = err.to_string();
        let message = match message.find(" at line ") {
            Some(cut) => message[..cut].to_string(),
            None => message,
        };
        SyntaxError {
            line,
            col,
            message: format!("YAML syntax error: {message}"),
        }
    })
}

/// A scalar or a short description of a collection, for messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}
