//! `cargo xtask codegen` over a copy of the workspace's inputs: all or nothing, and idempotent.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace this test belongs to.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// What `cargo xtask codegen` reads and writes, copied under `target/xtask-codegen/<name>`.
fn copy_inputs(name: &str) -> PathBuf {
    let copy = root().join("target/xtask-codegen").join(name);
    let _ = fs::remove_dir_all(&copy);
    for part in [
        "spec",
        "catalog",
        "README.md",
        "public-api",
        "feishu-im/Cargo.toml",
        "feishu-im/src",
        "feishu-im-runtime/src",
        "feishu-fake/src/generated",
    ] {
        copy_path(&root().join(part), &copy.join(part));
    }
    fs::create_dir_all(copy.join("xtask")).unwrap();
    copy
}

fn copy_path(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_path(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(from, to).unwrap();
    }
}

/// Every file below `dir` with its contents.
fn tree(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            tree(&path, out);
        } else {
            out.insert(path.clone(), fs::read(&path).unwrap());
        }
    }
}

/// Runs this xtask against the copy, as `cargo xtask` would there.
fn xtask(copy: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("CARGO_MANIFEST_DIR", copy.join("xtask"))
        .output()
        .unwrap()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} is in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_broken_catalog_is_located_and_nothing_is_written() {
    let copy = copy_inputs("broken-catalog");
    // A spec change that would rewrite generated files, the features and the listings…
    edit(&copy.join("spec/im/v1/pins.yaml"), "    list:", "    list_pins:");
    // …and a catalog with a note that would close the README's coverage section.
    edit(
        &copy.join("catalog/im_endpoints.yaml"),
        "resource: batch_message, operation: delete}",
        "resource: batch_message, operation: delete, note: \"gone <!-- coverage:end -->\"}",
    );
    let mut before = BTreeMap::new();
    tree(&copy, &mut before);

    let output = xtask(&copy, &["codegen"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "catalog/im_endpoints.yaml:7:3: endpoints.0.note: a note is one line of plain text; `<`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("no file was written"), "{stderr}");
    let mut after = BTreeMap::new();
    tree(&copy, &mut after);
    assert!(before == after, "files changed although the catalog was refused");
}

#[test]
fn codegen_then_check_passes_after_a_spec_change() {
    let copy = copy_inputs("idempotent");
    edit(&copy.join("spec/im/v1/pins.yaml"), "    list:", "    list_pins:");
    let written = xtask(&copy, &["codegen"]);
    let printed = String::from_utf8_lossy(&written.stdout);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    for file in [
        "feishu-im/src/generated/v1/pins.rs",
        "public-api/feishu_im.txt",
        "public-api/feishu_im.md",
    ] {
        assert!(printed.contains(&format!("updated {file}")), "{file}:\n{printed}");
    }
    let checked = xtask(&copy, &["codegen", "--check"]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
}
