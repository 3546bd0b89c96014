//! `wxpay request METHOD PATH`: any APIv3 call the spec does not have yet, signed and verified
//! like an operation command (`Client::request`), its JSON answer printed.

use std::io::Write;

use clap::builder::PossibleValuesParser;
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::Value;
use wechatpay_apiv3::wire::{QueryWriter, encode_path_segment};
use wechatpay_apiv3::{Error, HttpRequest, Method, RetryPolicy};

use crate::commands::hint;
use crate::config;
use crate::dry_run;
use crate::exit::{Failure, usage};
use crate::output::{self, Style};
use crate::shared::{self, Globals, Scope};

/// The methods APIv3 uses.
const METHODS: [Method; 5] = [
    Method::Get,
    Method::Post,
    Method::Put,
    Method::Patch,
    Method::Delete,
];

/// The `wxpay request` command.
pub fn subcommand() -> Command {
    let command = Command::new("request")
        .about("Send any APIv3 request, signed, and print its verified JSON answer")
        .long_about(
            "Send any APIv3 request, for operations the spec does not have yet: signed like an \
             operation command, its 2xx answer verified (an answer that does not verify is \
             never printed), the JSON printed on standard output (nothing for an empty answer \
             such as 204 No Content). Errors and exit codes are those of the operation \
             commands. Only a GET is retried.\n\n\
             PATH is the request-target as it is sent (percent-encode it yourself); each \
             --query NAME=VALUE is appended to it, percent-encoded. The body is --data, sent \
             as compact JSON.",
        )
        .after_long_help(
            "Examples:\n  \
             wxpay request GET /v3/marketing/favor/stocks/9856000 --query \
             stock_creator_mchid=1900009191\n  \
             wxpay request POST /v3/marketing/favor/stocks/9856000/pause --data \
             '{\"stock_creator_mchid\": \"1900009191\"}' --dry-run",
        )
        .arg(
            Arg::new("method")
                .value_name("METHOD")
                .required(true)
                .ignore_case(true)
                .value_parser(PossibleValuesParser::new(METHODS.map(Method::as_str)))
                .help("The HTTP method"),
        )
        .arg(
            Arg::new("path")
                .value_name("PATH")
                .required(true)
                .help("The request-target, from /v3/ (it may carry a query string already)"),
        )
        .arg(
            Arg::new("query")
                .long("query")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .value_parser(parse_pair)
                .help("A query parameter, appended to PATH percent-encoded (repeatable)")
                .help_heading("Parameters"),
        );
    let scope = Scope {
        walk: false,
        ..Scope::ALL
    };
    shared::add(command, scope, &|_| false)
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expects NAME=VALUE, got {text:?}")),
    }
}

/// The request-target: `path`, then each query pair percent-encoded, in the order given.
fn target(path: &str, query: &[(String, String)]) -> String {
    let mut writer = QueryWriter::new();
    for (name, value) in query {
        writer.push(&encode_path_segment(name), value);
    }
    let query = writer.finish();
    match query.strip_prefix('?') {
        Some(pairs) if path.contains('?') => format!("{path}&{pairs}"),
        _ => format!("{path}{query}"),
    }
}

/// The request the command line describes.
///
/// # Errors
/// A usage error for a `GET` with a body.
fn request(matches: &ArgMatches, globals: &Globals) -> Result<HttpRequest, Failure> {
    let method = matches
        .get_one::<String>("method")
        .and_then(|name| {
            METHODS
                .into_iter()
                .find(|m| m.as_str().eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| usage("name the method: GET, POST, PUT, PATCH or DELETE"))?;
    let path = matches
        .get_one::<String>("path")
        .ok_or_else(|| usage("name the PATH"))?;
    let query: Vec<(String, String)> = matches
        .get_many::<(String, String)>("query")
        .map(|pairs| pairs.cloned().collect())
        .unwrap_or_default();
    let body = match (&globals.data, method) {
        (Some(_), Method::Get) => {
            return Err(usage("a GET request has no body, so --data does not apply").into());
        }
        (Some(data), _) => Some(serde_json::to_vec(data).map_err(std::io::Error::other)?),
        (None, _) => None,
    };
    Ok(HttpRequest::new(method, target(path, &query), body))
}

/// A client error; a request-target the client refuses is the `PATH` argument's fault.
fn failure(method: Method, error: Error) -> Failure {
    match error {
        Error::InvalidRequest { field, problem } => Failure::Invalid {
            flag: (field == "request_target").then(|| "PATH".to_owned()),
            field,
            problem,
        },
        error => Failure::Client {
            hint: hint(method, None, &error),
            error,
        },
    }
}

/// Runs `wxpay request`.
///
/// # Errors
/// The [`Failure`] that decides the exit code, as for an operation command.
pub async fn run(
    matches: &ArgMatches,
    globals: &Globals,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let request = request(matches, globals)?;
    let method = request.method;
    let settings = config::resolve(&globals.given, globals.config.as_deref(), env)?;
    let client = settings.builder()?.build()?;
    if globals.dry_run {
        let text = dry_run::render(&request, &client).map_err(|e| failure(method, e))?;
        out.write_all(text.as_bytes())?;
        writeln!(
            err,
            "wxpay: dry run: {} {}{} was not sent",
            method.as_str(),
            client.base_url(),
            request.path_and_query
        )?;
        return Ok(());
    }
    let mut call = client.request(method, request.path_and_query, request.body);
    if let Some(timeout) = globals.timeout {
        call = call.timeout(timeout);
    }
    if let Some(retries) = globals.retries {
        call = call.retry(RetryPolicy::default().max_attempts(retries.saturating_add(1)));
    }
    let response = call.await.map_err(|e| failure(method, e))?;
    if response.body.is_empty() {
        return Ok(());
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(value) => {
            let style = if globals.compact {
                Style::Compact
            } else {
                Style::Pretty
            };
            output::write_value(out, &value, style)?;
        }
        // A verified answer that is not JSON is printed as it came.
        Err(_) => out.write_all(&response.body)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<HttpRequest, String> {
        let matches = subcommand()
            .try_get_matches_from(std::iter::once("request").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let globals = Globals::read(&[&matches], &|_| None).map_err(|e| e.0)?;
        request(&matches, &globals).map_err(|e| e.render())
    }

    #[test]
    fn debug_asserts() {
        subcommand().debug_assert();
    }

    #[test]
    fn method_path_query_and_body() {
        let get = parse(&["get", "/v3/x/1", "--query", "a=1 2", "--query=b=中"]).unwrap();
        assert_eq!(get.method, Method::Get);
        assert_eq!(get.path_and_query, "/v3/x/1?a=1%202&b=%E4%B8%AD");
        assert!(get.body.is_none());
        let post = parse(&[
            "POST",
            "/v3/x?k=v",
            "--query",
            "n&m=",
            "--data",
            r#"{"a": [1]}"#,
        ])
        .unwrap();
        assert_eq!(post.path_and_query, "/v3/x?k=v&n%26m=");
        assert_eq!(post.body.as_deref(), Some(&br#"{"a":[1]}"#[..]));
        assert_eq!(parse(&["DELETE", "/v3/y"]).unwrap().path_and_query, "/v3/y");
    }

    #[test]
    fn bad_command_lines() {
        let err = parse(&["FETCH", "/v3/x"]).unwrap_err();
        assert!(err.contains("[possible values: GET, POST"), "{err}");
        assert!(parse(&["GET"]).unwrap_err().contains("<PATH>"));
        let err = parse(&["GET", "/v3/x", "--query", "novalue"]).unwrap_err();
        assert!(err.contains("expects NAME=VALUE"), "{err}");
        let err = parse(&["GET", "/v3/x", "--data", "{}"]).unwrap_err();
        assert!(err.contains("GET request has no body"), "{err}");
        let err = parse(&["GET", "/v3/x", "--all"]).unwrap_err();
        assert!(err.contains("--all"), "{err}");
    }

    #[test]
    fn a_refused_target_is_the_path_argument() {
        let error = Error::InvalidRequest {
            field: "request_target".into(),
            problem: "must start with `/`".into(),
        };
        let failure = failure(Method::Get, error);
        assert_eq!(failure.code(), crate::exit::USAGE);
        assert!(
            failure
                .render()
                .contains("PATH (request_target) must start with `/`"),
            "{}",
            failure.render()
        );
    }
}
