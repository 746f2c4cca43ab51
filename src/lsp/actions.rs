//! Code actions: a quick fix for every diagnostic whose help proposes one
//! concrete edit (`Diagnostic::fix`: a did-you-mean, a missing unit, a
//! space), "Add `cite KEY`" for a rule or a contraindication without
//! evidence (E0305, whose help names no key: the references the guideline
//! cites most are offered), and for each logic finding with a witness
//! patient, "Copy witness as facts JSON" (a command the client runs: the
//! patient goes to the clipboard, ready for `gdl run --facts`).
//!
//! Invariant: a fix's edit is the diagnostic's own, which `tests/fixes.rs`
//! checks removes the diagnostic; the only edit made here is a `cite` of a
//! declared reference, at the end of the rule or clause that lacks one.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Command, Range, TextEdit,
    WorkspaceEdit,
};

use super::COPY_WITNESS;
use super::convert;
use super::document::Document;
use super::hover::all_rules;
use super::symbols::{Kind, Role};
use super::workspace::Workspace;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::Item;

/// How many references "Add `cite`" offers.
const CITE_CHOICES: usize = 3;

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
        None => (document.front().diagnostics.clone(), Vec::new()),
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
            let mut action = quick_fix(document, &converted, title, edit);
            action.is_preferred = Some(true);
            actions.push(CodeActionOrCommand::CodeAction(action));
        }
        if diagnostic.code == Code::MissingCitation {
            for (title, edit) in add_cite(document, diagnostic) {
                let action = quick_fix(document, &converted, title, edit);
                actions.push(CodeActionOrCommand::CodeAction(action));
            }
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

/// A quick fix for `diagnostic` that makes one edit in the document.
fn quick_fix(
    document: &Document,
    diagnostic: &lsp_types::Diagnostic,
    title: String,
    edit: TextEdit,
) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(document.uri.clone(), vec![edit])])),
            document_changes: None,
            change_annotations: None,
        }),
        ..CodeAction::default()
    }
}

/// Whether two ranges share a position (an empty range at a diagnostic's
/// edge counts: the cursor just after a name).
fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// "Add `cite KEY`" edits for an E0305, one per reference offered: the
/// references the file cites most, most cited first.
fn add_cite(document: &Document, diagnostic: &Diagnostic) -> Vec<(String, TextEdit)> {
    let Some(front) = document.front_if_ready() else {
        return Vec::new();
    };
    let Some(tree) = &front.tree else {
        return Vec::new();
    };
    let span = diagnostic.primary_span();
    let text = &document.text;
    // Where `cite` goes: before a rule's closing brace (on its own line
    // when the brace is), or after a contraindication clause.
    let insertion = if let Some(rule) = all_rules(tree).into_iter().find(|r| r.name.span == span) {
        let brace = (rule.span.end as usize).saturating_sub(1);
        if text.get(brace..=brace) != Some("}") {
            return Vec::new();
        }
        let line_start = text
            .get(..brace)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |at| at + 1);
        let indent = text.get(line_start..brace).unwrap_or("");
        if indent.trim().is_empty() {
            (line_start, format!("{indent}  cite "), "\n")
        } else {
            (brace, " cite ".to_owned(), " ")
        }
    } else {
        let clause = tree.items.iter().find_map(|item| match item {
            Item::Action(action) => action.clauses.iter().find(|c| c.condition.span == span),
            _ => None,
        });
        let Some(clause) = clause else {
            return Vec::new();
        };
        (clause.span.end as usize, " cite ".to_owned(), "")
    };
    let (at, before, after) = insertion;
    let mut counts: Vec<(usize, &str)> = Vec::new();
    for key in front.symbols.names_of(Kind::Reference) {
        let target = front
            .symbols
            .declarations()
            .find(|o| o.target.kind == Kind::Reference && o.target.name == key)
            .map(|o| o.target.clone());
        let cited = target.map_or(0, |t| {
            front
                .symbols
                .uses(&t)
                .filter(|o| o.role == Role::Cite)
                .count()
        });
        counts.push((cited, key));
    }
    // Most cited first; ties in declaration order (the sort is stable).
    counts.sort_by_key(|(cited, _)| std::cmp::Reverse(*cited));
    counts
        .into_iter()
        .take(CITE_CHOICES)
        .map(|(_, key)| {
            let range = document.lines.range(text, Span::new(at, at));
            let edit = TextEdit::new(range, format!("{before}{key}{after}"));
            (format!("Add `cite {key}`"), edit)
        })
        .collect()
}
