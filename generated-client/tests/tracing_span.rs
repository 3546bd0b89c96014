//! The `tracing` instrumentation of a call, and that secrets stay out of it.
//!
//! The issue asks for "a `tracing` span per call: operation id, method, path template, status,
//! Request-ID, attempt" and for secrets (the merchant private key, the APIv3 key) never to
//! appear in Debug, Display, errors or logs. These tests install a small capturing
//! [`Subscriber`] written here (no extra dependency) as the thread's default dispatcher around a
//! current-thread tokio runtime, so the client and the in-memory fake WeChat Pay of `support/`
//! are all polled on the thread that sees it. It records every span (name, target and
//! every field value, from `new_span` and from later `record` calls, in order), every event
//! (level, target, message, fields, and the spans it happened in), then the tests drive the
//! generated `send_coupon` operation against scripted replies:
//!
//! - a signed 200: exactly one `wechatpay.call` span carrying `operation = send_coupon`,
//!   `method = POST`, `path` = the template with `{openid}` (not the concrete path), status 200,
//!   the reply's `Request-ID` and attempt 1, and no warning;
//! - 500 then 200: still one span, attempt recorded as 1 then 2, status and Request-ID of the
//!   last answer, and a warn event about the retry inside the span;
//! - 500 three times: attempt 3 and a warn event that the call failed after retrying;
//! - a 400 and a 2xx that fails verification: status and Request-ID recorded, and a
//!   `call failed` event inside the span naming the error.
//!
//! Every scenario builds its client with `api_v3_key(...)` inside the capture and then scans
//! all captured text (span names and fields, event messages and fields), plus the error's
//! Display and Debug and the client's Debug, for secret material: any 16-character window of the
//! merchant private key's base64 body (windows shared with the public platform key, the common
//! RSA DER header, excepted), of the APIv3 key, or of any `Authorization` signature the server
//! received. Control tests show that the capture does see fields and events and that the scan
//! does flag a planted chunk of each secret, so none of the checks can pass vacuously.
//!
//! Callsite interest is cached process-wide by `tracing`; a dispatcher that is always interested
//! stays registered for the whole binary ([`ANCHOR`]) so that a callsite first reached on a
//! thread without a subscriber can never be cached as "never" (which would silently hide
//! events from the capturing threads).
//!
//! Long on purpose: the capturing subscriber (no extra dependency) and the leak scan are written
//! here, with controls showing that neither passes vacuously.

mod support;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use tracing::Instrument as _;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};
use wechatpay_apiv3::api::SendCouponBody;
use wechatpay_apiv3::error::VerificationError;
use wechatpay_apiv3::{Client, ClientBuilder, Error, RetryPolicy};

use support::{
    FakeWechatPay, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL, Recorded, Reply, Signing, keys,
};

// ---------------------------------------------------------------------------------------------
// The capturing subscriber.

/// One span as captured.
#[derive(Debug, Clone)]
struct SpanRec {
    id: u64,
    name: &'static str,
    target: String,
    parent: Option<u64>,
    /// Every value recorded, in order: those given at creation, then each `record` call.
    fields: Vec<(String, String)>,
}

impl SpanRec {
    /// Every value recorded for `name`, in order.
    fn values(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The last value recorded for `name`.
    fn last(&self, name: &str) -> Option<&str> {
        self.values(name).last().copied()
    }
}

/// One event as captured.
#[derive(Debug, Clone)]
struct EventRec {
    level: Level,
    target: String,
    /// The `message` field.
    message: String,
    /// Every field, `message` included.
    fields: Vec<(String, String)>,
    /// The spans the event happened in, innermost last.
    spans: Vec<u64>,
}

impl EventRec {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Everything a [`Capture`] saw.
#[derive(Debug, Default)]
struct Captured {
    spans: Vec<SpanRec>,
    events: Vec<EventRec>,
    /// The spans currently entered (the capture is used by one thread).
    stack: Vec<u64>,
}

impl Captured {
    fn span(&self, id: u64) -> Option<&SpanRec> {
        self.spans.iter().find(|span| span.id == id)
    }

    /// `id` and its ancestors, outermost first.
    fn lineage(&self, id: u64) -> Vec<u64> {
        let mut chain = vec![id];
        let mut current = self.span(id).and_then(|span| span.parent);
        while let Some(parent) = current {
            chain.push(parent);
            current = self.span(parent).and_then(|span| span.parent);
        }
        chain.reverse();
        chain
    }

    /// The spans called `name`.
    fn spans_named(&self, name: &str) -> Vec<&SpanRec> {
        self.spans.iter().filter(|span| span.name == name).collect()
    }

    /// The events that happened inside span `id` (directly or in a child).
    fn events_in(&self, id: u64) -> Vec<&EventRec> {
        self.events
            .iter()
            .filter(|event| event.spans.contains(&id))
            .collect()
    }

    /// Every captured string, one per span field or event field, labelled for failure messages.
    fn texts(&self) -> Vec<String> {
        let mut texts = Vec::new();
        for span in &self.spans {
            texts.push(format!("span {} target {}", span.name, span.target));
            for (name, value) in &span.fields {
                texts.push(format!("span {} field {name}={value}", span.name));
            }
        }
        for event in &self.events {
            texts.push(format!("event {} target {}", event.level, event.target));
            for (name, value) in &event.fields {
                texts.push(format!("event {} field {name}={value}", event.level));
            }
        }
        texts
    }
}

/// A [`Subscriber`] that records everything into shared [`Captured`] state.
struct Capture {
    next_id: AtomicU64,
    state: Arc<Mutex<Captured>>,
}

impl Capture {
    fn new(state: Arc<Mutex<Captured>>) -> Self {
        Capture {
            next_id: AtomicU64::new(1),
            state,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Captured> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Collects field values as plain text (strings without quotes, numbers as digits).
struct FieldText<'a>(&'a mut Vec<(String, String)>);

impl FieldText<'_> {
    fn push(&mut self, field: &Field, value: String) {
        self.0.push((field.name().to_owned(), value));
    }
}

impl Visit for FieldText<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.to_owned());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, value.to_string());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value.to_string());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value.to_string());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        self.push(field, text);
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut fields = Vec::new();
        attributes.record(&mut FieldText(&mut fields));
        let mut state = self.lock();
        let parent = if attributes.is_contextual() {
            state.stack.last().copied()
        } else {
            attributes.parent().map(Id::into_u64)
        };
        state.spans.push(SpanRec {
            id,
            name: attributes.metadata().name(),
            target: attributes.metadata().target().to_owned(),
            parent,
            fields,
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Vec::new();
        values.record(&mut FieldText(&mut fields));
        let mut state = self.lock();
        let id = span.into_u64();
        if let Some(span) = state.spans.iter_mut().find(|s| s.id == id) {
            span.fields.extend(fields);
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut FieldText(&mut fields));
        let mut state = self.lock();
        let spans = if event.is_contextual() {
            state.stack.clone()
        } else {
            event
                .parent()
                .map(|parent| state.lineage(parent.into_u64()))
                .unwrap_or_default()
        };
        let message = fields
            .iter()
            .find(|(name, _)| name == "message")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        state.events.push(EventRec {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message,
            fields,
            spans,
        });
    }

    fn enter(&self, span: &Id) {
        self.lock().stack.push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        let mut state = self.lock();
        if let Some(at) = state.stack.iter().rposition(|&entered| entered == id) {
            state.stack.remove(at);
        }
    }
}

/// An always-interested dispatcher registered for the life of the binary (never anyone's
/// default), so that callsite interest is computed over at least two dispatchers and never
/// cached as "never" from a thread without a subscriber.
static ANCHOR: LazyLock<Dispatch> = LazyLock::new(|| Dispatch::new(Capture::new(Arc::default())));

/// Runs `scenario` on a fresh current-thread runtime with a [`Capture`] as the thread's default
/// subscriber; returns its output and everything captured.
fn capture<F, Fut>(scenario: F) -> (Fut::Output, Captured)
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    LazyLock::force(&ANCHOR);
    let state = Arc::new(Mutex::new(Captured::default()));
    let output = tracing::subscriber::with_default(Capture::new(Arc::clone(&state)), || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let output = runtime.block_on(scenario());
        // Drop the server's tasks while the capture is still the default.
        drop(runtime);
        output
    });
    let captured = std::mem::take(&mut *state.lock().unwrap_or_else(PoisonError::into_inner));
    (output, captured)
}

// ---------------------------------------------------------------------------------------------
// Secret scanning.

/// The APIv3 key the clients are built with (32 bytes, as WeChat Pay requires).
const API_V3_KEY: &str = "Tr4cingSp4nApiV3KeyMustN0tLeak42";
/// How long a run of secret text counts as a leak.
const WINDOW: usize = 16;

/// Every 16-byte window of secret material, with what it belongs to.
struct Secrets {
    windows: HashMap<Vec<u8>, &'static str>,
}

/// The base64 body of a PEM (all lines between the armour lines, joined).
fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .map(str::trim)
        .collect()
}

impl Secrets {
    /// The merchant private key, the APIv3 key and the `signature` of every request received.
    fn new(requests: &[Recorded]) -> Self {
        let mut secrets = Secrets {
            windows: HashMap::new(),
        };
        // Windows that also occur in the public platform key and certificate are the fixed
        // rsaEncryption DER header every RSA key shares, not secret material.
        let public = format!(
            "{}\n{}",
            pem_body(&keys().platform_public_pem),
            pem_body(&keys().platform_cert_pem)
        );
        let private = pem_body(&keys().merchant_pem);
        let added = secrets.add_windows(&private, "merchant private key", |window| {
            !public.as_bytes().windows(WINDOW).any(|p| p == window)
        });
        assert!(
            added > 1000,
            "the private key body gives only {added} windows to look for"
        );
        secrets.add_windows(API_V3_KEY, "APIv3 key", |_| true);
        assert!(!requests.is_empty(), "no request reached the server");
        for request in requests {
            assert!(
                request.signature.len() > 300,
                "the server did not parse a signature out of {:?}",
                request.authorization
            );
            secrets.add_windows(&request.signature, "Authorization signature", |_| true);
        }
        secrets
    }

    fn add_windows(
        &mut self,
        secret: &str,
        label: &'static str,
        keep: impl Fn(&[u8]) -> bool,
    ) -> usize {
        let mut added = 0;
        for window in secret.as_bytes().windows(WINDOW).filter(|w| keep(w)) {
            self.windows.insert(window.to_vec(), label);
            added += 1;
        }
        added
    }

    /// Each text that contains secret material, with what it leaks.
    fn leaks<'t>(&self, texts: &'t [String]) -> Vec<(&'static str, &'t str)> {
        texts
            .iter()
            .filter_map(|text| {
                text.as_bytes()
                    .windows(WINDOW)
                    .find_map(|window| self.windows.get(window))
                    .map(|label| (*label, text.as_str()))
            })
            .collect()
    }

    /// Fails if any captured text, or any of `extra`, contains secret material.
    fn assert_no_leak(&self, captured: &Captured, extra: &[String]) {
        let mut texts = captured.texts();
        assert!(
            !texts.is_empty(),
            "nothing was captured, the scan would be vacuous"
        );
        texts.extend_from_slice(extra);
        let leaks = self.leaks(&texts);
        assert!(
            leaks.is_empty(),
            "secret material in the output: {leaks:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";
const SEND_TARGET: &str = "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons";
const PATH_TEMPLATE: &str = "/v3/marketing/favor/users/{openid}/coupons";
const CALL_SPAN: &str = "wechatpay.call";

/// A client for the test merchant with an APIv3 key and tiny retry backoffs.
fn builder(server: &FakeWechatPay) -> ClientBuilder {
    Client::builder()
        .mchid(MCHID)
        .merchant_serial(MERCHANT_SERIAL)
        .private_key_pem(&keys().merchant_pem)
        .platform_certificate_pem(&keys().platform_cert_pem)
        .api_v3_key(API_V3_KEY)
        .transport(server.clone())
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(5)),
        )
}

/// What one captured call left behind.
struct Run {
    result: Result<String, Error>,
    requests: Vec<Recorded>,
    client_debug: String,
    captured: Captured,
}

impl Run {
    /// The one `wechatpay.call` span.
    fn call_span(&self) -> &SpanRec {
        let spans = self.captured.spans_named(CALL_SPAN);
        assert_eq!(
            spans.len(),
            1,
            "expected exactly one {CALL_SPAN} span, got {spans:#?}"
        );
        spans[0]
    }

    /// The client's events inside the call span at `level`.
    fn client_events(&self, level: Level) -> Vec<&EventRec> {
        self.captured
            .events_in(self.call_span().id)
            .into_iter()
            .filter(|event| event.level == level && event.target.starts_with("wechatpay_apiv3"))
            .collect()
    }

    /// Scans everything the run produced for secrets.
    fn assert_no_leak(&self) {
        let mut extra = vec![self.client_debug.clone()];
        if let Err(error) = &self.result {
            extra.push(format!("{error}"));
            extra.push(format!("{error:?}"));
        }
        Secrets::new(&self.requests).assert_no_leak(&self.captured, &extra);
    }
}

/// Sends the generated `send_coupon` operation against `replies`, everything captured.
fn run(replies: Vec<Reply>) -> Run {
    let ((result, requests, client_debug), captured) = capture(|| async move {
        let server = FakeWechatPay::new();
        server.script(replies);
        let client = builder(&server).build().expect("client builds");
        let body = SendCouponBody::new(
            "9856000",
            "89560002019101000121",
            "wx233544546545989",
            "8956000",
        );
        let result = client
            .v3()
            .marketing()
            .favor()
            .users(OPENID)
            .coupons()
            .post(body)
            .await
            .map(|sent| sent.coupon_id);
        (result, server.requests(), format!("{client:?}"))
    });
    for request in &requests {
        assert_eq!(request.auth, Ok(()), "request not correctly signed");
        assert_eq!(request.target, SEND_TARGET);
    }
    Run {
        result,
        requests,
        client_debug,
        captured,
    }
}

/// The fields every call span carries from the start, whatever the outcome.
fn assert_identity(span: &SpanRec) {
    assert!(span.target.starts_with("wechatpay_apiv3"), "{span:?}");
    assert_eq!(span.values("operation"), ["send_coupon"], "{span:?}");
    assert_eq!(span.values("method"), ["POST"], "{span:?}");
    assert_eq!(span.values("path"), [PATH_TEMPLATE], "{span:?}");
    assert!(
        span.fields.iter().all(|(_, value)| !value.contains(OPENID)),
        "the concrete path leaked into the span instead of the template: {span:?}"
    );
}

#[test]
fn successful_call_records_one_span_with_every_field() {
    let reply = Reply::ok(200, r#"{"coupon_id":"9867041"}"#);
    let request_id = reply.request_id.clone();
    let run = run(vec![reply]);

    assert_eq!(
        run.result.as_deref().ok(),
        Some("9867041"),
        "{:?}",
        run.result
    );
    assert_eq!(run.requests.len(), 1);
    let span = run.call_span();
    assert_identity(span);
    assert_eq!(span.values("attempt"), ["1"], "{span:?}");
    assert_eq!(span.values("status"), ["200"], "{span:?}");
    assert_eq!(span.values("request_id"), [request_id.as_str()], "{span:?}");
    assert!(
        run.client_events(Level::WARN).is_empty() && run.client_events(Level::ERROR).is_empty(),
        "a clean call warned: {:#?}",
        run.captured.events
    );
    run.assert_no_leak();
}

#[test]
fn retried_call_records_the_attempt_and_warns() {
    let failed = Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#);
    let succeeded = Reply::ok(200, r#"{"coupon_id":"9867041"}"#);
    let ids = [failed.request_id.clone(), succeeded.request_id.clone()];
    let run = run(vec![failed, succeeded]);

    assert_eq!(
        run.result.as_deref().ok(),
        Some("9867041"),
        "{:?}",
        run.result
    );
    assert_eq!(run.requests.len(), 2);
    let span = run.call_span();
    assert_identity(span);
    assert_eq!(span.values("attempt"), ["1", "2"], "{span:?}");
    assert_eq!(span.values("status"), ["500", "200"], "{span:?}");
    assert_eq!(span.values("request_id"), ids, "{span:?}");
    assert_eq!(span.last("attempt"), Some("2"));

    let warnings = run.client_events(Level::WARN);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let warning = warnings[0];
    assert!(warning.message.contains("retrying"), "{warning:?}");
    assert_eq!(warning.field("attempt"), Some("1"), "{warning:?}");
    assert_eq!(warning.field("next_attempt"), Some("2"), "{warning:?}");
    let error = warning.field("error").unwrap_or_default();
    assert!(
        error.contains("HTTP 500") && error.contains(&ids[0]),
        "{warning:?}"
    );
    run.assert_no_leak();
}

#[test]
fn exhausted_retries_record_the_last_attempt_and_warn() {
    let replies: Vec<Reply> = (0..3)
        .map(|_| Reply::error(500, r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#))
        .collect();
    let last_id = replies[2].request_id.clone();
    let run = run(replies);

    let err = run.result.as_ref().expect_err("every attempt failed");
    assert_eq!(err.as_api().map(|api| api.status), Some(500));
    assert_eq!(run.requests.len(), 3);
    let span = run.call_span();
    assert_identity(span);
    assert_eq!(span.values("attempt"), ["1", "2", "3"], "{span:?}");
    assert_eq!(span.last("status"), Some("500"), "{span:?}");
    assert_eq!(span.last("request_id"), Some(last_id.as_str()), "{span:?}");

    let warnings = run.client_events(Level::WARN);
    assert_eq!(
        warnings.len(),
        3,
        "two retries and the final failure: {warnings:#?}"
    );
    let last = warnings[2];
    assert!(last.message.contains("after retrying"), "{last:?}");
    assert_eq!(last.field("attempt"), Some("3"), "{last:?}");
    assert!(
        last.field("error").unwrap_or_default().contains(&last_id),
        "{last:?}"
    );
    run.assert_no_leak();
}

#[test]
fn rejected_call_records_status_and_request_id_and_an_event() {
    let reply = Reply::error(
        400,
        r#"{"code":"PARAM_ERROR","message":"参数错误","detail":{"field":"/body/stock_id"}}"#,
    );
    let request_id = reply.request_id.clone();
    let run = run(vec![reply]);

    let err = run.result.as_ref().expect_err("400");
    assert_eq!(err.as_api().map(|api| api.status), Some(400));
    assert_eq!(run.requests.len(), 1, "a 400 is not retried");
    let span = run.call_span();
    assert_identity(span);
    assert_eq!(span.values("attempt"), ["1"], "{span:?}");
    assert_eq!(span.values("status"), ["400"], "{span:?}");
    assert_eq!(span.values("request_id"), [request_id.as_str()], "{span:?}");

    let failures: Vec<&EventRec> = run
        .captured
        .events_in(span.id)
        .into_iter()
        .filter(|event| event.message.contains("call failed"))
        .collect();
    assert_eq!(failures.len(), 1, "{:#?}", run.captured.events);
    let failure = failures[0];
    assert_eq!(failure.field("retryable"), Some("false"), "{failure:?}");
    let error = failure.field("error").unwrap_or_default();
    assert!(
        error.contains("HTTP 400") && error.contains("PARAM_ERROR") && error.contains(&request_id),
        "{failure:?}"
    );
    run.assert_no_leak();
}

#[test]
fn unverifiable_answer_records_status_and_request_id_and_an_event() {
    let reply = Reply::ok(200, r#"{"coupon_id":"100"}"#).signing(Signing::TamperBody);
    let request_id = reply.request_id.clone();
    let run = run(vec![reply]);

    match run.result.as_ref().expect_err("tampered body") {
        Error::Verification {
            kind,
            request_id: id,
        } => {
            assert_eq!(
                *kind,
                VerificationError::BadSignature {
                    serial: PLATFORM_SERIAL.into()
                }
            );
            assert_eq!(id.as_deref(), Some(request_id.as_str()));
        }
        other => panic!("expected a verification error, got {other:?}"),
    }
    assert_eq!(
        run.requests.len(),
        1,
        "a verification failure is not retried"
    );
    let span = run.call_span();
    assert_identity(span);
    assert_eq!(span.values("attempt"), ["1"], "{span:?}");
    assert_eq!(span.values("status"), ["200"], "{span:?}");
    assert_eq!(span.values("request_id"), [request_id.as_str()], "{span:?}");

    let failures: Vec<&EventRec> = run
        .captured
        .events_in(span.id)
        .into_iter()
        .filter(|event| event.message.contains("call failed"))
        .collect();
    assert_eq!(failures.len(), 1, "{:#?}", run.captured.events);
    let error = failures[0].field("error").unwrap_or_default();
    assert!(
        error.contains("verification") && error.contains(&request_id),
        "{:?}",
        failures[0]
    );
    // A 2xx that does not verify may be tampering: it is logged at warn, not only at debug.
    assert_eq!(failures[0].level, Level::WARN, "{:?}", failures[0]);
    run.assert_no_leak();
}

// ---------------------------------------------------------------------------------------------
// Controls: the capture and the scan can fail.

#[test]
fn capture_sees_span_fields_records_and_events_in_their_span() {
    let ((), captured) = capture(|| async {
        let span = tracing::info_span!(
            "probe",
            name = "x",
            count = 7_u32,
            later = tracing::field::Empty
        );
        async {
            span.record("later", "first");
            span.record("later", "second");
            tracing::warn!(error = %"boom", "inside {}", 3);
        }
        .instrument(span.clone())
        .await;
        tracing::debug!(outside = true, "after");
    });
    let spans = captured.spans_named("probe");
    assert_eq!(spans.len(), 1, "{captured:#?}");
    let span = spans[0];
    assert_eq!(span.values("name"), ["x"]);
    assert_eq!(span.values("count"), ["7"]);
    assert_eq!(span.values("later"), ["first", "second"]);

    let inside = captured.events_in(span.id);
    assert_eq!(inside.len(), 1, "{captured:#?}");
    assert_eq!(inside[0].level, Level::WARN);
    assert_eq!(inside[0].message, "inside 3");
    assert_eq!(inside[0].field("error"), Some("boom"));
    let after = captured
        .events
        .iter()
        .find(|event| event.message == "after")
        .expect("the event outside the span is captured");
    assert!(!after.spans.contains(&span.id), "{after:?}");
    assert_eq!(after.field("outside"), Some("true"));
}

/// A signature as the server would record it, for the scan controls.
const FAKE_SIGNATURE: &str = "c2lnbmF0dXJlLW9mLWEtcmVxdWVzdC10aGF0LW11c3Qtbm90LWxlYWsK";

/// The secrets of the scan controls: the real keys and a made-up request signature.
fn control_secrets() -> (Secrets, String) {
    let signature = FAKE_SIGNATURE.repeat(6);
    let request = Recorded {
        method: "POST".into(),
        host: "api.mch.weixin.qq.com".into(),
        target: SEND_TARGET.into(),
        body: Vec::new(),
        headers: Default::default(),
        authorization: format!("WECHATPAY2-SHA256-RSA2048 signature=\"{signature}\""),
        nonce: String::new(),
        timestamp: String::new(),
        signature: signature.clone(),
        auth: Ok(()),
    };
    (Secrets::new(&[request]), signature)
}

#[test]
fn leak_scan_flags_a_chunk_of_each_secret() {
    assert_eq!(API_V3_KEY.len(), 32, "an APIv3 key is 32 bytes");
    let (secrets, signature) = control_secrets();
    let private = pem_body(&keys().merchant_pem);
    let middle = private.len() / 2;
    let texts = [
        format!("key … {} …", &private[middle..middle + WINDOW]),
        format!("apiv3 {}", &API_V3_KEY[8..8 + WINDOW]),
        format!("auth {}", &signature[100..100 + WINDOW]),
        format!("clean {}", &private[middle..middle + WINDOW - 1]),
        "nothing to see: send_coupon POST /v3/marketing/favor/users/{openid}/coupons".to_owned(),
    ];
    let leaks: Vec<&str> = secrets
        .leaks(&texts)
        .into_iter()
        .map(|(label, _)| label)
        .collect();
    assert_eq!(
        leaks,
        [
            "merchant private key",
            "APIv3 key",
            "Authorization signature"
        ]
    );
}

#[test]
fn leak_scan_sees_secrets_that_reach_the_capture() {
    let (secrets, signature) = control_secrets();
    let private = pem_body(&keys().merchant_pem);
    let ((), captured) = capture(|| async {
        let span = tracing::info_span!("leaky", key = &API_V3_KEY[..WINDOW]);
        let _entered = span.enter();
        tracing::trace!(header = %signature, "signed");
        tracing::error!("oops {}", &private[200..200 + WINDOW]);
    });
    let mut leaks: Vec<&str> = secrets
        .leaks(&captured.texts())
        .into_iter()
        .map(|(label, _)| label)
        .collect();
    leaks.sort_unstable();
    assert_eq!(
        leaks,
        [
            "APIv3 key",
            "Authorization signature",
            "merchant private key"
        ]
    );
    assert!(
        std::panic::catch_unwind(|| secrets.assert_no_leak(&captured, &[])).is_err(),
        "the scan let a leak through"
    );
    let empty = Captured::default();
    assert!(
        std::panic::catch_unwind(|| secrets.assert_no_leak(&empty, &[])).is_err(),
        "an empty capture must not pass the scan"
    );
}
