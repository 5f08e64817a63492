//! When and how long to wait before sending a request again.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// Bounds on retries. Rate limits are retried for every request; transport failures and
/// 5xx responses only for requests that are safe to repeat. Invalid app or tenant tokens are
/// refreshed and retried once, outside these bounds.
///
/// ```
/// use std::time::Duration;
/// use feishu_im_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_max_elapsed(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_rate_limit_wait: Duration,
    max_elapsed: Duration,
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

    /// Attempts in all, the first included (default 3). `1` switches retries off.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff, doubled on each retry, with jitter (default 200 ms).
    #[must_use]
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The cap on one backoff (default 5 s).
    #[must_use]
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The cap on a wait the server asks for with `x-ogw-ratelimit-reset` or `Retry-After`
    /// (default 60 s).
    #[must_use]
    pub fn with_max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The cap on one whole call: attempts, token fetches and waits included (default 120 s).
    #[must_use]
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The cap on one backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The cap on a wait the server asks for.
    pub fn max_rate_limit_wait(&self) -> Duration {
        self.max_rate_limit_wait
    }

    /// The cap on one whole call.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
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
