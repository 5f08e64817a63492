//! The public-API listings of the published crates (`public-api/<crate>.txt`) and their links
//! (`public-api/<crate>.md`, proved by `cargo doc` in the `feishu-im-public-api` crate),
//! written by `cargo xtask codegen` from the code as it will be: the generated code is read
//! from memory. A spec change shows in review as a change of the listing, and no test needs a
//! snapshot accepted by hand.

use std::path::Path;

use feishu_im_codegen::public_api::{CrateSource, Listing, Overlay};
use feishu_im_codegen::{GeneratedFile, Part};

use crate::section::Rewrite;

/// The published crates that have a listing, with their `lib.rs`.
pub const CRATES: &[(&str, &str)] =
    &[("feishu_im_runtime", "feishu-im-runtime/src/lib.rs"), ("feishu_im", "feishu-im/src/lib.rs")];

/// Where the listings go.
const DIR: &str = "public-api";

/// Each listing and its links, as `generated` (the client's part written into `dir`) would
/// make them.
pub fn rewrites(
    root: &Path,
    dir: &Path,
    generated: &[GeneratedFile],
) -> Result<Vec<Rewrite>, String> {
    let dir = dir.to_owned();
    let files = generated
        .iter()
        .filter(|f| f.part == Part::Client)
        .map(|f| (dir.join(&f.path), f.contents.clone()))
        .collect();
    let overlay = Overlay { dir, files };
    let mut rewrites = Vec::new();
    for (name, lib) in CRATES {
        let source = CrateSource { name: (*name).to_owned(), lib: root.join(lib) };
        let listing = Listing::of(&source, &overlay)?;
        rewrites.push(Rewrite::whole(&root.join(DIR).join(format!("{name}.txt")), listing.text()));
        rewrites.push(Rewrite::whole(&root.join(DIR).join(format!("{name}.md")), listing.links()));
    }
    Ok(rewrites)
}
