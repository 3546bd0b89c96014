//! From a command line to an exit code: global flags, the command, dispatch.

use std::io::Write;

use crate::args::{self, Arity, UsageError, usage};
use crate::commands;
use crate::config;
use crate::exit::{self, Failure};
use crate::help;
use crate::options::{self, Globals};
use crate::output::{self, Style};
use crate::sandbox;

/// Runs `wxpay` with `args` (without the program name), reading the environment through `env`
/// and writing to `out` / `err`. Returns the exit code.
pub fn run(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match dispatch(args, env, out, err) {
        Ok(()) => exit::OK,
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(failure) => {
            let _ = err.write_all(failure.render().as_bytes());
            failure.code()
        }
    }
}

fn global_names() -> Vec<String> {
    options::names().map(str::to_owned).collect()
}

fn dispatch(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let parsed = args::parse(args, true, &options::arity, &global_names())?;
    let mut globals = Globals::default();
    for flag in &parsed.flags {
        globals.apply(flag)?;
    }
    let Some((command, rest)) = parsed.rest.split_first() else {
        if globals.version {
            writeln!(out, "wxpay {}", env!("CARGO_PKG_VERSION"))?;
        } else if globals.help {
            out.write_all(help::main_help().as_bytes())?;
        } else {
            err.write_all(help::main_help().as_bytes())?;
            return Err(usage("no command given").into());
        }
        return Ok(());
    };
    match command.as_str() {
        "help" => {
            let parsed = args::parse(rest, false, &options::arity, &global_names())?;
            match parsed.positionals.as_slice() {
                [] => out.write_all(help::main_help().as_bytes())?,
                [name] => match commands::find(name) {
                    Some(op) => out.write_all(help::command_help(op).as_bytes())?,
                    None if name == "sandbox" => out.write_all(sandbox::HELP.as_bytes())?,
                    None if help::BUILTINS.iter().any(|(builtin, _, _)| builtin == name) => {
                        out.write_all(help::main_help().as_bytes())?;
                    }
                    None => return Err(commands::unknown_command(name).into()),
                },
                [_, extra, ..] => {
                    return Err(usage(format!("unexpected argument {extra:?}")).into());
                }
            }
            Ok(())
        }
        "version" => {
            no_arguments("version", rest)?;
            writeln!(out, "wxpay {}", env!("CARGO_PKG_VERSION"))?;
            Ok(())
        }
        "config" => {
            let parsed = args::parse(rest, false, &options::arity, &global_names())?;
            if let Some(extra) = parsed.positionals.first() {
                return Err(usage(format!("unexpected argument {extra:?}")).into());
            }
            for flag in &parsed.flags {
                globals.apply(flag)?;
            }
            if globals.help {
                out.write_all(help::main_help().as_bytes())?;
                return Ok(());
            }
            let resolved = config::resolve(&globals.settings, env, globals.config.as_deref())?;
            let style = if globals.compact {
                Style::Compact
            } else {
                Style::Pretty
            };
            output::write_value(out, &resolved.to_json(), style)?;
            Ok(())
        }
        "sandbox" => sandbox::run(rest, &globals, out, err),
        name => {
            let Some(op) = commands::find(name) else {
                return Err(commands::unknown_command(name).into());
            };
            let flags = commands::parse_flags(op, rest, &mut globals)?;
            if globals.help {
                out.write_all(help::command_help(op).as_bytes())?;
                return Ok(());
            }
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(commands::run(op, &flags, &globals, env, out, err))
        }
    }
}

/// Fails when a command that takes nothing was given something.
fn no_arguments(command: &str, rest: &[String]) -> Result<(), UsageError> {
    let parsed = args::parse(rest, false, &|_: &str| None::<Arity>, &[])?;
    match parsed.positionals.first() {
        Some(extra) => Err(usage(format!(
            "`{command}` takes no arguments, got {extra:?}"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], env: &[(&str, &str)]) -> (u8, String, String) {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&args, &lookup, &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    }

    const NO_FILE: [(&str, &str); 1] = [("HOME", "/nonexistent-wxpay-home")];

    #[test]
    fn help_and_version() {
        let (code, out, _) = run_with(&["--help"], &NO_FILE);
        assert_eq!(code, 0);
        assert!(out.contains("send-coupon"));
        let (code, out, _) = run_with(&["help", "send_coupon"], &NO_FILE);
        assert_eq!(code, 0);
        assert!(out.contains("--out-request-no"));
        let (code, out, _) = run_with(&["list-coupons-by-filter", "-h"], &NO_FILE);
        assert_eq!(code, 0);
        assert!(out.contains("--business-type"));
        let (code, out, _) = run_with(&["--version"], &NO_FILE);
        assert_eq!((code, out.starts_with("wxpay ")), (0, true));
    }

    #[test]
    fn usage_errors_exit_2() {
        let (code, out, err) = run_with(&[], &NO_FILE);
        assert_eq!((code, out.as_str()), (2, ""));
        assert!(err.contains("no command given"));
        let (code, _, err) = run_with(&["sned-coupon"], &NO_FILE);
        assert_eq!(code, 2);
        assert!(err.contains("did you mean `send-coupon`"), "{err}");
        let (code, _, err) = run_with(&["send-coupon", "--openid", "o"], &NO_FILE);
        assert_eq!(code, 2);
        assert!(err.contains("--stock-id"), "{err}");
        let (code, _, _) = run_with(&["version", "x"], &NO_FILE);
        assert_eq!(code, 2);
    }

    #[test]
    fn client_side_validation_exits_2_before_configuration() {
        let (code, _, err) = run_with(
            &[
                "send-coupon",
                "--openid",
                "o",
                "--stock-id",
                "123456789012345678901",
                "--out-request-no",
                "r",
                "--appid",
                "wx",
                "--stock-creator-mchid",
                "1",
            ],
            &NO_FILE,
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("body.stock_id"), "{err}");
        assert!(err.contains("nothing was sent"), "{err}");
    }

    #[test]
    fn missing_configuration_exits_3() {
        let (code, _, err) = run_with(
            &[
                "send-coupon",
                "--openid",
                "o",
                "--stock-id",
                "1",
                "--out-request-no",
                "r",
                "--appid",
                "wx",
                "--stock-creator-mchid",
                "1",
            ],
            &NO_FILE,
        );
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("WECHATPAY_MCHID"), "{err}");
    }

    #[test]
    fn config_command_shows_sources() {
        let (code, out, err) = run_with(
            &["config", "--mchid", "1"],
            &[
                ("HOME", "/nonexistent-wxpay-home"),
                ("WECHATPAY_MCH_SERIAL", "S"),
            ],
        );
        assert_eq!(code, 0, "{err}");
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["settings"]["mchid"]["source"], "flag");
        assert_eq!(value["settings"]["mch_serial"]["source"], "environment");
        assert!(value["settings"]["base_url"].is_null());
    }
}
