//! Key sets on disk, generation at start, and shutdown.

use std::path::PathBuf;

use wechatpay_apiv3::auth::WechatPayPublicKey;
use wechatpay_sandbox::{Sandbox, SandboxConfig, SandboxError, SandboxKeys, keys};

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!(
        "wechatpay-sandbox-{name}-{}-{nanos}",
        std::process::id()
    ))
}

#[test]
fn load_or_create_writes_once_then_reuses() {
    let dir = temp_dir("keys");
    let created = SandboxKeys::load_or_create_for(&dir, "1230000109").unwrap();
    for file in [
        keys::MERCHANT_KEY_FILE,
        keys::MERCHANT_CERT_FILE,
        keys::PLATFORM_KEY_FILE,
        keys::PLATFORM_CERT_FILE,
        keys::PUBLIC_KEY_FILE,
        keys::METADATA_FILE,
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join(keys::MERCHANT_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "private key readable by others: {mode:o}");
    }
    let loaded = SandboxKeys::load_or_create(&dir).unwrap();
    assert_eq!(loaded.mchid(), "1230000109");
    assert_eq!(loaded.merchant_serial(), created.merchant_serial());
    assert_eq!(loaded.platform_serial(), created.platform_serial());
    assert_eq!(loaded.public_key_id(), created.public_key_id());
    assert_eq!(loaded.api_v3_key(), created.api_v3_key());
    assert_eq!(loaded.api_v3_key().len(), 32);
    assert!(
        loaded
            .public_key_id()
            .starts_with("PUB_KEY_ID_011230000109")
    );
    // Serials are what the certificates say (no DER sign byte).
    let (serial, _) =
        WechatPayPublicKey::from_certificate_pem(loaded.merchant_certificate_pem()).unwrap();
    assert_eq!(serial, loaded.merchant_serial());
    assert_eq!(serial.len(), 40);
    assert_eq!(loaded.files().unwrap().dir, dir);

    // A swapped certificate is caught.
    std::fs::copy(
        dir.join(keys::PLATFORM_CERT_FILE),
        dir.join(keys::MERCHANT_CERT_FILE),
    )
    .unwrap();
    let err = SandboxKeys::load(&dir).unwrap_err();
    assert!(matches!(err, SandboxError::Keys(_)), "{err}");
    assert!(err.to_string().contains("does not certify"), "{err}");

    // A partial set is refused, not overwritten.
    std::fs::remove_file(dir.join(keys::PUBLIC_KEY_FILE)).unwrap();
    let err = SandboxKeys::load_or_create(&dir).unwrap_err();
    assert!(err.to_string().contains(keys::PUBLIC_KEY_FILE), "{err}");
    assert!(!dir.join(keys::PUBLIC_KEY_FILE).exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_metadata_is_reported() {
    let dir = temp_dir("meta");
    SandboxKeys::load_or_create(&dir).unwrap();
    std::fs::write(dir.join(keys::METADATA_FILE), r#"{"mchid":"1"}"#).unwrap();
    let err = SandboxKeys::load(&dir).unwrap_err();
    assert!(err.to_string().contains("keys.json"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn default_config_generates_keys_and_shutdown_closes_the_port() {
    let sandbox = Sandbox::start(SandboxConfig::default().mchid("1900000109"))
        .await
        .unwrap();
    assert_eq!(sandbox.mchid(), "1900000109");
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
    let addr = sandbox.local_addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    // Dropping stops it too.
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let addr = sandbox.local_addr();
    drop(sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn a_taken_port_is_a_bind_error() {
    let holder = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = holder.local_addr().unwrap().port();
    let keys = tokio::task::spawn_blocking(SandboxKeys::generate)
        .await
        .unwrap()
        .unwrap();
    let err = Sandbox::start(SandboxConfig::with_keys(keys).port(port))
        .await
        .unwrap_err();
    assert!(matches!(err, SandboxError::Bind { .. }), "{err}");
}

#[test]
fn start_outside_a_runtime_is_an_error_not_a_panic() {
    let future = Sandbox::start(SandboxConfig::default());
    // Poll once on a bare executor: no tokio context.
    let result = futures_util::FutureExt::now_or_never(future);
    match result {
        Some(Err(SandboxError::Runtime(_))) => {}
        other => panic!("{other:?}"),
    }
}
