//! Send coupon (发放代金券): the idempotency lookup, every check against the stock and the
//! user, and the issue, all under the state's one lock.

use axum::http::StatusCode;
use wechatpay_apiv3::api::{ErrorCode, SendCouponBody};

use super::{Issued, SandboxState};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{CouponKind, Stock, StockStatus};

/// What a send-coupon request turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) coupon_id: String,
    /// `true` when the request repeated an earlier one and got its coupon back.
    pub(crate) replayed: bool,
}

impl SandboxState {
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
