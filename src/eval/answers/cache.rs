//! Answers already worked out, kept for the patients of a cohort: the
//! key is the escalation and a patient's values of the facts its answers
//! can depend on, as far as the guideline can tell values apart.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::Answers;
use crate::eval::exact::{cell_of, constants, tested_members};
use crate::eval::patient::{Patient, Value};
use crate::eval::program::Program;
use crate::sema::{FactId, Member, RuleId};

/// Answers already worked out, shared by the patients of a cohort (and
/// its threads). Patients with the same values of the facts an
/// escalation's answers can depend on ([`AnswerCache::context`]), as far as
/// the guideline can tell values apart, get the same answers; a cache
/// changes no output, only how often the work is done.
#[derive(Debug, Default)]
pub(crate) struct AnswerCache {
    /// Answers by escalation and context values.
    pub(super) entries: Mutex<HashMap<Vec<u64>, Option<Answers>>>,
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
pub(super) struct Telling {
    constants: Vec<Vec<f64>>,
    pub(super) members: Vec<u128>,
}

impl Telling {
    pub(super) fn of(program: &Program<'_>) -> Telling {
        let model = program.model;
        let conditions = model.conditions();
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

    pub(super) fn constants(&self, fact: FactId) -> &[f64] {
        self.constants.get(fact.index()).map_or(&[], Vec::as_slice)
    }
}

impl AnswerCache {
    pub(super) fn telling(&self, program: &Program<'_>) -> &Telling {
        self.telling.get_or_init(|| Telling::of(program))
    }

    /// The key of an escalation for a patient: the escalation, and the
    /// patient's values of its context facts, as far as the guideline can
    /// tell them apart (a number's range, a set's tested members).
    pub(super) fn key(
        &self,
        program: &Program<'_>,
        patient: &Patient,
        identity: [u64; 3],
    ) -> Vec<u64> {
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
            if let Some(compiled) = program.rules.get(rule) {
                facts.extend(&compiled.facts);
            }
            let actions = model
                .rules
                .get(rule)
                .into_iter()
                .flat_map(|r| r.choices.iter().flat_map(|c| c.actions.iter().copied()));
            for action in actions {
                for clause in program.contraindications.get(action).into_iter().flatten() {
                    facts.extend(&clause.facts);
                }
                for avoid in &program.avoid_rules {
                    let avoids = model.rules.get(RuleId(*avoid)).is_some_and(|r| {
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

    pub(super) fn get(&self, key: &[u64]) -> Option<Option<Answers>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).cloned()
    }

    pub(super) fn insert(&self, key: Vec<u64>, answers: Option<Answers>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= CACHE_LIMIT {
            entries.clear();
        }
        entries.insert(key, answers);
    }
}
