//! Kleene three-valued logic.

use std::fmt;

use crate::sema::CmpOp;

/// True, false, or unknown because a fact is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tri {
    /// Definitely false.
    False,
    /// Cannot be decided from the facts given.
    Unknown,
    /// Definitely true.
    True,
}

impl Tri {
    /// Kleene conjunction: false wins, then unknown.
    pub fn and(self, other: Tri) -> Tri {
        self.min(other)
    }

    /// Kleene disjunction: true wins, then unknown.
    pub fn or(self, other: Tri) -> Tri {
        self.max(other)
    }

    /// Kleene negation; unknown stays unknown.
    pub fn negate(self) -> Tri {
        match self {
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
            Tri::True => Tri::False,
        }
    }

    /// `self implies other`, i.e. `not self or other`.
    pub fn implies(self, other: Tri) -> Tri {
        self.negate().or(other)
    }

    /// From a known bool.
    pub fn from_bool(value: bool) -> Tri {
        if value { Tri::True } else { Tri::False }
    }

    /// `Unknown` unless `known`, then `truth`; without a branch.
    #[inline]
    pub fn select(known: bool, truth: bool) -> Tri {
        // unknown → 1, false → 0, true → 2 (`truth` only counts when known).
        Tri::from_code(1 - known as u8 + 2 * (known & truth) as u8)
    }

    /// The value whose code (`Tri as u8`) is `code`, 3 read as unknown: a
    /// load from a table of four, with no branch (the mask keeps the index
    /// in bounds, so there is no check either).
    #[inline(always)]
    pub(crate) fn from_code(code: u8) -> Tri {
        const BY_CODE: [Tri; 4] = [Tri::False, Tri::Unknown, Tri::True, Tri::Unknown];
        crate::never::OrNever::or_never(BY_CODE.get(usize::from(code & 3)).copied(), Tri::Unknown)
    }

    /// Lower-case word for reports.
    pub fn word(self) -> &'static str {
        match self {
            Tri::False => "false",
            Tri::Unknown => "unknown",
            Tri::True => "true",
        }
    }
}

impl fmt::Display for Tri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A comparison of a known number with a constant, as the interpreter and
/// the exact decisions read `fact op constant`.
pub(crate) fn compare(x: f64, op: CmpOp, y: f64) -> bool {
    match op {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
    }
}

/// The sums that items (points, and whether each holds) can reach, as an
/// interval: an unknown item's points may count or not.
pub(crate) fn points_range(items: impl IntoIterator<Item = (i64, Tri)>) -> (i64, i64) {
    items
        .into_iter()
        .fold((0i64, 0i64), |(low, high), (points, value)| {
            let (add_low, add_high) = match value {
                Tri::True => (points, points),
                Tri::False => (0, 0),
                Tri::Unknown => (points.min(0), points.max(0)),
            };
            (low.saturating_add(add_low), high.saturating_add(add_high))
        })
}

/// The three-valued meaning of `sum op value` over items (points, and
/// whether each holds) (docs/language.md §17): true when every sum in the
/// interval the items allow passes the comparison, false when none does,
/// unknown otherwise. The circuit of [`crate::sema::points`] computes the
/// same value.
pub(crate) fn points(items: impl IntoIterator<Item = (i64, Tri)>, op: CmpOp, value: i64) -> Tri {
    let (low, high) = points_range(items);
    compare_range(low, high, op, value)
}

/// `sum op value` for a sum known to lie in `low..=high`: true when every
/// sum there passes, false when none does, unknown otherwise.
#[inline]
pub(crate) fn compare_range(low: i64, high: i64, op: CmpOp, value: i64) -> Tri {
    let (always, never) = match op {
        CmpOp::Ge => (low >= value, high < value),
        CmpOp::Gt => (low > value, high <= value),
        CmpOp::Le => (high <= value, low > value),
        CmpOp::Lt => (high < value, low >= value),
        CmpOp::Eq => (low == value && high == value, value < low || value > high),
        CmpOp::Ne => (value < low || value > high, low == value && high == value),
    };
    // As `select`: no branch on the patient's sum.
    Tri::from_code(u8::from(always) * 2 + u8::from(!always & !never))
}

#[cfg(test)]
mod tests {
    use super::Tri::{self, *};

    const ALL: [Tri; 3] = [False, Unknown, True];

    #[test]
    fn select_is_known_then_truth() {
        assert_eq!(Tri::select(false, false), Tri::Unknown);
        assert_eq!(Tri::select(false, true), Tri::Unknown);
        assert_eq!(Tri::select(true, false), Tri::False);
        assert_eq!(Tri::select(true, true), Tri::True);
    }

    #[test]
    fn kleene_tables() {
        assert_eq!(Unknown.and(False), False);
        assert_eq!(Unknown.and(True), Unknown);
        assert_eq!(Unknown.or(True), True);
        assert_eq!(Unknown.or(False), Unknown);
        assert_eq!(False.implies(Unknown), True);
        assert_eq!(Unknown.implies(True), True);
        assert_eq!(True.implies(Unknown), Unknown);
    }

    /// The points circuit over three-valued wires (Kleene's tables) gives
    /// the interval meaning, for every op, bound and item values.
    #[test]
    fn the_points_circuit_read_three_valued_is_the_interval_meaning() {
        use crate::sema::points::Gates;
        use crate::sema::{CmpOp, Condition, ConditionKind, PointsTest, ScoreItem};
        struct Kleene;
        impl Gates for Kleene {
            type Signal = Tri;
            fn constant(&mut self, value: bool) -> Tri {
                Tri::from_bool(value)
            }
            fn not(&mut self, signal: Tri) -> Tri {
                signal.negate()
            }
            fn and(&mut self, left: Tri, right: Tri) -> Tri {
                left.and(right)
            }
            fn or(&mut self, left: Tri, right: Tri) -> Tri {
                left.or(right)
            }
        }
        let condition = Condition {
            kind: ConditionKind::Const(true),
            span: crate::span::Span::default(),
        };
        let ops = [
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
            CmpOp::Eq,
            CmpOp::Ne,
        ];
        for points in [&[1, 2, 1][..], &[-1, 2, -3], &[2, 2]] {
            let items: Vec<ScoreItem> = points
                .iter()
                .map(|&points| ScoreItem {
                    points,
                    condition: condition.clone(),
                })
                .collect();
            for op in ops {
                for value in -5..=6 {
                    let test = PointsTest {
                        score: None,
                        items: items.clone(),
                        op,
                        value,
                    };
                    for code in 0..3usize.pow(points.len() as u32) {
                        let values: Vec<Tri> = (0..points.len())
                            .map(|i| ALL[code / 3usize.pow(i as u32) % 3])
                            .collect();
                        assert_eq!(
                            test.build(&mut Kleene, &values),
                            super::points(
                                points.iter().copied().zip(values.iter().copied()),
                                op,
                                value
                            ),
                            "{points:?} {op:?} {value} at {values:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn de_morgan_holds() {
        for a in ALL {
            for b in ALL {
                assert_eq!(a.and(b).negate(), a.negate().or(b.negate()));
            }
        }
    }
}
