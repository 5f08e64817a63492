//! `cargo xtask bench-build --minimal [REV]`: the cold build of the smallest application, one
//! that sends one text message, with each TLS crypto provider the runtime offers, and against
//! the workspace at the git revision `REV` (checked out in a worktree), with its defaults. Each
//! build starts from an empty target directory (dependencies from the local registry,
//! offline); the figure is the CPU time of the whole build (user and system, all threads),
//! which a cold build on a machine of N cores divides among them. All builds run in one
//! invocation, in turn, so that their ratios compare like with like.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN: &str = r#"//! Sends one text message.

// A glob, so that the same program builds against earlier versions of the crate.
use feishu_im::v1::messages::CreateRequest;
use feishu_im::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let client = Client::builder(Credentials::custom_app("cli_a1b2c3", "app-secret")).build()?;
    let text = MessageContent::text("hello");
    let request = CreateRequest::new(ReceiveIdType::ChatId, "oc_a0553eda9014c201e6969b478895c230", text);
    client.messages().create(&request).await?;
    Ok(())
}
"#;

/// One configuration of the application: its label, the workspace it builds against and
/// `feishu-im`'s features.
struct Config {
    label: String,
    root: PathBuf,
    features: &'static [&'static str],
}

pub fn run(root: &Path, against: Option<&str>) -> Result<(), String> {
    let work = root.join("target/bench-minimal");
    let mut configs = vec![
        Config {
            label: "rustls + ring (default)".into(),
            root: root.to_owned(),
            features: &["v1-messages"],
        },
        Config {
            label: "rustls + aws-lc-rs".into(),
            root: root.to_owned(),
            features: &["v1-messages", "aws-lc-rs"],
        },
    ];
    let worktree = work.join("baseline");
    if let Some(rev) = against {
        let _ = git(root, &["worktree", "remove", "--force", &worktree.display().to_string()]);
        git(root, &["worktree", "add", "--detach", &worktree.display().to_string(), rev])?;
        configs.push(Config {
            label: format!("at {rev}"),
            root: worktree.clone(),
            features: &["v1-messages"],
        });
    }
    let mut rows = Vec::new();
    for config in &configs {
        let app = write_app(&work, config)?;
        let target = work.join("target");
        let _ = fs::remove_dir_all(&target);
        let (cpu, wall) = timed_build(&app, &target)?;
        println!("{:<26} {cpu:>7.1} s CPU {wall:>7.1} s wall", config.label);
        rows.push((config.label.clone(), cpu, wall));
    }
    if against.is_some() {
        git(root, &["worktree", "remove", "--force", &worktree.display().to_string()])?;
    }
    println!();
    let base = rows.last().map_or(1.0, |row| row.1);
    println!("| configuration | CPU (s) | wall (s) | CPU ratio to the last |");
    println!("|---|---:|---:|---:|");
    for (label, cpu, wall) in &rows {
        println!("| {label} | {cpu:.1} | {wall:.1} | {:.2} |", cpu / base);
    }
    Ok(())
}

fn git(root: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("git")
        .current_dir(root)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("git {} failed", args.join(" "))) }
}

/// Writes the application with `config`'s features; returns its directory.
fn write_app(work: &Path, config: &Config) -> Result<PathBuf, String> {
    let root = &config.root;
    let app = work.join("app");
    fs::create_dir_all(app.join("src")).map_err(|e| e.to_string())?;
    let features: Vec<String> = config.features.iter().map(|f| format!("{f:?}")).collect();
    let manifest = format!(
        "[package]\nname = \"minimal-app\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nfeishu-im = {{ path = {:?}, default-features = false, features = [{}] }}\n\
         tokio = {{ version = \"1\", default-features = false, features = [\"macros\", \"rt\"] }}\n\n\
         [workspace]\n",
        root.join("feishu-im").display().to_string(),
        features.join(", "),
    );
    let write = |path: PathBuf, text: &str| fs::write(&path, text).map_err(|e| e.to_string());
    write(app.join("Cargo.toml"), &manifest)?;
    write(app.join("src/main.rs"), MAIN)?;
    fs::copy(root.join("Cargo.lock"), app.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(app)
}

/// `cargo build` of `app` into `target`: CPU seconds (user + system of every process) and wall
/// seconds, as `/usr/bin/time` counts them.
fn timed_build(app: &Path, target: &Path) -> Result<(f64, f64), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%U %S %e", &cargo, "build", "--quiet", "--offline"])
        .current_dir(app)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    if !output.status.success() {
        return Err(format!("the build failed:\n{}", String::from_utf8_lossy(&output.stderr)));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let numbers: Vec<f64> = last.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    match numbers.as_slice() {
        [user, system, wall] => Ok((user + system, *wall)),
        _ => Err(format!("unexpected timing output: {last}")),
    }
}
