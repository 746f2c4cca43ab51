//! Machine-readable diagnostics: gdl's own JSON shape (`docs/ci.md`) and
//! SARIF 2.1.0 for code-scanning services. Both are built from the same
//! located diagnostics, with lines and columns from the shared line index.
//! Messages are cut as the human renderer cuts them (`render::clip_message`).

use serde_json::{Value, json};

use super::render::SourceFile;
use super::{Code, Diagnostic, Severity};
use crate::never::OrNever;

/// The JSON schema identifier for `gdl check --format json`.
pub const SCHEMA: &str = "gdl-diagnostics/1";

/// Diagnostics of one checked file.
pub struct FileDiagnostics<'a> {
    /// The file.
    pub source: &'a SourceFile,
    /// Its diagnostics, sorted.
    pub diagnostics: &'a [Diagnostic],
}

fn location(source: &SourceFile, start: usize, end: usize) -> Value {
    let (line, column) = source.line_col(start);
    let (end_line, end_column) = source.line_col(end);
    json!({"line": line, "column": column, "end_line": end_line, "end_column": end_column})
}

/// `gdl check --format json`: one document for all files.
pub fn json(files: &[FileDiagnostics<'_>]) -> String {
    let mut errors = 0;
    let mut warnings = 0;
    let files: Vec<Value> = files
        .iter()
        .map(|file| {
            let diagnostics: Vec<Value> = file
                .diagnostics
                .iter()
                .map(|d| {
                    if d.is_error() {
                        errors += 1;
                    } else {
                        warnings += 1;
                    }
                    let labels: Vec<Value> = d
                        .labels
                        .iter()
                        .map(|l| {
                            json!({
                                "primary": l.primary,
                                "message": l.message,
                                "start": l.span.start,
                                "end": l.span.end,
                                "location": location(file.source, l.span.start_usize(), l.span.end as usize),
                            })
                        })
                        .collect();
                    json!({
                        "code": d.code.id(),
                        "name": d.code.name(),
                        "severity": d.severity.word(),
                        "message": super::render::clip_message(&d.message),
                        "labels": labels,
                        "help": d.help.as_deref().map(super::render::clip_message),
                        "notes": d.notes,
                    })
                })
                .collect();
            json!({"file": file.source.name, "diagnostics": diagnostics})
        })
        .collect();
    let document = json!({
        "schema": SCHEMA,
        "files": files,
        "summary": {"errors": errors, "warnings": warnings},
    });
    // A `Value` always serialises.
    serde_json::to_string_pretty(&document).or_never(String::new())
}

/// `gdl check --format sarif`: a SARIF 2.1.0 log with one run.
pub fn sarif(files: &[FileDiagnostics<'_>]) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.id(),
                "name": code.name(),
                "shortDescription": {"text": code.summary()},
                "defaultConfiguration": {"level": level(code.default_severity())},
                "helpUri": code.docs_url(),
            })
        })
        .collect();
    let mut results = Vec::new();
    for file in files {
        for diagnostic in file.diagnostics {
            let mut text = super::render::clip_message(&diagnostic.message).into_owned();
            if let Some(help) = &diagnostic.help {
                let help = super::render::clip_message(help);
                text.push_str(&format!("\nhelp: {help}"));
            }
            for note in &diagnostic.notes {
                text.push_str(&format!("\n{note}"));
            }
            let region = |start: usize, end: usize| {
                let (line, column) = file.source.line_col(start);
                let (end_line, end_column) = file.source.line_col(end.max(start));
                json!({"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column})
            };
            let physical = |start: usize, end: usize| {
                json!({"physicalLocation": {
                    "artifactLocation": {"uri": file.source.name},
                    "region": region(start, end),
                }})
            };
            let primary = diagnostic.primary_span();
            let related: Vec<Value> = diagnostic
                .labels
                .iter()
                .filter(|l| !l.primary)
                .enumerate()
                .map(|(i, l)| {
                    let mut location = physical(l.span.start_usize(), l.span.end as usize);
                    if let Value::Object(fields) = &mut location {
                        fields.insert("id".to_owned(), json!(i));
                        fields.insert("message".to_owned(), json!({"text": l.message}));
                    }
                    location
                })
                .collect();
            let mut result = json!({
                "ruleId": diagnostic.code.id(),
                "ruleIndex": Code::ALL.iter().position(|c| *c == diagnostic.code),
                "level": level(diagnostic.severity),
                "message": {"text": text},
                "locations": [physical(primary.start_usize(), primary.end as usize)],
            });
            if !related.is_empty()
                && let Value::Object(fields) = &mut result
            {
                fields.insert("relatedLocations".to_owned(), json!(related));
            }
            results.push(result);
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "gdl",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/gdl-lang/gdl",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).or_never(String::new())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
