//! Times as WeChat Pay writes them: RFC 3339 in China Standard Time.

use time::{OffsetDateTime, UtcOffset};
use wechatpay_apiv3::Timestamp;

/// China Standard Time, the offset WeChat Pay writes times in.
pub(crate) fn china() -> UtcOffset {
    UtcOffset::from_whole_seconds(8 * 3600).unwrap_or(UtcOffset::UTC)
}

/// An RFC 3339 time in +08:00 without fractional seconds, as the stock APIs write them.
pub(crate) fn wire_time(at: OffsetDateTime) -> Timestamp {
    let at = at.checked_to_offset(china()).unwrap_or(at);
    Timestamp::from_datetime(at.replace_nanosecond(0).unwrap_or(at))
}
