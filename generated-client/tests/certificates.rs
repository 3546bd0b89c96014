//! Platform-certificate download and lazy refresh (`crate::certificates`) against a loopback
//! server that routes `/v3/certificates` apart from business calls, so that concurrent calls can
//! be answered deterministically.
//!
//! The server checks every request signature (with the wechatpay-go test public key, through
//! aws-lc directly rather than the crate's verifier), signs its answers with one of three test
//! "platform" keys, and encrypts the certificates it serves with `auth::aead`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls_pki_types::SubjectPublicKeyInfoDer;
use rustls_pki_types::pem::PemObject as _;
use wechatpay_apiv3::api::SendCouponBody;
use wechatpay_apiv3::auth::{AuthorizationParams, aead};
use wechatpay_apiv3::certificates::{CERTIFICATES_PATH, decrypt_certificates};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, ClientBuilder, Error, RetryPolicy};

const MCHID: &str = "1900009191";
const MERCHANT_SERIAL: &str = "F5765756002FDD77";
const MERCHANT_KEY_PEM: &str = include_str!("fixtures/wechatpay-go-test-key.pem");
const MERCHANT_PUBLIC_PEM: &str = include_str!("fixtures/wechatpay-go-test-pubkey.pem");
const API_V3_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const WRONG_API_V3_KEY: &[u8; 32] = b"fedcba9876543210fedcba9876543210";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const COUPON: &str = r#"{"coupon_id":"9867041"}"#;

// ---------------------------------------------------------------------------------------------
// Test platform keys and certificates.

/// A WeChat Pay platform key pair with its certificate.
struct Platform {
    key: RsaKeyPair,
    serial: &'static str,
    cert_pem: String,
    effective_time: &'static str,
}

fn platform(serial: &'static str, effective_time: &'static str) -> Platform {
    let key = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate platform key");
    let pkcs8 = key.as_der().expect("pkcs8");
    let signing_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8.as_ref().to_vec()),
        &rcgen::PKCS_RSA_SHA256,
    )
    .expect("rcgen key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Tenpay.com test platform");
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&hex(serial)));
    let cert = params.self_signed(&signing_key).expect("self-signed");
    Platform {
        key,
        serial,
        cert_pem: cert.pem(),
        effective_time,
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
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
// The server.

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
    requests: Mutex<Vec<Recorded>>,
}

#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    target: String,
    wechatpay_serial: Option<String>,
    auth: Result<(), String>,
}

struct Server {
    base_url: String,
    state: Arc<ServerState>,
}

impl Server {
    /// Business calls are answered `{"coupon_id":"9867041"}` signed by `business`.
    async fn start(business: Signature, certificates: Certificates) -> Server {
        let state = Arc::new(ServerState {
            business: Mutex::new(business),
            certificates: Mutex::new(certificates),
            downloads: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Server { base_url, state }
    }

    fn downloads(&self) -> usize {
        self.state.downloads.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().expect("lock").clone()
    }

    fn set_business(&self, signature: Signature) {
        *self.state.business.lock().expect("lock") = signature;
    }
}

fn now_unix() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(secs).expect("fits")
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    OriginalUri(uri): OriginalUri,
    request: Request,
) -> Response {
    let method = request.method().as_str().to_owned();
    let target = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let auth = check_request(
        &method,
        &target,
        &body,
        &header("authorization").unwrap_or_default(),
    );
    state.requests.lock().expect("lock").push(Recorded {
        method: method.clone(),
        target: target.clone(),
        wechatpay_serial: header("wechatpay-serial"),
        auth: auth.clone(),
    });
    if auth.is_err() {
        return plain(401, r#"{"code":"SIGN_ERROR","message":"签名错误"}"#);
    }

    if target == CERTIFICATES_PATH && method == "GET" {
        state.downloads.fetch_add(1, Ordering::SeqCst);
        let answer = state.certificates.lock().expect("lock").clone();
        return match answer {
            Certificates::NotFound => plain(
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

fn plain(status: u16, body: &'static str) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("Request-ID", "test-request-id")
        .body(Body::from(body))
        .expect("response")
}

fn signed(signature: Signature, body: &str) -> Response {
    let timestamp = now_unix().to_string();
    let nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
    let message = format!("{timestamp}\n{nonce}\n{body}\n");
    let mut raw = vec![0; signature.key.key.public_modulus_len()];
    signature
        .key
        .key
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message.as_bytes(),
            &mut raw,
        )
        .expect("sign");
    Response::builder()
        .status(StatusCode::OK)
        .header("Request-ID", "test-request-id")
        .header("Wechatpay-Timestamp", timestamp)
        .header("Wechatpay-Nonce", nonce)
        .header("Wechatpay-Signature", STANDARD.encode(raw))
        .header("Wechatpay-Serial", signature.serial)
        .header("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048")
        .body(Body::from(body.to_owned()))
        .expect("response")
}

/// The merchant signature over `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`, checked with aws-lc.
fn check_request(
    method: &str,
    target: &str,
    body: &[u8],
    authorization: &str,
) -> Result<(), String> {
    let params = AuthorizationParams::parse(authorization)?;
    if params.mchid != MCHID || params.serial_no != MERCHANT_SERIAL {
        return Err(format!("merchant {} {}", params.mchid, params.serial_no));
    }
    let mut message = format!(
        "{method}\n{target}\n{}\n{}\n",
        params.timestamp, params.nonce_str
    )
    .into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let spki = SubjectPublicKeyInfoDer::from_pem_slice(MERCHANT_PUBLIC_PEM.as_bytes())
        .map_err(|e| e.to_string())?;
    let signature = STANDARD
        .decode(&params.signature)
        .map_err(|e| e.to_string())?;
    // aws-lc's RSA verification takes the PKCS#1 key inside the SubjectPublicKeyInfo.
    let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pkcs1_of(spki.as_ref()));
    public
        .verify(&message, &signature)
        .map_err(|_| "bad request signature".to_owned())
}

/// The RSAPublicKey inside a SubjectPublicKeyInfo: the content of its BIT STRING.
fn pkcs1_of(spki: &[u8]) -> Vec<u8> {
    // SEQUENCE { SEQUENCE { algorithm }, BIT STRING { 0x00, RSAPublicKey } }
    let (_, outer) = der_item(spki);
    let (after_algorithm, _) = der_item(outer);
    let (_, bit_string) = der_item(after_algorithm);
    bit_string[1..].to_vec()
}

/// Splits one DER item off `input`: returns (the rest after it, its content).
fn der_item(input: &[u8]) -> (&[u8], &[u8]) {
    let (length, header) = match input[1] {
        n if n < 0x80 => (usize::from(n), 2),
        n => {
            let count = usize::from(n & 0x7f);
            let length = input[2..2 + count]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (length, 2 + count)
        }
    };
    let content = &input[header..header + length];
    (&input[header + length..], content)
}

// ---------------------------------------------------------------------------------------------
// Clients.

fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(MERCHANT_KEY_PEM)
        .base_url(&server.base_url)
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
    for request in server.requests() {
        assert_eq!(request.auth, Ok(()), "{request:?}");
    }
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
    *server.state.certificates.lock().expect("lock") = list(vec![&OLD, &NEW], by(&OLD));
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
    let forged = Box::leak(Box::new(Platform {
        key: RsaKeyPair::generate(KeySize::Rsa2048).expect("key"),
        serial: OLD.serial,
        cert_pem: platform(OLD.serial, OLD.effective_time).cert_pem,
        effective_time: OLD.effective_time,
    }));
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
