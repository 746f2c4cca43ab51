//! The command-line interface: a thin layer over the library. Exit codes:
//! 0 success, 1 the input has errors (or a denied warning), 2 usage or I/O.

/// `println!` that ignores a closed stdout: `gdl … | head` must not panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod check;
mod diff;
mod fmt;
mod graph;
mod lsp;
mod run;
mod test;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostics::render::{HumanStyle, SourceFile};
use crate::diagnostics::{Code, Diagnostic};

/// Exit code: everything is fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: the input has problems (errors, denied warnings, failed cases).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: bad usage or a file could not be read.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "gdl",
    version,
    about = "Clinical practice guidelines as executable, checkable rules",
    after_help = "Examples:\n  gdl check guidelines/dermatomyositis.gdl\n  gdl check --format short --deny warnings guidelines/*.gdl\n\nExit codes: 0 success, 1 errors found, 2 usage or I/O error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check guidelines: syntax, names, types, units, evidence, then logic.
    #[command(
        after_help = "Examples:\n  gdl check guidelines/dermatomyositis.gdl\n  gdl check --deny warnings --allow unused-fact a.gdl b.gdl\n  gdl check --format short guidelines/*.gdl   # file:line:col lines for CI logs"
    )]
    Check(check::CheckArgs),
    /// Evaluate a guideline for one patient (JSON) or a cohort (NDJSON).
    #[command(
        after_help = "Examples:\n  gdl run guidelines/dermatomyositis.gdl --facts guidelines/examples/refractory-muscle.json\n  gdl run guidelines/dermatomyositis.gdl --facts patient.json --format json --explain\n  gdl run guidelines/dermatomyositis.gdl --facts patient.json --format html > patient.html\n  gdl run guidelines/dermatomyositis.gdl --facts cohort.ndjson > reports.ndjson"
    )]
    Run(run::RunArgs),
    /// Run clinical case files (`*.cases.json`) and report coverage.
    #[command(
        after_help = "Examples:\n  gdl test guidelines/dermatomyositis.cases.json\n  gdl test --coverage-threshold 100 guidelines/"
    )]
    Test(test::TestArgs),
    /// Format guidelines in the one canonical layout (comments kept).
    #[command(
        after_help = "Examples:\n  gdl fmt guidelines/*.gdl\n  gdl fmt --check guidelines/*.gdl   # CI: print a diff, exit 1 if unformatted"
    )]
    Fmt(fmt::FmtArgs),
    /// Compare two versions of a guideline: declarations, and a patient for
    /// every change in logic.
    #[command(
        after_help = "Examples:\n  gdl diff old/dermatomyositis.gdl guidelines/dermatomyositis.gdl\n  gdl diff --format json base.gdl head.gdl   # for bots\n\nExit codes: 0 no difference, 1 differences, 2 a version cannot be read or checked."
    )]
    Diff(diff::DiffArgs),
    /// Draw a guideline as a clinical-algorithm flowchart (DOT, Mermaid,
    /// SVG or HTML); with --facts, one patient's path marked.
    #[command(
        after_help = "Examples:\n  gdl graph guidelines/dermatomyositis.gdl | dot -Tsvg > dm.svg\n  gdl graph --format svg guidelines/dermatomyositis.gdl > dm.svg   # no Graphviz needed\n  gdl graph --format html guidelines/dermatomyositis.gdl > dm.html # with the references linked\n  gdl graph --format mermaid --facts guidelines/examples/refractory-muscle.json guidelines/dermatomyositis.gdl"
    )]
    Graph(graph::GraphArgs),
    /// Run the language server (LSP over stdio) for editors: diagnostics as
    /// you type, hover, go to definition, rename, completion, formatting.
    #[command(
        after_help = "Editors start it themselves; see docs/editors.md for VS Code, Neovim and Helix."
    )]
    Lsp(lsp::LspArgs),
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Source excerpts with labels and help, for people.
    Human,
    /// One `file:line:col: severity[code]: message` line each, for CI logs.
    Short,
    /// One JSON document on stdout (schema `gdl-diagnostics/1`, docs/ci.md).
    Json,
    /// SARIF 2.1.0 on stdout, for code-scanning services.
    Sarif,
}

/// When to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColourChoice {
    /// Colour when printing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColourChoice {
    fn enabled(self) -> bool {
        match self {
            ColourChoice::Always => true,
            ColourChoice::Never => false,
            ColourChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            });
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Graph(args) => graph::run(&args),
        Command::Lsp(args) => lsp::run(&args),
    };
    ExitCode::from(code)
}

/// Reads a file, turning I/O failures into a diagnostic.
pub(crate) fn read_file(path: &str) -> Result<Vec<u8>, Diagnostic> {
    let read = if path == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer).map(|_| buffer)
    } else {
        std::fs::read(path)
    };
    read.map_err(|error| {
        Diagnostic::new(Code::Io, format!("cannot read `{path}`: {error}"))
            .help("check the path and that the file is readable")
    })
}

/// Reads a file; on failure prints the I/O diagnostic and returns `None`.
pub(crate) fn read_or_report(path: &str, colour: ColourChoice) -> Option<Vec<u8>> {
    match read_file(path) {
        Ok(bytes) => Some(bytes),
        Err(diagnostic) => {
            let source = SourceFile::new(path, String::new());
            print_diagnostics(&[diagnostic], &source, DiagnosticFormat::Human, colour);
            None
        }
    }
}

/// Reads and compiles the guideline `path` for a command that evaluates
/// it (`run`, `graph`): its source and model, or, when it cannot be read
/// or has errors, the exit code, with the diagnostics printed and a hint
/// to run `gdl check`.
pub(crate) fn compiled_guideline(
    path: &str,
    colour: ColourChoice,
) -> Result<(SourceFile, crate::sema::Model), u8> {
    let bytes = read_or_report(path, colour).ok_or(EXIT_USAGE)?;
    let (text, compiled) = crate::compile_bytes(&bytes);
    let source = SourceFile::new(path, text);
    match compiled.model {
        Some(model) => Ok((source, model)),
        None => {
            print_diagnostics(
                &compiled.diagnostics,
                &source,
                DiagnosticFormat::Human,
                colour,
            );
            tell!("error: the guideline has errors; run `gdl check {path}`");
            Err(EXIT_FINDINGS)
        }
    }
}

/// Prints diagnostics for one file to stderr in the chosen format.
pub(crate) fn print_diagnostics(
    diagnostics: &[Diagnostic],
    source: &SourceFile,
    format: DiagnosticFormat,
    colour: ColourChoice,
) {
    let style = HumanStyle {
        colour: colour.enabled(),
        width: 100,
    };
    for diagnostic in diagnostics {
        let text = match format {
            DiagnosticFormat::Human => crate::diagnostics::render::human(diagnostic, source, style),
            DiagnosticFormat::Short => {
                format!(
                    "{}\n",
                    crate::diagnostics::render::short(diagnostic, source)
                )
            }
            // Machine formats are one document for all files, printed by the command.
            DiagnosticFormat::Json | DiagnosticFormat::Sarif => continue,
        };
        let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
    }
}
