//! `gdl test PATH...`: run clinical case files and report coverage.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;
use crate::eval::Program;
use crate::testing::{CaseFile, Coverage, run_case};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Case files (`*.cases.json`) or directories to search for them.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
    /// Report which rules, alternatives and contraindications no case exercises.
    #[arg(long)]
    coverage: bool,
    /// Fail when coverage is below this percentage (implies --coverage).
    #[arg(long, value_name = "PERCENT")]
    coverage_threshold: Option<f64>,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

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
            files.push(path);
        }
    }
    files
}

pub fn run(args: &TestArgs) -> u8 {
    let files = case_files(&args.paths);
    if files.is_empty() {
        tell!("error: no case files (*.cases.json) found");
        return EXIT_USAGE;
    }
    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut below_threshold = false;
    let mut unusable = false;
    for file in &files {
        match run_file(file, args) {
            Ok(outcome) => {
                passed += outcome.passed;
                failed += outcome.failed;
                below_threshold |= outcome.below_threshold;
            }
            Err(message) => {
                tell!("error: {}: {message}", file.display());
                unusable = true;
            }
        }
    }
    say!(
        "\n{} cases: {passed} passed, {failed} failed",
        passed + failed
    );
    if unusable {
        EXIT_USAGE
    } else if failed > 0 || below_threshold {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

struct FileOutcome {
    passed: usize,
    failed: usize,
    below_threshold: bool,
}

fn run_file(file: &Path, args: &TestArgs) -> Result<FileOutcome, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let cases: CaseFile<'_> =
        serde_json::from_str(&text).map_err(|e| format!("not a case file: {e}"))?;
    let guideline_path = file
        .parent()
        .unwrap_or(Path::new("."))
        .join(&cases.guideline);
    let guideline_name = guideline_path.display().to_string();
    let bytes = std::fs::read(&guideline_path)
        .map_err(|e| format!("cannot read guideline {guideline_name}: {e}"))?;
    let (guideline_text, compiled) = crate::compile_bytes(&bytes);
    let Some(model) = compiled.model else {
        let source = SourceFile::new(guideline_name.clone(), guideline_text);
        super::print_diagnostics(
            &compiled.diagnostics,
            &source,
            DiagnosticFormat::Human,
            args.color,
        );
        return Err(format!("guideline {guideline_name} has errors"));
    };
    let program = Program::new(&model);
    let mut coverage = Coverage::default();
    let mut outcome = FileOutcome {
        passed: 0,
        failed: 0,
        below_threshold: false,
    };
    say!(
        "{} ({} cases against {guideline_name})",
        file.display(),
        cases.cases.len()
    );
    let source = SourceFile::new(file.display().to_string(), text.clone());
    for case in &cases.cases {
        let result = run_case(&program, &text, case, &mut coverage);
        if result.passed() {
            outcome.passed += 1;
            say!("  ok    {}", result.name);
            continue;
        }
        outcome.failed += 1;
        say!("  FAIL  {}: {}", result.name, result.story);
        for failure in &result.failures {
            say!("        {failure}");
        }
        if let Some(diagnostic) = &result.facts_error {
            super::print_diagnostics(
                std::slice::from_ref(diagnostic),
                &source,
                DiagnosticFormat::Human,
                args.color,
            );
        }
    }
    if args.coverage || args.coverage_threshold.is_some() {
        let summary = coverage.summary(&model);
        let ratio = |(covered, total): (usize, usize)| format!("{covered}/{total}");
        say!(
            "  coverage {:.1}%: rules {}, alternatives {}, contraindications {}",
            summary.percent(),
            ratio(summary.rules),
            ratio(summary.alternatives),
            ratio(summary.contraindications)
        );
        for missing in &summary.missing {
            say!("    not covered: {missing}");
        }
        let threshold = args.coverage_threshold.unwrap_or(0.0);
        if summary.percent() + 1e-9 < threshold {
            say!(
                "  coverage {:.1}% is below the threshold of {threshold}%",
                summary.percent()
            );
            outcome.below_threshold = true;
        }
    }
    Ok(outcome)
}
