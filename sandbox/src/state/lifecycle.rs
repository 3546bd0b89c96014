//! Creating stocks and moving them through their lifecycle: create (未激活) → start (运行中)
//! ⇄ pause/restart (暂停发放); stop (已停止) from 未激活 only. The access checks are in
//! `access`, changing goods ids in `goods`.

use std::collections::HashMap;

use axum::http::StatusCode;
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::{CreateCouponStockBody, ErrorCode, JumpTarget, StockType};

// Re-exported: the flow downloads (`flows`) import them from here, as before `access` existed.
use super::SandboxState;
pub(super) use super::access::{Access, CreatorIn};
use crate::reply::{ApiFailure, ErrorDetail};
use crate::stocks::{Stock, StockStatus, wire_time};

/// The first stock ID handed out to created stocks; IDs count up from here (8 digits).
const FIRST_STOCK_ID: u64 = 17_000_001;

/// What the create-stock requests left behind.
#[derive(Debug)]
pub(crate) struct Created {
    /// Idempotency: (calling merchant, `out_request_no`) → the stock it created.
    by_request: HashMap<(String, String), String>,
    /// The request each created stock came from (its rules are rendered from it).
    pub(super) requests: HashMap<String, CreateCouponStockBody>,
    next_stock_id: u64,
}

impl Default for Created {
    fn default() -> Self {
        Created {
            by_request: HashMap::new(),
            requests: HashMap::new(),
            next_stock_id: FIRST_STOCK_ID,
        }
    }
}

/// A stock lifecycle operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StockAction {
    /// 激活: 未激活 → 运行中.
    Start,
    /// 暂停: 运行中 → 暂停发放.
    Pause,
    /// 重启: 暂停发放 → 运行中.
    Restart,
    /// 终止: 未激活 → 已停止.
    Stop,
}

impl StockAction {
    /// The status the action starts from, and the one it leads to.
    fn transition(self) -> (StockStatus, StockStatus) {
        match self {
            StockAction::Start => (StockStatus::Unactivated, StockStatus::Running),
            StockAction::Pause => (StockStatus::Running, StockStatus::Paused),
            StockAction::Restart => (StockStatus::Paused, StockStatus::Running),
            StockAction::Stop => (StockStatus::Unactivated, StockStatus::Stopped),
        }
    }

    fn name(self) -> &'static str {
        match self {
            StockAction::Start => "激活",
            StockAction::Pause => "暂停",
            StockAction::Restart => "重启",
            StockAction::Stop => "终止",
        }
    }
}

/// The status as the stock APIs spell it (`stoped`, sic).
pub(super) fn wire_status(status: StockStatus) -> &'static str {
    match status {
        StockStatus::Unactivated => "unactivated",
        StockStatus::Running => "running",
        StockStatus::Paused => "paused",
        StockStatus::Stopped => "stoped",
    }
}

impl SandboxState {
    /// Create stock (`POST /v3/marketing/favor/coupon-stocks`), after the body passed the
    /// generated validation: the stock ID and creation time. See [`crate::Sandbox`].
    pub(crate) fn create_stock(
        &self,
        caller: &str,
        body: &CreateCouponStockBody,
    ) -> Result<(String, Timestamp), ApiFailure> {
        let now = self.now();
        let mut inner = self.lock();
        let key = (caller.to_owned(), body.out_request_no.clone());
        if let Some(stock_id) = inner.created.by_request.get(&key) {
            let earlier = inner.created.requests.get(stock_id);
            let stock = inner.stocks.get(stock_id);
            return match (earlier, stock) {
                (Some(earlier), Some(stock)) if earlier == body => Ok((
                    stock.stock_id.clone(),
                    stock.create_time.clone().unwrap_or_else(|| wire_time(now)),
                )),
                (earlier, _) => Err(ApiFailure::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::ResourceAlreadyExists,
                    format!(
                        "创建请求重入，但本次请求与上次请求信息不一致（out_request_no {} 已用于创建批次 {stock_id}）",
                        body.out_request_no
                    ),
                )
                .detail(first_difference(earlier, body))),
            };
        }
        check_create(caller, body)?;
        let (Some(rule), begin, end) = (
            &body.coupon_use_rule.fixed_normal_coupon,
            body.available_begin_time.parse(),
            body.available_end_time.parse(),
        ) else {
            return Err(ApiFailure::param(
                "stock_type 为 NORMAL 时 coupon_use_rule.fixed_normal_coupon 必填",
            )
            .detail(
                ErrorDetail::at("body", "/coupon_use_rule/fixed_normal_coupon")
                    .issue("required for a NORMAL stock"),
            ));
        };
        match (begin, end) {
            (Ok(begin), Ok(end)) if end > begin => {}
            _ => {
                return Err(ApiFailure::param("批次结束时间须晚于开始时间").detail(
                    ErrorDetail::at("body", "/available_end_time")
                        .value(body.available_end_time.as_str().to_owned())
                        .issue("must be after available_begin_time"),
                ));
            }
        }
        let rules = &body.stock_use_rule;
        let budget = i128::from(rules.max_coupons) * i128::from(rule.coupon_amount.get());
        if i128::from(rules.max_amount.get()) != budget {
            return Err(
                ApiFailure::param("总预算必须等于发放总上限 × 券面额").detail(
                    ErrorDetail::at("body", "/stock_use_rule/max_amount")
                        .value(rules.max_amount.get())
                        .issue(format!(
                            "max_coupons {} × coupon_amount {} = {budget}",
                            rules.max_coupons,
                            rule.coupon_amount.get()
                        )),
                ),
            );
        }

        let stock_id = inner.created.next_stock_id.to_string();
        let description = body
            .pattern_info
            .as_ref()
            .map(|p| p.description.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| body.stock_name.clone());
        let items = &body.coupon_use_rule.available_items;
        let mut stock = Stock::normal(
            stock_id.clone(),
            caller,
            rule.coupon_amount.get(),
            rule.transaction_minimum.get(),
            rules.max_coupons,
        )
        .name(body.stock_name.clone())
        .description(description)
        .status(StockStatus::Unactivated)
        .available(
            body.available_begin_time.clone(),
            body.available_end_time.clone(),
        )
        .max_coupons_per_user(rules.max_coupons_per_user);
        stock.available_mchids = body.coupon_use_rule.available_merchants.clone();
        stock.available_items = items.clone();
        stock.singleitem = !items.is_empty();
        stock.no_cash = body.no_cash;
        stock.create_time = Some(wire_time(now));
        stock
            .resolve(&self.mchid, now)
            .map_err(|e| ApiFailure::param(format!("批次无效：{e}")))?;
        let create_time = stock.create_time.clone().unwrap_or_else(|| wire_time(now));
        inner.created.next_stock_id += 1;
        inner.stocks.insert(stock_id.clone(), stock);
        inner.created.by_request.insert(key, stock_id.clone());
        inner
            .created
            .requests
            .insert(stock_id.clone(), body.clone());
        Ok((stock_id, create_time))
    }

    /// Start, pause, restart or stop a stock: the time it took effect. Only the creator may;
    /// from any other status than the action's own → `400 PARAM_ERROR 非法的批次状态`.
    pub(crate) fn change_stock(
        &self,
        caller: &str,
        stock_id: &str,
        creator: &str,
        action: StockAction,
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
        let (from, to) = action.transition();
        if stock.status != from {
            return Err(ApiFailure::param(format!(
                "非法的批次状态：批次状态为 {}，只有 {} 的批次可以{}",
                wire_status(stock.status),
                wire_status(from),
                action.name()
            ))
            .detail(
                ErrorDetail::at("uri_template", "stock_id")
                    .value(stock_id.to_owned())
                    .issue(format!(
                        "the stock is {}; {} needs {}",
                        wire_status(stock.status),
                        action.name(),
                        wire_status(from)
                    )),
            ));
        }
        if let Some(stock) = inner.stocks.get_mut(stock_id) {
            stock.status = to;
            match action {
                StockAction::Start => stock.start_time = Some(now.clone()),
                StockAction::Stop => stock.stop_time = Some(now.clone()),
                StockAction::Pause | StockAction::Restart => {}
            }
        }
        Ok(now)
    }
}

/// The checks of a create-stock body beyond the spec's (which the generated server layer ran:
/// lengths, ranges, times, known enum values, the lengths and ranges of list items): the caller
/// owns the stock, the sandbox models NORMAL stocks only, and the rules between fields the spec
/// states only in prose.
fn check_create(caller: &str, body: &CreateCouponStockBody) -> Result<(), ApiFailure> {
    if body.belong_merchant != caller {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            "非法的商户号：belong_merchant 须为调用接口的商户号",
        )
        .detail(
            ErrorDetail::at("body", "/belong_merchant")
                .value(body.belong_merchant.clone())
                .issue(format!("the sandbox merchant is {caller}")),
        ));
    }
    match &body.stock_type {
        StockType::Normal => {}
        other => {
            return Err(ApiFailure::param(format!(
                "沙箱只支持 NORMAL（固定面额满减券）批次，不支持 {other}"
            ))
            .detail(
                ErrorDetail::at("body", "/stock_type")
                    .value(other.as_str().to_owned())
                    .issue("the sandbox models NORMAL stocks only"),
            ));
        }
    }
    if let Some(pattern) = &body.pattern_info {
        match &pattern.jump_target {
            Some(JumpTarget::MiniProgram)
                if pattern
                    .mini_program_appid
                    .as_deref()
                    .is_none_or(str::is_empty)
                    || pattern
                        .mini_program_path
                        .as_deref()
                        .is_none_or(str::is_empty) =>
            {
                return Err(ApiFailure::param(
                    "跳转至小程序时 mini_program_appid 与 mini_program_path 必填",
                )
                .detail(
                    ErrorDetail::at("body", "/pattern_info/mini_program_appid")
                        .issue("required when jump_target is MINI_PROGRAM"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where a repeated `out_request_no` differs from the request that first used it.
fn first_difference(
    earlier: Option<&CreateCouponStockBody>,
    body: &CreateCouponStockBody,
) -> ErrorDetail {
    let issue = "differs from the first request with this out_request_no";
    let (Some(earlier), Ok(now)) = (earlier, serde_json::to_value(body)) else {
        return ErrorDetail::at("body", "/out_request_no").issue(issue);
    };
    let before = serde_json::to_value(earlier).unwrap_or_default();
    let keys = now
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .chain(before.as_object().into_iter().flat_map(|o| o.keys()));
    for key in keys {
        if now.get(key) != before.get(key) {
            let mut detail = ErrorDetail::at("body", format!("/{key}")).issue(issue);
            detail.value = now.get(key).cloned();
            return detail;
        }
    }
    ErrorDetail::at("body", "/out_request_no").issue(issue)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        use StockAction::*;
        assert_eq!(
            Start.transition(),
            (StockStatus::Unactivated, StockStatus::Running)
        );
        assert_eq!(Pause.transition().1, StockStatus::Paused);
        assert_eq!(Restart.transition().0, StockStatus::Paused);
        assert_eq!(
            Stop.transition(),
            (StockStatus::Unactivated, StockStatus::Stopped)
        );
        assert_eq!(wire_status(StockStatus::Stopped), "stoped");
        let epoch = time::OffsetDateTime::UNIX_EPOCH;
        assert_eq!(wire_time(epoch).as_str(), "1970-01-01T08:00:00+08:00");
    }
}
