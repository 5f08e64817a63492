//! The connection loop: open a connection, read frames, hand deliveries to the handler, write
//! pings and acks, and reconnect when the connection breaks.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{FutureExt as _, SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::endpoint::{Endpoint, discover};
use super::error::{LongConnectionError, LongConnectionErrorKind};
use super::fragments::{Added, Fragments};
use super::frame::{self, AckPayload, ClientConfig, Frame};
use super::status::ConnectionStatus;
use super::{DeliveryHandler, FrameKind};
use crate::base_url::check_base_url;
use crate::http_client::{http_client, tls_config};
use crate::redact::Redactor;
use crate::{Platform, Secret};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The largest WebSocket message read: a delivery's fragment is far smaller.
const MAX_MESSAGE: usize = 16 << 20;
/// The shortest wait between two failed connection attempts, whatever the server says.
const MIN_RETRY_WAIT: Duration = Duration::from_millis(100);
/// The first wait after a failed attempt; each failure in a row doubles it, up to the
/// reconnect interval. The official clients wait the whole interval every time.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The defaults of the official Go, Node and Python clients, until Feishu's `ClientConfig`
/// says otherwise: a ping every 2 minutes; a reconnect interval of 2 minutes; up to 30 s of
/// jitter.
const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(120);
const DEFAULT_RECONNECT_INTERVAL: Duration = Duration::from_secs(120);
const DEFAULT_RECONNECT_JITTER: Duration = Duration::from_secs(30);
/// Bounds on what Feishu's `ClientConfig` may set, in seconds. Neither the documentation nor
/// the official clients bound these values (they copy them into their timers, and a 0 or a
/// huge value makes them spin or overflow), so these are this client's: pings between 1 s
/// and 10 minutes (5 times the default), a reconnect interval of at most 10 minutes and a
/// jitter of at most 5 minutes (10 times the default).
const PING_INTERVAL_SECS: (i64, i64) = (1, 600);
const RECONNECT_INTERVAL_SECS: (i64, i64) = (0, 600);
const RECONNECT_JITTER_SECS: (i64, i64) = (0, 300);
/// The longest any wait is, whatever the caller or Feishu set: time arithmetic never
/// overflows.
const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);
/// How long closing the socket may take at shutdown.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The long connection (长连接): the app opens a WebSocket to Feishu and receives events and
/// card callbacks over it, with no public callback URL, no decryption and no signature (Feishu
/// checks the app when the connection opens; deliveries are plaintext).
///
/// - [`LongConnection::builder`] takes a custom app's id and secret;
///   [`LongConnectionBuilder::start`] opens the first connection (so a wrong secret or the
///   connection limit comes back as an [`Error`](crate::Error)), then serves it in a task of its own,
///   pinging and reconnecting as Feishu's `ClientConfig` says. A connection that stays silent
///   for a whole ping interval, not even answering the ping, is taken for dead and replaced.
/// - Each delivery goes to a [`DeliveryHandler`], in a task of its own; what it returns
///   becomes the acknowledgement Feishu waits for.
/// - [`LongConnectionHandle::shutdown`] stops taking deliveries, waits for the handlers in
///   flight and their acknowledgements, and closes the connection.
///
/// Feishu gives each delivery to one connection of the app, picked at random, whichever
/// process holds it (at most 50 connections per app): deduplication and conversation state
/// belong in storage that every instance shares. The long connection is for custom apps
/// (自建应用) only; store apps receive events by webhook.
///
/// ```no_run
/// use feishu_im_runtime::receive::{DeliveryError, FrameKind, LongConnection};
///
/// # async fn run() -> Result<(), feishu_im_runtime::receive::LongConnectionError> {
/// let handle = LongConnection::builder("cli_a1b2c3", "app-secret")
///     .start(|kind: FrameKind, payload: bytes::Bytes| async move {
///         // `payload` is the event's JSON envelope (schema 2.0). Answer within 3 s.
///         let _event: serde_json::Value =
///             serde_json::from_slice(&payload).map_err(DeliveryError::from_error)?;
///         Ok::<_, DeliveryError>(None)
///     })
///     .await?;
/// // … until the process is asked to stop:
/// handle.shutdown().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct LongConnection {}

impl LongConnection {
    /// Starts configuring the long connection of the custom app `app_id`.
    pub fn builder(
        app_id: impl Into<String>,
        app_secret: impl Into<Secret>,
    ) -> LongConnectionBuilder {
        LongConnectionBuilder {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            base_url: Platform::Feishu.base_url().to_owned(),
            overrides: Overrides::default(),
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(10),
            fail_fast: false,
        }
    }
}

/// What the caller set, which Feishu's `ClientConfig` does not override.
#[derive(Debug, Clone, Copy, Default)]
struct Overrides {
    ping_interval: Option<Duration>,
    reconnect_interval: Option<Duration>,
    reconnect_jitter: Option<Duration>,
    reconnect_attempts: Option<Option<u32>>,
}

/// Configures a long connection; [`start`](Self::start) opens it.
///
/// Pings and reconnect intervals follow the `ClientConfig` Feishu sends (at first: a ping
/// every 2 minutes; reconnect every 2 minutes at most, plus up to 30 s of jitter), unless set
/// here. Feishu's values are clamped: pings between 1 s and 10 minutes apart, a reconnect
/// interval of at most 10 minutes, a jitter of at most 5 minutes. Feishu's
/// `ReconnectCount` is not obeyed: only a permanent refusal
/// ([`LongConnectionError::is_permanent`](crate::receive::LongConnectionError::is_permanent)), or the
/// [`reconnect_attempts`](Self::reconnect_attempts) set here, ends the connection.
#[derive(Debug)]
pub struct LongConnectionBuilder {
    app_id: String,
    app_secret: Secret,
    base_url: String,
    overrides: Overrides,
    timeout: Duration,
    connect_timeout: Duration,
    fail_fast: bool,
}

impl LongConnectionBuilder {
    /// Connects to Feishu (default) or Lark. A Lark app that connects to Feishu gets
    /// [`LongConnectionErrorKind::IncorrectDomain`].
    pub fn platform(mut self, platform: Platform) -> Self {
        self.base_url = platform.base_url().to_owned();
        self
    }

    /// Asks a custom base URL for the endpoint: HTTPS, or plain HTTP to a loopback host.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Pings every `interval`, whatever Feishu says.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.overrides.ping_interval = Some(interval);
        self
    }

    /// Waits `interval` between reconnect attempts, whatever Feishu says.
    pub fn reconnect_interval(mut self, interval: Duration) -> Self {
        self.overrides.reconnect_interval = Some(interval);
        self
    }

    /// Adds a random wait of up to `jitter` before reconnecting, whatever Feishu says, so
    /// that the instances of an app do not reconnect all at once.
    pub fn reconnect_jitter(mut self, jitter: Duration) -> Self {
        self.overrides.reconnect_jitter = Some(jitter);
        self
    }

    /// Gives up after `attempts` failed reconnect attempts in a row (`None`, the default:
    /// never).
    pub fn reconnect_attempts(mut self, attempts: Option<u32>) -> Self {
        self.overrides.reconnect_attempts = Some(attempts);
        self
    }

    /// Makes [`start`](Self::start) return the first failure to open the connection, retryable
    /// or not, instead of retrying until it opens. Reconnecting later is not affected.
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Time allowed for the endpoint request (default 15 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open the WebSocket, handshake included (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Opens the first connection, then serves it in a task of its own with `handler`; must
    /// run inside a tokio runtime.
    ///
    /// A failure to open is retried, with the same backoff as reconnecting, until the
    /// connection opens, unless it is permanent or [`fail_fast`](Self::fail_fast) is set.
    ///
    /// # Errors
    ///
    /// [`LongConnectionErrorKind::InvalidConfig`] for a base URL that is not HTTPS (or HTTP
    /// to loopback); a [permanent](LongConnectionError::is_permanent) refusal (a wrong secret:
    /// [`LongConnectionErrorKind::AuthFailed`]). With `fail_fast`, also the first failure of
    /// any kind: 50 connections open ([`LongConnectionErrorKind::ConnectionLimit`]), an
    /// unusable endpoint answer, a WebSocket that does not open, or a failed or timed-out
    /// endpoint request. [`LongConnectionError::is_retryable`] tells whether starting again
    /// later may work.
    pub async fn start(
        self,
        handler: impl DeliveryHandler,
    ) -> Result<LongConnectionHandle, LongConnectionError> {
        let base_url = check_base_url(&self.base_url).map_err(|reason| {
            LongConnectionError::new(LongConnectionErrorKind::InvalidConfig, reason)
        })?;
        let invalid =
            |reason| LongConnectionError::new(LongConnectionErrorKind::InvalidConfig, reason);
        let http = http_client(self.timeout, self.connect_timeout).map_err(invalid)?;
        let tls = Arc::new(tls_config().map_err(invalid)?);
        let shared = Arc::new(Shared {
            app_id: self.app_id,
            app_secret: self.app_secret,
            base_url,
            http,
            tls,
            connect_timeout: self.connect_timeout,
            overrides: self.overrides,
            handler: Arc::new(handler),
            connections: AtomicU64::new(0),
            status: watch::Sender::new(ConnectionStatus::Connected { connections: 0 }),
        });
        let mut settings = Settings::new(&shared.overrides);
        let mut failures = 0u32;
        let connection = loop {
            let error = match shared.open(&mut settings).await {
                Ok(connection) => break connection,
                Err(error) => error,
            };
            failures = failures.saturating_add(1);
            let retry = if self.fail_fast { None } else { settings.retry_after(&error, failures) };
            let Some(wait) = retry else { return Err(error) };
            tracing::warn!(
                app_id = %shared.app_id,
                failures,
                wait = ?wait,
                error = %error,
                "long connection: could not open, retrying"
            );
            tokio::time::sleep(wait).await;
        };
        shared.status.send_replace(ConnectionStatus::Connected {
            connections: shared.connections.load(Ordering::Relaxed),
        });
        let (stop, stopped) = watch::channel(false);
        let (acks, ack_queue) = mpsc::unbounded_channel();
        let runner = Runner {
            shared: shared.clone(),
            settings,
            fragments: Fragments::default(),
            handlers: JoinSet::new(),
            acks,
            ack_queue,
            stop: stopped,
            next_ping: Instant::now(),
        };
        let task = tokio::spawn(runner.run(connection));
        Ok(LongConnectionHandle { stop, task: Some(task), shared })
    }
}

/// A running long connection.
///
/// Dropping it stops the connection at once: the socket closes, and handlers still running
/// are cancelled without their deliveries being acknowledged. Call
/// [`shutdown`](Self::shutdown) to stop gracefully.
pub struct LongConnectionHandle {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<Result<(), LongConnectionError>>>,
    shared: Arc<Shared>,
}

impl fmt::Debug for LongConnectionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LongConnectionHandle")
            .field("app_id", &self.shared.app_id)
            .field("connections", &self.connections())
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}

impl LongConnectionHandle {
    /// Stops taking deliveries, waits for the handlers in flight to finish and their acks to
    /// be written, closes the connection, and returns. No handler starts after it returns.
    ///
    /// # Errors
    ///
    /// The error that had already ended the connection, if reconnecting gave up (Feishu
    /// refused the app for good, or the reconnect attempts ran out).
    pub async fn shutdown(mut self) -> Result<(), LongConnectionError> {
        let _ = self.stop.send(true);
        let Some(task) = self.task.take() else { return Ok(()) };
        let result = match task.await {
            Ok(result) => result,
            Err(error) if error.is_panic() => {
                let error = LongConnectionError::new(
                    LongConnectionErrorKind::Connect,
                    "the connection task panicked",
                );
                Err(error)
            }
            Err(_) => Ok(()),
        };
        let error = result.as_ref().err().map(|error| Arc::new(error.clone()));
        self.shared.status.send_if_modified(|status| {
            let stopped = status.is_stopped();
            if !stopped {
                *status = ConnectionStatus::Stopped { error };
            }
            !stopped
        });
        result
    }

    /// The connection's status, and each change of it: connected, reconnecting (with the
    /// attempt and the last error), stopped (with its reason).
    ///
    /// ```no_run
    /// # async fn run(handle: feishu_im_runtime::receive::LongConnectionHandle) {
    /// use feishu_im_runtime::receive::ConnectionStatus;
    ///
    /// let mut status = handle.status();
    /// while status.changed().await.is_ok() {
    ///     if let ConnectionStatus::Reconnecting { attempt, last_error } = &*status.borrow() {
    ///         eprintln!("long connection: reconnecting (attempt {attempt}): {last_error}");
    ///     }
    /// }
    /// # }
    /// ```
    pub fn status(&self) -> watch::Receiver<ConnectionStatus> {
        self.shared.status.subscribe()
    }

    /// A future that ends when the connection stops for good: with the error when Feishu's
    /// answer made it give up, so that `main` can exit non-zero or alert; with `Ok` when the
    /// app stopped it. It holds no borrow of the handle.
    ///
    /// ```no_run
    /// # async fn run(handle: feishu_im_runtime::receive::LongConnectionHandle) -> std::process::ExitCode {
    /// let stopped = handle.stopped();
    /// tokio::select! {
    ///     Err(error) = stopped => {
    ///         eprintln!("long connection stopped: {error}");
    ///         return std::process::ExitCode::FAILURE;
    ///     }
    ///     _ = tokio::signal::ctrl_c() => {}
    /// }
    /// let _ = handle.shutdown().await;
    /// std::process::ExitCode::SUCCESS
    /// # }
    /// ```
    pub fn stopped(
        &self,
    ) -> impl Future<Output = Result<(), Arc<LongConnectionError>>> + Send + 'static {
        super::status::stopped(self.shared.status.subscribe())
    }

    /// How many connections were opened so far, the first one included: one more after each
    /// reconnect.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Whether the connection ended for good: reconnecting gave up
    /// ([`shutdown`](Self::shutdown) returns why).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl Drop for LongConnectionHandle {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// What the connection task and the handle share.
struct Shared {
    app_id: String,
    app_secret: Secret,
    base_url: String,
    http: reqwest::Client,
    /// The TLS of the WebSocket, built once.
    tls: Arc<rustls::ClientConfig>,
    connect_timeout: Duration,
    overrides: Overrides,
    handler: Arc<dyn DeliveryHandler>,
    connections: AtomicU64,
    status: watch::Sender<ConnectionStatus>,
}

/// The settings in force: Feishu's `ClientConfig` under the caller's overrides.
#[derive(Debug, Clone, Copy)]
struct Settings {
    ping_interval: Duration,
    reconnect_interval: Duration,
    reconnect_jitter: Duration,
    /// `None`: reconnect forever. Only the caller sets it.
    reconnect_attempts: Option<u32>,
    overrides: Overrides,
}

impl Settings {
    fn new(overrides: &Overrides) -> Settings {
        Settings {
            ping_interval: overrides.ping_interval.unwrap_or(DEFAULT_PING_INTERVAL).min(MAX_WAIT),
            reconnect_interval: overrides
                .reconnect_interval
                .unwrap_or(DEFAULT_RECONNECT_INTERVAL)
                .min(MAX_WAIT),
            reconnect_jitter: overrides
                .reconnect_jitter
                .unwrap_or(DEFAULT_RECONNECT_JITTER)
                .min(MAX_WAIT),
            reconnect_attempts: overrides.reconnect_attempts.unwrap_or(None),
            overrides: *overrides,
        }
    }

    /// Applies Feishu's settings where the caller set none, each clamped to its bounds.
    /// `ReconnectCount` is left alone: no server value ends the connection.
    fn apply(&mut self, config: &ClientConfig) {
        let o = self.overrides;
        let clamp = |secs: i64, (low, high): (i64, i64)| {
            Duration::from_secs(secs.clamp(low, high).unsigned_abs())
        };
        if let (None, Some(secs)) = (o.ping_interval, config.ping_interval) {
            self.ping_interval = clamp(secs, PING_INTERVAL_SECS);
        }
        if let (None, Some(secs)) = (o.reconnect_interval, config.reconnect_interval) {
            self.reconnect_interval = clamp(secs, RECONNECT_INTERVAL_SECS);
        }
        if let (None, Some(secs)) = (o.reconnect_jitter, config.reconnect_nonce) {
            self.reconnect_jitter = clamp(secs, RECONNECT_JITTER_SECS);
        }
    }

    /// After `failures` failed attempts in a row, the last ending in `error`: the wait before
    /// the next, or `None` to give up (a permanent refusal, or the attempts the caller allows
    /// have run out). Opening at start and reconnecting decide alike.
    fn retry_after(&self, error: &LongConnectionError, failures: u32) -> Option<Duration> {
        let permanent = error.is_permanent();
        let exhausted = self.reconnect_attempts.is_some_and(|most| failures >= most);
        (!permanent && !exhausted).then(|| self.backoff(failures))
    }

    /// The wait before attempt `failures + 1` after `failures` failed ones in a row: 1 s,
    /// doubling up to the reconnect interval, plus jitter; never under [`MIN_RETRY_WAIT`].
    fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        let backoff = FIRST_BACKOFF.saturating_mul(1 << doublings).min(self.reconnect_interval);
        backoff.saturating_add(jitter(self.reconnect_jitter)).clamp(MIN_RETRY_WAIT, MAX_WAIT)
    }
}

/// `wait` from now, saturating: never past [`MAX_WAIT`].
fn after(wait: Duration) -> Instant {
    Instant::now() + wait.min(MAX_WAIT)
}

/// One open connection.
struct Connection {
    socket: Socket,
    service_id: i32,
    device_id: String,
}

impl Shared {
    /// Asks for an endpoint and opens the WebSocket. Whatever the server says, its errors
    /// never show the app secret, nor the ticket of the WebSocket URL.
    async fn open(&self, settings: &mut Settings) -> Result<Connection, LongConnectionError> {
        let mut redactor = Redactor::default();
        redactor.add(&self.app_secret);
        let discovered = discover(&self.http, &self.base_url, &self.app_id, &self.app_secret).await;
        let Endpoint { url, host, device_id, service_id, config } =
            discovered.map_err(|error| redactor.long_connection(error))?;
        if let Some(config) = &config {
            settings.apply(config);
        }
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let connector = tokio_tungstenite::Connector::Rustls(self.tls.clone());
        let connect = tokio_tungstenite::connect_async_tls_with_config(
            url.expose(),
            Some(ws_config),
            true,
            Some(connector),
        );
        redactor.add(&url);
        let (socket, _) = match timeout(self.connect_timeout, connect).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(error)) => return Err(redactor.long_connection(handshake_error(error))),
            Err(_) => {
                let msg = format!("the WebSocket did not open within {:?}", self.connect_timeout);
                let error = LongConnectionError::new(LongConnectionErrorKind::Connect, msg);
                return Err(error);
            }
        };
        let connections = self.connections.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(
            app_id = %self.app_id,
            host = %host,
            device_id = %device_id,
            service_id,
            connections,
            "long connection: connected"
        );
        Ok(Connection { socket, service_id, device_id })
    }
}

/// The error of a failed WebSocket connect: a refused handshake carries Feishu's code in its
/// `Handshake-*` headers.
fn handshake_error(error: tungstenite::Error) -> LongConnectionError {
    let tungstenite::Error::Http(response) = error else {
        let mut failure = LongConnectionError::new(
            LongConnectionErrorKind::Connect,
            "the WebSocket could not be opened",
        );
        failure.source = Some(Arc::new(error));
        return failure;
    };
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let status = header("Handshake-Status").and_then(|s| s.parse::<i64>().ok());
    let auth_code = header("Handshake-Autherrcode").and_then(|s| s.parse::<i64>().ok());
    let msg = header("Handshake-Msg")
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "the WebSocket handshake was refused".to_owned());
    let (kind, code) = match (status, auth_code) {
        (Some(514), Some(limit @ 1_000_040_350)) => {
            (LongConnectionErrorKind::ConnectionLimit, Some(limit))
        }
        (Some(403), _) => (LongConnectionErrorKind::Forbidden, Some(403)),
        (status, _) => (LongConnectionErrorKind::HandshakeRefused, status),
    };
    let mut failure = LongConnectionError::new(kind, msg);
    failure.code = code;
    failure.http_status = Some(response.status().as_u16());
    failure
}

/// Why a connection that was open broke, as an error for [`ConnectionStatus::Reconnecting`].
fn broken(reason: impl Into<String>) -> Arc<LongConnectionError> {
    let error = LongConnectionError::new(LongConnectionErrorKind::Connect, reason);
    Arc::new(error)
}

/// A random duration up to `max`.
fn jitter(max: Duration) -> Duration {
    let nanos = max.as_nanos().min(u128::from(u64::MAX)) as u64;
    let random = RandomState::new().hash_one(Instant::now());
    Duration::from_nanos(random % nanos.saturating_add(1))
}

/// Why serving a connection ended.
enum Served {
    /// The handle asked to stop.
    Stop,
    /// The connection broke, for this reason.
    Broken(Arc<LongConnectionError>),
}

/// The state of the connection task.
struct Runner {
    shared: Arc<Shared>,
    settings: Settings,
    fragments: Fragments,
    /// The handlers in flight, each sending its ack to `acks`.
    handlers: JoinSet<()>,
    acks: mpsc::UnboundedSender<Frame>,
    ack_queue: mpsc::UnboundedReceiver<Frame>,
    stop: watch::Receiver<bool>,
    next_ping: Instant,
}

impl Runner {
    async fn run(mut self, first: Connection) -> Result<(), LongConnectionError> {
        let mut connection = Some(first);
        let mut outcome = Ok(());
        while let Some(open) = connection.as_mut() {
            self.set_status(ConnectionStatus::Connected {
                connections: self.shared.connections.load(Ordering::Relaxed),
            });
            let why = match self.serve(open).await {
                Served::Stop => break,
                Served::Broken(why) => why,
            };
            if let Some(broken) = connection.take() {
                tracing::warn!(
                    app_id = %self.shared.app_id,
                    device_id = %broken.device_id,
                    error = %why,
                    "long connection: connection lost, reconnecting"
                );
            }
            match self.reconnect(why).await {
                Ok(next) => connection = next,
                Err(error) => {
                    tracing::error!(
                        app_id = %self.shared.app_id,
                        error = %error,
                        "long connection: gave up reconnecting"
                    );
                    outcome = Err(error);
                }
            }
        }
        let shared = self.shared.clone();
        self.finish(connection).await;
        let error = outcome.as_ref().err().map(|error| Arc::new(error.clone()));
        shared.status.send_replace(ConnectionStatus::Stopped { error });
        outcome
    }

    fn set_status(&self, status: ConnectionStatus) {
        self.shared.status.send_replace(status);
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Reads frames until the connection breaks or the handle asks to stop.
    async fn serve(&mut self, connection: &mut Connection) -> Served {
        self.next_ping = Instant::now();
        // Whether any frame arrived since the last ping. A connection that stays silent for a
        // whole ping interval, not even a pong, is dead even if its socket looks open (a
        // half-open TCP connection after a network change), and is replaced.
        let mut heard = true;
        loop {
            if self.stopping() {
                return Served::Stop;
            }
            tokio::select! {
                biased;
                _ = self.stop.changed() => return Served::Stop,
                Some(ack) = self.ack_queue.recv() => {
                    if let Err(error) = send(&mut connection.socket, &ack).await {
                        return Served::Broken(broken(format!("an ack could not be written: {error}")));
                    }
                }
                Some(_) = self.handlers.join_next(), if !self.handlers.is_empty() => {}
                () = sleep_until(self.next_ping) => {
                    if !heard {
                        let interval = self.settings.ping_interval;
                        return Served::Broken(broken(format!(
                            "nothing came back, not even a pong, within the ping interval ({interval:?})"
                        )));
                    }
                    heard = false;
                    let ping = Frame::control(connection.service_id, frame::TYPE_PING, None);
                    if let Err(error) = send(&mut connection.socket, &ping).await {
                        return Served::Broken(broken(format!("a ping could not be written: {error}")));
                    }
                    tracing::debug!(device_id = %connection.device_id, "long connection: ping");
                    self.next_ping = after(self.settings.ping_interval);
                }
                message = connection.socket.next() => match message {
                    Some(Ok(Message::Binary(bytes))) => {
                        heard = true;
                        self.on_frame(&bytes);
                    }
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame.map_or_else(
                            || "Feishu closed the connection".to_owned(),
                            |frame| format!("Feishu closed the connection ({})", frame.code),
                        );
                        return Served::Broken(broken(why));
                    }
                    None => return Served::Broken(broken("the connection ended")),
                    Some(Ok(_)) => heard = true,
                    Some(Err(error)) => {
                        return Served::Broken(broken(format!("the connection broke: {error}")));
                    }
                },
            }
        }
    }

    fn on_frame(&mut self, bytes: &[u8]) {
        let frame = match Frame::decode(bytes) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::warn!(error = %error, "long connection: undecodable frame ignored");
                return;
            }
        };
        match frame.method {
            frame::METHOD_CONTROL => self.on_control(&frame),
            frame::METHOD_DATA => self.on_data(frame),
            method => tracing::debug!(method, "long connection: frame of unknown method ignored"),
        }
    }

    fn on_control(&mut self, frame: &Frame) {
        if frame.header(frame::TYPE) != Some(frame::TYPE_PONG) {
            return;
        }
        tracing::debug!("long connection: pong");
        let Some(payload) = frame.payload.as_ref().filter(|p| !p.is_empty()) else { return };
        match serde_json::from_slice::<ClientConfig>(payload) {
            Ok(config) => {
                let before = self.settings.ping_interval;
                self.settings.apply(&config);
                if self.settings.ping_interval != before {
                    self.next_ping = after(self.settings.ping_interval);
                }
                tracing::debug!(settings = ?self.settings, "long connection: settings from pong");
            }
            Err(error) => tracing::debug!(error = %error, "long connection: pong payload ignored"),
        }
    }

    fn on_data(&mut self, mut frame: Frame) {
        let Some(kind) = frame.header(frame::TYPE).and_then(FrameKind::from_header) else {
            tracing::debug!(kind = ?frame.header(frame::TYPE), "long connection: data frame of unknown type ignored");
            return;
        };
        let message_id = frame.header(frame::MESSAGE_ID).unwrap_or_default().to_owned();
        let number = |key: &str, default: usize| match frame.header(key) {
            None => Some(default),
            Some(value) => value.trim().parse::<usize>().ok(),
        };
        let (Some(sum), Some(seq)) = (number(frame::SUM, 1), number(frame::SEQ, 0)) else {
            tracing::warn!(message_id = %message_id, "long connection: data frame with unreadable sum or seq ignored");
            return;
        };
        let part = frame.payload.take().unwrap_or_default();
        let payload = if sum > 1 {
            if message_id.is_empty() {
                tracing::warn!("long connection: fragment without message_id ignored");
                return;
            }
            match self.fragments.add(&message_id, sum, seq, part, std::time::Instant::now()) {
                Added::Complete(whole) => whole,
                Added::Pending => return,
                Added::Refused(why) => {
                    tracing::warn!(message_id = %message_id, why, "long connection: fragment ignored");
                    return;
                }
            }
        } else {
            part
        };
        tracing::debug!(
            message_id = %message_id,
            trace_id = frame.header(frame::TRACE_ID).unwrap_or_default(),
            kind = kind.as_str(),
            bytes = payload.len(),
            "long connection: delivery"
        );
        let handler = self.shared.handler.clone();
        let acks = self.acks.clone();
        self.handlers.spawn(async move {
            let started = Instant::now();
            let outcome = AssertUnwindSafe(handle(&*handler, kind, payload)).catch_unwind().await;
            let ack = match outcome {
                Ok(Ok(data)) => AckPayload::ok(data.as_deref()),
                Ok(Err(error)) => {
                    tracing::warn!(message_id = %message_id, error = %error, "long connection: handler failed");
                    AckPayload::failed()
                }
                Err(_) => {
                    tracing::error!(message_id = %message_id, "long connection: handler panicked");
                    AckPayload::failed()
                }
            };
            let _ = acks.send(frame.into_ack(started.elapsed().as_millis(), &ack));
        });
    }

    /// Opens a new connection after the wait Feishu asks for; `None` when the handle asked
    /// to stop meanwhile. Retries, with backoff, whatever failure is not permanent.
    async fn reconnect(
        &mut self,
        why: Arc<LongConnectionError>,
    ) -> Result<Option<Connection>, LongConnectionError> {
        // The instances of an app that lost their connections together spread out.
        let mut wait = jitter(self.settings.reconnect_jitter);
        let mut failures = 0u32;
        let mut last_error = why;
        loop {
            self.set_status(ConnectionStatus::Reconnecting {
                attempt: failures.saturating_add(1),
                last_error: last_error.clone(),
            });
            if self.wait(wait).await {
                return Ok(None);
            }
            let mut settings = self.settings;
            let shared = self.shared.clone();
            let attempt = tokio::select! {
                biased;
                _ = self.stop.changed() => return Ok(None),
                attempt = shared.open(&mut settings) => attempt,
            };
            self.settings = settings;
            match attempt {
                Ok(connection) => return Ok(Some(connection)),
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let Some(next) = self.settings.retry_after(&error, failures) else {
                        return Err(error);
                    };
                    tracing::warn!(failures, error = %error, "long connection: reconnect failed");
                    wait = next;
                    last_error = Arc::new(error);
                }
            }
        }
    }

    /// Waits `wait` while reaping finished handlers; true when the handle asked to stop.
    async fn wait(&mut self, wait: Duration) -> bool {
        let until = after(wait);
        loop {
            if self.stopping() {
                return true;
            }
            tokio::select! {
                biased;
                _ = self.stop.changed() => return true,
                Some(_) = self.handlers.join_next(), if !self.handlers.is_empty() => {}
                () = sleep_until(until) => return false,
            }
        }
    }

    /// Waits for the handlers in flight, writes their acks while the connection holds, and
    /// closes it.
    async fn finish(mut self, mut connection: Option<Connection>) {
        loop {
            tokio::select! {
                Some(ack) = self.ack_queue.recv() => {
                    if let Some(open) = connection.as_mut()
                        && send(&mut open.socket, &ack).await.is_err()
                    {
                        connection = None;
                    }
                }
                joined = self.handlers.join_next() => {
                    if joined.is_none() {
                        break;
                    }
                }
            }
        }
        // Every handler has queued its ack before finishing.
        while let Ok(ack) = self.ack_queue.try_recv() {
            if let Some(open) = connection.as_mut()
                && send(&mut open.socket, &ack).await.is_err()
            {
                connection = None;
            }
        }
        if let Some(mut open) = connection {
            // The closing handshake: the server answers our close after reading every ack
            // before it. Reading until then also keeps unread bytes from turning the close
            // into a reset, which would discard acks the server has not read yet. Deliveries
            // that arrive meanwhile are not handled.
            let closing = async {
                let _ = open.socket.close(None).await;
                while let Some(Ok(_)) = open.socket.next().await {}
            };
            let _ = timeout(CLOSE_TIMEOUT, closing).await;
            tracing::debug!(device_id = %open.device_id, "long connection: closed");
        }
    }
}

async fn handle(
    handler: &dyn DeliveryHandler,
    kind: FrameKind,
    payload: Bytes,
) -> Result<Option<Vec<u8>>, super::DeliveryError> {
    handler.handle(kind, payload).await
}

async fn send(socket: &mut Socket, frame: &Frame) -> Result<(), tungstenite::Error> {
    socket.send(Message::Binary(Bytes::from(frame.encode()))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_over_feishus_settings() {
        let overrides =
            Overrides { ping_interval: Some(Duration::from_millis(50)), ..Overrides::default() };
        let mut settings = Settings::new(&overrides);
        settings.apply(&ClientConfig {
            reconnect_count: Some(-1),
            reconnect_interval: Some(3),
            reconnect_nonce: Some(0),
            ping_interval: Some(10),
        });
        assert_eq!(settings.ping_interval, Duration::from_millis(50));
        assert_eq!(settings.reconnect_interval, Duration::from_secs(3));
        assert_eq!(settings.reconnect_jitter, Duration::ZERO);
        assert_eq!(settings.reconnect_attempts, None);
        // No server value ends the connection: its count is not obeyed.
        settings.apply(&ClientConfig { reconnect_count: Some(0), ..ClientConfig::default() });
        assert_eq!(settings.reconnect_attempts, None);
    }

    #[test]
    fn feishus_settings_are_clamped_and_waits_saturate() {
        let mut settings = Settings::new(&Overrides::default());
        settings.apply(&ClientConfig {
            reconnect_count: Some(i64::MAX),
            reconnect_interval: Some(i64::MAX),
            reconnect_nonce: Some(i64::MAX),
            ping_interval: Some(i64::MAX),
        });
        assert_eq!(settings.ping_interval, Duration::from_secs(600));
        assert_eq!(settings.reconnect_interval, Duration::from_secs(600));
        assert_eq!(settings.reconnect_jitter, Duration::from_secs(300));
        settings.apply(&ClientConfig {
            reconnect_count: Some(i64::MIN),
            reconnect_interval: Some(i64::MIN),
            reconnect_nonce: Some(-1),
            ping_interval: Some(0),
        });
        // A zero ping interval would ping without pause.
        assert_eq!(settings.ping_interval, Duration::from_secs(1));
        assert_eq!(settings.reconnect_interval, Duration::ZERO);
        assert_eq!(settings.reconnect_jitter, Duration::ZERO);
        assert_eq!(settings.backoff(1), MIN_RETRY_WAIT);
        // Backoff doubles from 1 s up to the interval, for any number of failures.
        let settings = Settings::new(&Overrides {
            reconnect_jitter: Some(Duration::ZERO),
            reconnect_interval: Some(Duration::MAX),
            ..Overrides::default()
        });
        assert_eq!(settings.backoff(1), Duration::from_secs(1));
        assert_eq!(settings.backoff(3), Duration::from_secs(4));
        assert_eq!(settings.backoff(u32::MAX), MAX_WAIT);
        let _ = after(Duration::MAX);
    }

    #[test]
    fn jitter_stays_within_its_bound() {
        for _ in 0..100 {
            assert!(jitter(Duration::from_millis(5)) <= Duration::from_millis(5));
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
