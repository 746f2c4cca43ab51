//! The words the hand-written baselines (`benches/small`, `benches/native`,
//! `benches/af`) give their decisions in, each a plain copyable value the
//! interpreter's evaluation is converted to (`Decisions::from_evaluation`
//! in each) so that the two compare with `==`; and [`Truth`], the
//! three-valued logic with the facts it waits on that the small and AF
//! baselines compute with.

use gdl::eval::{Evaluation, RuleStatus};

/// What happened to a rule (as `gdl::eval::RuleStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Fired,
    NotApplicable,
    Undecided,
    Shadowed,
    NotReached,
}

/// The status of each of the first `N` rules of an evaluation (rules past
/// the evaluation's stay not applicable).
pub fn statuses<const N: usize>(evaluation: &Evaluation) -> [Status; N] {
    let mut rules = [Status::NotApplicable; N];
    for (slot, status) in rules.iter_mut().zip(&evaluation.rules) {
        *slot = match status {
            RuleStatus::Fired => Status::Fired,
            RuleStatus::NotApplicable => Status::NotApplicable,
            RuleStatus::Undecided => Status::Undecided,
            RuleStatus::Shadowed => Status::Shadowed,
            RuleStatus::NotReached => Status::NotReached,
        };
    }
    rules
}

/// Why an alternative was withheld (as `gdl::eval::Withholding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    Contraindicated,
    Avoided,
    Unsettled,
    MaybeAvoided,
}

/// Three-valued truth, ordered False < Unknown < True (Kleene: `and` is
/// min, `or` is max).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum K {
    F = 0,
    U = 1,
    T = 2,
}

/// A three-valued value and, when it is unknown, the unknown facts it was
/// read through (bits over fact indices): what a report asks for. Parts
/// whose value is known cannot change an unknown result, so they add none.
#[derive(Clone, Copy, Debug)]
pub struct Truth {
    pub value: K,
    pub needs: u32,
}

impl Truth {
    pub const TRUE: Truth = Truth {
        value: K::T,
        needs: 0,
    };

    #[inline(always)]
    pub fn known(b: bool) -> Truth {
        Truth {
            value: if b { K::T } else { K::F },
            needs: 0,
        }
    }

    /// A test of a value; unknown, needing `needs`, when the value is.
    #[inline(always)]
    pub fn test<T>(value: Option<T>, needs: u32, test: impl Fn(T) -> bool) -> Truth {
        match value {
            Some(v) => Truth::known(test(v)),
            None => Truth { value: K::U, needs },
        }
    }

    /// The needs of `self` if it is unknown.
    #[inline(always)]
    pub fn open(self) -> u32 {
        if self.value == K::U { self.needs } else { 0 }
    }

    #[inline(always)]
    pub fn and(self, other: Truth) -> Truth {
        Truth {
            value: self.value.min(other.value),
            needs: self.open() | other.open(),
        }
    }

    #[inline(always)]
    pub fn or(self, other: Truth) -> Truth {
        Truth {
            value: self.value.max(other.value),
            needs: self.open() | other.open(),
        }
    }

    #[inline(always)]
    pub fn not(self) -> Truth {
        Truth {
            value: match self.value {
                K::F => K::T,
                K::U => K::U,
                K::T => K::F,
            },
            needs: self.needs,
        }
    }
}
