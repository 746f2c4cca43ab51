//! Examples in the documentation are tested, so they cannot drift from the
//! tool. The info string after ```gdl says what a block is:
//! - ```gdl: a complete guideline; it checks with no diagnostics at all;
//! - ```gdl expect=<lint-name>: a complete file that produces that
//!   diagnostic (deliberately wrong);
//! - ```gdl fragment: a piece of a guideline, not checked on its own.
//!
//! Every block that parses is also in `gdl fmt`'s layout (what `gdl fmt
//! --check` accepts), unless it adds the word `unformatted`: a deliberately
//! compact or unusual layout (the diagnostic examples, whose quoted output
//! names lines; a trailing comma shown because it is allowed).

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;

struct Block {
    file: String,
    line: usize,
    info: String,
    text: String,
}

fn blocks() -> Vec<Block> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.push(root.join("README.md"));
    files.sort();
    let mut out = Vec::new();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut current: Option<Block> = None;
        // A fenced block inside a list item is indented like its fence.
        let mut indent = 0;
        for (index, line) in text.lines().enumerate() {
            match (&mut current, line.trim_start().strip_prefix("```")) {
                (None, Some(info)) if info.starts_with("gdl") => {
                    indent = line.len() - line.trim_start().len();
                    current = Some(Block {
                        file: path.display().to_string(),
                        line: index + 1,
                        info: info.trim().to_owned(),
                        text: String::new(),
                    });
                }
                (Some(_), Some(_)) => {
                    if let Some(block) = current.take() {
                        out.push(block);
                    }
                }
                (Some(block), None) => {
                    let line = line.get(indent..).unwrap_or(line.trim_start());
                    block.text.push_str(line);
                    block.text.push('\n');
                }
                (None, _) => {}
            }
        }
    }
    out
}

#[test]
fn documentation_examples_behave_as_documented() {
    let blocks = blocks();
    assert!(
        blocks.len() >= 10,
        "expected gdl examples in docs/, found {}",
        blocks.len()
    );
    let mut failures = Vec::new();
    for block in &blocks {
        let place = format!("{}:{}", block.file, block.line);
        let mut words = block.info.split_whitespace();
        let _gdl = words.next();
        let mut kind = None;
        let mut unformatted = false;
        for word in words {
            match word {
                "unformatted" => unformatted = true,
                "fragment" => kind = Some(None),
                _ => match word.strip_prefix("expect=") {
                    Some(name) => match Code::from_name(name) {
                        Some(code) => kind = Some(Some(code)),
                        None => failures.push(format!("{place}: unknown lint `{name}`")),
                    },
                    None => failures.push(format!("{place}: unknown word `{word}` after ```gdl")),
                },
            }
        }
        let codes: Vec<Code> = gdl::check(&block.text)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        match kind {
            None if !codes.is_empty() => {
                failures.push(format!("{place}: expected a clean check, got {codes:?}"))
            }
            Some(Some(code)) if !codes.contains(&code) => {
                failures.push(format!("{place}: expected {code:?}, got {codes:?}"))
            }
            _ => {}
        }
        if let Ok(formatted) = gdl::fmt::format(&block.text) {
            if !unformatted && formatted != block.text {
                failures.push(format!(
                    "{place}: not in `gdl fmt` layout (format the block, or mark it `unformatted`); formatted:\n{formatted}"
                ));
            }
            if unformatted && formatted == block.text {
                failures.push(format!(
                    "{place}: marked `unformatted` but already formatted"
                ));
            }
        } else if unformatted {
            failures.push(format!("{place}: marked `unformatted` but does not parse"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The README quotes how many vignettes the shipped case file holds and the
/// coverage they reach; both come from running the cases here, so the
/// sentence cannot drift from the files.
#[test]
fn readme_case_counts_come_from_the_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_default();
    let cases_text = read("guidelines/dermatomyositis.cases.json");
    let file: gdl::testing::CaseFile<'_> =
        serde_json::from_str(&cases_text).unwrap_or_else(|e| panic!("case file: {e}"));
    let compiled = gdl::compile(&read("guidelines/dermatomyositis.gdl"));
    let model = compiled
        .model
        .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
    let program = gdl::eval::Program::new(&model);
    let mut coverage = gdl::testing::Coverage::default();
    let mut failed = Vec::new();
    for case in &file.cases {
        let result = gdl::testing::run_case(
            &gdl::facts::Reader::new(&program),
            &cases_text,
            case,
            &mut coverage,
        );
        if !result.passed() {
            failed.push(result.name);
        }
    }
    assert!(failed.is_empty(), "failing cases: {failed:?}");
    let summary = coverage.summary(&model, &gdl::analysis::findings(&model));
    // Rounded down, so 99.6% is never quoted as 100%.
    let percent = summary.percent().floor();
    let expected = format!(
        "holds {} clinical vignettes at {percent}% rule, alternative and contraindication coverage",
        file.cases.len()
    );
    let readme = read("README.md");
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        readme.contains(&expected),
        "README.md should say `{expected}` (the numbers `gdl test --coverage guidelines/dermatomyositis.cases.json` gives)"
    );
}

/// Every `$ gdl …` transcript in the docs (and the README) whose files are
/// in the repository is run, and must print what the block shows: standard
/// output and error interleaved as on a terminal, each `...` line standing
/// for any number of lines. Commands with pipes or redirections, and those
/// naming files that exist only in the reader's directory (`patient.json`),
/// are left out; so are commands shown without output.
#[test]
fn console_transcripts_are_real() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("docs"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    docs.retain(|p| p.extension().is_some_and(|e| e == "md"));
    docs.push(root.join("README.md"));
    docs.sort();
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in &docs {
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        for (command, expected) in transcripts(&doc) {
            if expected.is_empty() || !runnable(root, &command) {
                continue;
            }
            let actual = run_combined(root, &command);
            let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
            let actual_lines: Vec<&str> = actual.lines().collect();
            if !matches(&expected, &actual_lines) {
                failures.push(format!(
                    "$ {command}\n--- {}\n{}\n--- gdl\n{actual}",
                    path.display(),
                    expected.join("\n")
                ));
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 15,
        "only {checked} transcripts found in the docs"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Whether a transcript's command can run here: `gdl …`, no shell syntax,
/// and every file it names is in the repository.
fn runnable(root: &Path, command: &str) -> bool {
    let Some(args) = command.strip_prefix("gdl ") else {
        return false;
    };
    if args.contains(['|', '>', '<', '\'', '"', '*', '$', ';', '&']) {
        return false;
    }
    args.split_whitespace().all(|arg| {
        let names_a_file = [".gdl", ".json", ".ndjson"]
            .iter()
            .any(|ext| arg.ends_with(ext));
        !names_a_file || root.join(arg).exists()
    })
}

/// Each `$ command` of the ```console blocks, with the lines it shows.
fn transcripts(doc: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            inside = line == "```console";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            let command = command.split(" #").next().unwrap_or_default().trim();
            out.push((command.to_owned(), Vec::new()));
        } else if let Some((_, lines)) = out.last_mut() {
            lines.push(line.to_owned());
        }
    }
    out
}

/// Runs a `gdl` command line of the docs in the project root, standard
/// output and error interleaved as on a terminal (both go to one file).
fn run_combined(root: &Path, command: &str) -> String {
    let file = std::env::temp_dir().join(format!(
        "gdl-docs-{}-{}.txt",
        std::process::id(),
        command.len()
    ));
    let out = std::fs::File::create(&file).unwrap_or_else(|e| panic!("{e}"));
    let err = out.try_clone().unwrap_or_else(|e| panic!("{e}"));
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let _ = std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args(&args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .stdout(out)
        .stderr(err)
        .status();
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    text
}

/// Whether `actual` is `expected` with each `...` line standing for any
/// number of lines.
fn matches(expected: &[&str], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, actual.get(skip..).unwrap_or_default()))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, tail)| line.trim_end() == first.trim_end() && matches(rest, tail)),
    }
}
