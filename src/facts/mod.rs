//! Patient facts from JSON: one object per patient, keys are fact names.
//! Shape documented in `docs/facts.md`.
//!
//! Two readers, one answer. [`parse_patient`] first tries `fast`, a strict
//! scanner for the common shape of a cohort line (no escapes, short
//! numbers) that gives up, returning `None`, on anything it is not sure of,
//! errors included. Then `visitor` reads the text with serde, straight into
//! slots (no intermediate document); on error it records what went wrong,
//! and the failing key's value is found in the text (`locate`) so the
//! diagnostic points at it. So every diagnostic comes from the serde reader,
//! and the scanner only has to agree with it on what it accepts;
//! `tests/facts_fast.rs` checks both against the reader as it was before
//! the scanner.

mod fast;
mod locate;
mod visitor;
pub mod write;

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{Patient, Program};
use crate::index_set::IndexSet;
use crate::sema::{EnumId, FactId};
use crate::span::Span;
use visitor::Shape;

/// The key that carries a patient identifier; fact names cannot start with `@`.
pub const ID_KEY: &str = "@id";

/// Largest facts document read for one patient, in bytes.
pub const MAX_FACTS_BYTES: usize = 16 * 1024 * 1024;

/// Reads patients' facts for one [`Program`]. Build it once and read every
/// patient of a cohort with it: it holds the names of the facts and enum
/// values by their bytes, which both readers look keys up in.
#[derive(Debug)]
pub struct Reader<'p> {
    /// The program whose facts are read.
    pub program: &'p Program<'p>,
    names: Names,
}

impl<'p> Reader<'p> {
    /// A reader for `program`'s facts.
    pub fn new(program: &'p Program<'p>) -> Reader<'p> {
        Reader {
            program,
            names: Names::new(program.model),
        }
    }

    /// Reads one patient from JSON text. Errors carry spans into `text`.
    pub fn parse_patient(&self, text: &str) -> Result<Patient, Diagnostic> {
        check_size(text)?;
        match fast::parse(self, text.as_bytes()) {
            Some(patient) => Ok(patient),
            None => visitor::parse(self, text, Shape::Document),
        }
    }

    /// Reads one patient from the bytes of a facts file: a byte-order mark is
    /// skipped, and bytes that are not UTF-8 are refused, never replaced (a
    /// Latin-1 `é` in an `@id` must not become U+FFFD). Also returns the text
    /// to render diagnostics against: without the byte-order mark, so lines
    /// and columns are the editor's; when the bytes are not UTF-8, a lossy
    /// decoding, exact up to the first bad byte, where the diagnostic points.
    pub fn parse_patient_bytes(&self, bytes: &[u8]) -> (String, Result<Patient, Diagnostic>) {
        let body = crate::syntax::limits::strip_bom(bytes);
        match std::str::from_utf8(body) {
            Ok(text) => (text.to_owned(), self.parse_patient(text)),
            Err(error) => {
                let at = error.valid_up_to();
                let byte = body.get(at).copied().unwrap_or_default();
                let offset = at + (bytes.len() - body.len());
                let diagnostic = Diagnostic::new(
                Code::MalformedFacts,
                format!(
                    "the facts are not UTF-8 text: byte 0x{byte:02X} at offset {offset} of the file"
                ),
            )
            .primary(Span::new(at, at), "not UTF-8")
            .help(
                "JSON is UTF-8 text: save the file as UTF-8 (a file saved as Latin-1 or \
                 Windows-1252 has bytes like this one); nothing after this byte was read",
            );
                (String::from_utf8_lossy(body).into_owned(), Err(diagnostic))
            }
        }
    }

    /// Reads one line of a cohort: `None` for a blank line. The line need not
    /// be text: most lines are read without checking it first, and a line
    /// that is not UTF-8 is an error.
    pub fn parse_patient_line(&self, line: &[u8]) -> Option<Result<Patient, Diagnostic>> {
        if line.len() <= MAX_FACTS_BYTES
            && let Some(patient) = fast::parse(self, line)
        {
            return Some(Ok(patient));
        }
        match std::str::from_utf8(line) {
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => {
                Some(check_size(text).and_then(|()| visitor::parse(self, text, Shape::Line)))
            }
            Err(error) => {
                let at = error.valid_up_to();
                let byte = line.get(at).copied().unwrap_or_default();
                let problem =
                    format!("it is not UTF-8 text (byte 0x{byte:02X} at offset {at} of the line)");
                Some(Err(
                    unreadable_line(&problem).primary(Span::new(at, at), "not UTF-8")
                ))
            }
        }
    }
}

/// The error for a cohort line that cannot be read as facts at all.
pub(crate) fn unreadable_line(problem: &str) -> Diagnostic {
    Diagnostic::new(
        Code::MalformedFacts,
        format!("cannot read this line: {problem}"),
    )
}

impl Reader<'_> {
    /// [`Reader::parse_patient`] with the serde reader alone, for tests that compare
    /// the two readers.
    #[doc(hidden)]
    pub fn parse_patient_reference(&self, text: &str) -> Result<Patient, Diagnostic> {
        check_size(text)?;
        visitor::parse(self, text, Shape::Document)
    }

    /// The fast scanner alone, for tests: `None` where [`Reader::parse_patient`] falls
    /// back to the serde reader.
    #[doc(hidden)]
    pub fn parse_patient_fast(&self, text: &str) -> Option<Patient> {
        check_size(text).ok()?;
        fast::parse(self, text.as_bytes())
    }
}

fn check_size(text: &str) -> Result<(), Diagnostic> {
    if text.len() > MAX_FACTS_BYTES {
        return Err(Diagnostic::new(
            Code::MalformedFacts,
            format!("facts for one patient are limited to {MAX_FACTS_BYTES} bytes"),
        )
        .help("for many patients, use one JSON object per line (NDJSON)"));
    }
    Ok(())
}

/// Fact names and the values of each enum, found by their bytes: names
/// are grouped by length, so a lookup compares only the few names of the
/// key's length, with no hashing. Both readers look keys up here; the
/// scanner only when a key or value is not the one expected next.
#[derive(Debug, Default)]
struct Names {
    facts: NameTable,
    /// By fact: computed by the guideline, so never a key of the facts.
    computed: Vec<bool>,
    /// By enum index.
    enums: Vec<NameTable>,
}

impl Names {
    fn new(model: &crate::sema::Model) -> Names {
        Names {
            facts: NameTable::new(model.facts.iter().map(|fact| fact.name.as_str())),
            computed: model
                .facts
                .iter()
                .map(|fact| fact.derived.is_some())
                .collect(),
            enums: model
                .enums
                .iter()
                .map(|e| NameTable::new(e.values.iter().map(String::as_str)))
                .collect(),
        }
    }

    /// The fact named `key`, when the facts may give it.
    fn fact(&self, key: &[u8]) -> Option<FactId> {
        let index = self.facts.find(key)?;
        match self.computed.get(index as usize) {
            Some(false) => Some(FactId(index)),
            _ => None,
        }
    }

    /// The index of the value named `key` in enum `enum_index`.
    fn enum_value(&self, enum_id: EnumId, key: &[u8]) -> Option<u32> {
        self.enums.get(enum_id.index())?.find(key)
    }
}

/// Names by length: `by_length[n]` holds each name of `n` bytes and its index.
#[derive(Debug, Default)]
struct NameTable {
    by_length: Vec<Vec<(Box<[u8]>, u32)>>,
}

impl NameTable {
    fn new<'n>(names: impl Iterator<Item = &'n str>) -> NameTable {
        let mut by_length: Vec<Vec<(Box<[u8]>, u32)>> = Vec::new();
        for (index, name) in names.enumerate() {
            let length = name.len();
            if by_length.len() <= length {
                by_length.resize_with(length + 1, Vec::new);
            }
            if let (Some(bucket), Ok(index)) = (by_length.get_mut(length), u32::try_from(index)) {
                bucket.push((name.as_bytes().into(), index));
            }
        }
        NameTable { by_length }
    }

    fn find(&self, key: &[u8]) -> Option<u32> {
        let bucket = self.by_length.get(key.len())?;
        bucket
            .iter()
            .find(|(name, _)| same_bytes(name, key))
            .map(|&(_, index)| index)
    }
}

/// Whether two byte strings are equal, compared in words, the last one
/// overlapping, rather than by a call to `memcmp`: a line compares some
/// dozens of short names, and the call cost more than the comparison.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn word(bytes: &[u8], at: usize) -> Option<u64> {
        let word: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_ne_bytes(word))
    }
    fn half(bytes: &[u8], at: usize) -> Option<u32> {
        let half: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u32::from_ne_bytes(half))
    }
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if len < 4 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    if len < 8 {
        return half(a, 0) == half(b, 0) && half(a, len - 4) == half(b, len - 4);
    }
    let mut at = 0;
    while at + 8 < len {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, len - 8) == word(b, len - 8)
}

/// The facts a document has given so far, to reject a key given twice.
struct Seen(IndexSet);

impl Seen {
    fn new(facts: usize) -> Seen {
        Seen(IndexSet::new(facts))
    }

    /// Marks fact `fact`; false if it was marked already.
    fn insert(&mut self, fact: FactId) -> bool {
        self.0.insert(fact.index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_slice_equality() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for len in 0..=20 {
            let a = &text[..len];
            assert!(same_bytes(a, a), "{len}");
            assert!(!same_bytes(a, &text[..len + 1]), "{len}");
            for at in 0..len {
                let mut b = a.to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(a, &b), "{len} {at}");
            }
        }
    }

    #[test]
    fn cohort_lines_that_are_not_utf8_are_never_read() {
        let model = crate::test_model(
            "guideline g \"G\" {}\nenum Site { scalp, hands }\nfact site: Site\nfact sites: set of Site\nfact weight: quantity kg\n",
        );
        let program = Program::new(&model);
        let good = r#"{"@id": "p1", "site": "scalp", "sites": ["hands"], "weight": {"value": 70, "unit": "kg"}}"#;
        assert!(matches!(
            Reader::new(&program).parse_patient_line(good.as_bytes()),
            Some(Ok(_))
        ));
        assert!(
            Reader::new(&program).parse_patient_line(b"  \t ").is_none(),
            "blank"
        );
        // A byte that is not UTF-8 in each kind of string the scanner reads.
        for (at, replaced) in [
            ("p1", "p\u{1}"),
            ("scalp", "sc\u{1}"),
            ("hands", "h\u{1}"),
            (r#""site""#, "\"s\u{1}\""),
            (r#""kg""#, "\"k\u{1}\""),
        ] {
            let mut line = good.replacen(at, replaced, 1).into_bytes();
            let marker = line.iter().position(|&b| b == 1).unwrap_or_default();
            line[marker] = 0xff;
            let read = Reader::new(&program).parse_patient_line(&line);
            assert!(
                matches!(&read, Some(Err(d)) if d.message.contains("not UTF-8")),
                "{at}: {read:?}"
            );
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_is_refused_at_its_byte() {
        let model = crate::test_model("guideline g \"G\" {}\nfact x: bool\n");
        let program = Program::new(&model);
        let read = Reader::new(&program).parse_patient_line(b"{\"@id\": \"Zo\xe9\", \"x\": true}");
        let Some(Err(diagnostic)) = read else {
            panic!("{read:?}")
        };
        assert_eq!(diagnostic.primary_span().start_usize(), 11);
        assert!(
            diagnostic.message.contains("byte 0xE9 at offset 11"),
            "{}",
            diagnostic.message
        );
    }

    #[test]
    fn several_objects_are_told_apart_from_other_trailing_text() {
        let model = crate::test_model("guideline g \"G\" {}\nfact x: bool\n");
        let program = Program::new(&model);
        let message = |read: Result<Patient, Diagnostic>| read.err().map(|d| (d.message, d.help));
        let two = r#"{"x": true} {"x": false}"#;
        let (line, help) = message(
            Reader::new(&program)
                .parse_patient_line(two.as_bytes())
                .unwrap_or(Ok(Patient::unknown(&program))),
        )
        .unwrap_or_default();
        assert_eq!(line, "this line holds more than one JSON object");
        assert!(help.is_some_and(|h| h.contains("a line of its own")));
        let (document, help) =
            message(Reader::new(&program).parse_patient(two)).unwrap_or_default();
        assert_eq!(document, "the facts are more than one JSON object");
        assert!(help.is_some_and(|h| h.contains("--ndjson")));
        let (other, _) =
            message(Reader::new(&program).parse_patient(r#"{"x": true} x"#)).unwrap_or_default();
        assert_eq!(other, "facts are not valid JSON: trailing characters");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_spans_follow_the_text() {
        let model = crate::test_model("guideline g \"G\" {}\nfact x: bool\n");
        let program = Program::new(&model);
        let (text, read) = Reader::new(&program).parse_patient_bytes(b"\xef\xbb\xbf{\"x\": true}");
        assert_eq!(text, r#"{"x": true}"#);
        assert!(read.is_ok(), "{read:?}");
        let (text, read) = Reader::new(&program).parse_patient_bytes(b"\xef\xbb\xbf{\"x\": 1}");
        let span = read.err().map(|d| d.primary_span()).unwrap_or_default();
        assert_eq!(text.get(span.start_usize()..span.end as usize), Some("1"));
    }

    #[test]
    fn names_find_every_fact_and_enum_value_and_nothing_else() {
        let model = crate::test_model(
            "guideline g \"G\" {}\nenum Site { scalp, hands, feet, ab, ba }\nfact site: Site\nfact sites: set of Site\nfact a: bool\nfact ab: bool\n",
        );
        let names = Names::new(&model);
        for (id, fact) in model.facts.iter_enumerated() {
            assert_eq!(names.fact(fact.name.as_bytes()), Some(id));
        }
        for (e, values) in model.enums.iter_enumerated() {
            for (index, value) in values.values.iter().enumerate() {
                assert_eq!(names.enum_value(e, value.as_bytes()), Some(index as u32));
            }
        }
        for missing in ["", "b", "abc", "sites ", "Site", "scalpx"] {
            assert_eq!(names.fact(missing.as_bytes()), None, "{missing}");
            assert_eq!(
                names.enum_value(EnumId(0), missing.as_bytes()),
                None,
                "{missing}"
            );
        }
        assert_eq!(names.enum_value(EnumId(7), b"scalp"), None, "no such enum");
    }

    #[test]
    fn seen_marks_each_fact_once_at_any_size() {
        for facts in [1, 64, 65, 256, 257, 1000] {
            let mut seen = Seen::new(facts);
            for index in 0..facts as u32 {
                assert!(seen.insert(FactId(index)), "{index} of {facts}");
            }
            for index in 0..facts as u32 {
                assert!(!seen.insert(FactId(index)), "{index} of {facts}");
            }
        }
    }
}
