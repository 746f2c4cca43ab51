//! Logic analysis: rules that can never fire, rules shadowed in first-match
//! sections, alternatives that are always withheld or never reached, rules
//! whose outcomes conflict, redundant rules, coverage gaps and overlapping
//! members of `disjoint` sections — each proved
//! by SAT over the exact finite abstraction of `encode`, and each shown
//! with a witness patient that the interpreter re-runs to confirm the
//! finding before it is reported. See `docs/design.md`.
//!
//! One module per lint family, run in the order of `lints`:
//! `unreachable` (unreachable and shadowed rules), `alternatives`,
//! `conflicts`, `exclusive`, `redundant`, `gaps` and `overlaps`; `firing`
//! builds the literals for when each rule fires, which they all share.
//! A family reports a typed [`FindingKind`]; `finding` holds all the
//! wording, so a family writes none.

mod alternatives;
mod boxes;
mod budget;
mod conflicts;
mod encode;
mod exclusive;
mod finding;
mod firing;
mod gaps;
mod overlaps;
mod parallel;
mod redundant;
mod unreachable;

use std::sync::Arc;

use batsat::Lit;

use crate::diagnostics::Diagnostic;
use crate::eval::{Evaluation, Patient, Program, evaluate};
use crate::id_vec::{IdVec, Placeholder};
use crate::never::OrNever;
use crate::sema::{ActionId, Member, Model, Outcome, RuleId, SectionId};
pub use encode::{Encoding, Kleene};
pub use finding::{Finding, FindingKind, Shadower, Unanalysed};
pub(crate) use firing::Firing;

/// The lint families, in the order their findings are reported.
fn lints<'m>() -> [fn(&mut Analysis<'m>); 7] {
    [
        Analysis::unreachable_and_shadowed,
        Analysis::alternatives,
        Analysis::conflicts,
        Analysis::exclusive,
        Analysis::redundant,
        Analysis::gaps,
        Analysis::overlaps,
    ]
}

/// Everything the analyses share: literals for rules firing and actions
/// being blocked; each question is a SAT call on its own cone.
struct Analysis<'m> {
    model: &'m Model,
    /// Shared with worker threads (`parallel`).
    program: Arc<Program<'m>>,
    encoding: Encoding,
    /// All invariants hold (assumed in every question about real patients).
    plausible: Lit,
    /// Each rule's own condition.
    condition: IdVec<RuleId, Lit>,
    /// Each rule fires: its condition, and no earlier member of an
    /// enclosing first-match section fires.
    fire: IdVec<RuleId, Lit>,
    /// Whether each section has some rule whose condition holds.
    section_applies: IdVec<SectionId, Option<Lit>>,
    /// Each action is withheld by a contraindication or an avoiding rule.
    blocked: IdVec<ActionId, Lit>,
    /// Each action's contraindications alone.
    contraindicated: IdVec<ActionId, Lit>,
    findings: Vec<Finding>,
    /// First-match questions decided by interval boxes (`boxes`).
    boxes: Option<Arc<boxes::Boxes>>,
}

// What `IdVec::at` gives in release for a rule, section or action id that
// is not the model's, which cannot happen (debug and test builds stop).
impl Placeholder for Lit {
    const PLACEHOLDER: &'static Self = &Lit::UNDEF;
}

/// Runs every analysis on a checked model; findings the author accepted
/// with `expect` are left out.
pub fn analyze(model: &Model) -> Vec<Diagnostic> {
    to_diagnostics(model, findings(model))
}

/// Runs every analysis and returns the findings, `expect`ed ones included.
pub fn findings(model: &Model) -> Vec<Finding> {
    findings_within(model, boxes::DEFAULT_BUDGET)
}

/// [`findings`], with `budget` pieces for each first-match question the
/// box analysis decides (`boxes::DEFAULT_BUDGET` by default); the rules and
/// sections it cannot decide within it are reported not analysed (W0409).
/// A budget of 0 turns the box analysis off: every question is one SAT
/// call, however long (the reference the box analysis is tested against).
pub fn findings_within(model: &Model, budget: u64) -> Vec<Finding> {
    let mut encoding = Encoding::new(model);
    let invariants: Vec<Lit> = model
        .invariants
        .iter()
        .map(|invariant| encoding.condition(&invariant.condition))
        .collect();
    let plausible = encoding.and(&invariants);
    let condition: IdVec<RuleId, Lit> = model
        .rules
        .iter()
        .map(|rule| encoding.condition(&rule.condition))
        .collect();
    let contraindicated = model
        .actions
        .iter()
        .map(|action| {
            let clauses: Vec<Lit> = action
                .contraindications
                .iter()
                .map(|c| encoding.condition(&c.condition))
                .collect();
            encoding.or(&clauses)
        })
        .collect();
    let mut analysis = Analysis {
        model,
        program: Arc::new(Program::new(model)),
        plausible,
        fire: condition.clone(),
        condition,
        section_applies: IdVec::filled(None, model.sections.len()),
        blocked: IdVec::new(),
        contraindicated,
        encoding,
        findings: Vec::new(),
        boxes: None,
    };
    let structure = Firing::of(model, &mut analysis.encoding, &analysis.condition);
    analysis.fire = structure.fire;
    analysis.section_applies = structure.section_applies;
    analysis.compute_blocked();
    analysis.decide_boxes(budget);
    for lint in lints() {
        lint(&mut analysis);
    }
    analysis.not_analysed();
    analysis.realize_witnesses();
    analysis.findings
}

impl Analysis<'_> {
    /// Whether the assumptions can hold together; on success the solver
    /// keeps the model for [`Analysis::witness`].
    fn sat(&mut self, assumptions: &[Lit]) -> bool {
        if let Some(answer) = self.box_answer(assumptions) {
            return answer.is_some();
        }
        self.encoding.sat(assumptions)
    }

    /// A witness patient for the assumptions, if they can hold.
    fn witness(&mut self, assumptions: &[Lit]) -> Option<Patient> {
        if let Some(answer) = self.box_answer(assumptions) {
            return answer.map(|point| self.encoding.patient_at(&point));
        }
        self.sat(assumptions).then(|| self.encoding.patient())
    }

    /// A copy for a worker thread: its own SAT encoding (a question
    /// changes only the encoding's last model), the rest shared or small,
    /// and no findings yet.
    fn worker(&self) -> Self {
        Analysis {
            model: self.model,
            program: Arc::clone(&self.program),
            encoding: self.encoding.clone(),
            plausible: self.plausible,
            condition: self.condition.clone(),
            fire: self.fire.clone(),
            section_applies: self.section_applies.clone(),
            blocked: self.blocked.clone(),
            contraindicated: self.contraindicated.clone(),
            findings: Vec::new(),
            boxes: self.boxes.clone(),
        }
    }

    /// Computed facts are tied to their facts only by ranges (the
    /// encoding's `values`), which may be wider than the arithmetic
    /// reaches: a witness may give them values its facts do not. Each
    /// witness is replaced by a real patient with the same cells
    /// ([`Program::realize`]); a finding none is found for is not claimed,
    /// and its rule or section is reported not analysed instead (once).
    fn realize_witnesses(&mut self) {
        if self.model.derived_order.is_empty() {
            return;
        }
        let mut kept: Vec<Finding> = Vec::with_capacity(self.findings.len());
        for mut finding in std::mem::take(&mut self.findings) {
            let Some(witness) = &finding.witness else {
                kept.push(finding);
                continue;
            };
            if let Some(real) = self.program.realize(witness) {
                finding.witness = Some(real);
                kept.push(finding);
                continue;
            }
            let kind = FindingKind::NotAnalysed {
                rule: finding.rule(),
                section: finding.kind.section(),
                why: Unanalysed::Arithmetic(finding.code()),
            };
            if !kept.iter().any(|f| f.kind == kind) {
                kept.push(Finding {
                    kind,
                    witness: None,
                });
            }
        }
        self.findings = kept;
    }

    fn evaluate(&self, patient: &Patient) -> Evaluation {
        evaluate(&self.program, patient)
    }

    fn compute_blocked(&mut self) {
        let mut parts: IdVec<ActionId, Vec<Lit>> =
            self.contraindicated.iter().map(|c| vec![*c]).collect();
        for (id, rule) in self.model.rules.iter_enumerated() {
            for choice in rule.choices.iter().filter(|c| c.outcome == Outcome::Avoid) {
                for action in &choice.actions {
                    if let Some(part) = parts.get_mut(*action).never_none() {
                        part.push(*self.fire.at(id));
                    }
                }
            }
        }
        self.blocked = parts.iter().map(|p| self.encoding.or(p)).collect();
    }

    /// Assumptions for "a plausible patient for whom the rule fires".
    fn fires(&self, rule: RuleId) -> Vec<Lit> {
        vec![*self.fire.at(rule), self.plausible]
    }

    /// Assumptions for "the rule fires and gives alternative `position` of
    /// `choice`": this one is not blocked, and every earlier alternative
    /// tried in order is (all earlier ones of an ordered choice, the
    /// preferred ones of an equal choice, which offers each option that is
    /// not blocked whatever the other options).
    fn gives(&self, rule: RuleId, choice: usize, position: usize) -> Vec<Lit> {
        let choice = self.model.rules.at(rule).choices.get(choice);
        let actions = choice.map_or(&[][..], |c| &c.actions);
        let in_order = choice.map_or(0, |c| c.kind.in_order(actions.len()));
        let mut assumptions = self.fires(rule);
        let (earlier, this) = actions.split_at_checked(position).unwrap_or((actions, &[]));
        assumptions.extend(earlier.iter().take(in_order).map(|a| *self.blocked.at(*a)));
        if let Some(action) = this.first().never_none() {
            assumptions.push(!*self.blocked.at(*action));
        }
        assumptions
    }
}

/// The findings as diagnostics, leaving out those the author accepted
/// with `expect` on their rule.
fn to_diagnostics(model: &Model, findings: Vec<Finding>) -> Vec<Diagnostic> {
    reported(model, findings)
        .iter()
        .map(|finding| finding.to_diagnostic(model))
        .collect()
}

/// The findings `gdl check` reports: all but those the author accepted
/// with `expect` on their rule.
pub fn reported(model: &Model, mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.retain(|finding| {
        let rule = finding.rule().and_then(|rule| model.rules.get(rule));
        !rule.is_some_and(|rule| rule.expects.iter().any(|(code, _)| *code == finding.code()))
    });
    findings
}

/// Every rule in a section, nested sections included, in order.
fn rules_in(model: &Model, section: SectionId) -> Vec<RuleId> {
    let mut out = Vec::new();
    let mut stack: Vec<Member> = model
        .sections
        .at(section)
        .members
        .iter()
        .rev()
        .copied()
        .collect();
    while let Some(member) = stack.pop() {
        match member {
            Member::Rule(rule) => out.push(rule),
            Member::Section(inner) => stack.extend(model.sections.at(inner).members.iter().rev()),
        }
    }
    out
}

/// What the lint families' unit tests share: the findings for a source
/// text, as code and the rule (or section) each is about.
#[cfg(test)]
mod test_support {
    /// A header, a reference `R` and bool facts `x` and `y`.
    pub(super) const HEAD: &str = "guideline g \"G\" {}\n\
                                   reference R pmid 1 \"r\"\n\
                                   fact x: bool\nfact y: bool\n";

    /// Each finding, `expect`ed ones included, as its code and the name of
    /// the rule it is about (else its section).
    pub(super) fn found(text: &str) -> Vec<(&'static str, String)> {
        let model = crate::test_model(text);
        super::findings(&model)
            .into_iter()
            .map(|finding| {
                let about = match (finding.rule(), finding.section()) {
                    (Some(rule), _) => model.rules.at(rule).name.clone(),
                    (None, Some(section)) => model.sections.at(section).name.clone(),
                    (None, None) => String::new(),
                };
                (finding.code().id(), about)
            })
            .collect()
    }

    /// Each finding's kind, `expect`ed ones included, in order.
    pub(super) fn kinds(text: &str) -> Vec<super::FindingKind> {
        let model = crate::test_model(text);
        super::findings(&model)
            .into_iter()
            .map(|finding| finding.kind)
            .collect()
    }

    /// `found`, for a test's expected list.
    pub(super) fn expect(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs
            .iter()
            .map(|(code, about)| (*code, (*about).to_owned()))
            .collect()
    }
}
