//! Patients as Boolean variables, conditions as BDDs.
//!
//! Every fact gets a finite domain that is exact for the guideline's
//! conditions: a number or quantity is split into the cells its constants
//! define (below the first, each constant, each gap, above the last) and
//! encoded in order encoding (`g_i` ⇔ cell ≥ i), so every comparison with a
//! constant is one literal; an enum is encoded in binary; a set keeps one
//! variable per value some condition tests. Two-valued satisfiability is
//! enough for three-valued questions: Kleene logic is monotone, so a
//! condition is true for some patient with unknowns exactly when it is true
//! for some fully known patient.

use biodivine_lib_bdd::{Bdd, BddValuation, BddVariable, BddVariableSet};

use crate::eval::{Patient, Value};
use crate::sema::{CmpOp, Condition, ConditionKind, FactId, Model, Type};

/// How one fact is encoded.
#[derive(Clone, Debug)]
enum FactVars {
    Bool(BddVariable),
    /// Sorted distinct constants and the order-encoding variables
    /// (`vars[i]` ⇔ cell ≥ i + 1; cells are 0..=2k).
    Number {
        constants: Vec<f64>,
        vars: Vec<BddVariable>,
    },
    /// Binary code of the value index, least significant bit first.
    Enum {
        size: u32,
        bits: Vec<BddVariable>,
    },
    /// (value index, variable) for each tested value.
    Set(Vec<(u32, BddVariable)>),
}

/// The encoding of a model's facts, with its BDD variable set.
pub struct Encoding {
    /// The BDD variables.
    pub variables: BddVariableSet,
    facts: Vec<FactVars>,
    /// Conditions every encoded patient satisfies: order chains and enum bounds.
    pub domain: Bdd,
    definitions: Vec<Bdd>,
}

impl Encoding {
    /// Encodes the facts of a model, collecting the constants each numeric
    /// fact is compared with.
    pub fn new(model: &Model) -> Encoding {
        let mut constants: Vec<Vec<f64>> = vec![Vec::new(); model.facts.len()];
        let mut tested: Vec<Vec<u32>> = vec![Vec::new(); model.facts.len()];
        let mut collect = |condition: &Condition| {
            condition.walk(&mut |c| match &c.kind {
                ConditionKind::Compare { fact, value, .. } => constants[fact.index()].push(*value),
                ConditionKind::SetHas { fact, value } => tested[fact.index()].push(*value),
                _ => {}
            })
        };
        for definition in &model.definitions {
            collect(&definition.condition);
        }
        for rule in &model.rules {
            collect(&rule.condition);
        }
        for action in &model.actions {
            for clause in action.contraindications.iter().chain(&action.cautions) {
                collect(&clause.condition);
            }
        }
        for invariant in &model.invariants {
            collect(&invariant.condition);
        }
        let mut count = 0usize;
        let mut plans = Vec::with_capacity(model.facts.len());
        for (index, fact) in model.facts.iter().enumerate() {
            let plan = match &fact.ty {
                Type::Bool => 1,
                Type::Number | Type::Quantity(_) => {
                    let list = &mut constants[index];
                    list.sort_by(f64::total_cmp);
                    list.dedup();
                    2 * list.len()
                }
                Type::Enum(id) => bits_for(model.enums[id.index()].values.len()),
                Type::Set(_) => {
                    let list = &mut tested[index];
                    list.sort_unstable();
                    list.dedup();
                    list.len()
                }
            };
            plans.push((count, plan));
            count += plan;
        }
        let variables = BddVariableSet::new_anonymous(u16::try_from(count).unwrap_or(u16::MAX));
        let var = |i: usize| BddVariable::from_index(i);
        let mut facts = Vec::with_capacity(model.facts.len());
        let mut domain = variables.mk_true();
        for (index, fact) in model.facts.iter().enumerate() {
            let (start, len) = plans[index];
            let vars: Vec<BddVariable> = (start..start + len).map(var).collect();
            let encoded = match &fact.ty {
                Type::Bool => FactVars::Bool(vars[0]),
                Type::Number | Type::Quantity(_) => {
                    for pair in vars.windows(2) {
                        // cell ≥ i+1 implies cell ≥ i
                        domain =
                            domain.and(&variables.mk_var(pair[1]).imp(&variables.mk_var(pair[0])));
                    }
                    FactVars::Number {
                        constants: std::mem::take(&mut constants[index]),
                        vars,
                    }
                }
                Type::Enum(id) => {
                    let size = model.enums[id.index()].values.len() as u32;
                    let encoded = FactVars::Enum { size, bits: vars };
                    let any_value = (0..size).fold(variables.mk_false(), |acc, v| {
                        acc.or(&code(&variables, &encoded, v))
                    });
                    domain = domain.and(&any_value);
                    encoded
                }
                Type::Set(_) => FactVars::Set(
                    std::mem::take(&mut tested[index])
                        .into_iter()
                        .zip(vars)
                        .collect(),
                ),
            };
            facts.push(encoded);
        }
        let mut encoding = Encoding {
            variables,
            facts,
            domain,
            definitions: Vec::new(),
        };
        for definition in &model.definitions {
            let bdd = encoding.condition(&definition.condition);
            encoding.definitions.push(bdd);
        }
        encoding
    }

    /// The BDD of a condition (definitions by their precomputed BDDs).
    pub fn condition(&self, condition: &Condition) -> Bdd {
        let vars = &self.variables;
        match &condition.kind {
            ConditionKind::Const(true) => vars.mk_true(),
            ConditionKind::Const(false) => vars.mk_false(),
            ConditionKind::Fact(fact) => match &self.facts[fact.index()] {
                FactVars::Bool(v) => vars.mk_var(*v),
                _ => vars.mk_false(),
            },
            ConditionKind::Definition(id) => self
                .definitions
                .get(id.index())
                .cloned()
                .unwrap_or_else(|| vars.mk_false()),
            ConditionKind::Not(inner) => self.condition(inner).not(),
            ConditionKind::And(parts) => parts
                .iter()
                .fold(vars.mk_true(), |acc, p| acc.and(&self.condition(p))),
            ConditionKind::Or(parts) => parts
                .iter()
                .fold(vars.mk_false(), |acc, p| acc.or(&self.condition(p))),
            ConditionKind::Implies(left, right) => self.condition(left).imp(&self.condition(right)),
            ConditionKind::Compare { fact, op, value } => self.compare(*fact, *op, *value),
            ConditionKind::EnumIn { fact, values } => {
                let encoded = &self.facts[fact.index()];
                values
                    .iter()
                    .fold(vars.mk_false(), |acc, v| acc.or(&code(vars, encoded, *v)))
            }
            ConditionKind::SetHas { fact, value } => match &self.facts[fact.index()] {
                FactVars::Set(tested) => tested
                    .iter()
                    .find(|(v, _)| v == value)
                    .map_or_else(|| vars.mk_false(), |(_, var)| vars.mk_var(*var)),
                _ => vars.mk_false(),
            },
        }
    }

    fn compare(&self, fact: FactId, op: CmpOp, value: f64) -> Bdd {
        let vars = &self.variables;
        let FactVars::Number {
            constants,
            vars: order,
        } = &self.facts[fact.index()]
        else {
            return vars.mk_false();
        };
        let Some(j) = constants.iter().position(|c| c.total_cmp(&value).is_eq()) else {
            return vars.mk_false();
        };
        // The constant's own cell is 2j+1; `at_least(i)` ⇔ cell ≥ i.
        let at_least = |i: usize| -> Bdd {
            match i {
                0 => vars.mk_true(),
                i => order
                    .get(i - 1)
                    .map_or_else(|| vars.mk_false(), |v| vars.mk_var(*v)),
            }
        };
        let point = 2 * j + 1;
        match op {
            CmpOp::Lt => at_least(point).not(),
            CmpOp::Le => at_least(point + 1).not(),
            CmpOp::Gt => at_least(point + 1),
            CmpOp::Ge => at_least(point),
            CmpOp::Eq => at_least(point).and(&at_least(point + 1).not()),
            CmpOp::Ne => at_least(point).and(&at_least(point + 1).not()).not(),
        }
    }

    /// A fully known patient from a satisfying valuation: each fact gets a
    /// value in its cell (constants exactly; gaps by a point inside them).
    pub fn patient(&self, model: &Model, valuation: &BddValuation) -> Patient {
        let values = self
            .facts
            .iter()
            .map(|encoded| match encoded {
                FactVars::Bool(v) => Value::Bool(valuation.value(*v)),
                FactVars::Number { constants, vars } => {
                    let cell = vars.iter().take_while(|v| valuation.value(**v)).count();
                    Value::Number(representative(constants, cell))
                }
                FactVars::Enum { size, bits } => {
                    let mut index = 0u32;
                    for (bit, v) in bits.iter().enumerate() {
                        if valuation.value(*v) {
                            index |= 1 << bit;
                        }
                    }
                    Value::Enum(index.min(size.saturating_sub(1)))
                }
                FactVars::Set(tested) => {
                    let mut bits = 0u128;
                    for (value, v) in tested {
                        if valuation.value(*v) && *value < 128 {
                            bits |= 1u128 << value;
                        }
                    }
                    Value::Set(bits)
                }
            })
            .collect();
        let _ = model;
        Patient { id: None, values }
    }
}

fn bits_for(size: usize) -> usize {
    let mut bits = 0;
    while (1usize << bits) < size {
        bits += 1;
    }
    bits
}

/// The BDD of "this enum fact has value `v`".
fn code(vars: &BddVariableSet, encoded: &FactVars, v: u32) -> Bdd {
    let FactVars::Enum { bits, .. } = encoded else {
        return vars.mk_false();
    };
    bits.iter()
        .enumerate()
        .fold(vars.mk_true(), |acc, (bit, var)| {
            acc.and(&vars.mk_literal(*var, v & (1 << bit) != 0))
        })
}

/// A value inside cell `cell` of the constants' partition.
fn representative(constants: &[f64], cell: usize) -> f64 {
    let Some(&first) = constants.first() else {
        return 0.0;
    };
    if cell % 2 == 1 {
        return constants[cell / 2];
    }
    if cell == 0 {
        return if first > 0.0 {
            first / 2.0
        } else {
            first - 1.0
        };
    }
    let below = constants[cell / 2 - 1];
    match constants.get(cell / 2) {
        Some(above) => (below + above) / 2.0,
        None => below + below.abs().max(1.0),
    }
}
