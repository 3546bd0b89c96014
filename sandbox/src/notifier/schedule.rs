//! When notifications are sent again (the retry policy) and the notification settings of a
//! [`SandboxConfig`].

use std::time::Duration;

use crate::config::SandboxConfig;
#[cfg(doc)]
use crate::{Sandbox, SandboxError};

/// How long a receiver has to answer one attempt by default (WeChat Pay's five seconds).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// When an unacknowledged notification is sent again: the delays between attempts. A
/// schedule of `n` delays makes at most `n + 1` attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// [`RetrySchedule::coupon_use`].
    fn default() -> Self {
        RetrySchedule::coupon_use()
    }
}

impl RetrySchedule {
    /// Attempts separated by these delays (the first attempt is immediate).
    pub fn new(delays: impl IntoIterator<Item = Duration>) -> Self {
        RetrySchedule {
            delays: delays.into_iter().collect(),
        }
    }

    /// `attempts` attempts in all (at least one), `interval` apart.
    pub fn fixed(interval: Duration, attempts: usize) -> Self {
        RetrySchedule::new(std::iter::repeat_n(interval, attempts.saturating_sub(1)))
    }

    /// One attempt, no retry.
    pub fn once() -> Self {
        RetrySchedule::new([])
    }

    /// The schedule documented for `COUPON.USE` ("通知频率为1min1次，总计9次"): nine attempts,
    /// one minute apart (eight minutes from first to last). The default.
    pub fn coupon_use() -> Self {
        RetrySchedule::fixed(Duration::from_secs(60), 9)
    }

    /// The generic APIv3 notification schedule (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/
    /// 3h/6h/6h, 24 h 4 min in all): sixteen attempts.
    pub fn payment() -> Self {
        const MIN: u64 = 60;
        const HOUR: u64 = 60 * MIN;
        RetrySchedule::new(
            [
                15,
                15,
                30,
                3 * MIN,
                10 * MIN,
                20 * MIN,
                30 * MIN,
                30 * MIN,
                30 * MIN,
                HOUR,
                3 * HOUR,
                3 * HOUR,
                3 * HOUR,
                6 * HOUR,
                6 * HOUR,
            ]
            .map(Duration::from_secs),
        )
    }

    /// The delays between attempts.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The most attempts one notification gets.
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }
}

/// Notification settings of a [`SandboxConfig`].
#[derive(Debug, Clone, Default)]
pub(crate) struct NotifySettings {
    pub(super) url: Option<String>,
    /// `None`: each event's documented schedule.
    pub(super) schedule: Option<RetrySchedule>,
    pub(super) attempt_timeout: Option<Duration>,
}

impl SandboxConfig {
    /// The notify URL `COUPON.USE` notifications are POSTed to from the start (as if set with
    /// `POST /v3/marketing/favor/callbacks`). `http://` and `https://` URLs are accepted;
    /// [`Sandbox::start`] fails with [`SandboxError::Config`] on anything else.
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify.url = Some(url.into());
        self
    }

    /// When unacknowledged notifications are re-sent, for every event type. By default each
    /// follows its documented schedule: [`RetrySchedule::coupon_use`] (9 attempts, a minute
    /// apart) for `COUPON.USE`, [`RetrySchedule::payment`] (16 attempts over 24 h) for
    /// `TRANSACTION.SUCCESS` and `REFUND.*`.
    pub fn notify_retries(mut self, schedule: RetrySchedule) -> Self {
        self.notify.schedule = Some(schedule);
        self
    }

    /// How long the receiver has to answer one attempt (default 5 s).
    pub fn notify_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.notify.attempt_timeout = Some(timeout);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(RetrySchedule::default().max_attempts(), 9);
        assert!(
            RetrySchedule::coupon_use()
                .delays()
                .iter()
                .all(|d| *d == Duration::from_secs(60))
        );
        let payment = RetrySchedule::payment();
        assert_eq!(payment.max_attempts(), 16);
        let total: Duration = payment.delays().iter().sum();
        assert_eq!(total, Duration::from_secs(24 * 3600 + 4 * 60));
        assert_eq!(RetrySchedule::once().max_attempts(), 1);
        assert_eq!(
            RetrySchedule::fixed(Duration::from_millis(1), 0).max_attempts(),
            1
        );
        assert_eq!(
            RetrySchedule::fixed(Duration::from_millis(1), 3).max_attempts(),
            3
        );
    }
}
