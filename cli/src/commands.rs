//! Running an operation command: its request input (see `input`), validation before anything
//! is sent, then a dry run, one call, or a walk over every page.

use std::io::Write;
use std::pin::pin;

use futures_util::StreamExt as _;
use serde_json::Value;
use wechatpay_apiv3::api::catalog;
use wechatpay_apiv3::dynamic::{OperationInfo, ParamInfo};
use wechatpay_apiv3::{CallOptions, Error, Method, RetryPolicy};

use crate::config;
use crate::dry_run;
use crate::exit::{Failure, usage};
use crate::input::{build_input, failure};
use crate::operation::command_name;
use crate::output::{self, Style};
use crate::shared::Globals;

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
    let invalid = |e| failure(op, given, globals.data.as_ref(), e);
    let operation = catalog::build(op.id, &input).map_err(invalid)?;
    let request = operation.build().map_err(invalid)?;

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
    let key = op.idempotency_key.map(|key| {
        let value = input
            .body
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_str)
            .unwrap_or("the same value");
        (key, value)
    });
    let with_hint = |error: Error| Failure::Client {
        hint: hint(op.method, key, &error),
        error,
    };
    let style = if globals.compact {
        Style::Compact
    } else {
        Style::Pretty
    };

    if !walk {
        let value = operation.send(&client, options).await.map_err(with_hint)?;
        // Response types are objects; only an operation the spec gives no response body
        // (`204 No Content`, decoded as `()`) comes back as JSON `null`: nothing to print.
        if !value.is_null() {
            output::write_value(out, &value, style)?;
        }
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

/// Advice after a failed call whose outcome is unknown (a timeout, a broken connection, a 5xx,
/// an answer that did not verify): how to run it again safely. `key` is the operation's
/// idempotency key and its value. A `GET` changes nothing, so it needs no advice.
pub fn hint(method: Method, key: Option<(&str, &str)>, error: &Error) -> Option<String> {
    if !error.is_outcome_unknown() || method == Method::Get {
        return None;
    }
    Some(match key {
        Some((key, value)) => format!(
            "the outcome is unknown; re-run with the same --{} {value} and the same \
             parameters (a new one could act twice)",
            key.replace('_', "-")
        ),
        None => "the outcome is unknown: the request may have been processed; check before \
                 sending it again"
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_only_when_the_outcome_is_unknown() {
        let key = Some(("out_request_no", "r1"));
        let timeout = Error::Timeout(std::time::Duration::from_secs(1));
        let text = hint(Method::Post, key, &timeout).unwrap();
        assert!(text.contains("--out-request-no r1"), "{text}");
        let text = hint(Method::Post, None, &timeout).unwrap();
        assert!(text.contains("check before sending it again"), "{text}");
        let refused = Error::Transport {
            message: "refused".into(),
            connect: true,
            source: "refused".into(),
        };
        assert!(hint(Method::Post, key, &refused).is_none());
        assert!(hint(Method::Get, None, &timeout).is_none());
    }
}
