//! The stocks every sandbox starts with.

use super::{OTHER_CREATOR_MCHID, Stock, StockStatus};

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
