//! Changing a 单品 stock's goods ids (`available_items`).

use axum::http::StatusCode;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{CouponRule, ErrorCode};
use wechatpay_apiv3::wire::FieldPath;

use super::SandboxState;
use super::access::{Access, CreatorIn};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{StockStatus, wire_time};

impl SandboxState {
    /// Modify goods ids (`POST …/modify-goods-id`): deletes, then adds; at least one must
    /// remain, and what remains must be a valid `available_items` of the spec (at most its
    /// `max_items`). Only the creator of a 单品 stock that is not stopped may.
    pub(crate) fn modify_goods_ids(
        &self,
        caller: &str,
        stock_id: &str,
        creator: &str,
        add: &[String],
        delete: &[String],
    ) -> Result<Timestamp, ApiFailure> {
        let now = wire_time(self.now());
        let mut inner = self.lock();
        let stock = inner.stock_for(
            caller,
            stock_id,
            Some(creator),
            CreatorIn::Body,
            Access::Creator,
        )?;
        if add.is_empty() && delete.is_empty() {
            return Err(
                ApiFailure::param("add_goods_id_list 与 delete_goods_id_list 至少填一个").detail(
                    ErrorDetail::at("body", "/add_goods_id_list").issue("both lists are empty"),
                ),
            );
        }
        if stock.available_items.is_empty() {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "非单品券批次：批次没有可核销商品编码",
            )
            .detail(
                ErrorDetail::at("uri_template", "stock_id")
                    .value(stock_id.to_owned())
                    .issue("the stock was created without available_items"),
            ));
        }
        if stock.status == StockStatus::Stopped {
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "批次已终止，不能修改商品编码",
            )
            .detail(
                ErrorDetail::at("uri_template", "stock_id")
                    .value(stock_id.to_owned())
                    .issue("the stock is stoped"),
            ));
        }
        let mut items: Vec<String> = stock
            .available_items
            .iter()
            .filter(|id| !delete.contains(id))
            .cloned()
            .collect();
        for id in add {
            if !items.contains(id) {
                items.push(id.clone());
            }
        }
        if items.is_empty() {
            return Err(ApiFailure::param("至少需要保留一个商品编码").detail(
                ErrorDetail::at("body", "/delete_goods_id_list")
                    .issue("the change would leave the stock without goods ids"),
            ));
        }
        // What remains must still be a valid `available_items` of the spec (its `max_items`).
        let remaining = CouponRule::new().available_items(items);
        if let Err(wechatpay_apiv3::Error::InvalidRequest { problem, .. }) =
            remaining.validate(&FieldPath::root("coupon_use_rule"))
        {
            return Err(
                ApiFailure::param(format!("可核销商品编码（available_items）{problem}")).detail(
                    ErrorDetail::at("body", "/add_goods_id_list").issue(format!(
                        "the change would leave {} goods ids: {problem}",
                        remaining.available_items.len()
                    )),
                ),
            );
        }
        let items = remaining.available_items;
        if let Some(stock) = inner.stocks.get_mut(stock_id) {
            stock.available_items = items;
        }
        Ok(now)
    }
}
