//! Doc comments from spec text.
//!
//! Spec prose is text, never Rust or rustdoc markup: [`prose`] keeps ordinary Markdown (code
//! spans, emphasis, lists, links to web pages) and neutralizes everything rustdoc would act on:
//! code blocks become `text` blocks (no doctest), `[...]` is escaped (no intra-doc link), HTML
//! is escaped, bare URLs become autolinks, and control characters and odd line endings go.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc]` attributes, one per line of `text`, so that they print as `///` comments.
pub fn doc(text: &str) -> TokenStream {
    match set_aside(text) {
        Some(key) => quote! { #[doc = #key] },
        None => {
            let lines = doc_lines(text).map(|line| quote! { #[doc = #line] });
            quote! { #(#lines)* }
        }
    }
}

/// Inner `#![doc]` attributes, for module docs.
pub fn inner_doc(text: &str) -> TokenStream {
    match set_aside(text) {
        Some(key) => quote! { #![doc = #key] },
        None => {
            let lines = doc_lines(text).map(|line| quote! { #![doc = #line] });
            quote! { #(#lines)* }
        }
    }
}

/// Starts every placeholder: a control character, which spec text never holds (the loader
/// refuses it).
const KEY: char = '\u{1}';

thread_local! {
    /// The doc comments set aside while a file is emitted, by placeholder number.
    static ASIDE: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Doc comments set aside by [`collect`], written back by [`DocTexts::splice`].
#[derive(Default)]
pub struct DocTexts(Vec<String>);

/// Runs `emit` with its doc comments set aside: each becomes one placeholder attribute, and
/// the text is written in its place after formatting. Doc text is the larger part of the
/// generated files; prettyplease prints it verbatim, so it need not be quoted, parsed and
/// printed on the way.
pub fn collect(emit: impl FnOnce() -> TokenStream) -> (TokenStream, DocTexts) {
    ASIDE.with(|aside| aside.replace(Some(Vec::new())));
    let tokens = emit();
    let texts = ASIDE.with(|aside| aside.take()).unwrap_or_default();
    (tokens, DocTexts(texts))
}

/// The placeholder of `text`, set aside while [`collect`] runs; `None` outside it, or for
/// text without lines.
fn set_aside(text: &str) -> Option<String> {
    if text.trim_end().is_empty() {
        return None;
    }
    ASIDE.with(|aside| {
        let mut aside = aside.borrow_mut();
        let texts = aside.as_mut()?;
        texts.push(text.to_owned());
        Some(format!("{KEY}{}", texts.len() - 1))
    })
}

impl DocTexts {
    /// When `line` is a placeholder as prettyplease prints it (`///` or `//!`, the key, at
    /// some indent), writes the comment's lines to `out` as prettyplease would have printed
    /// them, and returns true.
    pub fn splice(&self, line: &str, out: &mut String) -> bool {
        let body = line.trim_start();
        let Some(rest) = body.get(3..).and_then(|rest| rest.strip_prefix(KEY)) else {
            return false;
        };
        let Some(text) = rest.parse::<usize>().ok().and_then(|i| self.0.get(i)) else {
            return false;
        };
        let (indent, marker) = (&line[..line.len() - body.len()], &body[..3]);
        for doc_line in doc_lines(text) {
            out.push_str(indent);
            out.push_str(marker);
            // As prettyplease trims a doc comment's trailing spaces.
            out.push_str(doc_line.trim_end_matches(' '));
            out.push('\n');
        }
        true
    }
}

fn doc_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.trim_end()
        .lines()
        .map(|line| if line.is_empty() { String::new() } else { format!(" {line}") })
}

/// A value shown as inline code: backticks and line breaks cannot end the span early.
pub fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| {
            if c == '`' {
                '\''
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    format!("`{text}`")
}

/// Prose as the text of a `- ` list item: its later lines are indented to the item's content,
/// so they continue the item instead of ending the list.
pub fn item_prose(text: &str) -> String {
    inline_prose(text).replace('\n', "\n  ")
}

/// Prose that follows other text on its line (`` `value`: … ``, a list item's label). It must
/// start with a paragraph: after the label, a fence or a quote would not open a block, and its
/// closing line would open one. Other prose is written as plain text.
pub fn inline_prose(text: &str) -> String {
    let rendered = render(text);
    let after_label = format!("label: {rendered}");
    if starts_with_paragraph(&rendered) && reads_as_text(&after_label) {
        rendered
    } else {
        plain(text)
    }
}

/// Whether the first block of `markdown`, as rustdoc parses it, is a paragraph.
fn starts_with_paragraph(markdown: &str) -> bool {
    use pulldown_cmark::{Event, Parser, Tag};
    let first = Parser::new_ext(markdown, rustdoc_options()).next();
    matches!(first, None | Some(Event::Start(Tag::Paragraph)))
}

/// Spec prose as Markdown that rustdoc shows as written and never interprets as code, links
/// or HTML.
///
/// The readable rendering keeps ordinary Markdown; rustdoc's own parser then reads it back,
/// and if it finds a code block that is not `text`, HTML, an image or a link that is not a web
/// page anywhere (in a quote, a list, a lazy continuation line…), the prose is written as
/// escaped plain text instead. What rustdoc reads is checked, not guessed.
pub fn prose(text: &str) -> String {
    let rendered = render(text);
    if reads_as_text(&rendered) { rendered } else { plain(text) }
}

/// The options rustdoc parses doc comments with.
fn rustdoc_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options;
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Whether rustdoc reads `markdown` as text only: no code block but `text` fences (a doctest),
/// no HTML, no image, no link but to a web page, no reference it would resolve as an intra-doc
/// link.
fn reads_as_text(markdown: &str) -> bool {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
    let mut unresolved = false;
    let mut broken = |_: pulldown_cmark::BrokenLink<'_>| {
        unresolved = true;
        None
    };
    let parser =
        Parser::new_with_broken_link_callback(markdown, rustdoc_options(), Some(&mut broken));
    let safe = parser.into_iter().all(|event| match event {
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => info.trim() == "text",
        Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => false,
        Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::Image { .. }) => false,
        Event::Start(Tag::Link { dest_url, .. }) => is_web_url(&dest_url),
        Event::Start(Tag::HtmlBlock) => false,
        _ => true,
    });
    safe && !unresolved
}

/// Prose as plain text: every line a line of one paragraph, each character Markdown would act
/// on escaped.
fn plain(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.trim().split('\n') {
        let line = line.trim();
        for (at, c) in line.char_indices() {
            let line_start = line[..at].bytes().all(|b| b.is_ascii_digit());
            let escape = "\\`*_[]<>#~|!&".contains(c)
                || (at == 0 && "-+=".contains(c))
                || (line_start && at > 0 && ".)".contains(c));
            if escape {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\n');
    }
    out.truncate(out.trim_end().len());
    out
}

/// The readable rendering: code spans and web links kept, everything else rustdoc would act on
/// escaped, code blocks fenced as `text`.
fn render(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // The fence that opened the current code block, if any.
    let mut fence: Option<String> = None;
    // Content column of the list item whose paragraph continues on the next line.
    let mut list_item: Option<usize> = None;
    for line in text.split('\n') {
        let trimmed = line.trim_start();
        let marker: String = trimmed.chars().take_while(|c| *c == '`' || *c == '~').collect();
        let is_fence =
            marker.len() >= 3 && marker.chars().all(|c| c == marker.as_bytes()[0] as char);
        match &fence {
            Some(open) => {
                if is_fence
                    && marker.starts_with(open.as_str())
                    && trimmed[marker.len()..].trim().is_empty()
                {
                    out.push_str("```");
                    fence = None;
                } else {
                    out.push_str(line);
                }
            }
            None if is_fence => {
                // Whatever the info string said, the block is text: never a doctest.
                out.push_str("```text");
                fence = Some(marker);
            }
            None => {
                // Four spaces of indentation would make an indented code block (a doctest).
                let mut indent = (line.len() - trimmed.len()).min(3);
                if trimmed.is_empty() {
                    list_item = None;
                } else if let Some(marker) = list_marker(trimmed) {
                    list_item = Some(indent + marker);
                } else if let Some(column) = list_item {
                    // A line that continues a list item is indented to its content, as
                    // rustdoc and clippy expect.
                    indent = column;
                }
                out.push_str(&" ".repeat(indent));
                inline(trimmed, &mut out);
            }
        }
        out.push('\n');
    }
    if fence.is_some() {
        out.push_str("```\n");
    }
    out.truncate(out.trim_end().len());
    out
}

/// Width of a list marker with its space (`- `, `* `, `+ `, `1. `, `1) `) at the start of `line`.
fn list_marker(line: &str) -> Option<usize> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let marker = match line.as_bytes().get(digits)? {
        b'-' | b'*' | b'+' if digits == 0 => 1,
        b'.' | b')' if (1..=9).contains(&digits) => digits + 1,
        _ => return None,
    };
    matches!(line.as_bytes().get(marker), None | Some(b' ')).then_some(marker + 1)
}

/// Unix line endings, no control characters but newlines, tabs as spaces.
fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\r' | '\u{2028}' | '\u{2029}' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// One line outside code blocks: code spans are kept as they are, the text between them is
/// escaped.
fn inline(line: &str, out: &mut String) {
    let mut rest = line;
    while !rest.is_empty() {
        let Some(start) = find_unescaped_backtick(rest) else {
            text(rest, out);
            return;
        };
        text(&rest[..start], out);
        let run = rest[start..].chars().take_while(|c| *c == '`').count();
        let after = &rest[start + run..];
        match find_run(after, run) {
            Some(end) => {
                out.push_str(&rest[start..start + run + end + run]);
                rest = &after[end + run..];
            }
            None => {
                // An unmatched backtick run is literal text.
                for _ in 0..run {
                    out.push_str("\\`");
                }
                rest = after;
            }
        }
    }
}

fn find_unescaped_backtick(text: &str) -> Option<usize> {
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        match c {
            '`' if !escaped => return Some(at),
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    None
}

/// Offset of the next run of exactly `len` backticks.
fn find_run(text: &str, len: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'`' {
            let run = bytes[at..].iter().take_while(|b| **b == b'`').count();
            if run == len {
                return Some(at);
            }
            at += run;
        } else {
            at += 1;
        }
    }
    None
}

/// Text outside code spans: web links and autolinks are kept, bare URLs become autolinks,
/// brackets and HTML are escaped.
fn text(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            // A Markdown escape stays as it is, with the character it escapes.
            let len = rest[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&rest[..1 + len]);
            rest = &rest[1 + len..];
        } else if c == '[' {
            if let Some(len) = web_link(rest) {
                let close = rest.find("](").unwrap_or(0);
                out.push('[');
                self::text(&rest[1..close], out);
                out.push_str(&rest[close..len]);
                rest = &rest[len..];
            } else {
                out.push_str("\\[");
                rest = &rest[1..];
            }
        } else if c == ']' {
            out.push_str("\\]");
            rest = &rest[1..];
        } else if c == '<' {
            match autolink(rest) {
                Some(len) => {
                    out.push_str(&rest[..len]);
                    rest = &rest[len..];
                }
                None => {
                    out.push_str("&lt;");
                    rest = &rest[1..];
                }
            }
        } else if let Some(len) = bare_url(rest) {
            out.push('<');
            out.push_str(&rest[..len]);
            out.push('>');
            rest = &rest[len..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
}

/// Length of `[text](https://…)` at the start of `text`, when the text holds no brackets and
/// the target is a plain web URL.
fn web_link(text: &str) -> Option<usize> {
    let close = text.find("](")?;
    if text[1..close].contains(['[', ']', '`']) {
        return None;
    }
    let target = &text[close + 2..];
    let end = target.find(')')?;
    is_web_url(&target[..end]).then_some(close + 2 + end + 1)
}

/// Length of `<https://…>` at the start of `text`.
fn autolink(text: &str) -> Option<usize> {
    let end = text.find('>')?;
    is_web_url(&text[1..end]).then_some(end + 1)
}

/// Length of a bare `http(s)://` URL at the start of `text`, without trailing punctuation.
fn bare_url(text: &str) -> Option<usize> {
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return None;
    }
    let end =
        text.find(|c: char| c.is_whitespace() || "<>[]`\"'".contains(c)).unwrap_or(text.len());
    let url = text[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '(']);
    is_web_url(url).then_some(url.len())
}

fn is_web_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty() && rest.chars().all(|c| c.is_ascii_graphic() && !"<>[]`\"'\\".contains(c))
    })
}

/// The opening of an operation's or event's docs: the summary, the Chinese title and the
/// description, as prose.
pub fn summary_text(summary: &str, summary_zh: Option<&str>, description: Option<&str>) -> String {
    let mut text = prose(summary);
    for extra in [summary_zh, description].into_iter().flatten() {
        text.push_str(&format!("\n\n{}", prose(extra)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{code, prose};

    #[test]
    fn ordinary_markdown_stays_readable() {
        let text = "Use `a<b>` and *this*; see [the docs](https://open.feishu.cn/x).";
        assert_eq!(prose(text), text);
        assert_eq!(prose("- one\n- two\n\n# Heading"), "- one\n- two\n\n# Heading");
    }

    #[test]
    fn markup_rustdoc_would_act_on_is_neutralized() {
        assert_eq!(prose("a </script> b"), "a &lt;/script> b");
        assert_eq!(prose("see [nope::Thing]"), "see \\[nope::Thing\\]");
        assert_eq!(prose("[`Missing`]"), "\\[`Missing`\\]");
        assert_eq!(prose("[x](crate::Nope)"), "\\[x\\](crate::Nope)");
        assert_eq!(prose("```rust\nfn main() {}\n```"), "```text\nfn main() {}\n```");
        assert_eq!(prose("~~~\nopen"), "```text\nopen\n```");
        assert_eq!(prose("x\n\n        let a = 1;"), "x\n\n   let a = 1;");
        assert_eq!(prose("go https://open.feishu.cn/x."), "go <https://open.feishu.cn/x>.");
        assert_eq!(prose("<!-- c"), "&lt;!-- c");
        assert_eq!(prose("a\rb\r\nc\0d\te"), "a\nb\ncd e");
        assert_eq!(prose("odd ` tick"), "odd \\` tick");
    }

    #[test]
    fn what_rustdoc_would_read_as_code_or_html_anywhere_becomes_plain_text() {
        for text in [
            "Quoted:\n\n> ```rust\n> fn main() { panic!() }\n> ```",
            "-     let indented_code = 1;",
            "1. item\n\n   >     let code_in_a_quote = 1;",
            "> a quote\nlazy continuation\n>\n>     let x = 1;",
            "<div>\nblock html\n</div>",
        ] {
            let shown = prose(text);
            assert!(super::reads_as_text(&shown), "{text:?} became {shown:?}");
            for word in ["rust", "main", "code", "quote", "html"] {
                if text.contains(word) {
                    assert!(shown.contains(word), "{word} is kept in {shown:?}");
                }
            }
        }
        assert_eq!(
            super::plain("> ```rust\n1. fn <b>x</b>\n  - [a](b) & #c"),
            "\\> \\`\\`\\`rust\n1\\. fn \\<b\\>x\\</b\\>\n\\- \\[a\\](b) \\& \\#c"
        );
    }

    #[test]
    fn the_readable_rendering_is_kept_when_it_is_text() {
        for text in
            ["Use `a<b>` and *this*.", "- one\n- two", "```\ncode\n```", "a [b](https://x.y/z)"]
        {
            assert!(super::reads_as_text(&prose(text)), "{text:?}");
            assert_eq!(prose(text), super::render(text));
        }
    }

    #[test]
    fn list_items_continue_at_their_content_column() {
        assert_eq!(prose("- one\ncontinued\n\nafter"), "- one\n  continued\n\nafter");
        assert_eq!(prose("10. ten\n        more"), "10. ten\n    more");
    }

    #[test]
    fn code_spans_cannot_be_broken_out_of() {
        assert_eq!(code("a`b\n\n<c>"), "`a'b  <c>`");
    }

    #[test]
    fn doc_comments_set_aside_come_back_as_prettyplease_prints_them() {
        let (tokens, texts) = super::collect(|| {
            let outer = super::doc("First line.  \n\nAfter a blank line.");
            let inner = super::inner_doc("Module.");
            quote::quote! { #inner #outer fn f() {} }
        });
        let file: syn::File = syn::parse2(tokens).unwrap();
        let mut out = String::new();
        for line in prettyplease::unparse(&file).lines() {
            if !texts.splice(line, &mut out) {
                out.push_str(line);
                out.push('\n');
            }
        }
        assert_eq!(out, "//! Module.\n/// First line.\n///\n/// After a blank line.\nfn f() {}\n");
        // Outside a collection, the attributes are written out.
        let direct = super::doc("Direct.").to_string();
        assert!(direct.contains("\" Direct.\""), "{direct}");
    }
}
