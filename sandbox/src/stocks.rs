//! Cash-coupon stocks (代金券批次): what the sandbox issues coupons from.
//!
//! A [`Stock`] is plain data, both in Rust and in the JSON of a stocks file
//! (`--stocks FILE`, [`SandboxConfig::stocks_file`](crate::SandboxConfig::stocks_file)):
//!
//! ```json
//! [
//!   {"stock_id": "9856100", "coupon_type": "NORMAL", "coupon_amount": 1000,
//!    "transaction_minimum": 5000, "max_coupons": 50},
//!   {"stock_id": "9856101", "creator_mchid": "8956000", "coupon_type": "CUT_TO",
//!    "single_price_max": 2000, "cut_to_price": 990, "max_coupons": 10, "status": "paused",
//!    "authorized_senders": ["1900009191"]}
//! ]
//! ```
//!
//! The file may also be an object `{"replace_defaults": true, "stocks": [...]}` to drop the
//! seeded stocks of [`default_stocks`]. Omitted fields take the defaults documented on each
//! [`Stock`] field; a stock with the ID of a seeded one replaces it.

use std::path::Path;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, UtcOffset};
use wechatpay_apiv3::Timestamp;
use wechatpay_apiv3::api::CouponRule;
use wechatpay_apiv3::api::server::SCHEMA;
use wechatpay_apiv3::server::Constraints;
use wechatpay_apiv3::wire::{FieldPath, check_length};

use crate::error::SandboxError;

/// The merchant ID of the seeded stocks created by "another" merchant (the docs' example).
pub const OTHER_CREATOR_MCHID: &str = "8956000";

/// A stock's lifecycle state, as the stock APIs spell it (lower case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StockStatus {
    /// 未激活: created but not started; sending fails.
    Unactivated,
    /// 运行中: coupons can be sent.
    #[default]
    Running,
    /// 暂停: sending fails until restarted.
    Paused,
    /// 已终止 (the API spells it `stoped`, accepted too).
    #[serde(alias = "stoped")]
    Stopped,
}

/// What a coupon of the stock is worth: 满减 (NORMAL) or 减至 (CUT_TO).
///
/// In JSON it is flattened into the stock with `coupon_type` as the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "coupon_type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouponKind {
    /// 满减券: `coupon_amount` fen off an order of at least `transaction_minimum` fen.
    Normal {
        /// 面额, fen.
        coupon_amount: i64,
        /// 使用门槛, fen.
        transaction_minimum: i64,
    },
    /// 减至券: an item priced up to `single_price_max` fen costs `cut_to_price` fen.
    CutTo {
        /// 可用优惠的商品最高单价, fen.
        single_price_max: i64,
        /// 减至后的优惠单价, fen.
        cut_to_price: i64,
    },
}

/// One cash-coupon stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stock {
    /// 批次号, 1–20 characters.
    pub stock_id: String,
    /// 批次创建方商户号. Empty (the JSON default) means the sandbox's own merchant ID.
    #[serde(default, alias = "stock_creator_mchid")]
    pub creator_mchid: String,
    /// 批次名称, shown as the coupon's `coupon_name` (1–20 characters). Default `微信支付代金券`.
    #[serde(default = "default_name")]
    pub stock_name: String,
    /// 使用说明, shown as the coupon's `description`. Default `沙箱代金券`.
    #[serde(default = "default_description")]
    pub description: String,
    /// Face value and threshold (flattened; `coupon_type` is the tag).
    #[serde(flatten)]
    pub kind: CouponKind,
    /// 最大发券数: the budget, in coupons.
    pub max_coupons: u64,
    /// 已发券数. Default 0.
    #[serde(default)]
    pub distributed_coupons: u64,
    /// Default `running`.
    #[serde(default)]
    pub status: StockStatus,
    /// 可用开始时间. Default: the sandbox's start day, 00:00 +08:00.
    #[serde(default)]
    pub available_begin_time: Option<Timestamp>,
    /// 可用结束时间. Default: 90 days after the start day, 23:59:59 +08:00.
    #[serde(default)]
    pub available_end_time: Option<Timestamp>,
    /// 激活批次的时间. Default: the available begin time (none while `unactivated`).
    #[serde(default)]
    pub start_time: Option<Timestamp>,
    /// 单用户最大领取数; `None` (the default) means unlimited.
    #[serde(default)]
    pub max_coupons_per_user: Option<u32>,
    /// Merchants other than the creator that may send this stock (跨商户发券授权). Default none.
    #[serde(default)]
    pub authorized_senders: Vec<String>,
    /// 可用商户号 for the `available_mchid` filter. Default: the creator only.
    #[serde(default)]
    pub available_mchids: Vec<String>,
    /// 是否无资金流. Default `false`.
    #[serde(default)]
    pub no_cash: bool,
    /// 是否单品优惠. Default `false`.
    #[serde(default)]
    pub singleitem: bool,
    /// 可核销商品编码 of a 单品 stock (`GET …/items`, `POST …/modify-goods-id`). Default none.
    #[serde(default)]
    pub available_items: Vec<String>,
    /// 批次创建时间. Default: the sandbox's start day, 00:00 +08:00.
    #[serde(default)]
    pub create_time: Option<Timestamp>,
    /// 批次永久停止时间: set when the stock is stopped. Default none.
    #[serde(default)]
    pub stop_time: Option<Timestamp>,
}

fn default_name() -> String {
    "微信支付代金券".to_owned()
}

fn default_description() -> String {
    "沙箱代金券".to_owned()
}

impl Stock {
    /// A running 满减 stock: `coupon_amount` fen off orders of at least `transaction_minimum`
    /// fen, at most `max_coupons` coupons. `creator_mchid` empty means the sandbox merchant.
    pub fn normal(
        stock_id: impl Into<String>,
        creator_mchid: impl Into<String>,
        coupon_amount: i64,
        transaction_minimum: i64,
        max_coupons: u64,
    ) -> Self {
        Self::with_kind(
            stock_id.into(),
            creator_mchid.into(),
            CouponKind::Normal {
                coupon_amount,
                transaction_minimum,
            },
            max_coupons,
        )
    }

    /// A running 减至 stock: items priced up to `single_price_max` fen cost `cut_to_price` fen.
    pub fn cut_to(
        stock_id: impl Into<String>,
        creator_mchid: impl Into<String>,
        single_price_max: i64,
        cut_to_price: i64,
        max_coupons: u64,
    ) -> Self {
        Self::with_kind(
            stock_id.into(),
            creator_mchid.into(),
            CouponKind::CutTo {
                single_price_max,
                cut_to_price,
            },
            max_coupons,
        )
    }

    fn with_kind(stock_id: String, creator_mchid: String, kind: CouponKind, max: u64) -> Self {
        Stock {
            stock_id,
            creator_mchid,
            stock_name: default_name(),
            description: default_description(),
            kind,
            max_coupons: max,
            distributed_coupons: 0,
            status: StockStatus::Running,
            available_begin_time: None,
            available_end_time: None,
            start_time: None,
            max_coupons_per_user: None,
            authorized_senders: Vec::new(),
            available_mchids: Vec::new(),
            no_cash: false,
            singleitem: false,
            available_items: Vec::new(),
            create_time: None,
            stop_time: None,
        }
    }

    /// Sets the name (the coupons' `coupon_name`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.stock_name = name.into();
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: StockStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the availability window of the coupons.
    pub fn available(mut self, begin: impl Into<Timestamp>, end: impl Into<Timestamp>) -> Self {
        self.available_begin_time = Some(begin.into());
        self.available_end_time = Some(end.into());
        self
    }

    /// Limits how many coupons one openid may receive.
    pub fn max_coupons_per_user(mut self, max: u32) -> Self {
        self.max_coupons_per_user = Some(max);
        self
    }

    /// Allows another merchant to send this stock.
    pub fn authorized_sender(mut self, mchid: impl Into<String>) -> Self {
        self.authorized_senders.push(mchid.into());
        self
    }

    /// Adds a 可核销商品编码 (and makes the stock a 单品 stock).
    pub fn available_item(mut self, goods_id: impl Into<String>) -> Self {
        self.available_items.push(goods_id.into());
        self.singleitem = true;
        self
    }

    /// Adds a merchant where the coupons can be used.
    pub fn available_mchid(mut self, mchid: impl Into<String>) -> Self {
        self.available_mchids.push(mchid.into());
        self
    }

    /// The coupons' `coupon_type` on the wire.
    pub fn coupon_type(&self) -> &'static str {
        match self.kind {
            CouponKind::Normal { .. } => "NORMAL",
            CouponKind::CutTo { .. } => "CUT_TO",
        }
    }

    /// How many coupons can still be sent.
    pub fn remaining(&self) -> u64 {
        self.max_coupons.saturating_sub(self.distributed_coupons)
    }

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

    /// The resolved availability window (after [`Stock::resolve`]).
    pub(crate) fn window(&self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let parse = |t: &Option<Timestamp>| t.as_ref().and_then(|t| t.parse().ok());
        (
            parse(&self.available_begin_time),
            parse(&self.available_end_time),
        )
    }
}

/// China Standard Time, the offset WeChat Pay writes times in.
pub(crate) fn china() -> UtcOffset {
    UtcOffset::from_whole_seconds(8 * 3600).unwrap_or(UtcOffset::UTC)
}

/// An RFC 3339 time in +08:00 without fractional seconds, as the stock APIs write them.
pub(crate) fn wire_time(at: OffsetDateTime) -> Timestamp {
    let at = at.checked_to_offset(china()).unwrap_or(at);
    Timestamp::from_datetime(at.replace_nanosecond(0).unwrap_or(at))
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

/// The stocks every sandbox starts with (unless told otherwise), for merchant `mchid`:
///
/// | stock_id | creator | type | value | budget | status | notes |
/// |---|---|---|---|---|---|---|
/// | `9856000` | `mchid` | NORMAL | 100 off ≥ 100 | 10 000 | running | the everyday stock |
/// | `9856001` | `mchid` | NORMAL | 500 off ≥ 1 000 | 3 | running | runs out fast (`NOT_ENOUGH`) |
/// | `9856002` | `mchid` | CUT_TO | items ≤ 1 000 cost 1 | 1 000 | running | 减至券 |
/// | `9856003` | `mchid` | NORMAL | 100 off ≥ 100 | 1 000 | paused | `INVALID_REQUEST 活动已结束或未激活` |
/// | `9856004` | `8956000` | NORMAL | 200 off ≥ 500 | 1 000 | running | another creator; `mchid` is authorized to send it and may use it |
/// | `9856005` | `8956000` | NORMAL | 200 off ≥ 500 | 1 000 | running | another creator, not authorized (`REQUEST_BLOCKED`) |
pub fn default_stocks(mchid: &str) -> Vec<Stock> {
    vec![
        Stock::normal("9856000", mchid, 100, 100, 10_000)
            .name("微信支付代金券")
            .description("满1元减1元"),
        Stock::normal("9856001", mchid, 500, 1_000, 3)
            .name("小预算代金券")
            .description("满10元减5元，预算只有3张"),
        Stock::cut_to("9856002", mchid, 1_000, 1, 1_000)
            .name("一分钱减至券")
            .description("单价10元以内的商品减至1分"),
        Stock::normal("9856003", mchid, 100, 100, 1_000)
            .name("已暂停代金券")
            .description("批次已暂停")
            .status(StockStatus::Paused),
        Stock::normal("9856004", OTHER_CREATOR_MCHID, 200, 500, 1_000)
            .name("跨商户代金券")
            .description("由其他商户创建并授权发放")
            .authorized_sender(mchid)
            .available_mchid(OTHER_CREATOR_MCHID)
            .available_mchid(mchid),
        Stock::normal("9856005", OTHER_CREATOR_MCHID, 200, 500, 1_000)
            .name("未授权代金券")
            .description("由其他商户创建，未授权发放"),
    ]
}

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
