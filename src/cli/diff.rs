//! `gdl diff OLD NEW`.

use clap::Args;

use super::run::ReportFormat;
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
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
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
    let diff = crate::diff::diff((&old.0, &old.1, &old.2), (&new.0, &new.1, &new.2));
    let output = match args.format {
        ReportFormat::Json => serde_json::to_string_pretty(&diff).unwrap_or_default() + "\n",
        ReportFormat::Text => text(&diff, &args.old, &args.new),
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
            out.push_str(&format!(
                "  {mark} {} {} ({})\n",
                change.kind, change.name, change.change
            ));
        }
    }
    match &diff.logic_not_compared {
        Some(reason) => out.push_str(&format!("\nLogic not compared: {reason}.\n")),
        None if diff.examples.is_empty() && diff.unconfirmed.is_empty() => {
            out.push_str("\nNo patient's decisions change (proved over every patient).\n")
        }
        None => {
            out.push_str("\nPATIENTS WHOSE DECISIONS CHANGE\n");
            for example in &diff.examples {
                out.push_str(&format!(
                    "  {}\n    patient: {}\n",
                    example.subject, example.patient
                ));
                for line in &example.before {
                    out.push_str(&format!("    before: {line}\n"));
                }
                for line in &example.after {
                    out.push_str(&format!("    after:  {line}\n"));
                }
            }
            for subject in &diff.unconfirmed {
                out.push_str(&format!(
                    "  {subject}, but for the example patient other rules gave the same decisions\n"
                ));
            }
        }
    }
    out
}
