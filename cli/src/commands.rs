//! Running an operation command: the request input its flags and `--data` make, validation
//! before anything is sent, then a dry run, one call, or a walk over every page.

use std::io::Write;
use std::pin::pin;

use futures_util::StreamExt as _;
use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{DynamicInput, Location, OperationInfo, ParamInfo};
use wechatpay_apiv3::{CallOptions, Error, Method, RetryPolicy};

use crate::config;
use crate::dry_run;
use crate::exit::{Failure, UsageError, usage};
use crate::operation::{command_name, flag, flag_of};
use crate::output::{self, Style};
use crate::shared::Globals;

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
    use crate::operation::{find, given, subcommand};
    use clap::ArgMatches;
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
    fn unknown_data_fields_warn() {
        let data = json!({"stock_id": "1", "out_request_no": "r1", "appid": "wx1", "stock_creator_mchid": "2", "extra": 1});
        let op = op("send-coupon");
        let matches = parse("send-coupon", &["--openid", "o"]).unwrap();
        let (_, warnings) = build_input(op, &given(op, &matches), Some(data)).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("`extra`"));
    }

    #[test]
    fn an_invalid_request_names_the_flag() {
        let list = op("list-coupons-by-filter");
        let error = Error::InvalidRequest {
            field: "query.limit".into(),
            problem: "is too big".into(),
        };
        let text = failure(list, error).render();
        assert!(text.contains("--limit (query.limit) is too big"), "{text}");
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
