//! The feishu-im code generator: loads the YAML spec, validates it, lowers it to an IR and
//! emits formatted Rust.
//!
//! ```no_run
//! let files = feishu_im_codegen::generate_dir(std::path::Path::new("spec")).unwrap();
//! for file in &files {
//!     println!("{} ({} bytes)", file.path, file.contents.len());
//! }
//! ```

mod catalog;
mod diagnostics;
mod emit;
mod enum_names;
mod file_fields;
mod ir;
mod items;
mod load;
mod model;
mod names;
mod parallel;
mod path_template;
pub mod public_api;
mod read;
pub mod reserved;
mod shapes;
mod source_map;
mod sync;
mod validate;

use std::path::Path;

pub use catalog::{load_catalog, normalized};
pub use diagnostics::{Diagnostic, Diagnostics, Location};
pub use emit::{GeneratedFile, Part, format};
pub use model::Published;
pub use names::feature_name;
pub use read::{MAX_FILE_BYTES, SourceFile, read_dir};
pub use sync::{Mode, Stale, stale_files, stale_parts, sync, write_files, write_parts};

/// Why generation failed.
#[derive(Debug)]
pub enum GenerateError {
    /// The spec directory could not be read.
    Io(std::io::Error),
    /// The spec has problems; all of them are listed.
    Spec(Diagnostics),
}

impl std::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GenerateError::Io(error) => write!(f, "cannot read the spec: {error}"),
            GenerateError::Spec(diagnostics) => diagnostics.fmt(f),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Loads and validates spec files, returning every problem found.
pub fn check(files: &[SourceFile]) -> Result<(), Diagnostics> {
    generate(files).map(drop)
}

/// Generates the Rust files for spec files already in memory. The names they hold are checked
/// against each other first, in one table of names: a spec whose names would collide is refused.
pub fn generate(files: &[SourceFile]) -> Result<Vec<GeneratedFile>, Diagnostics> {
    let spec = load_valid(files)?;
    let api = ir::lower(&spec)?;
    let generated = emit::emit(&api).map_err(|(source, message)| {
        let mut diags = Diagnostics::default();
        let file = source.strip_prefix("spec/").unwrap_or(&source).to_owned();
        let location = Location { file, line: 1, column: 1, path: String::new() };
        diags.push_internal(&location, message);
        diags
    })?;
    items::check(&api, &generated)?;
    Ok(generated)
}

/// An endpoint of a valid spec, as coverage reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSummary {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template, `/open-apis/im/v1/chats/:chat_id`.
    pub path: String,
    /// `resource.operation`, as in errors and logs.
    pub operation: String,
    /// The module of its resource below the crate root, `v1::chat_members`.
    pub module: String,
    /// The cargo feature that compiles that module, `v1-chat-members`.
    pub feature: String,
}

/// The endpoints of valid spec files.
pub fn endpoints(files: &[SourceFile]) -> Result<Vec<EndpointSummary>, Diagnostics> {
    let spec = load_valid(files)?;
    let endpoints = spec.resources.iter().flat_map(|r| {
        r.endpoints.iter().map(move |e| EndpointSummary {
            method: e.method.as_str(),
            path: e.path.clone(),
            operation: format!("{}.{}", r.name, e.name),
            module: format!("{}::{}", r.version, r.name),
            feature: feature_name(&r.version, &r.name),
        })
    });
    Ok(endpoints.collect())
}

/// Reads every YAML file below `dir` and generates the Rust files. Files that cannot be read
/// as spec files are reported with the problems of the others.
pub fn generate_dir(dir: &Path) -> Result<Vec<GeneratedFile>, GenerateError> {
    let (files, unreadable) = read_dir(dir).map_err(GenerateError::Io)?;
    match generate(&files) {
        Ok(generated) if unreadable.is_empty() => Ok(generated),
        Ok(_) => Err(GenerateError::Spec(unreadable.sorted())),
        Err(mut problems) => {
            problems.extend(unreadable);
            Err(GenerateError::Spec(problems.sorted()))
        }
    }
}

fn load_valid(files: &[SourceFile]) -> Result<model::Spec, Diagnostics> {
    let mut diags = Diagnostics::default();
    let spec = load::load(files, &mut diags);
    // References into a file that could not be parsed would only repeat its problem.
    if !spec.unparsed {
        validate::validate(&spec, &mut diags);
    }
    if diags.is_empty() { Ok(spec) } else { Err(diags.sorted()) }
}
