//! The encoding's cells seen from outside the solver: what the box
//! analysis (`analysis::boxes`) needs to reason over the same finite
//! domains as the SAT questions, and to turn a point of them into a patient.
//!
//! Input: an [`Encoding`]. Output: each fact's shape (cells of a number,
//! values of an enum or bool) and patients at a point. Invariant: a point's
//! patient is the one [`Encoding::patient`] would write for a model that
//! puts every fact in the same cell or value.

use super::{Encoding, FactVars, representative};
use crate::eval::{Patient, Value};

/// How the box analysis sees one fact.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Shape {
    /// A number: its cells `0..=last`, and which of them hold no number
    /// (a gap between two adjacent floats).
    Cells { last: u32, empty: Vec<u32> },
    /// A bool (2 values: false, true) or an enum of this many values.
    Values(u32),
    /// A fact the boxes do not reason about (a set).
    Other,
}

impl Encoding {
    /// The shape of each fact, in fact order.
    pub(crate) fn shapes(&self) -> Vec<Shape> {
        self.facts
            .iter()
            .map(|encoded| match encoded {
                FactVars::Bool(_) => Shape::Values(2),
                FactVars::Enum { size, .. } if *size <= 64 => Shape::Values(*size),
                FactVars::Enum { .. } => Shape::Other,
                FactVars::Set(_) => Shape::Other,
                FactVars::Number { constants, .. } => Shape::Cells {
                    last: 2 * constants.len() as u32,
                    empty: constants
                        .windows(2)
                        .enumerate()
                        .filter(
                            |(_, pair)| matches!(pair, [below, above] if below.next_up() >= *above),
                        )
                        .map(|(k, _)| 2 * k as u32 + 2)
                        .collect(),
                },
            })
            .collect()
    }

    /// The cell of `value` among the constants of a numeric fact, as the
    /// encoder compares (`None` when the constant is not one of them).
    pub(crate) fn cell_of_constant(&self, fact: usize, value: f64) -> Option<u32> {
        let Some(FactVars::Number { constants, .. }) = self.facts.get(fact) else {
            return None;
        };
        let value = super::canonical(value);
        let j = constants.iter().position(|c| c.total_cmp(&value).is_eq())?;
        Some(2 * j as u32 + 1)
    }

    /// A fully known patient: each fact in the cell (number) or value
    /// index (enum; bool 0 false, 1 true) `point` gives it; a set is empty.
    pub(crate) fn patient_at(&self, point: &[u32]) -> Patient {
        let values = self.facts.iter().enumerate().map(|(fact, encoded)| {
            let at = point.get(fact).copied().unwrap_or(0);
            match encoded {
                FactVars::Bool(_) => Value::Bool(at == 1),
                FactVars::Number { constants, .. } => {
                    Value::Number(representative(constants, at as usize))
                }
                FactVars::Enum { size, .. } => Value::Enum(at.min(size.saturating_sub(1))),
                FactVars::Set(_) => Value::Set(0),
            }
        });
        Patient::from_values(None, values)
    }
}
