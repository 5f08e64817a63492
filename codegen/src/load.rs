//! Reads the YAML documents of a spec directory into the [`Spec`] model.
//!
//! Loading is strict and never stops at the first problem: unknown keys, wrong types and
//! missing keys are all collected, each with its file, line, column and spec path.

use serde_yaml::{Mapping, Value};

use crate::diagnostics::{Diagnostics, Location};
use crate::model::*;
use crate::read::SourceFile;
use crate::source_map::SourceMap;

/// Parses all files into one [`Spec`], recording every problem in `diags`.
pub fn load(files: &[SourceFile], diags: &mut Diagnostics) -> Spec {
    // Files are independent: parse them on every core, then merge in file order.
    let mut spec = Spec::default();
    for (part, problems) in crate::parallel::map(files, load_file) {
        spec.rate_limits.extend(part.rate_limits);
        spec.enums.extend(part.enums);
        spec.error_tables.extend(part.error_tables);
        spec.contents.extend(part.contents);
        spec.objects.extend(part.objects);
        spec.resources.extend(part.resources);
        spec.events.extend(part.events);
        spec.unparsed |= part.unparsed;
        spec.broken.rate_limits.extend(part.broken.rate_limits);
        spec.broken.enums.extend(part.broken.enums);
        spec.broken.codes.extend(part.broken.codes);
        diags.extend(problems);
    }
    spec
}

fn load_file(file: &SourceFile) -> (Spec, Diagnostics) {
    let mut spec = Spec::default();
    let mut diags = Diagnostics::default();
    let Some((map, value)) = parse(file, &mut diags) else {
        spec.unparsed = !diags.is_empty();
        return (spec, diags);
    };
    let cx = Cx { file: &file.name, map: &map };
    let root = Node { cx: &cx, value: &value, path: String::new() };
    let Some(doc) = root.mapping(
        &mut diags,
        &["rate_limits", "enums", "contents", "objects", "error_table", "resource", "events"],
    ) else {
        return (spec, diags);
    };
    if let Some(node) = doc.get("rate_limits") {
        for (name, node) in node.entries(&mut diags) {
            match rate_limit(name.clone(), &node, &mut diags) {
                Some(limit) => spec.rate_limits.push(limit),
                None => spec.broken.rate_limits.push((name, node.location())),
            }
        }
    }
    if let Some(node) = doc.get("enums") {
        for (name, node) in node.entries(&mut diags) {
            match enum_def(name.clone(), &node, &mut diags) {
                Some(def) => spec.enums.push(def),
                None => spec.broken.enums.push(name),
            }
        }
    }
    if let Some(node) = doc.get("contents") {
        for (name, node) in node.entries(&mut diags) {
            match content_def(name.clone(), &node, &mut diags) {
                Some(def) => spec.contents.push(def),
                None => spec.broken.enums.push(name),
            }
        }
    }
    if let Some(node) = doc.get("objects") {
        for (name, node) in node.entries(&mut diags) {
            if let Some(object) = object_def(name, &node, &mut diags) {
                spec.objects.push(object);
            }
        }
    }
    if let Some(node) = doc.get("error_table")
        && let Some(table) = error_table(&node, &mut spec.broken.codes, &mut diags)
    {
        spec.error_tables.push(table);
    }
    if let Some(node) = doc.get("resource")
        && let Some(resource) = resource(&node, &mut diags)
    {
        spec.resources.push(resource);
    }
    if let Some(node) = doc.get("events") {
        for (name, node) in node.entries(&mut diags) {
            if let Some(event) = event_def(name, &node, &mut diags) {
                spec.events.push(event);
            }
        }
    }
    (spec, diags)
}

/// The YAML document of `file` with the positions of its spec paths; `None` with a located
/// problem when it cannot be parsed, and `None` without one when it holds only comments.
fn parse(file: &SourceFile, diags: &mut Diagnostics) -> Option<(SourceMap, Value)> {
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    if let Some((line, column)) = too_deep_flow(text) {
        let location = Location { file: file.name.clone(), line, column, path: String::new() };
        diags.push(
            &location,
            format!("`[` and `{{` nest more than {MAX_FLOW_DEPTH} levels deep here; a spec never needs that"),
        );
        return None;
    }
    let map = SourceMap::scan(text);
    let value: Value = match serde_yaml::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            let (line, column) = error.location().map_or((1, 1), |l| (l.line(), l.column()));
            let mut location =
                Location { file: file.name.clone(), line, column, path: String::new() };
            let message = yaml_problem(&error.to_string(), &map, &mut location);
            diags.push(&location, message);
            return None;
        }
    };
    // A file of nothing but comments declares nothing; an explicit `null` is a mistake.
    if value.is_null()
        && text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return None;
    }
    Some((map, value))
}

/// The catalog of published endpoints (`catalog/im_endpoints.yaml`), read as strictly as the
/// spec: every entry with its location, every problem recorded in `diags`.
pub(crate) fn catalog(file: &SourceFile, diags: &mut Diagnostics) -> Vec<Published> {
    let Some((map, value)) = parse(file, diags) else {
        return Vec::new();
    };
    let cx = Cx { file: &file.name, map: &map };
    let root = Node { cx: &cx, value: &value, path: String::new() };
    let Some(doc) = root.mapping(diags, &["endpoints"]) else {
        return Vec::new();
    };
    let Some(list) = doc.required("endpoints", diags) else {
        return Vec::new();
    };
    let mut published = Vec::new();
    for node in list.items(diags) {
        let Some(f) = node.mapping(diags, &["method", "path", "resource", "operation", "note"])
        else {
            continue;
        };
        let (method, path, resource, operation, note) = (
            f.req_string("method", diags),
            f.req_string("path", diags),
            f.req_string("resource", diags),
            f.req_string("operation", diags),
            f.get("note").map(|n| (n.string(diags), n.location())),
        );
        if let (Some(method), Some(path), Some(resource), Some(operation)) =
            (method, path, resource, operation)
        {
            let (note, note_location) = match note {
                Some((note, location)) => (note, Some(location)),
                None => (None, None),
            };
            published.push(Published {
                method,
                path,
                resource,
                operation,
                note,
                location: node.location(),
                note_location,
            });
        }
    }
    published
}

/// How deep flow collections (`[…]`, `{…}`) may nest. The YAML parser's time grows with the
/// square of that depth, so deeper input is refused before it is parsed.
const MAX_FLOW_DEPTH: usize = 32;

/// Line and column (1-based) of the first `[` or `{` nested deeper than [`MAX_FLOW_DEPTH`],
/// outside quoted scalars, comments, block scalars and plain text. One linear pass: a bracket
/// opens a flow collection only where a node starts (a line of the root, after `: `, `- ` or
/// `? `, the line after `key:`) or inside another; elsewhere it is text (`[0, n)`). A quoted
/// scalar ends with its line here.
fn too_deep_flow(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // The indentation of the line that opened a block scalar (`doc: |`): more indented lines
    // are its text.
    let mut block_scalar: Option<usize> = None;
    // Whether the last line left a node to come (`key:`, `-`): this line may start with it.
    let mut node_pending = false;
    for (index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(opener) = block_scalar {
            if line.trim().is_empty() || indent > opener {
                continue;
            }
            block_scalar = None;
        }
        let mut quote: Option<char> = None;
        let mut previous = ' ';
        let mut escaped = false;
        // Outside flow collections: whether a node may start here (line start, or after
        // `: `, `- ` or `? `). Elsewhere a bracket is text of a plain scalar.
        let mut node_starts = true;
        let content = line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        for (column, &c) in chars.iter().enumerate() {
            let next_is_space = chars.get(column + 1).is_none_or(|n| n.is_whitespace());
            match quote {
                Some('"') if escaped => escaped = false,
                Some('"') if c == '\\' => escaped = true,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    '"' | '\'' if previous.is_whitespace() || "[{,:-".contains(previous) => {
                        quote = Some(c);
                    }
                    '#' if previous.is_whitespace() => break,
                    '[' | '{'
                        if depth > 0
                            || (node_starts
                                && (column > indent || indent == 0 || node_pending)) =>
                    {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Some((index + 1, column + 1));
                        }
                    }
                    // Text of a plain scalar (`[0, n)`), or of a continuation line.
                    '[' | '{' if depth == 0 => {
                        node_starts = false;
                        break;
                    }
                    ']' | '}' => depth = depth.saturating_sub(1),
                    _ if depth > 0 || c.is_whitespace() => {}
                    ':' if next_is_space => node_starts = true,
                    '-' | '?' if node_starts && next_is_space => {}
                    '|' | '>' if node_starts => {
                        block_scalar = Some(indent);
                        break;
                    }
                    _ => node_starts = false,
                },
            }
            previous = c;
        }
        node_pending = depth == 0 && node_starts && block_scalar.is_none();
    }
    None
}

/// The parser's message for a syntax problem, in the spec's words where they are clearer: a
/// repeated key is located at the repeat, and an integer too large for 64 bits says so.
fn yaml_problem(message: &str, map: &SourceMap, location: &mut Location) -> String {
    // The parser appends "at line L column C"; the location already says where.
    let suffix = format!(" at line {} column {}", location.line, location.column);
    let message = message.strip_suffix(&suffix).unwrap_or(message);
    if let Some((parent, rest)) = message.split_once(": duplicate entry with key \"")
        && let Some(key) = rest.strip_suffix('"')
    {
        let parent = parent.replace('[', ".").replace(']', "");
        if let Some((line, column)) = map.duplicate(&parent, key) {
            (location.line, location.column) = (line, column);
        }
        location.path = if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") };
        return format!("key `{key}` appears twice in one mapping");
    }
    if let Some((path, rest)) = message.split_once("invalid type: integer `")
        && let Some((number, _)) = rest.split_once('`')
    {
        location.path = path.trim_end_matches(": ").replace('[', ".").replace(']', "");
        let bound = if number.starts_with('-') {
            "must be at least -2^63 (-9223372036854775808)"
        } else {
            "must be at most 2^63-1 (9223372036854775807)"
        };
        return format!("integer {number} is out of range: {bound}");
    }
    format!("invalid YAML: {message}")
}

struct Cx<'a> {
    file: &'a str,
    map: &'a SourceMap,
}

/// A YAML value with its spec path.
struct Node<'a> {
    cx: &'a Cx<'a>,
    value: &'a Value,
    path: String,
}

/// The keys of a mapping that passed the unknown-key check.
struct Fields<'a> {
    node: &'a Node<'a>,
    mapping: &'a Mapping,
}

impl<'a> Node<'a> {
    fn location(&self) -> Location {
        let (line, column) = self.cx.map.locate(&self.path);
        Location { file: self.cx.file.to_owned(), line, column, path: self.path.clone() }
    }

    fn child(&self, segment: &str, value: &'a Value) -> Node<'a> {
        let path = if self.path.is_empty() {
            segment.to_owned()
        } else {
            format!("{}.{segment}", self.path)
        };
        Node { cx: self.cx, value, path }
    }

    fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
            Value::Tagged(_) => "a tagged value",
        }
    }

    fn expected(&self, diags: &mut Diagnostics, what: &str) {
        diags.push(&self.location(), format!("expected {what}, found {}", self.kind()));
    }

    /// A mapping whose keys must all be in `allowed`.
    fn mapping(&'a self, diags: &mut Diagnostics, allowed: &[&str]) -> Option<Fields<'a>> {
        let Value::Mapping(mapping) = self.value else {
            self.expected(diags, "a mapping");
            return None;
        };
        for key in mapping.keys() {
            let name = key_text(key);
            if !allowed.contains(&name.as_str()) {
                let location = self.child(&name, key).location();
                diags.push(
                    &location,
                    format!("unknown key `{name}`; expected one of: {}", allowed.join(", ")),
                );
            }
        }
        Some(Fields { node: self, mapping })
    }

    /// Entries of a mapping with free-form keys (names).
    fn entries(&self, diags: &mut Diagnostics) -> Vec<(String, Node<'a>)> {
        match self.value {
            Value::Mapping(mapping) => mapping
                .iter()
                .map(|(key, value)| {
                    let name = key_text(key);
                    let node = self.child(&name, value);
                    (name, node)
                })
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                self.expected(diags, "a mapping of names");
                Vec::new()
            }
        }
    }

    fn items(&self, diags: &mut Diagnostics) -> Vec<Node<'a>> {
        match self.value {
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .map(|(i, value)| self.child(&i.to_string(), value))
                .collect(),
            _ => {
                self.expected(diags, "a list");
                Vec::new()
            }
        }
    }

    fn string(&self, diags: &mut Diagnostics) -> Option<String> {
        match self.value {
            Value::String(s) => {
                if let Some(c) = s.chars().find(|c| is_hidden_control(*c)) {
                    let what = if c.is_control() {
                        "a control character"
                    } else {
                        "a bidirectional-text control"
                    };
                    diags.push(
                        &self.location(),
                        format!("the text holds {what} (U+{:04X}), which would change how it reads; remove it", c as u32),
                    );
                }
                Some(s.clone())
            }
            _ => {
                self.expected(diags, "a string");
                None
            }
        }
    }

    fn integer(&self, diags: &mut Diagnostics) -> Option<i64> {
        match self.value {
            Value::Number(n) if n.as_i64().is_some() => n.as_i64(),
            Value::Number(n) if n.as_u64().is_some() => {
                diags.push(
                    &self.location(),
                    format!(
                        "integer {n} is out of range: must be at most 2^63-1 (9223372036854775807)"
                    ),
                );
                None
            }
            _ => {
                self.expected(diags, "an integer");
                None
            }
        }
    }

    fn boolean(&self, diags: &mut Diagnostics) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.expected(diags, "`true` or `false`");
                None
            }
        }
    }

    fn literal(&self, diags: &mut Diagnostics) -> Option<Literal> {
        match self.value {
            Value::String(_) => self.string(diags).map(Literal::String),
            Value::Bool(b) => Some(Literal::Boolean(*b)),
            Value::Number(n) if n.as_i64().is_some() => n.as_i64().map(Literal::Integer),
            Value::Number(n) if n.as_u64().is_some() => self.integer(diags).map(Literal::Integer),
            _ => {
                self.expected(diags, "a string, integer or boolean");
                None
            }
        }
    }

    /// A list of strings.
    fn strings(&self, diags: &mut Diagnostics) -> Vec<(String, Location)> {
        self.items(diags)
            .into_iter()
            .filter_map(|item| item.string(diags).map(|s| (s, item.location())))
            .collect()
    }

    /// One of the given words.
    fn word<T: Copy>(&self, diags: &mut Diagnostics, words: &[(&str, T)]) -> Option<T> {
        let text = self.string(diags)?;
        match words.iter().find(|(word, _)| *word == text) {
            Some((_, value)) => Some(*value),
            None => {
                let names: Vec<_> = words.iter().map(|(w, _)| format!("`{w}`")).collect();
                diags.push(
                    &self.location(),
                    format!("unknown value `{text}`; expected one of {}", names.join(", ")),
                );
                None
            }
        }
    }
}

impl<'a> Fields<'a> {
    fn get(&self, key: &str) -> Option<Node<'a>> {
        self.mapping.get(key).map(|value| self.node.child(key, value))
    }

    fn required(&self, key: &str, diags: &mut Diagnostics) -> Option<Node<'a>> {
        let node = self.get(key);
        if node.is_none() {
            diags.push(&self.node.location(), format!("missing required key `{key}`"));
        }
        node
    }

    fn req_string(&self, key: &str, diags: &mut Diagnostics) -> Option<String> {
        self.required(key, diags)?.string(diags)
    }

    fn opt_string(&self, key: &str, diags: &mut Diagnostics) -> Option<String> {
        self.get(key)?.string(diags)
    }

    fn opt_integer(&self, key: &str, diags: &mut Diagnostics) -> Option<i64> {
        self.get(key)?.integer(diags)
    }

    fn opt_u32(&self, key: &str, diags: &mut Diagnostics) -> Option<u32> {
        let node = self.get(key)?;
        let value = node.integer(diags)?;
        match u32::try_from(value) {
            Ok(value) => Some(value),
            Err(_) => {
                let bound =
                    if value < 0 { "must not be negative" } else { "must be at most 4294967295" };
                diags.push(&node.location(), format!("integer {value} is out of range: {bound}"));
                None
            }
        }
    }

    fn opt_bool(&self, key: &str, diags: &mut Diagnostics) -> Option<bool> {
        self.get(key)?.boolean(diags)
    }
}

/// Characters that never belong in spec text: control characters other than line breaks and
/// tabs, and the bidirectional controls that make text display differently than it reads.
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "?".to_owned(),
    }
}

fn rate_limit(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<RateLimit> {
    let fields = node.mapping(diags, &["doc", "per_minute", "per_second"])?;
    let doc = fields.req_string("doc", diags);
    let per_minute = fields.required("per_minute", diags).and(fields.opt_u32("per_minute", diags));
    let per_second = fields.required("per_second", diags).and(fields.opt_u32("per_second", diags));
    Some(RateLimit {
        name,
        doc: doc?,
        per_minute: per_minute?,
        per_second: per_second?,
        location: node.location(),
    })
}

fn enum_def(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<EnumDef> {
    let fields = node.mapping(diags, &["doc", "type", "values"])?;
    let doc = fields.req_string("doc", diags);
    let repr = fields.required("type", diags).and_then(|n| {
        n.word(diags, &[("string", EnumRepr::String), ("integer", EnumRepr::Integer)])
    });
    let mut values = Vec::new();
    if let Some(list) = fields.required("values", diags) {
        for item in list.items(diags) {
            let Some(f) = item.mapping(diags, &["value", "name", "doc"]) else { continue };
            let value = f.required("value", diags).and_then(|n| n.literal(diags));
            let name = f.opt_string("name", diags);
            let doc = f.req_string("doc", diags);
            if let (Some(value), Some(doc)) = (value, doc) {
                values.push(EnumValue { value, name, doc, location: item.location() });
            }
        }
    }
    Some(EnumDef { name, doc: doc?, repr: repr?, values, location: node.location() })
}

fn content_def(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<ContentDef> {
    let f = node.mapping(diags, &["doc", "tag", "field", "kinds"])?;
    let doc = f.req_string("doc", diags);
    let tag = f.req_string("tag", diags);
    let field = f.req_string("field", diags);
    let mut kinds = Vec::new();
    if let Some(list) = f.required("kinds", diags) {
        for (value, node) in list.entries(diags) {
            let Some(k) = node.mapping(diags, &["doc", "fields", "json", "text"]) else {
                continue;
            };
            let doc = k.req_string("doc", diags);
            let json = k.opt_bool("json", diags).unwrap_or(false);
            let text = k.opt_bool("text", diags).unwrap_or(false);
            let fields = k.get("fields").map(|n| fields_of(&n, diags));
            if [json, text, fields.is_some()].into_iter().filter(|set| *set).count() != 1 {
                diags.push(
                    &node.location(),
                    "a kind has exactly one of `fields`, `json: true` (any JSON object) or `text: true` (text kept as sent)",
                );
                continue;
            }
            if let Some(doc) = doc {
                kinds.push(ContentKind { value, doc, fields, text, location: node.location() });
            }
        }
    }
    Some(ContentDef { name, doc: doc?, tag: tag?, field: field?, kinds, location: node.location() })
}

/// An error table; the codes of entries that could not be loaded go to `broken`.
fn error_table(
    node: &Node<'_>,
    broken: &mut Vec<i64>,
    diags: &mut Diagnostics,
) -> Option<ErrorTable> {
    let fields = node.mapping(diags, &["name", "doc", "platform", "codes"])?;
    let name = fields.req_string("name", diags);
    let doc = fields.req_string("doc", diags);
    let platform = fields.opt_bool("platform", diags).unwrap_or(false);
    let mut codes = Vec::new();
    if let Some(list) = fields.required("codes", diags) {
        for item in list.items(diags) {
            match error_def(&item, diags) {
                Some(def) => codes.push(def),
                None => broken.extend(item.value.get("code").and_then(Value::as_i64)),
            }
        }
    }
    Some(ErrorTable { name: name?, doc: doc?, platform, codes, location: node.location() })
}

fn error_def(node: &Node<'_>, diags: &mut Diagnostics) -> Option<ErrorDef> {
    let f = node.mapping(diags, &["code", "name", "status", "msg", "hint", "hint_zh", "retry"])?;
    let code = f.required("code", diags).and_then(|n| n.integer(diags));
    let name = f.req_string("name", diags);
    let status = f.required("status", diags).and_then(|n| {
        let value = n.integer(diags)?;
        match u16::try_from(value) {
            Ok(status @ 100..=599) => Some(status),
            _ => {
                diags.push(
                    &n.location(),
                    format!("expected an HTTP status (100-599), found {value}"),
                );
                None
            }
        }
    });
    let msg = f.req_string("msg", diags);
    let hint = f.req_string("hint", diags);
    let hint_zh = f.opt_string("hint_zh", diags);
    let retry = f.required("retry", diags).and_then(|n| {
        n.word(
            diags,
            &[
                ("never", RetryClass::Never),
                ("rate_limit", RetryClass::RateLimit),
                ("refresh_token", RetryClass::RefreshToken),
            ],
        )
    });
    Some(ErrorDef {
        code: code?,
        name: name?,
        status: status?,
        msg: msg?,
        hint: hint?,
        hint_zh,
        retry: retry?,
        location: node.location(),
    })
}

fn resource(node: &Node<'_>, diags: &mut Diagnostics) -> Option<Resource> {
    let fields = node.mapping(diags, &["name", "service", "version", "doc", "endpoints"])?;
    let name = fields.req_string("name", diags);
    let service = fields.req_string("service", diags);
    let version = fields.req_string("version", diags);
    let doc = fields.req_string("doc", diags);
    let mut endpoints = Vec::new();
    if let Some(map) = fields.required("endpoints", diags) {
        let entries = map.entries(diags);
        if entries.is_empty() && matches!(map.value, Value::Mapping(_) | Value::Null) {
            diags.push(&map.location(), "a resource needs at least one endpoint");
        }
        for (name, node) in entries {
            if let Some(endpoint) = endpoint(name, &node, diags) {
                endpoints.push(endpoint);
            }
        }
    }
    Some(Resource {
        name: name?,
        service: service?,
        version: version?,
        doc: doc?,
        endpoints,
        location: node.location(),
    })
}

const ENDPOINT_KEYS: &[&str] = &[
    "summary",
    "summary_zh",
    "description",
    "docs",
    "method",
    "path",
    "idempotent",
    "tokens",
    "app_types",
    "scopes",
    "rate_limit",
    "path_params",
    "query",
    "body",
    "response",
    "pagination",
    "errors",
    "body_format",
    "response_format",
    "response_type",
    "recipient_limit",
];

fn endpoint(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<Endpoint> {
    let f = node.mapping(diags, ENDPOINT_KEYS)?;
    let summary = f.req_string("summary", diags);
    let summary_zh = f.opt_string("summary_zh", diags);
    let description = f.opt_string("description", diags);
    let docs = f.req_string("docs", diags);
    let method = f.required("method", diags).and_then(|n| {
        n.word(
            diags,
            &[
                ("GET", Method::Get),
                ("POST", Method::Post),
                ("PUT", Method::Put),
                ("PATCH", Method::Patch),
                ("DELETE", Method::Delete),
            ],
        )
    });
    let path = f.required("path", diags).and_then(|n| Some((n.string(diags)?, n.location())));
    let idempotent = f.opt_bool("idempotent", diags);
    let tokens = words(
        f.required("tokens", diags),
        diags,
        &[("tenant", TokenKind::Tenant), ("app", TokenKind::App), ("user", TokenKind::User)],
    );
    let app_types = words(
        f.required("app_types", diags),
        diags,
        &[("custom", AppType::Custom), ("isv", AppType::Isv)],
    );
    let scopes = f
        .required("scopes", diags)
        .map(|n| n.strings(diags).into_iter().map(|(s, _)| s).collect())
        .unwrap_or_default();
    let rate_limit =
        f.required("rate_limit", diags).and_then(|n| Some((n.string(diags)?, n.location())));
    let path_params = f.get("path_params").map(|n| fields_of(&n, diags)).unwrap_or_default();
    let query = f.get("query").map(|n| fields_of(&n, diags)).unwrap_or_default();
    let body = f.get("body").map(|n| fields_of(&n, diags));
    let response = f.get("response").map(|n| fields_of(&n, diags)).unwrap_or_default();
    let pagination = f.get("pagination").and_then(|n| {
        let p = n.mapping(diags, &["items", "page_token", "has_more"])?;
        Some(Pagination {
            items: p.req_string("items", diags)?,
            page_token: p
                .opt_string("page_token", diags)
                .unwrap_or_else(|| "page_token".to_owned()),
            has_more: p.opt_string("has_more", diags).unwrap_or_else(|| "has_more".to_owned()),
            location: n.location(),
        })
    });
    let errors = f
        .get("errors")
        .map(|n| n.items(diags).into_iter().filter_map(|item| error_ref(&item, diags)).collect())
        .unwrap_or_default();
    let multipart = f
        .get("body_format")
        .and_then(|n| n.word(diags, &[("json", false), ("multipart", true)]))
        .unwrap_or(false);
    let response_type = f.get("response_type").and_then(|n| Some((n.string(diags)?, n.location())));
    let recipient_limit = f.get("recipient_limit").and_then(|n| {
        let r = n.mapping(diags, &["class", "field"])?;
        let class = r.required("class", diags).and_then(|c| Some((c.string(diags)?, c.location())));
        let field = r.required("field", diags).and_then(|c| Some((c.string(diags)?, c.location())));
        Some(RecipientLimit { class: class?, field: field? })
    });
    let binary = f
        .get("response_format")
        .and_then(|n| n.word(diags, &[("json", false), ("binary", true)]))
        .unwrap_or(false);
    Some(Endpoint {
        name,
        summary: summary?,
        summary_zh,
        description,
        docs: docs?,
        method: method?,
        path: path.clone()?.0,
        path_location: path?.1,
        idempotent,
        tokens,
        app_types,
        scopes,
        rate_limit: rate_limit?,
        path_params,
        query,
        body,
        response,
        pagination,
        errors,
        multipart,
        recipient_limit,
        binary,
        response_type,
        location: node.location(),
    })
}

/// `232001`, or `{code: 230071, msg: …, hint: …, hint_zh: …}` where the endpoint's page says
/// something else of the code than its table.
fn error_ref(node: &Node<'_>, diags: &mut Diagnostics) -> Option<ErrorRef> {
    if !matches!(node.value, Value::Mapping(_)) {
        let code = node.integer(diags)?;
        let location = node.location();
        return Some(ErrorRef { code, msg: None, hint: None, hint_zh: None, location });
    }
    let f = node.mapping(diags, &["code", "msg", "hint", "hint_zh"])?;
    let code = f.required("code", diags).and_then(|n| n.integer(diags));
    let msg = f.opt_string("msg", diags);
    let hint = f.opt_string("hint", diags);
    let hint_zh = f.opt_string("hint_zh", diags);
    Some(ErrorRef { code: code?, msg, hint, hint_zh, location: node.location() })
}

fn words<T: Copy>(
    node: Option<Node<'_>>,
    diags: &mut Diagnostics,
    allowed: &[(&str, T)],
) -> Vec<T> {
    let Some(node) = node else { return Vec::new() };
    node.items(diags).into_iter().filter_map(|item| item.word(diags, allowed)).collect()
}

fn fields_of(node: &Node<'_>, diags: &mut Diagnostics) -> Vec<Field> {
    node.entries(diags).into_iter().filter_map(|(name, node)| field(name, &node, diags)).collect()
}

const FIELD_KEYS: &[&str] = &[
    "type",
    "items",
    "name",
    "fields",
    "required",
    "doc",
    "default",
    "example",
    "min",
    "max",
    "min_items",
    "max_items",
    "idempotency_key",
    "max_bytes",
    "content",
];

fn field(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<Field> {
    let f = node.mapping(diags, FIELD_KEYS)?;
    let ty = type_ref(node, &f, diags);
    let doc = f.req_string("doc", diags);
    let required = f.opt_bool("required", diags).unwrap_or(false);
    let default = f.get("default").and_then(|n| n.literal(diags));
    let example = f.get("example").and_then(|n| n.literal(diags));
    let min = f.opt_integer("min", diags);
    let max = f.opt_integer("max", diags);
    let min_items = f.opt_u32("min_items", diags);
    let max_items = f.opt_u32("max_items", diags);
    let idempotency_key = f.opt_bool("idempotency_key", diags).unwrap_or(false);
    let max_bytes = f.opt_integer("max_bytes", diags).and_then(|n| u64::try_from(n).ok());
    Some(Field {
        name,
        ty: ty?,
        required,
        doc: doc?,
        default,
        example,
        min,
        max,
        min_items,
        max_items,
        idempotency_key,
        max_bytes,
        location: node.location(),
    })
}

/// The type of a field or array element: `type` plus `items`, or `name` + `fields` for objects.
fn type_ref(node: &Node<'_>, f: &Fields<'_>, diags: &mut Diagnostics) -> Option<TypeRef> {
    let type_node = f.required("type", diags)?;
    let ty = type_node.string(diags)?;
    let has_items = f.get("items").is_some();
    let has_object_keys =
        f.get("fields").is_some() || f.get("name").is_some() || f.get("content").is_some();
    let reject = |key: &str, diags: &mut Diagnostics| {
        if let Some(n) = f.get(key) {
            diags.push(
                &n.location(),
                format!(
                    "`{key}` is only allowed with `type: {}`",
                    if key == "items" { "array" } else { "object" }
                ),
            );
        }
    };
    if ty != "array" && has_items {
        reject("items", diags);
    }
    if ty != "object" && has_object_keys {
        reject("fields", diags);
        reject("name", diags);
        reject("content", diags);
    }
    match ty.as_str() {
        "string" => Some(TypeRef::String),
        "integer" => Some(TypeRef::Integer),
        "boolean" => Some(TypeRef::Boolean),
        "json" => Some(TypeRef::Json),
        "file" => Some(TypeRef::File),
        "timestamp_s" => Some(TypeRef::Timestamp(TimeUnit::Seconds)),
        "timestamp_ms" => Some(TypeRef::Timestamp(TimeUnit::Millis)),
        "count" => Some(TypeRef::Count),
        "array" => {
            let items = f.required("items", diags)?;
            let element = match items.value {
                Value::String(_) => simple_type(&items, diags)?,
                _ => {
                    let inner = items
                        .mapping(diags, &["type", "items", "name", "doc", "fields", "content"])?;
                    type_ref(&items, &inner, diags)?
                }
            };
            Some(TypeRef::Array(Box::new(element)))
        }
        "object" => {
            let name = f.req_string("name", diags);
            let missing = name.is_none();
            let object = object_body(name.unwrap_or_default(), node, f, diags);
            Some(TypeRef::Object(object.filter(|_| !missing)?))
        }
        _ => Some(TypeRef::Named(ty, type_node.location())),
    }
}

/// An object declared on its own: `doc`, `fields` and optionally `content`.
fn object_def(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<ObjectDef> {
    let f = node.mapping(diags, &["doc", "fields", "content"])?;
    object_body(name, node, &f, diags)
}

fn object_body(
    name: String,
    node: &Node<'_>,
    f: &Fields<'_>,
    diags: &mut Diagnostics,
) -> Option<ObjectDef> {
    let doc = f.req_string("doc", diags);
    let fields = f.required("fields", diags).map(|n| fields_of(&n, diags));
    let content = match f.get("content") {
        Some(n) => Some(Box::new(content_at(&n, diags)?)),
        None => None,
    };
    Some(ObjectDef { name, doc: doc?, fields: fields?, content, location: node.location() })
}

/// An event or callback: its type, prose, scopes, payload fields and, for callbacks, the
/// fields of the answer.
fn event_def(name: String, node: &Node<'_>, diags: &mut Diagnostics) -> Option<EventDef> {
    let f = node.mapping(
        diags,
        &[
            "type",
            "summary",
            "summary_zh",
            "description",
            "docs",
            "scopes",
            "callback",
            "fields",
            "response",
            "dedup_key",
        ],
    )?;
    let event_type = f.required("type", diags).and_then(|n| Some((n.string(diags)?, n.location())));
    let summary = f.req_string("summary", diags);
    let summary_zh = f.opt_string("summary_zh", diags);
    let description = f.opt_string("description", diags);
    let docs = f.req_string("docs", diags);
    let scopes = f.required("scopes", diags).map(|n| n.strings(diags));
    let callback = f.opt_bool("callback", diags).unwrap_or(false);
    let dedup_key = match f.get("dedup_key") {
        Some(n) => Some((n.string(diags)?.split('.').map(str::to_owned).collect(), n.location())),
        None => None,
    };
    let fields = f.required("fields", diags).map(|n| fields_of(&n, diags));
    let response = match (f.get("response"), callback) {
        (Some(n), true) => Some(fields_of(&n, diags)),
        (Some(n), false) => {
            diags.push(
                &n.location(),
                "only a callback (`callback: true`) answers with a `response`",
            );
            None
        }
        (None, true) => {
            diags.push(&node.location(), "a callback needs `response`: the fields of its answer");
            None
        }
        (None, false) => None,
    };
    Some(EventDef {
        name,
        event_type: event_type?,
        summary: summary?,
        summary_zh,
        description,
        docs: docs?,
        scopes: scopes?.into_iter().map(|(s, _)| s).collect(),
        fields: fields?,
        response,
        dedup_key,
        location: node.location(),
    })
}

/// An object's `content: {type, text, tag}`: the declaration, the dotted path of its text and
/// the field naming its kind when that is not the declaration's `tag`.
fn content_at(node: &Node<'_>, diags: &mut Diagnostics) -> Option<ContentAt> {
    let f = node.mapping(diags, &["type", "text", "tag"])?;
    let content = f.required("type", diags).and_then(|n| Some((n.string(diags)?, n.location())));
    let tag = match f.get("tag") {
        Some(n) => Some((n.string(diags)?, n.location())),
        None => None,
    };
    let text = f.required("text", diags).and_then(|n| {
        let path = n.string(diags)?;
        Some((path.split('.').map(str::to_owned).collect(), n.location()))
    });
    Some(ContentAt { content: content?, tag, text: text? })
}

/// `items: string` shorthand.
fn simple_type(node: &Node<'_>, diags: &mut Diagnostics) -> Option<TypeRef> {
    let name = node.string(diags)?;
    Some(match name.as_str() {
        "string" => TypeRef::String,
        "integer" => TypeRef::Integer,
        "boolean" => TypeRef::Boolean,
        "json" => TypeRef::Json,
        "timestamp_s" => TypeRef::Timestamp(TimeUnit::Seconds),
        "timestamp_ms" => TypeRef::Timestamp(TimeUnit::Millis),
        "count" => TypeRef::Count,
        "array" | "object" => {
            diags.push(
                &node.location(),
                format!("`{name}` elements need the long form `items: {{type: {name}, ...}}`"),
            );
            return None;
        }
        _ => TypeRef::Named(name, node.location()),
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_FLOW_DEPTH, too_deep_flow};

    #[test]
    fn brackets_in_prose_are_text() {
        let open = "[0, n) ".repeat(MAX_FLOW_DEPTH + 8);
        let plain = format!("doc: The ranges {open}\n  and more {open}\nnext: [a]\n");
        assert_eq!(too_deep_flow(&plain), None, "a plain scalar");
        let continued = format!("doc: The ranges\n  {open}\n  {open}\n");
        assert_eq!(too_deep_flow(&continued), None, "a continuation line");
        let block = format!("doc: |\n  {open}\n\n  {open}\nnext: 1\n");
        assert_eq!(too_deep_flow(&block), None, "a block scalar");
        let items = format!("notes:\n  - text {open}\n  - >-\n    {open}\n");
        assert_eq!(too_deep_flow(&items), None, "sequence items");
    }

    #[test]
    fn deep_flow_collections_are_found_wherever_a_node_starts() {
        let deep = "[".repeat(MAX_FLOW_DEPTH + 1);
        let at = MAX_FLOW_DEPTH + 1;
        assert_eq!(too_deep_flow(&format!("key: {deep}\n")), Some((1, at + 5)));
        assert_eq!(too_deep_flow(&format!("key:\n  {deep}\n")), Some((2, at + 2)));
        assert_eq!(too_deep_flow(&format!("{deep}\n")), Some((1, at)));
        assert_eq!(too_deep_flow(&format!("list:\n  - {deep}\n")), Some((2, at + 4)));
        let spread = format!("key: [\n{}\n", "  [\n".repeat(MAX_FLOW_DEPTH));
        assert!(too_deep_flow(&spread).is_some(), "over several lines");
        let mapping = format!("key: {}\n", "{a: ".repeat(MAX_FLOW_DEPTH + 1));
        assert!(too_deep_flow(&mapping).is_some(), "flow mappings");
    }
}
