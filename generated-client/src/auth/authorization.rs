//! Reading an `Authorization` header back, as a server (the sandbox) must.

/// The parts of a `WECHATPAY2-SHA256-RSA2048 mchid="…",…` header.
///
/// [`AuthorizationParams::parse`] accepts the five parameters in any order (the official docs
/// say "无顺序要求" and real clients differ), with optional whitespace after commas. The scheme is
/// returned as found; comparing it with [`SIGNATURE_TYPE`](super::SIGNATURE_TYPE) is up to the
/// caller.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationParams {
    /// The scheme before the first space, e.g. `WECHATPAY2-SHA256-RSA2048`.
    pub scheme: String,
    /// `mchid`: the calling merchant.
    pub mchid: String,
    /// `nonce_str`.
    pub nonce_str: String,
    /// `timestamp`, as sent (Unix seconds, not yet validated).
    pub timestamp: String,
    /// `serial_no`: the merchant API certificate serial.
    pub serial_no: String,
    /// `signature`: Base64 SHA256withRSA over the request message.
    pub signature: String,
}

const NAMES: [&str; 5] = ["mchid", "nonce_str", "timestamp", "serial_no", "signature"];

impl AuthorizationParams {
    /// Parses a header value.
    ///
    /// Every value must be double-quoted and non-empty; a repeated parameter is rejected (which
    /// copy was signed would be ambiguous); parameters other than the five are ignored.
    ///
    /// # Errors
    /// A human-readable message naming what is wrong. It quotes no header content beyond a
    /// parameter name, since a mistaken header may carry someone's credentials.
    ///
    /// ```
    /// use wechatpay_apiv3::auth::AuthorizationParams;
    ///
    /// let params = AuthorizationParams::parse(
    ///     r#"WECHATPAY2-SHA256-RSA2048 mchid="1", serial_no="5",timestamp="4",nonce_str="2",signature="3""#,
    /// ).unwrap();
    /// assert_eq!((params.mchid.as_str(), params.signature.as_str()), ("1", "3"));
    /// assert!(AuthorizationParams::parse("Basic dXNlcjpwYXNz").is_err());
    /// ```
    pub fn parse(header: &str) -> Result<Self, String> {
        let header = header.trim();
        let Some((scheme, mut rest)) = header.split_once([' ', '\t']) else {
            return Err(if header.is_empty() {
                "empty Authorization header".to_owned()
            } else {
                "Authorization header has a scheme but no parameters".to_owned()
            });
        };
        let mut values: [Option<&str>; 5] = [None; 5];
        rest = rest.trim_start();
        loop {
            let Some((key, after_key)) = rest.split_once('=') else {
                return Err(
                    "expected `name=\"value\"` parameters in the Authorization header".to_owned(),
                );
            };
            let key = key.trim_end();
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err("malformed parameter name in the Authorization header".to_owned());
            }
            let Some(quoted) = after_key.trim_start().strip_prefix('"') else {
                return Err(format!(
                    "value of `{key}` in the Authorization header must be double-quoted"
                ));
            };
            let Some((value, after_value)) = quoted.split_once('"') else {
                return Err(format!(
                    "value of `{key}` in the Authorization header has no closing quote"
                ));
            };
            if let Some(slot) = NAMES.iter().position(|&name| name == key) {
                if values[slot].is_some() {
                    return Err(format!("`{key}` appears twice in the Authorization header"));
                }
                if value.is_empty() {
                    return Err(format!("`{key}` is empty in the Authorization header"));
                }
                values[slot] = Some(value);
            }
            rest = after_value.trim_start();
            if rest.is_empty() {
                break;
            }
            let Some(next) = rest.strip_prefix(',') else {
                return Err(format!(
                    "expected `,` after `{key}` in the Authorization header"
                ));
            };
            rest = next.trim_start();
            if rest.is_empty() {
                return Err("trailing `,` in the Authorization header".to_owned());
            }
        }
        let take = |slot: usize| {
            values[slot].map(str::to_owned).ok_or_else(|| {
                format!("`{}` is missing from the Authorization header", NAMES[slot])
            })
        };
        Ok(AuthorizationParams {
            scheme: scheme.to_owned(),
            mchid: take(0)?,
            nonce_str: take(1)?,
            timestamp: take(2)?,
            serial_no: take(3)?,
            signature: take(4)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_may_contain_commas_and_equals() {
        let params = AuthorizationParams::parse(
            r#"X mchid="1,2",nonce_str="n=",timestamp="4",serial_no="5",signature="ab+/==""#,
        )
        .unwrap();
        assert_eq!(params.mchid, "1,2");
        assert_eq!(params.nonce_str, "n=");
        assert_eq!(params.signature, "ab+/==");
    }

    #[test]
    fn rejects_duplicates_empties_and_unquoted() {
        let dup =
            r#"X mchid="1",mchid="2",nonce_str="n",timestamp="4",serial_no="5",signature="s""#;
        assert!(
            AuthorizationParams::parse(dup)
                .unwrap_err()
                .contains("twice")
        );
        let empty = r#"X mchid="",nonce_str="n",timestamp="4",serial_no="5",signature="s""#;
        assert!(
            AuthorizationParams::parse(empty)
                .unwrap_err()
                .contains("empty")
        );
        let unquoted = r#"X mchid=1,nonce_str="n",timestamp="4",serial_no="5",signature="s""#;
        assert!(
            AuthorizationParams::parse(unquoted)
                .unwrap_err()
                .contains("quoted")
        );
    }
}
