//! Coverage of a guideline by a set of cases: which rules fired, which
//! alternatives were the ones given (every option of an equal choice
//! counts, each offered in some case), which contraindications held.
//!
//! Input: the evaluations of the cases, the model, and the logic findings
//! of `gdl check` (`crate::analysis::findings`, acknowledged ones
//! included). Output: a [`CoverageSummary`]. Invariant: an item leaves the
//! denominator only when `gdl check` proved it can never be reached *and*
//! the author acknowledged that finding with `expect` on its rule; such an
//! item is always listed as "proved unreachable (acknowledged)", never
//! dropped silently. A proved but unacknowledged item stays counted.

use std::collections::BTreeSet;

use crate::analysis::{Finding, FindingKind};
use crate::diagnostics::Code;
use crate::eval::{Evaluation, RuleStatus, Withholding};
use crate::sema::{Model, Outcome};

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

/// An item `gdl check` proved unreachable, and why it is (or is not) out
/// of the denominator.
#[derive(Clone, Debug, PartialEq)]
pub struct Proved {
    /// The item in words, as in the "not covered" lines.
    pub item: String,
    /// The finding that proves it.
    pub code: Code,
    /// The author's reason, from `expect LINT "reason"` on the rule; `None`
    /// when the finding is not acknowledged.
    pub reason: Option<String>,
}

/// One item no case reaches.
#[derive(Clone, Debug, PartialEq)]
pub struct Missing {
    /// The item in words.
    pub item: String,
    /// The finding of `gdl check` that proves no patient reaches it, when
    /// there is one (not acknowledged: acknowledged ones are not missing).
    pub proved: Option<Code>,
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
    /// Items no case reaches, counted in the totals.
    pub missing: Vec<Missing>,
    /// Items proved unreachable and acknowledged with `expect`, left out of
    /// the totals.
    pub acknowledged: Vec<Proved>,
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

/// Proof that a rule or an alternative can never be reached.
struct Proof {
    code: Code,
    reason: Option<String>,
}

impl Proof {
    fn of(model: &Model, finding: &Finding) -> Option<Proof> {
        let rule = model.rules.get(finding.rule()?)?;
        let reason = rule
            .expects
            .iter()
            .find(|(code, _)| *code == finding.code())
            .map(|(_, reason)| reason.clone());
        Some(Proof {
            code: finding.code(),
            reason,
        })
    }
}

impl Coverage {
    /// Records what one evaluation exercised.
    pub fn record(&mut self, evaluation: &Evaluation) {
        for (index, status) in evaluation.rules.iter().enumerate() {
            if *status == RuleStatus::Fired {
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

    /// Coverage against the model. `findings` are those of
    /// `crate::analysis::findings` (pass none to count every item).
    pub fn summary(&self, model: &Model, findings: &[Finding]) -> CoverageSummary {
        let mut summary = CoverageSummary::default();
        let rule_proof = |index: usize| {
            findings
                .iter()
                .filter(|f| f.rule().is_some_and(|rule| rule.index() == index))
                .filter(|f| {
                    matches!(
                        f.kind,
                        FindingKind::UnreachableRule { .. } | FindingKind::ShadowedRule { .. }
                    )
                })
                .filter_map(|f| Proof::of(model, f))
                .max_by_key(|p| p.reason.is_some())
        };
        let alternative_proof = |index: usize, action: usize| {
            findings
                .iter()
                .filter(|f| f.rule().is_some_and(|rule| rule.index() == index))
                .filter(|f| f.kind.alternative().is_some_and(|a| a.index() == action))
                .filter_map(|f| Proof::of(model, f))
                .max_by_key(|p| p.reason.is_some())
        };
        for (index, rule) in model.rules.iter().enumerate() {
            let unreachable = rule_proof(index);
            let item = format!("rule `{}` never fires", rule.name);
            count(
                &mut summary.rules,
                &mut summary.missing,
                &mut summary.acknowledged,
                self.rules.contains(&index),
                item,
                unreachable.as_ref(),
            );
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    // Each option of an equal choice counts, as each
                    // alternative of an ordered one does.
                    let name = &model.actions.at(*action).name;
                    let item = if choice.kind.is_option(position) {
                        format!("option `{name}` of rule `{}` is never offered", rule.name)
                    } else {
                        format!(
                            "alternative `{name}` of rule `{}` is never the one recommended",
                            rule.name
                        )
                    };
                    // An alternative of a rule that never fires is never
                    // given either: the rule's proof covers it.
                    let proof = unreachable
                        .as_ref()
                        .filter(|p| p.reason.is_some())
                        .map(|p| Proof {
                            code: p.code,
                            reason: p.reason.clone(),
                        })
                        .or_else(|| alternative_proof(index, action.index()));
                    count(
                        &mut summary.alternatives,
                        &mut summary.missing,
                        &mut summary.acknowledged,
                        self.alternatives
                            .contains(&(index, choice_index, action.index())),
                        item,
                        proof.as_ref(),
                    );
                }
            }
        }
        for (action_index, action) in model.actions.iter().enumerate() {
            for clause in 0..action.contraindications.len() {
                let item = format!(
                    "contraindication #{} of `{}` never holds",
                    clause + 1,
                    action.name
                );
                count(
                    &mut summary.contraindications,
                    &mut summary.missing,
                    &mut summary.acknowledged,
                    self.contraindications.contains(&(action_index, clause)),
                    item,
                    None,
                );
            }
        }
        summary
    }
}

/// Counts one item: covered, acknowledged (out of the totals) or missing.
fn count(
    ratio: &mut (usize, usize),
    missing: &mut Vec<Missing>,
    acknowledged: &mut Vec<Proved>,
    covered: bool,
    item: String,
    proof: Option<&Proof>,
) {
    if covered {
        // A case reached it after all: it counts as covered.
        ratio.0 += 1;
        ratio.1 += 1;
        return;
    }
    match proof {
        Some(Proof {
            code,
            reason: Some(reason),
        }) => acknowledged.push(Proved {
            item,
            code: *code,
            reason: Some(reason.clone()),
        }),
        _ => {
            ratio.1 += 1;
            missing.push(Missing {
                item,
                proved: proof.map(|p| p.code),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDELINE: &str = r#"guideline g "G" { version "1" }
reference R pmid 1 "R"
fact weak: bool "Weak"
fact hypertension: bool "Hypertension"
action methotrexate "Methotrexate"
action azathioprine "Azathioprine"
action ciclosporin "Ciclosporin" { contraindicated-if hypertension because "BP" cite R }
rule quiet "Acknowledged" {
  when weak and not hypertension
  then recommend methotrexate, azathioprine
  cite R
  expect unreachable-alternative "kept on purpose"
}
rule loud "Not acknowledged" {
  when weak and hypertension
  then recommend ciclosporin, methotrexate
  cite R
}
"#;

    #[test]
    fn only_acknowledged_proofs_leave_the_totals() {
        let compiled = crate::compile(GUIDELINE);
        let Some(model) = compiled.model else {
            panic!("{:?}", compiled.diagnostics);
        };
        let findings = crate::analysis::findings(&model);
        let summary = Coverage::default().summary(&model, &findings);
        // Four alternatives; azathioprine of `quiet` is proved and
        // acknowledged, ciclosporin of `loud` proved but not acknowledged.
        assert_eq!(summary.alternatives, (0, 3));
        assert_eq!(
            summary.acknowledged,
            vec![Proved {
                item: "alternative `azathioprine` of rule `quiet` is never the one recommended"
                    .to_owned(),
                code: Code::UnreachableAlternative,
                reason: Some("kept on purpose".to_owned()),
            }]
        );
        assert!(summary.missing.contains(&Missing {
            item:
                "alternative `ciclosporin` of rule `loud` is never the one recommended".to_owned(),
            proved: Some(Code::AlwaysWithheld),
        }));
        // Without the findings every item counts.
        assert_eq!(
            Coverage::default().summary(&model, &[]).alternatives,
            (0, 4)
        );
    }
}
