//! Issued coupons as the state keeps them, how the API renders one, the handle's coupon
//! inspection (read, count, mark used) and the list-by-user operation.

use time::OffsetDateTime;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{
    ConsumeInformation, Coupon, CouponStatus, CouponStatusFilter, CouponType, CutToMessage,
    ListCouponsByFilterQuery, NormalCouponInformation,
};

use super::{Inner, SandboxState};
use crate::error::SandboxError;
use crate::stocks::{CouponKind, wire_time};

/// One coupon the sandbox issued, as it keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Issued {
    pub(super) coupon_id: String,
    pub(super) openid: String,
    pub(super) appid: String,
    pub(super) stock_id: String,
    pub(super) stock_creator_mchid: String,
    pub(super) sender_mchid: String,
    pub(super) out_request_no: String,
    pub(super) coupon_value: Option<i64>,
    pub(super) coupon_minimum: Option<i64>,
    pub(super) create_time: OffsetDateTime,
    pub(super) used: Option<Used>,
}

/// When, where and in which payment a coupon was used (已实扣).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Used {
    pub(super) time: OffsetDateTime,
    pub(super) mchid: String,
    pub(super) transaction_id: String,
}

impl SandboxState {
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
    pub(super) fn render(&self, issued: &Issued, now: OffsetDateTime) -> Option<Coupon> {
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
