//! The cargo features of `feishu-im`: one per resource, and `full` for all of them. Written
//! into the crate's manifest by `cargo xtask codegen`, so that a user who needs only messages
//! compiles only messages.

use std::fmt::Write as _;
use std::path::Path;

use feishu_im_codegen::{Mode, resources};

const MANIFEST: &str = "feishu-im/Cargo.toml";
const BEGIN: &str = "# features:begin (written by `cargo xtask codegen`)";
const END: &str = "# features:end";

/// Writes the manifest's resource features (or, checking, reports them stale).
pub fn sync_manifest(root: &Path, mode: Mode) -> Result<bool, String> {
    let resources =
        resources(&crate::codegen::spec_files(root)?).map_err(|problems| problems.to_string())?;
    let mut block = String::from("## Every resource of the spec.\nfull = [\n");
    for r in &resources {
        let _ = writeln!(block, "    \"{}\",", r.feature);
    }
    block.push_str("]\n");
    for r in &resources {
        let plural = if r.endpoints == 1 { "" } else { "s" };
        let _ = writeln!(block, "## `{}`: {} endpoint{plural}.", r.module, r.endpoints);
        let _ = writeln!(block, "{} = []", r.feature);
    }
    crate::section::sync(&root.join(MANIFEST), BEGIN, END, &block, mode)
}
