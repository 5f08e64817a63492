//! Files and sections of hand-written files that `cargo xtask codegen` keeps: each is computed
//! in full before any is written, and `--check` reports the stale ones.

use std::path::{Path, PathBuf};

/// A file as it is and as the spec would have it.
pub struct Rewrite {
    pub path: PathBuf,
    /// `None`: the file does not exist.
    pub current: Option<String>,
    pub fresh: String,
}

impl Rewrite {
    /// The whole file `path` written as `fresh`.
    pub fn whole(path: &Path, fresh: String) -> Rewrite {
        Rewrite { path: path.to_owned(), current: std::fs::read_to_string(path).ok(), fresh }
    }

    pub fn is_stale(&self) -> bool {
        self.current.as_deref() != Some(self.fresh.as_str())
    }

    pub fn write(&self) -> Result<(), String> {
        std::fs::write(&self.path, &self.fresh).map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

/// `path` with what lies between the `begin` and `end` marker lines replaced by `body`.
pub fn rewrite(path: &Path, begin: &str, end: &str, body: &str) -> Result<Rewrite, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let (Some(at), Some(until)) = (text.find(begin), text.find(end)) else {
        return Err(format!("{name} has no section {begin} … {end}"));
    };
    if until < at {
        return Err(format!("{name}: {end} comes before {begin}"));
    }
    let fresh = format!("{}{begin}\n{body}{}", &text[..at], &text[until..]);
    Ok(Rewrite { path: path.to_owned(), current: Some(text), fresh })
}
