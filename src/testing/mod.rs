//! `gdl test`: clinical cases (facts + expected outcome) run against a
//! guideline, with readable failures and coverage of rules, alternatives
//! and contraindications. The case format is documented in `docs/testing.md`.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::diagnostics::Diagnostic;
use crate::eval::{Evaluation, Program, Withholding, evaluate, facts::parse_patient};
use crate::report::{self, Report};
use crate::sema::{Model, Outcome};
use crate::syntax::Span;

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
    #[serde(default)]
    pub expect: Expect,
}

/// Expectations; every list means "must include".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Actions that must be recommended.
    #[serde(default)]
    pub recommended: Vec<String>,
    /// Actions that must not be recommended.
    #[serde(default)]
    pub not_recommended: Vec<String>,
    /// Actions that must be withheld (any reason).
    #[serde(default)]
    pub withheld: Vec<String>,
    /// Actions that must be in the avoid list.
    #[serde(default)]
    pub avoid: Vec<String>,
    /// Rules (or escalation kinds) that must escalate.
    #[serde(default)]
    pub escalated: Vec<String>,
    /// Facts that must be named as needed.
    #[serde(default)]
    pub needs: Vec<String>,
    /// Whether nothing applies.
    #[serde(default)]
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
    /// A facts error, located in the case file.
    pub facts_error: Option<Diagnostic>,
}

impl CaseResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.facts_error.is_none()
    }
}

/// What a set of cases exercised.
#[derive(Debug, Default)]
pub struct Coverage {
    /// Rules that fired, by index.
    pub rules: BTreeSet<usize>,
    /// (rule, choice, action) recommended.
    pub alternatives: BTreeSet<(usize, usize, usize)>,
    /// (action, clause) contraindications that held.
    pub contraindications: BTreeSet<(usize, usize)>,
}

impl Coverage {
    /// Records what one evaluation exercised.
    pub fn record(&mut self, evaluation: &Evaluation) {
        for (index, status) in evaluation.rules.iter().enumerate() {
            if *status == crate::eval::RuleStatus::Fired {
                self.rules.insert(index);
            }
        }
        for recommendation in &evaluation.recommended {
            self.alternatives.insert((
                recommendation.rule.index(),
                recommendation.choice,
                recommendation.action.index(),
            ));
        }
        for withheld in evaluation.withheld() {
            if let Withholding::Contraindicated(clauses) = &withheld.why {
                for &clause in clauses {
                    self.contraindications
                        .insert((withheld.action.index(), clause));
                }
            }
        }
    }

    /// Coverage against the model: (covered, total, descriptions of what is
    /// not covered) for rules, alternatives and contraindications.
    pub fn summary(&self, model: &Model) -> CoverageSummary {
        let mut summary = CoverageSummary::default();
        for (index, rule) in model.rules.iter().enumerate() {
            summary.rules.1 += 1;
            if self.rules.contains(&index) {
                summary.rules.0 += 1;
            } else {
                summary
                    .missing
                    .push(format!("rule `{}` never fires", rule.name));
            }
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for action in &choice.actions {
                    summary.alternatives.1 += 1;
                    if self
                        .alternatives
                        .contains(&(index, choice_index, action.index()))
                    {
                        summary.alternatives.0 += 1;
                    } else {
                        summary.missing.push(format!(
                            "alternative `{}` of rule `{}` is never the one recommended",
                            model.actions[action.index()].name,
                            rule.name
                        ));
                    }
                }
            }
        }
        for (action_index, action) in model.actions.iter().enumerate() {
            for clause in 0..action.contraindications.len() {
                summary.contraindications.1 += 1;
                if self.contraindications.contains(&(action_index, clause)) {
                    summary.contraindications.0 += 1;
                } else {
                    summary.missing.push(format!(
                        "contraindication #{} of `{}` never holds",
                        clause + 1,
                        action.name
                    ));
                }
            }
        }
        summary
    }
}

/// Covered and total counts, and what is not covered.
#[derive(Debug, Default)]
pub struct CoverageSummary {
    /// Rules (covered, total).
    pub rules: (usize, usize),
    /// Alternatives (covered, total).
    pub alternatives: (usize, usize),
    /// Contraindications (covered, total).
    pub contraindications: (usize, usize),
    /// Uncovered items in words.
    pub missing: Vec<String>,
}

impl CoverageSummary {
    /// Overall percentage of covered items (100 when there is nothing).
    pub fn percent(&self) -> f64 {
        let covered = self.rules.0 + self.alternatives.0 + self.contraindications.0;
        let total = self.rules.1 + self.alternatives.1 + self.contraindications.1;
        if total == 0 {
            100.0
        } else {
            covered as f64 * 100.0 / total as f64
        }
    }
}

/// Runs one case.
pub fn run_case(
    program: &Program<'_>,
    file_text: &str,
    case: &Case<'_>,
    coverage: &mut Coverage,
) -> CaseResult {
    let mut result = CaseResult {
        name: case.name.clone(),
        story: case.story.clone(),
        failures: Vec::new(),
        facts_error: None,
    };
    let facts_text = case.facts.get();
    let patient = match parse_patient(program, facts_text) {
        Ok(patient) => patient,
        Err(mut diagnostic) => {
            // Point into the case file: the facts text is a slice of it.
            let base = (facts_text.as_ptr() as usize).saturating_sub(file_text.as_ptr() as usize);
            for label in &mut diagnostic.labels {
                label.span = Span::new(
                    base + label.span.start_usize(),
                    base + label.span.end as usize,
                );
            }
            result.facts_error = Some(diagnostic);
            return result;
        }
    };
    let evaluation = evaluate(program, &patient);
    coverage.record(&evaluation);
    let report = report::build(program, &patient, &evaluation);
    result.failures = check(&report, &case.expect);
    result
}

fn check(report: &Report, expect: &Expect) -> Vec<String> {
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
        return format!("it was recommended by rule `{}`", item.rule.name);
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
