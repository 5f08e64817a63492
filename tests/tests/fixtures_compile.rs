//! The code generated for every fixture spec, compiled with the hand-written runtime under
//! `cargo clippy -D warnings`, documented with `rustdoc -D warnings` and doc-tested, so shapes
//! the real spec does not use yet (keyword names, nested body objects, integer enums, other
//! versions) are known to build cleanly too.

use feishu_im_tests::{fixtures, generated_crates};

#[test]
fn generated_code_of_every_fixture_compiles_without_warnings() {
    let crates: Vec<_> = fixtures()
        .into_iter()
        .map(|(name, dir)| {
            let files =
                feishu_im_codegen::generate_dir(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, files)
        })
        .collect();
    if let Err(output) = generated_crates::check("fixtures", &crates) {
        panic!("fixture code does not build cleanly:\n{output}");
    }
}
