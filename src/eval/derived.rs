//! Computed facts: a `value`'s arithmetic, and the value a comparison with
//! arithmetic compares with 0, worked out for a patient from the facts
//! given (`Fact::derived`).
//!
//! Input: a patient whose given facts are set. Output: the same patient
//! with every computed fact set, in the model's order of computation, so
//! one computed from another sees it. A computed fact is unknown when a
//! fact it needs is unknown, when a conditional's condition is unknown and
//! its branches differ, and when the arithmetic has no finite result
//! (division by zero, which the invariants and E0315 keep from real
//! patients). The interpreter then reads computed facts as any other;
//! a decision on a computed fact unknown only through bool or enum facts is
//! decided over their values ([`Program::decide_through_inputs`]).

use super::exact::Plan;
use super::interp::Needs;
use super::logic::Tri;
use super::patient::{Patient, Value};
use super::program::Program;
use crate::sema::{ConditionKind, FactId, Model, NumExpr, NumKind, Type};
use crate::syntax::ast::ArithOp;

impl Program<'_> {
    /// Sets every computed fact of `patient` from its given facts.
    pub fn derive(&self, patient: &mut Patient) {
        let model = self.model;
        for &fact in &model.derived_order {
            let Some(derived) = model.facts.get(fact).and_then(|f| f.derived.as_ref()) else {
                continue;
            };
            let value = calculate(model, &derived.expr, patient)
                .map(|base| base * derived.to_unit)
                .filter(|value| value.is_finite())
                .map_or(Value::Unknown, Value::Number);
            patient.set(fact, value);
        }
    }
}

/// The arithmetic's value in base units, if the patient's facts decide it.
/// Recursion is bounded by the parser's nesting limit.
fn calculate(model: &Model, expr: &NumExpr, patient: &Patient) -> Option<f64> {
    match &expr.kind {
        NumKind::Constant(value) => Some(*value),
        NumKind::Fact { fact, factor } => match patient.get(*fact) {
            Value::Number(value) => Some(value * factor),
            _ => None,
        },
        NumKind::Binary { op, left, right } => {
            let left = calculate(model, left, patient);
            let right = calculate(model, right, patient);
            let (left, right) = (left?, right?);
            Some(match op {
                ArithOp::Add => left + right,
                ArithOp::Sub => left - right,
                ArithOp::Mul => left * right,
                ArithOp::Div => left / right,
            })
        }
        NumKind::Extreme { max, args } => {
            let mut values = args.iter().map(|arg| calculate(model, arg, patient));
            let first = values.next()??;
            values.try_fold(first, |best, value| {
                let value = value?;
                Some(if *max {
                    best.max(value)
                } else {
                    best.min(value)
                })
            })
        }
        NumKind::Round(inner) => calculate(model, inner, patient).map(f64::round),
        NumKind::Between {
            years,
            from,
            to,
            factor,
        } => {
            let from = calculate(model, from, patient)?;
            let to = calculate(model, to, patient)?;
            Some(crate::calendar::whole_between(*years, from, to)? as f64 * factor)
        }
        NumKind::If {
            condition,
            then,
            otherwise,
        } => {
            match super::exact::bounded_meaning(model, condition, &|fact| patient.get(fact)) {
                Tri::True => calculate(model, then, patient),
                Tri::False => calculate(model, otherwise, patient),
                // Either branch may apply: known only when both agree.
                Tri::Unknown => {
                    let then = calculate(model, then, patient)?;
                    let otherwise = calculate(model, otherwise, patient)?;
                    (then == otherwise).then_some(then)
                }
            }
        }
    }
}

/// A patient completed with values for some unknown facts, and those
/// values.
pub(crate) type Completion = (Vec<(FactId, Value)>, Patient);

/// At most this many combinations of finite inputs are tried by
/// [`Program::decide_through_inputs`] for one decision.
const FINITE_INPUTS_LIMIT: usize = 64;

/// At most this many candidate patients are computed by
/// [`Program::realize`] for one witness.
const REALIZE_BUDGET: usize = 40_000;

impl Program<'_> {
    /// The facts to ask for, given `needs`: a computed fact is asked for
    /// through the unknown facts it is computed from (a clinician gives a
    /// weight, not a creatinine clearance).
    pub(crate) fn given_needs(&self, needs: Needs, patient: &Patient) -> Needs {
        let facts = &self.model.facts;
        if !needs
            .iter()
            .any(|&fact| facts.get(fact).is_some_and(|f| f.derived.is_some()))
        {
            return needs;
        }
        let mut given = Needs::with_capacity(needs.len());
        for fact in needs {
            match facts.get(fact).and_then(|f| f.derived.as_ref()) {
                Some(derived) => given.extend(
                    derived
                        .inputs
                        .iter()
                        .copied()
                        .filter(|&input| patient.get(input) == Value::Unknown),
                ),
                None => given.push(fact),
            }
        }
        given.sort_unstable();
        given.dedup();
        given
    }

    /// [`Program::given_needs`] on facts as bits (`1 << fact`, a model of
    /// at most 64 facts), with the patient's `unknown` facts as bits.
    pub(crate) fn given_bits(&self, needs: u64, unknown: u64) -> u64 {
        let derived = &self.derived_bits;
        let mut traced = needs & derived.computed;
        let mut given = needs & !derived.computed;
        while traced != 0 {
            let fact = traced.trailing_zeros() as usize;
            given |= derived.inputs.get(fact).copied().unwrap_or(0) & unknown;
            traced &= traced - 1;
        }
        given
    }

    /// A decision `plan` reads a computed fact that is unknown only because
    /// bool or enum facts it is computed from are (a sex, a yes or no): the
    /// decision over each of their values that the invariants allow, the
    /// computed fact worked out for each. A creatinine clearance whose
    /// per-sex factor is unknown is decided when both sexes give the same
    /// band. `None` when [`Program::few_valued_completions`] has none.
    pub(crate) fn decide_through_inputs(&self, plan: &Plan, patient: &Patient) -> Option<Tri> {
        let completions =
            self.few_valued_completions(patient, plan.facts.iter().map(|(fact, _)| *fact))?;
        let (mut can_hold, mut can_fail) = (false, false);
        for (_, completed) in &completions {
            match plan.decide(completed) {
                Tri::True => can_hold = true,
                Tri::False => can_fail = true,
                Tri::Unknown => return Some(Tri::Unknown),
            }
        }
        match (can_hold, can_fail) {
            (true, false) => Some(Tri::True),
            (false, true) => Some(Tri::False),
            (true, true) => Some(Tri::Unknown),
            // No value is allowed: the plan's own answer.
            (false, false) => None,
        }
    }

    /// For unknown computed facts among `facts` whose unknown inputs are
    /// all bool or enum facts: `patient` completed with each combination of
    /// their values that no invariant rules out, computed facts worked out,
    /// with the values given. `None` when none of `facts` is such a
    /// computed fact, when an unknown input is a number (any value of it
    /// may be allowed, which a plan's free cells stand for), or when the
    /// combinations number more than [`FINITE_INPUTS_LIMIT`].
    pub(crate) fn few_valued_completions(
        &self,
        patient: &Patient,
        facts: impl IntoIterator<Item = FactId>,
    ) -> Option<Vec<Completion>> {
        let model = self.model;
        let mut inputs: Vec<(FactId, Vec<Value>)> = Vec::new();
        for fact in facts {
            let Some(derived) = model.facts.get(fact).and_then(|f| f.derived.as_ref()) else {
                continue;
            };
            if patient.get(fact) != Value::Unknown {
                continue;
            }
            for &input in &derived.inputs {
                if patient.get(input) != Value::Unknown || inputs.iter().any(|(i, _)| *i == input) {
                    continue;
                }
                if !model.facts.get(input)?.ty.is_few_valued() {
                    return None;
                }
                // Every value of a bool or enum, whatever conditions read it.
                let values = super::exact::domain(model, &[], input)?;
                inputs.push((input, values));
            }
        }
        let combinations = inputs.iter().try_fold(1usize, |product, (_, values)| {
            product.checked_mul(values.len())
        })?;
        if inputs.is_empty() || combinations > FINITE_INPUTS_LIMIT {
            return None;
        }
        let mut completions = Vec::with_capacity(combinations);
        for combination in 0..combinations {
            let mut completed = patient.clone();
            let mut given = Vec::with_capacity(inputs.len());
            let mut rest = combination;
            for (input, values) in &inputs {
                let value = *values.get(rest % values.len())?;
                completed.set(*input, value);
                given.push((*input, value));
                rest /= values.len();
            }
            self.derive(&mut completed);
            let forbidden = model.invariants.iter().any(|invariant| {
                super::exact::meaning(model, &invariant.condition, &|f| completed.get(f))
                    == Tri::False
            });
            if !forbidden {
                completions.push((given, completed));
            }
        }
        Some(completions)
    }

    /// A patient whose given facts each stay in their cell of `target`
    /// (so every comparison of them keeps its value) and whose computed
    /// facts, worked out from them, fall in the cells `target` gives them:
    /// the real patient behind a witness that the analysis found treating
    /// computed facts as free. `None` when the search finds none within
    /// its budget (then the finding is not claimed).
    ///
    /// The computed facts are put in their cells one after another: for
    /// each, values through the cells of one of its inputs, then of two,
    /// are tried, keeping every computed fact already placed in its cell.
    pub fn realize(&self, target: &Patient) -> Option<Patient> {
        self.realize_among(target, &[])
    }

    /// [`Program::realize`], keeping facts in the cells of `others`'
    /// thresholds too (another version of the guideline, for `gdl diff`).
    pub fn realize_among(&self, target: &Patient, others: &[&Model]) -> Option<Patient> {
        if self.model.derived_order.is_empty() {
            let mut patient = target.clone();
            self.derive(&mut patient);
            return Some(patient);
        }
        // Exactly in the target cells; else, for a target that is one
        // exact constant (a point hardly any arithmetic hits), the cell
        // below it or above it, kept only if the interpreter then decides
        // everything as for the analysis's patient.
        let mut conditions = self.model.conditions();
        for other in others {
            conditions.extend(other.conditions());
        }
        if let Some(patient) = self.realize_beside(target, &conditions, 0) {
            return Some(patient);
        }
        [-1, 1].into_iter().find_map(|side| {
            let patient = self.realize_beside(target, &conditions, side)?;
            let alike = same_decisions(
                &super::evaluate(self, &patient),
                &super::evaluate(self, target),
            ) && self.condition_values(&patient) == self.condition_values(target);
            alike.then_some(patient)
        })
    }

    /// The value of every rule condition and every contraindication and
    /// caution clause for a patient: what an analysis finding is about.
    fn condition_values(&self, patient: &Patient) -> Vec<Tri> {
        let run = super::interp::Run::new(self, patient);
        let clauses = self
            .contraindications
            .iter()
            .chain(self.cautions.iter())
            .flatten();
        self.rules
            .iter()
            .chain(clauses)
            .map(|compiled| run.node(compiled.root))
            .collect()
    }

    /// [`Program::realize`], a computed fact whose target is a constant's
    /// own cell going to the cell `side` away from it.
    fn realize_beside(
        &self,
        target: &Patient,
        conditions: &[&crate::sema::Condition],
        side: i64,
    ) -> Option<Patient> {
        let model = self.model;
        let constants: Vec<(FactId, Vec<f64>)> = model
            .derived_order
            .iter()
            .map(|&fact| (fact, super::exact::constants(model, conditions, fact)))
            .collect();
        let cell = |fact: FactId, value: Value| -> Option<i64> {
            let Value::Number(x) = value else { return None };
            let (_, constants) = constants.iter().find(|(f, _)| *f == fact)?;
            i64::try_from(super::exact::cell_of(constants, x)).ok()
        };
        let wanted = |fact: FactId| {
            cell(fact, target.get(fact)).map(|c| if c % 2 == 1 { c + side } else { c })
        };
        let in_place = |patient: &Patient, placed: &[FactId]| {
            placed.iter().all(|&fact| match wanted(fact) {
                Some(wanted) => cell(fact, patient.get(fact)) == Some(wanted),
                None => patient.get(fact) == target.get(fact),
            })
        };
        // Facts no condition reads but through computed facts: one may be
        // unknown where the target has a computed fact unknown.
        let mut read_directly: Vec<FactId> = Vec::new();
        for condition in conditions {
            condition.walk(&mut |c| match &c.kind {
                ConditionKind::Fact(fact)
                | ConditionKind::Compare { fact, .. }
                | ConditionKind::EnumIn { fact, .. }
                | ConditionKind::SetHas { fact, .. } => read_directly.push(*fact),
                _ => {}
            });
        }
        // A date in a facts file is a whole day: so is every date here.
        let is_date = |fact: FactId| model.facts.get(fact).is_some_and(|f| f.ty == Type::Date);
        let mut patient = target.clone();
        for (fact, _) in model.facts.iter_enumerated() {
            if let (true, Value::Number(x)) = (is_date(fact), patient.get(fact)) {
                patient.set(fact, Value::Number(x.floor()));
            }
        }
        self.derive(&mut patient);
        let tried = std::cell::Cell::new(0usize);
        let mut placed: Vec<FactId> = Vec::new();
        for &fact in &model.derived_order {
            placed.push(fact);
            let inputs = model.facts.get(fact)?.derived.as_ref()?.inputs.clone();
            let unknown_wanted = target.get(fact) == Value::Unknown;
            let candidates: Vec<Vec<Value>> = inputs
                .iter()
                .map(|&input| {
                    let constants = super::exact::constants(model, conditions, input);
                    let mut values = cell_samples(&constants, patient.get(input));
                    if is_date(input) {
                        for value in &mut values {
                            if let Value::Number(x) = value {
                                *x = x.round();
                            }
                        }
                        values.dedup();
                    }
                    if unknown_wanted && !read_directly.contains(&input) {
                        values.push(Value::Unknown);
                    }
                    values
                })
                .collect();
            patient = self.place(&patient, &inputs, &candidates, &tried, |moved| {
                in_place(moved, &placed)
            })?;
        }
        Some(patient)
    }

    /// `patient` with one, then two, of `inputs` moved through their
    /// `candidates` until `fits`; the first that does, in order.
    fn place(
        &self,
        patient: &Patient,
        inputs: &[FactId],
        candidates: &[Vec<Value>],
        tried: &std::cell::Cell<usize>,
        fits: impl Fn(&Patient) -> bool,
    ) -> Option<Patient> {
        let attempt = |changes: &[(FactId, Value)]| -> Option<Patient> {
            tried.set(tried.get() + 1);
            let mut moved = patient.clone();
            for &(input, value) in changes {
                moved.set(input, value);
            }
            self.derive(&mut moved);
            fits(&moved).then_some(moved)
        };
        if let Some(found) = attempt(&[]) {
            return Some(found);
        }
        for (first, first_values) in inputs.iter().zip(candidates) {
            for &value in first_values {
                if let Some(moved) = attempt(&[(*first, value)]) {
                    return Some(moved);
                }
            }
        }
        for (at, (first, first_values)) in inputs.iter().zip(candidates).enumerate() {
            for (second, second_values) in inputs.iter().zip(candidates).skip(at + 1) {
                for &one in first_values {
                    for &two in second_values {
                        if tried.get() > REALIZE_BUDGET {
                            return None;
                        }
                        if let Some(moved) = attempt(&[(*first, one), (*second, two)]) {
                            return Some(moved);
                        }
                    }
                }
            }
        }
        None
    }
}

/// Whether two evaluations decide alike: every rule's status, what is
/// recommended by which rule and clause, what is avoided, and why each
/// escalation is (the facts each asks for may differ: a computed fact's
/// are traced to the facts it is computed from).
fn same_decisions(a: &super::Evaluation, b: &super::Evaluation) -> bool {
    let recommended = |e: &super::Evaluation| -> Vec<_> {
        e.recommended
            .iter()
            .map(|r| (r.action, r.rule, r.choice))
            .collect()
    };
    let causes = |e: &super::Evaluation| -> Vec<_> {
        e.escalations
            .iter()
            .map(|e| std::mem::discriminant(&e.cause))
            .collect()
    };
    a.rules == b.rules
        && recommended(a) == recommended(b)
        && a.avoided == b.avoided
        && causes(a) == causes(b)
}

/// Values in the cell of `value` among sorted `constants`, `value` first:
/// a constant's own cell holds only it; a gap, points spread through it
/// (evenly when bounded, geometrically away from its end when not).
fn cell_samples(constants: &[f64], value: Value) -> Vec<Value> {
    let Value::Number(x) = value else {
        return vec![value];
    };
    let cell = super::exact::cell_of(constants, x);
    if cell % 2 == 1 {
        return vec![value];
    }
    let below = (cell / 2)
        .checked_sub(1)
        .and_then(|i| constants.get(i))
        .copied();
    let above = constants.get(cell / 2).copied();
    // Distances from a bound, 8% apart: 0.001 to about 2.3e5 (a day's
    // date to six centuries, a dose in micrograms to kilograms).
    let steps = || (0..250).map(|k| 0.001 * 1.08f64.powi(k));
    let mut samples: Vec<f64> = vec![x];
    match (below, above) {
        (Some(low), Some(high)) => {
            samples.extend((1..40).map(|k| low + (high - low) * f64::from(k) / 40.0));
        }
        (Some(low), None) => samples.extend(steps().map(|d| low + d)),
        (None, Some(high)) => samples.extend(steps().map(|d| high - d)),
        (None, None) => {
            samples.push(0.0);
            samples.extend(steps().flat_map(|d| [d, -d]));
        }
    }
    samples.retain(|&s| s.is_finite() && super::exact::cell_of(constants, s) == cell);
    samples.dedup();
    samples.into_iter().map(Value::Number).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;

    const TEXT: &str = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\naction a\n\
        enum Sex { female, male }\nfact sex: Sex\nfact weight: quantity kg\nfact height: quantity cm\n\
        invariant height > 0 cm\n\
        value factor: number = (if sex = female then 0.85 else 0.85)\n\
        value bmi: quantity kg/m2 = weight / (height * height) * factor\n\
        rule r { when bmi > 30 kg/m2 and weight > 2 * weight then recommend a cite R }\n";

    fn fact(model: &Model, name: &str) -> FactId {
        model
            .facts
            .iter_enumerated()
            .find(|(_, f)| f.name == name)
            .map(|(id, _)| id)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn computed_facts_follow_the_given_ones_in_their_units() {
        let model = crate::test_model(TEXT);
        let program = Program::new(&model);
        let mut patient = Patient::unknown(&program);
        patient.set(fact(&model, "weight"), Value::Number(85.0));
        patient.set(fact(&model, "height"), Value::Number(170.0));
        program.derive(&mut patient);
        // Both branches agree: the unknown sex does not matter.
        assert_eq!(patient.get(fact(&model, "factor")), Value::Number(0.85));
        let Value::Number(bmi) = patient.get(fact(&model, "bmi")) else {
            panic!("bmi unknown");
        };
        assert!((bmi - 85.0 / (1.7 * 1.7) * 0.85).abs() < 1e-9, "{bmi}");
        assert_eq!(
            patient.get(fact(&model, "weight - 2 * weight")),
            Value::Number(-85.0)
        );
        // An unknown input leaves what it feeds unknown; an implausible
        // zero divisor gives no number, never an infinity.
        patient.set(fact(&model, "weight"), Value::Unknown);
        program.derive(&mut patient);
        assert_eq!(patient.get(fact(&model, "bmi")), Value::Unknown);
        patient.set(fact(&model, "weight"), Value::Number(85.0));
        patient.set(fact(&model, "height"), Value::Number(0.0));
        program.derive(&mut patient);
        assert_eq!(patient.get(fact(&model, "bmi")), Value::Unknown);
    }

    #[test]
    fn a_witness_is_realized_from_the_given_facts() {
        let model = crate::test_model(TEXT);
        let program = Program::new(&model);
        let mut target = Patient::unknown(&program);
        target.set(fact(&model, "sex"), Value::Enum(1));
        target.set(fact(&model, "weight"), Value::Number(0.0));
        target.set(fact(&model, "height"), Value::Number(150.0));
        program.derive(&mut target);
        // What the analysis may ask for: a BMI over 30, whatever the
        // weight it wrote.
        target.set(fact(&model, "bmi"), Value::Number(31.0));
        let real = program
            .realize(&target)
            .unwrap_or_else(|| panic!("not realized"));
        let Value::Number(bmi) = real.get(fact(&model, "bmi")) else {
            panic!("bmi unknown");
        };
        assert!(bmi > 30.0, "{bmi}");
        let mut again = real.clone();
        program.derive(&mut again);
        assert_eq!(
            again.get(fact(&model, "bmi")),
            real.get(fact(&model, "bmi"))
        );
    }
}
