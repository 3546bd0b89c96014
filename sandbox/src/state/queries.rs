//! Reading stocks and coupons back: stock detail and list, a stock's merchants and goods ids,
//! one coupon.

use axum::http::StatusCode;
use time::OffsetDateTime;
use wechatpay_apiv3::api::{
    Coupon, CouponType, CutToMessage, ErrorCode, FixedNormalCoupon, ListStocksQuery,
    Stock as ApiStock, StockStatus as ApiStockStatus, StockType, StockUseRule,
};

use super::access::{Access, CreatorIn};
use super::lifecycle::wire_status;
use super::{Inner, SandboxState};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{CouponKind, Stock, wire_time};

/// One page of a paged list, with the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paged<T> {
    pub(crate) items: Vec<T>,
    pub(crate) total: usize,
}

/// Page `page` (a page index, from 0) of `limit` items.
fn page<T>(all: Vec<T>, page: usize, limit: usize) -> Paged<T> {
    let total = all.len();
    let items = all
        .into_iter()
        .skip(page.saturating_mul(limit))
        .take(limit)
        .collect();
    Paged { items, total }
}

/// Which list of a stock `GET …/merchants` and `GET …/items` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockListKind {
    /// 可用商户: the stock's available merchants, or its creator when it names none.
    Merchants,
    /// 可核销商品编码.
    Items,
}

impl SandboxState {
    /// Stock detail: the creator and its authorized senders may read a stock.
    pub(crate) fn stock_detail(
        &self,
        caller: &str,
        stock_id: &str,
        creator: &str,
    ) -> Result<ApiStock, ApiFailure> {
        let inner = self.lock();
        let stock = inner.stock_for(
            caller,
            stock_id,
            Some(creator),
            CreatorIn::Query,
            Access::CreatorOrSender,
        )?;
        Ok(inner.render_stock(stock))
    }

    /// List stocks: those created by `stock_creator_mchid` that the caller may read, filtered
    /// by creation time and status, in creation order; `offset` is a page index.
    pub(crate) fn list_stocks(&self, caller: &str, query: &ListStocksQuery) -> Paged<ApiStock> {
        let inner = self.lock();
        let parse =
            |t: &Option<wechatpay_apiv3::Timestamp>| t.as_ref().and_then(|t| t.parse().ok());
        let (from, to) = (
            parse(&query.create_start_time),
            parse(&query.create_end_time),
        );
        let mut matching: Vec<(OffsetDateTime, &Stock)> = inner
            .stocks
            .values()
            .filter(|s| s.creator_mchid == query.stock_creator_mchid)
            .filter(|s| {
                s.creator_mchid == caller || s.authorized_senders.iter().any(|m| m == caller)
            })
            .filter(|s| {
                query
                    .status
                    .as_ref()
                    .is_none_or(|status| status.as_str() == wire_status(s.status))
            })
            .map(|s| {
                (
                    parse(&s.create_time).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    s,
                )
            })
            .filter(|(created, _)| from.is_none_or(|from| *created >= from))
            .filter(|(created, _)| to.is_none_or(|to| *created <= to))
            .collect();
        matching.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.stock_id.cmp(&b.1.stock_id)));
        let rendered = matching
            .into_iter()
            .map(|(_, s)| inner.render_stock(s))
            .collect();
        page(rendered, query.offset as usize, query.limit as usize)
    }

    /// A stock's available merchants or goods ids, one page (`page` is a page index).
    pub(crate) fn stock_list(
        &self,
        caller: &str,
        stock_id: &str,
        creator: &str,
        list: StockListKind,
        page_index: usize,
        limit: usize,
    ) -> Result<Paged<String>, ApiFailure> {
        let inner = self.lock();
        let stock = inner.stock_for(
            caller,
            stock_id,
            Some(creator),
            CreatorIn::Query,
            Access::CreatorOrSender,
        )?;
        let all = match list {
            StockListKind::Merchants if stock.available_mchids.is_empty() => {
                vec![stock.creator_mchid.clone()]
            }
            StockListKind::Merchants => stock.available_mchids.clone(),
            StockListKind::Items => stock.available_items.clone(),
        };
        Ok(page(all, page_index, limit))
    }

    /// Coupon detail: a coupon of `openid` received under `appid`, seen by the stock's creator
    /// or the merchant that sent it.
    pub(crate) fn coupon_detail(
        &self,
        caller: &str,
        openid: &str,
        coupon_id: &str,
        appid: &str,
    ) -> Result<Coupon, ApiFailure> {
        let now = self.now();
        let inner = self.lock();
        let issued = inner
            .by_openid
            .get(openid)
            .into_iter()
            .flatten()
            .map(|&i| &inner.coupons[i])
            .find(|c| {
                c.coupon_id == coupon_id
                    && (c.sender_mchid == caller || c.stock_creator_mchid == caller)
            });
        let Some(issued) = issued else {
            return Err(ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::ResourceNotExists,
                "代金券不存在",
            )
            .detail(
                ErrorDetail::at("uri_template", "coupon_id")
                    .value(coupon_id.to_owned())
                    .issue("this openid holds no such coupon the caller created or sent"),
            ));
        };
        if issued.appid != appid {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "openid 与 appID 不匹配：券不是在这个 appid 下领取的",
            )
            .detail(
                ErrorDetail::at("query", "appid")
                    .value(appid.to_owned())
                    .issue("the coupon was received under another appid"),
            ));
        }
        inner.render(issued, now).ok_or_else(ApiFailure::system)
    }
}

impl Inner {
    /// A stock as the stock APIs show it. The rules a created stock was created with are
    /// shown as given; seeded stocks show what the sandbox knows about them.
    pub(super) fn render_stock(&self, stock: &Stock) -> ApiStock {
        let created_time = |t: &Option<wechatpay_apiv3::Timestamp>| {
            t.clone()
                .unwrap_or_else(|| wire_time(OffsetDateTime::UNIX_EPOCH))
        };
        let request = self.created.requests.get(&stock.stock_id);
        let (coupon_type, fixed, max_amount) = match stock.kind {
            CouponKind::Normal {
                coupon_amount,
                transaction_minimum,
            } => (
                CouponType::Normal,
                Some(FixedNormalCoupon::new(coupon_amount, transaction_minimum)),
                i64::try_from(stock.max_coupons)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(coupon_amount),
            ),
            CouponKind::CutTo { cut_to_price, .. } => (
                CouponType::CutTo,
                None,
                i64::try_from(stock.max_coupons)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(cut_to_price),
            ),
        };
        let per_user = stock
            .max_coupons_per_user
            .unwrap_or_else(|| u32::try_from(stock.max_coupons).unwrap_or(u32::MAX));
        let max_amount = request.map_or(max_amount, |r| r.stock_use_rule.max_amount.get());
        let mut rule =
            StockUseRule::new(stock.max_coupons, max_amount, per_user).coupon_type(coupon_type);
        if let Some(fixed) = fixed {
            rule = rule.fixed_normal_coupon(fixed);
        }
        if let Some(request) = request {
            let given = &request.stock_use_rule;
            rule = rule
                .natural_person_limit(given.natural_person_limit)
                .prevent_api_abuse(given.prevent_api_abuse)
                .goods_tag(request.coupon_use_rule.goods_tag.clone())
                .trade_type(request.coupon_use_rule.trade_type.clone());
            if let Some(by_day) = given.max_amount_by_day {
                rule = rule.max_amount_by_day(by_day);
            }
            if let Some(combine) = request.coupon_use_rule.combine_use {
                rule = rule.combine_use(combine);
            }
        }
        let status = ApiStockStatus::from(wire_status(stock.status));
        let mut rendered = ApiStock::new(
            stock.stock_id.clone(),
            stock.creator_mchid.clone(),
            stock.stock_name.clone(),
            status,
            created_time(&stock.create_time),
            stock.description.clone(),
            created_time(&stock.available_begin_time),
            created_time(&stock.available_end_time),
            stock.distributed_coupons,
            stock.no_cash,
            StockType::Normal,
        )
        .stock_use_rule(rule)
        .singleitem(stock.singleitem);
        if let Some(start) = &stock.start_time {
            rendered = rendered.start_time(start.clone());
        }
        if let Some(stop) = &stock.stop_time {
            rendered = rendered.stop_time(stop.clone());
        }
        if let CouponKind::CutTo {
            single_price_max,
            cut_to_price,
        } = stock.kind
        {
            rendered = rendered.cut_to_message(CutToMessage::new(single_price_max, cut_to_price));
        }
        rendered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_page_indexes() {
        let all: Vec<u32> = (0..25).collect();
        let third = page(all.clone(), 2, 10);
        assert_eq!((third.items, third.total), (vec![20, 21, 22, 23, 24], 25));
        assert!(page(all.clone(), 3, 10).items.is_empty());
        assert!(page(all, usize::MAX, 10).items.is_empty());
    }
}
