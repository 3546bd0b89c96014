//! The stocks file (`--stocks FILE`): a JSON array of stocks, or an object that may also drop
//! the seeded ones.

use std::path::Path;

use serde::Deserialize;

use super::Stock;
use crate::error::SandboxError;

/// The two accepted shapes of a stocks file.
#[derive(Deserialize)]
#[serde(untagged)]
enum StocksFileShape {
    List(Vec<Stock>),
    Object {
        #[serde(default)]
        replace_defaults: bool,
        stocks: Vec<Stock>,
    },
}

/// Reads a stocks file: the stocks, and whether they replace the seeded ones.
pub(crate) fn read_stocks_file(path: &Path) -> Result<(Vec<Stock>, bool), SandboxError> {
    let text = std::fs::read_to_string(path).map_err(|e| SandboxError::io(path, e))?;
    parse_stocks(&text)
        .map_err(|e| SandboxError::Config(format!("stocks file {}: {e}", path.display())))
}

fn parse_stocks(text: &str) -> Result<(Vec<Stock>, bool), String> {
    // Untagged enums hide the real problem; try each shape for a useful message.
    match serde_json::from_str::<StocksFileShape>(text) {
        Ok(StocksFileShape::List(stocks)) => Ok((stocks, false)),
        Ok(StocksFileShape::Object {
            replace_defaults,
            stocks,
        }) => Ok((stocks, replace_defaults)),
        Err(_) => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
            let list = if value.is_array() {
                value
            } else {
                value
                    .get("stocks")
                    .cloned()
                    .ok_or("expected a JSON array of stocks or an object with a `stocks` array")?
            };
            match serde_json::from_value::<Vec<Stock>>(list) {
                Ok(_) => Err("unexpected shape".into()),
                Err(e) => Err(e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stocks::{CouponKind, StockStatus};

    #[test]
    fn stocks_file_shapes() {
        let list = r#"[{"stock_id":"1","coupon_type":"NORMAL","coupon_amount":1,"transaction_minimum":2,"max_coupons":3}]"#;
        let (stocks, replace) = parse_stocks(list).unwrap();
        assert!(!replace);
        assert_eq!(
            stocks[0].kind,
            CouponKind::Normal {
                coupon_amount: 1,
                transaction_minimum: 2
            }
        );
        assert_eq!(stocks[0].status, StockStatus::Running);
        let object = r#"{"replace_defaults":true,"stocks":[{"stock_id":"2","coupon_type":"CUT_TO","single_price_max":5,"cut_to_price":1,"max_coupons":1,"status":"stoped"}]}"#;
        let (stocks, replace) = parse_stocks(object).unwrap();
        assert!(replace);
        assert_eq!(stocks[0].status, StockStatus::Stopped);
        let broken = r#"[{"stock_id":"1","coupon_type":"NORMAL","max_coupons":3}]"#;
        let err = parse_stocks(broken).unwrap_err();
        assert!(err.contains("coupon_amount"), "{err}");
        assert!(parse_stocks("{").unwrap_err().contains("not JSON"));
    }
}
