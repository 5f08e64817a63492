//! The public API of each published crate, as a checked-in listing (`public-api/<crate>.txt`)
//! written by `cargo xtask codegen`: every change to what users can name shows in review as a
//! change to the listing. The same walk writes every listed path as an intra-doc link
//! (`public-api/<crate>.md`), which `cargo doc` resolves in the `feishu-im-public-api` crate:
//! a listed item that does not exist fails the docs build.

use std::fs;
use std::path::Path;
use std::process::Command;

use feishu_im_codegen::public_api::{CrateSource, Listing, Overlay};
use feishu_im_tests::generated_crates::{target_dir, workspace_root};

const CRATES: &[(&str, &str)] =
    &[("feishu_im_runtime", "feishu-im-runtime/src/lib.rs"), ("feishu_im", "feishu-im/src/lib.rs")];

fn listing(name: &str, lib: &str) -> Listing {
    let source = CrateSource { name: name.to_owned(), lib: workspace_root().join(lib) };
    Listing::of(&source, &Overlay::default()).unwrap()
}

/// The checked-in listings are those of the code (`cargo xtask codegen` writes them).
#[test]
fn the_public_api_listings_are_up_to_date() {
    for (name, lib) in CRATES {
        let listing = listing(name, lib);
        for (extension, fresh) in [("txt", listing.text()), ("md", listing.links())] {
            let path = workspace_root().join("public-api").join(format!("{name}.{extension}"));
            let current = fs::read_to_string(&path).unwrap_or_default();
            assert!(current == fresh, "{} is stale; run `cargo xtask codegen`", path.display());
        }
    }
}

#[test]
fn a_method_of_one_type_is_never_listed_on_another_of_the_same_name() {
    let listing = listing("feishu_im", "feishu-im/src/lib.rs");
    let links = listing.links();
    // Every resource has a `CreateRequest`-like name of its own; each lists its own setters.
    assert!(links.contains("(fn@feishu_im::v1::chat_members::CreateRequest::new)"), "{links}");
    let news = links.lines().filter(|l| l.ends_with("::CreateRequest::new)")).count();
    let types = links.lines().filter(|l| l.ends_with("::CreateRequest)")).count();
    assert_eq!(news, types, "one `new` per `CreateRequest`");
    // The runtime's methods are listed on the runtime's types only.
    let runtime = self::listing("feishu_im_runtime", "feishu-im-runtime/src/lib.rs").links();
    assert!(runtime.contains("(fn@feishu_im_runtime::Caller::send)"), "{runtime}");
    assert!(!runtime.contains("(fn@feishu_im_runtime::Client::send)"), "{runtime}");
}

/// The proof fails on a wrong listing: the runtime's listing with a method of `Caller` listed
/// on `Client`, as a listing that matched impls by bare name would have it, is refused by
/// `cargo doc`, and the right listing is accepted.
#[test]
fn the_proof_refuses_a_wrong_listing() {
    let links = listing("feishu_im_runtime", "feishu-im-runtime/src/lib.rs").links();
    let wrong = format!(
        "{links}- fn [`feishu_im_runtime::Client::send`](fn@feishu_im_runtime::Client::send)\n"
    );
    let dir = workspace_root().join("target/generated-crates/public-api-proof");
    let runtime = workspace_root().join("feishu-im-runtime");
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"public-api-proof\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nfeishu-im-runtime = {{ path = {:?}, features = [\"axum\", \"long-connection\", \"redis\", \"webhook-server\"] }}\n\n\
             [workspace]\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let document = |listing: &str| {
        fs::write(dir.join("src/lib.rs"), format!("//! Listing.\n#![doc = {listing:?}]\n"))
            .unwrap();
        cargo_doc(&dir)
    };
    let refused = document(&wrong).expect_err("a method listed on the wrong type is refused");
    assert!(refused.contains("feishu_im_runtime::Client::send"), "{refused}");
    document(&links).expect("the listing as the sources give it resolves");
}

fn cargo_doc(dir: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("RUSTDOCFLAGS", "-D warnings")
        .env_remove("RUSTFLAGS")
        .args(["doc", "--quiet", "--offline", "--no-deps"])
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
