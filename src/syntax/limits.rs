//! Guards that run before pest sees the text: size, encoding and nesting
//! depth. pest parses nested parentheses by recursion, so depth is bounded
//! here, on a flat scan, before any recursion can happen.

use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// The UTF-8 byte-order mark. Editors on Windows (Notepad, Excel's "CSV
/// UTF-8") write it at the start of a file; it says nothing but "UTF-8".
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// `bytes` without a leading [`BOM`]: every reader of a file skips it.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// Largest guideline file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;
/// Deepest nesting of parentheses, braces and `not` accepted.
pub const MAX_DEPTH: usize = 64;

/// Turns raw bytes into text, or says why they are not a guideline.
pub fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::new(
            Code::FileTooLarge,
            format!(
                "file is {} bytes; gdl reads guideline files of at most {} bytes",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        )
        .help("split the guideline into smaller files, or check that this is the file you meant"));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let at = error.valid_up_to();
            return Err(not_text(at, "this byte is not valid UTF-8"));
        }
    };
    if let Some(at) = text.find('\0') {
        return Err(not_text(at, "a NUL byte: this looks like a binary file"));
    }
    Ok(text.to_owned())
}

fn not_text(at: usize, label: &str) -> Diagnostic {
    Diagnostic::new(Code::NotText, "the file is not UTF-8 text")
        .primary(Span::new(at, at), label)
        .help("gdl reads UTF-8 text files; re-save the file as UTF-8, or check that this is a .gdl file")
}

/// Rejects nesting of `(` and `{` deeper than [`MAX_DEPTH`], skipping
/// strings and comments.
pub fn check_nesting(text: &str) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut index = 0usize;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'#' => {
                while bytes.get(index).is_some_and(|&b| b != b'\n') {
                    index += 1;
                }
            }
            b'"' => index = string_end(bytes, index),
            b'(' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(Span::new(index, index + 1)));
                }
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    Ok(())
}

/// Byte offsets where top-level declarations start: a declaration keyword
/// at the start of a line, outside braces, parentheses, strings and
/// comments. Used to split large files for parallel parsing; a wrong guess
/// only costs speed, because a piece that fails to parse makes the parser
/// fall back to the whole file.
pub fn top_level_starts(text: &str) -> Vec<usize> {
    const KEYWORDS: &[&str] = &[
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
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut index = 0usize;
    while let Some(&byte) = bytes.get(index) {
        let line_start = index == 0 || bytes.get(index - 1) == Some(&b'\n');
        if depth == 0 && line_start {
            let rest = text.get(index..).unwrap_or("");
            if KEYWORDS.iter().any(|k| rest.starts_with(k)) {
                starts.push(index);
            }
        }
        match byte {
            b'#' => {
                while bytes.get(index).is_some_and(|&b| b != b'\n') {
                    index += 1;
                }
                continue;
            }
            b'"' => index = string_end(bytes, index),
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    starts
}

/// Given the index of an opening `"`, the index of its closing quote (or of
/// the end of the line or text, for an unterminated string). Strings are
/// single-line, with `\\` escapes; shared by every pre-parse scan.
pub fn string_end(bytes: &[u8], open: usize) -> usize {
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

/// The diagnostic for nesting beyond [`MAX_DEPTH`].
pub fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        format!("nesting deeper than {MAX_DEPTH} levels"),
    )
    .primary(span, "too deep here")
    .help("name part of the condition with `define` and use that name instead")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_parentheses_are_rejected_without_recursion() {
        let text = "(".repeat(100_000);
        let error = check_nesting(&text).err();
        assert_eq!(error.map(|d| d.code), Some(Code::NestingTooDeep));
    }

    #[test]
    fn parentheses_in_strings_and_comments_do_not_count() {
        let text = format!("# {}\n\"{}\"", "(".repeat(100), "(".repeat(100));
        assert!(check_nesting(&text).is_ok());
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(
            decode(b"\0\x01\x02").err().map(|d| d.code),
            Some(Code::NotText)
        );
        assert_eq!(
            decode(b"\xff\xfe").err().map(|d| d.code),
            Some(Code::NotText)
        );
    }
}
