//! [`ClientBuilder::from_env_vars`]: the client's settings from environment variables.

use super::ClientBuilder;
use crate::client::Client;
use crate::error::Error;

/// The APIv3 key's variable; its value is never printed.
const API_V3_KEY: &str = "WECHATPAY_APIV3_KEY";

impl ClientBuilder {
    /// A builder configured from variables looked up with `var` (pass
    /// `|name| std::env::var(name).ok()` for the real environment):
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `WECHATPAY_BASE_URL` | optional base URL |
    /// | `WECHATPAY_MCHID` | merchant ID |
    /// | `WECHATPAY_MCH_SERIAL` | merchant API certificate serial |
    /// | `WECHATPAY_PRIVATE_KEY` | path of the PKCS#8 PEM private key |
    /// | `WECHATPAY_PLATFORM_CERTS` | comma-separated platform certificate PEM paths |
    /// | `WECHATPAY_PUBLIC_KEY` + `WECHATPAY_PUBLIC_KEY_ID` | WeChat Pay public key PEM path and its ID |
    /// | `WECHATPAY_APIV3_KEY` | the APIv3 key (32 characters), which decrypts downloaded platform certificates |
    ///
    /// With `WECHATPAY_APIV3_KEY`, platform certificates are downloaded automatically
    /// ([`auto_certificates`](Self::auto_certificates)) unless the WeChat Pay public key is
    /// the only key configured (it never needs a download); call [`start`](Self::start) to
    /// download them at start-up. At least one of `WECHATPAY_PLATFORM_CERTS`,
    /// `WECHATPAY_PUBLIC_KEY` and `WECHATPAY_APIV3_KEY` is needed; all may be set. Empty values
    /// count as unset. HTTP proxies come from `HTTPS_PROXY` / `NO_PROXY`, read by the HTTP
    /// client itself (see [`transport`](crate::transport)).
    ///
    /// # Errors
    /// [`Error::Config`] naming the variable that is missing or the file that cannot be used;
    /// never containing the APIv3 key.
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let require = |name: &str| {
            get(name)
                .ok_or_else(|| Error::config(format!("environment variable {name} is not set")))
        };
        let mut builder = Client::builder()
            .mchid(require("WECHATPAY_MCHID")?)
            .merchant_serial(require("WECHATPAY_MCH_SERIAL")?)
            .private_key_file(require("WECHATPAY_PRIVATE_KEY")?);
        if let Some(url) = get("WECHATPAY_BASE_URL") {
            builder = builder.base_url(&url);
        }
        let certs = get("WECHATPAY_PLATFORM_CERTS");
        if let Some(paths) = &certs {
            for path in paths.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                builder = builder.platform_certificate_file(path);
            }
        }
        let public_key = match (get("WECHATPAY_PUBLIC_KEY"), get("WECHATPAY_PUBLIC_KEY_ID")) {
            (Some(path), Some(id)) => {
                builder = builder.public_key_file(id, path);
                true
            }
            (Some(_), None) => {
                return Err(Error::config(
                    "WECHATPAY_PUBLIC_KEY is set but WECHATPAY_PUBLIC_KEY_ID is not",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::config(
                    "WECHATPAY_PUBLIC_KEY_ID is set but WECHATPAY_PUBLIC_KEY is not",
                ));
            }
            (None, None) => false,
        };
        match get(API_V3_KEY) {
            Some(key) => {
                let key = crate::auth::ApiV3Key::new(key.into_bytes()).map_err(|e| match e {
                    Error::Config(config) => Error::config(format!("{API_V3_KEY}: {config}")),
                    other => other,
                })?;
                builder.api_v3_key = Some(key);
                builder = builder.auto_certificates(certs.is_some() || !public_key);
            }
            None if certs.is_none() && !public_key => {
                return Err(Error::config(format!(
                    "set WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID, or \
                     WECHATPAY_PLATFORM_CERTS, to verify responses (or {API_V3_KEY} to \
                     download platform certificates)"
                )));
            }
            None => {}
        }
        if let Some(error) = builder.error.take() {
            return Err(error);
        }
        Ok(builder)
    }
}
