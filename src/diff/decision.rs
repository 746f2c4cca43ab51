//! The decisions of a report, named so that two versions of a guideline
//! can be compared, and the same decisions as literals of the SAT encoding.
//!
//! Input: a model (and, for the literals, an [`Encoding`] of its facts).
//! Output: for one patient, the set of [`Decision`]s the interpreter
//! reached ([`of_evaluation`]); for every patient at once, a literal per
//! decision that holds exactly for the patients whose report contains it
//! ([`symbolic`]). The second is the first evaluated over literals instead
//! of values: it follows `eval::interp::evaluate_run` step by step, in
//! three-valued logic ([`Kleene`]), so a patient with unknown facts is
//! covered as exactly as a fully known one. `tests/diff.rs` checks the
//! two agree on every patient of small guidelines and on samples of the
//! shipped ones.
//!
//! A decision is what a clinician acts on: an action recommended, withheld
//! (and the kind of reason), or avoided, a rule that escalates, a conflict
//! of exclusive actions, facts that contradict an invariant, or nothing
//! applying. Wording (labels, `because` texts, titles) and the facts an
//! escalation asks for are not decisions; `gdl diff` reports changed
//! wording as changed declarations.

use std::collections::BTreeMap;
use std::fmt;

use batsat::Lit;

use crate::analysis::{Encoding, Kleene};
pub use crate::eval::WithheldBecause;
use crate::eval::{Evaluation, Program, decision as plain};
use crate::sema::{ActionId, Member, Model, Outcome, RuleId};

/// One decision of a patient's report.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// The rule recommends the action.
    Recommend {
        /// Rule name.
        rule: String,
        /// Action name.
        action: String,
    },
    /// The rule offers the action as one of the equally acceptable options
    /// of a `then recommend any of` clause.
    Offer {
        /// Rule name.
        rule: String,
        /// Action name.
        action: String,
    },
    /// The rule would have given the action, but it is withheld.
    Withhold {
        /// Rule name.
        rule: String,
        /// Action name.
        action: String,
        /// The kind of reason.
        because: WithheldBecause,
    },
    /// The rule says to avoid the action.
    Avoid {
        /// Rule name.
        rule: String,
        /// Action name.
        action: String,
    },
    /// The rule's condition is unknown: escalated.
    Undecided {
        /// Rule name.
        rule: String,
    },
    /// The rule applies but none of the alternatives of one `then` clause
    /// can be given (or the rule only escalates): escalated with its reason.
    NoAlternative {
        /// Rule name.
        rule: String,
        /// The clause's actions, in order.
        alternatives: Vec<String>,
        /// The rule's `else-escalate` reason.
        reason: Option<String>,
    },
    /// Two or more actions declared exclusive are recommended.
    Exclusive {
        /// The group's actions, sorted.
        actions: Vec<String>,
    },
    /// The facts contradict an invariant: nothing is decided.
    Implausible,
    /// No rule applies and nothing escalates.
    NothingApplies,
}

impl Decision {
    /// The rule the decision belongs to, if any: `gdl diff` gives one
    /// example per rule whose decisions change.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Decision::Recommend { rule, .. }
            | Decision::Offer { rule, .. }
            | Decision::Withhold { rule, .. }
            | Decision::Avoid { rule, .. }
            | Decision::Undecided { rule }
            | Decision::NoAlternative { rule, .. } => Some(rule),
            Decision::Exclusive { .. } | Decision::Implausible | Decision::NothingApplies => None,
        }
    }
}

impl Decision {
    /// The action a recommendation, withholding or avoidance is about.
    pub fn action(&self) -> Option<&str> {
        match self {
            Decision::Recommend { action, .. }
            | Decision::Offer { action, .. }
            | Decision::Withhold { action, .. }
            | Decision::Avoid { action, .. } => Some(action),
            Decision::Undecided { .. }
            | Decision::NoAlternative { .. }
            | Decision::Exclusive { .. }
            | Decision::Implausible
            | Decision::NothingApplies => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Recommend { rule, action } => write!(f, "recommend {action} (rule {rule})"),
            Decision::Offer { rule, action } => {
                write!(f, "offer {action} as one of equal options (rule {rule})")
            }
            Decision::Withhold {
                rule,
                action,
                because,
            } => {
                let because = because.words();
                write!(f, "withhold {action}: {because} (rule {rule})")
            }
            Decision::Avoid { rule, action } => write!(f, "avoid {action} (rule {rule})"),
            Decision::Undecided { rule } => write!(f, "escalate: cannot decide rule {rule}"),
            Decision::NoAlternative {
                rule,
                alternatives,
                reason,
            } => {
                if alternatives.is_empty() {
                    write!(f, "escalate: rule {rule} refers")?;
                } else {
                    write!(
                        f,
                        "escalate: rule {rule} can give none of {}",
                        alternatives.join(", ")
                    )?;
                }
                match reason {
                    Some(reason) => write!(f, " ({reason:?})"),
                    None => Ok(()),
                }
            }
            Decision::Exclusive { actions } => {
                write!(
                    f,
                    "escalate: exclusive actions recommended together: {}",
                    actions.join(", ")
                )
            }
            Decision::Implausible => write!(f, "escalate: the facts contradict an invariant"),
            Decision::NothingApplies => write!(f, "nothing applies"),
        }
    }
}

/// How a model's names appear in its decisions: rule names may be mapped
/// (a rule renamed between versions keeps one name).
pub struct Names<'m> {
    model: &'m Model,
    renamed: &'m BTreeMap<String, String>,
}

impl<'m> Names<'m> {
    /// A model's names, with rules renamed by `renamed` (its name → the
    /// name to use).
    pub fn new(model: &'m Model, renamed: &'m BTreeMap<String, String>) -> Self {
        Names { model, renamed }
    }

    fn rule(&self, rule: RuleId) -> String {
        let name = self.model.rules.at(rule).name.as_str();
        self.renamed
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
    }

    fn action(&self, action: ActionId) -> String {
        self.model.actions.at(action).name.clone()
    }

    fn actions(&self, actions: &[ActionId]) -> Vec<String> {
        actions.iter().map(|a| self.action(*a)).collect()
    }

    fn exclusive(&self, actions: &[ActionId]) -> Vec<String> {
        let mut names = self.actions(actions);
        names.sort();
        names.dedup();
        names
    }

    fn no_alternative(&self, rule: RuleId, choice: usize) -> Decision {
        let model_rule = self.model.rules.get(rule);
        let alternatives = model_rule
            .and_then(|r| r.choices.get(choice))
            .map(|c| self.actions(&c.actions))
            .unwrap_or_default();
        Decision::NoAlternative {
            rule: self.rule(rule),
            alternatives,
            reason: model_rule.and_then(|r| r.escalation.clone()),
        }
    }
}

/// The decisions the interpreter reached for one patient.
pub fn of_evaluation(names: &Names<'_>, evaluation: &Evaluation) -> Vec<Decision> {
    let mut decisions: Vec<Decision> = plain::decisions(evaluation)
        .into_iter()
        .map(|decision| match decision {
            plain::Decision::Recommend { rule, action } => Decision::Recommend {
                rule: names.rule(rule),
                action: names.action(action),
            },
            plain::Decision::Offer { rule, action } => Decision::Offer {
                rule: names.rule(rule),
                action: names.action(action),
            },
            plain::Decision::Withhold {
                rule,
                action,
                because,
            } => Decision::Withhold {
                rule: names.rule(rule),
                action: names.action(action),
                because,
            },
            plain::Decision::Avoid { rule, action } => Decision::Avoid {
                rule: names.rule(rule),
                action: names.action(action),
            },
            plain::Decision::Undecided { rule } => Decision::Undecided {
                rule: names.rule(rule),
            },
            plain::Decision::NoAlternative { rule, choice } => names.no_alternative(rule, choice),
            plain::Decision::Exclusive { group } => Decision::Exclusive {
                actions: names
                    .model
                    .exclusives
                    .get(group)
                    .map(|g| names.exclusive(&g.actions))
                    .unwrap_or_default(),
            },
            plain::Decision::Implausible => Decision::Implausible,
            plain::Decision::NothingApplies => Decision::NothingApplies,
        })
        .collect();
    // Names can make two decisions one (rules renamed alike).
    decisions.sort();
    decisions.dedup();
    decisions
}

/// A rule's status as literals: reached with its condition true, or
/// reached with it unknown, and whether it then stops a first-match section.
#[derive(Clone, Copy)]
struct Status {
    fired: Lit,
    undecided: Lit,
    stops: Lit,
}

/// For every decision a patient's report can contain, the literal of the
/// patients whose report contains it. Decisions missing from the map are
/// in no report. `program` is the model's, for its sections as the
/// interpreter walks them.
pub fn symbolic(
    names: &Names<'_>,
    program: &Program<'_>,
    encoding: &mut Encoding,
    definitions: &[Kleene],
) -> BTreeMap<Decision, Lit> {
    let model = names.model;
    let mut decisions = Decisions {
        map: BTreeMap::new(),
    };
    // The order of the steps is the order literals are made in: keep it.
    let invariants: Vec<Lit> = model
        .invariants
        .iter()
        .map(|i| encoding.kleene(definitions, &i.condition).fails)
        .collect();
    let implausible = encoding.or(&invariants);
    decisions.add(encoding, Decision::Implausible, implausible);
    let status = rule_statuses(model, program, encoding, definitions, implausible);
    let avoiding = decisions.avoidances(names, encoding, &status);
    let withheld = withholdings(model, encoding, definitions, &avoiding);
    let recommended = decisions.recommendations(names, encoding, &status, &withheld);
    decisions.exclusive_conflicts(names, encoding, &recommended);

    // Nothing applies: no recommendation, avoidance or escalation.
    let something: Vec<Lit> = decisions
        .map
        .iter()
        .filter(|(d, _)| !matches!(d, Decision::Withhold { .. }))
        .map(|(_, l)| *l)
        .collect();
    let something = encoding.or(&something);
    decisions.add(encoding, Decision::NothingApplies, !something);
    decisions.map
}

/// Rule statuses: a rule's condition, except in first-match sections,
/// walked as the interpreter walks them; nothing is reached when the facts
/// are implausible.
fn rule_statuses(
    model: &Model,
    program: &Program<'_>,
    encoding: &mut Encoding,
    definitions: &[Kleene],
    implausible: Lit,
) -> Vec<Status> {
    let conditions: Vec<Kleene> = model
        .rules
        .iter()
        .map(|r| super::exact::decided(model, encoding, definitions, &r.condition))
        .collect();
    let mut status: Vec<Status> = Vec::with_capacity(conditions.len());
    for condition in &conditions {
        let undecided = encoding.is_unknown(*condition);
        status.push(Status {
            fired: encoding.and(&[condition.holds, !implausible]),
            undecided: encoding.and(&[undecided, !implausible]),
            stops: !encoding.truth(),
        });
    }
    let mut walker = Walker {
        program,
        conditions: &conditions,
        status: &mut status,
    };
    for section in &program.first_match_sections {
        let members = model
            .sections
            .get(*section)
            .map(|s| s.members.as_slice())
            .unwrap_or(&[]);
        let reached = !implausible;
        walker.walk(encoding, members, true, reached);
    }
    status
}

/// By action, the literals of the rules that avoid it: when each fired,
/// and when each is undecided.
struct Avoiding {
    avoided_by: Vec<Vec<Lit>>,
    maybe_avoided_by: Vec<Vec<Lit>>,
}

/// By action, why it is withheld (one literal per [`KINDS`], at most one
/// of them true) and whether it is.
struct Withholdings {
    because: Vec<[Lit; 4]>,
    any: Vec<Lit>,
}

const KINDS: [WithheldBecause; 4] = [
    WithheldBecause::Contraindicated,
    WithheldBecause::Avoided,
    WithheldBecause::MayBeContraindicated,
    WithheldBecause::MayBeAvoided,
];

/// What withholds each action, in the interpreter's order: a
/// contraindication that holds, then an avoidance that applies, then one
/// that may hold, then one that may apply.
fn withholdings(
    model: &Model,
    encoding: &mut Encoding,
    definitions: &[Kleene],
    avoiding: &Avoiding,
) -> Withholdings {
    let mut withheld = Withholdings {
        because: Vec::with_capacity(model.actions.len()),
        any: Vec::with_capacity(model.actions.len()),
    };
    for (index, action) in model.actions.iter().enumerate() {
        let clauses: Vec<Kleene> = action
            .contraindications
            .iter()
            .map(|c| super::exact::decided(model, encoding, definitions, &c.condition))
            .collect();
        let holds: Vec<Lit> = clauses.iter().map(|c| c.holds).collect();
        let contraindicated = encoding.or(&holds);
        let unsettled: Vec<Lit> = clauses.iter().map(|c| encoding.is_unknown(*c)).collect();
        let unsettled = encoding.or(&unsettled);
        let avoided = encoding.or(avoiding
            .avoided_by
            .get(index)
            .map_or(&[][..], |l| l.as_slice()));
        let maybe = encoding.or(avoiding
            .maybe_avoided_by
            .get(index)
            .map_or(&[][..], |l| l.as_slice()));
        let kinds = [
            contraindicated,
            encoding.and(&[!contraindicated, avoided]),
            encoding.and(&[!contraindicated, !avoided, unsettled]),
            encoding.and(&[!contraindicated, !avoided, !unsettled, maybe]),
        ];
        withheld
            .any
            .push(encoding.or(&[contraindicated, avoided, unsettled, maybe]));
        withheld.because.push(kinds);
    }
    withheld
}

/// Decisions gathered with their literals; one decision reached in several
/// ways holds when any of them does.
struct Decisions {
    map: BTreeMap<Decision, Lit>,
}

impl Decisions {
    fn add(&mut self, encoding: &mut Encoding, decision: Decision, literal: Lit) {
        if literal == !encoding.truth() {
            return;
        }
        let literal = match self.map.get(&decision) {
            Some(earlier) => encoding.or(&[*earlier, literal]),
            None => literal,
        };
        self.map.insert(decision, literal);
    }

    /// Every avoidance, and by action the rules that avoid it.
    fn avoidances(
        &mut self,
        names: &Names<'_>,
        encoding: &mut Encoding,
        status: &[Status],
    ) -> Avoiding {
        let model = names.model;
        let mut avoiding = Avoiding {
            avoided_by: vec![Vec::new(); model.actions.len()],
            maybe_avoided_by: vec![Vec::new(); model.actions.len()],
        };
        for (rule_id, rule) in model.rules.iter_enumerated() {
            let Some(rule_status) = status.get(rule_id.index()).copied() else {
                continue;
            };
            for choice in rule.choices.iter().filter(|c| c.outcome == Outcome::Avoid) {
                for action in &choice.actions {
                    let avoid = Decision::Avoid {
                        rule: names.rule(rule_id),
                        action: names.action(*action),
                    };
                    self.add(encoding, avoid, rule_status.fired);
                    if let Some(list) = avoiding.avoided_by.get_mut(action.index()) {
                        list.push(rule_status.fired);
                    }
                    if let Some(list) = avoiding.maybe_avoided_by.get_mut(action.index()) {
                        list.push(rule_status.undecided);
                    }
                }
            }
        }
        avoiding
    }

    /// Escalations and recommendations, rule by rule; returns, by action,
    /// the literals of its being recommended.
    fn recommendations(
        &mut self,
        names: &Names<'_>,
        encoding: &mut Encoding,
        status: &[Status],
        withheld: &Withholdings,
    ) -> Vec<Recommended> {
        let model = names.model;
        let mut recommended: Vec<Recommended> = vec![Recommended::default(); model.actions.len()];
        for (rule_id, rule) in model.rules.iter_enumerated() {
            let Some(rule_status) = status.get(rule_id.index()).copied() else {
                continue;
            };
            let avoid_only = rule.escalation.is_none()
                && !rule.choices.is_empty()
                && rule.choices.iter().all(|c| c.outcome == Outcome::Avoid);
            let escalates = if avoid_only {
                encoding.and(&[rule_status.undecided, rule_status.stops])
            } else {
                rule_status.undecided
            };
            let undecided = Decision::Undecided {
                rule: names.rule(rule_id),
            };
            self.add(encoding, undecided, escalates);
            for (choice_index, choice) in rule.choices.iter().enumerate() {
                if choice.outcome != Outcome::Recommend {
                    continue;
                }
                // An ordered choice reaches an alternative only past the
                // earlier ones all withheld; an equal choice reaches every
                // option, and escalates when all are withheld.
                let mut reached = rule_status.fired;
                let mut all_withheld = rule_status.fired;
                for (position, action) in choice.actions.iter().enumerate() {
                    let offered = choice.kind.is_option(position);
                    let (Some(kinds), Some(blocked)) = (
                        withheld.because.get(action.index()),
                        withheld.any.get(action.index()),
                    ) else {
                        continue;
                    };
                    let given = encoding.and(&[reached, !*blocked]);
                    let (rule, action_name) = (names.rule(rule_id), names.action(*action));
                    let recommend = if offered {
                        Decision::Offer {
                            rule,
                            action: action_name,
                        }
                    } else {
                        Decision::Recommend {
                            rule,
                            action: action_name,
                        }
                    };
                    self.add(encoding, recommend, given);
                    if let Some(by) = recommended.get_mut(action.index()) {
                        if offered {
                            by.offered.push(((rule_id, choice_index), given));
                        } else {
                            by.ordered.push(given);
                        }
                    }
                    for (kind, literal) in KINDS.iter().zip(kinds) {
                        let skipped = encoding.and(&[reached, *literal]);
                        let withhold = Decision::Withhold {
                            rule: names.rule(rule_id),
                            action: names.action(*action),
                            because: *kind,
                        };
                        self.add(encoding, withhold, skipped);
                    }
                    all_withheld = encoding.and(&[all_withheld, *blocked]);
                    if !offered {
                        reached = all_withheld;
                    }
                }
                self.add(
                    encoding,
                    names.no_alternative(rule_id, choice_index),
                    all_withheld,
                );
            }
            if rule.choices.is_empty() {
                self.add(
                    encoding,
                    names.no_alternative(rule_id, 0),
                    rule_status.fired,
                );
            }
        }
        recommended
    }

    /// Exclusive actions recommended together (`interp::in_conflict`):
    /// two different actions of the group, not both options of one equal
    /// choice.
    fn exclusive_conflicts(
        &mut self,
        names: &Names<'_>,
        encoding: &mut Encoding,
        recommended: &[Recommended],
    ) {
        let none = Recommended::default();
        for exclusive in &names.model.exclusives {
            let mut members: Vec<ActionId> = exclusive.actions.clone();
            members.sort_unstable();
            members.dedup();
            // Each member's ordered literal first, then the pairs: the
            // literals of a guideline without equal choices are made in
            // the same order as before they existed.
            let given: Vec<(&Recommended, Lit)> = members
                .iter()
                .map(|a| {
                    let by = recommended.get(a.index()).unwrap_or(&none);
                    (by, encoding.or(&by.ordered))
                })
                .collect();
            let mut pairs = Vec::new();
            for (i, first) in given.iter().enumerate() {
                for second in given.iter().skip(i + 1) {
                    Recommended::pairs(*first, *second, encoding, &mut pairs);
                }
            }
            let conflict = encoding.or(&pairs);
            let decision = Decision::Exclusive {
                actions: names.exclusive(&exclusive.actions),
            };
            self.add(encoding, decision, conflict);
        }
    }
}

/// The literals of an action's being recommended: given by ordered choices
/// (or the preferred part of equal ones), and `offered` by each equal
/// choice (rule, clause) that offers it as an option.
#[derive(Clone, Default)]
struct Recommended {
    ordered: Vec<Lit>,
    offered: Vec<((RuleId, usize), Lit)>,
}

impl Recommended {
    /// Into `pairs`, the literals of two different actions (each with the
    /// literal of its ordered recommendations) being recommended together
    /// other than as two options of one equal choice.
    fn pairs(
        (this, mine): (&Recommended, Lit),
        (other, theirs): (&Recommended, Lit),
        encoding: &mut Encoding,
        pairs: &mut Vec<Lit>,
    ) {
        let all_theirs: Vec<Lit> = other
            .offered
            .iter()
            .map(|(_, l)| *l)
            .chain([theirs])
            .collect();
        let all_theirs = encoding.or(&all_theirs);
        pairs.push(encoding.and(&[mine, all_theirs]));
        for (choice, literal) in &this.offered {
            let apart: Vec<Lit> = other
                .offered
                .iter()
                .filter(|(c, _)| c != choice)
                .map(|(_, l)| *l)
                .chain([theirs])
                .collect();
            let apart = encoding.or(&apart);
            pairs.push(encoding.and(&[*literal, apart]));
        }
    }
}

/// The walk of first-match sections over literals (`interp::walk`).
struct Walker<'a> {
    program: &'a Program<'a>,
    conditions: &'a [Kleene],
    status: &'a mut [Status],
}

impl Walker<'_> {
    /// Sets the status of every rule under `members`, reached when
    /// `reached` holds; returns the list's value (for a first-match list,
    /// the value of its first member that is not false).
    fn walk(
        &mut self,
        encoding: &mut Encoding,
        members: &[Member],
        first_match: bool,
        reached: Lit,
    ) -> Kleene {
        let mut any = encoding.impossible();
        for member in members {
            let member_reached = if first_match {
                encoding.and(&[reached, any.fails])
            } else {
                reached
            };
            let value = match *member {
                Member::Rule(rule) => {
                    let condition = self
                        .conditions
                        .get(rule.index())
                        .copied()
                        .unwrap_or_else(|| encoding.unknown());
                    let undecided = encoding.is_unknown(condition);
                    if let Some(status) = self.status.get_mut(rule.index()) {
                        status.fired = encoding.and(&[member_reached, condition.holds]);
                        status.undecided = encoding.and(&[member_reached, undecided]);
                        status.stops = if first_match {
                            status.undecided
                        } else {
                            !encoding.truth()
                        };
                    }
                    condition
                }
                Member::Section(section) => {
                    let Some(inner) = self.program.model.sections.get(section) else {
                        continue;
                    };
                    let value =
                        self.walk(encoding, &inner.members, inner.first_match, member_reached);
                    // An undecided rule in a nested section stops this
                    // first-match section too when the nested one is unknown.
                    if first_match {
                        let unknown = encoding.is_unknown(value);
                        for rule in self.program.rules_under(member) {
                            if let Some(status) = self.status.get_mut(rule.index()) {
                                let stops = encoding.and(&[status.undecided, unknown]);
                                status.stops = encoding.or(&[status.stops, stops]);
                            }
                        }
                    }
                    value
                }
            };
            any = if first_match {
                let first_holds = encoding.and(&[any.fails, value.holds]);
                Kleene {
                    holds: encoding.or(&[any.holds, first_holds]),
                    fails: encoding.and(&[any.fails, value.fails]),
                }
            } else {
                encoding.kleene_or(&[any, value])
            };
        }
        any
    }
}
