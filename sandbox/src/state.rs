//! The sandbox's business state: stocks, issued coupons, the idempotency table. One mutex
//! guards it all, so "look up the idempotency key, check the budget, issue" is atomic.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;
use time::OffsetDateTime;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{
    ConsumeInformation, Coupon, CouponStatus, CouponStatusFilter, CouponType, CutToMessage,
    ErrorCode, ListCouponsByFilterQuery, NormalCouponInformation, SendCouponBody,
};

use crate::error::SandboxError;
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{CouponKind, Stock, StockStatus, wire_time};

mod access;
mod bills;
mod callbacks;
mod downloads;
mod flows;
mod goods;
mod lifecycle;
mod orders;
mod queries;
mod refunds;

pub(crate) use bills::BillRequest;
pub(crate) use callbacks::CallbackSetting;
pub(crate) use downloads::Holder;
pub(crate) use flows::{FlowFile, FlowKind};
pub(crate) use lifecycle::StockAction;
pub(crate) use orders::{NewOrder, Prepaid};
pub(crate) use queries::StockListKind;

/// The first coupon ID handed out; IDs count up from here (11-digit numeric strings).
const FIRST_COUPON_ID: u64 = 10_000_000_001;

/// One coupon the sandbox issued, as it keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Issued {
    coupon_id: String,
    openid: String,
    appid: String,
    stock_id: String,
    stock_creator_mchid: String,
    sender_mchid: String,
    out_request_no: String,
    coupon_value: Option<i64>,
    coupon_minimum: Option<i64>,
    create_time: OffsetDateTime,
    used: Option<Used>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Used {
    time: OffsetDateTime,
    mchid: String,
    transaction_id: String,
}

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

/// What a send-coupon request turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) coupon_id: String,
    /// `true` when the request repeated an earlier one and got its coupon back.
    pub(crate) replayed: bool,
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

    /// Adds a stock or replaces the one with the same ID (its issued coupons stay).
    ///
    /// # Errors
    /// [`SandboxError::Config`] when the stock is invalid (see [`Stock`]'s field docs).
    pub fn upsert_stock(&self, mut stock: Stock) -> Result<(), SandboxError> {
        stock.resolve(&self.mchid, self.now())?;
        self.lock().stocks.insert(stock.stock_id.clone(), stock);
        Ok(())
    }

    /// A stock as it is now (with its `distributed_coupons`).
    pub fn stock(&self, stock_id: &str) -> Option<Stock> {
        self.lock().stocks.get(stock_id).cloned()
    }

    /// All stocks, by ID.
    pub fn stocks(&self) -> Vec<Stock> {
        self.lock().stocks.values().cloned().collect()
    }

    /// Changes a stock's status (pause, restart, stop).
    ///
    /// # Errors
    /// [`SandboxError::NotFound`] for an unknown stock.
    pub fn set_stock_status(
        &self,
        stock_id: &str,
        status: StockStatus,
    ) -> Result<(), SandboxError> {
        match self.lock().stocks.get_mut(stock_id) {
            Some(stock) => {
                stock.status = status;
                Ok(())
            }
            None => Err(SandboxError::NotFound(format!("stock {stock_id}"))),
        }
    }

    /// How many coupons of a stock have been issued (`None` for an unknown stock).
    pub fn issued_count(&self, stock_id: &str) -> Option<u64> {
        self.lock()
            .stocks
            .get(stock_id)
            .map(|s| s.distributed_coupons)
    }

    /// Every coupon of `openid`, in issue order, as the list API renders them (any appid).
    pub fn coupons_of(&self, openid: &str) -> Vec<Coupon> {
        let now = self.now();
        let inner = self.lock();
        inner
            .by_openid
            .get(openid)
            .into_iter()
            .flatten()
            .filter_map(|&i| inner.render(&inner.coupons[i], now))
            .collect()
    }

    /// The total number of coupons issued, all stocks and users.
    pub fn coupon_count(&self) -> usize {
        self.lock().coupons.len()
    }

    /// Marks a coupon of `openid` as used (已实扣) now, at the stock creator, with a made-up
    /// transaction ID, and returns it as the list API will show it.
    ///
    /// # Errors
    /// [`SandboxError::NotFound`] when `openid` holds no such coupon; [`SandboxError::Config`]
    /// when it is already used.
    pub fn consume(&self, openid: &str, coupon_id: &str) -> Result<Coupon, SandboxError> {
        let now = self.now();
        let mut inner = self.lock();
        let index = inner
            .by_openid
            .get(openid)
            .into_iter()
            .flatten()
            .copied()
            .find(|&i| inner.coupons[i].coupon_id == coupon_id)
            .ok_or_else(|| {
                SandboxError::NotFound(format!("coupon {coupon_id} of openid {openid}"))
            })?;
        let coupon = &mut inner.coupons[index];
        if coupon.used.is_some() {
            return Err(SandboxError::Config(format!(
                "coupon {coupon_id} is already used"
            )));
        }
        coupon.used = Some(Used {
            time: now,
            mchid: coupon.stock_creator_mchid.clone(),
            transaction_id: format!("42000000002024{:014}", index + 1),
        });
        let coupon = inner.coupons[index].clone();
        inner
            .render(&coupon, now)
            .ok_or_else(|| SandboxError::NotFound(format!("stock {}", coupon.stock_id)))
    }

    /// Send coupon, after the body passed the generated validation. Atomic: the idempotency
    /// lookup, every check and the issue happen under one lock.
    pub(crate) fn send(
        &self,
        caller: &str,
        openid: &str,
        body: &SendCouponBody,
    ) -> Result<Sent, ApiFailure> {
        let now = self.now();
        let mut inner = self.lock();
        let key = (
            caller.to_owned(),
            body.stock_creator_mchid.clone(),
            body.out_request_no.clone(),
        );
        if let Some(&index) = inner.by_request.get(&key) {
            let earlier = &inner.coupons[index];
            return match first_difference(earlier, openid, body) {
                None => Ok(Sent {
                    coupon_id: earlier.coupon_id.clone(),
                    replayed: true,
                }),
                Some(detail) => Err(ApiFailure::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::ResourceAlreadyExists,
                    format!(
                        "创建请求重入，但本次请求与上次请求信息不一致（out_request_no {} 已用于发放券 {}）",
                        body.out_request_no, earlier.coupon_id
                    ),
                )
                .detail(detail)),
            };
        }

        let stock_detail = || ErrorDetail::at("body", "/stock_id").value(body.stock_id.clone());
        let Some(stock) = inner.stocks.get(&body.stock_id) else {
            return Err(ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::ResourceNotExists,
                "批次不存在",
            )
            .detail(stock_detail().issue("no stock with this stock_id")));
        };
        if stock.creator_mchid != body.stock_creator_mchid {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "非法的商户号：stock_creator_mchid 与批次创建方不一致",
            )
            .detail(
                ErrorDetail::at("body", "/stock_creator_mchid")
                    .value(body.stock_creator_mchid.clone())
                    .issue(format!(
                        "stock {} was created by another merchant",
                        stock.stock_id
                    )),
            ));
        }
        if stock.creator_mchid != caller && !stock.authorized_senders.iter().any(|m| m == caller) {
            return Err(ApiFailure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::RequestBlocked,
                "商户无权发券：批次不支持跨商户发券",
            )
            .detail(stock_detail().issue(format!(
                "merchant {caller} is not authorized to send stock {}",
                stock.stock_id
            ))));
        }
        let (begin, end) = stock.window();
        let ended = end.is_some_and(|end| now > end);
        let not_started = begin.is_some_and(|begin| now < begin);
        if stock.status != StockStatus::Running || ended || not_started {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "活动已结束或未激活",
            )
            .detail(stock_detail().issue(format!(
                "stock status is {:?}{}",
                stock.status,
                if ended {
                    ", past available_end_time"
                } else if not_started {
                    ", before available_begin_time"
                } else {
                    ""
                }
            ))));
        }
        if let Some(failure) = face_value_mismatch(stock, body) {
            return Err(failure);
        }
        if let Some(max) = stock.max_coupons_per_user {
            let held = inner
                .by_openid
                .get(openid)
                .into_iter()
                .flatten()
                .filter(|&&i| inner.coupons[i].stock_id == stock.stock_id)
                .count();
            if held >= max as usize {
                return Err(ApiFailure::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::RequestBlocked,
                    "用户被限领拦截：用户领取已经达到上限",
                )
                .detail(
                    ErrorDetail::at("uri_template", "openid")
                        .value(openid.to_owned())
                        .issue(format!("the user already holds {held} of at most {max}")),
                ));
            }
        }
        if stock.remaining() == 0 {
            return Err(ApiFailure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotEnough,
                "批次预算不足",
            )
            .detail(stock_detail().issue(format!(
                "all {} coupons of the stock have been sent",
                stock.max_coupons
            ))));
        }

        let coupon_id = inner.next_coupon_id.to_string();
        inner.next_coupon_id += 1;
        if let Some(stock) = inner.stocks.get_mut(&body.stock_id) {
            stock.distributed_coupons += 1;
        }
        let index = inner.coupons.len();
        inner.coupons.push(Issued {
            coupon_id: coupon_id.clone(),
            openid: openid.to_owned(),
            appid: body.appid.clone(),
            stock_id: body.stock_id.clone(),
            stock_creator_mchid: body.stock_creator_mchid.clone(),
            sender_mchid: caller.to_owned(),
            out_request_no: body.out_request_no.clone(),
            coupon_value: body.coupon_value.map(|f| f.get()),
            coupon_minimum: body.coupon_minimum.map(|f| f.get()),
            create_time: now,
            used: None,
        });
        inner
            .by_openid
            .entry(openid.to_owned())
            .or_default()
            .push(index);
        inner.by_request.insert(key, index);
        Ok(Sent {
            coupon_id,
            replayed: false,
        })
    }

    /// List coupons, after the query passed the generated validation. Returns the page and
    /// the total count; `offset` is a page index.
    pub(crate) fn list(
        &self,
        caller: &str,
        openid: &str,
        query: &ListCouponsByFilterQuery,
    ) -> ListPage {
        let now = self.now();
        let inner = self.lock();
        let mine = inner
            .by_openid
            .get(openid)
            .into_iter()
            .flatten()
            .map(|&i| &inner.coupons[i])
            .filter(|c| c.appid == query.appid);
        let rendered = |c: &Issued| inner.render(c, now);

        if let Some(available) = &query.available_mchid {
            // 可用商户: only usable coupons; stock_id, status, offset and limit are ignored.
            let data: Vec<Coupon> = mine
                .filter(|c| {
                    inner.stocks.get(&c.stock_id).is_some_and(|s| {
                        s.available_mchids.iter().any(|m| m == available)
                            || (s.available_mchids.is_empty() && &s.creator_mchid == available)
                    })
                })
                .filter_map(rendered)
                .filter(|coupon| coupon.status == CouponStatus::Sended)
                .collect();
            let total = data.len();
            return ListPage {
                data,
                total,
                offset: 0,
                limit: total,
            };
        }

        let matching: Vec<Coupon> = mine
            .filter(|c| {
                query
                    .creator_mchid
                    .as_ref()
                    .is_none_or(|m| &c.stock_creator_mchid == m)
            })
            .filter(|c| {
                query
                    .sender_mchid
                    .as_ref()
                    .is_none_or(|m| &c.sender_mchid == m)
            })
            .filter(|c| {
                // None of the three merchant filters: what the caller created or sent.
                query.creator_mchid.is_some()
                    || query.sender_mchid.is_some()
                    || c.sender_mchid == caller
                    || c.stock_creator_mchid == caller
            })
            .filter(|c| query.stock_id.as_ref().is_none_or(|id| &c.stock_id == id))
            // The sandbox issues no 消费金, so a MULTIUSE filter matches nothing.
            .filter(|_| query.business_type.is_none())
            .filter_map(rendered)
            .filter(|coupon| match &query.status {
                None => true,
                Some(CouponStatusFilter::Sended) => coupon.status == CouponStatus::Sended,
                Some(CouponStatusFilter::Used) => {
                    coupon.status == CouponStatus::Sended || coupon.status == CouponStatus::Used
                }
                Some(_) => false,
            })
            .collect();
        let total = matching.len();
        // The decoder has given absent parameters the spec's defaults.
        let limit = query.limit.unwrap_or_default() as usize;
        let offset = query.offset.unwrap_or_default() as usize;
        let data = matching
            .into_iter()
            .skip(offset.saturating_mul(limit))
            .take(limit)
            .collect();
        ListPage {
            data,
            total,
            offset,
            limit,
        }
    }
}

/// One page of the list operation.
pub(crate) struct ListPage {
    pub(crate) data: Vec<Coupon>,
    pub(crate) total: usize,
    pub(crate) offset: usize,
    pub(crate) limit: usize,
}

impl Inner {
    /// A coupon as the API shows it; `None` only if its stock vanished (never, stocks are
    /// replaced, not removed).
    fn render(&self, issued: &Issued, now: OffsetDateTime) -> Option<Coupon> {
        let stock = self.stocks.get(&issued.stock_id)?;
        let (_, end) = stock.window();
        let status = match (&issued.used, end) {
            (Some(_), _) => CouponStatus::Used,
            (None, Some(end)) if now > end => CouponStatus::Expired,
            (None, _) => CouponStatus::Sended,
        };
        let coupon_type = match stock.kind {
            CouponKind::Normal { .. } => CouponType::Normal,
            CouponKind::CutTo { .. } => CouponType::CutTo,
        };
        let time_or =
            |t: &Option<Timestamp>| t.clone().unwrap_or_else(|| wire_time(issued.create_time));
        let mut coupon = Coupon::new(
            issued.stock_creator_mchid.clone(),
            issued.stock_id.clone(),
            issued.coupon_id.clone(),
            stock.stock_name.clone(),
            status,
            stock.description.clone(),
            wire_time(issued.create_time),
            coupon_type,
            time_or(&stock.available_begin_time),
            time_or(&stock.available_end_time),
        )
        .no_cash(stock.no_cash)
        .singleitem(stock.singleitem)
        .out_request_no(issued.out_request_no.clone());
        if let Some(start) = &stock.start_time {
            coupon = coupon.start_time(start.clone());
        }
        coupon = match stock.kind {
            CouponKind::Normal {
                coupon_amount,
                transaction_minimum,
            } => coupon.normal_coupon_information(NormalCouponInformation::new(
                issued.coupon_value.unwrap_or(coupon_amount),
                issued.coupon_minimum.unwrap_or(transaction_minimum),
            )),
            CouponKind::CutTo {
                single_price_max,
                cut_to_price,
            } => coupon.cut_to_message(CutToMessage::new(single_price_max, cut_to_price)),
        };
        if let Some(used) = &issued.used {
            coupon = coupon.consume_information(
                ConsumeInformation::new()
                    .consume_time(wire_time(used.time))
                    .consume_mchid(used.mchid.clone())
                    .transaction_id(used.transaction_id.clone()),
            );
        }
        Some(coupon)
    }
}

/// Where a repeated `out_request_no` differs from the request that first used it.
fn first_difference(earlier: &Issued, openid: &str, body: &SendCouponBody) -> Option<ErrorDetail> {
    let differs = |field: &str, value: serde_json::Value, was: &str| {
        Some(ErrorDetail::at("body", field).value(value).issue(format!(
            "differs from the first request with this out_request_no ({was})"
        )))
    };
    if earlier.openid != openid {
        return Some(
            ErrorDetail::at("uri_template", "openid")
                .value(openid.to_owned())
                .issue(format!(
                    "differs from the first request with this out_request_no ({})",
                    earlier.openid
                )),
        );
    }
    if earlier.stock_id != body.stock_id {
        return differs("/stock_id", body.stock_id.clone().into(), &earlier.stock_id);
    }
    if earlier.appid != body.appid {
        return differs("/appid", body.appid.clone().into(), &earlier.appid);
    }
    let fen = |v: Option<i64>| v.map_or(serde_json::Value::Null, Into::into);
    let shown = |v: Option<i64>| v.map_or("absent".to_owned(), |v| v.to_string());
    let value = body.coupon_value.map(|f| f.get());
    if earlier.coupon_value != value {
        return differs("/coupon_value", fen(value), &shown(earlier.coupon_value));
    }
    let minimum = body.coupon_minimum.map(|f| f.get());
    if earlier.coupon_minimum != minimum {
        return differs(
            "/coupon_minimum",
            fen(minimum),
            &shown(earlier.coupon_minimum),
        );
    }
    None
}

/// `coupon_value` / `coupon_minimum` are for 指定面额 stocks only: when given they must
/// equal the stock's own face value and threshold (a 减至 stock takes neither).
fn face_value_mismatch(stock: &Stock, body: &SendCouponBody) -> Option<ApiFailure> {
    let (amount, minimum) = match stock.kind {
        CouponKind::Normal {
            coupon_amount,
            transaction_minimum,
        } => (Some(coupon_amount), Some(transaction_minimum)),
        CouponKind::CutTo { .. } => (None, None),
    };
    let check = |field: &str, given: Option<i64>, expected: Option<i64>| {
        match given {
        Some(given) if Some(given) != expected => Some(
            ApiFailure::param(format!("{field} 与批次面额信息不一致，非指定面额发券请勿填写"))
                .detail(
                    ErrorDetail::at("body", format!("/{field}"))
                        .value(given)
                        .issue(match expected {
                            Some(expected) => format!(
                                "the stock's value is {expected}; omit the field unless sending a 指定面额 stock"
                            ),
                            None => "a CUT_TO stock takes no face value; omit the field".to_owned(),
                        }),
                ),
        ),
        _ => None,
    }
    };
    check("coupon_value", body.coupon_value.map(|f| f.get()), amount).or_else(|| {
        check(
            "coupon_minimum",
            body.coupon_minimum.map(|f| f.get()),
            minimum,
        )
    })
}
