//! The hostile-spec corpus of `tests/hostile/`: every case is either refused with every problem
//! located, or accepted and generates a crate that passes clippy, rustdoc and the doc tests.
//! Its README states which outcome each case must have, and why.
//!
//! Cases that cannot live in git (a FIFO, symbolic links, an oversized file) are built in a
//! temporary directory by the test itself.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use feishu_im_codegen::{GenerateError, GeneratedFile, MAX_FILE_BYTES};
use feishu_im_tests::generated_crates::{self, Generated, workspace_root};

/// More than any spec needs: a case that takes this long is hanging.
const HANG: Duration = Duration::from_secs(60);

enum Outcome {
    Refused(String),
    Accepted(Vec<GeneratedFile>),
}

/// Generates from `dir` on a worker thread, failing the test if it panics or hangs.
fn generate(case: &str, dir: &Path) -> Outcome {
    let (send, receive) = mpsc::channel();
    let dir = dir.to_owned();
    let worker = thread::spawn(move || {
        let _ = send.send(feishu_im_codegen::generate_dir(&dir));
    });
    let result = match receive.recv_timeout(HANG) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{case}: the generator hangs"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = worker.join().expect_err("the worker ended without an answer");
            panic!("{case}: the generator panicked: {panic:?}");
        }
    };
    match result {
        Ok(files) => Outcome::Accepted(files),
        Err(GenerateError::Io(error)) => panic!("{case}: unexpected I/O error: {error}"),
        Err(GenerateError::Spec(diagnostics)) => {
            assert!(!diagnostics.is_empty(), "{case}: refused without a problem");
            for d in diagnostics.iter() {
                assert!(
                    d.location.line >= 1 && d.location.column >= 1 && !d.location.file.is_empty(),
                    "{case}: problem without a location: {d}"
                );
                assert!(!d.message.is_empty(), "{case}: problem without a message");
            }
            Outcome::Refused(diagnostics.to_string())
        }
    }
}

/// Expected outcome of each committed case, from the README table.
fn expectations(root: &Path) -> BTreeMap<String, String> {
    let readme = fs::read_to_string(root.join("README.md")).expect("tests/hostile/README.md");
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let case = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let outcome = cells.get(cells.len().checked_sub(2)?)?;
            matches!(*outcome, "refused" | "accepted")
                .then(|| (case.to_owned(), (*outcome).to_owned()))
        })
        .collect()
}

/// Cases built at run time: what git cannot hold.
fn built_cases(temp: &Path) -> Vec<(String, PathBuf, &'static str)> {
    let mut cases = Vec::new();
    let mut case = |name: &str, outcome: &'static str, build: &dyn Fn(&Path)| {
        let dir = temp.join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("spec.yaml"), feishu_im_tests::SAMPLE_SPEC).unwrap();
        build(&dir);
        cases.push((name.to_owned(), dir, outcome));
    };
    case("built_oversized_file", "refused", &|dir| {
        let padding = "# padding\n".repeat((MAX_FILE_BYTES / 10 + 1) as usize);
        fs::write(dir.join("big.yaml"), padding).unwrap();
    });
    case("built_directories_too_deep", "refused", &|dir| {
        let deep = (0..20).fold(dir.to_owned(), |path, i| path.join(format!("d{i}")));
        fs::create_dir_all(&deep).unwrap();
        fs::write(deep.join("x.yaml"), "{}\n").unwrap();
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        case("built_symlink_out_of_spec", "refused", &|dir| {
            let outside = dir.with_extension("outside.yaml");
            fs::write(&outside, "{}\n").unwrap();
            symlink(&outside, dir.join("linked.yaml")).unwrap();
        });
        case("built_symlink_loop", "refused", &|dir| {
            symlink(dir, dir.join("loop")).unwrap();
            symlink(dir.join("b.yaml"), dir.join("a.yaml")).unwrap();
            symlink(dir.join("a.yaml"), dir.join("b.yaml")).unwrap();
        });
        case("built_fifo", "refused", &|dir| {
            let status = std::process::Command::new("mkfifo").arg(dir.join("x.yaml")).status();
            assert!(status.is_ok_and(|s| s.success()), "mkfifo");
        });
        case("built_unix_socket", "refused", &|dir| {
            let socket = std::os::unix::net::UnixListener::bind(dir.join("s.yaml")).unwrap();
            std::mem::forget(socket);
        });
    }
    cases
}

#[test]
fn every_hostile_spec_is_refused_with_locations_or_builds_cleanly() {
    let root = workspace_root().join("tests/hostile");
    let expected = expectations(&root);
    let mut cases: Vec<(String, PathBuf, String)> = Vec::new();
    for entry in fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let outcome = expected
                .get(&name)
                .unwrap_or_else(|| panic!("{name}: add it to tests/hostile/README.md"))
                .clone();
            cases.push((name, path, outcome));
        }
    }
    for name in expected.keys() {
        assert!(cases.iter().any(|(case, ..)| case == name), "{name}: listed but missing");
    }
    let temp = workspace_root().join("target/hostile-built");
    for (name, dir, outcome) in built_cases(&temp) {
        cases.push((name, dir, outcome.to_owned()));
    }
    cases.sort();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());

    let mut report = String::new();
    let mut accepted = Vec::new();
    let mut wrong = Vec::new();
    for (name, dir, expected) in &cases {
        match generate(name, dir) {
            Outcome::Refused(problems) => {
                let problems = problems.replace(&temp.display().to_string(), "<temp>");
                writeln!(report, "== {name}: refused\n{problems}\n").unwrap();
                if expected != "refused" {
                    wrong
                        .push(format!("{name}: expected to be accepted, refused with\n{problems}"));
                }
            }
            Outcome::Accepted(files) => {
                writeln!(report, "== {name}: accepted, {} files\n", files.len()).unwrap();
                if expected != "accepted" {
                    wrong.push(format!("{name}: expected to be refused, but accepted"));
                }
                accepted.push((name.clone(), Generated::Files(files)));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    insta::assert_snapshot!("outcomes", report);
    if let Err(output) = generated_crates::check("hostile", &accepted) {
        panic!("accepted hostile specs do not build cleanly:\n{output}");
    }
}
