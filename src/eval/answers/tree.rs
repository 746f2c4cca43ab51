//! The question tree of an escalation's answers: which question to ask
//! first, and the branches it gives.

use super::{Answer, Branch, Question};
use crate::eval::decision::Decision;
use crate::eval::patient::Value;

/// A combination of answers (the index of each question's answer) and the
/// decisions it leads to (an index into the distinct outcomes).
pub(super) type Combination = (Vec<usize>, usize);

/// A tree of questions over some combinations: a leaf when they all lead
/// to the same decisions, else a question and a subtree per answer.
pub(super) enum Tree {
    Leaf(usize),
    Ask(usize, Vec<(Answer, Tree)>),
}

impl Tree {
    /// Adds a branch per leaf, with the answers on its path.
    pub(super) fn branches(
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
pub(super) fn tree(
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
