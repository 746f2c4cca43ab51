//! Renderers at the edge: miette's graphical report for people, and the
//! one-line `file:line:col: severity[code]: message` form for CI logs, whose
//! line index comes from codespan-reporting.

use std::fmt;

use codespan_reporting::files::{Files, SimpleFile};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Severity};

/// A source file a diagnostic points into.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as given by the user.
    pub name: String,
    /// Full text.
    pub text: String,
}

impl SourceFile {
    /// A named source.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            name: name.into(),
            text: text.into(),
        }
    }

    /// 1-based line and column of a byte offset (column counted in chars).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let file = SimpleFile::new(self.name.as_str(), self.text.as_str());
        let offset = clamp_to_char_boundary(&self.text, offset);
        match file.location((), offset) {
            Ok(location) => (location.line_number, location.column_number),
            Err(_) => (1, 1),
        }
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
    let report = MietteView {
        diagnostic,
        source: CharColumns(NamedSource::new(source.name.clone(), source.text.clone())),
        text_len: source.text.len(),
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}: {}\n", diagnostic.code.id(), diagnostic.message);
    }
    out
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
        diagnostic.message
    )
}

/// Adapts our plain diagnostic to miette's trait for rendering only.
struct MietteView<'a> {
    diagnostic: &'a Diagnostic,
    source: CharColumns,
    text_len: usize,
}

/// The source as miette reads it, with columns counted in characters as in
/// [`SourceFile::line_col`]: miette counts bytes, so the `[file:line:col]`
/// header of a line with `è` before the error would disagree with the
/// one-line form and with editors.
struct CharColumns(NamedSource<String>);

impl miette::SourceCode for CharColumns {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self
            .0
            .read_span(span, context_lines_before, context_lines_after)?;
        let text = self.0.inner();
        let offset = clamp_to_char_boundary(text, span.offset());
        let line_start = text
            .get(..offset)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let byte_column = offset - line_start;
        if contents.column() != byte_column {
            // Only the header's query (no context lines) reports a column.
            return Ok(contents);
        }
        let column = text
            .get(line_start..offset)
            .map_or(byte_column, |t| t.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.0.name().to_owned(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.diagnostic.fmt(f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
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
        if let Some(help) = &self.diagnostic.help {
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
        let len = self.text_len;
        Some(Box::new(self.diagnostic.labels.iter().map(move |label| {
            let start = (label.span.start as usize).min(len);
            let end = (label.span.end as usize).clamp(start, len);
            let span = SourceSpan::new(start.into(), end - start);
            let text = if label.message.is_empty() {
                None
            } else {
                Some(label.message.clone())
            };
            if label.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}
