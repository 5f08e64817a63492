//! `cargo xtask codegen [--check]`: regenerate or check `feishu-im/src/generated` and
//! `feishu-fake/src/generated`, and the files that follow the spec: the README's coverage
//! table, the crates' resource features and the public-API listings.
//!
//! All or nothing: the spec and the catalog are read and checked, and every file computed,
//! before anything is written; their problems are reported together, each at its
//! `file:line:col`.

use std::path::Path;

use feishu_im_codegen::{Diagnostics, Mode, Part, Stale, generate, load_catalog, read_dir};
use feishu_im_codegen::{endpoints, stale_parts, write_parts};

use crate::section::Rewrite;
use crate::spec::SPEC_DIR;

/// Where the client's generated code goes, relative to the workspace root.
pub const GENERATED_DIR: &str = "feishu-im/src/generated";

/// Where the fake's generated module goes, relative to the workspace root.
pub const FAKE_GENERATED_DIR: &str = "feishu-fake/src/generated";

/// Each part of the generated code with its directory.
pub fn generated_dirs(root: &Path) -> [(Part, std::path::PathBuf); 2] {
    [(Part::Client, root.join(GENERATED_DIR)), (Part::Fake, root.join(FAKE_GENERATED_DIR))]
}

pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    // Relative paths keep the messages short and the same on every machine.
    std::env::set_current_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let root = Path::new("");

    // Read and check everything.
    let (files, unreadable) =
        read_dir(&root.join(SPEC_DIR)).map_err(|e| format!("cannot read the spec: {e}"))?;
    let mut problems = Diagnostics::default();
    problems.extend(unreadable);
    let generated = generate(&files).map_err(|d| problems.extend(d)).ok();
    let catalog =
        load_catalog(&crate::coverage::catalog_file(root)?).map_err(|d| problems.extend(d)).ok();
    let (Some(generated), Some(catalog)) = (generated, catalog) else {
        return Err(problems.sorted().to_string());
    };
    if !problems.is_empty() {
        return Err(problems.sorted().to_string());
    }
    let spec = endpoints(&files).map_err(|d| d.to_string())?;

    // Compute every file that follows the spec.
    let mut rewrites = vec![
        crate::coverage::readme(root, &catalog, &spec)?,
        crate::features::manifest(root, &spec)?,
    ];
    rewrites.extend(crate::public_api::rewrites(root, &root.join(GENERATED_DIR), &generated)?);
    let rewrites: Vec<&Rewrite> = rewrites.iter().filter(|r| r.is_stale()).collect();
    let dirs = generated_dirs(root);
    let dirs: Vec<(Part, &Path)> = dirs.iter().map(|(part, dir)| (*part, dir.as_path())).collect();
    let io_error = |e: std::io::Error| format!("{GENERATED_DIR}, {FAKE_GENERATED_DIR}: {e}");

    match mode {
        Mode::Check => {
            let generated_stale = stale_parts(&dirs, &generated).map_err(io_error)?;
            let mut stale: Vec<String> = generated_stale.iter().map(Stale::to_string).collect();
            stale.extend(
                rewrites.iter().map(|r| format!("{} differs from the spec", r.path.display())),
            );
            if stale.is_empty() {
                println!("generated code is up to date");
                return Ok(());
            }
            Err(format!(
                "generated code is stale:\n  {}\nrun `cargo xtask codegen` to update it",
                stale.join("\n  ")
            ))
        }
        Mode::Write => {
            let changed = write_parts(&dirs, &generated).map_err(io_error)?;
            for rewrite in &rewrites {
                rewrite.write()?;
            }
            if changed.is_empty() && rewrites.is_empty() {
                println!("generated code is up to date");
            }
            for item in &changed {
                match item {
                    Stale::Missing(path) => println!("created {}", path.display()),
                    Stale::Changed(path) => println!("updated {}", path.display()),
                    Stale::Removed(path) => println!("removed {}", path.display()),
                }
            }
            for rewrite in &rewrites {
                println!("updated {}", rewrite.path.display());
            }
            Ok(())
        }
    }
}
