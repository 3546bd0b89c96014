//! The stock operations: create, start/pause/restart/stop, list, detail, available merchants
//! and goods ids, modify goods ids. Requests parse into the generated types and pass their
//! generated `validate()`; the state does the rest.

use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use serde_json::Value;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{
    AvailableMerchantList, AvailableSingleitemList, CreateCouponStockBody,
    CreateCouponStockResponse, ListAvailableMerchantsQuery, ListAvailableSingleitemsQuery,
    ListStocksQuery, ModifyStockGoodsIdsBody, ModifyStockGoodsIdsResponse, PauseStockBody,
    PauseStockResponse, QueryStockQuery, RestartStockBody, RestartStockResponse, StartStockBody,
    StartStockResponse, StockList, StockStatus, StopStockBody, StopStockResponse,
};

use super::App;
use super::input::{json_body, path_param, query, unknown_value};
use crate::protocol::Caller;
use crate::reply::{ApiFailure, Reply};
use crate::state::StockAction;
use crate::state::StockListKind as ListKind;

/// The longest stock ID.
const STOCK_ID_CHARS: u64 = 20;

/// Create stock.
pub(super) fn create(app: &App, caller: &Caller, body: &Bytes) -> Reply {
    let body = match json_body(body, CreateCouponStockBody::validate) {
        Ok(body) => body,
        Err(failure) => return failure.into(),
    };
    match app.state.create_stock(&caller.mchid, &body) {
        Ok((stock_id, create_time)) => Reply::json(
            StatusCode::OK,
            &CreateCouponStockResponse::new(stock_id, create_time),
        ),
        Err(failure) => failure.into(),
    }
}

/// Start, pause, restart or stop.
pub(super) fn lifecycle(
    app: &App,
    caller: &Caller,
    raw_stock_id: &str,
    action: StockAction,
    body: &Bytes,
) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", STOCK_ID_CHARS)?;
        let creator = match action {
            StockAction::Start => json_body(body, StartStockBody::validate)?.stock_creator_mchid,
            StockAction::Pause => json_body(body, PauseStockBody::validate)?.stock_creator_mchid,
            StockAction::Restart => {
                json_body(body, RestartStockBody::validate)?.stock_creator_mchid
            }
            StockAction::Stop => json_body(body, StopStockBody::validate)?.stock_creator_mchid,
        };
        let at: Timestamp = app
            .state
            .change_stock(&caller.mchid, &stock_id, &creator, action)?;
        Ok(match action {
            StockAction::Start => {
                Reply::json(StatusCode::OK, &StartStockResponse::new(at, stock_id))
            }
            StockAction::Pause => {
                Reply::json(StatusCode::OK, &PauseStockResponse::new(at, stock_id))
            }
            StockAction::Restart => {
                Reply::json(StatusCode::OK, &RestartStockResponse::new(at, stock_id))
            }
            StockAction::Stop => Reply::json(StatusCode::OK, &StopStockResponse::new(at, stock_id)),
        })
    };
    run().unwrap_or_else(Reply::from)
}

/// List stocks. `offset` (a page index) is required, as the official documents say.
pub(super) fn list(app: &App, caller: &Caller, uri: &Uri) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let (query, _) = query(
            uri,
            &["offset", "limit", "stock_creator_mchid"],
            ListStocksQuery::validate,
        )?;
        if let Some(StockStatus::Unknown(status)) = &query.status {
            return Err(unknown_value(
                "query",
                "status",
                status,
                "unactivated、audit、running、stoped 或 paused（非法的批次状态）",
            ));
        }
        let page = app.state.list_stocks(&caller.mchid, &query);
        let list = StockList::new(count(page.total), query.limit, query.offset).data(page.items);
        Ok(json_with_data(&list))
    };
    run().unwrap_or_else(Reply::from)
}

/// Stock detail.
pub(super) fn detail(app: &App, caller: &Caller, raw_stock_id: &str, uri: &Uri) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", STOCK_ID_CHARS)?;
        let (query, _) = query(uri, &["stock_creator_mchid"], QueryStockQuery::validate)?;
        let stock = app
            .state
            .stock_detail(&caller.mchid, &stock_id, &query.stock_creator_mchid)?;
        Ok(Reply::json(StatusCode::OK, &stock))
    };
    run().unwrap_or_else(Reply::from)
}

/// A stock's available merchants.
pub(super) fn merchants(app: &App, caller: &Caller, raw_stock_id: &str, uri: &Uri) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", STOCK_ID_CHARS)?;
        let (q, _) = query(uri, PAGED_STRINGS, ListAvailableMerchantsQuery::validate)?;
        let (creator, kind) = (&q.stock_creator_mchid, ListKind::Merchants);
        let page = app.state.stock_list(
            &caller.mchid,
            &stock_id,
            creator,
            kind,
            q.offset as usize,
            q.limit as usize,
        )?;
        let list = AvailableMerchantList::new(count(page.total), q.offset, q.limit, stock_id);
        Ok(json_with_data(&list.data(page.items)))
    };
    run().unwrap_or_else(Reply::from)
}

/// A stock's goods ids (可核销商品编码).
pub(super) fn items(app: &App, caller: &Caller, raw_stock_id: &str, uri: &Uri) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", STOCK_ID_CHARS)?;
        let (q, _) = query(uri, PAGED_STRINGS, ListAvailableSingleitemsQuery::validate)?;
        let (creator, kind) = (&q.stock_creator_mchid, ListKind::Items);
        let page = app.state.stock_list(
            &caller.mchid,
            &stock_id,
            creator,
            kind,
            q.offset as usize,
            q.limit as usize,
        )?;
        let list = AvailableSingleitemList::new(count(page.total), q.offset, q.limit, stock_id);
        Ok(json_with_data(&list.data(page.items)))
    };
    run().unwrap_or_else(Reply::from)
}

/// The query parameters both string lists (merchants, goods ids) require.
const PAGED_STRINGS: &[&str] = &["offset", "limit", "stock_creator_mchid"];

/// Modify goods ids.
pub(super) fn modify_goods(app: &App, caller: &Caller, raw_stock_id: &str, body: &Bytes) -> Reply {
    let run = || -> Result<Reply, ApiFailure> {
        let stock_id = path_param(raw_stock_id, "stock_id", STOCK_ID_CHARS)?;
        let body = json_body(body, ModifyStockGoodsIdsBody::validate)?;
        let at = app.state.modify_goods_ids(
            &caller.mchid,
            &stock_id,
            &body.stock_creator_mchid,
            &body.add_goods_id_list,
            &body.delete_goods_id_list,
        )?;
        Ok(Reply::json(
            StatusCode::OK,
            &ModifyStockGoodsIdsResponse::new(at, stock_id),
        ))
    };
    run().unwrap_or_else(Reply::from)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The generated types omit an empty `data`; WeChat Pay documents it as present, and clients
/// written against the documents index it, so an empty page says `"data":[]`.
pub(super) fn json_with_data<T: serde::Serialize>(value: &T) -> Reply {
    match serde_json::to_value(value) {
        Ok(Value::Object(mut object)) => {
            object
                .entry("data")
                .or_insert_with(|| Value::Array(Vec::new()));
            Reply::json(StatusCode::OK, &Value::Object(object))
        }
        _ => Reply::json(StatusCode::OK, value),
    }
}
