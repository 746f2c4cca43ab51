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

    #[test]
    fn de_morgan_holds() {
        for a in ALL {
            for b in ALL {
                assert_eq!(a.and(b).negate(), a.negate().or(b.negate()));
            }
        }
    }
}
