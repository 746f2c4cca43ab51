//! Guards that run before pest sees the text: size and encoding, and the
//! nesting limit. pest parses nested parentheses by recursion, so depth is
//! bounded before parsing, on the flat scan of [`super::trivia`], before
//! any recursion can happen.

use super::error;
use crate::diagnostics::Diagnostic;

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
        return Err(error::file_too_large(bytes.len()));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(invalid) => {
            let at = invalid.valid_up_to();
            return Err(error::not_text(at, "this byte is not valid UTF-8"));
        }
    };
    if let Some(at) = text.find('\0') {
        return Err(error::not_text(
            at,
            "a NUL byte: this looks like a binary file",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

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
