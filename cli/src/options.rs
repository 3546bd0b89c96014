//! The flags every command understands: credentials, output, per-call settings.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::args::{Arity, Flag, UsageError, usage};
use crate::config::{self, SETTINGS};

/// A flag that is not an operation parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalFlag {
    /// The name, without `--`.
    pub name: &'static str,
    /// The value placeholder for help, `None` for a switch.
    pub value: Option<&'static str>,
    /// What it does.
    pub doc: &'static str,
}

/// The flags besides the credential settings of [`config::SETTINGS`], in help order.
pub const GLOBAL_FLAGS: [GlobalFlag; 10] = [
    GlobalFlag {
        name: "data",
        value: Some("JSON|@FILE|@-"),
        doc: "the whole request body as JSON, from a file, or from stdin; flags override its fields",
    },
    GlobalFlag {
        name: "all",
        value: None,
        doc: "paginated operations: walk every page and print all items as one JSON array",
    },
    GlobalFlag {
        name: "jsonl",
        value: None,
        doc: "paginated operations: walk every page, print one item per line (implies --all)",
    },
    GlobalFlag {
        name: "compact",
        value: None,
        doc: "print JSON on one line",
    },
    GlobalFlag {
        name: "dry-run",
        value: None,
        doc: "print the signed request (method, target, headers, body) and send nothing",
    },
    GlobalFlag {
        name: "timeout",
        value: Some("SECS"),
        doc: "timeout of each attempt, in seconds (default 30)",
    },
    GlobalFlag {
        name: "retries",
        value: Some("N"),
        doc: "retries after the first attempt; only idempotent operations retry (default 2)",
    },
    GlobalFlag {
        name: "config",
        value: Some("FILE"),
        doc: "config file (default $WECHATPAY_CONFIG, else ~/.config/wxpay/config.json if present)",
    },
    GlobalFlag {
        name: "help",
        value: None,
        doc: "show help (-h); `wxpay COMMAND --help` shows a command's parameters",
    },
    GlobalFlag {
        name: "version",
        value: None,
        doc: "print the version",
    },
];

/// Whether `name` (canonical) is a global flag, and its arity.
pub fn arity(name: &str) -> Option<Arity> {
    if config::by_flag(name).is_some() {
        return Some(Arity::Value);
    }
    GLOBAL_FLAGS
        .iter()
        .find(|flag| flag.name == name)
        .map(|flag| match flag.value {
            Some(_) => Arity::Value,
            None => Arity::Switch,
        })
}

/// Every global flag name, for suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    SETTINGS
        .iter()
        .map(|s| s.flag)
        .chain(GLOBAL_FLAGS.iter().map(|f| f.name))
}

/// The values of the global flags given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Globals {
    /// `--help` / `-h`.
    pub help: bool,
    /// `--version`.
    pub version: bool,
    /// `--compact`.
    pub compact: bool,
    /// `--all`.
    pub all: bool,
    /// `--jsonl`.
    pub jsonl: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--config`.
    pub config: Option<String>,
    /// Credential flags by environment variable name (`WECHATPAY_MCHID` → value).
    pub settings: BTreeMap<&'static str, String>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--data`.
    pub data: Option<String>,
}

impl Globals {
    /// Records one global flag.
    ///
    /// # Errors
    /// [`UsageError`] for a value flag given twice, a bad `--timeout` or `--retries`, or a flag
    /// that is not global.
    pub fn apply(&mut self, flag: &Flag) -> Result<(), UsageError> {
        let written = flag.written.as_str();
        let value = flag.value.clone().unwrap_or_default();
        let once = |slot: bool| {
            if slot {
                Err(usage(format!("{written} is given twice")))
            } else {
                Ok(())
            }
        };
        if let Some(setting) = config::by_flag(&flag.name) {
            once(self.settings.contains_key(setting.env))?;
            self.settings.insert(setting.env, value);
            return Ok(());
        }
        match flag.name.as_str() {
            "help" => self.help = true,
            "version" => self.version = true,
            "compact" => self.compact = true,
            "all" => self.all = true,
            "jsonl" => self.jsonl = true,
            "dry-run" => self.dry_run = true,
            "config" => {
                once(self.config.is_some())?;
                self.config = Some(value);
            }
            "data" => {
                once(self.data.is_some())?;
                self.data = Some(value);
            }
            "timeout" => {
                once(self.timeout.is_some())?;
                self.timeout = Some(parse_timeout(written, &value)?);
            }
            "retries" => {
                once(self.retries.is_some())?;
                self.retries = Some(value.trim().parse().map_err(|_| {
                    usage(format!(
                        "{written} expects a whole number of retries, got {value:?}"
                    ))
                })?);
            }
            _ => return Err(usage(format!("unknown flag {written}"))),
        }
        Ok(())
    }
}

fn parse_timeout(written: &str, text: &str) -> Result<Duration, UsageError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && *secs > 0.0)
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| {
            usage(format!(
                "{written} expects a positive number of seconds, got {text:?}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str, value: Option<&str>) -> Flag {
        Flag {
            name: name.to_owned(),
            written: format!("--{name}"),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn arities() {
        assert_eq!(arity("mchid"), Some(Arity::Value));
        assert_eq!(arity("public-key-id"), Some(Arity::Value));
        assert_eq!(arity("all"), Some(Arity::Switch));
        assert_eq!(arity("timeout"), Some(Arity::Value));
        assert_eq!(arity("stock-id"), None);
        assert!(names().any(|n| n == "dry-run"));
    }

    #[test]
    fn applies_values() {
        let mut g = Globals::default();
        g.apply(&flag("mchid", Some("1900"))).unwrap();
        g.apply(&flag("timeout", Some("2.5"))).unwrap();
        g.apply(&flag("retries", Some("0"))).unwrap();
        g.apply(&flag("dry-run", None)).unwrap();
        assert_eq!(g.settings["WECHATPAY_MCHID"], "1900");
        assert_eq!(g.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(g.retries, Some(0));
        assert!(g.dry_run);
    }

    #[test]
    fn rejects_bad_values_and_repeats() {
        let mut g = Globals::default();
        for bad in ["0", "-1", "abc", "inf", "NaN", "1e300"] {
            let err = g.apply(&flag("timeout", Some(bad))).unwrap_err().0;
            assert!(err.contains("positive number of seconds"), "{bad}: {err}");
        }
        assert!(g.apply(&flag("retries", Some("-1"))).is_err());
        g.apply(&flag("mchid", Some("1"))).unwrap();
        assert_eq!(
            g.apply(&flag("mchid", Some("2"))).unwrap_err().0,
            "--mchid is given twice"
        );
        assert!(g.apply(&flag("nope", None)).is_err());
    }
}
