//! `gdl graph GUIDELINE [--facts FILE] [--format dot|mermaid|svg|html]`:
//! the guideline as a flowchart on standard output; with facts, one
//! patient's path marked. `html` is the SVG in the page shell of `gdl run
//! --format html`, with the numbered references linked. Reading and diagnostics are `gdl run`'s: a guideline with
//! errors or a facts file that cannot be read gives the same messages and
//! exit codes.

use clap::{Args, ValueEnum};

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;
use crate::eval::{Program, evaluate};
use crate::facts::Reader;
use crate::graph::{self, PatientPath};

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The guideline to draw.
    #[arg(value_name = "GUIDELINE")]
    guideline: String,
    /// A patient's facts (one JSON object): mark their path.
    #[arg(long, value_name = "FILE")]
    facts: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

/// Flowchart formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT: `gdl graph g.gdl | dot -Tsvg > g.svg`.
    Dot,
    /// Mermaid, for a ```mermaid block on GitHub or in Markdown.
    Mermaid,
    /// SVG, laid out by gdl itself (no Graphviz needed).
    Svg,
    /// The SVG in a self-contained HTML page, with the references linked.
    Html,
}

pub fn run(args: &GraphArgs) -> u8 {
    let (_, model) = match super::compiled_guideline(&args.guideline, args.color) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let program = Program::new(&model);
    let patient = match &args.facts {
        None => None,
        Some(facts) => {
            let Some(facts_bytes) = super::read_or_report(facts, args.color) else {
                return EXIT_USAGE;
            };
            let (facts_text, parsed) = Reader::new(&program).parse_patient_bytes(&facts_bytes);
            match parsed {
                Ok(patient) => Some(patient),
                Err(diagnostic) => {
                    let facts_source = SourceFile::new(facts.as_str(), facts_text);
                    super::print_diagnostics(
                        &[diagnostic],
                        &facts_source,
                        DiagnosticFormat::Human,
                        args.color,
                    );
                    tell!("error: no graph: the facts must be fixed first");
                    return EXIT_FINDINGS;
                }
            }
        }
    };
    let evaluation = patient.as_ref().map(|p| evaluate(&program, p));
    let path = patient
        .as_ref()
        .zip(evaluation.as_ref())
        .map(|(patient, evaluation)| PatientPath {
            patient,
            evaluation,
        });
    let drawn = graph::build(&model, path.as_ref());
    let output = match args.format {
        GraphFormat::Dot => graph::dot::write(&drawn),
        GraphFormat::Mermaid => graph::mermaid::write(&drawn),
        GraphFormat::Svg => graph::svg::write(&drawn),
        GraphFormat::Html => crate::report::html::flowchart_page(
            &model,
            drawn.patient.as_deref(),
            &graph::svg::write(&drawn),
        ),
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout(), output.as_bytes());
    EXIT_OK
}
