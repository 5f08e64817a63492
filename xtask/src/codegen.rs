//! `cargo xtask codegen [--check]`.

use std::path::Path;

use feishu_im_codegen::{generate_dir, stale_files, write_files};

/// Where the spec lives and where its code goes, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";
pub const GENERATED_DIR: &str = "feishu-im/src/generated";

pub enum Mode {
    Write,
    Check,
}

pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let files = generate_dir(&root.join(SPEC_DIR)).map_err(|e| e.to_string())?;
    let out = root.join(GENERATED_DIR);
    match mode {
        Mode::Check => {
            let stale = stale_files(&out, &files)
                .map_err(|e| format!("cannot read {}: {e}", out.display()))?;
            if stale.is_empty() {
                println!("generated code is up to date ({} files)", files.len());
                return Ok(());
            }
            let mut message = String::from("generated code is stale:\n");
            for item in &stale {
                message.push_str(&format!("  {item}\n"));
            }
            message.push_str("run `cargo xtask codegen` to update it");
            Err(message)
        }
        Mode::Write => {
            let changed = write_files(&out, &files)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            if changed.is_empty() {
                println!("generated code is up to date ({} files)", files.len());
            }
            for item in &changed {
                println!("updated: {item}");
            }
            Ok(())
        }
    }
}
