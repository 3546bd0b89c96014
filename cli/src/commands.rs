//! Operation commands, straight from the generated catalogue: one clap subcommand per
//! operation (its parameters as flags, with the spec's docs), the request input they make, and
//! running one.

use std::io::Write;
use std::pin::pin;

use clap::{Arg, ArgAction, ArgMatches, Command};
use futures_util::StreamExt as _;
use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{DynamicInput, Location, OperationInfo, ParamInfo, ValueKind};
use wechatpay_apiv3::{CallOptions, Error, Method, RetryPolicy};

use crate::config;
use crate::dry_run;
use crate::exit::{Failure, UsageError, usage};
use crate::output::{self, Style};
use crate::shared::{self, Globals, Scope};
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

/// The flag of the parameter a field path of an invalid-request error is under:
/// `query.limit` → `--limit`, `body.stock_use_rule.max_coupons` → `--stock-use-rule`.
pub fn flag_of(op: &OperationInfo, field: &str) -> Option<String> {
    let (location, rest) = field.split_once('.')?;
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
        .map(flag)
}

/// A client error, with the flag of the value at fault when the request was invalid.
fn failure(op: &OperationInfo, error: Error) -> Failure {
    match error {
        Error::InvalidRequest { field, problem } => Failure::Invalid {
            flag: flag_of(op, &field),
            field,
            problem,
        },
        other => other.into(),
    }
}

/// Builds the operation's input from its flags and `--data`, and returns warnings to print.
///
/// Path and query parameters come from flags; the body starts from `data` (a JSON object) and
/// each body flag sets (overrides) its field. Every required parameter must be given, a body
/// one either as a flag or as a non-null field of `data`.
///
/// # Errors
/// [`UsageError`] naming the flag that is missing or whose value does not parse.
pub fn build_input(
    op: &OperationInfo,
    given: &[(&'static ParamInfo, Value)],
    data: Option<Value>,
) -> Result<(DynamicInput, Vec<String>), UsageError> {
    let name = command_name(op);
    let mut warnings = Vec::new();
    let mut input = DynamicInput::default();
    let mut body = match data {
        Some(_) if !op.has_body => {
            return Err(usage(format!(
                "`{name}` has no request body, so --data does not apply; give its parameters as flags"
            )));
        }
        Some(Value::Object(object)) => Some(object),
        Some(_) => {
            return Err(usage(
                "--data must be a JSON object (the request body)".to_owned(),
            ));
        }
        None if op.has_body => Some(serde_json::Map::new()),
        None => None,
    };
    if let Some(body) = &body {
        for key in body.keys() {
            let known = op
                .params
                .iter()
                .any(|p| p.location == Location::Body && p.name == key);
            if !known {
                warnings.push(format!(
                    "--data field `{key}` is not a body parameter of `{name}`; it is ignored"
                ));
            }
        }
    }
    for (info, value) in given {
        let value = value.clone();
        match info.location {
            Location::Path => {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                input.path.insert(info.name.to_owned(), text);
            }
            Location::Query => {
                input.query.insert(info.name.to_owned(), value);
            }
            Location::Body => {
                if let Some(body) = &mut body {
                    body.insert(info.name.to_owned(), value);
                }
            }
        }
    }
    let mut missing = Vec::new();
    for info in op.params.iter().filter(|p| p.required) {
        let present = match info.location {
            Location::Path => input.path.contains_key(info.name),
            Location::Query => input.query.contains_key(info.name),
            Location::Body => body
                .as_ref()
                .and_then(|b| b.get(info.name))
                .is_some_and(|v| !v.is_null()),
        };
        if !present {
            missing.push(flag(info));
        }
    }
    if !missing.is_empty() {
        let (noun, list) = if missing.len() == 1 {
            ("flag", missing.join(""))
        } else {
            ("flags", missing.join(", "))
        };
        let data_note = if op.has_body {
            " (body fields may also come from --data)"
        } else {
            ""
        };
        return Err(usage(format!(
            "`{name}` is missing required {noun} {list}{data_note}; see `wxpay {name} --help`"
        )));
    }
    input.body = body.map(Value::Object);
    Ok((input, warnings))
}

/// Runs an operation command: build and validate the request (nothing is sent when that
/// fails), configure the client, then dry-run, send, or walk every page.
///
/// # Errors
/// The [`Failure`] that decides the exit code.
pub async fn run(
    op: &'static OperationInfo,
    given: &[(&'static ParamInfo, Value)],
    globals: &Globals,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let name = command_name(op);
    let walk = globals.all || globals.jsonl;
    if walk && !op.paginated {
        return Err(usage(format!(
            "--all and --jsonl walk the pages of a paginated operation; `{name}` is not paginated"
        ))
        .into());
    }
    let (input, warnings) = build_input(op, given, globals.data.clone())?;
    for warning in warnings {
        writeln!(err, "wxpay: warning: {warning}")?;
    }
    let operation = catalog::build(op.id, &input).map_err(|e| failure(op, e))?;
    let request = operation.build().map_err(|e| failure(op, e))?;

    let config = config::resolve(&globals.given, globals.config.as_deref(), env)?;
    let client = config.builder()?.build()?;
    if globals.dry_run {
        let text = dry_run::render(&request, &client)?;
        out.write_all(text.as_bytes())?;
        writeln!(
            err,
            "wxpay: dry run: {} {}{} was not sent",
            request.method.as_str(),
            client.base_url(),
            request.path_and_query
        )?;
        return Ok(());
    }

    let mut options = CallOptions::default();
    options.timeout = globals.timeout;
    options.retry = globals
        .retries
        .map(|n| RetryPolicy::default().max_attempts(n.saturating_add(1)));
    let with_hint = |error: Error| Failure::Client {
        hint: hint(op, &input, &error),
        error,
    };
    let style = if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    };

    if !walk {
        let value = operation.send(&client, options).await.map_err(with_hint)?;
        output::write_value(out, &value, style)?;
        return Ok(());
    }
    let Some(items) = operation.items(&client, options) else {
        return Err(usage(format!("`{name}` cannot be walked page by page")).into());
    };
    let mut items = pin!(items);
    let mut all = Vec::new();
    while let Some(item) = items.next().await {
        let item = item.map_err(with_hint)?;
        if globals.jsonl {
            output::write_line(out, &item)?;
        } else {
            all.push(item);
        }
    }
    if !globals.jsonl {
        output::write_value(out, &Value::Array(all), style)?;
    }
    Ok(())
}

/// Advice after a failed call: whether and how it is safe to run again.
fn hint(op: &OperationInfo, input: &DynamicInput, error: &Error) -> Option<String> {
    let unknown_outcome = match error {
        Error::Timeout(_) => true,
        Error::Transport { connect, .. } => !connect,
        Error::Api(api) => api.status >= 500,
        _ => false,
    };
    if !unknown_outcome || op.method == Method::Get {
        return None;
    }
    match op.idempotency_key {
        Some(key) => {
            let value = input
                .body
                .as_ref()
                .and_then(|b| b.get(key))
                .and_then(Value::as_str)
                .unwrap_or("the same value");
            Some(format!(
                "the outcome is unknown; re-run with the same --{} {value} and the same \
                 parameters (a new one could act twice)",
                key.replace('_', "-")
            ))
        }
        None => Some(
            "the outcome is unknown: the request may have been processed; check before \
             sending it again"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(name: &str) -> &'static OperationInfo {
        find(name).expect("operation in the spec")
    }

    fn parse(name: &str, args: &[&str]) -> Result<ArgMatches, String> {
        subcommand(op(name))
            .try_get_matches_from(std::iter::once(name).chain(args.iter().copied()))
            .map_err(|e| e.to_string())
    }

    fn input(name: &str, args: &[&str], data: Option<Value>) -> Result<DynamicInput, String> {
        let matches = parse(name, args)?;
        build_input(op(name), &given(op(name), &matches), data)
            .map(|(input, _)| input)
            .map_err(|e| e.0)
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
    fn send_coupon_from_flags() {
        let input = input(
            "send-coupon",
            &[
                "--openid",
                "o1",
                "--stock-id",
                "9856000",
                "--out_request_no",
                "r1",
                "--appid=wx1",
                "--stock-creator-mchid",
                "8956000",
                "--coupon-value",
                "100",
            ],
            None,
        )
        .unwrap();
        assert_eq!(input.path["openid"], "o1");
        assert_eq!(
            input.body,
            Some(json!({
                "stock_id": "9856000", "out_request_no": "r1", "appid": "wx1",
                "stock_creator_mchid": "8956000", "coupon_value": 100
            }))
        );
        assert!(
            catalog::build("send_coupon", &input)
                .unwrap()
                .build()
                .is_ok()
        );
    }

    #[test]
    fn data_fills_the_body_and_flags_override_it() {
        let data = json!({"stock_id": "1", "out_request_no": "r1", "appid": "wx1", "stock_creator_mchid": "2"});
        let input = input(
            "send-coupon",
            &["--openid", "o1", "--stock-id", "3"],
            Some(data),
        )
        .unwrap();
        let body = input.body.unwrap();
        assert_eq!(body["stock_id"], "3");
        assert_eq!(body["appid"], "wx1");
    }

    #[test]
    fn missing_required_flags_are_named() {
        let err = input("send-coupon", &["--openid", "o1", "--appid", "wx1"], None).unwrap_err();
        assert!(
            err.contains(
                "missing required flags --stock-id, --out-request-no, --stock-creator-mchid"
            ),
            "{err}"
        );
        let err = input(
            "send-coupon",
            &["--openid", "o1"],
            Some(json!({"stock_id": null})),
        )
        .unwrap_err();
        assert!(err.contains("--stock-id, --out-request-no"), "{err}");
        // Path and query parameters are required by clap itself.
        let err = input("send-coupon", &[], None).unwrap_err();
        assert!(err.contains("--openid <string>"), "{err}");
        let err = input("list-coupons-by-filter", &["--openid", "o1"], None).unwrap_err();
        assert!(err.contains("--appid <string>"), "{err}");
    }

    #[test]
    fn query_values_are_typed() {
        let args = [
            "--openid", "o1", "--appid", "wx1", "--limit", "10", "--status", "USED",
        ];
        let input = input("list-coupons-by-filter", &args, None).unwrap();
        assert_eq!(input.query["limit"], json!(10));
        assert_eq!(input.query["status"], json!("USED"));
        assert!(input.body.is_none());
        let request = catalog::build("list_coupons_by_filter", &input)
            .unwrap()
            .build()
            .unwrap();
        assert!(
            request.path_and_query.contains("limit=10"),
            "{}",
            request.path_and_query
        );
    }

    #[test]
    fn enums_are_open_and_negative_numbers_are_values() {
        let base = ["--openid", "o1", "--appid", "wx1"];
        let input = input(
            "list-coupons-by-filter",
            &[&base[..], &["--status", "NEWER", "--limit", "-1"]].concat(),
            None,
        )
        .unwrap();
        assert_eq!(input.query["status"], json!("NEWER"));
        assert_eq!(input.query["limit"], json!(-1));
    }

    #[test]
    fn bad_command_lines() {
        let err = |args: &[&str], data| input("list-coupons-by-filter", args, data).unwrap_err();
        let base = ["--openid", "o", "--appid", "a"];
        let with = |extra: &[&'static str]| -> Vec<&'static str> { [&base[..], extra].concat() };
        assert!(err(&with(&["--limit", "ten"]), None).contains("--limit expects an integer"));
        assert!(err(&with(&["--openid", "b"]), None).contains("--openid"));
        assert!(err(&with(&["stray"]), None).contains("unexpected argument 'stray'"));
        let typo = err(&with(&["--apid", "x"]), None);
        assert!(typo.contains("--appid"), "{typo}");
        assert!(err(&base, Some(json!({}))).contains("no request body"));
        let err = input("send-coupon", &["--openid", "o"], Some(json!([1]))).unwrap_err();
        assert!(err.contains("JSON object"), "{err}");
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
    fn unknown_data_fields_warn() {
        let data = json!({"stock_id": "1", "out_request_no": "r1", "appid": "wx1", "stock_creator_mchid": "2", "extra": 1});
        let op = op("send-coupon");
        let matches = parse("send-coupon", &["--openid", "o"]).unwrap();
        let (_, warnings) = build_input(op, &given(op, &matches), Some(data)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`extra`"));
    }

    #[test]
    fn field_paths_lead_to_flags() {
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
        let error = Error::InvalidRequest {
            field: "query.limit".into(),
            problem: "is too big".into(),
        };
        let text = failure(list, error).render();
        assert!(text.contains("--limit (query.limit) is too big"), "{text}");
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

    #[test]
    fn hints_only_when_the_outcome_is_unknown() {
        let op = op("send-coupon");
        let input = DynamicInput {
            body: Some(json!({"out_request_no": "r1"})),
            ..DynamicInput::default()
        };
        let timeout = Error::Timeout(std::time::Duration::from_secs(1));
        let text = hint(op, &input, &timeout).unwrap();
        assert!(text.contains("--out-request-no r1"), "{text}");
        let refused = Error::Transport {
            message: "refused".into(),
            connect: true,
        };
        assert!(hint(op, &input, &refused).is_none());
        assert!(hint(find("list-coupons-by-filter").unwrap(), &input, &timeout).is_none());
    }
}
