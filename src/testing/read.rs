//! Reading a case file: bytes → text → [`CaseFile`], and the names it
//! writes resolved against the guideline.
//!
//! Input: the raw bytes of a `*.cases.json` file, then the [`Model`] of its
//! guideline. Output: the text (a UTF-8 byte-order mark skipped), the parsed
//! file, and for each case its expectations as checked names, or located
//! diagnostics. Invariants: bytes that are not UTF-8 are refused with their
//! offset, never replaced; every span points into the text returned by
//! [`decode`]; a name that does not resolve is an error, never a
//! trivially met expectation.

use serde_json::value::RawValue;

use super::{CaseFile, Expect, Expectations};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::sema::Model;
use crate::span::Span;

/// The UTF-8 byte-order mark some editors write at the start of a file.
const BOM: &str = "\u{feff}";

/// The escalation kinds a report can give without a rule, or with one;
/// `escalated` accepts them besides rule names (see `src/report`).
pub const ESCALATION_KINDS: &[&str] = &[
    "unknown-condition",
    "no-alternative",
    "exclusive-conflict",
    "implausible-facts",
];

/// Turns the bytes of a case file into text: a leading byte-order mark is
/// skipped; bytes that are not UTF-8 are an error at their offset. With
/// the error comes a lossy text to render it against (exact up to the bad
/// byte, which is where it points), never to be read as the file.
pub fn decode(bytes: &[u8]) -> (String, Option<Diagnostic>) {
    let skipped = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(bytes);
    match std::str::from_utf8(skipped) {
        Ok(text) => (text.to_owned(), None),
        Err(error) => {
            let at = error.valid_up_to();
            let offset = at + (bytes.len() - skipped.len());
            let byte = skipped.get(at).copied().unwrap_or_default();
            let diagnostic = Diagnostic::new(
                Code::NotText,
                format!("the case file is not UTF-8 text: byte {offset} (0x{byte:02X}) is not valid UTF-8"),
            )
            .primary(Span::new(at, at), "this byte is not valid UTF-8")
            .help("case files are JSON, which is UTF-8: re-save the file as UTF-8");
            (
                String::from_utf8_lossy(skipped).into_owned(),
                Some(diagnostic),
            )
        }
    }
}

/// Parses the text of a case file; a JSON or shape error is located at the
/// line and column serde reports.
pub fn parse(text: &str) -> Result<CaseFile<'_>, Diagnostic> {
    serde_json::from_str(text).map_err(|error| {
        let at = offset_of(text, error.line(), error.column());
        // serde appends " at line L column C"; the excerpt says it better.
        let full = error.to_string();
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(head, _)| head);
        let help = if message.starts_with("unknown field") {
            "the fields are listed in docs/testing.md; a misspelled field would check nothing, so it is an error"
        } else {
            "a case file is a JSON object with `guideline` and `cases` (docs/testing.md)"
        };
        Diagnostic::new(
            Code::MalformedCaseFile,
            format!("not a valid case file: {message}"),
        )
        .primary(Span::new(at, at), "here")
        .help(help)
    })
}

/// Byte offset of serde's 1-based line and byte column (0 when it points
/// before the first byte of the line), kept inside the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Where a borrowed slice of `text` starts in it.
pub(crate) fn offset_in(text: &str, slice: &str) -> usize {
    (slice.as_ptr() as usize)
        .saturating_sub(text.as_ptr() as usize)
        .min(text.len())
}

/// The kind of name an expectation lists.
#[derive(Clone, Copy)]
enum Kind {
    Action,
    Fact,
    Escalation,
}

/// Resolves every name of `expect` against the model. Names that resolve
/// are returned; each that does not is a diagnostic located in `text`.
pub fn resolve_expectations(
    model: &Model,
    text: &str,
    expect: &Expect<'_>,
) -> (Expectations, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut list = |field: &str, entries: &[&RawValue], kind: Kind| -> Vec<String> {
        let mut names = Vec::new();
        for entry in entries {
            match name_of(model, text, field, entry, kind) {
                Ok(name) => names.push(name),
                Err(diagnostic) => diagnostics.push(diagnostic),
            }
        }
        names
    };
    let expectations = Expectations {
        recommended: list("recommended", &expect.recommended, Kind::Action),
        not_recommended: list("not_recommended", &expect.not_recommended, Kind::Action),
        offered: list("offered", &expect.offered, Kind::Action),
        withheld: list("withheld", &expect.withheld, Kind::Action),
        avoid: list("avoid", &expect.avoid, Kind::Action),
        escalated: list("escalated", &expect.escalated, Kind::Escalation),
        needs: list("needs", &expect.needs, Kind::Fact),
        nothing_applies: expect.nothing_applies,
    };
    (expectations, diagnostics)
}

/// One entry of an expectation list: a string naming something of `kind`.
fn name_of(
    model: &Model,
    text: &str,
    field: &str,
    entry: &RawValue,
    kind: Kind,
) -> Result<String, Diagnostic> {
    let start = offset_in(text, entry.get());
    let span = Span::new(start, start + entry.get().len());
    let Ok(name) = serde_json::from_str::<String>(entry.get()) else {
        return Err(Diagnostic::new(
            Code::MalformedCaseFile,
            format!("each entry of `{field}` must be a name (a JSON string)"),
        )
        .primary(span, "not a string")
        .help("write the name in double quotes"));
    };
    let (known, what, label): (Vec<&str>, &str, &str) = match kind {
        Kind::Action => (
            model.actions.iter().map(|a| a.name.as_str()).collect(),
            "an action",
            "unknown action",
        ),
        Kind::Fact => (
            model.facts.iter().map(|f| f.name.as_str()).collect(),
            "a fact",
            "unknown fact",
        ),
        Kind::Escalation => (
            model
                .rules
                .iter()
                .map(|r| r.name.as_str())
                .chain(ESCALATION_KINDS.iter().copied())
                .collect(),
            "a rule or an escalation kind",
            "unknown rule or escalation kind",
        ),
    };
    if known.contains(&name.as_str()) {
        return Ok(name);
    }
    let help = did_you_mean(&name, known.iter().copied()).unwrap_or_else(|| {
        let listed: Vec<&str> = known.iter().take(10).copied().collect();
        let more = if known.len() > listed.len() {
            ", …"
        } else {
            ""
        };
        format!(
            "`{field}` takes {what} of the guideline: {}{more}",
            listed.join(", ")
        )
    });
    Err(Diagnostic::new(
        Code::UnknownCaseName,
        format!("`{name}` in `{field}` is not {what} of this guideline"),
    )
    .primary(span, label)
    .help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(decode(b"\xEF\xBB\xBF{}"), ("{}".to_owned(), None));
    }

    #[test]
    fn bad_bytes_are_refused_at_their_offset() {
        let (_, Some(diagnostic)) = decode(b"{\"a\": \"caf\xE9\"}") else {
            unreachable!("Latin-1 must be refused");
        };
        assert_eq!(diagnostic.code, Code::NotText);
        assert!(
            diagnostic.message.contains("byte 10 (0xE9)"),
            "{}",
            diagnostic.message
        );
        assert_eq!(diagnostic.primary_span(), Span::new(10, 10));
    }

    #[test]
    fn offsets_count_the_byte_order_mark() {
        let (_, Some(diagnostic)) = decode(b"\xEF\xBB\xBF{\xFF}") else {
            unreachable!("a bad byte after a mark must be refused");
        };
        assert!(
            diagnostic.message.contains("byte 4 "),
            "{}",
            diagnostic.message
        );
        // The span points into the text after the mark.
        assert_eq!(diagnostic.primary_span(), Span::new(1, 1));
    }

    #[test]
    fn serde_positions_become_offsets() {
        let text = "{\n  \"a\": 1,\n  x\n}";
        assert_eq!(offset_of(text, 3, 3), text.find('x').unwrap_or_default());
        assert_eq!(offset_of(text, 99, 99), text.len());
    }
}
