//! Every setting and its name in each source: flag, environment variable, config file key.

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
    /// Whether the value is a secret: never printed (`wxpay config` masks it, help never shows
    /// its environment value).
    pub secret: bool,
    /// What it is, for help.
    pub doc: &'static str,
}

/// Every setting, in help order.
pub const SETTINGS: [Setting; 8] = [
    Setting {
        flag: "base-url",
        label: "base URL",
        env: "WECHATPAY_BASE_URL",
        key: "base_url",
        path: false,
        secret: false,
        doc: "API base URL (default https://api.mch.weixin.qq.com; http only to loopback)",
    },
    Setting {
        flag: "mchid",
        label: "merchant ID",
        env: "WECHATPAY_MCHID",
        key: "mchid",
        path: false,
        secret: false,
        doc: "Merchant ID (商户号)",
    },
    Setting {
        flag: "mch-serial",
        label: "merchant certificate serial",
        env: "WECHATPAY_MCH_SERIAL",
        key: "mch_serial",
        path: false,
        secret: false,
        doc: "Merchant API certificate serial (商户API证书序列号)",
    },
    Setting {
        flag: "private-key",
        label: "merchant private key",
        env: "WECHATPAY_PRIVATE_KEY",
        key: "private_key",
        path: true,
        secret: false,
        doc: "Path of the merchant private key, PKCS#8 PEM (apiclient_key.pem)",
    },
    Setting {
        flag: "platform-certs",
        label: "platform certificates",
        env: "WECHATPAY_PLATFORM_CERTS",
        key: "platform_certs",
        path: true,
        secret: false,
        doc: "Comma-separated paths of WeChat Pay platform certificate PEMs",
    },
    Setting {
        flag: "public-key",
        label: "WeChat Pay public key",
        env: "WECHATPAY_PUBLIC_KEY",
        key: "public_key",
        path: true,
        secret: false,
        doc: "Path of the WeChat Pay public key PEM (pub_key.pem)",
    },
    Setting {
        flag: "public-key-id",
        label: "WeChat Pay public key ID",
        env: "WECHATPAY_PUBLIC_KEY_ID",
        key: "public_key_id",
        path: false,
        secret: false,
        doc: "ID of that public key (PUB_KEY_ID_...)",
    },
    Setting {
        flag: "api-v3-key",
        label: "APIv3 key",
        env: "WECHATPAY_APIV3_KEY",
        key: "api_v3_key",
        path: false,
        secret: true,
        doc: "The APIv3 key (APIv3密钥, 32 characters): decrypts the platform certificates \
              downloaded from /v3/certificates; never printed",
    },
];

/// How `wxpay config` shows a secret that is set.
pub const MASK: &str = "(hidden)";

/// The environment variable naming the config file (the `--config` flag's `Arg::env`).
pub const CONFIG_ENV: &str = "WECHATPAY_CONFIG";

/// The environment name of the APIv3 key setting.
pub const API_V3_KEY: &str = "WECHATPAY_APIV3_KEY";

/// A setting's three names, for messages: `merchant ID: --mchid / WECHATPAY_MCHID / "mchid"`.
pub fn describe(env: &str) -> String {
    match SETTINGS.iter().find(|s| s.env == env) {
        Some(s) => format!("{}: --{} / {} / \"{}\"", s.label, s.flag, s.env, s.key),
        None => env.to_owned(),
    }
}
