//! `cargo xtask codegen [--check]`: regenerate or check `feishu-im/src/generated` and
//! `feishu-fake/src/generated`, and the sections of other files that follow the spec (the
//! README's coverage table, the crates' resource features).

use std::path::Path;

use feishu_im_codegen::{Mode, Part, Stale, sync};

use crate::spec::{SPEC_DIR, spec_summary};

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
    let dirs = generated_dirs(Path::new(""));
    let dirs: Vec<(Part, &Path)> = dirs.iter().map(|(part, dir)| (*part, dir.as_path())).collect();
    let changed = sync(Path::new(SPEC_DIR), &dirs, mode)?;
    let root = Path::new(".");
    let spec = spec_summary(root)?;
    let sections = [
        ("README.md (coverage)", crate::coverage::sync_readme(root, &spec, mode)?),
        ("feishu-im/Cargo.toml (features)", crate::features::sync_manifest(root, &spec, mode)?),
    ];
    let stale: Vec<&str> = sections.iter().filter(|(_, stale)| *stale).map(|(n, _)| *n).collect();
    match mode {
        Mode::Check if !stale.is_empty() => {
            return Err(format!("stale: {}; run `cargo xtask codegen`", stale.join(", ")));
        }
        Mode::Check => {}
        Mode::Write => stale.iter().for_each(|name| println!("updated {name}")),
    }
    if changed.is_empty() && stale.is_empty() {
        println!("generated code is up to date");
    }
    for item in &changed {
        match item {
            Stale::Missing(path) => println!("created {}", path.display()),
            Stale::Changed(path) => println!("updated {}", path.display()),
            Stale::Removed(path) => println!("removed {}", path.display()),
        }
    }
    Ok(())
}
