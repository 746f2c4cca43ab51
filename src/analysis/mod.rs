//! Logic analysis: rules that can never fire, rules shadowed in first-match
//! sections, alternatives that are always withheld or never reached, rules
//! whose outcomes conflict, redundant rules and coverage gaps — each proved
//! by SAT over the exact finite abstraction of `encode`, and each shown
//! with a witness patient that the interpreter re-runs to confirm the
//! finding before it is reported. See `docs/design.md`.

mod encode;

use batsat::Lit;

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::explain::{Target, explain};
use crate::eval::{Evaluation, Patient, Program, RuleStatus, Tri, Withholding, evaluate};
use crate::facts::write::witness_json;
use crate::sema::{ActionId, Member, Model, Outcome, RuleId, SectionId};
use crate::span::Span;
pub use encode::{Encoding, Kleene};

/// Everything the analyses share: literals for rules firing and actions
/// being blocked; each question is a SAT call on its own cone.
struct Analysis<'m> {
    model: &'m Model,
    program: Program<'m>,
    encoding: Encoding,
    /// All invariants hold (assumed in every question about real patients).
    plausible: Lit,
    /// Each rule's own condition.
    condition: Vec<Lit>,
    /// Each rule fires: its condition, and no earlier member of an
    /// enclosing first-match section fires.
    fire: Vec<Lit>,
    /// Whether each section has some rule whose condition holds.
    section_applies: Vec<Option<Lit>>,
    /// Each action is withheld by a contraindication or an avoiding rule.
    blocked: Vec<Lit>,
    /// Each action's contraindications alone.
    contraindicated: Vec<Lit>,
    findings: Vec<Finding>,
}

/// A finding, confirmed by the interpreter where it has a witness.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Which analysis.
    pub code: Code,
    /// The rule the finding is about (the primary label); `None` only for
    /// a coverage gap of a section that holds no rule at all.
    pub rule: Option<RuleId>,
    /// The section a coverage gap is in.
    pub section: Option<SectionId>,
    /// What is wrong.
    pub message: String,
    /// Other rules involved, with labels.
    pub others: Vec<(RuleId, String)>,
    /// How to fix it.
    pub help: String,
    /// A patient that shows it.
    pub witness: Option<Patient>,
}

/// Runs every analysis on a checked model; findings the author accepted
/// with `expect` are left out.
pub fn analyze(model: &Model) -> Vec<Diagnostic> {
    to_diagnostics(model, findings(model))
}

/// Runs every analysis and returns the findings, `expect`ed ones included.
pub fn findings(model: &Model) -> Vec<Finding> {
    let mut encoding = Encoding::new(model);
    let invariants: Vec<Lit> = model
        .invariants
        .iter()
        .map(|invariant| encoding.condition(&invariant.condition))
        .collect();
    let plausible = encoding.and(&invariants);
    let condition: Vec<Lit> = model
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
        program: Program::new(model),
        plausible,
        fire: condition.clone(),
        condition,
        section_applies: vec![None; model.sections.len()],
        blocked: Vec::new(),
        contraindicated,
        encoding,
        findings: Vec::new(),
    };
    let structure = Firing::of(model, &mut analysis.encoding, &analysis.condition);
    analysis.fire = structure.fire;
    analysis.section_applies = structure.section_applies;
    analysis.compute_blocked();
    analysis.unreachable_and_shadowed();
    analysis.alternatives();
    analysis.conflicts();
    analysis.exclusive();
    analysis.redundant();
    analysis.gaps();
    analysis.findings
}

impl Analysis<'_> {
    /// Whether the assumptions can hold together; on success the solver
    /// keeps the model for [`Analysis::witness`].
    fn sat(&mut self, assumptions: &[Lit]) -> bool {
        self.encoding.sat(assumptions)
    }

    /// A witness patient for the assumptions, if they can hold.
    fn witness(&mut self, assumptions: &[Lit]) -> Option<Patient> {
        self.sat(assumptions).then(|| self.encoding.patient())
    }

    fn evaluate(&self, patient: &Patient) -> Evaluation {
        evaluate(&self.program, patient)
    }

    fn compute_blocked(&mut self) {
        let mut parts: Vec<Vec<Lit>> = self.contraindicated.iter().map(|c| vec![*c]).collect();
        for (index, rule) in self.model.rules.iter().enumerate() {
            for choice in rule.choices.iter().filter(|c| c.outcome == Outcome::Avoid) {
                for action in &choice.actions {
                    parts[action.index()].push(self.fire[index]);
                }
            }
        }
        self.blocked = parts.iter().map(|p| self.encoding.or(p)).collect();
    }

    /// Assumptions for "a plausible patient for whom the rule fires".
    fn fires(&self, rule: usize) -> Vec<Lit> {
        vec![self.fire[rule], self.plausible]
    }

    /// Assumptions for "the rule fires and gives alternative `position` of
    /// `choice`": every earlier alternative is blocked and this one is not.
    fn gives(&self, rule: usize, choice: usize, position: usize) -> Vec<Lit> {
        let actions = &self.model.rules[rule].choices[choice].actions;
        let mut assumptions = self.fires(rule);
        assumptions.extend(actions[..position].iter().map(|a| self.blocked[a.index()]));
        assumptions.push(!self.blocked[actions[position].index()]);
        assumptions
    }

    fn unreachable_and_shadowed(&mut self) {
        for index in 0..self.model.rules.len() {
            let rule = RuleId(index as u32);
            let own = vec![self.condition[index], self.plausible];
            if !self.sat(&own) {
                // No plausible patient satisfies the condition. When some
                // implausible one does, it is the witness: the interpreter
                // stops at the invariant it violates.
                let witness = self
                    .witness(&[self.condition[index]])
                    .filter(|p| self.evaluate(p).rules[index] == RuleStatus::NotReached);
                let detail = if witness.is_some() {
                    "only patients who contradict an invariant satisfy its condition"
                } else {
                    "no patient satisfies its condition"
                };
                self.findings.push(Finding {
                    code: Code::UnreachableRule,
                    rule: Some(rule),
                    section: None,
                    message: format!("rule `{}` can never fire: {detail}", self.model.rules[index].name),
                    others: Vec::new(),
                    help: "fix the condition (a contradiction, or a threshold on the wrong side), or delete the rule".to_owned(),
                    witness,
                });
                continue;
            }
            if self.sat(&self.fires(index)) {
                continue;
            }
            let Some(patient) = self.witness(&own) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if evaluation.rules[index] != RuleStatus::Shadowed {
                continue;
            }
            let peers = first_match_peers(self.model, rule);
            let mut others = Vec::new();
            for earlier in (0..index).filter(|i| peers.contains(&RuleId(*i as u32))) {
                if !self.sat(&[
                    self.condition[earlier],
                    self.condition[index],
                    self.plausible,
                ]) {
                    continue;
                }
                let label = if evaluation.rules[earlier] == RuleStatus::Fired {
                    "fires first for the example patient"
                } else {
                    "fires first for some of its patients"
                };
                others.push((RuleId(earlier as u32), label.to_owned()));
            }
            self.findings.push(Finding {
                code: Code::ShadowedRule,
                rule: Some(rule),
                section: None,
                message: format!(
                    "rule `{}` is shadowed: in its first-match section, earlier rules apply to every patient it applies to",
                    self.model.rules[index].name
                ),
                others,
                help: "move the rule before the rules that shadow it, narrow their conditions, or delete it".to_owned(),
                witness: Some(patient),
            });
        }
    }

    /// Whether the interpreter sees the action contraindicated or avoided
    /// for this patient (whether or not a rule got as far as it).
    fn blocked_for(&self, patient: &Patient, evaluation: &Evaluation, action: ActionId) -> bool {
        let contraindicated =
            (0..self.model.actions[action.index()].contraindications.len()).any(|clause| {
                explain(
                    &self.program,
                    patient,
                    Target::Contraindication(action.index(), clause),
                )
                .first()
                .is_some_and(|root| root.value == Tri::True)
            });
        contraindicated || evaluation.avoided.iter().any(|a| a.action == action)
    }

    fn alternatives(&mut self) {
        for index in 0..self.model.rules.len() {
            let rule = &self.model.rules[index];
            let fires = self.fires(index);
            let Some(patient) = self.witness(&fires) else {
                continue; // unreachable rules are reported once, above
            };
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    let mut clear = fires.clone();
                    clear.push(!self.blocked[action.index()]);
                    if !self.sat(&clear) {
                        // Any patient for whom the rule fires shows it.
                        let witness = patient.clone();
                        let evaluation = self.evaluate(&witness);
                        if evaluation.rules[index] == RuleStatus::Fired
                            && self.blocked_for(&witness, &evaluation, *action)
                        {
                            self.findings.push(Finding {
                                code: Code::AlwaysWithheld,
                                rule: Some(RuleId(index as u32)),
                                section: None,
                                message: format!(
                                    "`{}` is withheld whenever rule `{}` fires: a contraindication or avoidance always holds",
                                    self.model.actions[action.index()].name,
                                    rule.name
                                ),
                                others: Vec::new(),
                                help: "remove the alternative, or narrow the rule to patients who can receive it".to_owned(),
                                witness: Some(witness),
                            });
                        }
                        continue;
                    }
                    if position == 0 || self.sat(&self.gives(index, choice_index, position)) {
                        continue;
                    }
                    // Prefer a witness where an earlier alternative is given.
                    let mut witness = None;
                    for earlier in 0..position {
                        let assumptions = self.gives(index, choice_index, earlier);
                        witness = self.witness(&assumptions);
                        if witness.is_some() {
                            break;
                        }
                    }
                    let witness = witness.unwrap_or_else(|| patient.clone());
                    let evaluation = self.evaluate(&witness);
                    let confirmed = evaluation.rules[index] == RuleStatus::Fired
                        && !evaluation.recommended.iter().any(|r| {
                            r.rule.index() == index
                                && r.choice == choice_index
                                && r.action == *action
                        });
                    if confirmed {
                        self.findings.push(Finding {
                            code: Code::UnreachableAlternative,
                            rule: Some(RuleId(index as u32)),
                            section: None,
                            message: format!(
                                "alternative `{}` of rule `{}` is never given: an earlier alternative can always be given when the rule fires",
                                self.model.actions[action.index()].name,
                                rule.name
                            ),
                            others: Vec::new(),
                            help: "remove the alternative, or give the earlier ones the contraindications that should make way for it".to_owned(),
                            witness: Some(witness),
                        });
                    }
                }
            }
        }
    }

    /// An avoiding rule defeats a whole choice of a recommending rule that
    /// has no `else-escalate`: the choice would give something, but with the
    /// avoidance nothing is left.
    fn conflicts(&mut self) {
        for avoider in 0..self.model.rules.len() {
            let avoid_rule = &self.model.rules[avoider];
            for avoid in avoid_rule
                .choices
                .iter()
                .filter(|c| c.outcome == Outcome::Avoid)
            {
                for recommender in 0..self.model.rules.len() {
                    let rule = &self.model.rules[recommender];
                    // A rule with `else-escalate` has planned for having
                    // nothing to give; only unplanned ones are conflicts.
                    if recommender == avoider || rule.escalation.is_some() {
                        continue;
                    }
                    for choice in &rule.choices {
                        if choice.outcome != Outcome::Recommend
                            || !choice.actions.iter().any(|a| avoid.actions.contains(a))
                        {
                            continue;
                        }
                        // All blocked with the avoidance; some avoided one
                        // free of contraindications without it.
                        let mut assumptions =
                            vec![self.fire[recommender], self.fire[avoider], self.plausible];
                        assumptions.extend(choice.actions.iter().map(|a| self.blocked[a.index()]));
                        let free: Vec<Lit> = choice
                            .actions
                            .iter()
                            .filter(|a| avoid.actions.contains(a))
                            .map(|a| !self.contraindicated[a.index()])
                            .collect();
                        let some_free = self.encoding.or(&free);
                        assumptions.push(some_free);
                        let Some(patient) = self.witness(&assumptions) else {
                            continue;
                        };
                        let evaluation = self.evaluate(&patient);
                        let confirmed = evaluation.rules[recommender] == RuleStatus::Fired
                            && evaluation.rules[avoider] == RuleStatus::Fired
                            && evaluation.withheld().any(|w| {
                                w.rule.index() == recommender
                                    && matches!(&w.why, Withholding::Avoided(rules) if rules.iter().any(|r| r.index() == avoider))
                            });
                        if !confirmed {
                            continue;
                        }
                        self.findings.push(Finding {
                            code: Code::Conflict,
                            rule: Some(RuleId(recommender as u32)),
                            section: None,
                            message: format!(
                                "rules `{}` and `{}` conflict: one recommends what the other says to avoid, and the patient is left without a recommendation",
                                rule.name, avoid_rule.name
                            ),
                            others: vec![(RuleId(avoider as u32), "says to avoid it".to_owned())],
                            help: "make the conditions exclusive, or add an alternative the avoiding rule allows".to_owned(),
                            witness: Some(patient),
                        });
                    }
                }
            }
        }
    }

    /// Two recommendations of mutually exclusive actions for one patient.
    fn exclusive(&mut self) {
        let mut gives: Vec<(usize, usize, ActionId, Vec<Lit>)> = Vec::new();
        for (index, rule) in self.model.rules.iter().enumerate() {
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    if self
                        .model
                        .exclusives
                        .iter()
                        .any(|e| e.actions.contains(action))
                    {
                        gives.push((
                            index,
                            choice_index,
                            *action,
                            self.gives(index, choice_index, position),
                        ));
                    }
                }
            }
        }
        for (group_index, group) in self.model.exclusives.iter().enumerate() {
            for (i, (rule_a, choice_a, action_a, gives_a)) in gives.iter().enumerate() {
                for (rule_b, choice_b, action_b, gives_b) in &gives[i + 1..] {
                    if action_a == action_b
                        || (rule_a, choice_a) == (rule_b, choice_b)
                        || !group.actions.contains(action_a)
                        || !group.actions.contains(action_b)
                    {
                        continue;
                    }
                    let both: Vec<Lit> = gives_a.iter().chain(gives_b).copied().collect();
                    let Some(patient) = self.encoding.sat(&both).then(|| self.encoding.patient())
                    else {
                        continue;
                    };
                    let evaluation = evaluate(&self.program, &patient);
                    let confirmed = evaluation.escalations.iter().any(|e| {
                        matches!(&e.cause, crate::eval::EscalationCause::Exclusive { group, .. } if *group == group_index)
                    });
                    if !confirmed {
                        continue;
                    }
                    self.findings.push(Finding {
                        code: Code::ExclusiveConflict,
                        rule: Some(RuleId(*rule_a as u32)),
                        section: None,
                        message: format!(
                            "`{}` (rule `{}`) and `{}` (rule `{}`) can be recommended together, but they are declared mutually exclusive",
                            self.model.actions[action_a.index()].name,
                            self.model.rules[*rule_a].name,
                            self.model.actions[action_b.index()].name,
                            self.model.rules[*rule_b].name
                        ),
                        others: vec![(RuleId(*rule_b as u32), "recommends the other".to_owned())],
                        help: "make the rules' conditions exclusive, or put them in one first-match section".to_owned(),
                        witness: Some(patient),
                    });
                }
            }
        }
    }

    /// A rule implied by another rule with the same outcome adds nothing.
    /// The outcome is what the clinician reads: the `then` clauses and the
    /// `else-escalate` text, so rules that escalate with different reasons
    /// are not redundant. Candidates are filtered by running each rule's own witness patient
    /// through the interpreter: a rule that does not fire for it cannot
    /// cover the rule, so only the rest get a SAT question.
    fn redundant(&mut self) {
        type Signature<'r> = (Vec<(bool, Vec<ActionId>)>, Option<&'r str>);
        let mut by_outcome: std::collections::BTreeMap<Signature<'_>, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (index, rule) in self.model.rules.iter().enumerate() {
            let choices = rule
                .choices
                .iter()
                .map(|c| (c.outcome == Outcome::Avoid, c.actions.clone()))
                .collect();
            let signature = (choices, rule.escalation.as_deref());
            by_outcome.entry(signature).or_default().push(index);
        }
        for rules in by_outcome.into_values().filter(|rules| rules.len() > 1) {
            for &redundant in &rules {
                let Some(patient) = self.witness(&self.fires(redundant)) else {
                    continue;
                };
                let evaluation = self.evaluate(&patient);
                let mut cover = None;
                for &other in &rules {
                    if other == redundant || evaluation.rules[other] != RuleStatus::Fired {
                        continue;
                    }
                    let mut escapes = self.fires(redundant);
                    escapes.push(!self.fire[other]);
                    if self.sat(&escapes) {
                        continue;
                    }
                    // Mutual implication: report only the later rule.
                    let mut back = self.fires(other);
                    back.push(!self.fire[redundant]);
                    if other < redundant || self.sat(&back) {
                        cover = Some(other);
                        break;
                    }
                }
                let Some(other) = cover else { continue };
                self.findings.push(Finding {
                    code: Code::RedundantRule,
                    rule: Some(RuleId(redundant as u32)),
                    section: None,
                    message: format!(
                        "rule `{}` is redundant: rule `{}` has the same outcome and applies whenever it does",
                        self.model.rules[redundant].name, self.model.rules[other].name
                    ),
                    others: vec![(RuleId(other as u32), "covers it".to_owned())],
                    help: "delete one of the rules, or merge their citations into one".to_owned(),
                    witness: Some(patient),
                });
            }
        }
    }

    /// Sections marked `complete` must give every plausible patient a decision.
    fn gaps(&mut self) {
        for index in 0..self.model.sections.len() {
            let section = &self.model.sections[index];
            if !section.complete {
                continue;
            }
            let rules = rules_in(self.model, SectionId(index as u32));
            // Patients an enclosing first-match section sends elsewhere are
            // not this section's gap: ask for no rule condition holding.
            let applies = self.section_applies[index].unwrap_or(!self.encoding.truth());
            let assumptions = vec![self.plausible, !applies];
            let Some(patient) = self.witness(&assumptions) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if rules
                .iter()
                .any(|r| evaluation.rules[r.index()] == RuleStatus::Fired)
            {
                continue;
            }
            // A section with no rule at all gives no patient a decision:
            // the finding is about the section itself.
            let first = rules.first().copied();
            let message = if first.is_some() {
                format!(
                    "section `{}` is marked complete, but some patients get no decision from it",
                    section.name
                )
            } else {
                format!(
                    "section `{}` is marked complete, but it has no rules: no patient gets a decision from it",
                    section.name
                )
            };
            self.findings.push(Finding {
                code: Code::CoverageGap,
                rule: first,
                section: Some(SectionId(index as u32)),
                message,
                others: Vec::new(),
                help: if first.is_some() {
                    "add a rule (or an else-escalate rule) for these patients, or drop `complete`"
                } else {
                    "add the section's rules (an else-escalate rule hands patients to a clinician), or drop `complete`"
                }
                .to_owned(),
                witness: Some(patient),
            });
        }
    }
}

/// When each rule fires, as literals: its condition, and no earlier member
/// of an enclosing first-match section applying. Shared by the analyses and
/// by `gdl diff`, which builds it for two versions of a guideline.
pub(crate) struct Firing {
    /// By rule.
    pub(crate) fire: Vec<Lit>,
    /// Whether some rule of each section has a condition that holds.
    pub(crate) section_applies: Vec<Option<Lit>>,
}

impl Firing {
    pub(crate) fn of(model: &Model, encoding: &mut Encoding, condition: &[Lit]) -> Firing {
        let mut builder = FiringBuilder {
            model,
            encoding,
            condition,
            fire: condition.to_vec(),
            section_applies: vec![None; model.sections.len()],
        };
        let none = !builder.encoding.truth();
        builder.members(&model.top_level, None, none);
        // Every section's "applies" literal, for the coverage-gap question.
        for index in 0..model.sections.len() {
            builder.member_condition(Member::Section(SectionId(index as u32)));
        }
        Firing {
            fire: builder.fire,
            section_applies: builder.section_applies,
        }
    }
}

struct FiringBuilder<'a> {
    model: &'a Model,
    encoding: &'a mut Encoding,
    condition: &'a [Lit],
    fire: Vec<Lit>,
    section_applies: Vec<Option<Lit>>,
}

impl FiringBuilder<'_> {
    /// Whether a member (rule or section) has a rule whose condition holds
    /// (a section fires when any rule in it does, first-match or not).
    fn member_condition(&mut self, member: Member) -> Lit {
        match member {
            Member::Rule(rule) => self.condition[rule.index()],
            Member::Section(section) => {
                if let Some(known) = self.section_applies[section.index()] {
                    return known;
                }
                let members = self.model.sections[section.index()].members.clone();
                let parts: Vec<Lit> = members
                    .into_iter()
                    .map(|m| self.member_condition(m))
                    .collect();
                let applies = self.encoding.or(&parts);
                self.section_applies[section.index()] = Some(applies);
                applies
            }
        }
    }

    /// Within a first-match section a member fires only when no earlier
    /// member does; `blocked_above` is what pre-empts the whole list.
    fn members(&mut self, members: &[Member], first_match: Option<SectionId>, blocked_above: Lit) {
        let mut earlier: Vec<Lit> = Vec::new();
        for member in members {
            let blocked = if first_match.is_some() {
                let mut parts = earlier.clone();
                parts.push(blocked_above);
                self.encoding.or(&parts)
            } else {
                blocked_above
            };
            match *member {
                Member::Rule(rule) => {
                    let own = self.condition[rule.index()];
                    self.fire[rule.index()] = self.encoding.and(&[own, !blocked]);
                }
                Member::Section(section) => {
                    let inner = &self.model.sections[section.index()];
                    let scope = inner.first_match.then_some(section);
                    self.members(&inner.members, scope, blocked);
                }
            }
            if first_match.is_some() {
                let applies = self.member_condition(*member);
                earlier.push(applies);
            }
        }
    }
}

fn to_diagnostics(model: &Model, findings: Vec<Finding>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for finding in findings {
        let rule = finding.rule.and_then(|rule| model.rules.get(rule.index()));
        let section = finding.section.and_then(|s| model.sections.get(s.index()));
        if rule.is_some_and(|rule| rule.expects.iter().any(|(code, _)| *code == finding.code)) {
            continue;
        }
        let mut diagnostic = Diagnostic::new(finding.code, finding.message);
        // A finding without a rule is about an empty section: point at it.
        match (rule, section) {
            (Some(rule), _) => diagnostic = diagnostic.primary(rule.name_span, "this rule"),
            (None, Some(section)) => {
                // The section's span covers its whole body; its `section`
                // keyword is one line however long the body.
                let start = section.span.start_usize();
                let keyword = Span::new(start, start + "section".len());
                diagnostic = diagnostic.primary(keyword, "this section")
            }
            (None, None) => {}
        }
        diagnostic = diagnostic.help(finding.help);
        for (other, label) in &finding.others {
            diagnostic = diagnostic.secondary(model.rules[other.index()].name_span, label.clone());
        }
        if let Some(patient) = &finding.witness {
            diagnostic = diagnostic.note(format!(
                "example patient (a facts file for `gdl run`): {}",
                witness_json(model, patient)
            ));
        }
        out.push(diagnostic);
    }
    out
}

/// Rules that share a first-match section with `rule` (at any level).
fn first_match_peers(model: &Model, rule: RuleId) -> Vec<RuleId> {
    let mut peers = Vec::new();
    let mut section = model.rules[rule.index()].section;
    while let Some(id) = section {
        let current = &model.sections[id.index()];
        if current.first_match {
            peers.extend(rules_in(model, id));
        }
        section = current.parent;
    }
    peers
}

/// Every rule in a section, nested sections included, in order.
fn rules_in(model: &Model, section: SectionId) -> Vec<RuleId> {
    let mut out = Vec::new();
    let mut stack: Vec<Member> = model.sections[section.index()]
        .members
        .iter()
        .rev()
        .copied()
        .collect();
    while let Some(member) = stack.pop() {
        match member {
            Member::Rule(rule) => out.push(rule),
            Member::Section(inner) => {
                stack.extend(model.sections[inner.index()].members.iter().rev())
            }
        }
    }
    out
}
