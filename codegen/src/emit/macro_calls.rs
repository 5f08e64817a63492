//! Reprints calls of the runtime's macros (`paged!`, `json_object!`) the way
//! rustfmt lays out a call: prettyplease prints a macro's arguments as loose tokens filled like text
//! (`page_token : impl Into < String >`), while these take short Rust-like lists.

use std::str::FromStr;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// The macros reprinted, as their calls start a line.
const MACROS: &[&str] = &["paged!(", "json_object!("];

/// Longest line, as prettyplease and rustfmt keep them.
const WIDTH: usize = 100;

/// `text` with every top-level call of [`MACROS`] reprinted: on one line when it fits, else
/// one argument per line.
pub(super) fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !MACROS.iter().any(|m| line.starts_with(m)) {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut call = line.to_owned();
        while !call.ends_with(");") {
            let Some(next) = lines.next() else { break };
            call.push(' ');
            call.push_str(next.trim());
        }
        match reprint(&call) {
            Some(tidy) => out.push_str(&tidy),
            // Not a call this module reads: left as printed.
            None => {
                out.push_str(&call);
                out.push('\n');
            }
        }
    }
    out
}

/// `name!(arguments);` reprinted, or `None` when `call` is not of that form.
fn reprint(call: &str) -> Option<String> {
    let tokens: Vec<TokenTree> = TokenStream::from_str(call).ok()?.into_iter().collect();
    let [
        TokenTree::Ident(name),
        TokenTree::Punct(bang),
        TokenTree::Group(args),
        TokenTree::Punct(semi),
    ] = tokens.as_slice()
    else {
        return None;
    };
    if bang.as_char() != '!' || semi.as_char() != ';' || args.delimiter() != Delimiter::Parenthesis
    {
        return None;
    }
    let line = format!("{name}!({});\n", text(args.stream()));
    if line.len() <= WIDTH + 1 {
        return Some(line);
    }
    Some(format!("{name}!(\n{});\n", lines_of(args.stream(), 1)))
}

/// The comma-separated elements of `stream`, each on its own line, `depth` levels in, with a
/// comma. An element too long for its line that ends in a parenthesized list
/// (`optional(a, b, …)`) opens onto lines of its own elements.
fn lines_of(stream: TokenStream, depth: usize) -> String {
    let indent = "    ".repeat(depth);
    let mut lines = String::new();
    let mut element = Vec::new();
    let mut flush = |element: &mut Vec<TokenTree>| {
        if element.is_empty() {
            return;
        }
        let line = format!("{indent}{},\n", text(element.iter().cloned().collect()));
        match element.pop() {
            Some(TokenTree::Group(list))
                if line.len() > WIDTH + 1 && list.delimiter() == Delimiter::Parenthesis =>
            {
                let head = text(element.drain(..).collect());
                let inner = lines_of(list.stream(), depth + 1);
                lines.push_str(&format!("{indent}{head}(\n{inner}{indent}),\n"));
            }
            _ => lines.push_str(&line),
        }
        element.clear();
    };
    for token in stream {
        match &token {
            TokenTree::Punct(p) if p.as_char() == ',' => flush(&mut element),
            _ => element.push(token),
        }
    }
    flush(&mut element);
    lines
}

/// What a token is, for the space before the next one.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Start,
    Word,
    /// Punctuation; `joins` when nothing separates it from what follows (`::`, `<`, `&`).
    Op {
        joins: bool,
    },
    Group(Delimiter),
}

/// `stream` as Rust is written: `name: impl Into<String>`, `a, b`, `Item = T`.
fn text(stream: TokenStream) -> String {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = String::new();
    let mut previous = Kind::Start;
    let mut i = 0;
    while i < tokens.len() {
        let (piece, kind, next) = match &tokens[i] {
            // `::`, `=>` and `->` are one operator; other punctuation goes one character at a
            // time (`>,` is joint too).
            TokenTree::Punct(p) => {
                let second = match tokens.get(i + 1) {
                    Some(TokenTree::Punct(q)) if p.spacing() == Spacing::Joint => Some(q.as_char()),
                    _ => None,
                };
                match (p.as_char(), second) {
                    (':', Some(':')) => ("::".to_owned(), None, i + 2),
                    ('=' | '-', Some('>')) => (format!("{}>", p.as_char()), None, i + 2),
                    (c, _) => (c.to_string(), None, i + 1),
                }
            }
            TokenTree::Group(g) => {
                let inner = text(g.stream());
                let piece = match g.delimiter() {
                    Delimiter::Brace if inner.is_empty() => "{}".to_owned(),
                    Delimiter::Brace => format!("{{ {inner} }}"),
                    Delimiter::Parenthesis => format!("({inner})"),
                    Delimiter::Bracket => format!("[{inner}]"),
                    Delimiter::None => inner,
                };
                (piece, Some(Kind::Group(g.delimiter())), i + 1)
            }
            token => (token.to_string(), Some(Kind::Word), i + 1),
        };
        let op = if kind.is_none() { piece.as_str() } else { "" };
        let kind =
            kind.unwrap_or(Kind::Op { joins: matches!(op, "::" | "<" | "&" | "'" | "#" | "!") });
        let space = match (previous, kind) {
            (Kind::Start | Kind::Op { joins: true }, _) => false,
            (_, Kind::Op { .. }) if matches!(op, "," | ":" | "::" | "<" | ">" | ";") => false,
            (Kind::Word, Kind::Group(Delimiter::Parenthesis | Delimiter::Bracket)) => false,
            _ => true,
        };
        if space {
            out.push(' ');
        }
        out.push_str(&piece);
        previous = kind;
        i = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn a_short_call_fits_one_line() {
        let printed =
            "json_object!(Request, required(id), optional(page_token, r#type = \"type\"));\n";
        assert_eq!(
            tidy(printed),
            "json_object!(Request, required(id), optional(page_token, r#type = \"type\"));\n"
        );
    }

    #[test]
    fn a_long_list_of_fields_opens_one_per_line() {
        let printed = "json_object!(\n    SearchMeta, required(message_id), optional(r#type = \"type\", create_time,\n    update_time, position, chat_id, from_id, thread_id, thread_position, is_p2p_chat)\n);\n";
        assert_eq!(
            tidy(printed),
            "json_object!(\n    SearchMeta,\n    required(message_id),\n    optional(\n        r#type = \"type\",\n        create_time,\n        update_time,\n        position,\n        chat_id,\n        from_id,\n        thread_id,\n        thread_position,\n        is_p2p_chat,\n    ),\n);\n"
        );
    }

    #[test]
    fn paged_reads_as_written() {
        let printed =
            "paged!(ListRequest, items : Vec < Member >, token : page_token, more : has_more);\n";
        assert_eq!(
            tidy(printed),
            "paged!(ListRequest, items: Vec<Member>, token: page_token, more: has_more);\n"
        );
    }

    #[test]
    fn other_code_is_untouched() {
        let text = "fn f() {\n    json_object!(x);\n}\nother!(A, required(b));\n";
        assert_eq!(tidy(text), text);
    }
}
