//! The APIv3 protocol on the server side: checking a request's `Authorization` over the raw
//! request-target and body, and signing every response over its exact body bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use wechatpay_apiv3::auth::{
    AuthorizationParams, Clock, MAX_CLOCK_SKEW_SECS, NonceSource as _, RandomNonce, SIGNATURE_TYPE,
    request_message,
};
use wechatpay_apiv3::server::AnswerSignature;

use crate::config::ResponseSigning;
use crate::faults::Fault;
use crate::keys::SandboxKeys;
use crate::reply::{ApiFailure, ErrorDetail, Reply};

/// The widest gap between a request's `timestamp` and the sandbox clock that is accepted, in
/// either direction (301 s is rejected).
pub const MAX_REQUEST_SKEW_SECS: i64 = MAX_CLOCK_SKEW_SECS;

/// How a response timestamp is backdated by [`Fault::StaleTimestamp`].
const STALE_BY_SECS: i64 = 600;

/// The longest string-to-sign echoed back in a `SIGN_ERROR` detail.
const ECHO_LIMIT: usize = 2048;

/// Checks request signatures for the one merchant of a sandbox.
pub(crate) struct Authenticator {
    keys: SandboxKeys,
    clock: Arc<dyn Clock>,
}

/// Who sent an authenticated request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) mchid: String,
}

impl Authenticator {
    pub(crate) fn new(keys: SandboxKeys, clock: Arc<dyn Clock>) -> Self {
        Authenticator { keys, clock }
    }

    /// Checks, in order: one `Authorization` header; its syntax; the scheme; the merchant ID;
    /// the merchant serial; the timestamp (decimal seconds within ±300 s); the signature over
    /// `METHOD\nTARGET\nTIMESTAMP\nNONCE\nBODY\n` with `target` and `body` exactly as received.
    /// Each failure is a `401 SIGN_ERROR` with its own message.
    pub(crate) fn authenticate(
        &self,
        method: &str,
        target: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Caller, ApiFailure> {
        let header_detail = || ErrorDetail::at("header", "Authorization");
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(ApiFailure::sign("签名错误：缺少 Authorization 请求头")
                .detail(header_detail().issue("the Authorization header is missing")));
        };
        if values.next().is_some() {
            return Err(ApiFailure::sign("签名错误：Authorization 请求头重复")
                .detail(header_detail().issue("more than one Authorization header")));
        }
        let Ok(value) = value.to_str() else {
            return Err(
                ApiFailure::sign("签名错误：Authorization 请求头含有非法字符")
                    .detail(header_detail().issue("the Authorization header is not visible ASCII")),
            );
        };
        let params = AuthorizationParams::parse(value).map_err(|why| {
            ApiFailure::sign("签名错误：Authorization 请求头格式错误")
                .detail(header_detail().issue(why))
        })?;
        if params.scheme != SIGNATURE_TYPE {
            return Err(ApiFailure::sign(format!(
                "签名错误：不支持的认证类型 {}，应为 {SIGNATURE_TYPE}",
                params.scheme
            ))
            .detail(header_detail().issue(format!(
                "unsupported scheme {:?}, expected {SIGNATURE_TYPE}",
                params.scheme
            ))));
        }
        if params.mchid != self.keys.mchid() {
            return Err(
                ApiFailure::sign(format!("签名错误：商户号 {} 不存在", params.mchid)).detail(
                    header_detail().issue(format!(
                        "mchid {:?} is unknown; this sandbox serves merchant {}",
                        params.mchid,
                        self.keys.mchid()
                    )),
                ),
            );
        }
        if params.serial_no != self.keys.merchant_serial() {
            return Err(ApiFailure::sign(format!(
                "签名错误：商户证书序列号 {} 不正确或证书已失效",
                params.serial_no
            ))
            .detail(header_detail().issue(format!(
                "serial_no {:?} is not the merchant certificate serial {}",
                params.serial_no,
                self.keys.merchant_serial()
            ))));
        }
        let timestamp = parse_timestamp(&params.timestamp).ok_or_else(|| {
            ApiFailure::sign("签名错误：timestamp 不是以秒为单位的整数").detail(
                header_detail().issue(format!(
                    "timestamp {:?} is not decimal Unix seconds",
                    params.timestamp
                )),
            )
        })?;
        let now = self.clock.now_unix();
        let skew = now.saturating_sub(timestamp);
        if skew.saturating_abs() > MAX_REQUEST_SKEW_SECS {
            let hint = if timestamp > 100_000_000_000 {
                " (it looks like milliseconds; APIv3 timestamps are seconds)"
            } else {
                ""
            };
            return Err(ApiFailure::sign(format!(
                "签名错误：请求时间戳 {timestamp} 与服务器时间相差 {} 秒，超过 {MAX_REQUEST_SKEW_SECS} 秒",
                skew.saturating_abs()
            ))
            .detail(header_detail().issue(format!(
                "timestamp {timestamp} is {skew} s behind the server clock {now}; at most \
                 {MAX_REQUEST_SKEW_SECS} s either way{hint}"
            ))));
        }
        let message = request_message(method, target, timestamp, &params.nonce_str, body);
        if !self
            .keys
            .merchant_public_key()
            .verify_base64(&message, &params.signature)
        {
            let mut echoed = String::from_utf8_lossy(&message).into_owned();
            if echoed.len() > ECHO_LIMIT {
                let mut cut = ECHO_LIMIT;
                while !echoed.is_char_boundary(cut) {
                    cut -= 1;
                }
                echoed.truncate(cut);
                echoed.push('…');
            }
            return Err(
                ApiFailure::sign("签名错误：签名验证失败，请检查签名串与签名算法").detail(
                    header_detail()
                        .issue(format!(
                            "signature does not verify with the merchant certificate {} over the \
                             string to sign built from the request as received (method, raw \
                             request-target {target:?}, timestamp, nonce_str, {} body bytes); \
                             `value` shows that string",
                            self.keys.merchant_serial(),
                            body.len()
                        ))
                        .value(echoed),
                ),
            );
        }
        Ok(Caller {
            mchid: params.mchid,
        })
    }
}

/// Unix seconds as plain decimal digits (the header text is what was signed).
fn parse_timestamp(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Signs responses with the platform key and stamps `Request-ID`.
pub(crate) struct ResponseSigner {
    keys: SandboxKeys,
    mode: ResponseSigning,
    clock: Arc<dyn Clock>,
    request_id_prefix: u64,
    request_counter: AtomicU64,
}

impl ResponseSigner {
    pub(crate) fn new(keys: SandboxKeys, mode: ResponseSigning, clock: Arc<dyn Clock>) -> Self {
        ResponseSigner {
            keys,
            mode,
            clock,
            request_id_prefix: rand::random(),
            request_counter: AtomicU64::new(1),
        }
    }

    /// The serial a response to a request carrying `request_serial` (its `Wechatpay-Serial`)
    /// is signed under.
    pub(crate) fn serial_for(&self, request_serial: Option<&str>) -> &str {
        match self.mode {
            ResponseSigning::PublicKey => self.keys.public_key_id(),
            ResponseSigning::PlatformCertificate => self.keys.platform_serial(),
            ResponseSigning::MatchRequest => match request_serial {
                Some(serial) if serial == self.keys.public_key_id() => self.keys.public_key_id(),
                _ => self.keys.platform_serial(),
            },
        }
    }

    /// A fresh, unique `Request-ID`, e.g. `08C1A2…0000000000001-0`.
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016X}{n:012X}-0", self.request_id_prefix)
    }

    /// Turns a reply into a signed response: `Wechatpay-Timestamp`, `-Nonce`, `-Serial`,
    /// `-Signature` (over `TIMESTAMP\nNONCE\nBODY\n` with the body bytes sent),
    /// `-Signature-Type`, `Request-ID` and, for a non-empty body, `Content-Type:
    /// application/json`. `shape` applies a response-shaping [`Fault`].
    pub(crate) fn sign(
        &self,
        reply: Reply,
        request_serial: Option<&str>,
        request_id: &str,
        shape: Option<Fault>,
    ) -> Response {
        let Reply {
            status,
            mut body,
            headers: extra,
        } = reply;
        if shape == Some(Fault::TruncatedBody) {
            body.truncate(body.len() / 2);
        }
        let mut headers = HeaderMap::new();
        if !body.is_empty() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        insert(&mut headers, "request-id", request_id);
        if shape != Some(Fault::MissingSignatureHeaders) {
            let mut timestamp = self.clock.now_unix();
            if shape == Some(Fault::StaleTimestamp) {
                timestamp -= STALE_BY_SECS;
            }
            let serial = self.serial_for(request_serial);
            let mut signed = AnswerSignature::sign(
                self.keys.platform_signing_key(),
                serial,
                timestamp,
                &RandomNonce.nonce(),
                &body,
            );
            if shape == Some(Fault::TamperedSignature) {
                signed.signature = flip_bit(&signed.signature);
            }
            if shape == Some(Fault::WrongSerial) {
                signed.serial = wrong_serial(serial);
            }
            for (name, value) in signed.headers() {
                insert(&mut headers, name, value);
            }
        }
        for (name, value) in extra {
            headers.insert(name, value);
        }
        // Built by hand: `Vec<u8>::into_response` would add `application/octet-stream`.
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }
}

/// Inserts a header whose name and value the sandbox made itself (always valid; an invalid
/// one is skipped rather than panicking).
fn insert(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
        HeaderValue::from_str(value),
    ) {
        headers.insert(name, value);
    }
}

/// The same signature with one bit of its first byte flipped.
fn flip_bit(signature: &str) -> String {
    match STANDARD.decode(signature) {
        Ok(mut bytes) if !bytes.is_empty() => {
            bytes[0] ^= 0x01;
            STANDARD.encode(bytes)
        }
        _ => format!("A{signature}"),
    }
}

/// A serial of the same shape that no client holds: the last character changed.
fn wrong_serial(serial: &str) -> String {
    let mut chars: Vec<char> = serial.chars().collect();
    match chars.last_mut() {
        Some(last) => *last = if *last == '0' { '1' } else { '0' },
        None => chars.push('0'),
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_decimal_seconds() {
        assert_eq!(parse_timestamp("1554208460"), Some(1_554_208_460));
        assert_eq!(parse_timestamp("-1"), None);
        assert_eq!(parse_timestamp("1.5"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("99999999999999999999999"), None);
    }

    #[test]
    fn tampering_changes_the_value() {
        let signature = STANDARD.encode([0u8, 1, 2, 3]);
        assert_ne!(flip_bit(&signature), signature);
        assert_eq!(flip_bit(&flip_bit(&signature)), signature);
        assert_eq!(wrong_serial("ABC0"), "ABC1");
        assert_eq!(wrong_serial("PUB_KEY_ID_0119"), "PUB_KEY_ID_0110");
        assert_eq!(wrong_serial(""), "0");
    }
}
