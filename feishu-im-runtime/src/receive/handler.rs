//! What the app writes: a [`Handler`] for each delivery, and its [`Reply`].

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::receive::EventHeader;

/// A verified, decoded delivery: the event and its header.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivery<E> {
    /// Who the event is for and when it happened.
    pub header: EventHeader,
    /// The event, typed by its `header.event_type`.
    pub event: E,
}

/// What a handler answers: nothing for an event, the answer's body for a callback.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    body: Option<Vec<u8>>,
}

impl Reply {
    /// Handled, nothing to answer: what events reply.
    pub fn ack() -> Reply {
        Reply { body: None }
    }

    /// A callback's answer (`CardActionTriggerResponse`, …), as JSON.
    ///
    /// # Errors
    ///
    /// When the value cannot be written as JSON (a map with non-string keys).
    pub fn answer(answer: &impl Serialize) -> Result<Reply, serde_json::Error> {
        Ok(Reply { body: Some(serde_json::to_vec(answer)?) })
    }

    /// The answer's JSON, if any.
    pub fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    pub(crate) fn into_body(self) -> Option<Vec<u8>> {
        self.body
    }
}

/// Why a handler failed; logged, and for a callback answered with HTTP 500.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// The future a handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Reply, HandlerError>> + Send>>;

/// Handles deliveries of the events `E`. Any
/// `Fn(Delivery<E>) -> impl Future<Output = Result<Reply, HandlerError>>` is one.
///
/// Events are acknowledged before their handler runs, so a slow handler never makes Feishu
/// re-deliver (it does after 3 s). Callbacks wait for their handler, which must answer within
/// 3 s: start longer work on a task of its own and update the card later.
pub trait Handler<E>: Send + Sync + 'static {
    /// Handles one delivery.
    fn handle(&self, delivery: Delivery<E>) -> HandlerFuture;
}

impl<E, F, Fut> Handler<E> for F
where
    F: Fn(Delivery<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Reply, HandlerError>> + Send + 'static,
{
    fn handle(&self, delivery: Delivery<E>) -> HandlerFuture {
        Box::pin(self(delivery))
    }
}
