//! Renderers at the edge: miette's graphical report for people, and the
//! one-line `file:line:col: severity[code]: message` form for CI logs, whose
//! line index comes from codespan-reporting.
//!
//! Output stays small whatever the input: a source line longer than
//! [`LINE_CHARS`] is shown as windows around the labels on it, cut on char
//! boundaries and marked with `…`, and a message longer than
//! [`MESSAGE_CHARS`] is cut in the middle (so are a help and a label). The header's line and column
//! are those of the full text.

use std::fmt;

use codespan_reporting::files::line_starts;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity};

/// A source file a diagnostic points into.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as given by the user.
    pub name: String,
    /// Full text (private: the line index is built from it).
    text: String,
    /// Where each line starts (codespan-reporting's line index), found
    /// once: a file with thousands of diagnostics asks for thousands of
    /// locations.
    line_starts: Vec<usize>,
    /// Whether some line is longer than [`LINE_CHARS`] (then excerpts are
    /// cut, [`Shown`]).
    long_lines: bool,
}

impl SourceFile {
    /// A named source.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text: String = text.into();
        // Bytes bound chars from above: most lines need no count.
        let long_lines = text
            .split_inclusive('\n')
            .any(|line| line.len() > LINE_CHARS && line.chars().nth(LINE_CHARS).is_some());
        SourceFile {
            name: name.into(),
            line_starts: line_starts(&text).collect(),
            long_lines,
            text,
        }
    }

    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column of a byte offset (column counted in chars).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char_boundary(&self.text, offset);
        let line = self
            .line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count());
        (line + 1, column + 1)
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Options for the human renderer.
#[derive(Clone, Copy, Debug)]
pub struct HumanStyle {
    /// Use ANSI colours.
    pub colour: bool,
    /// Wrap width in columns.
    pub width: usize,
}

impl HumanStyle {
    /// No colour, 100 columns: the form golden tests compare.
    pub const PLAIN: HumanStyle = HumanStyle {
        colour: false,
        width: 100,
    };
}

/// Renders one diagnostic for people, with the source excerpt.
pub fn human(diagnostic: &Diagnostic, source: &SourceFile, style: HumanStyle) -> String {
    let theme = if style.colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        // Unwrapped, so a witness patient's facts stay one line to copy.
        .with_wrap_lines(false)
        .with_links(false);
    let points: Vec<usize> = diagnostic
        .labels
        .iter()
        .flat_map(|label| [label.span.start_usize(), label.span.end as usize])
        .collect();
    let report = MietteView {
        diagnostic,
        message: clip_message(&diagnostic.message),
        source: Excerpt {
            name: source.name.clone(),
            original: &source.text,
            line_starts: &source.line_starts,
            shown: if source.long_lines {
                Shown::cut(&source.text, &points)
            } else {
                None
            },
        },
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", diagnostic.code.id(), report.message);
    }
    out
}

/// Labels at most this many lines apart share one excerpt (a small rule
/// and the one it is about read best together); farther apart, each has
/// its own.
const MERGE_GAP: usize = 8;

/// Longest source line shown whole, in chars: a guideline's long
/// reference line is shown as it is, a facts file of one line is not.
pub const LINE_CHARS: usize = 256;

/// Chars of each window a longer line is cut to.
const WINDOW_CHARS: usize = 120;

/// Chars of a window before the label position it is cut around.
const BEFORE_CHARS: usize = 40;

/// Longest message, help or label shown whole, in chars: they quote names
/// from the input, and a name can be a whole line long. (The longest in
/// the golden tests is under 200.) Notes are shown whole: they hold
/// witness patients to copy.
pub const MESSAGE_CHARS: usize = 400;

/// `message`, cut in the middle with `…` when longer than
/// [`MESSAGE_CHARS`].
pub(crate) fn clip_message(message: &str) -> std::borrow::Cow<'_, str> {
    let head = MESSAGE_CHARS * 3 / 4;
    let tail = MESSAGE_CHARS - head;
    match (
        message.char_indices().nth(head),
        message.char_indices().nth_back(tail - 1),
    ) {
        (Some((cut, _)), Some((resume, _)))
            if message.char_indices().nth(MESSAGE_CHARS).is_some() =>
        {
            std::borrow::Cow::Owned(format!(
                "{}…{}",
                message.get(..cut).unwrap_or_default(),
                message.get(resume..).unwrap_or_default()
            ))
        }
        _ => std::borrow::Cow::Borrowed(message),
    }
}

/// The source a report shows: the full text, or, when a line is long,
/// the text with long lines cut ([`Shown`]).
struct Excerpt<'a> {
    name: String,
    original: &'a str,
    /// The original's line index ([`SourceFile`]'s).
    line_starts: &'a [usize],
    shown: Option<Shown>,
}

/// The text with each long line cut to windows, and where each kept piece
/// of the original is in it. Lines are never removed, so line numbers are
/// the original's.
struct Shown {
    text: String,
    /// Kept pieces in order: `(start in the original, end, start in text)`.
    pieces: Vec<(usize, usize, usize)>,
}

impl Shown {
    /// `text` with each line longer than [`LINE_CHARS`] cut around the
    /// `points` (label starts and ends) on it; `None` when no line is long.
    fn cut(text: &str, points: &[usize]) -> Option<Shown> {
        let mut kept: Vec<(usize, usize)> = Vec::new();
        let mut any_long = false;
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let end = start + line.len();
            // Bytes bound chars from above: most lines need no count.
            if line.len() > LINE_CHARS && line.chars().nth(LINE_CHARS).is_some() {
                any_long = true;
                kept.extend(windows(text, start, end, points));
            } else {
                kept.push((start, end));
            }
            start = end;
        }
        if !any_long {
            return None;
        }
        let mut shown = Shown {
            text: String::new(),
            pieces: Vec::new(),
        };
        let mut previous = 0;
        for (from, to) in kept {
            if from > previous {
                shown.text.push('…');
            }
            shown.pieces.push((from, to, shown.text.len()));
            shown.text.push_str(text.get(from..to).unwrap_or_default());
            previous = to;
        }
        Some(shown)
    }

    /// Where offset `at` of the original is in the text; an offset in a
    /// cut-out part goes to the end of the piece before it, where `…` is.
    fn map(&self, at: usize) -> usize {
        let index = self.pieces.partition_point(|&(from, _, _)| from <= at);
        match index.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(from, to, shown)) => shown + at.min(to) - from,
            None => 0,
        }
    }

    /// The offset of the original that `at` in the text shows.
    fn unmap(&self, at: usize) -> usize {
        let index = self.pieces.partition_point(|&(_, _, shown)| shown <= at);
        match index.checked_sub(1).and_then(|i| self.pieces.get(i)) {
            Some(&(from, to, shown)) => (from + (at - shown)).min(to),
            None => 0,
        }
    }
}

/// The pieces of the long line `start..end` to keep: a window of
/// [`WINDOW_CHARS`] chars around each point on it, overlapping ones merged;
/// the line's first chars when no point is on it. The line ending is kept.
fn windows(text: &str, start: usize, end: usize, points: &[usize]) -> Vec<(usize, usize)> {
    let content_end = if text.get(..end).is_some_and(|t| t.ends_with('\n')) {
        end - 1
    } else {
        end
    };
    let line = text.get(start..content_end).unwrap_or_default();
    let back = |at: usize, chars: usize| {
        line.get(..at)
            .and_then(|before| before.char_indices().rev().nth(chars.saturating_sub(1)))
            .map_or(0, |(i, _)| i)
    };
    let forward = |at: usize, chars: usize| {
        line.get(at..)
            .and_then(|after| after.char_indices().nth(chars))
            .map_or(line.len(), |(i, _)| at + i)
    };
    let mut around: Vec<usize> = points
        .iter()
        .filter(|&&p| p >= start && p <= content_end)
        .map(|&p| clamp_to_char_boundary(line, p - start))
        .collect();
    if around.is_empty() {
        around.push(0);
    }
    around.sort_unstable();
    let mut kept: Vec<(usize, usize)> = Vec::new();
    for at in around {
        let from = if at == 0 { 0 } else { back(at, BEFORE_CHARS) };
        let to = forward(from, WINDOW_CHARS);
        match kept.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => kept.push((from, to)),
        }
    }
    let mut pieces: Vec<(usize, usize)> = kept
        .into_iter()
        .map(|(from, to)| (start + from, start + to))
        .collect();
    // The line ending stays, after a `…` when the line was cut before it.
    if content_end < end {
        pieces.push((content_end, end));
    }
    pieces
}

impl SourceCode for Excerpt<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let (inner, at) = match &self.shown {
            None => (
                self.context(span, context_lines_before, context_lines_after)?,
                span.offset(),
            ),
            Some(shown) => (
                shown
                    .text
                    .read_span(span, context_lines_before, context_lines_after)?,
                shown.unmap(span.offset()),
            ),
        };
        // miette reads the header's column from a span read without
        // context: give the column in the full line, not in the window, and
        // in characters as `SourceFile::line_col` and editors count (miette
        // counts bytes, so a line with `è` before the error would disagree
        // with the one-line form).
        let column = if context_lines_before == 0 {
            let at = clamp_to_char_boundary(self.original, at);
            let line_start = self
                .original
                .get(..at)
                .and_then(|before| before.rfind('\n'))
                .map_or(0, |i| i + 1);
            self.original
                .get(line_start..at)
                .map_or(at - line_start, |t| t.chars().count())
        } else {
            inner.column()
        };
        Ok(Box::new(named(&self.name, inner.as_ref(), column)))
    }
}

impl Excerpt<'_> {
    /// What miette's own `read_span` on the original gives (the lines
    /// around a span), found with the line index instead of by reading
    /// the file from its start: a file with thousands of diagnostics would
    /// be read thousands of times.
    fn context(
        &self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'_> + '_>, MietteError> {
        let text = self.original.as_bytes();
        let start = span.offset();
        // Empty spans (rare, and read by miette with quirks of their own)
        // and spans past the end are left to miette.
        let Some(mut last) = (start.checked_add(span.len()))
            .filter(|end| *end <= text.len())
            .and_then(|end| end.checked_sub(1))
            .filter(|_| !span.is_empty())
        else {
            return self.original.read_span(span, before, after);
        };
        // miette reads a CRLF as one line break.
        if text.get(last..last + 2) == Some(b"\r\n") {
            last += 1;
        }
        let line_of = |at: usize| {
            self.line_starts
                .partition_point(|s| *s <= at)
                .saturating_sub(1)
        };
        let line_start = |line: usize| self.line_starts.get(line).copied().unwrap_or(text.len());
        let first_line = line_of(start);
        // A span that ends on a line break reaches into the next line.
        let last_line = line_of(last) + usize::from(text.get(last) == Some(&b'\n'));
        let (from, line) = if before == 0 {
            (start, first_line)
        } else {
            let line = first_line.saturating_sub(before);
            (line_start(line), line)
        };
        let to = if after == 0 {
            last + 1
        } else {
            line_start(last_line + after + 1).min(text.len())
        };
        let data = text.get(from..to).ok_or(MietteError::OutOfBounds)?;
        let column = if before == 0 {
            start - line_start(first_line)
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new(
            data,
            (from, to - from).into(),
            line,
            column,
            line,
        )))
    }
}

/// `contents` with a file name and `column`, and with its line count
/// being the lines it holds and [`MERGE_GAP`]: miette's own reading counts
/// every line from the start of the file, so two labels far apart in a
/// long file would be shown as one excerpt with every line between them.
fn named<'b>(name: &str, contents: &dyn SpanContents<'b>, column: usize) -> MietteSpanContents<'b> {
    let lines = contents.data().iter().filter(|b| **b == b'\n').count() + 1 + MERGE_GAP;
    MietteSpanContents::new_named(
        name.to_owned(),
        contents.data(),
        *contents.span(),
        contents.line(),
        column,
        lines,
    )
}

/// Renders one diagnostic as a single line for CI logs and editors.
pub fn short(diagnostic: &Diagnostic, source: &SourceFile) -> String {
    let (line, column) = source.line_col(diagnostic.primary_span().start_usize());
    format!(
        "{}:{}:{}: {}[{}]: {}",
        source.name,
        line,
        column,
        diagnostic.severity.word(),
        diagnostic.code.id(),
        clip_message(&diagnostic.message)
    )
}

/// Adapts our plain diagnostic to miette's trait for rendering only.
struct MietteView<'a> {
    diagnostic: &'a Diagnostic,
    message: std::borrow::Cow<'a, str>,
    source: Excerpt<'a>,
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.diagnostic.code.id(),
            self.diagnostic.code.name()
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts: Vec<&str> = Vec::new();
        let help = self.diagnostic.help.as_deref().map(clip_message);
        if let Some(help) = &help {
            parts.push(help);
        }
        parts.extend(self.diagnostic.notes.iter().map(String::as_str));
        if parts.is_empty() {
            None
        } else {
            Some(Box::new(parts.join("\n")))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.diagnostic.labels.is_empty() {
            None
        } else {
            Some(&self.source)
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.diagnostic.labels.is_empty() {
            return None;
        }
        let len = self.source.original.len();
        let shown = self.source.shown.as_ref();
        Some(Box::new(self.diagnostic.labels.iter().map(move |label| {
            let start = (label.span.start as usize).min(len);
            let end = (label.span.end as usize).clamp(start, len);
            let (start, end) = match shown {
                Some(shown) => (shown.map(start), shown.map(end)),
                None => (start, end),
            };
            let span = SourceSpan::new(start.into(), end - start);
            let text = if label.message.is_empty() {
                None
            } else {
                Some(clip_message(&label.message).into_owned())
            };
            if label.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::span::Span;

    /// `Excerpt::context` is miette's `read_span` without reading the file
    /// from its start: the same lines, span, line and column, for every
    /// non-empty span of texts with empty lines, CRLF and no final line
    /// break.
    #[test]
    fn context_reads_what_miettes_read_span_reads() {
        for text in ["ab\ncd\n\nefg\nh", "a\r\nbc\r\n\r\nd\r\n", "\n\nx\n"] {
            let source = SourceFile::new("t", text);
            let excerpt = Excerpt {
                name: "t".to_owned(),
                original: text,
                line_starts: &source.line_starts,
                shown: None,
            };
            for start in 0..=text.len() {
                for len in 1..=text.len() - start {
                    let span = SourceSpan::from((start, len));
                    for (before, after) in [(0, 0), (1, 1), (2, 2), (0, 1), (1, 0)] {
                        let ours = excerpt.context(&span, before, after);
                        let theirs = text.read_span(&span, before, after);
                        let (Ok(ours), Ok(theirs)) = (ours, theirs) else {
                            continue;
                        };
                        // Without lines before, `read_span` replaces the
                        // column with its own.
                        let seen = |c: &dyn SpanContents<'_>| {
                            let column = (before > 0).then(|| c.column());
                            (c.data().to_vec(), *c.span(), c.line(), column)
                        };
                        assert_eq!(
                            seen(ours.as_ref()),
                            seen(theirs.as_ref()),
                            "{text:?} at {start}+{len}, context {before}/{after}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn labels_far_apart_get_an_excerpt_each() {
        let mut text = String::from("first\n");
        text.push_str(&"filler\n".repeat(1000));
        text.push_str("last\n");
        let source = SourceFile::new("long.gdl", text.as_str());
        let last = text.len() - "last\n".len();
        let diagnostic = Diagnostic::new(Code::UnknownName, "far apart")
            .primary(Span::new(last, last + 4), "here")
            .secondary(Span::new(0, 5), "and there");
        let out = human(&diagnostic, &source, HumanStyle::PLAIN);
        assert!(out.lines().count() < 30, "{out}");
        assert!(
            out.contains("long.gdl:1:1") && out.contains("long.gdl:1002:1"),
            "{out}"
        );
    }

    #[test]
    fn short_lines_are_shown_as_they_are() {
        assert!(Shown::cut("a\nb\n", &[0, 2]).is_none());
        let line = "x".repeat(LINE_CHARS);
        assert!(Shown::cut(&line, &[5]).is_none(), "exactly the limit");
    }

    #[test]
    fn long_lines_are_cut_around_points_on_char_boundaries() {
        // Multi-byte chars everywhere, so a cut by bytes would split one.
        let long = "é".repeat(1000);
        let text = format!("first\n{long}X{long}\nlast {long}\n");
        let at = text.find('X').unwrap_or_default();
        let shown = Shown::cut(&text, &[at, at + 1]).unwrap_or_else(|| panic!("not cut"));
        assert_eq!(
            shown.text.lines().count(),
            text.lines().count(),
            "no line removed"
        );
        let lines: Vec<&str> = shown.text.lines().collect();
        assert_eq!(lines[0], "first");
        assert!(
            lines[1].starts_with('…') && lines[1].ends_with('…'),
            "{}",
            lines[1]
        );
        assert!(lines[1].chars().count() < WINDOW_CHARS + 10, "{}", lines[1]);
        assert_eq!(
            lines[1].chars().position(|c| c == 'X'),
            Some(1 + BEFORE_CHARS)
        );
        assert!(lines[2].starts_with("last ") && lines[2].ends_with('…'));
        let mapped = shown.map(at);
        assert_eq!(shown.text.get(mapped..mapped + 1), Some("X"));
        assert_eq!(shown.unmap(mapped), at);
        // An offset cut out maps to the `…` after the piece before it.
        let cut_out = text.find("last").unwrap_or_default() + 2 * 500;
        let mapped = shown.map(cut_out);
        assert!(shown.text.get(mapped..).is_some_and(|t| t.starts_with('…')));
    }

    #[test]
    fn a_label_far_into_a_long_line_keeps_its_true_column() {
        let text = format!("{{\"a\": [{}], \"zz\": 1}}", "1,".repeat(100_000) + "1");
        let at = text.find("\"zz\"").unwrap_or_default();
        let diagnostic = Diagnostic::new(Code::UnknownFact, "`zz` is not a fact")
            .primary(Span::new(at, at + 4), "unknown fact");
        let source = SourceFile::new("big.json", text.clone());
        let rendered = human(&diagnostic, &source, HumanStyle::PLAIN);
        assert!(rendered.len() < 1000, "{} bytes", rendered.len());
        assert!(
            rendered.contains(&format!("[big.json:1:{}]", at + 1)),
            "{rendered}"
        );
        assert!(rendered.contains("\"zz\": 1}"), "{rendered}");
    }

    #[test]
    fn long_messages_are_cut_in_the_middle() {
        let short = "a message";
        assert_eq!(clip_message(short), short);
        let long = format!("unknown name `{}`", "é".repeat(10 * MESSAGE_CHARS));
        let clipped = clip_message(&long);
        assert_eq!(clipped.chars().count(), MESSAGE_CHARS + 1);
        assert!(clipped.starts_with("unknown name `é") && clipped.ends_with("é`"));
        assert!(clipped.contains('…'));
    }
}
