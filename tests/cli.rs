//! End-to-end tests of the `gdl` binary: exit codes and output of `check`,
//! `run` (single and NDJSON batch) and `test`, as insta snapshots.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::io::Write;
use std::process::{Command, Stdio};

mod support;
use support::{Output, gdl};

/// `gdl run` on the demo guideline with `bytes` as a cohort file (a file,
/// so the output can be larger than a pipe holds).
fn run_demo_cohort_file(name: &str, bytes: &[u8]) -> Output {
    let dir = std::env::temp_dir().join(format!("gdl-cohort-{}-{name}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(name);
    let _ = std::fs::write(&file, bytes);
    let path = file.display().to_string();
    let output = gdl(
        &[
            "run",
            "tests/guidelines/demo.gdl",
            "--ndjson",
            "--facts",
            &path,
        ],
        None,
    );
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn transcript(output: &Output) -> String {
    format!(
        "exit: {:?}\n----- STDOUT\n{}----- STDERR\n{}",
        output.code, output.stdout, output.stderr
    )
}

/// Every shipped guideline.
const SHIPPED: [&str; 3] = [
    "guidelines/dermatomyositis",
    "guidelines/cap-curb65",
    "guidelines/af-anticoagulation",
];

#[test]
fn shipped_guideline_checks_clean() {
    for shipped in SHIPPED {
        let path = format!("{shipped}.gdl");
        let output = gdl(&["check", "--deny", "warnings", &path], None);
        assert_eq!(output.code, Some(0), "{path}: {}", transcript(&output));
    }
}

#[test]
fn check_short_format_and_exit_codes() {
    let output = gdl(
        &[
            "check",
            "--format",
            "short",
            "tests/diagnostics/unused-fact.gdl",
        ],
        None,
    );
    assert_eq!(output.code, Some(0));
    let denied = gdl(
        &[
            "check",
            "--format",
            "short",
            "--deny",
            "warnings",
            "tests/diagnostics/unused-fact.gdl",
        ],
        None,
    );
    assert_eq!(denied.code, Some(1));
    let allowed = gdl(
        &[
            "check",
            "--format",
            "short",
            "--deny",
            "warnings",
            "--allow",
            "unused-fact",
            "tests/diagnostics/unused-fact.gdl",
        ],
        None,
    );
    assert_eq!(allowed.code, Some(0));
    let errors = gdl(
        &[
            "check",
            "--format",
            "short",
            "tests/diagnostics/unknown-name.gdl",
        ],
        None,
    );
    assert_eq!(errors.code, Some(1));
    let usage = gdl(
        &[
            "check",
            "--allow",
            "no-such-lint",
            "tests/diagnostics/unknown-name.gdl",
        ],
        None,
    );
    assert_eq!(usage.code, Some(2));
    insta::assert_snapshot!(format!("{}{}", transcript(&output), transcript(&denied)));
}

#[test]
fn run_reads_stdin_and_reports_facts_errors() {
    let ok = gdl(
        &["run", "tests/guidelines/demo.gdl", "--facts", "-"],
        Some(r#"{"muscle_weakness": true, "failed": []}"#),
    );
    assert_eq!(ok.code, Some(0), "{}", transcript(&ok));
    let bad = gdl(
        &["run", "tests/guidelines/demo.gdl", "--facts", "-"],
        Some(r#"{"egfr": {"value": 45, "unit": "mg"}}"#),
    );
    assert_eq!(bad.code, Some(1));
    assert!(bad.stdout.is_empty(), "no report on bad facts");
    insta::assert_snapshot!(format!("{}{}", transcript(&ok), transcript(&bad)));
}

#[test]
fn batch_reports_bad_lines_and_continues() {
    let cohort = concat!(
        r#"{"@id": "a", "muscle_weakness": true, "failed": []}"#,
        "\n",
        r#"{"@id": "b", "muscle_weakness": "yes"}"#,
        "\n",
        "\n",
        r#"{"@id": "c", "muscle_weakness": false, "skin_flare": false}"#,
        "\n",
        r#"{"@id": "d", "#,
        "\n",
    );
    let output = gdl(
        &[
            "run",
            "tests/guidelines/demo.gdl",
            "--ndjson",
            "--facts",
            "-",
        ],
        Some(cohort),
    );
    assert_eq!(output.code, Some(1));
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "one output line per patient line, in order");
    assert!(lines[0].contains("\"patient\":\"a\""));
    assert!(lines[1].contains("\"line\":2"));
    assert!(lines[2].contains("\"patient\":\"c\""));
    insta::assert_snapshot!(transcript(&output));
}

#[test]
fn test_command_passes_fails_and_measures_coverage() {
    let passing = gdl(
        &[
            "test",
            "--coverage-threshold",
            "100",
            "tests/cases/demo.cases.json",
        ],
        None,
    );
    assert_eq!(passing.code, Some(0), "{}", transcript(&passing));
    let failing = gdl(&["test", "tests/cases/failing.cases.json"], None);
    assert_eq!(failing.code, Some(1));
    insta::assert_snapshot!(format!("{}{}", transcript(&passing), transcript(&failing)));
}

#[test]
fn coverage_threshold_fails_when_not_met() {
    let dir = std::env::temp_dir().join(format!("gdl-cli-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let guideline =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/guidelines/demo.gdl");
    let file = dir.join("one.cases.json");
    let text = format!(
        r#"{{"guideline": "{}", "cases": [{{"name": "only", "facts": {{"muscle_weakness": false, "skin_flare": false}}, "expect": {{"nothing_applies": true}}}}]}}"#,
        guideline.display()
    );
    let _ = std::fs::write(&file, text);
    let path = file.display().to_string();
    let output = gdl(&["test", "--coverage-threshold", "90", &path], None);
    assert_eq!(output.code, Some(1), "{}", transcript(&output));
    assert!(output.stdout.contains("below the threshold"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shipped_cases_pass_with_full_coverage() {
    for shipped in SHIPPED {
        let path = format!("{shipped}.cases.json");
        let output = gdl(&["test", "--coverage-threshold", "100", &path], None);
        assert_eq!(output.code, Some(0), "{path}: {}", transcript(&output));
    }
}

/// A guideline named to `gdl test` runs the case file beside it; one with
/// none is read as a case file, and its error says it is not one.
#[test]
fn a_guideline_given_to_gdl_test_runs_its_cases() {
    let by_guideline = gdl(&["test", "guidelines/cap-curb65.gdl"], None);
    let by_cases = gdl(&["test", "guidelines/cap-curb65.cases.json"], None);
    assert_eq!(by_guideline.code, Some(0), "{}", transcript(&by_guideline));
    assert_eq!(by_guideline.stdout, by_cases.stdout);
    let without = gdl(&["test", "tests/eval/scores/guideline.gdl"], None);
    assert_eq!(without.code, Some(2), "{}", transcript(&without));
    assert!(
        without.stderr.contains("not a valid case file"),
        "{}",
        transcript(&without)
    );
}

#[test]
fn shipped_cohort_runs_clean() {
    let output = gdl(
        &[
            "run",
            "guidelines/dermatomyositis.gdl",
            "--facts",
            "guidelines/examples/cohort.ndjson",
        ],
        None,
    );
    assert_eq!(output.code, Some(0), "{}", output.stderr);
    assert_eq!(output.stdout.lines().count(), 20);
}

#[test]
fn check_json_and_sarif_formats() {
    let files = [
        "tests/diagnostics/shadowed-rule.gdl",
        "tests/diagnostics/unknown-name.gdl",
    ];
    let json = gdl(&["check", "--format", "json", files[0], files[1]], None);
    assert_eq!(json.code, Some(1));
    let document: serde_json::Value = serde_json::from_str(&json.stdout).unwrap_or_default();
    assert_eq!(document["schema"], "gdl-diagnostics/1");
    assert_eq!(document["files"].as_array().map(Vec::len), Some(2));
    let sarif = gdl(&["check", "--format", "sarif", files[0], files[1]], None);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap_or_default();
    // The parts of SARIF 2.1.0 that code-scanning services require.
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "gdl");
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert!(!results.is_empty());
    for result in &results {
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(rules.get(index).map(|r| &r["id"]), Some(&result["ruleId"]));
        assert!(matches!(
            result["level"].as_str(),
            Some("error" | "warning")
        ));
        assert!(result["message"]["text"].is_string());
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().is_some_and(|l| l >= 1));
        assert!(region["startColumn"].as_u64().is_some_and(|c| c >= 1));
    }
    insta::assert_snapshot!(format!("{}\n----- SARIF\n{}", json.stdout, sarif.stdout));
}

#[test]
fn fmt_check_passes_on_shipped_guidelines_and_diffs_the_rest() {
    let clean = gdl(
        &[
            "fmt",
            "--check",
            "guidelines/dermatomyositis.gdl",
            "tests/guidelines/demo.gdl",
        ],
        None,
    );
    assert_eq!(clean.code, Some(0), "{}", transcript(&clean));
    let dir = std::env::temp_dir().join(format!("gdl-fmt-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("messy.gdl");
    let _ = std::fs::write(&file, "guideline g \"G\" {}\nfact   x :bool   # why\n");
    let path = file.display().to_string();
    let check = gdl(&["fmt", "--check", &path], None);
    assert_eq!(check.code, Some(1));
    assert!(
        check.stdout.contains("+fact x: bool # why"),
        "{}",
        check.stdout
    );
    let write = gdl(&["fmt", &path], None);
    assert_eq!(write.code, Some(0));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap_or_default(),
        "guideline g \"G\" {}\nfact x: bool # why\n"
    );
    let broken = gdl(&["fmt", "-"], Some("rule {"));
    assert_eq!(broken.code, Some(1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn batch_skips_overlong_and_non_utf8_lines() {
    let mut bytes = br#"{"@id": "a", "muscle_weakness": true, "failed": []}"#.to_vec();
    bytes.push(b'\n');
    bytes.extend_from_slice(b"{\"@id\": \"huge\", \"x\": \"");
    bytes.extend(std::iter::repeat_n(b'a', 17 * 1024 * 1024));
    bytes.extend_from_slice(b"\"}\n\xff\xfe\n");
    bytes.extend_from_slice(br#"{"@id": "d", "muscle_weakness": false, "skin_flare": false}"#);
    bytes.push(b'\n');
    let output = run_demo_cohort_file("hostile.ndjson", &bytes);
    assert_eq!(output.code, Some(1));
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "one record per line, in order");
    assert!(lines[1].contains("longer than") && lines[1].contains("\"line\":2"));
    assert!(lines[2].contains("not UTF-8") && lines[2].contains("\"line\":3"));
    assert!(lines[3].contains("\"patient\":\"d\""));
}

/// A cohort whose reports are read only in part (`gdl run … | head -1`):
/// `gdl` notices the closed output, stops, and exits with 2 rather than 0.
#[test]
fn batch_stops_when_its_output_is_closed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let cohort = std::fs::read_to_string(format!("{root}/guidelines/examples/cohort.ndjson"))
        .unwrap_or_default();
    // About 5,000 reports: far more than a pipe holds.
    let input = cohort.repeat(250);
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdl"))
        .args([
            "run",
            "guidelines/dermatomyositis.gdl",
            "--facts",
            "-",
            "--ndjson",
        ])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run gdl: {e}"));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
    let writer = std::thread::spawn(move || {
        // gdl may stop reading early; a failed write here is expected.
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = String::new();
    let _ = std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first);
    // The reader (and the pipe with it) is gone here.
    let status = child.wait().unwrap_or_else(|e| panic!("gdl failed: {e}"));
    let _ = writer.join();
    assert!(first.starts_with("{\"schema\":\"gdl-report/2\""), "{first}");
    assert_eq!(status.code(), Some(2));
}

/// Runs a cohort file of `count` demo patients, `"@id": "{n}-{padding}"`,
/// where line `n` is a wrongly typed fact when `bad(n)`, and checks that
/// each output line is its input line's report or error record, in order.
fn run_cohort_in_order(
    name: &str,
    count: usize,
    padding: impl Fn(usize) -> String,
    bad: impl Fn(usize) -> bool,
) -> Output {
    let mut input = String::new();
    for n in 1..=count {
        if bad(n) {
            input.push_str("{\"muscle_weakness\": \"yes\"}\n");
        } else {
            let padding = padding(n);
            input.push_str(&format!(
                "{{\"@id\": \"{n}-{padding}\", \"muscle_weakness\": true}}\n"
            ));
        }
    }
    // A file, not standard input: the helper writes all of stdin before it
    // reads any output, and megabytes of reports would fill the pipe first.
    let output = run_demo_cohort_file(name, input.as_bytes());
    assert_eq!(output.code, Some(1));
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), count);
    for (index, line) in lines.iter().enumerate() {
        let n = index + 1;
        let expected = if bad(n) {
            format!("\"line\":{n},")
        } else {
            format!("\"patient\":\"{n}-")
        };
        assert!(
            line.contains(&expected),
            "line {n}: {}",
            line.get(..80).unwrap_or(line)
        );
    }
    output
}

/// Long lines end a chunk by size (8 MiB) before it reaches 256 lines:
/// reports still come one per line, in order, with the right line numbers.
#[test]
fn batches_split_by_size_keep_order_and_line_numbers() {
    let padding = "p".repeat(1 << 20);
    let output = run_cohort_in_order("long-lines.ndjson", 20, |_| padding.clone(), |n| n == 12);
    assert!(
        output.stderr.contains(":12:21: error[E0503]"),
        "{}",
        output.stderr
    );
}

/// A cohort of many chunks (256 lines each), evaluated by workers on
/// every core: reports come out in input order, bad lines keep their line
/// numbers, and the stderr messages are in line order too. The first
/// chunk's lines are long, so a later chunk is done first and must wait.
#[test]
fn chunks_on_every_core_keep_input_order() {
    let padding = |n: usize| {
        if n <= 256 {
            "p".repeat(4000)
        } else {
            String::new()
        }
    };
    let output = run_cohort_in_order("many-chunks.ndjson", 5000, padding, |n| n % 997 == 0);
    let errors: Vec<&str> = output
        .stderr
        .lines()
        .filter(|line| line.contains("error[E"))
        .collect();
    let expected: Vec<String> = (1..=5)
        .map(|k| format!("many-chunks.ndjson:{}:", k * 997))
        .collect();
    assert_eq!(errors.len(), 5, "{}", output.stderr);
    for (error, prefix) in errors.iter().zip(&expected) {
        assert!(error.contains(prefix.as_str()), "{error}");
    }
}

/// A fresh directory for one test's files.
fn scratch_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gdl-{test}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

#[test]
fn fmt_keeps_crlf_line_endings_and_a_byte_order_mark() {
    let dir = scratch_dir("fmt-crlf");
    let shipped = std::fs::read_to_string("tests/guidelines/demo.gdl").unwrap_or_default();
    let crlf = shipped.replace('\n', "\r\n");
    for (name, text) in [
        ("crlf.gdl", crlf.clone()),
        ("bom.gdl", format!("\u{feff}{shipped}")),
        ("bom-crlf.gdl", format!("\u{feff}{crlf}")),
    ] {
        let file = dir.join(name);
        let _ = std::fs::write(&file, &text);
        let path = file.display().to_string();
        let check = gdl(&["fmt", "--check", &path], None);
        assert_eq!(check.code, Some(0), "{name}: {}", transcript(&check));
        assert_eq!(check.stdout, "", "{name}");
        for command in ["check", "fmt"] {
            let output = gdl(&[command, &path], None);
            assert_eq!(output.code, Some(0), "{name}: {}", transcript(&output));
        }
        assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), text);
        let piped = gdl(&["fmt", "-"], Some(&text));
        assert_eq!(piped.stdout, text, "{name} through standard input");
    }
    // An unformatted CRLF file: the diff shows the one line, and writing
    // keeps CRLF.
    let file = dir.join("messy.gdl");
    let _ = std::fs::write(&file, crlf.replace("fact sex", "fact   sex"));
    let path = file.display().to_string();
    let check = gdl(&["fmt", "--check", &path], None);
    assert_eq!(check.code, Some(1));
    assert_eq!(
        check
            .stdout
            .lines()
            .filter(|l| l.starts_with(['-', '+']))
            .count(),
        4,
        "{}",
        check.stdout
    );
    assert!(!check.stdout.contains('\r'));
    let write = gdl(&["fmt", &path], None);
    assert_eq!(write.code, Some(0));
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), crlf);
    // Mixed endings, otherwise formatted: one finding.
    let mixed = crlf.replacen("\r\n", "\n", 3);
    let _ = std::fs::write(&file, &mixed);
    let check = gdl(&["fmt", "--check", &path], None);
    assert_eq!(check.code, Some(1));
    assert_eq!(
        check.stdout,
        format!("{path}: mixed line endings: every line would end in LF, as the first one does\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_guideline_with_a_byte_order_mark_runs_and_diffs() {
    let dir = scratch_dir("bom-guideline");
    let shipped = std::fs::read_to_string("tests/guidelines/demo.gdl").unwrap_or_default();
    let file = dir.join("bom.gdl");
    let _ = std::fs::write(&file, format!("\u{feff}{shipped}"));
    let path = file.display().to_string();
    let run = gdl(&["run", &path, "--facts", "-"], Some("{}"));
    assert_eq!(run.code, Some(0), "{}", transcript(&run));
    let diff = gdl(&["diff", "tests/guidelines/demo.gdl", &path], None);
    assert_eq!(diff.code, Some(0), "{}", transcript(&diff));
    // Columns after the mark are the editor's: `fact   x` is at 3:1.
    let _ = std::fs::write(&file, "\u{feff}guideline g \"G\" {}\n\nfact x: nope\n");
    let check = gdl(&["check", "--format", "short", &path], None);
    assert!(
        check.stderr.contains(":3:9: error["),
        "{}",
        transcript(&check)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_takes_the_facts_as_a_second_argument() {
    let dir = scratch_dir("run-positional");
    let file = dir.join("patient.json");
    let _ = std::fs::write(&file, r#"{"muscle_weakness": true, "failed": []}"#);
    let path = file.display().to_string();
    let positional = gdl(&["run", "tests/guidelines/demo.gdl", &path], None);
    assert_eq!(positional.code, Some(0), "{}", transcript(&positional));
    let option = gdl(
        &["run", "tests/guidelines/demo.gdl", "--facts", &path],
        None,
    );
    assert_eq!(positional.stdout, option.stdout);
    let both = gdl(
        &["run", "tests/guidelines/demo.gdl", &path, "--facts", &path],
        None,
    );
    assert_eq!(both.code, Some(2));
    assert!(
        both.stderr
            .contains("the argument '[FACTS]' cannot be used with '--facts <FILE>'"),
        "{}",
        both.stderr
    );
    let neither = gdl(&["run", "tests/guidelines/demo.gdl"], None);
    assert_eq!(neither.code, Some(2));
    assert!(neither.stderr.contains("<FACTS>"), "{}", neither.stderr);
    // A cohort by its name, and standard input, work the same way.
    let cohort = dir.join("cohort.ndjson");
    let _ = std::fs::write(&cohort, "{}\n{\"muscle_weakness\": false}\n");
    let cohort = cohort.display().to_string();
    let batch = gdl(&["run", "tests/guidelines/demo.gdl", &cohort], None);
    assert_eq!(batch.code, Some(0), "{}", transcript(&batch));
    assert_eq!(batch.stdout.lines().count(), 2);
    let piped = gdl(&["run", "tests/guidelines/demo.gdl", "-"], Some("{}"));
    assert_eq!(piped.code, Some(0), "{}", transcript(&piped));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn facts_with_a_byte_order_mark_are_read_and_latin1_is_refused() {
    let dir = scratch_dir("facts-encoding");
    let facts = "{\"@id\": \"Zoé\", \"muscle_weakness\": true, \"failed\": []}";
    let file = dir.join("bom.json");
    let _ = std::fs::write(&file, format!("\u{feff}{facts}"));
    let bom = gdl(
        &[
            "run",
            "tests/guidelines/demo.gdl",
            &file.display().to_string(),
        ],
        None,
    );
    assert_eq!(bom.code, Some(0), "{}", transcript(&bom));
    assert!(bom.stdout.contains("(patient Zoé)"), "{}", bom.stdout);
    let file = dir.join("latin1.json");
    // The same facts saved as Latin-1: `é` is the one byte 0xE9.
    let _ = std::fs::write(
        &file,
        b"{\"@id\": \"Zo\xe9\", \"muscle_weakness\": true, \"failed\": []}",
    );
    let latin1 = gdl(
        &[
            "run",
            "tests/guidelines/demo.gdl",
            &file.display().to_string(),
        ],
        None,
    );
    assert_eq!(latin1.code, Some(1), "{}", transcript(&latin1));
    assert!(latin1.stdout.is_empty(), "no report");
    assert!(
        latin1.stderr.contains("byte 0xE9 at offset 11 of the file"),
        "{}",
        latin1.stderr
    );
    // A cohort: the mark on its first line is skipped, columns count
    // from after it, and a Latin-1 line is refused at its byte.
    let cohort = format!(
        "\u{feff}{facts}\n\u{feff}{{\"muscle_weakness\": \"yes\"}}\n{{\"muscle_weakness\": \"yes\"}}\n"
    );
    let mut bytes = cohort.into_bytes();
    bytes.extend_from_slice(b"{\"@id\": \"Zo\xe9\"}\n");
    let output = run_demo_cohort_file("bom.ndjson", &bytes);
    assert_eq!(output.code, Some(1), "{}", transcript(&output));
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert!(lines[0].contains("\"patient\":\"Zoé\""), "{}", lines[0]);
    assert!(lines[2].contains("\"line\":3") && lines[2].contains("E0503"));
    assert!(
        lines[3].contains("byte 0xE9 at offset 11 of the line"),
        "{}",
        lines[3]
    );
    assert!(
        output.stderr.contains("bom.ndjson:3:21: error[E0503]"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("bom.ndjson:4:12: error[E0501]"),
        "{}",
        output.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_lowering_error_alone_fails_check_and_stops_run() {
    // Apart from its number too large this file resolves cleanly: the
    // lowering error alone must keep it from checking clean or running.
    let file = "tests/diagnostics/number-out-of-range.gdl";
    let check = gdl(&["check", "--format", "short", file], None);
    assert_eq!(check.code, Some(1), "{}", transcript(&check));
    assert_eq!(check.stderr.lines().count(), 1, "{}", transcript(&check));
    let run = gdl(&["run", file, "-"], Some("{}"));
    assert_eq!(run.code, Some(1), "{}", transcript(&run));
    assert!(run.stdout.is_empty(), "{}", transcript(&run));
    assert!(
        run.stderr.contains("number is too large"),
        "{}",
        transcript(&run)
    );
    assert!(
        gdl::compile(&std::fs::read_to_string(file).unwrap_or_default())
            .model
            .is_none()
    );
}
