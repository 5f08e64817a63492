//! The client: configuration, token selection, and the send loop with retries.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde::Serialize;

use crate::base_url::{Platform, check_base_url};
use crate::download::Download;
use crate::error::{AuthErrorKind, ConfigError, Error, transport};
use crate::http_client::http_client;
use crate::limiter::Limiter;
use crate::operation::{Operation, OperationMeta, Paged, RateLimit, TokenKind, build_path};
use crate::redact::Redactor;
use crate::response::{ResponseHead, check_envelope, decode, decode_error, read_body};
use crate::store::{MemoryStore, RateLimitStore, StoreHealth, TokenStore, app_scope};
use crate::token::{Token, TokenCache, TokenKey, TokenResponse, auth_error};
use crate::upload::FileUpload;
use crate::wire;
use crate::{Code, CodeInfo, Credentials, Pager, RetryClass, RetryPolicy, Secret, UserAccessToken};

const JSON: &str = "application/json; charset=utf-8";

/// A Feishu/Lark client. Cheap to clone (clones share the connection pool and token cache);
/// `Send + Sync`.
///
/// ```
/// use feishu_im_runtime::{Client, Credentials, Platform};
///
/// let client = Client::builder(Credentials::custom_app("cli_a1b2c3", "app-secret"))
///     .platform(Platform::Lark)
///     .build()?;
/// # Ok::<(), feishu_im_runtime::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    credentials: Credentials,
    tokens: TokenCache,
    retry: RetryPolicy,
    app_ticket: RwLock<Option<Secret>>,
    max_response_bytes: usize,
    /// `None` when the caller limits calls itself.
    limiter: Option<Limiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Credentials,
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    token_refresh_margin: Duration,
    max_response_bytes: usize,
    rate_limiting: bool,
    token_store: Option<Arc<dyn TokenStore>>,
    shared_rate_limit: Option<Arc<dyn RateLimitStore>>,
}

impl ClientBuilder {
    /// Sends to Feishu (default) or Lark.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.base_url = platform.base_url().to_owned();
        self
    }

    /// Sends to a custom base URL: HTTPS, or plain HTTP to a loopback host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed for one attempt, from sending to the end of the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How failures are retried; [`RetryPolicy::disabled`] switches retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long before expiry a cached token is replaced (default 10 min, at most half its life).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// The largest response body read, in bytes (default 10 MiB); a larger one is refused
    /// with [`Error::Decode`] without being read whole. API responses are small JSON.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Whether calls wait for a slot within their endpoint's documented rate limits (and the
    /// per-recipient message limits) instead of drawing rate-limit errors (default on).
    /// Limits are counted per client unless the client books them in a shared store
    /// ([`shared_rate_limit`](Self::shared_rate_limit)), so clients sharing an app should share
    /// a store, or one client should be shared.
    pub fn rate_limiting(mut self, on: bool) -> Self {
        self.rate_limiting = on;
        self
    }

    /// Where the client keeps its tokens and its store app's `app_ticket` (default: a
    /// [`MemoryStore`] of its own). Clients of one app given the same store fetch each token
    /// once between them, and a token Feishu calls invalid is dropped for all of them.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Books rate-limit slots in `store`, shared with every client (in any process) of the
    /// same app given it, instead of in the client's own log. When the store fails, the client
    /// limits its calls on its own until it answers again. Has no effect with
    /// [`rate_limiting`](Self::rate_limiting) off.
    pub fn shared_rate_limit(mut self, store: Arc<dyn RateLimitStore>) -> Self {
        self.shared_rate_limit = Some(store);
        self
    }

    /// Shares tokens, the `app_ticket` and rate limits through Redis: the same as
    /// [`token_store`](Self::token_store) and [`shared_rate_limit`](Self::shared_rate_limit)
    /// with `store`.
    #[cfg(feature = "redis")]
    pub fn shared_state(self, store: crate::RedisStore) -> Self {
        let store = Arc::new(store);
        self.token_store(store.clone()).shared_rate_limit(store)
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] for a base URL that is not HTTPS (or HTTP to loopback), or if the
    /// HTTP client cannot start; with `?` it becomes an [`Error::Config`].
    pub fn build(self) -> Result<Client, ConfigError> {
        let base_url = check_base_url(&self.base_url).map_err(|reason| ConfigError { reason })?;
        let http = http_client(self.timeout, self.connect_timeout)
            .map_err(|reason| ConfigError { reason })?;
        let scope = app_scope(self.credentials.app());
        let health = Arc::new(StoreHealth::default());
        let store = self.token_store.unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let tokens =
            TokenCache::new(self.token_refresh_margin, store, scope.clone(), health.clone());
        let limiter =
            self.rate_limiting.then(|| Limiter::new(self.shared_rate_limit, scope, health));
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                credentials: self.credentials,
                tokens,
                retry: self.retry,
                app_ticket: RwLock::new(None),
                max_response_bytes: self.max_response_bytes,
                limiter,
            }),
        })
    }
}

impl Client {
    /// Starts configuring a client with its credentials.
    pub fn builder(credentials: Credentials) -> ClientBuilder {
        ClientBuilder {
            credentials,
            base_url: Platform::Feishu.base_url().to_owned(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            token_refresh_margin: Duration::from_secs(600),
            max_response_bytes: 10 * 1024 * 1024,
            rate_limiting: true,
            token_store: None,
            shared_rate_limit: None,
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Calls with the client's own credentials.
    pub fn caller(&self) -> Caller<'_> {
        Caller { client: self, auth: Auth::Default }
    }

    /// Calls as an end user, with a `user_access_token` the caller obtained and refreshes.
    pub fn as_user<'a>(&'a self, token: &'a UserAccessToken) -> Caller<'a> {
        Caller { client: self, auth: Auth::User(token) }
    }

    /// Calls as a store app in the tenant `tenant_key`, with a tenant token cached per tenant.
    pub fn for_tenant<'a>(&'a self, tenant_key: &'a str) -> Caller<'a> {
        Caller { client: self, auth: Auth::Tenant(tenant_key) }
    }

    /// Hands over the `app_ticket` that Feishu pushed to a store app (event `app_ticket`).
    /// Call it whenever the event brings a new ticket. With a shared
    /// [`token_store`](ClientBuilder::token_store), the ticket is stored there in the
    /// background for the other instances; [`share_app_ticket`](Self::share_app_ticket) waits
    /// until it is.
    pub fn set_app_ticket(&self, ticket: impl Into<String>) {
        let ticket = Secret::new(ticket);
        *self.inner.app_ticket.write().unwrap_or_else(|e| e.into_inner()) = Some(ticket.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let client = self.clone();
            runtime.spawn(async move { client.inner.tokens.share_ticket(ticket).await });
        }
    }

    /// Hands over the `app_ticket` as [`set_app_ticket`](Self::set_app_ticket) does, and
    /// returns once it is in the token store, where every instance sharing the store finds it.
    /// A store failure is logged, not returned: this client has the ticket either way.
    pub async fn share_app_ticket(&self, ticket: impl Into<String>) {
        let ticket = Secret::new(ticket);
        *self.inner.app_ticket.write().unwrap_or_else(|e| e.into_inner()) = Some(ticket.clone());
        self.inner.tokens.share_ticket(ticket).await;
    }

    /// Asks Feishu to push the `app_ticket` event again, for a store app that has none yet.
    ///
    /// # Errors
    ///
    /// [`Error::Auth`] if Feishu refuses or the client has no app credentials.
    pub async fn resend_app_ticket(&self) -> Result<(), Error> {
        let (app_id, app_secret) = self.app_credentials()?;
        let body = serde_json::json!({ "app_id": app_id, "app_secret": app_secret.expose() });
        self.auth_request("auth.app_ticket_resend", "/open-apis/auth/v3/app_ticket/resend", &body)
            .await
            .map(drop)
            .map_err(|error| redactor(&self.inner, None).error(error))
    }

    fn app_credentials(&self) -> Result<(&str, &Secret), Error> {
        self.inner.credentials.app().ok_or_else(|| {
            auth_error(
                AuthErrorKind::NoCredentials,
                None,
                "the client has no app id and secret".into(),
                None,
                None,
            )
        })
    }

    /// A token for `key`, from the cache or fetched once for all concurrent callers.
    fn cached_token<'a>(
        &'a self,
        key: &'a TokenKey,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<Token, Error>> + Send + 'a>> {
        Box::pin(self.inner.tokens.get(key, move || self.fetch_token(key)))
    }

    async fn fetch_token(&self, key: &TokenKey) -> Result<(Secret, Duration), Error> {
        let (app_id, app_secret) = self.app_credentials()?;
        let store = matches!(self.inner.credentials, Credentials::StoreApp { .. });
        let app = serde_json::json!({ "app_id": app_id, "app_secret": app_secret.expose() });
        let response = match key {
            TokenKey::Tenant => {
                self.auth_request(
                    "auth.tenant_access_token",
                    "/open-apis/auth/v3/tenant_access_token/internal",
                    &app,
                )
                .await?
            }
            TokenKey::App if !store => {
                self.auth_request(
                    "auth.app_access_token",
                    "/open-apis/auth/v3/app_access_token/internal",
                    &app,
                )
                .await?
            }
            TokenKey::App => {
                // The store holds the newest ticket any instance received.
                let ticket = match self.inner.tokens.shared_ticket().await {
                    Some(ticket) => Some(ticket),
                    None => self.inner.app_ticket.read().unwrap_or_else(|e| e.into_inner()).clone(),
                };
                let Some(ticket) = ticket else {
                    return Err(auth_error(
                        AuthErrorKind::MissingAppTicket,
                        None,
                        "no app_ticket yet: hand it over with Client::set_app_ticket, or ask Feishu to push it again with Client::resend_app_ticket".into(),
                        None,
                        None,
                    ));
                };
                let body = serde_json::json!({
                    "app_id": app_id, "app_secret": app_secret.expose(), "app_ticket": ticket.expose(),
                });
                self.auth_request(
                    "auth.app_access_token",
                    "/open-apis/auth/v3/app_access_token",
                    &body,
                )
                .await?
            }
            TokenKey::TenantOf(tenant_key) => {
                let app_token = self.cached_token(&TokenKey::App).await?;
                let body = serde_json::json!({
                    "app_access_token": app_token.value.expose(), "tenant_key": tenant_key,
                });
                self.auth_request(
                    "auth.tenant_access_token",
                    "/open-apis/auth/v3/tenant_access_token",
                    &body,
                )
                .await?
            }
        };
        let (token, expire) = match key {
            TokenKey::App => (response.0.app_access_token, response.0.expire),
            _ => (response.0.tenant_access_token, response.0.expire),
        };
        match token {
            Some(token) if !token.is_empty() => {
                Ok((Secret::new(token), Duration::from_secs(expire.unwrap_or(7200).max(1))))
            }
            _ => Err(auth_error(
                AuthErrorKind::TokenRequestRejected,
                Some(response.0.code),
                "the token response carried no token".into(),
                Some(response.1.status),
                response.1.log_id,
            )),
        }
    }

    /// Posts to an auth endpoint; these answer without the `data` envelope.
    async fn auth_request(
        &self,
        operation: &'static str,
        path: &'static str,
        body: &impl Serialize,
    ) -> Result<(TokenResponse, ResponseHead), Error> {
        let url = format!("{}{path}", self.inner.base_url);
        let body =
            serde_json::to_vec(body).map_err(|e| Error::invalid(operation, e.to_string()))?;
        let response = self
            .inner
            .http
            .post(url)
            .header(CONTENT_TYPE, JSON)
            .body(body)
            .send()
            .await
            .map_err(|e| transport(operation, e))?;
        let head = ResponseHead::from_headers(response.status().as_u16(), response.headers());
        let limit = self.inner.max_response_bytes;
        let bytes =
            read_body(response, limit).await.map_err(|e| e.into_error(operation, &head, limit))?;
        tracing::debug!(
            operation,
            status = head.status,
            log_id = head.log_id.as_deref(),
            "token request"
        );
        // The body carries the token: never keep a snippet of it.
        let parsed: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| decode_error(operation, &head, &[], format!("token response: {e}")))?;
        if parsed.code != 0 {
            return Err(auth_error(
                AuthErrorKind::TokenRequestRejected,
                Some(parsed.code),
                parsed.msg,
                Some(head.status),
                head.log_id,
            ));
        }
        Ok((parsed, head))
    }
}

/// Whose token a call carries.
#[derive(Debug, Clone, Copy)]
enum Auth<'a> {
    Default,
    User(&'a UserAccessToken),
    Tenant(&'a str),
}

/// Why one attempt failed, and what the send loop needs to decide on the next.
struct Failure {
    error: Error,
    /// Whether sending again is safe (a token fetch, or an idempotent request).
    safe: bool,
    /// The cached token Feishu called invalid, to be dropped and fetched again.
    stale_token: Option<Token>,
}

/// Where the token of one call comes from.
enum TokenSource<'a> {
    Cached(TokenKey),
    Fixed(&'a Secret),
    User(&'a UserAccessToken),
}

/// A client bound to an identity: its own credentials, a user, or a tenant of a store app.
/// Resource handles (`caller.chat_members()`) are taken from it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    client: &'a Client,
    auth: Auth<'a>,
}

/// The client's own credentials: what resource handles called on a `Client` use.
impl<'a> From<&'a Client> for Caller<'a> {
    fn from(client: &'a Client) -> Self {
        client.caller()
    }
}

impl<'a> Caller<'a> {
    /// Pages through a paged endpoint, starting from `request`.
    pub fn pager<O: Paged>(self, request: O) -> Pager<'a, O> {
        Pager::new(self, request)
    }

    fn token_source(&self, meta: &OperationMeta) -> Result<TokenSource<'a>, Error> {
        let accepts = |kind: TokenKind| meta.tokens.contains(&kind);
        let refuse = |kind: TokenKind| {
            let accepted: Vec<_> = meta.tokens.iter().map(|t| t.as_str()).collect();
            Error::invalid(
                meta.operation,
                format!(
                    "accepts {} but the call would send a {}",
                    accepted.join(", "),
                    kind.as_str()
                ),
            )
        };
        let credentials = &self.client.inner.credentials;
        match self.auth {
            Auth::User(token) if accepts(TokenKind::User) => Ok(TokenSource::User(token)),
            Auth::User(_) => Err(refuse(TokenKind::User)),
            Auth::Tenant(_) if !accepts(TokenKind::Tenant) => Err(refuse(TokenKind::Tenant)),
            Auth::Tenant(key) => match credentials {
                Credentials::StoreApp { .. } => {
                    Ok(TokenSource::Cached(TokenKey::TenantOf(key.to_owned())))
                }
                _ => Err(Error::invalid(meta.operation, "for_tenant needs store-app credentials")),
            },
            Auth::Default => match credentials {
                Credentials::CustomApp { .. } if accepts(TokenKind::Tenant) => {
                    Ok(TokenSource::Cached(TokenKey::Tenant))
                }
                Credentials::CustomApp { .. } | Credentials::StoreApp { .. }
                    if accepts(TokenKind::App) =>
                {
                    Ok(TokenSource::Cached(TokenKey::App))
                }
                Credentials::StoreApp { .. } if accepts(TokenKind::Tenant) => Err(Error::invalid(
                    meta.operation,
                    "a store app calls tenant endpoints through Client::for_tenant(tenant_key)",
                )),
                Credentials::TenantToken(token) if accepts(TokenKind::Tenant) => {
                    Ok(TokenSource::Fixed(token))
                }
                Credentials::TenantToken(_) => Err(refuse(TokenKind::Tenant)),
                Credentials::None => Err(Error::invalid(
                    meta.operation,
                    "the client has no credentials; call through Client::as_user",
                )),
                Credentials::CustomApp { .. } | Credentials::StoreApp { .. } => {
                    Err(refuse(TokenKind::Tenant))
                }
            },
        }
    }

    async fn token(&self, source: &TokenSource<'a>) -> Result<Token, Error> {
        match source {
            TokenSource::Cached(key) => self.client.cached_token(key).await,
            TokenSource::Fixed(secret) => Token::fixed((*secret).clone()),
            TokenSource::User(token) => Token::fixed(token.0.clone()),
        }
    }

    /// Sends `request` and decodes its data, retrying as the client's policy allows. The whole
    /// call, attempts, token fetches and waits included, ends within
    /// [`RetryPolicy::max_elapsed`].
    ///
    /// # Errors
    ///
    /// Any [`Error`]; see the endpoint's documentation for its codes.
    pub async fn send<O: Operation>(self, request: &O) -> Result<O::Response, Error<O::Errors>> {
        let operation = O::META.operation;
        let sent = async {
            match self.call(self.prepare(request)?, Expect::Json).await? {
                Answer::Json { head, body } => decode::<O::Response>(operation, &head, &body),
                Answer::File(_) => Err(Error::invalid(operation, "answered with a file")),
            }
        };
        sent.await.map_err(|error| redact_for(&self, error).into())
    }

    /// Sends `request` to an endpoint that answers with a file, and returns the download
    /// unread. Errors arrive as JSON and decode to the usual [`Error`].
    ///
    /// # Errors
    ///
    /// Any [`Error`]; see the endpoint's documentation for its codes.
    pub async fn download<O: Operation>(self, request: &O) -> Result<Download, Error<O::Errors>> {
        let downloaded = async {
            match self.call(self.prepare(request)?, Expect::File).await? {
                Answer::File(download) => Ok(download),
                Answer::Json { .. } => Err(Error::invalid(O::META.operation, "answered with JSON")),
            }
        };
        downloaded.await.map_err(|error| redact_for(&self, error).into())
    }

    /// The retry loop, the same code for every endpoint: only `send` and `download` know the
    /// request's type, so each endpoint adds a small function, not a copy of this one.
    async fn call(self, call: Prepared<'_>, expect: Expect) -> Result<Answer, Error> {
        let Prepared { meta, url, payload, recipient, keyed, describe } = call;
        let source = self.token_source(meta)?;
        if let Payload::Form { file, max_bytes, .. } = &payload {
            // An empty or oversized file is refused before any token or byte is sent.
            file.checked_len(*max_bytes)
                .await
                .map_err(|reason| Error::invalid(meta.operation, reason))?;
        }
        let policy = &self.client.inner.retry;
        let deadline = Instant::now() + policy.max_elapsed();
        let limits = self.limit_keys(meta, &source, recipient);
        let mut attempt = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            let once = async {
                // Each attempt takes a slot; waiting for it counts against the deadline.
                if let Some(limiter) = &self.client.inner.limiter {
                    limiter.wait(&limits).await;
                }
                self.try_once(meta, &source, attempt, (&url, &payload), expect, describe).await
            };
            let failure = match tokio::time::timeout(left, once).await {
                Ok(Ok(answer)) => return Ok(answer),
                Ok(Err(failure)) => failure,
                Err(_) => return Err(Error::call_timeout(meta.operation, policy.max_elapsed())),
            };
            if let (TokenSource::Cached(key), Some(stale)) = (&source, &failure.stale_token)
                && !refreshed
            {
                // The cached token went stale early: drop it, fetch a new one, retry once.
                self.client.inner.tokens.invalidate(key, stale).await;
                refreshed = true;
                attempt -= 1;
                continue;
            }
            let error = failure.error;
            // A request carrying an idempotency key takes effect once however often it is sent.
            let safe = failure.safe || keyed;
            if !error.should_retry(safe) || attempt >= policy.max_attempts() {
                return Err(error);
            }
            let delay = policy.delay(attempt, error.retry_after());
            if Instant::now() + delay > deadline {
                return Err(error);
            }
            tracing::debug!(
                operation = meta.operation,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The limits a call counts against, keyed as Feishu counts them: per endpoint and tenant,
    /// and per recipient for the message limits.
    fn limit_keys(
        &self,
        meta: &OperationMeta,
        source: &TokenSource<'_>,
        recipient: Option<&str>,
    ) -> Vec<(String, RateLimit)> {
        if self.client.inner.limiter.is_none() {
            return Vec::new();
        }
        let tenant = match source {
            TokenSource::Cached(TokenKey::TenantOf(tenant)) => tenant.as_str(),
            _ => "",
        };
        let mut keys = vec![(format!("{}|{tenant}", meta.operation), meta.rate_limit)];
        if let (Some(limit), Some(recipient)) = (meta.recipient_limit, recipient) {
            keys.push((format!("{}|{tenant}|{recipient}", limit.class), limit));
        }
        keys
    }

    /// What the retry loop needs of `request`: the URL (path and query filled in), the body,
    /// and the facts of its endpoint.
    fn prepare<'r, O: Operation>(&self, request: &'r O) -> Result<Prepared<'r>, Error> {
        let inner = &*self.client.inner;
        let meta = O::META;
        let mut url = String::with_capacity(inner.base_url.len() + 128);
        url.push_str(&inner.base_url);
        build_path(request, &mut url).map_err(|reason| Error::invalid(meta.operation, reason))?;
        let invalid = |e: wire::WireError| Error::invalid(meta.operation, e.to_string());
        let body = wire::write(request, &mut url).map_err(invalid)?;
        let url = Url::parse(&url).map_err(|e| Error::invalid(meta.operation, e.to_string()))?;
        let payload = match (request.file(), body) {
            (Some((name, file, max_bytes)), body) => {
                let fields =
                    wire::form_fields(body.as_deref().unwrap_or(b"{}")).map_err(invalid)?;
                Payload::Form { fields, name, file, max_bytes }
            }
            (None, Some(body)) => Payload::Json(body.into()),
            (None, None) => Payload::None,
        };
        let (recipient, keyed) = (request.recipient(), O::IDEMPOTENCY_KEY.is_some());
        let describe = Code::of::<O::Errors>;
        Ok(Prepared { meta, url, payload, recipient, keyed, describe })
    }

    /// One attempt: a token, then the request.
    async fn try_once(
        &self,
        meta: &OperationMeta,
        source: &TokenSource<'a>,
        attempt: u32,
        (url, payload): (&Url, &Payload<'_>),
        expect: Expect,
        describe: fn(i64) -> Code,
    ) -> Result<Answer, Failure> {
        // Token endpoints are safe to repeat, so a failed fetch counts as a safe attempt.
        let token = self.token(source).await.map_err(|error| Failure {
            error,
            safe: true,
            stale_token: None,
        })?;
        self.attempt(meta, attempt, url, payload, &token, expect).await.map_err(|error| {
            let error = error.recode(|code| describe(code.code()));
            let stale = matches!(source, TokenSource::Cached(_))
                && error.code().is_some_and(|c| c.retry_class() == RetryClass::RefreshToken);
            Failure { error, safe: meta.idempotent, stale_token: stale.then_some(token) }
        })
    }

    async fn attempt(
        &self,
        meta: &OperationMeta,
        attempt: u32,
        url: &Url,
        payload: &Payload<'_>,
        token: &Token,
        expect: Expect,
    ) -> Result<Answer, Error> {
        let mut request = self
            .client
            .inner
            .http
            .request(meta.method.to_reqwest(), url.clone())
            .header(AUTHORIZATION, token.header.clone());
        match payload {
            // Feishu sends a download's `Content-Disposition` only to a request that says JSON.
            Payload::None if expect == Expect::File => {
                request = request.header(CONTENT_TYPE, HeaderValue::from_static(JSON));
            }
            Payload::None => {}
            Payload::Json(body) => {
                request =
                    request.header(CONTENT_TYPE, HeaderValue::from_static(JSON)).body(body.clone());
            }
            Payload::Form { fields, name, file, max_bytes } => {
                let mut form = reqwest::multipart::Form::new();
                for (key, value) in fields {
                    form = form.text(key.clone(), value.clone());
                }
                let part =
                    file.part(*max_bytes).await.map_err(|r| Error::invalid(meta.operation, r))?;
                request = request.multipart(form.part(*name, part));
            }
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                tracing::debug!(operation = meta.operation, attempt, error = %error, "request failed");
                return Err(transport(meta.operation, error));
            }
        };
        let head = ResponseHead::from_headers(response.status().as_u16(), response.headers());
        let result = expect
            .read(meta.operation, head.clone(), response, self.client.inner.max_response_bytes)
            .await;
        tracing::debug!(
            operation = meta.operation,
            attempt,
            status = head.status,
            code = result.as_ref().err().and_then(Error::code).map_or(0, |c| c.code()),
            log_id = head.log_id.as_deref(),
            "response"
        );
        result
    }
}

/// The body of a request, built once per call and sent with every attempt.
enum Payload<'r> {
    None,
    Json(bytes::Bytes),
    /// A multipart form: text fields and one file part, opened again for each attempt.
    Form {
        fields: Vec<(String, String)>,
        name: &'static str,
        file: &'r FileUpload,
        max_bytes: Option<u64>,
    },
}

/// A request ready for the retry loop, its type forgotten.
struct Prepared<'r> {
    meta: &'static OperationMeta,
    url: Url,
    payload: Payload<'r>,
    /// What [`OperationMeta::recipient_limit`] counts against.
    recipient: Option<&'r str>,
    /// Whether the request carries an idempotency key, which makes any retry safe.
    keyed: bool,
    /// The spec's description of a code, from the endpoint's catalog: it decides retries.
    describe: fn(i64) -> Code,
}

/// What a successful answer is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Json,
    File,
}

/// A successful answer, read but not yet decoded into the endpoint's type.
enum Answer {
    /// An envelope with code 0, its `data` still to decode.
    Json {
        head: ResponseHead,
        body: Vec<u8>,
    },
    File(Download),
}

impl Expect {
    async fn read(
        self,
        operation: &'static str,
        head: ResponseHead,
        response: reqwest::Response,
        limit: usize,
    ) -> Result<Answer, Error> {
        // A download is a 200 with a body that is not JSON; anything else is an envelope.
        if self == Expect::File && head.status == 200 {
            let json = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("application/json"));
            if !json {
                return Ok(Answer::File(Download::new(operation, response)));
            }
        }
        let body =
            read_body(response, limit).await.map_err(|e| e.into_error(operation, &head, limit))?;
        check_envelope(operation, &head, &body)?;
        match self {
            Expect::Json => Ok(Answer::Json { head, body }),
            Expect::File => {
                Err(decode_error(operation, &head, &body, "expected a file, got JSON data".into()))
            }
        }
    }
}

/// Takes the client's secrets and the caller's token out of a failed call's error.
fn redact_for(caller: &Caller<'_>, error: Error) -> Error {
    let user = match caller.auth {
        Auth::User(token) => Some(token),
        Auth::Default | Auth::Tenant(_) => None,
    };
    redactor(&caller.client.inner, user).error(error)
}

/// The secrets a client holds, and `user`'s token: none of them may show in an error, whatever
/// the server echoes.
fn redactor(inner: &Inner, user: Option<&UserAccessToken>) -> Redactor {
    let mut redactor = Redactor::default();
    match &inner.credentials {
        Credentials::CustomApp { app_secret, .. } | Credentials::StoreApp { app_secret, .. } => {
            redactor.add(app_secret);
        }
        Credentials::TenantToken(token) => {
            redactor.add(token);
        }
        Credentials::None => {}
    }
    if let Some(ticket) = &*inner.app_ticket.read().unwrap_or_else(|e| e.into_inner()) {
        redactor.add(ticket);
    }
    if let Some(user) = user {
        redactor.add(&user.0);
    }
    redactor.extend(&inner.tokens.values());
    redactor
}
