//! Credentials and target: flags, then environment variables, then a config file.
//!
//! Every setting has one name per source: `--mch-serial`, `WECHATPAY_MCH_SERIAL`, `mch_serial`.
//! The merged settings feed [`ClientBuilder::from_env_vars`] under the environment names, so
//! the CLI reads exactly what the client crate's `Client::from_env()` reads.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use wechatpay_apiv3::ClientBuilder;

/// One setting and its name in each source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The flag, without `--`.
    pub flag: &'static str,
    /// A short name for messages.
    pub label: &'static str,
    /// The environment variable (also the name given to `from_env_vars`).
    pub env: &'static str,
    /// The config file key.
    pub key: &'static str,
    /// Whether the value is a file path (or, for `platform_certs`, a list of them): relative
    /// paths in the config file are resolved against the file's folder.
    pub path: bool,
    /// What it is, for help.
    pub doc: &'static str,
}

/// Every setting, in help order.
pub const SETTINGS: [Setting; 7] = [
    Setting {
        flag: "base-url",
        label: "base URL",
        env: "WECHATPAY_BASE_URL",
        key: "base_url",
        path: false,
        doc: "API base URL (default https://api.mch.weixin.qq.com; http only to loopback)",
    },
    Setting {
        flag: "mchid",
        label: "merchant ID",
        env: "WECHATPAY_MCHID",
        key: "mchid",
        path: false,
        doc: "merchant ID (商户号)",
    },
    Setting {
        flag: "mch-serial",
        label: "merchant certificate serial",
        env: "WECHATPAY_MCH_SERIAL",
        key: "mch_serial",
        path: false,
        doc: "merchant API certificate serial (商户API证书序列号)",
    },
    Setting {
        flag: "private-key",
        label: "merchant private key",
        env: "WECHATPAY_PRIVATE_KEY",
        key: "private_key",
        path: true,
        doc: "path of the merchant private key, PKCS#8 PEM (apiclient_key.pem)",
    },
    Setting {
        flag: "platform-certs",
        label: "platform certificates",
        env: "WECHATPAY_PLATFORM_CERTS",
        key: "platform_certs",
        path: true,
        doc: "comma-separated paths of WeChat Pay platform certificate PEMs",
    },
    Setting {
        flag: "public-key",
        label: "WeChat Pay public key",
        env: "WECHATPAY_PUBLIC_KEY",
        key: "public_key",
        path: true,
        doc: "path of the WeChat Pay public key PEM (pub_key.pem)",
    },
    Setting {
        flag: "public-key-id",
        label: "WeChat Pay public key ID",
        env: "WECHATPAY_PUBLIC_KEY_ID",
        key: "public_key_id",
        path: false,
        doc: "ID of that public key (PUB_KEY_ID_...)",
    },
];

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "WECHATPAY_CONFIG";

/// The setting with this flag name (canonical, without `--`).
pub fn by_flag(flag: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.flag == flag)
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A configuration problem; exit code 3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The merged settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Value and source by environment variable name; only non-empty values.
    pub values: BTreeMap<&'static str, (String, Source)>,
    /// The config file read, if any.
    pub file: Option<PathBuf>,
}

impl Resolved {
    /// The merged value of an environment variable name.
    pub fn get(&self, env: &str) -> Option<String> {
        self.values.get(env).map(|(value, _)| value.clone())
    }

    fn has(&self, env: &str) -> bool {
        self.values.contains_key(env)
    }

    /// Checks that everything needed to sign and verify is set, naming the three ways to set
    /// what is missing.
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
            (false, false) if !self.has("WECHATPAY_PLATFORM_CERTS") => missing.push(
                "a key to verify responses: the WeChat Pay public key and its ID \
                 (--public-key + --public-key-id / WECHATPAY_PUBLIC_KEY + WECHATPAY_PUBLIC_KEY_ID \
                 / \"public_key\" + \"public_key_id\"), or platform certificates \
                 (--platform-certs / WECHATPAY_PLATFORM_CERTS / \"platform_certs\")"
                    .to_owned(),
            ),
            _ => {}
        }
        if missing.is_empty() {
            return Ok(());
        }
        let file = match &self.file {
            Some(path) => format!("config file {}", path.display()),
            None => "no config file".to_owned(),
        };
        Err(ConfigError(format!(
            "missing settings (flag / environment variable / config file key; {file}):\n  {}",
            missing.join("\n  ")
        )))
    }

    /// A client builder from the merged settings, through the client crate's own reader.
    ///
    /// # Errors
    /// [`ConfigError`] when a setting is missing or a file cannot be used.
    pub fn builder(&self) -> Result<ClientBuilder, ConfigError> {
        self.check_complete()?;
        ClientBuilder::from_env_vars(|name| self.get(name)).map_err(|e| ConfigError(e.to_string()))
    }

    /// The settings and their sources as JSON, for `wxpay config`.
    pub fn to_json(&self) -> Value {
        let mut settings = serde_json::Map::new();
        for setting in &SETTINGS {
            let entry = match self.values.get(setting.env) {
                Some((value, source)) => serde_json::json!({
                    "value": value,
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

fn describe(env: &str) -> String {
    match SETTINGS.iter().find(|s| s.env == env) {
        Some(s) => format!("{}: --{} / {} / \"{}\"", s.label, s.flag, s.env, s.key),
        None => env.to_owned(),
    }
}

/// Merges `flags` (by environment name), the environment (`env`) and the config file.
///
/// The config file is `config_flag`, else `$WECHATPAY_CONFIG`, else
/// `$XDG_CONFIG_HOME/wxpay/config.json` or `~/.config/wxpay/config.json` when it exists. Empty
/// values count as unset at every level, as in the client crate.
///
/// # Errors
/// [`ConfigError`] when a named config file cannot be read or is not a valid config object.
pub fn resolve(
    flags: &BTreeMap<&'static str, String>,
    env: &dyn Fn(&str) -> Option<String>,
    config_flag: Option<&str>,
) -> Result<Resolved, ConfigError> {
    let non_empty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let explicit = non_empty(config_flag.map(str::to_owned)).or_else(|| non_empty(env(CONFIG_ENV)));
    let file = match explicit {
        Some(path) => Some(PathBuf::from(path)),
        None => default_config_path(env).filter(|p| p.is_file()),
    };
    let from_file = match &file {
        Some(path) => read_config_file(path)?,
        None => BTreeMap::new(),
    };
    let mut values = BTreeMap::new();
    for setting in &SETTINGS {
        let chosen = non_empty(flags.get(setting.env).cloned())
            .map(|v| (v, Source::Flag))
            .or_else(|| non_empty(env(setting.env)).map(|v| (v, Source::Env)))
            .or_else(|| non_empty(from_file.get(setting.env).cloned()).map(|v| (v, Source::File)));
        if let Some(chosen) = chosen {
            values.insert(setting.env, chosen);
        }
    }
    Ok(Resolved { values, file })
}

fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| Path::new(&home).join(".config"))
        })?;
    Some(base.join("wxpay").join("config.json"))
}

/// Reads a config file into values by environment name.
fn read_config_file(path: &Path) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    parse_config(&text, dir)
        .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
}

/// Parses config file text; relative paths are resolved against `dir`.
fn parse_config(text: &str, dir: &Path) -> Result<BTreeMap<&'static str, String>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("must be a JSON object".to_owned());
    };
    let mut values = BTreeMap::new();
    for (key, value) in object {
        let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
            let known: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            let hint = crate::args::suggest(&key, known.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(format!(
                "unknown key `{key}`; {hint}known keys: {}",
                known.join(", ")
            ));
        };
        let items: Vec<String> = match value {
            Value::Null => continue,
            Value::String(s) if setting.key == "platform_certs" => {
                s.split(',').map(|p| p.trim().to_owned()).collect()
            }
            Value::String(s) => vec![s],
            Value::Number(n) => vec![n.to_string()],
            Value::Array(list) if setting.key == "platform_certs" => list
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    _ => Err(format!("`{key}` must list strings")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(format!("`{key}` must be a string")),
        };
        let items: Vec<String> = items
            .into_iter()
            .filter(|item| !item.trim().is_empty())
            .map(|item| {
                if setting.path && Path::new(&item).is_relative() {
                    dir.join(item).display().to_string()
                } else {
                    item
                }
            })
            .collect();
        values.insert(setting.env, items.join(","));
    }
    Ok(values)
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

    #[test]
    fn flag_beats_env_beats_file() {
        let file = temp_file(
            "precedence",
            r#"{"mchid": 111, "mch_serial": "FILE", "base_url": "https://file.example", "private_key": "key.pem"}"#,
        );
        let env = env_of(&[
            ("WECHATPAY_MCHID", "222"),
            ("WECHATPAY_MCH_SERIAL", "ENV"),
            ("WECHATPAY_CONFIG", &file.display().to_string()),
        ]);
        let mut flags = BTreeMap::new();
        flags.insert("WECHATPAY_MCHID", "333".to_owned());
        let resolved = resolve(&flags, &env, None).unwrap();
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
        assert_eq!(Path::new(&key), file.parent().unwrap().join("key.pem"));
        assert_eq!(resolved.file.as_deref(), Some(file.as_path()));
    }

    #[test]
    fn empty_values_fall_through() {
        let env = env_of(&[("WECHATPAY_MCHID", ""), ("HOME", "/nonexistent-home")]);
        let mut flags = BTreeMap::new();
        flags.insert("WECHATPAY_MCH_SERIAL", " ".to_owned());
        let resolved = resolve(&flags, &env, None).unwrap();
        assert!(resolved.values.is_empty());
        assert!(resolved.file.is_none());
    }

    #[test]
    fn config_flag_beats_config_env_and_must_exist() {
        let env = env_of(&[("WECHATPAY_CONFIG", "/nonexistent/a.json")]);
        let err = resolve(&BTreeMap::new(), &env, Some("/nonexistent/b.json")).unwrap_err();
        assert!(err.0.contains("/nonexistent/b.json"), "{err}");
    }

    #[test]
    fn platform_certs_list_or_string() {
        let dir = Path::new("/etc/wx");
        let values = parse_config(r#"{"platform_certs": ["a.pem", "/abs/b.pem"]}"#, dir).unwrap();
        assert_eq!(
            values["WECHATPAY_PLATFORM_CERTS"],
            "/etc/wx/a.pem,/abs/b.pem"
        );
        let values = parse_config(r#"{"platform_certs": "a.pem, b.pem"}"#, dir).unwrap();
        assert_eq!(
            values["WECHATPAY_PLATFORM_CERTS"],
            "/etc/wx/a.pem,/etc/wx/b.pem"
        );
    }

    #[test]
    fn bad_config_files() {
        let dir = Path::new("/");
        assert!(parse_config("[]", dir).unwrap_err().contains("object"));
        assert!(parse_config("{", dir).unwrap_err().contains("JSON"));
        let err = parse_config(r#"{"mch_serail": "x"}"#, dir).unwrap_err();
        assert!(err.contains("did you mean `mch_serial`"), "{err}");
        assert!(
            parse_config(r#"{"mchid": true}"#, dir)
                .unwrap_err()
                .contains("string")
        );
        assert!(
            parse_config(r#"{"platform_certs": [1]}"#, dir)
                .unwrap_err()
                .contains("strings")
        );
    }

    #[test]
    fn missing_settings_name_every_source() {
        let resolved = Resolved::default();
        let err = resolved.check_complete().unwrap_err().0;
        assert!(
            err.contains("merchant ID: --mchid / WECHATPAY_MCHID / \"mchid\""),
            "{err}"
        );
        assert!(err.contains("--mch-serial"), "{err}");
        assert!(err.contains("WECHATPAY_PLATFORM_CERTS"), "{err}");
        let mut resolved = Resolved::default();
        for env in [
            "WECHATPAY_MCHID",
            "WECHATPAY_MCH_SERIAL",
            "WECHATPAY_PRIVATE_KEY",
            "WECHATPAY_PUBLIC_KEY",
        ] {
            resolved.values.insert(env, ("x".to_owned(), Source::Env));
        }
        let err = resolved.check_complete().unwrap_err().0;
        assert!(err.contains("--public-key-id"), "{err}");
        resolved
            .values
            .insert("WECHATPAY_PUBLIC_KEY_ID", ("x".to_owned(), Source::Env));
        assert!(resolved.check_complete().is_ok());
    }
}
