//! An operation command's request input: its flags and `--data` made into a `DynamicInput`,
//! and, when the request breaks the spec's constraints, which flag (or `--data`) the field at
//! fault came from.

use serde_json::Value;
use wechatpay_apiv3::dynamic::{DynamicInput, Location, OperationInfo, ParamInfo};
use wechatpay_apiv3::{Error, UploadFile};

use crate::exit::{Failure, UsageError, usage};
use crate::operation::{command_name, flag, param_of};

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
            Location::File => {
                let path = value.as_str().unwrap_or_default();
                input.file = Some(read_file(&flag(info), path)?);
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
            Location::File => input.file.is_some(),
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

/// The file at `path` for an upload, named by the path's last component. The spec's limits
/// (type, size) are checked by the operation's `build()`, which names the field.
///
/// # Errors
/// [`UsageError`] naming `flag` when the path has no file name, is not a regular file (a
/// directory, a device that would never end) or cannot be read.
fn read_file(flag: &str, path: &str) -> Result<UploadFile, UsageError> {
    let at = std::path::Path::new(path);
    let name = at
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| usage(format!("{flag} {path:?} does not name a file")))?;
    let cannot = |e: std::io::Error| usage(format!("{flag}: cannot read {path:?}: {e}"));
    let metadata = std::fs::metadata(at).map_err(cannot)?;
    if !metadata.is_file() {
        return Err(usage(format!("{flag} {path:?} is not a regular file")));
    }
    let bytes = std::fs::read(at).map_err(cannot)?;
    Ok(UploadFile::new(name, bytes))
}

/// A client error; for an invalid request, with where the value at fault came from: its
/// parameter's flag, or `--data` for a body field that came from there.
pub fn failure(
    op: &'static OperationInfo,
    given: &[(&'static ParamInfo, Value)],
    data: Option<&Value>,
    error: Error,
) -> Failure {
    match error {
        Error::InvalidRequest { field, problem } => Failure::Invalid {
            flag: culprit(op, given, data, &field),
            field,
            problem,
        },
        other => other.into(),
    }
}

/// The flag a field path of an invalid request leads to: a path or query parameter's flag, a
/// body parameter's flag when it was given (it overrides `--data`), else `--data` when the
/// field (or the whole body) came from it.
fn culprit(
    op: &'static OperationInfo,
    given: &[(&'static ParamInfo, Value)],
    data: Option<&Value>,
    field: &str,
) -> Option<String> {
    let param = param_of(op, field);
    let by_flag = param.is_some_and(|param| {
        param.location != Location::Body || given.iter().any(|(p, _)| p.name == param.name)
    });
    if by_flag {
        return param.map(flag);
    }
    let from_data = match (param, data) {
        (Some(param), Some(data)) => data.get(param.name).is_some(),
        (None, Some(_)) => field == "body",
        (_, None) => false,
    };
    from_data.then(|| "--data".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{find, given, subcommand};
    use clap::ArgMatches;
    use serde_json::json;
    use wechatpay_apiv3::api::catalog;

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
    fn an_invalid_request_names_where_the_value_came_from() {
        let list = op("list-coupons-by-filter");
        let error = || Error::InvalidRequest {
            field: "query.limit".into(),
            problem: "is too big".into(),
        };
        let text = failure(list, &[], None, error()).render();
        assert!(text.contains("--limit (query.limit) is too big"), "{text}");

        let create = op("create-coupon-stock");
        let rule = create
            .params
            .iter()
            .find(|p| p.name == "stock_use_rule")
            .expect("a body parameter");
        let data = json!({"stock_use_rule": {"max_coupons": 0}});
        let field = "body.stock_use_rule.max_coupons";
        let by_flag = [(rule, json!({"max_coupons": 0}))];
        assert_eq!(
            culprit(create, &by_flag, Some(&data), field).as_deref(),
            Some("--stock-use-rule"),
            "a flag overrides --data"
        );
        assert_eq!(
            culprit(create, &[], Some(&data), field).as_deref(),
            Some("--data")
        );
        assert_eq!(
            culprit(create, &[], Some(&data), "body").as_deref(),
            Some("--data")
        );
        assert_eq!(culprit(create, &[], Some(&data), "body.comment"), None);
        assert_eq!(culprit(create, &[], None, field), None);
    }
}
