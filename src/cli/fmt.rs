//! `gdl fmt FILE...` and `gdl fmt --check FILE...`.
//!
//! The layout changes, the encoding does not: a byte-order mark at the
//! start of a file is kept, and so are CRLF line endings (see
//! [`crate::fmt::format`]); `docs/ci.md` says so.

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
        let bom = bytes.starts_with(crate::BOM);
        let text = match crate::syntax::limits::decode(crate::strip_bom(&bytes)) {
            Ok(text) => text,
            Err(_) => {
                // The same diagnostic, with the offset of the bad byte.
                let (text, compiled) = crate::compile_bytes(&bytes);
                let source = SourceFile::new(path.clone(), text);
                super::print_diagnostics(
                    &compiled.diagnostics,
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
        let output = if bom {
            [crate::BOM, formatted.as_bytes()].concat()
        } else {
            formatted.clone().into_bytes()
        };
        if path == "-" {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), &output);
        } else if output == bytes {
            continue;
        } else if args.check {
            // Compared with LF endings, so a CRLF file's diff shows only
            // the lines that change; a file whose only change is to its
            // mixed line endings is one finding, not a diff of every line.
            let before = text.replace("\r\n", "\n");
            let after = formatted.replace("\r\n", "\n");
            if before == after {
                let ending = if crate::fmt::first_line_ends_in_crlf(&text) {
                    "CRLF"
                } else {
                    "LF"
                };
                say!(
                    "{path}: mixed line endings: every line would end in {ending}, as the first one does"
                );
            } else {
                let diff = similar::TextDiff::from_lines(&before, &after);
                let unified = diff
                    .unified_diff()
                    .context_radius(2)
                    .header(path, &format!("{path} (formatted)"))
                    .to_string();
                let _ = std::io::Write::write_all(&mut std::io::stdout(), unified.as_bytes());
            }
            status = status.max(EXIT_FINDINGS);
        } else if let Err(error) = std::fs::write(path, &output) {
            tell!("error[E0601]: cannot write `{path}`: {error}");
            status = EXIT_USAGE;
        }
    }
    status
}
