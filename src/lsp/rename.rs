//! Rename: every occurrence of a name in its guideline, and where the
//! workspace writes the same name in JSON: the facts and expectations of
//! the guideline's case files, and the facts examples whose keys are all
//! its facts. A rename that would break the guideline (a name already
//! taken, a reserved word, a file that does not parse) is refused, with
//! the reason, and changes nothing.
//!
//! Invariant: the guideline after the edits has no error it did not have
//! before (checked by compiling the renamed text), and a JSON string is
//! renamed only where its place in the file says it is this name: a fact
//! as a key of `facts`, an action in an expectation list or as the value
//! of a fact over `Action`, an enum value as the value of a fact over its
//! enum, a rule in `escalated`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    PrepareRenameResponse, RenameParams, TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit,
};

use super::position::LineIndex;
use super::symbols::{ACTION_ENUM, Kind, Symbols, Target};
use super::uri;
use super::workspace::Workspace;
use crate::span::Span;

/// The name under the cursor and its range, when it can be renamed.
pub fn prepare(
    workspace: &mut Workspace,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some(document) = workspace
        .documents
        .get_mut(params.text_document.uri.as_str())
    else {
        return Ok(None);
    };
    let offset = document.lines.offset(&document.text, params.position);
    let Some(occurrence) = document.front().symbols.at(offset).cloned() else {
        return Err("there is no name here to rename".to_owned());
    };
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: document.lines.range(&document.text, occurrence.span),
        placeholder: occurrence.target.name,
    }))
}

/// The edits of a rename, or why it is refused.
pub fn rename(
    workspace: &mut Workspace,
    params: RenameParams,
) -> Result<Option<WorkspaceEdit>, String> {
    let at = params.text_document_position;
    let new_name = params.new_name;
    let key = at.text_document.uri.as_str().to_owned();
    let Some(document) = workspace.documents.get_mut(&key) else {
        return Ok(None);
    };
    let offset = document.lines.offset(&document.text, at.position);
    let front = document.front();
    if front.tree.is_none() {
        return Err("the guideline has a syntax error: fix it before renaming".to_owned());
    }
    let Some(target) = front.symbols.at(offset).map(|o| o.target.clone()) else {
        return Err("there is no name here to rename".to_owned());
    };
    if !is_name(&new_name) {
        return Err(format!(
            "`{new_name}` is not a name: a name is a letter or `_` followed by letters, digits and `_`"
        ));
    }
    if new_name == target.name {
        return Ok(None);
    }
    let symbols = front.symbols.clone();
    let errors_before = front.diagnostics.iter().filter(|d| d.is_error()).count();
    let document = &*document;
    let spans: Vec<Span> = symbols.uses(&target).map(|o| o.span).collect();
    let renamed = apply(&document.text, &spans, &new_name);
    let after = crate::compile(&renamed);
    let errors_after = after.diagnostics.iter().filter(|d| d.is_error()).count();
    if errors_after > errors_before {
        let first = after
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map_or(String::new(), |d| format!(": {}", d.message));
        return Err(format!(
            "renaming `{}` to `{new_name}` would break the guideline{first}",
            target.name
        ));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    let edits = spans
        .iter()
        .map(|span| {
            TextEdit::new(
                document.lines.range(&document.text, *span),
                new_name.clone(),
            )
        })
        .collect();
    changes.insert(document.uri.clone(), edits);
    if let Some(path) = uri::to_path(&document.uri) {
        json_edits(workspace, &path, &symbols, &target, &new_name, &mut changes)?;
    }
    Ok(Some(WorkspaceEdit {
        changes: Some(changes),
        document_changes: None,
        change_annotations: None,
    }))
}

/// The edits in the case files and facts examples of the guideline at
/// `path`.
fn json_edits(
    workspace: &Workspace,
    path: &Path,
    symbols: &Symbols,
    target: &Target,
    new_name: &str,
    changes: &mut HashMap<Uri, Vec<TextEdit>>,
) -> Result<(), String> {
    if !matches!(
        target.kind,
        Kind::Fact | Kind::Action | Kind::EnumValue | Kind::Rule
    ) {
        return Ok(());
    }
    let mut files: Vec<(PathBuf, Uri, String, usize)> = workspace
        .cases_of(path)
        .into_iter()
        .map(|(path, file)| (path.clone(), file.uri.clone(), file.text.clone(), 3))
        .collect();
    let facts: Vec<&str> = symbols.names_of(Kind::Fact);
    for example in workspace.facts_files() {
        let (Some(text), Some(uri)) = (workspace.text_of(&example), uri::from_path(&example))
        else {
            continue;
        };
        if facts_of(&text, &facts) {
            files.push((example, uri, text, 0));
        }
    }
    for (file_path, uri, text, depth) in files {
        let strings = json_strings(&text).map_err(|why| {
            format!(
                "{} would need changing but cannot be read: {why}",
                file_path.display()
            )
        })?;
        let spans: Vec<Span> = strings
            .iter()
            .filter(|s| s.value == target.name && names(symbols, target, s, depth))
            .map(|s| {
                Span::new(
                    s.span.start_usize() + 1,
                    (s.span.end as usize).saturating_sub(1),
                )
            })
            .collect();
        if spans.is_empty() {
            continue;
        }
        let lines = LineIndex::new(&text);
        let edits = spans
            .into_iter()
            .map(|span| TextEdit::new(lines.range(&text, span), new_name.to_owned()))
            .collect();
        changes.insert(uri, edits);
    }
    Ok(())
}

/// Whether a JSON string at its place names the target. `depth` is how
/// deep the facts object is: 3 in a case file (`cases`, index, `facts`),
/// 0 in a facts file (the document).
fn names(symbols: &Symbols, target: &Target, string: &JsonString, depth: usize) -> bool {
    let path = &string.path;
    let key = |n: usize| match path.get(n) {
        Some(Segment::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let in_case = depth == 0 || (key(0) == Some("cases") && key(2) == Some("facts"));
    let in_facts = in_case && path.len() > depth;
    let fact_enum = key(depth).and_then(|fact| symbols.fact_enums.get(fact));
    let fact_value = in_facts && !string.key && matches!(path.len() - depth, 1 | 2);
    let expectation = |lists: &[&str]| {
        depth == 3
            && key(0) == Some("cases")
            && key(2) == Some("expect")
            && key(3).is_some_and(|list| lists.contains(&list))
            && !string.key
    };
    match target.kind {
        Kind::Fact => {
            (in_facts && string.key && path.len() == depth + 1) || expectation(&["needs"])
        }
        Kind::Action => {
            expectation(&[
                "recommended",
                "not_recommended",
                "offered",
                "withheld",
                "avoid",
            ]) || (fact_value && fact_enum.is_some_and(|e| e == ACTION_ENUM))
        }
        Kind::EnumValue => fact_value && fact_enum.is_some_and(|e| *e == target.owner),
        Kind::Rule => expectation(&["escalated"]),
        _ => false,
    }
}

/// Whether a JSON text is a facts document of these facts: an object
/// whose keys are all among them.
fn facts_of(text: &str, facts: &[&str]) -> bool {
    let Ok(strings) = json_strings(text) else {
        return false;
    };
    // `@id` and other `@` keys are the file's own metadata.
    let mut keys = strings
        .iter()
        .filter(|s| s.key && s.path.len() == 1 && !s.value.starts_with('@'))
        .peekable();
    keys.peek().is_some() && keys.all(|k| facts.contains(&k.value.as_str()))
}

/// Whether `text` is a gdl name (ASCII, as the names a rename writes).
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn apply(text: &str, spans: &[Span], replacement: &str) -> String {
    let mut out = text.to_owned();
    let mut spans = spans.to_vec();
    spans.sort();
    for span in spans.iter().rev() {
        if out.get(span.start_usize()..span.end as usize).is_some() {
            out.replace_range(span.start_usize()..span.end as usize, replacement);
        }
    }
    out
}

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// A string in a JSON text, where it is.
#[derive(Clone, Debug)]
struct JsonString {
    /// The string, quotes included.
    span: Span,
    /// Its text as written between the quotes.
    value: String,
    /// The keys and indices down to it (a key's path ends in itself).
    path: Vec<Segment>,
    /// Whether it is an object's key.
    key: bool,
}

enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

/// Every string of a JSON text with its path; an error for text that is
/// not JSON in the ways that matter here (unclosed strings or brackets).
fn json_strings(text: &str) -> Result<Vec<JsonString>, String> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    let path_of = |stack: &[Frame]| -> Vec<Segment> {
        stack
            .iter()
            .filter_map(|frame| match frame {
                Frame::Object { key, .. } => key.clone().map(Segment::Key),
                Frame::Array { index } => Some(Segment::Index(*index)),
            })
            .collect()
    };
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack
                    .pop()
                    .ok_or("a closing bracket without its opening one")?;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, expecting_key }) => {
                    *key = None;
                    *expecting_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => return Err("a comma outside any object or array".to_owned()),
            },
            b':' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = false;
                }
            }
            b'"' => {
                let start = at;
                at += 1;
                loop {
                    match bytes.get(at) {
                        Some(b'\\') => at += 2,
                        Some(b'"') => break,
                        Some(_) => at += 1,
                        None => return Err("a string is not closed".to_owned()),
                    }
                }
                let value = text.get(start + 1..at).unwrap_or("").to_owned();
                let span = Span::new(start, at + 1);
                let is_key = matches!(
                    stack.last(),
                    Some(Frame::Object {
                        expecting_key: true,
                        ..
                    })
                );
                if is_key && let Some(Frame::Object { key, .. }) = stack.last_mut() {
                    *key = Some(value.clone());
                }
                out.push(JsonString {
                    span,
                    value,
                    path: path_of(&stack),
                    key: is_key,
                });
            }
            _ => {}
        }
        at += 1;
    }
    if stack.is_empty() {
        Ok(out)
    } else {
        Err("an object or array is not closed".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_know_their_place() {
        let text = r#"{"cases": [{"facts": {"x": ["a", "b"]}, "expect": {"needs": ["x"]}}]}"#;
        let strings = json_strings(text).unwrap_or_default();
        let b = strings.iter().find(|s| s.value == "b");
        let path = b.map(|s| s.path.clone()).unwrap_or_default();
        assert_eq!(
            path,
            vec![
                Segment::Key("cases".to_owned()),
                Segment::Index(0),
                Segment::Key("facts".to_owned()),
                Segment::Key("x".to_owned()),
                Segment::Index(1),
            ]
        );
        let keys: Vec<&str> = strings
            .iter()
            .filter(|s| s.key)
            .map(|s| s.value.as_str())
            .collect();
        assert_eq!(keys, ["cases", "facts", "x", "expect", "needs"]);
        assert!(json_strings("{\"a\": [").is_err());
    }
}
