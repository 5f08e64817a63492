//! Where the spec lives, and what it describes: what `codegen`, `coverage` and the benches read.

use std::path::Path;

use feishu_im_codegen::{EndpointSummary, SourceFile, endpoints, read_dir};

/// Where the spec lives, relative to the workspace root.
pub const SPEC_DIR: &str = "spec";

/// Every spec file below `root`, or why they cannot be read.
pub fn spec_files(root: &Path) -> Result<Vec<SourceFile>, String> {
    let (files, unreadable) =
        read_dir(&root.join(SPEC_DIR)).map_err(|e| format!("cannot read the spec: {e}"))?;
    if !unreadable.is_empty() {
        return Err(unreadable.to_string());
    }
    Ok(files)
}

/// The endpoints of the spec below `root`, or its problems.
pub fn spec_summary(root: &Path) -> Result<Vec<EndpointSummary>, String> {
    endpoints(&spec_files(root)?).map_err(|problems| problems.to_string())
}
