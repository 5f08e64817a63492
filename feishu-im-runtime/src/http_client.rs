//! The HTTP client every request of the runtime goes through, and its TLS: rustls over the
//! crypto provider the build chose (`ring`, or `aws-lc-rs` with the feature of that name),
//! with the platform's certificate verifier.

use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt as _;

/// The TLS configuration of every connection: the chosen provider, its safe protocol
/// versions, and the certificates the platform trusts.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, String> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS cannot start: {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("the platform's certificates cannot be read: {e}"))?
        .with_no_client_auth();
    Ok(config)
}

#[cfg(feature = "aws-lc-rs")]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}

#[cfg(not(feature = "aws-lc-rs"))]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// An HTTP client with the runtime's user agent and TLS, these timeouts, and no redirects:
/// Feishu's API does not redirect, and following one could carry the token elsewhere.
pub(crate) fn http_client(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("feishu-im/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .tls_backend_preconfigured(tls_config()?)
        .build()
        .map_err(|source| format!("the HTTP client cannot start: {source}"))
}
