//! How a client obtains the tokens it sends.

use std::fmt;

use crate::Secret;

/// The credentials of a [`Client`](crate::Client). Every client keeps its own token cache;
/// clients share tokens only through a shared
/// [`token_store`](crate::ClientBuilder::token_store).
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// A custom (self-built, 自建) app: `tenant_access_token/internal` and
    /// `app_access_token/internal` are fetched from the app id and secret.
    CustomApp {
        /// The app id (`cli_…`).
        app_id: String,
        /// The app secret.
        app_secret: Secret,
    },
    /// A store (isv, 商店) app: the `app_access_token` needs the `app_ticket` that Feishu pushes
    /// to the app by event, handed over with [`Client::set_app_ticket`](crate::Client::set_app_ticket);
    /// tenant tokens are fetched per `tenant_key` through [`Client::for_tenant`](crate::Client::for_tenant).
    StoreApp {
        /// The app id (`cli_…`).
        app_id: String,
        /// The app secret.
        app_secret: Secret,
    },
    /// A fixed `tenant_access_token` supplied by the caller; never refreshed.
    TenantToken(Secret),
    /// No app credentials: every call must go through [`Client::as_user`](crate::Client::as_user).
    None,
}

impl Credentials {
    /// A custom app.
    pub fn custom_app(app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Credentials::CustomApp { app_id: app_id.into(), app_secret: Secret::new(app_secret) }
    }

    /// A store (isv) app.
    pub fn store_app(app_id: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Credentials::StoreApp { app_id: app_id.into(), app_secret: Secret::new(app_secret) }
    }

    /// A fixed tenant token.
    pub fn tenant_token(token: impl Into<String>) -> Self {
        Credentials::TenantToken(Secret::new(token))
    }

    pub(crate) fn app(&self) -> Option<(&str, &Secret)> {
        match self {
            Credentials::CustomApp { app_id, app_secret }
            | Credentials::StoreApp { app_id, app_secret } => Some((app_id, app_secret)),
            _ => None,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::CustomApp { app_id, .. } => f
                .debug_struct("CustomApp")
                .field("app_id", app_id)
                .field("app_secret", &"***")
                .finish(),
            Credentials::StoreApp { app_id, .. } => f
                .debug_struct("StoreApp")
                .field("app_id", app_id)
                .field("app_secret", &"***")
                .finish(),
            Credentials::TenantToken(_) => f.write_str("TenantToken(***)"),
            Credentials::None => f.write_str("None"),
        }
    }
}
