//! What each answer leads to: for an escalation that waits on unknown
//! facts, the questions it turns on and, for every way they can be
//! answered, the decisions that follow ("methotrexate, unless it has
//! already failed — then azathioprine").
//!
//! Input: a program, a patient and one of its escalations. The questions
//! are the unknown atoms the escalation turns on ([`Question`]: a bool fact,
//! an enum fact, a number fact by the ranges the guideline's constants cut,
//! or one member of a set fact, the others left unknown). Every
//! combination of answers is run through the interpreter; combinations
//! whose facts contradict an invariant are left out. Output: the branches
//! of a decision tree that tells the outcomes apart, each with
//! the answers on its path and the decisions that differ from branch to
//! branch ([`Answers`]). Decisions every branch shares are not repeated:
//! they are the rest of the report, or follow whatever the answers are.
//!
//! Bounded: at most [`ANSWER_LIMIT`] combinations; beyond that there are
//! no answers, and the report keeps the facts it needs.

use super::decision::{Decision, WithheldBecause, decisions};
use super::exact::{cell_of, cell_value, constants, tested_members};
use super::interp::{
    Escalation, EscalationCause, Scratch, base_values, escalation_atoms, evaluate_completion,
};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::patient::{Patient, Value};
use super::program::Program;
use crate::sema::{Condition, FactId, Member, RuleId, Type};

/// At most this many combinations of answers are run for one escalation.
pub const ANSWER_LIMIT: usize = 64;

/// A question an escalation turns on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Question {
    /// The fact.
    pub fact: FactId,
    /// For a set fact: the member asked about.
    pub member: Option<u32>,
}

/// One answer to a question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    /// A bool fact is true, or a set has the member.
    Yes,
    /// A bool fact is false, or a set lacks the member.
    No,
    /// An enum fact has this value.
    Enum(u32),
    /// A number fact lies in this range of the constants the guideline
    /// compares it with (in the fact's unit).
    Number(Range),
}

/// A range of numbers: each bound a constant the guideline compares the
/// fact with, and whether the range includes it; `None` for no bound.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// The lower bound, and whether it is included.
    pub low: Option<(f64, bool)>,
    /// The upper bound, and whether it is included.
    pub high: Option<(f64, bool)>,
}

/// One way the answers can go, and the decisions it leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct Branch {
    /// The answers on this branch's path, in the order they are asked.
    pub answers: Vec<(Question, Answer)>,
    /// The decisions of this branch that not every branch shares.
    pub decisions: Vec<Decision>,
}

/// What each answer to an escalation's questions leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct Answers {
    /// The branches, in the order of the answers (no before yes, lower
    /// ranges first). A single branch with no answers: every answer leads
    /// to the same decisions.
    pub branches: Vec<Branch>,
}

/// The answers to an escalation's questions and where each leads; `None`
/// when it turns on no unknown fact, when the combinations number more
/// than [`ANSWER_LIMIT`], or when none is allowed by the invariants.
pub fn answers(
    program: &Program<'_>,
    patient: &Patient,
    escalation: &Escalation,
) -> Option<Answers> {
    let identity = match &escalation.cause {
        EscalationCause::UnknownCondition { rule, .. } => [0, u64::from(rule.0), 0],
        EscalationCause::NoAlternative { rule, choice, .. } => {
            [1, u64::from(rule.0), *choice as u64]
        }
        EscalationCause::Exclusive { .. } | EscalationCause::ImplausibleFacts { .. } => {
            return None;
        }
    };
    // Nothing unknown to ask about (a refusal, a definite withholding).
    if escalation.needs.is_empty() {
        return None;
    }
    let cache = &program.answer_cache;
    let key = cache.key(program, patient, identity);
    if let Some(found) = cache.get(&key) {
        return found;
    }
    let found = work_out(program, patient, escalation);
    cache.insert(key, found.clone());
    found
}

/// [`answers`], worked out.
fn work_out(program: &Program<'_>, patient: &Patient, escalation: &Escalation) -> Option<Answers> {
    let mut scratch = Scratch::default();
    // Each combination changes only the questions' facts: its run starts
    // from this patient's values and computes again only what they reach.
    let base = base_values(program, patient, &mut scratch);
    let questions: Vec<(Question, Vec<(Answer, Value)>)> =
        escalation_atoms(program, patient, &base, escalation)
            .into_iter()
            .map(|(fact, member)| {
                let question = Question { fact, member };
                let answers = possible_answers(program, question);
                (question, answers)
            })
            .collect();
    if questions.is_empty() {
        return None;
    }
    let mut combinations = 1usize;
    for (_, answers) in &questions {
        combinations = combinations.checked_mul(answers.len())?;
        if combinations > ANSWER_LIMIT || answers.is_empty() {
            return None;
        }
    }
    let scope = scope(program, &escalation.cause);
    // Every combination, as an odometer turns (the first question fastest),
    // with the decisions it leads to.
    let mut found_outcomes: Vec<(Vec<usize>, Vec<Decision>)> = Vec::new();
    let mut facts: Vec<FactId> = questions.iter().map(|(q, _)| q.fact).collect();
    facts.dedup();
    let cone = program.cone(&facts);
    let mut choice = vec![0usize; questions.len()];
    let mut completed = patient.clone();
    for _ in 0..combinations {
        for fact in &facts {
            completed.set(*fact, patient.get(*fact));
        }
        for ((question, answers), picked) in questions.iter().zip(&choice) {
            if let Some((_, value)) = answers.get(*picked) {
                match (question.member, value) {
                    (Some(member), Value::Bool(present)) => {
                        completed.set_member(question.fact, member, *present)
                    }
                    _ => completed.set(question.fact, *value),
                }
            }
        }
        let evaluation = evaluate_completion(
            program,
            &completed,
            &base,
            &facts,
            &cone,
            &scope,
            &mut scratch,
        );
        let mut found = decisions(&evaluation);
        scratch.recycle(evaluation);
        if !found.contains(&Decision::Implausible) {
            found.retain(|decision| in_scope(decision, &scope));
            found_outcomes.push((choice.clone(), found));
        }
        for (digit, (_, answers)) in choice.iter_mut().zip(&questions) {
            *digit += 1;
            if *digit < answers.len() {
                break;
            }
            *digit = 0;
        }
    }
    let (first, rest) = found_outcomes.split_first()?;
    let shared: Vec<Decision> = first
        .1
        .iter()
        .filter(|d| rest.iter().all(|(_, other)| other.contains(d)))
        .copied()
        .collect();
    // Each distinct outcome once, the combinations pointing at it.
    let mut distinct: Vec<Vec<Decision>> = Vec::new();
    let mut outcomes: Vec<Combination> = Vec::new();
    for (choice, mut found) in found_outcomes {
        found.retain(|d| !shared.contains(d));
        let id = match distinct.iter().position(|d| *d == found) {
            Some(id) => id,
            None => {
                distinct.push(found);
                distinct.len() - 1
            }
        };
        outcomes.push((choice, id));
    }
    let all: Vec<&Combination> = outcomes.iter().collect();
    let mut branches = Vec::new();
    tree(&questions, &all, &mut Vec::new()).branches(
        &questions,
        &distinct,
        &mut Vec::new(),
        &mut branches,
    );
    Some(Answers { branches })
}

/// Answers already worked out, shared by the patients of a cohort (and
/// its threads). Patients with the same values of the facts an
/// escalation's answers can depend on ([`AnswerCache::context`]), as far as
/// the guideline can tell values apart, get the same answers; a cache
/// changes no output, only how often the work is done.
#[derive(Debug, Default)]
pub(crate) struct AnswerCache {
    /// Answers by escalation and context values.
    entries: Mutex<HashMap<Vec<u64>, Option<Answers>>>,
    /// The context facts of each escalation (kind, rule, `then` clause).
    contexts: Mutex<HashMap<[u64; 3], Vec<FactId>>>,
    /// What the guideline can tell apart in each fact's values.
    telling: OnceLock<Telling>,
}

/// At most this many cached answers; then the cache starts again, so a
/// long cohort of all-different patients holds bounded memory.
const CACHE_LIMIT: usize = 1 << 16;

/// What the conditions of a guideline can tell apart in each fact's
/// values, by fact: the constants a number is compared with (its value
/// matters only as the range they cut), and the members of a set that are
/// tested (the others never matter).
#[derive(Debug)]
struct Telling {
    constants: Vec<Vec<f64>>,
    members: Vec<u128>,
}

impl Telling {
    fn of(program: &Program<'_>) -> Telling {
        let model = program.model;
        let conditions = every_condition(program);
        let facts = (0..model.facts.len() as u32).map(FactId);
        Telling {
            constants: facts
                .clone()
                .map(|fact| constants(model, &conditions, fact))
                .collect(),
            members: facts
                .map(|fact| {
                    tested_members(model, &conditions, fact)
                        .iter()
                        .filter_map(|m| 1u128.checked_shl(*m))
                        .fold(0, |mask, bit| mask | bit)
                })
                .collect(),
        }
    }

    fn constants(&self, fact: FactId) -> &[f64] {
        self.constants.get(fact.index()).map_or(&[], Vec::as_slice)
    }
}

impl AnswerCache {
    fn telling(&self, program: &Program<'_>) -> &Telling {
        self.telling.get_or_init(|| Telling::of(program))
    }

    /// The key of an escalation for a patient: the escalation, and the
    /// patient's values of its context facts, as far as the guideline can
    /// tell them apart (a number's range, a set's tested members).
    fn key(&self, program: &Program<'_>, patient: &Patient, identity: [u64; 3]) -> Vec<u64> {
        let facts = {
            let mut contexts = self.contexts.lock().unwrap_or_else(|e| e.into_inner());
            contexts
                .entry(identity)
                .or_insert_with(|| Self::context(program, identity))
                .clone()
        };
        let telling = self.telling(program);
        let mut key = identity.to_vec();
        for fact in facts {
            let (tag, word) = match patient.get(fact) {
                Value::Unknown => (0, 0),
                Value::Bool(b) => (1, u128::from(b)),
                Value::Number(x) => (2, cell_of(telling.constants(fact), x) as u128),
                Value::Enum(v) => (3, u128::from(v)),
                Value::Set(bits) => {
                    let tested = telling.members.get(fact.index()).copied().unwrap_or(!0);
                    (4, bits & tested)
                }
            };
            key.extend([tag, word as u64, (word >> 64) as u64]);
        }
        key
    }

    /// The facts an escalation's answers can depend on: those read by the
    /// rules whose decisions it is about, the rules of their outermost
    /// first-match sections (whose order decides which applies), the
    /// contraindications of their actions and the rules that avoid them
    /// (with their sections), and the facts of every invariant that reads
    /// one of them, to closure (which can rule a combination of answers
    /// out, and which the exact decisions of those conditions read).
    fn context(program: &Program<'_>, identity: [u64; 3]) -> Vec<FactId> {
        let model = program.model;
        let mut rules: Vec<RuleId> = vec![RuleId(identity[1] as u32)];
        let mut facts: Vec<FactId> = Vec::new();
        let mut next = 0;
        while let Some(rule) = rules.get(next).copied() {
            next += 1;
            for section in &program.first_match_sections {
                let member = Member::Section(*section);
                let under = program.rules_under(&member);
                if under.contains(&rule) {
                    for other in under {
                        if !rules.contains(other) {
                            rules.push(*other);
                        }
                    }
                }
            }
            if let Some(compiled) = program.rules.get(rule.index()) {
                facts.extend(&compiled.facts);
            }
            let actions = model
                .rules
                .get(rule.index())
                .into_iter()
                .flat_map(|r| r.choices.iter().flat_map(|c| c.actions.iter().copied()));
            for action in actions {
                for clause in program
                    .contraindications
                    .get(action.index())
                    .into_iter()
                    .flatten()
                {
                    facts.extend(&clause.facts);
                }
                for avoid in &program.avoid_rules {
                    let avoids = model.rules.get(*avoid as usize).is_some_and(|r| {
                        r.choices.iter().any(|c| {
                            c.outcome == crate::sema::Outcome::Avoid && c.actions.contains(&action)
                        })
                    });
                    if avoids && !rules.contains(&RuleId(*avoid)) {
                        rules.push(RuleId(*avoid));
                    }
                }
            }
        }
        // Invariants that read one of them can rule a combination out, and
        // decide a condition over its unknown facts (`exact`), to closure.
        loop {
            let before = facts.len();
            for invariant in &program.invariants {
                if invariant.facts.iter().any(|fact| facts.contains(fact)) {
                    for fact in &invariant.facts {
                        if !facts.contains(fact) {
                            facts.push(*fact);
                        }
                    }
                }
            }
            if facts.len() == before {
                break;
            }
        }
        facts.sort_unstable();
        facts.dedup();
        facts
    }

    fn get(&self, key: &[u64]) -> Option<Option<Answers>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }

    fn insert(&self, key: Vec<u64>, answers: Option<Answers>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHE_LIMIT {
            entries.clear();
        }
        entries.insert(key, answers);
    }
}

/// The rules whose decisions an escalation is about: its rule and, when
/// it stops a first-match section, the rules of that section after it.
fn scope(program: &Program<'_>, cause: &EscalationCause) -> Vec<RuleId> {
    match cause {
        EscalationCause::UnknownCondition { rule, stops } => {
            let mut rules = vec![*rule];
            if let Some(section) = stops {
                let member = Member::Section(*section);
                let under = program.rules_under(&member);
                rules.extend(under.iter().skip_while(|r| *r != rule).skip(1));
            }
            rules
        }
        EscalationCause::NoAlternative { rule, .. } => vec![*rule],
        EscalationCause::Exclusive { .. } | EscalationCause::ImplausibleFacts { .. } => Vec::new(),
    }
}

/// Whether a decision is one an answer is about: a decision of a rule in
/// scope, other than an alternative that may be withheld (the branch's
/// own escalation says what is still unknown).
fn in_scope(decision: &Decision, scope: &[RuleId]) -> bool {
    match decision {
        Decision::Withhold {
            because: WithheldBecause::MayBeAvoided | WithheldBecause::MayBeContraindicated,
            ..
        } => false,
        Decision::Recommend { rule, .. }
        | Decision::Withhold { rule, .. }
        | Decision::Avoid { rule, .. }
        | Decision::Undecided { rule }
        | Decision::NoAlternative { rule, .. } => scope.contains(rule),
        Decision::Exclusive { .. } | Decision::Implausible | Decision::NothingApplies => false,
    }
}

/// The possible answers to a question, each with the value it gives the
/// fact (for a set member, whether it is present).
fn possible_answers(program: &Program<'_>, question: Question) -> Vec<(Answer, Value)> {
    let model = program.model;
    let Some(fact) = model.facts.get(question.fact.index()) else {
        return Vec::new();
    };
    if question.member.is_some() {
        return vec![
            (Answer::No, Value::Bool(false)),
            (Answer::Yes, Value::Bool(true)),
        ];
    }
    match &fact.ty {
        Type::Bool => vec![
            (Answer::No, Value::Bool(false)),
            (Answer::Yes, Value::Bool(true)),
        ],
        Type::Enum(id) => {
            let size = model.enums.get(id.index()).map_or(0, |e| e.values.len());
            (0..size as u32)
                .map(|value| (Answer::Enum(value), Value::Enum(value)))
                .collect()
        }
        Type::Number | Type::Quantity(_) => {
            // The ranges every condition of the guideline cuts, so that an
            // answer means the same to every rule.
            let constants = program
                .answer_cache
                .telling(program)
                .constants(question.fact);
            (0..=2 * constants.len())
                .map(|cell| (range_of(constants, cell), cell_value(constants, cell)))
                // A range between adjacent floats holds no number.
                .filter(|(range, x)| range_of(constants, cell_of(constants, *x)) == *range)
                .map(|(range, x)| (Answer::Number(range), Value::Number(x)))
                .collect()
        }
        // A whole set is never a question: its members are.
        Type::Set(_) => Vec::new(),
    }
}

/// The range of cell `cell` among sorted constants (see
/// `exact::cell_value`): odd cells are the constants, even ones the gaps.
fn range_of(constants: &[f64], cell: usize) -> Range {
    if cell % 2 == 1 {
        let bound = constants.get(cell / 2).map(|c| (*c, true));
        return Range {
            low: bound,
            high: bound,
        };
    }
    Range {
        low: cell
            .checked_sub(1)
            .and_then(|c| constants.get(c / 2))
            .map(|c| (*c, false)),
        high: constants.get(cell / 2).map(|c| (*c, false)),
    }
}

/// Every condition of the model: rules, clauses, invariants, definitions.
fn every_condition<'m>(program: &Program<'m>) -> Vec<&'m Condition> {
    let model = program.model;
    let mut conditions: Vec<&Condition> = model.rules.iter().map(|r| &r.condition).collect();
    for action in &model.actions {
        conditions.extend(action.contraindications.iter().map(|c| &c.condition));
        conditions.extend(action.cautions.iter().map(|c| &c.condition));
    }
    conditions.extend(model.invariants.iter().map(|i| &i.condition));
    conditions.extend(model.definitions.iter().map(|d| &d.condition));
    conditions
}

/// A combination of answers (the index of each question's answer) and the
/// decisions it leads to (an index into the distinct outcomes).
type Combination = (Vec<usize>, usize);

/// A tree of questions over some combinations: a leaf when they all lead
/// to the same decisions, else a question and a subtree per answer.
enum Tree {
    Leaf(usize),
    Ask(usize, Vec<(Answer, Tree)>),
}

impl Tree {
    /// Adds a branch per leaf, with the answers on its path.
    fn branches(
        &self,
        questions: &[(Question, Vec<(Answer, Value)>)],
        outcomes: &[Vec<Decision>],
        path: &mut Vec<(Question, Answer)>,
        out: &mut Vec<Branch>,
    ) {
        match self {
            Tree::Leaf(id) => out.push(Branch {
                answers: path.clone(),
                decisions: outcomes.get(*id).cloned().unwrap_or_default(),
            }),
            Tree::Ask(slot, subtrees) => {
                let Some((question, _)) = questions.get(*slot) else {
                    return;
                };
                for (answer, subtree) in subtrees {
                    path.push((*question, *answer));
                    subtree.branches(questions, outcomes, path, out);
                    path.pop();
                }
            }
        }
    }
}

/// A tree that tells the combinations' outcomes apart, asking first the
/// question whose answers split them into groups with the fewest distinct
/// outcomes in all (ties go to the question asked first), with
/// neighbouring number ranges that lead to one outcome merged into one
/// range.
fn tree(
    questions: &[(Question, Vec<(Answer, Value)>)],
    outcomes: &[&Combination],
    asked: &mut Vec<usize>,
) -> Tree {
    let first = outcomes.first().map(|(_, found)| found);
    if outcomes.iter().all(|(_, found)| Some(found) == first) {
        return Tree::Leaf(first.copied().unwrap_or_default());
    }
    let groups = |slot: usize| -> Vec<(usize, Vec<&Combination>)> {
        let count = questions.get(slot).map_or(0, |(_, answers)| answers.len());
        (0..count)
            .map(|index| {
                let group = outcomes
                    .iter()
                    .filter(|(choice, _)| choice.get(slot) == Some(&index))
                    .copied()
                    .collect();
                (index, group)
            })
            .collect()
    };
    // A question's score: the distinct outcomes in each group its answers
    // make, added up (outcome ids as bits: at most ANSWER_LIMIT of them).
    let score = |slot: usize| {
        let count = questions.get(slot).map_or(0, |(_, answers)| answers.len());
        let mut seen = vec![0u64; count];
        for (choice, id) in outcomes {
            if let Some(bits) = choice.get(slot).and_then(|index| seen.get_mut(*index)) {
                *bits |= 1u64.checked_shl(*id as u32).unwrap_or(0);
            }
        }
        let groups = seen.iter().filter(|bits| **bits != 0).count();
        (groups > 1).then(|| {
            seen.iter()
                .map(|bits| bits.count_ones() as usize)
                .sum::<usize>()
        })
    };
    let best = (0..questions.len())
        .filter(|slot| !asked.contains(slot))
        .filter_map(|slot| score(slot).map(|score| (score, slot)))
        .min_by_key(|(score, slot)| (*score, *slot));
    let Some((_, slot)) = best else {
        // Every question asked and still different cannot happen (a
        // combination is one patient); kept as the first outcome.
        return Tree::Leaf(first.copied().unwrap_or_default());
    };
    let mut subtrees: Vec<(Answer, Tree)> = Vec::new();
    asked.push(slot);
    for (index, group) in groups(slot) {
        let Some((answer, _)) = questions.get(slot).and_then(|(_, a)| a.get(index)) else {
            continue;
        };
        if group.is_empty() {
            continue;
        }
        let subtree = tree(questions, &group, asked);
        // Neighbouring ranges leading to the same decisions: one range.
        if let (
            Some((Answer::Number(range), Tree::Leaf(before))),
            Answer::Number(next),
            Tree::Leaf(now),
        ) = (subtrees.last_mut(), answer, &subtree)
            && before == now
        {
            range.high = next.high;
            continue;
        }
        subtrees.push((*answer, subtree));
    }
    asked.pop();
    Tree::Ask(slot, subtrees)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Evaluation, evaluate};

    const GUIDELINE: &str = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\n\
        enum Drug { mtx, aza, other }\n\
        fact weak: bool\nfact failed: set of Drug\nfact months: quantity mo\n\
        action mtx\naction aza\naction wait\n\
        section lines first-match {\n\
          rule second {\n  when weak and not (mtx in failed and aza in failed)\n  then recommend mtx, aza\n  cite R\n}\n\
          rule third {\n  when weak\n  else-escalate \"refer\"\n}\n\
        }\n\
        rule no_mtx {\n  when mtx in failed\n  then avoid mtx\n  cite R\n}\n\
        rule no_aza {\n  when aza in failed\n  then avoid aza\n  cite R\n}\n\
        rule early {\n  when months < 6 mo\n  then recommend wait\n  cite R\n}\n";

    fn patient(model: &crate::sema::Model, weak: Option<bool>) -> Patient {
        let mut patient = Patient::with_unknown(model.facts.len());
        if let Some(weak) = weak {
            patient.set(FactId(0), Value::Bool(weak));
        }
        patient
    }

    fn answers_for(text: &str, weak: Option<bool>, rule: &str) -> Answers {
        let model = crate::test_model(text);
        let program = Program::new(&model);
        let patient = patient(&model, weak);
        let evaluation = evaluate(&program, &patient);
        let escalation = evaluation
            .escalations
            .iter()
            .find(|e| match &e.cause {
                EscalationCause::UnknownCondition { rule: r, .. }
                | EscalationCause::NoAlternative { rule: r, .. } => {
                    model.rules.get(r.index()).is_some_and(|m| m.name == rule)
                }
                _ => false,
            })
            .cloned();
        let Some(escalation) = escalation else {
            panic!("no escalation of {rule}: {evaluation:?}");
        };
        answers(&program, &patient, &escalation).unwrap_or(Answers { branches: vec![] })
    }

    /// "methotrexate, unless it has already failed — then azathioprine":
    /// the unknown set is asked member by member, methotrexate first, as
    /// that tree has fewest leaves.
    #[test]
    fn an_unknown_history_gives_one_branch_per_line() {
        let found = answers_for(GUIDELINE, Some(true), "second");
        let paths: Vec<Vec<(Option<u32>, Answer)>> = found
            .branches
            .iter()
            .map(|b| b.answers.iter().map(|(q, a)| (q.member, *a)).collect())
            .collect();
        assert_eq!(
            paths,
            [
                vec![(Some(0), Answer::No)],
                vec![(Some(0), Answer::Yes), (Some(1), Answer::No)],
                vec![(Some(0), Answer::Yes), (Some(1), Answer::Yes)],
            ]
        );
        let (mtx, aza) = (crate::sema::ActionId(0), crate::sema::ActionId(1));
        let (second, third) = (RuleId(0), RuleId(1));
        let decisions: Vec<&[Decision]> = found
            .branches
            .iter()
            .map(|b| b.decisions.as_slice())
            .collect();
        assert_eq!(
            decisions[0],
            [Decision::Recommend {
                rule: second,
                action: mtx
            }]
        );
        assert!(decisions[1].contains(&Decision::Recommend {
            rule: second,
            action: aza
        }));
        assert_eq!(
            decisions[2],
            [Decision::NoAlternative {
                rule: third,
                choice: 0
            }]
        );
    }

    /// Neighbouring number ranges that lead to one outcome are one range;
    /// a known fact is not asked about.
    #[test]
    fn ranges_with_one_outcome_merge() {
        let found = answers_for(GUIDELINE, Some(false), "early");
        let ranges: Vec<Answer> = found
            .branches
            .iter()
            .flat_map(|b| b.answers.iter().map(|(_, a)| *a))
            .collect();
        assert_eq!(
            ranges,
            [
                Answer::Number(Range {
                    low: None,
                    high: Some((6.0, false))
                }),
                Answer::Number(Range {
                    low: Some((6.0, true)),
                    high: None
                }),
            ]
        );
    }

    /// Every allowed combination of answers follows exactly one branch, and
    /// leads to that branch's decisions (beyond those all share), checked
    /// by evaluating each combination again, for every partial patient of
    /// a guideline with an invariant.
    #[test]
    fn branches_partition_the_answers_and_say_where_each_leads() {
        let text = format!("{GUIDELINE}invariant aza in failed implies weak\n");
        let model = crate::test_model(&text);
        let program = Program::new(&model);
        let weak = [None, Some(false), Some(true)];
        let failed = [None, Some(0u128), Some(1), Some(2), Some(3)];
        let months = [None, Some(3.0), Some(6.0), Some(9.0)];
        let mut checked = 0;
        for w in weak {
            for f in failed {
                for m in months {
                    let mut patient = patient(&model, w);
                    if let Some(bits) = f {
                        patient.set(FactId(1), Value::Set(bits));
                    }
                    if let Some(x) = m {
                        patient.set(FactId(2), Value::Number(x));
                    }
                    let evaluation = evaluate(&program, &patient);
                    for escalation in &evaluation.escalations {
                        let Some(found) = answers(&program, &patient, escalation) else {
                            continue;
                        };
                        checked += check_branches(&program, &patient, escalation, &found);
                    }
                }
            }
        }
        assert!(checked > 20, "{checked} combinations checked");
    }

    fn check_branches(
        program: &Program<'_>,
        patient: &Patient,
        escalation: &Escalation,
        found: &Answers,
    ) -> usize {
        let scope = scope(program, &escalation.cause);
        let mut questions: Vec<Question> = Vec::new();
        for branch in &found.branches {
            for (question, _) in &branch.answers {
                if !questions.contains(question) {
                    questions.push(*question);
                }
            }
        }
        let answers: Vec<Vec<(Answer, Value)>> = questions
            .iter()
            .map(|q| possible_answers(program, *q))
            .collect();
        let mut outcomes: Vec<(Vec<Answer>, Vec<Decision>)> = Vec::new();
        let mut choice = vec![0usize; questions.len()];
        loop {
            let mut completed = patient.clone();
            let mut picked = Vec::new();
            for ((question, options), index) in questions.iter().zip(&answers).zip(&choice) {
                let Some((answer, value)) = options.get(*index) else {
                    continue;
                };
                picked.push(*answer);
                match (question.member, value) {
                    (Some(member), Value::Bool(b)) => {
                        completed.set_member(question.fact, member, *b)
                    }
                    _ => completed.set(question.fact, *value),
                }
            }
            let mut found_decisions = decisions(&evaluate(program, &completed));
            if !found_decisions.contains(&Decision::Implausible) {
                found_decisions.retain(|d| in_scope(d, &scope));
                outcomes.push((picked, found_decisions));
            }
            let mut position = 0;
            while let (Some(digit), Some(options)) =
                (choice.get_mut(position), answers.get(position))
            {
                *digit += 1;
                if *digit < options.len() {
                    break;
                }
                *digit = 0;
                position += 1;
            }
            if position >= questions.len() {
                break;
            }
        }
        let shared: Vec<Decision> = outcomes
            .first()
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
            .into_iter()
            .filter(|d| outcomes.iter().all(|(_, o)| o.contains(d)))
            .collect();
        for (picked, decisions) in &outcomes {
            let within = |range: &Range, answer: &Answer| match answer {
                Answer::Number(r) => {
                    let above_low = match (range.low, r.low) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        (Some((a, ai)), Some((b, bi))) => a < b || (a == b && (ai || !bi)),
                    };
                    let below_high = match (range.high, r.high) {
                        (None, _) => true,
                        (Some(_), None) => false,
                        (Some((a, ai)), Some((b, bi))) => a > b || (a == b && (ai || !bi)),
                    };
                    above_low && below_high
                }
                _ => false,
            };
            let matching: Vec<&Branch> = found
                .branches
                .iter()
                .filter(|branch| {
                    branch.answers.iter().all(|(question, answer)| {
                        let slot = questions.iter().position(|q| q == question);
                        let given = slot.and_then(|s| picked.get(s));
                        match (answer, given) {
                            (Answer::Number(range), Some(given)) => within(range, given),
                            (answer, Some(given)) => answer == given,
                            (_, None) => false,
                        }
                    })
                })
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "{picked:?} follows {} branches",
                matching.len()
            );
            let expected: Vec<Decision> = decisions
                .iter()
                .filter(|d| !shared.contains(d))
                .copied()
                .collect();
            assert_eq!(matching[0].decisions, expected, "{picked:?}");
        }
        outcomes.len()
    }

    /// The cache never changes an answer: on random patients of the
    /// shipped guideline (30% of facts unknown), the answers a program
    /// gives after many patients (most from its cache) are those worked
    /// out afresh. A context missing a fact the answers depend on would
    /// make two patients share answers that differ.
    #[test]
    fn cached_answers_are_the_answers_worked_out() {
        let text = std::fs::read_to_string("guidelines/dermatomyositis.gdl").unwrap_or_default();
        let model = crate::test_model(&text);
        let program = Program::new(&model);
        let telling = Telling::of(&program);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n.max(1)
        };
        let (mut hits, mut compared) = (0, 0);
        for _ in 0..400 {
            let mut patient = Patient::with_unknown(model.facts.len());
            for (index, fact) in model.facts.iter().enumerate() {
                let id = FactId(index as u32);
                if next(10) < 3 {
                    continue;
                }
                let value = match &fact.ty {
                    Type::Bool => Value::Bool(next(2) == 1),
                    Type::Number | Type::Quantity(_) => {
                        let constants = telling.constants(id);
                        let cell = next(2 * constants.len() as u64 + 1) as usize;
                        Value::Number(cell_value(constants, cell))
                    }
                    Type::Enum(e) => {
                        let size = model.enums.get(e.index()).map_or(1, |e| e.values.len());
                        Value::Enum(next(size as u64) as u32)
                    }
                    Type::Set(_) => {
                        let tested = telling.members.get(index).copied().unwrap_or(0);
                        Value::Set(
                            tested
                                & (u128::from(next(u64::MAX)) | u128::from(next(u64::MAX)) << 64),
                        )
                    }
                };
                patient.set(id, value);
            }
            let evaluation = evaluate(&program, &patient);
            for escalation in &evaluation.escalations {
                let before = program.answer_cache.entries.lock().map_or(0, |e| e.len());
                let cached = answers(&program, &patient, escalation);
                let after = program.answer_cache.entries.lock().map_or(0, |e| e.len());
                hits += usize::from(before == after);
                if escalation.needs.is_empty() {
                    continue;
                }
                assert_eq!(
                    cached,
                    work_out(&program, &patient, escalation),
                    "{patient:?}"
                );
                compared += 1;
            }
        }
        assert!(compared > 500, "{compared} escalations compared");
        assert!(hits > 100, "{hits} answers from the cache");
    }

    /// A completion's run, computed from the patient's values along the
    /// cone of the facts it gives values to, is the run from scratch: on
    /// random patients of the shipped guideline, every escalation's
    /// questions answered each way.
    #[test]
    fn completions_are_runs_from_scratch() {
        use crate::eval::interp::evaluate_decisions_in;
        let text = std::fs::read_to_string("guidelines/dermatomyositis.gdl").unwrap_or_default();
        let model = crate::test_model(&text);
        let program = Program::new(&model);
        let telling = Telling::of(&program);
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n.max(1)
        };
        let mut compared = 0;
        let mut scratch = Scratch::default();
        for _ in 0..150 {
            let mut patient = Patient::with_unknown(model.facts.len());
            for (index, fact) in model.facts.iter().enumerate() {
                let id = FactId(index as u32);
                if next(10) < 4 {
                    continue;
                }
                let value = match &fact.ty {
                    Type::Bool => Value::Bool(next(2) == 1),
                    Type::Number | Type::Quantity(_) => {
                        let constants = telling.constants(id);
                        Value::Number(cell_value(
                            constants,
                            next(2 * constants.len() as u64 + 1) as usize,
                        ))
                    }
                    Type::Enum(_) => Value::Enum(0),
                    Type::Set(_) => {
                        let tested = telling.members.get(index).copied().unwrap_or(0);
                        Value::Set(tested & u128::from(next(u64::MAX)))
                    }
                };
                patient.set(id, value);
            }
            let base = base_values(&program, &patient, &mut scratch);
            for escalation in &evaluate(&program, &patient).escalations {
                let atoms = escalation_atoms(&program, &patient, &base, escalation);
                let mut facts: Vec<FactId> = atoms.iter().map(|(f, _)| *f).collect();
                facts.dedup();
                let cone = program.cone(&facts);
                for answer in [false, true] {
                    let mut completed = patient.clone();
                    for (fact, member) in &atoms {
                        match member {
                            Some(member) => completed.set_member(*fact, *member, answer),
                            None => completed.set(
                                *fact,
                                match model.facts[fact.index()].ty {
                                    Type::Bool => Value::Bool(answer),
                                    _ => Value::Number(if answer { 1e9 } else { -1e9 }),
                                },
                            ),
                        }
                    }
                    let every: Vec<RuleId> = (0..model.rules.len() as u32).map(RuleId).collect();
                    let fast = evaluate_completion(
                        &program,
                        &completed,
                        &base,
                        &facts,
                        &cone,
                        &every,
                        &mut scratch,
                    );
                    let slow = evaluate_decisions_in(&program, &completed, &mut scratch);
                    assert_eq!(fast, slow, "{completed:?}");
                    // Working out some rules gives their decisions as all do.
                    let scope = scope(&program, &escalation.cause);
                    let scoped = evaluate_completion(
                        &program,
                        &completed,
                        &base,
                        &facts,
                        &cone,
                        &scope,
                        &mut scratch,
                    );
                    let of_scope = |evaluation: &Evaluation| {
                        let mut found = decisions(evaluation);
                        found.retain(|d| in_scope(d, &scope));
                        found
                    };
                    assert_eq!(of_scope(&scoped), of_scope(&slow), "{completed:?}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 200, "{compared} completions compared");
    }
}
