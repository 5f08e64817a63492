//! Events the fake pushes to its app: state changes become schema 2.0 deliveries to a webhook,
//! signed and encrypted as Feishu does, in order, one at a time; faults make them come twice,
//! out of order, late, stale or badly signed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use crate::state::Emitted;
use feishu_im::events::{
    CallbackContext, CallbackOperator, CardAction, CardActionTrigger, ChatDisbandedV1,
    ChatI18nNames, ChatMemberUser, ChatMemberUserAddedV1, EventMessage, EventSender,
    MessageReceiveV1, UserIds,
};
use feishu_im::platform::{encrypt, signature};
use feishu_im::{CallbackHost, EventChatType, MessagePartyType, MsgType, Secret, UnixMillis};

/// Where the fake delivers events: a webhook URL and the app's secrets for it.
#[derive(Debug, Clone)]
pub struct WebhookSubscription {
    url: String,
    verification_token: Secret,
    encrypt_key: Option<Secret>,
}

impl WebhookSubscription {
    /// Deliveries to `url`, carrying `verification_token`, in plain JSON.
    pub fn new(url: impl Into<String>, verification_token: impl Into<Secret>) -> Self {
        WebhookSubscription {
            url: url.into(),
            verification_token: verification_token.into(),
            encrypt_key: None,
        }
    }

    /// Encrypts and signs deliveries with `key`, as Feishu does once an Encrypt Key is set.
    #[must_use]
    pub fn encrypt_key(mut self, key: impl Into<Secret>) -> Self {
        self.encrypt_key = Some(key.into());
        self
    }
}

/// How the next deliveries go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryFault {
    /// Delivered twice, the second time encrypted afresh with a new timestamp and nonce (a
    /// re-delivery keeps the event id).
    Duplicate,
    /// Held back and delivered after the next event.
    OutOfOrder,
    /// Delivered after this delay.
    Late(Duration),
    /// Signed with a timestamp this far in the past.
    Stale(Duration),
    /// Delivered with a wrong signature, then again correctly, as Feishu retries.
    BadSignature,
}

/// One attempt to deliver an event, as the webhook answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The event id.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The HTTP status of the answer; 0 when the webhook could not be reached.
    pub status: u16,
    /// The answer's body.
    pub body: String,
}

/// The fake's outbox and its delivery log, shared with the task that delivers.
#[derive(Debug, Default)]
pub(super) struct Deliveries {
    pub subscription: Mutex<Option<Subscription>>,
    pub faults: Mutex<VecDeque<DeliveryFault>>,
    pub log: Mutex<Vec<DeliveryRecord>>,
    pub delivered: Notify,
    pub sequence: Mutex<u64>,
}

impl Deliveries {
    fn next_fault(&self) -> Option<DeliveryFault> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }

    fn record(&self, record: DeliveryRecord) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(record);
        self.delivered.notify_waiters();
    }

    /// The envelope of an event for the fake's custom app.
    pub(super) fn envelope(&self, emitted: &Emitted, token: &Secret) -> (String, Value) {
        let mut sequence = self.sequence.lock().unwrap_or_else(|e| e.into_inner());
        *sequence += 1;
        let event_id = format!("ev_fake{:012x}", *sequence);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let envelope = json!({
            "schema": "2.0",
            "header": {
                "event_id": event_id,
                "event_type": emitted.event_type,
                "create_time": now.as_millis().to_string(),
                "token": token.expose(),
                "app_id": super::FakeFeishu::APP_ID,
                "tenant_key": super::FakeFeishu::TENANT_KEY,
            },
            "event": emitted.event,
        });
        (event_id, envelope)
    }
}

/// Where deliveries go: a webhook, or the app's long connections (one of them per event).
#[derive(Debug, Clone)]
pub(super) enum Subscription {
    Webhook(WebhookSubscription),
    LongConnection,
}

/// The verification token in the headers of events over the long connection, which Feishu
/// authenticates when the connection opens instead.
const LONG_CONNECTION_TOKEN: &str = "fake-long-connection-token";

impl Subscription {
    pub(super) fn token(&self) -> Secret {
        match self {
            Subscription::Webhook(webhook) => webhook.verification_token.clone(),
            Subscription::LongConnection => Secret::new(LONG_CONNECTION_TOKEN),
        }
    }
}

/// The client that posts deliveries to the app's webhook, a URL on `127.0.0.1`: plain HTTP,
/// as the fake serves it. An `https` URL fails TLS verification: no certificate is trusted.
pub(super) fn webhook_client() -> reqwest::Client {
    // ring supports rustls's default protocol versions, and nothing here reads the system: the
    // client always builds.
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default protocol versions")
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls)
        .build()
        .expect("a client with a preconfigured TLS builds")
}

/// Delivers emitted events in order until the channel closes (the fake is dropped).
pub(super) async fn deliver_all(
    deliveries: Arc<Deliveries>,
    hub: Arc<super::long_connection::Hub>,
    mut outbox: mpsc::UnboundedReceiver<Emitted>,
) {
    let http = webhook_client();
    let sender = Sender { http: &http, hub: &hub, deliveries: &deliveries };
    let mut held: Option<(Subscription, String, String, Value)> = None;
    while let Some(emitted) = outbox.recv().await {
        let subscription =
            deliveries.subscription.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(subscription) = subscription else { continue };
        let (event_id, envelope) = deliveries.envelope(&emitted, &subscription.token());
        let fault = deliveries.next_fault();
        if fault == Some(DeliveryFault::OutOfOrder) {
            held = Some((subscription, event_id, emitted.event_type, envelope));
            continue;
        }
        if let Some(DeliveryFault::Late(delay)) = fault {
            tokio::time::sleep(delay).await;
        }
        let stale = match fault {
            Some(DeliveryFault::Stale(by)) => by,
            _ => Duration::ZERO,
        };
        let one = |stale, bad| Attempt {
            event_id: &event_id,
            event_type: &emitted.event_type,
            envelope: &envelope,
            stale,
            bad,
        };
        if fault == Some(DeliveryFault::BadSignature) {
            sender.send(&subscription, one(Duration::ZERO, true)).await;
        }
        sender.send(&subscription, one(stale, false)).await;
        if fault == Some(DeliveryFault::Duplicate) {
            sender.send(&subscription, one(Duration::ZERO, false)).await;
        }
        if let Some((subscription, event_id, event_type, envelope)) = held.take() {
            let attempt = Attempt {
                event_id: &event_id,
                event_type: &event_type,
                envelope: &envelope,
                stale: Duration::ZERO,
                bad: false,
            };
            sender.send(&subscription, attempt).await;
        }
    }
}

/// One attempt at delivering an event: stale or badly signed when a fault says so (webhooks
/// only: the long connection carries no signature).
struct Attempt<'a> {
    event_id: &'a str,
    event_type: &'a str,
    envelope: &'a Value,
    stale: Duration,
    bad: bool,
}

struct Sender<'a> {
    http: &'a reqwest::Client,
    hub: &'a super::long_connection::Hub,
    deliveries: &'a Deliveries,
}

impl Sender<'_> {
    /// Delivers once, encrypted and signed afresh for a webhook, and records the answer.
    async fn send(&self, subscription: &Subscription, attempt: Attempt<'_>) {
        let (status, body) = match subscription {
            Subscription::Webhook(webhook) => {
                deliver(self.http, webhook, attempt.envelope, attempt.stale, attempt.bad).await
            }
            Subscription::LongConnection => {
                push(self.hub, super::long_connection::Push::event(attempt.envelope.to_string()))
                    .await
            }
        };
        self.deliveries.record(DeliveryRecord {
            event_id: attempt.event_id.to_owned(),
            event_type: attempt.event_type.to_owned(),
            status,
            body,
        });
    }
}

/// One delivery over the long connection: the ack's code and data (0 without an ack).
pub(super) async fn push(
    hub: &super::long_connection::Hub,
    push: super::long_connection::Push,
) -> (u16, String) {
    match hub.push(push).await {
        Ok(ack) => {
            (ack.code(), String::from_utf8_lossy(ack.data().unwrap_or_default()).into_owned())
        }
        Err(_) => (0, String::new()),
    }
}

/// One HTTP delivery of `envelope`: its status and body (0 when unreachable).
pub(super) async fn deliver(
    http: &reqwest::Client,
    subscription: &WebhookSubscription,
    envelope: &Value,
    stale: Duration,
    bad_signature: bool,
) -> (u16, String) {
    let plain = envelope.to_string();
    let mut request = http.post(&subscription.url).header("content-type", "application/json");
    let body = match &subscription.encrypt_key {
        Some(key) => {
            let mut iv = [0u8; 16];
            getrandom::fill(&mut iv).expect("the system has randomness");
            let body = json!({ "encrypt": encrypt(key, plain.as_bytes(), iv) }).to_string();
            let sent_at = SystemTime::now() - stale;
            let timestamp =
                sent_at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs().to_string();
            let mut nonce = [0u8; 8];
            getrandom::fill(&mut nonce).expect("the system has randomness");
            let nonce = feishu_im::platform::hex(&nonce);
            let mut signed = signature(
                feishu_im::platform::Signing::Event,
                &timestamp,
                &nonce,
                key,
                body.as_bytes(),
            );
            if bad_signature {
                signed.replace_range(0..1, if signed.starts_with('0') { "1" } else { "0" });
            }
            request = request
                .header("x-lark-request-timestamp", timestamp)
                .header("x-lark-request-nonce", nonce)
                .header("x-lark-signature", signed);
            body
        }
        None => plain,
    };
    match request.body(body).timeout(Duration::from_secs(10)).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        Err(_) => (0, String::new()),
    }
}

/// A user's ids in events: open, union and user id.
fn user_ids(open_id: &str) -> UserIds {
    UserIds::new()
        .open_id(open_id)
        .union_id(super::state::user_id_as(open_id, "union_id"))
        .user_id(super::state::user_id_as(open_id, "user_id"))
}

/// An event to deliver, written from its generated type as Feishu writes it (fields without a
/// value left out).
fn emitted(event_type: &str, event: &impl serde::Serialize) -> Emitted {
    // Generated payloads are plain data: encoding them cannot fail.
    let event = crate::answer::without_nulls(serde_json::to_value(event).unwrap_or_default());
    Emitted { event_type: event_type.to_owned(), event }
}

/// `im.message.receive_v1` for a text a user sent.
pub(super) fn message_received(
    message_id: &str,
    chat_id: &str,
    chat_type: &str,
    open_id: &str,
    content: &str,
    created_ms: i64,
) -> Emitted {
    let chat_type = serde_json::from_value(json!(chat_type)).unwrap_or(EventChatType::Group);
    let sender = EventSender::new(MessagePartyType::User)
        .sender_id(user_ids(open_id))
        .tenant_key(super::FakeFeishu::TENANT_KEY);
    let created = UnixMillis::new(created_ms);
    let message =
        EventMessage::new(message_id, created, chat_id, chat_type, MsgType::Text, content)
            .update_time(created)
            .mentions(Vec::new())
            .user_agent("Mozilla/5.0 (fake) Lark/7.0");
    emitted(MessageReceiveV1::EVENT_TYPE, &MessageReceiveV1::new(sender, message))
}

/// The chat's name in the languages chat events give it.
fn names(name: &str) -> ChatI18nNames {
    ChatI18nNames::new().zh_cn(name).en_us(name)
}

/// `im.chat.member.user.added_v1`.
pub(super) fn users_added(
    chat_id: &str,
    operator: &str,
    name: &str,
    users: &[(String, String)],
) -> Emitted {
    let users = users
        .iter()
        .map(|(open_id, user_name)| {
            ChatMemberUser::new()
                .name(user_name.as_str())
                .tenant_key(super::FakeFeishu::TENANT_KEY)
                .user_id(user_ids(open_id))
        })
        .collect();
    let event = ChatMemberUserAddedV1::new(chat_id)
        .operator_id(user_ids(operator))
        .external(false)
        .operator_tenant_key(super::FakeFeishu::TENANT_KEY)
        .users(users)
        .name(name)
        .i18n_names(names(name));
    emitted(ChatMemberUserAddedV1::EVENT_TYPE, &event)
}

/// `im.chat.disbanded_v1`.
pub(super) fn chat_disbanded(chat_id: &str, operator: &str, name: &str) -> Emitted {
    let event = ChatDisbandedV1::new(chat_id)
        .operator_id(user_ids(operator))
        .external(false)
        .operator_tenant_key(super::FakeFeishu::TENANT_KEY)
        .name(name)
        .i18n_names(names(name));
    emitted(ChatDisbandedV1::EVENT_TYPE, &event)
}

/// `card.action.trigger` for a click on a card button.
pub(super) fn card_clicked(
    message_id: &str,
    chat_id: &str,
    open_id: &str,
    value: Value,
    token: &str,
) -> Emitted {
    let ids = user_ids(open_id);
    let mut operator = CallbackOperator::new().tenant_key(super::FakeFeishu::TENANT_KEY);
    operator.open_id = ids.open_id;
    operator.union_id = ids.union_id;
    operator.user_id = ids.user_id;
    let action = CardAction::new().value(value).tag("button");
    let context = CallbackContext::new().open_message_id(message_id).open_chat_id(chat_id);
    let event = CardActionTrigger::new(operator, action)
        .token(token)
        .host(CallbackHost::ImMessage)
        .context(context);
    emitted(CardActionTrigger::EVENT_TYPE, &event)
}

/// How long a card callback's update token lasts, and how often it may be used.
const CARD_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);
const CARD_TOKEN_USES: u8 = 2;

/// `cards.delay_update`: the token of a recent callback, used at most twice.
#[cfg(operation = "cards.delay_update")]
pub(super) fn delay_update(
    state: &mut super::state::State,
    r: feishu_im::v1::cards::DelayUpdateRequest,
) -> Result<feishu_im::v1::cards::DelayUpdateResponse, crate::answer::Outcome> {
    use crate::answer::fail;
    use feishu_im::ErrorCode;
    if !r.token.starts_with("c-") {
        return Err(fail(ErrorCode::CardTokenMalformed));
    }
    if !r.card.is_object() {
        return Err(fail(ErrorCode::CardFormatInvalid));
    }
    let Some((issued, uses)) = state.card_tokens.get_mut(&r.token) else {
        return Err(fail(ErrorCode::CardTokenExpired));
    };
    if issued.elapsed() > CARD_TOKEN_LIFETIME {
        return Err(fail(ErrorCode::CardTokenExpired));
    }
    if *uses >= CARD_TOKEN_USES {
        return Err(fail(ErrorCode::CardTokenUsedUp));
    }
    *uses += 1;
    Ok(feishu_im::v1::cards::DelayUpdateResponse::new())
}
