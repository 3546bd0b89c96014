//! Exit codes, and how each failure is reported on standard error.
//!
//! Over ~400 lines only because its unit tests live beside the code they check: the code above
//! `mod tests` is about 270 lines.

use std::fmt::{self, Write as _};

use wechatpay_apiv3::Error;

use crate::config::ConfigError;

/// A command line the user got wrong, found after clap parsed it; exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand to build a [`UsageError`].
pub fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// Success.
pub const OK: u8 = 0;
/// Anything unexpected (an I/O error writing the output, ...).
pub const INTERNAL: u8 = 1;
/// Bad flags, a missing required flag, an invalid value, or a request that breaks the spec's
/// constraints (nothing was sent).
pub const USAGE: u8 = 2;
/// Missing or unusable configuration (credentials, keys, base URL).
pub const CONFIG: u8 = 3;
/// WeChat Pay answered 4xx.
pub const API_4XX: u8 = 4;
/// WeChat Pay answered 5xx (or another non-2xx, non-4xx status).
pub const API_5XX: u8 = 5;
/// A 2xx response whose signature could not be verified.
pub const VERIFICATION: u8 = 6;
/// No complete response: connection failure or timeout.
pub const TRANSPORT: u8 = 7;
/// A verified response whose body is not the shape the spec declares.
pub const DECODE: u8 = 8;

/// The exit-code table, for `wxpay --help`.
pub const TABLE: &str = "  0  success
  1  unexpected failure (e.g. cannot write the output)
  2  usage error: bad flag, missing required flag, invalid value, or a request that breaks
     the spec's constraints (nothing was sent)
  3  configuration error: missing or unusable credentials, keys or base URL
  4  API error, HTTP 4xx (code, message, detail and Request-ID on stderr)
  5  API error, HTTP 5xx
  6  response signature verification failed, or a downloaded file's SHA-1 differs (the
     response was not trusted)
  7  transport failure or timeout (no complete response)
  8  the verified response does not decode as the spec declares";

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// The command line is wrong.
    Usage(UsageError),
    /// The configuration is wrong.
    Config(ConfigError),
    /// The request breaks the spec's constraints: nothing was sent. `flag` is the command-line
    /// flag of the value at fault, when the field path leads to one.
    Invalid {
        /// The flag, `--limit`.
        flag: Option<String>,
        /// The field path, `query.limit`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The client failed; `hint` adds advice for this operation (e.g. how to retry safely).
    Client {
        /// The error.
        error: Error,
        /// Advice to print after it.
        hint: Option<String>,
    },
    /// Writing the output failed.
    Io(std::io::Error),
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Failure::Usage(error)
    }
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Failure::Config(error)
    }
}

impl From<Error> for Failure {
    /// A configuration error of the client is reported like the CLI's own.
    fn from(error: Error) -> Self {
        match error {
            Error::Config(config) => Failure::Config(config),
            error => Failure::Client { error, hint: None },
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Failure::Io(error)
    }
}

/// The exit code of a client error.
pub fn code_of(error: &Error) -> u8 {
    match error {
        Error::Api(api) if (400..500).contains(&api.status) => API_4XX,
        Error::Api(_) => API_5XX,
        // A file whose digest is not the signed answer's hash is as untrusted as a bad signature.
        Error::Verification { .. } | Error::DigestMismatch { .. } => VERIFICATION,
        Error::Transport { .. } | Error::Timeout(_) => TRANSPORT,
        Error::Decode { .. } => DECODE,
        Error::InvalidRequest { .. } => USAGE,
        Error::Config(_) => CONFIG,
        _ => INTERNAL,
    }
}

impl Failure {
    /// The process exit code.
    pub fn code(&self) -> u8 {
        match self {
            Failure::Usage(_) => USAGE,
            Failure::Config(_) => CONFIG,
            Failure::Invalid { .. } => USAGE,
            Failure::Client { error, .. } => code_of(error),
            Failure::Io(_) => INTERNAL,
        }
    }

    /// The text for standard error (ends with a newline).
    pub fn render(&self) -> String {
        let mut out = String::new();
        match self {
            Failure::Usage(e) => {
                let _ = writeln!(out, "error: {e}");
            }
            Failure::Config(e) => {
                let _ = writeln!(out, "wxpay: configuration error: {}", with_causes(e));
            }
            Failure::Invalid {
                flag,
                field,
                problem,
            } => {
                let what = match flag {
                    Some(flag) => format!("{flag} ({field})"),
                    None => format!("`{field}`"),
                };
                let _ = writeln!(
                    out,
                    "wxpay: invalid request: {what} {problem}\n  nothing was sent"
                );
            }
            Failure::Client { error, hint } => {
                render_client_error(&mut out, error);
                if let Some(hint) = hint {
                    let _ = writeln!(out, "  hint:       {hint}");
                }
            }
            Failure::Io(e) => {
                let _ = writeln!(out, "wxpay: cannot write the output: {e}");
            }
        }
        out
    }
}

/// An error's message followed by each of its causes: `message: cause: its cause`. Each error
/// of the client shows only its own message and keeps what caused it as its `source()`; a
/// cause whose text the line already ends with is left out (some errors, like the sandbox's,
/// repeat their source in their message).
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let own = error.to_string();
        if !own.is_empty() && !text.ends_with(&own) {
            text.push_str(": ");
            text.push_str(&own);
        }
        cause = error.source();
    }
    text
}

fn render_client_error(out: &mut String, error: &Error) {
    match error {
        Error::Api(api) => {
            let _ = writeln!(out, "wxpay: API error: HTTP {}", api.status);
            if let Some(code) = api.code_str() {
                let _ = writeln!(out, "  code:       {code}");
            }
            if let Some(message) = &api.message {
                let _ = writeln!(out, "  message:    {message}");
            }
            if let Some(detail) = &api.detail {
                let _ = writeln!(out, "  detail:     {detail}");
            }
            if let Some(excerpt) = &api.raw_excerpt {
                let _ = writeln!(out, "  body:       {excerpt:?}");
            }
            if let Some(id) = &api.request_id {
                let _ = writeln!(out, "  Request-ID: {id}");
            }
        }
        Error::Verification { kind, request_id } => {
            let _ = writeln!(
                out,
                "wxpay: response verification failed: {kind}\n  \
                 the response was rejected and is not shown; check the WeChat Pay platform \
                 certificates / public key you configured"
            );
            if let Some(id) = request_id {
                let _ = writeln!(out, "  Request-ID: {id}");
            }
        }
        Error::InvalidRequest { field, problem } => {
            let _ = writeln!(
                out,
                "wxpay: invalid request: `{field}` {problem}\n  nothing was sent"
            );
        }
        Error::Config(config) => {
            let _ = writeln!(out, "wxpay: configuration error: {}", with_causes(config));
        }
        Error::Decode {
            path,
            excerpt,
            request_id,
            source,
        } => {
            let at = if path == "." {
                String::new()
            } else {
                format!(" at `{path}`")
            };
            let _ = writeln!(
                out,
                "wxpay: the verified response does not decode as the spec declares{at}: {}",
                with_causes(&**source)
            );
            let _ = writeln!(out, "  body:       {excerpt:?}");
            if let Some(id) = request_id {
                let _ = writeln!(out, "  Request-ID: {id}");
            }
        }
        other => {
            let _ = writeln!(out, "wxpay: {}", with_causes(other));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::error::{ApiError, VerificationError};

    fn api(status: u16, body: &str) -> Error {
        ApiError::from_response(status, body.as_bytes(), Some("REQ-1".to_owned())).into()
    }

    #[test]
    fn codes() {
        assert_eq!(code_of(&api(404, "")), API_4XX);
        assert_eq!(code_of(&api(429, "")), API_4XX);
        assert_eq!(code_of(&api(500, "")), API_5XX);
        assert_eq!(code_of(&api(302, "")), API_5XX);
        let verification = Error::Verification {
            kind: VerificationError::MissingHeader("Wechatpay-Signature"),
            request_id: None,
        };
        assert_eq!(code_of(&verification), VERIFICATION);
        assert_eq!(
            code_of(&Error::Timeout(std::time::Duration::from_secs(1))),
            TRANSPORT
        );
        let transport = Error::Transport {
            message: "refused".into(),
            connect: true,
            source: "refused".into(),
        };
        assert_eq!(code_of(&transport), TRANSPORT);
        let invalid = Error::InvalidRequest {
            field: "body.stock_id".into(),
            problem: "is too long".into(),
        };
        assert_eq!(code_of(&invalid), USAGE);
        assert_eq!(code_of(&Error::Config(ConfigError::new("x"))), CONFIG);
        assert_eq!(Failure::Usage(usage("x")).code(), USAGE);
        assert_eq!(Failure::Config(ConfigError::new("x")).code(), CONFIG);
    }

    #[test]
    fn invalid_requests_name_the_flag_and_the_field() {
        let failure = Failure::Invalid {
            flag: Some("--limit".into()),
            field: "query.limit".into(),
            problem: "must be at most 50".into(),
        };
        assert_eq!(failure.code(), USAGE);
        assert_eq!(
            failure.render(),
            "wxpay: invalid request: --limit (query.limit) must be at most 50\n  nothing was sent\n"
        );
        let failure = Failure::Invalid {
            flag: None,
            field: "query".into(),
            problem: "is not an object".into(),
        };
        assert!(failure.render().contains("`query` is not an object"));
    }

    #[test]
    fn configuration_errors_have_one_prefix_and_their_causes() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let config = ConfigError::with_source("cannot read merchant private key file k.pem", io);
        let text = Failure::from(Error::Config(config)).render();
        assert_eq!(
            text,
            "wxpay: configuration error: cannot read merchant private key file k.pem: No such \
             file\n"
        );
        let text = Failure::Config(ConfigError::new("bad key")).render();
        assert_eq!(text, "wxpay: configuration error: bad key\n");
    }

    #[test]
    fn causes_are_walked_once() {
        #[derive(Debug)]
        struct Repeats(std::io::Error);
        impl fmt::Display for Repeats {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "cannot listen: {}", self.0)
            }
        }
        impl std::error::Error for Repeats {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let io = || std::io::Error::new(std::io::ErrorKind::AddrInUse, "in use");
        assert_eq!(with_causes(&Repeats(io())), "cannot listen: in use");
        let outer = ConfigError::with_source("sandbox", Repeats(io()));
        assert_eq!(with_causes(&outer), "sandbox: cannot listen: in use");
        let transport = Error::Transport {
            message: "cannot connect to 127.0.0.1:1".into(),
            connect: true,
            source: Box::new(io()),
        };
        assert_eq!(
            Failure::from(transport).render(),
            "wxpay: transport error: cannot connect to 127.0.0.1:1: in use\n"
        );
    }

    #[test]
    fn decode_errors_name_the_path_and_the_cause() {
        let cause = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let error = Error::Decode {
            path: "data[3].coupon_id".into(),
            excerpt: "{\"data\":[".into(),
            request_id: Some("REQ-2".into()),
            source: Box::new(cause),
        };
        let text = Failure::from(error).render();
        assert!(
            text.starts_with(
                "wxpay: the verified response does not decode as the spec declares at \
                 `data[3].coupon_id`: invalid type: string \"x\", expected u32"
            ),
            "{text}"
        );
        assert!(
            text.contains("  body:       \"{\\\"data\\\":[\"\n"),
            "{text}"
        );
        assert!(text.ends_with("  Request-ID: REQ-2\n"), "{text}");
    }

    #[test]
    fn api_errors_show_everything_to_act_on() {
        let body = r#"{"code":"PARAM_ERROR","message":"bad","detail":{"field":"/stock_id","value":"x","issue":"too long","location":"body"}}"#;
        let text = Failure::from(api(400, body)).render();
        for part in [
            "HTTP 400",
            "code:       PARAM_ERROR",
            "message:    bad",
            "field=/stock_id",
            "issue=too long",
            "location=body",
            "Request-ID: REQ-1",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
        let text = Failure::from(api(502, "<html>")).render();
        assert!(text.contains("body:       \"<html>\""), "{text}");
    }
}
