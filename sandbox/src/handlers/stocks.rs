//! Stocks: create, the lifecycle (start, pause, restart, stop), the stock list, a stock's
//! available merchants and goods ids, and changing the goods ids.

use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{
    AvailableMerchantList, AvailableSingleitemList, CreateCouponStock, CreateCouponStockResponse,
    ListAvailableMerchants, ListAvailableSingleitems, ListStocks, ModifyStockGoodsIds,
    ModifyStockGoodsIdsResponse, StockList,
};

use super::count;
use crate::app::App;
use crate::protocol::Caller;
use crate::reply::ApiFailure;
use crate::state::{StockAction, StockListKind};

/// Create stock.
pub(super) fn create(
    app: &App,
    caller: &Caller,
    input: CreateCouponStock,
) -> Result<CreateCouponStockResponse, ApiFailure> {
    let (stock_id, create_time) = app.state.create_stock(&caller.mchid, &input.body)?;
    Ok(CreateCouponStockResponse::new(stock_id, create_time))
}

/// Start, pause, restart or stop: the time it took effect, and the stock ID back.
pub(super) fn change(
    app: &App,
    caller: &Caller,
    stock_id: String,
    creator: &str,
    action: StockAction,
) -> Result<(Timestamp, String), ApiFailure> {
    let at = app
        .state
        .change_stock(&caller.mchid, &stock_id, creator, action)?;
    Ok((at, stock_id))
}

/// List stocks; `offset` is a page index.
pub(super) fn list(app: &App, caller: &Caller, input: ListStocks) -> StockList {
    let query = input.query;
    let page = app.state.list_stocks(&caller.mchid, &query);
    StockList::new(count(page.total), query.limit, query.offset).data(page.items)
}

/// A stock's available merchants.
pub(super) fn merchants(
    app: &App,
    caller: &Caller,
    input: ListAvailableMerchants,
) -> Result<AvailableMerchantList, ApiFailure> {
    let q = &input.query;
    let (total, items) = page(
        app,
        caller,
        &input.stock_id,
        &q.stock_creator_mchid,
        StockListKind::Merchants,
        (q.offset, q.limit),
    )?;
    Ok(AvailableMerchantList::new(total, q.offset, q.limit, input.stock_id.clone()).data(items))
}

/// A stock's goods ids (可核销商品编码).
pub(super) fn items(
    app: &App,
    caller: &Caller,
    input: ListAvailableSingleitems,
) -> Result<AvailableSingleitemList, ApiFailure> {
    let q = &input.query;
    let (total, items) = page(
        app,
        caller,
        &input.stock_id,
        &q.stock_creator_mchid,
        StockListKind::Items,
        (q.offset, q.limit),
    )?;
    Ok(AvailableSingleitemList::new(total, q.offset, q.limit, input.stock_id.clone()).data(items))
}

/// One page (`offset` a page index) of a stock's merchants or goods ids, and their total.
fn page(
    app: &App,
    caller: &Caller,
    stock_id: &str,
    creator: &str,
    kind: StockListKind,
    (offset, limit): (u32, u32),
) -> Result<(u32, Vec<String>), ApiFailure> {
    let page = app.state.stock_list(
        &caller.mchid,
        stock_id,
        creator,
        kind,
        offset as usize,
        limit as usize,
    )?;
    Ok((count(page.total), page.items))
}

/// Modify goods ids.
pub(super) fn modify_goods(
    app: &App,
    caller: &Caller,
    input: ModifyStockGoodsIds,
) -> Result<ModifyStockGoodsIdsResponse, ApiFailure> {
    let body = &input.body;
    let at = app.state.modify_goods_ids(
        &caller.mchid,
        &input.stock_id,
        &body.stock_creator_mchid,
        &body.add_goods_id_list,
        &body.delete_goods_id_list,
    )?;
    Ok(ModifyStockGoodsIdsResponse::new(at, input.stock_id))
}
