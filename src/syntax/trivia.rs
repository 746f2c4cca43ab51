//! Trivia: the text around the code — `#` comments, blank lines — and the
//! nesting depth of `(` and `{`, found by one flat scan that knows strings
//! (single-line, with `\` escapes) and comments.
//!
//! Input: source text. Output: a [`Trivia`] with absolute byte offsets.
//! Every question about text outside the tree asks this module: the depth
//! guard that runs before pest recurses and the split points for parsing a
//! large file in parallel (`parse`), where a node's code ends before the
//! comments pest skipped after it (`lower`), and the comments and blank
//! lines `gdl fmt` keeps. Invariant: the scan is iterative, so no input can
//! make it recurse, and it stops at the first bracket nested too deep.

use super::limits::MAX_DEPTH;

/// Keywords that open a top-level declaration.
const DECLARATION_KEYWORDS: &[&str] = &[
    "guideline ",
    "reference ",
    "enum ",
    "fact ",
    "define ",
    "invariant ",
    "exclusive ",
    "action ",
    "rule ",
    "section ",
];

/// A `#` comment: from the `#` to the end of its line, trailing blanks left
/// out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the `#`.
    pub start: usize,
    /// Byte offset just after its last character that is not blank.
    pub end: usize,
    /// Whether code precedes the comment on its line.
    pub trailing: bool,
}

/// What one scan of a text found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trivia {
    /// Every comment, in source order (up to [`Trivia::too_deep`]).
    pub comments: Vec<Comment>,
    /// Byte offsets where top-level declarations start: a declaration
    /// keyword at the start of a line, outside brackets, strings and
    /// comments. Used to split large files for parallel parsing; a wrong
    /// guess only costs speed, because a piece that fails to parse makes
    /// the parser fall back to the whole file.
    pub top_level_starts: Vec<usize>,
    /// The offset of the first `(` or `{` nested deeper than
    /// [`MAX_DEPTH`]; the scan stops there.
    pub too_deep: Option<usize>,
}

/// Scans `text` once for comments, declaration starts and depth.
pub fn scan(text: &str) -> Trivia {
    let bytes = text.as_bytes();
    let mut trivia = Trivia::default();
    let mut depth = 0usize;
    let mut index = 0usize;
    let mut line_has_code = false;
    while let Some(&byte) = bytes.get(index) {
        let line_start = index == 0 || bytes.get(index - 1) == Some(&b'\n');
        if depth == 0 && line_start {
            let rest = text.get(index..).unwrap_or("");
            if DECLARATION_KEYWORDS.iter().any(|k| rest.starts_with(k)) {
                trivia.top_level_starts.push(index);
            }
        }
        match byte {
            b'\n' => line_has_code = false,
            b'#' => {
                let line_end = text
                    .get(index..)
                    .and_then(|rest| rest.find('\n'))
                    .map_or(text.len(), |n| index + n);
                let body = text.get(index..line_end).unwrap_or("#");
                trivia.comments.push(Comment {
                    start: index,
                    end: index + body.trim_end().len(),
                    trailing: line_has_code,
                });
                index = line_end;
                continue;
            }
            b'"' => {
                line_has_code = true;
                index = string_end(bytes, index);
                // An unterminated string ends its line: the line feed is
                // read again, as the start of the next line.
                if bytes.get(index) == Some(&b'\n') {
                    continue;
                }
            }
            b'(' | b'{' => {
                line_has_code = true;
                depth += 1;
                if depth > MAX_DEPTH {
                    trivia.too_deep = Some(index);
                    return trivia;
                }
            }
            b')' | b'}' => {
                line_has_code = true;
                depth = depth.saturating_sub(1);
            }
            b' ' | b'\t' | b'\r' => {}
            _ => line_has_code = true,
        }
        index += 1;
    }
    trivia
}

impl Trivia {
    /// The length of `node`, the text of a tree node that starts at byte
    /// `start`, without the blanks and comments that pest's implicit
    /// skipping leaves at the end of a rule whose last, optional part is
    /// absent.
    pub fn code_len(&self, node: &str, start: usize) -> usize {
        let mut len = node.trim_end().len();
        loop {
            let end = start + len;
            let Ok(found) = self.comments.binary_search_by_key(&end, |c| c.end) else {
                return len;
            };
            let Some(comment) = self.comments.get(found).filter(|c| c.start >= start) else {
                return len;
            };
            len = node
                .get(..comment.start - start)
                .map_or(0, |code| code.trim_end().len());
        }
    }
}

/// Whether the text between two pieces of code holds a blank line: a line
/// between its first and its last line feed with nothing but blanks on it.
pub fn has_blank_line(between: &str) -> bool {
    between
        .split('\n')
        .skip(1)
        .take(between.matches('\n').count().saturating_sub(1))
        .any(|line| line.trim().is_empty())
}

/// Given the index of an opening `"`, the index of its closing quote (or of
/// the end of the line or text, for an unterminated string).
fn string_end(bytes: &[u8], open: usize) -> usize {
    let mut index = open + 1;
    while let Some(&b) = bytes.get(index) {
        match b {
            b'\\' => index += 1,
            b'"' | b'\n' => return index,
            _ => {}
        }
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_texts(text: &str) -> Vec<(&str, bool)> {
        scan(text)
            .comments
            .iter()
            .map(|c| (text.get(c.start..c.end).unwrap_or(""), c.trailing))
            .collect()
    }

    #[test]
    fn comments_outside_strings_are_found_with_their_place() {
        let text = "# own line  \nfact x: bool # after code\r\nfact y: bool \"a # not\" #\n";
        assert_eq!(
            comment_texts(text),
            vec![("# own line", false), ("# after code", true), ("#", true)]
        );
    }

    #[test]
    fn an_unterminated_string_ends_at_its_line() {
        let text = "fact x: bool \"open\n# own line\n";
        assert_eq!(comment_texts(text), vec![("# own line", false)]);
    }

    #[test]
    fn deep_parentheses_are_found_without_recursion() {
        let text = "(".repeat(100_000);
        assert_eq!(scan(&text).too_deep, Some(MAX_DEPTH));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!("# {}\n\"{}\"", "(".repeat(100), "(".repeat(100));
        assert_eq!(scan(&text).too_deep, None);
    }

    #[test]
    fn top_level_starts_skip_nested_strings_and_comments() {
        let text = "fact x: bool\n# rule in a comment\nsection s {\nrule r {}\n}\nrule q {}\n";
        let starts = scan(text).top_level_starts;
        let words: Vec<&str> = starts
            .iter()
            .map(|&s| text.get(s..s + 4).unwrap_or(""))
            .collect();
        assert_eq!(words, vec!["fact", "sect", "rule"]);
        assert_eq!(starts.last().copied(), text.rfind("rule q"));
    }

    #[test]
    fn code_len_stops_before_trailing_blanks_and_comments() {
        let text = "when x   # first\n  # second\n  \nthen";
        let trivia = scan(text);
        let node = text.get(..text.len() - 4).unwrap_or("");
        assert_eq!(trivia.code_len(node, 0), "when x".len());
        // A comment that starts before the node is not the node's.
        let inner = text.get(11..17).unwrap_or("");
        assert_eq!(trivia.code_len(inner, 11), "first".len());
    }

    #[test]
    fn blank_lines_are_lines_with_only_blanks() {
        assert!(has_blank_line("x\n  \ny"));
        assert!(!has_blank_line("x\ny"));
        assert!(!has_blank_line("  \n"));
    }
}
