//! The hand-written runtime under a client generated from a Feishu spec (`feishu-im`):
//! transport, the call loop, tokens, retries, rate limits, typed errors, shared state and the
//! receiving core (webhook, long connection, dedup).
//!
//! It names no generated item. Generated code plugs into it through [`operation`]
//! ([`Operation`](operation::Operation) for each endpoint), [`ErrorCatalog`] for the spec's
//! error codes and [`receive::EventSet`] for the spec's events; the generated crate re-exports
//! these types specialised to its own codes and events, so applications name them from there.
//! Any spec's generated code compiles against it.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod call;
mod client;
mod count;
mod credentials;
mod download;
mod error;
mod error_catalog;
mod http_client;
mod ids;
mod json_object;
mod limiter;
mod message_text;
pub mod operation;
mod paged;
mod pager;
pub mod platform;
pub mod receive;
pub(crate) mod redact;
#[cfg(feature = "redis")]
mod redis_store;
mod response;
mod retry;
mod secret;

mod store;
pub mod timestamp;
mod token;
mod unknown;
mod upload;
pub(crate) mod wire;

pub use base_url::Platform;
pub use call::Call;
pub use client::{Caller, Client, ClientBuilder};
pub use count::Count;
pub use credentials::Credentials;
pub use download::{Download, MAX_DOWNLOAD_BYTES};
pub use error::{
    ApiError, AuthError, AuthErrorKind, ConfigError, DecodeError, Error, ErrorDetail,
    FieldViolation, Help, InvalidRequest, PermissionViolation, TimeoutError, TransportError,
};
pub use error_catalog::{Code, CodeInfo, ErrorCatalog, ErrorSpec, RetryClass};
pub use message_text::MessageText;
pub use pager::Pager;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub use retry::RetryPolicy;
pub use secret::{Secret, UserAccessToken};
pub use store::{
    MemoryStore, RateLimitStore, StoreError, StoreFuture, StoreLock, StoredToken, TokenStore,
};
pub use timestamp::{Timestamp, UnixMillis, UnixSeconds};
pub use unknown::{UnknownCode, UnknownContent, UnknownEvent, UnknownInteger, UnknownValue};
pub use upload::FileUpload;
