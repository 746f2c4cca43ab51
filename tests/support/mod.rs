//! Running the `gdl` binary from integration tests, the guidelines of
//! the documentation's examples, and golden snapshots that hold their
//! source (`golden`).
#![allow(
    clippy::indexing_slicing,
    reason = "test and benchmark helpers may index: a panic there is a failed run"
)]
#![allow(dead_code, reason = "each test file uses part of this module")]

pub mod golden;

use std::io::Write;
use std::process::{Command, Stdio};

/// What a run of `gdl` gave.
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `gdl` in the project root, with `stdin` as standard input if given
/// and colour off. Standard output must be UTF-8.
pub fn gdl(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run gdl: {e}"));
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // gdl may stop reading early (bad arguments, a broken guideline);
        // what it printed is checked by the caller.
        let _ = pipe.write_all(input.as_bytes());
    }
    drop(child.stdin.take());
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("gdl did not finish: {e}"));
    Output {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout)
            .unwrap_or_else(|e| panic!("standard output is not UTF-8: {e}")),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `gdl ARGS`, which must exit 0 (its standard error in the message if
/// not); for the pages and pictures the HTML and browser tests read.
pub fn gdl_succeeding(args: &[&str]) -> Output {
    let output = gdl(args, None);
    assert_eq!(
        output.code,
        Some(0),
        "gdl {}: {}",
        args.join(" "),
        output.stderr
    );
    output
}

/// The model of the complete guideline in the ```` ```gdl expect=NAME ````
/// block of a file of the documentation (`doc`, from the project root).
pub fn docs_example_model(doc: &str, name: &str) -> gdl::sema::Model {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let fence = format!("```gdl expect={name}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("{doc}: no {name} example"));
    let body = &text[start + fence.len()..];
    let body = &body[..body.find("```").unwrap_or(body.len())];
    gdl::compile(body)
        .model
        .unwrap_or_else(|| panic!("{doc}: the {name} example does not compile"))
}

/// A small deterministic generator (xorshift) for the random guidelines of
/// the property tests.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Thresholds as written: `-0` and `0` are one value to the interpreter.
pub const THRESHOLDS: [&str; 5] = ["-10", "-0", "0", "10", "20"];

/// A random test over the facts of the random guidelines (`b0`–`b2` bool,
/// `q` in mg, `e` of `E { v0, v1, v2 }`, `s` a set of `E`), ranges of `q`
/// included.
pub fn atom(rng: &mut Rng) -> String {
    match rng.below(6) {
        5 => range(rng),
        0 => format!("b{}", rng.below(3)),
        1 => {
            let op = ["<", "<=", ">", ">=", "=", "!="][rng.below(6) as usize];
            let threshold = THRESHOLDS[rng.below(THRESHOLDS.len() as u64) as usize];
            format!("q {op} {threshold} mg")
        }
        2 => format!("e = v{}", rng.below(3)),
        3 => format!("e in {{v{}, v{}}}", rng.below(3), rng.below(3)),
        _ => format!("v{} in s", rng.below(3)),
    }
}

/// A random range of `q` between two of the [`THRESHOLDS`], never empty.
pub fn range(rng: &mut Rng) -> String {
    let mut ends = [0, 1].map(|_| THRESHOLDS[rng.below(THRESHOLDS.len() as u64) as usize]);
    let value = |end: &str| end.parse::<f64>().unwrap_or(0.0);
    ends.sort_by(|a, b| value(a).total_cmp(&value(b)));
    let [low, high] = ends;
    // Equal ends (`-0` and `0` too) hold a value only both included.
    let op = if value(low) < value(high) && rng.below(2) == 0 {
        "..<"
    } else {
        ".."
    };
    format!("q in {low}{op}{high} mg")
}

/// One example of each shipped guideline: the HTML pages the snapshot
/// tests and the browser test render.
pub const HTML_EXAMPLES: [&str; 3] = [
    "guidelines/examples/refractory-muscle.json",
    "guidelines/examples/af-weight-unknown.json",
    "guidelines/examples/cap-high-severity-penicillin-allergy-urea-pending.json",
];

/// The shipped guideline (a path from the project root) that an example
/// of `guidelines/examples/` is written for. An example whose file name
/// starts with a guideline's name up to its first `-`, then `-`
/// (`cap-high-severity.json` for `guidelines/cap-curb65.gdl`), is for that
/// guideline; the others are for `guidelines/dermatomyositis.gdl`.
pub fn shipped_guideline_for_example(example: &std::path::Path) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let name = example
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut stems: Vec<String> = std::fs::read_dir(root.join("guidelines"))
        .unwrap_or_else(|e| panic!("guidelines: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "gdl"))
        .filter_map(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    stems.sort();
    stems
        .into_iter()
        .filter(|stem| stem != "dermatomyositis")
        .find(|stem| {
            let prefix = stem.split('-').next().unwrap_or(stem);
            name.starts_with(&format!("{prefix}-"))
        })
        .map_or_else(
            || "guidelines/dermatomyositis.gdl".to_owned(),
            |stem| format!("guidelines/{stem}.gdl"),
        )
}
