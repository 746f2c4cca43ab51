//! Computed values tied to the facts they are computed from.
//!
//! Without this, a computed value is a free number to the encoding, cut at
//! its thresholds like any fact, and a question may give it a cell its
//! inputs cannot produce (a creatinine clearance below 15 mL/min for a
//! 50-year-old of 90 kg with a normal creatinine). Here every combination
//! of the cells of a value's inputs (a *box*: a cell of each number input,
//! a value of each bool or enum input) gets the range of the value over
//! that box by interval arithmetic, and two clauses: inside the box, the
//! value's cell is at least the cell of the range's low end and at most
//! the cell of its high end (a box whose range is empty cannot occur).
//!
//! The range is never too narrow, so the clauses hold for every real
//! patient and the analysis's claims that something never happens stay
//! proofs. When each fact occurs once in the arithmetic (through other
//! values too; Cockcroft–Gault is such), the function is continuous over
//! the box, and no conditional reads a number, the range is the exact
//! image of the box, so every cell between the two ends is reached by
//! some patient: the encoding is then exact up to the widening of the
//! ends against rounding. Otherwise it is wider than the image, and the
//! witnesses' realisation (`Program::realize`) stays the guard.
//!
//! Bounded: a value with more than [`BOX_LIMIT`] boxes stays free.

use super::{Encoding, FactVars};
use crate::eval::exact::cell_of;
use crate::eval::{Patient, Tri, Value};
use crate::sema::{FactId, Model, NumExpr, NumKind, Type};
use crate::syntax::ast::ArithOp;
use batsat::Lit;

/// At most this many boxes are tied for one computed value.
const BOX_LIMIT: usize = 1 << 12;

/// One end of an interval: a number, and whether it belongs to it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct End {
    value: f64,
    closed: bool,
}

/// An interval of numbers; an infinite end is never closed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Interval {
    low: End,
    high: End,
}

impl Interval {
    fn point(value: f64) -> Interval {
        let end = End {
            value,
            closed: true,
        };
        Interval {
            low: end,
            high: end,
        }
    }

    fn is_empty(&self) -> bool {
        self.low.value > self.high.value
            || (self.low.value == self.high.value && !(self.low.closed && self.high.closed))
    }

    fn scaled(self, factor: f64) -> Option<Interval> {
        self.times(Interval::point(factor))
    }

    fn plus(self, other: Interval) -> Interval {
        let add = |a: End, b: End| End {
            value: a.value + b.value,
            closed: a.closed && b.closed,
        };
        Interval {
            low: add(self.low, other.low),
            high: add(self.high, other.high),
        }
    }

    fn negated(self) -> Interval {
        let negate = |end: End| End {
            value: -end.value,
            closed: end.closed,
        };
        Interval {
            low: negate(self.high),
            high: negate(self.low),
        }
    }

    /// The product's range: the extremes of the corners' products. A
    /// zero end that belongs to its interval makes its products 0 and
    /// reached, whatever the other end (0 × ∞ counts as 0).
    fn times(self, other: Interval) -> Option<Interval> {
        let corner = |a: End, b: End| -> End {
            let zero = (a.value == 0.0 && a.closed) || (b.value == 0.0 && b.closed);
            let value = if a.value == 0.0 || b.value == 0.0 {
                0.0
            } else {
                a.value * b.value
            };
            End {
                value,
                closed: zero || (a.closed && b.closed),
            }
        };
        let corners = [
            corner(self.low, other.low),
            corner(self.low, other.high),
            corner(self.high, other.low),
            corner(self.high, other.high),
        ];
        extremes(&corners)
    }

    /// The quotient's range; `None` when the divisor's interval holds 0
    /// or reaches it from both sides (then the quotient is unbounded or
    /// undefined).
    fn divided_by(self, divisor: Interval) -> Option<Interval> {
        let (low, high) = (divisor.low, divisor.high);
        let holds_zero = (low.value < 0.0 && high.value > 0.0)
            || (low.value == 0.0 && low.closed)
            || (high.value == 0.0 && high.closed);
        if holds_zero || divisor.is_empty() {
            return None;
        }
        let reciprocal = |end: End, toward: f64| -> End {
            if end.value == 0.0 {
                End {
                    value: toward,
                    closed: false,
                }
            } else if end.value.is_infinite() {
                End {
                    value: 0.0,
                    closed: false,
                }
            } else {
                End {
                    value: 1.0 / end.value,
                    closed: end.closed,
                }
            }
        };
        let inverse = if low.value >= 0.0 {
            Interval {
                low: reciprocal(high, f64::INFINITY),
                high: reciprocal(low, f64::INFINITY),
            }
        } else {
            Interval {
                low: reciprocal(high, f64::NEG_INFINITY),
                high: reciprocal(low, f64::NEG_INFINITY),
            }
        };
        self.times(inverse)
    }

    /// The smallest interval holding both.
    fn hull(self, other: Interval) -> Interval {
        let low = pick(self.low, other.low, |a, b| a < b);
        let high = pick(self.high, other.high, |a, b| a > b);
        Interval { low, high }
    }

    /// Widened by a little against rounding, its ends then closed.
    fn widened(self) -> Interval {
        let out = |end: End, direction: f64| {
            if end.value.is_infinite() {
                return end;
            }
            let slack = 1e-9 * end.value.abs().max(1.0);
            End {
                value: end.value + direction * slack,
                closed: true,
            }
        };
        Interval {
            low: out(self.low, -1.0),
            high: out(self.high, 1.0),
        }
    }
}

/// Of two ends, the one `better` prefers; on a tie, closed if either is.
fn pick(a: End, b: End, better: impl Fn(f64, f64) -> bool) -> End {
    if a.value == b.value {
        End {
            value: a.value,
            closed: a.closed || b.closed,
        }
    } else if better(a.value, b.value) {
        a
    } else {
        b
    }
}

/// The interval from the lowest to the highest of `ends`.
fn extremes(ends: &[End]) -> Option<Interval> {
    let (first, rest) = ends.split_first()?;
    let mut low = *first;
    let mut high = *first;
    for end in rest {
        low = pick(low, *end, |a, b| a < b);
        high = pick(high, *end, |a, b| a > b);
    }
    if ends.iter().any(|end| end.value.is_nan()) {
        return None;
    }
    Some(Interval { low, high })
}

/// One box: a cell of each number input, a value of each other input.
pub(super) struct InputBox {
    /// Each number input's interval, in the fact's own unit.
    numbers: Vec<(FactId, Interval)>,
    /// The bool and enum inputs' values, number inputs on a point, and
    /// everything else unknown: what an `if` condition is read with.
    patient: Patient,
}

/// The range of `expr` (in base units) over `input`; `None` when it is
/// unbounded in a way the arithmetic cannot follow (a divisor that may be
/// 0, a date's years with an infinite end).
pub(super) fn range(model: &Model, expr: &NumExpr, input: &InputBox) -> Option<Interval> {
    match &expr.kind {
        NumKind::Constant(value) => Some(Interval::point(*value)),
        NumKind::Fact { fact, factor } => {
            let own = match model.facts.get(*fact)?.derived.as_ref() {
                Some(derived) => range(model, &derived.expr, input)?.scaled(derived.to_unit)?,
                None => input.numbers.iter().find(|(f, _)| f == fact)?.1,
            };
            own.scaled(*factor)
        }
        NumKind::Binary { op, left, right } => {
            let left = range(model, left, input)?;
            let right = range(model, right, input)?;
            match op {
                ArithOp::Add => Some(left.plus(right)),
                ArithOp::Sub => Some(left.plus(right.negated())),
                ArithOp::Mul => left.times(right),
                ArithOp::Div => left.divided_by(right),
            }
        }
        NumKind::Extreme { max, args } => {
            let ranges: Vec<Interval> = args
                .iter()
                .map(|arg| range(model, arg, input))
                .collect::<Option<_>>()?;
            let (first, rest) = ranges.split_first()?;
            Some(rest.iter().fold(*first, |acc, next| {
                if *max {
                    Interval {
                        low: pick(acc.low, next.low, |a, b| a > b),
                        high: pick(acc.high, next.high, |a, b| a > b),
                    }
                } else {
                    Interval {
                        low: pick(acc.low, next.low, |a, b| a < b),
                        high: pick(acc.high, next.high, |a, b| a < b),
                    }
                }
            }))
        }
        NumKind::Round(inner) => {
            let inner = range(model, inner, input)?;
            Some(Interval {
                low: End {
                    value: inner.low.value.round(),
                    closed: inner.low.value.is_finite(),
                },
                high: End {
                    value: inner.high.value.round(),
                    closed: inner.high.value.is_finite(),
                },
            })
        }
        NumKind::Between {
            years,
            from,
            to,
            factor,
        } => {
            let from = range(model, from, input)?;
            let to = range(model, to, input)?;
            let count = |from: f64, to: f64| -> Option<f64> {
                Some(crate::calendar::whole_between(*years, from, to)? as f64 * factor)
            };
            // Fewer whole years from a later start to an earlier end.
            let least = count(from.high.value, to.low.value)?;
            let most = count(from.low.value, to.high.value)?;
            Some(Interval {
                low: End {
                    value: least.min(most),
                    closed: true,
                },
                high: End {
                    value: least.max(most),
                    closed: true,
                },
            })
        }
        NumKind::If {
            condition,
            then,
            otherwise,
        } => {
            // Known when the box's bool and enum facts, and its numbers on
            // a point, decide the condition.
            let value_of = |fact| input.patient.get(fact);
            match crate::eval::exact::bounded_meaning(model, condition, &value_of) {
                Tri::True => range(model, then, input),
                Tri::False => range(model, otherwise, input),
                Tri::Unknown => {
                    Some(range(model, then, input)?.hull(range(model, otherwise, input)?))
                }
            }
        }
    }
}

/// The literals "this input is in this part of the box", one per input.
type BoxLiterals = Vec<Lit>;

impl Encoding {
    /// Ties each computed value of `model` to its inputs, box by box (the
    /// module's header); the clauses join the value's domain, so they come
    /// with any question that reads it.
    pub(super) fn tie_values(&mut self, model: &Model) {
        for &fact in &model.derived_order {
            let Some(derived) = model.facts.get(fact).and_then(|f| f.derived.as_ref()) else {
                continue;
            };
            let Some(FactVars::Number { constants, order }) = self.facts.get(fact.index()) else {
                continue;
            };
            let (constants, order) = (constants.clone(), order.clone());
            let Some(boxes) = self.boxes(model, &derived.inputs) else {
                continue;
            };
            let mut clauses: Vec<Vec<Lit>> = Vec::new();
            for (literals, input) in boxes {
                let negated: Vec<Lit> = literals.iter().map(|l| !*l).collect();
                let Some(range) = range(model, &derived.expr, &input)
                    .and_then(|r| r.scaled(derived.to_unit))
                    .map(Interval::widened)
                else {
                    continue;
                };
                if range.is_empty() {
                    clauses.push(negated);
                    continue;
                }
                let lowest = cell_of(&constants, range.low.value);
                let highest = cell_of(&constants, range.high.value);
                // cell ≥ lowest: order[lowest - 1]; cell ≤ highest: ¬order[highest].
                if let Some(at_least) = lowest.checked_sub(1).and_then(|i| order.get(i)) {
                    let mut clause = negated.clone();
                    clause.push(*at_least);
                    clauses.push(clause);
                }
                if let Some(above) = order.get(highest) {
                    let mut clause = negated;
                    clause.push(!*above);
                    clauses.push(clause);
                }
            }
            if let Some(domain) = self.domain.get_mut(fact.index()) {
                domain.extend(clauses);
            }
        }
    }

    /// Every box of `inputs`' cells, each with its literals; `None` when
    /// there are more than [`BOX_LIMIT`].
    fn boxes(&mut self, model: &Model, inputs: &[FactId]) -> Option<Vec<(BoxLiterals, InputBox)>> {
        // Each input's parts: the literal that puts it there, and what it is.
        let mut parts: Vec<Vec<(Lit, Part)>> = Vec::with_capacity(inputs.len());
        let mut count = 1usize;
        for &input in inputs {
            let encoded = self.facts.get(input.index())?.clone();
            let fact_parts: Vec<(Lit, Part)> = match (&model.facts.get(input)?.ty, &encoded) {
                (Type::Bool, FactVars::Bool(l)) => vec![
                    (!*l, Part::Value(Value::Bool(false))),
                    (*l, Part::Value(Value::Bool(true))),
                ],
                (Type::Enum(_), FactVars::Enum { size, .. }) => (0..*size)
                    .map(|v| (self.code(&encoded, v), Part::Value(Value::Enum(v))))
                    .collect(),
                (_, FactVars::Number { constants, order }) => (0..=order.len())
                    .map(|cell| {
                        let at_least = match cell {
                            0 => self.truth,
                            i => order.get(i - 1).copied().unwrap_or(!self.truth),
                        };
                        let at_most = order.get(cell).map_or(self.truth, |l| !*l);
                        let literal = self.and(&[at_least, at_most]);
                        (literal, Part::Cell(cell_interval(constants, cell)))
                    })
                    .collect(),
                // A set is read only by conditions: unknown to them here.
                _ => vec![(self.truth, Part::Value(Value::Unknown))],
            };
            count = count.checked_mul(fact_parts.len())?;
            if count > BOX_LIMIT {
                return None;
            }
            parts.push(fact_parts);
        }
        let mut boxes = Vec::with_capacity(count);
        for index in 0..count {
            let mut rest = index;
            let mut literals = Vec::with_capacity(inputs.len());
            let mut numbers = Vec::new();
            let mut patient = Patient::with_unknown(model.facts.len());
            for (&input, fact_parts) in inputs.iter().zip(&parts) {
                let (literal, part) = fact_parts.get(rest % fact_parts.len())?;
                rest /= fact_parts.len();
                literals.push(*literal);
                match part {
                    Part::Value(value) => patient.set(input, *value),
                    Part::Cell(interval) => {
                        if interval.low == interval.high {
                            patient.set(input, Value::Number(interval.low.value));
                        }
                        numbers.push((input, *interval));
                    }
                }
            }
            boxes.push((literals, InputBox { numbers, patient }));
        }
        Some(boxes)
    }
}

/// Where one input is in a box.
enum Part {
    /// A bool or enum value (or unknown, for a set).
    Value(Value),
    /// A number's cell.
    Cell(Interval),
}

/// Cell `cell` of sorted `constants` as an interval: the constant itself
/// for an odd cell, the open gap around for an even one.
fn cell_interval(constants: &[f64], cell: usize) -> Interval {
    if cell % 2 == 1 {
        return Interval::point(constants.get(cell / 2).copied().unwrap_or(0.0));
    }
    let low = cell
        .checked_sub(1)
        .and_then(|c| constants.get(c / 2))
        .copied()
        .unwrap_or(f64::NEG_INFINITY);
    let high = constants.get(cell / 2).copied().unwrap_or(f64::INFINITY);
    Interval {
        low: End {
            value: low,
            closed: false,
        },
        high: End {
            value: high,
            closed: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;

    const GUIDELINE: &str = r#"guideline t "Values tied to inputs" { version "1" }
reference R pmid 1 "R"
enum Sex { female, male }
fact sex: Sex
fact age: quantity a
fact weight: quantity kg
fact creatinine: quantity umol/L
invariant creatinine > 0 umol/L "A creatinine is positive"
value creatinine_mass: quantity mg/dL = creatinine * 113.12 g/mol "As a mass"
value crcl: quantity mL/min =
    (140 - age / 1 a) * (weight / 1 kg) / (72 * (creatinine_mass / 1 mg/dL))
    * (if sex = female then 0.85 else 1) * 1 mL/min "Cockcroft-Gault"
value spread: number = max(age / 1 a, weight / 1 kg) - min(age / 1 a, round(weight / 1 kg))
    "Arithmetic of every kind"
action a "A"
rule impossible {
  when crcl < 15 mL/min and weight > 60 kg and age < 65 a and creatinine < 133 umol/L
  then recommend a
  cite R
}
rule possible {
  when crcl < 15 mL/min and weight <= 60 kg and age >= 80 a and creatinine >= 200 umol/L
  then recommend a
  cite R
}
rule band {
  when spread > 10 and spread < 20 and creatinine_mass < 1.5 mg/dL
  then recommend a
  cite R
}
"#;

    fn model() -> Model {
        let Some(file) = crate::syntax::parse_recovering(GUIDELINE).file else {
            panic!("does not parse");
        };
        let (model, diagnostics) = crate::sema::resolve(&file);
        model.unwrap_or_else(|| panic!("does not resolve: {diagnostics:?}"))
    }

    /// The literal "this number fact is in the cell of `x`".
    fn in_cell(encoding: &mut Encoding, fact: FactId, x: f64) -> Lit {
        let Some(FactVars::Number { constants, order }) = encoding.facts.get(fact.index()).cloned()
        else {
            panic!("{fact:?} is not a number");
        };
        let cell = cell_of(&constants, x);
        let at_least = cell
            .checked_sub(1)
            .and_then(|i| order.get(i).copied())
            .unwrap_or(encoding.truth);
        let at_most = order.get(cell).map_or(encoding.truth, |l| !*l);
        encoding.and(&[at_least, at_most])
    }

    #[test]
    fn a_value_cannot_leave_the_range_its_inputs_give() {
        let model = model();
        let mut encoding = Encoding::new(&model);
        let plausible: Vec<Lit> = model
            .invariants
            .iter()
            .map(|i| encoding.condition(&i.condition))
            .collect();
        let rule = |name: &str| {
            model
                .rules
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.condition.clone())
                .unwrap_or_else(|| panic!("no rule {name}"))
        };
        let impossible = encoding.condition(&rule("impossible"));
        let possible = encoding.condition(&rule("possible"));
        let band = encoding.condition(&rule("band"));
        let ask = |encoding: &mut Encoding, lit: Lit| {
            let mut assumptions = plausible.clone();
            assumptions.push(lit);
            encoding.sat(&assumptions)
        };
        assert!(
            !ask(&mut encoding, impossible),
            "a clearance below 15 at 60 kg and a normal creatinine"
        );
        assert!(ask(&mut encoding, possible));
        assert!(ask(&mut encoding, band));
    }

    /// Every real patient's cells satisfy the clauses: the ranges are never
    /// too narrow (checked on patients at and between the constants).
    #[test]
    fn every_real_patient_satisfies_the_ties() {
        let model = model();
        let program = Program::new(&model);
        let mut encoding = Encoding::new(&model);
        let fact = |name: &str| {
            model
                .facts
                .iter_enumerated()
                .find(|(_, f)| f.name == name)
                .map(|(id, _)| id)
                .unwrap_or_else(|| panic!("no fact {name}"))
        };
        let (sex, age, weight, creatinine) =
            (fact("sex"), fact("age"), fact("weight"), fact("creatinine"));
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for _ in 0..600 {
            let mut patient = Patient::with_unknown(model.facts.len());
            patient.set(sex, Value::Enum(next(2) as u32));
            // Whole numbers hit the constants; halves fall between them.
            patient.set(age, Value::Number(next(240) as f64 / 2.0));
            patient.set(weight, Value::Number(1.0 + next(400) as f64 / 2.0));
            patient.set(creatinine, Value::Number(1.0 + next(600) as f64 / 2.0));
            program.derive(&mut patient);
            let mut assumptions = Vec::new();
            for (id, declared) in model.facts.iter_enumerated() {
                match (patient.get(id), &declared.ty) {
                    (Value::Number(x), _) => assumptions.push(in_cell(&mut encoding, id, x)),
                    (Value::Enum(v), Type::Enum(_)) => {
                        let encoded = encoding.facts.get(id.index()).cloned();
                        if let Some(encoded) = encoded {
                            assumptions.push(encoding.code(&encoded, v));
                        }
                    }
                    _ => {}
                }
            }
            assert!(encoding.sat(&assumptions), "{patient:?}");
        }
    }

    /// Over closed boxes: every corner and inner point's value lies in the
    /// range, and for Cockcroft–Gault (each fact once) the corners reach
    /// both ends, so the range is the exact image.
    #[test]
    fn ranges_hold_every_value_and_are_exact_when_each_fact_occurs_once() {
        let model = model();
        let program = Program::new(&model);
        let fact = |name: &str| {
            model
                .facts
                .iter_enumerated()
                .find(|(_, f)| f.name == name)
                .map(|(id, _)| id)
                .unwrap_or_else(|| panic!("no fact {name}"))
        };
        let inputs = [fact("age"), fact("weight"), fact("creatinine")];
        let (sex, crcl, spread) = (fact("sex"), fact("crcl"), fact("spread"));
        let closed = |low: f64, high: f64| Interval {
            low: End {
                value: low,
                closed: true,
            },
            high: End {
                value: high,
                closed: true,
            },
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for _ in 0..200 {
            let sex_value = Value::Enum(next(2) as u32);
            let bounds: Vec<(f64, f64)> = [(0, 130), (1, 200), (1, 600)]
                .iter()
                .map(|&(from, span)| {
                    let low = from as f64 + next(span) as f64;
                    (low, low + 1.0 + next(40) as f64)
                })
                .collect();
            let mut patient = Patient::with_unknown(model.facts.len());
            patient.set(sex, sex_value);
            let input = InputBox {
                numbers: inputs
                    .iter()
                    .zip(&bounds)
                    .map(|(&f, &(low, high))| (f, closed(low, high)))
                    .collect(),
                patient: patient.clone(),
            };
            let range_of = |fact: FactId| {
                let derived = model.facts.get(fact).and_then(|f| f.derived.as_ref());
                derived.and_then(|d| range(&model, &d.expr, &input)?.scaled(d.to_unit))
            };
            let (Some(crcl_range), Some(spread_range)) = (range_of(crcl), range_of(spread)) else {
                panic!("no range for {bounds:?}");
            };
            let mut corner_values = Vec::new();
            for point in 0..16u32 {
                let mut at = patient.clone();
                for (k, (&f, &(low, high))) in inputs.iter().zip(&bounds).enumerate() {
                    let x = if point < 8 {
                        if point & (1 << k) == 0 { low } else { high }
                    } else {
                        low + (high - low) * next(1000) as f64 / 1000.0
                    };
                    at.set(f, Value::Number(x));
                }
                program.derive(&mut at);
                for (fact, range) in [(crcl, crcl_range), (spread, spread_range)] {
                    let Value::Number(value) = at.get(fact) else {
                        panic!("{fact:?} not computed");
                    };
                    let slack = 1e-9 * value.abs().max(1.0);
                    assert!(
                        range.low.value - slack <= value && value <= range.high.value + slack,
                        "{value} outside {range:?} for {bounds:?}"
                    );
                    if fact == crcl && point < 8 {
                        corner_values.push(value);
                    }
                }
            }
            let lowest = corner_values.iter().copied().fold(f64::INFINITY, f64::min);
            let highest = corner_values
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
            assert!(
                near(lowest, crcl_range.low.value) && near(highest, crcl_range.high.value),
                "corners {lowest}..{highest}, range {crcl_range:?}"
            );
        }
    }
}
