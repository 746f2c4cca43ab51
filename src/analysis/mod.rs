//! Logic analysis: rules that can never fire, rules shadowed in first-match
//! sections, alternatives that are always withheld or never reached, rules
//! whose outcomes conflict, redundant rules and coverage gaps — each proved
//! on BDDs over the exact finite abstraction of [`encode`], and each shown
//! with a witness patient that the interpreter re-runs to confirm the
//! finding before it is reported. See `docs/design.md`.

mod encode;

use biodivine_lib_bdd::Bdd;

use crate::diagnostics::{Code, Diagnostic};
use crate::eval::explain::{Target, explain};
use crate::eval::{Patient, Program, RuleStatus, Tri, Withholding, evaluate};
use crate::report::fact_json;
use crate::sema::{ActionId, Member, Model, Outcome, RuleId, SectionId};
pub use encode::Encoding;

/// Everything the analyses share: BDDs of rules firing, of actions being
/// blocked, and the universe of plausible patients.
struct Analysis<'m> {
    model: &'m Model,
    program: Program<'m>,
    encoding: Encoding,
    /// Domain constraints and invariants.
    universe: Bdd,
    /// Each rule's own condition.
    condition: Vec<Bdd>,
    /// Each rule fires: its condition, and no earlier member of an
    /// enclosing first-match section fires.
    fire: Vec<Bdd>,
    /// Each action is withheld by a contraindication or an avoiding rule.
    blocked: Vec<Bdd>,
    findings: Vec<Finding>,
}

/// A finding, confirmed by the interpreter where it has a witness.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Which analysis.
    pub code: Code,
    /// The rule the finding is about (the primary label).
    pub rule: RuleId,
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
    let encoding = Encoding::new(model);
    let mut universe = encoding.domain.clone();
    for invariant in &model.invariants {
        universe = universe.and(&encoding.condition(&invariant.condition));
    }
    let condition: Vec<Bdd> = model
        .rules
        .iter()
        .map(|rule| encoding.condition(&rule.condition))
        .collect();
    let mut analysis = Analysis {
        model,
        program: Program::new(model),
        universe,
        fire: condition.clone(),
        condition,
        blocked: Vec::new(),
        encoding,
        findings: Vec::new(),
    };
    analysis.compute_fire(&model.top_level, &analysis.encoding.variables.mk_false());
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
    fn sat(&self, bdd: &Bdd) -> bool {
        !bdd.is_false()
    }

    /// A witness patient from a satisfiable BDD.
    fn witness(&self, bdd: &Bdd) -> Option<Patient> {
        let valuation = bdd.sat_witness()?;
        Some(self.encoding.patient(self.model, &valuation))
    }

    /// Whether a member (rule or section) fires, ignoring first-match
    /// blocking above it: a section fires when any rule in it does.
    fn member_condition(&self, member: Member) -> Bdd {
        match member {
            Member::Rule(rule) => self.condition[rule.index()].clone(),
            Member::Section(section) => self.model.sections[section.index()]
                .members
                .iter()
                .fold(self.encoding.variables.mk_false(), |acc, m| {
                    acc.or(&self.member_condition(*m))
                }),
        }
    }

    /// Fills `fire`: within a first-match section a member fires only when
    /// no earlier member does; `blocked_above` is what blocks the section.
    fn compute_fire(&mut self, members: &[Member], blocked_above: &Bdd) {
        self.compute_members(members, None, blocked_above);
    }

    fn compute_members(
        &mut self,
        members: &[Member],
        first_match: Option<SectionId>,
        blocked_above: &Bdd,
    ) {
        let mut earlier = self.encoding.variables.mk_false();
        for member in members {
            let blocked = if first_match.is_some() {
                blocked_above.or(&earlier)
            } else {
                blocked_above.clone()
            };
            match *member {
                Member::Rule(rule) => {
                    self.fire[rule.index()] = self.condition[rule.index()].and_not(&blocked);
                }
                Member::Section(section) => {
                    let inner = &self.model.sections[section.index()];
                    let scope = inner.first_match.then_some(section);
                    let inner_members = inner.members.clone();
                    self.compute_members(&inner_members, scope, &blocked);
                }
            }
            if first_match.is_some() {
                earlier = earlier.or(&self.member_condition(*member));
            }
        }
    }

    fn compute_blocked(&mut self) {
        let vars = &self.encoding.variables;
        let mut blocked: Vec<Bdd> = self
            .model
            .actions
            .iter()
            .map(|action| {
                action
                    .contraindications
                    .iter()
                    .fold(vars.mk_false(), |acc, c| {
                        acc.or(&self.encoding.condition(&c.condition))
                    })
            })
            .collect();
        for (index, rule) in self.model.rules.iter().enumerate() {
            for choice in rule.choices.iter().filter(|c| c.outcome == Outcome::Avoid) {
                for action in &choice.actions {
                    blocked[action.index()] = blocked[action.index()].or(&self.fire[index]);
                }
            }
        }
        self.blocked = blocked;
    }

    /// The rule fires and gives alternative `position` of `choice`: every
    /// earlier alternative is blocked and this one is not.
    fn gives(&self, rule: usize, choice: usize, position: usize) -> Bdd {
        let actions = &self.model.rules[rule].choices[choice].actions;
        let mut bdd = self.fire[rule].and(&self.universe);
        for earlier in &actions[..position] {
            bdd = bdd.and(&self.blocked[earlier.index()]);
        }
        bdd.and_not(&self.blocked[actions[position].index()])
    }

    fn evaluate(&self, patient: &Patient) -> crate::eval::Evaluation {
        evaluate(&self.program, patient)
    }

    fn unreachable_and_shadowed(&mut self) {
        for index in 0..self.model.rules.len() {
            let rule = RuleId(index as u32);
            let own = self.condition[index].and(&self.universe);
            if !self.sat(&own) {
                // No plausible patient satisfies the condition. When some
                // implausible one does, it is the witness: the interpreter
                // stops at the invariant it violates.
                let implausible = self.condition[index].and(&self.encoding.domain);
                let witness = self.witness(&implausible).filter(|p| {
                    let evaluation = self.evaluate(p);
                    evaluation.rules[index] == RuleStatus::NotReached
                });
                let detail = if witness.is_some() {
                    "only patients who contradict an invariant satisfy its condition"
                } else {
                    "no patient satisfies its condition"
                };
                self.findings.push(Finding {
                    code: Code::UnreachableRule,
                    rule,
                    message: format!("rule `{}` can never fire: {detail}", self.model.rules[index].name),
                    others: Vec::new(),
                    help: "fix the condition (a contradiction, or a threshold on the wrong side), or delete the rule".to_owned(),
                    witness,
                });
                continue;
            }
            let reachable = self.fire[index].and(&self.universe);
            if self.sat(&reachable) {
                continue;
            }
            let Some(patient) = self.witness(&own) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if evaluation.rules[index] != RuleStatus::Shadowed {
                continue;
            }
            let fired: Vec<RuleId> = (0..index)
                .filter(|&i| evaluation.rules[i] == RuleStatus::Fired)
                .map(|i| RuleId(i as u32))
                .collect();
            let peers = first_match_peers(self.model, rule);
            let others = (0..index)
                .filter(|i| peers.contains(&RuleId(*i as u32)))
                .filter(|&i| self.sat(&self.condition[i].and(&own)))
                .map(|i| {
                    let label = if fired.contains(&RuleId(i as u32)) {
                        "fires first for the example patient"
                    } else {
                        "fires first for some of its patients"
                    };
                    (RuleId(i as u32), label.to_owned())
                })
                .collect();
            self.findings.push(Finding {
                code: Code::ShadowedRule,
                rule,
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

    fn alternatives(&mut self) {
        for (index, rule) in self.model.rules.iter().enumerate() {
            let fires = self.fire[index].and(&self.universe);
            let Some(patient) = self.witness(&fires) else {
                continue; // unreachable rules are reported once, above
            };
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    let clear = fires.and_not(&self.blocked[action.index()]);
                    if !self.sat(&clear) {
                        let witness = self.withheld_witness(&fires, index, *action);
                        if let Some(witness) = witness {
                            self.findings.push(Finding {
                                code: Code::AlwaysWithheld,
                                rule: RuleId(index as u32),
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
                    if position > 0 && !self.sat(&self.gives(index, choice_index, position)) {
                        // Prefer a witness where an earlier alternative is given.
                        let patient = (0..position)
                            .find_map(|earlier| {
                                self.witness(&self.gives(index, choice_index, earlier))
                            })
                            .unwrap_or_else(|| patient.clone());
                        let evaluation = self.evaluate(&patient);
                        let confirmed = evaluation.rules[index] == RuleStatus::Fired
                            && !evaluation.recommended.iter().any(|r| {
                                r.rule.index() == index
                                    && r.choice == choice_index
                                    && r.action == *action
                            });
                        if confirmed {
                            self.findings.push(Finding {
                                code: Code::UnreachableAlternative,
                                rule: RuleId(index as u32),
                                message: format!(
                                    "alternative `{}` of rule `{}` is never given: an earlier alternative can always be given when the rule fires",
                                    self.model.actions[action.index()].name,
                                    rule.name
                                ),
                                others: Vec::new(),
                                help: "remove the alternative, or give the earlier ones the contraindications that should make way for it".to_owned(),
                                witness: Some(patient),
                            });
                        }
                    }
                }
            }
        }
    }

    /// A patient for whom the rule fires and the action is contraindicated
    /// or avoided, as the interpreter sees it (whether or not the rule got
    /// as far as that alternative).
    fn withheld_witness(&self, fires: &Bdd, rule: usize, action: ActionId) -> Option<Patient> {
        let patient = self.witness(fires)?;
        let evaluation = self.evaluate(&patient);
        let contraindicated =
            (0..self.model.actions[action.index()].contraindications.len()).any(|clause| {
                explain(
                    &self.program,
                    &patient,
                    Target::Contraindication(action.index(), clause),
                )
                .first()
                .is_some_and(|root| root.value == Tri::True)
            });
        let avoided = evaluation.avoided.iter().any(|a| a.action == action);
        (evaluation.rules[rule] == RuleStatus::Fired && (contraindicated || avoided))
            .then_some(patient)
    }

    /// An avoiding rule defeats a whole choice of a recommending rule that
    /// has no `else-escalate`: the choice would give something, but with the
    /// avoidance nothing is left.
    fn conflicts(&mut self) {
        let vars = &self.encoding.variables;
        for (avoider, avoid_rule) in self.model.rules.iter().enumerate() {
            for avoid in avoid_rule
                .choices
                .iter()
                .filter(|c| c.outcome == Outcome::Avoid)
            {
                for (recommender, rule) in self.model.rules.iter().enumerate() {
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
                        // All blocked with the avoidance; some clear without it
                        // (contraindications alone).
                        let mut all_blocked = vars.mk_true();
                        let mut some_free = vars.mk_false();
                        for action in &choice.actions {
                            all_blocked = all_blocked.and(&self.blocked[action.index()]);
                            let contraindicated = self.model.actions[action.index()]
                                .contraindications
                                .iter()
                                .fold(vars.mk_false(), |acc, c| {
                                    acc.or(&self.encoding.condition(&c.condition))
                                });
                            if avoid.actions.contains(action) {
                                some_free = some_free.or(&contraindicated.not());
                            }
                        }
                        let both = self.fire[recommender]
                            .and(&self.fire[avoider])
                            .and(&self.universe)
                            .and(&all_blocked)
                            .and(&some_free);
                        let Some(patient) = self.witness(&both) else {
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
                            rule: RuleId(recommender as u32),
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
        let mut gives: Vec<(usize, usize, ActionId, Bdd)> = Vec::new();
        for (index, rule) in self.model.rules.iter().enumerate() {
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                for (position, action) in choice.actions.iter().enumerate() {
                    let in_group = self
                        .model
                        .exclusives
                        .iter()
                        .any(|e| e.actions.contains(action));
                    if in_group {
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
            for (i, (rule_a, choice_a, action_a, bdd_a)) in gives.iter().enumerate() {
                for (rule_b, choice_b, action_b, bdd_b) in &gives[i + 1..] {
                    if action_a == action_b
                        || (rule_a, choice_a) == (rule_b, choice_b)
                        || !group.actions.contains(action_a)
                        || !group.actions.contains(action_b)
                    {
                        continue;
                    }
                    let Some(patient) = self.witness(&bdd_a.and(bdd_b)) else {
                        continue;
                    };
                    let evaluation = self.evaluate(&patient);
                    let confirmed = evaluation.escalations.iter().any(|e| {
                        matches!(&e.cause, crate::eval::EscalationCause::Exclusive { group, .. } if *group == group_index)
                    });
                    if !confirmed {
                        continue;
                    }
                    self.findings.push(Finding {
                        code: Code::ExclusiveConflict,
                        rule: RuleId(*rule_a as u32),
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
    fn redundant(&mut self) {
        let mut by_outcome: std::collections::BTreeMap<Vec<(bool, Vec<ActionId>)>, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (index, rule) in self.model.rules.iter().enumerate() {
            let signature = rule
                .choices
                .iter()
                .map(|c| (c.outcome == Outcome::Avoid, c.actions.clone()))
                .collect();
            by_outcome.entry(signature).or_default().push(index);
        }
        for rules in by_outcome.values() {
            for &redundant in rules {
                let fires = self.fire[redundant].and(&self.universe);
                if !self.sat(&fires) {
                    continue;
                }
                let cover = rules.iter().copied().find(|&other| {
                    other != redundant
                        && !self.sat(&fires.and_not(&self.fire[other]))
                        // mutual implication: report only the later rule
                        && (other < redundant || self.sat(&self.fire[other].and(&self.universe).and_not(&self.fire[redundant])))
                });
                let Some(other) = cover else { continue };
                let Some(patient) = self.witness(&fires) else {
                    continue;
                };
                let evaluation = self.evaluate(&patient);
                if evaluation.rules[redundant] != RuleStatus::Fired
                    || evaluation.rules[other] != RuleStatus::Fired
                {
                    continue;
                }
                self.findings.push(Finding {
                    code: Code::RedundantRule,
                    rule: RuleId(redundant as u32),
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
        for (index, section) in self.model.sections.iter().enumerate() {
            if !section.complete {
                continue;
            }
            let rules = rules_in(self.model, SectionId(index as u32));
            let covered = rules
                .iter()
                .fold(self.encoding.variables.mk_false(), |acc, r| {
                    acc.or(&self.fire[r.index()])
                });
            let gap = self.universe.and_not(&covered);
            let Some(patient) = self.witness(&gap) else {
                continue;
            };
            let evaluation = self.evaluate(&patient);
            if rules
                .iter()
                .any(|r| evaluation.rules[r.index()] == RuleStatus::Fired)
            {
                continue;
            }
            let Some(&first) = rules.first() else {
                continue;
            };
            self.findings.push(Finding {
                code: Code::CoverageGap,
                rule: first,
                message: format!(
                    "section `{}` is marked complete, but some patients get no decision from it",
                    section.name
                ),
                others: Vec::new(),
                help:
                    "add a rule (or an else-escalate rule) for these patients, or drop `complete`"
                        .to_owned(),
                witness: Some(patient),
            });
        }
    }
}

fn to_diagnostics(model: &Model, findings: Vec<Finding>) -> Vec<Diagnostic> {
    {
        let mut out = Vec::new();
        for finding in findings {
            let rule = &model.rules[finding.rule.index()];
            if rule.expects.iter().any(|(code, _)| *code == finding.code) {
                continue;
            }
            let mut diagnostic = Diagnostic::new(finding.code, finding.message)
                .primary(rule.name_span, "this rule")
                .help(finding.help);
            for (other, label) in &finding.others {
                diagnostic =
                    diagnostic.secondary(model.rules[other.index()].name_span, label.clone());
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

/// A witness as one line of facts JSON, in declaration order.
pub fn witness_json(model: &Model, patient: &Patient) -> String {
    let mut map = serde_json::Map::new();
    for (index, fact) in model.facts.iter().enumerate() {
        let value = fact_json(
            model,
            crate::sema::FactId(index as u32),
            patient.get(crate::sema::FactId(index as u32)),
        );
        map.insert(fact.name.clone(), value);
    }
    serde_json::Value::Object(map).to_string()
}
