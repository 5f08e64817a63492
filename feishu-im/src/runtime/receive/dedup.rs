//! Deduplication of deliveries: Feishu re-delivers an event it thinks was missed, and one
//! message may arrive under several event ids, so each is handled once per key.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A store that remembers which deliveries were handled. [`MemoryDedup`] serves one process;
/// an implementation over a shared store serves many instances of one app.
pub trait Dedup: Send + Sync + 'static {
    /// Claims `key` for `ttl`: `Ok(true)` when no claim of it is live, so the caller handles
    /// the delivery; `Ok(false)` for a repeat.
    ///
    /// # Errors
    ///
    /// When the store cannot answer. The delivery is then handled: a repeat is better than a
    /// loss.
    fn claim<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<bool, DedupError>> + Send + 'a>>;
}

/// A dedup store that could not answer.
#[derive(Debug, thiserror::Error)]
#[error("the dedup store failed: {message}")]
#[non_exhaustive]
pub struct DedupError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DedupError {
    /// An error with a message and its cause.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        DedupError { message: message.into(), source }
    }
}

/// Keys claimed in this process, each for its time to live, at most `capacity` of them: when
/// full, the oldest claim is forgotten first.
#[derive(Debug)]
pub struct MemoryDedup {
    capacity: usize,
    state: Mutex<Claims>,
}

#[derive(Debug, Default)]
struct Claims {
    expiry: HashMap<String, Instant>,
    order: VecDeque<(Instant, String)>,
}

impl MemoryDedup {
    /// Remembers at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDedup { capacity: capacity.max(1), state: Mutex::default() }
    }

    /// How many claims are live.
    pub fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).expiry.len()
    }

    /// Whether no claim is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn claim_now(&self, key: &str, ttl: Duration, now: Instant) -> bool {
        let mut claims = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Forget what expired, and the oldest claims beyond capacity.
        while let Some((at, _)) = claims.order.front() {
            let expired = *at <= now;
            if !expired && claims.order.len() < self.capacity {
                break;
            }
            let (at, old) = claims.order.pop_front().expect("front exists");
            if claims.expiry.get(&old) == Some(&at) {
                claims.expiry.remove(&old);
            }
        }
        if claims.expiry.get(key).is_some_and(|at| *at > now) {
            return false;
        }
        let until = now + ttl;
        claims.expiry.insert(key.to_owned(), until);
        claims.order.push_back((until, key.to_owned()));
        true
    }
}

impl Default for MemoryDedup {
    /// 100,000 keys: a day of a busy bot's messages, a few megabytes.
    fn default() -> Self {
        MemoryDedup::new(100_000)
    }
}

impl Dedup for MemoryDedup {
    fn claim<'a>(
        &'a self,
        key: &'a str,
        ttl: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<bool, DedupError>> + Send + 'a>> {
        let first = self.claim_now(key, ttl, Instant::now());
        Box::pin(std::future::ready(Ok(first)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_once_until_expiry_and_stays_bounded() {
        let dedup = MemoryDedup::new(3);
        let t0 = Instant::now();
        let ttl = Duration::from_secs(10);
        assert!(dedup.claim_now("a", ttl, t0));
        assert!(!dedup.claim_now("a", ttl, t0 + Duration::from_secs(9)));
        assert!(dedup.claim_now("a", ttl, t0 + Duration::from_secs(11)));
        for key in ["b", "c", "d", "e"] {
            assert!(dedup.claim_now(key, ttl, t0 + Duration::from_secs(12)));
        }
        assert!(dedup.len() <= 3);
        // The oldest claims were forgotten to stay within capacity.
        assert!(dedup.claim_now("a", ttl, t0 + Duration::from_secs(12)));
    }
}
