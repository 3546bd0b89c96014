//! Operation commands, straight from the generated catalogue: names, flags, the request input
//! they make, and running one.

use std::io::Write;
use std::pin::pin;

use futures_util::StreamExt as _;
use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{DynamicInput, Location, OperationInfo, ParamInfo};
use wechatpay_apiv3::{CallOptions, Error, Method, RetryPolicy};

use crate::args::{self, Arity, Flag, UsageError, canonical, usage};
use crate::config;
use crate::dry_run;
use crate::exit::Failure;
use crate::options::{self, Globals};
use crate::output::{self, Style};
use crate::values::{parse_json_arg, parse_value};

/// The command name of an operation: its id in kebab-case (`send_coupon` → `send-coupon`).
pub fn command_name(op: &OperationInfo) -> String {
    canonical(op.id)
}

/// The operation a command name stands for; the id as written (`send_coupon`) works too.
pub fn find(name: &str) -> Option<&'static OperationInfo> {
    let name = canonical(name);
    catalog::OPERATIONS
        .iter()
        .find(|op| canonical(op.id) == name)
}

/// The usage error for a name that is no command, with the closest one when there is one.
pub fn unknown_command(name: &str) -> UsageError {
    let names: Vec<String> = catalog::OPERATIONS.iter().map(command_name).collect();
    let hint = args::suggest(&canonical(name), names.iter().map(String::as_str))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    usage(format!(
        "unknown command `{name}`{hint} (`wxpay help` lists the commands)"
    ))
}

/// The parameter of `op` whose flag is `name` (canonical).
pub fn param(op: &OperationInfo, name: &str) -> Option<&'static ParamInfo> {
    op.params.iter().find(|p| canonical(p.name) == name)
}

/// The flags of one operation command: its parameters, given as `--name VALUE`.
#[derive(Debug, Clone, Default)]
pub struct ParamFlags {
    /// Each parameter given, with its text value.
    pub given: Vec<(&'static ParamInfo, Flag)>,
}

/// Reads the arguments after an operation's name: parameter flags, then global flags.
///
/// A parameter whose name is also a global flag (`--data`, `--mchid`, ...) wins after the
/// command name; the global flag is still available before it (`wxpay --mchid 1 cmd`).
///
/// # Errors
/// [`UsageError`] for unknown flags, repeated parameters, stray arguments.
pub fn parse_flags(
    op: &'static OperationInfo,
    args: &[String],
    globals: &mut Globals,
) -> Result<ParamFlags, UsageError> {
    let known: Vec<String> = op
        .params
        .iter()
        .map(|p| canonical(p.name))
        .chain(options::names().map(str::to_owned))
        .collect();
    let arity = |name: &str| match param(op, name) {
        Some(_) => Some(Arity::Value),
        None => options::arity(name),
    };
    let parsed = args::parse(args, false, &arity, &known)?;
    if let Some(stray) = parsed.positionals.first() {
        return Err(usage(format!(
            "unexpected argument {stray:?}: parameters are given as --name VALUE (see `wxpay {} --help`)",
            command_name(op)
        )));
    }
    let mut flags = ParamFlags::default();
    for flag in parsed.flags {
        match param(op, &flag.name) {
            Some(info) => {
                if flags.given.iter().any(|(p, _)| p.name == info.name) {
                    return Err(usage(format!("{} is given twice", flag.written)));
                }
                flags.given.push((info, flag));
            }
            None => globals.apply(&flag)?,
        }
    }
    Ok(flags)
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
    flags: &ParamFlags,
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
    for (info, flag) in &flags.given {
        let text = flag.value.as_deref().unwrap_or_default();
        let value = parse_value(&flag.written, info.kind, text)?;
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
            missing.push(format!("--{}", canonical(info.name)));
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
    flags: &ParamFlags,
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
    let data = match &globals.data {
        Some(text) => Some(parse_json_arg("--data", text)?),
        None => None,
    };
    let (input, warnings) = build_input(op, flags, data)?;
    for warning in warnings {
        writeln!(err, "wxpay: warning: {warning}")?;
    }
    let operation = catalog::build(op.id, &input)?;
    let request = operation.build()?;

    let config = config::resolve(&globals.settings, env, globals.config.as_deref())?;
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
                canonical(key)
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

    fn op(id: &str) -> &'static OperationInfo {
        find(id).expect("operation in the spec")
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    fn input(id: &str, args: &[&str], data: Option<Value>) -> Result<DynamicInput, UsageError> {
        let mut globals = Globals::default();
        let flags = parse_flags(op(id), &strings(args), &mut globals)?;
        build_input(op(id), &flags, data).map(|(input, _)| input)
    }

    #[test]
    fn names() {
        assert_eq!(find("send-coupon").map(|o| o.id), Some("send_coupon"));
        assert_eq!(find("send_coupon").map(|o| o.id), Some("send_coupon"));
        assert!(find("send").is_none());
        assert!(
            unknown_command("send-cuopon")
                .0
                .contains("did you mean `send-coupon`")
        );
        for op in catalog::OPERATIONS {
            assert_eq!(find(&command_name(op)).map(|o| o.id), Some(op.id));
            // A built-in command would shadow the operation: rename one of them.
            let builtin = crate::help::BUILTINS
                .iter()
                .any(|(name, _, _)| *name == command_name(op));
            assert!(
                !builtin,
                "operation {} is named like a built-in command",
                op.id
            );
        }
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
                "--appid",
                "wx1",
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
        let err = input("send-coupon", &["--openid", "o1", "--appid", "wx1"], None)
            .unwrap_err()
            .0;
        assert!(
            err.contains(
                "missing required flags --stock-id, --out-request-no, --stock-creator-mchid"
            ),
            "{err}"
        );
        let data = json!({"stock_id": null});
        let err = input("send-coupon", &[], Some(data)).unwrap_err().0;
        assert!(err.contains("--openid, --stock-id"), "{err}");
        let err = input("list-coupons-by-filter", &["--openid", "o1"], None)
            .unwrap_err()
            .0;
        assert!(err.contains("missing required flag --appid;"), "{err}");
    }

    #[test]
    fn query_values_are_typed() {
        let input = input(
            "list-coupons-by-filter",
            &[
                "--openid", "o1", "--appid", "wx1", "--limit", "10", "--status", "USED",
            ],
            None,
        )
        .unwrap();
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
    fn bad_command_lines() {
        let err = |args: &[&str], data| input("list-coupons-by-filter", args, data).unwrap_err().0;
        assert!(err(&["--limit", "ten"], None).contains("--limit expects an integer"));
        assert!(err(&["--openid", "a", "--openid", "b"], None).contains("given twice"));
        assert!(err(&["stray"], None).contains("unexpected argument"));
        assert!(err(&["--apid", "x"], None).contains("did you mean --appid?"));
        assert!(
            err(&["--openid", "o", "--appid", "a"], Some(json!({}))).contains("no request body")
        );
        let err = input("send-coupon", &[], Some(json!([1]))).unwrap_err().0;
        assert!(err.contains("JSON object"), "{err}");
    }

    #[test]
    fn global_flags_mix_with_parameters() {
        let mut globals = Globals::default();
        let flags = parse_flags(
            op("list-coupons-by-filter"),
            &strings(&["--all", "--openid", "o", "--mchid", "1", "--compact"]),
            &mut globals,
        )
        .unwrap();
        assert_eq!(flags.given.len(), 1);
        assert!(globals.all && globals.compact);
        assert_eq!(globals.settings["WECHATPAY_MCHID"], "1");
    }

    #[test]
    fn unknown_data_fields_warn() {
        let data = json!({"stock_id": "1", "out_request_no": "r1", "appid": "wx1", "stock_creator_mchid": "2", "extra": 1});
        let mut globals = Globals::default();
        let op = op("send-coupon");
        let flags = parse_flags(op, &strings(&["--openid", "o"]), &mut globals).unwrap();
        let (_, warnings) = build_input(op, &flags, Some(data)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`extra`"));
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
            source: "refused".into(),
        };
        assert!(hint(op, &input, &refused).is_none());
        assert!(hint(find("list-coupons-by-filter").unwrap(), &input, &timeout).is_none());
    }
}
