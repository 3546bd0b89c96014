//! A fake WeChat Pay for the runtime's tests: an in-memory [`Transport`] by default, and the
//! same fake served over loopback TCP for the tests where the socket matters.
//!
//! It checks every request's `Authorization` with the merchant public key over the raw
//! request-target and body bytes (with aws-lc directly, independently of the crate's auth code),
//! records what it received, and answers with scripted replies signed by a "platform" key whose
//! self-signed certificate (and bare public key) the client is configured with.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of the support module"
)]

mod keys;
mod script;
mod tcp;

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::FromRequest;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use wechatpay_apiv3::transport::{
    BoxFuture, ResponseBody, Transport, TransportError, TransportRequest, TransportResponse,
};

use keys::check_request_signature;
pub use keys::{
    BACKUP_URL, BASE_URL, Keys, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, PUB_KEY_ID, Platform,
    keys, now_unix, platform,
};
pub use script::{Reply, Signing};

/// A client builder for the test merchant against `fake`, verifying with the platform
/// certificate.
pub fn builder(fake: &FakeWechatPay) -> wechatpay_apiv3::ClientBuilder {
    wechatpay_apiv3::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .transport(fake.clone())
}

/// A client builder for the test merchant against a fake at `base_url` (served over loopback
/// TCP), with the built-in HTTP client, verifying with the platform certificate.
pub fn tcp_builder(base_url: &str) -> wechatpay_apiv3::ClientBuilder {
    wechatpay_apiv3::Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .base_url(base_url)
}

/// The bytes a request's signature covers: the body, or for a `multipart/form-data` upload its
/// `meta` part (as WeChat Pay checks it), parsed as the sandbox parses it (axum's `Multipart`).
async fn signed_part(headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut request = axum::http::Request::new(axum::body::Body::from(body.to_vec()));
    *request.headers_mut() = headers.clone();
    let Ok(mut form) = axum::extract::Multipart::from_request(request, &()).await else {
        return body.to_vec();
    };
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("meta") {
            return field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    Vec::new()
}

/// Whether `recorded`'s `Authorization` verifies over `signed` as the body line (to show what a
/// signature does not cover).
pub fn check_signature_over(recorded: &Recorded, signed: &[u8]) -> Result<(), String> {
    let params = wechatpay_apiv3::auth::AuthorizationParams::parse(&recorded.authorization)
        .map_err(|e| e.to_string())?;
    check_request_signature(&recorded.method, &recorded.target, signed, &params)
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The method.
    pub method: String,
    /// `host[:port]` the request was for.
    pub host: String,
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

/// A reply, signed, with how to deliver it.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    delay: Option<Duration>,
    broken_after: Option<usize>,
}

type Route = Box<dyn Fn(&Recorded) -> Option<Reply> + Send + Sync>;

#[derive(Default)]
struct State {
    replies: Mutex<VecDeque<Reply>>,
    recorded: Mutex<Vec<Recorded>>,
    refused_hosts: Mutex<HashSet<String>>,
    route: Mutex<Option<Route>>,
    /// The answer when the script is empty.
    otherwise: Mutex<Option<Reply>>,
    nonces: AtomicU64,
}

/// The fake WeChat Pay; a [`Transport`] (clones share the script and the record).
#[derive(Clone, Default)]
pub struct FakeWechatPay {
    state: Arc<State>,
}

impl std::fmt::Debug for FakeWechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeWechatPay")
    }
}

impl FakeWechatPay {
    /// A fake with an empty script: it answers `200 {}` until replies are queued.
    pub fn new() -> Self {
        FakeWechatPay::default()
    }

    /// Queues replies, answered in order; when none is left the fake answers 200 `{}`.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.replies.lock().expect("lock").extend(replies);
    }

    /// Answers `reply` whenever the script is empty (instead of `200 {}`).
    pub fn otherwise(&self, reply: Reply) {
        *self.state.otherwise.lock().expect("lock") = Some(reply);
    }

    /// Answers requests `route` picks (returns `Some`) before the script.
    pub fn route(&self, route: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static) {
        *self.state.route.lock().expect("lock") = Some(Box::new(route));
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.recorded.lock().expect("lock").clone()
    }

    /// Connections to `host` (e.g. `api.mch.weixin.qq.com`) are refused from now on.
    pub fn refuse(&self, host: &str) {
        self.state
            .refused_hosts
            .lock()
            .expect("lock")
            .insert(host.to_owned());
    }

    /// Asserts that every request was correctly signed.
    pub fn assert_all_signed(&self) {
        for request in self.requests() {
            assert_eq!(
                request.auth,
                Ok(()),
                "request {} {} was not correctly signed",
                request.method,
                request.target
            );
        }
    }

    /// Records the request and picks and signs the reply.
    async fn answer(
        &self,
        method: &str,
        host: String,
        target: String,
        headers: HeaderMap,
        body: Vec<u8>,
    ) -> Answer {
        let authorization = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (nonce, timestamp, signature, auth) =
            match wechatpay_apiv3::auth::AuthorizationParams::parse(&authorization) {
                Ok(params) => {
                    let signed = signed_part(&headers, &body).await;
                    let auth = check_request_signature(method, &target, &signed, &params);
                    (params.nonce_str, params.timestamp, params.signature, auth)
                }
                Err(e) => (String::new(), String::new(), String::new(), Err(e)),
            };
        let recorded = Recorded {
            method: method.to_owned(),
            host,
            target,
            body,
            headers,
            authorization,
            nonce,
            timestamp,
            signature,
            auth,
        };
        let reply = if recorded.auth.is_err() {
            Reply::error(401, r#"{"code":"SIGN_ERROR","message":"签名错误"}"#)
        } else {
            let routed = self
                .state
                .route
                .lock()
                .expect("lock")
                .as_ref()
                .and_then(|route| route(&recorded));
            routed.unwrap_or_else(|| {
                self.state
                    .replies
                    .lock()
                    .expect("lock")
                    .pop_front()
                    .or_else(|| self.state.otherwise.lock().expect("lock").clone())
                    .unwrap_or_else(|| Reply::ok(200, "{}"))
            })
        };
        self.state.recorded.lock().expect("lock").push(recorded);
        let (delay, broken_after) = (reply.delay, reply.broken_after);
        let (status, headers, body) = self.sign(reply);
        Answer {
            status,
            headers,
            body,
            delay,
            broken_after,
        }
    }

    fn sign(&self, reply: Reply) -> (u16, HeaderMap, Vec<u8>) {
        let mut headers = HeaderMap::new();
        let mut add = |name: &str, value: &str| {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        };
        add("Request-ID", &reply.request_id);
        for (name, value) in &reply.headers {
            add(name, value);
        }
        let mut body = reply.body;
        if reply.signing != Signing::Unsigned {
            let offset = match reply.signing {
                Signing::TimestampOffset(offset) => offset,
                _ => 0,
            };
            let nonce = format!(
                "5K8264ILTKCH16CQ2502SI8ZNMTM67V{}",
                self.state.nonces.fetch_add(1, Ordering::Relaxed)
            );
            let signer = reply.signer.unwrap_or(&keys().platform);
            let serial = match &reply.signing {
                Signing::Serial(serial) => serial.clone(),
                _ => signer.serial.clone(),
            };
            for (name, value) in signer.sign(now_unix() + offset, &nonce, &body, &serial) {
                if !matches!(&reply.signing, Signing::Omit(omitted) if *omitted == name) {
                    add(&name, &value);
                }
            }
            if reply.signing == Signing::TamperBody {
                body = String::from_utf8_lossy(&body)
                    .replace("100", "900")
                    .into_bytes();
            }
        }
        (reply.status, headers, body)
    }
}

impl Transport for FakeWechatPay {
    fn send(
        &self,
        request: TransportRequest,
    ) -> BoxFuture<'_, Result<TransportResponse, TransportError>> {
        Box::pin(async move {
            let host = match (request.url.host_str(), request.url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_owned(),
                _ => String::new(),
            };
            if self
                .state
                .refused_hosts
                .lock()
                .expect("lock")
                .contains(&host)
            {
                return Err(TransportError::connect(std::io::Error::from(
                    std::io::ErrorKind::ConnectionRefused,
                )));
            }
            let mut target = request.url.path().to_owned();
            if let Some(query) = request.url.query() {
                target.push('?');
                target.push_str(query);
            }
            let body = request.body.map(|b| b.to_vec()).unwrap_or_default();
            let answer = self
                .answer(request.method.as_str(), host, target, request.headers, body)
                .await;
            if let Some(delay) = answer.delay {
                tokio::time::sleep(delay).await;
            }
            let body = match answer.broken_after {
                None => ResponseBody::from_bytes(answer.body),
                Some(n) => {
                    let head = Bytes::copy_from_slice(&answer.body[..n.min(answer.body.len())]);
                    let reset: Box<dyn std::error::Error + Send + Sync> =
                        Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
                    ResponseBody::from_stream(futures_util::stream::iter([Ok(head), Err(reset)]))
                }
            };
            Ok(TransportResponse::new(answer.status, answer.headers, body))
        })
    }
}
