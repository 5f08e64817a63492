//! Maps spec paths (`endpoints.me_join.path_params.chat_id`) to line and column in a YAML file.
//!
//! The YAML parser reports locations only for syntax errors, so the loader scans the block
//! structure of the text once: every mapping key and sequence item gets its position. Flow
//! collections (`[a, b]`) are not entered; their elements resolve to the enclosing key.
//!
//! Positions are kept in a tree of path segments, each node knowing only its parent and its
//! own segment, so memory grows with the size of the text and not with the square of its
//! nesting depth.

use std::collections::HashMap;

/// Positions of the keys and items of one YAML document.
#[derive(Debug, Default)]
pub struct SourceMap {
    /// Children of each node by segment, so that a lookup borrows the segment. Node 0 is
    /// the document.
    children: Vec<HashMap<Box<str>, usize>>,
    /// Line and column (1-based) of each node; the document is at 1:1.
    positions: Vec<(usize, usize)>,
    /// Where a key appears a second time in one mapping: (node, position of the repeat).
    duplicates: Vec<(usize, (usize, usize))>,
    /// Segment of each node, to find a duplicate by key.
    segments: Vec<Box<str>>,
}

struct Frame {
    indent: usize,
    is_item: bool,
    node: usize,
    next_index: usize,
}

impl SourceMap {
    /// Scans `text` and records the position of every block-style key and sequence item.
    pub fn scan(text: &str) -> Self {
        let mut map = SourceMap {
            children: vec![HashMap::new()],
            positions: vec![(1, 1)],
            segments: vec!["".into()],
            ..SourceMap::default()
        };
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
                let parent = stack.last().map_or(0, |f| f.node);
                let column_no = char_column(line, column);
                let node = map.insert(parent, &index.to_string(), (line_no, column_no));
                stack.push(Frame { indent: column, is_item: true, node, next_index: 0 });
                let after = rest[1..].trim_start();
                column += rest.len() - after.len();
                rest = after;
            }

            let Some((key, value)) = split_key(rest) else { continue };
            while stack.last().is_some_and(|f| f.indent >= column) {
                stack.pop();
            }
            let parent = stack.last().map_or(0, |f| f.node);
            let node = map.insert(parent, &key, (line_no, char_column(line, column)));
            let value = value.trim();
            if value.starts_with('|') || value.starts_with('>') {
                block_scalar_indent = Some(column);
            }
            stack.push(Frame { indent: column, is_item: false, node, next_index: 0 });
        }
        map
    }

    /// The node for `segment` below `parent`, created at `position` if new. A key seen again in
    /// the same mapping keeps its first position and records the repeat.
    fn insert(&mut self, parent: usize, segment: &str, position: (usize, usize)) -> usize {
        if let Some(&node) = self.children[parent].get(segment) {
            self.duplicates.push((node, position));
            return node;
        }
        let node = self.positions.len();
        self.positions.push(position);
        self.segments.push(segment.into());
        self.children.push(HashMap::new());
        self.children[parent].insert(segment.into(), node);
        node
    }

    /// The deepest node along `path`, and whether the whole path was found.
    fn walk(&self, path: &str) -> (usize, bool) {
        let mut node = 0;
        if path.is_empty() {
            return (node, true);
        }
        for segment in path.split('.') {
            match self.children[node].get(segment) {
                Some(&child) => node = child,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// Line and column (1-based) of `path`, or of its nearest ancestor that has a position.
    pub fn locate(&self, path: &str) -> (usize, usize) {
        self.positions[self.walk(path).0]
    }

    /// Where the key `key` of the mapping at `parent` appears a second time; failing that,
    /// the first repeat of any key named `key`.
    pub fn duplicate(&self, parent: &str, key: &str) -> Option<(usize, usize)> {
        let path = if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") };
        let exact = match self.walk(&path) {
            (node, true) => self.duplicates.iter().find(|(n, _)| *n == node),
            _ => None,
        };
        exact
            .or_else(|| self.duplicates.iter().find(|(n, _)| &*self.segments[*n] == key))
            .map(|(_, position)| *position)
    }
}

/// 1-based column of byte offset `at` in `line`, counted in characters as the parser does.
fn char_column(line: &str, at: usize) -> usize {
    line.get(..at).map_or(at, |prefix| prefix.chars().count()) + 1
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

    #[test]
    fn finds_the_repeat_of_a_key() {
        let map = SourceMap::scan("a:\n  x: 1\n  y: 2\n  x: 3\n");
        assert_eq!(map.locate("a.x"), (2, 3));
        assert_eq!(map.duplicate("a", "x"), Some((4, 3)));
        assert_eq!(map.duplicate("", "x"), Some((4, 3)));
        assert_eq!(map.duplicate("a", "y"), None);
    }

    #[test]
    fn deep_nesting_on_one_line_stays_small() {
        let text = "- ".repeat(30_000) + "x\n";
        let map = SourceMap::scan(&text);
        assert_eq!(map.positions.len(), 30_001);
        assert_eq!(map.locate("0.0.0"), (1, 5));
    }
}
