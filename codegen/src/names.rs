//! Case conversion and Rust identifiers for names taken from the spec.

use proc_macro2::{Ident, Span};

/// Words that cannot be identifiers even as raw identifiers (`r#self` is rejected by rustc).
/// The longest name a spec may give anything: names become file names and identifiers.
pub const MAX_NAME: usize = 64;

const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords of edition 2024, strict and reserved; a spec name equal to one becomes `r#name`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Whether `name` is a spec name: lower snake case, starting with a letter.
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && !name.ends_with('_')
        && !name.contains("__")
}

/// Whether `name` can never be a Rust identifier, not even a raw one.
pub fn is_unusable_keyword(name: &str) -> bool {
    NOT_RAW.contains(&name)
}

/// Whether `name` is a Rust keyword that is emitted as a raw identifier.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// `me_join` → `MeJoin`; any character that is not alphanumeric separates words.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// The cargo feature that compiles a resource: `v1-chat-members` for `v1::chat_members`. Names
/// are lower snake case, so the mapping is one to one, and the version prefix keeps it clear of
/// the crate's own features (`default`, `full`, `fake`).
pub fn feature_name(version: &str, module: &str) -> String {
    format!("{version}-{}", module.replace('_', "-"))
}

/// A snake-case identifier; keywords become raw identifiers.
pub fn snake_ident(name: &str) -> Ident {
    if is_keyword(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The start of a long name (24 characters), for messages.
pub fn shorten(name: &str) -> &str {
    name.char_indices().nth(24).map_or(name, |(at, _)| &name[..at])
}

/// A plain identifier, for names built by the generator itself.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_case() {
        assert_eq!(pascal_case("me_join"), "MeJoin");
        assert_eq!(pascal_case("open-id"), "OpenId");
        assert_eq!(pascal_case("p2p"), "P2p");
        assert!(is_snake_case("is_in_chat"));
        assert!(!is_snake_case("isInChat"));
        assert!(!is_snake_case("_x"));
        assert_eq!(snake_ident("type").to_string(), "r#type");
    }
}
