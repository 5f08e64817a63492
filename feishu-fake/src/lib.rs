//! An offline Feishu, driven by the spec of `feishu-im`: start it in a test, point a
//! `Client` at it, and call the real API types against it without an
//! account or the network.
//!
//! It serves every endpoint of the spec on `127.0.0.1`: routes, token rules, request validation
//! and rate limits come from the spec ([`OperationSpec`]).
//! Chats, their members, managers, messages, reactions, pins, files and widgets (tabs, menus,
//! the announcement, the top notice) have behaviour over in-memory state; an endpoint
//! without behaviour answers with every response field at the spec's example or a zero value.
//! [`samples`] holds a minimal valid call of every operation, and
//! [`FakeFeishu::seed_examples`] seeds what those calls name.
//!
//! - Token endpoints for custom and store apps; tokens expire.
//! - A missing token gives `99991661`, an unknown one `99991663` (`99991668` for users), an
//!   expired one `99991677`; a token kind the endpoint does not accept is refused.
//! - Query and body are checked against the spec: `232001` with `field_violations`.
//! - Every answer is the `{code, msg, data}` envelope with an `X-Tt-Logid` header.
//! - Rate limits of the spec are enforced per operation, app and tenant: HTTP 429, `99991400`
//!   and the `x-ogw-ratelimit-*` headers.
//! - The long connection: `/callback/ws/endpoint` and a WebSocket server that answers pings;
//!   [`FakeFeishu::push`] delivers an event or card callback (in fragments if asked) to one
//!   connected client and returns its ack; [`FakeFeishu::drop_long_connections`] cuts them.
//! - [`FakeFeishu::inject`] scripts what an endpoint answers next: a code, a status, a delay, a
//!   dropped connection or a malformed body.
//! - Events: state changes (a user's message with [`FakeFeishu::user_says`], members added, a
//!   chat disbanded, a card clicked with [`FakeFeishu::click_card`]) are delivered to the app's
//!   webhook, signed and encrypted as Feishu does ([`FakeFeishu::subscribe_webhook`]), or over
//!   its long connection ([`FakeFeishu::subscribe_long_connection`]); [`DeliveryFault`] makes
//!   deliveries come twice, out of order, late, stale or badly signed.
//!
//! # Using it in your tests
//!
//! Add it for tests only (`feishu-fake = "…"` under `[dev-dependencies]`):
//!
//! ```
//! use feishu_fake::{ChatSeed, Fault, FakeFeishu};
//! use feishu_im::v1::chat_members::{IsInChatRequest, MeJoinRequest};
//! use feishu_im::{ErrorCode, Resources};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In a #[tokio::test]:
//! let fake = FakeFeishu::start().await;
//! fake.seed_chat(ChatSeed::public("oc_team"));
//! fake.seed_chat(ChatSeed::public("oc_old").dissolved(true));
//!
//! let client = fake.client(); // the fake's custom app, pointed at the fake
//! let members = client.chat_members();
//! members.me_join(&MeJoinRequest::new("oc_team")).await.unwrap();
//! assert_eq!(members.is_in_chat(&IsInChatRequest::new("oc_team")).await.unwrap().is_in_chat, Some(true));
//!
//! let error = members.me_join(&MeJoinRequest::new("oc_old")).await.unwrap_err();
//! assert_eq!(error.code(), Some(ErrorCode::ChatDissolved));
//!
//! // Script the next answer of an endpoint.
//! fake.inject("chat_members.me_join", Fault::Code(ErrorCode::JoinRequiresApproval));
//! let error = members.me_join(&MeJoinRequest::new("oc_team")).await.unwrap_err();
//! assert_eq!(error.code(), Some(ErrorCode::JoinRequiresApproval));
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
// A spec without some operation the fake models leaves out its behaviour (`build.rs`), and
// with it the only use of some helpers.
#![cfg_attr(spec_partial, allow(dead_code, unused_imports, unused_variables))]

mod access;
mod answer;
mod behaviours;
mod chat_widgets;
mod chats;
mod events;
mod files;
#[rustfmt::skip]
mod generated;
// The fake's HTTP server, shared with the workspace's test server; not part of the API.
#[doc(hidden)]
pub mod http;
mod long_connection;
mod members;
mod messages;
mod paging;
mod pins;
mod reactions;
mod router;
mod sample;
mod spec;
mod state;
mod validate;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use feishu_im::operation::TokenKind;
#[cfg(operation = "chat_top_notice.put_top_notice")]
use feishu_im::v1::chat_top_notice::TopNotice;
use feishu_im::{ChatMode, ChatPermission, UnixMillis};
use feishu_im::{Client, ClientBuilder, Credentials, ErrorCode, RetryPolicy, UserAccessToken};
use http::HttpServer;
use state::{App, State, User};

pub use events::{DeliveryFault, DeliveryRecord, WebhookSubscription};
pub use long_connection::{Ack, LongConnectionConfig, Push, PushError};
pub use sample::{Sample, SampleCall, samples};
pub use spec::{FieldMeta, In, KindShape, OperationSpec, PathSegment, ValueType};

/// A scripted answer for the next request to one endpoint.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// Fail with this code, at the HTTP status and with the msg of the spec.
    Code(ErrorCode),
    /// Fail with this code at another HTTP status (say a token error at 200).
    CodeAt(ErrorCode, u16),
    /// Answer with this status and an HTML error page.
    Status(u16),
    /// Answer normally, after a delay.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Handle the request (a message is sent, a member added), then close the connection
    /// without answering: the caller cannot tell whether it took effect.
    LoseAnswer,
    /// Answer 200 with truncated JSON.
    Malformed,
}

/// A chat to seed the fake with.
#[derive(Debug, Clone)]
pub struct ChatSeed {
    chat_id: String,
    tenant_key: Option<String>,
    public: bool,
    join_approval: bool,
    dissolved: bool,
    member_cap: usize,
    owner: Option<String>,
    members: Vec<String>,
}

impl ChatSeed {
    /// A public chat in the fake's tenant, open to join, capped at 5000 members.
    pub fn public(chat_id: impl Into<String>) -> Self {
        ChatSeed {
            chat_id: chat_id.into(),
            tenant_key: None,
            public: true,
            join_approval: false,
            dissolved: false,
            member_cap: 5000,
            owner: None,
            members: Vec::new(),
        }
    }

    /// A private chat.
    pub fn private(chat_id: impl Into<String>) -> Self {
        ChatSeed { public: false, ..ChatSeed::public(chat_id) }
    }

    /// Whether joining needs approval.
    pub fn join_approval(mut self, on: bool) -> Self {
        self.join_approval = on;
        self
    }

    /// Whether the chat was dissolved.
    pub fn dissolved(mut self, dissolved: bool) -> Self {
        self.dissolved = dissolved;
        self
    }

    /// The most members the chat can have.
    pub fn member_cap(mut self, cap: usize) -> Self {
        self.member_cap = cap;
        self
    }

    /// The tenant the chat belongs to (default: the fake's tenant).
    pub fn tenant(mut self, tenant_key: impl Into<String>) -> Self {
        self.tenant_key = Some(tenant_key.into());
        self
    }

    /// Members: user open_ids (`ou_…`) or bot app ids (`cli_…`).
    pub fn members<I: IntoIterator<Item = S>, S: Into<String>>(mut self, members: I) -> Self {
        self.members = members.into_iter().map(Into::into).collect();
        self
    }

    /// The owner, who is also a member and cannot be removed.
    pub fn owner(mut self, open_id: impl Into<String>) -> Self {
        self.owner = Some(open_id.into());
        self
    }
}

/// A running fake Feishu on `127.0.0.1`. It stops when dropped.
pub struct FakeFeishu {
    server: HttpServer,
    state: Arc<Mutex<State>>,
    deliveries: Arc<events::Deliveries>,
    delivering: tokio::task::JoinHandle<()>,
    hub: Arc<long_connection::Hub>,
    _long_connections: long_connection::Server,
}

impl Drop for FakeFeishu {
    fn drop(&mut self) {
        self.delivering.abort();
    }
}

impl std::fmt::Debug for FakeFeishu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeFeishu").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

impl FakeFeishu {
    /// The custom app the fake knows from the start.
    pub const APP_ID: &'static str = "cli_fake_custom_app";
    /// Its secret.
    pub const APP_SECRET: &'static str = "fake-custom-app-secret";
    /// The store (isv) app the fake knows from the start.
    pub const STORE_APP_ID: &'static str = "cli_fake_store_app";
    /// Its secret.
    pub const STORE_APP_SECRET: &'static str = "fake-store-app-secret";
    /// The tenant of the custom app, its users and the seeded chats.
    pub const TENANT_KEY: &'static str = "tenant_fake";

    /// Starts the fake on `127.0.0.1:0`; must run inside a tokio runtime.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        let mut state = State::new();
        for (id, secret, store) in [
            (Self::APP_ID, Self::APP_SECRET, false),
            (Self::STORE_APP_ID, Self::STORE_APP_SECRET, true),
        ] {
            let app = App { secret: secret.into(), store, bot_enabled: true, installed: true };
            state.apps.insert(id.into(), app);
        }
        let (outbox, emitted) = tokio::sync::mpsc::unbounded_channel();
        state.outbox = Some(outbox);
        let deliveries = Arc::new(events::Deliveries::default());
        let state = Arc::new(Mutex::new(state));
        let (hub, long_connections) =
            long_connection::start().await.expect("the fake binds a loopback port");
        let delivering =
            tokio::spawn(events::deliver_all(deliveries.clone(), hub.clone(), emitted));
        let (shared, endpoints) = (state.clone(), hub.clone());
        let server = HttpServer::start(move |request| {
            if request.path() == feishu_im::platform::ENDPOINT_PATH {
                return long_connection::endpoint(&shared, &endpoints, request);
            }
            router::handle(&shared, request)
        })
        .await
        .expect("the fake binds a loopback port");
        FakeFeishu {
            server,
            state,
            deliveries,
            delivering,
            hub,
            _long_connections: long_connections,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        self.server.base_url()
    }

    /// A client of the fake's custom app, pointed at the fake, with fast retries.
    pub fn client(&self) -> Client {
        self.client_builder(Credentials::custom_app(Self::APP_ID, Self::APP_SECRET))
            .build()
            .expect("the fake's base URL is valid")
    }

    /// A client builder with `credentials`, pointed at the fake, with fast retries.
    pub fn client_builder(&self, credentials: Credentials) -> ClientBuilder {
        Client::builder(credentials).base_url(self.base_url()).retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(100))
                .with_max_rate_limit_wait(Duration::from_secs(2)),
        )
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds or replaces a chat.
    pub fn seed_chat(&self, seed: ChatSeed) {
        let mut members = seed.members;
        if let Some(owner) = &seed.owner
            && !members.contains(owner)
        {
            members.insert(0, owner.clone());
        }
        let mut state = self.state();
        let tenant_key = seed.tenant_key.unwrap_or_else(|| Self::TENANT_KEY.into());
        let chat = state::Chat {
            public: seed.public,
            join_approval: seed.join_approval,
            dissolved: seed.dissolved,
            member_cap: seed.member_cap,
            name: seed.chat_id.clone(),
            ..state.new_chat(tenant_key, ChatMode::Group, seed.owner, members)
        };
        state.chats.insert(seed.chat_id, chat);
    }

    /// Adds a user of the fake's tenant; returns the open_id `ou_<key>` (union_id `on_<key>`,
    /// user_id `<key>`).
    pub fn add_user(&self, key: &str, name: &str) -> String {
        let open_id = format!("ou_{key}");
        let user = User { name: name.into(), tenant_key: Self::TENANT_KEY.into() };
        self.state().users.insert(open_id.clone(), user);
        open_id
    }

    /// A user access token for a user added with [`add_user`](Self::add_user).
    pub fn user_token(&self, open_id: &str) -> UserAccessToken {
        let mut state = self.state();
        let (token, _) =
            state.issue(TokenKind::User, Self::APP_ID, Self::TENANT_KEY, Some(open_id));
        UserAccessToken::new(token)
    }

    /// Seeds what the spec's examples name, so that every [`SampleCall`] succeeds: each example
    /// open_id (`ou_…`) becomes a user of the fake's tenant, and each example chat id (`oc_…`)
    /// a public chat whose members are the fake's bot and those users; the tabs, menus and
    /// announcement revision the examples name are in their operation's example chat.
    pub fn seed_examples(&self) {
        let mut users = Vec::new();
        let mut chats = Vec::new();
        let mut messages = Vec::new();
        let mut reactions = Vec::new();
        let mut uploads = Vec::new();
        let mut resources: Vec<(&str, &str)> = Vec::new();
        let mut cards = Vec::new();
        let mut threads = Vec::new();
        for meta in spec::operations() {
            // A reaction or resource example belongs to the message example of its operation.
            let example = |prefixes: &[&str]| {
                meta.params
                    .iter()
                    .find_map(|f| f.example.filter(|e| prefixes.iter().any(|p| e.starts_with(p))))
            };
            let message_of = example(&["om_"]);
            if let (true, Some(message)) = (meta.operation == "messages.patch", message_of) {
                cards.push(message);
            }
            if let (Some(message), Some(key)) = (message_of, example(&["img_", "file_"])) {
                resources.push((message, key));
            }
            for field in meta.params {
                match field.example {
                    Some(id) if id.starts_with("ou_") => users.push(id),
                    Some(id) if id.starts_with("oc_") => chats.push(id),
                    Some(id) if id.starts_with("om_") => messages.push(id),
                    Some(id) if id.starts_with("omt_") => threads.push(id),
                    Some(id) if field.name == "reaction_id" => {
                        reactions.push((id, message_of.or(messages.first().copied())));
                    }
                    Some(key) if key.starts_with("img_") || key.starts_with("file_") => {
                        uploads.push(key);
                    }
                    // A card callback's update token, fresh.
                    Some(token) if token.starts_with("c-") && field.name == "token" => {
                        self.state().card_tokens.insert(token.to_owned(), (Instant::now(), 0));
                    }
                    _ => {}
                }
            }
        }
        chats.sort_unstable();
        chats.dedup();
        messages.sort_unstable();
        messages.dedup();
        users.sort_unstable();
        users.dedup();
        for open_id in &users {
            let user = User { name: open_id.to_string(), tenant_key: Self::TENANT_KEY.into() };
            self.state().users.insert((*open_id).into(), user);
        }
        let mut members = vec![Self::APP_ID.to_owned()];
        members.extend(users.iter().map(|u| u.to_string()));
        for chat in &chats {
            // The app owns them, so that owner-only operations succeed on their examples.
            self.seed_chat(ChatSeed::public(*chat).owner(Self::APP_ID).members(members.clone()));
        }
        // Example messages: sent by the app in the first example chat; example reactions are
        // the app's, on the first example message.
        if let Some(chat) = chats.first() {
            for id in &messages {
                let mut message = messages::stored(id, chat, Self::APP_ID, "hello");
                // A message whose resource an operation downloads carries that resource, and
                // the one whose card `messages.patch` updates is a card.
                if let Some((_, key)) = resources.iter().find(|(m, _)| m == id) {
                    let field = if key.starts_with("img_") { "image_key" } else { "file_key" };
                    message.msg_type = field.trim_end_matches("_key").to_owned();
                    message.content = serde_json::json!({ field: key }).to_string();
                } else if cards.contains(id) {
                    message.msg_type = "interactive".to_owned();
                    message.content = r#"{"elements":[]}"#.to_owned();
                }
                self.state().messages.push(message);
            }
            // Example threads: each starts at a message of the app's.
            for (n, thread) in threads.iter().enumerate() {
                let root = format!("om_thread_root_{n}");
                let mut message = messages::stored(&root, chat, Self::APP_ID, "a thread");
                message.thread_id = Some((*thread).to_owned());
                self.state().messages.push(message);
            }
        }
        for key in uploads {
            let upload = state::Upload {
                owner: Self::APP_ID.to_owned(),
                bytes: b"sample".to_vec(),
                content_type: "application/octet-stream".to_owned(),
                file_name: "sample".to_owned(),
            };
            self.state().uploads.insert(key.to_owned(), upload);
        }
        chat_widgets::seed_examples(&mut self.state());
        for (id, message) in reactions {
            if let Some(message) = message {
                self.state().reactions.push(state::StoredReaction {
                    id: id.to_owned(),
                    message_id: message.to_owned(),
                    emoji: "SMILE".to_owned(),
                    operator: Self::APP_ID.to_owned(),
                    created: UnixMillis::now(),
                });
            }
        }
    }

    /// A user says `text` in a chat, as if from a Feishu app: the message is stored as sent
    /// and listed like any other. Returns its id.
    ///
    /// The app receives `im.message.receive_v1` for it when subscribed
    /// ([`FakeFeishu::subscribe_webhook`]).
    pub fn user_says(&self, chat_id: &str, open_id: &str, text: &str) -> String {
        let mut state = self.state();
        let id = format!("om_user{:08x}", state.messages.len() + 1);
        let stored = messages::stored(&id, chat_id, open_id, text);
        let chat_type = match state.chats.get(chat_id).map(|c| &c.mode) {
            Some(ChatMode::P2p) => "p2p",
            Some(ChatMode::Topic) => "topic_group",
            _ => "group",
        };
        let event = events::message_received(
            &id,
            chat_id,
            chat_type,
            open_id,
            &stored.content,
            stored.created.count(),
        );
        state.messages.push(stored);
        state.emit(event);
        id
    }

    /// Delivers the app's events to a webhook from now on: each state change that Feishu
    /// reports (a user's message, members added, a chat disbanded) is posted there, in order.
    pub fn subscribe_webhook(&self, subscription: WebhookSubscription) {
        self.subscribe(events::Subscription::Webhook(subscription));
    }

    /// Delivers the app's events over its long connections from now on, each to one of them,
    /// in order: the same events as [`subscribe_webhook`](Self::subscribe_webhook), in plain
    /// JSON (faults that concern signatures do not apply).
    pub fn subscribe_long_connection(&self) {
        self.subscribe(events::Subscription::LongConnection);
    }

    fn subscribe(&self, subscription: events::Subscription) {
        *self.deliveries.subscription.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(subscription);
    }

    /// Makes the next delivery go wrong this way; faults queue up, one per delivery.
    pub fn delivery_fault(&self, fault: DeliveryFault) {
        self.deliveries.faults.lock().unwrap_or_else(|e| e.into_inner()).push_back(fault);
    }

    /// Every delivery attempt so far, in order.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.deliveries.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until at least `count` delivery attempts were made, for at most `limit`, and
    /// returns them all.
    pub async fn wait_for_deliveries(&self, count: usize, limit: Duration) -> Vec<DeliveryRecord> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.deliveries.delivered.notified();
            let log = self.deliveries();
            if log.len() >= count || tokio::time::Instant::now() >= deadline {
                return log;
            }
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
    }

    /// A user clicks a button of a card the bot sent: `card.action.trigger` with `value` goes
    /// to the subscription at once, and its answer comes back, as Feishu shows it to the user:
    /// the HTTP status and body of a webhook, or the ack's code and data over the long
    /// connection. Returns `None` without a subscription.
    pub async fn click_card(
        &self,
        message_id: &str,
        open_id: &str,
        value: serde_json::Value,
    ) -> Option<(u16, serde_json::Value)> {
        let subscription =
            self.deliveries.subscription.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        let emitted = {
            let mut state = self.state();
            let chat_id = state
                .messages
                .iter()
                .find(|m| m.id == message_id)
                .map(|m| m.chat_id.clone())
                .unwrap_or_default();
            state.issued += 1;
            let token = format!("c-fake{:012x}", state.issued);
            state.card_tokens.insert(token.clone(), (Instant::now(), 0));
            events::card_clicked(message_id, &chat_id, open_id, value, &token)
        };
        let (_, envelope) = self.deliveries.envelope(&emitted, &subscription.token());
        let (status, body) = match &subscription {
            events::Subscription::Webhook(webhook) => {
                let http = events::webhook_client();
                events::deliver(&http, webhook, &envelope, Duration::ZERO, false).await
            }
            events::Subscription::LongConnection => {
                events::push(&self.hub, Push::card(envelope.to_string())).await
            }
        };
        Some((status, serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body))))
    }

    /// The members of a chat: user open_ids and bot app ids.
    pub fn members(&self, chat_id: &str) -> Vec<String> {
        self.state().chats.get(chat_id).map(|c| c.members.clone()).unwrap_or_default()
    }

    /// Who may change a chat's tabs and menus: every member (`AllMembers`, the default), or its
    /// owner and managers only (`OnlyOwner`; others get `232055`). Feishu keeps this in the
    /// client's chat settings (谁可以管理标签页、小组件和会话菜单), which no endpoint changes.
    pub fn set_widget_permission(&self, chat_id: &str, permission: ChatPermission) {
        if let Some(chat) = self.state().chats.get_mut(chat_id) {
            chat.widgets.permission = permission;
        }
    }

    /// What is pinned at the top of a chat (no endpoint reads it back).
    #[cfg(operation = "chat_top_notice.put_top_notice")]
    pub fn top_notice(&self, chat_id: &str) -> Option<TopNotice> {
        self.state().chats.get(chat_id).and_then(|c| c.widgets.top_notice.clone())
    }

    /// Scripts the next answer of `operation` (`chat_members.me_join`). Faults queue up.
    pub fn inject(&self, operation: &str, fault: Fault) {
        self.state().faults.entry(operation.into()).or_default().push_back(fault);
    }

    /// How many requests reached `operation`.
    pub fn calls(&self, operation: &str) -> usize {
        self.state().calls.get(operation).copied().unwrap_or(0)
    }

    /// How many token requests the fake answered.
    pub fn token_requests(&self) -> usize {
        self.state().token_requests
    }

    /// How many calls the fake refused for a rate limit (`99991400`, or `230020` for the
    /// per-recipient message limits).
    pub fn rate_limited(&self) -> usize {
        self.state().rate_limited
    }

    /// Lifetime of tokens issued from now on (default 2 h).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state().token_lifetime = lifetime;
    }

    /// Makes every token issued so far expired.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for issued in self.state().tokens.values_mut() {
            issued.expires = now;
        }
    }

    /// Turns the custom app's bot ability on or off (off: `232025`).
    pub fn set_bot_enabled(&self, enabled: bool) {
        if let Some(app) = self.state().apps.get_mut(Self::APP_ID) {
            app.bot_enabled = enabled;
        }
    }

    /// Installs or uninstalls the custom app in its tenant (uninstalled: `232034`).
    pub fn set_app_installed(&self, installed: bool) {
        if let Some(app) = self.state().apps.get_mut(Self::APP_ID) {
            app.installed = installed;
        }
    }

    /// Pushes a new `app_ticket` to the store app, as the `app_ticket` event would, and
    /// returns it for [`Client::set_app_ticket`].
    pub fn push_app_ticket(&self) -> String {
        let mut state = self.state();
        let ticket = format!("fake-ticket-{}", state.tickets.len() + state.ticket_resends + 1);
        state.tickets.insert(Self::STORE_APP_ID.into(), ticket.clone());
        ticket
    }

    /// How many times the store app asked for its ticket again.
    pub fn ticket_resends(&self) -> usize {
        self.state().ticket_resends
    }
}
