//! Builds generated code as real crates and runs what CI runs on them: `clippy -D warnings`,
//! `rustdoc` with `-D warnings`, and the doc-test collector, which must find no doc test in
//! generated code.
//!
//! Each crate is plain: a fixed `lib.rs` that mounts the runtime directory of `feishu-im` and the
//! generated files, the way `feishu-im`'s own `lib.rs` does, with nothing copied or patched.
//! All crates of one check share a workspace and a target directory so that dependencies build
//! once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use feishu_im_codegen::GeneratedFile;

/// The runtime's own features, off in fixture crates: the code behind them needs optional
/// dependencies.
const RUNTIME_FEATURES: &str =
    "axum = []\nlong-connection = []\npartial-eq = []\nredis = []\nwebhook-server = []\n";

/// The runtime's dependencies as `feishu-im` declares them (optional ones, which the fake,
/// the long connection and Redis support need, left out), written out from the workspace's versions with `feishu-im`'s features.
fn runtime_dependencies(root: &Path) -> Result<String, String> {
    let read =
        |path: PathBuf| fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()));
    let workspace = read(root.join("Cargo.toml"))?;
    let crate_manifest = read(root.join("feishu-im/Cargo.toml"))?;
    let section = crate_manifest
        .split("\n[")
        .find(|s| s.starts_with("dependencies]"))
        .ok_or("feishu-im declares no [dependencies]")?;
    let mut out = Vec::new();
    for line in section.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        if line.contains("optional = true") {
            continue;
        }
        let name = line.split(['.', ' ', '=']).next().unwrap_or_default();
        let spec = workspace
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .ok_or_else(|| format!("`{name}` is not a workspace dependency"))?;
        let features = line
            .split_once("features = [")
            .map(|(_, rest)| rest.split(']').next().unwrap_or_default());
        let spec = match (features, spec.strip_prefix('{')) {
            (None, _) => spec.to_owned(),
            (Some(features), Some(table)) => match table.split_once("features = [") {
                Some((before, after)) => format!("{{{before}features = [{features}, {after}"),
                None => format!("{{ features = [{features}],{table}"),
            },
            (Some(features), None) => format!("{{ version = {spec}, features = [{features}] }}"),
        };
        out.push(format!("{name} = {spec}"));
    }
    Ok(out.join("\n"))
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_owned()
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
    let dependencies = runtime_dependencies(&root)?;

    for (name, files) in crates {
        write_crate(&root, &work.join(name), name, files, &dependencies)
            .map_err(|e| format!("{name}: {e}"))?;
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

fn write_crate(
    root: &Path,
    dir: &Path,
    name: &str,
    generated: &Generated,
    dependencies: &str,
) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    let generated_dir = match generated {
        Generated::Dir(path) => path.clone(),
        Generated::Files(files) => {
            let out = dir.join("src/generated");
            for file in files {
                let path = out.join(&file.path);
                fs::create_dir_all(path.parent().expect("files live in a folder"))?;
                fs::write(&path, &file.contents)?;
            }
            out
        }
    };
    let features = resource_features(&generated_dir)?;
    let runtime = root.join("feishu-im/src/runtime/mod.rs");
    fs::write(
        dir.join("src/lib.rs"),
        format!(
            "//! Code generated from the `{name}` spec, over the runtime of `feishu-im`.\n\n\
             #[path = {:?}]\nmod runtime;\n#[path = {:?}]\n#[rustfmt::skip]\nmod generated;\n\n\
             pub use generated::*;\npub use runtime::*;\n",
            runtime.display().to_string(),
            generated_dir.join("mod.rs").display().to_string(),
        ),
    )?;
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"generated-{}\"\nedition = \"2024\"\npublish = false\n\n[features]\ndefault = [{}]\nfake = []\n{RUNTIME_FEATURES}{}\n\n[dependencies]\n{dependencies}\n\n[lints.rust]\nmissing_docs = \"warn\"\n",
            name.replace('_', "-"),
            features.iter().map(|f| format!("{f:?}")).collect::<Vec<_>>().join(", "),
            features.iter().map(|f| format!("{f} = []\n")).collect::<String>(),
        ),
    )
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
