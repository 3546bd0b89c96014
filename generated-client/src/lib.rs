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
//! ([`auth::Verifier`]), retries only what is safe to retry ([`retry::RetryPolicy`]), reads no
//! more of a response than a limit, and reports every failure through one [`Error`] type whose
//! `source()` is the underlying cause.
//!
//! # Layers
//!
//! Each module imports only those on lower layers (none imports the generated [`api`]; the
//! generated code implements and extends the runtime's types instead):
//!
//! 1. data and primitives: [`error`], [`wire`], [`auth`], [`operation`], [`retry`], `json`,
//!    `target`;
//! 2. [`transport`] (the [`transport::Transport`] trait, the reqwest implementation, the bounded
//!    body read) and `keys` (the key source the pipeline verifies with);
//! 3. `orchestrator`: the call pipeline, sign → send → fail over → verify → retry;
//! 4. [`certificates`] (a key source that downloads through the pipeline) and `client`;
//! 5. the builder, [`Call`]/[`RawCall`], [`pagination`], [`dynamic`], and [`notify`] (which
//!    needs only layer 1);
//! 6. the generated [`api`].

/// Types and operations generated from `spec/` by `build.rs` (see the snapshots under `tests/`).
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/api.rs"));
}

pub mod auth;
mod builder;
mod call;
pub mod certificates;
mod client;
pub mod dynamic;
pub mod error;
mod json;
mod keys;
pub mod notify;
pub mod operation;
mod orchestrator;
pub mod pagination;
pub mod paysign;
pub mod retry;
#[cfg(feature = "server")]
pub mod server;
mod target;
pub mod transport;
pub mod wire;

pub use builder::ClientBuilder;
pub use call::{Call, RawCall, RawResponse};
pub use certificates::PlatformCertificate;
pub use client::{Client, DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL};
pub use error::Error;
pub use operation::{CallOptions, HttpRequest, Method, Operation, OperationMeta};
pub use orchestrator::DEFAULT_MAX_RESPONSE_BYTES;
pub use retry::RetryPolicy;
pub use wire::{Date, Fen, Timestamp};
