//! `gdl check FILE...`

use clap::Args;

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::machine::{self, FileDiagnostics};
use crate::diagnostics::render::SourceFile;
use crate::diagnostics::{Code, Severity};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Guideline files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Output format for diagnostics.
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    format: DiagnosticFormat,
    /// Treat warnings as errors: `--deny warnings`, or a lint name or code.
    #[arg(long, value_name = "LINT")]
    deny: Vec<String>,
    /// Silence a lint by name or code, e.g. `--allow unused-fact`.
    #[arg(long, value_name = "LINT")]
    allow: Vec<String>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

/// Lint levels chosen on the command line.
struct Levels {
    deny_all_warnings: bool,
    deny: Vec<Code>,
    allow: Vec<Code>,
}

impl Levels {
    fn from_args(args: &CheckArgs) -> Result<Levels, String> {
        let lookup =
            |name: &String| Code::from_name(name).ok_or_else(|| format!("unknown lint `{name}`"));
        let mut levels = Levels {
            deny_all_warnings: false,
            deny: Vec::new(),
            allow: Vec::new(),
        };
        for name in &args.deny {
            if name == "warnings" {
                levels.deny_all_warnings = true;
            } else {
                levels.deny.push(lookup(name)?);
            }
        }
        for name in &args.allow {
            levels.allow.push(lookup(name)?);
        }
        Ok(levels)
    }

    /// The effective severity, or `None` when allowed.
    fn apply(&self, code: Code, severity: Severity) -> Option<Severity> {
        if severity == Severity::Warning && self.allow.contains(&code) {
            return None;
        }
        if severity == Severity::Warning && (self.deny_all_warnings || self.deny.contains(&code)) {
            return Some(Severity::Error);
        }
        Some(severity)
    }
}

pub fn run(args: &CheckArgs) -> u8 {
    let levels = match Levels::from_args(args) {
        Ok(levels) => levels,
        Err(message) => {
            tell!("error: {message}; see docs/diagnostics.md for lint names");
            return EXIT_USAGE;
        }
    };
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let mut unreadable = false;
    let mut checked: Vec<(SourceFile, Vec<crate::diagnostics::Diagnostic>)> = Vec::new();
    for path in &args.files {
        let bytes = match super::read_file(path) {
            Ok(bytes) => bytes,
            Err(diagnostic) => {
                let source = SourceFile::new(path.clone(), String::new());
                super::print_diagnostics(
                    std::slice::from_ref(&diagnostic),
                    &source,
                    args.format,
                    args.color,
                );
                checked.push((source, vec![diagnostic]));
                unreadable = true;
                errors += 1;
                continue;
            }
        };
        let (text, compiled) = crate::check_bytes(&bytes);
        let source = SourceFile::new(path.clone(), text);
        let mut diagnostics = compiled.diagnostics;
        diagnostics.retain_mut(|d| match levels.apply(d.code, d.severity) {
            Some(severity) => {
                d.severity = severity;
                true
            }
            None => false,
        });
        errors += diagnostics.iter().filter(|d| d.is_error()).count();
        warnings += diagnostics.iter().filter(|d| !d.is_error()).count();
        super::print_diagnostics(&diagnostics, &source, args.format, args.color);
        checked.push((source, diagnostics));
    }
    let files: Vec<FileDiagnostics<'_>> = checked
        .iter()
        .map(|(source, diagnostics)| FileDiagnostics {
            source,
            diagnostics,
        })
        .collect();
    match args.format {
        DiagnosticFormat::Json => say!("{}", machine::json(&files)),
        DiagnosticFormat::Sarif => say!("{}", machine::sarif(&files)),
        DiagnosticFormat::Human | DiagnosticFormat::Short => {}
    }
    if args.format == DiagnosticFormat::Human {
        tell!(
            "checked {} file{}: {errors} error{}, {warnings} warning{}",
            args.files.len(),
            plural(args.files.len()),
            plural(errors),
            plural(warnings)
        );
    }
    if unreadable {
        EXIT_USAGE
    } else if errors > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
