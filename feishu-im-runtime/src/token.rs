//! The client's token cache: its own copy of each token, refreshed before expiry, fetched once
//! for concurrent callers, kept in a [`TokenStore`] that other clients may share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;

use crate::error::{AuthError, AuthErrorKind, Error};
use crate::store::{StoreHealth, StoredToken, TokenStore};
use crate::{Code, Secret};

/// Which token a slot holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum TokenKey {
    /// The app's own tenant token (custom apps).
    Tenant,
    /// A store app's tenant token for one tenant.
    TenantOf(String),
    /// The app token.
    App,
}

impl TokenKey {
    /// The key's part of a store key.
    fn name(&self) -> String {
        match self {
            TokenKey::Tenant => "token:tenant".to_owned(),
            TokenKey::TenantOf(tenant) => format!("token:tenant:{tenant}"),
            TokenKey::App => "token:app".to_owned(),
        }
    }
}

/// A token ready to send.
#[derive(Clone)]
pub(crate) struct Token {
    /// `Bearer …`, marked sensitive so that it never prints.
    pub header: HeaderValue,
    pub(crate) value: Secret,
    /// When to fetch a new one: before expiry by the cache's margin, or half the lifetime.
    /// `None` for tokens the caller supplies, which the client never refreshes.
    refresh_at: Option<Instant>,
}

/// Tokens live at most 2 h; a longer `expire` from a server is not trusted beyond a day.
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long one client may hold the refresh lock of a token; others wait at most this long
/// before fetching it themselves.
const REFRESH_LOCK: Duration = Duration::from_secs(10);
/// How often a client waiting for another's refresh looks for the new token.
const REFRESH_POLL: Duration = Duration::from_millis(20);
/// How long an `app_ticket` is kept in the store; Feishu pushes a new one every hour.
const TICKET_LIFETIME: Duration = Duration::from_secs(12 * 3600);

impl Token {
    /// A token the caller supplied (fixed tenant token or user token).
    pub(crate) fn fixed(value: Secret) -> Result<Self, Error> {
        Ok(Token { header: Token::header(&value)?, value, refresh_at: None })
    }

    /// A stored token, due for refresh `margin` before it expires (at most half its lifetime);
    /// `None` if that time has passed.
    fn from_stored(stored: &StoredToken, margin: Duration) -> Result<Option<Self>, Error> {
        let lifetime = stored.expires_at().duration_since(stored.issued_at()).unwrap_or_default();
        let due = stored.expires_at() - margin.min(lifetime / 2);
        let Ok(left) = due.duration_since(SystemTime::now()) else {
            return Ok(None);
        };
        if left.is_zero() {
            return Ok(None);
        }
        let value = stored.value().clone();
        Ok(Some(Token {
            header: Token::header(&value)?,
            value,
            refresh_at: Some(Instant::now() + left),
        }))
    }

    /// `Bearer …`, marked sensitive so that it never prints.
    fn header(value: &Secret) -> Result<HeaderValue, Error> {
        let mut header =
            HeaderValue::from_str(&format!("Bearer {}", value.expose())).map_err(|_| {
                Error::Auth(Box::new(AuthError {
                    kind: AuthErrorKind::TokenRequestRejected,
                    code: None,
                    msg: "the token contains characters not allowed in a header".into(),
                    http_status: None,
                    log_id: None,
                }))
            })?;
        header.set_sensitive(true);
        Ok(header)
    }

    fn is_fresh(&self) -> bool {
        self.refresh_at.is_none_or(|at| Instant::now() < at)
    }
}

#[derive(Default)]
struct Slot {
    current: RwLock<Option<Token>>,
    refresh: tokio::sync::Mutex<()>,
}

/// The token cache of one client: its own copy of each token, and the store it shares.
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Arc<Slot>>>,
    margin: Duration,
    store: Arc<dyn TokenStore>,
    /// The app's part of every store key ([`app_scope`](crate::store::app_scope)).
    scope: String,
    health: Arc<StoreHealth>,
}

impl TokenCache {
    pub(crate) fn new(
        margin: Duration,
        store: Arc<dyn TokenStore>,
        scope: String,
        health: Arc<StoreHealth>,
    ) -> Self {
        TokenCache { slots: Mutex::default(), margin, store, scope, health }
    }

    /// Every token this cache holds now: the secrets an error must not show.
    pub(crate) fn values(&self) -> Vec<Secret> {
        let slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .values()
            .filter_map(|slot| {
                let current = slot.current.read().unwrap_or_else(|e| e.into_inner());
                current.as_ref().map(|token| token.value.clone())
            })
            .collect()
    }

    fn slot(&self, key: &TokenKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        match slots.get(key) {
            Some(slot) => slot.clone(),
            None => slots.entry(key.clone()).or_default().clone(),
        }
    }

    fn fresh(&self, slot: &Slot) -> Option<Token> {
        let current = slot.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().filter(|t| t.is_fresh()).cloned()
    }

    fn store_key(&self, key: &TokenKey) -> String {
        format!("{}:{}", self.scope, key.name())
    }

    /// The stored token under `name` if it is not due for refresh; a store failure counts as
    /// none.
    async fn load(&self, name: &str) -> Result<Option<Token>, Error> {
        match self.store.get(name).await {
            Ok(Some(stored)) => {
                self.health.ok();
                Token::from_stored(&stored, self.margin)
            }
            Ok(None) => {
                self.health.ok();
                Ok(None)
            }
            Err(error) => {
                self.health.failed("reading a token", &error);
                Ok(None)
            }
        }
    }

    /// The cached token, or the store's, or one from `fetch`. Concurrent callers of this client
    /// wait for one of them; clients sharing the store wait for the one holding its refresh lock.
    pub(crate) async fn get<F, Fut>(&self, key: &TokenKey, fetch: F) -> Result<Token, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), Error>>,
    {
        let slot = self.slot(key);
        if let Some(token) = self.fresh(&slot) {
            return Ok(token);
        }
        let _refreshing = slot.refresh.lock().await;
        if let Some(token) = self.fresh(&slot) {
            return Ok(token);
        }
        let keep = |token: Token| {
            *slot.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
            Ok(token)
        };
        let name = self.store_key(key);
        if let Some(token) = self.load(&name).await? {
            return keep(token);
        }
        // One client fetches under the lock; the others find its token in the store, or fetch
        // themselves once the lock has lapsed or the store fails.
        let lock_name = format!("{name}:lock");
        let waited_until = Instant::now() + REFRESH_LOCK;
        let lock = loop {
            match self.store.try_lock(&lock_name, REFRESH_LOCK).await {
                Ok(Some(lock)) => break Some(lock),
                Ok(None) if Instant::now() < waited_until => {
                    tokio::time::sleep(REFRESH_POLL).await;
                    if let Some(token) = self.load(&name).await? {
                        return keep(token);
                    }
                }
                Ok(None) => break None,
                Err(error) => {
                    self.health.failed("taking the refresh lock", &error);
                    break None;
                }
            }
        };
        // Another client may have stored a token between the first look and the lock.
        let stored = match &lock {
            Some(_) => self.load(&name).await?,
            None => None,
        };
        let result = match stored {
            Some(token) => Ok(token),
            None => self.fetch_and_store(&name, fetch).await,
        };
        if let Some(lock) = lock
            && let Err(error) = self.store.unlock(&lock_name, lock).await
        {
            self.health.failed("releasing the refresh lock", &error);
        }
        keep(result?)
    }

    async fn fetch_and_store<F, Fut>(&self, name: &str, fetch: F) -> Result<Token, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Secret, Duration), Error>>,
    {
        let (value, lifetime) = fetch().await?;
        let now = SystemTime::now();
        let stored = StoredToken::new(value, now, now + lifetime.min(LONGEST_LIFETIME));
        if let Err(error) = self.store.set(name, &stored).await {
            self.health.failed("storing a token", &error);
        }
        match Token::from_stored(&stored, self.margin)? {
            Some(token) => Ok(token),
            // A lifetime too short to keep still gives this call its token.
            None => {
                let value = stored.value().clone();
                Ok(Token {
                    header: Token::header(&value)?,
                    value,
                    refresh_at: Some(Instant::now()),
                })
            }
        }
    }

    /// Drops `stale` if it is still the cached token, here and in the store, so that the next
    /// call fetches a new one (or finds the one another client fetched).
    pub(crate) async fn invalidate(&self, key: &TokenKey, stale: &Token) {
        let slot = self.slot(key);
        {
            let mut current = slot.current.write().unwrap_or_else(|e| e.into_inner());
            if current.as_ref().is_some_and(|t| t.value == stale.value) {
                *current = None;
            }
        }
        if let Err(error) = self.store.delete(&self.store_key(key), &stale.value).await {
            self.health.failed("deleting an invalid token", &error);
        }
    }

    /// The `app_ticket` in the store, which any client sharing it may have received.
    pub(crate) async fn shared_ticket(&self) -> Option<Secret> {
        match self.store.get(&format!("{}:app_ticket", self.scope)).await {
            Ok(ticket) => ticket.map(|t| t.value().clone()),
            Err(error) => {
                self.health.failed("reading the app_ticket", &error);
                None
            }
        }
    }

    /// Stores the `app_ticket` for every client sharing the store.
    pub(crate) async fn share_ticket(&self, ticket: Secret) {
        let now = SystemTime::now();
        let stored = StoredToken::new(ticket, now, now + TICKET_LIFETIME);
        if let Err(error) = self.store.set(&format!("{}:app_ticket", self.scope), &stored).await {
            self.health.failed("storing the app_ticket", &error);
        }
    }
}

/// The body of an auth endpoint's answer; auth responses are not wrapped in `data`.
#[derive(serde::Deserialize)]
pub(crate) struct TokenResponse {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub tenant_access_token: Option<String>,
    #[serde(default)]
    pub app_access_token: Option<String>,
    #[serde(default)]
    pub expire: Option<u64>,
}

pub(crate) fn auth_error(
    kind: AuthErrorKind,
    code: Option<i64>,
    msg: String,
    http_status: Option<u16>,
    log_id: Option<String>,
) -> Error {
    Error::Auth(Box::new(AuthError {
        kind,
        code: code.map(Code::undescribed),
        msg,
        http_status,
        log_id,
    }))
}
