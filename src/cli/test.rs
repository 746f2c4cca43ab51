//! `gdl test PATH...`: run clinical case files and report coverage, as text
//! for people, or as one JSON document or JUnit XML for CI.
//!
//! Input: case files and directories. Output: results on stdout (text as
//! each file finishes; JSON and JUnit as one document at the end),
//! diagnostics on stderr in text mode. Invariants: every file found is
//! reported, run or not; the exit code is the same in every format.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::machine::{self, FileDiagnostics};
use crate::diagnostics::render::{self, HumanStyle, SourceFile};
use crate::eval::Program;
use crate::facts::Reader;
use crate::never::OrNever;
use crate::testing::{CaseResult, Coverage, CoverageSummary, junit, read, run_case};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Case files (`*.cases.json`), directories to search for them, or a
    /// guideline (`x.gdl`), which runs the case file beside it
    /// (`x.cases.json`).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Report which rules, alternatives and contraindications no case exercises.
    #[arg(long)]
    coverage: bool,
    /// Fail when coverage is below this percentage (implies --coverage).
    #[arg(long, value_name = "PERCENT")]
    coverage_threshold: Option<f64>,
    /// Output format: text for people, json or junit (XML) for CI.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

/// How `gdl test` prints its results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Lines for people; diagnostics with source excerpts on stderr.
    Text,
    /// One JSON document (schema `gdl-test/1`, docs/testing.md).
    Json,
    /// JUnit XML, which CI systems show as test results.
    Junit,
}

/// The schema identifier of `gdl test --format json`.
const SCHEMA: &str = "gdl-test/1";

fn case_files(paths: &[String]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    stack.reverse();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
                .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            entries.sort();
            for entry in entries.into_iter().rev() {
                if entry.is_dir() || entry.to_string_lossy().ends_with(".cases.json") {
                    stack.push(entry);
                }
            }
        } else {
            files.push(cases_of(path));
        }
    }
    files
}

/// A guideline (`x.gdl`) named where case files are expected stands for
/// its case file beside it (`x.cases.json`), when there is one.
fn cases_of(path: PathBuf) -> PathBuf {
    let Some(stem) = path.to_str().and_then(|text| text.strip_suffix(".gdl")) else {
        return path;
    };
    let cases = PathBuf::from(format!("{stem}.cases.json"));
    if cases.is_file() { cases } else { path }
}

pub fn run(args: &TestArgs) -> u8 {
    let files = case_files(&args.paths);
    if files.is_empty() {
        tell!("error: no case files (*.cases.json) found");
        return EXIT_USAGE;
    }
    let mut runs = Vec::new();
    for file in &files {
        let run = run_file(file, args);
        if args.format == TestFormat::Text {
            print_text(&run, args.color);
        }
        runs.push(run);
    }
    let passed: usize = runs.iter().map(FileRun::passed).sum();
    let failed: usize = runs.iter().map(|r| r.cases.len() - r.passed()).sum();
    match args.format {
        TestFormat::Text => say!(
            "\n{} cases: {passed} passed, {failed} failed",
            passed + failed
        ),
        TestFormat::Json => say!("{}", json_document(&runs)),
        TestFormat::Junit => {
            let suites: Vec<junit::Suite> = runs.iter().map(junit_suite).collect();
            let _ =
                std::io::Write::write_all(&mut std::io::stdout(), junit::write(&suites).as_bytes());
        }
    }
    if runs.iter().any(|r| r.unusable.is_some()) {
        EXIT_USAGE
    } else if failed > 0 || runs.iter().any(|r| r.below_threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// A case file that could not be run: why, and the diagnostics that say it
/// (about the case file or about its guideline, as `source` tells).
struct Unusable {
    message: String,
    diagnostics: Vec<Diagnostic>,
    source: SourceFile,
}

/// Everything `gdl test` learned about one case file.
struct FileRun {
    /// The case file, as its diagnostics point into it.
    source: SourceFile,
    /// The guideline's path, once known.
    guideline: Option<String>,
    cases: Vec<CaseResult>,
    coverage: Option<CoverageSummary>,
    threshold: Option<f64>,
    below_threshold: bool,
    unusable: Option<Unusable>,
}

impl FileRun {
    fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }
}

fn run_file(file: &Path, args: &TestArgs) -> FileRun {
    let name = file.display().to_string();
    let mut run = FileRun {
        source: SourceFile::new(name.clone(), String::new()),
        guideline: None,
        cases: Vec::new(),
        coverage: None,
        threshold: args.coverage_threshold,
        below_threshold: false,
        unusable: None,
    };
    let unusable = |message: String, diagnostics: Vec<Diagnostic>, source: SourceFile| {
        Some(Unusable {
            message,
            diagnostics,
            source,
        })
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => {
            run.unusable = unusable(
                format!("cannot read: {error}"),
                Vec::new(),
                run.source.clone(),
            );
            return run;
        }
    };
    let (text, not_text) = read::decode(&bytes);
    run.source = SourceFile::new(run.source.name.clone(), text);
    if let Some(diagnostic) = not_text {
        run.unusable = unusable(
            "not UTF-8 text".to_owned(),
            vec![diagnostic],
            run.source.clone(),
        );
        return run;
    }
    let text = run.source.text();
    let cases = match read::parse(text) {
        Ok(cases) => cases,
        Err(diagnostic) => {
            run.unusable = unusable(
                "not a valid case file".to_owned(),
                vec![diagnostic],
                run.source.clone(),
            );
            return run;
        }
    };
    let guideline_path = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&cases.guideline);
    let guideline_name = guideline_path.display().to_string();
    run.guideline = Some(guideline_name.clone());
    let bytes = match std::fs::read(&guideline_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            run.unusable = unusable(
                format!("cannot read guideline {guideline_name}: {error}"),
                Vec::new(),
                run.source.clone(),
            );
            return run;
        }
    };
    let (guideline_text, compiled) = crate::compile_bytes(&bytes);
    let Some(model) = compiled.model else {
        run.unusable = unusable(
            format!("guideline {guideline_name} has errors"),
            compiled.diagnostics,
            SourceFile::new(guideline_name, guideline_text),
        );
        return run;
    };
    let program = Program::new(&model);
    let mut coverage = Coverage::default();
    let patients = Reader::new(&program);
    let mut results = Vec::new();
    for case in &cases.cases {
        results.push(run_case(&patients, text, case, &mut coverage));
    }
    run.cases = results;
    if args.coverage || args.coverage_threshold.is_some() {
        // What `gdl check` proves unreachable, `expect`ed findings included.
        let findings = crate::analysis::findings(&model);
        let summary = coverage.summary(&model, &findings);
        let threshold = args.coverage_threshold.unwrap_or(0.0);
        run.below_threshold = summary.percent() + 1e-9 < threshold;
        run.coverage = Some(summary);
    }
    run
}

fn print_text(run: &FileRun, colour: ColourChoice) {
    if let Some(unusable) = &run.unusable {
        super::print_diagnostics(
            &unusable.diagnostics,
            &unusable.source,
            DiagnosticFormat::Human,
            colour,
        );
        tell!("error: {}: {}", run.source.name, unusable.message);
        return;
    }
    say!(
        "{} ({} cases against {})",
        run.source.name,
        run.cases.len(),
        run.guideline.as_deref().unwrap_or("?")
    );
    for result in &run.cases {
        if result.passed() {
            say!("  ok    {}", result.name);
            continue;
        }
        if result.story.is_empty() {
            say!("  FAIL  {}", result.name);
        } else {
            say!("  FAIL  {}: {}", result.name, result.story);
        }
        for failure in &result.failures {
            say!("        {failure}");
        }
        super::print_diagnostics(
            &result.diagnostics,
            &run.source,
            DiagnosticFormat::Human,
            colour,
        );
    }
    if let Some(summary) = &run.coverage {
        for line in coverage_lines(summary, run.threshold) {
            say!("{line}");
        }
    }
}

/// The coverage report in text, one line each.
fn coverage_lines(summary: &CoverageSummary, threshold: Option<f64>) -> Vec<String> {
    let ratio = |(covered, total): (usize, usize)| format!("{covered}/{total}");
    let mut head = format!(
        "  coverage {:.1}%: rules {}, alternatives {}, contraindications {}",
        summary.percent(),
        ratio(summary.rules),
        ratio(summary.alternatives),
        ratio(summary.contraindications)
    );
    if !summary.acknowledged.is_empty() {
        head.push_str(&format!(
            "; {} proved unreachable (acknowledged), not counted",
            match summary.acknowledged.len() {
                1 => "1 item".to_owned(),
                n => format!("{n} items"),
            }
        ));
    }
    let mut lines = vec![head];
    for missing in &summary.missing {
        let mut line = format!("    not covered: {}", missing.item);
        if let Some(code) = missing.proved {
            line.push_str(&format!(
                " (`gdl check` proves no patient reaches it: {} {}; fix the guideline, or acknowledge the finding with `expect {} \"reason\"` in the rule)",
                code.id(),
                code.name(),
                code.name()
            ));
        }
        lines.push(line);
    }
    for proved in &summary.acknowledged {
        lines.push(format!(
            "    proved unreachable (acknowledged): {} ({} {}: \"{}\")",
            proved.item,
            proved.code.id(),
            proved.code.name(),
            proved.reason.as_deref().unwrap_or_default()
        ));
    }
    if let Some(threshold) = threshold.filter(|t| summary.percent() + 1e-9 < *t) {
        lines.push(format!(
            "  coverage {:.1}% is below the threshold of {threshold}%",
            summary.percent()
        ));
    }
    lines
}

/// Diagnostics of one file, each in the shape of `gdl check --format json`
/// (made by the same writer, so the two cannot differ).
fn diagnostics_json(diagnostics: &[Diagnostic], source: &SourceFile) -> Value {
    let document = machine::json(&[FileDiagnostics {
        source,
        diagnostics,
    }]);
    serde_json::from_str::<Value>(&document)
        .ok()
        .and_then(|mut d| {
            d.get_mut("files")?
                .get_mut(0)?
                .get_mut("diagnostics")
                .map(Value::take)
        })
        .unwrap_or_else(|| json!([]))
}

fn coverage_json(summary: &CoverageSummary, threshold: Option<f64>) -> Value {
    let ratio = |(covered, total): (usize, usize)| json!({"covered": covered, "total": total});
    let missing: Vec<Value> = summary
        .missing
        .iter()
        .map(|m| {
            json!({
                "item": m.item,
                "proved_unreachable": m.proved.map(|c| c.name()),
            })
        })
        .collect();
    let acknowledged: Vec<Value> = summary
        .acknowledged
        .iter()
        .map(|p| {
            json!({
                "item": p.item,
                "code": p.code.id(),
                "name": p.code.name(),
                "reason": p.reason,
            })
        })
        .collect();
    json!({
        "percent": (summary.percent() * 10.0).round() / 10.0,
        "rules": ratio(summary.rules),
        "alternatives": ratio(summary.alternatives),
        "contraindications": ratio(summary.contraindications),
        "not_covered": missing,
        "proved_unreachable_acknowledged": acknowledged,
        "threshold": threshold,
        "below_threshold": threshold.is_some_and(|t| summary.percent() + 1e-9 < t),
    })
}

fn json_document(runs: &[FileRun]) -> String {
    let files: Vec<Value> = runs
        .iter()
        .map(|run| {
            let cases: Vec<Value> = run
                .cases
                .iter()
                .map(|case| {
                    json!({
                        "name": case.name,
                        "story": case.story,
                        "passed": case.passed(),
                        "failures": case.failures,
                        "diagnostics": diagnostics_json(&case.diagnostics, &run.source),
                    })
                })
                .collect();
            let error = run.unusable.as_ref().map(|u| {
                json!({
                    "message": u.message,
                    "file": u.source.name,
                    "diagnostics": diagnostics_json(&u.diagnostics, &u.source),
                })
            });
            json!({
                "file": run.source.name,
                "guideline": run.guideline,
                "error": error,
                "cases": cases,
                "coverage": run.coverage.as_ref().map(|s| coverage_json(s, run.threshold)),
            })
        })
        .collect();
    let passed: usize = runs.iter().map(FileRun::passed).sum();
    let total: usize = runs.iter().map(|r| r.cases.len()).sum();
    let document = json!({
        "schema": SCHEMA,
        "files": files,
        "summary": {
            "cases": total,
            "passed": passed,
            "failed": total - passed,
            "unusable_files": runs.iter().filter(|r| r.unusable.is_some()).count(),
            "below_threshold_files": runs.iter().filter(|r| r.below_threshold).count(),
        },
    });
    // A `Value` always serialises.
    serde_json::to_string_pretty(&document).or_never(String::new())
}

/// Diagnostics rendered as text without colour, for the body of a JUnit
/// failure or error.
fn plain(diagnostics: &[Diagnostic], source: &SourceFile) -> String {
    diagnostics
        .iter()
        .map(|d| render::human(d, source, HumanStyle::PLAIN))
        .collect()
}

fn junit_suite(run: &FileRun) -> junit::Suite {
    let classname = run.guideline.clone().unwrap_or_default();
    let cases = run
        .cases
        .iter()
        .map(|case| {
            let failure = (!case.passed()).then(|| {
                let mut lines: Vec<String> = Vec::new();
                if !case.story.is_empty() {
                    lines.push(case.story.clone());
                }
                lines.extend(case.failures.iter().cloned());
                let message = case
                    .failures
                    .first()
                    .or(case.diagnostics.first().map(|d| &d.message))
                    .cloned()
                    .unwrap_or_default();
                let mut text = lines.join("\n");
                text.push('\n');
                text.push_str(&plain(&case.diagnostics, &run.source));
                junit::Problem { message, text }
            });
            junit::TestCase {
                name: case.name.clone(),
                classname: classname.clone(),
                failure,
            }
        })
        .collect();
    let error = run.unusable.as_ref().map(|u| junit::Problem {
        message: u.message.clone(),
        text: plain(&u.diagnostics, &u.source),
    });
    let mut suite = junit::Suite {
        name: run.source.name.clone(),
        cases,
        error,
    };
    if run.below_threshold
        && let Some(summary) = &run.coverage
    {
        // A coverage gate that fails is a failure CI must show.
        suite.cases.push(junit::TestCase {
            name: "coverage".to_owned(),
            classname,
            failure: Some(junit::Problem {
                message: format!(
                    "coverage {:.1}% is below the threshold of {}%",
                    summary.percent(),
                    run.threshold.unwrap_or_default()
                ),
                text: coverage_lines(summary, run.threshold).join("\n"),
            }),
        });
    }
    suite
}
