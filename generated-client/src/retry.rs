//! When and how long to wait before re-sending a call that is safe to retry.
//!
//! Only operations the spec marks idempotent (a GET, or a body carrying an idempotency key such as
//! `out_request_no`) are ever retried, and only after a retryable failure
//! ([`Error::is_retryable`](crate::Error::is_retryable): 5xx, 429, timeouts, network errors). A
//! retry re-sends the identical body bytes, signed afresh.
//!
//! The wait before each retry is exponential with *full jitter*: a uniformly random duration
//! between zero and `initial_backoff × 2^(n-1)` (capped at `max_backoff`), where `n` counts the
//! attempts made so far. An HTTP 429 waits `rate_limit_multiplier` times longer; a 429 or 503
//! that carries a `Retry-After` header — delay seconds, or an HTTP-date (all three forms of
//! RFC 9110, read with `httpdate`) measured against the client's clock — waits exactly that
//! long, capped at `max_backoff`.
//!
//! ```
//! use std::time::Duration;
//! use wechatpay_apiv3::RetryPolicy;
//!
//! let policy = RetryPolicy::default()
//!     .max_attempts(5)
//!     .initial_backoff(Duration::from_millis(100))
//!     .max_backoff(Duration::from_secs(2));
//! assert_eq!(policy.backoff(1, false, 1.0), Duration::from_millis(100));
//! assert_eq!(policy.backoff(3, false, 1.0), Duration::from_millis(400));
//! assert_eq!(policy.backoff(3, false, 0.5), Duration::from_millis(200));
//! ```

use std::time::{Duration, UNIX_EPOCH};

/// When and how often to re-send a call that is safe to retry.
///
/// [`RetryPolicy::default()`] makes at most 3 attempts with backoffs starting at 200 ms and capped
/// at 5 s; [`RetryPolicy::none()`] makes exactly one attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total number of attempts, the first one included (`1` never retries; `0` counts as `1`).
    pub max_attempts: u32,
    /// The backoff ceiling before the first retry; it doubles with every further attempt.
    pub initial_backoff: Duration,
    /// No wait is ever longer than this, `Retry-After` included.
    pub max_backoff: Duration,
    /// How much longer to back off after an HTTP 429 (rate limited) without `Retry-After`.
    pub rate_limit_multiplier: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            rate_limit_multiplier: 4,
        }
    }
}

impl RetryPolicy {
    /// Never retry: exactly one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the total number of attempts, the first one included.
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Sets the backoff ceiling before the first retry.
    pub fn initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the longest wait between two attempts.
    pub fn max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets how much longer to back off after an HTTP 429 without `Retry-After`.
    pub fn rate_limit_multiplier(mut self, multiplier: u32) -> Self {
        self.rate_limit_multiplier = multiplier;
        self
    }

    /// The total number of attempts this policy allows (at least 1).
    pub fn attempts(&self) -> u32 {
        self.max_attempts.max(1)
    }

    /// The wait after `attempt` attempts have failed (`attempt` is 1 after the first failure).
    ///
    /// The ceiling is `initial_backoff × 2^(attempt-1)`, times `rate_limit_multiplier` when
    /// `rate_limited`, capped at `max_backoff`; the wait is `ceiling × jitter` ("full jitter").
    /// `jitter` is clamped to `0..=1` (a NaN counts as 1). Pure, for tests: the client draws
    /// `jitter` uniformly at random.
    pub fn backoff(&self, attempt: u32, rate_limited: bool, jitter: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(62);
        let mut ceiling = self.initial_backoff.as_secs_f64() * 2f64.powi(exponent as i32);
        if rate_limited {
            ceiling *= f64::from(self.rate_limit_multiplier.max(1));
        }
        let ceiling = ceiling.min(self.max_backoff.as_secs_f64());
        let jitter = if jitter.is_nan() {
            1.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        // Both factors are finite and non-negative here, and the product is at most max_backoff.
        Duration::try_from_secs_f64(ceiling * jitter)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The wait before the next attempt, honouring a server's `Retry-After` (capped at
    /// `max_backoff`) when there is one, [`backoff`](Self::backoff) otherwise.
    pub fn delay(
        &self,
        attempt: u32,
        rate_limited: bool,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_backoff),
            None => self.backoff(attempt, rate_limited, jitter),
        }
    }
}

/// Parses a `Retry-After` header: delay seconds, or an HTTP-date, which is turned into the
/// time left from `now_unix` (zero for a date in the past). `None` for anything else.
pub(crate) fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = at.duration_since(UNIX_EPOCH).ok()?.as_secs();
    let now = u64::try_from(now_unix).unwrap_or(0);
    Some(Duration::from_secs(at.saturating_sub(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn defaults() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts, 3);
        assert_eq!(policy.initial_backoff, ms(200));
        assert_eq!(policy.max_backoff, Duration::from_secs(5));
        assert_eq!(policy.attempts(), 3);
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::none().max_attempts(0).attempts(), 1);
    }

    #[test]
    fn doubles_and_caps() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, false, 1.0), ms(200));
        assert_eq!(policy.backoff(2, false, 1.0), ms(400));
        assert_eq!(policy.backoff(3, false, 1.0), ms(800));
        assert_eq!(policy.backoff(5, false, 1.0), ms(3200));
        assert_eq!(policy.backoff(6, false, 1.0), Duration::from_secs(5));
        assert_eq!(policy.backoff(u32::MAX, false, 1.0), Duration::from_secs(5));
        // attempt 0 is treated as the first.
        assert_eq!(policy.backoff(0, false, 1.0), ms(200));
    }

    #[test]
    fn full_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(2, false, 0.0), Duration::ZERO);
        assert_eq!(policy.backoff(2, false, 0.25), ms(100));
        assert_eq!(policy.backoff(2, false, -3.0), Duration::ZERO);
        assert_eq!(policy.backoff(2, false, 7.0), ms(400));
        assert_eq!(policy.backoff(2, false, f64::NAN), ms(400));
        assert_eq!(policy.backoff(2, false, f64::INFINITY), ms(400));
    }

    #[test]
    fn rate_limited_backs_off_longer() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1, true, 1.0), ms(800));
        assert_eq!(policy.backoff(2, true, 1.0), ms(1600));
        assert_eq!(policy.backoff(4, true, 1.0), Duration::from_secs(5));
        assert_eq!(policy.backoff(1, true, 0.5), ms(400));
        let policy = policy.rate_limit_multiplier(0);
        assert_eq!(policy.backoff(1, true, 1.0), ms(200));
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, true, Some(Duration::from_secs(2)), 0.0),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, true, Some(Duration::from_secs(60)), 0.0),
            Duration::from_secs(5)
        );
        assert_eq!(policy.delay(1, true, None, 1.0), ms(800));
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        // Wed, 21 Oct 2015 07:28:00 GMT
        let date = 1_445_412_480;
        let secs = Duration::from_secs;
        assert_eq!(parse_retry_after(" 3 ", date), Some(secs(3)));
        assert_eq!(parse_retry_after("0", date), Some(secs(0)));
        for form in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
        ] {
            assert_eq!(parse_retry_after(form, date - 90), Some(secs(90)), "{form}");
            // A date already past means: now.
            assert_eq!(parse_retry_after(form, date + 5), Some(secs(0)), "{form}");
        }
        assert_eq!(parse_retry_after("-1", date), None);
        assert_eq!(parse_retry_after("soon", date), None);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 CET", date),
            None
        );
    }

    #[test]
    fn huge_settings_do_not_panic() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX)
            .rate_limit_multiplier(u32::MAX);
        assert_eq!(policy.backoff(u32::MAX, true, 1.0), Duration::MAX);
        let policy = RetryPolicy::default().max_backoff(Duration::ZERO);
        assert_eq!(policy.backoff(3, true, 1.0), Duration::ZERO);
    }

    #[test]
    fn builder_setters() {
        let policy = RetryPolicy::none()
            .max_attempts(4)
            .initial_backoff(ms(1))
            .max_backoff(ms(10))
            .rate_limit_multiplier(2);
        assert_eq!(policy.max_attempts, 4);
        assert_eq!(policy.initial_backoff, ms(1));
        assert_eq!(policy.max_backoff, ms(10));
        assert_eq!(policy.rate_limit_multiplier, 2);
        assert_eq!(policy.backoff(1, true, 1.0), ms(2));
    }
}
