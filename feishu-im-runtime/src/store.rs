//! Where a client keeps its tokens and books its rate-limit slots, and how several clients (or
//! processes) share them.
//!
//! Feishu's limits belong to the app, not to one process: rate limits count per API × app ×
//! tenant, and every replica of an app may fetch tokens. A [`TokenStore`] holds tokens (and the
//! `app_ticket` of a store app) under keys that name the app; [`MemoryStore`], the default,
//! keeps them in the process. A [`RateLimitStore`] books rate-limit slots for all the clients
//! that share it. With the `redis` feature, `RedisStore` is both, shared through Redis.
//!
//! Store failures never fail a call: the client falls back to its own state and logs the
//! failure once.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use crate::Secret;
use crate::operation::RateLimit;

/// What the methods of [`TokenStore`] and [`RateLimitStore`] return: a boxed future, so that the
/// traits stay object-safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A token (or `app_ticket`) as a store keeps it: the value, when it was issued and when it
/// expires. `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    value: Secret,
    issued_at: SystemTime,
    expires_at: SystemTime,
}

impl StoredToken {
    /// A token issued at `issued_at` that expires at `expires_at`.
    pub fn new(value: Secret, issued_at: SystemTime, expires_at: SystemTime) -> Self {
        StoredToken { value, issued_at, expires_at }
    }

    /// The token.
    pub fn value(&self) -> &Secret {
        &self.value
    }

    /// When it was issued; with the expiry, it tells every client sharing it the same time to
    /// refresh it.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When it expires; a store forgets it then.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether it has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_at <= SystemTime::now()
    }
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("value", &self.value)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A held refresh lock ([`TokenStore::try_lock`]): the id that releases it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLock {
    id: String,
}

impl StoreLock {
    /// A lock held under `id`, unique to its holder.
    pub fn new(id: impl Into<String>) -> Self {
        StoreLock { id: id.into() }
    }

    /// The holder's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A store could not be reached or answered something unexpected. The client then goes on with
/// its own state; the cause is behind [`std::error::Error::source`].
#[derive(Debug)]
pub struct StoreError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        StoreError { message: message.into(), source: None }
    }

    /// An error described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError { message: message.into(), source: Some(Box::new(source)) }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Where a client keeps its tokens and its store app's `app_ticket`, shared by the clients (and
/// processes) given the same store.
///
/// Keys name the app: `<app_id>:<fingerprint>:token:tenant`, where the fingerprint is the first
/// 8 bytes of the SHA-256 of the app secret in hex, so that two apps, or one app before and
/// after a secret change, never share a token; the secret itself never appears in a key.
///
/// The client reads the store when its own copy of a token is missing or due for refresh, and
/// fetches a token under [`try_lock`](Self::try_lock), so that clients sharing a store fetch it
/// once between them. Implementations bound each call by a short timeout: an error makes the
/// client go on with its own state.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token under `key`, or `None` when there is none or it has expired.
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;

    /// Stores `token` under `key` until it expires.
    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()>;

    /// Deletes the token under `key` if it is still `stale`, the one Feishu called invalid; a
    /// token another client has already fetched in its place stays.
    fn delete<'a>(&'a self, key: &'a str, stale: &'a Secret) -> StoreFuture<'a, ()>;

    /// Takes the lock `key` for at most `ttl`, or `None` when another holder has it.
    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<StoreLock>>;

    /// Releases `lock` if it still holds `key`.
    fn unlock<'a>(&'a self, key: &'a str, lock: StoreLock) -> StoreFuture<'a, ()>;
}

/// A rate-limit budget shared by the clients given the same store: each books its calls' slots
/// in it, so that together they stay within Feishu's limits.
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Books the earliest start, at or after now, that every `(key, limit)` leaves room for: fewer
    /// than `per_second` starts in any window of a second (and a small margin), and fewer than
    /// `per_minute` in any minute. The slot is booked in all of them; the answer is how long to
    /// wait before starting.
    fn book<'a>(&'a self, limits: &'a [(&'a str, RateLimit)]) -> StoreFuture<'a, Duration>;
}

/// The in-process [`TokenStore`], every client's default: a map and in-process locks. Share one
/// (in an `Arc`) between clients of the same app in a process to share their tokens.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
    locks: Mutex<HashMap<String, (String, Instant)>>,
    next_lock: AtomicU64,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }
}

impl TokenStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let token = tokens.get(key).filter(|t| !t.is_expired()).cloned();
        Box::pin(std::future::ready(Ok(token)))
    }

    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.retain(|_, t| !t.is_expired());
        tokens.insert(key.to_owned(), token.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete<'a>(&'a self, key: &'a str, stale: &'a Secret) -> StoreFuture<'a, ()> {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.get(key).is_some_and(|t| t.value == *stale) {
            tokens.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<StoreLock>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let free = locks.get(key).is_none_or(|(_, until)| *until <= now);
        let lock = free.then(|| {
            let id = self.next_lock.fetch_add(1, Ordering::Relaxed).to_string();
            locks.insert(key.to_owned(), (id.clone(), now + ttl));
            StoreLock::new(id)
        });
        Box::pin(std::future::ready(Ok(lock)))
    }

    fn unlock<'a>(&'a self, key: &'a str, lock: StoreLock) -> StoreFuture<'a, ()> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        if locks.get(key).is_some_and(|(id, _)| *id == lock.id) {
            locks.remove(key);
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

/// The part of every store key that names the app: its id and a fingerprint of its secret (the
/// first 8 bytes of its SHA-256, in hex), never the secret.
pub(crate) fn app_scope(app: Option<(&str, &Secret)>) -> String {
    match app {
        Some((app_id, secret)) => {
            let digest = Sha256::digest(secret.expose().as_bytes());
            format!("{app_id}:{}", crate::ids::hex(&digest[..8]))
        }
        // Fixed tokens and user tokens are never stored; rate limits still need a scope.
        None => "no-app".to_owned(),
    }
}

/// Whether a client's shared store is failing, so that an outage is logged once when it starts
/// and once when it ends, not at every call.
#[derive(Debug, Default)]
pub(crate) struct StoreHealth {
    failing: AtomicBool,
}

impl StoreHealth {
    pub(crate) fn failed(&self, what: &str, error: &StoreError) {
        if !self.failing.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %error,
                "the shared store failed ({what}); going on with this client's own tokens and rate limits until it answers again"
            );
        }
    }

    pub(crate) fn ok(&self) {
        if self.failing.swap(false, Ordering::Relaxed) {
            tracing::info!("the shared store answers again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_names_the_app_and_hides_the_secret() {
        let secret = Secret::new("very-secret");
        let scope = app_scope(Some(("cli_a", &secret)));
        assert!(scope.starts_with("cli_a:"));
        assert_eq!(scope.len(), "cli_a:".len() + 16);
        assert!(!scope.contains("very-secret"));
        assert_ne!(scope, app_scope(Some(("cli_a", &Secret::new("other")))));
    }

    #[tokio::test]
    async fn memory_store_deletes_only_the_stale_token_and_locks_once() {
        let store = MemoryStore::new();
        let now = SystemTime::now();
        let token = StoredToken::new(Secret::new("t-1"), now, now + Duration::from_secs(60));
        store.set("k", &token).await.unwrap();
        store.delete("k", &Secret::new("t-0")).await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), Some(token.clone()));
        store.delete("k", &Secret::new("t-1")).await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);

        let lock = store.try_lock("l", Duration::from_secs(5)).await.unwrap().unwrap();
        assert!(store.try_lock("l", Duration::from_secs(5)).await.unwrap().is_none());
        store.unlock("l", lock).await.unwrap();
        assert!(store.try_lock("l", Duration::from_secs(5)).await.unwrap().is_some());
        assert!(!format!("{token:?}").contains("t-1"));
    }
}
