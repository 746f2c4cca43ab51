//! `file:` URIs ↔ paths. Clients name documents by URI; case files name
//! their guideline by a path relative to themselves, and the workspace is
//! scanned on disk, so both forms are needed.
//!
//! Invariant: `from_path(to_path(u)) == u` for every `file:` URI this
//! module writes: the bytes that need it are percent-encoded, the rest
//! left as they are.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path of a `file:` URI; `None` for another scheme.
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host (empty or `localhost`).
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    Some(PathBuf::from(percent_decode(rest)?))
}

/// The `file:` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    let mut uri = String::from("file://");
    for byte in text.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if byte == b'%' {
            let hex = text.get(at + 1..at + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(byte);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_paths_with_spaces_and_accents() {
        let path = Path::new("/tmp/my guidelines/fièvre.gdl");
        let uri = from_path(path).map(|u| u.as_str().to_owned());
        assert_eq!(
            uri.as_deref(),
            Some("file:///tmp/my%20guidelines/fi%C3%A8vre.gdl")
        );
        let back = from_path(path).and_then(|u| to_path(&u));
        assert_eq!(back.as_deref(), Some(path));
    }
}
