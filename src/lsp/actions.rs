//! Code actions: a quick fix for every diagnostic whose help proposes one
//! concrete edit (`Diagnostic::fix`: a did-you-mean, a missing unit, a
//! missing `cite`), and for each logic finding with a witness patient,
//! "Copy witness as facts JSON" (a command the client runs: the patient
//! goes to the clipboard, ready for `gdl run --facts`).
//!
//! Invariant: a fix's edit is the diagnostic's own, which `tests/fixes.rs`
//! checks removes the diagnostic; nothing is invented here.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Command, Range, TextEdit,
    WorkspaceEdit,
};

use super::COPY_WITNESS;
use super::convert;
use super::workspace::Workspace;

/// The actions for the diagnostics in a range.
pub fn code_actions(
    workspace: &mut Workspace,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let document = workspace
        .documents
        .get_mut(params.text_document.uri.as_str())?;
    let (diagnostics, witnesses) = match document.logic_if_ready() {
        Some(logic) => (logic.diagnostics.clone(), logic.witnesses.clone()),
        None => (document.front().compiled.diagnostics.clone(), Vec::new()),
    };
    let document = &*document;
    let wanted = params.range;
    let mut actions = Vec::new();
    for diagnostic in &diagnostics {
        let range = document
            .lines
            .range(&document.text, diagnostic.primary_span());
        if !overlaps(range, wanted) {
            continue;
        }
        let converted =
            convert::diagnostic(diagnostic, &document.uri, &document.text, &document.lines);
        if let Some(fix) = &diagnostic.fix {
            let edit = TextEdit::new(
                document.lines.range(&document.text, fix.span),
                fix.replacement.clone(),
            );
            let title = match &diagnostic.help {
                Some(help) => format!("Fix: {help}"),
                None => format!("Fix {}", diagnostic.code.id()),
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![converted.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(document.uri.clone(), vec![edit])])),
                    document_changes: None,
                    change_annotations: None,
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        let witness = witnesses
            .iter()
            .find(|w| w.code == diagnostic.code && w.span == diagnostic.primary_span());
        if let Some(witness) = witness {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Copy witness as facts JSON".to_owned(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![converted]),
                command: Some(Command {
                    title: "Copy witness as facts JSON".to_owned(),
                    command: COPY_WITNESS.to_owned(),
                    arguments: Some(vec![serde_json::Value::String(witness.facts.clone())]),
                }),
                ..CodeAction::default()
            }));
        }
    }
    Some(actions)
}

/// Whether two ranges share a position (an empty range at a diagnostic's
/// edge counts: the cursor just after a name).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}
