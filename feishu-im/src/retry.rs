//! When and how long to wait before sending a request again.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// Bounds on retries. Rate limits are retried for every request; transport failures and
/// 5xx responses only for requests that are safe to repeat. Invalid app or tenant tokens are
/// refreshed and retried once, outside these bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` switches retries off.
    pub max_attempts: u32,
    /// First backoff; doubled on each retry, with jitter.
    pub initial_backoff: Duration,
    /// Cap on one backoff.
    pub max_backoff: Duration,
    /// Cap on a wait that the server asked for with `x-ogw-ratelimit-reset`.
    pub max_rate_limit_wait: Duration,
    /// Cap on the time spent in one call, all attempts and waits included.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries: every failure goes straight back to the caller.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The wait before retry number `retry` (1-based): the server's reset time if it sent one
    /// (capped), otherwise exponential backoff with jitter between half and the full delay.
    pub(crate) fn delay(&self, retry: u32, reset: Option<Duration>) -> Duration {
        if let Some(reset) = reset {
            return reset.min(self.max_rate_limit_wait);
        }
        let exponent = retry.saturating_sub(1).min(16);
        let full = self.initial_backoff.saturating_mul(1 << exponent).min(self.max_backoff);
        let half = full / 2;
        let jitter = RandomState::new().hash_one(retry) % (half.as_nanos() as u64 + 1);
        half + Duration::from_nanos(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 1..10 {
            let delay = policy.delay(retry, None);
            let full = (policy.initial_backoff * (1 << (retry - 1))).min(policy.max_backoff);
            assert!(delay >= full / 2 && delay <= full, "{retry}: {delay:?}");
        }
        assert_eq!(policy.delay(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3600))), policy.max_rate_limit_wait);
    }
}
