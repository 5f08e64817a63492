//! Checks that span the whole spec: references, uniqueness, names and consistency.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Diagnostics, Location};
use crate::model::*;
use crate::names::{MAX_NAME, is_snake_case, is_unusable_keyword, pascal_case, shorten};
use crate::path_template::{PathTemplate, Segment};

/// Reports every inconsistency of `spec` into `diags`.
pub fn validate(spec: &Spec, diags: &mut Diagnostics) {
    crate::enum_names::check(spec, diags);
    crate::file_fields::check(spec, diags);
    crate::shapes::check(spec, diags);
    check_prose_lengths(spec, diags);
    let enums = Types {
        contents: check_contents(spec, diags),
        enums: check_enums(spec, diags),
        shared_objects: shared_objects(spec, diags),
    };
    let codes = check_error_tables(spec, diags);
    check_events(spec, &enums, diags);
    for object in &spec.objects {
        check_object(object, &enums, &spec.broken, diags);
    }
    for content in &spec.contents {
        for kind in &content.kinds {
            for field in kind.fields.iter().flatten() {
                check_field(field, &enums, &spec.broken, diags);
                if matches!(&field.ty, TypeRef::Named(n, _) if enums.contents.contains_key(n.as_str()))
                {
                    diags.push(&field.location, "content cannot nest in content");
                }
            }
        }
    }
    let mut rate_limits = unique(
        spec.rate_limits.iter().map(|r| (r.name.as_str(), &r.location)),
        "rate-limit class",
        diags,
    );
    for (name, location) in &spec.broken.rate_limits {
        rate_limits.entry(name.as_str()).or_insert(location);
    }
    for limit in &spec.rate_limits {
        // The name becomes a constant, `RateLimit::PER_MINUTE_100`.
        check_name(&limit.name, &limit.location, "rate-limit class", diags);
        if limit.per_minute == 0 || limit.per_second == 0 {
            diags.push(&limit.location, "rate limits must be greater than zero");
        }
    }

    let mut routes: BTreeMap<(Method, String), &Location> = BTreeMap::new();
    for resource in &spec.resources {
        check_name(&resource.name, &resource.location, "resource name", diags);
        for (what, value) in [("service", &resource.service), ("version", &resource.version)] {
            check_name(value, &resource.location, what, diags);
        }
        for endpoint in &resource.endpoints {
            // `:a` and `:b` in the same place route alike.
            let shape = PathTemplate::parse(&endpoint.path).shape();
            if let Some(first) = routes.insert((endpoint.method, shape), &endpoint.path_location) {
                diags.push(
                    &endpoint.path_location,
                    format!(
                        "`{} {}` is already the route of the endpoint at {first}",
                        endpoint.method.as_str(),
                        endpoint.path
                    ),
                );
            }
        }
        let mut types: BTreeMap<&str, &Location> = BTreeMap::new();
        // The resource's fields may name its own objects and those of contents.
        let mut named_objects = enums.shared_objects.clone();
        named_objects.extend(resource.objects().iter().map(|o| o.name.as_str()));
        let scoped = Types {
            enums: enums.enums.clone(),
            contents: enums.contents.clone(),
            shared_objects: named_objects,
        };
        for endpoint in &resource.endpoints {
            check_name(&endpoint.name, &endpoint.location, "operation name", diags);
            check_endpoint(resource, endpoint, &scoped, &codes, &rate_limits, &spec.broken, diags);
        }
        for endpoint in &resource.endpoints {
            let fields = endpoint.query.iter().chain(endpoint.body.iter().flatten());
            for field in fields.chain(&endpoint.response) {
                collect_objects(&field.ty, &mut types, &enums, diags);
            }
        }
    }
}

fn check_name(name: &str, location: &Location, what: &str, diags: &mut Diagnostics) {
    if name.len() > MAX_NAME {
        diags.push(location, format!("{what} `{}…` is {} bytes long; names are at most {MAX_NAME} bytes, because they become file and type names", shorten(name), name.len()));
    } else if is_unusable_keyword(name) {
        diags.push(location, format!("{what} `{name}` cannot be a Rust identifier, not even a raw one; choose another name"));
    } else if !is_snake_case(name) {
        diags.push(location, format!("{what} `{name}` must be lower snake case (`a-z`, `0-9`, `_`, starting with a letter)"));
    }
}

/// The longest summary, in characters: it is the first line of a doc comment.
pub const MAX_SUMMARY: usize = 500;
/// The longest other prose (descriptions, docs, hints), in characters.
pub const MAX_PROSE: usize = 10_000;

fn check_prose_lengths(spec: &Spec, diags: &mut Diagnostics) {
    let mut check = |text: &str, at: &Location, what: &str, max: usize| {
        let length = text.chars().count();
        if length > max {
            diags
                .push(at, format!("{what} is {length} characters long; at most {max} are allowed"));
        } else if text.trim().is_empty() {
            diags.push(at, format!("{what} is empty"));
        }
    };
    for limit in &spec.rate_limits {
        check(&limit.doc, &limit.location, "`doc`", MAX_PROSE);
    }
    for def in &spec.enums {
        check(&def.doc, &def.location, "`doc`", MAX_PROSE);
        for value in &def.values {
            check(&value.doc, &value.location, "`doc`", MAX_PROSE);
        }
    }
    for table in &spec.error_tables {
        check(&table.doc, &table.location, "`doc`", MAX_PROSE);
        for def in &table.codes {
            check(&def.msg, &def.location, "`msg`", MAX_PROSE);
            check(&def.hint, &def.location, "`hint`", MAX_PROSE);
            if let Some(zh) = &def.hint_zh {
                check(zh, &def.location, "`hint_zh`", MAX_PROSE);
            }
        }
    }
    for content in &spec.contents {
        check(&content.doc, &content.location, "`doc`", MAX_PROSE);
        for kind in &content.kinds {
            check(&kind.doc, &kind.location, "`doc`", MAX_PROSE);
        }
    }
    // Every shared object is listed, nested ones too: their own fields suffice.
    for object in spec.shared_objects() {
        check(&object.doc, &object.location, "`doc`", MAX_PROSE);
        for field in &object.fields {
            check(&field.doc, &field.location, "`doc`", MAX_PROSE);
        }
    }
    let mut pending: Vec<&Field> = Vec::new();
    for event in &spec.events {
        let at = &event.location;
        check(&event.summary, at, "`summary`", MAX_SUMMARY);
        if let Some(zh) = &event.summary_zh {
            check(zh, at, "`summary_zh`", MAX_SUMMARY);
        }
        if let Some(description) = &event.description {
            check(description, at, "`description`", MAX_PROSE);
        }
        pending.extend(event.fields.iter().chain(event.response.iter().flatten()));
    }
    for resource in &spec.resources {
        check(&resource.doc, &resource.location, "`doc`", MAX_PROSE);
        for endpoint in &resource.endpoints {
            let at = &endpoint.location;
            check(&endpoint.summary, at, "`summary`", MAX_SUMMARY);
            if let Some(zh) = &endpoint.summary_zh {
                check(zh, at, "`summary_zh`", MAX_SUMMARY);
            }
            if let Some(description) = &endpoint.description {
                check(description, at, "`description`", MAX_PROSE);
            }
            let fields = endpoint.path_params.iter().chain(&endpoint.query);
            pending.extend(fields.chain(endpoint.body.iter().flatten()).chain(&endpoint.response));
        }
    }
    while let Some(field) = pending.pop() {
        check(&field.doc, &field.location, "`doc`", MAX_PROSE);
        let mut ty = &field.ty;
        while let TypeRef::Array(inner) = ty {
            ty = inner;
        }
        if let TypeRef::Object(object) = ty {
            check(&object.doc, &object.location, "`doc`", MAX_PROSE);
            pending.extend(&object.fields);
        }
    }
}

/// Checks that names are unique and returns them with their locations.
fn unique<'a>(
    items: impl Iterator<Item = (&'a str, &'a Location)>,
    what: &str,
    diags: &mut Diagnostics,
) -> BTreeMap<&'a str, &'a Location> {
    let mut seen: BTreeMap<&str, &Location> = BTreeMap::new();
    for (name, location) in items {
        if let Some(first) = seen.get(name) {
            diags.push(location, format!("duplicate {what} `{name}`, first defined at {first}"));
        } else {
            seen.insert(name, location);
        }
    }
    seen
}

fn check_enums<'a>(spec: &'a Spec, diags: &mut Diagnostics) -> BTreeMap<&'a str, &'a EnumDef> {
    let mut enums = BTreeMap::new();
    for def in &spec.enums {
        check_name(&def.name, &def.location, "enum name", diags);
        if def.values.is_empty() {
            diags.push(&def.location, "an enum needs at least one value");
        }
        let mut variants: BTreeMap<String, &Location> = BTreeMap::new();
        let mut literals: Vec<&Literal> = Vec::new();
        for value in &def.values {
            match (&value.value, def.repr) {
                (Literal::String(_), EnumRepr::String)
                | (Literal::Integer(_), EnumRepr::Integer) => {}
                _ => diags.push(
                    &value.location,
                    format!("value `{}` does not match the enum's type", value.value),
                ),
            }
            if literals.contains(&&value.value) {
                diags.push(&value.location, format!("duplicate value `{}`", value.value));
            }
            literals.push(&value.value);
            let name = match (&value.name, &value.value) {
                (Some(name), _) => name.clone(),
                (None, Literal::String(s)) => s.clone(),
                (None, _) => {
                    diags.push(&value.location, "integer values need a `name` for their variant");
                    continue;
                }
            };
            let variant = pascal_case(&name);
            if variant.is_empty() || !variant.starts_with(|c: char| c.is_ascii_alphabetic()) {
                diags.push(
                    &value.location,
                    format!("`{name}` does not give a variant name; add `name:`"),
                );
            } else if variant == "Unknown" {
                diags.push(
                    &value.location,
                    "variant `Unknown` is reserved for values the spec does not list; add `name:`",
                );
            } else if let Some(first) = variants.insert(variant.clone(), &value.location) {
                diags.push(&value.location, format!("`{name}` collides after case conversion (`{variant}`) with the value at {first}; add `name:`"));
            }
        }
        enums.insert(def.name.as_str(), def);
    }
    enums
}

fn check_error_tables<'a>(spec: &'a Spec, diags: &mut Diagnostics) -> BTreeMap<i64, &'a ErrorDef> {
    let mut codes: BTreeMap<i64, &ErrorDef> = BTreeMap::new();
    let mut variants: BTreeMap<String, &Location> = BTreeMap::new();
    unique(spec.error_tables.iter().map(|t| (t.name.as_str(), &t.location)), "error table", diags);
    for table in &spec.error_tables {
        for def in &table.codes {
            if let Some(first) = codes.get(&def.code) {
                diags.push(
                    &def.location,
                    format!(
                        "duplicate error code {}, first described at {}",
                        def.code, first.location
                    ),
                );
                continue;
            }
            codes.insert(def.code, def);
            check_name(&def.name, &def.location, "error name", diags);
            let variant = pascal_case(&def.name);
            if variant == "Other" {
                diags.push(
                    &def.location,
                    "variant `Other` is reserved for codes the spec does not describe",
                );
            } else if let Some(first) = variants.insert(variant.clone(), &def.location) {
                diags.push(&def.location, format!("error name `{}` collides after case conversion (`{variant}`) with the code at {first}", def.name));
            }
            if def.code <= 0 {
                diags.push(&def.location, format!("error code {} must be positive", def.code));
            }
        }
    }
    codes
}

/// Enums and content declarations by name: what a `type` may name besides the built-in types.
struct Types<'a> {
    enums: BTreeMap<&'a str, &'a EnumDef>,
    contents: BTreeMap<&'a str, &'a ContentDef>,
    /// Objects that fields may name: those declared inside content kinds, and for a
    /// resource's fields, the resource's own.
    shared_objects: BTreeSet<&'a str>,
}

impl<'a> std::ops::Deref for Types<'a> {
    type Target = BTreeMap<&'a str, &'a EnumDef>;
    fn deref(&self) -> &Self::Target {
        &self.enums
    }
}

/// The shared objects (declared on their own or inside content kinds), each once, named apart
/// from enums and contents.
fn shared_objects<'a>(spec: &'a Spec, diags: &mut Diagnostics) -> BTreeSet<&'a str> {
    let objects = spec.shared_objects();
    let mut names = BTreeSet::new();
    for object in objects {
        let clash = spec.enums.iter().any(|e| e.name == object.name)
            || spec.contents.iter().any(|c| c.name == object.name);
        if clash || !names.insert(object.name.as_str()) {
            diags.push(
                &object.location,
                format!(
                    "object `{}` is declared twice or has the name of an enum or content; declare it once and name it elsewhere with `type: {}`",
                    object.name, object.name
                ),
            );
        }
    }
    names
}

fn check_contents<'a>(
    spec: &'a Spec,
    diags: &mut Diagnostics,
) -> BTreeMap<&'a str, &'a ContentDef> {
    let mut contents = BTreeMap::new();
    for content in &spec.contents {
        check_name(&content.name, &content.location, "content name", diags);
        check_name(&content.tag, &content.location, "`tag`", diags);
        check_name(&content.field, &content.location, "`field`", diags);
        if content.tag == content.field {
            diags.push(&content.location, "`tag` and `field` must name different fields");
        }
        if spec.enums.iter().any(|e| e.name == content.name) {
            diags.push(
                &content.location,
                format!("content `{}` has the name of an enum", content.name),
            );
        }
        if contents.insert(content.name.as_str(), content).is_some() {
            diags.push(&content.location, format!("content `{}` is declared twice", content.name));
        }
        if content.kinds.is_empty() {
            diags.push(&content.location, "a content declaration needs at least one kind");
        }
        for kind in &content.kinds {
            check_name(&kind.value, &kind.location, "kind", diags);
        }
    }
    contents
}

fn check_endpoint(
    resource: &Resource,
    endpoint: &Endpoint,
    enums: &Types<'_>,
    codes: &BTreeMap<i64, &ErrorDef>,
    rate_limits: &BTreeMap<&str, &Location>,
    broken: &Broken,
    diags: &mut Diagnostics,
) {
    let at = &endpoint.location;
    if !is_plain_url(&endpoint.docs) {
        diags.push(
            at,
            format!(
                "`docs` must be an https URL of at most {MAX_URL} characters, without spaces, quotes, brackets or parentheses, found `{}`",
                shorten(&endpoint.docs)
            ),
        );
    }
    if endpoint.tokens.is_empty() {
        diags.push(at, "`tokens` must name at least one token type");
    }
    if endpoint.app_types.is_empty() {
        diags.push(at, "`app_types` must name at least one app type");
    }
    let classes = std::iter::once(&endpoint.rate_limit)
        .chain(endpoint.recipient_limit.as_ref().map(|r| &r.class));
    for (class, location) in classes {
        if !rate_limits.contains_key(class.as_str()) {
            let known: Vec<_> = rate_limits.keys().copied().collect();
            let known = if known.is_empty() {
                "no valid class is declared".to_owned()
            } else {
                format!("known: {}", known.join(", "))
            };
            diags.push(location, format!("unknown rate-limit class `{class}`; {known}"));
        }
    }
    if let Some(limit) = &endpoint.recipient_limit {
        let (name, location) = &limit.field;
        let request = endpoint.path_params.iter().chain(&endpoint.query);
        let field = request.chain(endpoint.body.iter().flatten()).find(|f| &f.name == name);
        if !field.is_some_and(|f| f.required && matches!(f.ty, TypeRef::String)) {
            diags.push(
                location,
                format!(
                    "`recipient_limit` field `{name}` must be a required string of the request"
                ),
            );
        }
    }

    if let Some((name, location)) = &endpoint.response_type {
        if !enums.shared_objects.contains(name.as_str()) {
            let mut known: Vec<_> = enums.shared_objects.iter().copied().collect();
            known.sort_unstable();
            diags.push(
                location,
                format!(
                    "`response_type` `{name}` is not an object this resource may name; known: {}",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
            );
        }
        if !endpoint.response.is_empty() || endpoint.binary {
            diags.push(
                location,
                "`response_type` replaces `response` and a binary answer; give only one",
            );
        }
    }

    // Path template ⇔ path params.
    let prefix = format!("/open-apis/{}/{}/", resource.service, resource.version);
    if !endpoint.path.starts_with(&prefix) {
        diags.push(
            &endpoint.path_location,
            format!("path `{}` must start with `{prefix}`", endpoint.path),
        );
    }
    let mut in_template = BTreeSet::new();
    let template = PathTemplate::parse(&endpoint.path);
    for segment in &template.segments {
        match segment {
            Segment::Param(name) => {
                if !in_template.insert(name.as_str()) {
                    diags.push(
                        &endpoint.path_location,
                        format!("path parameter `:{name}` appears twice in the path"),
                    );
                }
                if !endpoint.path_params.iter().any(|p| &p.name == name) {
                    diags.push(
                        &endpoint.path_location,
                        format!("path parameter `:{name}` is not declared in `path_params`"),
                    );
                }
            }
            Segment::Literal(text) if text == "." || text == ".." => diags.push(
                &endpoint.path_location,
                format!("path segment `{text}` is not allowed: a path names one resource, without `.` or `..`"),
            ),
            Segment::Literal(text)
                if text.is_empty()
                    || !text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) =>
            {
                diags.push(
                    &endpoint.path_location,
                    format!("path segment `{text}` must be non-empty and hold only ASCII letters, digits, `_`, `-` and `.`"),
                );
            }
            Segment::Literal(_) => {}
        }
    }
    for param in &endpoint.path_params {
        if !in_template.contains(param.name.as_str()) {
            diags.push(
                &param.location,
                format!(
                    "path parameter `{}` does not appear in the path `{}`",
                    param.name, endpoint.path
                ),
            );
        }
        if !matches!(param.ty, TypeRef::String) {
            diags.push(&param.location, "a path parameter must be a string");
        }
    }

    if endpoint.body.is_some() && endpoint.method == Method::Get {
        diags.push(at, "a GET endpoint cannot have a body");
    }

    let mut names: BTreeMap<&str, &Location> = BTreeMap::new();
    let request_fields =
        endpoint.path_params.iter().chain(&endpoint.query).chain(endpoint.body.iter().flatten());
    for field in request_fields {
        if let Some(first) = names.insert(field.name.as_str(), &field.location) {
            diags.push(
                &field.location,
                format!("request parameter `{}` is declared twice (first at {first})", field.name),
            );
        }
    }
    for field in &endpoint.query {
        if !is_scalar(&field.ty) && !matches!(&field.ty, TypeRef::Array(inner) if is_scalar(inner))
        {
            diags.push(
                &field.location,
                "a query parameter must be a scalar, an enum or an array of them",
            );
        }
    }
    let all_fields =
        endpoint.path_params.iter().chain(&endpoint.query).chain(endpoint.body.iter().flatten());
    for field in all_fields.chain(&endpoint.response) {
        check_field(field, enums, broken, diags);
        let depth = type_depth(&field.ty);
        if depth > MAX_TYPE_DEPTH {
            diags.push(
                &field.location,
                format!("objects and arrays nest {depth} levels deep here; at most {MAX_TYPE_DEPTH} are allowed"),
            );
        }
    }

    // Error references.
    let mut listed = BTreeSet::new();
    for error in &endpoint.errors {
        let (code, location) = (&error.code, &error.location);
        if !listed.insert(*code) {
            diags.push(location, format!("error code {code} is listed twice"));
        }
        if !codes.contains_key(code) && !broken.codes.contains(code) {
            diags.push(location, format!("error code {code} is not described in any error table"));
        }
        for text in [&error.msg, &error.hint, &error.hint_zh].into_iter().flatten() {
            if text.trim().is_empty() {
                diags.push(location, "an error's `msg`, `hint` and `hint_zh` cannot be empty");
            }
        }
    }

    // Content travels in a request body, beside the field naming its kind; one idempotency key.
    for (fields, place) in [
        (&endpoint.path_params[..], "path"),
        (&endpoint.query[..], "query"),
        (&endpoint.response[..], "response"),
    ] {
        for field in fields {
            if let TypeRef::Named(name, _) = &field.ty
                && enums.contents.contains_key(name.as_str())
            {
                diags.push(
                    &field.location,
                    format!(
                        "content `{name}` can only be a request body field, not a {place} field"
                    ),
                );
            }
        }
    }
    for field in endpoint.body.iter().flatten() {
        if let TypeRef::Named(name, _) = &field.ty
            && let Some(content) = enums.contents.get(name.as_str())
        {
            if field.name != content.field {
                diags.push(
                    &field.location,
                    format!(
                        "a field of content `{name}` must be named `{}`, as the declaration says",
                        content.field
                    ),
                );
            }
            if endpoint.body.iter().flatten().any(|f| f.name == content.tag) {
                diags.push(
                    &field.location,
                    format!(
                        "the body cannot also declare `{}`: content `{name}` sends it",
                        content.tag
                    ),
                );
            }
            if field.default.is_some() || field.example.is_some() {
                diags.push(
                    &field.location,
                    "a content field takes no `default` or `example`; its kinds' fields do",
                );
            }
        }
    }
    let keys: Vec<&Field> = endpoint
        .path_params
        .iter()
        .chain(&endpoint.query)
        .chain(endpoint.body.iter().flatten())
        .chain(&endpoint.response)
        .filter(|f| f.idempotency_key)
        .collect();
    for key in &keys {
        let in_request = endpoint
            .query
            .iter()
            .chain(endpoint.body.iter().flatten())
            .any(|f| std::ptr::eq(f, *key));
        if !in_request || key.required || !matches!(key.ty, TypeRef::String) {
            diags.push(
                &key.location,
                "an idempotency key is an optional string query or body field",
            );
        }
    }
    if keys.len() > 1 {
        diags.push(&keys[1].location, "an endpoint has at most one idempotency key");
    }

    if let Some(pagination) = &endpoint.pagination {
        check_pagination(endpoint, pagination, diags);
    }
}

/// How deep objects and arrays may nest in one field. The Open Platform's deepest IM shapes
/// need a handful; far deeper types would exhaust the stack of the Rust parser that formats the
/// generated code.
pub const MAX_TYPE_DEPTH: usize = 12;

/// Levels of objects and arrays in `ty`.
fn type_depth(ty: &TypeRef) -> usize {
    match ty {
        TypeRef::Array(inner) => 1 + type_depth(inner),
        TypeRef::Object(object) => {
            1 + object.fields.iter().map(|f| type_depth(&f.ty)).max().unwrap_or(0)
        }
        _ => 0,
    }
}

/// The longest documentation link accepted.
const MAX_URL: usize = 2000;

/// An https URL that can stand in a Markdown link as it is.
fn is_plain_url(url: &str) -> bool {
    url.len() <= MAX_URL
        && url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty())
        && url.chars().all(|c| c.is_ascii_graphic() && !"<>()[]{}\"'`\\|^".contains(c))
}

fn check_pagination(endpoint: &Endpoint, p: &Pagination, diags: &mut Diagnostics) {
    if endpoint.method != Method::Get {
        diags.push(&p.location, "only GET endpoints can be paged");
    }
    if !matches!(find(&endpoint.query, &p.page_token), Some(TypeRef::String)) {
        diags.push(
            &p.location,
            format!("a paged endpoint needs a string query parameter `{}`", p.page_token),
        );
    }
    if !matches!(find(&endpoint.response, &p.page_token), Some(TypeRef::String)) {
        diags.push(
            &p.location,
            format!("a paged endpoint needs a string response field `{}`", p.page_token),
        );
    }
    if !matches!(find(&endpoint.response, &p.has_more), Some(TypeRef::Boolean)) {
        diags.push(
            &p.location,
            format!("a paged endpoint needs a boolean response field `{}`", p.has_more),
        );
    }
    if !matches!(find(&endpoint.response, &p.items), Some(TypeRef::Array(_))) {
        diags.push(
            &p.location,
            format!("`items` must name an array response field, found `{}`", p.items),
        );
    }
}

fn find<'a>(fields: &'a [Field], name: &str) -> Option<&'a TypeRef> {
    fields.iter().find(|f| f.name == name).map(|f| &f.ty)
}

fn is_scalar(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Boolean
        | TypeRef::Timestamp(_)
        | TypeRef::Count => true,
        TypeRef::Json | TypeRef::File => false,
        // An unknown name is reported on its own; do not pile a second problem on it.
        TypeRef::Named(..) => true,
        TypeRef::Array(_) | TypeRef::Object(_) => false,
    }
}

fn check_field(field: &Field, enums: &Types<'_>, broken: &Broken, diags: &mut Diagnostics) {
    let at = &field.location;
    if field.name.len() > MAX_NAME {
        diags.push(
            at,
            format!(
                "field `{}…` is {} bytes long; names are at most {MAX_NAME} bytes",
                shorten(&field.name),
                field.name.len()
            ),
        );
    } else if is_unusable_keyword(&field.name) {
        diags.push(
            at,
            format!("field `{}` cannot be a Rust identifier, not even a raw one", field.name),
        );
    } else if !is_snake_case(&field.name) {
        diags.push(at, format!("field `{}` must be lower snake case", field.name));
    }
    if let (Some(min), Some(max)) = (field.min, field.max)
        && min > max
    {
        diags.push(at, format!("`min` ({min}) is greater than `max` ({max})"));
    }
    if let (Some(min), Some(max)) = (field.min_items, field.max_items)
        && min > max
    {
        diags.push(at, format!("`min_items` ({min}) is greater than `max_items` ({max})"));
    }
    if field.max_items == Some(0) {
        diags.push(at, "`max_items` is 0, so the list can only be empty; drop the field");
    }
    if (field.min.is_some() || field.max.is_some()) && !matches!(field.ty, TypeRef::Integer) {
        diags.push(at, "`min` and `max` apply only to integers");
    }
    if (field.min_items.is_some() || field.max_items.is_some())
        && !matches!(field.ty, TypeRef::Array(_))
    {
        diags.push(at, "`min_items` and `max_items` apply only to arrays");
    }
    if field.required && field.default.is_some() {
        diags.push(at, "a required field cannot have a default");
    }
    check_type(&field.ty, enums, broken, diags);
    if let Some(default) = &field.default {
        check_literal(field, &field.ty, default, "default", enums, diags);
    }
    if let Some(example) = &field.example {
        check_literal(field, &field.ty, example, "example", enums, diags);
    }
}

fn check_type(ty: &TypeRef, enums: &Types<'_>, broken: &Broken, diags: &mut Diagnostics) {
    match ty {
        TypeRef::Named(name, location)
            if !enums.contains_key(name.as_str())
                && !enums.contents.contains_key(name.as_str())
                && !enums.shared_objects.contains(name.as_str())
                && !broken.enums.contains(name) =>
        {
            let known: Vec<_> = enums.keys().copied().collect();
            diags.push(location, format!("unknown type `{name}`; expected string, integer, boolean, json, file, timestamp_s, timestamp_ms, count, array, object or an enum ({})", known.join(", ")));
        }
        TypeRef::Array(inner) => check_type(inner, enums, broken, diags),
        TypeRef::Object(object) => check_object(object, enums, broken, diags),
        _ => {}
    }
}

fn check_object(object: &ObjectDef, types: &Types<'_>, broken: &Broken, diags: &mut Diagnostics) {
    check_name(&object.name, &object.location, "object name", diags);
    for field in &object.fields {
        check_field(field, types, broken, diags);
    }
    if let Some(at) = &object.content {
        check_content_at(object, at, types, diags);
    }
}

/// Events: names and types unique, docs a plain URL, fields naming what exists, and every
/// type of the events module (payloads, answers, objects) named once.
fn check_events(spec: &Spec, types: &Types<'_>, diags: &mut Diagnostics) {
    let event_objects = spec.event_objects();
    let mut scoped = Types {
        enums: types.enums.clone(),
        contents: types.contents.clone(),
        shared_objects: types.shared_objects.clone(),
    };
    scoped.shared_objects.extend(event_objects.iter().map(|o| o.name.as_str()));
    let mut module: BTreeMap<&str, &Location> = BTreeMap::new();
    let mut event_types: BTreeMap<&str, &Location> = BTreeMap::new();
    for event in &spec.events {
        let at = &event.location;
        check_name(&event.name, at, "event name", diags);
        let (event_type, type_at) = &event.event_type;
        let well_formed = !event_type.is_empty()
            && event_type.len() <= 128
            && event_type
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
        if !well_formed {
            diags.push(
                type_at,
                format!(
                    "event type `{}` must be at most 128 of `a-z`, `0-9`, `.` and `_`",
                    shorten(event_type)
                ),
            );
        } else if let Some(first) = event_types.insert(event_type, type_at) {
            diags
                .push(type_at, format!("event type `{event_type}` is already declared at {first}"));
        }
        if !is_plain_url(&event.docs) {
            diags.push(
                at,
                format!(
                    "`docs` must be an https URL of at most {MAX_URL} characters, without spaces, quotes, brackets or parentheses, found `{}`",
                    shorten(&event.docs)
                ),
            );
        }
        for field in event.fields.iter().chain(event.response.iter().flatten()) {
            check_field(field, &scoped, &spec.broken, diags);
        }
        if let Some((path, path_at)) = &event.dedup_key {
            // The path may pass through the event's own objects and the shared ones.
            let objects: Vec<&ObjectDef> =
                event_objects.iter().copied().chain(spec.shared_objects()).collect();
            check_dedup_key(&event.fields, path, path_at, &objects, diags);
        }
    }
    for object in event_objects {
        let name = object.name.as_str();
        let clash = types.enums.contains_key(name)
            || types.contents.contains_key(name)
            || types.shared_objects.contains(name);
        if clash {
            diags.push(
                &object.location,
                format!("object `{name}` has the name of an enum, content or shared object, so `type: {name}` could not tell them apart; choose another name"),
            );
        } else if let Some(first) = module.insert(name, &object.location) {
            diags.push(
                &object.location,
                format!("object `{name}` is declared twice (first at {first}); declare it once and name it elsewhere with `type: {name}`"),
            );
        }
    }
}

/// A `dedup_key` is a path of required fields, through objects, to a required string.
fn check_dedup_key(
    fields: &[Field],
    path: &[String],
    at: &Location,
    objects: &[&ObjectDef],
    diags: &mut Diagnostics,
) {
    let mut fields = fields;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let field = fields.iter().find(|f| &f.name == segment).filter(|f| f.required);
        match (field.map(|f| &f.ty), last) {
            (Some(TypeRef::String), true) => return,
            (Some(TypeRef::Object(inner)), false) => fields = &inner.fields,
            (Some(TypeRef::Named(name, _)), false)
                if let Some(object) = objects.iter().find(|o| &o.name == name) =>
            {
                fields = &object.fields;
            }
            _ => break,
        }
    }
    diags.push(at, "`dedup_key` must be a path of required fields, through objects, to a required string of the payload");
}

/// An object's `content` names a declaration whose `tag` is one of the object's strings or
/// enums, and a path of fields through inline objects to a string.
fn check_content_at(
    object: &ObjectDef,
    at: &ContentAt,
    types: &Types<'_>,
    diags: &mut Diagnostics,
) {
    let (name, location) = &at.content;
    let Some(content) = types.contents.get(name.as_str()) else {
        let known: Vec<_> = types.contents.keys().copied().collect();
        diags.push(
            location,
            format!("unknown content `{name}`; expected one of: {}", known.join(", ")),
        );
        return;
    };
    let (tag, tag_at) = at.tag.as_ref().map_or((&content.tag, location), |(t, l)| (t, l));
    match find(&object.fields, tag) {
        Some(TypeRef::String) => {}
        Some(TypeRef::Named(named, _)) if types.contains_key(named.as_str()) => {}
        _ => diags.push(
            tag_at,
            format!(
                "object `{}` needs a string or enum field `{tag}`, the kind of `{name}`",
                object.name
            ),
        ),
    }
    let (path, path_location) = &at.text;
    let mut fields = &object.fields;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        match (find(fields, segment), last) {
            (Some(TypeRef::String), true) => {}
            (Some(TypeRef::Object(inner)), false) => fields = &inner.fields,
            _ => {
                let wanted = if last { "a string field" } else { "an object declared inline" };
                diags.push(
                    path_location,
                    format!(
                        "`text` must be a path of fields to a string; `{segment}` is not {wanted}"
                    ),
                );
                return;
            }
        }
    }
}

/// Checks that `value` (a `default` or an `example`, named by `what`) fits `ty` and the field's
/// limits.
fn check_literal(
    field: &Field,
    ty: &TypeRef,
    value: &Literal,
    what: &str,
    enums: &Types<'_>,
    diags: &mut Diagnostics,
) {
    let at = &field.location;
    match (ty, value) {
        (TypeRef::String, Literal::String(_)) | (TypeRef::Boolean, Literal::Boolean(_)) => {}
        // A file's example is its name.
        (TypeRef::File, Literal::String(_)) if what == "example" => {}
        (TypeRef::Timestamp(_), Literal::String(text)) => {
            if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
                diags.push(at, format!("{what} `{text}` must be a timestamp: digits, as text"));
            }
        }
        (TypeRef::Count, Literal::String(text)) => {
            if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
                diags.push(at, format!("{what} `{text}` must be a count: digits, as text"));
            }
        }
        (TypeRef::Integer, Literal::Integer(value)) => {
            if field.min.is_some_and(|min| *value < min)
                || field.max.is_some_and(|max| *value > max)
            {
                diags.push(at, format!("{what} {value} is outside `min`..`max`"));
            }
        }
        (TypeRef::Named(name, _), value) => {
            if let Some(def) = enums.get(name.as_str())
                && !def.values.iter().any(|v| &v.value == value)
            {
                let allowed: Vec<_> = def.values.iter().map(|v| format!("`{}`", v.value)).collect();
                diags.push(
                    at,
                    format!(
                        "{what} `{value}` is not a value of enum `{name}` ({})",
                        allowed.join(", ")
                    ),
                );
            }
        }
        (TypeRef::Array(inner), value) if what == "example" => {
            check_literal(field, inner, value, what, enums, diags);
        }
        (ty, value) => diags.push(
            at,
            format!("{what} `{value}` does not match the field's type {}", type_name(ty)),
        ),
    }
}

fn type_name(ty: &TypeRef) -> &str {
    match ty {
        TypeRef::String => "string",
        TypeRef::Integer => "integer",
        TypeRef::Boolean => "boolean",
        TypeRef::Json => "json",
        TypeRef::File => "file",
        TypeRef::Timestamp(TimeUnit::Seconds) => "timestamp_s",
        TypeRef::Timestamp(TimeUnit::Millis) => "timestamp_ms",
        TypeRef::Count => "count",
        TypeRef::Array(_) => "array",
        TypeRef::Object(_) => "object",
        TypeRef::Named(name, _) => name,
    }
}

fn collect_objects<'a>(
    ty: &'a TypeRef,
    types: &mut BTreeMap<&'a str, &'a Location>,
    enums: &Types<'_>,
    diags: &mut Diagnostics,
) {
    match ty {
        TypeRef::Array(inner) => collect_objects(inner, types, enums, diags),
        TypeRef::Object(object) => {
            let name = object.name.as_str();
            if enums.contains_key(name) {
                diags.push(
                    &object.location,
                    format!("object `{}` has the name of an enum, so `type: {name}` could not tell them apart", object.name),
                );
            } else if enums.shared_objects.contains(name) {
                diags.push(
                    &object.location,
                    format!(
                        "object `{}` is declared in `objects` or in a content kind already; name it with `type: {}`",
                        object.name, object.name
                    ),
                );
            } else if let Some(first) = types.insert(name, &object.location) {
                diags.push(
                    &object.location,
                    format!("object `{name}` is declared twice (first at {first}); declare it once and name it elsewhere with `type: {name}`"),
                );
            }
            for field in &object.fields {
                collect_objects(&field.ty, types, enums, diags);
            }
        }
        _ => {}
    }
}
