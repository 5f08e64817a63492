//! Reading a spec directory from disk, refusing what is not plainly a spec file.
//!
//! Only regular files and directories inside the spec root are read. Symbolic links, FIFOs,
//! sockets and devices are refused with a located problem (a FIFO would block the reader
//! forever; a link could lead out of the spec or into a loop). Files have a size limit, are
//! decoded as UTF-8 with the byte offset of the first invalid byte, and lose a leading BOM so
//! that lines are counted as an editor shows them.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Diagnostics, Location};

/// The largest spec file read, in bytes. The whole IM spec is far smaller.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// How deep directories below the spec root may nest.
const MAX_DEPTH: usize = 16;

/// One spec file: its name relative to the spec root, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the spec root, `/`-separated.
    pub name: String,
    /// File contents, without a byte-order mark.
    pub text: String,
}

impl SourceFile {
    /// Decodes the bytes of a file: a leading UTF-8 byte-order mark is dropped, and bytes that
    /// are not UTF-8 are a problem located at the first of them.
    pub fn decode(name: impl Into<String>, bytes: &[u8]) -> Result<SourceFile, Diagnostic> {
        let name = name.into();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile { name, text: text.to_owned() }),
            Err(error) => {
                let offset = error.valid_up_to();
                let valid = &bytes[..offset];
                let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
                let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1);
                // Columns count characters, as the YAML parser does.
                let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
                let location = Location { file: name, line, column, path: String::new() };
                Err(Diagnostic {
                    location,
                    message: format!(
                        "the file is not UTF-8: invalid byte 0x{:02X} at byte offset {offset}",
                        bytes[offset]
                    ),
                })
            }
        }
    }
}

/// Reads every `*.yaml` (or `*.yml`) file below `dir`, sorted by name, with a problem for each
/// entry that cannot be read as a spec file. Only a spec root that cannot be listed at all is an
/// I/O error.
pub fn read_dir(dir: &Path) -> io::Result<(Vec<SourceFile>, Diagnostics)> {
    let mut files = Vec::new();
    let mut problems = Diagnostics::default();
    let root = fs::symlink_metadata(dir)?;
    if !root.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the spec root is not a directory",
        ));
    }
    collect(dir, "", 0, &mut files, &mut problems)?;
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((files, problems))
}

fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    files: &mut Vec<SourceFile>,
    problems: &mut Diagnostics,
) -> io::Result<()> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let file_name = entry.file_name();
        let shown = file_name.to_string_lossy();
        let name = if prefix.is_empty() { shown.into_owned() } else { format!("{prefix}/{shown}") };
        let at = Location { file: name.clone(), line: 1, column: 1, path: String::new() };
        let Some(utf8_name) = file_name.to_str() else {
            problems.push(&at, "the file name is not UTF-8; rename it");
            continue;
        };
        let is_yaml = utf8_name.ends_with(".yaml") || utf8_name.ends_with(".yml");
        // `symlink_metadata` does not follow links, so a link is seen as a link.
        let kind = fs::symlink_metadata(entry.path())?.file_type();
        if kind.is_symlink() {
            problems.push(
                &at,
                "symbolic links are not followed in the spec; replace the link with the file or directory it points to",
            );
        } else if kind.is_dir() {
            if depth + 1 >= MAX_DEPTH {
                problems.push(
                    &at,
                    format!("directories nest more than {MAX_DEPTH} levels deep; flatten the spec"),
                );
            } else {
                collect(&entry.path(), &name, depth + 1, files, problems)?;
            }
        } else if !is_yaml {
            // READMEs and other notes live beside the spec and are not read.
        } else if !kind.is_file() {
            problems.push(
                &at,
                "not a regular file (a FIFO, socket or device); only regular files are read",
            );
        } else {
            match read_limited(&entry.path()) {
                Ok(Some(bytes)) => match SourceFile::decode(name, &bytes) {
                    Ok(file) => files.push(file),
                    Err(problem) => problems.push(&problem.location, problem.message),
                },
                Ok(None) => problems.push(
                    &at,
                    format!("the file is larger than {MAX_FILE_BYTES} bytes; split it into several files"),
                ),
                Err(error) => problems.push(&at, format!("cannot read the file: {error}")),
            }
        }
    }
    Ok(())
}

/// The file's bytes, or `None` when it is larger than [`MAX_FILE_BYTES`]. The limit is applied
/// while reading, so a file that grows meanwhile cannot exhaust memory.
fn read_limited(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = fs::File::open(path)?;
    // Checked again on the open file: the entry may have been swapped since it was listed.
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_FILE_BYTES).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::SourceFile;

    #[test]
    fn decoding_drops_the_bom_and_locates_invalid_bytes() {
        let file = SourceFile::decode("a.yaml", b"\xEF\xBB\xBFa: 1\n").unwrap();
        assert_eq!(file.text, "a: 1\n");
        let problem = SourceFile::decode("a.yaml", b"a: 1\nb: \xC3\xA9\xFF\n").unwrap_err();
        assert_eq!((problem.location.line, problem.location.column), (2, 5));
        assert!(problem.message.contains("byte offset 10"), "{}", problem.message);
    }
}
