//! Routing of the cash-coupon operations beyond send/list coupons: stocks, their lifecycle,
//! lists and flows, one coupon, and the notify URL. Operation IDs come from the spec.

use axum::body::Bytes;
use axum::http::{Method, Uri};
use wechatpay_apiv3::Operation as _;
use wechatpay_apiv3::api::{
    CreateCouponStock, ListAvailableMerchants, ListAvailableSingleitems, ListStocks,
    ModifyStockGoodsIds, PauseStock, QueryCallback, QueryCoupon, QueryStock, RestartStock,
    SetCallback, StartStock, StockRefundFlow, StockRefundFlowByDay, StockUseFlow,
    StockUseFlowByDay, StopStock,
};

use super::{App, Route, callbacks, coupons, flows, stocks};
use crate::protocol::Caller;
use crate::reply::Reply;
use crate::state::{FlowKind, StockAction};

/// One of the operations this module serves. Path parameters stay raw (percent-encoded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FavorRoute<'a> {
    CreateStock,
    ListStocks,
    QueryStock {
        stock_id: &'a str,
    },
    Lifecycle {
        stock_id: &'a str,
        action: StockAction,
    },
    Merchants {
        stock_id: &'a str,
    },
    Items {
        stock_id: &'a str,
    },
    ModifyGoods {
        stock_id: &'a str,
    },
    Flow {
        stock_id: &'a str,
        kind: FlowKind,
        by_day: bool,
    },
    QueryCoupon {
        openid: &'a str,
        coupon_id: &'a str,
    },
    SetCallback,
    QueryCallback,
}

impl FavorRoute<'_> {
    /// The spec's operation ID (what fault rules match on).
    pub(super) fn operation(&self) -> &'static str {
        match self {
            FavorRoute::CreateStock => CreateCouponStock::META.id,
            FavorRoute::ListStocks => ListStocks::META.id,
            FavorRoute::QueryStock { .. } => QueryStock::META.id,
            FavorRoute::Lifecycle { action, .. } => match action {
                StockAction::Start => StartStock::META.id,
                StockAction::Pause => PauseStock::META.id,
                StockAction::Restart => RestartStock::META.id,
                StockAction::Stop => StopStock::META.id,
            },
            FavorRoute::Merchants { .. } => ListAvailableMerchants::META.id,
            FavorRoute::Items { .. } => ListAvailableSingleitems::META.id,
            FavorRoute::ModifyGoods { .. } => ModifyStockGoodsIds::META.id,
            FavorRoute::Flow { kind, by_day, .. } => match (kind, by_day) {
                (FlowKind::Use, false) => StockUseFlow::META.id,
                (FlowKind::Use, true) => StockUseFlowByDay::META.id,
                (FlowKind::Refund, false) => StockRefundFlow::META.id,
                (FlowKind::Refund, true) => StockRefundFlowByDay::META.id,
            },
            FavorRoute::QueryCoupon { .. } => QueryCoupon::META.id,
            FavorRoute::SetCallback => SetCallback::META.id,
            FavorRoute::QueryCallback => QueryCallback::META.id,
        }
    }
}

/// The route of `method path` when the path is one of this module's, else `None`.
pub(super) fn resolve<'a>(method: &Method, path: &'a str) -> Option<Route<'a>> {
    let rest = path.strip_prefix("/v3/marketing/favor/")?;
    let segments: Vec<&'a str> = rest.split('/').collect();
    // (route for GET, route for POST)
    let (get, post): (Option<FavorRoute<'a>>, Option<FavorRoute<'a>>) = match segments[..] {
        ["coupon-stocks"] => (None, Some(FavorRoute::CreateStock)),
        ["stocks"] => (Some(FavorRoute::ListStocks), None),
        ["stocks", stock_id] => (Some(FavorRoute::QueryStock { stock_id }), None),
        ["stocks", stock_id, leaf] => match leaf {
            "start" | "pause" | "restart" | "stop" => {
                let action = match leaf {
                    "start" => StockAction::Start,
                    "pause" => StockAction::Pause,
                    "restart" => StockAction::Restart,
                    _ => StockAction::Stop,
                };
                (None, Some(FavorRoute::Lifecycle { stock_id, action }))
            }
            "merchants" => (Some(FavorRoute::Merchants { stock_id }), None),
            "items" => (Some(FavorRoute::Items { stock_id }), None),
            "modify-goods-id" => (None, Some(FavorRoute::ModifyGoods { stock_id })),
            "use-flow" | "refund-flow" | "use-flow-by-day" | "refund-flow-by-day" => {
                let kind = if leaf.starts_with("use") {
                    FlowKind::Use
                } else {
                    FlowKind::Refund
                };
                let by_day = leaf.ends_with("by-day");
                (
                    Some(FavorRoute::Flow {
                        stock_id,
                        kind,
                        by_day,
                    }),
                    None,
                )
            }
            _ => return None,
        },
        ["users", openid, "coupons", coupon_id] => {
            (Some(FavorRoute::QueryCoupon { openid, coupon_id }), None)
        }
        ["callbacks"] => (
            Some(FavorRoute::QueryCallback),
            Some(FavorRoute::SetCallback),
        ),
        _ => return None,
    };
    let chosen = match *method {
        Method::GET => get,
        Method::POST => post,
        _ => None,
    };
    Some(match (chosen, get, post) {
        (Some(route), _, _) => Route::Favor(route),
        (None, Some(other), Some(_)) => Route::WrongMethod {
            operation: other.operation(),
            allow: "GET, POST",
        },
        (None, Some(other), None) => Route::WrongMethod {
            operation: other.operation(),
            allow: "GET",
        },
        (None, None, Some(other)) => Route::WrongMethod {
            operation: other.operation(),
            allow: "POST",
        },
        (None, None, None) => return None,
    })
}

/// Runs an authenticated request.
pub(super) fn dispatch(
    app: &App,
    caller: &Caller,
    route: FavorRoute<'_>,
    uri: &Uri,
    body: &Bytes,
) -> Reply {
    match route {
        FavorRoute::CreateStock => stocks::create(app, caller, body),
        FavorRoute::ListStocks => stocks::list(app, caller, uri),
        FavorRoute::QueryStock { stock_id } => stocks::detail(app, caller, stock_id, uri),
        FavorRoute::Lifecycle { stock_id, action } => {
            stocks::lifecycle(app, caller, stock_id, action, body)
        }
        FavorRoute::Merchants { stock_id } => stocks::merchants(app, caller, stock_id, uri),
        FavorRoute::Items { stock_id } => stocks::items(app, caller, stock_id, uri),
        FavorRoute::ModifyGoods { stock_id } => stocks::modify_goods(app, caller, stock_id, body),
        FavorRoute::Flow {
            stock_id,
            kind,
            by_day,
        } => flows::link(app, caller, stock_id, kind, by_day, uri),
        FavorRoute::QueryCoupon { openid, coupon_id } => {
            coupons::detail(app, caller, openid, coupon_id, uri)
        }
        FavorRoute::SetCallback => callbacks::set(app, caller, body),
        FavorRoute::QueryCallback => callbacks::query(app, caller, uri),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve() {
        let favor = |method: &Method, path| match resolve(method, path) {
            Some(Route::Favor(route)) => Some(route),
            _ => None,
        };
        assert_eq!(
            favor(&Method::POST, "/v3/marketing/favor/coupon-stocks"),
            Some(FavorRoute::CreateStock)
        );
        assert_eq!(
            favor(&Method::POST, "/v3/marketing/favor/stocks/98%2000/start"),
            Some(FavorRoute::Lifecycle {
                stock_id: "98%2000",
                action: StockAction::Start
            })
        );
        assert_eq!(
            favor(
                &Method::GET,
                "/v3/marketing/favor/stocks/1/refund-flow-by-day"
            ),
            Some(FavorRoute::Flow {
                stock_id: "1",
                kind: FlowKind::Refund,
                by_day: true
            })
        );
        assert_eq!(
            favor(&Method::GET, "/v3/marketing/favor/users/o/coupons/7"),
            Some(FavorRoute::QueryCoupon {
                openid: "o",
                coupon_id: "7"
            })
        );
        assert!(matches!(
            resolve(&Method::GET, "/v3/marketing/favor/stocks/1/stop"),
            Some(Route::WrongMethod { allow: "POST", .. })
        ));
        assert!(matches!(
            resolve(&Method::DELETE, "/v3/marketing/favor/callbacks"),
            Some(Route::WrongMethod {
                allow: "GET, POST",
                ..
            })
        ));
        assert_eq!(
            resolve(&Method::GET, "/v3/marketing/favor/stocks/1/other"),
            None
        );
        assert_eq!(
            resolve(&Method::GET, "/v3/marketing/favor/users/o/coupons"),
            None
        );
        assert_eq!(
            favor(&Method::GET, "/v3/marketing/favor/stocks").map(|r| r.operation()),
            Some("list_stocks")
        );
    }
}
