//! A local server that behaves like WeChat Pay APIv3 for every operation of the spec — think
//! stripe-mock. It checks request signatures for real, signs every response, decodes and
//! validates every request the way the spec says, keeps stocks with budgets, honours
//! `out_request_no` idempotency, pages like the spec says, answers with the official error
//! codes, and injects faults on demand.
//!
//! Use it in-process from tests and examples, or run the `wechatpay-sandbox` binary and point
//! any APIv3 client (Python, Node, Go, …) at it.
//!
//! ```no_run
//! use wechatpay_sandbox::{Fault, FaultRule, Sandbox, SandboxConfig};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! // Base URL, merchant, keys: everything a client needs to talk to this sandbox.
//! let client = sandbox.client_builder().build()?;
//! // The next send coupon is processed (the coupon is issued), then answered with a 500.
//! sandbox.faults().inject(FaultRule::new(Fault::Status500).operation("send_coupon").after_processing());
//! # let _ = client;
//! # Ok(()) }
//! ```
//!
//! # Binary
//!
//! ```text
//! cargo run -p wechatpay-sandbox -- --port 8080 --keys-dir ./sandbox-keys \
//!     [--stocks stocks.json] [--serial-mode platform|public-key|match-request]
//! ```
//!
//! creates (or reuses) a key set in the directory ([`SandboxKeys::load_or_create`]), prints
//! the base URL, merchant ID, serials, key paths, public key ID, APIv3 key and
//! `export WECHATPAY_BASE_URL=… WECHATPAY_MCHID=… WECHATPAY_MCH_SERIAL=… WECHATPAY_PRIVATE_KEY=…
//! WECHATPAY_PLATFORM_CERTS=… WECHATPAY_PUBLIC_KEY=… WECHATPAY_PUBLIC_KEY_ID=…` lines, logs one
//! line per request to standard error and serves until Ctrl-C (or SIGTERM). State lives in
//! memory only: a restart starts from the seeded stocks again. `--help` lists every option.
//!
//! # Protocol
//!
//! Served at `/` (no prefix). Every API request must carry `Authorization:
//! WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`
//! (parameters in any order) for the sandbox merchant and its certificate serial, with a
//! timestamp within ±300 s, signed over `METHOD\nREQUEST-TARGET\nTIMESTAMP\nNONCE\nBODY\n` where
//! the request-target and body are exactly the bytes received (never decoded, re-encoded or
//! reordered). Anything else is `401 SIGN_ERROR`, with a distinct message per cause and, for a
//! bad signature, the string the sandbox verified in `detail.value`. Extra headers are ignored.
//!
//! Every response — errors, 404s and admin answers included — carries `Wechatpay-Timestamp`,
//! `Wechatpay-Nonce`, `Wechatpay-Serial` ([`ResponseSigning`]), `Wechatpay-Signature` over
//! `TIMESTAMP\nNONCE\nBODY\n` (raw bytes; `TIMESTAMP\nNONCE\n\n` for an empty body),
//! `Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048`, a unique `Request-ID` and, with a body,
//! `Content-Type: application/json`.
//!
//! # How an operation reaches the sandbox
//!
//! The sandbox is built on the server side the generator emits from `spec/` (the client
//! crate's `server` feature, [`wechatpay_apiv3::server`]), so it serves whatever the spec
//! declares, with no Rust written per operation:
//!
//! 1. **Routing** — the generated route table matches the raw (percent-encoded) path against
//!    every path template of the spec: an unknown path is `404 NOT_FOUND`, a known path with
//!    another method `405 METHOD_NOT_ALLOWED` with `Allow` (both without authentication, like a
//!    gateway, and both signed).
//! 2. **Decoding and validation** — after authentication, the matched operation's input is
//!    decoded into its generated request type (path parameters percent-decoded, the query into
//!    the query type, the JSON body into the body type; required fields at any depth, known
//!    enum values, defaults filled in) and checked with the spec's `validate()`. Every failure
//!    is `400 PARAM_ERROR` whose `detail` names the input — a JSON pointer for body fields
//!    (`/stock_use_rule/max_coupons`), the name for query (`limit`, with `location: query`) and
//!    path parameters (`location: uri_template`) — with its value and the issue.
//! 3. **Handling** — the typed input goes to the generated `Handlers` trait
//!    ([`wechatpay_apiv3::api::server::Handlers`]). The sandbox implements its methods for
//!    the cash-coupon family (the state described below); **every other operation answers from
//!    the spec**: a signed `200` with the response type's `example:` values, else values
//!    derived from its types and constraints (required fields present, lengths and ranges met,
//!    enum values valid, times in RFC 3339 `+08:00`), or `204 No Content` for an operation
//!    without a response body. So an operation added to `spec/` answers here after
//!    `cargo build`, through the typed client chain and `wxpay` alike.
//!
//! To give an operation state, override its method in `sandbox/src/handlers/` (one module per
//! resource family; the typed input arrives decoded and valid, the output is the generated
//! response type, an error is an [`ApiFailure`](wechatpay_apiv3::server::Rejection) with the
//! official code) and keep the state under `sandbox/src/state/`. Constraints the spec states
//! are never checked again by hand: the spec's `validate()` has already run.
//!
//! [`SandboxConfig::answer_from_spec`] (or `PUT /sandbox/spec-answers`, [`SpecAnswers`])
//! switches a handler off again, so the operation answers from the spec: what a client sees
//! of an operation that only exists in YAML.
//!
//! | route | operation ID | behaviour |
//! |---|---|---|
//! | `POST /v3/marketing/favor/users/{openid}/coupons` | `send_coupon` | see [`Sandbox`] "Send coupon" |
//! | `GET /v3/marketing/favor/users/{openid}/coupons` | `list_coupons_by_filter` | see [`Sandbox`] "List coupons" |
//! | `GET /v3/marketing/favor/users/{openid}/coupons/{coupon_id}` | `query_coupon` | see "Stocks, coupons, flows and the notify URL" |
//! | `POST /v3/marketing/favor/coupon-stocks` | `create_coupon_stock` | 〃 |
//! | `POST /v3/marketing/favor/stocks/{stock_id}/start` (`pause`, `restart`, `stop`) | `start_stock` (`pause_stock`, `restart_stock`, `stop_stock`) | 〃 |
//! | `GET /v3/marketing/favor/stocks` | `list_stocks` | 〃 |
//! | `GET /v3/marketing/favor/stocks/{stock_id}` | `query_stock` | 〃 |
//! | `GET /v3/marketing/favor/stocks/{stock_id}/merchants` (`items`) | `list_available_merchants` (`list_available_singleitems`) | 〃 |
//! | `POST /v3/marketing/favor/stocks/{stock_id}/modify-goods-id` | `modify_stock_goods_ids` | 〃 |
//! | `GET /v3/marketing/favor/stocks/{stock_id}/use-flow` (`refund-flow`, `use-flow-by-day`, `refund-flow-by-day`) | `stock_use_flow` (`stock_refund_flow`, `stock_use_flow_by_day`, `stock_refund_flow_by_day`) | 〃 |
//! | `POST`, `GET /v3/marketing/favor/callbacks` | `set_callback`, `query_callback` | 〃 |
//! | `POST /v3/pay/transactions/jsapi` (`app`, `h5`, `native`) | `jsapi_prepay` (`app_prepay`, `h5_prepay`, `native_prepay`) | see "Orders and refunds" |
//! | `GET /v3/pay/transactions/id/{transaction_id}`, `…/out-trade-no/{out_trade_no}` | `query_order_by_id`, `query_order_by_out_trade_no` | 〃 |
//! | `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` | `close_order` | 〃 |
//! | `POST /v3/refund/domestic/refunds`, `GET …/refunds/{out_refund_no}` | `create_refund`, `query_refund` | 〃 |
//! | `POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund` | `apply_abnormal_refund` | 〃 |
//! | `GET /mkt/storage/bill/download?bill_params=…` | `download_flow_file` | a flow file: no authentication, **not signed**, no faults |
//! | `GET /v3/billdownload/file?token=…` | `download_bill_file` | a bill file: authenticated, **not signed**, no faults |
//! | `GET /v3/certificates` | `download_certificates` | the platform certificate, AES-256-GCM encrypted with the APIv3 key (not in the spec) |
//! | any other operation of the spec | its ID | answers from the spec (see above) |
//! | anything else under `/` | `unknown` | `404 NOT_FOUND` (no authentication) |
//!
//! # Stocks, coupons, flows and the notify URL
//!
//! Every request is decoded into the generated request types and checked with their generated
//! `validate()` (`400 PARAM_ERROR` naming the field), as for send coupon. Then:
//!
//! * **Create stock**: `NORMAL` stocks only (others `400 PARAM_ERROR`), `fixed_normal_coupon`
//!   required, `belong_merchant` must be the caller (`400 INVALID_REQUEST`), the end after the
//!   beginning, `max_amount = max_coupons × coupon_amount`, documented item lengths (goods ids
//!   ≤ 128 characters, merchants ≤ 20, card BINs 6–9, week days 0–6), both spellings of the
//!   background colours (`COLOR010`, `Color010`). The stock gets an 8-digit ID from `17000001`
//!   and starts **unactivated**. Idempotent on (caller, `out_request_no`): the same body again
//!   → the same `stock_id` and `create_time`; another body → `400 RESOURCE_ALREADY_EXISTS`
//!   naming the first differing field.
//! * **Lifecycle**: start `unactivated → running`, pause `running → paused`, restart
//!   `paused → running`, stop `unactivated → stoped` (the official SDK: 终止*未激活*的批次); any
//!   other status → `400 PARAM_ERROR 非法的批次状态`. Coupons are only sent while `running`.
//! * **Every stock operation** checks, in order: the stock exists (`404 RESOURCE_NOT_EXISTS`),
//!   `stock_creator_mchid` names its creator (`400 INVALID_REQUEST`), the caller may act
//!   (`403 REQUEST_BLOCKED`): only the creator changes a stock or downloads its flows; its
//!   authorized senders may also read it, its merchants and its goods ids.
//! * **Lists** (stocks ≤ 10 a page, merchants ≤ 50, goods ids ≤ 100): `offset` is a page index
//!   and, as the official documents say, required (`offset 必填`: a constructor argument of the query) — pass 0 for the
//!   first page. Stocks are those `stock_creator_mchid` created that the caller may read, in
//!   creation order, filtered by `create_start_time` ≤ `create_time` ≤ `create_end_time` and
//!   `status`. A stock naming no available merchants is available at its creator.
//! * **Modify goods ids**: a 单品 stock (created with `available_items`) that is not stopped;
//!   deletes, then adds (absent deletes and present adds are no-ops); at least one goods id
//!   must remain (`至少需要保留一个商品编码`), at most the spec's `max_items` of `available_items`
//!   (rules of the sandbox: the official page states none). The lists may come as the SDKs send
//!   them (JSON arrays) or as the official page shows them (`"34565,12342"`, the key
//!   `Delete_goods_id_list`): the spec's `comma_separated` and `aliases` decode both. The answer
//!   carries the time as `effect_time` (the SDKs) and `pause_time` (the page).
//! * **Coupon detail**: a coupon of that openid the caller created or sent (`404` otherwise);
//!   a coupon received under another `appid` → `400 INVALID_REQUEST`.
//! * **Flows**: the signed JSON answer links a CSV at `/mkt/storage/bill/download` on this
//!   server, valid 30 s (sandbox clock), whose lower-case hex SHA-1 is `hash_value`
//!   (`stock_useflow_hash` / `stock_refundflow_hash` by day). The whole stock: from 10 hours
//!   after `available_end_time` (`400 INVALID_REQUEST` before); by day: `bill_date` before
//!   today (China time). The use flow has one row per used coupon (the columns of the
//!   official file; unknown ones empty); the sandbox has no refunds, so refund flows are the
//!   header only. Only the creator.
//! * **Notify URL**: `mchid` must be the caller (`400 INVALID_REQUEST`); `https://` without
//!   query or fragment, or `http://` to a loopback host (`400 PARAM_ERROR` otherwise). Setting
//!   it points the `COUPON.USE` notifications at it ([`Sandbox::notifications`]);
//!   `switch: false` stops them and keeps the URL. The query answers the URL set through the
//!   API, else [`SandboxConfig::notify_url`], else `404 RESOURCE_NOT_EXISTS`.
//!
//! # Orders and refunds
//!
//! One merchant's orders, by `out_trade_no` (payments reference B–G):
//!
//! * **Prepay** (all four): `mchid` must be the caller (`400 INVALID_REQUEST`). A new
//!   `out_trade_no` makes an order `NOTPAY` and answers a 36-character `prepay_id` (H5: an
//!   `h5_url` with it, Native: a `weixin://` `code_url`). The same `out_trade_no` with the
//!   identical body and product answers the same again; any other parameter, or another
//!   product, `403 OUT_TRADE_NO_USED`; once paid `ORDER_PAID`, once closed `ORDER_CLOSED`.
//! * **Pay** ([`Sandbox::pay`], `POST /sandbox/orders/pay`): the user pays a `NOTPAY` order
//!   not past its `time_expire` → `SUCCESS`, a 28-digit `transaction_id`, `payer` (the JSAPI
//!   payer), `success_time`, `bank_type` `OTHERS`; its total is credited to the refundable
//!   balance and a `TRANSACTION.SUCCESS` (the `Transaction` of the queries, AEAD_AES_256_GCM
//!   with `associated_data` `transaction`, summary `支付成功`) goes to its `notify_url`.
//! * **Queries**: by `out_trade_no` any order (unpaid ones without `transaction_id`, `payer`,
//!   `success_time`, `trade_type`), by `transaction_id` paid ones; `mchid` must be the caller;
//!   unknown → `404 ORDER_NOT_EXIST`.
//! * **Close**: `NOTPAY` or `CLOSED` → `CLOSED` (`204`, re-entrant); paid → `400 ORDER_PAID`.
//! * **Refund**: `transaction_id` or `out_trade_no` of a paid order (`404 RESOURCE_NOT_EXISTS`
//!   otherwise, and for unpaid orders); `amount.total` the order's total, `amount.refund` at
//!   most what is left to refund, at most 50 refunds an order (`400 INVALID_REQUEST` naming the
//!   field); within the refundable balance (`403 NOT_ENOUGH`; `PUT /sandbox/balance`). Answers
//!   `PROCESSING` (order → `REFUND`), then succeeds after
//!   [`SandboxConfig::refund_settle_delay`] (1 s) with `REFUND.SUCCESS` to the refund's
//!   `notify_url` (none without one). The same `out_refund_no` and body → the same refund;
//!   another body → `400 INVALID_REQUEST`. [`Sandbox::settle_refund`] ends a processing refund
//!   as `SUCCESS`, `ABNORMAL` or `CLOSED` (which gives the amount back), each with its
//!   `REFUND.*` notification.
//! * **Abnormal refund**: an `ABNORMAL` refund (`400 INVALID_REQUEST` otherwise) re-routed to
//!   the user's bank card (`bank_type`, `bank_account`, `real_name` required, `400
//!   PARAM_ERROR`) or the merchant's account: channel `OTHER_BANKCARD`, `PROCESSING` again.
//! * **Bills** (`apply_trade_bill`, `apply_fund_flow_bill`; payments reference C.7–C.9, G.7):
//!   built from these orders and refunds for one `bill_date` (China time) when applied for,
//!   kept 5 minutes (sandbox clock) for the applicant, linked as
//!   `{base_url}/v3/billdownload/file?token=…` with `hash_type` `SHA1` and `hash_value` the
//!   lower-case hex SHA-1 of the uncompressed file; served gzipped (`application/x-gzip`) with
//!   `tar_type=GZIP`, else as `text/plain`. The file: a UTF-8 BOM, the header, one row per
//!   record with every value backtick-prefixed, a summary header and row; amounts in 元 with
//!   two decimals. Trade bill: a row per payment (`SUCCESS`) and per refund not closed
//!   (`REFUND`), on the day it happened; `bill_type` `ALL` / `SUCCESS` / `REFUND`;
//!   `RECHARGE_REFUND` has no records (no recharge coupons here); the 个性化账单 `*_SPECIAL`
//!   → `403 NO_AUTH`. Fund-flow bill: `BASIC` has payments as 收入 and refunds as 支出 with
//!   the balance after each; `OPERATION` and `FEES` never move. `bill_date` today or later,
//!   or more than three calendar months back → `400 INVALID_REQUEST`; yesterday before 09:00
//!   → `400 STATEMENT_CREATING`; a day without records → `400 NO_STATEMENT_EXIST`. The
//!   download is signed like any call (`401 SIGN_ERROR` otherwise), answers unsigned, without
//!   faults; an unknown or expired token → `400 INVALID_REQUEST`, another merchant's bill →
//!   `403 NO_AUTH`.
//!
//! Notifications are delivered like `COUPON.USE` ([`Notifier`]), on the generic APIv3 schedule
//! ([`RetrySchedule::payment`]) unless [`SandboxConfig::notify_retries`] sets one.
//!
//! # Admin endpoints (unauthenticated)
//!
//! Only because this is a local test server: keep it on loopback.
//!
//! | request | effect |
//! |---|---|
//! | `GET /sandbox` | merchant ID, serials, public key ID, the serial responses use |
//! | `GET /sandbox/faults` | scheduled rules, random mode, number applied |
//! | `POST /sandbox/faults` | a [`FaultRule`] as JSON (`{"fault":"status_500","operation":"send_coupon","phase":"after","times":1}`), an array of them, or `{"random":{"probability":0.1,"seed":7,"faults":["status_500","connection_reset"],"delay_ms":500}}` |
//! | `DELETE /sandbox/faults` | clears rules and random mode (`204`) |
//! | `DELETE /sandbox/faults/random` | turns the random mode off (`204`) |
//! | `GET /sandbox/faults/applied` | the faults applied so far |
//! | `GET /sandbox/stocks`, `PUT /sandbox/stocks` | list; add or replace one [`Stock`] or an array |
//! | `GET /sandbox/spec-answers`, `PUT /sandbox/spec-answers` | which operations answer from the spec ([`SpecAnswers`]: `{"all":false,"operations":["query_callback"]}`) |
//! | `GET /sandbox/coupons?openid=…` | the user's coupons |
//! | `POST /sandbox/orders/pay` | `{"out_trade_no","openid"?}`: the user pays the order ([`Sandbox::pay`]); answers the paid order |
//! | `POST /sandbox/refunds/settle` | `{"out_refund_no","status":"SUCCESS"}` (or `ABNORMAL`, `CLOSED`): ends a processing refund ([`Sandbox::settle_refund`]) |
//! | `GET /sandbox/balance`, `PUT /sandbox/balance` | `{"available": 100}`: the merchant's refundable balance in fen (payments credit it; `0` makes refunds fail `NOT_ENOUGH`) |
//! | `POST /sandbox/coupons/consume` | `{"openid","coupon_id"}`: mark a coupon used (已实扣) and send its `COUPON.USE` notification ([`Sandbox::notifications`]) |

mod app;
mod args;
mod certificates;
mod config;
mod error;
mod faults;
mod form;
mod handlers;
pub mod keys;
mod listener;
mod notifier;
mod protocol;
mod reply;
mod routes;
mod sandbox;
mod server;
mod shell;
mod state;
pub mod stocks;

pub use app::SpecAnswers;
pub use args::SandboxArgs;
pub use certificates::NO_PLATFORM_CERTIFICATE;
pub use config::{ResponseSigning, SandboxConfig};
pub use error::SandboxError;
pub use faults::{AppliedFault, Fault, FaultPhase, FaultRoute, FaultRule, Faults, RandomFaults};
pub use keys::{KeyFiles, SandboxKeys};
pub use notifier::{
    AttemptOutcome, COUPON_USE, DEFAULT_ATTEMPT_TIMEOUT, DeliveryAttempt, DeliveryStatus,
    NotificationRecord, Notifier, REFUND_ABNORMAL, REFUND_CLOSED, REFUND_SUCCESS, RetrySchedule,
    TRANSACTION_SUCCESS,
};
pub use protocol::MAX_REQUEST_SKEW_SECS;
pub use routes::{
    DOWNLOAD_BILL_FILE, DOWNLOAD_CERTIFICATES, DOWNLOAD_FLOW_FILE, LIST_COUPONS, SEND_COUPON,
    UNKNOWN_OPERATION,
};
pub use sandbox::Sandbox;
pub use shell::{shell_quote, shutdown_signal};
pub use state::SandboxState;
pub use stocks::{CouponKind, Stock, StockStatus, default_stocks};
