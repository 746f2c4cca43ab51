//! A patient's facts: one [`Value`] per fact of the model, stored compactly.
//!
//! A cohort held in memory is many patients, so the store is small: a kind
//! byte and one 64-bit word per fact (9 bytes, where a `Value` takes 32),
//! and the upper halves of sets over more than 64 values only when a patient
//! has such members. The interpreter reads its leaves straight from this
//! store (see [`Patient::word`]).

use super::program::Program;
use crate::sema::FactId;
use std::fmt;

/// One fact's value for a patient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// Missing or `null`.
    Unknown,
    /// A bool fact.
    Bool(bool),
    /// A number, or a quantity in the fact's declared unit.
    Number(f64),
    /// An enum value's index.
    Enum(u32),
    /// A set of enum values as a bitset.
    Set(u128),
}

/// What a fact's stored word holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Unknown,
    /// Word 0 or 1.
    Bool,
    /// Word: the `f64`'s bits.
    Number,
    /// Word: the enum value's index.
    Enum,
    /// Word: members 0..64; members 64..128 in `high`.
    Set,
}

/// A patient: a value for each fact slot of the model, by fact index.
#[derive(Clone, Default)]
pub struct Patient {
    /// Optional identifier from the facts (`"@id"`).
    pub id: Option<String>,
    kinds: Vec<Kind>,
    words: Vec<u64>,
    /// Members 64..128 of set values, by fact; empty until one is stored.
    high: Vec<u64>,
}

impl Patient {
    /// A patient with every fact of the program's model unknown.
    pub fn unknown(program: &Program<'_>) -> Patient {
        Patient::with_unknown(program.model.facts.len())
    }

    /// A patient with `facts` facts, every one unknown.
    pub fn with_unknown(facts: usize) -> Patient {
        Patient {
            id: None,
            kinds: vec![Kind::Unknown; facts],
            words: vec![0; facts],
            high: Vec::new(),
        }
    }

    /// A patient with these values, by fact index.
    pub fn from_values(id: Option<String>, values: impl IntoIterator<Item = Value>) -> Patient {
        let values = values.into_iter();
        let mut patient = Patient::with_unknown(values.size_hint().0);
        patient.id = id;
        for (index, value) in values.enumerate() {
            if index >= patient.len() {
                patient.kinds.push(Kind::Unknown);
                patient.words.push(0);
            }
            patient.set(FactId(index as u32), value);
        }
        patient
    }

    /// The number of fact slots.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// True when the patient has no fact slots (a model without facts).
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The value of a fact; unknown for a fact outside the model.
    pub fn get(&self, fact: FactId) -> Value {
        let index = fact.index();
        let (kind, word) = self.word(index);
        match kind {
            Kind::Unknown => Value::Unknown,
            Kind::Bool => Value::Bool(word != 0),
            Kind::Number => Value::Number(f64::from_bits(word)),
            Kind::Enum => Value::Enum(word as u32),
            Kind::Set => Value::Set(u128::from(self.high_word(index)) << 64 | u128::from(word)),
        }
    }

    /// Sets the value of a fact. A fact outside the model has no slot, and
    /// [`Patient::get`] reads it as unknown whatever is set.
    #[inline]
    pub fn set(&mut self, fact: FactId, value: Value) {
        let index = fact.index();
        let (kind, word, high) = match value {
            Value::Unknown => (Kind::Unknown, 0, 0),
            Value::Bool(b) => (Kind::Bool, u64::from(b), 0),
            Value::Number(x) => (Kind::Number, x.to_bits(), 0),
            Value::Enum(e) => (Kind::Enum, u64::from(e), 0),
            Value::Set(bits) => (Kind::Set, bits as u64, (bits >> 64) as u64),
        };
        let (Some(slot_kind), Some(slot_word)) =
            (self.kinds.get_mut(index), self.words.get_mut(index))
        else {
            return;
        };
        *slot_kind = kind;
        *slot_word = word;
        if high != 0 && self.high.is_empty() {
            self.high = vec![0; self.kinds.len()];
        }
        if let Some(slot) = self.high.get_mut(index) {
            *slot = high;
        }
    }

    /// Every fact's value, by fact index.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value> + '_ {
        (0..self.len()).map(|index| self.get(FactId(index as u32)))
    }

    /// A fact's kind and word, as stored (sets: members 0..64).
    #[inline]
    pub(crate) fn word(&self, index: usize) -> (Kind, u64) {
        (
            self.kinds.get(index).copied().unwrap_or(Kind::Unknown),
            self.words.get(index).copied().unwrap_or(0),
        )
    }

    /// A set fact's members 64..128, as stored.
    #[inline]
    pub(crate) fn high_word(&self, index: usize) -> u64 {
        self.high.get(index).copied().unwrap_or(0)
    }
}

/// Patients are equal when their ids and values are (however stored).
impl PartialEq for Patient {
    fn eq(&self, other: &Patient) -> bool {
        self.id == other.id && self.len() == other.len() && self.values().eq(other.values())
    }
}

impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Patient")
            .field("id", &self.id)
            .field("values", &self.values().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_as_set() {
        let values = [
            Value::Unknown,
            Value::Bool(false),
            Value::Bool(true),
            Value::Number(-0.5),
            Value::Number(1e300),
            Value::Enum(0),
            Value::Enum(u32::MAX),
            Value::Set(0),
            Value::Set(1 << 63),
            Value::Set(1 << 64 | 1),
            Value::Set(u128::MAX),
        ];
        let mut patient = Patient::with_unknown(values.len());
        for (index, value) in values.iter().enumerate() {
            patient.set(FactId(index as u32), *value);
        }
        assert_eq!(patient.values().collect::<Vec<_>>(), values);
        assert_eq!(Patient::from_values(None, values), patient);
        // Overwriting a set with members above 64 leaves none behind.
        patient.set(FactId(10), Value::Set(2));
        assert_eq!(patient.get(FactId(10)), Value::Set(2));
        patient.set(FactId(10), Value::Unknown);
        assert_eq!(patient.get(FactId(10)), Value::Unknown);
    }

    #[test]
    fn a_fact_outside_the_model_is_unknown() {
        let mut patient = Patient::with_unknown(1);
        patient.set(FactId(5), Value::Bool(true));
        assert_eq!(patient.get(FactId(5)), Value::Unknown);
        assert_eq!(patient.len(), 1);
    }

    #[test]
    fn equality_ignores_how_sets_are_stored() {
        let mut wide = Patient::with_unknown(1);
        wide.set(FactId(0), Value::Set(1 << 100));
        wide.set(FactId(0), Value::Set(1));
        let mut narrow = Patient::with_unknown(1);
        narrow.set(FactId(0), Value::Set(1));
        assert_eq!(wide, narrow);
    }
}
