//! What a points test means as a circuit: `score >= k` (or a count) over
//! its items' truth values, built from `and`, `or` and `not` gates by
//! whatever stage needs it — the checker's SAT encoding and its
//! three-valued (dual-rail) form — through one [`Gates`] trait, so the two
//! cannot disagree. The interpreter and the exact decisions add up the
//! interval of the sum instead (`eval::logic::points`, tested against this
//! circuit read with Kleene's tables).
//!
//! A score with negative points is first made non-negative: `-p if c`
//! adds `-p` always and `p` when `c` fails, so the sum is a constant plus
//! non-negative weights on literals (an item or its negation). "The
//! weights reach `k`" is then a monotone counting circuit (a sequential
//! counter: after each item, whether the items so far reach each `j ≤ k`),
//! of at most `items × k` gates, `k ≤` [`super::MAX_POINTS`]. Monotone
//! circuits read three-valued inputs exactly as intervals do, so the
//! Kleene value of the circuit is the interval meaning of the test: true
//! when even the unknown items' worst case reaches the bound, false when
//! even their best case does not, unknown otherwise (docs/language.md §17).

use super::model::{CmpOp, PointsTest};

/// What a circuit is built from: constants, negation and two-input gates
/// over some kind of signal.
pub trait Gates {
    /// A wire: a node, a literal, a literal pair.
    type Signal: Copy;
    /// A constant wire.
    fn constant(&mut self, value: bool) -> Self::Signal;
    /// The negation of a wire.
    fn not(&mut self, signal: Self::Signal) -> Self::Signal;
    /// Both wires.
    fn and(&mut self, left: Self::Signal, right: Self::Signal) -> Self::Signal;
    /// Either wire.
    fn or(&mut self, left: Self::Signal, right: Self::Signal) -> Self::Signal;
}

/// A wire whose value may be known while the circuit is built, so that
/// constant parts of the counter make no gates.
#[derive(Clone, Copy)]
enum Wire<S> {
    Constant(bool),
    Signal(S),
}

impl<S: Copy> Wire<S> {
    fn and<G: Gates<Signal = S>>(self, other: Wire<S>, gates: &mut G) -> Wire<S> {
        match (self, other) {
            (Wire::Constant(false), _) | (_, Wire::Constant(false)) => Wire::Constant(false),
            (Wire::Constant(true), wire) | (wire, Wire::Constant(true)) => wire,
            (Wire::Signal(left), Wire::Signal(right)) => Wire::Signal(gates.and(left, right)),
        }
    }

    fn or<G: Gates<Signal = S>>(self, other: Wire<S>, gates: &mut G) -> Wire<S> {
        match (self, other) {
            (Wire::Constant(true), _) | (_, Wire::Constant(true)) => Wire::Constant(true),
            (Wire::Constant(false), wire) | (wire, Wire::Constant(false)) => wire,
            (Wire::Signal(left), Wire::Signal(right)) => Wire::Signal(gates.or(left, right)),
        }
    }

    fn signal<G: Gates<Signal = S>>(self, gates: &mut G) -> S {
        match self {
            Wire::Constant(value) => gates.constant(value),
            Wire::Signal(signal) => signal,
        }
    }
}

impl PointsTest {
    /// The smallest and largest sums the items can reach.
    pub fn sum_range(&self) -> (i64, i64) {
        self.items.iter().fold((0i64, 0i64), |(low, high), item| {
            (
                low.saturating_add(item.points.min(0)),
                high.saturating_add(item.points.max(0)),
            )
        })
    }

    /// The test as a circuit over `items`, one signal per item, in order.
    pub fn build<G: Gates>(&self, gates: &mut G, items: &[G::Signal]) -> G::Signal {
        // Σ p·c = Σ_{p<0} p + Σ |p|·(c, or not c when p < 0).
        let (offset, _) = self.sum_range();
        let literals: Vec<(u64, G::Signal)> = self
            .items
            .iter()
            .zip(items)
            .filter(|(item, _)| item.points != 0)
            .map(|(item, &signal)| {
                let literal = if item.points < 0 {
                    gates.not(signal)
                } else {
                    signal
                };
                (item.points.unsigned_abs(), literal)
            })
            .collect();
        // "The sum is at least `bound`", as weights reaching `bound - offset`.
        let at_least =
            |gates: &mut G, bound: i64| reach(gates, &literals, bound.saturating_sub(offset));
        let value = self.value;
        let result = match self.op {
            CmpOp::Ge => at_least(gates, value),
            CmpOp::Gt => at_least(gates, value.saturating_add(1)),
            CmpOp::Lt => {
                let reached = at_least(gates, value);
                not(gates, reached)
            }
            CmpOp::Le => {
                let reached = at_least(gates, value.saturating_add(1));
                not(gates, reached)
            }
            CmpOp::Eq | CmpOp::Ne => {
                let from = at_least(gates, value);
                let above = at_least(gates, value.saturating_add(1));
                let above = not(gates, above);
                let equal = from.and(above, gates);
                if self.op == CmpOp::Eq {
                    equal
                } else {
                    not(gates, equal)
                }
            }
        };
        result.signal(gates)
    }
}

fn not<G: Gates>(gates: &mut G, wire: Wire<G::Signal>) -> Wire<G::Signal> {
    match wire {
        Wire::Constant(value) => Wire::Constant(!value),
        Wire::Signal(signal) => Wire::Signal(gates.not(signal)),
    }
}

/// Whether the weights of the literals that hold add up to at least
/// `bound`: the sequential counter, `reached[j]` ⇔ the literals so far
/// reach `j`.
fn reach<G: Gates>(gates: &mut G, literals: &[(u64, G::Signal)], bound: i64) -> Wire<G::Signal> {
    let total = literals
        .iter()
        .fold(0u64, |sum, (weight, _)| sum.saturating_add(*weight));
    let Ok(bound) = usize::try_from(bound) else {
        return Wire::Constant(true);
    };
    if bound == 0 {
        return Wire::Constant(true);
    }
    if bound as u64 > total {
        return Wire::Constant(false);
    }
    let mut reached = vec![Wire::Constant(false); bound + 1];
    if let Some(zero) = reached.first_mut() {
        *zero = Wire::Constant(true);
    }
    for &(weight, literal) in literals {
        // Downwards, so `reached[j - weight]` is still the value before
        // this literal.
        for j in (1..=bound).rev() {
            let from = usize::try_from(weight)
                .ok()
                .and_then(|weight| j.checked_sub(weight))
                .and_then(|below| reached.get(below).copied())
                .unwrap_or(Wire::Constant(true));
            let with = Wire::Signal(literal).and(from, gates);
            if let Some(slot) = reached.get_mut(j) {
                *slot = slot.or(with, gates);
            }
        }
    }
    reached.get(bound).copied().unwrap_or(Wire::Constant(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::model::{Condition, ConditionKind, ScoreItem};

    /// Gates over concrete truth values: the circuit evaluated directly.
    struct Values;

    impl Gates for Values {
        type Signal = bool;
        fn constant(&mut self, value: bool) -> bool {
            value
        }
        fn not(&mut self, signal: bool) -> bool {
            !signal
        }
        fn and(&mut self, left: bool, right: bool) -> bool {
            left && right
        }
        fn or(&mut self, left: bool, right: bool) -> bool {
            left || right
        }
    }

    fn test(points: &[i64], op: CmpOp, value: i64) -> PointsTest {
        let condition = Condition {
            kind: ConditionKind::Const(true),
            span: crate::span::Span::default(),
        };
        PointsTest {
            score: None,
            items: points
                .iter()
                .map(|&points| ScoreItem {
                    points,
                    condition: condition.clone(),
                })
                .collect(),
            op,
            value,
        }
    }

    #[test]
    fn the_circuit_compares_the_sum_for_every_combination_of_items() {
        let ops = [
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
            CmpOp::Eq,
            CmpOp::Ne,
        ];
        for points in [&[1, 2, 1][..], &[-1, 2, -3, 1], &[0, 3], &[2, 2, 2]] {
            for op in ops {
                for value in -5..=6 {
                    let test = test(points, op, value);
                    for combination in 0u32..1 << points.len() {
                        let items: Vec<bool> = (0..points.len())
                            .map(|i| combination & (1 << i) != 0)
                            .collect();
                        let sum: i64 = points
                            .iter()
                            .zip(&items)
                            .filter(|(_, c)| **c)
                            .map(|(p, _)| p)
                            .sum();
                        let expected = match op {
                            CmpOp::Lt => sum < value,
                            CmpOp::Le => sum <= value,
                            CmpOp::Gt => sum > value,
                            CmpOp::Ge => sum >= value,
                            CmpOp::Eq => sum == value,
                            CmpOp::Ne => sum != value,
                        };
                        assert_eq!(
                            test.build(&mut Values, &items),
                            expected,
                            "{points:?} {op:?} {value} at {items:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_sums_range_from_all_negative_to_all_positive_points() {
        assert_eq!(test(&[1, -2, 3, -1], CmpOp::Ge, 0).sum_range(), (-3, 4));
    }
}
