//! Text from the command line to JSON values, by the kind the spec gives each parameter (as
//! clap value parsers, so a bad value is reported by clap and names its flag), and the `--data`
//! body.

use std::ffi::OsStr;
use std::io::Read;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use serde_json::Value;
use wechatpay_apiv3::dynamic::ValueKind;

use crate::exit::{UsageError, usage};

/// The clap value parser of a parameter of kind `ValueKind`: text to the JSON value
/// [`parse_value`] makes. Enum values and `true`/`false` are listed as possible values (for
/// help and completions) but, enums being open, any text passes.
#[derive(Debug, Clone, Copy)]
pub struct KindParser(pub ValueKind);

impl TypedValueParser for KindParser {
    type Value = Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Value, clap::Error> {
        let flag = arg
            .and_then(clap::Arg::get_long)
            .map(|long| format!("--{long}"))
            .unwrap_or_else(|| "the value".to_owned());
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(
                ErrorKind::InvalidUtf8,
                format!("{flag}: the value is not valid UTF-8\n"),
            )
            .with_cmd(cmd)
        })?;
        parse_value(&flag, self.0, text).map_err(|e| {
            clap::Error::raw(ErrorKind::ValueValidation, format!("{e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        match self.0 {
            ValueKind::Enum(values) => Some(Box::new(values.iter().map(PossibleValue::new))),
            ValueKind::Bool => Some(Box::new(
                ["true", "false"].into_iter().map(PossibleValue::new),
            )),
            _ => None,
        }
    }
}

/// A short name of a kind, for help and messages: `string`, `integer`, `fen`, ...
pub fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::String => "string",
        ValueKind::Integer => "integer",
        ValueKind::Money => "fen",
        ValueKind::Bool => "true|false",
        ValueKind::Time => "time",
        ValueKind::Date => "date",
        ValueKind::Enum(_) => "enum",
        ValueKind::Json => "json",
        ValueKind::File => "path",
    }
}

/// Parses the text of flag `flag` as a value of `kind`.
///
/// Integers and money (in fen) become JSON numbers, booleans `true`/`false`, JSON text (or
/// `@FILE`) is parsed; everything else stays a string. Enums accept any text: the spec's enums
/// are open, so a value newer than the spec still goes through.
///
/// # Errors
/// [`UsageError`] naming the flag and what was expected.
pub fn parse_value(flag: &str, kind: ValueKind, text: &str) -> Result<Value, UsageError> {
    match kind {
        // A file's path stays text: the input reads the file (see `input::build_input`).
        ValueKind::String
        | ValueKind::Time
        | ValueKind::Date
        | ValueKind::Enum(_)
        | ValueKind::File => Ok(Value::String(text.into())),
        ValueKind::Integer => parse_integer(text)
            .ok_or_else(|| usage(format!("{flag} expects an integer, got {text:?}"))),
        ValueKind::Money => parse_integer(text).ok_or_else(|| {
            usage(format!(
                "{flag} expects an amount in fen (分, an integer: 100 is ¥1.00), got {text:?}"
            ))
        }),
        ValueKind::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(usage(format!("{flag} expects true or false, got {text:?}"))),
        },
        ValueKind::Json => parse_json_arg(flag, text),
    }
}

fn parse_integer(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    text.parse::<u64>().ok().map(Value::from)
}

/// Parses JSON given inline, as `@FILE`, or as `@-` (standard input).
///
/// # Errors
/// [`UsageError`] naming the flag, the file, and the JSON error.
pub fn parse_json_arg(flag: &str, text: &str) -> Result<Value, UsageError> {
    let (source, json) = match text.strip_prefix('@') {
        Some("-") => {
            let mut json = String::new();
            std::io::stdin()
                .read_to_string(&mut json)
                .map_err(|e| usage(format!("{flag}: cannot read standard input: {e}")))?;
            ("standard input".to_owned(), json)
        }
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("{flag}: cannot read {path}: {e}")))?;
            (path.to_owned(), json)
        }
        None => ("its value".to_owned(), text.to_owned()),
    };
    serde_json::from_str(&json)
        .map_err(|e| usage(format!("{flag}: {source} is not valid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars() {
        let p = |kind, text| parse_value("--x", kind, text);
        assert_eq!(p(ValueKind::String, "007").unwrap(), json!("007"));
        assert_eq!(
            p(ValueKind::Time, "2024-01-01T00:00:00+08:00").unwrap(),
            json!("2024-01-01T00:00:00+08:00")
        );
        assert_eq!(
            p(ValueKind::Date, "2024-01-31").unwrap(),
            json!("2024-01-31")
        );
        assert_eq!(p(ValueKind::Integer, "-5").unwrap(), json!(-5));
        assert_eq!(
            p(ValueKind::Integer, "18446744073709551615").unwrap(),
            json!(u64::MAX)
        );
        assert_eq!(p(ValueKind::Money, " 100 ").unwrap(), json!(100));
        assert_eq!(p(ValueKind::Bool, "true").unwrap(), json!(true));
        assert_eq!(p(ValueKind::Bool, "false").unwrap(), json!(false));
    }

    #[test]
    fn enums_are_open() {
        let kind = ValueKind::Enum(&["SENDED", "USED"]);
        assert_eq!(
            parse_value("--status", kind, "USED").unwrap(),
            json!("USED")
        );
        assert_eq!(
            parse_value("--status", kind, "NEWER").unwrap(),
            json!("NEWER")
        );
    }

    #[test]
    fn bad_values_name_the_flag() {
        let err = |kind, text| parse_value("--limit", kind, text).unwrap_err().0;
        assert_eq!(
            err(ValueKind::Integer, "ten"),
            "--limit expects an integer, got \"ten\""
        );
        assert!(err(ValueKind::Integer, "1.5").contains("integer"));
        assert!(err(ValueKind::Money, "1.00").contains("fen"));
        assert!(err(ValueKind::Bool, "yes").contains("true or false"));
        assert!(err(ValueKind::Json, "{").contains("not valid JSON"));
    }

    #[test]
    fn json_inline_and_from_file() {
        assert_eq!(
            parse_value("--x", ValueKind::Json, r#"{"a":[1]}"#).unwrap(),
            json!({"a": [1]})
        );
        let path = std::env::temp_dir().join(format!("wxpay-values-{}.json", std::process::id()));
        std::fs::write(&path, "[true]").unwrap();
        let arg = format!("@{}", path.display());
        assert_eq!(parse_json_arg("--data", &arg).unwrap(), json!([true]));
        std::fs::remove_file(&path).unwrap();
        let err = parse_json_arg("--data", &arg).unwrap_err().0;
        assert!(err.starts_with("--data: cannot read"), "{err}");
    }

    fn command() -> clap::Command {
        let arg = |name: &'static str, kind| {
            clap::Arg::new(name)
                .long(name)
                .value_parser(KindParser(kind))
                .allow_negative_numbers(true)
        };
        clap::Command::new("t")
            .arg(arg("limit", ValueKind::Integer))
            .arg(arg("status", ValueKind::Enum(&["SENDED", "USED"])))
    }

    #[test]
    fn clap_reports_a_bad_value_by_its_flag() {
        let err = command()
            .try_get_matches_from(["t", "--limit", "ten"])
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ValueValidation);
        let text = err.to_string();
        assert!(
            text.starts_with("error: --limit expects an integer, got \"ten\""),
            "{text}"
        );
        let matches = command()
            .try_get_matches_from(["t", "--limit", "-5", "--status", "NEWER"])
            .unwrap();
        assert_eq!(matches.get_one::<Value>("limit"), Some(&json!(-5)));
        assert_eq!(matches.get_one::<Value>("status"), Some(&json!("NEWER")));
    }

    #[test]
    fn enum_values_are_listed_for_help_and_completions() {
        let names = |kind| -> Vec<String> {
            KindParser(kind)
                .possible_values()
                .map(|values| values.map(|v| v.get_name().to_owned()).collect())
                .unwrap_or_default()
        };
        assert_eq!(
            names(ValueKind::Enum(&["SENDED", "USED"])),
            ["SENDED", "USED"]
        );
        assert_eq!(names(ValueKind::Bool), ["true", "false"]);
        assert!(names(ValueKind::String).is_empty());
    }

    #[test]
    fn kind_names() {
        assert_eq!(kind_name(ValueKind::Money), "fen");
        assert_eq!(kind_name(ValueKind::Date), "date");
        assert_eq!(kind_name(ValueKind::Enum(&[])), "enum");
    }
}
