//! The whole command tree, built at run time: one command per operation of the catalogue, then
//! the built-in commands. Help, usage lines, suggestions and shell completions all come from it.

use clap::{Arg, Command};

use wechatpay_apiv3::api::catalog;

use crate::certificates;
use crate::config::CONFIG_ENV;
use crate::download;
use crate::exit;
use crate::operation;
use crate::pay_sign;
use crate::request;
use crate::sandbox;
use crate::shared::{self, Scope};

const ABOUT: &str = "Every WeChat Pay APIv3 operation of the spec, from the shell";

const LONG_ABOUT: &str = "Every WeChat Pay APIv3 operation of the spec, from the shell.

Each operation of the spec is a command (`wxpay COMMAND --help` lists its parameters, with the
spec's documentation). The response is printed as JSON on standard output; errors go to standard
error (code, message, detail, Request-ID, HTTP status).";

/// After `wxpay -h`.
fn after_help() -> String {
    "Settings: a flag, else its environment variable, else the config file.\n\
     Exit codes: 0 ok, 2 usage, 3 configuration, 4 API 4xx, 5 API 5xx, 6 verification, \
     7 transport, 8 decode (`wxpay --help` says more)."
        .to_owned()
}

/// After `wxpay --help`.
fn after_long_help() -> String {
    format!(
        "Credentials and target come from a flag, else its environment variable, else the config \
         file: --config FILE, else ${CONFIG_ENV}, else ~/.config/wxpay/config.json when it \
         exists. A JSON object with the settings' keys, e.g.\n  \
         {{\"mchid\": \"1900009191\", \"mch_serial\": \"...\", \"private_key\": \"apiclient_key.pem\",\n   \
         \"public_key\": \"pub_key.pem\", \"public_key_id\": \"PUB_KEY_ID_...\"}}\n\
         Keys: {}. Relative paths in it are relative to the file; platform_certs may be a list.\n\n\
         A parameter named like a shared flag (e.g. a body field `mchid`) wins after the command \
         name; give the shared flag before the command name then.\n\n\
         Exit codes:\n{}",
        crate::config::SETTINGS
            .iter()
            .map(|s| s.key)
            .collect::<Vec<_>>()
            .join(", "),
        exit::TABLE
    )
}

/// `wxpay` with every command.
pub fn command() -> Command {
    let mut root = Command::new("wxpay")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .long_about(LONG_ABOUT)
        .after_help(after_help())
        .after_long_help(after_long_help())
        .subcommand_required(true)
        .arg_required_else_help(true)
        .max_term_width(100);
    root = shared::add(root, Scope::ALL, &|_| false);
    for op in catalog::OPERATIONS {
        root = root.subcommand(operation::subcommand(op));
    }
    root.subcommand(sandbox::subcommand())
        .subcommand(
            shared::add(Command::new("config"), Scope::CONFIG, &|_| false).about(
                "Show the merged credentials and target, and where each value comes from \
                 (secrets are masked)",
            ),
        )
        .subcommand(certificates::subcommand())
        .subcommand(request::subcommand())
        .subcommand(pay_sign::subcommand())
        .subcommand(download::subcommand())
        .subcommand(
            Command::new("completions")
                .about("Print the shell completion script of wxpay")
                .long_about(
                    "Print the shell completion script of wxpay, e.g.\n  \
                     wxpay completions bash > ~/.local/share/bash-completion/completions/wxpay\n  \
                     wxpay completions zsh > ~/.zfunc/_wxpay\n  \
                     wxpay completions fish > ~/.config/fish/completions/wxpay.fish\n  \
                     wxpay completions powershell >> $PROFILE",
                )
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
        .subcommand(Command::new("version").about("Print the version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_valid() {
        // clap's own checks: no two commands (an operation named like a built-in command),
        // flags or aliases with the same name.
        command().debug_assert();
        let names: Vec<String> = command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .collect();
        for op in catalog::OPERATIONS {
            assert!(names.contains(&operation::command_name(op)), "{}", op.id);
        }
    }

    #[test]
    fn help_lists_every_operation_and_exit_code() {
        let text = command().render_long_help().to_string();
        for op in catalog::OPERATIONS {
            assert!(text.contains(&operation::command_name(op)), "{}", op.id);
            assert!(text.contains(op.summary), "{}", op.id);
        }
        for setting in &crate::config::SETTINGS {
            assert!(text.contains(setting.env), "{text}");
            assert!(text.contains(setting.key), "{text}");
        }
        assert!(text.contains("8  the verified response"), "{text}");
        assert!(text.contains("--dry-run"), "{text}");
    }
}
