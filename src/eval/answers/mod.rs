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
mod cache;
#[cfg(test)]
mod tests;
mod tree;

pub(crate) use cache::AnswerCache;
use tree::{Combination, tree};

use super::exact::{cell_of, cell_value};
use super::interp::{
    Escalation, EscalationCause, Scratch, base_values, escalation_atoms, evaluate_completion,
};
use super::patient::{Patient, Value};
use super::program::Program;
use crate::sema::{FactId, Member, RuleId, Type};

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
    // Computed facts an answer changes are worked out again (those asked
    // about themselves keep their answers).
    let computed: Vec<FactId> = computed_from(program, &facts)
        .into_iter()
        .filter(|fact| !facts.contains(fact))
        .collect();
    facts.extend(&computed);
    facts.sort_unstable();
    facts.dedup();
    let cone = program.cone(&facts);
    let mut choice = vec![0usize; questions.len()];
    let mut completed = patient.clone();
    for _ in 0..combinations {
        fill_in(&mut completed, patient, &facts, &questions, &choice);
        if !computed.is_empty() {
            program.derive(&mut completed);
            give_answers(&mut completed, &questions, &choice);
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
    let (distinct, outcomes) = distinct_outcomes(found_outcomes, &shared);
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

/// The computed facts worked out from any of `facts`.
fn computed_from(program: &Program<'_>, facts: &[FactId]) -> Vec<FactId> {
    let model = program.model;
    model
        .derived_order
        .iter()
        .copied()
        .filter(|&fact| {
            model
                .facts
                .get(fact)
                .and_then(|f| f.derived.as_ref())
                .is_some_and(|derived| derived.inputs.iter().any(|input| facts.contains(input)))
        })
        .collect()
}

/// `completed` as `patient`, but for the questions' facts, which get the
/// answers `choice` picks.
#[inline]
fn fill_in(
    completed: &mut Patient,
    patient: &Patient,
    facts: &[FactId],
    questions: &[(Question, Vec<(Answer, Value)>)],
    choice: &[usize],
) {
    for fact in facts {
        completed.set(*fact, patient.get(*fact));
    }
    give_answers(completed, questions, choice);
}

/// Gives `completed` the answers `choice` picks.
fn give_answers(
    completed: &mut Patient,
    questions: &[(Question, Vec<(Answer, Value)>)],
    choice: &[usize],
) {
    for ((question, answers), picked) in questions.iter().zip(choice) {
        if let Some((_, value)) = answers.get(*picked) {
            give(completed, *question, *value);
        }
    }
}

/// Each distinct outcome once (without the decisions every combination
/// shares), and each combination with the index of its outcome.
fn distinct_outcomes(
    found_outcomes: Vec<(Vec<usize>, Vec<Decision>)>,
    shared: &[Decision],
) -> (Vec<Vec<Decision>>, Vec<Combination>) {
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
    (distinct, outcomes)
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
        | Decision::Offer { rule, .. }
        | Decision::Withhold { rule, .. }
        | Decision::Avoid { rule, .. }
        | Decision::Undecided { rule }
        | Decision::NoAlternative { rule, .. } => scope.contains(rule),
        Decision::Exclusive { .. } | Decision::Implausible | Decision::NothingApplies => false,
    }
}

/// Gives a patient one answer: the fact's value, or for a set member
/// whether it is present (`Value::Bool`), the other members as they were.
fn give(patient: &mut Patient, question: Question, value: Value) {
    match (question.member, value) {
        (Some(member), Value::Bool(present)) => patient.set_member(question.fact, member, present),
        _ => patient.set(question.fact, value),
    }
}

/// The possible answers to a question, each with the value it gives the
/// fact (for a set member, whether it is present).
fn possible_answers(program: &Program<'_>, question: Question) -> Vec<(Answer, Value)> {
    let model = program.model;
    let Some(fact) = model.facts.get(question.fact) else {
        return Vec::new();
    };
    // A bool fact, or a set's member: present or not.
    let yes_or_no = || {
        vec![
            (Answer::No, Value::Bool(false)),
            (Answer::Yes, Value::Bool(true)),
        ]
    };
    if question.member.is_some() {
        return yes_or_no();
    }
    match &fact.ty {
        Type::Bool => yes_or_no(),
        Type::Enum(id) => {
            let size = model.enums.get(*id).map_or(0, |e| e.values.len());
            (0..size as u32)
                .map(|value| (Answer::Enum(value), Value::Enum(value)))
                .collect()
        }
        Type::Number | Type::Quantity(_) | Type::Date => {
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
