//! The conditions `eval::exact` decides over unknown facts, as literals of
//! the SAT encoding: `gdl diff` must see each decision condition exactly
//! as the interpreter decides it.
//!
//! Input: a model's condition, its Kleene literals and its plan
//! ([`Plan`]). Output: the pair of literals (holds, fails) of the decided
//! condition. Every combination of the plan's values is one case, worked
//! out here, at encoding time: the condition holds for a patient when some
//! allowed combination agrees with the patient's known facts and none that
//! agrees makes it false. `tests/diff_mutations.rs` reads these literals back
//! patient by patient and compares them with the interpreter.

use std::ops::ControlFlow;

use batsat::Lit;

use crate::analysis::{Encoding, Kleene};
use crate::eval::exact::{self, Plan};
use crate::eval::{Tri, Value};
use crate::sema::{CmpOp, Condition, ConditionKind, FactId, Model};

/// A decision condition as the interpreter decides it: by Kleene logic, and
/// where that leaves it unknown, exactly over the values its unknown facts
/// can take under the invariants (`eval::exact`). Every combination of the
/// plan's values is one case: the condition holds for a patient when some
/// allowed combination agrees with the patient's known facts and none that
/// agrees makes it false.
pub(super) fn decided(
    model: &Model,
    encoding: &mut Encoding,
    definitions: &[Kleene],
    condition: &Condition,
) -> Kleene {
    let kleene = encoding.kleene(definitions, condition);
    let Some(plan) = Plan::new(model, condition) else {
        return kleene;
    };
    let mut conditions: Vec<&Condition> = vec![condition];
    conditions.extend(
        plan.invariants
            .iter()
            .filter_map(|i| model.invariants.get(*i))
            .map(|i| &i.condition),
    );
    // What tells a fact's values apart: a number's constants, a set's
    // tested members.
    let cuts: Vec<Cuts> = plan
        .facts
        .iter()
        .map(|(fact, _)| Cuts {
            constants: exact::constants(model, &conditions, *fact),
            members: exact::tested_members(model, &conditions, *fact),
        })
        .collect();
    let mut allowed = Vec::new();
    let mut makes_true = Vec::new();
    let mut makes_false = Vec::new();
    let every: Vec<(FactId, &[Value])> = plan
        .facts
        .iter()
        .map(|(fact, values)| (*fact, values.as_slice()))
        .collect();
    let mut values = vec![Value::Unknown; model.facts.len()];
    exact::each_combination(&every, |assigned| {
        for (fact, _) in &plan.facts {
            if let Some(place) = values.get_mut(fact.index()) {
                *place = assigned(*fact).unwrap_or(Value::Unknown);
            }
        }
        let Some(value) = plan.judge(&values) else {
            return ControlFlow::Continue(());
        };
        let value_of = |fact: FactId| assigned(fact).unwrap_or(Value::Unknown);
        let agrees = agrees_with(encoding, &plan, &cuts, condition.span, &value_of);
        allowed.push(agrees);
        match value {
            Tri::True => makes_true.push(agrees),
            Tri::False => makes_false.push(agrees),
            Tri::Unknown => {
                makes_true.push(agrees);
                makes_false.push(agrees);
            }
        }
        ControlFlow::Continue(())
    });
    let some = encoding.or(&allowed);
    let any_true = encoding.or(&makes_true);
    let any_false = encoding.or(&makes_false);
    let unknown = encoding.is_unknown(kleene);
    let exact_holds = encoding.and(&[unknown, some, !any_false]);
    let exact_fails = encoding.and(&[unknown, some, !any_true]);
    Kleene {
        holds: encoding.or(&[kleene.holds, exact_holds]),
        fails: encoding.or(&[kleene.fails, exact_fails]),
    }
}

/// What tells the values of one fact of a plan apart.
struct Cuts {
    constants: Vec<f64>,
    members: Vec<u32>,
}

/// The literal of "every fact of the plan is unknown or has the value of
/// this combination (its cell, as far as the conditions can tell)".
fn agrees_with(
    encoding: &mut Encoding,
    plan: &Plan,
    cuts: &[Cuts],
    span: crate::span::Span,
    value_of: &dyn Fn(FactId) -> Value,
) -> Lit {
    let leaf = |encoding: &mut Encoding, kind: ConditionKind| {
        encoding.condition(&Condition { kind, span })
    };
    let mut parts = Vec::with_capacity(plan.facts.len());
    for ((fact, _), cuts) in plan.facts.iter().zip(cuts) {
        let fact = *fact;
        let matches: Vec<Lit> = match value_of(fact) {
            Value::Bool(b) => {
                let literal = leaf(encoding, ConditionKind::Fact(fact));
                vec![if b { literal } else { !literal }]
            }
            Value::Number(x) => cuts
                .constants
                .iter()
                .map(|&constant| {
                    let op = if x < constant {
                        CmpOp::Lt
                    } else if x == constant {
                        CmpOp::Eq
                    } else {
                        CmpOp::Gt
                    };
                    leaf(
                        encoding,
                        ConditionKind::Compare {
                            fact,
                            op,
                            value: constant,
                        },
                    )
                })
                .collect(),
            Value::Enum(v) => vec![leaf(
                encoding,
                ConditionKind::EnumIn {
                    fact,
                    values: vec![v],
                },
            )],
            Value::Set(bits) => cuts
                .members
                .iter()
                .map(|&member| {
                    let literal = leaf(
                        encoding,
                        ConditionKind::SetHas {
                            fact,
                            value: member,
                        },
                    );
                    let has = member < 128 && bits & (1u128 << member) != 0;
                    if has { literal } else { !literal }
                })
                .collect(),
            Value::Unknown => Vec::new(),
        };
        let value = encoding.and(&matches);
        let known = encoding.known(fact);
        parts.push(encoding.or(&[!known, value]));
    }
    encoding.and(&parts)
}
