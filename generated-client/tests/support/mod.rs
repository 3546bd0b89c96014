//! A small local APIv3 test server for the runtime's end-to-end tests.
//!
//! It checks every request's `Authorization` with the merchant public key over the raw
//! request-target and the raw body bytes (an oracle written independently of the crate's auth
//! code), records what it received, and answers with scripted replies signed by a "platform" key
//! whose self-signed certificate (and bare public key) the client is configured with.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the support module"
)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// The merchant ID the tests sign for.
pub const MCHID: &str = "1900009191";
/// The merchant certificate serial the tests sign with.
pub const MERCHANT_SERIAL: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
/// The serial of the test platform certificate (set explicitly in the certificate).
pub const PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The ID under which the platform public key is configured in public-key mode.
pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

/// Keys shared by every test of a binary (RSA key generation is slow-ish, do it once).
pub struct Keys {
    /// PKCS#8 PEM of the merchant private key, for the client.
    pub merchant_pem: String,
    merchant_public: UnparsedPublicKey<Vec<u8>>,
    platform: RsaKeyPair,
    /// The self-signed platform certificate, PEM.
    pub platform_cert_pem: String,
    /// The platform public key, SubjectPublicKeyInfo PEM (the 微信支付公钥 form).
    pub platform_public_pem: String,
}

/// The keys of this test binary.
pub fn keys() -> &'static Keys {
    static KEYS: LazyLock<Keys> = LazyLock::new(|| {
        let merchant = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate merchant key");
        let merchant_pkcs8 = merchant.as_der().expect("merchant pkcs8");
        let merchant_public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            merchant.public_key().as_ref().to_vec(),
        );

        let platform = RsaKeyPair::generate(KeySize::Rsa2048).expect("generate platform key");
        let platform_pkcs8 = platform.as_der().expect("platform pkcs8");
        let platform_spki = platform.public_key().as_der().expect("platform spki");
        let signing_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &rustls_pki_types::PrivatePkcs8KeyDer::from(platform_pkcs8.as_ref().to_vec()),
            &rcgen::PKCS_RSA_SHA256,
        )
        .expect("rcgen platform key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "Tenpay.com Root CA test platform",
        );
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&hex_decode(
            PLATFORM_SERIAL,
        )));
        let cert = params.self_signed(&signing_key).expect("self-signed cert");

        Keys {
            merchant_pem: pem("PRIVATE KEY", merchant_pkcs8.as_ref()),
            merchant_public,
            platform,
            platform_cert_pem: cert.pem(),
            platform_public_pem: pem("PUBLIC KEY", platform_spki.as_ref()),
        }
    });
    &KEYS
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn now_unix() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("seconds fit i64")
}

/// How the server signs a scripted 2xx (or any) reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Signing {
    /// Properly signed with the platform key, `Wechatpay-Serial` = the certificate serial.
    Proper,
    /// Properly signed, but announcing this serial (e.g. [`PUB_KEY_ID`] or an unknown one).
    Serial(String),
    /// Signed, then this header left out.
    Omit(&'static str),
    /// Signed over the body, then the body altered.
    TamperBody,
    /// Signed with a timestamp this many seconds away from now.
    TimestampOffset(i64),
    /// No `Wechatpay-*` headers at all.
    Unsigned,
}

/// One scripted reply.
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Raw body bytes.
    pub body: Vec<u8>,
    /// How to sign.
    pub signing: Signing,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The `Request-ID` header.
    pub request_id: String,
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

impl Reply {
    /// A properly signed reply.
    pub fn ok(status: u16, body: &str) -> Self {
        Reply {
            status,
            body: body.as_bytes().to_vec(),
            signing: Signing::Proper,
            delay: None,
            headers: Vec::new(),
            request_id: format!(
                "08F5B8C2B506102C18FDDFEEA30620BE821E28EDC405-{}",
                REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// An unsigned error reply (WeChat Pay omits the signature on some of them).
    pub fn error(status: u16, body: &str) -> Self {
        Reply::ok(status, body).signing(Signing::Unsigned)
    }

    /// Changes the signing mode.
    pub fn signing(mut self, signing: Signing) -> Self {
        self.signing = signing;
        self
    }

    /// Delays the answer.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// The raw request-target (path and query) as received.
    pub target: String,
    /// The raw body bytes.
    pub body: Vec<u8>,
    /// All request headers.
    pub headers: HeaderMap,
    /// The `Authorization` header value.
    pub authorization: String,
    /// `nonce_str` of the Authorization header.
    pub nonce: String,
    /// `timestamp` of the Authorization header.
    pub timestamp: String,
    /// `signature` of the Authorization header.
    pub signature: String,
    /// Whether the request signature verified with the merchant public key, or why not.
    pub auth: Result<(), String>,
}

impl Recorded {
    /// A request header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

struct ServerState {
    replies: Mutex<VecDeque<Reply>>,
    recorded: Mutex<Vec<Recorded>>,
    nonces: AtomicU64,
}

/// A running test server on 127.0.0.1.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
}

impl TestServer {
    /// Starts a server on an ephemeral loopback port; it lives as long as the test's runtime.
    pub async fn start() -> Self {
        let state = Arc::new(ServerState {
            replies: Mutex::new(VecDeque::new()),
            recorded: Mutex::new(Vec::new()),
            nonces: AtomicU64::new(0),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        TestServer { addr, state }
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues replies, answered in order; when none is left the server answers 200 `{}`.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.replies.lock().expect("lock").extend(replies);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.recorded.lock().expect("lock").clone()
    }
}

/// A loopback base URL on which nothing listens (connections are refused).
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    format!("http://{addr}")
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    OriginalUri(uri): OriginalUri,
    request: Request,
) -> Response {
    let method = request.method().as_str().to_owned();
    let target = uri
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| uri.path().to_owned());
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();

    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (nonce, timestamp, signature, auth) =
        match wechatpay_apiv3::auth::AuthorizationParams::parse(&authorization) {
            Ok(params) => {
                let auth = check_request_signature(&method, &target, &body, &params);
                (params.nonce_str, params.timestamp, params.signature, auth)
            }
            Err(e) => (String::new(), String::new(), String::new(), Err(e)),
        };
    let auth_ok = auth.is_ok();
    state.recorded.lock().expect("lock").push(Recorded {
        method,
        target,
        body,
        headers,
        authorization,
        nonce,
        timestamp,
        signature,
        auth,
    });
    if !auth_ok {
        return respond(
            &state,
            Reply::error(401, r#"{"code":"SIGN_ERROR","message":"签名错误"}"#),
        );
    }

    let reply = state
        .replies
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| Reply::ok(200, "{}"));
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    respond(&state, reply)
}

/// The server-side check, independent of the crate: scheme, mchid, serial, then RSA over
/// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n`.
fn check_request_signature(
    method: &str,
    target: &str,
    body: &[u8],
    params: &wechatpay_apiv3::auth::AuthorizationParams,
) -> Result<(), String> {
    if params.scheme != "WECHATPAY2-SHA256-RSA2048" {
        return Err(format!("scheme {}", params.scheme));
    }
    if params.mchid != MCHID {
        return Err(format!("mchid {}", params.mchid));
    }
    if params.serial_no != MERCHANT_SERIAL {
        return Err(format!("serial {}", params.serial_no));
    }
    if params.timestamp.len() != 10 || !params.timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("timestamp {}", params.timestamp));
    }
    let mut message = format!(
        "{method}\n{target}\n{}\n{}\n",
        params.timestamp, params.nonce_str
    )
    .into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    let signature = STANDARD
        .decode(&params.signature)
        .map_err(|e| format!("signature base64: {e}"))?;
    keys()
        .merchant_public
        .verify(&message, &signature)
        .map_err(|_| "bad request signature".to_owned())
}

fn respond(state: &ServerState, reply: Reply) -> Response {
    let keys = keys();
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).expect("status"))
        .header("Request-ID", &reply.request_id);
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    let mut body = reply.body;
    if reply.signing != Signing::Unsigned {
        let offset = match reply.signing {
            Signing::TimestampOffset(offset) => offset,
            _ => 0,
        };
        let timestamp = (now_unix() + offset).to_string();
        let nonce = format!(
            "5K8264ILTKCH16CQ2502SI8ZNMTM67V{}",
            state.nonces.fetch_add(1, Ordering::Relaxed)
        );
        let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
        message.extend_from_slice(&body);
        message.push(b'\n');
        let mut signature = vec![0; keys.platform.public_modulus_len()];
        keys.platform
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                &message,
                &mut signature,
            )
            .expect("sign");
        let serial = match &reply.signing {
            Signing::Serial(serial) => serial.clone(),
            _ => PLATFORM_SERIAL.to_owned(),
        };
        let signed = [
            ("Wechatpay-Timestamp", timestamp),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", STANDARD.encode(&signature)),
            ("Wechatpay-Serial", serial),
            (
                "Wechatpay-Signature-Type",
                "WECHATPAY2-SHA256-RSA2048".to_owned(),
            ),
        ];
        for (name, value) in signed {
            if reply.signing != Signing::Omit(name) {
                builder = builder.header(name, value);
            }
        }
        if reply.signing == Signing::TamperBody {
            body = String::from_utf8_lossy(&body)
                .replace("100", "900")
                .into_bytes();
        }
    }
    builder.body(Body::from(body)).expect("response")
}
