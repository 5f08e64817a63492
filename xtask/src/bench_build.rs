//! `cargo xtask bench-build`: how long `feishu-im` takes to compile, with every resource, with
//! one, and with none; how long a one-line spec change takes to show in an incremental build;
//! and how many lines the generator writes per endpoint. Prints a table.
//!
//! Dependencies are built first, so each figure is `feishu-im`'s own compile (debug profile):
//! `touch src/lib.rs` then `CARGO_INCREMENTAL=0 cargo build -p feishu-im`, as a clean build of
//! the crate would. Medians of five, the configurations taken in turn so
//! that drift on a noisy machine spreads over all of them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use feishu_im_codegen::{Mode, sync};

use crate::codegen::GENERATED_DIR;
use crate::features::by_feature;
use crate::generated_crates::{self, Generated};
use crate::spec::{SPEC_DIR, spec_summary};

const RUNS: usize = 5;
/// The seed resource: five endpoints, the size of the crate before the spec grew.
const SEED: &str = "v1-chat-members";
/// One resource a messaging application would pick.
const ONE: &str = "v1-messages";
/// The line the incremental figure changes, and the file it is in.
const EDITED_FILE: &str = "im/v1/chat_members.yaml";
const EDITED_LINE: &str = "      summary: Removes users or bots from a chat.";

struct Config {
    label: String,
    features: Vec<String>,
    /// Generated files compiled in this configuration.
    files: Vec<PathBuf>,
    endpoints: usize,
}

pub fn run(root: &Path) -> Result<(), String> {
    let target = root.join("target/bench-build");
    let spec = spec_summary(root)?;
    let features = by_feature(&spec);
    let generated = root.join(GENERATED_DIR);
    let shared = shared_files(&generated)?;
    let module_file = |module: &str| generated.join(module.replace("::", "/") + ".rs");
    let endpoints_of =
        |name: &str| features.get(name).map(|f| (f.endpoints, module_file(f.module)));
    let (seed_endpoints, seed_file) = endpoints_of(SEED).ok_or("the spec has no chat_members")?;
    let (one_endpoints, one_file) = endpoints_of(ONE).ok_or("the spec has no messages")?;
    let all_files: Vec<PathBuf> = features.values().map(|f| module_file(f.module)).collect();
    let all_endpoints = spec.len();
    let configs = [
        Config { label: "no resource".into(), features: vec![], files: vec![], endpoints: 0 },
        Config {
            label: format!("`{SEED}` (the seed)"),
            features: vec![SEED.into()],
            files: vec![seed_file.clone()],
            endpoints: seed_endpoints,
        },
        Config {
            label: format!("`{ONE}`"),
            features: vec![ONE.into()],
            files: vec![one_file],
            endpoints: one_endpoints,
        },
        Config {
            label: "`full` (default)".into(),
            features: vec!["full".into()],
            files: all_files.clone(),
            endpoints: all_endpoints,
        },
    ];

    println!("warming the dependencies in {} …", target.display());
    cargo_build(root, &target, &[], false)?;
    println!(
        "\n| features | endpoints | generated lines compiled (resources + shared) | code lines | `feishu-im` debug build, CARGO_INCREMENTAL=0 (median of {RUNS}) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut samples = vec![Vec::with_capacity(RUNS); configs.len()];
    for _ in 0..RUNS {
        for (config, samples) in configs.iter().zip(&mut samples) {
            touch(&root.join("feishu-im/src/lib.rs"))?;
            samples.push(cargo_build(root, &target, &config.features, false)?);
        }
    }
    let times: Vec<Duration> = samples.into_iter().map(median).collect();
    let (shared_lines, shared_code) = lines(&shared)?;
    for (config, time) in configs.iter().zip(&times) {
        let (resource_lines, resource_code) = lines(&config.files)?;
        println!(
            "| {} | {} | {} + {shared_lines} | {} | {:.2} s |",
            config.label,
            config.endpoints,
            resource_lines,
            resource_code + shared_code,
            time.as_secs_f64()
        );
    }

    // The seed crate plus the linear cost of what the spec added: each generated line of a
    // resource costs what a line of the largest single resource costs over no resource.
    let (seed_lines, _) = lines(&[seed_file])?;
    let (one_lines, _) = lines(&configs[2].files)?;
    let (all_lines, all_code) = lines(&all_files)?;
    let per_line = (times[2].as_secs_f64() - times[0].as_secs_f64()) / one_lines as f64;
    let linear = times[1].as_secs_f64() + per_line.max(0.0) * (all_lines - seed_lines) as f64;
    println!(
        "\n- per generated line (`{ONE}` over no resource): {:.3} ms; every resource vs the seed crate plus that cost for the added lines ({linear:.2} s): {:.2}x (target ≤ 1.5x)",
        per_line * 1e3,
        times[3].as_secs_f64() / linear
    );
    println!(
        "- one resource (`{ONE}`) vs every resource: {:.2}x the time",
        times[2].as_secs_f64() / times[3].as_secs_f64()
    );
    println!(
        "- generated lines per endpoint (resource modules): {:.1}, of which code (no docs, no `fake`): {:.1}",
        all_lines as f64 / all_endpoints as f64,
        all_code as f64 / all_endpoints as f64
    );

    let (generate, build) = incremental(root, &target)?;
    println!(
        "- one-line spec change to a rebuilt crate, incremental (median of {RUNS}): codegen {:.0} ms + `cargo build` {:.2} s",
        generate.as_secs_f64() * 1e3,
        build.as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask bench-build --synthetic N`: the synthetic spec of `bench-codegen`, generated
/// and compiled as a crate over the runtime, as the fixture crates are. Each run touches
/// `lib.rs` and builds with `CARGO_INCREMENTAL=0`, with every resource and with none, taken
/// in turn; the generated code's own cost is the difference.
pub fn synthetic(endpoints: usize) -> Result<(), String> {
    let files = crate::bench_codegen::synthetic_spec(endpoints);
    let generated = feishu_im_codegen::generate(&files).map_err(|d| d.to_string())?;
    let code: usize = generated.iter().map(|f| crate::bench_codegen::code_lines(&f.contents)).sum();
    let lines: usize = generated.iter().map(|f| f.contents.lines().count()).sum();
    let name = format!("synthetic_{endpoints}");
    let crates = [(name.clone(), Generated::Files(generated))];
    let work = generated_crates::write("bench-synthetic", &crates)?;
    let target = generated_crates::target_dir();
    let package = format!("generated-{}", name.replace('_', "-"));
    let all = ["default".to_owned()];
    println!("warming the dependencies in {} …", target.display());
    build_package(&work, &package, &target, &all, false)?;
    build_package(&work, &package, &target, &[], false)?;
    let (mut full, mut runtime) = (Vec::with_capacity(RUNS), Vec::with_capacity(RUNS));
    let lib = work.join(&name).join("src/lib.rs");
    for _ in 0..RUNS {
        touch(&lib)?;
        full.push(build_package(&work, &package, &target, &all, false)?);
        touch(&lib)?;
        runtime.push(build_package(&work, &package, &target, &[], false)?);
    }
    let samples = |times: &[Duration]| {
        times.iter().map(|t| format!("{:.2}", t.as_secs_f64())).collect::<Vec<_>>().join(", ")
    };
    println!(
        "\n| {endpoints} synthetic endpoints ({lines} generated lines, {code} code lines) | debug build, CARGO_INCREMENTAL=0 (median of {RUNS}) | samples (s) |"
    );
    println!("|---|---:|---|");
    println!(
        "| every resource | {:.2} s | {} |",
        median(full.clone()).as_secs_f64(),
        samples(&full)
    );
    println!(
        "| no resource (the runtime) | {:.2} s | {} |",
        median(runtime.clone()).as_secs_f64(),
        samples(&runtime)
    );
    let own = median(full).saturating_sub(median(runtime));
    println!(
        "\n- the generated code's own share: {:.2} s, {:.1} ms per endpoint",
        own.as_secs_f64(),
        own.as_secs_f64() * 1e3 / endpoints as f64
    );
    Ok(())
}

/// Edits one summary line of the spec, regenerates and builds incrementally, three times (the
/// edit alternates, so each run changes the code); the spec and the code are put back after.
fn incremental(root: &Path, target: &Path) -> Result<(Duration, Duration), String> {
    let path = root.join(SPEC_DIR).join(EDITED_FILE);
    let original = std::fs::read_to_string(&path).map_err(|e| format!("{EDITED_FILE}: {e}"))?;
    if !original.contains(EDITED_LINE) {
        return Err(format!("{EDITED_FILE} no longer holds the line the benchmark edits"));
    }
    let regenerate = || {
        let dirs = crate::codegen::generated_dirs(root);
        let dirs: Vec<_> = dirs.iter().map(|(part, dir)| (*part, dir.as_path())).collect();
        sync(&root.join(SPEC_DIR), &dirs, Mode::Write).map(drop)
    };
    let full = ["full".to_owned()];
    let measured = (|| {
        cargo_build(root, target, &full, true)?;
        let (mut generate, mut build) = (Vec::new(), Vec::new());
        for run in 0..RUNS {
            let edited = original.replace(EDITED_LINE, &format!("{EDITED_LINE} ({run})"));
            std::fs::write(&path, edited).map_err(|e| e.to_string())?;
            let started = Instant::now();
            regenerate()?;
            generate.push(started.elapsed());
            build.push(cargo_build(root, target, &full, true)?);
        }
        Ok((median(generate), median(build)))
    })();
    std::fs::write(&path, &original).map_err(|e| format!("{EDITED_FILE}: {e}"))?;
    regenerate()?;
    measured
}

/// Builds `feishu-im` with exactly `features` (none: no resource) and returns the time taken.
fn cargo_build(
    root: &Path,
    target: &Path,
    features: &[String],
    incremental: bool,
) -> Result<Duration, String> {
    build_package(root, "feishu-im", target, features, incremental)
}

/// Builds `package` of the workspace at `dir` with exactly `features` and returns the time
/// taken.
pub(crate) fn build_package(
    dir: &Path,
    package: &str,
    target: &Path,
    features: &[String],
    incremental: bool,
) -> Result<Duration, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", if incremental { "1" } else { "0" })
        .env_remove("RUSTFLAGS")
        .args(["build", "--quiet", "--offline", "-p", package, "--no-default-features"]);
    if !features.is_empty() {
        command.args(["--features", &features.join(",")]);
    }
    let started = Instant::now();
    let output = command.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    let took = started.elapsed();
    if output.status.success() {
        Ok(took)
    } else {
        Err(format!("cargo build failed:\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// The generated files every configuration compiles: all but the resource modules.
fn shared_files(generated: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut dirs = vec![generated.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if dir == generated || path.file_name().is_some_and(|n| n == "mod.rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// All lines, and code lines (as `bench-codegen` counts them), of `files`.
fn lines(files: &[PathBuf]) -> Result<(usize, usize), String> {
    let mut total = (0, 0);
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        total.0 += text.lines().count();
        total.1 += crate::bench_codegen::code_lines(&text);
    }
    Ok(total)
}

pub(crate) fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::File::options().append(true).open(path).map_err(|e| e.to_string())?;
    file.set_modified(std::time::SystemTime::now()).map_err(|e| e.to_string())
}

pub(crate) fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
