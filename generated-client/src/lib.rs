//! A WeChat Pay APIv3 client generated from the YAML spec in `spec/`.
//!
//! # Quick start
//!
//! Against the sandbox ([`wechatpay-sandbox`](https://docs.rs/wechatpay-sandbox), a local WeChat
//! Pay that checks signatures for real; add it as a dev-dependency), send a coupon (发放代金券)
//! and list the user's coupons (根据商户号查用户的券) page by page. Against WeChat Pay, the
//! builder gets your merchant ID, certificate serial, private key and WeChat Pay's public key
//! instead, and no base URL.
//!
// Run as a doctest from the repository only: the published package has no dev-dependency on the
// sandbox (cargo strips a path-only one; see build.rs and the README's "Packaging"), so there the
// example is rendered but not run.
#![cfg_attr(all(doctest, not(wechatpay_repository)), doc = "```ignore")]
#![cfg_attr(not(all(doctest, not(wechatpay_repository))), doc = "```")]
//! use futures_util::TryStreamExt as _;
//! use wechatpay_apiv3::Client;
//! use wechatpay_apiv3::api::{ListCouponsByFilterQuery, SendCouponBody};
//! use wechatpay_sandbox::{Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let client = Client::builder()
//!     .base_url(sandbox.base_url())
//!     .mchid(sandbox.mchid())
//!     .merchant_serial(sandbox.merchant_serial())
//!     .private_key_pem(sandbox.merchant_private_key_pem())
//!     .public_key_pem(sandbox.public_key_id(), sandbox.public_key_pem())
//!     .build()?;
//!
//! let (openid, appid) = ("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "wx233544546545989");
//! let coupons = || client.v3().marketing().favor().users(openid).coupons();
//!
//! // Idempotent on `out_request_no`: a retried send never issues a second coupon.
//! let body = SendCouponBody::new("9856000", "order-20240521-0001", appid, sandbox.mchid());
//! let sent = coupons().post(body).await?;
//!
//! let query = ListCouponsByFilterQuery::new(appid).limit(10);
//! let listed: Vec<_> = coupons().get(query).items().try_collect().await?;
//! assert_eq!(listed[0].coupon_id, sent.coupon_id);
//! # Ok(()) }
//! ```
//!
//! The hand-written runtime around the generated code signs the exact bytes it sends
//! ([`auth::Signer`]), verifies every 2xx response over the raw bytes it received
//! ([`auth::Verifier`]), retries only what is safe to retry ([`retry::RetryPolicy`]), reads no
//! more of a response than a limit, and reports every failure through one [`Error`] type whose
//! `source()` is the underlying cause. Notifications such as `COUPON.USE` are received with
//! [`notify::NotificationHandler`]; the sandbox's `coupon_use_receiver` example is an axum
//! endpoint to copy.
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
//! 5. the builder, [`Call`]/[`RawCall`], [`pagination`], [`dynamic`], [`download`], and
//!    [`notify`] (which needs only layer 1);
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
pub mod download;
pub mod dynamic;
pub mod error;
mod json;
mod keys;
pub mod multipart;
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
pub use download::{DEFAULT_MAX_DOWNLOAD_BYTES, Download};
pub use error::Error;
pub use multipart::UploadFile;
pub use operation::{CallOptions, HttpRequest, Method, Operation, OperationMeta};
pub use orchestrator::DEFAULT_MAX_RESPONSE_BYTES;
pub use retry::RetryPolicy;
pub use wire::{Date, Fen, Timestamp};
