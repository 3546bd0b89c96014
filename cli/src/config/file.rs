//! The config file: where it is looked for, and its JSON object of settings by config key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{ConfigError, SETTINGS};

/// `$XDG_CONFIG_HOME/wxpay/config.json`, else `~/.config/wxpay/config.json` (`env` looks the
/// variables up).
pub(super) fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
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
pub(super) fn read(path: &Path) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::with_source(format!("cannot read config file {}", path.display()), e)
    })?;
    let dir = path.parent().unwrap_or(Path::new(""));
    parse_config(&text, dir)
        .map_err(|e| ConfigError::with_source(format!("config file {}", path.display()), e))
}

/// The known key most like `key`, by the measure and threshold clap uses for its own
/// suggestions (Jaro similarity above 0.7).
fn closest_key(key: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .map(|s| (strsim::jaro(key, s.key), s.key))
        .filter(|(similarity, _)| *similarity > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, key)| key)
}

/// Parses config file text; relative paths are resolved against `dir`.
fn parse_config(text: &str, dir: &Path) -> Result<BTreeMap<&'static str, String>, ConfigError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| ConfigError::with_source("not valid JSON", e))?;
    let Value::Object(object) = value else {
        return Err(ConfigError::new("must be a JSON object"));
    };
    let mut values = BTreeMap::new();
    for (key, value) in object {
        let Some(setting) = SETTINGS.iter().find(|s| s.key == key) else {
            let known: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
            let hint = closest_key(&key)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(ConfigError::new(format!(
                "unknown key `{key}`; {hint}known keys: {}",
                known.join(", ")
            )));
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
                    _ => Err(ConfigError::new(format!("`{key}` must list strings"))),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(ConfigError::new(format!("`{key}` must be a string"))),
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
        // The message and its causes, as the CLI prints them.
        let err = |text: &str| {
            let error = parse_config(text, Path::new("/")).unwrap_err();
            crate::exit::with_causes(&error)
        };
        assert!(err("[]").contains("object"));
        let json = err("{");
        assert!(json.starts_with("not valid JSON: EOF"), "{json}");
        let typo = err(r#"{"mch_serail": "x"}"#);
        assert!(typo.contains("did you mean `mch_serial`"), "{typo}");
        let typo = err(r#"{"apiv3_key": "x"}"#);
        assert!(typo.contains("did you mean `api_v3_key`"), "{typo}");
        let far = err(r#"{"zzz": "x"}"#);
        assert!(!far.contains("did you mean"), "{far}");
        assert!(err(r#"{"mchid": true}"#).contains("string"));
        assert!(err(r#"{"platform_certs": [1]}"#).contains("strings"));
    }
}
