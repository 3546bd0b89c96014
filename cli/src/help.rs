//! Help texts, generated from the operation catalogue and the flag tables.

use std::fmt::Write as _;

use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{Location, OperationInfo, ValueKind};

use crate::args::canonical;
use crate::commands::command_name;
use crate::config::{CONFIG_ENV, SETTINGS};
use crate::exit;
use crate::options::GLOBAL_FLAGS;
use crate::values::kind_name;

/// The built-in commands besides the operations: name, arguments, what it does.
pub const BUILTINS: [(&str, &str, &str); 4] = [
    (
        "sandbox",
        "[--port N] [--keys-dir DIR] [--stocks FILE] [--serial-mode platform|public-key]",
        "run a local WeChat Pay sandbox and print the export lines that point wxpay at it",
    ),
    (
        "config",
        "",
        "show the merged credentials and target, and where each value comes from",
    ),
    (
        "help",
        "[COMMAND]",
        "show this help, or a command's parameters",
    ),
    ("version", "", "print the version"),
];

/// `wxpay --help`.
pub fn main_help() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "wxpay {} — every WeChat Pay APIv3 operation of the spec, from the shell.\n",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(
        "Usage:\n  \
         wxpay [FLAGS] COMMAND [--PARAMETER VALUE ...] [FLAGS]\n  \
         wxpay COMMAND --help\n\n",
    );
    out.push_str("Operations (generated from the spec; `wxpay COMMAND --help` for parameters):\n");
    let width = catalog::OPERATIONS
        .iter()
        .map(|op| command_name(op).len())
        .max()
        .unwrap_or(0);
    for op in catalog::OPERATIONS {
        let mut line = format!("  {:width$}  {}", command_name(op), op.summary);
        let _ = write!(line, "  [{} {}]", op.method.as_str(), op.path);
        if op.paginated {
            line.push_str(" [paginated]");
        }
        let _ = writeln!(out, "{line}");
    }
    out.push_str("\nOther commands:\n");
    for (name, args, doc) in BUILTINS {
        let usage = format!("wxpay {name} {args}");
        let _ = writeln!(out, "  {}\n      {doc}", usage.trim_end());
    }
    out.push_str("\nFlags (anywhere on the line):\n");
    let flag_text = |name: &str, value: Option<&str>| match value {
        Some(value) => format!("--{name} {value}"),
        None => format!("--{name}"),
    };
    let flag_width = GLOBAL_FLAGS
        .iter()
        .map(|f| flag_text(f.name, f.value).len())
        .chain(SETTINGS.iter().map(|s| s.flag.len() + 8))
        .max()
        .unwrap_or(0);
    for flag in GLOBAL_FLAGS {
        let _ = writeln!(
            out,
            "  {:flag_width$}  {}",
            flag_text(flag.name, flag.value),
            flag.doc
        );
    }
    out.push_str(
        "\nCredentials and target: a flag, else the environment variable, else the config file key.\n",
    );
    for setting in &SETTINGS {
        let _ = writeln!(
            out,
            "  {:flag_width$}  {}\n  {:flag_width$}  {} / \"{}\"",
            flag_text(setting.flag, Some("VALUE")),
            setting.doc,
            "",
            setting.env,
            setting.key
        );
    }
    let _ = writeln!(
        out,
        "\nConfig file: --config FILE, else ${CONFIG_ENV}, else ~/.config/wxpay/config.json when it\n\
         exists. A JSON object with the keys above, e.g.\n  \
         {{\"mchid\": \"1900009191\", \"mch_serial\": \"...\", \"private_key\": \"apiclient_key.pem\",\n   \
         \"public_key\": \"pub_key.pem\", \"public_key_id\": \"PUB_KEY_ID_...\"}}\n\
         Relative paths in it are relative to the file. platform_certs may be a list."
    );
    out.push_str(
        "\nOutput: the response as JSON on stdout; errors on stderr (code, message, detail,\n\
         Request-ID, HTTP status). A parameter named like a flag above (e.g. a body field\n\
         `mchid`) wins after the command name; give the flag before the command name then.\n",
    );
    let _ = writeln!(out, "\nExit codes:\n{}", exit::TABLE);
    out
}

/// `wxpay COMMAND --help`.
pub fn command_help(op: &OperationInfo) -> String {
    let name = command_name(op);
    let mut out = String::new();
    let _ = writeln!(out, "wxpay {name} — {}\n", op.summary);
    if !op.description.is_empty() {
        let _ = writeln!(out, "{}\n", op.description.trim_end());
    }
    let _ = writeln!(out, "HTTP: {} {}", op.method.as_str(), op.path);
    if let Some(key) = op.idempotency_key {
        let _ = writeln!(
            out,
            "Idempotent by --{}: to retry, re-send with the same value and parameters.",
            canonical(key)
        );
    }
    if op.paginated {
        out.push_str(
            "Paginated: --all prints every item of every page as one JSON array, --jsonl one per line.\n",
        );
    }
    out.push_str("\nParameters:\n");
    for param in op.params {
        let kind = match param.kind {
            ValueKind::Enum(_) => "enum".to_owned(),
            other => kind_name(other).to_owned(),
        };
        let location = match param.location {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
        };
        let need = if param.required {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            out,
            "  --{} <{kind}>  {need}, {location}",
            canonical(param.name)
        );
        if let ValueKind::Enum(values) = param.kind {
            let _ = writeln!(
                out,
                "      values: {} (others pass through: enums are open)",
                values.join(", ")
            );
        }
        match param.kind {
            ValueKind::Money => out.push_str("      amount in fen (分): 100 is ¥1.00\n"),
            ValueKind::Time => {
                out.push_str("      RFC 3339 time, e.g. 2024-01-01T00:00:00+08:00\n")
            }
            ValueKind::Json => out.push_str("      JSON text, or @FILE\n"),
            _ => {}
        }
        for line in param.doc.lines() {
            let _ = writeln!(out, "      {line}");
        }
    }
    if op.has_body {
        out.push_str(
            "\nThe body may also be given whole with --data JSON|@FILE|@-; flags override its fields.\n",
        );
    }
    let required: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("--{} {}", canonical(p.name), p.name.to_uppercase()))
        .collect();
    let _ = writeln!(out, "\nExample:\n  wxpay {name} {}", required.join(" "));
    out.push_str("\nShared flags (credentials, --dry-run, --timeout, ...): `wxpay --help`.\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_help_lists_every_operation_and_exit_code() {
        let text = main_help();
        for op in catalog::OPERATIONS {
            assert!(text.contains(&command_name(op)), "{}", op.id);
            assert!(text.contains(op.summary), "{}", op.id);
        }
        for setting in &SETTINGS {
            assert!(text.contains(setting.env) && text.contains(setting.key));
        }
        assert!(text.contains("8  the verified response"));
        assert!(text.contains("--dry-run"));
    }

    #[test]
    fn command_help_lists_every_parameter() {
        for op in catalog::OPERATIONS {
            let text = command_help(op);
            assert!(text.contains(op.path), "{text}");
            for param in op.params {
                assert!(
                    text.contains(&format!("--{}", canonical(param.name))),
                    "{text}"
                );
                assert!(text.contains(param.doc.lines().next().unwrap_or_default()));
            }
        }
        let list = command_help(crate::commands::find("list-coupons-by-filter").unwrap());
        assert!(list.contains("values: SENDED, USED"), "{list}");
        assert!(
            list.contains("--limit <integer>  optional, query"),
            "{list}"
        );
        assert!(list.contains("Paginated"), "{list}");
        let send = command_help(crate::commands::find("send-coupon").unwrap());
        assert!(
            send.contains("--stock-id <string>  required, body"),
            "{send}"
        );
        assert!(
            send.contains("--coupon-value <fen>  optional, body"),
            "{send}"
        );
        assert!(send.contains("Idempotent by --out-request-no"), "{send}");
        assert!(
            send.contains("wxpay send-coupon --openid OPENID --stock-id STOCK_ID"),
            "{send}"
        );
    }
}
