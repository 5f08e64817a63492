//! The checked-in code of every fixture spec (`tests/fixtures/<name>/generated/`, kept equal to
//! the generator's output by `codegen_snapshots`), compiled as a plain crate over the runtime under
//! `cargo clippy -D warnings`, documented with `rustdoc -D warnings` and doc-tested, so shapes
//! the real spec does not use yet (keyword names, nested body objects, integer enums, other
//! versions) are known to build cleanly too.

use feishu_im_tests::fixtures;
use feishu_im_tests::generated_crates::{self, Generated};

#[test]
fn generated_code_of_every_fixture_compiles_without_warnings() {
    let crates: Vec<_> = fixtures()
        .into_iter()
        .map(|(name, dir)| (name, Generated::Dir(dir.join("generated"))))
        .collect();
    if let Err(output) = generated_crates::check("fixtures", &crates) {
        panic!("fixture code does not build cleanly:\n{output}");
    }
}
