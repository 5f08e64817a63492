//! A typed async client for the Feishu/Lark Open Platform IM API.
//!
//! Request, response and error types are generated from the YAML spec of the workspace
//! (`spec/`); a small runtime handles tokens, retries, rate limits and errors.
//!
//! ```no_run
//! use feishu_im::prelude::*;
//! use feishu_im::v1::chat_members::MeJoinRequest;
//!
//! # async fn run() -> Result<(), feishu_im::Error> {
//! let client = Client::builder(Credentials::custom_app("cli_a1b2c3", "app-secret")).build()?;
//! client
//!     .chat_members()
//!     .me_join(&MeJoinRequest::new("oc_a0553eda9014c201e6969b478895c230"))
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! - Tokens: [`Credentials`] for custom apps, store apps (per tenant via
//!   [`Client::for_tenant`]) and fixed tokens; user tokens per call via [`Client::as_user`].
//!   Tokens are cached per client, refreshed before expiry, fetched once for concurrent
//!   callers, and refreshed once when Feishu reports them invalid. Several instances of an app
//!   share tokens and rate limits through a [`TokenStore`] and a [`RateLimitStore`] (with the
//!   `redis` feature, `RedisStore`).
//! - Retries: rate limits (HTTP 429, `99991400`, `232019`) wait for `x-ogw-ratelimit-reset`
//!   (or `Retry-After`) or back off; transport failures and 5xx are retried for requests safe
//!   to repeat, and a whole call never outlasts [`RetryPolicy::max_elapsed`].
//! - Errors: one [`Error`] with the typed [`ErrorCode`], `msg`, HTTP status and log id.
//! - Secrets ([`Secret`], tokens, `Authorization`) never show in `Debug`, `Display` or logs.
//! - Events: [`events`] has one type per event of the spec and [`events::Event`], what a
//!   delivery decodes to. [`receive`] verifies, decrypts and deduplicates webhook deliveries
//!   (`receive::Webhook`, served by `receive::serve` with the `webhook-server` feature or as an
//!   axum route with `axum`) and hands them to the app's handler; the `long-connection` feature
//!   adds `receive::LongConnection`, the WebSocket long connection (长连接), which needs no
//!   public callback URL.
//! - Offline: the `feishu-fake` crate is a Feishu on `127.0.0.1` driven by the same spec, for
//!   tests and for trying the crate without an account.
//!
//! # Features
//!
//! Each resource is a cargo feature named after its module: `v1-messages` compiles
//! `v1::messages`, `v1-chat-members` compiles `v1::chat_members`. `full`, the default, is every
//! resource; an application that sends messages only builds faster with
//!
//! ```toml
//! feishu-im = { version = "0.1", default-features = false, features = ["v1-messages", "v1-files"] }
//! ```
//!
//! Error codes, enums, message content, shared objects, events and the webhook's core are
//! always compiled. `webhook-server`, `axum`, `long-connection` and `redis` add the receiving
//! adapters and shared state. `partial-eq` derives `PartialEq` on requests, responses, objects,
//! content and events, for tests that compare whole values.
//!
//! Every request, response, object and event payload has a constructor of its required fields
//! (`new`) and a setter per optional field, so tests can build the values an endpoint answers.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[rustfmt::skip]
mod generated;

pub use generated::*;

/// The README's Rust examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
