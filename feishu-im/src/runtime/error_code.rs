//! What the spec says about each error code, and how the client reacts to it.

use crate::ErrorCode;

/// How the client reacts to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// Returned to the caller.
    Never,
    /// Rate limited: wait, then retry.
    RateLimit,
    /// The app or tenant token is stale: fetch a new one and retry once. User tokens are the
    /// caller's to refresh, so for them this is returned to the caller.
    RefreshToken,
}

/// The spec's description of one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorSpec {
    /// Numeric code.
    pub code: i64,
    /// HTTP status the documentation gives.
    pub http_status: u16,
    /// `msg` as the server sends it.
    pub message: &'static str,
    /// What to check, in English.
    pub hint: &'static str,
    /// The documentation's troubleshooting hint (排查建议), where it gives one.
    pub hint_zh: Option<&'static str>,
    /// How the client reacts.
    pub retry: RetryClass,
}

impl ErrorCode {
    /// The documented `msg`, or `None` for codes the spec does not describe.
    pub fn message(self) -> Option<&'static str> {
        self.spec().map(|s| s.message)
    }

    /// What to check, in English.
    pub fn hint(self) -> Option<&'static str> {
        self.spec().map(|s| s.hint)
    }

    /// The Chinese troubleshooting hint (排查建议) of the documentation.
    pub fn hint_zh(self) -> Option<&'static str> {
        self.spec().and_then(|s| s.hint_zh)
    }

    /// The HTTP status the documentation gives for this code.
    pub fn http_status(self) -> Option<u16> {
        self.spec().map(|s| s.http_status)
    }

    /// How the client reacts to this code; unknown codes are not retried.
    pub fn retry_class(self) -> RetryClass {
        self.spec().map_or(RetryClass::Never, |s| s.retry)
    }
}

impl From<i64> for ErrorCode {
    fn from(code: i64) -> Self {
        ErrorCode::from_code(code)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code())
    }
}
