//! Builds generated code as real crates and runs what CI runs on them: `clippy -D warnings`,
//! `rustdoc` with `-D warnings`, and the doc-test collector, which must find no doc test in
//! generated code.
//!
//! Each crate holds the generated files under `src/generated/` beside a copy of the runtime, the
//! way `feishu-im` holds them. All crates of one check share a workspace and a target directory
//! so that dependencies build once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use feishu_im_codegen::GeneratedFile;

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

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_owned()
}

/// Writes `crates` (name, generated files) as the members of a workspace in
/// `target/generated-crates/<group>` and checks them. Returns the tools' output on failure.
pub fn check(group: &str, crates: &[(String, Vec<GeneratedFile>)]) -> Result<(), String> {
    let root = workspace_root();
    let base = root.join("target/generated-crates");
    let work = base.join(group);
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let manifest = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let dependencies: Vec<String> = manifest
        .lines()
        .filter(|line| RUNTIME_DEPENDENCIES.iter().any(|d| line.starts_with(&format!("{d} = "))))
        .map(|d| d.replace("tokio = {", "tokio = { features = [\"sync\", \"time\"],"))
        .collect();
    assert_eq!(dependencies.len(), RUNTIME_DEPENDENCIES.len(), "runtime dependencies moved");

    for (name, files) in crates {
        write_crate(&root, &work.join(name), name, files, &dependencies.join("\n"))
            .map_err(|e| format!("{name}: {e}"))?;
    }
    let members: Vec<String> = crates.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    let workspace = format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", "));
    fs::write(work.join("Cargo.toml"), workspace).map_err(|e| e.to_string())?;
    fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).map_err(|e| e.to_string())?;

    let target = base.join("target");
    run(&work, &target, &["clippy", "--workspace", "--", "-D", "warnings"], None)?;
    run(&work, &target, &["doc", "--workspace", "--no-deps"], Some("-D warnings"))?;
    // The runtime's own examples name `feishu_im` and its real endpoints, so they are listed,
    // not run: what matters is that generated docs add no doc test at all.
    let listed = run(&work, &target, &["test", "--workspace", "--doc", "--", "--list"], None)?;
    let generated: Vec<&str> = listed.lines().filter(|l| l.contains("src/generated/")).collect();
    if generated.is_empty() {
        Ok(())
    } else {
        Err(format!("generated docs hold doc tests:\n{}", generated.join("\n")))
    }
}

fn write_crate(
    root: &Path,
    dir: &Path,
    name: &str,
    files: &[GeneratedFile],
    dependencies: &str,
) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("src/generated"))?;
    for file in files {
        let path = dir.join("src/generated").join(&file.path);
        fs::create_dir_all(path.parent().expect("files live in a folder"))?;
        fs::write(&path, &file.contents)?;
    }
    for entry in fs::read_dir(root.join("feishu-im/src"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let mut text = fs::read_to_string(&path)?;
            if path.ends_with("lib.rs") {
                text = runtime_lib(&text);
            }
            fs::write(dir.join("src").join(path.file_name().expect("a file")), text)?;
        }
    }
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"generated-{}\"\nedition = \"2024\"\npublish = false\n\n[features]\nfake = []\n\n[dependencies]\n{dependencies}\n\n[lints.rust]\nmissing_docs = \"warn\"\n",
            name.replace('_', "-")
        ),
    )
}

/// Runs cargo in `work`; returns its standard output.
fn run(
    work: &Path,
    target: &Path,
    args: &[&str],
    rustdocflags: Option<&str>,
) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(work)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTDOCFLAGS")
        .args(["--quiet", "--offline"])
        .args(args);
    if let Some(flags) = rustdocflags {
        command.env("RUSTDOCFLAGS", flags);
    }
    let output = command.output().map_err(|e| format!("cargo {}: {e}", args[0]))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "cargo {} failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The runtime's `lib.rs` for a generated crate: without the fake (which serves the real spec)
/// or the README doc tests.
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
