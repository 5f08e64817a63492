//! The long connection (长连接): events and card callbacks over a WebSocket the app opens to
//! Feishu. See [`LongConnection`].

pub(crate) mod client;
pub(crate) mod endpoint;
pub(crate) mod error;
mod fragments;
pub mod frame;
pub(crate) mod status;

use std::pin::Pin;

use bytes::Bytes;

pub(crate) use error::DeliveryError;

/// What a delivery over the long connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameKind {
    /// An event (`type: event`), such as `im.message.receive_v1`.
    Event,
    /// A card callback (`type: card`), such as `card.action.trigger`, whose answer (a toast,
    /// a card) the handler returns.
    Card,
}

impl FrameKind {
    /// The `type` header of frames of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameKind::Event => frame::TYPE_EVENT,
            FrameKind::Card => frame::TYPE_CARD,
        }
    }

    pub(crate) fn from_header(value: &str) -> Option<FrameKind> {
        match value {
            frame::TYPE_EVENT => Some(FrameKind::Event),
            frame::TYPE_CARD => Some(FrameKind::Card),
            _ => None,
        }
    }
}

/// The future a [`DeliveryHandler`] returns.
pub type DeliveryFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Vec<u8>>, DeliveryError>> + Send + 'a>>;

/// Handles each complete delivery.
///
/// `payload` is the plaintext envelope JSON. The returned bytes, if any, are the ack's `data`
/// (a callback's answer, e.g. a card callback's toast). An error acks with code 500.
///
/// Deliveries are handled concurrently, each in a task of its own. Feishu expects the answer
/// within 3 seconds (a card callback unanswered by then shows the user error `200340`), so a
/// handler that has longer work to do should hand it off and return.
///
/// Closures `Fn(FrameKind, Bytes) -> impl Future<Output = Result<Option<Vec<u8>>, DeliveryError>>`
/// are handlers.
pub trait DeliveryHandler: Send + Sync + 'static {
    /// Handles one delivery.
    fn handle(&self, kind: FrameKind, payload: Bytes) -> DeliveryFuture<'_>;
}

impl<F, Fut> DeliveryHandler for F
where
    F: Fn(FrameKind, Bytes) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Vec<u8>>, DeliveryError>> + Send + 'static,
{
    fn handle(&self, kind: FrameKind, payload: Bytes) -> DeliveryFuture<'_> {
        Box::pin(self(kind, payload))
    }
}
