//! Printing responses: pretty JSON by default, one line with `--compact`, one item per line
//! for `--jsonl`.

use std::io::{self, Write};

use serde_json::Value;

/// How to print JSON values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Indented, one value over several lines.
    #[default]
    Pretty,
    /// One line per value.
    Compact,
}

/// Writes one value followed by a newline.
///
/// # Errors
/// The I/O error of `out`.
pub fn write_value(out: &mut dyn Write, value: &Value, style: Style) -> io::Result<()> {
    match style {
        Style::Pretty => serde_json::to_writer_pretty(&mut *out, value)?,
        Style::Compact => serde_json::to_writer(&mut *out, value)?,
    }
    out.write_all(b"\n")
}

/// Writes one item of a `--jsonl` stream and flushes it, so a reader sees it at once.
///
/// # Errors
/// The I/O error of `out`.
pub fn write_line(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    write_value(out, value, Style::Compact)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn styles() {
        let value = json!({"a": [1, 2]});
        assert_eq!(
            text(|o| write_value(o, &value, Style::Compact)),
            "{\"a\":[1,2]}\n"
        );
        assert_eq!(
            text(|o| write_value(o, &value, Style::Pretty)),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
        );
        assert_eq!(text(|o| write_line(o, &json!("中"))), "\"中\"\n");
    }
}
