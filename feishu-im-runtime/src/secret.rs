//! Secrets that never show in `Debug`, `Display`, logs or errors.

use std::fmt;
use std::sync::Arc;

/// A secret string (app secret, app ticket, access token). Cloning is cheap; formatting
/// prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret value. Call only where it is sent to Feishu.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// A `user_access_token` obtained by the caller through the OAuth flow.
///
/// The client never refreshes it: when Feishu rejects it, the error goes back to the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct UserAccessToken(pub(crate) Secret);

impl UserAccessToken {
    /// Wraps a user token (`u-…`).
    pub fn new(token: impl Into<String>) -> Self {
        UserAccessToken(Secret::new(token))
    }
}

impl fmt::Debug for UserAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserAccessToken(***)")
    }
}
