//! [`Notification`]: a verified and decrypted notification, its resource typed.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A verified and decrypted notification, its resource decoded as `R` (for the spec's events
/// [`NotificationResource`](crate::api::NotificationResource), which the generated code also
/// gives one accessor per event type, e.g. `coupon_use()`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Notification<R> {
    /// The notification ID (通知ID), the same on every re-delivery: deduplicate on it.
    pub id: String,
    /// When the notification was created, as sent: RFC 3339 (`2021-06-24T16:37:26+08:00`) in
    /// practice, `yyyyMMddHHmmss` in older documentation; see
    /// [`create_time_parsed`](Self::create_time_parsed).
    pub create_time: String,
    /// The event type, e.g. `COUPON.USE`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// The summary (回调摘要), e.g. `代金券核销通知`.
    pub summary: String,
    /// The decrypted resource, typed by `event_type`.
    pub resource: R,
    /// `resource.original_type`, e.g. `coupon`.
    pub original_type: String,
}

impl<R> Notification<R> {
    /// [`create_time`](Self::create_time) as a time: RFC 3339, or the documented
    /// `yyyyMMddHHmmss` read as China Standard Time (+08:00). `None` for anything else.
    pub fn create_time_parsed(&self) -> Option<OffsetDateTime> {
        parse_create_time(&self.create_time)
    }
}

fn parse_create_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let format = format_description!("[year][month][day][hour][minute][second]");
    let china = UtcOffset::from_hms(8, 0, 0).ok()?;
    PrimitiveDateTime::parse(text, &format)
        .ok()
        .map(|at| at.assume_offset(china))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_time_accepts_both_documented_formats() {
        let rfc = parse_create_time("2021-06-24T16:37:26+08:00").unwrap();
        assert_eq!(rfc.unix_timestamp(), 1_624_523_846);
        let old = parse_create_time("20210624163726").unwrap();
        assert_eq!(old, rfc);
        assert_eq!(parse_create_time("2021-06-24"), None);
        assert_eq!(parse_create_time("2021062416372x"), None);
        assert_eq!(parse_create_time(""), None);
    }
}
