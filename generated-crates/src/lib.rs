//! Builds generated code as real crates and runs what CI runs on them: `clippy -D warnings`,
//! `rustdoc` with `-D warnings`, and the doc-test collector, which must find no doc test in
//! generated code.
//!
//! Each crate is plain: the generated files under `src/generated/`, a fixed `lib.rs` that
//! mounts them as `feishu-im`'s does, and `feishu-im-runtime` as a normal path dependency.
//! All crates of one check share a workspace and a target directory so that dependencies build
//! once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use feishu_im_codegen::{GeneratedFile, Part};

pub mod random_specs;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("generated-crates/ has a parent")
        .to_owned()
}

/// The generated code of one crate: files checked in under a directory, or files in memory.
pub enum Generated {
    /// A directory holding `mod.rs` and the rest, compiled where it is.
    Dir(PathBuf),
    /// Files to write under the crate's `src/generated/`.
    Files(Vec<GeneratedFile>),
}

/// Writes `crates` (name, generated code) as the members of a workspace in
/// `target/generated-crates/<group>` and returns that directory. The crates' target directory
/// is [`target_dir`].
pub fn write(group: &str, crates: &[(String, Generated)]) -> Result<PathBuf, String> {
    let root = workspace_root();
    let work = root.join("target/generated-crates").join(group);
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    for (name, files) in crates {
        write_crate(&root, &work.join(name), name, files).map_err(|e| format!("{name}: {e}"))?;
    }
    let members: Vec<String> = crates.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    let workspace = format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", "));
    fs::write(work.join("Cargo.toml"), workspace).map_err(|e| e.to_string())?;
    fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(work)
}

/// The target directory every group of generated crates shares, so that dependencies build
/// once.
pub fn target_dir() -> PathBuf {
    workspace_root().join("target/generated-crates/target")
}

/// Writes `crates` as [`write()`] does and checks them. Returns the tools' output on failure.
pub fn check(group: &str, crates: &[(String, Generated)]) -> Result<(), String> {
    let work = write(group, crates)?;
    let target = target_dir();
    run(&work, &target, &["clippy", "--workspace", "--", "-D", "warnings"], None)?;
    run(&work, &target, &["doc", "--workspace", "--no-deps"], Some("-D warnings"))?;
    // The runtime's own examples name `feishu_im` and its real endpoints, so they are listed,
    // not run: what matters is that generated docs add no doc test at all.
    let listed = run(&work, &target, &["test", "--workspace", "--doc", "--", "--list"], None)?;
    let generated: Vec<&str> = listed.lines().filter(|l| l.contains("generated/")).collect();
    if generated.is_empty() {
        Ok(())
    } else {
        Err(format!("generated docs hold doc tests:\n{}", generated.join("\n")))
    }
}

fn write_crate(root: &Path, dir: &Path, name: &str, generated: &Generated) -> std::io::Result<()> {
    let out = dir.join("src/generated");
    fs::create_dir_all(&out)?;
    match generated {
        Generated::Dir(path) => copy_dir(path, &out)?,
        Generated::Files(files) => {
            // The fake's part belongs to another crate.
            for file in files.iter().filter(|f| f.part == Part::Client) {
                let path = out.join(&file.path);
                fs::create_dir_all(path.parent().expect("files live in a folder"))?;
                fs::write(&path, &file.contents)?;
            }
        }
    }
    let features = resource_features(&out)?;
    fs::write(
        dir.join("src/lib.rs"),
        format!(
            "//! Code generated from the `{name}` spec, over `feishu-im-runtime`.\n\n\
             #[rustfmt::skip]\nmod generated;\n\npub use generated::*;\n"
        ),
    )?;
    let runtime = root.join("feishu-im-runtime");
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"generated-{}\"\nedition = \"2024\"\npublish = false\n\n\
             [features]\ndefault = [{}]\nfake = []\npartial-eq = []\n{}\n\
             [dependencies]\nfeishu-im-runtime = {{ path = {:?} }}\n\
             serde = {{ version = \"1\", features = [\"derive\"] }}\n\
             serde_json = {{ version = \"1\", features = [\"raw_value\"] }}\n\n\
             [lints.rust]\nmissing_docs = \"warn\"\n",
            name.replace('_', "-"),
            features.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", "),
            features.iter().map(|f| format!("{f} = []\n")).collect::<String>(),
            runtime.display().to_string(),
        ),
    )
}

/// Copies the generated files checked in under `from` into `to`.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("entries have names"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// The cargo feature of every resource module (`<version>/<resource>.rs`) in `generated`, all
/// of them on by default, as `feishu-im` declares them.
fn resource_features(generated: &Path) -> std::io::Result<Vec<String>> {
    let mut features = Vec::new();
    for version in fs::read_dir(generated)? {
        let version = version?.path();
        if !version.is_dir() {
            continue;
        }
        let version_name = version.file_name().unwrap_or_default().to_string_lossy().into_owned();
        for module in fs::read_dir(&version)? {
            let module = module?.path();
            match module.file_stem().map(|s| s.to_string_lossy()) {
                Some(stem) if stem != "mod" => {
                    features.push(feishu_im_codegen::feature_name(&version_name, &stem));
                }
                _ => {}
            }
        }
    }
    features.sort();
    Ok(features)
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
