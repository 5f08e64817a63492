//! The webhook ("request URL") mode: each delivery is an HTTP POST, verified, decrypted and
//! dispatched here, independent of any web framework.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use serde::Deserialize;

use crate::Secret;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::ids::hex;
use crate::receive::EventHeader;
use crate::receive::crypto::{Signing, decrypt, same_secret, signature_matches};
use crate::receive::dispatcher::Outcome;
use crate::receive::envelope::{Envelope, OLD_CARD_TYPE};
use crate::receive::{Dispatcher, EventSet, ReceiveError};
use crate::redact::Redactor;

/// How far a request's timestamp may be from now by default.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(300);

/// The largest body accepted by default: deliveries are a few kilobytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1 << 20;

const TIMESTAMP: &str = "x-lark-request-timestamp";
const NONCE: &str = "x-lark-request-nonce";
const SIGNATURE: &str = "x-lark-signature";
/// Old-style card callbacks: the same for every delivery of one click.
const REFRESH_TOKEN: &str = "x-refresh-token";

/// Verifies, decrypts and dispatches webhook deliveries.
///
/// - With an Encrypt Key, bodies are decrypted (AES-256-CBC) and every event must carry a
///   valid `X-Lark-Signature` over the raw bytes, compared in constant time, with a timestamp
///   inside the window. `url_verification` comes unsigned, and is checked by its token.
/// - With a verification token, every delivery must carry it.
/// - Old-style card callbacks (`card.action.trigger_v1`, cards built before card JSON 2.0
///   that call the old request URL) are flat bodies signed with SHA-1 over the timestamp,
///   nonce, verification token and body: they need the verification token, and decode as the
///   event type `card.action.trigger_v1`.
/// - Events are acknowledged at once and handled after; callbacks are answered with what
///   their handler returns.
///
/// Set both secrets: without an Encrypt Key anyone who knows the URL can post events.
pub struct Webhook<E> {
    dispatcher: Dispatcher<E>,
    verification_token: Option<Secret>,
    encrypt_key: Option<Secret>,
    timestamp_window: Duration,
    max_body_bytes: usize,
}

impl<E> Clone for Webhook<E> {
    fn clone(&self) -> Self {
        Webhook {
            dispatcher: self.dispatcher.clone(),
            verification_token: self.verification_token.clone(),
            encrypt_key: self.encrypt_key.clone(),
            timestamp_window: self.timestamp_window,
            max_body_bytes: self.max_body_bytes,
        }
    }
}

impl<E> std::fmt::Debug for Webhook<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("verification_token", &self.verification_token)
            .field("encrypt_key", &self.encrypt_key)
            .field("timestamp_window", &self.timestamp_window)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Webhook`].
#[must_use]
#[derive(Debug)]
pub struct WebhookBuilder<E> {
    webhook: Webhook<E>,
}

impl<E> WebhookBuilder<E> {
    /// The app's Verification Token, checked on every delivery.
    pub fn verification_token(mut self, token: impl Into<Secret>) -> Self {
        self.webhook.verification_token = Some(token.into());
        self
    }

    /// The app's Encrypt Key: bodies are then encrypted and signed.
    pub fn encrypt_key(mut self, key: impl Into<Secret>) -> Self {
        self.webhook.encrypt_key = Some(key.into());
        self
    }

    /// How far a signed request's timestamp may be from now. Default:
    /// [`DEFAULT_TIMESTAMP_WINDOW`].
    pub fn timestamp_window(mut self, window: Duration) -> Self {
        self.webhook.timestamp_window = window;
        self
    }

    /// The largest body accepted. Default: [`DEFAULT_MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.webhook.max_body_bytes = limit;
        self
    }

    /// The webhook.
    pub fn build(self) -> Webhook<E> {
        self.webhook
    }
}

/// What a webhook answered, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// `url_verification`, answered with its challenge.
    Challenge,
    /// An event, acknowledged; its handler runs after.
    Event,
    /// A repeat of a delivery already handled, acknowledged.
    Duplicate,
    /// A callback, answered with its handler's reply.
    Callback,
    /// A repeat of a callback already answered, answered again with the first answer.
    RepeatedCallback,
}

/// A webhook's HTTP answer to a delivery: status 200 and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookReply {
    /// What the delivery was.
    pub received: Received,
    /// The JSON body to answer with.
    pub body: Vec<u8>,
}

#[derive(Deserialize)]
struct Encrypted {
    encrypt: Option<String>,
}

impl<E: EventSet> Webhook<E> {
    /// A webhook that hands deliveries to `dispatcher`.
    pub fn builder(dispatcher: Dispatcher<E>) -> WebhookBuilder<E> {
        WebhookBuilder {
            webhook: Webhook {
                dispatcher,
                verification_token: None,
                encrypt_key: None,
                timestamp_window: DEFAULT_TIMESTAMP_WINDOW,
                max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            },
        }
    }

    /// The dispatcher, to shut down when the server stops.
    pub fn dispatcher(&self) -> &Dispatcher<E> {
        &self.dispatcher
    }

    /// The largest body accepted: adapters stop reading beyond it.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Handles one delivery: its headers and its body, as received.
    ///
    /// # Errors
    ///
    /// A [`ReceiveError`] says why the delivery was refused; answer with its
    /// [`status`](ReceiveError::status).
    pub async fn handle(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookReply, ReceiveError> {
        self.verify_and_dispatch(headers, body).await.map_err(|error| self.redact(error))
    }

    /// Takes the Encrypt Key and the verification token out of the texts of a refusal, which
    /// quote the body.
    fn redact(&self, mut error: ReceiveError) -> ReceiveError {
        let mut redactor = Redactor::default();
        redactor.extend(self.encrypt_key.iter().chain(&self.verification_token));
        match &mut error {
            ReceiveError::Malformed { reason } | ReceiveError::Handler { reason } => {
                redactor.text(reason);
            }
            ReceiveError::Decode { event_type, reason } => {
                redactor.text(event_type);
                redactor.text(reason);
            }
            _ => {}
        }
        error
    }

    async fn verify_and_dispatch(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookReply, ReceiveError> {
        if body.len() > self.max_body_bytes {
            return Err(ReceiveError::BodyTooLarge { limit: self.max_body_bytes });
        }
        let signed = self.check_signature(headers, body)?;
        let malformed =
            |e: &dyn std::fmt::Display| ReceiveError::Malformed { reason: e.to_string() };
        let outer: Encrypted = serde_json::from_slice(body).map_err(|e| malformed(&e))?;
        let encrypted = outer.encrypt.is_some();
        let plain = match (outer.encrypt, &self.encrypt_key) {
            (Some(text), Some(key)) => decrypt(key, &text)
                .map_err(|failure| ReceiveError::Undecryptable { reason: failure.describe() })?,
            (Some(_), None) => {
                return Err(ReceiveError::Encryption(
                    "the body is encrypted, and no Encrypt Key is set",
                ));
            }
            // With a key, only a challenge may come in plain text; events are refused below.
            (None, _) => body.to_vec(),
        };
        let plain_despite_key = self.encrypt_key.is_some() && !encrypted;
        match Envelope::parse(&plain).map_err(|reason| ReceiveError::Malformed { reason })? {
            Envelope::Challenge { challenge, token } => {
                self.check_token(token.as_ref())?;
                let body = serde_json::to_vec(&serde_json::json!({ "challenge": challenge }))
                    .map_err(|e| malformed(&e))?;
                Ok(WebhookReply { received: Received::Challenge, body })
            }
            Envelope::Event { header, token, event } => {
                // Only the challenge may come unsigned, or in plain text, when there is a key.
                if plain_despite_key {
                    return Err(ReceiveError::Encryption(
                        "an Encrypt Key is set, and the event is not encrypted",
                    ));
                }
                if self.encrypt_key.is_some() && signed != Some(Signing::Event) {
                    return Err(ReceiveError::MissingSignature);
                }
                self.check_token(token.as_ref())?;
                self.dispatch(header, event).await
            }
            Envelope::OldCard { tenant_key, payload } => {
                // Documented in plain text; the official SDKs also take it encrypted. Either
                // way it is signed with the verification token, which it needs.
                if signed != Some(Signing::OldCard) {
                    return Err(ReceiveError::MissingSignature);
                }
                // `X-Refresh-Token` stays the same across redeliveries of one click.
                let event_id = headers
                    .get(REFRESH_TOKEN)
                    .and_then(|v| v.to_str().ok())
                    .filter(|v| !v.is_empty())
                    .map_or_else(|| hex(&Sha256::digest(payload.get())), str::to_owned);
                let header = EventHeader {
                    event_id,
                    event_type: OLD_CARD_TYPE.to_owned(),
                    create_time: None,
                    app_id: String::new(),
                    tenant_key,
                };
                self.dispatch(header, payload).await
            }
        }
    }

    async fn dispatch(
        &self,
        header: EventHeader,
        event: &RawValue,
    ) -> Result<WebhookReply, ReceiveError> {
        let (received, body) = match self.dispatcher.dispatch(header, event).await? {
            Outcome::Acked => (Received::Event, ACK.to_vec()),
            Outcome::Duplicate => (Received::Duplicate, ACK.to_vec()),
            Outcome::Answered(answer) => {
                (Received::Callback, answer.unwrap_or_else(|| b"{}".to_vec()))
            }
            Outcome::Repeated(answer) => {
                (Received::RepeatedCallback, answer.unwrap_or_else(|| b"{}".to_vec()))
            }
        };
        Ok(WebhookReply { received, body })
    }

    /// How the request is signed, when it carries a signature: with the Encrypt Key (within the
    /// timestamp window), or with the verification token (an old-style card callback, whose
    /// timestamp the official SDKs do not read). A signature that matches neither is refused
    /// when an Encrypt Key is set.
    fn check_signature(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Signing>, ReceiveError> {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let (Some(timestamp), Some(nonce), Some(signature)) =
            (header(TIMESTAMP), header(NONCE), header(SIGNATURE))
        else {
            return Ok(None);
        };
        let matches =
            |signing, secret| signature_matches(signing, signature, timestamp, nonce, secret, body);
        if let Some(token) = &self.verification_token
            && matches(Signing::OldCard, token)
        {
            return Ok(Some(Signing::OldCard));
        }
        let Some(key) = &self.encrypt_key else { return Ok(None) };
        if !matches(Signing::Event, key) {
            return Err(ReceiveError::BadSignature);
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let sent: u64 = timestamp.trim().parse().map_err(|_| ReceiveError::BadSignature)?;
        let skew = now.abs_diff(sent);
        if skew > self.timestamp_window.as_secs() {
            return Err(ReceiveError::StaleTimestamp { skew_seconds: skew });
        }
        Ok(Some(Signing::Event))
    }

    fn check_token(&self, token: Option<&Secret>) -> Result<(), ReceiveError> {
        match (&self.verification_token, token) {
            (None, _) => Ok(()),
            (Some(expected), Some(given)) if same_secret(given.expose(), expected) => Ok(()),
            (Some(_), _) => Err(ReceiveError::BadToken),
        }
    }
}

/// The body that acknowledges an event.
const ACK: &[u8] = br#"{"msg":"success"}"#;
