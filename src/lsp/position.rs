//! Byte offsets ↔ LSP positions. gdl's spans are byte offsets into UTF-8
//! text; the protocol counts lines from 0 and characters in UTF-16 code
//! units (its default `positionEncoding`, the only one every client
//! speaks), so `é` is one unit and `𝑥` two.
//!
//! Input: a document's text. Output: a [`LineIndex`] that converts both
//! ways. Invariants: every offset it returns is on a character boundary of
//! the text and at most its length; a position past the end of a line
//! clamps to that line's end, and a line past the end of the text clamps
//! to the end of the text, as the protocol asks.

use lsp_types::{Position, Range};

use crate::span::Span;

/// Where each line starts, for one text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// Length of the text in bytes.
    len: usize,
}

impl LineIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The position of a byte offset (clamped to the text, moved back to
    /// a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let character = text
            .get(start..offset)
            .map_or(0, |before| before.encode_utf16().count());
        Position::new(to_u32(line), to_u32(character))
    }

    /// The range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start_usize()),
            self.position(text, span.end as usize),
        )
    }

    /// The byte offset of a position: a character past the end of its line
    /// is the line's end (before its line break), a line past the last is
    /// the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else {
            return self.len;
        };
        let end = self
            .starts
            .get(position.line as usize + 1)
            .copied()
            .unwrap_or(self.len);
        let line = text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0;
        for (at, character) in line.char_indices() {
            if units >= position.character as usize {
                return start + at;
            }
            units += character.len_utf16();
        }
        start + line.len()
    }

    /// The span of a range.
    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        let end = self.offset(text, range.end).max(start);
        Span::new(start, end)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_utf16_units_and_round_trips() {
        let text = "ab\nfièvre 𝑥 = 1\r\nlast";
        let index = LineIndex::new(text);
        let x = text.find('𝑥').unwrap_or(0);
        assert_eq!(index.position(text, x), Position::new(1, 7));
        let after = x + '𝑥'.len_utf8();
        assert_eq!(index.position(text, after), Position::new(1, 9));
        // Every offset but the one inside a CRLF, which no position names.
        for (offset, c) in text.char_indices() {
            if c != '\n' || !text[..offset].ends_with('\r') {
                assert_eq!(index.offset(text, index.position(text, offset)), offset);
            }
        }
    }

    #[test]
    fn clamps_positions_beyond_a_line_or_the_text() {
        let text = "ab\r\ncd";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(text, Position::new(0, 99)), 2);
        assert_eq!(index.offset(text, Position::new(9, 0)), text.len());
        assert_eq!(index.position(text, 99), Position::new(1, 2));
    }
}
