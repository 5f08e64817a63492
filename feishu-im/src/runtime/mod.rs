//! The hand-written runtime: client, tokens, retries, errors and the traits generated code
//! implements. It names one generated item, [`ErrorCode`](crate::ErrorCode), through
//! `ErrorCode::from_code`, `code` and `spec`; everything else flows from generated code to
//! the runtime through [`operation`]. Any spec's generated code compiles against it.

mod base_url;
mod builder;
mod call;
mod client;
mod count;
mod credentials;
mod download;
mod error;
mod error_code;
mod json_object;
mod limiter;
mod message_text;
pub mod operation;
mod paged;
mod pager;
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
pub use error_code::{ErrorSpec, RetryClass};
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
