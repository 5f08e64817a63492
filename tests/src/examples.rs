//! Runs the examples of `feishu-im` (the `feishu-im-examples` package) as a user would, with
//! `cargo run --example`.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::generated_crates::workspace_root;

/// The target directory the examples build in: the one of this test run is locked while it runs.
fn target_dir() -> PathBuf {
    workspace_root().join("target/generated-crates/target")
}

/// Builds the example `name` and returns its binary, to be run several times at once.
///
/// # Panics
///
/// When the build fails.
pub fn build(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .args(["build", "--quiet", "--offline", "-p", "feishu-im-examples"])
        .args(["--example", name])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the example {name} builds");
    target_dir().join("debug/examples").join(name)
}

/// Runs `cargo run -p feishu-im-examples --example <args>` with `env` set; what it
/// printed and how it exited.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", target_dir())
        .envs(env.iter().copied())
        .args(["run", "--quiet", "--offline", "-p", "feishu-im-examples", "--example"])
        .args(args)
        .output()
        .expect("cargo runs")
}
