//! Request handling: one handler sees every request, finds where it goes, applies faults,
//! authenticates, runs the operation and signs the answer.
//!
//! The order for an API request is: read the raw request-target and body → resolve (the
//! generated route table, or an endpoint outside the spec) → take a fault → (before-processing
//! fault) → for an upload, its multipart body parsed (axum's `Multipart`) → authenticate →
//! decode, validate and handle through the generated `dispatch` → (after-processing fault) →
//! sign (and shape). Unknown paths get `404 NOT_FOUND` and known paths with another method
//! `405` (with `Allow`), without authentication, like a gateway.
//! Files are outside the faults and unsigned: a flow file is served to anyone with its link, a
//! bill file (`GET /v3/billdownload/file`) only to the authenticated merchant that applied.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::Response;
use wechatpay_apiv3::api::server::dispatch;
use wechatpay_apiv3::auth::HEADER_SERIAL;

use crate::app::App;
use crate::certificates;
use crate::faults::{Fault, FaultPhase};
use crate::form;
use crate::listener::Connection;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail, Reply};
use crate::routes::{self, Target};

/// The router: a single fallback handler, so that nothing (no path normalisation, no
/// extractor) touches the request before the raw target is read. Its `DefaultBodyLimit` is the
/// sandbox's own, for the `Multipart` extractor an upload's body goes through (axum's default,
/// 2 MB, is below the spec's largest upload with its framing).
pub(crate) fn router(app: Arc<App>) -> Router {
    let limit = DefaultBodyLimit::max(app.max_body_bytes);
    Router::new().fallback(handle).layer(limit).with_state(app)
}

/// What the handler knows about the request being answered, for signing and logging.
struct Exchange {
    peer: Option<std::net::SocketAddr>,
    method: String,
    target: String,
    request_serial: Option<String>,
    request_id: String,
    fault: Option<(Fault, FaultPhase)>,
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|info| info.0.clone());
    let (parts, body) = request.into_parts();
    // The request-target exactly as received: never decoded, re-encoded or reordered.
    let target = raw_target(&parts.uri);
    let path = parts.uri.path().to_owned();
    let mut exchange = Exchange {
        peer: connection.as_ref().map(|c| c.peer),
        method: parts.method.as_str().to_owned(),
        target,
        request_serial: parts
            .headers
            .get(HEADER_SERIAL)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        request_id: app.signer.next_request_id(),
        fault: None,
    };
    let body = match axum::body::to_bytes(body, app.max_body_bytes).await {
        Ok(body) => body,
        Err(e) => {
            let failure =
                ApiFailure::param(format!("请求体无法读取或超过 {} 字节", app.max_body_bytes))
                    .detail(ErrorDetail::at("body", "/").issue(e.to_string()));
            return finish(&app, &exchange, failure.into(), None);
        }
    };
    // Kept apart from `exchange` (which the fault below updates): the matched request borrows it.
    let raw = exchange.target.clone();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let target = routes::resolve(&app, &parts.method, &path, &raw, &body, content_type);
    let operation = match target {
        Target::Download => {
            let response = routes::download(&app, &exchange.target);
            log(&app, &exchange, response.status().as_str(), None);
            return response;
        }
        Target::BillFile => {
            let response = match app.auth.authenticate(
                &exchange.method,
                &exchange.target,
                &parts.headers,
                &body,
            ) {
                Ok(caller) => routes::bill_file(&app, &caller, &exchange.target),
                Err(failure) => Err(failure),
            };
            return match response {
                Ok(response) => {
                    log(&app, &exchange, response.status().as_str(), None);
                    response
                }
                Err(failure) => finish(&app, &exchange, failure.into(), None),
            };
        }
        Target::Admin => {
            let reply = routes::admin(&app, &parts.method, &path, &exchange.target, &body);
            return finish(&app, &exchange, reply, None);
        }
        ref other => other.operation(),
    };

    exchange.fault = app.faults.take(operation, &exchange.method, &path);
    if let Some((fault, FaultPhase::BeforeProcessing)) = exchange.fault {
        match fault {
            Fault::Status500 => return finish(&app, &exchange, ApiFailure::system().into(), None),
            Fault::RateLimited => return finish(&app, &exchange, rate_limited(), None),
            Fault::ConnectionReset => return cut(&app, &exchange, connection.as_ref()),
            Fault::Delay(delay) => tokio::time::sleep(delay).await,
            _ => {}
        }
    }

    // An upload's body is parsed here, by the framework, and its parts handed to the request.
    let received;
    let target = match target {
        Target::Spec(request) if request.route().upload.is_some() => {
            received = form::read(&parts, &body).await;
            match received.form() {
                Some(form) => Target::Spec(request.with_form(form)),
                None => Target::Spec(request),
            }
        }
        other => other,
    };
    let reply = process(&app, &exchange, target, &path, &parts.headers, &body);

    let mut shape = None;
    match exchange.fault {
        Some((fault, FaultPhase::AfterProcessing)) => match fault {
            Fault::Status500 => return finish(&app, &exchange, ApiFailure::system().into(), None),
            Fault::RateLimited => return finish(&app, &exchange, rate_limited(), None),
            Fault::ConnectionReset => return cut(&app, &exchange, connection.as_ref()),
            Fault::Delay(delay) => tokio::time::sleep(delay).await,
            other => shape = Some(other),
        },
        Some((fault, FaultPhase::BeforeProcessing)) if fault.shapes_response() => {
            shape = Some(fault);
        }
        _ => {}
    }
    finish(&app, &exchange, reply, shape)
}

fn raw_target(uri: &Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path(), |pq| pq.as_str())
        .to_owned()
}

/// Authenticates and runs an API request.
fn process(
    app: &App,
    exchange: &Exchange,
    target: Target<'_>,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Reply {
    let caller: Caller = match &target {
        Target::NotFound | Target::Admin | Target::Download | Target::BillFile => {
            return ApiFailure::not_found(&exchange.method, path).into();
        }
        Target::WrongMethod { allow, .. } => {
            let reply: Reply = ApiFailure::method_not_allowed(&exchange.method, allow).into();
            return match HeaderValue::from_str(allow) {
                Ok(allow) => reply.header(ALLOW, allow),
                Err(_) => reply,
            };
        }
        Target::Spec(_) | Target::Certificates => {
            let signed = match signed_bytes(&target, body) {
                Ok(signed) => signed,
                Err(failure) => return failure.into(),
            };
            match app
                .auth
                .authenticate(&exchange.method, &exchange.target, headers, signed)
            {
                Ok(caller) => caller,
                Err(failure) => return failure.into(),
            }
        }
    };
    match target {
        Target::Spec(request) => match dispatch(app, &caller, &request) {
            Ok(answer) => answer.into(),
            Err(failure) => failure.into(),
        },
        Target::Certificates => certificates::download(app),
        _ => ApiFailure::not_found(&exchange.method, path).into(),
    }
}

/// The body line of the request's signature: the body, or for an upload its `meta` part as
/// received (the official SDKs sign the `meta` JSON, not the multipart body). An upload whose
/// parts cannot be found is a `400 PARAM_ERROR`: there is nothing to check the signature over.
fn signed_bytes<'b>(target: &Target<'b>, body: &'b [u8]) -> Result<&'b [u8], ApiFailure> {
    match target {
        Target::Spec(request) if request.route().upload.is_some() => {
            Ok(request.upload()?.meta_json)
        }
        _ => Ok(body),
    }
}

fn rate_limited() -> Reply {
    let reply: Reply = ApiFailure::rate_limited().into();
    reply.header(RETRY_AFTER, HeaderValue::from_static("0"))
}

/// Cuts the connection: the response returned here is never written.
fn cut(app: &App, exchange: &Exchange, connection: Option<&Connection>) -> Response {
    match connection {
        Some(connection) => {
            connection.cut();
            log(app, exchange, "connection cut, no response", None);
            finish_quietly(app, exchange, ApiFailure::system().into())
        }
        // Only reachable if the router is served by something else than `Sandbox::start`.
        None => finish(app, exchange, ApiFailure::system().into(), None),
    }
}

fn finish(app: &App, exchange: &Exchange, reply: Reply, shape: Option<Fault>) -> Response {
    let summary = summary(&reply);
    let response = app.signer.sign(
        reply,
        exchange.request_serial.as_deref(),
        &exchange.request_id,
        shape,
    );
    log(app, exchange, &summary, shape);
    response
}

fn finish_quietly(app: &App, exchange: &Exchange, reply: Reply) -> Response {
    app.signer.sign(
        reply,
        exchange.request_serial.as_deref(),
        &exchange.request_id,
        None,
    )
}

/// `200`, or `400 PARAM_ERROR` for an error body.
fn summary(reply: &Reply) -> String {
    let code = if reply.status.is_success() {
        None
    } else {
        serde_json::from_slice::<serde_json::Value>(&reply.body)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
    };
    match code {
        Some(code) => format!("{} {code}", reply.status.as_u16()),
        None => reply.status.as_u16().to_string(),
    }
}

fn log(app: &App, exchange: &Exchange, outcome: &str, shape: Option<Fault>) {
    let fault = exchange
        .fault
        .map(|(fault, phase)| format!(" [fault {fault}, {phase:?}]"))
        .or_else(|| shape.map(|fault| format!(" [fault {fault}]")))
        .unwrap_or_default();
    tracing::info!(
        peer = ?exchange.peer,
        method = %exchange.method,
        target = %exchange.target,
        request_id = %exchange.request_id,
        outcome,
        fault = %fault,
        "sandbox request"
    );
    if app.log_requests {
        eprintln!(
            "{} {} -> {outcome} (Request-ID {}){fault}",
            exchange.method, exchange.target, exchange.request_id
        );
    }
}
