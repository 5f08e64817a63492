//! `cargo xtask codegen [--check]`: regenerate or check `feishu-im/src/generated`.

use std::path::Path;

use feishu_im_codegen::{Mode, Stale, sync};

/// Where the spec lives and where its code goes, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";
pub const GENERATED_DIR: &str = "feishu-im/src/generated";

pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    // Relative paths keep the messages short and the same on every machine.
    std::env::set_current_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let changed = sync(Path::new(SPEC_DIR), Path::new(GENERATED_DIR), mode)?;
    // The README's coverage table follows the spec too.
    let readme = crate::coverage::sync_readme(Path::new("."), mode)?;
    match (readme, mode) {
        (true, Mode::Check) => {
            return Err("the README's coverage table is stale; run `cargo xtask codegen`".into());
        }
        (true, Mode::Write) => println!("updated README.md (coverage)"),
        (false, _) => {}
    }
    if changed.is_empty() && !readme {
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
