//! `--dry-run`: the request exactly as it would be sent, signed, without sending it.
//!
//! The client crate does not expose the headers it builds, so they are rebuilt here the same
//! way: a [`Signer`] from the client's merchant ID and serial and the configured private key,
//! the `Wechatpay-Serial` the client's verifier prefers, and the client's `User-Agent` format.

use std::fmt::Write as _;

use wechatpay_apiv3::auth::{MerchantPrivateKey, Signer};
use wechatpay_apiv3::{Client, HttpRequest};

use crate::config::{ConfigError, Resolved};

/// The `User-Agent` the client sends (`wechatpay-apiv3-rust/VERSION (OS/ARCH) Rust`); the CLI
/// is built from the same workspace version as the client crate.
pub fn user_agent() -> String {
    format!(
        "wechatpay-apiv3-rust/{} ({}/{}) Rust",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The request as an HTTP/1.1 message: request line, headers (with a fresh, valid
/// `Authorization` signature over the exact target and body bytes), blank line, body.
///
/// # Errors
/// [`ConfigError`] when the private key cannot be read.
pub fn render(
    request: &HttpRequest,
    client: &Client,
    config: &Resolved,
) -> Result<String, ConfigError> {
    let key_path = config
        .get("WECHATPAY_PRIVATE_KEY")
        .ok_or_else(|| ConfigError("no merchant private key configured".to_owned()))?;
    let key =
        MerchantPrivateKey::from_pem_file(&key_path).map_err(|e| ConfigError(e.to_string()))?;
    let signer = Signer::new(client.mchid(), client.merchant_serial(), key);
    let body = request.body.as_deref().unwrap_or_default();
    let authorization =
        signer.authorization(request.method.as_str(), &request.path_and_query, body);
    let wechatpay_serial = client.verifier().preferred_serial();
    Ok(format_request(
        request,
        client.base_url(),
        &authorization,
        wechatpay_serial.as_deref(),
    ))
}

/// Formats `request` for `base_url` with the `Authorization` value `authorization`.
pub fn format_request(
    request: &HttpRequest,
    base_url: &str,
    authorization: &str,
    wechatpay_serial: Option<&str>,
) -> String {
    let host = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .trim_end_matches('/');
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} {} HTTP/1.1",
        request.method.as_str(),
        request.path_and_query
    );
    let _ = writeln!(text, "Host: {host}");
    let _ = writeln!(text, "Authorization: {authorization}");
    let _ = writeln!(text, "Accept: application/json");
    if request.body.is_some() {
        let _ = writeln!(text, "Content-Type: application/json");
    }
    let _ = writeln!(text, "User-Agent: {}", user_agent());
    if let Some(serial) = wechatpay_serial {
        let _ = writeln!(text, "Wechatpay-Serial: {serial}");
    }
    if let Some(body) = &request.body {
        let _ = writeln!(text, "Content-Length: {}", body.len());
    }
    text.push('\n');
    if request.body.is_some() {
        text.push_str(request.body_str());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use wechatpay_apiv3::Method;

    #[test]
    fn post_with_body() {
        let request = HttpRequest {
            method: Method::Post,
            path_and_query: "/v3/x?a=1".into(),
            body: Some(b"{\"a\":1}".to_vec()),
        };
        let text = format_request(&request, "https://api.example:8443", "SIG", Some("PUB_1"));
        let expected = format!(
            "POST /v3/x?a=1 HTTP/1.1\nHost: api.example:8443\nAuthorization: SIG\n\
             Accept: application/json\nContent-Type: application/json\nUser-Agent: {}\n\
             Wechatpay-Serial: PUB_1\nContent-Length: 7\n\n{{\"a\":1}}\n",
            user_agent()
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn get_without_body() {
        let request = HttpRequest {
            method: Method::Get,
            path_and_query: "/v3/y".into(),
            body: None,
        };
        let text = format_request(&request, "http://127.0.0.1:9", "SIG", None);
        assert!(
            text.starts_with("GET /v3/y HTTP/1.1\nHost: 127.0.0.1:9\n"),
            "{text}"
        );
        assert!(!text.contains("Content-Type") && !text.contains("Wechatpay-Serial"));
        assert!(text.ends_with("Rust\n\n"), "{text}");
    }

    #[test]
    fn user_agent_shape() {
        let ua = user_agent();
        assert!(
            ua.starts_with("wechatpay-apiv3-rust/") && ua.ends_with(") Rust"),
            "{ua}"
        );
    }
}
