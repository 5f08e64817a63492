//! Client-side rate limiting: each call waits for a slot within its endpoint's limits instead of
//! drawing rate-limit errors from Feishu.
//!
//! Limits are counted per endpoint and tenant (Feishu counts per API × app × tenant; a client is
//! one app), and per recipient for the message limits. A slot is booked in a log of the last
//! minute's calls: a call may start once fewer than `per_second` calls started in the window of
//! a second before it, and fewer than `per_minute` in the minute before it. The second is
//! stretched by [`SECOND_MARGIN`], so that timer and network jitter never put one call too
//! many into one of Feishu's windows.
//!
//! Clients given a shared [`RateLimitStore`] book their slots there instead, under keys that name
//! the app, so that every instance of an app draws on one budget. When the store fails, the
//! client books in its own log until it answers again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::operation::RateLimit;
use crate::store::{RateLimitStore, StoreHealth};

/// The window that `per_second` counts in: a second and a little more.
pub(crate) const SECOND_MARGIN: Duration = Duration::from_millis(40);
const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
/// Logs idle this long are dropped, so that one-off recipients do not pile up.
const IDLE: Duration = Duration::from_secs(120);

/// The booked slots of every limit key.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    logs: Mutex<HashMap<String, VecDeque<Instant>>>,
    shared: Option<Arc<dyn RateLimitStore>>,
    /// The app's part of the shared keys ([`app_scope`](crate::store::app_scope)).
    scope: String,
    health: Arc<StoreHealth>,
}

impl Limiter {
    /// A limiter that books in `shared` when given one, else in its own log.
    pub(crate) fn new(
        shared: Option<Arc<dyn RateLimitStore>>,
        scope: String,
        health: Arc<StoreHealth>,
    ) -> Self {
        Limiter { logs: Mutex::default(), shared, scope, health }
    }

    /// Waits for a slot within every `(key, limit)`.
    pub(crate) async fn wait(&self, limits: &[(String, RateLimit)]) {
        if let Some(shared) = &self.shared {
            let names: Vec<String> =
                limits.iter().map(|(key, _)| format!("{}:rate:{key}", self.scope)).collect();
            let keyed: Vec<(&str, RateLimit)> = names
                .iter()
                .zip(limits)
                .map(|(name, (_, limit))| (name.as_str(), *limit))
                .collect();
            match shared.book(&keyed).await {
                Ok(wait) => {
                    self.health.ok();
                    tokio::time::sleep(wait).await;
                    return;
                }
                Err(error) => self.health.failed("booking a rate-limit slot", &error),
            }
        }
        let keyed: Vec<(&str, RateLimit)> = limits.iter().map(|(k, l)| (k.as_str(), *l)).collect();
        tokio::time::sleep_until(self.book(&keyed)).await;
    }

    /// Books the earliest start within every `(key, limit)` and returns it; the caller sleeps
    /// until then. The slot is booked in all of them.
    pub(crate) fn book(&self, limits: &[(&str, RateLimit)]) -> Instant {
        self.book_at(Instant::now(), limits)
    }

    fn book_at(&self, now: Instant, limits: &[(&str, RateLimit)]) -> Instant {
        let mut logs = self.logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if logs.len() > 1024 {
            logs.retain(|_, log| log.back().is_some_and(|last| now.duration_since(*last) < IDLE));
        }
        let mut start = now;
        // Each limit can only push the start later; repeat until all of them agree.
        loop {
            let mut moved = false;
            for (key, limit) in limits {
                let log = logs.entry((*key).to_owned()).or_default();
                let earliest = earliest_start(log, *limit, start);
                if earliest > start {
                    start = earliest;
                    moved = true;
                }
            }
            if !moved {
                break;
            }
        }
        for (key, _) in limits {
            let log = logs.entry((*key).to_owned()).or_default();
            while log.front().is_some_and(|first| start.duration_since(*first) >= MINUTE) {
                log.pop_front();
            }
            // Bookings are made in order per key except when a later limit pushed this one;
            // keep the log sorted so the window arithmetic holds.
            let at = log.partition_point(|booked| *booked <= start);
            log.insert(at, start);
        }
        start
    }
}

/// The earliest instant at or after `from` when `log` leaves room under `limit`.
fn earliest_start(log: &VecDeque<Instant>, limit: RateLimit, from: Instant) -> Instant {
    let mut start = from;
    for (per, window) in [(limit.per_second, SECOND + SECOND_MARGIN), (limit.per_minute, MINUTE)] {
        let per = per as usize;
        if per == 0 {
            continue;
        }
        // The calls in the window before `start`; the `per`-th most recent of them must have
        // left it.
        let within = log.iter().rev().take_while(|t| start.duration_since(**t) < window).count();
        if within >= per {
            let oldest_kept = log[log.len() - per];
            start = start.max(oldest_kept + window);
        }
    }
    start
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE: RateLimit = RateLimit { class: "five", per_minute: 300, per_second: 5 };

    #[test]
    fn never_more_than_the_limit_in_any_second() {
        let (limiter, now) = (Limiter::default(), Instant::now());
        let starts: Vec<Instant> = (0..23).map(|_| limiter.book_at(now, &[("k", FIVE)])).collect();
        for (i, start) in starts.iter().enumerate() {
            let in_window =
                starts[..=i].iter().filter(|t| start.duration_since(**t) < SECOND).count();
            assert!(in_window <= 5, "call {i}: {in_window} in its second");
        }
        // Five at once, then the next five a second (and the margin) later.
        assert_eq!(starts[4], starts[0]);
        assert_eq!(starts[5] - starts[0], SECOND + SECOND_MARGIN);
        // Another key has its own budget.
        assert_eq!(limiter.book_at(now, &[("other", FIVE)]), starts[0]);
    }

    #[test]
    fn the_strictest_of_several_limits_wins() {
        let (limiter, now) = (Limiter::default(), Instant::now());
        let wide = RateLimit { class: "wide", per_minute: 1000, per_second: 50 };
        let minute = RateLimit { class: "minute", per_minute: 3, per_second: 50 };
        let starts: Vec<Instant> =
            (0..4).map(|_| limiter.book_at(now, &[("api", wide), ("chat", minute)])).collect();
        assert_eq!(starts[3] - starts[0], MINUTE);
    }
}
