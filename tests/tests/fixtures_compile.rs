//! The code generated for every fixture spec, compiled with the hand-written runtime under
//! `cargo clippy -D warnings`, so shapes the real spec does not use yet (keyword names, nested
//! body objects, integer enums, other versions) are known to build cleanly too.

use std::fs;
use std::path::Path;
use std::process::Command;

/// Runtime dependencies, as the workspace declares them.
const RUNTIME_DEPENDENCIES: &[&str] = &[
    "futures-util",
    "percent-encoding",
    "reqwest",
    "serde",
    "serde_json",
    "thiserror",
    "tokio",
    "tracing",
];

#[test]
fn generated_code_of_every_fixture_compiles_without_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let work = root.join("target/fixture-crates");
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let dependencies: Vec<&str> = manifest
        .lines()
        .filter(|line| RUNTIME_DEPENDENCIES.iter().any(|d| line.starts_with(&format!("{d} = "))))
        .collect();
    assert_eq!(dependencies.len(), RUNTIME_DEPENDENCIES.len(), "runtime dependencies moved");

    let fixtures = feishu_im_tests::fixtures();
    for (fixture, spec) in &fixtures {
        let dir = work.join(fixture);
        let _ = fs::remove_dir_all(dir.join("src"));
        fs::create_dir_all(dir.join("src/generated")).unwrap();
        let files = feishu_im_codegen::generate_dir(spec).unwrap();
        for file in &files {
            let path = dir.join("src/generated").join(&file.path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &file.contents).unwrap();
        }
        for entry in fs::read_dir(root.join("feishu-im/src")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let mut text = fs::read_to_string(&path).unwrap();
                if path.ends_with("lib.rs") {
                    text = runtime_lib(&text);
                }
                fs::write(dir.join("src").join(path.file_name().unwrap()), text).unwrap();
            }
        }
        let deps = dependencies
            .iter()
            .map(|d| d.replace("tokio = {", "tokio = { features = [\"sync\", \"time\"],"))
            .collect::<Vec<_>>()
            .join("\n");
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"fixture-{}\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n{deps}\n\n[lints.rust]\nmissing_docs = \"warn\"\n",
                fixture.replace('_', "-")
            ),
        )
        .unwrap();
    }
    let members: Vec<String> = fixtures.iter().map(|(f, _)| format!("\"{f}\"")).collect();
    fs::write(
        work.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();
    if !work.join("Cargo.lock").exists() {
        fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    }

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&work)
        .env("CARGO_TARGET_DIR", work.join("target"))
        .env_remove("RUSTFLAGS")
        .args(["clippy", "--offline", "--workspace", "--quiet", "--", "-D", "warnings"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "fixture code does not compile cleanly:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The runtime's `lib.rs` for a fixture: without the fake (which serves the
/// real spec) or the README doc tests.
fn runtime_lib(text: &str) -> String {
    let mut out = String::new();
    let mut skip = 0;
    for line in text.lines() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if line.starts_with("#[cfg(feature = \"fake\")]") {
            skip = 1;
            continue;
        }
        if line.starts_with("/// The README's Rust examples") {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
