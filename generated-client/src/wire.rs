//! Wire-level building blocks the generated code relies on: money, times, percent-encoding and
//! the checks behind client-side validation. Kept here so generated code stays declarative.
//!
//! Over 400 lines on purpose: this is the one module generated code calls for values and
//! checks (`crate::wire::…`, contract 1 of the plan); it is split once the generator's new check
//! helpers have landed, so that both changes do not collide.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::Error;

/// An amount of money in fen (分, 1/100 yuan): the only unit APIv3 uses for money.
///
/// A newtype so an amount cannot be mixed up with a count or a price in yuan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// An amount in fen.
    pub const fn new(fen: i64) -> Self {
        Fen(fen)
    }

    /// The amount in fen.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for Fen {
    fn from(fen: i64) -> Self {
        Fen(fen)
    }
}

impl fmt::Display for Fen {
    /// Shows the amount in fen with its unit, e.g. `100分`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}分", self.0)
    }
}

/// An RFC 3339 time as it travels on the wire, e.g. `2015-05-20T13:29:35.120+08:00`.
///
/// The wire string is kept as received, so a value round-trips byte for byte (re-formatting would
/// turn `.120` into `.12`); [`Timestamp::parse`] gives the typed time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    /// Formats a time as RFC 3339.
    pub fn from_datetime(at: OffsetDateTime) -> Self {
        // Formatting a valid OffsetDateTime as RFC 3339 only fails for years outside 0..=9999.
        Timestamp(at.format(&Rfc3339).unwrap_or_else(|_| at.to_string()))
    }

    /// Takes a wire string as it is; [`Timestamp::parse`] tells whether it is valid RFC 3339.
    pub fn from_wire(raw: impl Into<String>) -> Self {
        Timestamp(raw.into())
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the wire string as RFC 3339.
    pub fn parse(&self) -> Result<OffsetDateTime, time::error::Parse> {
        OffsetDateTime::parse(&self.0, &Rfc3339)
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Timestamp::from_datetime(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    /// Accepts any string: responses are forward compatible, and a time WeChat Pay formats in a
    /// way we do not expect must not make the whole response undecodable.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Timestamp)
    }
}

/// A calendar date as it travels on the wire, `YYYY-MM-DD` (e.g. a bill date), kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Date(String);

/// `YYYY-MM-DD`.
const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Date {
    /// Formats a date as `YYYY-MM-DD`.
    pub fn from_date(date: time::Date) -> Self {
        Date(
            date.format(DATE_FORMAT)
                .unwrap_or_else(|_| date.to_string()),
        )
    }

    /// Takes a wire string as it is; [`Date::parse`] tells whether it is a valid date.
    pub fn from_wire(raw: impl Into<String>) -> Self {
        Date(raw.into())
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses the wire string.
    pub fn parse(&self) -> Result<time::Date, time::error::Parse> {
        time::Date::parse(&self.0, DATE_FORMAT)
    }
}

impl From<time::Date> for Date {
    fn from(date: time::Date) -> Self {
        Date::from_date(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Date {
    /// Accepts any string, like [`Timestamp`]: a response stays decodable.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Date)
    }
}

/// Deserializes `null` or an absent field as the type's default (an empty list, say).
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Deserializes a list of strings that may also come as one comma-separated string (a field the
/// spec marks `comma_separated`: WeChat Pay's modify-goods-id page shows `"34565,12342"` where
/// the SDKs send `["34565","12342"]`). Items of the string form are trimmed and empty ones
/// dropped, so `""` is an empty list, as are `null` and an absent field. Lists are always
/// *sent* as JSON arrays.
pub fn comma_separated<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: Deserializer<'de>,
{
    struct Items;

    impl<'de> serde::de::Visitor<'de> for Items {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings or one comma-separated string")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect())
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_some<D: Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(Items)
        }
    }

    deserializer.deserialize_any(Items)
}

/// Characters left as they are in a path segment or a query value: RFC 3986 unreserved only.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path parameter so that no value (`../x?y#z`) can change the path.
pub fn encode_path_segment(value: &str) -> String {
    // `.` and `..` are unreserved yet still move up the path, so spell their dots out too.
    if value == "." || value == ".." {
        return value.replace('.', "%2E");
    }
    utf8_percent_encode(value, UNRESERVED).to_string()
}

/// Builds a query string in declaration order, percent-encoding every value.
#[derive(Debug, Default)]
pub struct QueryWriter {
    out: String,
}

impl QueryWriter {
    /// An empty query.
    pub fn new() -> Self {
        QueryWriter::default()
    }

    /// Appends `name=value`; `name` is a spec name and already URL-safe.
    pub fn push(&mut self, name: &str, value: &str) {
        self.out.push(if self.out.is_empty() { '?' } else { '&' });
        self.out.push_str(name);
        self.out.push('=');
        self.out
            .extend(utf8_percent_encode(value, UNRESERVED).map(|s| s.to_string()));
    }

    /// Appends `name=value` when the value is present.
    pub fn push_opt<T: fmt::Display>(&mut self, name: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.push(name, &value.to_string());
        }
    }

    /// `?a=1&b=2`, or an empty string when nothing was pushed.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Where a value sits in a request, for messages: `body.goods_detail[0].goods_id`.
///
/// Built on the stack while validating and only turned into text when a check fails.
#[derive(Debug, Clone, Copy)]
pub struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    step: Step<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    Index(usize),
}

impl<'a> FieldPath<'a> {
    /// The root of a request part: `body`, `query` or `path`.
    pub const fn root(name: &'a str) -> Self {
        FieldPath {
            parent: None,
            step: Step::Name(name),
        }
    }

    /// A named field below this one.
    pub fn field(&'a self, name: &'a str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            step: Step::Name(name),
        }
    }

    /// A list item below this one.
    pub fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            step: Step::Index(index),
        }
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            write!(f, "{parent}")?;
        }
        match (self.parent, self.step) {
            (None, Step::Name(name)) => f.write_str(name),
            (Some(_), Step::Name(name)) => write!(f, ".{name}"),
            (_, Step::Index(index)) => write!(f, "[{index}]"),
        }
    }
}

/// Checks the length of a string field, in characters (WeChat Pay's `string(N)`).
pub fn check_length(
    field: &FieldPath<'_>,
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let len = value.chars().count() as u64;
    if let Some(min) = min
        && len < min
    {
        return Err(if len == 0 {
            Error::invalid(field.to_string(), "must not be empty")
        } else {
            Error::invalid(
                field.to_string(),
                format!("is {len} characters long, at least {min} required"),
            )
        });
    }
    if let Some(max) = max
        && len > max
    {
        return Err(Error::invalid(
            field.to_string(),
            format!("is {len} characters long, at most {max} allowed"),
        ));
    }
    Ok(())
}

/// Checks that a string uses only characters WeChat Pay accepts: UTF-8 of at most three bytes
/// per character (no emoji or other supplementary-plane characters) and no control characters.
pub fn check_text(field: &FieldPath<'_>, value: &str) -> Result<(), Error> {
    match value.chars().find(|c| c.len_utf8() > 3 || c.is_control()) {
        Some(c) => Err(Error::invalid(
            field.to_string(),
            format!(
                "contains the character {c:?} (U+{:04X}), which WeChat Pay does not accept",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// Checks that every character of a string is in one of the inclusive ranges.
pub fn check_charset(
    field: &FieldPath<'_>,
    value: &str,
    ranges: &[(char, char)],
    described: &str,
) -> Result<(), Error> {
    match value
        .chars()
        .find(|c| !ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(c)))
    {
        Some(c) => Err(Error::invalid(
            field.to_string(),
            format!("contains {c:?}; allowed characters are {described}"),
        )),
        None => Ok(()),
    }
}

/// Checks a numeric field against its inclusive range.
pub fn check_range(
    field: &FieldPath<'_>,
    value: i128,
    min: Option<i128>,
    max: Option<i128>,
) -> Result<(), Error> {
    if let Some(min) = min
        && value < min
    {
        return Err(Error::invalid(
            field.to_string(),
            format!("is {value}, at least {min} required"),
        ));
    }
    if let Some(max) = max
        && value > max
    {
        return Err(Error::invalid(
            field.to_string(),
            format!("is {value}, at most {max} allowed"),
        ));
    }
    Ok(())
}

/// Checks the number of items of a list field.
pub fn check_items(
    field: &FieldPath<'_>,
    len: usize,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let count = len as u64;
    let items = if count == 1 { "item" } else { "items" };
    if let Some(min) = min
        && count < min
    {
        return Err(Error::invalid(
            field.to_string(),
            format!("has {count} {items}, at least {min} required"),
        ));
    }
    if let Some(max) = max
        && count > max
    {
        return Err(Error::invalid(
            field.to_string(),
            format!("has {count} {items}, at most {max} allowed"),
        ));
    }
    Ok(())
}

/// Checks that a time field a request sends is valid RFC 3339.
pub fn check_time(field: &FieldPath<'_>, value: &Timestamp) -> Result<(), Error> {
    value.parse().map(|_| ()).map_err(|e| {
        Error::invalid(
            field.to_string(),
            format!("is not an RFC 3339 time ({e}): {:?}", value.as_str()),
        )
    })
}

/// Checks that a date field a request sends is a valid `YYYY-MM-DD` date.
pub fn check_date(field: &FieldPath<'_>, value: &Date) -> Result<(), Error> {
    value.parse().map(|_| ()).map_err(|_| {
        Error::invalid(
            field.to_string(),
            format!("is not a date in the form YYYY-MM-DD: {:?}", value.as_str()),
        )
    })
}

/// Checks a URL WeChat Pay calls back (the spec's `format: https_url`, e.g. `notify_url`): an
/// absolute `https://` URL with a host, without query or fragment (WeChat Pay: 不能携带参数) and
/// without whitespace. Plain `http://` passes for a loopback host only (`localhost`,
/// `127.0.0.0/8`, `::1`) — as for the client's base URL — so a local receiver can be set
/// against the sandbox; WeChat Pay itself answers such a URL with `PARAM_ERROR`.
pub fn check_https_url(field: &FieldPath<'_>, value: &str) -> Result<(), Error> {
    let invalid = |problem: &str| Err(Error::invalid(field.to_string(), problem.to_owned()));
    if value.chars().any(char::is_whitespace) {
        return invalid("must be a URL without spaces");
    }
    let Ok(url) = reqwest::Url::parse(value) else {
        return invalid("must be an absolute https:// URL");
    };
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return invalid("must be an https:// URL with a host");
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(host) => {}
        _ => return invalid("must be an https:// URL (plain http only to a loopback host)"),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return invalid("must not carry a query or fragment (WeChat Pay: 不能携带参数)");
    }
    Ok(())
}

/// Whether a URL host (`localhost`, `127.0.0.1`, `[::1]`, …) is a loopback address.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Serializes a request body; the bytes returned are the bytes signed and sent.
pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| Error::invalid("body", format!("cannot be serialized: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comma_separated_lists_decode_from_either_form() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "comma_separated")]
            ids: Vec<String>,
        }
        let ids = |json: &str| serde_json::from_str::<Body>(json).map(|b| b.ids);
        let want = vec!["34565".to_owned(), "12342".to_owned()];
        assert_eq!(ids(r#"{"ids": ["34565", "12342"]}"#).unwrap(), want);
        assert_eq!(ids(r#"{"ids": "34565,12342"}"#).unwrap(), want);
        assert_eq!(ids(r#"{"ids": " 34565 , 12342 ,"}"#).unwrap(), want);
        for empty in [r#"{"ids": ""}"#, r#"{"ids": null}"#, r#"{"ids": []}"#, "{}"] {
            assert_eq!(ids(empty).unwrap(), Vec::<String>::new(), "{empty}");
        }
        // Anything else is still an error, with the position of the bad item.
        assert!(ids(r#"{"ids": 34565}"#).is_err());
        let error = serde_json::from_str::<Body>(r#"{"ids": ["1", 2]}"#)
            .err()
            .unwrap();
        assert!(error.to_string().contains("expected a string"), "{error}");
    }

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(encode_path_segment("../x?y#z"), "..%2Fx%3Fy%23z");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(
            encode_path_segment("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
        );
        assert_eq!(encode_path_segment("用户"), "%E7%94%A8%E6%88%B7");
    }

    #[test]
    fn query_values_are_encoded_in_order() {
        let mut q = QueryWriter::new();
        q.push("appid", "wx1");
        q.push_opt("limit", Some(&10u32));
        q.push_opt::<u32>("offset", None);
        q.push("status", "a b&c'");
        assert_eq!(q.finish(), "?appid=wx1&limit=10&status=a%20b%26c%27");
    }

    #[test]
    fn timestamps_keep_the_wire_string() {
        let t: Timestamp = serde_json::from_str("\"2015-05-20T13:29:35.120+08:00\"").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2015-05-20T13:29:35.120+08:00\""
        );
        assert_eq!(t.parse().unwrap().millisecond(), 120);
        assert!(Timestamp::from_wire("2015-05-20 13:29").parse().is_err());
    }

    const F: FieldPath<'static> = FieldPath::root("f");

    #[test]
    fn field_paths_render() {
        let body = FieldPath::root("body");
        let list = body.field("goods_detail");
        let item = list.index(0);
        assert_eq!(
            item.field("goods_id").to_string(),
            "body.goods_detail[0].goods_id"
        );
    }

    #[test]
    fn text_checks_reject_four_byte_characters() {
        assert!(check_text(&F, "微信支付").is_ok());
        assert!(check_text(&F, "coupon 🎟").is_err());
        assert!(check_length(&F, "", Some(1), Some(3)).is_err());
        assert!(check_length(&F, "微信支付", Some(1), Some(4)).is_ok());
        assert!(
            check_charset(
                &F,
                "ab|_*-1",
                &[
                    ('a', 'z'),
                    ('0', '9'),
                    ('|', '|'),
                    ('_', '_'),
                    ('*', '*'),
                    ('-', '-')
                ],
                ""
            )
            .is_ok()
        );
        assert!(check_charset(&F, "a/b", &[('a', 'z')], "a-z").is_err());
    }

    #[test]
    fn https_urls_for_callbacks() {
        for ok in [
            "https://merchant.example.com/wxpay/notify",
            "https://merchant.example.com:8443/n",
            "HTTPS://merchant.example.com",
            "http://127.0.0.1:9/notify",
            "http://[::1]:8080/n",
            "http://localhost/n",
        ] {
            assert!(check_https_url(&F, ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://merchant.example.com/notify",
            "https://merchant.example.com/notify?from=wxpay",
            "https://merchant.example.com/notify?",
            "https://merchant.example.com/notify#x",
            "merchant.example.com/notify",
            "ftp://merchant.example.com",
            " https://merchant.example.com",
            "https://merchant.example.com/a b",
            "https://",
            "",
        ] {
            assert!(check_https_url(&F, bad).is_err(), "{bad:?}");
        }
    }
}
