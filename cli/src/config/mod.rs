//! Credentials and target: flags, then environment variables, then a config file.
//!
//! Every setting has one name per source: `--mch-serial`, `WECHATPAY_MCH_SERIAL`, `mch_serial`.
//! Flags and environment variables are read by clap (each setting's flag has `Arg::env`); this
//! module adds the config file under them. The merged settings feed
//! [`ClientBuilder::from_env_vars`] under the environment names, so the CLI reads exactly what the
//! client crate's `Client::from_env()` reads.

mod file;
mod settings;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde_json::Value;
use wechatpay_apiv3::{ClientBuilder, Error};

pub use settings::{API_V3_KEY, CONFIG_ENV, MASK, SETTINGS, Setting, describe};

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env,
    /// The config file.
    File,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Flag => "flag",
            Source::Env => "environment",
            Source::File => "config file",
        })
    }
}

/// A configuration problem (exit code 3): the client crate's own type, so a cause (an I/O error
/// reading a file, a JSON error) stays its `source()` whether the CLI or the client found it.
pub use wechatpay_apiv3::error::ConfigError;

/// Values from flags and the environment (as clap read them), by environment variable name.
pub type Given = BTreeMap<&'static str, (String, Source)>;

/// The merged settings.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Value and source by environment variable name; only non-empty values.
    pub values: BTreeMap<&'static str, (String, Source)>,
    /// The config file read, if any.
    pub file: Option<PathBuf>,
}

impl fmt::Debug for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: BTreeMap<&str, (&str, Source)> = self
            .values
            .iter()
            .map(|(env, (value, source))| {
                let secret = SETTINGS.iter().any(|s| s.env == *env && s.secret);
                (*env, (if secret { MASK } else { value.as_str() }, *source))
            })
            .collect();
        f.debug_struct("Resolved")
            .field("values", &shown)
            .field("file", &self.file)
            .finish()
    }
}

impl Resolved {
    /// The merged value of an environment variable name.
    pub fn get(&self, env: &str) -> Option<String> {
        self.values.get(env).map(|(value, _)| value.clone())
    }

    fn has(&self, env: &str) -> bool {
        self.values.contains_key(env)
    }

    /// Whether a WeChat Pay public key or platform certificates are configured.
    fn has_verification_key(&self) -> bool {
        self.has("WECHATPAY_PUBLIC_KEY")
            || self.has("WECHATPAY_PUBLIC_KEY_ID")
            || self.has("WECHATPAY_PLATFORM_CERTS")
    }

    /// Checks that everything needed to sign and verify is set, naming the three ways to set
    /// what is missing. The APIv3 key alone can stand for a verification key: the client then
    /// downloads the platform certificates.
    ///
    /// # Errors
    /// [`ConfigError`] listing the missing settings.
    pub fn check_complete(&self) -> Result<(), ConfigError> {
        let mut missing = Vec::new();
        for env in [
            "WECHATPAY_MCHID",
            "WECHATPAY_MCH_SERIAL",
            "WECHATPAY_PRIVATE_KEY",
        ] {
            if !self.has(env) {
                missing.push(describe(env));
            }
        }
        let key = self.has("WECHATPAY_PUBLIC_KEY");
        let key_id = self.has("WECHATPAY_PUBLIC_KEY_ID");
        match (key, key_id) {
            (true, false) => missing.push(describe("WECHATPAY_PUBLIC_KEY_ID")),
            (false, true) => missing.push(describe("WECHATPAY_PUBLIC_KEY")),
            (false, false) if !self.has_verification_key() && !self.has(API_V3_KEY) => missing
                .push(format!(
                    "a key to verify responses: the WeChat Pay public key and its ID \
                     (--public-key + --public-key-id / WECHATPAY_PUBLIC_KEY + \
                     WECHATPAY_PUBLIC_KEY_ID / \"public_key\" + \"public_key_id\"), or platform \
                     certificates (--platform-certs / WECHATPAY_PLATFORM_CERTS / \
                     \"platform_certs\"), or the {} to download them",
                    describe(API_V3_KEY)
                )),
            _ => {}
        }
        if missing.is_empty() {
            return Ok(());
        }
        let file = match &self.file {
            Some(path) => format!("config file {}", path.display()),
            None => "no config file".to_owned(),
        };
        Err(ConfigError::new(format!(
            "missing settings (flag / environment variable / config file key; {file}):\n  {}",
            missing.join("\n  ")
        )))
    }

    /// A client builder from the merged settings, through the client crate's own reader
    /// (`from_env_vars`, under the environment names), so the settings mean exactly what
    /// `Client::from_env()` makes of them. With the APIv3 key, the client downloads platform
    /// certificates when a response names one it does not hold.
    ///
    /// # Errors
    /// [`ConfigError`] when a setting is missing or a file cannot be used.
    pub fn builder(&self) -> Result<ClientBuilder, ConfigError> {
        self.check_complete()?;
        ClientBuilder::from_env_vars(|name| self.get(name)).map_err(|error| match error {
            Error::Config(config) => config,
            other => ConfigError::with_source("the settings do not make a client", other),
        })
    }

    /// The settings and their sources as JSON, for `wxpay config`; secrets show as [`MASK`].
    pub fn to_json(&self) -> Value {
        let mut settings = serde_json::Map::new();
        for setting in &SETTINGS {
            let entry = match self.values.get(setting.env) {
                Some((value, source)) => serde_json::json!({
                    "value": if setting.secret { MASK } else { value.as_str() },
                    "source": source.to_string(),
                }),
                None => Value::Null,
            };
            settings.insert(setting.key.to_owned(), entry);
        }
        serde_json::json!({
            "config_file": self.file.as_ref().map(|p| p.display().to_string()),
            "settings": settings,
        })
    }
}

/// Merges `given` (flags, then the environment) over the config file.
///
/// The config file is `config_file` (`--config`, else `$WECHATPAY_CONFIG`), else
/// `$XDG_CONFIG_HOME/wxpay/config.json` or `~/.config/wxpay/config.json` when it exists (`env`
/// looks those variables up). Empty values count as unset at every level, as in the client
/// crate.
///
/// # Errors
/// [`ConfigError`] when a named config file cannot be read or is not a valid config object.
pub fn resolve(
    given: &Given,
    config_file: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolved, ConfigError> {
    let non_empty = |v: &str| !v.trim().is_empty();
    let file = match config_file.filter(|path| non_empty(path)) {
        Some(path) => Some(PathBuf::from(path)),
        None => file::default_path(env).filter(|p| p.is_file()),
    };
    let from_file = match &file {
        Some(path) => file::read(path)?,
        None => BTreeMap::new(),
    };
    let mut values = BTreeMap::new();
    for setting in &SETTINGS {
        let chosen = given
            .get(setting.env)
            .filter(|(v, _)| non_empty(v))
            .cloned()
            .or_else(|| {
                from_file
                    .get(setting.env)
                    .filter(|v| non_empty(v))
                    .map(|v| (v.clone(), Source::File))
            });
        if let Some(chosen) = chosen {
            values.insert(setting.env, chosen);
        }
    }
    Ok(Resolved { values, file })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wxpay-config-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn given(pairs: &[(&'static str, &str, Source)]) -> Given {
        pairs
            .iter()
            .map(|(env, value, source)| (*env, ((*value).to_owned(), *source)))
            .collect()
    }

    #[test]
    fn given_values_beat_the_file() {
        let file = temp_file(
            "precedence",
            r#"{"mchid": 111, "mch_serial": "FILE", "base_url": "https://file.example", "private_key": "key.pem"}"#,
        );
        let given = given(&[
            ("WECHATPAY_MCHID", "333", Source::Flag),
            ("WECHATPAY_MCH_SERIAL", "ENV", Source::Env),
        ]);
        let path = file.display().to_string();
        let resolved = resolve(&given, Some(&path), &env_of(&[])).unwrap();
        assert_eq!(
            resolved.values["WECHATPAY_MCHID"],
            ("333".to_owned(), Source::Flag)
        );
        assert_eq!(
            resolved.values["WECHATPAY_MCH_SERIAL"],
            ("ENV".to_owned(), Source::Env)
        );
        assert_eq!(
            resolved.values["WECHATPAY_BASE_URL"],
            ("https://file.example".to_owned(), Source::File)
        );
        let key = resolved.get("WECHATPAY_PRIVATE_KEY").unwrap();
        assert_eq!(
            std::path::Path::new(&key),
            file.parent().unwrap().join("key.pem")
        );
        assert_eq!(resolved.file.as_deref(), Some(file.as_path()));
    }

    #[test]
    fn empty_values_fall_through() {
        let file = temp_file("empty", r#"{"mchid": "111"}"#);
        let given = given(&[
            ("WECHATPAY_MCHID", "", Source::Env),
            ("WECHATPAY_MCH_SERIAL", " ", Source::Flag),
        ]);
        let path = file.display().to_string();
        let resolved = resolve(&given, Some(&path), &env_of(&[])).unwrap();
        assert_eq!(
            resolved.values["WECHATPAY_MCHID"],
            ("111".to_owned(), Source::File)
        );
        assert!(!resolved.values.contains_key("WECHATPAY_MCH_SERIAL"));
        let none = resolve(&given, None, &env_of(&[("HOME", "/nonexistent-home")])).unwrap();
        assert!(none.values.is_empty() && none.file.is_none());
    }

    #[test]
    fn the_default_file_is_under_the_config_home() {
        let file = temp_file("xdg", r#"{"mchid": "5"}"#);
        let home = file.parent().unwrap().parent().unwrap();
        let dir = home.join("wxpay");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&file, dir.join("config.json")).unwrap();
        let env = env_of(&[("XDG_CONFIG_HOME", &home.display().to_string())]);
        let resolved = resolve(&Given::new(), None, &env).unwrap();
        assert_eq!(resolved.get("WECHATPAY_MCHID").as_deref(), Some("5"));
    }

    #[test]
    fn a_named_config_file_must_exist() {
        let err = resolve(&Given::new(), Some("/nonexistent/b.json"), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/b.json"), "{err}");
        assert!(std::error::Error::source(&err).is_some_and(|e| e.is::<std::io::Error>()));
    }

    fn resolved(pairs: &[&'static str]) -> Resolved {
        let mut resolved = Resolved::default();
        for env in pairs {
            resolved.values.insert(env, ("x".to_owned(), Source::Env));
        }
        resolved
    }

    #[test]
    fn missing_settings_name_every_source() {
        let err = Resolved::default()
            .check_complete()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("merchant ID: --mchid / WECHATPAY_MCHID / \"mchid\""),
            "{err}"
        );
        assert!(err.contains("--mch-serial"), "{err}");
        assert!(err.contains("WECHATPAY_PLATFORM_CERTS"), "{err}");
        assert!(err.contains("--api-v3-key"), "{err}");
        let signing = [
            "WECHATPAY_MCHID",
            "WECHATPAY_MCH_SERIAL",
            "WECHATPAY_PRIVATE_KEY",
        ];
        let err = resolved(&[&signing[..], &["WECHATPAY_PUBLIC_KEY"]].concat())
            .check_complete()
            .unwrap_err()
            .to_string();
        assert!(err.contains("--public-key-id"), "{err}");
        for enough in [
            &["WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID"][..],
            &["WECHATPAY_PLATFORM_CERTS"],
            &[API_V3_KEY],
        ] {
            let settings = resolved(&[&signing[..], enough].concat());
            assert!(settings.check_complete().is_ok(), "{enough:?}");
        }
    }

    #[test]
    fn the_api_v3_key_is_never_shown() {
        let mut settings = resolved(&["WECHATPAY_MCHID"]);
        let key = "0123456789abcdef0123456789abcdef";
        settings
            .values
            .insert(API_V3_KEY, (key.to_owned(), Source::Flag));
        let json = settings.to_json();
        assert_eq!(json["settings"]["api_v3_key"]["value"], MASK);
        assert_eq!(json["settings"]["api_v3_key"]["source"], "flag");
        assert_eq!(json["settings"]["mchid"]["value"], "x");
        assert!(!json.to_string().contains(key));
        let debug = format!("{settings:?}");
        assert!(!debug.contains(key) && debug.contains(MASK), "{debug}");
    }

    #[test]
    fn the_client_reads_the_settings_and_keeps_the_cause() {
        let mut settings = Resolved::default();
        for (env, value) in [
            ("WECHATPAY_MCHID", "1900009191"),
            ("WECHATPAY_MCH_SERIAL", "SERIAL"),
            ("WECHATPAY_PRIVATE_KEY", "/nonexistent/apiclient_key.pem"),
            (API_V3_KEY, "0123456789abcdef0123456789abcdef"),
        ] {
            settings
                .values
                .insert(env, (value.to_owned(), Source::Flag));
        }
        // The APIv3 key alone stands for a verification key: the client's reader accepts it.
        let err = settings.builder().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("/nonexistent/apiclient_key.pem"), "{text}");
        assert!(!text.contains("configuration error"), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
        assert!(std::error::Error::source(&err).is_some_and(|e| e.is::<std::io::Error>()));
        // A key of the wrong length is the client's error, naming the variable, not the key.
        settings
            .values
            .insert(API_V3_KEY, ("short-secret".to_owned(), Source::Env));
        let text = settings.builder().unwrap_err().to_string();
        assert!(
            text.contains(API_V3_KEY) && !text.contains("short-secret"),
            "{text}"
        );
    }
}
