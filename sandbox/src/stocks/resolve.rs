//! Resolving a stock when a sandbox takes it: the defaults that depend on the sandbox (merchant
//! ID, the day it starts) filled in, and the constraints of the API's types checked.

use time::{Duration, OffsetDateTime};
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::CouponRule;
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_apiv3::server::Constraints;
use wechatpay_apiv3::wire::{FieldPath, check_length};

use super::times::{china, wire_time};
use super::{CouponKind, Stock, StockStatus};
use crate::error::SandboxError;

impl Stock {
    /// Fills in the defaults that depend on the sandbox (merchant ID, start time) and checks
    /// the constraints the coupon type of the API imposes.
    pub(crate) fn resolve(&mut self, mchid: &str, now: OffsetDateTime) -> Result<(), SandboxError> {
        let bad = |why: String| SandboxError::Config(format!("stock {:?}: {why}", self.stock_id));
        if self.creator_mchid.is_empty() {
            self.creator_mchid = mchid.to_owned();
        }
        // A stock is shown as the API's `Stock`: its texts must fit that type's spec.
        for (field, value) in [
            ("stock_id", &self.stock_id),
            ("stock_creator_mchid", &self.creator_mchid),
            ("stock_name", &self.stock_name),
            ("description", &self.description),
        ] {
            spec_length(field, value).map_err(bad)?;
        }
        let amounts = match self.kind {
            CouponKind::Normal {
                coupon_amount,
                transaction_minimum,
            } => [coupon_amount, transaction_minimum],
            CouponKind::CutTo {
                single_price_max,
                cut_to_price,
            } => [single_price_max, cut_to_price],
        };
        if amounts.iter().any(|&fen| fen < 0) {
            return Err(bad("amounts must not be negative".into()));
        }
        let day_start = now
            .checked_to_offset(china())
            .unwrap_or(now)
            .replace_time(time::Time::MIDNIGHT);
        let begin = resolve_time(
            &mut self.available_begin_time,
            day_start,
            "available_begin_time",
        )
        .map_err(bad)?;
        // Checked: a test clock near year 9999 must not make the default window panic.
        let default_end = day_start
            .checked_add(Duration::days(91) - Duration::seconds(1))
            .unwrap_or(day_start);
        let end = resolve_time(
            &mut self.available_end_time,
            default_end,
            "available_end_time",
        )
        .map_err(bad)?;
        if end <= begin {
            return Err(bad(
                "available_end_time must be after available_begin_time".into()
            ));
        }
        if self.status == StockStatus::Unactivated {
            if let Some(start) = &self.start_time {
                start.parse().map_err(|e| {
                    bad(format!(
                        "start_time {:?} is not RFC 3339: {e}",
                        start.as_str()
                    ))
                })?;
            }
        } else {
            resolve_time(&mut self.start_time, begin, "start_time").map_err(bad)?;
        }
        resolve_time(&mut self.create_time, day_start, "create_time").map_err(bad)?;
        if let Some(stop) = &self.stop_time {
            stop.parse().map_err(|e| {
                bad(format!(
                    "stop_time {:?} is not RFC 3339: {e}",
                    stop.as_str()
                ))
            })?;
        }
        // Goods ids as the spec's `CouponRule.available_items` states them (each item's length).
        CouponRule::new()
            .available_items(self.available_items.clone())
            .validate(&FieldPath::root("stock"))
            .map_err(|e| bad(e.to_string()))?;
        Ok(())
    }
}

fn resolve_time(
    slot: &mut Option<Timestamp>,
    default: OffsetDateTime,
    what: &str,
) -> Result<OffsetDateTime, String> {
    match slot {
        Some(given) => given
            .parse()
            .map_err(|e| format!("{what} {:?} is not RFC 3339: {e}", given.as_str())),
        None => {
            *slot = Some(wire_time(default));
            Ok(default)
        }
    }
}

/// Checks a text field of the API's `Stock` type against the spec's lengths, with the client's
/// own check (a required text is not empty).
fn spec_length(field: &'static str, value: &str) -> Result<(), String> {
    let spec = SCHEMA.fields_of("Stock").iter().find(|f| f.wire == field);
    let constraints = spec.map_or(Constraints::NONE, |f| f.constraints);
    let min = constraints
        .min_length
        .or(spec.is_some_and(|f| f.required).then_some(1));
    let at = FieldPath::root("stock");
    check_length(&at.field(field), value, min, constraints.max_length).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_fills_defaults_and_checks() {
        let now = OffsetDateTime::from_unix_timestamp(1_716_182_975).unwrap();
        let mut stock = Stock::normal("9856000", "", 100, 100, 10);
        stock.resolve("1900009191", now).unwrap();
        assert_eq!(stock.creator_mchid, "1900009191");
        assert_eq!(
            stock.available_begin_time.as_ref().unwrap().as_str(),
            "2024-05-20T00:00:00+08:00"
        );
        assert_eq!(
            stock.available_end_time.as_ref().unwrap().as_str(),
            "2024-08-18T23:59:59+08:00"
        );
        let mut bad = Stock::normal("", "", 1, 1, 1);
        assert!(bad.resolve("1", now).is_err());
        // The spec's `Stock.stock_id` is at most 20 characters.
        let mut bad = Stock::normal("9".repeat(21), "", 1, 1, 1);
        let err = bad.resolve("1", now).unwrap_err().to_string();
        assert!(
            err.contains("stock.stock_id") && err.contains("at most 20"),
            "{err}"
        );
        let mut bad = Stock::normal("1", "", 1, 1, 1).name("");
        assert!(bad.resolve("1", now).is_err());
        let mut bad = Stock::normal("1", "", 1, 1, 1).available(
            Timestamp::from_wire("2024-05-20T00:00:00+08:00"),
            Timestamp::from_wire("2024-05-19T00:00:00+08:00"),
        );
        assert!(bad.resolve("1", now).is_err());
        let mut bad = Stock::normal("1", "", 1, 1, 1).available(
            Timestamp::from_wire("yesterday"),
            Timestamp::from_wire("2024-05-19T00:00:00+08:00"),
        );
        assert!(bad.resolve("1", now).is_err());
    }
}
