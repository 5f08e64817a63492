//! Tokens, the `app_ticket`, rate limits and event claims shared through Redis (or Valkey).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue, Script};

use crate::Secret;
use crate::limiter::SECOND_MARGIN;
use crate::operation::RateLimit;
use crate::store::{RateLimitStore, StoreError, StoreFuture, StoreLock, StoredToken, TokenStore};

/// How long a command may take by default before the client goes on without Redis.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, how long commands fail at once instead of waiting for Redis again.
const COOL_DOWN: Duration = Duration::from_secs(1);

/// Books the earliest start that every key's limits leave room for, in a log of start times
/// per key (a sorted set scored in microseconds of the Redis clock), the same sliding windows as
/// the client's own limiter. `KEYS`: the limit keys. `ARGV`: a unique id for this booking, the
/// second window in microseconds, then `per_second` and `per_minute` of each key. Returns how
/// many microseconds to wait.
const BOOK: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local second = tonumber(ARGV[2])
local minute = 60000000
local start = now
local moved = true
while moved do
  moved = false
  for i, key in ipairs(KEYS) do
    local windows = {{tonumber(ARGV[1 + 2 * i]), second}, {tonumber(ARGV[2 + 2 * i]), minute}}
    for _, w in ipairs(windows) do
      local per, window = w[1], w[2]
      if per > 0 and redis.call('ZCOUNT', key, start - window + 1, '+inf') >= per then
        local kept = redis.call('ZRANGE', key, -per, -per, 'WITHSCORES')
        local earliest = tonumber(kept[2]) + window
        if earliest > start then
          start = earliest
          moved = true
        end
      end
    end
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', start - minute)
  redis.call('ZADD', key, start, ARGV[1] .. ':' .. i)
  redis.call('PEXPIRE', key, 120000)
end
return start - now
";

/// Deletes `KEYS[1]` if it holds the token `ARGV[1]` (values are `issued expires token`).
const DELETE_TOKEN: &str = r"
local value = redis.call('GET', KEYS[1])
if value and string.match(value, '^%d+ %d+ (.*)$') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Deletes the lock `KEYS[1]` if its holder is `ARGV[1]`.
const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`TokenStore`] and [`RateLimitStore`] in Redis (or Valkey), shared by every client given it
/// in any process: give it to [`ClientBuilder::shared_state`](crate::ClientBuilder::shared_state).
/// Cheap to clone; clones share one connection, which reconnects by itself.
///
/// Keys start with a prefix (default `feishu-im`), then the app id and a fingerprint of its
/// secret (`feishu-im:cli_a1b2c3:9f86d081884c7d65:token:tenant`); the secret is never stored.
/// Token values are, as they must be for other instances to use them.
///
/// Every command is bounded by a short timeout (default 250 ms). When Redis fails, clients go on
/// with their own tokens and rate limits, and for a second after a failure commands fail at once
/// rather than wait for it again.
///
/// `Debug` shows the URL without its password.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    connection: ConnectionManager,
    /// The URL as `Debug` shows it: the password replaced by `***`.
    shown_url: Arc<str>,
    prefix: Arc<str>,
    timeout: Duration,
    scripts: Arc<Scripts>,
    /// Until when commands fail without trying Redis, after a failure.
    cooling_until: Arc<Mutex<Option<Instant>>>,
}

struct Scripts {
    book: Script,
    delete_token: Script,
    unlock: Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.shown_url)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store at `url` (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` with TLS
    /// support compiled into `redis`). It connects on first use, so that clients start while
    /// Redis is down; [`ping`](Self::ping) checks it. Call it inside a Tokio runtime.
    ///
    /// # Errors
    ///
    /// A URL Redis cannot use.
    pub fn new(url: &str) -> Result<Self, StoreError> {
        let shown_url: Arc<str> = redact(url).into();
        let client = redis::Client::open(url).map_err(|e| {
            StoreError::with_source(format!("not a usable Redis URL: {shown_url}"), e)
        })?;
        let connection = connection(&client, DEFAULT_TIMEOUT)?;
        Ok(RedisStore {
            client,
            connection,
            shown_url,
            prefix: "feishu-im".into(),
            timeout: DEFAULT_TIMEOUT,
            scripts: Arc::new(Scripts {
                book: Script::new(BOOK),
                delete_token: Script::new(DELETE_TOKEN),
                unlock: Script::new(UNLOCK),
            }),
            cooling_until: Arc::new(Mutex::new(None)),
        })
    }

    /// Puts every key under `prefix` (default `feishu-im`), to keep apart deployments that
    /// share a Redis.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().into();
        self
    }

    /// How long one command may take before the client goes on without Redis (default 250 ms),
    /// connecting included.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        // Connections are made on first use, so a new one costs nothing.
        if let Ok(connection) = connection(&self.client, timeout) {
            self.connection = connection;
        }
        self.timeout = timeout;
        self
    }

    /// Checks that Redis answers.
    ///
    /// # Errors
    ///
    /// Redis is unreachable or did not answer in time.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.query::<String>(redis::cmd("PING")).await.map(drop)
    }

    /// Claims `key` once for `ttl`: `true` for the first claim, `false` while an earlier claim
    /// holds (`SET <prefix>:claim:<key> 1 NX PX ttl`). Instances receiving the same event (each
    /// WebSocket event goes to one connection, but Feishu pushes again when unsure) handle it
    /// once by claiming its id first; the key should name the app, as in
    /// `cli_a1b2c3:event:<event_id>`.
    ///
    /// # Errors
    ///
    /// Redis is unreachable or did not answer in time; the caller decides whether to handle the
    /// event anyway.
    pub async fn claim_once(&self, key: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut set = redis::cmd("SET");
        set.arg(self.key(&format!("claim:{key}"))).arg(1).arg("NX").arg("PX").arg(millis(ttl));
        Ok(self.query::<Option<String>>(set).await?.is_some())
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    async fn query<T: FromRedisValue>(&self, command: Cmd) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        self.bounded(async move { command.query_async(&mut connection).await }).await
    }

    async fn run_script<T: FromRedisValue>(
        &self,
        script: &Script,
        keys: &[String],
        args: &[String],
    ) -> Result<T, StoreError> {
        let mut connection = self.connection.clone();
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        for arg in args {
            invocation.arg(arg);
        }
        self.bounded(async move { invocation.invoke_async(&mut connection).await }).await
    }

    /// Runs one command within the timeout; after a failure, fails at once for a second.
    async fn bounded<T>(
        &self,
        command: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        {
            let cooling = self.cooling_until.lock().unwrap_or_else(|e| e.into_inner());
            if cooling.is_some_and(|until| Instant::now() < until) {
                return Err(StoreError::new("Redis failed moments ago; not tried again yet"));
            }
        }
        let result = match tokio::time::timeout(self.timeout, command).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StoreError::with_source("Redis failed", error)),
            Err(elapsed) => Err(StoreError::with_source(
                format!("Redis did not answer within {:?}", self.timeout),
                elapsed,
            )),
        };
        let mut cooling = self.cooling_until.lock().unwrap_or_else(|e| e.into_inner());
        *cooling = result.is_err().then(|| Instant::now() + COOL_DOWN);
        result
    }
}

impl TokenStore for RedisStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let mut get = redis::cmd("GET");
            get.arg(self.key(key));
            let Some(value) = self.query::<Option<String>>(get).await? else {
                return Ok(None);
            };
            let token = decode(&value).ok_or_else(|| {
                StoreError::new(format!("the value under {} is not a token", self.key(key)))
            })?;
            Ok(Some(token).filter(|t| !t.is_expired()))
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if token.is_expired() {
                return Ok(());
            }
            let mut set = redis::cmd("SET");
            set.arg(self.key(key))
                .arg(encode(token))
                .arg("PXAT")
                .arg(epoch_millis(token.expires_at()));
            self.query::<()>(set).await
        })
    }

    fn delete<'a>(&'a self, key: &'a str, stale: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let keys = [self.key(key)];
            let args = [stale.expose().to_owned()];
            self.run_script::<i64>(&self.scripts.delete_token, &keys, &args).await.map(drop)
        })
    }

    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<StoreLock>> {
        Box::pin(async move {
            let mut id = [0u8; 16];
            getrandom::fill(&mut id)
                .map_err(|e| StoreError::new(format!("no random lock id: {e}")))?;
            let id = crate::ids::hex(&id);
            let mut set = redis::cmd("SET");
            set.arg(self.key(key)).arg(&id).arg("NX").arg("PX").arg(millis(ttl));
            let taken = self.query::<Option<String>>(set).await?.is_some();
            Ok(taken.then(|| StoreLock::new(id)))
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, lock: StoreLock) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let keys = [self.key(key)];
            let args = [lock.id().to_owned()];
            self.run_script::<i64>(&self.scripts.unlock, &keys, &args).await.map(drop)
        })
    }
}

impl RateLimitStore for RedisStore {
    fn book<'a>(&'a self, limits: &'a [(&'a str, RateLimit)]) -> StoreFuture<'a, Duration> {
        Box::pin(async move {
            if limits.is_empty() {
                return Ok(Duration::ZERO);
            }
            let mut id = [0u8; 8];
            getrandom::fill(&mut id)
                .map_err(|e| StoreError::new(format!("no random booking id: {e}")))?;
            let keys: Vec<String> = limits.iter().map(|(key, _)| self.key(key)).collect();
            let second = (Duration::from_secs(1) + SECOND_MARGIN).as_micros();
            let mut args = vec![u64::from_le_bytes(id).to_string(), second.to_string()];
            for (_, limit) in limits {
                args.push(limit.per_second.to_string());
                args.push(limit.per_minute.to_string());
            }
            let wait: i64 = self.run_script(&self.scripts.book, &keys, &args).await?;
            Ok(Duration::from_micros(wait.max(0) as u64))
        })
    }
}

/// `issued expires token`, times in milliseconds since the epoch.
/// A connection made on first use, whose connecting and answers are bounded by `timeout`.
fn connection(client: &redis::Client, timeout: Duration) -> Result<ConnectionManager, StoreError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client.clone(), config)
        .map_err(|e| StoreError::with_source("the Redis connection cannot start", e))
}

fn encode(token: &StoredToken) -> String {
    format!(
        "{} {} {}",
        epoch_millis(token.issued_at()),
        epoch_millis(token.expires_at()),
        token.value().expose()
    )
}

fn decode(value: &str) -> Option<StoredToken> {
    let mut parts = value.splitn(3, ' ');
    let issued: u64 = parts.next()?.parse().ok()?;
    let expires: u64 = parts.next()?.parse().ok()?;
    let token = parts.next().filter(|t| !t.is_empty())?;
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    Some(StoredToken::new(Secret::new(token), at(issued), at(expires)))
}

fn epoch_millis(at: SystemTime) -> u64 {
    millis(at.duration_since(UNIX_EPOCH).unwrap_or_default())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// `url` with its password (and any query, which may carry one) replaced by `***`.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, _)) => (rest, "?***"),
        None => (rest, ""),
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("***@{host}"),
        },
        None => authority.to_owned(),
    };
    let slash = if rest.contains('/') { "/" } else { "" };
    format!("{scheme}://{authority}{slash}{path}{query}")
}

/// Deliveries are claimed in Redis, so that each is handled once by all the instances of an
/// app, whichever receives it: `Dispatcher::builder(handler).dedup(Arc::new(store))`.
impl crate::receive::Dedup for RedisStore {
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> crate::receive::DedupFuture<'a, bool> {
        Box::pin(async move { self.claim_once(key, ttl).await.map_err(dedup_error) })
    }

    fn release<'a>(&'a self, key: &'a str) -> crate::receive::DedupFuture<'a, ()> {
        Box::pin(async move {
            let mut del = redis::cmd("DEL");
            del.arg(self.key(&format!("claim:{key}"))).arg(self.key(&format!("answer:{key}")));
            self.query::<i64>(del).await.map(drop).map_err(dedup_error)
        })
    }

    fn keep_answer<'a>(
        &'a self,
        key: &'a str,
        answer: &'a [u8],
        ttl: Duration,
    ) -> crate::receive::DedupFuture<'a, ()> {
        Box::pin(async move {
            let mut set = redis::cmd("SET");
            set.arg(self.key(&format!("answer:{key}"))).arg(answer).arg("PX").arg(millis(ttl));
            self.query::<Option<String>>(set).await.map(drop).map_err(dedup_error)
        })
    }

    fn answer<'a>(&'a self, key: &'a str) -> crate::receive::DedupFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut get = redis::cmd("GET");
            get.arg(self.key(&format!("answer:{key}")));
            self.query::<Option<Vec<u8>>>(get).await.map_err(dedup_error)
        })
    }
}

fn dedup_error(error: StoreError) -> crate::receive::DedupError {
    crate::receive::DedupError::new("the Redis dedup store failed", Some(Box::new(error)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_show_without_passwords() {
        assert_eq!(redact("redis://127.0.0.1:6379/0"), "redis://127.0.0.1:6379/0");
        assert_eq!(redact("redis://:hunter2@host:6379"), "redis://:***@host:6379");
        assert_eq!(redact("redis://me:hunter2@host/1"), "redis://me:***@host/1");
        assert_eq!(redact("rediss://hunter2@host"), "rediss://***@host");
        assert_eq!(redact("redis://host/?password=hunter2"), "redis://host/?***");
    }

    #[test]
    fn stored_tokens_read_back() {
        let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
        let token = StoredToken::new(Secret::new("t-a b"), now, now + Duration::from_secs(7200));
        assert_eq!(decode(&encode(&token)), Some(token));
        assert_eq!(decode("12 x t-1"), None);
    }
}
