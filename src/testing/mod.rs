//! `gdl test`: clinical cases (facts + expected outcome) run against a
//! guideline, with readable failures and coverage of rules, alternatives
//! and contraindications. The case format is documented in `docs/testing.md`.
//!
//! Input: a case file's text (see [`read`]) and the guideline's program.
//! Output: a [`CaseResult`] per case, and [`Coverage`]. Invariants: every
//! name a case writes is resolved against the guideline before its
//! expectations are checked, so a misspelled name fails the case with a
//! located diagnostic instead of passing trivially; every diagnostic's
//! spans point into the case file's text.

mod coverage;
pub mod junit;
pub mod read;

pub use coverage::{Coverage, CoverageSummary, Missing, Proved};

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::diagnostics::Diagnostic;
use crate::eval::evaluate;
use crate::facts::Reader;
use crate::report::{self, Report};
use crate::span::Span;

/// A case file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile<'a> {
    /// Path of the guideline, relative to the case file.
    pub guideline: String,
    /// The cases.
    #[serde(borrow)]
    pub cases: Vec<Case<'a>>,
}

/// One clinical case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case<'a> {
    /// Short unique name.
    pub name: String,
    /// One-line vignette.
    #[serde(default)]
    pub story: String,
    /// Patient facts, in the facts-file shape.
    #[serde(borrow)]
    pub facts: &'a RawValue,
    /// What must be true of the report.
    #[serde(default, borrow)]
    pub expect: Expect<'a>,
}

/// Expectations as written: each entry kept as raw JSON so that its place
/// in the file is known; every list means "must include".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect<'a> {
    /// Actions that must be recommended.
    #[serde(default, borrow)]
    pub recommended: Vec<&'a RawValue>,
    /// Actions that must not be recommended.
    #[serde(default, borrow)]
    pub not_recommended: Vec<&'a RawValue>,
    /// Actions that must be offered as options of an equal choice
    /// (`then recommend any of`).
    #[serde(default, borrow)]
    pub offered: Vec<&'a RawValue>,
    /// Actions that must be withheld (any reason).
    #[serde(default, borrow)]
    pub withheld: Vec<&'a RawValue>,
    /// Actions that must be in the avoid list.
    #[serde(default, borrow)]
    pub avoid: Vec<&'a RawValue>,
    /// Rules (or escalation kinds) that must escalate.
    #[serde(default, borrow)]
    pub escalated: Vec<&'a RawValue>,
    /// Facts that must be named as needed.
    #[serde(default, borrow)]
    pub needs: Vec<&'a RawValue>,
    /// Whether nothing applies.
    #[serde(default)]
    pub nothing_applies: Option<bool>,
}

/// Expectations with every name resolved against the guideline.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Expectations {
    /// Actions that must be recommended.
    pub recommended: Vec<String>,
    /// Actions that must not be recommended.
    pub not_recommended: Vec<String>,
    /// Actions that must be offered as options of an equal choice.
    pub offered: Vec<String>,
    /// Actions that must be withheld (any reason).
    pub withheld: Vec<String>,
    /// Actions that must be in the avoid list.
    pub avoid: Vec<String>,
    /// Rules (or escalation kinds) that must escalate.
    pub escalated: Vec<String>,
    /// Facts that must be named as needed.
    pub needs: Vec<String>,
    /// Whether nothing applies.
    pub nothing_applies: Option<bool>,
}

/// The outcome of one case.
#[derive(Debug)]
pub struct CaseResult {
    /// Case name.
    pub name: String,
    /// Its story.
    pub story: String,
    /// Each unmet expectation, explained.
    pub failures: Vec<String>,
    /// Errors in the case as written (its facts, or a name that is not
    /// the guideline's), located in the case file.
    pub diagnostics: Vec<Diagnostic>,
}

impl CaseResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.diagnostics.is_empty()
    }
}

/// Runs one case.
pub fn run_case(
    patients: &Reader<'_>,
    file_text: &str,
    case: &Case<'_>,
    coverage: &mut Coverage,
) -> CaseResult {
    let mut result = CaseResult {
        name: case.name.clone(),
        story: case.story.clone(),
        failures: Vec::new(),
        diagnostics: Vec::new(),
    };
    let program = patients.program;
    let (expectations, unknown) =
        read::resolve_expectations(program.model, file_text, &case.expect);
    result.diagnostics = unknown;
    let facts_text = case.facts.get();
    let patient = match patients.parse_patient(facts_text) {
        Ok(patient) => patient,
        Err(mut diagnostic) => {
            // Point into the case file: the facts text is a slice of it.
            let base = read::offset_in(file_text, facts_text);
            for label in &mut diagnostic.labels {
                label.span = Span::new(
                    base + label.span.start_usize(),
                    base + label.span.end as usize,
                );
            }
            result.diagnostics.push(diagnostic);
            crate::diagnostics::sort(&mut result.diagnostics);
            return result;
        }
    };
    crate::diagnostics::sort(&mut result.diagnostics);
    let evaluation = evaluate(program, &patient);
    coverage.record(&evaluation);
    let report = report::build(program, &patient, &evaluation);
    // Names that did not resolve are reported above, not checked.
    result.failures = check(&report, &expectations);
    result
}

fn check(report: &Report, expect: &Expectations) -> Vec<String> {
    let mut failures = Vec::new();
    let recommended = |action: &str| report.recommended.iter().any(|r| r.action == action);
    for action in &expect.recommended {
        if !recommended(action) {
            failures.push(format!(
                "expected `{action}` to be recommended; {}",
                whereabouts(report, action)
            ));
        }
    }
    for action in &expect.not_recommended {
        if let Some(item) = report.recommended.iter().find(|r| r.action == *action) {
            failures.push(format!(
                "expected `{action}` not to be recommended; rule `{}` recommends it",
                item.rule.name
            ));
        }
    }
    for action in &expect.offered {
        let offered = report
            .recommended
            .iter()
            .any(|r| r.action == action && r.any_of.is_some());
        if !offered {
            failures.push(format!(
                "expected `{action}` to be offered as one of equal options; {}",
                whereabouts(report, action)
            ));
        }
    }
    for action in &expect.withheld {
        if !report.withheld.iter().any(|w| w.action == *action) {
            failures.push(format!(
                "expected `{action}` to be withheld; {}",
                whereabouts(report, action)
            ));
        }
    }
    for action in &expect.avoid {
        if !report.avoid.iter().any(|a| a.action == *action) {
            failures.push(format!(
                "expected `{action}` to be avoided; {}",
                whereabouts(report, action)
            ));
        }
    }
    for name in &expect.escalated {
        let found = report
            .escalations
            .iter()
            .any(|e| e.kind == name || e.rule.as_ref().is_some_and(|r| r.name == *name));
        if !found {
            let actual: Vec<String> = report
                .escalations
                .iter()
                .map(|e| {
                    e.rule
                        .as_ref()
                        .map_or(e.kind.to_owned(), |r| r.name.to_owned())
                })
                .collect();
            failures.push(format!(
                "expected `{name}` to escalate; escalations: {}",
                list_or_none(&actual)
            ));
        }
    }
    for fact in &expect.needs {
        let named = report.escalations.iter().any(|e| e.needs.contains(fact))
            || report.withheld.iter().any(|w| w.needs.contains(fact));
        if !named {
            failures.push(format!(
                "expected the report to ask for `{fact}`; it does not"
            ));
        }
    }
    if let Some(expected) = expect
        .nothing_applies
        .filter(|e| *e != report.nothing_applies)
    {
        failures.push(if expected {
            "expected nothing to apply, but the report has decisions".to_owned()
        } else {
            "expected some decision, but nothing applies".to_owned()
        });
    }
    failures
}

/// Where an action ended up in a report, in words.
fn whereabouts(report: &Report, action: &str) -> String {
    if let Some(item) = report.recommended.iter().find(|r| r.action == action) {
        return match &item.any_of {
            Some(options) => format!(
                "it was offered by rule `{}` as one of {}",
                item.rule.name,
                options.join(", ")
            ),
            None => format!("it was recommended by rule `{}`", item.rule.name),
        };
    }
    if let Some(item) = report.withheld.iter().find(|w| w.action == action) {
        let mut text = format!(
            "it was withheld ({}) by rule `{}` because {}",
            item.reason.replace('-', " "),
            item.rule.name,
            item.because.join("; ")
        );
        if !item.values.is_empty() {
            text.push_str(&format!(" [{}]", report::text::values(&item.values)));
        }
        if !item.needs.is_empty() {
            text.push_str(&format!("; needs {}", item.needs.join_names(", ")));
        }
        return text;
    }
    if let Some(item) = report.avoid.iter().find(|a| a.action == action) {
        return format!("rule `{}` says to avoid it", item.rule.name);
    }
    if report.nothing_applies {
        return "nothing applies to this patient".to_owned();
    }
    "no rule that applies lists it".to_owned()
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
