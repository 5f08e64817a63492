//! The spec lowered to what the emitter needs: Rust names, resolved types, sorted tables.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostics, Location};
use crate::model::{
    self, EnumRepr, Literal, Method, RetryClass, Spec, TimeUnit, TokenKind, TypeRef,
};
use crate::names::{feature_name, pascal_case};
use crate::path_template::PathTemplate;

/// Everything to emit.
pub struct Api {
    /// Error codes, sorted by code.
    pub error_codes: Vec<ErrorCode>,
    /// (name, doc) of each error table.
    pub error_tables: Vec<(String, String)>,
    /// Shared enums, sorted by name.
    pub enums: Vec<Enum>,
    /// Content declarations, sorted by name.
    pub contents: Vec<Content>,
    /// Objects declared on their own, nested ones included, in declaration order.
    pub objects: Vec<Struct>,
    /// Resources by API version (`v1`), sorted by module name.
    pub versions: BTreeMap<String, Vec<Resource>>,
    /// Events and callbacks, sorted by event type.
    pub events: Vec<Event>,
    /// Objects declared inline in events, nested ones included, in declaration order.
    pub event_objects: Vec<Struct>,
}

/// An event or callback the platform pushes.
pub struct Event {
    /// Payload type and variant name, `MessageReceiveV1`.
    pub name: String,
    /// Where the spec declares it.
    pub at: Location,
    /// `header.event_type`, `im.message.receive_v1`.
    pub event_type: String,
    pub summary: String,
    pub summary_zh: Option<String>,
    pub description: Option<String>,
    pub docs: String,
    pub scopes: Vec<String>,
    /// The `event` object.
    pub payload: Struct,
    /// A callback's answer, which the app builds.
    pub response: Option<Struct>,
    /// Fields from the payload to the string that deduplicates deliveries.
    pub dedup_key: Option<Vec<String>>,
}

/// JSON text whose shape the sibling `tag` field names, as one Rust enum.
pub struct Content {
    /// Rust name, `MessageContent`.
    pub name: String,
    pub at: Location,
    pub doc: String,
    /// Wire name of the field naming the kind, `msg_type`.
    pub tag: String,
    /// Wire name of the field holding the JSON text, `content`.
    pub field: String,
    pub kinds: Vec<Kind>,
    /// The kinds' structs and the objects inside them, in declaration order.
    pub objects: Vec<Struct>,
    /// Whether some request sends it (the fake then checks it).
    pub sent: bool,
}

pub struct Kind {
    /// As sent in the tag field, `text`.
    pub value: String,
    /// Variant and constructor name base, `Text`.
    pub variant: String,
    pub at: Location,
    pub doc: String,
    /// The kind's struct; `None` for free-form JSON or text.
    pub body: Option<String>,
    /// The content is text kept as sent (`String`), JSON or not.
    pub text: bool,
}

pub struct ErrorCode {
    pub code: i64,
    pub variant: String,
    pub status: u16,
    pub msg: String,
    pub hint: String,
    pub hint_zh: Option<String>,
    pub retry: RetryClass,
    pub platform: bool,
}

pub struct Enum {
    pub name: String,
    pub at: Location,
    pub doc: String,
    pub repr: EnumRepr,
    pub variants: Vec<Variant>,
}

pub struct Variant {
    pub name: String,
    pub at: Location,
    pub value: Literal,
    pub doc: String,
}

pub struct Resource {
    /// Module and accessor name, `chat_members`.
    pub module: String,
    /// Handle type, `ChatMembers`.
    pub handle: String,
    pub at: Location,
    /// The cargo feature that compiles it, `v1-chat-members`.
    pub feature: String,
    pub doc: String,
    /// Spec file the resource came from.
    pub source: String,
    pub endpoints: Vec<Endpoint>,
    /// Object types declared inline, in declaration order.
    pub objects: Vec<Struct>,
}

impl Resource {
    /// `resource.operation`, as the client's errors and the fake name an endpoint: the key of
    /// its `META` and of its entry in `fake.json`, which must agree.
    pub fn operation_id(&self, endpoint: &Endpoint) -> String {
        format!("{}.{}", self.module, endpoint.name)
    }
}

pub struct Endpoint {
    pub name: String,
    pub at: Location,
    pub summary: String,
    pub summary_zh: Option<String>,
    pub description: Option<String>,
    pub docs: String,
    pub method: Method,
    pub path: String,
    /// `path`, parsed.
    pub template: PathTemplate,
    pub idempotent: bool,
    pub tokens: Vec<TokenKind>,
    pub app_types: Vec<model::AppType>,
    pub scopes: Vec<String>,
    pub rate_limit: RateLimit,
    pub recipient_limit: Option<RecipientLimit>,
    pub request: Struct,
    pub response: Struct,
    /// (code, variant, msg as this endpoint's page gives it) of the documented codes.
    pub errors: Vec<(i64, String, String)>,
    /// (code, msg) of the codes whose msg on this endpoint differs from their table's.
    pub error_msgs: Vec<(i64, String)>,
    /// Wire name of the idempotency key the client fills in, if the endpoint has one.
    pub idempotency_key: Option<String>,
    /// Whether the body is a multipart form (with one file) rather than JSON.
    pub multipart: bool,
    /// Whether a successful answer is a file rather than JSON.
    pub binary: bool,
    /// The object the `data` is, when the response is one (`Message`): the response type is an
    /// alias of it.
    pub response_type: Option<String>,
    pub pagination: Option<Pagination>,
}

impl Endpoint {
    /// The handle's method that lists every page of a paginated endpoint, `list_pager`.
    pub fn pager(&self) -> String {
        format!("{}_pager", self.name)
    }
}

pub struct RateLimit {
    pub name: String,
    pub doc: String,
    pub per_minute: u32,
    pub per_second: u32,
}

/// A rate limit counted per recipient, and the request field naming the recipient.
pub struct RecipientLimit {
    pub limit: RateLimit,
    pub field: String,
}

pub struct Pagination {
    pub item_type: Type,
    pub items: String,
    pub page_token: String,
    pub has_more: String,
}

/// Where a request field goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Path,
    Query,
    Body,
    /// A field of a response or of an object.
    Data,
}

pub struct Struct {
    pub name: String,
    /// What declares it: the object, or the endpoint, event or kind it belongs to.
    pub at: Location,
    pub doc: String,
    pub fields: Vec<Field>,
    /// Whether requests carry it, so that callers build it (responses only decode it).
    pub sent: bool,
    /// Content it carries, read by an accessor.
    pub content: Option<ContentAccess>,
}

/// How an object's content is read: the kind from one of its fields, the JSON text from a
/// path of fields.
pub struct ContentAccess {
    /// The content enum's Rust name.
    pub content: String,
    /// The field naming the kind: wire name, whether required, whether an enum.
    pub tag: Step,
    pub tag_is_enum: bool,
    /// Fields from the object to the JSON text.
    pub text: Vec<Step>,
}

/// One field on the way to a value.
pub struct Step {
    pub field: String,
    pub required: bool,
}

pub struct Field {
    pub name: String,
    pub at: Location,
    pub ty: Type,
    pub required: bool,
    pub placement: Placement,
    pub doc: String,
    pub default: Option<Literal>,
    /// A typical value (of one element, for arrays).
    pub example: Option<Literal>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub min_items: Option<u32>,
    pub max_items: Option<u32>,
    /// The largest file a `file` field takes.
    pub max_bytes: Option<u64>,
    /// Whether it is its request's idempotency key, which the client fills in when unset.
    pub idempotency_key: bool,
}

/// Rust types of fields.
#[derive(Clone, PartialEq)]
pub enum Type {
    String,
    Integer,
    Boolean,
    Vec(Box<Type>),
    /// A shared enum, by Rust name.
    Enum(String),
    /// An object declared in the resource, by Rust name.
    Object(String),
    /// Any JSON value.
    Json,
    /// The file part of a multipart body.
    File,
    /// A time since the Unix epoch in a unit.
    Timestamp(TimeUnit),
    /// A count sent as text.
    Count,
    /// A content declaration, by Rust name.
    Content(String),
}

/// Lowers a validated spec. Validation resolves every name lowering looks up; a name it let
/// through unresolved is an internal error at its location, never a guess.
pub fn lower(spec: &Spec) -> Result<Api, Diagnostics> {
    let faults = Faults::default();
    let api = lower_api(spec, &faults);
    let faults = faults.0.into_inner();
    if faults.is_empty() { Ok(api) } else { Err(faults.sorted()) }
}

/// What lowering found that validation should have refused.
#[derive(Default)]
struct Faults(RefCell<Diagnostics>);

impl Faults {
    fn push(&self, location: &Location, what: impl std::fmt::Display) {
        self.0.borrow_mut().push_internal(location, what);
    }
}

fn lower_api(spec: &Spec, faults: &Faults) -> Api {
    let mut error_codes: Vec<ErrorCode> = spec
        .error_tables
        .iter()
        .flat_map(|table| {
            table.codes.iter().map(|def| ErrorCode {
                code: def.code,
                variant: pascal_case(&def.name),
                status: def.status,
                msg: def.msg.clone(),
                hint: def.hint.clone(),
                hint_zh: def.hint_zh.clone(),
                retry: def.retry,
                platform: table.platform,
            })
        })
        .collect();
    error_codes.sort_by_key(|c| c.code);
    let variant_of: BTreeMap<i64, (&str, &str)> =
        error_codes.iter().map(|c| (c.code, (c.variant.as_str(), c.msg.as_str()))).collect();

    let mut enums: Vec<Enum> = spec
        .enums
        .iter()
        .map(|def| Enum {
            name: pascal_case(&def.name),
            at: def.location.clone(),
            doc: def.doc.clone(),
            repr: def.repr,
            variants: def
                .values
                .iter()
                .map(|v| Variant {
                    name: pascal_case(v.name.as_deref().unwrap_or(&v.value.to_string())),
                    at: v.location.clone(),
                    value: v.value.clone(),
                    doc: v.doc.clone(),
                })
                .collect(),
        })
        .collect();
    enums.sort_by(|a, b| a.name.cmp(&b.name));

    let rate_limits: BTreeMap<&str, &model::RateLimit> =
        spec.rate_limits.iter().map(|r| (r.name.as_str(), r)).collect();

    let names: BTreeMap<&str, &str> =
        spec.contents.iter().map(|c| (c.name.as_str(), c.tag.as_str())).collect();
    let shared_objects = shared_object_names(spec);
    let enum_names: BTreeSet<&str> = spec.enums.iter().map(|e| e.name.as_str()).collect();
    let shared = Scope { contents: &names, objects: &shared_objects, enums: &enum_names, faults };
    let sent_names = sent_names(spec);
    let mut contents: Vec<Content> = spec
        .contents
        .iter()
        .map(|def| {
            let name = pascal_case(&def.name);
            // Content no request sends is only decoded: no constructors.
            let sent = sent_names.contains(def.name.as_str());
            let mut objects = Vec::new();
            let kinds = def
                .kinds
                .iter()
                .map(|kind| {
                    let variant = pascal_case(&kind.value);
                    let body = kind.fields.as_ref().map(|fields| {
                        let fields = fields
                            .iter()
                            .map(|f| {
                                lower_field(
                                    f,
                                    f.required,
                                    Placement::Data,
                                    sent,
                                    &shared,
                                    &mut objects,
                                )
                            })
                            .collect();
                        let struct_name = format!("{variant}{name}");
                        let doc = kind.doc.clone();
                        objects.push(Struct {
                            name: struct_name.clone(),
                            at: kind.location.clone(),
                            doc,
                            fields,
                            sent,
                            content: None,
                        });
                        struct_name
                    });
                    Kind {
                        value: kind.value.clone(),
                        variant,
                        at: kind.location.clone(),
                        doc: kind.doc.clone(),
                        body,
                        text: kind.text,
                    }
                })
                .collect();
            Content {
                name,
                at: def.location.clone(),
                doc: def.doc.clone(),
                tag: def.tag.clone(),
                field: def.field.clone(),
                kinds,
                objects,
                sent,
            }
        })
        .collect();
    contents.sort_by(|a, b| a.name.cmp(&b.name));

    // Shared objects that a request names are built by callers; the rest only decode.
    let mut objects = Vec::new();
    for object in &spec.objects {
        let sent = sent_names.contains(object.name.as_str());
        lower_object(object, sent, &shared, &mut objects);
    }

    let mut versions: BTreeMap<String, Vec<Resource>> = BTreeMap::new();
    for resource in &spec.resources {
        let mut objects = Vec::new();
        let mut resource_objects = shared_objects.clone();
        resource_objects.extend(resource.objects().iter().map(|o| o.name.as_str()));
        let endpoints = resource
            .endpoints
            .iter()
            .map(|e| {
                let scope = shared.with_objects(&resource_objects);
                lower_endpoint(e, &variant_of, &rate_limits, &scope, &mut objects)
            })
            .collect();
        versions.entry(resource.version.clone()).or_default().push(Resource {
            module: resource.name.clone(),
            handle: pascal_case(&resource.name),
            at: resource.location.clone(),
            feature: feature_name(&resource.version, &resource.name),
            doc: resource.doc.clone(),
            source: resource.location.file.clone(),
            endpoints,
            objects,
        });
    }
    for resources in versions.values_mut() {
        resources.sort_by(|a, b| a.module.cmp(&b.module));
    }
    let error_tables = spec.error_tables.iter().map(|t| (t.name.clone(), t.doc.clone())).collect();
    let (events, event_objects) = lower_events(spec, &shared);
    Api { error_codes, error_tables, enums, contents, objects, versions, events, event_objects }
}

/// Events and the objects declared in them. Objects a callback's answer holds are built by the
/// app; the rest only decode.
fn lower_events(spec: &Spec, shared: &Scope<'_>) -> (Vec<Event>, Vec<Struct>) {
    let mut names = shared.objects.clone();
    names.extend(spec.event_objects().iter().map(|o| o.name.as_str()));
    let scope = shared.with_objects(&names);
    let answered = answer_objects(spec);
    let mut objects = Vec::new();
    let mut events: Vec<Event> = spec
        .events
        .iter()
        .map(|e| {
            let name = pascal_case(&e.name);
            let mut lower = |fields: &[model::Field], sent: bool| -> Vec<Field> {
                fields
                    .iter()
                    .map(|f| {
                        let sent =
                            sent || named_object(&f.ty).is_some_and(|n| answered.contains(n));
                        lower_field(f, f.required, Placement::Data, sent, &scope, &mut objects)
                    })
                    .collect()
            };
            let payload = Struct {
                name: name.clone(),
                at: e.location.clone(),
                doc: e.summary.clone(),
                fields: lower(&e.fields, false),
                sent: false,
                content: None,
            };
            let response = e.response.as_ref().map(|fields| Struct {
                name: format!("{name}Response"),
                at: e.location.clone(),
                doc: format!("The answer to a `{}` callback.", e.event_type.0),
                fields: lower(fields, true),
                sent: true,
                content: None,
            });
            Event {
                name,
                at: e.location.clone(),
                event_type: e.event_type.0.clone(),
                summary: e.summary.clone(),
                summary_zh: e.summary_zh.clone(),
                description: e.description.clone(),
                docs: e.docs.clone(),
                scopes: e.scopes.clone(),
                payload,
                response,
                dedup_key: e.dedup_key.as_ref().map(|(path, _)| path.clone()),
            }
        })
        .collect();
    events.sort_by(|a, b| a.event_type.cmp(&b.event_type));
    (events, objects)
}

/// The object a field declares inline, through arrays.
fn named_object(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Array(inner) => named_object(inner),
        TypeRef::Object(object) => Some(&object.name),
        _ => None,
    }
}

/// Names of the event objects that some callback answer holds, declared there or named.
fn answer_objects(spec: &Spec) -> BTreeSet<&str> {
    fn walk<'a>(ty: &'a TypeRef, spec: &'a Spec, out: &mut BTreeSet<&'a str>) {
        match ty {
            TypeRef::Array(inner) => walk(inner, spec, out),
            TypeRef::Object(object) => {
                out.insert(&object.name);
                object.fields.iter().for_each(|f| walk(&f.ty, spec, out));
            }
            TypeRef::Named(name, _) => {
                if out.insert(name)
                    && let Some(object) = spec.event_objects().into_iter().find(|o| &o.name == name)
                {
                    object.fields.iter().for_each(|f| walk(&f.ty, spec, out));
                }
            }
            _ => {}
        }
    }
    let mut names = BTreeSet::new();
    for field in spec.events.iter().flat_map(|e| e.response.iter().flatten()) {
        walk(&field.ty, spec, &mut names);
    }
    names
}

fn lower_endpoint(
    e: &model::Endpoint,
    variant_of: &BTreeMap<i64, (&str, &str)>,
    rate_limits: &BTreeMap<&str, &model::RateLimit>,
    contents: &Scope<'_>,
    objects: &mut Vec<Struct>,
) -> Endpoint {
    let prefix = pascal_case(&e.name);
    let mut request_fields = Vec::new();
    for (fields, placement) in [
        (&e.path_params[..], Placement::Path),
        (&e.query[..], Placement::Query),
        (e.body.as_deref().unwrap_or_default(), Placement::Body),
    ] {
        for field in fields {
            let required = field.required || placement == Placement::Path;
            request_fields.push(lower_field(field, required, placement, true, contents, objects));
        }
    }
    let response_fields: Vec<Field> = e
        .response
        .iter()
        .map(|f| lower_field(f, f.required, Placement::Data, false, contents, objects))
        .collect();
    let idempotency_key = e
        .query
        .iter()
        .chain(e.body.iter().flatten())
        .find(|f| f.idempotency_key)
        .map(|f| f.name.clone());
    let pagination = e.pagination.as_ref().map(|p| {
        let item_type = response_fields
            .iter()
            .find_map(|f| match &f.ty {
                Type::Vec(inner) if f.name == p.items => Some((**inner).clone()),
                _ => None,
            })
            .unwrap_or_else(|| {
                let what = format!("pagination names `{}`, which is no response list", p.items);
                contents.faults.push(&p.location, what);
                Type::Json
            });
        Pagination {
            item_type,
            items: p.items.clone(),
            page_token: p.page_token.clone(),
            has_more: p.has_more.clone(),
        }
    });
    let class = |(name, location): &(String, Location)| match rate_limits.get(name.as_str()) {
        Some(limit) => RateLimit {
            name: name.clone(),
            doc: limit.doc.clone(),
            per_minute: limit.per_minute,
            per_second: limit.per_second,
        },
        None => {
            contents.faults.push(location, format_args!("no rate limit class `{name}`"));
            RateLimit { name: name.clone(), doc: String::new(), per_minute: 0, per_second: 0 }
        }
    };
    Endpoint {
        name: e.name.clone(),
        at: e.location.clone(),
        summary: e.summary.clone(),
        summary_zh: e.summary_zh.clone(),
        description: e.description.clone(),
        docs: e.docs.clone(),
        method: e.method,
        path: e.path.clone(),
        template: PathTemplate::parse(&e.path),
        idempotent: e.idempotent.unwrap_or(matches!(e.method, Method::Get | Method::Put)),
        tokens: e.tokens.clone(),
        app_types: e.app_types.clone(),
        scopes: e.scopes.clone(),
        rate_limit: class(&e.rate_limit),
        recipient_limit: e
            .recipient_limit
            .as_ref()
            .map(|r| RecipientLimit { limit: class(&r.class), field: r.field.0.clone() }),
        request: Struct {
            name: format!("{prefix}Request"),
            at: e.location.clone(),
            doc: format!("Parameters of [`{}`].", e.name),
            fields: request_fields,
            sent: true,
            content: None,
        },
        response: Struct {
            name: format!("{prefix}Response"),
            at: e.location.clone(),
            doc: format!("The `data` that [`{}`] returns.", e.name),
            fields: response_fields,
            sent: false,
            content: None,
        },
        errors: e
            .errors
            .iter()
            .filter_map(|error| match variant_of.get(&error.code) {
                Some((v, m)) => {
                    let msg = error.msg.as_deref().unwrap_or(m);
                    Some((error.code, (*v).to_owned(), msg.to_owned()))
                }
                None => {
                    let what = format_args!("error {} is in no error table", error.code);
                    contents.faults.push(&error.location, what);
                    None
                }
            })
            .collect(),
        error_msgs: e
            .errors
            .iter()
            .filter_map(|error| {
                let (_, table) = variant_of.get(&error.code)?;
                let msg = error.msg.as_deref().filter(|msg| msg != table)?;
                Some((error.code, msg.to_owned()))
            })
            .collect(),
        idempotency_key,
        multipart: e.multipart,
        binary: e.binary,
        response_type: e.response_type.as_ref().map(|(name, _)| pascal_case(name)),
        pagination,
    }
}

/// Names a `type` may use where a field is lowered: content declarations (with the field
/// naming their kind), objects in reach, and enums; and where to report a name that is none.
struct Scope<'a> {
    contents: &'a BTreeMap<&'a str, &'a str>,
    objects: &'a BTreeSet<&'a str>,
    enums: &'a BTreeSet<&'a str>,
    faults: &'a Faults,
}

impl<'a> Scope<'a> {
    /// The same names, with `objects` in reach instead.
    fn with_objects(&self, objects: &'a BTreeSet<&'a str>) -> Scope<'a> {
        Scope { objects, ..*self }
    }
}

/// Resolves a validated `content` of an object: validation guarantees the tag field and every
/// step of the path exist, so a missing one is a fault.
fn content_access(
    object: &model::ObjectDef,
    at: &model::ContentAt,
    scope: &Scope<'_>,
) -> ContentAccess {
    let field = |fields: &'_ [model::Field], name: &str| -> Option<(Step, bool)> {
        fields.iter().find(|f| f.name == name).map(|f| {
            let step = Step { field: f.name.clone(), required: f.required };
            (step, matches!(f.ty, TypeRef::Named(..)))
        })
    };
    let (content, content_at) = &at.content;
    let (tag_name, tag_at) = match &at.tag {
        Some((tag, location)) => (tag.as_str(), location),
        None => (scope.contents.get(content.as_str()).copied().unwrap_or_default(), content_at),
    };
    let (tag, tag_is_enum) = field(&object.fields, tag_name).unwrap_or_else(|| {
        let what = format_args!("`{}` has no tag field `{tag_name}`", object.name);
        scope.faults.push(tag_at, what);
        (Step { field: tag_name.to_owned(), required: true }, false)
    });
    let mut fields = &object.fields;
    let mut text = Vec::new();
    for name in &at.text.0 {
        let Some(f) = fields.iter().find(|f| &f.name == name) else {
            scope.faults.push(&at.text.1, format_args!("no field `{name}` on the text's path"));
            break;
        };
        text.push(Step { field: f.name.clone(), required: f.required });
        if let TypeRef::Object(inner) = &f.ty {
            fields = &inner.fields;
        }
    }
    ContentAccess { content: pascal_case(content), tag, tag_is_enum, text }
}

/// Content declarations that some request sends, through its query or body.
/// The contents and shared objects that some request sends, through its query or body.
fn sent_names(spec: &Spec) -> BTreeSet<&str> {
    fn walk<'a>(ty: &'a TypeRef, spec: &'a Spec, out: &mut BTreeSet<&'a str>) {
        match ty {
            TypeRef::Named(name, _) => {
                // A shared object is followed once, into the types it names in turn.
                if out.insert(name)
                    && let Some(object) = spec.objects.iter().find(|o| &o.name == name)
                {
                    object.fields.iter().for_each(|f| walk(&f.ty, spec, out));
                }
            }
            TypeRef::Array(inner) => walk(inner, spec, out),
            TypeRef::Object(object) => object.fields.iter().for_each(|f| walk(&f.ty, spec, out)),
            _ => {}
        }
    }
    let mut named = BTreeSet::new();
    let requests = spec.resources.iter().flat_map(|r| &r.endpoints);
    for field in requests.flat_map(|e| e.query.iter().chain(e.body.iter().flatten())) {
        walk(&field.ty, spec, &mut named);
    }
    named
}

fn shared_object_names(spec: &Spec) -> BTreeSet<&str> {
    spec.shared_objects().into_iter().map(|o| o.name.as_str()).collect()
}

fn lower_field(
    field: &model::Field,
    required: bool,
    placement: Placement,
    sent: bool,
    contents: &Scope<'_>,
    objects: &mut Vec<Struct>,
) -> Field {
    Field {
        name: field.name.clone(),
        at: field.location.clone(),
        ty: lower_type(&field.ty, sent, contents, objects),
        required,
        placement,
        doc: field.doc.clone(),
        default: field.default.clone(),
        example: field.example.clone(),
        min: field.min,
        max: field.max,
        min_items: field.min_items,
        max_items: field.max_items,
        max_bytes: field.max_bytes,
        idempotency_key: field.idempotency_key,
    }
}

fn lower_type(ty: &TypeRef, sent: bool, contents: &Scope<'_>, objects: &mut Vec<Struct>) -> Type {
    match ty {
        TypeRef::String => Type::String,
        TypeRef::Integer => Type::Integer,
        TypeRef::Boolean => Type::Boolean,
        TypeRef::Json => Type::Json,
        TypeRef::File => Type::File,
        TypeRef::Timestamp(unit) => Type::Timestamp(*unit),
        TypeRef::Count => Type::Count,
        TypeRef::Array(inner) => Type::Vec(Box::new(lower_type(inner, sent, contents, objects))),
        TypeRef::Named(name, _) if contents.contents.contains_key(name.as_str()) => {
            Type::Content(pascal_case(name))
        }
        TypeRef::Named(name, _) if contents.objects.contains(name.as_str()) => {
            Type::Object(pascal_case(name))
        }
        TypeRef::Named(name, _) if contents.enums.contains(name.as_str()) => {
            Type::Enum(pascal_case(name))
        }
        TypeRef::Named(name, location) => {
            contents.faults.push(location, format_args!("`{name}` names no type"));
            Type::Json
        }
        TypeRef::Object(object) => Type::Object(lower_object(object, sent, contents, objects)),
    }
}

/// Lowers an object into `objects`, after the objects nested in it; returns its Rust name.
fn lower_object(
    object: &model::ObjectDef,
    sent: bool,
    scope: &Scope<'_>,
    objects: &mut Vec<Struct>,
) -> String {
    let name = pascal_case(&object.name);
    let fields = object
        .fields
        .iter()
        .map(|f| lower_field(f, f.required, Placement::Data, sent, scope, objects))
        .collect();
    let doc = object.doc.clone();
    let content = object.content.as_ref().map(|at| content_access(object, at, scope));
    let at = object.location.clone();
    objects.push(Struct { name: name.clone(), at, doc, fields, sent, content });
    name
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Diagnostics;
    use crate::read::SourceFile;

    /// A spec that validation would refuse reaches lowering only through a bug; lowering then
    /// reports each name it cannot resolve at its location instead of guessing a type.
    #[test]
    fn unresolved_names_are_located_internal_errors() {
        let spec = r#"rate_limits:
  default: {doc: Sample limit., per_minute: 10, per_second: 1}
resource:
  name: things
  service: sample
  version: v1
  doc: Things.
  endpoints:
    create:
      summary: Creates a thing.
      docs: https://example.com/create
      method: POST
      path: /open-apis/sample/v1/things
      tokens: [tenant]
      app_types: [custom]
      scopes: [sample:thing]
      rate_limit: nowhere
      body:
        kind: {type: no_such_type, doc: The kind.}
      response:
        thing_id: {type: string, doc: The thing.}
"#;
        let mut diagnostics = Diagnostics::default();
        let files = [SourceFile { name: "spec.yaml".into(), text: spec.into() }];
        let model = crate::load::load(&files, &mut diagnostics);
        assert!(diagnostics.is_empty(), "{diagnostics}");
        let Err(faults) = super::lower(&model) else { panic!("lowered an unresolved spec") };
        let faults = faults.to_string();
        assert!(faults.contains("spec.yaml:17:7"), "{faults}");
        assert!(faults.contains("no rate limit class `nowhere`"), "{faults}");
        assert!(faults.contains("spec.yaml:19:9"), "{faults}");
        assert!(faults.contains("`no_such_type` names no type"), "{faults}");
        assert!(faults.contains("internal error, please report it"), "{faults}");
    }
}
