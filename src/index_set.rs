//! A set of small indices (facts, references) kept as bits: on the stack
//! for up to 256, on the heap beyond. Work done for every patient marks a
//! few dozen of them, and a heap allocation each time would cost more than
//! the marking.

/// A set of indices below the size it was made for.
#[derive(Debug)]
pub(crate) struct IndexSet {
    inline: [u64; IndexSet::INLINE],
    spill: Vec<u64>,
}

impl IndexSet {
    const INLINE: usize = 4;

    /// An empty set for indices below `size`.
    pub(crate) fn new(size: usize) -> IndexSet {
        let spill = if size > 64 * IndexSet::INLINE {
            vec![0; size.div_ceil(64)]
        } else {
            Vec::new()
        };
        IndexSet {
            inline: [0; IndexSet::INLINE],
            spill,
        }
    }

    fn words(&self) -> &[u64] {
        if self.spill.is_empty() {
            &self.inline
        } else {
            &self.spill
        }
    }

    /// Adds `index`; false if it was there already. An index beyond the
    /// size is not kept.
    pub(crate) fn insert(&mut self, index: usize) -> bool {
        let words: &mut [u64] = if self.spill.is_empty() {
            &mut self.inline
        } else {
            &mut self.spill
        };
        let bit = 1u64 << (index % 64);
        match words.get_mut(index / 64) {
            Some(word) => {
                let new = *word & bit == 0;
                *word |= bit;
                new
            }
            None => false,
        }
    }

    /// How many indices the set holds.
    pub(crate) fn len(&self) -> usize {
        self.words().iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The indices, in increasing order.
    pub(crate) fn iter(&self) -> Indices<'_> {
        let words = self.words();
        Indices {
            words,
            at: 0,
            word: words.first().copied().unwrap_or(0),
        }
    }
}

/// The indices of an [`IndexSet`], in increasing order.
pub(crate) struct Indices<'s> {
    words: &'s [u64],
    at: usize,
    /// What is left of `words[at]`.
    word: u64,
}

impl Iterator for Indices<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.word == 0 {
            self.at += 1;
            self.word = *self.words.get(self.at)?;
        }
        let bit = self.word.trailing_zeros() as usize;
        self.word &= self.word - 1;
        Some(self.at * 64 + bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_each_index_once_in_order_at_any_size() {
        for size in [1, 63, 64, 65, 256, 257, 1000] {
            let mut set = IndexSet::new(size);
            let indices: Vec<usize> = (0..size).filter(|i| i % 3 != 1).collect();
            for &index in indices.iter().rev() {
                assert!(set.insert(index), "{index} of {size}");
            }
            for &index in &indices {
                assert!(!set.insert(index), "{index} of {size} again");
            }
            assert_eq!(set.len(), indices.len());
            assert_eq!(set.iter().collect::<Vec<_>>(), indices, "{size}");
        }
    }

    #[test]
    fn an_index_beyond_the_size_is_not_kept() {
        let mut set = IndexSet::new(300);
        assert!(!set.insert(64 * 5));
        assert_eq!(set.len(), 0);
    }
}
