//! Maps spec paths (`endpoints.me_join.path_params.chat_id`) to line and column in a YAML file.
//!
//! The YAML parser reports locations only for syntax errors, so the loader scans the block
//! structure of the text once: every mapping key and sequence item gets its position. Flow
//! collections (`[a, b]`) are not entered; their elements resolve to the enclosing key.

use std::collections::HashMap;

/// Positions of the keys and items of one YAML document.
#[derive(Debug, Default)]
pub struct SourceMap {
    positions: HashMap<String, (usize, usize)>,
}

struct Frame {
    indent: usize,
    is_item: bool,
    path: String,
    next_index: usize,
}

impl SourceMap {
    /// Scans `text` and records the position of every block-style key and sequence item.
    pub fn scan(text: &str) -> Self {
        let mut positions = HashMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut root_items = 0usize;
        let mut block_scalar_indent: Option<usize> = None;

        for (line_index, line) in text.lines().enumerate() {
            let line_no = line_index + 1;
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if let Some(block) = block_scalar_indent {
                if trimmed.is_empty() || indent > block {
                    continue;
                }
                block_scalar_indent = None;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") {
                continue;
            }

            let mut column = indent;
            let mut rest = trimmed;
            // Sequence items, possibly several on one line (`- - a`).
            while rest == "-" || rest.starts_with("- ") {
                while stack
                    .last()
                    .is_some_and(|f| f.indent > column || (f.indent == column && f.is_item))
                {
                    stack.pop();
                }
                let index = match stack.last_mut() {
                    Some(parent) => {
                        parent.next_index += 1;
                        parent.next_index - 1
                    }
                    None => {
                        root_items += 1;
                        root_items - 1
                    }
                };
                let path = join(stack.last().map(|f| f.path.as_str()), &index.to_string());
                positions.entry(path.clone()).or_insert((line_no, column + 1));
                stack.push(Frame { indent: column, is_item: true, path, next_index: 0 });
                let after = rest[1..].trim_start();
                column += rest.len() - after.len();
                rest = after;
            }

            let Some((key, value)) = split_key(rest) else { continue };
            while stack.last().is_some_and(|f| f.indent >= column) {
                stack.pop();
            }
            let path = join(stack.last().map(|f| f.path.as_str()), &key);
            positions.entry(path.clone()).or_insert((line_no, column + 1));
            let value = value.trim();
            if value.starts_with('|') || value.starts_with('>') {
                block_scalar_indent = Some(column);
            }
            stack.push(Frame { indent: column, is_item: false, path, next_index: 0 });
        }
        SourceMap { positions }
    }

    /// Line and column (1-based) of `path`, or of its nearest ancestor that has a position.
    pub fn locate(&self, path: &str) -> (usize, usize) {
        let mut path = path;
        loop {
            if let Some(&position) = self.positions.get(path) {
                return position;
            }
            match path.rfind('.') {
                Some(dot) => path = &path[..dot],
                None => return (1, 1),
            }
        }
    }
}

fn join(parent: Option<&str>, segment: &str) -> String {
    match parent {
        Some(parent) if !parent.is_empty() => format!("{parent}.{segment}"),
        _ => segment.to_owned(),
    }
}

/// Splits `key: value` (or `key:`), unquoting a quoted key.
fn split_key(text: &str) -> Option<(String, &str)> {
    if let Some(quote) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = text[1..].find(quote)? + 1;
        let after = text[end + 1..].strip_prefix(':')?;
        return Some((text[1..end].to_owned(), after));
    }
    if text.starts_with(['{', '[']) {
        return None;
    }
    let mut search = 0;
    while let Some(offset) = text[search..].find(':') {
        let at = search + offset;
        let after = &text[at + 1..];
        if after.is_empty() || after.starts_with([' ', '\t']) {
            return Some((text[..at].trim_end().to_owned(), after));
        }
        search = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::SourceMap;

    #[test]
    fn locates_keys_items_and_ancestors() {
        let text = "a:\n  b: 1\n  list:\n    - code: 1\n      name: x\n    - code: 2\n  s: |\n    x: 1\nc: [1, 2]\n";
        let map = SourceMap::scan(text);
        assert_eq!(map.locate("a.b"), (2, 3));
        assert_eq!(map.locate("a.list.1.code"), (6, 7));
        assert_eq!(map.locate("a.list.0.name"), (5, 7));
        assert_eq!(map.locate("a.s.x"), (7, 3));
        assert_eq!(map.locate("c.1"), (9, 1));
    }
}
