//! `gdl run GUIDELINE --facts FILE`: one patient (JSON) or a cohort
//! (NDJSON, one patient per line, streamed in order on every core).

use std::io::{BufRead, BufReader, Write};

use clap::{Args, ValueEnum};

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;
use crate::eval::facts::MAX_FACTS_BYTES;
use crate::eval::{Program, evaluate, facts::parse_patient};
use crate::report;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The guideline to evaluate.
    #[arg(value_name = "GUIDELINE")]
    guideline: String,
    /// Patient facts: a JSON object, or NDJSON (one patient per line) when
    /// the name ends in .ndjson/.jsonl or with --ndjson; `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    facts: String,
    /// Read the facts as NDJSON whatever the file name.
    #[arg(long)]
    ndjson: bool,
    /// Report format (NDJSON input always gives one JSON report per line).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Show the proof tree of each decision, with source positions.
    #[arg(long)]
    explain: bool,
    /// When to use colour in diagnostics.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// The versioned JSON shape of docs/report.md.
    Json,
}

pub fn run(args: &RunArgs) -> u8 {
    let bytes = match super::read_or_report(&args.guideline, args.color) {
        Some(bytes) => bytes,
        None => return EXIT_USAGE,
    };
    let (text, compiled) = crate::compile_bytes(&bytes);
    let source = SourceFile::new(args.guideline.clone(), text);
    let Some(model) = compiled.model else {
        super::print_diagnostics(
            &compiled.diagnostics,
            &source,
            DiagnosticFormat::Human,
            args.color,
        );
        tell!(
            "error: the guideline has errors; run `gdl check {}`",
            args.guideline
        );
        return EXIT_FINDINGS;
    };
    let program = Program::new(&model);
    let ndjson = args.ndjson || args.facts.ends_with(".ndjson") || args.facts.ends_with(".jsonl");
    if ndjson {
        return batch(&program, args);
    }
    let facts_bytes = match super::read_or_report(&args.facts, args.color) {
        Some(bytes) => bytes,
        None => return EXIT_USAGE,
    };
    let facts_text = String::from_utf8_lossy(&facts_bytes).into_owned();
    let facts_source = SourceFile::new(args.facts.clone(), facts_text);
    let patient = match parse_patient(&program, &facts_source.text) {
        Ok(patient) => patient,
        Err(diagnostic) => {
            super::print_diagnostics(
                &[diagnostic],
                &facts_source,
                DiagnosticFormat::Human,
                args.color,
            );
            tell!("error: no report: the facts must be fixed first");
            return EXIT_FINDINGS;
        }
    };
    let evaluation = evaluate(&program, &patient);
    let report = report::build(&program, &patient, &evaluation);
    let explanations = args
        .explain
        .then(|| report::explain::build(&program, &patient, &evaluation, &source));
    let output = match args.format {
        ReportFormat::Text => {
            let mut text = report::text::render(&report);
            if let Some(explanations) = &explanations {
                text.push_str(&report::explain::render(explanations, &args.guideline));
            }
            text
        }
        ReportFormat::Json => match &explanations {
            Some(explanations) => {
                let mut document = b"{\"report\":".to_vec();
                report::json::write(&report, &mut document);
                document.extend_from_slice(b",\"explanations\":");
                let _ = serde_json::to_writer(&mut document, explanations);
                document.push(b'}');
                report::json::pretty(&document) + "\n"
            }
            None => report::json::to_string_pretty(&report) + "\n",
        },
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout(), output.as_bytes());
    EXIT_OK
}

/// Lines per batch: large enough to keep both cores busy, small enough
/// that memory stays constant whatever the cohort size.
const BATCH_LINES: usize = 4096;

fn batch(program: &Program<'_>, args: &RunArgs) -> u8 {
    let reader: Box<dyn BufRead> = if args.facts == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        match std::fs::File::open(&args.facts) {
            Ok(file) => Box::new(BufReader::with_capacity(1 << 20, file)),
            Err(error) => {
                tell!("error[E0601]: cannot read `{}`: {error}", args.facts);
                return EXIT_USAGE;
            }
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut failed = 0usize;
    let mut reader = reader;
    let mut buffer = Vec::new();
    let mut line_number = 0usize;
    let mut finished = false;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    while !finished {
        // Each line's text, or why it could not be read.
        let mut chunk: Vec<(usize, Result<String, String>)> = Vec::with_capacity(BATCH_LINES);
        while chunk.len() < BATCH_LINES {
            let line = match read_line(&mut *reader, &mut buffer) {
                Line::End => {
                    finished = true;
                    break;
                }
                Line::Text(text) => Ok(text),
                Line::Unreadable(problem) => Err(problem),
                Line::Failed(problem) => {
                    finished = true;
                    Err(problem)
                }
            };
            line_number += 1;
            chunk.push((line_number, line));
            if finished {
                break;
            }
        }
        if chunk.is_empty() {
            break;
        }
        let results = process_chunk(program, &chunk, threads, &args.facts);
        for result in results {
            match result {
                LineResult::Blank => {}
                LineResult::Report(json) => {
                    let _ = out.write_all(json.as_bytes());
                    let _ = out.write_all(b"\n");
                }
                LineResult::Error { json, message } => {
                    failed += 1;
                    let _ = out.write_all(json.as_bytes());
                    let _ = out.write_all(b"\n");
                    tell!("{message}");
                }
            }
        }
    }
    if out.flush().is_err() {
        return EXIT_USAGE;
    }
    if failed > 0 {
        tell!(
            "error: {failed} patient line{} could not be read",
            if failed == 1 { "" } else { "s" }
        );
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// One line of a cohort file.
enum Line {
    /// The line's text, without its line ending.
    Text(String),
    /// A line that cannot be a patient, and why.
    Unreadable(String),
    /// Reading failed; nothing after this can be read.
    Failed(String),
    /// No more lines.
    End,
}

/// Reads one line of at most [`MAX_FACTS_BYTES`]; a longer line is skipped
/// to its end and reported, so a hostile cohort cannot exhaust memory.
fn read_line(reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> Line {
    buffer.clear();
    let limit = MAX_FACTS_BYTES as u64 + 1;
    match std::io::Read::take(&mut *reader, limit).read_until(b'\n', buffer) {
        Ok(0) => Line::End,
        Ok(_) if buffer.len() as u64 >= limit && buffer.last() != Some(&b'\n') => {
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match std::io::Read::take(&mut *reader, 1 << 20).read_until(b'\n', &mut rest) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                }
            }
            Line::Unreadable(format!("line is longer than {MAX_FACTS_BYTES} bytes"))
        }
        Ok(_) => {
            while matches!(buffer.last(), Some(b'\n' | b'\r')) {
                buffer.pop();
            }
            match String::from_utf8(std::mem::take(buffer)) {
                Ok(text) => Line::Text(text),
                Err(_) => Line::Unreadable("line is not UTF-8 text".to_owned()),
            }
        }
        Err(error) => Line::Failed(error.to_string()),
    }
}

enum LineResult {
    Blank,
    Report(String),
    Error { json: String, message: String },
}

fn process_chunk(
    program: &Program<'_>,
    chunk: &[(usize, Result<String, String>)],
    threads: usize,
    file: &str,
) -> Vec<LineResult> {
    let per_thread = chunk.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(n, line)| process_line(program, *n, line, file))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_default())
            .collect()
    })
}

fn process_line(
    program: &Program<'_>,
    line_number: usize,
    line: &Result<String, String>,
    file: &str,
) -> LineResult {
    let parsed = match line {
        Ok(text) if text.trim().is_empty() => return LineResult::Blank,
        Ok(text) => parse_patient(program, text),
        Err(problem) => Err(crate::diagnostics::Diagnostic::new(
            crate::diagnostics::Code::MalformedFacts,
            format!("cannot read this line: {problem}"),
        )),
    };
    match parsed {
        Ok(patient) => {
            let evaluation = evaluate(program, &patient);
            LineResult::Report(report::json::to_string(&report::build(
                program,
                &patient,
                &evaluation,
            )))
        }
        Err(diagnostic) => {
            let column = diagnostic.primary_span().start_usize() + 1;
            let message = format!(
                "{file}:{line_number}:{column}: error[{}]: {}",
                diagnostic.code.id(),
                diagnostic.message
            );
            let json = serde_json::json!({
                "schema": report::SCHEMA,
                "line": line_number,
                "error": {"code": diagnostic.code.id(), "name": diagnostic.code.name(), "message": diagnostic.message},
            })
            .to_string();
            LineResult::Error { json, message }
        }
    }
}
