//! The sandbox's business state: the [`SandboxState`] handle, its locks and its clock. One
//! mutex guards stocks, issued coupons and the idempotency table, so "look up the idempotency
//! key, check the budget, issue" is atomic; orders and refunds have a lock of their own. What
//! the handle does lives in the sibling modules, one concern each.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use time::OffsetDateTime;

use crate::error::SandboxError;
use crate::stocks::Stock;

mod access;
mod bills;
mod callbacks;
mod coupons;
mod downloads;
mod flows;
mod goods;
mod lifecycle;
mod order_queries;
mod orders;
mod payment;
mod prepay;
mod queries;
mod refunds;
mod send;
mod stock_records;

pub(crate) use bills::BillRequest;
pub(crate) use callbacks::CallbackSetting;
pub(crate) use downloads::Holder;
pub(crate) use flows::{FlowFile, FlowKind};
pub(crate) use lifecycle::StockAction;
pub(crate) use orders::NewOrder;
pub(crate) use prepay::Prepaid;
pub(crate) use queries::StockListKind;

use coupons::{Issued, Used};

/// The first coupon ID handed out; IDs count up from here (11-digit numeric strings).
const FIRST_COUPON_ID: u64 = 10_000_000_001;

/// The idempotency key of send coupon: (calling merchant, stock creator, `out_request_no`).
type IdempotencyKey = (String, String, String);

struct Inner {
    stocks: BTreeMap<String, Stock>,
    coupons: Vec<Issued>,
    by_openid: HashMap<String, Vec<usize>>,
    by_request: HashMap<IdempotencyKey, usize>,
    next_coupon_id: u64,
    /// Stocks created through `POST /v3/marketing/favor/coupon-stocks`.
    created: lifecycle::Created,
    /// Flow files handed out, by download token.
    downloads: downloads::Downloads,
    /// The notify URL set through `POST /v3/marketing/favor/callbacks`.
    callback: Option<CallbackSetting>,
}

/// The state inspection and manipulation handle of a sandbox
/// ([`Sandbox::state`](crate::Sandbox::state)). Cheap to clone; all clones see the same state.
#[derive(Clone)]
pub struct SandboxState {
    inner: Arc<Mutex<Inner>>,
    /// Orders and refunds: a lock of their own, since they never touch the coupons.
    ledger: Arc<Mutex<orders::Ledger>>,
    mchid: Arc<str>,
    clock: Arc<dyn wechatpay_apiv3::auth::Clock>,
}

impl fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("SandboxState")
            .field("stocks", &inner.stocks.len())
            .field("coupons", &inner.coupons.len())
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    pub(crate) fn new(
        mchid: &str,
        clock: Arc<dyn wechatpay_apiv3::auth::Clock>,
        stocks: Vec<Stock>,
    ) -> Result<Self, SandboxError> {
        let state = SandboxState {
            inner: Arc::new(Mutex::new(Inner {
                stocks: BTreeMap::new(),
                coupons: Vec::new(),
                by_openid: HashMap::new(),
                by_request: HashMap::new(),
                next_coupon_id: FIRST_COUPON_ID,
                created: lifecycle::Created::default(),
                downloads: downloads::Downloads::default(),
                callback: None,
            })),
            ledger: Arc::default(),
            mchid: Arc::from(mchid),
            clock,
        };
        for stock in stocks {
            state.upsert_stock(stock)?;
        }
        Ok(state)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every update below validates first and mutates last, so a poisoned lock (a panic in
        // a test thread holding a clone, say) still guards consistent data.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn ledger(&self) -> MutexGuard<'_, orders::Ledger> {
        // As above: the ledger's updates check first and change last.
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.clock.now_unix())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
