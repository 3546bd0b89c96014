//! The part to copy into a merchant's server: an axum endpoint that receives `COUPON.USE`
//! (代金券核销通知). It depends only on `wechatpay-apiv3` and axum; the sandbox is in `main.rs`.
//!
//! For each POST, [`NotificationHandler::handle_http`] verifies the `Wechatpay-*` signature
//! over the raw body bytes (before anything is parsed), decrypts the resource with the APIv3
//! key and decodes it into the generated [`NotificationResource`]. Then the endpoint records the
//! used coupon and acknowledges (`204`). A notification that fails verification or decryption
//! is answered `{"code":"FAIL",…}` with a 4xx/5xx, so WeChat Pay sends it again later; nothing of
//! it is recorded.
//!
//! WeChat Pay may deliver the same notification more than once (it retries until acknowledged),
//! so recording is idempotent, keyed by the coupon ID; and it expects an answer within five
//! seconds, so the handler does nothing slow (hand heavy work to a queue).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use wechatpay_apiv3::api::NotificationResource;
use wechatpay_apiv3::notify::NotificationHandler;

/// The path WeChat Pay is told to deliver to (`notify_url` of 设置消息通知地址).
pub const NOTIFY_PATH: &str = "/wxpay/notify";

/// A used coupon, as the merchant stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedCoupon {
    /// The notification that reported it first (the same on every redelivery).
    pub notification_id: String,
    /// The coupon's stock.
    pub stock_id: String,
    /// The payment the coupon was used in, if WeChat Pay names it.
    pub transaction_id: Option<String>,
}

/// The used coupons by coupon ID: a stand-in for the merchant's database table, where the
/// coupon ID would be the primary key.
#[derive(Debug, Clone, Default)]
pub struct UsedCoupons(Arc<Mutex<BTreeMap<String, UsedCoupon>>>);

impl UsedCoupons {
    /// Records a used coupon once; a redelivery of the same coupon changes nothing. Returns
    /// whether this call recorded it.
    pub fn record(&self, coupon_id: &str, used: UsedCoupon) -> bool {
        let mut coupons = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if coupons.contains_key(coupon_id) {
            return false;
        }
        coupons.insert(coupon_id.to_owned(), used);
        true
    }

    /// The used coupon with this ID, if recorded.
    pub fn get(&self, coupon_id: &str) -> Option<UsedCoupon> {
        let coupons = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        coupons.get(coupon_id).cloned()
    }

    /// How many coupons are recorded.
    pub fn count(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[derive(Clone)]
struct Receiver {
    handler: NotificationHandler,
    used: UsedCoupons,
}

/// The notify endpoint at [`NOTIFY_PATH`]. `handler` holds the keys: WeChat Pay's public key
/// (or platform certificates) to verify with, e.g. `Client::verifier()`, and the APIv3 key.
pub fn router(handler: NotificationHandler, used: UsedCoupons) -> Router {
    Router::new()
        .route(NOTIFY_PATH, post(receive))
        .with_state(Receiver { handler, used })
}

/// One delivery: the headers and the body bytes exactly as received (never a re-serialized
/// JSON value: the signature is over the bytes).
async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let notification = match receiver.handler.handle_http(&headers, &body) {
        Ok(notification) => notification,
        Err(error) => {
            eprintln!("notify: rejected a delivery: {error}");
            return answer(NotificationHandler::failure_response(&error));
        }
    };
    match &notification.resource {
        NotificationResource::CouponUse(coupon) => {
            let used = UsedCoupon {
                notification_id: notification.id.clone(),
                stock_id: coupon.stock_id.clone(),
                transaction_id: coupon
                    .consume_information
                    .as_ref()
                    .and_then(|consumed| consumed.transaction_id.clone()),
            };
            if !receiver.used.record(&coupon.coupon_id, used) {
                eprintln!("notify: coupon {} again (a redelivery)", coupon.coupon_id);
            }
        }
        // An event this endpoint does not handle: acknowledge it, or WeChat Pay would retry
        // it for a day. (`NotificationResource` is non-exhaustive: new event types are added
        // to the spec in minor releases.)
        _ => eprintln!("notify: ignored a {} notification", notification.event_type),
    }
    answer(NotificationHandler::success_response())
}

/// The `(status, body)` of `success_response` / `failure_response` as an axum response.
fn answer((status, body): (u16, Vec<u8>)) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if body.is_empty() {
        return status.into_response();
    }
    let json = HeaderValue::from_static("application/json");
    (status, [(header::CONTENT_TYPE, json)], body).into_response()
}
