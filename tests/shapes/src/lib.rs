//! The shape corpus: `spec/` uses every construct of the spec language in every position it may
//! appear (each scalar kind, money, time, date and an open enum as path parameter, query
//! parameter, body field and response field; nested objects; lists of scalars, enums and objects
//! with item constraints; optional, required and default values; both pagination styles; an
//! operation without a body, one without a response body; a notification; names that are Rust
//! keywords). `build.rs` generates it like the client's, and this crate compiles it: a construct
//! that validation accepts but that does not compile fails here. The tests snapshot the requests
//! it builds and send every operation through its catalogue.
//!
//! # How generated code reaches the runtime
//!
//! Generated code names the runtime by crate-root paths (`crate::wire::check_length`,
//! `crate::Operation`, `crate::Fen`, …), because in the client it is compiled inside the runtime
//! crate. This crate provides the same paths by re-exporting the runtime's whole root (`pub use
//! wechatpay_apiv3::*`), so it compiles exactly the code the generator emits for the client — no
//! second, configurable code path that could drift from the real one — and it compiles only
//! against the runtime's *public* API (a generated call to a crate-private helper fails here).
//!
//! Two local items shadow the glob: [`api`], this corpus's generated API, and [`Client`]. The
//! chain's root methods are `impl crate::Client { fn v3() … }`, and an inherent impl must live in
//! the crate that defines its type, so `Client` is a thin wrapper that derefs to the runtime's
//! client; chain methods hand `&crate::Client` to `Call::new`, which takes the runtime's, by
//! deref coercion.

pub use wechatpay_apiv3::*;

/// The corpus's generated API (see the crate docs).
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/api.rs"));
}

/// A runtime client that the corpus's client chain starts from (see the crate docs).
#[derive(Debug, Clone)]
pub struct Client(wechatpay_apiv3::Client);

impl From<wechatpay_apiv3::Client> for Client {
    fn from(client: wechatpay_apiv3::Client) -> Self {
        Client(client)
    }
}

impl std::ops::Deref for Client {
    type Target = wechatpay_apiv3::Client;

    fn deref(&self) -> &wechatpay_apiv3::Client {
        &self.0
    }
}
