//! Platform-certificate download and refresh (`crate::certificates`) — lazy, at start-up,
//! periodic and explicit — against the fake WeChat Pay of `support/`, routed so that
//! `/v3/certificates` is answered apart from business calls (concurrent calls are then answered
//! deterministically).
//!
//! The fake checks every request signature; its answers are signed with one of three test
//! "platform" keys, and the certificates it serves are encrypted with `auth::aead`.
//!
//! Long on purpose: the routing fake and the three platform keys at the top serve every
//! scenario below; split, each file would repeat them.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use wechatpay_apiv3::api::SendCouponBody;
use wechatpay_apiv3::auth::aead;
use wechatpay_apiv3::certificates::{CERTIFICATES_PATH, decrypt_certificates};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, ClientBuilder, Error, RetryPolicy};

use support::{FakeWechatPay, MCHID, MERCHANT_SERIAL, Reply, Signing, keys};

const API_V3_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const WRONG_API_V3_KEY: &[u8; 32] = b"fedcba9876543210fedcba9876543210";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const COUPON: &str = r#"{"coupon_id":"9867041"}"#;

// ---------------------------------------------------------------------------------------------
// Test platform keys and certificates.

/// A WeChat Pay platform key pair with its certificate and effective time.
struct Platform {
    key: support::Platform,
    serial: &'static str,
    cert_pem: String,
    effective_time: &'static str,
}

fn platform(serial: &'static str, effective_time: &'static str) -> Platform {
    let key = support::platform(serial);
    Platform {
        cert_pem: key.cert_pem.clone(),
        key,
        serial,
        effective_time,
    }
}

/// The certificate the client starts with.
static OLD: LazyLock<Platform> = LazyLock::new(|| {
    platform(
        "3775B6A45ACD588826D15E583A95F5DD",
        "2021-06-01T00:00:00+08:00",
    )
});
/// Its successor after rotation.
static NEW: LazyLock<Platform> = LazyLock::new(|| {
    platform(
        "6A5B8C2D1E0F33445566778899AABBCC",
        "2026-05-01T00:00:00+08:00",
    )
});
/// A key WeChat Pay never issued.
static ROGUE: LazyLock<Platform> = LazyLock::new(|| {
    platform(
        "7E3D5C4B3A29180716253443526170FF",
        "2026-05-01T00:00:00+08:00",
    )
});

// ---------------------------------------------------------------------------------------------
// The fake's routing.

/// How an answer is signed: with `key`, announcing `serial` (normally `key.serial`).
#[derive(Clone, Copy)]
struct Signature {
    key: &'static Platform,
    serial: &'static str,
}

fn by(key: &'static Platform) -> Signature {
    Signature {
        key,
        serial: key.serial,
    }
}

/// How `/v3/certificates` answers.
#[derive(Clone)]
enum Certificates {
    /// These certificates, encrypted with `api_v3_key`, the answer signed by `signature`.
    List {
        certificates: Vec<&'static Platform>,
        api_v3_key: &'static [u8; 32],
        signature: Signature,
    },
    /// `404 RESOURCE_NOT_EXISTS`, as for merchants without platform certificates.
    NotFound,
}

fn list(certificates: Vec<&'static Platform>, signature: Signature) -> Certificates {
    Certificates::List {
        certificates,
        api_v3_key: API_V3_KEY,
        signature,
    }
}

struct ServerState {
    business: Mutex<Signature>,
    certificates: Mutex<Certificates>,
    downloads: AtomicUsize,
}

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    wechatpay_serial: Option<String>,
}

struct Server {
    fake: FakeWechatPay,
    state: Arc<ServerState>,
}

impl Server {
    /// Business calls are answered `{"coupon_id":"9867041"}` signed by `business`.
    async fn start(business: Signature, certificates: Certificates) -> Server {
        let state = Arc::new(ServerState {
            business: Mutex::new(business),
            certificates: Mutex::new(certificates),
            downloads: AtomicUsize::new(0),
        });
        let fake = FakeWechatPay::new();
        let routed = Arc::clone(&state);
        fake.route(move |request| Some(answer(&routed, request)));
        Server { fake, state }
    }

    fn downloads(&self) -> usize {
        self.state.downloads.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.fake
            .requests()
            .into_iter()
            .map(|r| Recorded {
                wechatpay_serial: r.header("wechatpay-serial").map(str::to_owned),
                method: r.method,
                target: r.target,
            })
            .collect()
    }

    fn set_business(&self, signature: Signature) {
        *self.state.business.lock().expect("lock") = signature;
    }

    fn set_certificates(&self, certificates: Certificates) {
        *self.state.certificates.lock().expect("lock") = certificates;
    }
}

fn answer(state: &ServerState, request: &support::Recorded) -> Reply {
    if request.target == CERTIFICATES_PATH && request.method == "GET" {
        state.downloads.fetch_add(1, Ordering::SeqCst);
        let answer = state.certificates.lock().expect("lock").clone();
        return match answer {
            Certificates::NotFound => Reply::error(
                404,
                r#"{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html"}"#,
            ),
            Certificates::List {
                certificates,
                api_v3_key,
                signature,
            } => signed(signature, &certificate_list(&certificates, api_v3_key)),
        };
    }
    let signature = *state.business.lock().expect("lock");
    signed(signature, COUPON)
}

/// `{"data":[…]}` as WeChat Pay serves it, each certificate encrypted with `api_v3_key`.
fn certificate_list(certificates: &[&Platform], api_v3_key: &[u8; 32]) -> String {
    let data: Vec<serde_json::Value> = certificates
        .iter()
        .enumerate()
        .map(|(i, platform)| {
            let nonce = format!("{i:012}");
            let ciphertext = aead::encrypt(
                api_v3_key,
                &nonce,
                "certificate",
                platform.cert_pem.as_bytes(),
            )
            .expect("encrypt");
            serde_json::json!({
                "serial_no": platform.serial,
                "effective_time": platform.effective_time,
                "expire_time": "2031-06-01T00:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": ciphertext,
                },
            })
        })
        .collect();
    serde_json::json!({ "data": data }).to_string()
}

fn signed(signature: Signature, body: &str) -> Reply {
    Reply::ok(200, body)
        .signed_by(&signature.key.key)
        .signing(Signing::Serial(signature.serial.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// Clients.

fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .transport(server.fake.clone())
        .retry(RetryPolicy::none())
}

/// Verifies with the old certificate and downloads certificates on unknown serials.
fn auto_client(server: &Server) -> Client {
    builder(server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .build()
        .expect("client builds")
}

async fn send_coupon(client: &Client) -> Result<String, Error> {
    let body = SendCouponBody::new(
        "9856000",
        "89560002019101000121",
        "wx233544546545989",
        "8956000",
    );
    client
        .v3()
        .marketing()
        .favor()
        .users(OPENID)
        .coupons()
        .post(body)
        .await
        .map(|sent| sent.coupon_id)
}

fn unknown_serial(err: &Error) -> Option<&str> {
    match err {
        Error::Verification {
            kind: VerificationError::UnknownSerial(serial),
            ..
        } => Some(serial),
        _ => None,
    }
}

fn all_signed(server: &Server) {
    server.fake.assert_all_signed();
}

// ---------------------------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn rotation_to_a_new_certificate_is_picked_up() {
    let server = Server::start(by(&NEW), list(vec![&OLD, &NEW], by(&OLD))).await;
    let client = auto_client(&server);
    assert_eq!(client.verifier().serials(), [OLD.serial]);

    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 1);
    let mut serials = client.verifier().serials();
    serials.sort();
    assert_eq!(serials, [OLD.serial, NEW.serial]);

    // The new certificate is known now: no second download.
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 1);

    all_signed(&server);
    let requests = server.requests();
    let targets: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    let send_target = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";
    assert_eq!(
        targets,
        [
            ("POST", send_target),
            ("GET", CERTIFICATES_PATH),
            ("POST", send_target)
        ]
    );
    // Wechatpay-Serial steers WeChat Pay to the newest certificate once the client holds it.
    let sent_serials: Vec<Option<&str>> = requests
        .iter()
        .map(|r| r.wechatpay_serial.as_deref())
        .collect();
    assert_eq!(
        sent_serials,
        [Some(OLD.serial), Some(OLD.serial), Some(NEW.serial)]
    );
}

#[tokio::test]
async fn the_first_download_is_trusted_through_the_decrypted_certificates() {
    // No key at all up front: the answer of /v3/certificates is signed by a certificate that
    // only the answer itself carries.
    let server = Server::start(by(&OLD), list(vec![&OLD], by(&OLD))).await;
    let client = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .build()
        .expect("builds without keys when certificates are downloaded");
    assert!(client.verifier().serials().is_empty());

    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 1);
    assert_eq!(client.verifier().serials(), [OLD.serial]);
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 1);

    let sent_serials: Vec<Option<String>> = server
        .requests()
        .into_iter()
        .map(|r| r.wechatpay_serial)
        .collect();
    assert_eq!(sent_serials, [None, None, Some(OLD.serial.to_owned())]);
}

#[tokio::test]
async fn a_certificates_answer_signed_by_none_of_its_certificates_is_rejected() {
    for (signature, expected_serial) in [
        // Signed by a key that is neither held nor downloaded.
        (by(&ROGUE), Some(ROGUE.serial)),
        // Signed by a stranger, claiming to be a downloaded certificate.
        (
            Signature {
                key: &ROGUE,
                serial: OLD.serial,
            },
            None,
        ),
    ] {
        let server = Server::start(by(&OLD), list(vec![&OLD], signature)).await;
        let client = builder(&server)
            .api_v3_key(API_V3_KEY.to_vec())
            .auto_certificates(true)
            .build()
            .expect("builds");
        let err = send_coupon(&client).await.expect_err("not trusted");
        match expected_serial {
            Some(serial) => assert_eq!(unknown_serial(&err), Some(serial), "{err:?}"),
            None => assert!(
                matches!(
                    &err,
                    Error::Verification {
                        kind: VerificationError::BadSignature { .. },
                        ..
                    }
                ),
                "{err:?}"
            ),
        }
        assert!(client.verifier().serials().is_empty(), "nothing installed");
        assert_eq!(server.downloads(), 1);
    }
}

#[tokio::test]
async fn a_known_signing_serial_must_verify_with_the_key_already_held() {
    // The answer claims the old (known) serial but is signed with the new key it carries: the
    // held key decides, so it fails, and the new certificate is not installed.
    let server = Server::start(
        by(&NEW),
        list(
            vec![&OLD, &NEW],
            Signature {
                key: &NEW,
                serial: OLD.serial,
            },
        ),
    )
    .await;
    let client = auto_client(&server);
    let err = send_coupon(&client).await.expect_err("rejected");
    assert!(
        matches!(
            &err,
            Error::Verification {
                kind: VerificationError::BadSignature { serial },
                ..
            } if serial == OLD.serial
        ),
        "{err:?}"
    );
    assert_eq!(client.verifier().serials(), [OLD.serial]);
}

#[tokio::test]
async fn certificates_encrypted_with_another_key_are_a_clear_error() {
    let server = Server::start(
        by(&NEW),
        Certificates::List {
            certificates: vec![&OLD, &NEW],
            api_v3_key: WRONG_API_V3_KEY,
            signature: by(&OLD),
        },
    )
    .await;
    let client = auto_client(&server);
    let err = send_coupon(&client).await.expect_err("cannot decrypt");
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("APIv3 key"), "{text}");
    assert!(text.contains(OLD.serial), "{text}");
    assert_eq!(client.verifier().serials(), [OLD.serial]);
}

#[tokio::test]
async fn an_unknown_public_key_id_never_triggers_a_download() {
    let server = Server::start(
        Signature {
            key: &OLD,
            serial: "PUB_KEY_ID_0114232134912410000000000099",
        },
        list(vec![&OLD, &NEW], by(&OLD)),
    )
    .await;
    let client = auto_client(&server);
    for _ in 0..2 {
        let err = send_coupon(&client).await.expect_err("unknown key id");
        assert_eq!(
            unknown_serial(&err),
            Some("PUB_KEY_ID_0114232134912410000000000099")
        );
    }
    assert_eq!(server.downloads(), 0);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_merchant_without_platform_certificates_is_told_to_use_the_public_key() {
    let server = Server::start(by(&NEW), Certificates::NotFound).await;
    let client = auto_client(&server);

    let err = send_coupon(&client)
        .await
        .expect_err("no certificates to download");
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    for expected in [
        "no platform certificate",
        "RESOURCE_NOT_EXISTS",
        "WeChat Pay public key",
        "PUB_KEY_ID_",
        "public_key_pem",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert!(!err.is_retryable());
    assert_eq!(server.downloads(), 1);

    // The explicit download says the same.
    let err = client
        .refresh_certificates()
        .await
        .expect_err("no certificates");
    assert!(err.to_string().contains("WeChat Pay public key"), "{err}");
    assert_eq!(server.downloads(), 2);
}

#[tokio::test]
async fn downloads_triggered_by_unknown_serials_are_rate_limited() {
    // The download does not bring the serial the answers are signed with.
    let server = Server::start(by(&NEW), list(vec![&OLD], by(&OLD))).await;
    let client = auto_client(&server);
    for _ in 0..3 {
        let err = send_coupon(&client).await.expect_err("serial never known");
        assert_eq!(unknown_serial(&err), Some(NEW.serial), "{err:?}");
    }
    assert_eq!(server.downloads(), 1, "once per interval (60 s by default)");

    // A zero interval downloads every time.
    let eager = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .certificate_refresh_interval(Duration::ZERO)
        .build()
        .expect("builds");
    for _ in 0..2 {
        assert!(send_coupon(&eager).await.is_err());
    }
    assert_eq!(server.downloads(), 3);
}

#[tokio::test]
async fn a_rate_limited_client_still_picks_up_a_later_rotation_on_explicit_refresh() {
    let server = Server::start(by(&NEW), list(vec![&OLD], by(&OLD))).await;
    let client = auto_client(&server);
    assert!(send_coupon(&client).await.is_err());
    assert_eq!(server.downloads(), 1);

    // WeChat Pay now serves the new certificate; an explicit refresh ignores the rate limit.
    server.set_certificates(list(vec![&OLD, &NEW], by(&OLD)));
    let downloaded = client.refresh_certificates().await.expect("downloads");
    let serials: Vec<&str> = downloaded.iter().map(|c| c.serial_no.as_str()).collect();
    assert_eq!(serials, [OLD.serial, NEW.serial], "oldest first");
    assert_eq!(
        downloaded[1].expire_time.as_ref().map(|t| t.as_str()),
        Some("2031-06-01T00:00:00+08:00")
    );
    assert_eq!(downloaded[1].pem, NEW.cert_pem);
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 2);
}

#[tokio::test]
async fn concurrent_calls_share_one_download() {
    let server = Server::start(by(&NEW), list(vec![&OLD, &NEW], by(&OLD))).await;
    // No rate limit: only the single flight keeps this at one download.
    let client = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .certificate_refresh_interval(Duration::ZERO)
        .build()
        .expect("builds");
    let calls = (0..8).map(|_| send_coupon(&client));
    let results = futures_util::future::join_all(calls).await;
    for result in results {
        assert_eq!(result.expect("verified"), "9867041");
    }
    assert_eq!(server.downloads(), 1);
    all_signed(&server);
}

#[tokio::test]
async fn a_serial_already_held_keeps_its_key() {
    // The download carries a certificate under the old serial with another key; the client
    // keeps the key it was configured with.
    let forged = Box::leak(Box::new(platform(OLD.serial, OLD.effective_time)));
    let server = Server::start(by(&OLD), list(vec![forged, &NEW], by(&OLD))).await;
    let client = auto_client(&server);
    client.refresh_certificates().await.expect("downloads");
    // Answers signed with the configured old key still verify.
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    server.set_business(by(&NEW));
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
}

#[tokio::test]
async fn configuration_errors() {
    let server = Server::start(by(&OLD), list(vec![&OLD], by(&OLD))).await;

    let err = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .auto_certificates(true)
        .build()
        .expect_err("auto_certificates needs the APIv3 key");
    assert!(err.to_string().contains("api_v3_key"), "{err}");

    let err = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .build()
        .expect_err("no key and no automatic download");
    assert!(err.to_string().contains("no WeChat Pay key"), "{err}");

    let err = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(b"too short".to_vec())
        .build()
        .expect_err("APIv3 keys are 32 bytes");
    assert!(err.to_string().contains("32 bytes"), "{err}");

    let fixed = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .build()
        .expect("builds");
    let err = fixed
        .refresh_certificates()
        .await
        .expect_err("no APIv3 key");
    assert!(err.to_string().contains("api_v3_key"), "{err}");
    assert_eq!(server.downloads(), 0);

    // The key never shows in Debug output.
    let debug = format!("{:?}", builder(&server).api_v3_key(API_V3_KEY.to_vec()));
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
}

#[tokio::test]
async fn without_auto_certificates_an_unknown_serial_is_not_downloaded() {
    let server = Server::start(by(&NEW), list(vec![&OLD, &NEW], by(&OLD))).await;
    let client = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(API_V3_KEY.to_vec())
        .build()
        .expect("builds");
    let err = send_coupon(&client).await.expect_err("unknown serial");
    assert_eq!(unknown_serial(&err), Some(NEW.serial));
    assert_eq!(server.downloads(), 0);
    client.refresh_certificates().await.expect("downloads");
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
}

#[test]
fn the_served_list_decrypts_with_the_public_helper() {
    let body = certificate_list(&[&OLD, &NEW], API_V3_KEY);
    let key = wechatpay_apiv3::auth::ApiV3Key::new(API_V3_KEY.to_vec()).expect("key");
    let certificates = decrypt_certificates(&key, body.as_bytes()).expect("decrypts");
    let serials: Vec<&str> = certificates.iter().map(|c| c.serial_no.as_str()).collect();
    assert_eq!(serials, [OLD.serial, NEW.serial]);
}

#[tokio::test]
async fn start_downloads_the_certificates_before_the_first_call() {
    let server = Server::start(by(&NEW), list(vec![&OLD, &NEW], by(&OLD))).await;
    let client = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .start()
        .await
        .expect("starts");
    assert_eq!(server.downloads(), 1);
    let mut serials = client.verifier().serials();
    serials.sort();
    assert_eq!(serials, [OLD.serial, NEW.serial]);
    // The first call needs no download and asks for the newest certificate.
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
    assert_eq!(server.downloads(), 1);
    let requests = server.requests();
    assert_eq!(requests[0].target, CERTIFICATES_PATH);
    assert_eq!(requests[1].wechatpay_serial.as_deref(), Some(NEW.serial));
    all_signed(&server);

    // Without certificate management, `start` is `build`: nothing is downloaded.
    let _fixed = builder(&server)
        .platform_certificate_pem(&OLD.cert_pem)
        .api_v3_key(API_V3_KEY.to_vec())
        .start()
        .await
        .expect("starts");
    assert_eq!(server.downloads(), 1);
}

#[tokio::test]
async fn a_wrong_api_v3_key_fails_at_start_up() {
    let server = Server::start(
        by(&OLD),
        Certificates::List {
            certificates: vec![&OLD],
            api_v3_key: WRONG_API_V3_KEY,
            signature: by(&OLD),
        },
    )
    .await;
    let err = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .auto_certificates(true)
        .start()
        .await
        .expect_err("cannot decrypt");
    assert!(format!("{err:#}").contains("APIv3 key"), "{err:#}");
    // No business call was made.
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_periodic_refresh_picks_up_rotation_and_stops_with_the_client() {
    let server = Server::start(by(&OLD), list(vec![&OLD], by(&OLD))).await;
    let client = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .certificate_refresh_every(Duration::from_millis(50))
        .start()
        .await
        .expect("starts");
    assert_eq!(server.downloads(), 1);
    assert_eq!(client.verifier().serials(), [OLD.serial]);

    // WeChat Pay starts serving the new certificate; the refresh installs it without any
    // call needing it first (auto_certificates is off).
    server.set_certificates(list(vec![&OLD, &NEW], by(&OLD)));
    while !client.verifier().contains(NEW.serial) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.set_business(by(&NEW));
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");

    // A clone keeps the task alive; dropping the last one stops it.
    let clone = client.clone();
    drop(client);
    let before = server.downloads();
    while server.downloads() < before + 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(clone);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped = server.downloads();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        server.downloads(),
        stopped,
        "no download after the client is gone"
    );
}

#[tokio::test]
async fn a_failed_periodic_refresh_keeps_the_keys_held() {
    let server = Server::start(by(&OLD), list(vec![&OLD], by(&OLD))).await;
    let client = builder(&server)
        .api_v3_key(API_V3_KEY.to_vec())
        .certificate_refresh_every(Duration::from_millis(20))
        .start()
        .await
        .expect("starts");
    server.set_certificates(Certificates::NotFound);
    let before = server.downloads();
    while server.downloads() < before + 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(client.verifier().serials(), [OLD.serial]);
    assert_eq!(send_coupon(&client).await.expect("verified"), "9867041");
}
