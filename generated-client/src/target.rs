//! Where a request goes: checking base URLs (`https://host[:port]`, or `http://` to loopback
//! only) and turning a request-target into the URL that is sent, refusing targets the URL parser
//! would rewrite (the signature covers the target byte for byte). Also the header values every
//! request carries that depend on the configuration alone.

use std::net::IpAddr;

use reqwest::header::HeaderValue;

use crate::error::Error;

/// The URL a request goes to: `base` + `path_and_query` taken as is.
///
/// The URL parser would silently re-encode some characters (a raw `'` in the query, a space, a
/// `..` segment), which would send a target other than the one signed; such a target is refused
/// before anything is sent.
pub(crate) fn target_url(base: &str, path_and_query: &str) -> Result<reqwest::Url, Error> {
    if !path_and_query.starts_with('/') {
        return Err(Error::invalid(
            "request_target",
            format!("must start with `/`, got {path_and_query:?}"),
        ));
    }
    let url = reqwest::Url::parse(&format!("{base}{path_and_query}")).map_err(|e| {
        Error::invalid(
            "request_target",
            format!("{path_and_query:?} does not make a valid URL: {e}"),
        )
    })?;
    let mut sent = url.path().to_owned();
    if let Some(query) = url.query() {
        sent.push('?');
        sent.push_str(query);
    }
    if url.fragment().is_some() || sent != path_and_query {
        return Err(Error::invalid(
            "request_target",
            format!(
                "{path_and_query:?} would go on the wire as {sent:?}; percent-encode it so it \
                 is sent exactly as signed"
            ),
        ));
    }
    Ok(url)
}

/// Checks a base URL: `https://host[:port]`, or `http://` to a loopback host only; no
/// credentials, path, query or fragment. Returns it without the trailing slash.
pub(crate) fn validate_base_url(raw: &str, what: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| Error::config_with(format!("{what} is not a valid URL"), e))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!("{what} must not carry credentials")));
    }
    let Some(host) = url.host_str() else {
        return Err(Error::config(format!("{what} {url} has no host")));
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::config(format!(
                "{what} {url}: plain http is only allowed to a loopback host \
                 (127.0.0.0/8, ::1, localhost); use https"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "{what} {url}: unsupported scheme `{other}`, use https"
            )));
        }
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} {url} must have no path, query or fragment: APIv3 signs the path from `/v3/`"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

pub(crate) fn user_agent() -> HeaderValue {
    let ua = format!(
        "wechatpay-apiv3-rust/{} ({}/{}) Rust",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    HeaderValue::from_str(&ua).unwrap_or_else(|_| HeaderValue::from_static("wechatpay-apiv3-rust"))
}

/// A merchant ID or certificate serial goes inside a quoted `Authorization` parameter.
pub(crate) fn check_header_token(value: &str, what: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::config(format!("{what} is empty")));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'"' && b != b',')
    {
        return Err(Error::config(format!(
            "{what} {value:?} must be printable ASCII without `\"` or `,`"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            validate_base_url("https://api.mch.weixin.qq.com", "b")
                .ok()
                .as_deref(),
            Some("https://api.mch.weixin.qq.com")
        );
        assert_eq!(
            validate_base_url("https://api.mch.weixin.qq.com/", "b")
                .ok()
                .as_deref(),
            Some("https://api.mch.weixin.qq.com")
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080", "b")
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            validate_base_url("http://127.3.4.5", "b").ok().as_deref(),
            Some("http://127.3.4.5")
        );
        assert_eq!(
            validate_base_url("http://[::1]:9/", "b").ok().as_deref(),
            Some("http://[::1]:9")
        );
        assert_eq!(
            validate_base_url("http://LocalHost:1", "b").ok().as_deref(),
            Some("http://localhost:1")
        );
        for bad in [
            "http://api.mch.weixin.qq.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://[::2]",
            "ftp://127.0.0.1",
            "https://api.mch.weixin.qq.com/prefix",
            "https://api.mch.weixin.qq.com/?a=b",
            "https://api.mch.weixin.qq.com/#x",
            "https://user:secret@api.mch.weixin.qq.com",
            "not a url",
            "",
        ] {
            let err = validate_base_url(bad, "base_url");
            assert!(matches!(err, Err(Error::Config(_))), "{bad}: {err:?}");
            if let Err(e) = err {
                assert!(!e.to_string().contains("secret"), "{e}");
            }
        }
    }

    #[test]
    fn target_must_survive_the_url_parser() {
        let base = "https://api.mch.weixin.qq.com";
        for good in [
            "/v3/marketing/favor/users/o%2Fx%27y/coupons?stock_id=a%27b&x=%2F",
            "/v3/certificates",
            "/v3/x?",
            "/v3/x?a=1&a=2&b=%E4%B8%AD",
        ] {
            let url = target_url(base, good).expect(good);
            assert_eq!(url.as_str(), format!("{base}{good}"));
        }
        for bad in [
            "v3/x",
            "/v3/x?q='",
            "/v3/a b",
            "/v3/../x",
            "/v3/%2e%2e/x",
            "/v3/x#frag",
            "/v3/中",
        ] {
            assert!(
                matches!(target_url(base, bad), Err(Error::InvalidRequest { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn header_tokens() {
        assert!(check_header_token("1900009191", "mchid").is_ok());
        assert!(check_header_token("", "mchid").is_err());
        assert!(check_header_token("19\"00", "mchid").is_err());
        assert!(check_header_token("19 00", "mchid").is_err());
        assert!(check_header_token("19\n00", "mchid").is_err());
    }

    #[test]
    fn user_agent_names_the_crate() {
        let ua = user_agent();
        let ua = ua.to_str().unwrap_or_default();
        assert!(ua.starts_with("wechatpay-apiv3-rust/"), "{ua}");
        assert!(ua.ends_with(") Rust"), "{ua}");
    }
}
