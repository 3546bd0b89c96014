//! The running sandbox: [`Sandbox::start`] binds, builds the shared state and serves; the
//! handle gives clients everything they need and drives the sandbox from tests.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wechatpay_apiv3::api::Coupon;

use crate::app::{App, SpecAnswers};
use crate::config::{ResponseSigning, SandboxConfig};
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::keys::SandboxKeys;
use crate::listener::{Connection, SandboxListener};
use crate::protocol::{Authenticator, ResponseSigner};
use crate::state::SandboxState;
use crate::stocks::default_stocks;
use crate::{notifier, server};

/// How long [`Sandbox::shutdown`] waits for open connections before closing them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running sandbox. Dropping it (or calling [`Sandbox::shutdown`]) stops the server.
///
/// # Send coupon
///
/// `POST /v3/marketing/favor/users/{openid}/coupons`, body [`SendCouponBody`]. Checks, in
/// order (each failure is the first that applies):
///
/// 1. `openid` percent-decodes to UTF-8 and is present → else `400 PARAM_ERROR`,
///    `detail.location = "uri_template"`.
/// 2. The body is JSON of the generated `SendCouponBody` shape → else `400 PARAM_ERROR`
///    (a missing field is named in `detail.field`).
/// 3. The generated `validate()` passes for the path and the body (the spec's lengths,
///    charsets and ranges) → else `400 PARAM_ERROR` with `detail {field: "/stock_id", value,
///    issue, location: "body"}` (`field: "openid"`, `location: "uri_template"` for the path).
/// 4. Idempotency on (calling merchant, `stock_creator_mchid`, `out_request_no`): the same
///    request again → `200` with the *same* `coupon_id`, even after the budget ran out or the
///    stock was paused; the same key with any other difference (openid, stock_id, appid,
///    coupon_value, coupon_minimum) → `400 RESOURCE_ALREADY_EXISTS 创建请求重入，但本次请求与上次请求信息不一致`
///    naming the differing field.
/// 5. Unknown stock → `404 RESOURCE_NOT_EXISTS 批次不存在`.
/// 6. `stock_creator_mchid` is not the stock's creator → `400 INVALID_REQUEST 非法的商户号…`.
/// 7. The caller is neither the creator nor an authorized sender → `403 REQUEST_BLOCKED`.
/// 8. The stock is not running or outside its availability window →
///    `400 INVALID_REQUEST 活动已结束或未激活`.
/// 9. `coupon_value` / `coupon_minimum`, when sent, differ from the stock's → `400 PARAM_ERROR`.
/// 10. The user already holds `max_coupons_per_user` → `403 REQUEST_BLOCKED 用户被限领拦截`.
/// 11. The budget is used up → `403 NOT_ENOUGH 批次预算不足`.
///
/// Then a coupon with a fresh numeric ID is issued, atomically with the checks.
///
/// # List coupons
///
/// `GET /v3/marketing/favor/users/{openid}/coupons?appid=…`, query decoded from the raw query
/// string into the generated `ListCouponsByFilterQuery` and checked with its `validate()`.
/// `appid` missing → `400 PARAM_ERROR appid 必填`; `limit` above the spec's maximum →
/// `400 PARAM_ERROR 页大小超过阈值` (the page size of every paginated operation says so); a
/// repeated parameter or a `status` the spec does not list → `400 PARAM_ERROR`.
/// Only coupons sent under that `appid` are seen. Filters: `stock_id`, `creator_mchid`,
/// `sender_mchid` (all that are given apply; with none of the three merchant filters, the
/// coupons the caller created or sent); `status=SENDED` → usable coupons, `USED` → usable and
/// used ones, absent → all; `business_type=MULTIUSE` → none (the sandbox has no 消费金).
/// With `available_mchid`, `stock_id`, `status`, `offset` and `limit` are ignored and every
/// usable coupon at that merchant is returned (`offset` 0, `limit` = the count). `offset` is
/// a page index (page `offset` of size `limit`, the spec's default when absent), `total_count` the number of
/// matches. Coupons are in issue order and render with `coupon_id`, `out_request_no`,
/// `create_time` (RFC 3339, +08:00), availability and activation times, `no_cash`,
/// `singleitem`, and `normal_coupon_information` or `cut_to_message` by stock type
/// (`consume_information` once used). An empty page still carries `"data":[]`.
///
/// [`SendCouponBody`]: wechatpay_apiv3::api::SendCouponBody
pub struct Sandbox {
    base_url: String,
    local_addr: SocketAddr,
    /// Shared with the server; crate-visible for the `impl Sandbox` blocks of other modules
    /// (notifications).
    pub(crate) app: Arc<App>,
    response_signing: ResponseSigning,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("keys", &self.app.keys)
            .field("response_signing", &self.response_signing)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox on the current tokio runtime and returns once it accepts connections.
    ///
    /// Without keys in the configuration, a fresh key set is generated first (on a blocking
    /// thread; about a second).
    ///
    /// # Errors
    /// [`SandboxError::Runtime`] outside a tokio runtime, [`SandboxError::Bind`] when the
    /// address is taken, [`SandboxError::Config`] for an invalid stock, and key generation
    /// errors.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| {
            SandboxError::Runtime(format!("Sandbox::start needs a tokio runtime: {e}"))
        })?;
        let keys = match config.keys.clone() {
            Some(keys) => keys,
            None => {
                let mchid = config.mchid.clone();
                runtime
                    .spawn_blocking(move || SandboxKeys::generate_for(&mchid))
                    .await
                    .map_err(|e| SandboxError::Runtime(format!("key generation task: {e}")))??
            }
        };
        let mut stocks = if config.default_stocks {
            default_stocks(keys.mchid())
        } else {
            Vec::new()
        };
        stocks.extend(config.stocks.iter().cloned());
        config.spec_answers.check()?;
        let state = SandboxState::new(keys.mchid(), Arc::clone(&config.clock), stocks)?;

        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: config.addr.to_string(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: config.addr.to_string(),
            source,
        })?;
        let mut advertised = local_addr;
        if advertised.ip().is_unspecified() {
            advertised.set_ip(if advertised.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }

        let notifier = notifier::Notifier::new(
            &config.notify,
            keys.clone(),
            config.response_signing,
            Arc::clone(&config.clock),
            runtime.clone(),
        )?;
        let app = Arc::new(App {
            auth: Authenticator::new(keys.clone(), Arc::clone(&config.clock)),
            signer: ResponseSigner::new(
                keys.clone(),
                config.response_signing,
                Arc::clone(&config.clock),
            ),
            keys,
            state,
            faults: Faults::default(),
            serve_platform_certificates: config.serve_platform_certificates,
            log_requests: config.log_requests,
            max_body_bytes: config.max_body_bytes,
            notifier,
            base_url: format!("http://{advertised}"),
            router: wechatpay_apiv3::server::Router::new(&wechatpay_apiv3::api::server::SCHEMA),
            spec_answers: std::sync::Mutex::new(config.spec_answers.clone()),
            refund_settle_delay: config.refund_settle_delay,
        });
        let service =
            server::router(Arc::clone(&app)).into_make_service_with_connect_info::<Connection>();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        let task = runtime.spawn(async move {
            let serve = axum::serve(SandboxListener::new(listener), service)
                .with_graceful_shutdown(async move {
                    // A dropped sender also means "stop".
                    let _ = shutdown_rx.await;
                });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "sandbox server stopped");
            }
        });
        tracing::info!(addr = %local_addr, mchid = app.keys.mchid(), "sandbox listening");
        Ok(Sandbox {
            base_url: format!("http://{advertised}"),
            local_addr,
            app,
            response_signing: config.response_signing,
            shutdown: Some(shutdown_tx),
            task: Some(task),
        })
    }

    /// The base URL to give a client, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The whole key set.
    pub fn keys(&self) -> &SandboxKeys {
        &self.app.keys
    }

    /// The merchant ID requests must be signed for.
    pub fn mchid(&self) -> &str {
        self.app.keys.mchid()
    }

    /// The merchant API private key (PKCS#8 PEM) the client signs with.
    pub fn merchant_private_key_pem(&self) -> &str {
        self.app.keys.merchant_private_key_pem()
    }

    /// The merchant API certificate serial the client's `serial_no` must be.
    pub fn merchant_serial(&self) -> &str {
        self.app.keys.merchant_serial()
    }

    /// The platform certificate (PEM) for a client in platform-certificate mode.
    pub fn platform_certificate_pem(&self) -> &str {
        self.app.keys.platform_certificate_pem()
    }

    /// The platform certificate serial.
    pub fn platform_serial(&self) -> &str {
        self.app.keys.platform_serial()
    }

    /// The WeChat Pay public key (SubjectPublicKeyInfo PEM) for a client in public-key mode.
    pub fn public_key_pem(&self) -> &str {
        self.app.keys.public_key_pem()
    }

    /// The WeChat Pay public key ID (`PUB_KEY_ID_…`).
    pub fn public_key_id(&self) -> &str {
        self.app.keys.public_key_id()
    }

    /// The 32-character APIv3 key (decrypts `/v3/certificates`).
    pub fn api_v3_key(&self) -> &str {
        self.app.keys.api_v3_key()
    }

    /// Which serial responses carry.
    pub fn response_signing(&self) -> ResponseSigning {
        self.response_signing
    }

    /// The serial responses to a request without `Wechatpay-Serial` are signed under.
    pub fn response_serial(&self) -> &str {
        self.app.signer.serial_for(None)
    }

    /// Fault injection.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// Stocks and coupons, for inspection and set-up.
    pub fn state(&self) -> &SandboxState {
        &self.app.state
    }

    /// Which operations answer from the spec instead of from the sandbox's state.
    pub fn spec_answers(&self) -> SpecAnswers {
        self.app.spec_answers()
    }

    /// Changes which operations answer from the spec, while the sandbox runs (what
    /// `PUT /sandbox/spec-answers` does).
    ///
    /// # Errors
    /// [`SandboxError::Config`] for an operation id that is not in the spec.
    pub fn set_spec_answers(&self, answers: SpecAnswers) -> Result<(), SandboxError> {
        self.app.set_spec_answers(answers)
    }

    /// Marks a coupon used (已实扣), as if the user had paid with it, and sends its
    /// `COUPON.USE` notification to the notify URL, if one is set ([`Sandbox::notifications`]);
    /// see [`SandboxState::consume`].
    ///
    /// # Errors
    /// As [`SandboxState::consume`].
    pub fn consume(&self, openid: &str, coupon_id: &str) -> Result<Coupon, SandboxError> {
        self.app.consume(openid, coupon_id)
    }

    /// The user pays the order `out_trade_no`, as WeChat Pay's cashier would after
    /// `wx.requestPayment`: the order becomes `SUCCESS` with a `transaction_id`, a `payer`
    /// (the JSAPI `payer`, else `openid`, else a fixed sandbox openid) and a `success_time`, its
    /// amount is credited to the refundable balance, and a signed, encrypted
    /// `TRANSACTION.SUCCESS` goes to the order's `notify_url` ([`Sandbox::notifications`]).
    /// `POST /sandbox/orders/pay` does the same.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] with `ORDER_NOT_EXIST`, `ORDER_CLOSED` (closed, or past its
    /// `time_expire`) or `ORDER_PAID`.
    pub fn pay(
        &self,
        out_trade_no: &str,
        openid: Option<&str>,
    ) -> Result<wechatpay_apiv3::api::Transaction, SandboxError> {
        self.app
            .pay(out_trade_no, openid)
            .map_err(SandboxError::refused)
    }

    /// Ends the `PROCESSING` refund `out_refund_no` now as `to` (`SUCCESS`, `ABNORMAL` or
    /// `CLOSED`) and sends its `REFUND.*` notification to the refund's `notify_url`. Without
    /// this, refunds succeed by themselves after
    /// [`SandboxConfig::refund_settle_delay`]. `POST /sandbox/refunds/settle` does the same.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] for an unknown refund or one that is not processing.
    pub fn settle_refund(
        &self,
        out_refund_no: &str,
        to: wechatpay_apiv3::api::RefundStatus,
    ) -> Result<wechatpay_apiv3::api::Refund, SandboxError> {
        self.app
            .settle_refund(out_refund_no, to)
            .map_err(SandboxError::refused)
    }

    /// Stops accepting connections, lets requests in flight finish (up to five seconds), then
    /// closes everything.
    pub async fn shutdown(mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(signal) = self.shutdown.take() {
            let _ = signal.send(());
        }
        if let Some(task) = self.task.take() {
            // The listener closes at once; open connections are told to shut down gracefully.
            task.abort();
        }
    }
}
