//! Shared helpers for the sandbox's integration tests: one key set per test binary, a
//! signing reqwest client, a response verifier, and a raw TCP request for byte-exact targets.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the helpers"
)]

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use reqwest::header::HeaderMap;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wechatpay_apiv3::auth::{
    Clock, MerchantPrivateKey, ResponseHeaders, Signer, SystemClock, Verifier,
};
use wechatpay_apiv3::error::VerificationError;
use wechatpay_sandbox::{Sandbox, SandboxConfig, SandboxKeys};

/// The key set of this test binary (RSA generation is slow-ish: once per binary).
pub fn keys() -> SandboxKeys {
    static KEYS: LazyLock<SandboxKeys> =
        LazyLock::new(|| SandboxKeys::generate().expect("generate sandbox keys"));
    KEYS.clone()
}

/// A sandbox with the shared keys plus a signing HTTP client.
pub struct Harness {
    pub sandbox: Sandbox,
    pub http: reqwest::Client,
    pub signer: Signer,
    pub clock: Arc<dyn Clock>,
}

/// A complete response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The APIv3 error code of an error body.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Self::with(SandboxConfig::with_keys(keys())).await
    }

    pub async fn with(config: SandboxConfig) -> Harness {
        Self::with_clock(config, Arc::new(SystemClock)).await
    }

    /// `clock` is given to the sandbox, the signer and [`Harness::verifier`].
    pub async fn with_clock(config: SandboxConfig, clock: Arc<dyn Clock>) -> Harness {
        let sandbox = Sandbox::start(config.clock(Arc::clone(&clock)))
            .await
            .expect("start sandbox");
        let key =
            MerchantPrivateKey::from_pem(sandbox.merchant_private_key_pem()).expect("merchant key");
        let signer = Signer::new(sandbox.mchid(), sandbox.merchant_serial(), key)
            .with_clock(Arc::clone(&clock));
        Harness {
            sandbox,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("reqwest client"),
            signer,
            clock,
        }
    }

    /// A verifier holding both the public key and the platform certificate.
    pub fn verifier(&self) -> Verifier {
        let mut verifier = Verifier::new().with_clock(Arc::clone(&self.clock));
        verifier
            .add_public_key_pem(self.sandbox.public_key_id(), self.sandbox.public_key_pem())
            .expect("public key");
        verifier
            .add_platform_certificate_pem(self.sandbox.platform_certificate_pem())
            .expect("platform certificate");
        verifier
    }

    pub fn verify(&self, resp: &Resp) -> Result<(), VerificationError> {
        let headers = ResponseHeaders::from_lookup(|name| resp.header(name));
        self.verifier().verify(&headers, &resp.body)
    }

    /// Sends a request signed by the signer over exactly `target` and `body`.
    pub async fn call(&self, method: &str, target: &str, body: Option<&str>) -> Resp {
        let auth = self
            .signer
            .authorization(method, target, body.unwrap_or_default().as_bytes());
        self.send(method, target, body, &[("Authorization", auth)])
            .await
            .expect("request")
    }

    /// Sends with the given headers (no signing).
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Result<Resp, reqwest::Error> {
        let url = format!("{}{target}", self.sandbox.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, &url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    pub async fn send_coupon(&self, openid: &str, body: &serde_json::Value) -> Resp {
        let body = body.to_string();
        self.call("POST", &coupons_path(openid), Some(&body)).await
    }

    pub async fn list(&self, openid: &str, query: &str) -> Resp {
        self.call("GET", &format!("{}?{query}", coupons_path(openid)), None)
            .await
    }
}

pub fn coupons_path(openid: &str) -> String {
    format!("/v3/marketing/favor/users/{openid}/coupons")
}

/// A send-coupon body for a stock of the sandbox merchant.
pub fn send_body(stock_id: &str, out_request_no: &str, creator: &str) -> serde_json::Value {
    serde_json::json!({
        "stock_id": stock_id,
        "out_request_no": out_request_no,
        "appid": "wx233544546545989",
        "stock_creator_mchid": creator,
    })
}

/// One HTTP/1.1 request written byte for byte on a fresh connection (so the request-target is
/// exactly `target`, which an URL library would re-encode). Returns status and body.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("read response");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}
