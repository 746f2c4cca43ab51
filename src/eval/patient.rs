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

impl Kind {
    /// The kind a known value of a fact of this type is stored as.
    pub(crate) fn of(ty: &crate::sema::Type) -> Kind {
        use crate::sema::Type;
        match ty {
            Type::Bool => Kind::Bool,
            Type::Number | Type::Quantity(_) | Type::Date => Kind::Number,
            Type::Enum(_) => Kind::Enum,
            Type::Set(_) => Kind::Set,
        }
    }
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
    /// Sets known member by member: (fact, members known, members present).
    /// Their facts are unknown as a whole. Empty except when `gdl` asks
    /// what answering one question would lead to (`eval::answers`).
    partial: Vec<(FactId, u128, u128)>,
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
            partial: Vec::new(),
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
            patient.set(FactId::from_index(index), value);
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
    // Always inlined: the facts reader calls it for every fact it reads.
    #[inline(always)]
    pub fn set(&mut self, fact: FactId, value: Value) {
        let index = fact.index();
        if !self.partial.is_empty() {
            self.forget_members(fact);
        }
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

    /// Drops what was known of a set's members one by one (its whole value
    /// is being set). Out of line: only `answers` ever has such sets, and
    /// [`Patient::set`] is on every fact of every patient read.
    #[cold]
    #[inline(never)]
    fn forget_members(&mut self, fact: FactId) {
        self.partial.retain(|(f, _, _)| *f != fact);
    }

    /// Whether `member` is in set fact `fact`: `None` when unknown. A set
    /// known whole answers for every member; an unknown one for the members
    /// given by [`Patient::set_member`].
    pub fn member(&self, fact: FactId, member: u32) -> Option<bool> {
        let bit = 1u128.checked_shl(member)?;
        match self.get(fact) {
            Value::Set(bits) => Some(bits & bit != 0),
            Value::Unknown => self
                .partial
                .iter()
                .find(|(f, known, _)| *f == fact && known & bit != 0)
                .map(|(_, _, present)| present & bit != 0),
            _ => None,
        }
    }

    /// Makes one member of a set fact known, present or not, leaving the
    /// others as they were. On a set known whole it changes that member.
    pub fn set_member(&mut self, fact: FactId, member: u32, present: bool) {
        let Some(bit) = 1u128.checked_shl(member) else {
            return;
        };
        match self.get(fact) {
            Value::Set(bits) => {
                let bits = if present { bits | bit } else { bits & !bit };
                self.set(fact, Value::Set(bits));
            }
            Value::Unknown if fact.index() < self.len() => {
                match self.partial.iter_mut().find(|(f, _, _)| *f == fact) {
                    Some((_, known, bits)) => {
                        *known |= bit;
                        *bits = if present { *bits | bit } else { *bits & !bit };
                    }
                    None => self
                        .partial
                        .push((fact, bit, if present { bit } else { 0 })),
                }
            }
            _ => {}
        }
    }

    /// Whether some set is known member by member (the interpreter then
    /// reads those members one by one).
    #[inline]
    pub(crate) fn has_partial_sets(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Every fact's value, by fact index.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value> + '_ {
        (0..self.len()).map(|index| self.get(FactId::from_index(index)))
    }

    /// A fact's kind and word, as stored (sets: members 0..64).
    #[inline]
    pub(crate) fn word(&self, index: usize) -> (Kind, u64) {
        (
            self.kinds.get(index).copied().unwrap_or(Kind::Unknown),
            self.words.get(index).copied().unwrap_or(0),
        )
    }

    /// One bit (`1 << fact`) for each of the first 64 facts not stored
    /// as the kind `kinds` gives for it: those that read as unknown.
    pub(crate) fn unknown_bits(&self, kinds: &[Kind]) -> u64 {
        kinds
            .iter()
            .take(64)
            .enumerate()
            .fold(0, |bits, (fact, expected)| {
                let kind = self.kinds.get(fact).copied().unwrap_or(Kind::Unknown);
                bits | (u64::from(kind != *expected) << fact)
            })
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
        let mut mine = self.partial.clone();
        let mut theirs = other.partial.clone();
        mine.sort_by_key(|(fact, _, _)| *fact);
        theirs.sort_by_key(|(fact, _, _)| *fact);
        self.id == other.id
            && self.len() == other.len()
            && self.values().eq(other.values())
            && mine == theirs
    }
}

impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Patient");
        debug
            .field("id", &self.id)
            .field("values", &self.values().collect::<Vec<_>>());
        if !self.partial.is_empty() {
            debug.field("partial", &self.partial);
        }
        debug.finish()
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
            patient.set(FactId::from_index(index), *value);
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
    fn a_set_can_be_known_member_by_member() {
        let mut patient = Patient::with_unknown(2);
        let set = FactId(1);
        assert_eq!(patient.member(set, 3), None);
        patient.set_member(set, 3, true);
        patient.set_member(set, 5, false);
        assert_eq!(patient.get(set), Value::Unknown);
        assert_eq!(patient.member(set, 3), Some(true));
        assert_eq!(patient.member(set, 5), Some(false));
        assert_eq!(patient.member(set, 4), None);
        assert!(patient.has_partial_sets());
        // Knowing the whole set replaces what was known of its members.
        patient.set(set, Value::Set(1 << 4));
        assert!(!patient.has_partial_sets());
        assert_eq!(patient.member(set, 3), Some(false));
        patient.set_member(set, 3, true);
        assert_eq!(patient.get(set), Value::Set(1 << 4 | 1 << 3));
        // A fact outside the model stays unknown.
        patient.set_member(FactId(9), 0, true);
        assert_eq!(patient.member(FactId(9), 0), None);
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
