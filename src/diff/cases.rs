//! `gdl diff --cases FILE`: which clinical cases the change makes stale.
//!
//! Input: both versions' models and a case file's text. Output: the cases
//! whose expectations held with the old version and fail with the new one
//! (stale: the case or the change must be looked at), the cases that failed
//! before and pass now, and the cases whose decisions change while their
//! expectations still hold (the change reaches a case that does not pin
//! it). Each case is run by the interpreter against both versions, with
//! the same machinery as `gdl test`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::decision::{self, Names};
use crate::diagnostics::Diagnostic;
use crate::eval::{Program, evaluate};
use crate::facts::Reader;
use crate::sema::Model;
use crate::testing::{Coverage, read, run_case};

/// A case whose outcome the change alters.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CaseChange {
    /// The case's name.
    pub name: String,
    /// What no longer holds with the new version (stale cases), or what
    /// failed with the old one (cases that now pass); empty otherwise.
    pub failures: Vec<String>,
}

/// The cases of a case file, sorted by what the change does to them.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CaseChanges {
    /// Passed with the old version, fail with the new one.
    pub stale: Vec<CaseChange>,
    /// Failed with the old version, pass with the new one.
    pub now_pass: Vec<CaseChange>,
    /// Pass with both, but the patient's decisions change.
    pub decisions_change: Vec<CaseChange>,
    /// Cases run.
    pub total: usize,
}

impl CaseChanges {
    /// True when some case's result or decisions change.
    pub fn differs(&self) -> bool {
        !self.stale.is_empty() || !self.now_pass.is_empty() || !self.decisions_change.is_empty()
    }
}

/// Runs every case of `text` against both versions; `renamed` maps old
/// rule names to new ones. `Err` locates why the text is not a case file.
pub fn compare(
    old: &Model,
    new: &Model,
    renamed: &BTreeMap<String, String>,
    text: &str,
) -> Result<CaseChanges, Diagnostic> {
    let cases = read::parse(text)?;
    let old_program = Program::new(old);
    let new_program = Program::new(new);
    let old_patients = Reader::new(&old_program);
    let new_patients = Reader::new(&new_program);
    let mut changes = CaseChanges {
        total: cases.cases.len(),
        ..CaseChanges::default()
    };
    let no_renames = BTreeMap::new();
    let old_names = Names::new(old, renamed);
    let new_names = Names::new(new, &no_renames);
    for case in &cases.cases {
        let before = run_case(&old_patients, text, case, &mut Coverage::default());
        let after = run_case(&new_patients, text, case, &mut Coverage::default());
        let failures = |result: &crate::testing::CaseResult| {
            let mut lines = result.failures.clone();
            lines.extend(result.diagnostics.iter().map(|d| d.message.clone()));
            lines
        };
        let change = |lines: Vec<String>| CaseChange {
            name: case.name.clone(),
            failures: lines,
        };
        match (before.passed(), after.passed()) {
            (true, false) => changes.stale.push(change(failures(&after))),
            (false, true) => changes.now_pass.push(change(failures(&before))),
            (true, true) => {
                let decisions = |patients: &Reader<'_>, names: &Names<'_>| {
                    let program = patients.program;
                    patients
                        .parse_patient(case.facts.get())
                        .ok()
                        .map(|patient| decision::of_evaluation(names, &evaluate(program, &patient)))
                };
                if decisions(&old_patients, &old_names) != decisions(&new_patients, &new_names) {
                    changes.decisions_change.push(change(Vec::new()));
                }
            }
            (false, false) => {}
        }
    }
    Ok(changes)
}
