//! Receiving events and callbacks: the webhook, deduplication and dispatch to the app's
//! handler. The typed events themselves are in [`crate::events`].
//!
//! ```no_run
//! use feishu_im::events::Event;
//! use feishu_im::receive::{Delivery, Dispatcher, HandlerError, Reply, Webhook};
//!
//! async fn on_delivery(delivery: Delivery) -> Result<Reply, HandlerError> {
//!     if let Event::MessageReceiveV1(received) = &delivery.event {
//!         println!("message {}", received.message.message_id);
//!     }
//!     Ok(Reply::ack())
//! }
//!
//! let webhook = Webhook::builder(Dispatcher::builder(on_delivery).build())
//!     .verification_token("v-token")
//!     .encrypt_key("encrypt-key")
//!     .build();
//! // In any HTTP server: `webhook.handle(&headers, &body).await` gives the answer, or an
//! // error whose `status()` to answer with.
//! # drop(webhook);
//! ```

#[cfg(feature = "axum")]
mod axum;
mod crypto;
mod dedup;
mod dispatcher;
mod envelope;
mod error;
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

#[cfg(feature = "fake")]
pub(crate) use crypto::{Signing, encrypt, signature};
