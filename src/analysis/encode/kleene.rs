//! Three-valued conditions in the two-valued encoding (dual rail): a
//! condition is a pair of literals, "it holds" and "it fails", and neither
//! means unknown, exactly as the interpreter's Kleene logic reads it.
//!
//! Each fact a three-valued question reads gets one more variable, "this
//! fact is known"; a leaf holds when its fact is known and its comparison
//! is true, and fails when its fact is known and its comparison is false.
//! Connectives follow Kleene's tables: a conjunction holds when every part
//! holds and fails when some part fails. A model of the solver is then a
//! patient with some facts unknown ([`Encoding::patient`] writes those as
//! unknown), so questions about escalations have exact answers too.

use batsat::Lit;

use super::{Definition, Encoding, FactVars};
use crate::eval::{Patient, Value};
use crate::sema::{Condition, ConditionKind, FactId, Model};

/// A three-valued condition: the literal of "it holds" and of "it fails".
/// The two are never both true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kleene {
    /// The condition is true.
    pub holds: Lit,
    /// The condition is false.
    pub fails: Lit,
}

impl Kleene {
    /// The negation: holds where the condition fails.
    pub fn negate(self) -> Kleene {
        Kleene {
            holds: self.fails,
            fails: self.holds,
        }
    }
}

impl Encoding {
    /// The literal of "this fact is known", made on first use.
    pub fn known(&mut self, fact: FactId) -> Lit {
        if let Some(Some(known)) = self.known.get(fact.index()) {
            return *known;
        }
        let known = self.new_var(Definition::Known);
        if self.known.len() <= fact.index() {
            self.known.resize(fact.index() + 1, None);
        }
        if let Some(slot) = self.known.get_mut(fact.index()) {
            *slot = Some(known);
        }
        known
    }

    /// A condition that is unknown.
    pub fn unknown(&self) -> Kleene {
        Kleene {
            holds: !self.truth,
            fails: !self.truth,
        }
    }

    /// A condition that is true.
    pub fn certain(&self) -> Kleene {
        Kleene {
            holds: self.truth,
            fails: !self.truth,
        }
    }

    /// A condition that is false.
    pub fn impossible(&self) -> Kleene {
        self.certain().negate()
    }

    /// The literal of "neither holds nor fails".
    pub fn is_unknown(&mut self, value: Kleene) -> Lit {
        self.and(&[!value.holds, !value.fails])
    }

    /// Kleene conjunction.
    pub fn kleene_and(&mut self, parts: &[Kleene]) -> Kleene {
        let holds: Vec<Lit> = parts.iter().map(|p| p.holds).collect();
        let fails: Vec<Lit> = parts.iter().map(|p| p.fails).collect();
        Kleene {
            holds: self.and(&holds),
            fails: self.or(&fails),
        }
    }

    /// Kleene disjunction.
    pub fn kleene_or(&mut self, parts: &[Kleene]) -> Kleene {
        let negated: Vec<Kleene> = parts.iter().map(|p| p.negate()).collect();
        self.kleene_and(&negated).negate()
    }

    /// The three-valued definitions of a model whose facts this encoding
    /// was built for, in order (a definition reads only earlier ones).
    pub fn kleene_definitions(&mut self, model: &Model) -> Vec<Kleene> {
        let mut definitions = Vec::with_capacity(model.definitions.len());
        for definition in &model.definitions {
            let value = self.kleene(&definitions, &definition.condition);
            definitions.push(value);
        }
        definitions
    }

    /// The three-valued literal pair of a condition, given its model's
    /// definitions from [`Encoding::kleene_definitions`].
    pub fn kleene(&mut self, definitions: &[Kleene], condition: &Condition) -> Kleene {
        match &condition.kind {
            ConditionKind::Const(true) => self.certain(),
            ConditionKind::Const(false) => self.impossible(),
            ConditionKind::Fact(fact)
            | ConditionKind::Compare { fact, .. }
            | ConditionKind::EnumIn { fact, .. }
            | ConditionKind::SetHas { fact, .. } => {
                // The two-valued literal of the leaf reads the fact's value
                // variables only; knowing the fact is the other half.
                let value = self.condition(condition);
                let known = self.known(*fact);
                Kleene {
                    holds: self.and(&[known, value]),
                    fails: self.and(&[known, !value]),
                }
            }
            ConditionKind::Definition(id) => definitions
                .get(id.index())
                .copied()
                .unwrap_or_else(|| self.unknown()),
            ConditionKind::Not(inner) => self.kleene(definitions, inner).negate(),
            ConditionKind::And(parts) => {
                let parts: Vec<Kleene> =
                    parts.iter().map(|p| self.kleene(definitions, p)).collect();
                self.kleene_and(&parts)
            }
            ConditionKind::Or(parts) => {
                let parts: Vec<Kleene> =
                    parts.iter().map(|p| self.kleene(definitions, p)).collect();
                self.kleene_or(&parts)
            }
            ConditionKind::Implies(left, right) => {
                let left = self.kleene(definitions, left).negate();
                let right = self.kleene(definitions, right);
                self.kleene_or(&[left, right])
            }
            ConditionKind::Points(test) => {
                let items: Vec<Kleene> = test
                    .items
                    .iter()
                    .map(|item| self.kleene(definitions, &item.condition))
                    .collect();
                test.build(&mut super::ThreeValued(self), &items)
            }
        }
    }
}

impl Encoding {
    /// Assumptions that fix every fact read three-valued to its value in
    /// `patient` (an unknown fact to unknown): under them, every literal
    /// of this encoding has the value it has for that patient. Lets tests
    /// check an encoding against the interpreter patient by patient.
    pub fn assume(&mut self, patient: &Patient) -> Vec<Lit> {
        let mut assumptions = Vec::new();
        for (index, encoded) in self.facts.iter().enumerate() {
            let Some(Some(known)) = self.known.get(index).copied() else {
                continue;
            };
            let value = patient.get(FactId::from_index(index));
            if value == Value::Unknown {
                assumptions.push(!known);
                continue;
            }
            assumptions.push(known);
            let set = |assumptions: &mut Vec<Lit>, literal: Lit, holds: bool| {
                assumptions.push(if holds { literal } else { !literal });
            };
            match (encoded, value) {
                (FactVars::Bool(literal), Value::Bool(b)) => set(&mut assumptions, *literal, b),
                (FactVars::Number { constants, order }, Value::Number(x)) => {
                    let below = constants.iter().take_while(|c| **c < x).count();
                    let equal = constants.get(below).is_some_and(|c| *c == x);
                    let cell = 2 * below + usize::from(equal);
                    for (k, literal) in order.iter().enumerate() {
                        set(&mut assumptions, *literal, cell > k);
                    }
                }
                (FactVars::Enum { bits, .. }, Value::Enum(v)) => {
                    for (bit, literal) in bits.iter().enumerate() {
                        set(&mut assumptions, *literal, v & (1 << bit) != 0);
                    }
                }
                (FactVars::Set(tested), Value::Set(members)) => {
                    for (member, literal) in tested {
                        let has = *member < 128 && members & (1u128 << member) != 0;
                        set(&mut assumptions, *literal, has);
                    }
                }
                // A value of another type than the fact's: the interpreter
                // reads it as unknown.
                _ => {
                    assumptions.pop();
                    assumptions.push(!known);
                }
            }
        }
        assumptions
    }

    /// Whether every literal holds together with the assumptions, keeping
    /// the model: [`Encoding::holds`] then reads any of these literals in it.
    pub fn sat_reading(&mut self, assumptions: &[Lit], read: &[Lit]) -> bool {
        // A literal is in a question's cone when some gate reads it: one
        // gate that reads them all (and is free to be false) brings every
        // one in without constraining it.
        let reads: Vec<Lit> = read.iter().flat_map(|l| [*l, !*l]).collect();
        let all = self.and(&reads);
        let mut question = assumptions.to_vec();
        question.push(self.or(&[all, !all]));
        self.sat(&question)
    }

    /// A literal's value in the last model.
    pub fn holds(&self, literal: Lit) -> bool {
        self.value(literal)
    }
}
