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

use super::{Definition, Encoding};
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
        }
    }
}
