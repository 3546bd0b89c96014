//! From a command line to an exit code: clap parses it against the command tree, then the
//! command runs.

use std::ffi::OsString;
use std::io::Write;

use clap::ArgMatches;
use clap::error::ErrorKind;

use crate::certificates;
use crate::commands;
use crate::config;
use crate::download;
use crate::exit::{self, Failure, usage};
use crate::operation;
use crate::output::{self, Style};
use crate::pay_sign;
use crate::request;
use crate::sandbox;
use crate::shared::Globals;
use crate::tree;

/// Runs `wxpay` with `args` (without the program name), reading the environment through `env`
/// (settings and `--config` are read by clap, from the process environment), and writing to
/// `out` / `err`. Returns the exit code.
pub fn run(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut command = tree::command();
    let args = std::iter::once(OsString::from("wxpay")).chain(args);
    let matches = match command.try_get_matches_from_mut(args) {
        Ok(matches) => matches,
        Err(error) => {
            // Help and version go to stdout with exit code 0; errors to stderr with 2.
            let text = error.render().to_string();
            let written = if error.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return match written {
                Ok(()) => u8::try_from(error.exit_code()).unwrap_or(exit::USAGE),
                Err(_) => exit::INTERNAL,
            };
        }
    };
    match dispatch(&matches, env, out, err) {
        Ok(()) => exit::OK,
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(Failure::Usage(e)) => {
            // Rendered by clap, with the usage line of the command that was run.
            let target = match matches.subcommand_name() {
                Some(name) => command.find_subcommand_mut(name),
                None => None,
            };
            let text = match target {
                Some(sub) => sub.error(ErrorKind::ValueValidation, e).render(),
                None => command.error(ErrorKind::ValueValidation, e).render(),
            };
            let _ = err.write_all(text.to_string().as_bytes());
            exit::USAGE
        }
        Err(failure) => {
            let _ = err.write_all(failure.render().as_bytes());
            failure.code()
        }
    }
}

fn style(globals: &Globals) -> Style {
    if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    }
}

fn dispatch(
    matches: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let Some((name, sub)) = matches.subcommand() else {
        // `subcommand_required`: clap has already refused this.
        return Err(usage("no command given").into());
    };
    match name {
        "version" => {
            writeln!(out, "wxpay {}", env!("CARGO_PKG_VERSION"))?;
            Ok(())
        }
        "completions" => {
            let shell = sub
                .get_one::<clap_complete::Shell>("shell")
                .copied()
                .ok_or_else(|| usage("name the shell"))?;
            clap_complete::generate(shell, &mut tree::command(), "wxpay", out);
            Ok(())
        }
        "sandbox" => sandbox::run(sub, out, err),
        "config" => {
            let globals = Globals::read(&[matches, sub], env)?;
            let resolved = config::resolve(&globals.given, globals.config.as_deref(), env)?;
            output::write_value(out, &resolved.to_json(), style(&globals))?;
            Ok(())
        }
        "certificates" => {
            let Some(("download", download)) = sub.subcommand() else {
                return Err(usage("`wxpay certificates` needs a subcommand: download").into());
            };
            let globals = Globals::read(&[matches, sub, download], env)?;
            current_thread()?.block_on(certificates::download(download, &globals, env, out, err))
        }
        "pay-sign" => {
            let globals = Globals::read(&[matches, sub], env)?;
            pay_sign::run(sub, &globals, env, out)
        }
        "download" => {
            let globals = Globals::read(&[matches, sub], env)?;
            current_thread()?.block_on(download::run(sub, &globals, env, out))
        }
        "request" => {
            let globals = Globals::read(&[matches, sub], env)?;
            current_thread()?.block_on(request::run(sub, &globals, env, out, err))
        }
        name => {
            let op =
                operation::find(name).ok_or_else(|| usage(format!("unknown command `{name}`")))?;
            let globals = Globals::read(&[matches, sub], env)?;
            let given = operation::given(op, sub);
            current_thread()?.block_on(commands::run(op, &given, &globals, env, out, err))
        }
    }
}

fn current_thread() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs in-process. Settings would come from the process environment (clap reads it); these
    /// cases need none, and `HOME` points nowhere so no config file is found.
    fn run_with(args: &[&str]) -> (u8, String, String) {
        let lookup = |name: &str| (name == "HOME").then(|| "/nonexistent-wxpay-home".to_owned());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(args.iter().map(OsString::from), &lookup, &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    }

    #[test]
    fn help_and_version() {
        let (code, out, _) = run_with(&["--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("send-coupon"), "{out}");
        let (code, out, _) = run_with(&["help", "send_coupon"]);
        assert_eq!(code, 0);
        assert!(out.contains("--out-request-no"), "{out}");
        let (code, out, _) = run_with(&["list-coupons-by-filter", "-h"]);
        assert_eq!(code, 0);
        assert!(out.contains("--business-type"), "{out}");
        for version in [&["--version"][..], &["-V"], &["version"]] {
            let (code, out, _) = run_with(version);
            assert_eq!((code, out.starts_with("wxpay ")), (0, true), "{version:?}");
        }
    }

    #[test]
    fn usage_errors_exit_2() {
        let (code, out, err) = run_with(&[]);
        assert_eq!((code, out.as_str()), (2, ""));
        assert!(err.contains("Usage: wxpay"), "{err}");
        let (code, _, err) = run_with(&["sned-coupon"]);
        assert_eq!(code, 2);
        assert!(err.contains("'send-coupon'"), "{err}");
        let (code, _, err) = run_with(&["send-coupon", "--openid", "o"]);
        assert_eq!(code, 2);
        assert!(err.contains("--stock-id"), "{err}");
        assert!(err.contains("Usage: wxpay send-coupon"), "{err}");
        let (code, _, _) = run_with(&["version", "x"]);
        assert_eq!(code, 2);
        let (code, _, err) = run_with(&["--all", "send-coupon", "--openid", "o"]);
        assert_eq!(code, 2);
        assert!(err.contains("not paginated"), "{err}");
    }

    #[test]
    fn client_side_validation_exits_2_before_configuration() {
        let (code, _, err) = run_with(&[
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
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--stock-id (body.stock_id)"), "{err}");
        assert!(err.contains("nothing was sent"), "{err}");
    }

    #[test]
    fn completions_come_from_the_command_tree() {
        let (code, out, err) = run_with(&["completions", "bash"]);
        assert_eq!(code, 0, "{err}");
        for needle in [
            "send-coupon",
            "--out-request-no",
            "--api-v3-key",
            "certificates",
        ] {
            assert!(out.contains(needle), "{needle}");
        }
        let (code, out, _) = run_with(&["completions", "zsh"]);
        assert_eq!(code, 0);
        assert!(out.contains("SENDED"), "enum values complete");
        let (code, out, _) = run_with(&["completions", "fish"]);
        assert_eq!(code, 0);
        assert!(out.contains("list-coupons-by-filter"));
        let (code, out, _) = run_with(&["completions", "powershell"]);
        assert_eq!(code, 0);
        assert!(out.contains("stock-use-flow"));
        let (code, _, err) = run_with(&["completions", "tcsh"]);
        assert_eq!(code, 2);
        assert!(err.contains("bash"), "{err}");
    }
}
