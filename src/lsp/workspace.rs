//! The workspace: the open guidelines, and every case file (`*.cases.json`)
//! under the workspace folder or open in the editor, each tied to the
//! guideline it names.
//!
//! Input: the client's notifications, and the files on disk under the
//! root. Output: documents to analyse, the case files of a guideline, and
//! which cases cover each rule. Invariant: an open file's text is the
//! editor's, never the disk's; a case file is tied to a guideline by the
//! path it writes, resolved against its own folder, as `gdl test` does.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use lsp_types::Uri;

use super::document::Document;
use super::uri;
use crate::diagnostics::Diagnostic;
use crate::eval::Program;
use crate::facts::Reader;
use crate::sema::{Model, RuleId};
use crate::testing::{Coverage, read, run_case};

/// Folders the workspace scan skips: build output, version control,
/// packages.
const SKIPPED: &[&str] = &["target", "node_modules", ".git"];
/// How deep the scan goes below the root.
const MAX_DEPTH: usize = 6;

/// A case file the workspace knows.
#[derive(Clone, Debug)]
pub struct CaseFile {
    /// Its URI.
    pub uri: Uri,
    /// Its text: the editor's when open, else the disk's.
    pub text: String,
    /// Whether the editor has it open.
    pub open: bool,
}

impl CaseFile {
    /// The guideline this file names, resolved against its folder; `None`
    /// when the file is not a case file one can read.
    pub fn guideline(&self) -> Option<PathBuf> {
        let path = uri::to_path(&self.uri)?;
        let file = read::parse(&self.text).ok()?;
        Some(normalise(&path.parent()?.join(file.guideline)))
    }
}

/// The cases that make each rule fire.
#[derive(Debug, Default)]
pub struct RuleCases {
    /// Case names, by rule.
    pub by_rule: BTreeMap<RuleId, Vec<String>>,
    /// The case files of the guideline, by path.
    pub files: Vec<PathBuf>,
}

/// Documents and case files.
#[derive(Debug, Default)]
pub struct Workspace {
    /// The workspace folder, when the client gave one.
    pub root: Option<PathBuf>,
    /// Open guidelines, by URI.
    pub documents: BTreeMap<String, Document>,
    /// Case files, by path.
    pub case_files: BTreeMap<PathBuf, CaseFile>,
}

impl Workspace {
    /// A workspace over `root`: its case files are read now.
    pub fn new(root: Option<PathBuf>) -> Workspace {
        let mut workspace = Workspace {
            root,
            ..Workspace::default()
        };
        workspace.rescan();
        workspace
    }

    /// Reads the case files under the root again (open ones keep the
    /// editor's text).
    pub fn rescan(&mut self) {
        let Some(root) = self.root.clone() else {
            return;
        };
        let mut found = Vec::new();
        files_under(&root, 0, &mut found);
        self.case_files.retain(|_, file| file.open);
        for path in found {
            if !is_case_file(&path) || self.case_files.contains_key(&path) {
                continue;
            }
            let (Ok(bytes), Some(uri)) = (std::fs::read(&path), uri::from_path(&path)) else {
                continue;
            };
            let (text, _) = read::decode(&bytes);
            let file = CaseFile {
                uri,
                text,
                open: false,
            };
            self.case_files.insert(path, file);
        }
    }

    /// The `.gdl` files under the root, for workspace symbols.
    pub fn guideline_files(&self) -> Vec<PathBuf> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        let mut found = Vec::new();
        files_under(root, 0, &mut found);
        found.retain(|p| p.extension().is_some_and(|e| e == "gdl"));
        found
    }

    /// The JSON files under the root that are not case files: facts
    /// examples, for rename.
    pub fn facts_files(&self) -> Vec<PathBuf> {
        let Some(root) = &self.root else {
            return Vec::new();
        };
        let mut found = Vec::new();
        files_under(root, 0, &mut found);
        found.retain(|p| p.extension().is_some_and(|e| e == "json") && !is_case_file(p));
        found
    }

    /// The case files that name the guideline at `path`.
    pub fn cases_of(&self, path: &Path) -> Vec<(&PathBuf, &CaseFile)> {
        let path = normalise(path);
        self.case_files
            .iter()
            .filter(|(_, file)| file.guideline().is_some_and(|g| g == path))
            .collect()
    }

    /// Which cases of the guideline at `path` make each rule fire.
    pub fn rule_cases(&self, path: &Path, model: &Model) -> RuleCases {
        let program = Program::new(model);
        let reader = Reader::new(&program);
        let mut cases = RuleCases::default();
        for (file_path, file) in self.cases_of(path) {
            cases.files.push(file_path.clone());
            let Ok(parsed) = read::parse(&file.text) else {
                continue;
            };
            for case in &parsed.cases {
                let mut coverage = Coverage::default();
                run_case(&reader, &file.text, case, &mut coverage);
                for (rule, _) in model.rules.iter_enumerated() {
                    if coverage.rules.contains(&rule.index()) {
                        let names = cases.by_rule.entry(rule).or_default();
                        names.push(case.name.clone());
                    }
                }
            }
        }
        cases
    }

    /// The diagnostics of a case file: its shape, then each case's names
    /// and facts against its guideline (when that guideline has a model).
    pub fn case_file_diagnostics(&mut self, path: &Path) -> Vec<Diagnostic> {
        let Some(file) = self.case_files.get(path).cloned() else {
            return Vec::new();
        };
        let parsed = match read::parse(&file.text) {
            Ok(parsed) => parsed,
            Err(diagnostic) => return vec![diagnostic],
        };
        let Some(guideline) = file.guideline() else {
            return Vec::new();
        };
        let Some(model) = self.model_of(&guideline) else {
            return Vec::new();
        };
        let program = Program::new(&model);
        let reader = Reader::new(&program);
        let mut diagnostics = Vec::new();
        for case in &parsed.cases {
            let mut coverage = Coverage::default();
            diagnostics.extend(run_case(&reader, &file.text, case, &mut coverage).diagnostics);
        }
        crate::diagnostics::sort(&mut diagnostics);
        diagnostics
    }

    /// The model of the guideline at `path`: the open document's, else
    /// the file's on disk.
    pub fn model_of(&mut self, path: &Path) -> Option<Model> {
        let uri = uri::from_path(path)?;
        if let Some(document) = self.documents.get_mut(uri.as_str()) {
            return document.front().model.as_deref().cloned();
        }
        let bytes = std::fs::read(path).ok()?;
        crate::compile_bytes(&bytes).1.model
    }

    /// The text of a file: the editor's when open, else the disk's.
    pub fn text_of(&self, path: &Path) -> Option<String> {
        if let Some(file) = self.case_files.get(path) {
            return Some(file.text.clone());
        }
        if let Some(document) = uri::from_path(path).and_then(|u| self.documents.get(u.as_str())) {
            return Some(document.text.clone());
        }
        std::fs::read_to_string(path).ok()
    }
}

/// Whether a path names a case file.
pub fn is_case_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".cases.json"))
}

/// `a/b/../c` → `a/c`, without touching the disk (a file may not exist).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn files_under(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if !SKIPPED.contains(&name) && !name.starts_with('.') {
                files_under(&path, depth + 1, out);
            }
        } else {
            out.push(path);
        }
    }
}
