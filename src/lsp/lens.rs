//! Code lenses over each rule: "covered by N cases" (the cases of the
//! workspace's case files for this guideline that make the rule fire) and,
//! when there are such files, "run cases": a command the client runs
//! (`gdl test` on them).
//!
//! Invariant: counted by running the cases, as `gdl test --coverage`
//! counts a rule covered; no lens on a file without a model (its cases
//! cannot run).

use lsp_types::{CodeLens, CodeLensParams, Command};

use super::RUN_CASES;
use super::hover::all_rules;
use super::uri;
use super::workspace::Workspace;

/// The lenses of a document.
pub fn code_lenses(workspace: &mut Workspace, params: CodeLensParams) -> Option<Vec<CodeLens>> {
    let key = params.text_document.uri.as_str();
    workspace.documents.get_mut(key)?.front();
    let document = workspace.documents.get(key)?;
    let front = document.front_if_ready()?;
    let model = front.model.as_deref()?;
    let tree = front.tree.as_ref()?;
    let path = uri::to_path(&document.uri)?;
    let cases = workspace.rule_cases(&path, model);
    let files: Vec<serde_json::Value> = cases
        .files
        .iter()
        .map(|f| serde_json::Value::String(f.display().to_string()))
        .collect();
    let mut lenses = Vec::new();
    for rule in all_rules(tree) {
        let range = document.lines.range(&document.text, rule.name.span);
        let id = model
            .rules
            .iter_enumerated()
            .find(|(_, r)| r.name == rule.name.node)
            .map(|(id, _)| id);
        let count = id.and_then(|id| cases.by_rule.get(&id)).map_or(0, Vec::len);
        lenses.push(CodeLens {
            range,
            command: Some(Command {
                title: format!(
                    "covered by {count} case{}",
                    if count == 1 { "" } else { "s" }
                ),
                command: String::new(),
                arguments: None,
            }),
            data: None,
        });
        if !files.is_empty() {
            lenses.push(CodeLens {
                range,
                command: Some(Command {
                    title: "run cases".to_owned(),
                    command: RUN_CASES.to_owned(),
                    arguments: Some(files.clone()),
                }),
                data: None,
            });
        }
    }
    Some(lenses)
}
