//! `gdl fmt FILE...` and `gdl fmt --check FILE...`.

use clap::Args;

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Guideline files to format in place (`-` formats standard input to
    /// standard output).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<String>,
    /// Change nothing; print a diff of what would change and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

pub fn run(args: &FmtArgs) -> u8 {
    let mut status = EXIT_OK;
    for path in &args.files {
        let bytes = match super::read_or_report(path, args.color) {
            Some(bytes) => bytes,
            None => {
                status = EXIT_USAGE;
                continue;
            }
        };
        let text = match crate::syntax::limits::decode(&bytes) {
            Ok(text) => text,
            Err(diagnostic) => {
                let source =
                    SourceFile::new(path.clone(), String::from_utf8_lossy(&bytes).into_owned());
                super::print_diagnostics(
                    &[diagnostic],
                    &source,
                    DiagnosticFormat::Human,
                    args.color,
                );
                status = status.max(EXIT_FINDINGS);
                continue;
            }
        };
        let formatted = match crate::fmt::format(&text) {
            Ok(formatted) => formatted,
            Err(diagnostics) => {
                let source = SourceFile::new(path.clone(), text);
                super::print_diagnostics(
                    &diagnostics,
                    &source,
                    DiagnosticFormat::Human,
                    args.color,
                );
                tell!("error: {path} cannot be formatted until it parses");
                status = status.max(EXIT_FINDINGS);
                continue;
            }
        };
        if path == "-" {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), formatted.as_bytes());
        } else if formatted == text {
            continue;
        } else if args.check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            let unified = diff
                .unified_diff()
                .context_radius(2)
                .header(path, &format!("{path} (formatted)"))
                .to_string();
            let _ = std::io::Write::write_all(&mut std::io::stdout(), unified.as_bytes());
            status = status.max(EXIT_FINDINGS);
        } else if let Err(error) = std::fs::write(path, &formatted) {
            tell!("error[E0601]: cannot write `{path}`: {error}");
            status = EXIT_USAGE;
        }
    }
    status
}
