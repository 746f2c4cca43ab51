//! Formatting: `gdl fmt`'s layout, as the few line edits that turn the
//! editor's text into it (not one edit of the whole file, so the cursor
//! and folds outside the changed lines stay put).
//!
//! Invariant: applying the edits, in order, gives exactly
//! `crate::fmt::format` of the text; a text that does not parse gets no
//! edits (its syntax error is already a diagnostic).

use lsp_types::{DocumentFormattingParams, TextEdit};
use similar::{DiffTag, TextDiff};

use super::position::LineIndex;
use super::workspace::Workspace;
use crate::span::Span;

/// The edits that format a document.
pub fn formatting(
    workspace: &mut Workspace,
    params: DocumentFormattingParams,
) -> Option<Vec<TextEdit>> {
    let document = workspace.documents.get(params.text_document.uri.as_str())?;
    let formatted = crate::fmt::format(&document.text).ok()?;
    Some(edits(&document.text, &document.lines, &formatted))
}

/// Line edits from `old` to `new`.
pub fn edits(old: &str, lines: &LineIndex, new: &str) -> Vec<TextEdit> {
    let old_starts = line_starts(old);
    let new_starts = line_starts(new);
    let diff = TextDiff::from_lines(old, new);
    let mut edits = Vec::new();
    for op in diff.ops() {
        let (tag, old_lines, new_lines) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        let at = |starts: &[usize], line: usize| starts.get(line).copied().unwrap_or(0);
        let span = Span::new(
            at(&old_starts, old_lines.start),
            at(&old_starts, old_lines.end),
        );
        let replacement = new
            .get(at(&new_starts, new_lines.start)..at(&new_starts, new_lines.end))
            .unwrap_or("");
        edits.push(TextEdit::new(
            lines.range(old, span),
            replacement.to_owned(),
        ));
    }
    edits
}

/// The start of each line, and the end of the text last.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        at += line.len();
        starts.push(at);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let lines = LineIndex::new(text);
        let mut out = text.to_owned();
        for edit in edits.iter().rev() {
            let span = lines.span(text, edit.range);
            out.replace_range(span.start_usize()..span.end as usize, &edit.new_text);
        }
        out
    }

    #[test]
    fn edits_turn_the_old_text_into_the_new() {
        let old = "a\nb\nc\nd";
        let new = "a\nB\nc\nd\ne\n";
        let edits = edits(old, &LineIndex::new(old), new);
        assert_eq!(apply(old, &edits), new);
    }
}
