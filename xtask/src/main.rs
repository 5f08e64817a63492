//! Workspace tasks: `cargo xtask codegen [--check]`, `cargo xtask coverage`,
//! `cargo xtask bench-codegen`, `cargo xtask bench-build`, `cargo xtask bench-memory` and
//! `cargo xtask bench-redis`.

mod bench_build;
mod bench_codegen;
mod bench_minimal;
mod bench_progenitor;
mod codegen;
mod coverage;
mod features;
mod public_api;
mod section;
mod spec;

use std::path::{Path, PathBuf};

// The fixture tests write generated code as crates over the runtime; the build benchmarks
// write theirs the same way.
use feishu_im_generated_crates as generated_crates;
use std::process::ExitCode;

/// The generator allocates a token or a syntax node at a time, hundreds of thousands per run:
/// mimalloc serves those faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  codegen           regenerate feishu-im/src/generated and feishu-fake/src/generated from spec/,
                    and the README's coverage table, the resource features and the public-API
                    listings; nothing is written unless spec/ and catalog/ are valid
  codegen --check   fail, naming each stale file, if any of those differs from spec/
  check-spec DIR    check the spec root DIR as codegen would, writing nothing: every problem,
                    located, or the number of files it would generate
  fuzz-specs [--cases N] [--builds N] [--seed S]
                    draw N random specs (default 2000): each must be refused with located
                    problems or generate; build the first --builds (default 40) that generate
                    as crates under clippy, rustdoc and the doc tests. Failing specs are kept
                    in target/fuzz-specs/
  bench-codegen     time the generator on synthetic specs of 100 and 1,000 endpoints
  bench-build       compile time of feishu-im with every resource, one and none, and after a
                    one-line spec change
  bench-build --minimal [REV]
                    the cold build of an application that sends one text message, with
                    each TLS crypto provider and against the workspace at git revision REV:
                    CPU and wall time, and their ratios
  bench-build --progenitor N
                    the build of the generated crate for the synthetic spec of N endpoints
                    over the built runtime, against progenitor's for the same API
  bench-build --synthetic N
                    compile time of the synthetic spec of bench-codegen with N endpoints,
                    built as a crate over the runtime, against the runtime alone
  coverage          which published IM endpoints the spec describes, and why not the others
  bench-memory      peak memory of a 30 MB upload and download, against the client's idle
  bench-redis       state shared through a local redis-server: the cost per call of a token
                    kept in Redis, the throughput of 8 instances sharing one rate limit, and
                    the time to recover after a Redis restart
  soak [SECONDS] [FAULT_RATE]
                    the long connection against the fake (default 60 s, fault rate 0.02)
                    with random drops, stalls, duplicates and lost fragments: events sent and
                    handled once, reconnects, resident memory at the start and the end";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(&workspace_root(), feishu_im_codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&workspace_root(), feishu_im_codegen::Mode::Check),
        ["bench-codegen"] => bench_codegen::run(),
        ["bench-memory"] => bench_memory(),
        ["bench-redis"] => bench_redis(),
        ["soak", rest @ ..] => soak(rest),
        ["bench-build"] => bench_build::run(&workspace_root()),
        ["bench-build", "--minimal"] => bench_minimal::run(&workspace_root(), None),
        ["bench-build", "--minimal", rev] => bench_minimal::run(&workspace_root(), Some(rev)),
        ["bench-build", "--progenitor", n] => match n.parse() {
            Ok(endpoints) => bench_progenitor::run(&workspace_root(), endpoints),
            Err(_) => Err(format!("`{n}` is not a number of endpoints")),
        },
        ["bench-build", "--synthetic", n] => match n.parse() {
            Ok(endpoints) => bench_build::synthetic(endpoints),
            Err(_) => Err(format!("`{n}` is not a number of endpoints")),
        },
        ["coverage"] => coverage::run(&workspace_root()),
        ["check-spec", dir] => check_spec(Path::new(dir)),
        ["fuzz-specs", rest @ ..] => fuzz_specs(rest),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the `transfer_memory` example in release mode; it prints its own table.
fn bench_memory() -> Result<(), String> {
    let args = ["run", "--release", "-q", "-p", "feishu-im-examples"];
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(workspace_root())
        .args(args)
        .args(["--example", "transfer_memory"])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("the benchmark failed: {status}")) }
}

/// Runs the long-connection soak of the tests crate (release) for `[SECONDS] [FAULT_RATE]`.
fn soak(rest: &[&str]) -> Result<(), String> {
    let args = ["bench", "-q", "-p", "feishu-im-tests", "--bench", "long_connection_soak", "--"];
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(workspace_root())
        .args(args)
        .args(rest)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("the soak failed: {status}")) }
}

/// Runs the `shared_state` bench of the tests crate (release); it prints its own figures and
/// starts its own `redis-server`.
fn bench_redis() -> Result<(), String> {
    let args = ["bench", "-q", "-p", "feishu-im-tests", "--bench", "shared_state"];
    let status = std::process::Command::new(std::env::var("CARGO").unwrap_or("cargo".into()))
        .current_dir(workspace_root())
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("the benchmark failed: {status}")) }
}

/// The workspace of the `cargo xtask` that runs this: `cargo run` says where its manifest is.
/// The path built in serves when the binary is run directly; copies of the workspace that
/// share a target directory share this binary too.
fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().map(PathBuf::from).unwrap_or(manifest_dir)
}

/// Checks a spec root other than `spec/` (a hostile case, a user's draft) as `codegen` would.
fn check_spec(dir: &Path) -> Result<(), String> {
    match feishu_im_codegen::generate_dir(dir) {
        Ok(files) => {
            println!("{}: valid; it generates {} files", dir.display(), files.len());
            Ok(())
        }
        Err(error) => Err(error.to_string()),
    }
}

/// Random specs, more and with more builds than CI draws.
fn fuzz_specs(args: &[&str]) -> Result<(), String> {
    let mut cases = 2000;
    let mut builds = 40;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("`{flag}` needs a value"))?;
        let number: u64 = value.parse().map_err(|_| format!("`{value}` is not a number"))?;
        match *flag {
            "--cases" => cases = number as usize,
            "--builds" => builds = number as usize,
            "--seed" => seed = number,
            other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
        }
    }
    let started = std::time::Instant::now();
    let findings = generated_crates::random_specs::run(seed, cases, builds, 8, "fuzz-specs");
    println!(
        "seed {seed}: {} specs drawn, {} refused with located problems, {} accepted, {} built as crates; {} failing; {:.0} s",
        findings.drawn,
        findings.refused,
        findings.accepted,
        findings.built,
        findings.failures.len(),
        started.elapsed().as_secs_f64()
    );
    if findings.failures.is_empty() {
        return Ok(());
    }
    let dir = workspace_root().join("target/fuzz-specs");
    for (i, (yaml, why)) in findings.failures.iter().enumerate() {
        let case = dir.join(format!("failure_{i}"));
        std::fs::create_dir_all(&case).map_err(|e| e.to_string())?;
        std::fs::write(case.join("spec.yaml"), yaml).map_err(|e| e.to_string())?;
        std::fs::write(case.join("why.txt"), why).map_err(|e| e.to_string())?;
    }
    Err(format!(
        "{} failing specs, kept in {}; add each to tests/hostile/ once fixed",
        findings.failures.len(),
        dir.display()
    ))
}
