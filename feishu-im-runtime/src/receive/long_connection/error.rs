//! Why the long connection could not be opened, and the error a delivery handler returns.

use std::fmt;
use std::sync::Arc;

/// What kept the long connection from opening: the code of the endpoint request or of the
/// WebSocket handshake, or a broken connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LongConnectionErrorKind {
    /// Code `1` or an HTTP error status: Feishu is busy. Retryable.
    SystemBusy,
    /// Code `1000040343`: an internal error of Feishu. Retryable.
    InternalError,
    /// Code `403`: the app may not open long connections.
    Forbidden,
    /// Code `514`: the app id or secret is wrong.
    AuthFailed,
    /// Code `1000040350`: the app has its 50 connections open already. Retryable once another
    /// connection of the app closes.
    ConnectionLimit,
    /// Code `1000040351`: the app belongs to the other platform (a Lark app dialing Feishu,
    /// or the reverse); see [`Platform`](crate::Platform).
    IncorrectDomain,
    /// Another non-zero code. Retryable: Feishu names its permanent refusals.
    Rejected,
    /// The endpoint answer was not usable: not JSON (an HTML page), no code, no `data`, no
    /// URL, or a URL of another scheme. Retryable.
    InvalidEndpoint,
    /// The WebSocket handshake was refused without a code this enum names.
    HandshakeRefused,
    /// The WebSocket connection could not be opened, or broke (closed, unreadable, or silent
    /// for a whole ping interval), or the endpoint request failed in the transport.
    Connect,
    /// The endpoint request ran out of time.
    Timeout,
    /// The builder's settings are not usable: a base URL that is neither HTTPS nor loopback
    /// HTTP, or an HTTP client that cannot start.
    InvalidConfig,
}

/// The long connection could not be opened, or stopped. With `?`, it becomes an
/// [`Error::LongConnection`](crate::Error::LongConnection).
///
/// It never holds the app secret, nor the WebSocket URL (whose query carries a ticket).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LongConnectionError {
    /// What went wrong.
    pub kind: LongConnectionErrorKind,
    /// Feishu's code: the endpoint's `code`, or the handshake's `Handshake-Status` (and, for
    /// auth failures, `Handshake-Autherrcode`).
    pub code: Option<i64>,
    /// Feishu's `msg` (or `Handshake-Msg`), or a description.
    pub msg: String,
    /// The HTTP status of the endpoint request or of the refused handshake.
    pub http_status: Option<u16>,
    /// Feishu's log id (`X-Tt-Logid`) of the endpoint answer, if it had one.
    pub log_id: Option<String>,
    /// The WebSocket library's error, through [`std::error::Error::source`].
    pub(crate) source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl LongConnectionError {
    pub(crate) fn new(kind: LongConnectionErrorKind, msg: impl Into<String>) -> Self {
        LongConnectionError {
            kind,
            code: None,
            msg: msg.into(),
            http_status: None,
            log_id: None,
            source: None,
        }
    }

    /// A failure of the endpoint request in the transport: a timeout, or a connection that
    /// failed.
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        let kind = if error.is_timeout() {
            LongConnectionErrorKind::Timeout
        } else {
            LongConnectionErrorKind::Connect
        };
        let mut failure = LongConnectionError::new(kind, "the endpoint request failed");
        failure.source = Some(Arc::new(error));
        failure
    }

    /// The kind of an endpoint or handshake code.
    pub(crate) fn kind_of(code: i64) -> LongConnectionErrorKind {
        match code {
            1 => LongConnectionErrorKind::SystemBusy,
            403 => LongConnectionErrorKind::Forbidden,
            514 => LongConnectionErrorKind::AuthFailed,
            1_000_040_343 => LongConnectionErrorKind::InternalError,
            1_000_040_350 => LongConnectionErrorKind::ConnectionLimit,
            1_000_040_351 => LongConnectionErrorKind::IncorrectDomain,
            _ => LongConnectionErrorKind::Rejected,
        }
    }

    /// Whether Feishu refused the app for good: a wrong app id or secret
    /// ([`AuthFailed`](LongConnectionErrorKind::AuthFailed)), an app that may not open long
    /// connections ([`Forbidden`](LongConnectionErrorKind::Forbidden)), or an app of the other
    /// platform ([`IncorrectDomain`](LongConnectionErrorKind::IncorrectDomain)). Only these
    /// end a long connection; the official Go and Node clients also retry everything else.
    pub fn is_permanent(&self) -> bool {
        use LongConnectionErrorKind::*;
        match self.kind {
            Forbidden | AuthFailed | IncorrectDomain | InvalidConfig => true,
            SystemBusy | InternalError | ConnectionLimit | Connect | Timeout | HandshakeRefused
            | Rejected | InvalidEndpoint => false,
        }
    }

    /// Whether opening the connection again later may succeed: whatever is not
    /// [permanent](Self::is_permanent).
    pub fn is_retryable(&self) -> bool {
        !self.is_permanent()
    }
}

impl fmt::Display for LongConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("long connection: ")?;
        if let Some(code) = self.code {
            write!(f, "code {code}: ")?;
        }
        f.write_str(&self.msg)?;
        match (self.http_status, &self.log_id) {
            (Some(status), Some(log_id)) => write!(f, " (HTTP {status}, log id {log_id})")?,
            (Some(status), None) => write!(f, " (HTTP {status})")?,
            (None, Some(log_id)) => write!(f, " (log id {log_id})")?,
            (None, None) => {}
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LongConnectionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A [`DeliveryHandler`](super::DeliveryHandler) failed: the delivery is acknowledged with
/// code 500.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeliveryError {
    msg: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DeliveryError {
    /// A failure described by `msg`.
    pub fn new(msg: impl Into<String>) -> Self {
        DeliveryError { msg: msg.into(), source: None }
    }

    /// A failure caused by `error`, kept as the [`source`](std::error::Error::source).
    pub fn from_error(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        DeliveryError { msg: error.to_string(), source: Some(Box::new(error)) }
    }

    /// The description.
    pub fn message(&self) -> &str {
        &self.msg
    }
}

impl fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for DeliveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for DeliveryError {
    fn from(msg: String) -> Self {
        DeliveryError::new(msg)
    }
}

impl From<&str> for DeliveryError {
    fn from(msg: &str) -> Self {
        DeliveryError::new(msg)
    }
}
