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

// Split by concern: `resolve` (defaults and checks when a sandbox takes a stock), `seed` (the
// stocks every sandbox starts with), `file` (the stocks file), `times` (the wire form of times).
mod file;
mod resolve;
mod seed;
mod times;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use wechatpay_apiv3::Timestamp;

pub(crate) use self::file::read_stocks_file;
pub use self::seed::default_stocks;
pub(crate) use self::times::{china, wire_time};

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

    /// The resolved availability window (after [`Stock::resolve`]).
    pub(crate) fn window(&self) -> (Option<OffsetDateTime>, Option<OffsetDateTime>) {
        let parse = |t: &Option<Timestamp>| t.as_ref().and_then(|t| t.parse().ok());
        (
            parse(&self.available_begin_time),
            parse(&self.available_end_time),
        )
    }
}
