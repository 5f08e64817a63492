//! The spec as loaded from YAML, before validation.

use crate::diagnostics::Location;

/// All documents of a spec directory, merged.
#[derive(Debug, Default)]
pub struct Spec {
    /// Rate-limit classes, by name.
    pub rate_limits: Vec<RateLimit>,
    /// Shared enumerations.
    pub enums: Vec<EnumDef>,
    /// Error-code tables.
    pub error_tables: Vec<ErrorTable>,
    /// Content declarations: JSON text whose shape a sibling field names.
    pub contents: Vec<ContentDef>,
    /// Objects declared on their own, which every resource may name (a message).
    pub objects: Vec<ObjectDef>,
    /// API resources with their endpoints.
    pub resources: Vec<Resource>,
    /// Events and callbacks the platform pushes to apps.
    pub events: Vec<EventDef>,
    /// Whether some file was not YAML, so that the spec is incomplete.
    pub unparsed: bool,
    /// What was declared but could not be loaded, each with its problem already reported:
    /// references to it are not reported again.
    pub broken: Broken,
}

impl Spec {
    /// The objects every resource may name: those declared on their own and inside content
    /// kinds, nested ones included, in declaration order.
    pub fn shared_objects(&self) -> Vec<&ObjectDef> {
        let mut objects = Vec::new();
        for object in &self.objects {
            objects.push(object);
            objects.extend(objects_in(object.fields.iter()));
        }
        objects.extend(objects_in(
            self.contents.iter().flat_map(|c| &c.kinds).flat_map(|k| k.fields.iter().flatten()),
        ));
        objects
    }

    /// The objects declared inline in events and callback answers, nested ones included:
    /// every event may name them with `type:`.
    pub fn event_objects(&self) -> Vec<&ObjectDef> {
        objects_in(
            self.events.iter().flat_map(|e| e.fields.iter().chain(e.response.iter().flatten())),
        )
    }
}

impl Resource {
    /// The objects declared inline in the resource's endpoints, nested ones included: other
    /// fields of the resource may name them with `type:`.
    pub fn objects(&self) -> Vec<&ObjectDef> {
        objects_in(self.endpoints.iter().flat_map(|e| {
            e.path_params.iter().chain(&e.query).chain(e.body.iter().flatten()).chain(&e.response)
        }))
    }
}

/// Objects declared in `fields`, nested ones included, in declaration order.
fn objects_in<'a>(fields: impl Iterator<Item = &'a Field>) -> Vec<&'a ObjectDef> {
    fn walk<'a>(ty: &'a TypeRef, out: &mut Vec<&'a ObjectDef>) {
        match ty {
            TypeRef::Array(inner) => walk(inner, out),
            TypeRef::Object(object) => {
                out.push(object);
                object.fields.iter().for_each(|f| walk(&f.ty, out));
            }
            _ => {}
        }
    }
    let mut objects = Vec::new();
    for field in fields {
        walk(&field.ty, &mut objects);
    }
    objects
}

/// Names and codes declared in the spec whose declaration had problems.
#[derive(Debug, Default)]
pub struct Broken {
    pub rate_limits: Vec<(String, Location)>,
    pub enums: Vec<String>,
    pub codes: Vec<i64>,
}

/// Content that travels as JSON text beside a field naming its kind (a message's `content`
/// and `msg_type`).
#[derive(Debug)]
pub struct ContentDef {
    pub name: String,
    pub doc: String,
    /// Wire name of the field that names the kind (`msg_type`).
    pub tag: String,
    /// Wire name of the field that holds the JSON text (`content`).
    pub field: String,
    pub kinds: Vec<ContentKind>,
    pub location: Location,
}

/// One kind of content: an object with fields, free-form JSON, or plain text.
#[derive(Debug)]
pub struct ContentKind {
    /// The kind as sent in the tag field (`text`).
    pub value: String,
    pub doc: String,
    /// `None`: any JSON object (a card), or plain text when `text` is set.
    pub fields: Option<Vec<Field>>,
    /// The content is text kept as sent, JSON or not (`text: true`).
    pub text: bool,
    pub location: Location,
}

/// A rate-limit class.
#[derive(Debug)]
pub struct RateLimit {
    pub name: String,
    pub doc: String,
    pub per_minute: u32,
    pub per_second: u32,
    pub location: Location,
}

/// Whether an enumeration is carried as strings or integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    String,
    Integer,
}

/// A literal value from the spec (enum value or default).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Integer(i64),
    Boolean(bool),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::String(s) => write!(f, "{s}"),
            Literal::Integer(i) => write!(f, "{i}"),
            Literal::Boolean(b) => write!(f, "{b}"),
        }
    }
}

/// A named enumeration.
#[derive(Debug)]
pub struct EnumDef {
    pub name: String,
    pub doc: String,
    pub repr: EnumRepr,
    pub values: Vec<EnumValue>,
    pub location: Location,
}

/// One value of an enumeration.
#[derive(Debug)]
pub struct EnumValue {
    pub value: Literal,
    /// Variant name; defaults to the value for string enums.
    pub name: Option<String>,
    pub doc: String,
    pub location: Location,
}

/// How the client reacts to an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Not retried.
    Never,
    /// Rate limited: wait, then retry.
    RateLimit,
    /// The app or tenant token is stale: fetch a new one and retry once.
    RefreshToken,
}

/// A table of error codes.
#[derive(Debug)]
pub struct ErrorTable {
    pub name: String,
    pub doc: String,
    /// Codes of a platform table apply to every endpoint.
    pub platform: bool,
    pub codes: Vec<ErrorDef>,
    pub location: Location,
}

/// One error code.
#[derive(Debug)]
pub struct ErrorDef {
    pub code: i64,
    pub name: String,
    pub status: u16,
    pub msg: String,
    pub hint: String,
    pub hint_zh: Option<String>,
    pub retry: RetryClass,
    pub location: Location,
}

/// A resource: a group of endpoints that share a handle (`client.chat_members()`).
#[derive(Debug)]
pub struct Resource {
    pub name: String,
    pub service: String,
    pub version: String,
    pub doc: String,
    pub endpoints: Vec<Endpoint>,
    pub location: Location,
}

/// HTTP methods the platform uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// Access-token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKind {
    Tenant,
    App,
    User,
}

/// App kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppType {
    Custom,
    Isv,
}

/// An endpoint.
#[derive(Debug)]
pub struct Endpoint {
    pub name: String,
    pub summary: String,
    pub summary_zh: Option<String>,
    pub description: Option<String>,
    pub docs: String,
    pub method: Method,
    pub path: String,
    pub path_location: Location,
    pub idempotent: Option<bool>,
    pub tokens: Vec<TokenKind>,
    pub app_types: Vec<AppType>,
    pub scopes: Vec<String>,
    pub rate_limit: (String, Location),
    pub path_params: Vec<Field>,
    pub query: Vec<Field>,
    pub body: Option<Vec<Field>>,
    pub response: Vec<Field>,
    pub pagination: Option<Pagination>,
    pub errors: Vec<ErrorRef>,
    /// `multipart`: the body is a form with one file part, not JSON.
    pub multipart: bool,
    /// `binary`: a successful answer is the bytes of a file, not JSON.
    pub binary: bool,
    /// `response_type`: the `data` is this object of the resource (a message), not fields.
    pub response_type: Option<(String, Location)>,
    /// `recipient_limit`: a second rate limit, counted per recipient that a request field
    /// names (5 messages per second to one user or one chat).
    pub recipient_limit: Option<RecipientLimit>,
    pub location: Location,
}

/// A rate-limit class counted per recipient, and the request field naming the recipient.
#[derive(Debug)]
pub struct RecipientLimit {
    pub class: (String, Location),
    pub field: (String, Location),
}

/// A code an endpoint's documentation lists, with what that page says of it where it differs
/// from the code's table (Feishu reuses some numbers with other meanings per endpoint).
#[derive(Debug)]
pub struct ErrorRef {
    pub code: i64,
    pub msg: Option<String>,
    pub hint: Option<String>,
    pub hint_zh: Option<String>,
    pub location: Location,
}

/// Which fields a paged endpoint uses.
#[derive(Debug)]
pub struct Pagination {
    /// Response array that holds a page's items.
    pub items: String,
    /// Query parameter and response field carrying the page token.
    pub page_token: String,
    /// Response boolean telling whether more pages follow.
    pub has_more: String,
    pub location: Location,
}

/// A parameter or a field of a body or response.
#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub doc: String,
    pub default: Option<Literal>,
    /// A typical value (of one element, for arrays), shown in docs and used by the fake.
    pub example: Option<Literal>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    /// The idempotency key of its request: the client fills it in when left unset and keeps
    /// it across retries.
    pub idempotency_key: bool,
    /// The largest file a `file` field takes, in bytes.
    pub max_bytes: Option<u64>,
    pub location: Location,
}

/// The type of a field.
#[derive(Debug)]
pub enum TypeRef {
    String,
    Integer,
    Boolean,
    /// Any JSON value.
    Json,
    /// The file part of a multipart body.
    File,
    /// A time since the Unix epoch, sent as a string of digits in this unit.
    Timestamp(TimeUnit),
    /// A count sent as a string of digits.
    Count,
    Array(Box<TypeRef>),
    Object(ObjectDef),
    /// A reference to a named enum or content declaration.
    Named(String, Location),
}

/// The unit of a timestamp: Feishu counts seconds on some endpoints and milliseconds on
/// others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Millis,
}

/// An object type declared inline.
#[derive(Debug)]
pub struct ObjectDef {
    pub name: String,
    pub doc: String,
    pub fields: Vec<Field>,
    /// `content`: the object carries content whose kind its field named by the declaration's
    /// `tag` gives, and whose JSON text is at a field path (a message's `body.content`).
    pub content: Option<Box<ContentAt>>,
    pub location: Location,
}

/// Where an object holds the JSON text of a content declaration.
#[derive(Debug)]
pub struct ContentAt {
    /// The content declaration.
    pub content: (String, Location),
    /// The field naming the kind, when it is not the declaration's `tag` (events call a
    /// message's `msg_type` `message_type`).
    pub tag: Option<(String, Location)>,
    /// Field names from the object to the string holding the JSON text.
    pub text: (Vec<String>, Location),
}

/// An event or callback the platform pushes to apps (`im.message.receive_v1`).
#[derive(Debug)]
pub struct EventDef {
    /// Spec name, which names the payload type (`message_receive_v1`).
    pub name: String,
    /// `header.event_type` as delivered.
    pub event_type: (String, Location),
    pub summary: String,
    pub summary_zh: Option<String>,
    pub description: Option<String>,
    pub docs: String,
    /// Scopes that let an app subscribe; any one suffices.
    pub scopes: Vec<String>,
    /// Fields of the envelope's `event` object.
    pub fields: Vec<Field>,
    /// Fields of the body a callback answers with; `None` for events, which are only acked.
    pub response: Option<Vec<Field>>,
    /// The path of required fields to the string that identifies a delivery for
    /// deduplication (a message's id), when the event id does not.
    pub dedup_key: Option<(Vec<String>, Location)>,
    pub location: Location,
}

/// One endpoint of the catalog of those Feishu publishes (`catalog/im_endpoints.yaml`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Published {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: String,
    /// `/open-apis/im/v1/chats/:chat_id`.
    pub path: String,
    /// The resource as the official SDKs name it.
    pub resource: String,
    /// The operation as the official SDKs name it.
    pub operation: String,
    /// Why the spec does not describe it, if it does not: one line of plain text.
    pub note: Option<String>,
    /// Where the entry is.
    pub location: Location,
    pub(crate) note_location: Option<Location>,
}
