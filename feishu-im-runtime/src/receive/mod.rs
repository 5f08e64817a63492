//! Receiving events and callbacks: the webhook, deduplication and dispatch to the app's
//! handler, and the long connection.
//!
//! Deliveries decode to the events `E` of a spec ([`EventSet`], the generated `Event` enum):
//! the generated crate's own `receive` module names [`Dispatcher`], [`Delivery`] and
//! [`Webhook`] with its events filled in.

#[cfg(feature = "axum")]
mod axum;
pub(crate) mod crypto;
mod dedup;
mod dispatcher;
mod envelope;
mod error;
mod event_set;
mod handler;
#[cfg(feature = "long-connection")]
pub(crate) mod long_connection;
#[cfg(feature = "webhook-server")]
mod serve;
mod webhook;

#[cfg(feature = "axum")]
pub use axum::axum_route;
pub use dedup::{Dedup, DedupError, DedupFuture, MemoryDedup};
pub use dispatcher::{DEFAULT_CALLBACK_DEADLINE, DEFAULT_DEDUP_TTL, Dispatcher, DispatcherBuilder};
pub use envelope::EventHeader;
pub use error::ReceiveError;
pub use event_set::EventSet;
pub use handler::{Delivery, Handler, HandlerError, HandlerFuture, Reply};
#[cfg(feature = "webhook-server")]
pub use serve::serve;
pub use webhook::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMESTAMP_WINDOW, Received, Webhook, WebhookBuilder,
    WebhookReply,
};

#[cfg(feature = "long-connection")]
pub use long_connection::client::{LongConnection, LongConnectionBuilder, LongConnectionHandle};
#[cfg(feature = "long-connection")]
pub use long_connection::error::{DeliveryError, LongConnectionError, LongConnectionErrorKind};
#[cfg(feature = "long-connection")]
pub use long_connection::status::ConnectionStatus;
#[cfg(feature = "long-connection")]
pub use long_connection::{DeliveryFuture, DeliveryHandler, FrameKind};
