//! A WeChat Pay APIv3 client generated from the YAML spec in `spec/`.
//!
//! Every operation of the spec is reachable as a typed chain that mirrors its URL:
//!
//! ```no_run
//! # async fn demo(client: wechatpay_apiv3::Client) -> Result<(), wechatpay_apiv3::Error> {
//! use wechatpay_apiv3::api::SendCouponBody;
//!
//! let body = SendCouponBody::new("9856000", "89560002019101000121", "wx233544546545989", "8956000");
//! let sent = client.v3().marketing().favor().users("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").coupons().post(body).await?;
//! println!("coupon {}", sent.coupon_id);
//! # Ok(()) }
//! ```
//!
//! The hand-written runtime around the generated code signs the exact bytes it sends
//! ([`auth::Signer`]), verifies every 2xx response over the raw bytes it received
//! ([`auth::Verifier`]), retries only what is safe to retry ([`retry::RetryPolicy`]) and reports
//! every failure through one [`Error`] type.

/// Types and operations generated from `spec/` by `build.rs` (see the snapshots under `tests/`).
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/api.rs"));
}

pub mod auth;
pub mod certificates;
mod client;
pub mod dynamic;
pub mod error;
pub mod notify;
pub mod operation;
pub mod pagination;
pub mod paysign;
pub mod retry;
#[cfg(feature = "server")]
pub mod server;
mod transport;
pub mod wire;

pub use certificates::PlatformCertificate;
pub use client::{Client, ClientBuilder};
pub use error::Error;
pub use operation::{Call, CallOptions, HttpRequest, Method, Operation, OperationMeta};
pub use retry::RetryPolicy;
pub use wire::{Date, Fen, Timestamp};
