//! Random specs in the spec format, for the property that every spec is either refused with
//! located problems or generates a crate that passes clippy, rustdoc and its doc tests.
//!
//! A [`RandomSpec`] is drawn by [`spec()`] and written as YAML ([`RandomSpec::yaml`]), so the
//! loader is exercised too. Every feature of the format appears: resources and endpoints of each
//! method, path, query and body fields of every type, inline, nested and shared objects, lists,
//! enums of strings and integers, contents with kinds of fields and of text, events and
//! callbacks with dedup keys, multipart uploads and binary downloads, pagination, timestamps,
//! counts, idempotency keys, error tables and rate limits.
//!
//! Names are drawn adversarially: Rust keywords, names of the runtime, the prelude and the
//! generated code, names that meet after case conversion, and plain random words.

use std::fmt::Write as _;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Names that have broken generated code, or could: keywords, runtime and prelude items, names
/// the generator uses itself, and pairs equal after case conversion.
const ADVERSARIAL: &[&str] = &[
    "type",
    "match",
    "move",
    "ref",
    "async",
    "fn",
    "mod",
    "impl",
    "client",
    "caller",
    "error",
    "error_code",
    "code",
    "pager",
    "call",
    "operation",
    "option",
    "result",
    "string",
    "vec",
    "box",
    "new",
    "clone",
    "default",
    "from",
    "into",
    "event",
    "unknown",
    "sample",
    "items",
    "enums",
    "objects",
    "contents",
    "events",
    "prelude",
    "receive",
    "resources",
    "rate_limits",
    "rate_limit",
    "builder",
    "send",
    "token",
    "query",
    "method",
    "kind",
    "to_json",
    "from_json",
    "serialize",
    "deserialize",
    "fmt",
    "hash",
    "operation_spec",
    "paged",
    "json_object",
    "url_path",
    "platform",
    "timestamp",
    "request",
    "response",
    "get_pager",
    "list_pager",
    "v1",
    "v_1",
    "a_1",
    "a1",
    "chat_v2",
    "chat_v_2",
    "text",
    "text_message",
    "message_content",
    "content",
    "long",
    "connection",
    "partial",
    "eq",
    "aws",
    "lc_rs",
    "full",
    "unix_millis",
    "secret",
    "count",
    "download",
    "file_upload",
];

/// Prose with markup that must stay text.
const PROSE: &[&str] = &[
    "A plain sentence.",
    "Counts in [0, n) and `code` spans.",
    "Holds <b>HTML</b>, an <!-- open comment and a </script> tag.",
    "```rust\nfn main() { panic!() }\n```",
    "> quoted\n> ```\n> fence in a quote\n> ```",
    "- a list\n\n      indented code in a list",
    "A [link](javascript:alert(1)) and [`Client`] and ![image](x.png).",
    "Tabs\tand \\ backslashes and \"quotes\".",
    "# A heading\n\n    indented code",
    "Ends with a lone carriage return\r",
];

/// A random spec: shared declarations, resources and events.
#[derive(Debug, Clone)]
pub struct RandomSpec {
    enums: Vec<EnumDecl>,
    objects: Vec<ObjectDecl>,
    contents: Vec<ContentDecl>,
    resources: Vec<ResourceDecl>,
    events: Vec<EventDecl>,
    doc: &'static str,
}

#[derive(Debug, Clone)]
struct EnumDecl {
    name: String,
    integer: bool,
    values: Vec<String>,
}

#[derive(Debug, Clone)]
struct ObjectDecl {
    name: String,
    fields: Vec<FieldDecl>,
}

#[derive(Debug, Clone)]
struct ContentDecl {
    name: String,
    /// (kind, fields); no fields means a kind of text.
    kinds: Vec<(String, Vec<FieldDecl>)>,
}

#[derive(Debug, Clone)]
struct ResourceDecl {
    name: String,
    version: String,
    endpoints: Vec<EndpointDecl>,
}

#[derive(Debug, Clone)]
struct EndpointDecl {
    name: String,
    shape: Shape,
    path_param: Option<String>,
    query: Vec<FieldDecl>,
    body: Vec<FieldDecl>,
    response: Vec<FieldDecl>,
    idempotency_key: bool,
    error: bool,
}

/// What kind of endpoint: its method and what it sends and answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Get,
    Paged,
    Post,
    Patch,
    Put,
    Delete,
    Upload,
    Download,
}

#[derive(Debug, Clone)]
struct EventDecl {
    name: String,
    fields: Vec<FieldDecl>,
    answer: Option<Vec<FieldDecl>>,
    dedup: bool,
}

#[derive(Debug, Clone)]
struct FieldDecl {
    name: String,
    ty: Ty,
    required: bool,
}

/// Field types; names of shared declarations are picked by index when the spec is written.
#[derive(Debug, Clone)]
enum Ty {
    String,
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Boolean,
    Json,
    TimestampS,
    TimestampMs,
    Count,
    Enum(usize),
    Shared(usize),
    Inline(String, Vec<FieldDecl>),
    List(Box<Ty>, Option<u32>, Option<u32>),
    /// An inline object carrying content `n` (its kind and text fields are added).
    WithContent(String, usize),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => select(ADVERSARIAL).prop_map(str::to_owned),
        5 => "[a-z][a-z0-9]{0,5}(_[a-z][a-z0-9]{0,2}){0,2}",
    ]
}

fn scalar() -> impl Strategy<Value = Ty> {
    prop_oneof![
        Just(Ty::String),
        (proptest::option::of(-5i64..5), proptest::option::of(0i64..100))
            .prop_map(|(min, max)| Ty::Integer { min, max }),
        Just(Ty::Boolean),
        Just(Ty::TimestampS),
        Just(Ty::TimestampMs),
        Just(Ty::Count),
        (0usize..4).prop_map(Ty::Enum),
    ]
}

fn ty() -> impl Strategy<Value = Ty> {
    let leaf = prop_oneof![
        4 => scalar(),
        1 => Just(Ty::Json),
        1 => (0usize..4).prop_map(Ty::Shared),
        1 => (name(), 0usize..3).prop_map(|(n, c)| Ty::WithContent(n, c)),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            (inner.clone(), proptest::option::of(0u32..3), proptest::option::of(0u32..3)).prop_map(
                |(t, min, extra)| {
                    let max = extra.map(|extra| min.unwrap_or(0) + extra + 1);
                    Ty::List(Box::new(t), min, max)
                }
            ),
            (name(), vec(field_of(inner), 1..4)).prop_map(|(n, f)| Ty::Inline(n, f)),
        ]
    })
}

fn field_of(ty: impl Strategy<Value = Ty>) -> impl Strategy<Value = FieldDecl> {
    (name(), ty, any::<bool>()).prop_map(|(name, ty, required)| FieldDecl { name, ty, required })
}

fn fields() -> impl Strategy<Value = Vec<FieldDecl>> {
    vec(field_of(ty()), 0..5)
}

fn scalars() -> impl Strategy<Value = Vec<FieldDecl>> {
    vec(field_of(scalar()), 0..4)
}

fn endpoint() -> impl Strategy<Value = EndpointDecl> {
    let shape = select(&[
        Shape::Get,
        Shape::Paged,
        Shape::Post,
        Shape::Patch,
        Shape::Put,
        Shape::Delete,
        Shape::Upload,
        Shape::Download,
    ]);
    (
        name(),
        shape,
        proptest::option::of(name()),
        scalars(),
        fields(),
        fields(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(name, shape, path_param, query, body, response, idempotency_key, error)| {
                EndpointDecl {
                    name,
                    shape,
                    path_param,
                    query,
                    body,
                    response,
                    idempotency_key,
                    error,
                }
            },
        )
}

/// A random spec of a few resources, shared declarations and events.
pub fn spec() -> impl Strategy<Value = RandomSpec> {
    let enums =
        vec(
            (name(), any::<bool>(), vec(name(), 1..4))
                .prop_map(|(name, integer, values)| EnumDecl { name, integer, values }),
            4,
        );
    let objects = vec((name(), fields()).prop_map(|(name, fields)| ObjectDecl { name, fields }), 4);
    let kind = (name(), proptest::option::of(vec(field_of(scalar()), 1..3)))
        .prop_map(|(n, f)| (n, f.unwrap_or_default()));
    let contents =
        vec((name(), vec(kind, 1..3)).prop_map(|(name, kinds)| ContentDecl { name, kinds }), 3);
    let resources = vec(
        (name(), prop_oneof![Just("v1".to_owned()), name()], vec(endpoint(), 1..4))
            .prop_map(|(name, version, endpoints)| ResourceDecl { name, version, endpoints }),
        1..4,
    );
    let events = vec(
        (name(), fields(), proptest::option::of(scalars()), any::<bool>())
            .prop_map(|(name, fields, answer, dedup)| EventDecl { name, fields, answer, dedup }),
        0..3,
    );
    (enums, objects, contents, resources, events, select(PROSE)).prop_map(
        |(enums, objects, contents, resources, events, doc)| {
            let mut spec = RandomSpec { enums, objects, contents, resources, events, doc };
            spec.declare_once();
            spec
        },
    )
}

/// A YAML scalar that reads back as `text` whatever it holds.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `name`, or `name_<n>` when an earlier item took it: a spec declares each name once, and the
/// point is names that meet only once they are Rust.
fn unique(name: &mut String, taken: &mut std::collections::BTreeSet<String>) {
    let base = name.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        *name = format!("{base}_{n}");
        n += 1;
    }
}

/// Field names unique in their list, and object names unique in the spec, all the way down.
fn declare_fields(fields: &mut [FieldDecl], types: &mut std::collections::BTreeSet<String>) {
    let mut names = std::collections::BTreeSet::new();
    for field in fields {
        unique(&mut field.name, &mut names);
        declare_ty(&mut field.ty, types);
    }
}

fn declare_ty(ty: &mut Ty, types: &mut std::collections::BTreeSet<String>) {
    match ty {
        Ty::Inline(name, fields) => {
            unique(name, types);
            declare_fields(fields, types);
        }
        Ty::WithContent(name, _) => unique(name, types),
        Ty::List(inner, ..) => declare_ty(inner, types),
        _ => {}
    }
}

impl RandomSpec {
    /// Gives each declaration a name of its own where the spec requires one.
    fn declare_once(&mut self) {
        let mut types = std::collections::BTreeSet::new();
        for e in &mut self.enums {
            unique(&mut e.name, &mut types);
            let mut values = std::collections::BTreeSet::new();
            for v in &mut e.values {
                unique(v, &mut values);
            }
        }
        for o in &mut self.objects {
            unique(&mut o.name, &mut types);
        }
        for c in &mut self.contents {
            unique(&mut c.name, &mut types);
            let mut kinds = std::collections::BTreeSet::new();
            for (kind, fields) in &mut c.kinds {
                unique(kind, &mut kinds);
                declare_fields(fields, &mut types);
            }
        }
        for o in &mut self.objects {
            declare_fields(&mut o.fields, &mut types);
        }
        let mut resources = std::collections::BTreeSet::new();
        for r in &mut self.resources {
            unique(&mut r.name, &mut resources);
            let mut endpoints = std::collections::BTreeSet::new();
            for e in &mut r.endpoints {
                unique(&mut e.name, &mut endpoints);
                // Path, query and body share the request's names; the page token and the
                // idempotency key are added by name.
                let mut request: std::collections::BTreeSet<String> =
                    ["page_token", "uuid", "upload", "note"].map(String::from).into();
                if let Some(p) = &mut e.path_param {
                    unique(p, &mut request);
                }
                for f in e.query.iter_mut().chain(&mut e.body) {
                    unique(&mut f.name, &mut request);
                    declare_ty(&mut f.ty, &mut types);
                }
                let mut response: std::collections::BTreeSet<String> =
                    ["entries", "has_more", "page_token"].map(String::from).into();
                for f in &mut e.response {
                    unique(&mut f.name, &mut response);
                    declare_ty(&mut f.ty, &mut types);
                }
            }
        }
        let mut events = std::collections::BTreeSet::new();
        for e in &mut self.events {
            unique(&mut e.name, &mut events);
            let mut names: std::collections::BTreeSet<String> =
                ["dedup_id"].map(String::from).into();
            for f in &mut e.fields {
                unique(&mut f.name, &mut names);
                declare_ty(&mut f.ty, &mut types);
            }
            if let Some(answer) = &mut e.answer {
                declare_fields(answer, &mut types);
            }
        }
    }

    /// The spec as one YAML file.
    pub fn yaml(&self) -> String {
        let mut y = String::new();
        let doc = quoted(self.doc);
        y.push_str("rate_limits:\n  default:\n    doc: Sample limit.\n    per_minute: 100\n    per_second: 5\n");
        y.push_str("error_table:\n  name: sample\n  doc: Sample codes.\n  codes:\n");
        y.push_str("    - {code: 100001, name: thing_missing, status: 400, msg: Missing., hint: Check the id., retry: never}\n");
        y.push_str("enums:\n");
        for e in &self.enums {
            let repr = if e.integer { "integer" } else { "string" };
            let _ = writeln!(y, "  {}:\n    doc: {doc}\n    type: {repr}\n    values:", e.name);
            for (i, v) in e.values.iter().enumerate() {
                if e.integer {
                    let _ = writeln!(y, "      - {{value: {i}, name: {v}, doc: {doc}}}");
                } else {
                    let _ = writeln!(y, "      - {{value: {v}, doc: {doc}}}");
                }
            }
        }
        if !self.objects.is_empty() {
            y.push_str("objects:\n");
            for (j, o) in self.objects.iter().enumerate() {
                let _ = writeln!(y, "  {}:\n    doc: {doc}\n    fields:", o.name);
                self.fields(&mut y, &o.fields, 6, j);
                if o.fields.is_empty() {
                    let _ = writeln!(y, "      id: {{type: string, doc: {doc}}}");
                }
            }
        }
        if !self.contents.is_empty() {
            y.push_str("contents:\n");
            for c in &self.contents {
                let _ = writeln!(
                    y,
                    "  {}:\n    doc: {doc}\n    tag: kind\n    field: text\n    kinds:",
                    c.name
                );
                for (kind, fields) in &c.kinds {
                    let _ = writeln!(y, "      {kind}:\n        doc: {doc}");
                    if fields.is_empty() {
                        y.push_str("        text: true\n");
                    } else {
                        y.push_str("        fields:\n");
                        self.fields(&mut y, fields, 10, 0);
                    }
                }
            }
        }
        for r in &self.resources {
            y.push_str("---\n");
            let _ = writeln!(
                y,
                "resource:\n  name: {}\n  service: sample\n  version: {}\n  doc: {doc}\n  endpoints:",
                r.name, r.version
            );
            for e in &r.endpoints {
                self.endpoint(&mut y, r, e);
            }
        }
        if !self.events.is_empty() {
            y.push_str("---\nevents:\n");
            for (i, e) in self.events.iter().enumerate() {
                let _ = writeln!(
                    y,
                    "  {}:\n    type: sample.thing.e{i}_v1\n    summary: Delivers a thing.\n    docs: https://example.com/events/{i}\n    scopes: [sample:thing]",
                    e.name
                );
                if e.dedup {
                    y.push_str("    dedup_key: dedup_id\n");
                }
                y.push_str("    fields:\n");
                if e.dedup {
                    let _ =
                        writeln!(y, "      dedup_id: {{type: string, required: true, doc: {doc}}}");
                }
                self.fields(&mut y, &e.fields, 6, self.objects.len());
                if e.fields.is_empty() && !e.dedup {
                    let _ = writeln!(y, "      id: {{type: string, doc: {doc}}}");
                }
                if let Some(answer) = &e.answer {
                    y.push_str("    callback: true\n    response:\n");
                    self.fields(&mut y, answer, 6, self.objects.len());
                    if answer.is_empty() {
                        let _ = writeln!(y, "      toast: {{type: string, doc: {doc}}}");
                    }
                }
            }
        }
        // A spec file holds one mapping: the resource documents are split into files by
        // `files()`.
        y
    }

    /// The spec as files, one per YAML document, as a spec root holds them.
    pub fn files(&self) -> Vec<(String, String)> {
        self.yaml()
            .split("---\n")
            .enumerate()
            .map(|(i, text)| (format!("part_{i}.yaml"), text.to_owned()))
            .collect()
    }

    fn endpoint(&self, y: &mut String, r: &ResourceDecl, e: &EndpointDecl) {
        let doc = quoted(self.doc);
        let method = match e.shape {
            Shape::Get | Shape::Paged | Shape::Download => "GET",
            Shape::Post | Shape::Upload => "POST",
            Shape::Patch => "PATCH",
            Shape::Put => "PUT",
            Shape::Delete => "DELETE",
        };
        let mut path = format!("/open-apis/sample/{}/{}/{}", r.version, r.name, e.name);
        if let Some(p) = &e.path_param {
            let _ = write!(path, "/:{p}");
        }
        let _ = writeln!(
            y,
            "    {}:\n      summary: Does a thing.\n      description: {doc}\n      docs: https://example.com/{}\n      method: {method}\n      path: {path}\n      tokens: [tenant, user]\n      app_types: [custom]\n      scopes: [sample:thing]\n      rate_limit: default",
            e.name, e.name
        );
        match e.shape {
            Shape::Upload => y.push_str("      body_format: multipart\n"),
            Shape::Download => y.push_str("      response_format: binary\n"),
            _ => {}
        }
        if e.error {
            y.push_str("      errors: [100001]\n");
        }
        if let Some(p) = &e.path_param {
            let _ = writeln!(
                y,
                "      path_params:\n        {p}: {{type: string, example: x_1, doc: {doc}}}"
            );
        }
        let paged = e.shape == Shape::Paged;
        if !e.query.is_empty() || paged {
            y.push_str("      query:\n");
            self.fields(y, &e.query, 8, self.objects.len());
            if paged {
                let _ = writeln!(y, "        page_token: {{type: string, doc: {doc}}}");
            }
        }
        match e.shape {
            Shape::Post | Shape::Patch | Shape::Put => {
                y.push_str("      body:\n");
                self.fields(y, &e.body, 8, self.objects.len());
                if e.idempotency_key {
                    let _ = writeln!(
                        y,
                        "        uuid: {{type: string, idempotency_key: true, doc: {doc}}}"
                    );
                } else if e.body.is_empty() {
                    let _ = writeln!(y, "        note: {{type: string, doc: {doc}}}");
                }
            }
            Shape::Upload => {
                y.push_str("      body:\n");
                let scalars: Vec<FieldDecl> =
                    e.body.iter().filter(|f| is_scalar(&f.ty)).cloned().collect();
                self.fields(y, &scalars, 8, self.objects.len());
                let _ = writeln!(
                    y,
                    "        upload: {{type: file, required: true, max_bytes: 1048576, example: a.png, doc: {doc}}}"
                );
            }
            _ => {}
        }
        if e.shape != Shape::Download && (!e.response.is_empty() || paged) {
            y.push_str("      response:\n");
            self.fields(y, &e.response, 8, self.objects.len());
            if paged {
                let _ = writeln!(
                    y,
                    "        entries: {{type: array, items: string, doc: {doc}}}\n        has_more: {{type: boolean, doc: {doc}}}\n        page_token: {{type: string, doc: {doc}}}"
                );
            }
        }
        if paged {
            y.push_str("      pagination:\n        items: entries\n");
        }
    }

    /// Writes `fields` at `indent`; `sent` fields get examples where a sample needs them.
    /// Writes `fields` at `indent`; they may name the first `shared` shared objects.
    fn fields(&self, y: &mut String, fields: &[FieldDecl], indent: usize, shared: usize) {
        let doc = quoted(self.doc);
        let pad = " ".repeat(indent);
        for f in fields {
            let _ = writeln!(y, "{pad}{}:", f.name);
            let _ = writeln!(y, "{pad}  doc: {doc}");
            if f.required {
                let _ = writeln!(y, "{pad}  required: true");
            }
            self.ty(y, &f.ty, indent + 2, shared, false);
        }
    }

    /// A type; the `items` of a list take no limits or examples of their own.
    fn ty(&self, y: &mut String, ty: &Ty, indent: usize, shared: usize, item: bool) {
        let pad = " ".repeat(indent);
        let doc = quoted(self.doc);
        match ty {
            Ty::String => {
                let _ = writeln!(y, "{pad}type: string");
            }
            Ty::Integer { .. } if item => {
                let _ = writeln!(y, "{pad}type: integer");
            }
            Ty::Integer { min, max } => {
                let _ = writeln!(y, "{pad}type: integer");
                if let Some(min) = min {
                    let _ = writeln!(y, "{pad}min: {min}");
                }
                if let Some(max) = max {
                    let _ = writeln!(y, "{pad}max: {max}");
                }
            }
            Ty::Boolean => {
                let _ = writeln!(y, "{pad}type: boolean");
            }
            Ty::Json => {
                let _ = writeln!(y, "{pad}type: json");
            }
            Ty::TimestampS if item => {
                let _ = writeln!(y, "{pad}type: timestamp_s");
            }
            Ty::TimestampMs if item => {
                let _ = writeln!(y, "{pad}type: timestamp_ms");
            }
            Ty::TimestampS => {
                let _ = writeln!(y, "{pad}type: timestamp_s\n{pad}example: \"1608594809\"");
            }
            Ty::TimestampMs => {
                let _ = writeln!(y, "{pad}type: timestamp_ms\n{pad}example: \"1615380573411\"");
            }
            Ty::Count => {
                let _ = writeln!(y, "{pad}type: count");
            }
            Ty::Enum(i) => {
                let _ = writeln!(y, "{pad}type: {}", self.enums[i % self.enums.len()].name);
            }
            Ty::Shared(i) if shared > 0 => {
                let _ = writeln!(y, "{pad}type: {}", self.objects[i % shared].name);
            }
            Ty::Shared(_) => {
                let _ = writeln!(y, "{pad}type: string");
            }
            Ty::Inline(name, fields) => {
                let _ = writeln!(y, "{pad}type: object\n{pad}name: {name}\n{pad}fields:");
                self.fields(y, fields, indent + 2, shared);
                if item {
                    let _ = writeln!(y, "{pad}doc: {doc}");
                }
            }
            Ty::List(inner, ..) if item => {
                let _ = writeln!(y, "{pad}type: array\n{pad}items:");
                self.ty(y, inner, indent + 2, shared, true);
            }
            Ty::List(inner, min, max) => {
                let _ = writeln!(y, "{pad}type: array");
                if let Some(min) = min {
                    let _ = writeln!(y, "{pad}min_items: {min}");
                }
                if let Some(max) = max {
                    let _ = writeln!(y, "{pad}max_items: {max}");
                }
                let _ = writeln!(y, "{pad}items:");
                self.ty(y, inner, indent + 2, shared, true);
            }
            Ty::WithContent(name, i) if !self.contents.is_empty() => {
                let content = &self.contents[i % self.contents.len()].name;
                let _ = writeln!(
                    y,
                    "{pad}type: object\n{pad}name: {name}\n{pad}content: {{type: {content}, text: text}}\n{pad}fields:\n{pad}  kind: {{type: string, doc: {doc}}}\n{pad}  text: {{type: string, doc: {doc}}}"
                );
                if item {
                    let _ = writeln!(y, "{pad}doc: {doc}");
                }
            }
            Ty::WithContent(..) => {
                let _ = writeln!(y, "{pad}type: boolean");
            }
        }
    }
}

fn is_scalar(ty: &Ty) -> bool {
    !matches!(ty, Ty::Json | Ty::Shared(_) | Ty::Inline(..) | Ty::List(..) | Ty::WithContent(..))
}

/// What a run of random specs found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Specs drawn.
    pub drawn: usize,
    /// Refused, every problem located.
    pub refused: usize,
    /// Accepted by the generator.
    pub accepted: usize,
    /// Accepted and built as crates that passed clippy, rustdoc and the doc-test collector.
    pub built: usize,
    /// Specs that broke the property: the YAML, and what went wrong.
    pub failures: Vec<(String, String)>,
}

/// Draws `cases` random specs from `seed`: each must be refused with located problems or
/// generate. The first `builds` that generate are built as crates, `batch` to a workspace.
pub fn run(seed: u64, cases: usize, builds: usize, batch: usize, group: &str) -> Findings {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = spec();
    let mut findings = Findings::default();
    let mut to_build = Vec::new();
    for _ in 0..cases {
        let Ok(tree) = strategy.new_tree(&mut runner) else { continue };
        let spec = tree.current();
        findings.drawn += 1;
        let yaml = spec.yaml();
        let files: Vec<feishu_im_codegen::SourceFile> = spec
            .files()
            .into_iter()
            .map(|(name, text)| feishu_im_codegen::SourceFile { name, text })
            .collect();
        let outcome =
            std::panic::catch_unwind(|| feishu_im_codegen::generate(&files)).map_err(|panic| {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()));
                format!("the generator panicked: {}", text.unwrap_or_default())
            });
        match outcome {
            Err(why) => findings.failures.push((yaml, why)),
            Ok(Err(problems)) => {
                let unlocated = problems.iter().find(|d| {
                    d.location.file.is_empty() || d.location.line == 0 || d.location.column == 0
                });
                match unlocated {
                    Some(d) => {
                        findings.failures.push((yaml, format!("a problem without a location: {d}")))
                    }
                    None if problems.is_empty() => {
                        findings.failures.push((yaml, "refused without a problem".into()));
                    }
                    None => findings.refused += 1,
                }
            }
            Ok(Ok(generated)) => {
                findings.accepted += 1;
                if to_build.len() < builds {
                    to_build.push((yaml, generated));
                }
            }
        }
    }
    for (i, chunk) in to_build.chunks(batch.max(1)).enumerate() {
        let crates: Vec<(String, crate::Generated)> = chunk
            .iter()
            .enumerate()
            .map(|(j, (_, files))| (format!("random_{j}"), crate::Generated::Files(files.clone())))
            .collect();
        let group = format!("{group}-{i}");
        if crate::check(&group, &crates).is_ok() {
            findings.built += chunk.len();
            continue;
        }
        // Built one by one, to tell which spec fails.
        for (j, (yaml, _)) in chunk.iter().enumerate() {
            match crate::check(&format!("{group}-{j}"), &crates[j..=j]) {
                Ok(()) => findings.built += 1,
                Err(why) => findings.failures.push((yaml.clone(), why)),
            }
        }
    }
    findings
}
