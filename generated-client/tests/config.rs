//! Configuring a client: base URLs, what is missing, settings that exclude each other, the
//! environment (the APIv3 key among it), and configuration errors that name the setting once
//! and keep their cause. No request is sent here.

mod support;

use std::error::Error as _;
use std::time::Duration;

use wechatpay_apiv3::{Client, ClientBuilder, Error};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, PUB_KEY_ID, keys};

/// A builder for the test merchant with the built-in HTTP client.
fn builder(base_url: &str) -> ClientBuilder {
    support::tcp_builder(base_url)
}

/// The text of a configuration error, its causes included.
fn config_text(err: &Error) -> String {
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    format!("{err:#}")
}

#[test]
fn base_url_must_be_https_or_loopback_http() {
    for bad in [
        "http://api.mch.weixin.qq.com",
        "http://192.168.1.10:8080",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "https://api.mch.weixin.qq.com/prefix",
        "https://api.mch.weixin.qq.com/?x=1",
    ] {
        let err = builder(bad).build().expect_err(bad);
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
    }
    for good in [
        "https://api.mch.weixin.qq.com",
        "https://api.mch.weixin.qq.com/",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://localhost:3000/",
        "http://[::1]:3000",
    ] {
        let client = builder(good).build().expect(good);
        assert_eq!(client.base_url(), good.trim_end_matches('/'));
    }
    let client = Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .build()
        .expect("defaults");
    assert_eq!(client.base_url(), "https://api.mch.weixin.qq.com");
    assert_eq!(client.mchid(), MCHID);
    assert_eq!(client.backup_base_url(), None);
    let client = builder("https://api.mch.weixin.qq.com")
        .failover(true)
        .build()
        .expect("failover");
    assert_eq!(
        client.backup_base_url(),
        Some("https://api2.mch.weixin.qq.com")
    );
    let err = builder("https://api.mch.weixin.qq.com")
        .failover(true)
        .backup_base_url("http://api2.mch.weixin.qq.com")
        .build()
        .expect_err("plain http backup");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn build_names_what_is_missing() {
    let full = || builder("https://api.mch.weixin.qq.com");
    let cases: [(ClientBuilder, &str); 4] = [
        (
            Client::builder()
                .merchant_serial(MERCHANT_SERIAL)
                .private_key_pem(&keys().merchant_pem)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "mchid",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .private_key_pem(&keys().merchant_pem)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "serial",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .merchant_serial(MERCHANT_SERIAL)
                .platform_certificate_pem(&keys().platform_cert_pem),
            "private key",
        ),
        (
            Client::builder()
                .mchid(MCHID)
                .merchant_serial(MERCHANT_SERIAL)
                .private_key_pem(&keys().merchant_pem),
            "verify",
        ),
    ];
    for (builder, needle) in cases {
        let err = builder.build().expect_err(needle);
        assert!(config_text(&err).contains(needle), "{needle}: {err:?}");
    }
    let err = full()
        .private_key_pem("not a key")
        .build()
        .expect_err("bad key");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .platform_certificate_pem("not a cert")
        .build()
        .expect_err("bad cert");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .public_key_pem(PUB_KEY_ID, "not a key")
        .build()
        .expect_err("bad public key");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = full()
        .private_key_file("/nonexistent/apiclient_key.pem")
        .build()
        .expect_err("missing file");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[test]
fn debug_output_has_no_key_material() {
    let builder = builder("https://api.mch.weixin.qq.com");
    let key_line = keys()
        .merchant_pem
        .lines()
        .nth(1)
        .expect("pem body line")
        .to_owned();
    let builder_debug = format!("{builder:?}");
    assert!(!builder_debug.contains(&key_line), "{builder_debug}");
    let client = builder.build().expect("client builds");
    let client_debug = format!("{client:?}");
    assert!(client_debug.contains(MCHID), "{client_debug}");
    assert!(!client_debug.contains(&key_line), "{client_debug}");
    assert!(!client_debug.contains("PRIVATE KEY"), "{client_debug}");
}

#[test]
fn from_env_vars_reads_files_and_names_missing_variables() {
    let dir = std::env::temp_dir().join(format!("wechatpay-runtime-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key_path = dir.join("apiclient_key.pem");
    let cert_path = dir.join("platform_cert.pem");
    let pub_path = dir.join("pub_key.pem");
    std::fs::write(&key_path, &keys().merchant_pem).expect("write key");
    std::fs::write(&cert_path, &keys().platform_cert_pem).expect("write cert");
    std::fs::write(&pub_path, &keys().platform_public_pem).expect("write public key");

    let vars = |overrides: &[(&str, Option<&str>)]| {
        let mut map: std::collections::HashMap<String, String> = [
            ("WECHATPAY_MCHID", MCHID.to_owned()),
            ("WECHATPAY_MCH_SERIAL", MERCHANT_SERIAL.to_owned()),
            ("WECHATPAY_PRIVATE_KEY", key_path.display().to_string()),
            (
                "WECHATPAY_PLATFORM_CERTS",
                format!("{}, {}", cert_path.display(), cert_path.display()),
            ),
            ("WECHATPAY_PUBLIC_KEY", pub_path.display().to_string()),
            ("WECHATPAY_PUBLIC_KEY_ID", PUB_KEY_ID.to_owned()),
            ("WECHATPAY_BASE_URL", "http://127.0.0.1:9".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        for (name, value) in overrides {
            match value {
                Some(v) => map.insert((*name).to_owned(), (*v).to_owned()),
                None => map.remove(*name),
            };
        }
        move |name: &str| map.get(name).cloned()
    };

    let client = ClientBuilder::from_env_vars(vars(&[]))
        .expect("env complete")
        .build()
        .expect("client builds");
    assert_eq!(client.mchid(), MCHID);
    assert_eq!(client.base_url(), "http://127.0.0.1:9");

    // Either kind of verification key alone is enough.
    ClientBuilder::from_env_vars(vars(&[
        ("WECHATPAY_PUBLIC_KEY", None),
        ("WECHATPAY_PUBLIC_KEY_ID", None),
    ]))
    .expect("certs only")
    .build()
    .expect("client builds");
    let client = ClientBuilder::from_env_vars(vars(&[
        ("WECHATPAY_PLATFORM_CERTS", None),
        ("WECHATPAY_BASE_URL", None),
    ]))
    .expect("public key only")
    .build()
    .expect("client builds");
    assert_eq!(client.base_url(), "https://api.mch.weixin.qq.com");

    for (overrides, needle) in [
        (vec![("WECHATPAY_MCHID", None)], "WECHATPAY_MCHID"),
        (
            vec![("WECHATPAY_MCH_SERIAL", Some(""))],
            "WECHATPAY_MCH_SERIAL",
        ),
        (
            vec![("WECHATPAY_PRIVATE_KEY", None)],
            "WECHATPAY_PRIVATE_KEY",
        ),
        (
            vec![("WECHATPAY_PUBLIC_KEY_ID", None)],
            "WECHATPAY_PUBLIC_KEY_ID",
        ),
        (
            vec![
                ("WECHATPAY_PLATFORM_CERTS", None),
                ("WECHATPAY_PUBLIC_KEY", None),
                ("WECHATPAY_PUBLIC_KEY_ID", None),
            ],
            "WECHATPAY_PUBLIC_KEY",
        ),
        (
            vec![("WECHATPAY_PRIVATE_KEY", Some("/nonexistent/key.pem"))],
            "/nonexistent/key.pem",
        ),
        (
            vec![("WECHATPAY_PLATFORM_CERTS", Some("/nonexistent/cert.pem"))],
            "/nonexistent/cert.pem",
        ),
    ] {
        let err = ClientBuilder::from_env_vars(vars(&overrides)).expect_err(needle);
        assert!(config_text(&err).contains(needle), "{needle}: {err:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_api_v3_key_comes_from_the_environment_and_is_never_shown() {
    let dir = std::env::temp_dir().join(format!("wechatpay-config-apiv3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key_path = dir.join("apiclient_key.pem");
    let pub_path = dir.join("pub_key.pem");
    std::fs::write(&key_path, &keys().merchant_pem).expect("write key");
    std::fs::write(&pub_path, &keys().platform_public_pem).expect("write public key");
    const API_V3_KEY: &str = "0123456789abcdefSECRETKEY0123456";
    let env = |extra: &[(&'static str, String)]| {
        let mut map: std::collections::HashMap<&'static str, String> = [
            ("WECHATPAY_MCHID", MCHID.to_owned()),
            ("WECHATPAY_MCH_SERIAL", MERCHANT_SERIAL.to_owned()),
            ("WECHATPAY_PRIVATE_KEY", key_path.display().to_string()),
        ]
        .into_iter()
        .collect();
        map.extend(extra.iter().cloned());
        move |name: &str| map.get(name).cloned()
    };

    // The key alone is enough: certificates are downloaded (lazily, or at `start`).
    let builder = ClientBuilder::from_env_vars(env(&[("WECHATPAY_APIV3_KEY", API_V3_KEY.into())]))
        .expect("APIv3 key only");
    let shown = format!("{builder:?}");
    assert!(shown.contains("auto_certificates: true"), "{shown}");
    assert!(!shown.contains("SECRETKEY"), "{shown}");
    let client = builder.build().expect("builds without a verification key");
    assert!(!format!("{client:?}").contains("SECRETKEY"));

    // With the public key alone, the key is kept (for refresh_certificates) but nothing is
    // downloaded automatically: a PUB_KEY_ID never is.
    let builder = ClientBuilder::from_env_vars(env(&[
        ("WECHATPAY_APIV3_KEY", API_V3_KEY.into()),
        ("WECHATPAY_PUBLIC_KEY", pub_path.display().to_string()),
        ("WECHATPAY_PUBLIC_KEY_ID", PUB_KEY_ID.into()),
    ]))
    .expect("public key and APIv3 key");
    assert!(format!("{builder:?}").contains("auto_certificates: false"));

    // A wrong key names the variable, never the value.
    let err = ClientBuilder::from_env_vars(env(&[(
        "WECHATPAY_APIV3_KEY",
        "SECRETKEY-too-short".into(),
    )]))
    .expect_err("31 bytes");
    let text = config_text(&err);
    assert!(text.contains("WECHATPAY_APIV3_KEY"), "{text}");
    assert!(text.contains("32 bytes"), "{text}");
    assert!(!text.contains("SECRETKEY"), "{text}");

    // Without any key, the message says which variables would do.
    let err = ClientBuilder::from_env_vars(env(&[])).expect_err("no key at all");
    assert!(config_text(&err).contains("WECHATPAY_APIV3_KEY"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_errors_name_the_setting_once_and_keep_their_cause() {
    let err = builder("https://api.mch.weixin.qq.com")
        .private_key_file("/nonexistent/apiclient_key.pem")
        .build()
        .expect_err("missing file");
    let text = err.to_string();
    assert!(text.contains("/nonexistent/apiclient_key.pem"), "{text}");
    assert!(
        !text.contains("configuration error"),
        "no generic prefix: {text}"
    );
    let io = err
        .source()
        .and_then(|cause| cause.downcast_ref::<std::io::Error>())
        .expect("the I/O error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // `{:#}` appends the cause, once.
    let full = format!("{err:#}");
    assert!(full.starts_with(&text), "{full}");
    assert_eq!(full.matches(&io.to_string()).count(), 1, "{full}");

    let err = builder("not a url").build().expect_err("bad URL");
    assert!(err.source().is_some(), "the URL parser's error: {err:?}");
}

#[test]
fn settings_that_exclude_each_other_are_refused() {
    let fake = FakeWechatPay::new();
    for (builder, needle) in [
        (
            support::builder(&fake).proxy("http://127.0.0.1:3128"),
            "proxy",
        ),
        (
            support::builder(&fake).connect_timeout(Duration::from_secs(1)),
            "connect_timeout",
        ),
        (
            support::builder(&fake).pool_idle_timeout(Duration::from_secs(1)),
            "pool_idle_timeout",
        ),
        (
            support::builder(&fake).certificate_refresh_every(Duration::from_secs(60)),
            "start",
        ),
        (
            support::builder(&fake)
                .api_v3_key(*b"0123456789abcdef0123456789abcdef")
                .certificate_refresh_every(Duration::ZERO),
            "greater than zero",
        ),
        (
            support::builder(&fake).timeout(Duration::ZERO),
            "greater than zero",
        ),
        (
            builder("https://api.mch.weixin.qq.com").connect_timeout(Duration::ZERO),
            "greater than zero",
        ),
        (
            builder("https://api.mch.weixin.qq.com").proxy("::not a proxy::"),
            "proxy",
        ),
    ] {
        let err = builder.build().expect_err(needle);
        assert!(config_text(&err).contains(needle), "{needle}: {err:#}");
    }
    // A proxy with credentials is never echoed.
    let err = builder("https://api.mch.weixin.qq.com")
        .proxy("http://user:hunter2@[bad")
        .build()
        .expect_err("bad proxy");
    assert!(!format!("{err:#} {err:?}").contains("hunter2"), "{err:#}");
    let shown = format!(
        "{:?}",
        builder("https://x.example").proxy("http://user:hunter2@proxy:3128")
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    let client = builder("https://api.mch.weixin.qq.com")
        .proxy("http://user:hunter2@proxy.example:3128")
        .build()
        .expect("a proxy with credentials");
    let shown = format!("{client:?}");
    assert!(shown.contains("ReqwestTransport"), "{shown}");
    assert!(!shown.contains("hunter2"), "{shown}");
}
