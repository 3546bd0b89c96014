//! The files download links point to — coupon flows and bills — kept under a random token
//! until their link expires, with the helpers their CSV shares (SHA-1, 元 from fen, China time).

use std::collections::HashMap;

use time::{Duration, OffsetDateTime};

use super::SandboxState;
use crate::stocks::china;

/// The most links kept at once; the oldest go first.
const MAX_DOWNLOADS: usize = 1024;

/// Who may fetch a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Holder {
    /// Anyone with the link (a coupon flow: `GET /mkt/storage/bill/download`, unauthenticated).
    Link,
    /// Only the merchant that applied for it (a bill: the signed `GET /v3/billdownload/file`;
    /// another merchant gets `403 NO_AUTH`, payments reference G.7).
    Merchant(String),
}

/// A file to keep: its bytes as served, their media type, and who may fetch it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) bytes: Vec<u8>,
    pub(crate) content_type: &'static str,
    pub(crate) holder: Holder,
}

#[derive(Debug)]
struct Entry {
    file: Stored,
    expires: OffsetDateTime,
    order: u64,
}

/// The files handed out, by token.
#[derive(Debug, Default)]
pub(crate) struct Downloads {
    files: HashMap<String, Entry>,
    counter: u64,
}

impl Downloads {
    /// Keeps `file` until `now + lifetime` and returns its token (32 random hex characters).
    pub(super) fn keep(&mut self, now: OffsetDateTime, lifetime: Duration, file: Stored) -> String {
        self.files.retain(|_, d| d.expires > now);
        if self.files.len() >= MAX_DOWNLOADS
            && let Some(oldest) = self
                .files
                .iter()
                .min_by_key(|(_, d)| d.order)
                .map(|(token, _)| token.clone())
        {
            self.files.remove(&oldest);
        }
        self.counter += 1;
        let token = random_token();
        self.files.insert(
            token.clone(),
            Entry {
                file,
                expires: now.checked_add(lifetime).unwrap_or(now),
                order: self.counter,
            },
        );
        token
    }
}

impl SandboxState {
    /// The file behind `token` while its link is valid (`None` once expired or unknown).
    pub(crate) fn download(&self, token: &str) -> Option<Stored> {
        let now = self.now();
        self.lock()
            .downloads
            .files
            .get(token)
            .filter(|d| d.expires > now)
            .map(|d| d.file.clone())
    }

    /// Keeps `file` for `lifetime` (sandbox clock) and returns its token.
    pub(super) fn keep_download(&self, lifetime: Duration, file: Stored) -> String {
        let now = self.now();
        self.lock().downloads.keep(now, lifetime, file)
    }
}

/// The lower-case hex SHA-1 of `bytes` (the `hash_value` of a link).
pub(super) fn sha1_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, bytes).as_ref())
}

/// A CSV field, quoted when it needs to be.
pub(super) fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Fen as yuan with two decimals, in integers: `150` → `1.50`.
pub(super) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// `yyyy-MM-dd HH:mm:ss` in China time, as the files write times.
pub(super) fn china_time(at: OffsetDateTime) -> String {
    let at = at.checked_to_offset(china()).unwrap_or(at);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The day of `at` in China time.
pub(super) fn china_day(at: OffsetDateTime) -> time::Date {
    at.checked_to_offset(china()).unwrap_or(at).date()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 random lower-case hex characters.
fn random_token() -> String {
    let bytes: [u8; 16] = rand::random();
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(yuan(150), "1.50");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(-1), "-0.01");
        assert_eq!(yuan(123_456_789), "1234567.89");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
        assert_eq!(random_token().len(), 32);
        // SHA-1 of "abc" (FIPS 180-1 test vector).
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let at = OffsetDateTime::from_unix_timestamp(1_554_208_460).unwrap();
        assert_eq!(china_time(at), "2019-04-02 20:34:20");
    }

    #[test]
    fn expired_links_go_and_the_store_is_bounded() {
        let mut downloads = Downloads::default();
        let now = OffsetDateTime::UNIX_EPOCH;
        let file = || Stored {
            bytes: b"x".to_vec(),
            content_type: "text/plain",
            holder: Holder::Link,
        };
        let first = downloads.keep(now, Duration::seconds(30), file());
        let later = now + Duration::seconds(31);
        downloads.keep(later, Duration::seconds(30), file());
        assert!(
            !downloads.files.contains_key(&first),
            "expired on the next keep"
        );
        for _ in 0..MAX_DOWNLOADS + 5 {
            downloads.keep(later, Duration::seconds(30), file());
        }
        assert_eq!(downloads.files.len(), MAX_DOWNLOADS);
    }
}
