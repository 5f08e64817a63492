//! Deduplication of deliveries: Feishu re-delivers an event it thinks was missed, and one
//! message may arrive under several event ids, so each is handled once per key. A callback
//! delivered again gets the first delivery's answer again, so the store keeps answers too.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The future a [`Dedup`] method returns.
pub type DedupFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DedupError>> + Send + 'a>>;

/// A store that remembers which deliveries were handled, and what callbacks answered.
/// [`MemoryDedup`] serves one process; an implementation over a shared store serves many
/// instances of one app (`RedisStore`, feature `redis`).
pub trait Dedup: Send + Sync + 'static {
    /// Claims `key` for `ttl`: `Ok(true)` when no claim of it is live, so the caller handles
    /// the delivery; `Ok(false)` for a repeat.
    ///
    /// # Errors
    ///
    /// When the store cannot answer. The delivery is then handled: a repeat is better than a
    /// loss.
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> DedupFuture<'a, bool>;

    /// Forgets the claim of `key`, so that a redelivery is handled again: its handler failed
    /// or panicked.
    ///
    /// # Errors
    ///
    /// When the store cannot answer; the claim then lasts its time to live.
    fn release<'a>(&'a self, key: &'a str) -> DedupFuture<'a, ()>;

    /// Keeps the answer of the callback claimed as `key` for `ttl`, so that a redelivery of
    /// it gets the same answer.
    ///
    /// # Errors
    ///
    /// When the store cannot answer; a redelivery then gets an error, and Feishu tries again.
    fn keep_answer<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        ttl: Duration,
    ) -> DedupFuture<'a, ()>;

    /// The answer kept for `key`, if any yet.
    ///
    /// # Errors
    ///
    /// When the store cannot answer.
    fn answer<'a>(&'a self, key: &'a str) -> DedupFuture<'a, Option<Vec<u8>>>;
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
    expiry: HashMap<String, Claim>,
    order: VecDeque<(Instant, String)>,
}

#[derive(Debug)]
struct Claim {
    until: Instant,
    answer: Option<Vec<u8>>,
}

impl MemoryDedup {
    /// Remembers at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDedup { capacity: capacity.max(1), state: Mutex::default() }
    }

    /// How many claims are live.
    pub fn len(&self) -> usize {
        self.claims().expiry.len()
    }

    /// Whether no claim is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn claim_now(&self, key: &str, ttl: Duration, now: Instant) -> bool {
        let mut claims = self.claims();
        // Forget what expired, and the oldest claims beyond capacity.
        while let Some((at, _)) = claims.order.front() {
            let expired = *at <= now;
            if !expired && claims.order.len() < self.capacity {
                break;
            }
            let (at, old) = claims.order.pop_front().expect("front exists");
            if claims.expiry.get(&old).is_some_and(|claim| claim.until == at) {
                claims.expiry.remove(&old);
            }
        }
        if claims.expiry.get(key).is_some_and(|claim| claim.until > now) {
            return false;
        }
        let until = now.checked_add(ttl).unwrap_or(now + Duration::from_secs(365 * 24 * 3600));
        claims.expiry.insert(key.to_owned(), Claim { until, answer: None });
        claims.order.push_back((until, key.to_owned()));
        true
    }

    fn claims(&self) -> std::sync::MutexGuard<'_, Claims> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for MemoryDedup {
    /// 100,000 keys: a day of a busy bot's messages, a few megabytes.
    fn default() -> Self {
        MemoryDedup::new(100_000)
    }
}

impl Dedup for MemoryDedup {
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> DedupFuture<'a, bool> {
        let first = self.claim_now(key, ttl, Instant::now());
        Box::pin(std::future::ready(Ok(first)))
    }

    fn release<'a>(&'a self, key: &'a str) -> DedupFuture<'a, ()> {
        // Its entry in `order` goes when it expires or is pushed out.
        self.claims().expiry.remove(key);
        Box::pin(std::future::ready(Ok(())))
    }

    /// The answer lives as long as the claim: `ttl` is the claim's.
    fn keep_answer<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        _ttl: Duration,
    ) -> DedupFuture<'a, ()> {
        if let Some(claim) = self.claims().expiry.get_mut(key) {
            claim.answer = Some(answer.to_vec());
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn answer<'a>(&'a self, key: &'a str) -> DedupFuture<'a, Option<Vec<u8>>> {
        let now = Instant::now();
        let answer = self
            .claims()
            .expiry
            .get(key)
            .filter(|claim| claim.until > now)
            .and_then(|claim| claim.answer.clone());
        Box::pin(std::future::ready(Ok(answer)))
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

    #[tokio::test]
    async fn an_answer_is_kept_with_its_claim_and_a_released_claim_is_free() {
        let dedup = MemoryDedup::new(10);
        let ttl = Duration::from_secs(60);
        assert!(dedup.claim("k", ttl).await.unwrap());
        assert_eq!(dedup.answer("k").await.unwrap(), None);
        dedup.keep_answer("k", b"{}", ttl).await.unwrap();
        assert_eq!(dedup.answer("k").await.unwrap().as_deref(), Some(&b"{}"[..]));
        assert!(!dedup.claim("k", ttl).await.unwrap());
        dedup.release("k").await.unwrap();
        assert_eq!(dedup.answer("k").await.unwrap(), None);
        assert!(dedup.claim("k", Duration::MAX).await.unwrap());
    }
}
