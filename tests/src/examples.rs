//! Runs the examples of `feishu-im` as a user would, with `cargo run --example`.

use std::process::{Command, Output};

use crate::generated_crates::workspace_root;

/// Runs `cargo run -p feishu-im --features fake --example <args>` with `env` set; what it
/// printed and how it exited.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .current_dir(&root)
        // Its own target directory: the one of this test run is locked while it runs.
        .env("CARGO_TARGET_DIR", root.join("target/generated-crates/target"))
        .envs(env.iter().copied())
        .args(["run", "--quiet", "--offline", "-p", "feishu-im", "--features", "fake", "--example"])
        .args(args)
        .output()
        .expect("cargo runs")
}
