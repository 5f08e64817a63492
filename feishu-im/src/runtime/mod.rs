//! The hand-written runtime: client, tokens, retries, errors and the traits generated code
//! implements. It names one generated item, [`ErrorCode`](crate::ErrorCode), through
//! `ErrorCode::from_code`, `code` and `spec`; everything else flows from generated code to
//! the runtime through [`operation`]. Any spec's generated code compiles against it.

mod base_url;
mod client;
mod credentials;
mod download;
mod error;
mod error_code;
mod limiter;
#[cfg(feature = "long-connection")]
pub(crate) mod long_connection;
mod message_text;
pub mod operation;
mod pager;
mod response;
mod retry;
mod secret;
pub mod timestamp;
mod token;
mod unknown;
mod upload;
mod wire;

pub use base_url::Platform;
pub use client::{Caller, Client, ClientBuilder};
pub use credentials::Credentials;
pub use download::{Download, MAX_DOWNLOAD_BYTES};
pub use error::{
    ApiError, AuthError, AuthErrorKind, ConfigError, DecodeError, Error, ErrorDetail,
    FieldViolation, Help, InvalidRequest, PermissionViolation, TimeoutError, TransportError,
};
pub use error_code::{ErrorSpec, RetryClass};
#[cfg(feature = "long-connection")]
pub use long_connection::client::{LongConnection, LongConnectionBuilder, LongConnectionHandle};
#[cfg(feature = "long-connection")]
pub use long_connection::error::{HandlerError, LongConnectionError, LongConnectionErrorKind};
#[cfg(feature = "long-connection")]
pub use long_connection::{DeliveryFuture, DeliveryHandler, FrameKind};
pub use message_text::MessageText;
pub use pager::Pager;
pub use retry::RetryPolicy;
pub use secret::{Secret, UserAccessToken};
pub use timestamp::{Timestamp, UnixMillis, UnixSeconds};
pub use unknown::{UnknownCode, UnknownContent, UnknownInteger, UnknownValue};
pub use upload::FileUpload;
