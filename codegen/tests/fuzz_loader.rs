//! A time-bounded property test ("fuzz test") of the spec loader and the generator.
//!
//! For any input, [`SourceFile::decode`] and [`generate`] must neither panic, crash nor hang,
//! and every problem they report must be located: line and column at least 1, a file that is
//! one of the input files, and a message that says something.
//!
//! Inputs come from several strategies, mixed so that a good share of them gets past the YAML
//! parser and reaches validation and emission (the run prints how far inputs got):
//!
//! - `bytes`: arbitrary bytes, biased towards YAML punctuation and multi-byte UTF-8, through
//!   `decode`;
//! - `tokens`: keys of the spec format, YAML punctuation, anchors, tags, quotes, newlines,
//!   indentation and numbers (huge ones too), concatenated;
//! - `grammar`: lines from a small grammar (indentation, `- `, a key, a scalar or flow value);
//! - `tree`: block YAML rendered from a tree of spec keys and values;
//! - `mutation`: the real spec (`spec/**/*.yaml`, one file changed, usually with the rest of
//!   the spec beside it) and the seeds, with lines deleted, duplicated, swapped or re-indented,
//!   keys and scalars replaced by hostile ones (`self`, `mod`, `</script>`, a 600-character
//!   name, `..`, 2^70, `-1`, a string with `\r`, ...) and bytes inserted;
//! - `nesting`: a valid spec whose one field nests objects and arrays up to the YAML depth
//!   limit;
//! - `repeat`: a short fragment repeated up to tens of thousands of times.
//!
//! The test runs for a time budget rather than a fixed number of cases: one proptest
//! [`TestRunner`] generates case after case until the deadline, and is deterministic for a
//! given seed:
//!
//! - `FUZZ_SECONDS` (default 20): how long to generate new cases;
//! - `FUZZ_SEED` (default [`DEFAULT_SEED`]): the seed of the sequence of cases;
//! - `FUZZ_STRATEGIES` (default all): a comma-separated subset of the strategies above.
//!
//! ```text
//! FUZZ_SECONDS=120 FUZZ_SEED=7 cargo test -p feishu-im-codegen --test fuzz_loader -- --nocapture
//! ```
//!
//! Each `generate` call runs on a worker thread (with the default stack of spawned threads),
//! and an input that takes longer than [`HANG_LIMIT`] fails as a hang. A failing case is
//! shrunk and shown, and its files are written to `target/tmp/fuzz_loader-failure/`.
//!
//! A stack overflow aborts the whole process, so both tests do their work in a child process
//! of this test binary. When the fuzzing child crashes, the parent regenerates the crashing case
//! from the seed and shrinks it, running every candidate in a child process of its own.
//!
//! Every seed in `tests/fuzz_seeds/` is replayed by [`seeds_hold_the_properties`] and is a base
//! for mutations. A seed is a file, or a directory whose files form one input. A seed whose
//! first line is `# expect: generated` must generate; one whose first line is `# repeat: N`
//! stands for the rest of its text repeated N times. Inputs that made the generator panic, crash
//! or hang are kept there.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once, PoisonError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use feishu_im_codegen::{Diagnostic, Diagnostics, GeneratedFile, SourceFile, generate};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::Union;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

/// Seconds of fuzzing when `FUZZ_SECONDS` is not set.
const DEFAULT_SECONDS: u64 = 20;

/// Seed of the sequence of cases when `FUZZ_SEED` is not set.
const DEFAULT_SEED: u64 = 0x00FE_15B0_C0DE;

/// How long one `generate` call may take before it counts as a hang.
const HANG_LIMIT: Duration = Duration::from_secs(10);

/// How long proptest may spend shrinking a failure, in milliseconds. Shrinking a hang costs up
/// to [`HANG_LIMIT`] per step, so it is bounded; the smallest failure found by then is shown.
const MAX_SHRINK_MILLIS: u32 = 180_000;

/// Name of the worker threads that run `generate`; their panics are recorded, not printed.
const WORKER: &str = "fuzz-generate";

/// Set in the child process that does a test's work.
const CHILD_ENV: &str = "FUZZ_LOADER_CHILD";

/// In a child of [`seeds_hold_the_properties`]: the name of the seed to replay.
const REPLAY_ENV: &str = "FUZZ_LOADER_REPLAY";

/// The name under which the whole real spec is replayed as a seed.
const WHOLE_SPEC: &str = "spec";

/// First line of a seed that must generate without problems.
const EXPECT_GENERATED: &str = "# expect: generated";

/// Start of the first line of a seed whose remaining text is repeated.
const REPEAT_HEADER: &str = "# repeat: ";

/// Files longer than this are shown shortened (head and tail) in failure messages.
const SHOWN_BYTES: usize = 16 * 1024;

// --- Vocabulary -------------------------------------------------------------------------------

/// Keys of the spec format, and names the real spec uses so that references can resolve.
#[rustfmt::skip]
const KEYS: &[&str] = &[
    "rate_limits", "enums", "error_table", "resource", "doc", "per_minute", "per_second", "type",
    "values", "value", "name", "platform", "codes", "code", "status", "msg", "hint", "hint_zh",
    "retry", "service", "version", "endpoints", "summary", "summary_zh", "description", "docs",
    "method", "path", "idempotent", "tokens", "app_types", "scopes", "rate_limit", "path_params",
    "query", "body", "response", "pagination", "items", "page_token", "has_more", "errors",
    "fields", "required", "default", "min", "max", "min_items", "max_items",
    "chat_id", "me_join", "get", "user_id_type", "member_id_type", "standard_1000_50",
];

/// Keys no spec should have: keywords, case collisions, punctuation, YAML specials.
#[rustfmt::skip]
const HOSTILE_KEYS: &[&str] = &[
    "self", "Self", "super", "crate", "_", "mod", "type", "fn", "r#fn", "get_v2", "get_v_2", "Get",
    "x__y", "trailing_", "</script>", "..", "1", "-1", "true", "~", "\"quoted key\"", "'single'",
    "<<", "é", "\"a\\rb\"", "[a, b]", "{a: b}", "? complex",
];

/// Punctuation and structure of YAML.
#[rustfmt::skip]
const PUNCTUATION: &[&str] = &[
    "- ", ": ", ":", "[", "]", "{", "}", ", ", "&a ", "*a", "&b ", "*b", "!!str ", "!!int ",
    "!!map ", "!!seq ", "!tag ", "\"", "'", "\n", "\n", "\n", "  ", "  ", "    ", "#", "# c\n",
    "|", "|-\n", ">", "? ", "---\n", "...\n", "<<: ", "~", "\t", "\r\n", "\r", "%YAML 1.2\n",
    "@", "`", "\\",
];

/// Numbers, including ones that do not fit in 64 bits and YAML's odd spellings.
#[rustfmt::skip]
const ODD_NUMBERS: &[&str] = &[
    "0", "-0", "1", "-1", "100", "599", "600", "4294967295", "4294967296", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
    "18446744073709551616", "1180591620717411303424", "-1180591620717411303424",
    "99999999999999999999999999999999999999999", "1e400", "-1e400", "1.5", ".inf", "-.inf",
    ".nan", "0x7fffffffffffffffff", "0o777", "0b101", "1_000", "+1",
];

/// Scalars (as YAML source) that a spec should not contain.
#[rustfmt::skip]
const HOSTILE_VALUES: &[&str] = &[
    "self", "Self", "super", "crate", "_", "mod", "type", "fn", "async", "r#type", "get_v2",
    "get_v_2", "a__b", "trailing_", "CamelCase", "</script>",
    "\"</script><script>alert(1)</script>\"", "..", ".", "../..", "1180591620717411303424", "-1",
    "-9223372036854775809", "18446744073709551616", "\"a\\rb\"", "\"line\\r\\nnext\\rlast\"",
    "\"*/ /* \\\"# ``` \\\\\"", "'\"#'", "\"}\"", "\"#[doc = \\\"x\\\"]\"", "\"\\u202E\\u0000\\t\"",
    "\"\"", "''", "{}", "[]", "[[]]", "~", "null", "é", "中文", "x y", "&a x", "*a", "*undefined",
    "!!str 1", "!!binary aGk=", "!custom x", "|\n  block\n", ">-", "? x", "yes", "1e400", ".nan",
    "/open-apis/im/v1/chats/:chat_id/:chat_id", "/open-apis/im/v1/", "/open-apis/im/v1/chats/:",
    "/open-apis/im/v1/chats/:chat_id/../x", "/open-apis/im/v1/chats/.", "/open-apis/im/v1//chats",
    ":chat_id", "https://example.com/<script>",
];

/// Scalars that fit somewhere in a spec, so that many mutants stay valid.
#[rustfmt::skip]
const PLAUSIBLE_VALUES: &[&str] = &[
    "string", "integer", "boolean", "array", "object", "GET", "POST", "PUT", "PATCH", "DELETE",
    "tenant", "app", "user", "custom", "isv", "never", "rate_limit", "refresh_token", "true",
    "false", "0", "1", "50", "100", "599", "open_id", "user_id_type", "member_id_type",
    "succeed_type", "standard_1000_50", "232009", "99991663", "items", "page_token", "has_more",
    "[tenant, user]", "[232004, 232006]", "im", "v1", "chat_id", "A doc.",
    "/open-apis/im/v1/chats/:chat_id", "/open-apis/im/v1/chats/:chat_id/members",
];

/// Fragments that the `repeat` strategy repeats: flow and block nesting, long lines, many
/// entries.
#[rustfmt::skip]
const REPEATED: &[&str] = &[
    "[", "{", "{a: ", "[a: ", "a: [", "[{a: ", "[[a: ", "- ", "-\n  ", "? ", "&a [", "[*a, ",
    "a:\n  ", "- a: 1\n", "a: 1\n", "\"", "#", "\\", " ", "\n", "é", "\t", "\r", ": ", "*a ",
    "!!str ", "x",
];

/// The most bytes the `repeat` strategy makes.
const MAX_REPEAT_BYTES: usize = 100_000;

/// File names for generated inputs.
const FILE_NAMES: &[&str] =
    &["fuzz.yaml", "a/b.yaml", "im/v1/fuzz.yaml", "ü/名.yaml", "with space.yaml", "x.yml"];

/// Multi-byte and special sequences mixed into arbitrary bytes.
const BYTE_CHUNKS: &[&[u8]] = &[
    b"\xEF\xBB\xBF",
    "é".as_bytes(),
    "中".as_bytes(),
    "😀".as_bytes(),
    "\u{202E}".as_bytes(),
    b"\xC3",
    b"\xF0\x9F",
    b"\xFF",
    b"\x00",
    b"\r\n",
    b": ",
    b"- ",
    b"resource:\n",
    b"enums:\n  ",
];

/// Single bytes that matter to YAML.
const YAML_BYTES: &[u8] = b" \n\n\n:-[]{},#&*!|>'\"?%@`\t\r0123456789abcxyz_";

// --- Inputs -----------------------------------------------------------------------------------

/// One file handed to the loader.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InputFile {
    name: String,
    bytes: Vec<u8>,
    /// Whether this is a spec or seed file as read (then shown by name only).
    unchanged: bool,
}

impl InputFile {
    fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        InputFile { name: name.into(), bytes: bytes.into(), unchanged: false }
    }
}

/// The files handed to the loader, the strategy that made them and how.
#[derive(Clone)]
struct Input {
    strategy: &'static str,
    about: String,
    files: Vec<InputFile>,
}

impl Input {
    /// Writes the files below `dir`, replacing what was there.
    fn save(&self, dir: &Path) -> std::io::Result<()> {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        for file in &self.files {
            let path = dir.join(&file.name);
            fs::create_dir_all(path.parent().unwrap_or(dir))?;
            fs::write(path, &file.bytes)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} input, {}:", self.strategy, self.about)?;
        for file in &self.files {
            let (name, len) = (&file.name, file.bytes.len());
            if file.unchanged {
                writeln!(f, "----- {name} (unchanged, {len} bytes) -----")?;
            } else if len <= SHOWN_BYTES {
                writeln!(f, "----- {name} ({len} bytes) -----")?;
                show_bytes(f, &file.bytes)?;
            } else {
                writeln!(f, "----- {name} ({len} bytes, shortened) -----")?;
                show_bytes(f, &file.bytes[..SHOWN_BYTES / 2])?;
                writeln!(f, "[... {} bytes left out ...]", len - SHOWN_BYTES)?;
                show_bytes(f, &file.bytes[len - SHOWN_BYTES / 2..])?;
            }
        }
        write!(f, "----- end -----")
    }
}

/// Shows text as it is, or escaped on one line where it holds invisible or invalid bytes.
fn show_bytes(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => writeln!(f, "{text}"),
        _ => writeln!(f, "(escaped) {}", bytes.escape_ascii()),
    }
}

/// One edit of a file, applied to its lines. Indices wrap around the current length.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Adds (positive) or removes (negative) up to this many leading spaces.
    Indent(Index, i8),
    /// Replaces the scalar after `key: ` or `- ` on the first such line from the index on.
    ReplaceValue(Index, String),
    /// Replaces the key of the first `key:` line from the index on.
    ReplaceKey(Index, String),
    InsertLine(Index, String),
    /// Inserts bytes into a line, at a column.
    InsertBytes(Index, Index, Vec<u8>),
}

impl Mutation {
    fn apply(&self, lines: &mut Vec<Vec<u8>>) {
        let len = lines.len();
        match self {
            Mutation::DeleteLine(at) if len > 1 => {
                lines.remove(at.index(len));
            }
            Mutation::DeleteLine(_) => lines[0].clear(),
            Mutation::DuplicateLine(at) => {
                let at = at.index(len);
                lines.insert(at, lines[at].clone());
            }
            Mutation::SwapLines(a, b) => lines.swap(a.index(len), b.index(len)),
            Mutation::Indent(at, delta) => {
                let line = &mut lines[at.index(len)];
                let spaces = line.iter().take_while(|b| **b == b' ').count();
                let amount = usize::from(delta.unsigned_abs());
                if *delta > 0 {
                    line.splice(0..0, std::iter::repeat_n(b' ', amount));
                } else {
                    line.drain(..amount.min(spaces));
                }
            }
            Mutation::ReplaceValue(at, value) => {
                if let Some((line, start)) = find_line(lines, at.index(len), value_start) {
                    let line = &mut lines[line];
                    line.truncate(start);
                    line.extend_from_slice(value.as_bytes());
                }
            }
            Mutation::ReplaceKey(at, key) => {
                if let Some((line, (start, end))) = find_line(lines, at.index(len), key_span) {
                    lines[line].splice(start..end, key.bytes());
                }
            }
            Mutation::InsertLine(at, text) => {
                lines.insert(at.index(len + 1), text.clone().into_bytes());
            }
            Mutation::InsertBytes(at, column, bytes) => {
                let line = &mut lines[at.index(len)];
                let column = column.index(line.len() + 1);
                line.splice(column..column, bytes.iter().copied());
            }
        }
    }
}

/// The first line from `from` on (wrapping around) where `find` finds something.
fn find_line<T>(
    lines: &[Vec<u8>],
    from: usize,
    find: impl Fn(&[u8]) -> Option<T>,
) -> Option<(usize, T)> {
    (0..lines.len())
        .map(|step| (from + step) % lines.len())
        .find_map(|line| find(&lines[line]).map(|found| (line, found)))
}

/// Where the scalar of `key: scalar` or `- scalar` starts.
fn value_start(line: &[u8]) -> Option<usize> {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    let rest = &line[indent..];
    if rest.starts_with(b"#") {
        return None;
    }
    if let Some(colon) = rest.windows(2).position(|w| w == b": ") {
        let start = indent + colon + 2;
        return line[start..].iter().any(|b| !b.is_ascii_whitespace()).then_some(start);
    }
    let item = rest.strip_prefix(b"- ")?;
    (!item.is_empty()).then_some(indent + 2)
}

/// The byte range of the key of a `key:` or `- key:` line.
fn key_span(line: &[u8]) -> Option<(usize, usize)> {
    let indent = line.iter().take_while(|b| **b == b' ').count();
    let start = if line[indent..].starts_with(b"- ") { indent + 2 } else { indent };
    let rest = &line[start..];
    if rest.is_empty() || rest.starts_with(b"#") || rest.starts_with(b"- ") {
        return None;
    }
    let colon = rest.iter().position(|b| *b == b':')?;
    let after = rest.get(colon + 1);
    matches!(after, None | Some(b' ')).then_some((start, start + colon))
}

/// Applies `mutations` to the lines of `text`, then drops the lines whose `keep` flag is
/// false (the flags only turn false while shrinking, to cut a failing input down).
fn mutate(text: &[u8], mutations: &[Mutation], keep: &[bool]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    for mutation in mutations {
        mutation.apply(&mut lines);
    }
    let kept: Vec<Vec<u8>> = lines
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.get(*i).copied().unwrap_or(true))
        .map(|(_, line)| line)
        .collect();
    kept.join(&b'\n')
}

/// The real spec and the seeds.
struct Corpus {
    /// `spec/**/*.yaml`, named relative to `spec/`.
    spec: Vec<InputFile>,
    /// The seeds by name (`fuzz_seeds/<file or directory>`), each one input.
    seeds: Vec<(String, Vec<InputFile>)>,
}

impl Corpus {
    fn load() -> Self {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let spec_dir = manifest.join("../spec");
        let mut spec = read_tree(&spec_dir, "");
        spec.retain(|file| file.name.ends_with(".yaml") || file.name.ends_with(".yml"));
        assert!(!spec.is_empty(), "no spec files found below {}", spec_dir.display());
        let seeds_dir = manifest.join("tests/fuzz_seeds");
        let mut seeds = Vec::new();
        for path in sorted_entries(&seeds_dir) {
            let name = format!("fuzz_seeds/{}", file_name(&path));
            let files = if path.is_dir() {
                read_tree(&path, &format!("{name}/"))
            } else {
                vec![InputFile { unchanged: true, ..InputFile::new(name.clone(), read(&path)) }]
            };
            let files = files
                .into_iter()
                .map(|file| InputFile { bytes: expand_repeat(file.bytes), ..file })
                .collect();
            seeds.push((name, files));
        }
        Corpus { spec, seeds }
    }

    /// The seed called `name`, or the whole spec for [`WHOLE_SPEC`], as an input.
    fn seed(&self, name: &str) -> Input {
        let files = if name == WHOLE_SPEC {
            self.spec.clone()
        } else {
            let seed = self.seeds.iter().find(|(seed, _)| seed == name);
            seed.unwrap_or_else(|| panic!("no seed named {name}")).1.clone()
        };
        Input { strategy: "seed", about: name.to_owned(), files }
    }
}

/// The text after a `# repeat: N` first line, repeated N times; other texts as they are.
fn expand_repeat(bytes: Vec<u8>) -> Vec<u8> {
    let Some(rest) = bytes.strip_prefix(REPEAT_HEADER.as_bytes()) else { return bytes };
    let (count, body) = rest.split_at(rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len()));
    let count: usize = std::str::from_utf8(count)
        .ok()
        .and_then(|count| count.trim().parse().ok())
        .unwrap_or_else(|| panic!("a seed's `{REPEAT_HEADER}` line needs a count"));
    body.get(1..).unwrap_or_default().repeat(count)
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Every file below `dir`, sorted, named `prefix` + its `/`-separated relative path.
fn read_tree(dir: &Path, prefix: &str) -> Vec<InputFile> {
    let mut files = Vec::new();
    for path in sorted_entries(dir) {
        let name = format!("{prefix}{}", file_name(&path));
        if path.is_dir() {
            files.extend(read_tree(&path, &format!("{name}/")));
        } else {
            files.push(InputFile { unchanged: true, ..InputFile::new(name, read(&path)) });
        }
    }
    files
}

// --- Strategies -------------------------------------------------------------------------------

/// The strategies by name, with their weights: about half of the inputs are mutated files.
fn strategies(corpus: &Corpus) -> Vec<(&'static str, u32, BoxedStrategy<Input>)> {
    vec![
        ("bytes", 2, raw_bytes().boxed()),
        ("tokens", 2, token_soup().boxed()),
        ("grammar", 1, grammar_lines().boxed()),
        ("tree", 2, yaml_trees().boxed()),
        ("mutation", 8, mutated(corpus).boxed()),
        ("nesting", 1, deep_nesting().boxed()),
        ("repeat", 1, repetition().boxed()),
    ]
}

/// The strategies named in `FUZZ_STRATEGIES` (all by default), mixed by weight.
fn any_input(corpus: &Corpus) -> Union<BoxedStrategy<Input>> {
    let all = strategies(corpus);
    let names: Vec<&str> = all.iter().map(|(name, ..)| *name).collect();
    let chosen = std::env::var("FUZZ_STRATEGIES").unwrap_or_default();
    let chosen: Vec<&str> = chosen.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    for name in &chosen {
        assert!(
            names.contains(name),
            "unknown strategy {name:?} in FUZZ_STRATEGIES; known: {names:?}"
        );
    }
    Union::new_weighted(
        all.into_iter()
            .filter(|(name, ..)| chosen.is_empty() || chosen.contains(name))
            .map(|(_, weight, strategy)| (weight, strategy))
            .collect(),
    )
}

/// One to three files of the given contents, with distinct names from [`FILE_NAMES`].
fn files_of(contents: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<InputFile>> {
    vec((select(FILE_NAMES), contents), 1..=3).prop_map(|files| {
        let named = files.into_iter().enumerate().map(|(i, (name, bytes))| {
            // Distinct names, so that a located problem names exactly one file.
            let name = if i == 0 { name.to_owned() } else { format!("{i}/{name}") };
            InputFile::new(name, bytes)
        });
        named.collect()
    })
}

/// Strategy `bytes`: arbitrary bytes, biased towards YAML punctuation and multi-byte UTF-8.
fn raw_bytes() -> impl Strategy<Value = Input> {
    let chunk = prop_oneof![
        3 => any::<u8>().prop_map(|b| vec![b]),
        3 => select(YAML_BYTES).prop_map(|b| vec![b]),
        1 => select(BYTE_CHUNKS).prop_map(<[u8]>::to_vec),
    ];
    files_of(vec(chunk, 0..300).prop_map(|chunks| chunks.concat())).prop_map(|files| Input {
        strategy: "bytes",
        about: "arbitrary bytes".to_owned(),
        files,
    })
}

/// A number as YAML source: any 64-bit integer, or one of [`ODD_NUMBERS`].
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (0u32..1000).prop_map(|n| n.to_string()),
        select(ODD_NUMBERS).prop_map(str::to_owned),
    ]
}

/// A snake-case-looking name, sometimes a very long one.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z][a-z0-9_]{0,10}",
        1 => Just("n".repeat(600)),
        1 => Just(format!("{}x", "ab_".repeat(200))),
    ]
}

/// Strategy `tokens`: tokens of the spec's YAML, concatenated without regard for structure.
fn token_soup() -> impl Strategy<Value = Input> {
    let token = prop_oneof![
        4 => select(KEYS).prop_map(str::to_owned),
        6 => select(PUNCTUATION).prop_map(str::to_owned),
        2 => number(),
        2 => select(HOSTILE_VALUES).prop_map(str::to_owned),
        1 => select(HOSTILE_KEYS).prop_map(str::to_owned),
        1 => name(),
    ];
    files_of(vec(token, 0..150).prop_map(|tokens| tokens.concat().into_bytes()))
        .prop_map(|files| Input { strategy: "tokens", about: "token soup".to_owned(), files })
}

/// A value as YAML source: a scalar, a flow list or mapping, an anchor or a tag.
fn value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        3 => select(PLAUSIBLE_VALUES).prop_map(str::to_owned),
        2 => select(HOSTILE_VALUES).prop_map(str::to_owned),
        1 => number(),
        1 => name(),
    ];
    scalar.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(", "))),
            vec((select(KEYS), inner.clone()), 0..4).prop_map(|entries| {
                let entries: Vec<String> =
                    entries.into_iter().map(|(key, value)| format!("{key}: {value}")).collect();
                format!("{{{}}}", entries.join(", "))
            }),
            inner.clone().prop_map(|value| format!("&a {value}")),
            inner.prop_map(|value| format!("!!str {value}")),
        ]
    })
}

/// A key: mostly one of the spec's, sometimes a hostile one or a generated name.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(KEYS).prop_map(str::to_owned),
        1 => select(HOSTILE_KEYS).prop_map(str::to_owned),
        1 => name(),
    ]
}

/// A line of block YAML: indentation, maybe `- `, maybe a key, maybe a value.
fn grammar_line() -> impl Strategy<Value = String> {
    (0usize..6, any::<bool>(), option::weighted(0.8, key()), option::weighted(0.6, value()))
        .prop_map(|(depth, item, key, value)| {
            let mut line = "  ".repeat(depth);
            if item {
                line.push_str("- ");
            }
            match (key, value) {
                (Some(key), Some(value)) => line.push_str(&format!("{key}: {value}")),
                (Some(key), None) => line.push_str(&format!("{key}:")),
                (None, Some(value)) => line.push_str(&value),
                (None, None) => {}
            }
            line
        })
}

/// Strategy `grammar`: block YAML from free-form [`grammar_line`]s.
fn grammar_lines() -> impl Strategy<Value = Input> {
    files_of(vec(grammar_line(), 1..40).prop_map(|lines| (lines.join("\n") + "\n").into_bytes()))
        .prop_map(|files| Input { strategy: "grammar", about: "grammar lines".to_owned(), files })
}

/// A YAML document as a tree, rendered in block or flow style.
#[derive(Clone, Debug)]
enum Tree {
    Scalar(String),
    Map(Vec<(String, Tree)>),
    List(Vec<Tree>),
}

impl Tree {
    fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Tree)>) -> Tree {
        Tree::Map(entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
    }

    fn scalar(text: &str) -> Tree {
        Tree::Scalar(text.to_owned())
    }

    /// Block YAML with consistent indentation.
    fn block(&self) -> String {
        let mut out = String::new();
        self.render(0, &mut out);
        out
    }

    /// Appends the tree as block YAML at `indent`, starting at the beginning of a line.
    fn render(&self, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match self {
            Tree::Scalar(scalar) => out.push_str(&format!("{pad}{scalar}\n")),
            Tree::Map(entries) => {
                for (key, value) in entries {
                    out.push_str(&format!("{pad}{key}:"));
                    value.render_after(indent, out);
                }
            }
            Tree::List(items) => {
                for item in items {
                    out.push_str(&format!("{pad}-"));
                    item.render_after(indent, out);
                }
            }
        }
    }

    /// Appends the tree after `key:` or `-`: a scalar or empty collection on the same line,
    /// anything else indented on the lines below.
    fn render_after(&self, indent: usize, out: &mut String) {
        match self {
            Tree::Scalar(scalar) => out.push_str(&format!(" {scalar}\n")),
            Tree::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
            Tree::List(items) if items.is_empty() => out.push_str(" []\n"),
            _ => {
                out.push('\n');
                self.render(indent + 2, out);
            }
        }
    }

    /// Flow YAML, on one line.
    fn flow(&self) -> String {
        match self {
            Tree::Scalar(scalar) => scalar.clone(),
            Tree::Map(entries) => {
                let entries: Vec<String> =
                    entries.iter().map(|(key, value)| format!("{key}: {}", value.flow())).collect();
                format!("{{{}}}", entries.join(", "))
            }
            Tree::List(items) => {
                let items: Vec<String> = items.iter().map(Tree::flow).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

/// Strategy `tree`: block YAML rendered from a [`Tree`] of spec keys and values under the
/// spec's top-level keys, so that most documents parse and reach the loader's checks.
fn yaml_trees() -> impl Strategy<Value = Input> {
    let tree = value().prop_map(Tree::Scalar).prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            3 => vec((key(), inner.clone()), 0..6).prop_map(Tree::Map),
            1 => vec(inner, 0..4).prop_map(Tree::List),
        ]
    });
    let top = select(&["rate_limits", "enums", "error_table", "resource"][..]);
    let document = vec((top, tree), 1..=2).prop_map(|sections| Tree::map(sections).block());
    files_of(document.prop_map(String::into_bytes)).prop_map(|files| Input {
        strategy: "tree",
        about: "a tree of keys".to_owned(),
        files,
    })
}

/// One [`Mutation`], most often a replaced scalar, so that many mutants stay valid YAML.
fn mutation() -> impl Strategy<Value = Mutation> {
    let replacement = prop_oneof![
        3 => select(PLAUSIBLE_VALUES).prop_map(str::to_owned),
        3 => select(HOSTILE_VALUES).prop_map(str::to_owned),
        1 => number(),
        1 => name(),
    ];
    let key = prop_oneof![
        2 => select(KEYS).prop_map(str::to_owned),
        2 => select(HOSTILE_KEYS).prop_map(str::to_owned),
        1 => name(),
    ];
    prop_oneof![
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        1 => (any::<Index>(), (-4i8..=4).prop_filter("a change", |d| *d != 0))
            .prop_map(|(at, delta)| Mutation::Indent(at, delta)),
        6 => (any::<Index>(), replacement)
            .prop_map(|(at, value)| Mutation::ReplaceValue(at, value)),
        2 => (any::<Index>(), key).prop_map(|(at, key)| Mutation::ReplaceKey(at, key)),
        1 => (any::<Index>(), grammar_line())
            .prop_map(|(at, line)| Mutation::InsertLine(at, line)),
        1 => (any::<Index>(), any::<Index>(), vec(any::<u8>(), 1..4))
            .prop_map(|(at, column, bytes)| Mutation::InsertBytes(at, column, bytes)),
    ]
}

/// A set of files of which one is mutated: a spec file in the spec, or a file of a seed.
struct Base {
    files: Vec<InputFile>,
    target: usize,
}

/// Strategy `mutation`: one file of the spec or of a seed, mutated. The other files of the
/// spec or seed come along unless `with_rest` is false, so that references still resolve.
fn mutated(corpus: &Corpus) -> impl Strategy<Value = Input> + use<> {
    let sets = std::iter::once(&corpus.spec).chain(corpus.seeds.iter().map(|(_, files)| files));
    let bases: Vec<Base> = sets
        .flat_map(|files| (0..files.len()).map(|target| Base { files: files.clone(), target }))
        .collect();
    let bases = Arc::new(bases);
    let sizes: Vec<usize> = bases
        .iter()
        .map(|base| base.files[base.target].bytes.split(|b| *b == b'\n').count())
        .collect();
    (0..bases.len())
        .prop_flat_map(move |base| {
            // Always true when generated; shrinking turns flags false to delete lines.
            let keep = vec(proptest::bool::weighted(1.0), sizes[base]);
            (Just(base), vec(mutation(), 0..=3), proptest::bool::weighted(0.8), keep)
        })
        .prop_map(move |(base, mutations, with_rest, keep)| {
            let Base { files, target } = &bases[base];
            let original = &files[*target];
            let mutant =
                InputFile::new(original.name.clone(), mutate(&original.bytes, &mutations, &keep));
            let files = if with_rest {
                let mut files = files.clone();
                files[*target] = mutant;
                files
            } else {
                vec![mutant]
            };
            let rest = if with_rest && files.len() > 1 { " beside its other files" } else { "" };
            Input { strategy: "mutation", about: format!("{} mutated{rest}", original.name), files }
        })
}

/// Strategy `nesting`: a valid spec whose one request or response field nests objects
/// (`true`) and arrays (`false`) as deep as the levels say, in block or flow style.
fn deep_nesting() -> impl Strategy<Value = Input> {
    let section = select(&["body", "response"][..]);
    (vec(any::<bool>(), 0..80), section, any::<bool>()).prop_map(|(levels, section, flow)| {
        let spec = nested_spec(section, nested_field(&levels, 0));
        let text = if flow { spec.flow() + "\n" } else { spec.block() };
        let objects = levels.iter().filter(|object| **object).count();
        let about = format!(
            "{} levels in the {section} ({objects} objects, {} arrays), {} style",
            levels.len(),
            levels.len() - objects,
            if flow { "flow" } else { "block" },
        );
        Input { strategy: "nesting", about, files: vec![InputFile::new("nesting.yaml", text)] }
    })
}

/// A field (or array element) of the type the levels describe, from `levels[depth]` on.
fn nested_field(levels: &[bool], depth: usize) -> Tree {
    match levels.get(depth) {
        None => Tree::map([("type", Tree::scalar("string")), ("doc", Tree::scalar("Leaf."))]),
        Some(true) => Tree::map([
            ("type", Tree::scalar("object")),
            ("name", Tree::Scalar(format!("level_{depth}"))),
            ("doc", Tree::scalar("An object.")),
            ("fields", Tree::map([("f", nested_field(levels, depth + 1))])),
        ]),
        Some(false) => Tree::map([
            ("type", Tree::scalar("array")),
            ("doc", Tree::scalar("An array.")),
            ("items", nested_field(levels, depth + 1)),
        ]),
    }
}

/// A spec with one POST endpoint whose `section` holds the field `f`.
fn nested_spec(section: &str, field: Tree) -> Tree {
    let endpoint = Tree::map([
        ("summary", Tree::scalar("Puts.")),
        ("docs", Tree::scalar("https://example.com/put")),
        ("method", Tree::scalar("POST")),
        ("path", Tree::scalar("/open-apis/sample/v1/deep")),
        ("tokens", Tree::scalar("[app]")),
        ("app_types", Tree::scalar("[custom]")),
        ("scopes", Tree::scalar("[sample]")),
        ("rate_limit", Tree::scalar("default")),
        (section, Tree::map([("f", field)])),
    ]);
    let limit = Tree::map([
        ("doc", Tree::scalar("Limit.")),
        ("per_minute", Tree::scalar("10")),
        ("per_second", Tree::scalar("1")),
    ]);
    Tree::map([
        ("rate_limits", Tree::map([("default", limit)])),
        (
            "resource",
            Tree::map([
                ("name", Tree::scalar("deep")),
                ("service", Tree::scalar("sample")),
                ("version", Tree::scalar("v1")),
                ("doc", Tree::scalar("Deep.")),
                ("endpoints", Tree::map([("put", endpoint)])),
            ]),
        ),
    ])
}

/// Strategy `repeat`: a fragment from [`REPEATED`] repeated, up to [`MAX_REPEAT_BYTES`].
fn repetition() -> impl Strategy<Value = Input> {
    let count = prop_oneof![4 => 0usize..200, 2 => 0usize..5_000, 1 => 0usize..40_000];
    (select(REPEATED), count).prop_map(|(unit, count)| {
        let count = count.min(MAX_REPEAT_BYTES / unit.len());
        Input {
            strategy: "repeat",
            about: format!("{unit:?} repeated {count} times"),
            files: vec![InputFile::new("repeat.yaml", unit.repeat(count))],
        }
    })
}

// --- Properties -------------------------------------------------------------------------------

/// How far an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// No file decoded as UTF-8.
    NotUtf8,
    /// The YAML parser refused a file.
    Syntax,
    /// The YAML parsed, and loading or validation found problems.
    Invalid,
    /// Rust files were generated.
    Generated,
}

/// Checks the properties for one input and tells how far it got.
fn check_input(input: &Input) -> Result<Outcome, TestCaseError> {
    let names: Vec<&str> = input.files.iter().map(|file| file.name.as_str()).collect();
    let mut sources = Vec::new();
    for file in &input.files {
        let decoded = panic::catch_unwind(|| SourceFile::decode(file.name.clone(), &file.bytes))
            .map_err(|payload| {
                fail(format!("SourceFile::decode panicked: {}", message_of(&*payload)))
            })?;
        match decoded {
            Ok(source) => sources.push(source),
            Err(problem) => check_diagnostic(&problem, &names, "SourceFile::decode")?,
        }
    }
    if sources.is_empty() {
        return Ok(Outcome::NotUtf8);
    }
    match generate_guarded(sources)? {
        Ok(_) => Ok(Outcome::Generated),
        Err(problems) => {
            if problems.is_empty() {
                return Err(fail("generate failed without naming a problem".to_owned()));
            }
            for problem in problems.iter() {
                check_diagnostic(problem, &names, "generate")?;
            }
            let syntax = problems.iter().any(|p| p.message.starts_with("invalid YAML"));
            Ok(if syntax { Outcome::Syntax } else { Outcome::Invalid })
        }
    }
}

/// A reported problem must be located in one of the input files and say something.
fn check_diagnostic(problem: &Diagnostic, names: &[&str], from: &str) -> Result<(), TestCaseError> {
    let location = &problem.location;
    let bad = if location.line < 1 {
        Some("line is 0")
    } else if location.column < 1 {
        Some("column is 0")
    } else if location.file.is_empty() {
        Some("file is empty")
    } else if !names.contains(&location.file.as_str()) {
        Some("file is not one of the inputs")
    } else if problem.message.trim().is_empty() {
        Some("message is empty")
    } else {
        None
    };
    match bad {
        Some(what) => {
            Err(fail(format!("{from} reported a badly located problem ({what}): {problem:?}")))
        }
        None => Ok(()),
    }
}

fn fail(reason: String) -> TestCaseError {
    TestCaseError::fail(reason)
}

/// Runs `generate` on a worker thread; a panic or a call longer than [`HANG_LIMIT`] fails.
fn generate_guarded(
    files: Vec<SourceFile>,
) -> Result<Result<Vec<GeneratedFile>, Diagnostics>, TestCaseError> {
    // One call at a time, so that recorded panic messages belong to this call.
    let _serial = lock(&CALL_LOCK);
    lock(&PANICS).clear();
    let (send, receive) = mpsc::channel();
    thread::Builder::new()
        .name(WORKER.to_owned())
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(|| generate(&files)));
            // The receiver is gone only after a hang was reported.
            let _ = send.send(result);
        })
        .expect("cannot spawn a worker thread");
    match receive.recv_timeout(HANG_LIMIT) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(payload)) => {
            let recorded = std::mem::take(&mut *lock(&PANICS));
            let detail =
                if recorded.is_empty() { message_of(&*payload) } else { recorded.join("\n") };
            Err(fail(format!("generate panicked: {detail}")))
        }
        // The worker is left running; the process ends it when the test is over.
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(fail(format!("generate hung: no answer within {HANG_LIMIT:?}")))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(fail("generate's worker thread died without answering".to_owned()))
        }
    }
}

/// Serializes [`generate_guarded`] calls.
static CALL_LOCK: Mutex<()> = Mutex::new(());

/// Panic messages (with their source location) recorded on generator threads.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records the panics of generator threads (the worker and the unnamed threads the generator
/// starts) instead of printing them, so that shrinking stays quiet; others print as usual.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let current = thread::current();
            if matches!(current.name(), None | Some(WORKER)) {
                lock(&PANICS).push(info.to_string());
            } else {
                previous(info);
            }
        }));
    });
}

fn message_of(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".to_owned())
}

// --- Child processes --------------------------------------------------------------------------

/// Whether this process is the child that does a test's work.
fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// Runs the test `name` of this binary in a child process, with extra environment variables.
fn run_child(name: &str, vars: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("the path of the test binary");
    Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1", "--quiet"])
        .env(CHILD_ENV, "1")
        .envs(vars.iter().copied())
        .output()
        .expect("cannot start a child process")
}

/// What went wrong in a child that did not succeed, with what it printed.
fn describe_failure(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let how = match output.status.code() {
        Some(code) => format!("failed (exit code {code})"),
        None => format!("crashed ({}); a stack overflow aborts the process", output.status),
    };
    format!("the child process {how}; it printed:\n{stderr}")
}

/// Where the child keeps what it is working on, for reports after a crash.
fn tmp_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

// --- Fuzzing ----------------------------------------------------------------------------------

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => {
            text.trim().parse().unwrap_or_else(|_| panic!("{name}={text:?} is not a number"))
        }
        Err(_) => default,
    }
}

/// Counts of executions by strategy and outcome.
#[derive(Default)]
struct Stats {
    executions: AtomicU64,
    outcomes: Mutex<BTreeMap<(&'static str, Outcome), u64>>,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ((strategy, outcome), count) in lock(&self.outcomes).iter() {
            writeln!(f, "  {strategy:>8} {outcome:<9?} {count}")?;
        }
        Ok(())
    }
}

/// The file holding the input being run, for a report after a crash.
const LAST_INPUT: &str = "fuzz_loader-last-input.txt";

/// The directory that receives the files of a failing input.
const FAILURE_DIR: &str = "fuzz_loader-failure";

/// The directory that hands a candidate input to a child while a crash is shrunk.
const CANDIDATE_DIR: &str = "fuzz_loader-candidate";

/// In a child of [`fuzz_loader_and_generator`]: check the input saved in this directory.
const CHECK_ENV: &str = "FUZZ_LOADER_CHECK";

/// The runner configuration, the same in the parent and the children so that case `n` of a
/// seed is the same input everywhere.
fn fuzz_config(seed: u64) -> Config {
    Config {
        failure_persistence: None,
        max_shrink_time: MAX_SHRINK_MILLIS,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    }
}

/// Fuzzes `decode` and `generate` for `FUZZ_SECONDS` seconds (see the module docs). The work is
/// done in a child process; when it crashes, the parent shrinks the crashing case by checking
/// each candidate in a child process of its own.
#[test]
fn fuzz_loader_and_generator() {
    if is_child() {
        return match std::env::var_os(CHECK_ENV) {
            Some(dir) => check_saved(Path::new(&dir)),
            None => fuzz(),
        };
    }
    let output = run_child("fuzz_loader_and_generator", &[]);
    if output.status.success() {
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        return;
    }
    let mut report = describe_failure(&output);
    if output.status.code().is_none() {
        let last = fs::read_to_string(tmp_path(LAST_INPUT)).unwrap_or_default();
        report.push_str(&format!("\nthe input it was running: {last}\n"));
        let case = last.strip_prefix("case ").and_then(|rest| rest.split_whitespace().next());
        match case.and_then(|case| case.parse().ok()) {
            Some(case) => report.push_str(&shrink_crash(case)),
            None => report.push_str("(the crashing case is not known, so it is not shrunk)"),
        }
    }
    panic!("{report}");
}

/// The fuzzing loop, in the child process: new cases from one runner until the deadline.
fn fuzz() {
    install_panic_hook();
    let budget = Duration::from_secs(env_u64("FUZZ_SECONDS", DEFAULT_SECONDS));
    let seed = env_u64("FUZZ_SEED", DEFAULT_SEED);
    let corpus = Corpus::load();
    let strategy = any_input(&corpus);
    let last_input = tmp_path(LAST_INPUT);

    let stats = Stats::default();
    let case = AtomicU64::new(0);
    let test = |input: Input| {
        stats.executions.fetch_add(1, Ordering::Relaxed);
        // Kept in case the process crashes, which no test can report from inside.
        let case = case.load(Ordering::Relaxed);
        let _ = fs::write(&last_input, format!("case {case} of FUZZ_SEED={seed}: {input:?}\n"));
        let outcome = check_input(&input)?;
        *lock(&stats.outcomes).entry((input.strategy, outcome)).or_default() += 1;
        Ok(())
    };

    let mut runner = TestRunner::new(fuzz_config(seed));
    let start = Instant::now();
    while start.elapsed() < budget {
        let tree = strategy.new_tree(&mut runner).expect("a new case");
        if let Err(error) = runner.run_one(tree, test) {
            let elapsed = start.elapsed();
            let executions = stats.executions.load(Ordering::Relaxed);
            let case = case.load(Ordering::Relaxed);
            match error {
                TestError::Fail(reason, input) => panic!(
                    "fuzz case {case} failed after {executions} executions in {elapsed:.1?} \
                     (FUZZ_SEED={seed}): {reason}\nminimal input ({}): {input:?}",
                    save_failure(&input)
                ),
                TestError::Abort(reason) => panic!("fuzzing aborted: {reason}"),
            }
        }
        case.fetch_add(1, Ordering::Relaxed);
    }

    let elapsed = start.elapsed();
    let executions = stats.executions.load(Ordering::Relaxed);
    eprintln!(
        "fuzz_loader: {executions} executions of {} cases in {elapsed:.1?} ({:.0}/s), \
         FUZZ_SEED={seed}; by strategy and outcome:\n{stats}",
        case.load(Ordering::Relaxed),
        executions as f64 / elapsed.as_secs_f64()
    );
    assert!(executions > 0, "no case ran within {budget:?}");
}

/// Saves a failing input's files and tells where.
fn save_failure(input: &Input) -> String {
    let dir = tmp_path(FAILURE_DIR);
    match input.save(&dir) {
        Ok(()) => format!("its files are in {}", dir.display()),
        Err(error) => format!("its files could not be saved: {error}"),
    }
}

/// Regenerates case `case` of the fuzzing run and shrinks it, checking every candidate in a
/// child process, since the crash would end this one.
fn shrink_crash(case: u64) -> String {
    let seed = env_u64("FUZZ_SEED", DEFAULT_SEED);
    let corpus = Corpus::load();
    let strategy = any_input(&corpus);
    let mut runner = TestRunner::new(fuzz_config(seed));
    let mut tree = strategy.new_tree(&mut runner).expect("a new case");
    for _ in 0..case {
        tree = strategy.new_tree(&mut runner).expect("a new case");
    }
    let dir = tmp_path(CANDIDATE_DIR);
    let dir_text = dir.to_string_lossy().into_owned();
    let result = runner.run_one(tree, |input: Input| {
        input.save(&dir).map_err(|error| fail(format!("cannot save a candidate: {error}")))?;
        let output = run_child("fuzz_loader_and_generator", &[(CHECK_ENV, &dir_text)]);
        if output.status.success() { Ok(()) } else { Err(fail(describe_failure(&output))) }
    });
    match result {
        Ok(_) => "the case did not fail when run again, so it is not shrunk".to_owned(),
        Err(TestError::Fail(reason, input)) => format!(
            "shrunk in child processes: {reason}\nminimal input ({}): {input:?}",
            save_failure(&input)
        ),
        Err(TestError::Abort(reason)) => format!("shrinking aborted: {reason}"),
    }
}

/// Checks the input saved in `dir`, in a child process.
fn check_saved(dir: &Path) {
    install_panic_hook();
    let files = read_tree(dir, "");
    let files = files.into_iter().map(|file| InputFile { unchanged: false, ..file }).collect();
    let input = Input { strategy: "saved", about: dir.display().to_string(), files };
    if let Err(error) = check_input(&input) {
        panic!("{error}");
    }
}

// --- Seeds ------------------------------------------------------------------------------------

/// The problems `generate` reports for an input known not to panic, for a failure message.
fn problems_of(input: &Input) -> String {
    let files: Vec<SourceFile> = input
        .files
        .iter()
        .filter_map(|file| SourceFile::decode(file.name.clone(), &file.bytes).ok())
        .collect();
    match generate(&files) {
        Ok(_) => "no problem".to_owned(),
        Err(problems) => problems.to_string(),
    }
}

/// Every seed, and the real spec as a whole, holds the properties; seeds marked
/// `# expect: generated` generate. Each is replayed in a child process of its own, so that a
/// crash is reported with the seed's name.
#[test]
fn seeds_hold_the_properties() {
    if is_child() {
        let name = std::env::var(REPLAY_ENV).expect("the name of the seed to replay");
        return replay(&name);
    }
    let corpus = Corpus::load();
    assert!(!corpus.seeds.is_empty(), "tests/fuzz_seeds/ holds no seed");
    let names = corpus.seeds.iter().map(|(name, _)| name.as_str()).chain([WHOLE_SPEC]);
    let mut failures = Vec::new();
    for name in names {
        let output = run_child("seeds_hold_the_properties", &[(REPLAY_ENV, name)]);
        if output.status.success() {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
        } else {
            failures.push(format!("seed {name}: {}", describe_failure(&output)));
        }
    }
    assert!(failures.is_empty(), "{} seed(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Replays one seed, in the child process.
fn replay(name: &str) {
    install_panic_hook();
    let input = Corpus::load().seed(name);
    let expect_generated =
        input.files.first().is_some_and(|file| file.bytes.starts_with(EXPECT_GENERATED.as_bytes()));
    let start = Instant::now();
    match check_input(&input) {
        Err(error) => panic!("{error}\nfor {input:?}"),
        Ok(outcome) if expect_generated && outcome != Outcome::Generated => {
            panic!("{outcome:?} instead of Generated:\n{}\nfor {input:?}", problems_of(&input))
        }
        Ok(outcome) => eprintln!("seed {name}: {outcome:?} in {:.1?}", start.elapsed()),
    }
}
