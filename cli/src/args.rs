//! A small hand-written argument parser: `--name value`, `--name=value`, switches, `-h`, `--`.
//!
//! It knows nothing about WeChat Pay: the caller says, for each flag name, whether it takes a
//! value (see [`Arity`]). Flag names are compared in a canonical form where `_` and `-` are the
//! same character, so `--out_request_no` and `--out-request-no` are one flag.

use std::fmt;

/// Whether a flag takes a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// A switch: `--all`. Giving it a value (`--all=x`) is an error.
    Switch,
    /// A flag with a value: `--stock-id 123` or `--stock-id=123`.
    Value,
}

/// One flag as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The canonical name (see [`canonical`]), without the leading `--`.
    pub name: String,
    /// The name as the user wrote it, `--` included, for messages.
    pub written: String,
    /// The value, for a [`Arity::Value`] flag.
    pub value: Option<String>,
}

/// A command line the user got wrong; exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand to build a [`UsageError`].
pub fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// The canonical form of a flag name: `_` becomes `-` (`out_request_no` → `out-request-no`).
pub fn canonical(name: &str) -> String {
    name.replace('_', "-")
}

/// Flags and positional arguments read from part of a command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Flags, in the order given.
    pub flags: Vec<Flag>,
    /// Positional arguments, in the order given.
    pub positionals: Vec<String>,
    /// The arguments left unread because parsing stopped at the first positional (see
    /// [`parse`]'s `stop_at_positional`); that positional is the first of them.
    pub rest: Vec<String>,
}

/// Reads `args`, asking `arity` about each flag name (canonical form).
///
/// With `stop_at_positional`, parsing stops at the first positional argument and leaves it
/// and everything after it in [`Parsed::rest`] (used to find the command name after the global
/// flags). Otherwise positionals are collected. After `--` every argument is positional.
///
/// A value flag followed by nothing, or by an argument that starts with `--`, is an error (so a
/// forgotten value does not swallow the next flag); write `--name=--value` for such a value.
/// `-h` means `--help`.
///
/// An unknown flag is reported with the closest of `known` (canonical names) when one is close.
///
/// # Errors
/// [`UsageError`] naming an unknown flag, a missing value, or a value given to a switch.
pub fn parse(
    args: &[String],
    stop_at_positional: bool,
    arity: &dyn Fn(&str) -> Option<Arity>,
    known: &[String],
) -> Result<Parsed, UsageError> {
    let mut parsed = Parsed::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if arg == "--" {
            let tail = args[index..].iter().cloned();
            if stop_at_positional {
                parsed.rest.extend(tail);
            } else {
                parsed.positionals.extend(tail);
            }
            break;
        }
        let body = if arg == "-h" {
            "help"
        } else if let Some(body) = arg.strip_prefix("--") {
            body
        } else if arg.starts_with('-') && arg.len() > 1 {
            return Err(usage(format!(
                "unknown flag {arg}: flags are spelled --name (only -h is short)"
            )));
        } else {
            if stop_at_positional {
                parsed.rest.extend(args[index - 1..].iter().cloned());
                break;
            }
            parsed.positionals.push(arg.clone());
            continue;
        };
        let (written_name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (body, None),
        };
        if written_name.is_empty() {
            return Err(usage(format!("malformed flag {arg:?}")));
        }
        let name = canonical(written_name);
        let written = format!("--{written_name}");
        let value = match arity(&name) {
            None => {
                let hint = suggest(&name, known.iter().map(String::as_str))
                    .map(|s| format!("; did you mean --{s}?"))
                    .unwrap_or_default();
                return Err(usage(format!("unknown flag {written}{hint}")));
            }
            Some(Arity::Switch) => {
                if inline.is_some() {
                    return Err(usage(format!("{written} takes no value")));
                }
                None
            }
            Some(Arity::Value) => match inline {
                Some(value) => Some(value),
                None => match args.get(index) {
                    Some(next) if !next.starts_with("--") => {
                        index += 1;
                        Some(next.clone())
                    }
                    _ => {
                        return Err(usage(format!(
                            "{written} needs a value ({written} VALUE or {written}=VALUE)"
                        )));
                    }
                },
            },
        };
        parsed.flags.push(Flag {
            name,
            written,
            value,
        });
    }
    Ok(parsed)
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    fn table(name: &str) -> Option<Arity> {
        match name {
            "all" | "help" | "dry-run" => Some(Arity::Switch),
            "stock-id" | "out-request-no" | "mchid" | "amount" => Some(Arity::Value),
            _ => None,
        }
    }

    fn known() -> Vec<String> {
        strings(&[
            "all",
            "help",
            "dry-run",
            "stock-id",
            "out-request-no",
            "mchid",
            "amount",
        ])
    }

    fn values(parsed: &Parsed) -> Vec<(String, Option<String>)> {
        parsed
            .flags
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect()
    }

    #[test]
    fn value_forms_and_switches() {
        let parsed = parse(
            &strings(&["--stock-id", "1", "--out_request_no=a=b", "--all", "x"]),
            false,
            &table,
            &known(),
        )
        .unwrap();
        assert_eq!(
            values(&parsed),
            vec![
                ("stock-id".to_owned(), Some("1".to_owned())),
                ("out-request-no".to_owned(), Some("a=b".to_owned())),
                ("all".to_owned(), None),
            ]
        );
        assert_eq!(parsed.positionals, strings(&["x"]));
        assert_eq!(parsed.flags[1].written, "--out_request_no");
    }

    #[test]
    fn stops_at_the_command() {
        let parsed = parse(
            &strings(&["--mchid", "1", "send-coupon", "--stock-id", "9"]),
            true,
            &table,
            &known(),
        )
        .unwrap();
        assert_eq!(
            values(&parsed),
            vec![("mchid".to_owned(), Some("1".to_owned()))]
        );
        assert_eq!(parsed.rest, strings(&["send-coupon", "--stock-id", "9"]));
        assert!(parsed.positionals.is_empty());
    }

    #[test]
    fn negative_numbers_and_empty_values_are_values() {
        let parsed = parse(
            &strings(&["--amount", "-5", "--mchid="]),
            false,
            &table,
            &known(),
        )
        .unwrap();
        assert_eq!(
            values(&parsed),
            vec![
                ("amount".to_owned(), Some("-5".to_owned())),
                ("mchid".to_owned(), Some(String::new())),
            ]
        );
    }

    #[test]
    fn double_dash_ends_flags() {
        let parsed = parse(
            &strings(&["--all", "--", "--stock-id"]),
            false,
            &table,
            &known(),
        )
        .unwrap();
        assert_eq!(parsed.positionals, strings(&["--stock-id"]));
        let parsed = parse(&strings(&["--", "--x"]), true, &table, &known()).unwrap();
        assert_eq!(parsed.rest, strings(&["--x"]));
    }

    #[test]
    fn short_help() {
        let parsed = parse(&strings(&["-h"]), false, &table, &known()).unwrap();
        assert_eq!(values(&parsed), vec![("help".to_owned(), None)]);
    }

    #[test]
    fn errors_name_the_flag() {
        let err = |args: &[&str]| {
            parse(&strings(args), false, &table, &known())
                .unwrap_err()
                .0
        };
        assert_eq!(err(&["--nope"]), "unknown flag --nope");
        assert_eq!(
            err(&["--stock_ld", "1"]),
            "unknown flag --stock_ld; did you mean --stock-id?"
        );
        assert!(err(&["--stock-id"]).starts_with("--stock-id needs a value"));
        assert!(err(&["--stock-id", "--all"]).starts_with("--stock-id needs a value"));
        assert_eq!(err(&["--all=1"]), "--all takes no value");
        assert!(err(&["-x"]).starts_with("unknown flag -x"));
        assert!(err(&["--=1"]).starts_with("malformed flag"));
    }

    #[test]
    fn a_dash_alone_is_positional() {
        let parsed = parse(&strings(&["-"]), false, &table, &known()).unwrap();
        assert_eq!(parsed.positionals, strings(&["-"]));
    }

    #[test]
    fn suggestions() {
        let names = ["stock-id", "out-request-no", "appid"];
        assert_eq!(suggest("stok-id", names), Some("stock-id"));
        assert_eq!(suggest("appi", names), Some("appid"));
        assert_eq!(suggest("zzzzzz", names), None);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
