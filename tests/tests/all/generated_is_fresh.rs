//! Fails when the checked-in generated code differs from what `spec/` produces.

use std::path::Path;

use feishu_im_codegen::Part;

#[test]
fn checked_in_generated_code_matches_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let (client, fake) =
        (root.join("feishu-im/src/generated"), root.join("feishu-fake/src/generated"));
    let result = feishu_im_codegen::sync(
        &root.join("spec"),
        &[(Part::Client, &client), (Part::Fake, &fake)],
        feishu_im_codegen::Mode::Check,
    );
    if let Err(message) = result {
        panic!("{message}");
    }
}
