//! Reports: an [`Evaluation`] turned into names, values, reasons and
//! citations, in one [`Report`] shape that the renderers use: text for
//! people ([`text`]), a self-contained page for one patient ([`html`]) and
//! versioned JSON for programs ([`json`], `docs/report.md`). A report
//! borrows its strings from the model, the patient and the evaluation:
//! building one copies no text.

pub mod answers;
pub mod explain;
pub mod html;
pub mod json;
pub mod summary;
pub mod text;

use std::borrow::Cow;

use crate::eval::{
    Avoidance, Escalation, EscalationCause, Evaluation, Patient, Program, Recommendation, Tri,
    Withheld, Withholding,
};
use crate::facts::write::FactJson;
use crate::id_vec::SliceAt;
use crate::index_set::IndexSet;
use crate::sema::{
    ActionId, Certainty, FactId, Member, Model, Reference, ReferenceId, Rule, RuleId, Strength,
};
pub use answers::{AnswerItem, BranchItem, DecisionItem};

/// The JSON schema identifier; bumped on any incompatible change.
pub const SCHEMA: &str = "gdl-report/2";

/// A report for one patient.
#[derive(Clone, Debug, PartialEq)]
pub struct Report<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Which guideline produced it.
    pub guideline: GuidelineInfo<'a>,
    /// The patient identifier (`"@id"` in the facts), if given.
    pub patient: Option<&'a str>,
    /// Actions to give.
    pub recommended: Vec<RecommendedItem<'a>>,
    /// Actions not given, with why.
    pub withheld: Vec<WithheldItem<'a>>,
    /// Actions a rule says to avoid for this patient.
    pub avoid: Vec<AvoidItem<'a>>,
    /// Decisions for a clinician.
    pub escalations: Vec<EscalationItem<'a>>,
    /// True when no rule applies and nothing escalates.
    pub nothing_applies: bool,
    /// Every reference an item cites, once, in declaration order; items
    /// cite them by key.
    pub references: Vec<Citation<'a>>,
}

/// Guideline identification.
#[derive(Clone, Debug, PartialEq)]
pub struct GuidelineInfo<'a> {
    /// Machine name.
    pub id: &'a str,
    /// Title.
    pub title: &'a str,
    /// `version` metadata.
    pub version: Option<&'a str>,
}

impl<'a> GuidelineInfo<'a> {
    /// The guideline's identification, from its header.
    pub fn of(model: &'a Model) -> GuidelineInfo<'a> {
        GuidelineInfo {
            id: &model.header.id,
            title: &model.header.title,
            version: model.header.meta("version"),
        }
    }
}

/// A fact and its value for this patient.
#[derive(Clone, Debug, PartialEq)]
pub struct FactValue<'a> {
    /// The fact.
    pub id: FactId,
    /// Fact name.
    pub fact: &'a str,
    /// The value, in the shape a facts file uses.
    pub value: FactJson<'a>,
}

/// Facts a report item lists (the facts a condition reads, or the facts a
/// decision needs), with their names and this patient's values. Borrowed
/// from the program and the evaluation: listing them allocates nothing.
#[derive(Clone)]
pub struct Facts<'a> {
    ids: Cow<'a, [FactId]>,
    pub(crate) model: &'a Model,
    pub(crate) patient: &'a Patient,
}

impl<'a> Facts<'a> {
    /// The facts, in declaration order.
    pub fn ids(&self) -> &[FactId] {
        &self.ids
    }

    /// True when no fact is listed.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The facts' names.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        let model = self.model;
        self.ids
            .iter()
            .map(move |fact| model.facts.at(*fact).name.as_str())
    }

    /// The names, separated by `separator`.
    pub fn join_names(&self, separator: &str) -> String {
        self.names().collect::<Vec<_>>().join(separator)
    }

    /// Whether a fact of this name is listed.
    pub fn contains(&self, name: &str) -> bool {
        self.names().any(|listed| listed == name)
    }

    /// The facts with their values.
    pub fn values(&self) -> impl Iterator<Item = FactValue<'a>> + '_ {
        let (model, patient) = (self.model, self.patient);
        self.ids.iter().map(move |&fact| FactValue {
            id: fact,
            fact: &model.facts.at(fact).name,
            value: FactJson::new(model, fact, patient.get(fact)),
        })
    }
}

impl PartialEq for Facts<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ids == other.ids && self.values().eq(other.values())
    }
}

impl std::fmt::Debug for Facts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.values()).finish()
    }
}

/// A cited reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Citation<'a> {
    /// The reference.
    pub id: ReferenceId,
    /// Key as declared.
    pub key: &'a str,
    /// Human citation.
    pub citation: &'a str,
    /// PubMed ID.
    pub pmid: Option<u32>,
    /// DOI.
    pub doi: Option<&'a str>,
    /// Best link.
    pub link: Option<&'a str>,
}

impl<'a> Citation<'a> {
    /// The citation of a declared reference.
    pub fn of(id: ReferenceId, reference: &'a Reference) -> Citation<'a> {
        Citation {
            id,
            key: &reference.key,
            citation: &reference.citation,
            pmid: reference.pmid,
            doi: reference.doi.as_deref(),
            link: reference.link.as_deref(),
        }
    }
}

/// A rule's identity.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo<'a> {
    /// The rule.
    pub id: RuleId,
    /// Rule name.
    pub name: &'a str,
    /// Rule title.
    pub title: Option<&'a str>,
    /// The GRADE strength of its recommendation, when the guideline says.
    pub strength: Option<Strength>,
    /// The GRADE certainty of its evidence, when the guideline says.
    pub certainty: Option<Certainty>,
}

impl<'a> RuleInfo<'a> {
    /// The identity of a declared rule.
    pub fn of(id: RuleId, rule: &'a Rule) -> RuleInfo<'a> {
        RuleInfo {
            id,
            name: &rule.name,
            title: rule.title.as_deref(),
            strength: rule.strength,
            certainty: rule.certainty,
        }
    }
}

/// A recommendation.
#[derive(Clone, Debug, PartialEq)]
pub struct RecommendedItem<'a> {
    /// The action.
    pub action_id: ActionId,
    /// Action name.
    pub action: &'a str,
    /// Action label.
    pub label: Option<&'a str>,
    /// The rule that recommends it.
    pub rule: RuleInfo<'a>,
    /// The facts the rule's condition reads, with their values.
    pub because: Facts<'a>,
    /// Of those, the ones that decided it (`report::deciding`); `None`
    /// until worked out (the JSON report does not).
    pub deciding: Option<Facts<'a>>,
    /// Cautions that hold or may hold.
    pub cautions: Vec<CautionItem<'a>>,
    /// The rule's evidence, in [`Report::references`].
    pub citations: Cow<'a, [ReferenceId]>,
    /// Which `then` clause of the rule.
    pub choice: usize,
    /// For an option of an equal choice (`then recommend any of`), every
    /// option the clause offers this patient, this one included, in the
    /// clause's order; `None` for an ordered choice's one alternative.
    pub any_of: Option<Vec<&'a str>>,
}

/// A caution on a recommended action.
#[derive(Clone, Debug, PartialEq)]
pub struct CautionItem<'a> {
    /// `applies` or `may-apply`.
    pub status: &'static str,
    /// Which of the action's cautions, by index in the model.
    pub clause: usize,
    /// The clause's reason.
    pub because: Option<&'a str>,
    /// Facts that would settle a `may-apply`.
    pub needs: Facts<'a>,
    /// The clause's evidence, in [`Report::references`].
    pub citations: Cow<'a, [ReferenceId]>,
}

/// An action withheld.
#[derive(Clone, Debug, PartialEq)]
pub struct WithheldItem<'a> {
    /// The action.
    pub action_id: ActionId,
    /// Action name.
    pub action: &'a str,
    /// Action label.
    pub label: Option<&'a str>,
    /// The rule that listed it.
    pub rule: RuleInfo<'a>,
    /// `contraindicated`, `may-be-contraindicated`, `avoided` or `may-be-avoided`.
    pub reason: &'static str,
    /// The clauses' reasons, or the avoiding rules' titles.
    pub because: Vec<Cow<'a, str>>,
    /// The facts the contraindication reads, with their values.
    pub values: Facts<'a>,
    /// Facts that would settle an uncertain withholding.
    pub needs: Facts<'a>,
    /// Evidence for the contraindication or avoidance, in
    /// [`Report::references`].
    pub citations: Cow<'a, [ReferenceId]>,
}

/// An action to avoid.
#[derive(Clone, Debug, PartialEq)]
pub struct AvoidItem<'a> {
    /// The action.
    pub action_id: ActionId,
    /// Action name.
    pub action: &'a str,
    /// Action label.
    pub label: Option<&'a str>,
    /// The rule.
    pub rule: RuleInfo<'a>,
    /// The facts the rule's condition reads, with their values.
    pub because: Facts<'a>,
    /// Of those, the ones that decided it (`report::deciding`).
    pub deciding: Option<Facts<'a>>,
    /// The rule's evidence, in [`Report::references`].
    pub citations: Cow<'a, [ReferenceId]>,
}

/// A decision for a clinician.
#[derive(Clone, Debug, PartialEq)]
pub struct EscalationItem<'a> {
    /// `unknown-condition`, `no-alternative`, `exclusive-conflict` or `implausible-facts`.
    pub kind: &'static str,
    /// The rule involved, if any.
    pub rule: Option<RuleInfo<'a>>,
    /// Why, in words.
    pub reason: EscalationReason<'a>,
    /// Facts that would settle it.
    pub needs: Facts<'a>,
    /// Known values of the facts involved.
    pub values: Facts<'a>,
    /// What each answer to the unknown facts it turns on leads to; empty
    /// when it turns on none (or on too many to list).
    pub answers: Vec<BranchItem<'a>>,
}

/// Why a decision goes to a clinician: words (see its `Display`), kept in
/// parts where they are composed for each patient, so that a cohort run
/// writes them without building a string first.
#[derive(Clone, Debug, PartialEq)]
pub enum EscalationReason<'a> {
    /// Declared by the rule, or composed.
    Text(Cow<'a, str>),
    /// A rule's condition is unknown: "cannot decide whether rule `rule`
    /// applies: needs `a`, `b`", and when it stops a first-match section,
    /// "; the later rules of first-match section `section` were not
    /// considered".
    Undecided {
        /// The rule's name.
        rule: &'a str,
        /// The facts that would decide it.
        needs: Facts<'a>,
        /// The first-match section it stops.
        section: Option<&'a str>,
    },
}

impl EscalationReason<'_> {
    /// The reason's text in pieces, in order: identifiers and fixed words.
    pub(crate) fn pieces(&self, mut piece: impl FnMut(&str)) {
        match self {
            EscalationReason::Text(text) => piece(text),
            EscalationReason::Undecided {
                rule,
                needs,
                section,
            } => {
                piece("cannot decide whether rule `");
                piece(rule);
                piece("` applies: needs ");
                if needs.is_empty() {
                    piece("no missing fact");
                }
                for (index, name) in needs.names().enumerate() {
                    piece(if index > 0 { ", `" } else { "`" });
                    piece(name);
                    piece("`");
                }
                if let Some(section) = section {
                    piece("; the later rules of first-match section `");
                    piece(section);
                    piece("` were not considered");
                }
            }
        }
    }
}

impl std::fmt::Display for EscalationReason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut result = Ok(());
        self.pieces(|piece| {
            if result.is_ok() {
                result = f.write_str(piece);
            }
        });
        result
    }
}

/// Builds the report for one evaluated patient.
pub fn build<'a>(
    program: &'a Program<'_>,
    patient: &'a Patient,
    evaluation: &'a Evaluation,
) -> Report<'a> {
    let builder = Builder::new(program, patient);
    let withheld = builder.withheld_items(evaluation);
    Report {
        schema: SCHEMA,
        guideline: GuidelineInfo::of(program.model),
        patient: patient.id.as_deref(),
        recommended: evaluation
            .recommended
            .iter()
            .map(|r| builder.recommended(r, evaluation))
            .collect(),
        withheld,
        avoid: evaluation
            .avoided
            .iter()
            .map(|a| builder.avoid(a))
            .collect(),
        escalations: builder.escalations(evaluation),
        nothing_applies: evaluation.nothing_applies(),
        references: builder.references(),
    }
}

/// Fills in, for each recommendation and avoid of `report`, the facts that
/// decided its rule (`eval::proof::deciding_facts`): what the text report
/// gives as "because". Costs a run of the interpreter per rule, so only the
/// one-patient text and HTML reports do it.
pub fn deciding<'a>(report: &mut Report<'a>, program: &'a Program<'_>, patient: &'a Patient) {
    use crate::eval::proof::{Target, deciding_facts};
    let rules = report
        .recommended
        .iter()
        .map(|item| item.rule.id)
        .chain(report.avoid.iter().map(|item| item.rule.id));
    let targets: Vec<Target> = rules.map(Target::Rule).collect();
    let mut found = deciding_facts(program, patient, &targets).into_iter();
    let mut next = || Facts {
        ids: Cow::Owned(found.next().unwrap_or_default()),
        model: program.model,
        patient,
    };
    for item in &mut report.recommended {
        item.deciding = Some(next());
    }
    for item in &mut report.avoid {
        item.deciding = Some(next());
    }
}

impl<'a> Report<'a> {
    /// A cited reference, from [`Report::references`].
    pub fn reference(&self, id: ReferenceId) -> Option<&Citation<'a>> {
        self.references.iter().find(|c| c.id == id)
    }
}

struct Builder<'a, 'm> {
    program: &'a Program<'m>,
    model: &'a Model,
    patient: &'a Patient,
    /// Which references the report cites so far, by reference index.
    cited: std::cell::RefCell<IndexSet>,
}

impl<'a, 'm> Builder<'a, 'm> {
    fn new(program: &'a Program<'m>, patient: &'a Patient) -> Builder<'a, 'm> {
        Builder {
            program,
            model: program.model,
            patient,
            cited: std::cell::RefCell::new(IndexSet::new(program.model.references.len())),
        }
    }

    fn recommended(&self, r: &'a Recommendation, evaluation: &Evaluation) -> RecommendedItem<'a> {
        RecommendedItem {
            action_id: r.action,
            action: self.action_name(r.action),
            label: self.action_label(r.action),
            rule: self.rule(r.rule),
            because: self.rule_facts(r.rule),
            deciding: None,
            cautions: self.cautions(r),
            citations: Cow::Borrowed(self.rule_citations(r.rule)),
            choice: r.choice,
            any_of: self.any_of(r, evaluation),
        }
    }

    /// The options an equal choice offers, by name, for one of them.
    fn any_of(&self, r: &Recommendation, evaluation: &Evaluation) -> Option<Vec<&'a str>> {
        r.offered.then(|| {
            evaluation
                .recommended
                .iter()
                .filter(|other| other.rule == r.rule && other.choice == r.choice)
                .map(|other| self.action_name(other.action))
                .collect()
        })
    }

    fn avoid(&self, a: &Avoidance) -> AvoidItem<'a> {
        AvoidItem {
            action_id: a.action,
            action: self.action_name(a.action),
            label: self.action_label(a.action),
            rule: self.rule(a.rule),
            because: self.rule_facts(a.rule),
            deciding: None,
            citations: Cow::Borrowed(self.rule_citations(a.rule)),
        }
    }

    /// The facts a rule's condition reads, with their values.
    fn rule_facts(&self, rule: RuleId) -> Facts<'a> {
        self.facts(&self.program.rules.at(rule).facts)
    }

    /// A rule's citations, noted for the report's table.
    fn rule_citations(&self, rule: RuleId) -> &'a [ReferenceId] {
        let ids = &self.model.rules.at(rule).citations;
        self.note_cited(ids);
        ids
    }

    /// The cautions that hold or may hold on a recommendation's action.
    fn cautions(&self, r: &'a Recommendation) -> Vec<CautionItem<'a>> {
        let clauses = &self.model.actions.at(r.action).cautions;
        r.cautions
            .iter()
            .map(|note| {
                let clause = clauses.at(note.clause);
                CautionItem {
                    status: if note.value == Tri::True {
                        "applies"
                    } else {
                        "may-apply"
                    },
                    clause: note.clause,
                    because: clause.because.as_deref(),
                    needs: self.facts(&note.needs),
                    citations: self.citations(Cow::Borrowed(&clause.citations)),
                }
            })
            .collect()
    }

    /// Every withheld alternative, in order, without exact repeats.
    fn withheld_items(&self, evaluation: &'a Evaluation) -> Vec<WithheldItem<'a>> {
        // Sized first: the chained iterator cannot tell its length, and
        // collecting would grow the vector step by step.
        let mut withheld = Vec::with_capacity(evaluation.withheld().count());
        withheld.extend(evaluation.withheld().map(|w| self.withheld(w)));
        // The same action withheld by several rules for the same reason is
        // one line each: keep order, drop exact repeats.
        withheld.dedup();
        withheld
    }

    fn escalations(&self, evaluation: &'a Evaluation) -> Vec<EscalationItem<'a>> {
        evaluation
            .escalations
            .iter()
            .map(|e| self.escalation(e))
            .collect()
    }

    fn action_name(&self, action: ActionId) -> &'a str {
        &self.model.actions.at(action).name
    }

    fn action_label(&self, action: ActionId) -> Option<&'a str> {
        self.model.actions.at(action).label.as_deref()
    }

    fn rule(&self, rule_id: RuleId) -> RuleInfo<'a> {
        RuleInfo::of(rule_id, self.model.rules.at(rule_id))
    }

    fn facts(&self, ids: &'a [FactId]) -> Facts<'a> {
        self.owned_facts(Cow::Borrowed(ids))
    }

    fn owned_facts(&self, ids: Cow<'a, [FactId]>) -> Facts<'a> {
        Facts {
            ids,
            model: self.model,
            patient: self.patient,
        }
    }

    /// Notes `references` for the report's table.
    fn citations(&self, references: Cow<'a, [ReferenceId]>) -> Cow<'a, [ReferenceId]> {
        self.note_cited(&references);
        references
    }

    fn note_cited(&self, references: &[ReferenceId]) {
        let mut cited = self.cited.borrow_mut();
        for id in references {
            cited.insert(id.index());
        }
    }

    /// The cited references, in declaration order.
    fn references(&self) -> Vec<Citation<'a>> {
        let cited = self.cited.borrow();
        // Sized first: a filtered collect would grow the vector step by step.
        let mut references = Vec::with_capacity(cited.len());
        references.extend(cited.iter().filter_map(|index| {
            let id = ReferenceId::from_index(index);
            Some(Citation::of(id, self.model.references.get(id)?))
        }));
        references
    }

    fn withheld(&self, withheld: &'a Withheld) -> WithheldItem<'a> {
        let action = &self.model.actions.at(withheld.action);
        let compiled = &self.program.contraindications.at(withheld.action);
        let clause_details = |clauses: &[usize]| {
            let mut because = Vec::new();
            let mut facts = Vec::new();
            let mut references = Vec::new();
            for &index in clauses {
                let clause = action.contraindications.at(index);
                because.push(Cow::Borrowed(
                    clause.because.as_deref().unwrap_or("contraindicated"),
                ));
                facts.extend_from_slice(&compiled.at(index).facts);
                references.extend_from_slice(&clause.citations);
            }
            facts.sort_unstable();
            facts.dedup();
            (because, facts, references)
        };
        let rules_details = |rules: &[RuleId]| {
            let mut because = Vec::new();
            let mut facts = Vec::new();
            let mut references = Vec::new();
            for rule in rules {
                let model_rule = &self.model.rules.at(*rule);
                // "rule `name` says to avoid it (title)", built with pushes:
                // one for each avoided alternative of a cohort's patients.
                let title = model_rule.title.as_deref();
                let mut text =
                    String::with_capacity(40 + model_rule.name.len() + title.map_or(0, str::len));
                text.push_str("rule `");
                text.push_str(&model_rule.name);
                text.push_str("` says to avoid it");
                if let Some(title) = title {
                    text.push_str(" (");
                    text.push_str(title);
                    text.push(')');
                }
                because.push(Cow::Owned(text));
                facts.extend_from_slice(&self.program.rules.at(*rule).facts);
                references.extend_from_slice(&model_rule.citations);
            }
            facts.sort_unstable();
            facts.dedup();
            (because, facts, references)
        };
        let (reason, (because, facts, references), needs) = match &withheld.why {
            Withholding::Contraindicated(clauses) => {
                ("contraindicated", clause_details(clauses), &[][..])
            }
            Withholding::Unsettled { clauses, needs } => (
                "may-be-contraindicated",
                clause_details(clauses),
                needs.as_slice(),
            ),
            Withholding::Avoided(rules) => ("avoided", rules_details(rules), &[][..]),
            Withholding::MaybeAvoided { rules, needs } => {
                ("may-be-avoided", rules_details(rules), needs.as_slice())
            }
        };
        // Several clauses may cite the same reference: list it once, in
        // first-cited order.
        let mut references = references;
        let mut seen = Vec::with_capacity(references.len());
        references.retain(|id| {
            let first = !seen.contains(id);
            seen.push(*id);
            first
        });
        WithheldItem {
            action_id: withheld.action,
            action: &action.name,
            label: action.label.as_deref(),
            rule: self.rule(withheld.rule),
            reason,
            because,
            values: self.owned_facts(Cow::Owned(facts)),
            needs: self.facts(needs),
            citations: self.citations(Cow::Owned(references)),
        }
    }

    fn escalation(&self, escalation: &'a Escalation) -> EscalationItem<'a> {
        let needs_names = self.facts(&escalation.needs);
        let answers = crate::eval::answers::answers(self.program, self.patient, escalation)
            .map(|found| answers::branches(self.model, &found))
            .unwrap_or_default();
        match &escalation.cause {
            EscalationCause::UnknownCondition { rule, stops } => EscalationItem {
                kind: "unknown-condition",
                rule: Some(self.rule(*rule)),
                reason: EscalationReason::Undecided {
                    rule: &self.model.rules.at(*rule).name,
                    needs: needs_names.clone(),
                    // Said only when the section has rules after this one.
                    section: stops
                        .filter(|section| {
                            let member = Member::Section(*section);
                            let under = self.program.rules_under(&member);
                            under.iter().skip_while(|r| *r != rule).nth(1).is_some()
                        })
                        .map(|s| self.model.sections.at(s).name.as_str()),
                },
                needs: needs_names,
                values: self.facts(&self.program.rules.at(*rule).facts),
                answers,
            },
            EscalationCause::NoAlternative { rule, withheld, .. } => {
                let model_rule = &self.model.rules.at(*rule);
                // The rule's own reason when it declares one; the default
                // is written only when it does not.
                let reason = match model_rule.escalation.as_deref() {
                    Some(declared) => Cow::Borrowed(declared),
                    None if withheld.is_empty() => Cow::Owned(format!(
                        "rule `{}` hands this decision to a clinician",
                        model_rule.name
                    )),
                    None => {
                        let names: Vec<&str> = withheld
                            .iter()
                            .map(|w| self.action_name(w.action))
                            .collect();
                        Cow::Owned(format!(
                            "rule `{}` applies but none of its alternatives can be given ({} withheld)",
                            model_rule.name,
                            names.join(", ")
                        ))
                    }
                };
                EscalationItem {
                    kind: "no-alternative",
                    rule: Some(self.rule(*rule)),
                    reason: EscalationReason::Text(reason),
                    needs: needs_names,
                    values: self.facts(&self.program.rules.at(*rule).facts),
                    answers,
                }
            }
            EscalationCause::Exclusive { group, actions } => {
                let exclusive = self.model.exclusives.at(*group);
                let listed: Vec<String> = actions
                    .iter()
                    .map(|(action, rule)| {
                        format!(
                            "`{}` (rule `{}`)",
                            self.action_name(*action),
                            self.model.rules.at(*rule).name
                        )
                    })
                    .collect();
                let mut reason = format!(
                    "{} are recommended together but are declared mutually exclusive",
                    listed.join(" and ")
                );
                if let Some(description) = &exclusive.description {
                    reason.push_str(&format!(": {description}"));
                }
                EscalationItem {
                    kind: "exclusive-conflict",
                    rule: None,
                    reason: EscalationReason::Text(Cow::Owned(reason)),
                    needs: self.facts(&[]),
                    values: self.facts(&[]),
                    answers,
                }
            }
            EscalationCause::ImplausibleFacts { invariant } => {
                let invariant_model = self.model.invariants.at(*invariant);
                let facts = &self.program.invariants.at(*invariant).facts;
                let reason = format!(
                    "the facts contradict an invariant of the guideline{}; no rule was evaluated",
                    invariant_model
                        .description
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                );
                EscalationItem {
                    kind: "implausible-facts",
                    rule: None,
                    reason: EscalationReason::Text(Cow::Owned(reason)),
                    needs: self.facts(&[]),
                    values: self.facts(facts),
                    answers,
                }
            }
        }
    }
}
