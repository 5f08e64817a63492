//! The catalog of the IM endpoints Feishu publishes (`catalog/im_endpoints.yaml`), which the
//! README's coverage table and `cargo xtask coverage` compare with the spec. It is read by the
//! spec's rules: strictly, with every problem located, before anything is written.

use std::collections::BTreeMap;

use crate::diagnostics::{Diagnostics, Location};
use crate::model::Published;
use crate::read::SourceFile;

/// Methods an endpoint can have.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Characters a note cannot hold: it lands in a Markdown table of the README, where each of
/// these would start markup, a cell or a comment.
const MARKUP: &[char] = &['`', '*', '_', '[', ']', '<', '>', '|', '#', '~', '\\', '!'];

/// The longest note, in characters.
const MAX_NOTE: usize = 300;

/// Reads the catalog: every published endpoint, or every problem with its `file:line:col`.
pub fn load_catalog(file: &SourceFile) -> Result<Vec<Published>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let endpoints = crate::load::catalog(file, &mut diags);
    let mut seen: BTreeMap<(String, String), &Location> = BTreeMap::new();
    for p in &endpoints {
        let at = &p.location;
        if !METHODS.contains(&p.method.as_str()) {
            let message =
                format!("`method` is `{}`; expected one of: {}", p.method, METHODS.join(", "));
            diags.push(at, message);
        }
        if !is_path(&p.path) {
            diags.push(
                at,
                format!(
                    "`path` `{}` must start with `/open-apis/` and hold segments of lowercase \
                     letters, digits and `_`, parameters starting with `:`",
                    p.path
                ),
            );
        }
        for (key, name) in [("resource", &p.resource), ("operation", &p.operation)] {
            if !is_snake(name) {
                diags.push(at, format!("`{key}` `{name}` must be a snake_case name"));
            }
        }
        if let (Some(note), Some(note_at)) = (&p.note, &p.note_location) {
            if let Some(c) = note.chars().find(|c| MARKUP.contains(c) || c.is_control()) {
                diags.push(
                    note_at,
                    format!(
                        "a note is one line of plain text; {} would be read as Markdown in the README's table",
                        if c.is_control() { "a line break or control character".to_owned() } else { format!("`{c}`") }
                    ),
                );
            }
            if note.trim().is_empty() || note.chars().count() > MAX_NOTE {
                diags.push(note_at, format!("a note holds 1 to {MAX_NOTE} characters"));
            }
        }
        let key = (p.method.to_ascii_uppercase(), normalized(&p.path));
        if let Some(first) = seen.insert(key, at) {
            diags.push(at, format!("`{} {}` is listed twice (first at {first})", p.method, p.path));
        }
    }
    if diags.is_empty() { Ok(endpoints) } else { Err(diags.sorted()) }
}

/// The path with each parameter's name left out: the same endpoint whatever they are called.
pub fn normalized(path: &str) -> String {
    let segments: Vec<&str> =
        path.split('/').map(|s| if s.starts_with(':') { ":" } else { s }).collect();
    segments.join("/")
}

fn is_snake(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/open-apis/") else {
        return false;
    };
    rest.split('/').all(|segment| {
        let name = segment.strip_prefix(':').unwrap_or(segment);
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Vec<Published>, String> {
        let file = SourceFile { name: "catalog.yaml".into(), text: text.into() };
        load_catalog(&file).map_err(|d| d.to_string())
    }

    #[test]
    fn a_valid_catalog_is_read() {
        let published = load(
            "endpoints:\n  - {method: GET, path: /open-apis/im/v1/chats/:chat_id, resource: chat, operation: get}\n  - {method: POST, path: /open-apis/im/v1/pins, resource: pin, operation: create, note: \"user token only (2024); withdrawn\"}\n",
        )
        .unwrap();
        assert_eq!(published.len(), 2);
        assert_eq!(published[1].note.as_deref(), Some("user token only (2024); withdrawn"));
    }

    #[test]
    fn every_problem_is_located() {
        let problems = load(
            "endpoints:\n  - {method: FETCH, path: /im/v1/chats, resource: Chat, operation: get, extra: 1}\n  - method: GET\n    path: /open-apis/im/v1/chats\n    resource: chat\n    operation: list\n    note: \"ends the table | <!-- coverage:end -->\"\n  - {method: GET, path: /open-apis/im/v1/chats, resource: chat, operation: list}\n",
        )
        .unwrap_err();
        for expected in [
            "catalog.yaml:2:3: endpoints.0.extra: unknown key `extra`",
            "catalog.yaml:2:3: endpoints.0: `method` is `FETCH`",
            "catalog.yaml:2:3: endpoints.0: `path` `/im/v1/chats` must start with `/open-apis/`",
            "catalog.yaml:2:3: endpoints.0: `resource` `Chat` must be a snake_case name",
            "catalog.yaml:7:5: endpoints.1.note: a note is one line of plain text; `|` would be read",
            "catalog.yaml:8:3: endpoints.2: `GET /open-apis/im/v1/chats` is listed twice (first at catalog.yaml:3:3",
        ] {
            assert!(problems.contains(expected), "missing {expected:?} in:\n{problems}");
        }
    }

    #[test]
    fn broken_yaml_is_located_and_nothing_is_read() {
        let problems = load("endpoints:\n  - {method: GET, path: [\n").unwrap_err();
        assert!(
            problems.starts_with("error: catalog.yaml:3:1: (document): invalid YAML"),
            "{problems}"
        );
    }
}
