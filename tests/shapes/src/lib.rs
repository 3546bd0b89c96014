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
//! Local items shadow the glob: [`api`], this corpus's generated API, and the types generated
//! code gives inherent impls — [`Client`] (the chain's root, `impl crate::Client { fn v3() … }`),
//! [`error::ApiError`] (`code()`), [`notify::NotificationHandler`] (`handle()`) and
//! [`notify::Notification`] (one accessor per event). An inherent impl must live in the crate
//! that defines its type, so each is a thin wrapper that derefs to the runtime's type; the
//! generated methods reach the runtime's through deref (chain methods hand `&crate::Client` to
//! `Call::new`, which takes the runtime's, by deref coercion).
//!
//! The generated server side (`api::server`) compiles with this crate's `server` feature, which
//! turns on the client's.

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

/// The runtime's errors, with a local [`ApiError`](error::ApiError) for the generated `code()`.
pub mod error {
    pub use wechatpay_apiv3::error::*;

    /// The runtime's API error (see the crate docs).
    #[derive(Debug)]
    pub struct ApiError(pub wechatpay_apiv3::error::ApiError);

    impl std::ops::Deref for ApiError {
        type Target = wechatpay_apiv3::error::ApiError;

        fn deref(&self) -> &wechatpay_apiv3::error::ApiError {
            &self.0
        }
    }
}

/// The runtime's notifications, with local wrappers for the generated `handle()` and
/// accessors.
pub mod notify {
    pub use wechatpay_apiv3::notify::*;

    /// The runtime's notification handler (see the crate docs).
    #[derive(Debug)]
    pub struct NotificationHandler(pub wechatpay_apiv3::notify::NotificationHandler);

    impl std::ops::Deref for NotificationHandler {
        type Target = wechatpay_apiv3::notify::NotificationHandler;

        fn deref(&self) -> &wechatpay_apiv3::notify::NotificationHandler {
            &self.0
        }
    }

    impl NotificationHandler {
        /// The runtime's `handle_as`, answering this crate's [`Notification`].
        ///
        /// # Errors
        /// As the runtime's.
        pub fn handle_as<'h, R: NotificationEvent>(
            &self,
            headers: impl Fn(&str) -> Option<&'h str>,
            body: &[u8],
        ) -> Result<Notification<R>, NotifyError> {
            self.0.handle_as(headers, body).map(Notification)
        }

        /// The runtime's `handle_http_as`, answering this crate's [`Notification`].
        ///
        /// # Errors
        /// As the runtime's.
        pub fn handle_http_as<R: NotificationEvent>(
            &self,
            headers: &HeaderMap,
            body: &[u8],
        ) -> Result<Notification<R>, NotifyError> {
            self.0.handle_http_as(headers, body).map(Notification)
        }
    }

    /// A runtime notification (see the crate docs).
    #[derive(Debug)]
    pub struct Notification<T>(pub wechatpay_apiv3::notify::Notification<T>);

    impl<T> std::ops::Deref for Notification<T> {
        type Target = wechatpay_apiv3::notify::Notification<T>;

        fn deref(&self) -> &wechatpay_apiv3::notify::Notification<T> {
            &self.0
        }
    }
}
