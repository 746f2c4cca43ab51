//! Tests of the answers: the trees they give, that they say where each
//! answer leads (checked against runs of every combination), that the
//! cache and the cone change nothing.

use super::cache::Telling;
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
                model.rules.get(*r).is_some_and(|m| m.name == rule)
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
            give(&mut completed, *question, *value);
        }
        let mut found_decisions = decisions(&evaluate(program, &completed));
        if !found_decisions.contains(&Decision::Implausible) {
            found_decisions.retain(|d| in_scope(d, &scope));
            outcomes.push((picked, found_decisions));
        }
        let mut position = 0;
        while let (Some(digit), Some(options)) = (choice.get_mut(position), answers.get(position)) {
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
            let id = FactId::from_index(index);
            if next(10) < 3 {
                continue;
            }
            let value = match &fact.ty {
                Type::Bool => Value::Bool(next(2) == 1),
                Type::Number | Type::Quantity(_) | Type::Date => {
                    let constants = telling.constants(id);
                    let cell = next(2 * constants.len() as u64 + 1) as usize;
                    Value::Number(cell_value(constants, cell))
                }
                Type::Enum(e) => {
                    let size = model.enums.get(*e).map_or(1, |e| e.values.len());
                    Value::Enum(next(size as u64) as u32)
                }
                Type::Set(_) => {
                    let tested = telling.members.get(index).copied().unwrap_or(0);
                    Value::Set(
                        tested & (u128::from(next(u64::MAX)) | u128::from(next(u64::MAX)) << 64),
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
            let id = FactId::from_index(index);
            if next(10) < 4 {
                continue;
            }
            let value = match &fact.ty {
                Type::Bool => Value::Bool(next(2) == 1),
                Type::Number | Type::Quantity(_) | Type::Date => {
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
                            match model.facts.at(*fact).ty {
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
