//! The CSV of the bills: layouts of payments reference C.9 (see the parent module).

use wechatpay_apiv3::api::{BillType, ErrorCode, FundFlowAccountType};

use super::Record;
use crate::reply::{ApiFailure, ErrorDetail, failure};
use crate::state::downloads::{china_day, china_time, csv_field, yuan};

const BOM: &str = "\u{feff}";
/// The detail header of the official fixture (reference C.9).
const TRADE_HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const TRADE_SUMMARY: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
/// The fund bill header (reference C.9, v2 doc copy).
const FUND_HEADER: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号";
/// The fund bill summary header of the v2 资金账单 page (not in the reference).
const FUND_SUMMARY: &str = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额";

/// A row of backticked values.
fn row(values: &[&str]) -> String {
    let fields: Vec<String> = values.iter().map(|v| csv_field(&format!("`{v}"))).collect();
    fields.join(",") + "\n"
}

pub(super) fn trade_bill(
    records: &[Record],
    kind: &BillType,
    day: time::Date,
) -> Result<Option<String>, ApiFailure> {
    let (payments, refunds) = match kind {
        BillType::All => (true, true),
        BillType::Success => (true, false),
        BillType::Refund => (false, true),
        // The sandbox has no recharge coupons, so no 充值退款 ever.
        BillType::RechargeRefund => (false, false),
        BillType::AllSpecial | BillType::SucSpecial | BillType::RefSpecial => {
            return Err(failure(
                ErrorCode::NoAuth,
                "个性化账单未开通：该商户没有个性化账单权限",
            ));
        }
        other => {
            return Err(
                ApiFailure::param("bill_type 取值不在文档列出的范围内").detail(
                    ErrorDetail::at("query", "bill_type")
                        .value(other.as_str().to_owned())
                        .issue("one of ALL, SUCCESS, REFUND, RECHARGE_REFUND, …"),
                ),
            );
        }
    };
    let (mut count, mut settled, mut refunded, mut ordered) = (0, 0, 0, 0);
    let mut csv = format!("{BOM}{TRADE_HEADER}\n");
    for record in records.iter().filter(|r| china_day(r.time()) == day) {
        let (p, refund) = match record {
            Record::Paid(p) if payments => (p, None),
            Record::Refunded(p, r) if refunds => (p, Some(r)),
            _ => continue,
        };
        count += 1;
        let (state, settle, order, time) = match refund {
            None => ("SUCCESS", p.total, p.total, p.time),
            Some(r) => ("REFUND", 0, 0, r.time),
        };
        let refund_fen = refund.map_or(0, |r| r.refund);
        settled += settle;
        ordered += order;
        refunded += refund_fen;
        csv.push_str(&row(&[
            &china_time(time),
            &p.appid,
            &p.mchid,
            "0",
            &p.device_id,
            &p.transaction_id,
            &p.out_trade_no,
            &p.openid,
            &p.trade_type,
            state,
            "OTHERS",
            &p.currency,
            &yuan(settle),
            &yuan(0),
            refund.map_or("0", |r| &r.refund_id),
            refund.map_or("0", |r| &r.out_refund_no),
            &yuan(refund_fen),
            &yuan(0),
            refund.map_or("", |_| "ORIGINAL"),
            refund.map_or("", |r| &r.status),
            &p.description,
            &p.attach,
            &yuan(0),
            "0.00%",
            &yuan(order),
            &yuan(refund_fen),
            "",
        ]));
    }
    if count == 0 {
        return Ok(None);
    }
    csv.push_str(TRADE_SUMMARY);
    csv.push('\n');
    let count = count.to_string();
    csv.push_str(&row(&[
        &count,
        &yuan(settled),
        &yuan(refunded),
        &yuan(0),
        &yuan(0),
        &yuan(ordered),
        &yuan(refunded),
    ]));
    Ok(Some(csv))
}

pub(super) fn fund_bill(
    records: &[Record],
    balance: i64,
    account: &FundFlowAccountType,
    day: time::Date,
) -> Result<Option<String>, ApiFailure> {
    match account {
        FundFlowAccountType::Basic => {}
        // Payments settle to the basic account, and the sandbox charges no fees: these
        // accounts never move.
        FundFlowAccountType::Operation | FundFlowAccountType::Fees => return Ok(None),
        other => {
            return Err(
                ApiFailure::param("account_type 取值不在文档列出的范围内").detail(
                    ErrorDetail::at("query", "account_type")
                        .value(other.as_str().to_owned())
                        .issue("one of BASIC, OPERATION, FEES"),
                ),
            );
        }
    }
    let effect = |r: &Record| match r {
        Record::Paid(p) => p.total,
        Record::Refunded(_, r) => -r.refund,
    };
    // The ledger keeps the balance, not its history: the balance after each movement is the
    // current one less what the later movements did.
    let mut after = balance - records.iter().map(effect).sum::<i64>();
    let (mut count, mut income, mut income_fen, mut outgo, mut outgo_fen) = (0, 0, 0, 0, 0);
    let mut csv = format!("{BOM}{FUND_HEADER}\n");
    for (n, record) in records.iter().enumerate() {
        let fen = effect(record);
        after += fen;
        if china_day(record.time()) != day {
            continue;
        }
        count += 1;
        let (business_no, name, applicant, voucher) = match record {
            Record::Paid(p) => (&p.transaction_id, "交易", "system", &p.out_trade_no),
            Record::Refunded(p, r) => (&r.refund_id, "退款", p.mchid.as_str(), &r.out_refund_no),
        };
        let direction = if fen >= 0 {
            income += 1;
            income_fen += fen;
            "收入"
        } else {
            outgo += 1;
            outgo_fen -= fen;
            "支出"
        };
        let serial = format!(
            "{}{:010}",
            china_time(record.time()).replace(['-', ' ', ':'], ""),
            n + 1
        );
        csv.push_str(&row(&[
            &china_time(record.time()),
            business_no,
            &serial,
            name,
            name,
            direction,
            &yuan(fen.abs()),
            &yuan(after),
            applicant,
            "",
            voucher,
        ]));
    }
    if count == 0 {
        return Ok(None);
    }
    csv.push_str(FUND_SUMMARY);
    csv.push('\n');
    csv.push_str(&row(&[
        &count.to_string(),
        &income.to_string(),
        &yuan(income_fen),
        &outgo.to_string(),
        &yuan(outgo_fen),
    ]));
    Ok(Some(csv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_backticked() {
        assert_eq!(row(&["a", "1.00", ""]), "`a,`1.00,`\n");
        assert_eq!(row(&["x,y"]), "\"`x,y\"\n");
    }
}
