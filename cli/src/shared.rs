//! The flags several commands share: credentials and target (each with its environment
//! variable), the config file, output, per-call settings and the request body.
//!
//! They are accepted before the command name and after it, like clap's global arguments, but
//! they are added to each command by hand rather than marked `global`: an operation's spec
//! parameter may have the name of a shared flag (`query-callback --mchid` is the body field), and
//! clap would copy a global's value (from the command line before the command name, or from the
//! environment) into the same-named argument of the subcommand. Here the parameter simply takes
//! the place of the shared flag in that one command.
//!
//! Over ~400 lines only because its unit tests live beside the code they check: the code above
//! `mod tests` is about 340 lines.

use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use wechatpay_apiv3::dynamic::ValueKind;

use crate::config::{self, CONFIG_ENV, Given, SETTINGS, Source};
use crate::exit::{UsageError, usage};
use crate::values::KindParser;

/// Which groups of shared flags a command takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Credentials, target and `--config`.
    pub settings: bool,
    /// `--compact`.
    pub output: bool,
    /// `--all` and `--jsonl`.
    pub walk: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--timeout` and `--retries`.
    pub call: bool,
    /// `--data`.
    pub data: bool,
}

impl Scope {
    /// Everything: `wxpay` itself (before the command name); an operation command takes these
    /// less `--all`/`--jsonl` when it is not paginated and `--data` when it has no body.
    pub const ALL: Scope = Scope {
        settings: true,
        output: true,
        walk: true,
        dry_run: true,
        call: true,
        data: true,
    };
    /// `wxpay config`.
    pub const CONFIG: Scope = Scope {
        settings: true,
        output: true,
        walk: false,
        dry_run: false,
        call: false,
        data: false,
    };
    /// `wxpay certificates download`: a call, but no dry run or body.
    pub const DOWNLOAD: Scope = Scope {
        call: true,
        ..Scope::CONFIG
    };
}

const SETTINGS_HEADING: &str = "Credentials and target";
const OUTPUT_HEADING: &str = "Output";
const CALL_HEADING: &str = "Calls";

/// A shared flag: its name (also its clap id) and how to build it.
struct Flag {
    name: &'static str,
    in_scope: fn(Scope) -> bool,
    arg: fn() -> Arg,
}

fn switch(name: &'static str, heading: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .action(ArgAction::SetTrue)
        .help(help)
        .help_heading(heading)
}

const FLAGS: [Flag; 8] = [
    Flag {
        name: "config",
        in_scope: |s| s.settings,
        arg: || {
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .env(CONFIG_ENV)
                .hide_env_values(true)
                .help(
                    "Config file (default ~/.config/wxpay/config.json, or under \
                     $XDG_CONFIG_HOME, when it exists)",
                )
                .help_heading(SETTINGS_HEADING)
        },
    },
    Flag {
        name: "data",
        in_scope: |s| s.data,
        arg: || {
            Arg::new("data")
                .long("data")
                .value_name("JSON|@FILE|@-")
                .value_parser(KindParser(ValueKind::Json))
                .help(
                    "The whole request body as JSON, from a file, or from standard input; \
                     parameter flags override its fields",
                )
                .help_heading("Parameters")
        },
    },
    Flag {
        name: "all",
        in_scope: |s| s.walk,
        arg: || {
            switch(
                "all",
                OUTPUT_HEADING,
                "Paginated operations: walk every page and print all items as one JSON array",
            )
        },
    },
    Flag {
        name: "jsonl",
        in_scope: |s| s.walk,
        arg: || {
            switch(
                "jsonl",
                OUTPUT_HEADING,
                "Paginated operations: walk every page, print one item per line (implies --all)",
            )
        },
    },
    Flag {
        name: "compact",
        in_scope: |s| s.output,
        arg: || switch("compact", OUTPUT_HEADING, "Print JSON on one line"),
    },
    Flag {
        name: "dry-run",
        in_scope: |s| s.dry_run,
        arg: || {
            switch(
                "dry-run",
                CALL_HEADING,
                "Print the signed request (method, target, headers, body) and send nothing",
            )
            .alias("dry_run")
        },
    },
    Flag {
        name: "timeout",
        in_scope: |s| s.call,
        arg: || {
            Arg::new("timeout")
                .long("timeout")
                .value_name("SECS")
                .value_parser(parse_timeout)
                .allow_negative_numbers(true)
                .help("Timeout of each attempt, in seconds [default: 30]")
                .help_heading(CALL_HEADING)
        },
    },
    Flag {
        name: "retries",
        in_scope: |s| s.call,
        arg: || {
            Arg::new("retries")
                .long("retries")
                .value_name("N")
                .value_parser(clap::value_parser!(u32))
                .allow_negative_numbers(true)
                .help(
                    "Retries after the first attempt; only idempotent operations retry \
                     [default: 2]",
                )
                .help_heading(CALL_HEADING)
        },
    },
];

/// The flag of one credential setting, reading its environment variable too. Environment
/// values are never shown in help (one of them is the APIv3 key).
fn setting_arg(setting: &'static config::Setting) -> Arg {
    let arg = Arg::new(setting.flag)
        .long(setting.flag)
        .value_name(if setting.path { "FILE" } else { "VALUE" })
        .env(setting.env)
        .hide_env_values(true)
        .help(setting.doc)
        .help_heading(SETTINGS_HEADING);
    match setting.flag.replace('-', "_") {
        underscored if underscored != setting.flag => arg.alias(underscored),
        _ => arg,
    }
}

/// Adds the shared flags of `scope` to `command`, except those whose name `taken` says a
/// parameter of the command already uses.
pub fn add(mut command: Command, scope: Scope, taken: &dyn Fn(&str) -> bool) -> Command {
    if scope.settings {
        for setting in &SETTINGS {
            if !taken(setting.flag) {
                command = command.arg(setting_arg(setting));
            }
        }
    }
    for flag in &FLAGS {
        if (flag.in_scope)(scope) && !taken(flag.name) {
            command = command.arg((flag.arg)());
        }
    }
    command
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && *secs > 0.0)
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| "expects a positive number of seconds".to_owned())
}

/// The values of the shared flags, merged over the command levels given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Globals {
    /// `--compact`.
    pub compact: bool,
    /// `--all`.
    pub all: bool,
    /// `--jsonl`.
    pub jsonl: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--config` (or `$WECHATPAY_CONFIG`).
    pub config: Option<String>,
    /// Credential settings from flags and the environment.
    pub given: Given,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--data`, parsed.
    pub data: Option<Value>,
}

/// One value found at one level.
#[derive(Clone)]
struct Found<T> {
    value: T,
    source: Option<ValueSource>,
}

/// The value of shared flag `id`, from the command line at any level (at most one), else from
/// the environment.
fn pick<T: Clone + Send + Sync + 'static>(
    levels: &[&ArgMatches],
    id: &str,
) -> Result<Option<Found<T>>, UsageError> {
    let found: Vec<Found<T>> = levels
        .iter()
        .filter_map(|m| match m.try_get_one::<T>(id) {
            Ok(Some(value)) => Some(Found {
                value: value.clone(),
                source: m.value_source(id),
            }),
            _ => None,
        })
        .collect();
    let typed: Vec<&Found<T>> = found
        .iter()
        .filter(|f| f.source == Some(ValueSource::CommandLine))
        .collect();
    if typed.len() > 1 {
        return Err(usage(format!(
            "--{id} is given twice (before and after the command name)"
        )));
    }
    Ok(typed
        .first()
        .map(|f| (*f).clone())
        .or_else(|| found.first().cloned()))
}

impl Globals {
    /// Reads the shared flags from `levels` (`wxpay`'s matches, then the command's, ...).
    /// `env` looks up a setting's environment variable when its flag is given empty (an empty
    /// value counts as unset, so the next source applies).
    ///
    /// # Errors
    /// [`UsageError`] for a flag given both before and after the command name.
    pub fn read(
        levels: &[&ArgMatches],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Globals, UsageError> {
        let switch = |id: &str| {
            levels
                .iter()
                .any(|m| matches!(m.try_get_one::<bool>(id), Ok(Some(true))))
        };
        let mut globals = Globals {
            compact: switch("compact"),
            all: switch("all"),
            jsonl: switch("jsonl"),
            dry_run: switch("dry-run"),
            config: pick::<String>(levels, "config")?.map(|f| f.value),
            timeout: pick::<Duration>(levels, "timeout")?.map(|f| f.value),
            retries: pick::<u32>(levels, "retries")?.map(|f| f.value),
            data: pick::<Value>(levels, "data")?.map(|f| f.value),
            given: Given::new(),
        };
        for setting in &SETTINGS {
            let Some(found) = pick::<String>(levels, setting.flag)? else {
                continue;
            };
            let from_flag = found.source == Some(ValueSource::CommandLine);
            let value = if from_flag && found.value.trim().is_empty() {
                env(setting.env).map(|v| (v, Source::Env))
            } else if from_flag {
                Some((found.value, Source::Flag))
            } else {
                Some((found.value, Source::Env))
            };
            if let Some(value) = value {
                globals.given.insert(setting.env, value);
            }
        }
        Ok(globals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> Command {
        let sub = add(Command::new("op"), Scope::ALL, &|name| name == "mchid")
            .arg(Arg::new("param:mchid").long("mchid"));
        add(Command::new("wxpay"), Scope::ALL, &|_| false).subcommand(sub)
    }

    fn read(args: &[&str]) -> Result<Globals, String> {
        let matches = command()
            .try_get_matches_from(std::iter::once("wxpay").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let sub = matches.subcommand_matches("op").expect("the subcommand");
        Globals::read(&[&matches, sub], &|_| None).map_err(|e| e.0)
    }

    #[test]
    fn debug_asserts() {
        command().debug_assert();
    }

    #[test]
    fn before_and_after_the_command_name() {
        let g = read(&["--timeout", "2.5", "op", "--dry-run", "--retries", "0"]).unwrap();
        assert_eq!(g.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(g.retries, Some(0));
        assert!(g.dry_run && !g.all);
        let g = read(&["--dry_run", "op", "--base_url", "http://127.0.0.1:1"]).unwrap();
        assert!(g.dry_run);
        assert_eq!(
            g.given["WECHATPAY_BASE_URL"],
            ("http://127.0.0.1:1".to_owned(), Source::Flag)
        );
    }

    #[test]
    fn a_parameter_takes_the_place_of_a_shared_flag() {
        let matches = command()
            .try_get_matches_from(["wxpay", "--mchid", "1", "op", "--mchid", "2"])
            .unwrap();
        let sub = matches.subcommand_matches("op").unwrap();
        let g = Globals::read(&[&matches, sub], &|_| None).unwrap();
        assert_eq!(g.given["WECHATPAY_MCHID"], ("1".to_owned(), Source::Flag));
        assert_eq!(
            sub.get_one::<String>("param:mchid").map(String::as_str),
            Some("2")
        );
    }

    #[test]
    fn bad_and_repeated_values() {
        for bad in ["0", "-1", "abc", "inf", "NaN", "1e300"] {
            let err = read(&["op", &format!("--timeout={bad}")]).unwrap_err();
            assert!(err.contains("positive number of seconds"), "{bad}: {err}");
        }
        assert!(
            read(&["op", "--retries=-1"])
                .unwrap_err()
                .contains("--retries")
        );
        let err = read(&["--timeout", "1", "op", "--timeout", "2"]).unwrap_err();
        assert_eq!(
            err,
            "--timeout is given twice (before and after the command name)"
        );
        let err = read(&["op", "--timeout", "1", "--timeout", "2"]).unwrap_err();
        assert!(err.contains("--timeout"), "{err}");
    }

    #[test]
    fn data_is_json() {
        let g = read(&["op", "--data", r#"{"a": 1}"#]).unwrap();
        assert_eq!(g.data, Some(serde_json::json!({"a": 1})));
        let err = read(&["op", "--data", "{"]).unwrap_err();
        assert!(err.contains("--data: its value is not valid JSON"), "{err}");
    }
}
