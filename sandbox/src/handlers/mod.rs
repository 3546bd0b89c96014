//! The sandbox's state behind the generated `Handlers` trait: one method per cash-coupon and
//! basic-payment operation, typed input (already decoded and checked with the spec's
//! `validate()` by the generated server layer) to typed output or a WeChat Pay error.
//!
//! An operation of the spec that is not here answers from the spec (the trait's default), and
//! [`SpecAnswers`](crate::SpecAnswers) switches any of these off the same way.

mod bills;
mod callbacks;
mod coupons;
mod flows;
mod media;
mod orders;
mod refunds;
mod stocks;

pub(crate) use refunds::DEFAULT_REFUND_SETTLE_DELAY;

use wechatpay_apiv3::api::server::Handlers;
use wechatpay_apiv3::api::{
    AppPrepay, ApplyAbnormalRefund, ApplyFundFlowBill, ApplyTradeBill, BillDownloadLink,
    CloseOrder, CreateRefund, ErrorCode, H5Prepay, H5PrepayResponse, JsapiPrepay, NativePrepay,
    NativePrepayResponse, PrepayResponse, QueryOrderById, QueryOrderByOutTradeNo, QueryRefund,
    Refund, Transaction,
};
use wechatpay_apiv3::api::{
    AvailableMerchantList, AvailableSingleitemList, Coupon, CouponList, CreateCouponStock,
    CreateCouponStockResponse, FavorCallback, FlowDownloadLink, ListAvailableMerchants,
    ListAvailableSingleitems, ListCouponsByFilter, ListStocks, ModifyStockGoodsIds,
    ModifyStockGoodsIdsResponse, PauseStock, PauseStockResponse, QueryCallback, QueryCoupon,
    QueryStock, RefundFlowByDayLink, RestartStock, RestartStockResponse, SendCoupon,
    SendCouponResponse, SetCallback, SetCallbackResponse, StartStock, StartStockResponse, Stock,
    StockList, StockRefundFlow, StockRefundFlowByDay, StockUseFlow, StockUseFlowByDay, StopStock,
    StopStockResponse, UseFlowByDayLink,
};
use wechatpay_apiv3::api::{ImageUploadResponse, UploadImage};

use crate::app::App;
use crate::protocol::Caller;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::state::{FlowKind, StockAction};

type Handled<T> = Result<T, ApiFailure>;

impl Handlers for App {
    fn upload_image(&self, _: &Caller, input: UploadImage) -> Handled<ImageUploadResponse> {
        Ok(media::upload_image(&input))
    }

    fn send_coupon(&self, caller: &Caller, input: SendCoupon) -> Handled<SendCouponResponse> {
        coupons::send(self, caller, input)
    }

    fn list_coupons_by_filter(
        &self,
        caller: &Caller,
        input: ListCouponsByFilter,
    ) -> Handled<CouponList> {
        coupons::list(self, caller, input)
    }

    fn query_coupon(&self, caller: &Caller, input: QueryCoupon) -> Handled<Coupon> {
        coupons::detail(self, caller, input)
    }

    fn create_coupon_stock(
        &self,
        caller: &Caller,
        input: CreateCouponStock,
    ) -> Handled<CreateCouponStockResponse> {
        stocks::create(self, caller, input)
    }

    fn start_stock(&self, caller: &Caller, input: StartStock) -> Handled<StartStockResponse> {
        let (at, stock_id) = stocks::change(
            self,
            caller,
            input.stock_id,
            &input.body.stock_creator_mchid,
            StockAction::Start,
        )?;
        Ok(StartStockResponse::new(at, stock_id))
    }

    fn pause_stock(&self, caller: &Caller, input: PauseStock) -> Handled<PauseStockResponse> {
        let (at, stock_id) = stocks::change(
            self,
            caller,
            input.stock_id,
            &input.body.stock_creator_mchid,
            StockAction::Pause,
        )?;
        Ok(PauseStockResponse::new(at, stock_id))
    }

    fn restart_stock(&self, caller: &Caller, input: RestartStock) -> Handled<RestartStockResponse> {
        let (at, stock_id) = stocks::change(
            self,
            caller,
            input.stock_id,
            &input.body.stock_creator_mchid,
            StockAction::Restart,
        )?;
        Ok(RestartStockResponse::new(at, stock_id))
    }

    fn stop_stock(&self, caller: &Caller, input: StopStock) -> Handled<StopStockResponse> {
        let (at, stock_id) = stocks::change(
            self,
            caller,
            input.stock_id,
            &input.body.stock_creator_mchid,
            StockAction::Stop,
        )?;
        Ok(StopStockResponse::new(at, stock_id))
    }

    fn list_stocks(&self, caller: &Caller, input: ListStocks) -> Handled<StockList> {
        Ok(stocks::list(self, caller, input))
    }

    fn query_stock(&self, caller: &Caller, input: QueryStock) -> Handled<Stock> {
        self.state.stock_detail(
            &caller.mchid,
            &input.stock_id,
            &input.query.stock_creator_mchid,
        )
    }

    fn list_available_merchants(
        &self,
        caller: &Caller,
        input: ListAvailableMerchants,
    ) -> Handled<AvailableMerchantList> {
        stocks::merchants(self, caller, input)
    }

    fn list_available_singleitems(
        &self,
        caller: &Caller,
        input: ListAvailableSingleitems,
    ) -> Handled<AvailableSingleitemList> {
        stocks::items(self, caller, input)
    }

    fn modify_stock_goods_ids(
        &self,
        caller: &Caller,
        input: ModifyStockGoodsIds,
    ) -> Handled<ModifyStockGoodsIdsResponse> {
        stocks::modify_goods(self, caller, input)
    }

    fn stock_use_flow(&self, caller: &Caller, input: StockUseFlow) -> Handled<FlowDownloadLink> {
        flows::whole(self, caller, &input.stock_id, FlowKind::Use)
    }

    fn stock_refund_flow(
        &self,
        caller: &Caller,
        input: StockRefundFlow,
    ) -> Handled<FlowDownloadLink> {
        flows::whole(self, caller, &input.stock_id, FlowKind::Refund)
    }

    fn stock_use_flow_by_day(
        &self,
        caller: &Caller,
        input: StockUseFlowByDay,
    ) -> Handled<UseFlowByDayLink> {
        let (url, file) = flows::by_day(
            self,
            caller,
            &input.stock_id,
            FlowKind::Use,
            &input.query.bill_date,
        )?;
        Ok(UseFlowByDayLink::new(
            url,
            file.sha1,
            file.count.to_string(),
        ))
    }

    fn stock_refund_flow_by_day(
        &self,
        caller: &Caller,
        input: StockRefundFlowByDay,
    ) -> Handled<RefundFlowByDayLink> {
        let (url, file) = flows::by_day(
            self,
            caller,
            &input.stock_id,
            FlowKind::Refund,
            &input.query.bill_date,
        )?;
        Ok(RefundFlowByDayLink::new(
            url,
            file.sha1,
            file.count.to_string(),
        ))
    }

    fn set_callback(&self, caller: &Caller, input: SetCallback) -> Handled<SetCallbackResponse> {
        callbacks::set(self, caller, input)
    }

    fn query_callback(&self, caller: &Caller, input: QueryCallback) -> Handled<FavorCallback> {
        callbacks::query(self, caller, input)
    }

    fn jsapi_prepay(&self, caller: &Caller, input: JsapiPrepay) -> Handled<PrepayResponse> {
        orders::jsapi(self, caller, input)
    }

    fn app_prepay(&self, caller: &Caller, input: AppPrepay) -> Handled<PrepayResponse> {
        orders::app_pay(self, caller, input)
    }

    fn h5_prepay(&self, caller: &Caller, input: H5Prepay) -> Handled<H5PrepayResponse> {
        orders::h5(self, caller, input)
    }

    fn native_prepay(&self, caller: &Caller, input: NativePrepay) -> Handled<NativePrepayResponse> {
        orders::native(self, caller, input)
    }

    fn query_order_by_id(&self, caller: &Caller, input: QueryOrderById) -> Handled<Transaction> {
        orders::by_id(self, caller, input)
    }

    fn query_order_by_out_trade_no(
        &self,
        caller: &Caller,
        input: QueryOrderByOutTradeNo,
    ) -> Handled<Transaction> {
        orders::by_out_trade_no(self, caller, input)
    }

    fn close_order(&self, caller: &Caller, input: CloseOrder) -> Handled<()> {
        orders::close(self, caller, input)
    }

    fn create_refund(&self, caller: &Caller, input: CreateRefund) -> Handled<Refund> {
        refunds::create(self, caller, input)
    }

    fn query_refund(&self, caller: &Caller, input: QueryRefund) -> Handled<Refund> {
        refunds::query(self, caller, input)
    }

    fn apply_abnormal_refund(
        &self,
        caller: &Caller,
        input: ApplyAbnormalRefund,
    ) -> Handled<Refund> {
        refunds::abnormal(self, caller, input)
    }

    fn apply_trade_bill(
        &self,
        caller: &Caller,
        input: ApplyTradeBill,
    ) -> Handled<BillDownloadLink> {
        bills::trade(self, caller, input)
    }

    fn apply_fund_flow_bill(
        &self,
        caller: &Caller,
        input: ApplyFundFlowBill,
    ) -> Handled<BillDownloadLink> {
        bills::fund_flow(self, caller, input)
    }
}

/// The merchant named in the request (`mchid` of a body or query) must be the caller.
fn own_mchid(caller: &Caller, mchid: &str, location: &str, field: &str) -> Result<(), ApiFailure> {
    if mchid == caller.mchid {
        return Ok(());
    }
    Err(failure(
        ErrorCode::InvalidRequest,
        "非法的商户号：mchid 须为调用接口的商户号",
    )
    .detail(
        ErrorDetail::at(location, field)
            .value(mchid.to_owned())
            .issue(format!("the calling merchant is {}", caller.mchid)),
    ))
}

/// A count as the `u32` the list types carry.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
