//! The client's token cache: one slot per token, refreshed before expiry, single-flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;

use crate::runtime::error::{AuthError, AuthErrorKind, Error};
use crate::{ErrorCode, Secret};

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

impl Token {
    /// A token the caller supplied (fixed tenant token or user token).
    pub(crate) fn fixed(value: Secret) -> Result<Self, Error> {
        Ok(Token { header: Token::header(&value)?, value, refresh_at: None })
    }

    /// A fetched token that expires after `lifetime`.
    pub(crate) fn expiring(
        value: Secret,
        lifetime: Duration,
        margin: Duration,
    ) -> Result<Self, Error> {
        let lifetime = lifetime.min(LONGEST_LIFETIME);
        let refresh_at = Instant::now() + lifetime - margin.min(lifetime / 2);
        Ok(Token { header: Token::header(&value)?, value, refresh_at: Some(refresh_at) })
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

/// The token cache of one client.
#[derive(Default)]
pub(crate) struct TokenCache {
    slots: Mutex<HashMap<TokenKey, Arc<Slot>>>,
    margin: Duration,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration) -> Self {
        TokenCache { slots: Mutex::default(), margin }
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

    /// The cached token, or one from `fetch`. Concurrent callers wait for one fetch.
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
        let (value, lifetime) = fetch().await?;
        let token = Token::expiring(value, lifetime, self.margin)?;
        *slot.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        Ok(token)
    }

    /// Drops `stale` if it is still the cached token, so the next call fetches a new one.
    pub(crate) fn invalidate(&self, key: &TokenKey, stale: &Token) {
        let slot = self.slot(key);
        let mut current = slot.current.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|t| t.value == stale.value) {
            *current = None;
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
        code: code.map(ErrorCode::from_code),
        msg,
        http_status,
        log_id,
    }))
}
