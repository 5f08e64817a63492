//! Fails when the checked-in generated code differs from what `spec/` produces.

use std::path::Path;

#[test]
fn checked_in_generated_code_matches_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let result = feishu_im_codegen::sync(
        &root.join("spec"),
        &root.join("feishu-im/src/generated"),
        feishu_im_codegen::Mode::Check,
    );
    if let Err(message) = result {
        panic!("{message}");
    }
}
