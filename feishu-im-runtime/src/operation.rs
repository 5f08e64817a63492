//! What the generated code plugs into: an endpoint's static description and how a request
//! fills in its path, query and body.

use std::fmt::{Display, Write as _};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

// Generated structs decode and page through these: plumbing of generated code,
// not part of the documented API.
#[doc(hidden)]
pub use super::json_object::{JsonKey, JsonObject, ObjectVisitor};
#[doc(hidden)]
pub use super::paged::{HasMore, PageToken};
#[doc(hidden)]
pub use crate::{json_field_name, json_object, paged};

/// HTTP methods of the Open Platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The upper-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// The kinds of access token an endpoint may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenKind {
    /// `tenant_access_token`: the app acting in one tenant.
    Tenant,
    /// `app_access_token`: the app itself.
    App,
    /// `user_access_token`: an end user who authorized the app.
    User,
}

impl TokenKind {
    /// The token's name in the Feishu documentation.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Tenant => "tenant_access_token",
            TokenKind::App => "app_access_token",
            TokenKind::User => "user_access_token",
        }
    }
}

/// An endpoint's rate-limit class (per app per tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// Name of the class in the spec.
    pub class: &'static str,
    /// Requests allowed per minute.
    pub per_minute: u32,
    /// Requests allowed per second.
    pub per_second: u32,
}

/// Everything the spec says about an endpoint that the runtime needs.
#[derive(Debug)]
pub struct OperationMeta {
    /// Resource and operation, `chat_members.me_join`.
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Token kinds the endpoint accepts.
    pub tokens: &'static [TokenKind],
    /// Whether sending the request twice is safe, so that transport failures and 5xx may be retried.
    pub idempotent: bool,
    /// Whether the request has a JSON body.
    pub has_body: bool,
    /// Rate-limit class (per app per tenant); the client keeps calls within it.
    pub rate_limit: RateLimit,
    /// A second limit counted per recipient ([`Operation::recipient`]), shared by every
    /// endpoint with the same class.
    pub recipient_limit: Option<RateLimit>,
}

impl RateLimit {
    /// The class `class`: `per_minute` calls a minute and `per_second` a second.
    pub const fn new(class: &'static str, per_minute: u32, per_second: u32) -> Self {
        RateLimit { class, per_minute, per_second }
    }
}

impl OperationMeta {
    /// The base a generated description builds on: an endpoint with `method`, not safe to
    /// repeat, without a body or a recipient limit until the description says otherwise.
    pub const fn new(method: Method) -> Self {
        OperationMeta {
            operation: "",
            method,
            tokens: &[],
            idempotent: false,
            has_body: false,
            rate_limit: RateLimit { class: "", per_minute: 0, per_second: 0 },
            recipient_limit: None,
        }
    }

    /// Whether `token` may be sent to this endpoint.
    pub fn accepts(&self, token: TokenKind) -> bool {
        self.tokens.contains(&token)
    }
}

/// A request to one endpoint, implemented by generated code for every endpoint of the spec.
/// The runtime adds items to it only with defaults.
///
/// The request serializes to its JSON body; the generated `write_path` and `write_query` write
/// the rest of the URL.
pub trait Operation: Serialize + Sync {
    /// The `data` of a successful response; it serializes back to the same JSON, to be stored
    /// or forwarded.
    type Response: DeserializeOwned + Serialize + Send;

    /// The error codes the endpoint's errors carry: the spec's generated `ErrorCode`.
    type Errors: crate::ErrorCatalog;

    /// The endpoint's description.
    const META: &'static OperationMeta;

    /// Wire name of the idempotency key (`uuid`): when the request leaves it unset, the client
    /// sends a fresh one, the same on every retry of the call, so that retrying is safe. In the
    /// body the key is serialized even when unset; in the query `write_query` writes it with
    /// [`Query::idempotency_key`].
    const IDEMPOTENCY_KEY: Option<&'static str> = None;

    /// Whether a successful answer is a file rather than JSON `data`
    /// ([`Caller::download`](crate::Caller::download)).
    const BINARY: bool = false;

    /// Writes the path, its template compiled by the generator into literal parts and
    /// parameters.
    fn write_path(&self, path: &mut UrlPath<'_>);

    /// Writes the query parameters, field by field as the generator lists them.
    fn write_query(&self, query: &mut Query<'_>) {
        let _ = query;
    }

    /// The file part of a multipart body: its field name, the file, and the largest size the
    /// endpoint takes. `None`: the body is JSON.
    fn file(&self) -> Option<(&'static str, &crate::FileUpload, Option<u64>)> {
        None
    }

    /// The recipient that [`OperationMeta::recipient_limit`] counts against (a message's
    /// `receive_id`).
    fn recipient(&self) -> Option<&str> {
        None
    }
}

/// A request to a paged endpoint: how to ask for the next page and read a page.
pub trait Paged: Operation + Send {
    /// One listed element.
    type Item;
    /// Points the request at the page after the current one.
    fn set_page_token(&mut self, token: String);
    /// The token of the page after `page`, or `None` when the server says no more follow.
    fn next_page_token(page: &Self::Response) -> Option<&str>;
    /// The elements of `page`.
    fn into_items(page: Self::Response) -> Vec<Self::Item>;
}

/// Bytes escaped in a path segment: everything except RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The query string of a request being written: percent-encoded `name=value` pairs, a list
/// as one pair per item, an unset option left out.
#[derive(Debug)]
pub struct Query<'a> {
    out: &'a mut String,
    started: bool,
    problem: Option<String>,
}

impl<'a> Query<'a> {
    /// Appends to `out`, which holds a URL without a query.
    pub(crate) fn new(out: &'a mut String) -> Self {
        Query { out, started: false, problem: None }
    }

    /// Appends `name=value`.
    pub fn param(&mut self, name: &str, value: &(impl Display + ?Sized)) -> &mut Self {
        self.out.push(if self.started { '&' } else { '?' });
        self.started = true;
        self.out.extend(utf8_percent_encode(name, SEGMENT));
        self.out.push('=');
        // Encoded as it is formatted: no text in between.
        let _ = write!(Encoded(self.out), "{value}");
        self
    }

    /// Appends `name=value` when `value` is set.
    pub fn optional<T: Display + ?Sized>(&mut self, name: &str, value: Option<&T>) -> &mut Self {
        if let Some(value) = value {
            self.param(name, value);
        }
        self
    }

    /// Appends `name=item` for each item.
    pub fn each<T: Display>(
        &mut self,
        name: &str,
        values: impl IntoIterator<Item = T>,
    ) -> &mut Self {
        for value in values {
            self.param(name, &value);
        }
        self
    }

    /// Appends the idempotency key `name`: `value`, or when unset a fresh random one, written
    /// once per call so that every retry carries the same key.
    pub fn idempotency_key(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.param(name, value),
            None => match crate::ids::fresh_uuid() {
                Ok(key) => self.param(name, &key),
                Err(problem) => {
                    self.problem.get_or_insert(problem);
                    self
                }
            },
        }
    }

    /// What went wrong while writing, if anything.
    pub(crate) fn finish(self) -> Result<(), String> {
        self.problem.map_or(Ok(()), Err)
    }
}

/// Percent-encodes what is written through it onto the end of a string.
struct Encoded<'a>(&'a mut String);

impl std::fmt::Write for Encoded<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend(utf8_percent_encode(text, SEGMENT));
        Ok(())
    }
}

/// Fills the path template of `O` with its percent-encoded parameters.
pub(crate) fn build_path<O: Operation>(request: &O, out: &mut String) -> Result<(), String> {
    let mut path = UrlPath { out, problem: None };
    request.write_path(&mut path);
    path.problem.map_or(Ok(()), Err)
}

/// The path of a request being written: literal parts as they are, parameters checked and
/// percent-encoded as one segment each.
#[derive(Debug)]
pub struct UrlPath<'a> {
    out: &'a mut String,
    problem: Option<String>,
}

impl UrlPath<'_> {
    /// Appends a literal part of the template.
    pub fn literal(&mut self, text: &str) -> &mut Self {
        self.out.push_str(text);
        self
    }

    /// Appends the path parameter `name`: never empty, `.` or `..`, and encoded so that it
    /// stays one segment.
    pub fn param(&mut self, name: &str, value: &str) -> &mut Self {
        if self.problem.is_none() {
            if value.is_empty() {
                self.problem = Some(format!("path parameter `{name}` is empty"));
            } else if value == "." || value == ".." {
                self.problem = Some(format!("path parameter `{name}` cannot be `{value}`"));
            }
        }
        self.out.extend(utf8_percent_encode(value, SEGMENT));
        self
    }
}
