//! Problems found in a spec, each with its file, line, column and spec path.

use std::fmt;

/// Where a spec element stands: file (relative to the spec root), 1-based line and column,
/// and its dotted spec path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// File, relative to the spec directory, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Dotted path of the element inside its file, e.g. `endpoints.me_join.path_params.chat_id`.
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "(document)" } else { &self.path };
        write!(f, "{}:{}:{}: {path}", self.file, self.line, self.column)
    }
}

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every problem found in a spec, in file and position order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, location: &Location, message: impl Into<String>) {
        self.0.push(Diagnostic { location: location.clone(), message: message.into() });
    }

    /// Records a fault of the generator rather than of the spec: something validation should
    /// have refused, or output that is not Rust.
    pub fn push_internal(&mut self, location: &Location, what: impl std::fmt::Display) {
        self.push(location, format!("internal error, please report it: {what}"));
    }

    /// Adds the problems of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, sorted by file, line and column.
    pub fn sorted(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "error: {diagnostic}")?;
        }
        write!(f, "{} problem(s) in the spec; no file was written", self.0.len())
    }
}

impl std::error::Error for Diagnostics {}
