//! `gdl run GUIDELINE FACTS` (or `--facts FACTS`): one patient (JSON) or a
//! cohort (NDJSON, one patient per line, streamed in order on every core).
//! Facts files are read as UTF-8, through a byte-order mark; bytes that are
//! not UTF-8 are an error, never replaced.

use std::io::{BufRead, BufReader, Write};

use clap::{Args, ValueEnum};

use super::{ColourChoice, DiagnosticFormat, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::SourceFile;
use crate::eval::{Program, Scratch, evaluate, evaluate_in};
use crate::facts::{MAX_FACTS_BYTES, Reader, unreadable_line};
use crate::never::OrNever;
use crate::report;

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The guideline to evaluate.
    #[arg(value_name = "GUIDELINE")]
    guideline: String,
    /// Patient facts: a JSON object, or NDJSON (one patient per line) when
    /// the name ends in .ndjson/.jsonl or with --ndjson; `-` reads stdin.
    #[arg(value_name = "FACTS", required_unless_present = "facts")]
    facts_file: Option<String>,
    /// The facts file, as an option: the same as the FACTS argument.
    #[arg(long, value_name = "FILE", conflicts_with = "facts_file")]
    facts: Option<String>,
    /// Read the facts as NDJSON whatever the file name.
    #[arg(long)]
    ndjson: bool,
    /// Report format (NDJSON input always gives one JSON report per line;
    /// html is for one patient).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Show the proof tree of each decision, with source positions.
    #[arg(long)]
    explain: bool,
    /// After the summary, the full report: every rule, the facts each
    /// read, what each answer leads to, and full citations.
    #[arg(long)]
    detail: bool,
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
    /// One self-contained HTML page: summary, flowchart with the patient's
    /// path, detail and proof trees, references (one patient only).
    Html,
}

impl RunArgs {
    /// The facts file, given either way (clap requires exactly one).
    fn facts(&self) -> &str {
        self.facts
            .as_deref()
            .or(self.facts_file.as_deref())
            .unwrap_or("-")
    }
}

pub fn run(args: &RunArgs) -> u8 {
    let facts = args.facts();
    let ndjson = args.ndjson || facts.ends_with(".ndjson") || facts.ends_with(".jsonl");
    if ndjson && args.format == ReportFormat::Html {
        tell!(
            "error: --format html is for one patient, and `{facts}` is a cohort (NDJSON); give one patient's facts (a JSON object), or use --format json for a cohort"
        );
        return EXIT_USAGE;
    }
    let (source, model) = match super::compiled_guideline(&args.guideline, args.color) {
        Ok(compiled) => compiled,
        Err(code) => return code,
    };
    let program = Program::new(&model);
    if ndjson {
        return batch(&program, args);
    }
    let facts_bytes = match super::read_or_report(facts, args.color) {
        Some(bytes) => bytes,
        None => return EXIT_USAGE,
    };
    let (facts_text, parsed) = Reader::new(&program).parse_patient_bytes(&facts_bytes);
    let facts_source = SourceFile::new(facts, facts_text);
    let patient = match parsed {
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
    let mut report = report::build(&program, &patient, &evaluation);
    if args.format != ReportFormat::Json {
        report::deciding(&mut report, &program, &patient);
    }
    let explanations = args
        .explain
        .then(|| report::explain::build(&program, &patient, &evaluation, &source));
    let output = match args.format {
        ReportFormat::Text => {
            let summary = report::summary::build(&report, &program, &patient);
            let mut text = report::text::render_summary(&report, &summary);
            if args.detail {
                text.push_str("\nDETAIL\n");
                text.push_str(&report::text::render(&report));
            }
            if let Some(explanations) = &explanations {
                text.push_str(&report::explain::render(explanations, &args.guideline));
            }
            text
        }
        ReportFormat::Json => match &explanations {
            Some(explanations) => {
                let mut document = b"{\"report\":".to_vec();
                report::json::write(&report, &Default::default(), &mut document);
                document.extend_from_slice(b",\"explanations\":");
                let _ = serde_json::to_writer(&mut document, explanations);
                document.push(b'}');
                report::json::pretty(&document) + "\n"
            }
            None => report::json::to_string_pretty(&report) + "\n",
        },
        ReportFormat::Html => html(&program, &patient, &evaluation, &report, &source, args),
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout(), output.as_bytes());
    EXIT_OK
}

/// The HTML page of one patient: the report, its proof trees (always: they
/// are folded away on the page), and the flowchart with the patient's path.
fn html(
    program: &Program<'_>,
    patient: &crate::eval::Patient,
    evaluation: &crate::eval::Evaluation,
    report: &report::Report<'_>,
    source: &SourceFile,
    args: &RunArgs,
) -> String {
    let explanations = report::explain::build(program, patient, evaluation, source);
    let path = crate::graph::PatientPath {
        patient,
        evaluation,
    };
    let svg = crate::graph::svg::write(&crate::graph::build(program.model, Some(&path)));
    let summary = report::summary::build(report, program, patient);
    report::html::render(&report::html::Page {
        report,
        model: program.model,
        explanations: &explanations,
        file: &args.guideline,
        flowchart: Some(&svg),
        summary: &summary,
    })
}

/// Lines per chunk: a worker reads a chunk, evaluates it, and writes its
/// reports in turn. Small enough that a chunk's reports stay in cache and
/// memory stays constant whatever the cohort size; large enough that the
/// turns cost little.
const CHUNK_LINES: usize = 256;

/// A chunk also ends once it holds this many bytes of facts, so memory
/// stays bounded when lines are long (one line may still be up to
/// [`MAX_FACTS_BYTES`]).
const CHUNK_BYTES: usize = 8 << 20;

/// A chunk of cohort lines: their bytes, one after another, and where each
/// line is (or why it cannot be read).
#[derive(Default)]
struct Chunk {
    text: Vec<u8>,
    lines: Vec<(usize, Result<std::ops::Range<usize>, String>)>,
}

/// What a worker produced for one chunk.
#[derive(Default)]
struct Output {
    /// One JSON line per patient line, in order.
    json: Vec<u8>,
    /// `file:line:column: error[...]` messages for standard error.
    messages: Vec<String>,
}

/// The cohort file, read one chunk at a time by whichever worker is free.
struct Input {
    reader: Box<dyn BufRead + Send>,
    /// Lines read so far.
    line_number: usize,
    /// Chunks handed out so far; a chunk's number is its turn to write.
    chunks: usize,
    /// No more lines (the end, or a read error).
    finished: bool,
}

/// Whose turn it is to write, and what has been written.
#[derive(Default)]
struct Turn {
    /// The number of the chunk to write next.
    next: usize,
    /// Outputs of chunks evaluated before their turn, with their numbers:
    /// their workers went on to the next chunk rather than wait.
    early: Vec<(usize, Output)>,
    /// Written outputs, cleared, for workers to reuse.
    spare: Vec<Output>,
    /// Patient lines that could not be read.
    failed: usize,
    /// Standard output is closed: stop.
    closed: bool,
}

impl Turn {
    /// Writes the output of chunk `next` to `out`, then any early ones now
    /// due.
    fn write(&mut self, output: &Output, out: &mut dyn Write) {
        self.write_one(output, out);
        while let Some(index) = self.early.iter().position(|(n, _)| *n == self.next) {
            let (_, mut due) = self.early.swap_remove(index);
            self.write_one(&due, out);
            due.json.clear();
            due.messages.clear();
            self.spare.push(due);
        }
    }

    fn write_one(&mut self, output: &Output, out: &mut dyn Write) {
        self.closed = self.closed || out.write_all(&output.json).is_err();
        if !self.closed {
            self.failed += output.messages.len();
            for message in &output.messages {
                tell!("{message}");
            }
        }
        self.next += 1;
    }
}

fn batch(program: &Program<'_>, args: &RunArgs) -> u8 {
    let facts = args.facts();
    let reader: Box<dyn BufRead + Send> = if facts == "-" {
        Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()))
    } else {
        match std::fs::File::open(facts) {
            Ok(file) => Box::new(BufReader::with_capacity(1 << 20, file)),
            Err(error) => {
                tell!("error[E0601]: cannot read `{facts}`: {error}");
                return EXIT_USAGE;
            }
        }
    };
    let fragments = report::json::Fragments::new(program.model);
    // Built once for the cohort: the names every line's keys are looked up in.
    let patients = Reader::new(program);
    let input = std::sync::Mutex::new(Input {
        reader,
        line_number: 0,
        chunks: 0,
        finished: false,
    });
    let turn = std::sync::Mutex::new(Turn::default());
    let turn_taken = std::sync::Condvar::new();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Each worker lives for the whole cohort, with its own buffers: reading
    // and writing take turns, evaluating runs on every core at once. A
    // chunk done before its turn is left for the writer of the chunk before
    // it, so a worker waits only when `workers` outputs already wait.
    std::thread::scope(|scope| {
        let work = || {
            let mut chunk = Chunk::default();
            let mut output = Output::default();
            let mut scratch = Scratch::default();
            while let Some(number) = read_chunk(&input, &mut chunk) {
                process_lines(
                    &patients,
                    &fragments,
                    &chunk,
                    &mut scratch,
                    &mut output,
                    facts,
                );
                let mut turn = lock(&turn);
                while turn.next != number && turn.early.len() >= workers {
                    turn = turn_taken.wait(turn).unwrap_or_else(|e| e.into_inner());
                }
                if turn.next != number {
                    let spare = turn.spare.pop().unwrap_or_default();
                    turn.early
                        .push((number, std::mem::replace(&mut output, spare)));
                    continue;
                }
                turn.write(&output, &mut std::io::stdout());
                let closed = turn.closed;
                drop(turn);
                turn_taken.notify_all();
                if closed {
                    lock(&input).finished = true;
                }
            }
        };
        for _ in 1..workers {
            scope.spawn(work);
        }
        work();
    });
    let turn = lock(&turn);
    if turn.closed || std::io::stdout().flush().is_err() {
        // The reader went away (a closed pipe): nothing more to do.
        return EXIT_USAGE;
    }
    if turn.failed > 0 {
        tell!(
            "error: {} patient line{} could not be read",
            turn.failed,
            if turn.failed == 1 { "" } else { "s" }
        );
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// A poisoned lock still holds consistent data here: every update is a
/// single assignment.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads the next chunk into `chunk`; its number, or `None` at the end.
fn read_chunk(input: &std::sync::Mutex<Input>, chunk: &mut Chunk) -> Option<usize> {
    let mut input = lock(input);
    chunk.text.clear();
    chunk.lines.clear();
    let first = input.line_number == 0;
    while !input.finished && chunk.lines.len() < CHUNK_LINES && chunk.text.len() < CHUNK_BYTES {
        let start = chunk.text.len();
        let line = match read_line(&mut *input.reader, &mut chunk.text) {
            Line::End => {
                input.finished = true;
                break;
            }
            Line::Text => Ok(start..chunk.text.len()),
            Line::Unreadable(problem) => Err(problem),
            Line::Failed(problem) => {
                input.finished = true;
                Err(problem)
            }
        };
        input.line_number += 1;
        chunk.lines.push((input.line_number, line));
    }
    if first {
        skip_bom(chunk);
    }
    if chunk.lines.is_empty() {
        return None;
    }
    input.chunks += 1;
    Some(input.chunks - 1)
}

/// Skips a byte-order mark at the start of the first line of the cohort,
/// in the first chunk only: no other line pays for the check.
fn skip_bom(chunk: &mut Chunk) {
    if let Some((_, Ok(range))) = chunk.lines.first_mut()
        && chunk
            .text
            .get(range.clone())
            .is_some_and(|line| line.starts_with(crate::BOM))
    {
        range.start += crate::BOM.len();
    }
}

/// One line of a cohort file.
enum Line {
    /// The line's bytes were appended, without the line ending.
    Text,
    /// A line that cannot be a patient, and why (nothing appended).
    Unreadable(String),
    /// Reading failed; nothing after this can be read.
    Failed(String),
    /// No more lines.
    End,
}

/// Appends one line of at most [`MAX_FACTS_BYTES`] to `buffer`, without
/// its line ending; a longer line is skipped to its end and reported, so a
/// hostile cohort cannot exhaust memory. Lines are found with `memchr`'s
/// vector search: splitting a cohort into lines is on every patient's path.
fn read_line(reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> Line {
    let start = buffer.len();
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                buffer.truncate(start);
                return Line::Failed(error.to_string());
            }
        };
        if available.is_empty() {
            // The end of the input, possibly after a last line without a
            // line ending.
            if buffer.len() == start && !too_long {
                return Line::End;
            }
            break;
        }
        let (piece, ended) = match memchr::memchr(b'\n', available) {
            Some(end) => (available.get(..end).or_never(available), true),
            None => (available, false),
        };
        let used = piece.len() + usize::from(ended);
        too_long |= buffer.len() - start + piece.len() > MAX_FACTS_BYTES;
        if !too_long {
            buffer.extend_from_slice(piece);
        }
        reader.consume(used);
        if ended {
            break;
        }
    }
    if too_long {
        buffer.truncate(start);
        return Line::Unreadable(format!("line is longer than {MAX_FACTS_BYTES} bytes"));
    }
    while buffer.len() > start && buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Line::Text
}

/// Evaluates a chunk's lines into `output`, replacing what it held.
fn process_lines(
    patients: &Reader<'_>,
    fragments: &report::json::Fragments,
    chunk: &Chunk,
    scratch: &mut Scratch,
    output: &mut Output,
    file: &str,
) {
    let program = patients.program;
    output.json.clear();
    output.messages.clear();
    let text = &chunk.text;
    for (line_number, line) in &chunk.lines {
        let parsed = match line {
            Ok(range) => {
                match patients.parse_patient_line(text.get(range.clone()).unwrap_or_default()) {
                    Some(parsed) => parsed,
                    None => continue,
                }
            }
            Err(problem) => Err(unreadable_line(problem)),
        };
        match parsed {
            Ok(patient) => {
                let evaluation = evaluate_in(program, &patient, scratch);
                report::json::write_evaluation(
                    program,
                    &patient,
                    &evaluation,
                    fragments,
                    &mut output.json,
                );
                scratch.recycle(evaluation);
            }
            Err(diagnostic) => {
                let column = diagnostic.primary_span().start_usize() + 1;
                output.messages.push(format!(
                    "{file}:{line_number}:{column}: error[{}]: {}",
                    diagnostic.code.id(),
                    diagnostic.message
                ));
                let record = serde_json::json!({
                    "schema": report::SCHEMA,
                    "line": line_number,
                    "error": {"code": diagnostic.code.id(), "name": diagnostic.code.name(), "message": diagnostic.message},
                });
                let _ = serde_json::to_writer(&mut output.json, &record);
            }
        }
        output.json.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn output(text: &str) -> Output {
        Output {
            json: text.as_bytes().to_vec(),
            messages: Vec::new(),
        }
    }

    /// Every line, read through buffers too small to hold one.
    fn lines(input: &[u8], capacity: usize) -> Vec<Result<String, String>> {
        let mut reader = BufReader::with_capacity(capacity, input);
        let mut read = Vec::new();
        loop {
            let mut buffer = b"kept".to_vec();
            match read_line(&mut reader, &mut buffer) {
                Line::End => return read,
                Line::Text => read.push(Ok(String::from_utf8_lossy(&buffer).into_owned())),
                Line::Unreadable(problem) | Line::Failed(problem) => {
                    assert_eq!(buffer, b"kept", "nothing is appended");
                    read.push(Err(problem));
                }
            }
        }
    }

    #[test]
    fn lines_are_split_at_every_ending_across_buffer_boundaries() {
        let input = b"{\"a\": 1}\r\n\n{}\r\r\nlast";
        for capacity in [1, 2, 3, 7, 64] {
            assert_eq!(
                lines(input, capacity),
                ["kept{\"a\": 1}", "kept", "kept{}", "keptlast"].map(|l| Ok(l.to_string())),
                "capacity {capacity}"
            );
        }
        assert!(lines(b"", 4).is_empty());
        assert_eq!(lines(b"\n", 4), [Ok("kept".to_string())]);
    }

    #[test]
    fn an_overlong_line_is_skipped_to_its_end() {
        let mut input = vec![b'x'; MAX_FACTS_BYTES];
        input.extend_from_slice(b"\n");
        input.extend(std::iter::repeat_n(b'y', MAX_FACTS_BYTES + 1));
        input.extend_from_slice(b"\nnext\n");
        input.extend(std::iter::repeat_n(b'z', MAX_FACTS_BYTES + 1));
        let read = lines(&input, 1 << 16);
        assert_eq!(read.len(), 4);
        assert_eq!(read[0].as_ref().map(String::len), Ok(4 + MAX_FACTS_BYTES));
        assert!(read[1].as_ref().is_err_and(|e| e.contains("longer than")));
        assert_eq!(read[2], Ok("keptnext".to_string()));
        assert!(
            read[3].as_ref().is_err_and(|e| e.contains("longer than")),
            "at the end too"
        );
    }

    #[test]
    fn early_outputs_are_written_in_chunk_order() {
        let mut turn = Turn::default();
        for number in [3, 1, 5, 2] {
            turn.early.push((number, output(&number.to_string())));
        }
        let mut out = Vec::new();
        turn.write(&output("0"), &mut out);
        assert_eq!(out, b"0123");
        assert_eq!(turn.next, 4);
        assert_eq!(turn.early.len(), 1, "chunk 5 waits for chunk 4");
        assert_eq!(turn.spare.len(), 3);
        turn.write(&output("4"), &mut out);
        assert_eq!(out, b"012345");
        assert!(turn.early.is_empty());
    }
}
