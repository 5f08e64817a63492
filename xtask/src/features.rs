//! The cargo features of `feishu-im`: one per resource, and `full` for all of them. Written
//! into the crate's manifest by `cargo xtask codegen`, so that a user who needs only messages
//! compiles only messages.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use feishu_im_codegen::EndpointSummary;

const MANIFEST: &str = "feishu-im/Cargo.toml";
const BEGIN: &str = "# features:begin (written by `cargo xtask codegen`)";
const END: &str = "# features:end";

/// One resource feature: its module and how many endpoints it compiles.
pub struct Feature<'a> {
    pub module: &'a str,
    pub endpoints: usize,
}

/// The resources of the spec's endpoints, by feature name.
pub fn by_feature(spec: &[EndpointSummary]) -> BTreeMap<&str, Feature<'_>> {
    let mut features = BTreeMap::new();
    for endpoint in spec {
        features
            .entry(endpoint.feature.as_str())
            .or_insert(Feature { module: &endpoint.module, endpoints: 0 })
            .endpoints += 1;
    }
    features
}

/// The manifest with its resource features written from the spec.
pub fn manifest(root: &Path, spec: &[EndpointSummary]) -> Result<crate::section::Rewrite, String> {
    let features = by_feature(spec);
    let mut block = String::from("## Every resource of the spec.\nfull = [\n");
    for name in features.keys() {
        let _ = writeln!(block, "    \"{name}\",");
    }
    block.push_str("]\n");
    for (name, feature) in &features {
        let plural = if feature.endpoints == 1 { "" } else { "s" };
        let _ = writeln!(block, "## `{}`: {} endpoint{plural}.", feature.module, feature.endpoints);
        let _ = writeln!(block, "{name} = []");
    }
    crate::section::rewrite(&root.join(MANIFEST), BEGIN, END, &block)
}
