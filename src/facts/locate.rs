//! Where things are in a facts text, for diagnostics: the spans of a
//! top-level key and its value, and the offset of a line and column.

use crate::span::Span;

/// The byte offset of a 1-based line and column (serde_json's position).
pub(super) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += content.len();
    }
    text.len()
}

/// Finds the spans of a top-level key and its value in a JSON object.
/// Only used on the error path, after serde has validated the structure up
/// to the failing key. Iterative, so deep nesting cannot overflow.
pub(super) fn locate(text: &str, wanted: &str) -> Option<(Span, Span)> {
    let bytes = text.as_bytes();
    let mut index = skip_ws(bytes, 0);
    if bytes.get(index) != Some(&b'{') {
        return None;
    }
    index += 1;
    loop {
        index = skip_ws(bytes, index);
        if bytes.get(index) != Some(&b'"') {
            return None;
        }
        let key_start = index;
        index = skip_string(bytes, index)?;
        let key_span = Span::new(key_start, index);
        let key: Option<String> = serde_json::from_str(text.get(key_start..index)?).ok();
        index = skip_ws(bytes, index);
        if bytes.get(index) != Some(&b':') {
            return None;
        }
        index = skip_ws(bytes, index + 1);
        let value_start = index;
        index = skip_value(bytes, index)?;
        if key.as_deref() == Some(wanted) {
            return Some((key_span, Span::new(value_start, index)));
        }
        index = skip_ws(bytes, index);
        match bytes.get(index) {
            Some(b',') => index += 1,
            _ => return None,
        }
    }
}

fn skip_ws(bytes: &[u8], mut index: usize) -> usize {
    while bytes.get(index).is_some_and(|b| b.is_ascii_whitespace()) {
        index += 1;
    }
    index
}

/// `index` at an opening quote; returns the index after the closing quote.
fn skip_string(bytes: &[u8], mut index: usize) -> Option<usize> {
    index += 1;
    loop {
        match bytes.get(index)? {
            b'\\' => index += 2,
            b'"' => return Some(index + 1),
            _ => index += 1,
        }
    }
}

fn skip_value(bytes: &[u8], mut index: usize) -> Option<usize> {
    let mut depth = 0usize;
    loop {
        match bytes.get(index) {
            Some(b'"') => index = skip_string(bytes, index)?,
            Some(b'{' | b'[') => {
                depth += 1;
                index += 1;
            }
            Some(b'}' | b']') => {
                if depth == 0 {
                    return Some(index);
                }
                depth -= 1;
                index += 1;
            }
            Some(b',') if depth == 0 => return Some(index),
            Some(b) if depth == 0 && b.is_ascii_whitespace() => return Some(index),
            Some(_) => index += 1,
            None => return Some(index),
        }
        if depth == 0 && matches!(bytes.get(index.wrapping_sub(1)), Some(b'}' | b']' | b'"')) {
            return Some(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_values() {
        let text = r#"{"a": [1, {"b": 2}], "egfr": {"value": 45, "unit": "mg"} }"#;
        let (key, value) = locate(text, "egfr").unwrap_or_default();
        assert_eq!(&text[key.start as usize..key.end as usize], "\"egfr\"");
        assert_eq!(
            &text[value.start as usize..value.end as usize],
            r#"{"value": 45, "unit": "mg"}"#
        );
    }

    #[test]
    fn offsets_follow_lines() {
        assert_eq!(offset_of("ab\ncd", 2, 2), 4);
    }
}
