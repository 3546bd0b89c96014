//! Request handling: one handler sees every request, routes it, applies faults, authenticates,
//! runs the operation and signs the answer.
//!
//! The order for an API request is: read the raw request-target and body → route → take a
//! fault → (before-processing fault) → authenticate → operation → (after-processing fault) →
//! sign (and shape). Unknown paths get `404 NOT_FOUND` without authentication, like a gateway.

mod admin;
mod callbacks;
mod coupons;
mod favor;
mod flows;
mod input;
mod stocks;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use wechatpay_apiv3::Operation as _;
use wechatpay_apiv3::api::{ErrorCode, ListCouponsByFilter, SendCoupon};
use wechatpay_apiv3::auth::HEADER_SERIAL;

use crate::certificates;
use crate::faults::{Fault, FaultPhase, Faults};
use crate::keys::SandboxKeys;
use crate::protocol::{Authenticator, Caller, ResponseSigner};
use crate::reply::{ApiFailure, ErrorDetail, Reply};
use crate::server::Connection;
use crate::state::SandboxState;

/// The operation ID of send coupon, from the spec.
pub const SEND_COUPON: &str = SendCoupon::META.id;
/// The operation ID of list coupons, from the spec.
pub const LIST_COUPONS: &str = ListCouponsByFilter::META.id;
/// The operation ID of `GET /v3/certificates` (not in the spec; wechatpay-go's name).
pub const DOWNLOAD_CERTIFICATES: &str = "download_certificates";
/// The operation ID of a flow file download (`GET /mkt/storage/bill/download`; not in the
/// spec). Faults never apply to it.
pub const DOWNLOAD_FLOW_FILE: &str = "download_flow_file";
/// The operation ID faults see for paths the sandbox does not serve.
pub const UNKNOWN_OPERATION: &str = "unknown";

/// Everything a request needs, shared by all connections.
pub(crate) struct App {
    pub(crate) keys: SandboxKeys,
    pub(crate) auth: Authenticator,
    pub(crate) signer: ResponseSigner,
    pub(crate) state: SandboxState,
    pub(crate) faults: Faults,
    pub(crate) serve_platform_certificates: bool,
    pub(crate) log_requests: bool,
    pub(crate) max_body_bytes: usize,
    /// `COUPON.USE` notification delivery.
    pub(crate) notifier: crate::notifier::Notifier,
    /// The base URL clients reach the sandbox at (for the flow download links).
    pub(crate) base_url: String,
}

/// The router: a single fallback handler, so that nothing (no path normalisation, no
/// extractor) touches the request before the raw target is read.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

/// Where a request goes. Path parameters stay raw (percent-encoded) here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    SendCoupon {
        openid: &'a str,
    },
    ListCoupons {
        openid: &'a str,
    },
    Certificates,
    /// One of the operations of [`favor`].
    Favor(favor::FavorRoute<'a>),
    /// A flow file ([`flows::download`]): unauthenticated and unsigned.
    Download,
    Admin,
    WrongMethod {
        operation: &'static str,
        allow: &'static str,
    },
    NotFound,
}

impl Route<'_> {
    fn operation(&self) -> &'static str {
        match self {
            Route::SendCoupon { .. } => SEND_COUPON,
            Route::ListCoupons { .. } => LIST_COUPONS,
            Route::Certificates => DOWNLOAD_CERTIFICATES,
            Route::Favor(route) => route.operation(),
            Route::Download => DOWNLOAD_FLOW_FILE,
            Route::WrongMethod { operation, .. } => operation,
            Route::Admin | Route::NotFound => UNKNOWN_OPERATION,
        }
    }
}

fn resolve<'a>(method: &Method, path: &'a str) -> Route<'a> {
    if path == "/sandbox" || path.starts_with("/sandbox/") {
        return Route::Admin;
    }
    if path == flows::DOWNLOAD_PATH && method == Method::GET {
        return Route::Download;
    }
    if let Some(route) = favor::resolve(method, path) {
        return route;
    }
    if path == "/v3/certificates" {
        return if method == Method::GET {
            Route::Certificates
        } else {
            Route::WrongMethod {
                operation: DOWNLOAD_CERTIFICATES,
                allow: "GET",
            }
        };
    }
    if let Some(openid) = path
        .strip_prefix("/v3/marketing/favor/users/")
        .and_then(|rest| rest.strip_suffix("/coupons"))
        .filter(|openid| !openid.contains('/'))
    {
        return match *method {
            Method::POST => Route::SendCoupon { openid },
            Method::GET => Route::ListCoupons { openid },
            _ => Route::WrongMethod {
                operation: SEND_COUPON,
                allow: "GET, POST",
            },
        };
    }
    Route::NotFound
}

/// What the handler knows about the request being answered, for signing and logging.
struct Exchange {
    peer: Option<std::net::SocketAddr>,
    method: String,
    uri: Uri,
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
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str())
        .to_owned();
    let path = parts.uri.path().to_owned();
    let mut exchange = Exchange {
        peer: connection.as_ref().map(|c| c.peer),
        method: parts.method.as_str().to_owned(),
        uri: parts.uri.clone(),
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
    let route = resolve(&parts.method, &path);
    if route == Route::Download {
        let response = flows::download(&app, &exchange.target);
        log(&app, &exchange, response.status().as_str(), None);
        return response;
    }
    if route == Route::Admin {
        let reply = admin::handle(&app, &parts.method, &path, &exchange.target, &body);
        return finish(&app, &exchange, reply, None);
    }

    exchange.fault = app.faults.take(route.operation(), &exchange.method, &path);
    if let Some((fault, FaultPhase::BeforeProcessing)) = exchange.fault {
        match fault {
            Fault::Status500 => return finish(&app, &exchange, ApiFailure::system().into(), None),
            Fault::RateLimited => return finish(&app, &exchange, rate_limited(), None),
            Fault::ConnectionReset => return cut(&app, &exchange, connection.as_ref()),
            Fault::Delay(delay) => tokio::time::sleep(delay).await,
            _ => {}
        }
    }

    let reply = process(&app, route, &exchange, &parts.headers, &body);

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

/// Authenticates and runs an API request.
fn process(
    app: &App,
    route: Route<'_>,
    exchange: &Exchange,
    headers: &HeaderMap,
    body: &Bytes,
) -> Reply {
    let path = exchange.target.split('?').next().unwrap_or_default();
    let authenticate = || -> Result<Caller, ApiFailure> {
        app.auth
            .authenticate(&exchange.method, &exchange.target, headers, body)
    };
    let caller = match route {
        Route::NotFound => return ApiFailure::not_found(&exchange.method, path).into(),
        Route::WrongMethod { allow, .. } => {
            let reply: Reply = ApiFailure::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::Unknown("METHOD_NOT_ALLOWED".to_owned()),
                format!("不支持的请求方法 {}，应为 {allow}", exchange.method),
            )
            .into();
            return reply.header(ALLOW, HeaderValue::from_static(allow));
        }
        Route::Admin => return ApiFailure::not_found(&exchange.method, path).into(),
        _ => match authenticate() {
            Ok(caller) => caller,
            Err(failure) => return failure.into(),
        },
    };
    match route {
        Route::SendCoupon { openid } => coupons::send(app, &caller, openid, body),
        Route::ListCoupons { openid } => coupons::list(app, &caller, openid, &exchange.uri),
        Route::Certificates => certificates::download(app),
        Route::Favor(route) => favor::dispatch(app, &caller, route, &exchange.uri, body),
        _ => ApiFailure::not_found(&exchange.method, path).into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve() {
        let coupons = "/v3/marketing/favor/users/o%27x/coupons";
        assert_eq!(
            resolve(&Method::POST, coupons),
            Route::SendCoupon { openid: "o%27x" }
        );
        assert_eq!(
            resolve(&Method::GET, coupons),
            Route::ListCoupons { openid: "o%27x" }
        );
        assert!(matches!(
            resolve(&Method::DELETE, coupons),
            Route::WrongMethod { .. }
        ));
        assert_eq!(
            resolve(&Method::GET, "/v3/marketing/favor/users//coupons"),
            Route::ListCoupons { openid: "" }
        );
        assert_eq!(
            resolve(&Method::GET, "/v3/marketing/favor/users/a/b/coupons"),
            Route::NotFound
        );
        assert_eq!(
            resolve(&Method::GET, "/v3/certificates"),
            Route::Certificates
        );
        assert_eq!(resolve(&Method::GET, "/sandbox/faults"), Route::Admin);
        assert_eq!(resolve(&Method::GET, "/sandboxes"), Route::NotFound);
        assert_eq!(resolve(&Method::GET, "/"), Route::NotFound);
        assert_eq!(SEND_COUPON, "send_coupon");
        assert_eq!(LIST_COUPONS, "list_coupons_by_filter");
    }
}
