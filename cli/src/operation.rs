//! The clap subcommand of one catalogue operation: its parameters as flags (value names and
//! parsers by kind, the spec's docs as help, enum values listed), the shared flags that apply
//! to it, and reading the given values back.

use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{Location, OperationInfo, ParamInfo, ValueKind};

use crate::shared::{self, Scope};
use crate::values::{KindParser, kind_name};

/// The command name of an operation: its id in kebab-case (`send_coupon` → `send-coupon`).
pub fn command_name(op: &OperationInfo) -> String {
    op.id.replace('_', "-")
}

/// The operation a command name stands for.
pub fn find(name: &str) -> Option<&'static OperationInfo> {
    catalog::OPERATIONS
        .iter()
        .find(|op| command_name(op) == name)
}

/// The flag of a parameter, without `--`: its name in kebab-case.
fn long(param: &ParamInfo) -> String {
    param.name.replace('_', "-")
}

/// The flag of a parameter: `--stock-id`.
pub fn flag(param: &ParamInfo) -> String {
    format!("--{}", long(param))
}

/// The clap id of a parameter; apart from the shared flags' ids, which are plain names.
fn id(param: &ParamInfo) -> String {
    format!("param:{}", param.name)
}

/// The clap subcommand of an operation.
pub fn subcommand(op: &'static OperationInfo) -> Command {
    let name = command_name(op);
    let mut command = Command::new(name.clone())
        .about(op.summary)
        .long_about(long_about(op))
        .after_long_help(example(op));
    if name != op.id {
        command = command.alias(op.id);
    }
    for param in op.params {
        command = command.arg(param_arg(param));
    }
    let taken = |shared: &str| {
        op.params
            .iter()
            .any(|p| long(p) == shared || p.name == shared)
    };
    let scope = Scope {
        walk: op.paginated,
        data: op.has_body,
        ..Scope::ALL
    };
    shared::add(command, scope, &taken)
}

fn param_arg(param: &'static ParamInfo) -> Arg {
    let long = long(param);
    let mut arg = Arg::new(id(param))
        .long(long.clone())
        .value_name(kind_name(param.kind))
        .value_parser(KindParser(param.kind))
        .action(ArgAction::Set)
        // Path and query parameters can only come from their flag; body ones also from --data.
        .required(param.required && param.location != Location::Body)
        .help(short_help(param))
        .long_help(long_help(param))
        .help_heading("Parameters");
    if long != param.name {
        arg = arg.alias(param.name);
    }
    match param.kind {
        ValueKind::Integer | ValueKind::Money => arg.allow_negative_numbers(true),
        // Listed by the help text, which says that others pass through too.
        ValueKind::Enum(_) => arg.hide_possible_values(true),
        _ => arg,
    }
}

/// `required, body` / `optional, query`.
fn need(param: &ParamInfo) -> String {
    let need = if param.required {
        "required"
    } else {
        "optional"
    };
    let location = match param.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Body => "body",
        Location::File => "file",
    };
    format!("{need}, {location}")
}

fn short_help(param: &ParamInfo) -> String {
    let first = param.doc.lines().next().unwrap_or_default();
    format!("{}: {first}", need(param))
}

fn long_help(param: &ParamInfo) -> String {
    let mut lines = vec![need(param)];
    match param.kind {
        ValueKind::Enum(values) => lines.push(format!(
            "values: {} (others pass through: enums are open)",
            values.join(", ")
        )),
        ValueKind::Money => lines.push("amount in fen (分): 100 is ¥1.00".to_owned()),
        ValueKind::Time => lines.push("RFC 3339 time, e.g. 2024-01-01T00:00:00+08:00".to_owned()),
        ValueKind::Date => lines.push("date, YYYY-MM-DD".to_owned()),
        ValueKind::Json => lines.push("JSON text, or @FILE".to_owned()),
        ValueKind::File => lines.push(
            "the path of the file to upload; its last component is sent as the file name"
                .to_owned(),
        ),
        _ => {}
    }
    lines.extend(param.doc.lines().map(str::to_owned));
    lines.join("\n")
}

fn long_about(op: &OperationInfo) -> String {
    let mut text = op.summary.to_owned();
    if !op.description.is_empty() {
        text.push_str("\n\n");
        text.push_str(op.description.trim_end());
    }
    text.push_str(&format!("\n\nHTTP: {} {}", op.method.as_str(), op.path));
    if let Some(key) = op.idempotency_key {
        text.push_str(&format!(
            "\nIdempotent by --{}: to retry, re-send with the same value and parameters.",
            key.replace('_', "-")
        ));
    }
    if op.paginated {
        text.push_str(
            "\nPaginated: --all prints every item of every page as one JSON array, --jsonl one \
             per line.",
        );
    }
    if op.has_body {
        text.push_str(
            "\nThe body may also be given whole with --data JSON|@FILE|@-; flags override its \
             fields.",
        );
    }
    text
}

fn example(op: &OperationInfo) -> String {
    let required: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{} {}", flag(p), p.name.to_uppercase()))
        .collect();
    format!(
        "Example:\n  wxpay {} {}",
        command_name(op),
        required.join(" ")
    )
    .trim_end()
    .to_owned()
}

/// The parameters given to an operation command, with their parsed values.
pub fn given(op: &'static OperationInfo, matches: &ArgMatches) -> Vec<(&'static ParamInfo, Value)> {
    op.params
        .iter()
        .filter_map(|p| {
            matches
                .try_get_one::<Value>(&id(p))
                .ok()
                .flatten()
                .map(|value| (p, value.clone()))
        })
        .collect()
}

/// The parameter a field path of an invalid-request error is under: `query.limit` → `limit`,
/// `body.stock_use_rule.max_coupons` → `stock_use_rule`.
pub fn param_of(op: &'static OperationInfo, field: &str) -> Option<&'static ParamInfo> {
    let (location, rest) = field.split_once('.')?;
    // An upload's file is named by its part (`file.filename`, `file.bytes`).
    if let Some(file) = op
        .params
        .iter()
        .find(|p| p.location == Location::File && p.name == location)
    {
        return Some(file);
    }
    let location = match location {
        "path" => Location::Path,
        "query" => Location::Query,
        "body" => Location::Body,
        _ => return None,
    };
    let name = rest.split(['.', '[']).next()?;
    op.params
        .iter()
        .find(|p| p.location == location && p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::Globals;
    use serde_json::json;

    fn op(name: &str) -> &'static OperationInfo {
        find(name).expect("operation in the spec")
    }

    fn parse(name: &str, args: &[&str]) -> Result<ArgMatches, String> {
        subcommand(op(name))
            .try_get_matches_from(std::iter::once(name).chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn names() {
        assert_eq!(find("send-coupon").map(|o| o.id), Some("send_coupon"));
        assert!(find("send").is_none());
        for op in catalog::OPERATIONS {
            assert_eq!(find(&command_name(op)).map(|o| o.id), Some(op.id));
            subcommand(op).debug_assert();
        }
        let command = subcommand(op("send-coupon"));
        assert!(command.get_all_aliases().any(|a| a == "send_coupon"));
    }

    #[test]
    fn a_parameter_named_like_a_shared_flag_is_the_parameter() {
        let set = op("set-callback");
        assert!(set.params.iter().any(|p| p.name == "mchid"));
        let matches = parse(
            "set-callback",
            &["--mchid", "42", "--notify-url", "https://x"],
        )
        .unwrap();
        let given = given(set, &matches);
        assert!(
            given
                .iter()
                .any(|(p, v)| p.name == "mchid" && *v == json!("42"))
        );
        let globals = Globals::read(&[&matches], &|_| None).unwrap();
        assert!(!globals.given.contains_key("WECHATPAY_MCHID"));
    }

    #[test]
    fn field_paths_lead_to_flags() {
        let flag_of = |op, field| param_of(op, field).map(flag);
        let list = op("list-coupons-by-filter");
        assert_eq!(flag_of(list, "query.limit").as_deref(), Some("--limit"));
        assert_eq!(flag_of(list, "path.openid").as_deref(), Some("--openid"));
        assert_eq!(flag_of(list, "query"), None);
        assert_eq!(flag_of(list, "body.limit"), None);
        let create = op("create-coupon-stock");
        assert_eq!(
            flag_of(create, "body.stock_use_rule.max_coupons").as_deref(),
            Some("--stock-use-rule")
        );
        assert_eq!(
            flag_of(create, "body.coupon_use_rule.available_items[3]").as_deref(),
            Some("--coupon-use-rule")
        );
    }

    /// Text without white space: clap wraps help to the terminal's width.
    fn unwrapped(text: &str) -> String {
        text.split_whitespace().collect()
    }

    #[test]
    fn help_comes_from_the_spec() {
        let list = op("list-coupons-by-filter");
        let mut command = subcommand(list);
        let help = unwrapped(&command.render_long_help().to_string());
        assert!(help.contains(list.path), "{help}");
        assert!(help.contains("values:SENDED,USED"), "{help}");
        assert!(help.contains("Paginated"), "{help}");
        for param in list.params {
            assert!(help.contains(&flag(param)), "{help}");
            let first = unwrapped(param.doc.lines().next().unwrap_or_default());
            assert!(help.contains(&first), "{first}: {help}");
        }
        let help = subcommand(op("send-coupon"))
            .render_long_help()
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(help.contains("Idempotent by --out-request-no"), "{help}");
        assert!(
            help.contains("wxpay send-coupon --openid OPENID --stock-id STOCK_ID"),
            "{help}"
        );
        assert!(help.contains("--coupon-value <fen>"), "{help}");
    }
}
