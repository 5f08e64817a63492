//! The long connection of the fake: `POST /callback/ws/endpoint` on the fake's HTTP server
//! hands out a `ws://127.0.0.1` URL with a one-time ticket, and a WebSocket server of its own
//! answers pings and carries the deliveries a test pushes ([`FakeFeishu::push`]).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::FakeFeishu;
use super::http::{HttpReply, HttpRequest};
use super::state::State;
use feishu_im::platform::frame::{self, AckPayload, Frame};
use feishu_im::receive::FrameKind;

/// The service id the fake's URLs carry.
const SERVICE_ID: i32 = 33_554_678;
/// How long [`FakeFeishu::push`] waits for a connected client, and then for its ack.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The `ClientConfig` the fake sends with each endpoint (and, unless
/// [`FakeFeishu::set_pong_config`] says otherwise, in each pong). In seconds, as Feishu sends
/// it. The default pings every 120 s and reconnects at once, forever, without jitter, so that
/// tests reconnect fast.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LongConnectionConfig {
    fields: serde_json::Map<String, Value>,
}

impl Default for LongConnectionConfig {
    fn default() -> Self {
        LongConnectionConfig { fields: serde_json::Map::new() }
            .ping_interval(120)
            .reconnect_interval(0)
            .reconnect_nonce(0)
            .reconnect_count(-1)
    }
}

impl LongConnectionConfig {
    /// `PingInterval`, in seconds.
    pub fn ping_interval(self, secs: u64) -> Self {
        self.raw("PingInterval", secs.into())
    }

    /// `ReconnectInterval`, in seconds.
    pub fn reconnect_interval(self, secs: u64) -> Self {
        self.raw("ReconnectInterval", secs.into())
    }

    /// `ReconnectNonce` (the most random jitter), in seconds.
    pub fn reconnect_nonce(self, secs: u64) -> Self {
        self.raw("ReconnectNonce", secs.into())
    }

    /// `ReconnectCount`: `-1` reconnects forever.
    pub fn reconnect_count(self, count: i64) -> Self {
        self.raw("ReconnectCount", count.into())
    }

    /// Any field, with any JSON value, as a server that misbehaves might send it
    /// (`raw("PingInterval", json!(u64::MAX))`); `Value::Null` leaves it out.
    pub fn raw(mut self, field: &str, value: Value) -> Self {
        if value.is_null() {
            self.fields.remove(field);
        } else {
            self.fields.insert(field.to_owned(), value);
        }
        self
    }

    fn wire(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

/// A delivery for [`FakeFeishu::push`]: an event or card callback with its JSON payload.
#[derive(Debug, Clone)]
pub struct Push {
    kind: FrameKind,
    payload: Bytes,
    fragments: usize,
    lost: Option<usize>,
    message_id: Option<String>,
    headers: Vec<(String, String)>,
}

impl Push {
    /// An event (`type: event`) with its envelope JSON.
    pub fn event(payload: impl Into<Bytes>) -> Self {
        Push::new(FrameKind::Event, payload)
    }

    /// A card callback (`type: card`) with its JSON.
    pub fn card(payload: impl Into<Bytes>) -> Self {
        Push::new(FrameKind::Card, payload)
    }

    /// A delivery of `kind`.
    pub fn new(kind: FrameKind, payload: impl Into<Bytes>) -> Self {
        Push {
            kind,
            payload: payload.into(),
            fragments: 1,
            lost: None,
            message_id: None,
            headers: Vec::new(),
        }
    }

    /// Splits the payload over `count` data frames (`sum` = `count`), sent in order.
    pub fn fragments(mut self, count: usize) -> Self {
        self.fragments = count.max(1);
        self
    }

    /// Leaves out fragment `seq` (of [`fragments`](Self::fragments)), as a lossy network
    /// would: the client never sees the whole delivery, and sends no ack.
    pub fn lose_fragment(mut self, seq: usize) -> Self {
        self.lost = Some(seq);
        self
    }

    /// The `message_id` header (default: a fresh one).
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// Sets a header of every frame, replacing the fake's own value (`sum`, `type`, …), to
    /// send frames a client must survive.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }
}

/// The ack a client wrote back for a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ack {
    code: u16,
    data: Option<Vec<u8>>,
    biz_rt: Option<u64>,
    echoes: bool,
}

impl Ack {
    /// The ack's `code`: 200, or 500 when the handler failed.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The handler's answer: the ack's `data`, decoded from base64.
    pub fn data(&self) -> Option<&[u8]> {
        self.data.as_deref()
    }

    /// The `biz_rt` header: the handler's time in milliseconds.
    pub fn biz_rt(&self) -> Option<u64> {
        self.biz_rt
    }

    /// Whether the ack is the delivery's frame written back: the same `SeqID`, `LogID`,
    /// service, method and headers, plus `biz_rt`.
    pub fn echoes_delivery(&self) -> bool {
        self.echoes
    }
}

/// Why a push got no ack.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushError {
    /// No client was connected within the push timeout (10 s).
    NoConnection,
    /// The connection closed before the ack came.
    ConnectionLost,
    /// The client sent no ack within the push timeout (10 s).
    NoAck,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PushError::NoConnection => "no long connection was open",
            PushError::ConnectionLost => "the long connection closed before the ack",
            PushError::NoAck => "the client sent no ack",
        })
    }
}

impl std::error::Error for PushError {}

/// One open connection.
struct Connection {
    id: u64,
    outbound: mpsc::UnboundedSender<Vec<u8>>,
    /// Dropping it closes the connection without a close frame.
    _kill: oneshot::Sender<()>,
}

/// An ack being waited for, by `message_id`.
struct Pending {
    connection: u64,
    last_frame: Frame,
    reply: oneshot::Sender<Ack>,
}

#[derive(Default)]
struct HubState {
    config: LongConnectionConfig,
    pong_config: Option<LongConnectionConfig>,
    max_connections: usize,
    tickets: HashMap<String, u64>,
    connections: Vec<Connection>,
    /// Connections left open but silent: no pong, no push ([`FakeFeishu::stall_long_connections`]).
    stalled: Vec<Connection>,
    pending: HashMap<String, Pending>,
    next_id: u64,
    next_target: usize,
    pings: usize,
    opened: usize,
    /// Answers the endpoint gives before its own ([`FakeFeishu::queue_endpoint_reply`]).
    scripted: std::collections::VecDeque<HttpReply>,
}

/// The long-connection state of one fake, shared by its HTTP handler and WebSocket server.
pub(super) struct Hub {
    ws_base: String,
    state: Mutex<HubState>,
}

/// The WebSocket server; dropping it ends every connection.
pub(super) struct Server {
    accept: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Starts the WebSocket server on `127.0.0.1:0`.
pub(super) async fn start() -> std::io::Result<(Arc<Hub>, Server)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let state = HubState { max_connections: 50, ..HubState::default() };
    let hub = Arc::new(Hub {
        ws_base: format!("ws://{}", listener.local_addr()?),
        state: Mutex::new(state),
    });
    let shared = hub.clone();
    let accept = super::http::accept_all(listener, move |stream| serve(stream, shared.clone()));
    Ok((hub, Server { accept }))
}

impl Hub {
    fn state(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends a delivery to one open connection and waits for its ack.
    pub(super) async fn push(&self, push: Push) -> Result<Ack, PushError> {
        let reply = self.send_push(push, true).await?.ok_or(PushError::NoAck)?;
        match timeout(PUSH_TIMEOUT, reply).await {
            Ok(Ok(ack)) => Ok(ack),
            Ok(Err(_)) => Err(PushError::ConnectionLost),
            Err(_) => Err(PushError::NoAck),
        }
    }

    /// The id of the next connection in turn.
    pub(super) fn next_connection(&self) -> Option<u64> {
        let mut state = self.state();
        if state.connections.is_empty() {
            return None;
        }
        let index = state.next_target % state.connections.len();
        state.next_target = state.next_target.wrapping_add(1);
        Some(state.connections[index].id)
    }

    pub(super) async fn send_push(
        &self,
        push: Push,
        wait_ack: bool,
    ) -> Result<Option<oneshot::Receiver<Ack>>, PushError> {
        let deadline = Instant::now() + PUSH_TIMEOUT;
        loop {
            if let Some(sent) = self.try_send(&push, wait_ack) {
                return Ok(sent);
            }
            if Instant::now() >= deadline {
                return Err(PushError::NoConnection);
            }
            sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends the frames of `push` to the next connection; `None` when none is open.
    fn try_send(&self, push: &Push, wait_ack: bool) -> Option<Option<oneshot::Receiver<Ack>>> {
        let target = self.next_connection()?;
        let mut state = self.state();
        let outbound = state.connections.iter().find(|c| c.id == target)?.outbound.clone();
        state.next_id += 1;
        let n = state.next_id;
        let message_id = push.message_id.clone().unwrap_or_else(|| format!("fake_msg_{n:08x}"));
        let count = push.fragments;
        let size = push.payload.len().div_ceil(count).max(1);
        let mut last_frame = Frame::default();
        for seq in 0..count {
            let start = (seq * size).min(push.payload.len());
            let end = ((seq + 1) * size).min(push.payload.len());
            let mut frame = Frame {
                seq_id: n * 1000 + seq as u64,
                log_id: n,
                service: SERVICE_ID,
                method: frame::METHOD_DATA,
                payload: Some(push.payload.slice(start..end)),
                ..Frame::default()
            };
            let mut headers = vec![
                (frame::TYPE.to_owned(), push.kind.as_str().to_owned()),
                (frame::MESSAGE_ID.to_owned(), message_id.clone()),
                (frame::SUM.to_owned(), count.to_string()),
                (frame::SEQ.to_owned(), seq.to_string()),
                (frame::TRACE_ID.to_owned(), format!("fake-trace-{n}")),
            ];
            for (key, value) in &push.headers {
                match headers.iter_mut().find(|(k, _)| k == key) {
                    Some(header) => header.1.clone_from(value),
                    None => headers.push((key.clone(), value.clone())),
                }
            }
            for (key, value) in headers {
                frame.push_header(&key, value);
            }
            if push.lost != Some(seq) && outbound.send(frame.encode()).is_err() {
                return None;
            }
            frame.payload = None;
            last_frame = frame;
        }
        if !wait_ack {
            return Some(None);
        }
        let (reply, receiver) = oneshot::channel();
        state.pending.insert(message_id, Pending { connection: target, last_frame, reply });
        Some(Some(receiver))
    }

    fn remove(&self, id: u64) {
        let mut state = self.state();
        state.connections.retain(|c| c.id != id);
        state.stalled.retain(|c| c.id != id);
        // Their acks will not come.
        state.pending.retain(|_, p| p.connection != id);
    }
}

/// `POST /callback/ws/endpoint`: the app's id and secret for a URL with a one-time ticket.
pub(super) fn endpoint(shared: &Mutex<State>, hub: &Hub, request: &HttpRequest) -> HttpReply {
    let body = request.json();
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (app_id, secret) = (text("AppID"), text("AppSecret"));
    {
        let mut state = shared.lock().unwrap_or_else(|e| e.into_inner());
        *state.calls.entry(feishu_im::platform::ENDPOINT_OPERATION.into()).or_default() += 1;
        if let Some(scripted) = hub.state().scripted.pop_front() {
            return scripted;
        }
        let known = state.apps.get(&app_id).is_some_and(|a| a.secret == secret && !a.store);
        if !known {
            return HttpReply::json(200, json!({"code": 514, "msg": "auth failed"}));
        }
    }
    let mut state = hub.state();
    if state.connections.len() >= state.max_connections {
        return HttpReply::json(
            200,
            json!({"code": 1_000_040_350, "msg": "exceed connection limit"}),
        );
    }
    state.next_id += 1;
    let device_id = state.next_id;
    let ticket = format!("fake-ticket-{device_id:08x}");
    state.tickets.insert(ticket.clone(), device_id);
    let url = format!(
        "{}/ws/v2?fpid=493&device_id={device_id}&access_key={ticket}&service_id={SERVICE_ID}&ticket={ticket}",
        hub.ws_base
    );
    HttpReply::json(
        200,
        json!({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": state.config.wire()}}),
    )
}

/// A refused handshake, with Feishu's `Handshake-*` headers.
fn refuse(status: i64, auth_code: Option<i64>, msg: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(msg.to_owned()));
    *response.status_mut() = StatusCode::FORBIDDEN;
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    };
    set("Handshake-Status", status.to_string());
    set("Handshake-Msg", msg.to_owned());
    if let Some(code) = auth_code {
        set("Handshake-Autherrcode", code.to_string());
    }
    response
}

/// One WebSocket connection: the handshake checks the ticket and the connection limit.
// The handshake callback returns tungstenite's `ErrorResponse` by value, as its signature asks.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, hub: Arc<Hub>) {
    let (outbound, mut queue) = mpsc::unbounded_channel();
    let (kill, mut killed) = oneshot::channel();
    let mut registered = None;
    let check = |request: &Request, response: Response| {
        let ticket = request.uri().query().and_then(|query| {
            query.split('&').find_map(|pair| pair.strip_prefix("ticket=")).map(str::to_owned)
        });
        let mut state = hub.state();
        let Some(id) = ticket.and_then(|t| state.tickets.remove(&t)) else {
            return Err(refuse(514, Some(1_000_040_344), "invalid ticket"));
        };
        if state.connections.len() >= state.max_connections {
            return Err(refuse(514, Some(1_000_040_350), "exceed connection limit"));
        }
        state.connections.push(Connection { id, outbound, _kill: kill });
        state.opened += 1;
        registered = Some(id);
        Ok(response)
    };
    let accepted = tokio_tungstenite::accept_hdr_async(stream, check).await;
    let Some(id) = registered else { return };
    let Ok(mut socket) = accepted else {
        hub.remove(id);
        return;
    };
    loop {
        tokio::select! {
            _ = &mut killed => break,
            Some(bytes) = queue.recv() => {
                if socket.send(Message::Binary(Bytes::from(bytes))).await.is_err() {
                    break;
                }
            }
            message = socket.next() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Some(reply) = on_client_frame(&hub, id, &bytes)
                        && socket.send(Message::Binary(Bytes::from(reply))).await.is_err()
                    {
                        break;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    hub.remove(id);
}

/// A frame from the client: a ping gets a pong; an ack resolves its push.
fn on_client_frame(hub: &Hub, connection: u64, bytes: &[u8]) -> Option<Vec<u8>> {
    let frame = Frame::decode(bytes).ok()?;
    let mut state = hub.state();
    if frame.method == frame::METHOD_CONTROL && frame.header(frame::TYPE) == Some(frame::TYPE_PING)
    {
        state.pings += 1;
        if state.stalled.iter().any(|c| c.id == connection) {
            return None;
        }
        let config = state.pong_config.as_ref().unwrap_or(&state.config).wire();
        let payload = serde_json::to_vec(&config).ok().map(Bytes::from);
        return Some(Frame::control(frame.service, frame::TYPE_PONG, payload).encode());
    }
    if frame.method != frame::METHOD_DATA {
        return None;
    }
    let message_id = frame.header(frame::MESSAGE_ID)?.to_owned();
    let pending = state.pending.remove(&message_id)?;
    if pending.connection != connection {
        return None;
    }
    let payload: Option<AckPayload> =
        frame.payload.as_ref().and_then(|p| serde_json::from_slice(p).ok());
    let sent = &pending.last_frame;
    let biz_rt = frame.header(frame::BIZ_RT).and_then(|v| v.parse().ok());
    let echoes = frame.seq_id == sent.seq_id
        && frame.log_id == sent.log_id
        && frame.service == sent.service
        && frame.method == sent.method
        && frame.headers.len() == sent.headers.len() + 1
        && frame.headers.starts_with(&sent.headers)
        && biz_rt.is_some();
    let ack = Ack {
        code: payload.as_ref().map_or(0, |p| p.code),
        data: payload.as_ref().and_then(AckPayload::decoded_data),
        biz_rt,
        echoes,
    };
    let _ = pending.reply.send(ack);
    None
}

impl FakeFeishu {
    /// The `ClientConfig` of the endpoint answers from now on (and of pongs, unless
    /// [`set_pong_config`](Self::set_pong_config) sets another).
    pub fn set_long_connection_config(&self, config: LongConnectionConfig) {
        self.hub.state().config = config;
    }

    /// The `ClientConfig` pongs carry (`None`: the endpoint's).
    pub fn set_pong_config(&self, config: Option<LongConnectionConfig>) {
        self.hub.state().pong_config = config;
    }

    /// The most long connections open at once (default 50, Feishu's limit per app); beyond
    /// it the endpoint answers `1000040350`.
    pub fn set_max_long_connections(&self, max: usize) {
        self.hub.state().max_connections = max;
    }

    /// How many long connections are open.
    pub fn long_connections(&self) -> usize {
        self.hub.state().connections.len()
    }

    /// How many long connections were opened in all.
    pub fn long_connections_opened(&self) -> usize {
        self.hub.state().opened
    }

    /// How many pings the fake received.
    pub fn long_connection_pings(&self) -> usize {
        self.hub.state().pings
    }

    /// Makes the next request to the long connection's endpoint answer `reply`, whoever asks;
    /// replies queue up, and the endpoint answers as usual once they are used. For answers a
    /// misbehaving Feishu or proxy might give: an HTML page, `code` 0 without `data`, a URL of
    /// another scheme.
    pub fn queue_endpoint_reply(&self, reply: HttpReply) {
        self.hub.state().scripted.push_back(reply);
    }

    /// Closes every long connection at once, without a close frame, as a network failure
    /// would.
    pub fn drop_long_connections(&self) {
        let mut state = self.hub.state();
        state.connections.clear();
        state.pending.clear();
    }

    /// Leaves every open long connection open but silent, as a half-open TCP connection
    /// after a network change: pings get no pong and pushes go to other connections. The
    /// client's own socket sees no error; connections opened afterwards behave.
    pub fn stall_long_connections(&self) {
        let mut state = self.hub.state();
        let stalled = std::mem::take(&mut state.connections);
        state.stalled.extend(stalled);
        state.pending.clear();
    }

    /// Sends a delivery to one open connection (in turn, when there are several), waiting up
    /// to 10 s for a client to connect, and returns its ack.
    ///
    /// # Errors
    ///
    /// When no client connects, the connection closes first, or no ack comes within 10 s.
    pub async fn push(&self, push: Push) -> Result<Ack, PushError> {
        self.hub.push(push).await
    }

    /// Sends a delivery to one open connection, like [`push`](Self::push), without waiting
    /// for an ack: for frames a client should ignore.
    ///
    /// # Errors
    ///
    /// When no client connects within 10 s.
    pub async fn deliver(&self, push: Push) -> Result<(), PushError> {
        self.hub.send_push(push, false).await.map(drop)
    }

    /// Sends `bytes` as one binary WebSocket message to one open connection, whatever they
    /// are (not protobuf, say).
    ///
    /// # Errors
    ///
    /// When no client connects within 10 s.
    pub async fn push_raw(&self, bytes: Vec<u8>) -> Result<(), PushError> {
        let deadline = Instant::now() + PUSH_TIMEOUT;
        loop {
            if let Some(target) = self.hub.next_connection() {
                let outbound = self
                    .hub
                    .state()
                    .connections
                    .iter()
                    .find(|c| c.id == target)
                    .map(|c| c.outbound.clone());
                if outbound.is_some_and(|o| o.send(bytes.clone()).is_ok()) {
                    return Ok(());
                }
            }
            if Instant::now() >= deadline {
                return Err(PushError::NoConnection);
            }
            sleep(Duration::from_millis(5)).await;
        }
    }
}
