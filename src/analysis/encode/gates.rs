//! The encoding as [`Gates`], so that a points test (`sema::points`)
//! becomes the same counting circuit here as in the interpreter: over
//! literals (two-valued questions) and over literal pairs (three-valued
//! ones, where a monotone circuit of Kleene gates is exactly the interval
//! meaning the interpreter gives the test).

use batsat::Lit;

use super::{Encoding, Kleene};
use crate::sema::points::Gates;

/// The encoding's two-valued gates.
pub(super) struct TwoValued<'e>(pub(super) &'e mut Encoding);

impl Gates for TwoValued<'_> {
    type Signal = Lit;

    fn constant(&mut self, value: bool) -> Lit {
        if value { self.0.truth } else { !self.0.truth }
    }

    fn not(&mut self, signal: Lit) -> Lit {
        !signal
    }

    fn and(&mut self, left: Lit, right: Lit) -> Lit {
        self.0.and(&[left, right])
    }

    fn or(&mut self, left: Lit, right: Lit) -> Lit {
        self.0.or(&[left, right])
    }
}

/// The encoding's three-valued (dual-rail) gates.
pub(super) struct ThreeValued<'e>(pub(super) &'e mut Encoding);

impl Gates for ThreeValued<'_> {
    type Signal = Kleene;

    fn constant(&mut self, value: bool) -> Kleene {
        if value {
            self.0.certain()
        } else {
            self.0.impossible()
        }
    }

    fn not(&mut self, signal: Kleene) -> Kleene {
        signal.negate()
    }

    fn and(&mut self, left: Kleene, right: Kleene) -> Kleene {
        self.0.kleene_and(&[left, right])
    }

    fn or(&mut self, left: Kleene, right: Kleene) -> Kleene {
        self.0.kleene_or(&[left, right])
    }
}
