//! `gdl diff OLD NEW`.

use clap::Args;

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The old version.
    #[arg(value_name = "OLD")]
    old: String,
    /// The new version.
    #[arg(value_name = "NEW")]
    new: String,
    /// A case file: list the cases whose expectations the change makes
    /// stale (and those whose decisions change).
    #[arg(long, value_name = "FILE")]
    cases: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

/// Diff formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
}

/// A version read, parsed and checked, or `None` after printing why not.
fn load(
    path: &str,
    colour: ColourChoice,
) -> Option<(String, crate::syntax::ast::File, crate::sema::Model)> {
    let bytes = super::read_or_report(path, colour)?;
    let (text, compiled) = crate::compile_bytes(&bytes);
    let source = SourceFile::new(path, text.clone());
    let (Some(model), Ok(file)) = (compiled.model, crate::syntax::parse(&text)) else {
        super::print_diagnostics(
            &compiled.diagnostics,
            &source,
            DiagnosticFormat::Human,
            colour,
        );
        tell!("error: {path} has errors; run `gdl check {path}`");
        return None;
    };
    Some((text, file, model))
}

pub fn run(args: &DiffArgs) -> u8 {
    let (Some(old), Some(new)) = (load(&args.old, args.color), load(&args.new, args.color)) else {
        return EXIT_USAGE;
    };
    let old = (old.0.as_str(), &old.1, &old.2);
    let new = (new.0.as_str(), &new.1, &new.2);
    let diff = match &args.cases {
        None => crate::diff::diff(old, new),
        Some(path) => {
            let Some(bytes) = super::read_or_report(path, args.color) else {
                return EXIT_USAGE;
            };
            let (text, not_text) = crate::testing::read::decode(&bytes);
            let result = match not_text {
                Some(diagnostic) => Err(diagnostic),
                None => crate::diff::diff_with_cases(old, new, &text),
            };
            match result {
                Ok(diff) => diff,
                Err(diagnostic) => {
                    let source = SourceFile::new(path, text);
                    super::print_diagnostics(
                        std::slice::from_ref(&diagnostic),
                        &source,
                        DiagnosticFormat::Human,
                        args.color,
                    );
                    return EXIT_USAGE;
                }
            }
        }
    };
    for warning in &diff.warnings {
        tell!("warning: {warning}");
    }
    let output = match args.format {
        DiffFormat::Json => match serde_json::to_string_pretty(&diff) {
            Ok(json) => json + "\n",
            Err(error) => {
                tell!("error: cannot write the diff as JSON: {error}");
                return EXIT_USAGE;
            }
        },
        DiffFormat::Text => text(&diff, &args.old, &args.new),
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout(), output.as_bytes());
    if diff.differs() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn text(diff: &crate::diff::Diff, old: &str, new: &str) -> String {
    let mut out = format!("--- {old}\n+++ {new}\n");
    if diff.changes.is_empty() {
        out.push_str("\nNo declaration changed.\n");
    } else {
        out.push_str("\nDECLARATIONS\n");
        for change in &diff.changes {
            let mark = match change.change {
                "added" => '+',
                "removed" => '-',
                _ => '~',
            };
            let mut what = change.change.to_owned();
            for detail in &change.details {
                what.push_str("; ");
                what.push_str(detail);
            }
            out.push_str(&format!(
                "  {mark} {} {} ({what})\n",
                change.kind, change.name
            ));
        }
    }
    match &diff.logic_not_compared {
        Some(reason) => out.push_str(&format!("\nLogic not compared: {reason}.\n")),
        None if diff.examples.is_empty()
            && diff.unconfirmed.is_empty()
            && diff.not_realized.is_empty() =>
        {
            out.push_str(
                "\nNo patient's decisions change (proved over every patient, known facts or not).\n",
            )
        }
        None => {
            out.push_str("\nPATIENTS WHOSE DECISIONS CHANGE\n");
            for example in &diff.examples {
                out.push_str(&format!(
                    "  {}\n    patient: {}\n",
                    example.subject,
                    known_facts(&example.patient)
                ));
                let kept = example
                    .before
                    .iter()
                    .filter(|line| example.after.contains(line))
                    .count();
                for line in example.before.iter().filter(|l| !example.after.contains(l)) {
                    out.push_str(&format!("    before: {line}\n"));
                }
                for line in example.after.iter().filter(|l| !example.before.contains(l)) {
                    out.push_str(&format!("    after:  {line}\n"));
                }
                if kept > 0 {
                    let s = if kept == 1 { "" } else { "s" };
                    out.push_str(&format!("    ({kept} other decision{s} the same)\n"));
                }
            }
            for subject in &diff.not_realized {
                out.push_str(&format!(
                    "  {subject}: may change, but no patient was found whose facts give the computed values (arithmetic) it needs; not shown, not ruled out\n"
                ));
            }
            for subject in &diff.unconfirmed {
                out.push_str(&format!(
                    "  {subject}: the search found a difference the interpreter does not confirm; this is a bug in gdl, please report it\n"
                ));
            }
        }
    }
    if let Some(cases) = &diff.cases {
        let groups = [
            ("STALE CASES (passed before, fail now)", &cases.stale),
            ("CASES THAT NOW PASS", &cases.now_pass),
            (
                "CASES WHOSE DECISIONS CHANGE (expectations still hold)",
                &cases.decisions_change,
            ),
        ];
        if !cases.differs() {
            out.push_str(&format!(
                "\nNo case changes: all {} cases give the same results and decisions.\n",
                cases.total
            ));
        }
        for (title, list) in groups {
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{title}\n"));
            for case in list {
                out.push_str(&format!("  {}\n", case.name));
                for failure in &case.failures {
                    out.push_str(&format!("    {failure}\n"));
                }
            }
        }
    }
    out
}

/// A patient's known facts as a facts document: a missing key is unknown,
/// so the shorter text means the same patient.
fn known_facts(patient: &serde_json::Value) -> String {
    match patient {
        serde_json::Value::Object(facts) => {
            let known: serde_json::Map<String, serde_json::Value> = facts
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            let unknown = facts.len() - known.len();
            let text = serde_json::Value::Object(known).to_string();
            match unknown {
                0 => text,
                1 => format!("{text} (1 other fact unknown)"),
                n => format!("{text} ({n} other facts unknown)"),
            }
        }
        other => other.to_string(),
    }
}
