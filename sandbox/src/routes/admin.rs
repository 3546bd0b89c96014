//! The unauthenticated `/sandbox/…` admin endpoints, so that non-Rust clients and shell
//! scripts can drive faults and state (see the crate docs for the list). Responses are signed
//! like every other response, but no signature is required to call them.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use wechatpay_apiv3::api::RefundStatus;

use crate::app::{App, SpecAnswers};
use crate::faults::{Fault, FaultRule};
use crate::reply::{ApiFailure, ErrorDetail, Reply};
use crate::stocks::Stock;

/// `{"random": {...}}` in `POST /sandbox/faults`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomRequest {
    probability: f64,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    faults: Vec<String>,
    #[serde(default)]
    delay_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsumeRequest {
    openid: String,
    coupon_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayRequest {
    out_trade_no: String,
    #[serde(default)]
    openid: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleRequest {
    out_refund_no: String,
    status: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Balance {
    available: i64,
}

#[derive(Serialize)]
struct Info<'a> {
    mchid: &'a str,
    merchant_serial: &'a str,
    platform_serial: &'a str,
    public_key_id: &'a str,
    response_serial: &'a str,
}

pub(crate) fn handle(app: &App, method: &Method, path: &str, target: &str, body: &[u8]) -> Reply {
    let path = path.trim_end_matches('/');
    match (method, path) {
        (&Method::GET, "/sandbox") => Reply::json(
            StatusCode::OK,
            &Info {
                mchid: app.keys.mchid(),
                merchant_serial: app.keys.merchant_serial(),
                platform_serial: app.keys.platform_serial(),
                public_key_id: app.keys.public_key_id(),
                response_serial: app.signer.serial_for(None),
            },
        ),
        (&Method::GET, "/sandbox/faults") => faults_state(app),
        (&Method::POST, "/sandbox/faults") => match add_faults(app, body) {
            Ok(()) => faults_state(app),
            Err(failure) => failure.into(),
        },
        (&Method::DELETE, "/sandbox/faults") => {
            app.faults.clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        (&Method::DELETE, "/sandbox/faults/random") => {
            app.faults.clear_random();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        (&Method::GET, "/sandbox/faults/applied") => {
            Reply::json(StatusCode::OK, &app.faults.applied())
        }
        (&Method::GET, "/sandbox/spec-answers") => Reply::json(StatusCode::OK, &app.spec_answers()),
        (&Method::PUT | &Method::POST, "/sandbox/spec-answers") => {
            let answers = serde_json::from_slice::<SpecAnswers>(body)
                .map_err(|e| e.to_string())
                .and_then(|answers| app.set_spec_answers(answers).map_err(|e| e.to_string()));
            match answers {
                Ok(()) => Reply::json(StatusCode::OK, &app.spec_answers()),
                Err(e) => admin_error(format!(
                    "应为 {{\"all\": false, \"operations\": [\"query_callback\"]}}：{e}"
                )),
            }
        }
        (&Method::GET, "/sandbox/stocks") => Reply::json(StatusCode::OK, &app.state.stocks()),
        (&Method::PUT | &Method::POST, "/sandbox/stocks") => put_stocks(app, body),
        (&Method::GET, "/sandbox/coupons") => {
            let openid = query_param(target, "openid");
            match openid {
                Some(openid) if !openid.is_empty() => {
                    Reply::json(StatusCode::OK, &app.state.coupons_of(&openid))
                }
                _ => admin_error("openid 必填：GET /sandbox/coupons?openid=…"),
            }
        }
        (&Method::POST, "/sandbox/coupons/consume") => {
            let request: ConsumeRequest = match serde_json::from_slice(body) {
                Ok(request) => request,
                Err(e) => {
                    return admin_error(format!("请求体应为 {{\"openid\",\"coupon_id\"}}：{e}"));
                }
            };
            match app.consume(&request.openid, &request.coupon_id) {
                Ok(coupon) => Reply::json(StatusCode::OK, &coupon),
                Err(crate::SandboxError::NotFound(what)) => ApiFailure::new(
                    StatusCode::NOT_FOUND,
                    wechatpay_apiv3::api::ErrorCode::ResourceNotExists,
                    format!("不存在：{what}"),
                )
                .into(),
                Err(e) => admin_error(e.to_string()),
            }
        }
        (&Method::POST, "/sandbox/orders/pay") => {
            match serde_json::from_slice::<PayRequest>(body) {
                Ok(request) => match app.pay(&request.out_trade_no, request.openid.as_deref()) {
                    Ok(transaction) => Reply::json(StatusCode::OK, &transaction),
                    Err(failure) => failure.into(),
                },
                Err(e) => admin_error(format!(
                    "请求体应为 {{\"out_trade_no\",\"openid\"（可选）}}：{e}"
                )),
            }
        }
        (&Method::POST, "/sandbox/refunds/settle") => {
            match serde_json::from_slice::<SettleRequest>(body) {
                Ok(request) => {
                    let to = RefundStatus::from(request.status.as_str());
                    match app.settle_refund(&request.out_refund_no, to) {
                        Ok(refund) => Reply::json(StatusCode::OK, &refund),
                        Err(failure) => failure.into(),
                    }
                }
                Err(e) => admin_error(format!(
                    "请求体应为 {{\"out_refund_no\",\"status\":\"SUCCESS|ABNORMAL|CLOSED\"}}：{e}"
                )),
            }
        }
        (&Method::GET, "/sandbox/balance") => Reply::json(
            StatusCode::OK,
            &Balance {
                available: app.state.balance(),
            },
        ),
        (&Method::PUT | &Method::POST, "/sandbox/balance") => {
            match serde_json::from_slice::<Balance>(body) {
                Ok(balance) => {
                    app.state.set_balance(balance.available);
                    Reply::json(StatusCode::OK, &balance)
                }
                Err(e) => admin_error(format!("请求体应为 {{\"available\": 分}}：{e}")),
            }
        }
        _ => ApiFailure::not_found(method.as_str(), path).into(),
    }
}

fn faults_state(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({
            "rules": app.faults.pending(),
            "random": app.faults.random(),
            "applied_count": app.faults.applied_count(),
        }),
    )
}

/// A rule, an array of rules, or `{"random": {...}}`.
fn add_faults(app: &App, body: &[u8]) -> Result<(), ApiFailure> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiFailure::param(format!("请求体不是合法的 JSON：{e}")))?;
    let bad = |e: String| {
        ApiFailure::param(format!("故障规则无效：{e}"))
            .detail(ErrorDetail::at("body", "/").issue(e))
    };
    if let Some(random) = value.get("random") {
        let random: RandomRequest =
            serde_json::from_value(random.clone()).map_err(|e| bad(e.to_string()))?;
        let delay = random.delay_ms.map(Duration::from_millis);
        let kinds = random
            .faults
            .iter()
            .map(|name| Fault::from_name(name, delay))
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        app.faults
            .set_random(random.probability, random.seed, kinds);
        return Ok(());
    }
    let rules: Vec<FaultRule> = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|rule| vec![rule])
    }
    .map_err(|e| bad(e.to_string()))?;
    for rule in rules {
        app.faults.inject(rule);
    }
    Ok(())
}

/// One stock or an array of stocks, added or replaced.
fn put_stocks(app: &App, body: &[u8]) -> Reply {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return admin_error(format!("请求体不是合法的 JSON：{e}")),
    };
    let stocks: Result<Vec<Stock>, _> = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|stock| vec![stock])
    };
    let stocks = match stocks {
        Ok(stocks) => stocks,
        Err(e) => return admin_error(format!("批次无效：{e}")),
    };
    let mut ids = Vec::with_capacity(stocks.len());
    for stock in stocks {
        ids.push(stock.stock_id.clone());
        if let Err(e) = app.state.upsert_stock(stock) {
            return admin_error(e.to_string());
        }
    }
    let stored: Vec<Stock> = ids.iter().filter_map(|id| app.state.stock(id)).collect();
    Reply::json(StatusCode::OK, &stored)
}

fn admin_error(message: impl Into<String>) -> Reply {
    ApiFailure::param(message).into()
}

/// A query parameter of the raw target, percent-decoded (`+` is a space).
fn query_param(target: &str, name: &str) -> Option<String> {
    let (_, query) = target.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| {
            percent_decode_str(&value.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_decode() {
        assert_eq!(
            query_param("/sandbox/coupons?x=1&openid=o%27+1", "openid").as_deref(),
            Some("o' 1")
        );
        assert_eq!(query_param("/sandbox/coupons", "openid"), None);
        assert_eq!(query_param("/s?openid", "openid").as_deref(), Some(""));
    }
}
