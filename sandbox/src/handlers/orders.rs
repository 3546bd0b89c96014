//! Orders: the four prepays, the two queries, close, and the user paying an order (the
//! admin side), which sends `TRANSACTION.SUCCESS` to the order's `notify_url`.

use wechatpay_apiv3::api::{
    AppPrepay, CloseOrder, H5Prepay, H5PrepayResponse, JsapiPrepay, NativePrepay,
    NativePrepayResponse, PrepayResponse, QueryOrderById, QueryOrderByOutTradeNo, Transaction,
    TransactionTradeType,
};

use super::own_mchid;
use crate::app::App;
use crate::notifier::Event;
use crate::protocol::Caller;
use crate::reply::ApiFailure;
use crate::state::{NewOrder, Prepaid};

type Handled<T> = Result<T, ApiFailure>;

/// A prepay of any kind: the order is created (or found again) under `out_trade_no`.
fn prepay(
    app: &App,
    caller: &Caller,
    kind: TransactionTradeType,
    body: &impl serde::Serialize,
    out_trade_no: &str,
) -> Handled<Prepaid> {
    let order = NewOrder::new(kind, body)?;
    own_mchid(caller, order.mchid(), "body", "/mchid")?;
    let prepaid = app.state.prepay(order, out_trade_no)?;
    if prepaid.replayed {
        tracing::debug!(out_trade_no, "idempotent replay of prepay");
    }
    Ok(prepaid)
}

pub(super) fn jsapi(app: &App, caller: &Caller, input: JsapiPrepay) -> Handled<PrepayResponse> {
    let body = &input.body;
    let kind = TransactionTradeType::Jsapi;
    let prepaid = prepay(app, caller, kind, body, &body.out_trade_no)?;
    Ok(PrepayResponse::new(prepaid.prepay_id))
}

pub(super) fn app_pay(app: &App, caller: &Caller, input: AppPrepay) -> Handled<PrepayResponse> {
    let body = &input.body;
    let kind = TransactionTradeType::App;
    let prepaid = prepay(app, caller, kind, body, &body.out_trade_no)?;
    Ok(PrepayResponse::new(prepaid.prepay_id))
}

/// H5: the cashier page URL (valid 5 minutes at WeChat Pay), shaped like the documented one.
pub(super) fn h5(app: &App, caller: &Caller, input: H5Prepay) -> Handled<H5PrepayResponse> {
    let body = &input.body;
    let kind = TransactionTradeType::Mweb;
    let prepaid = prepay(app, caller, kind, body, &body.out_trade_no)?;
    Ok(H5PrepayResponse::new(format!(
        "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={}&package=1405458241",
        prepaid.prepay_id
    )))
}

/// Native: the QR-code URL, shaped like the documented one.
pub(super) fn native(
    app: &App,
    caller: &Caller,
    input: NativePrepay,
) -> Handled<NativePrepayResponse> {
    let body = &input.body;
    let kind = TransactionTradeType::Native;
    let prepaid = prepay(app, caller, kind, body, &body.out_trade_no)?;
    let code: String = prepaid.prepay_id.chars().rev().take(7).collect();
    Ok(NativePrepayResponse::new(format!(
        "weixin://wxpay/bizpayurl/up?pr={code}&groupid=00"
    )))
}

pub(super) fn by_id(app: &App, caller: &Caller, input: QueryOrderById) -> Handled<Transaction> {
    own_mchid(caller, &input.query.mchid, "query", "mchid")?;
    app.state.order_by_transaction(&input.transaction_id)
}

pub(super) fn by_out_trade_no(
    app: &App,
    caller: &Caller,
    input: QueryOrderByOutTradeNo,
) -> Handled<Transaction> {
    own_mchid(caller, &input.query.mchid, "query", "mchid")?;
    app.state.order(&input.out_trade_no)
}

pub(super) fn close(app: &App, caller: &Caller, input: CloseOrder) -> Handled<()> {
    own_mchid(caller, &input.body.mchid, "body", "/mchid")?;
    app.state.close(&input.out_trade_no)
}

impl App {
    /// The user pays the order `out_trade_no` (as `openid` for APP, H5 and Native orders;
    /// JSAPI orders name their payer), and its `TRANSACTION.SUCCESS` notification goes to the
    /// order's `notify_url`: the one place both [`Sandbox::pay`](crate::Sandbox::pay) and
    /// `POST /sandbox/orders/pay` go through.
    pub(crate) fn pay(&self, out_trade_no: &str, openid: Option<&str>) -> Handled<Transaction> {
        let paid = self.state.pay(out_trade_no, openid)?;
        self.notifier.outbox().send(
            &Event::TRANSACTION_SUCCESS,
            out_trade_no,
            &paid.transaction,
            Some(paid.notify_url),
        );
        Ok(paid.transaction)
    }
}
