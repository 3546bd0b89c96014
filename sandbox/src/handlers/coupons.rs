//! A user's coupons: send one, list them, show one.

use wechatpay_apiv3::api::{
    Coupon, CouponList, ListCouponsByFilter, QueryCoupon, SendCoupon, SendCouponResponse,
};

use super::count;
use crate::app::App;
use crate::protocol::Caller;
use crate::reply::ApiFailure;

/// Send coupon (see [`crate::Sandbox`], "Send coupon").
pub(super) fn send(
    app: &App,
    caller: &Caller,
    input: SendCoupon,
) -> Result<SendCouponResponse, ApiFailure> {
    let sent = app.state.send(&caller.mchid, &input.openid, &input.body)?;
    if sent.replayed {
        tracing::debug!(coupon_id = %sent.coupon_id, "idempotent replay of send coupon");
    }
    Ok(SendCouponResponse::new(sent.coupon_id))
}

/// List coupons (see [`crate::Sandbox`], "List coupons").
pub(super) fn list(
    app: &App,
    caller: &Caller,
    input: ListCouponsByFilter,
) -> Result<CouponList, ApiFailure> {
    let page = app.state.list(&caller.mchid, &input.openid, &input.query);
    Ok(CouponList::new(count(page.total), count(page.offset), count(page.limit)).data(page.data))
}

/// Coupon detail: a coupon of that openid the caller created or sent.
pub(super) fn detail(app: &App, caller: &Caller, input: QueryCoupon) -> Result<Coupon, ApiFailure> {
    app.state.coupon_detail(
        &caller.mchid,
        &input.openid,
        &input.coupon_id,
        &input.query.appid,
    )
}
