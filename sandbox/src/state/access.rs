//! The stock access checks every stock operation shares: the stock exists, the request names
//! its creator, and the caller may act on it.

use axum::http::StatusCode;
use wechatpay_apiv3::api::ErrorCode;

use super::Inner;
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::Stock;

/// Who may call a stock operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Only the stock's creator (lifecycle, goods ids, flows).
    Creator,
    /// The creator or a merchant authorized to send the stock (detail, merchants, items).
    CreatorOrSender,
}

/// Where the request named the stock's creator, for error details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CreatorIn {
    /// `stock_creator_mchid` in the JSON body.
    Body,
    /// `stock_creator_mchid` in the query string.
    Query,
    /// Not named at all (the flow downloads): only the caller is checked.
    Nowhere,
}

impl Inner {
    /// The stock an operation acts on, after the checks every stock operation makes, in order:
    /// the stock exists (`404 RESOURCE_NOT_EXISTS 批次不存在`); `stock_creator_mchid` names its
    /// creator (`400 INVALID_REQUEST 非法的商户号`); the caller may act on it
    /// (`403 REQUEST_BLOCKED 调用商户无权限`).
    pub(super) fn stock_for(
        &self,
        caller: &str,
        stock_id: &str,
        creator: Option<&str>,
        creator_in: CreatorIn,
        access: Access,
    ) -> Result<&Stock, ApiFailure> {
        let Some(stock) = self.stocks.get(stock_id) else {
            return Err(ApiFailure::new(
                StatusCode::NOT_FOUND,
                ErrorCode::ResourceNotExists,
                "批次不存在",
            )
            .detail(
                ErrorDetail::at("uri_template", "stock_id")
                    .value(stock_id.to_owned())
                    .issue("no stock with this stock_id"),
            ));
        };
        if let Some(creator) = creator
            && creator != stock.creator_mchid
        {
            let (location, field) = match creator_in {
                CreatorIn::Query => ("query", "stock_creator_mchid"),
                _ => ("body", "/stock_creator_mchid"),
            };
            return Err(ApiFailure::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidRequest,
                "非法的商户号：stock_creator_mchid 与批次创建方不一致",
            )
            .detail(
                ErrorDetail::at(location, field)
                    .value(creator.to_owned())
                    .issue(format!(
                        "stock {} was created by another merchant",
                        stock.stock_id
                    )),
            ));
        }
        let allowed = stock.creator_mchid == caller
            || (access == Access::CreatorOrSender
                && stock.authorized_senders.iter().any(|m| m == caller));
        if !allowed {
            let who = match access {
                Access::Creator => "only the stock's creator",
                Access::CreatorOrSender => "only the stock's creator and its authorized senders",
            };
            return Err(ApiFailure::new(
                StatusCode::FORBIDDEN,
                ErrorCode::RequestBlocked,
                "调用商户无权限：只能操作自己创建（或可发放）的批次",
            )
            .detail(
                ErrorDetail::at("uri_template", "stock_id")
                    .value(stock_id.to_owned())
                    .issue(format!("merchant {caller} may not do this; {who} may")),
            ));
        }
        Ok(stock)
    }
}
