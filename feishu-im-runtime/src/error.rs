//! The one error type of the client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::{Code, CodeInfo, ErrorCatalog};

/// Everything that can go wrong with a call.
///
/// `C` is the type of the error codes: the generated `ErrorCode` of the spec, which the
/// generated crate names in its own `Error` alias, or [`Code`] where no catalog applies.
///
/// Cloning is cheap: an error can be kept and also shown to whoever watches (the status of a
/// long connection, say).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error<C: CodeInfo = Code> {
    /// Feishu answered with a non-zero `code`.
    #[error(transparent)]
    Api(Box<ApiError<C>>),
    /// A token could not be obtained.
    #[error(transparent)]
    Auth(Box<AuthError<C>>),
    /// The request was rejected before sending.
    #[error(transparent)]
    InvalidRequest(InvalidRequest),
    /// The response could not be decoded (HTML error page, truncated JSON, wrong shape).
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request or the connection ran out of time.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// The connection failed or broke.
    #[error(transparent)]
    Transport(TransportError),
    /// The client's configuration is not usable ([`ClientBuilder::build`](crate::ClientBuilder::build)).
    #[error(transparent)]
    Config(ConfigError),
    /// The long connection could not be opened (feature `long-connection`).
    #[cfg(feature = "long-connection")]
    #[error(transparent)]
    LongConnection(Box<crate::receive::LongConnectionError>),
}

impl<C: CodeInfo> Error<C> {
    /// The error code, for API and auth errors.
    pub fn code(&self) -> Option<C> {
        match self {
            Error::Api(e) => Some(e.code),
            Error::Auth(e) => e.code,
            _ => None,
        }
    }

    /// Feishu's log id (`X-Tt-Logid`), which Feishu support asks for.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.log_id.as_deref(),
            Error::Auth(e) => e.log_id.as_deref(),
            Error::Decode(e) => e.log_id.as_deref(),
            #[cfg(feature = "long-connection")]
            Error::LongConnection(e) => e.log_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of the response, if one arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.http_status),
            Error::Auth(e) => e.http_status,
            Error::Decode(e) => Some(e.http_status),
            #[cfg(feature = "long-connection")]
            Error::LongConnection(e) => e.http_status,
            _ => None,
        }
    }

    /// Whether sending the same request again later may succeed: rate limits, timeouts,
    /// transport failures and 5xx responses.
    pub fn is_retryable(&self) -> bool {
        self.should_retry(true)
    }

    /// Whether the client retries this failure: rate limits always; 5xx, timeouts and
    /// transport failures only when sending again is `safe` (an idempotent request or a token
    /// fetch).
    pub(crate) fn should_retry(&self, safe: bool) -> bool {
        match self {
            _ if self.is_rate_limited() => true,
            Error::Api(_) | Error::Decode(_) => {
                safe && self.http_status().is_some_and(|status| status >= 500)
            }
            Error::Timeout(_) | Error::Transport(_) => safe,
            Error::Auth(_) | Error::InvalidRequest(_) | Error::Config(_) => false,
            #[cfg(feature = "long-connection")]
            Error::LongConnection(e) => e.is_retryable(),
        }
    }

    /// The whole call ran out of its [`RetryPolicy::max_elapsed`](crate::RetryPolicy).
    pub(crate) fn call_timeout(operation: &'static str, limit: Duration) -> Self {
        let text =
            format!("the call did not finish within {limit:?}, the retry policy's max_elapsed");
        Error::Timeout(TimeoutError { operation, source_text: text, source: None })
    }

    /// The same error with its code typed by another catalog.
    pub(crate) fn recode<D: CodeInfo>(self, recode: impl FnOnce(C) -> D) -> Error<D> {
        match self {
            Error::Api(e) => {
                let ApiError { operation, code, msg, http_status, log_id, retry_after, detail } =
                    *e;
                let code = recode(code);
                Error::Api(Box::new(ApiError {
                    operation,
                    code,
                    msg,
                    http_status,
                    log_id,
                    retry_after,
                    detail,
                }))
            }
            Error::Auth(e) => {
                let AuthError { kind, code, msg, http_status, log_id } = *e;
                let code = code.map(recode);
                Error::Auth(Box::new(AuthError { kind, code, msg, http_status, log_id }))
            }
            Error::InvalidRequest(e) => Error::InvalidRequest(e),
            Error::Decode(e) => Error::Decode(e),
            Error::Timeout(e) => Error::Timeout(e),
            Error::Transport(e) => Error::Transport(e),
            Error::Config(e) => Error::Config(e),
            #[cfg(feature = "long-connection")]
            Error::LongConnection(e) => Error::LongConnection(e),
        }
    }

    /// How long the server asked to wait (`x-ogw-ratelimit-reset` or `Retry-After`), for rate-limit errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after,
            Error::Decode(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether this is a rate limit: HTTP 429 at any body, `99991400`, or a code the spec
    /// classes as a rate limit (`232019`).
    pub fn is_rate_limited(&self) -> bool {
        match self {
            Error::Api(e) => e.is_rate_limited(),
            Error::Decode(e) => e.http_status == 429,
            _ => false,
        }
    }

    /// An [`Error::InvalidRequest`]: a request to `operation` refused before sending, for `reason`.
    pub fn invalid(operation: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidRequest(InvalidRequest { operation, reason: reason.into() })
    }

    /// A download longer than the cap, refused without reading the rest.
    pub(crate) fn too_large_download(operation: &'static str, http_status: u16, cap: u64) -> Self {
        Error::Decode(Box::new(DecodeError {
            operation,
            http_status,
            log_id: None,
            reason: format!("the download is larger than {cap} bytes, the most Feishu serves"),
            body_snippet: String::new(),
            retry_after: None,
        }))
    }
}

/// A long connection that could not open or stopped, as the error of a call.
#[cfg(feature = "long-connection")]
impl<C: CodeInfo> From<crate::receive::LongConnectionError> for Error<C> {
    fn from(error: crate::receive::LongConnectionError) -> Self {
        Error::LongConnection(Box::new(error))
    }
}

/// A client configuration that cannot be used, as the error of a call.
impl<C: CodeInfo> From<ConfigError> for Error<C> {
    fn from(error: ConfigError) -> Self {
        Error::Config(error)
    }
}

/// Errors typed by a catalog: an untyped one converts with `?`.
impl<C: ErrorCatalog> From<Error<Code>> for Error<C> {
    fn from(error: Error<Code>) -> Self {
        error.recode(|code| C::from_code(code.code()))
    }
}

/// A non-zero `code` from Feishu.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError<C: CodeInfo = Code> {
    /// The operation, `chat_members.me_join`.
    pub operation: &'static str,
    /// The code, as a typed variant (the catalog keeps codes it does not describe).
    pub code: C,
    /// The `msg` the server sent.
    pub msg: String,
    /// HTTP status.
    pub http_status: u16,
    /// `X-Tt-Logid` (or `X-Request-Id`).
    pub log_id: Option<String>,
    /// How long to wait before retrying, from `x-ogw-ratelimit-reset` or `Retry-After`.
    pub retry_after: Option<Duration>,
    /// The `error` detail object, when the server sent one.
    pub detail: ErrorDetail,
}

impl<C: CodeInfo> ApiError<C> {
    /// Whether this is a rate limit (HTTP 429, `99991400`, or a code the spec classes so).
    pub fn is_rate_limited(&self) -> bool {
        self.http_status == 429 || self.code.retry_class() == crate::RetryClass::RateLimit
    }
}

impl<C: CodeInfo> std::error::Error for ApiError<C> {}

impl<C: CodeInfo> fmt::Display for ApiError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed with code {}: {} (HTTP {}",
            self.operation,
            CodeInfo::code(self.code),
            self.msg,
            self.http_status
        )?;
        if let Some(log_id) = &self.log_id {
            write!(f, ", log id {log_id}")?;
        }
        f.write_str(")")?;
        if let Some(hint) = self.code.hint() {
            write!(f, "; hint: {hint}")?;
        }
        if let Some(url) = &self.detail.troubleshooter {
            write!(f, "; troubleshooter: {url}")?;
        }
        Ok(())
    }
}

/// The optional `error` object of a failed response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Link to Feishu's troubleshooting page for this failure.
    #[serde(default)]
    pub troubleshooter: Option<String>,
    /// A longer message.
    #[serde(default)]
    pub message: Option<String>,
    /// Scopes the app or token lacks.
    #[serde(default)]
    pub permission_violations: Vec<PermissionViolation>,
    /// Request fields that failed validation.
    #[serde(default)]
    pub field_violations: Vec<FieldViolation>,
    /// Further help links.
    #[serde(default)]
    pub helps: Vec<Help>,
}

/// A missing permission.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct PermissionViolation {
    /// Kind of violation.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The scope.
    #[serde(default)]
    pub subject: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A request field that failed validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct FieldViolation {
    /// The field.
    #[serde(default)]
    pub field: Option<String>,
    /// The value sent.
    #[serde(default)]
    pub value: Option<String>,
    /// What is wrong.
    #[serde(default)]
    pub description: Option<String>,
}

impl FieldViolation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        FieldViolation {
            field: Some(field.into()),
            value: None,
            description: Some(description.into()),
        }
    }

    /// With the offending value.
    pub fn with_value(self, value: &str) -> Self {
        FieldViolation { value: Some(value.to_owned()), ..self }
    }
}

/// A help link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Help {
    /// Link.
    #[serde(default)]
    pub url: Option<String>,
    /// What it explains.
    #[serde(default)]
    pub description: Option<String>,
}

/// Why a token could not be obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// Feishu refused the token request (wrong app id or secret, say).
    TokenRequestRejected,
    /// A store app has no `app_ticket` yet; see [`Client::resend_app_ticket`](crate::Client::resend_app_ticket).
    MissingAppTicket,
    /// The client has no credentials for the token the endpoint needs.
    NoCredentials,
}

/// A token could not be obtained.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthError<C: CodeInfo = Code> {
    /// What went wrong.
    pub kind: AuthErrorKind,
    /// Feishu's code, when Feishu answered.
    pub code: Option<C>,
    /// Feishu's msg, or a description.
    pub msg: String,
    /// HTTP status, when Feishu answered.
    pub http_status: Option<u16>,
    /// Log id, when Feishu answered.
    pub log_id: Option<String>,
}

impl<C: CodeInfo> std::error::Error for AuthError<C> {}

impl<C: CodeInfo> fmt::Display for AuthError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("authentication failed: ")?;
        if let Some(code) = self.code {
            write!(f, "code {code}: ")?;
        }
        f.write_str(&self.msg)?;
        if let Some(log_id) = &self.log_id {
            write!(f, " (log id {log_id})")?;
        }
        if let Some(hint) = self.code.and_then(C::hint) {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

/// A request rejected before sending.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid request to {operation}: {reason}")]
#[non_exhaustive]
pub struct InvalidRequest {
    /// The operation.
    pub operation: &'static str,
    /// What is wrong.
    pub reason: String,
}

/// A response that could not be decoded.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation.
    pub operation: &'static str,
    /// HTTP status.
    pub http_status: u16,
    /// Log id, if the response carried one.
    pub log_id: Option<String>,
    /// What failed.
    pub reason: String,
    /// The start of the body (at most 512 bytes), to see what came back.
    pub body_snippet: String,
    /// How long to wait before retrying, from `x-ogw-ratelimit-reset` or `Retry-After`.
    pub retry_after: Option<Duration>,
}

impl std::error::Error for DecodeError {}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: undecodable response (HTTP {}", self.operation, self.http_status)?;
        if let Some(log_id) = &self.log_id {
            write!(f, ", log id {log_id}")?;
        }
        write!(f, "): {}", self.reason)?;
        if !self.body_snippet.is_empty() {
            write!(f, "; body starts with: {:?}", self.body_snippet)?;
        }
        Ok(())
    }
}

/// The request ran out of time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: timed out ({source_text})")]
#[non_exhaustive]
pub struct TimeoutError {
    /// The operation.
    pub operation: &'static str,
    /// What timed out.
    pub source_text: String,
    /// The transport's own error, through [`std::error::Error::source`].
    #[source]
    pub(crate) source: Option<Arc<reqwest::Error>>,
}

/// A client could not be built from its configuration.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid client configuration: {reason}")]
#[non_exhaustive]
pub struct ConfigError {
    /// What is wrong, for example a base URL that is neither HTTPS nor loopback HTTP.
    pub reason: String,
}

/// The connection failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: transport error: {source}")]
#[non_exhaustive]
pub struct TransportError {
    /// The operation.
    pub operation: &'static str,
    /// The underlying error, through [`std::error::Error::source`]: the transport's error type
    /// is not part of this crate's API.
    #[source]
    pub(crate) source: Arc<reqwest::Error>,
}

/// The error of a request that failed in the transport: a timeout, or another failure.
pub(crate) fn transport(operation: &'static str, error: reqwest::Error) -> Error {
    if error.is_timeout() {
        Error::Timeout(TimeoutError {
            operation,
            source_text: error.to_string(),
            source: Some(Arc::new(error)),
        })
    } else {
        Error::Transport(TransportError { operation, source: Arc::new(error) })
    }
}

/// At most `max` bytes of `body`, cut at a character boundary.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
    text.trim_end_matches('\u{FFFD}').to_owned()
}
