//! Sections of hand-written files that the tasks keep: the text between a begin and an end
//! marker line is written from the spec, and `--check` reports it stale.

use std::path::Path;

use feishu_im_codegen::Mode;

/// Replaces what lies between `begin` and `end` in `path` with `body`. Returns whether the file
/// differed; in [`Mode::Check`] it is never written.
pub fn sync(path: &Path, begin: &str, end: &str, body: &str, mode: Mode) -> Result<bool, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let (Some(at), Some(until)) = (text.find(begin), text.find(end)) else {
        return Err(format!("{name} has no section {begin} … {end}"));
    };
    if until < at {
        return Err(format!("{name}: {end} comes before {begin}"));
    }
    let fresh = format!("{}{begin}\n{body}{}", &text[..at], &text[until..]);
    if fresh == text {
        return Ok(false);
    }
    if let Mode::Write = mode {
        std::fs::write(path, fresh).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(true)
}
