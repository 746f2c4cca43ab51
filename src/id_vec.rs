//! `IdVec<I, T>`: a vector addressed by a typed id, so a `FactId` can only
//! look up facts and a `NodeId` only nodes, and ids are minted by `push`
//! rather than by casting a position to `u32`.
//!
//! Our own (a few hundred lines with its tests, no dependency) rather than
//! `la-arena`, `index_vec` or `typed-index-collections`: each of those
//! makes `v[id]` the way to read, and that indexing panics on an id from
//! elsewhere, which clippy's `indexing_slicing` does not see through a
//! custom `Index`. gdl's library never panics, so there is deliberately no
//! `Index` here: [`IdVec::get`] returns an `Option`, and a caller for whom
//! `None` cannot happen says so with [`IdVec::at`], which reports a miss
//! through `crate::never` (a panic in debug and test builds) and returns
//! the type's [`Placeholder`] in release. Ids are `u32` newtypes (half the
//! size of `usize` in the compiled program's nodes), declared with
//! `id_type!`, which gives each its `index` and `from_index`.
//!
//! Invariant: an id returned by `push`, `ids` or `iter_enumerated` indexes
//! the vector it came from; nothing here panics.

use std::fmt;
use std::marker::PhantomData;

use crate::never::OrNever;

/// A typed index into an [`IdVec`]: a `u32` newtype.
pub trait Id: Copy {
    /// The id of position `index`.
    fn from_index(index: usize) -> Self;
    /// The id whose `u32` is `raw`.
    fn from_raw(raw: u32) -> Self;
    /// The position it stands for.
    fn index(self) -> usize;
}

/// Declares `u32` newtype ids that implement [`Id`], each with its doc.
macro_rules! id_type {
    ($($(#[$attr:meta])* $vis:vis $name:ident: $doc:literal;)*) => {$(
        #[doc = $doc]
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis struct $name(pub u32);

        impl $crate::id_vec::Id for $name {
            #[inline]
            fn from_index(index: usize) -> Self {
                $name::from_index(index)
            }

            #[inline]
            fn from_raw(raw: u32) -> Self {
                $name(raw)
            }

            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        // An id that indexes nothing.
        impl $crate::id_vec::Placeholder for $name {
            const PLACEHOLDER: &'static Self = &$name(u32::MAX);
        }

        impl $name {
            /// The id of position `index`.
            #[inline]
            pub fn from_index(index: usize) -> Self {
                // Tables are bounded by the size of a source file, far
                // below 2^32 entries.
                $name($crate::never::OrNever::or_never(u32::try_from(index).ok(), u32::MAX))
            }

            /// The position it stands for.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}
pub(crate) use id_type;

/// A stand-in item for [`IdVec::at`] to return when an id that cannot
/// miss does (in release; debug and test builds stop there): empty names,
/// no members, nothing that could make a report or a decision.
pub trait Placeholder: 'static {
    /// The stand-in.
    const PLACEHOLDER: &'static Self;
}

impl<T: 'static> Placeholder for Vec<T> {
    const PLACEHOLDER: &'static Self = &Vec::new();
}

impl<T: 'static> Placeholder for Option<T> {
    const PLACEHOLDER: &'static Self = &None;
}

impl Placeholder for u32 {
    const PLACEHOLDER: &'static Self = &u32::MAX;
}

impl Placeholder for usize {
    const PLACEHOLDER: &'static Self = &0;
}

impl Placeholder for bool {
    const PLACEHOLDER: &'static Self = &false;
}

/// [`IdVec::at`] for a plain slice, for positions that cannot miss (a
/// clause of an action, an invariant named by an escalation): a miss is a
/// broken invariant, then the [`Placeholder`].
pub(crate) trait SliceAt<T> {
    /// The item at `index`, which is always there.
    fn at(&self, index: usize) -> &T
    where
        T: Placeholder;
    /// Sets the item at `index`, which is always there.
    fn set(&mut self, index: usize, item: T);
}

impl<T> SliceAt<T> for [T] {
    #[inline]
    #[track_caller]
    fn at(&self, index: usize) -> &T
    where
        T: Placeholder,
    {
        crate::never::OrNever::or_never(self.get(index), T::PLACEHOLDER)
    }

    #[inline]
    #[track_caller]
    fn set(&mut self, index: usize, item: T) {
        if let Some(place) = crate::never::OrNever::never_none(self.get_mut(index)) {
            *place = item;
        }
    }
}

/// A vector of `T` addressed by ids of type `I`.
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I: Id, T> IdVec<I, T> {
    /// An empty vector.
    pub fn new() -> Self {
        IdVec::from(Vec::new())
    }

    /// An empty vector with room for `capacity` items.
    pub fn with_capacity(capacity: usize) -> Self {
        IdVec::from(Vec::with_capacity(capacity))
    }

    /// Appends an item and returns its id.
    #[inline]
    pub fn push(&mut self, item: T) -> I {
        let id = I::from_index(self.items.len());
        self.items.push(item);
        id
    }

    /// The item with this id, if it is one of this vector's.
    #[inline]
    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    /// The item with this id, for an id that always finds one (the model's
    /// own ids in its own tables, the program's in its own): like indexing,
    /// but a miss is a broken invariant reported through [`crate::never`]
    /// (a panic in debug and test builds) and, in release, the
    /// [`Placeholder`] rather than a panic.
    #[inline]
    #[track_caller]
    pub fn at(&self, id: I) -> &T
    where
        T: Placeholder,
    {
        crate::never::OrNever::or_never(self.items.get(id.index()), T::PLACEHOLDER)
    }

    /// Sets the item with this id, for an id that always finds one; a miss
    /// is a broken invariant (see [`IdVec::at`]) and sets nothing.
    #[inline]
    #[track_caller]
    pub fn set(&mut self, id: I, item: T) {
        if let Some(place) = crate::never::OrNever::never_none(self.items.get_mut(id.index())) {
            *place = item;
        }
    }

    /// The item with this id, mutably, if it is one of this vector's.
    #[inline]
    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }

    /// The number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items in order.
    #[inline]
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// The items in order, mutably.
    #[inline]
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// The items in order, each with its id. The ids count up as `u32`s
    /// beside the items, with no conversion per item (the interpreter
    /// walks the rules this way for every patient).
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        (0..self.raw_len())
            .zip(&self.items)
            .map(|(raw, item)| (I::from_raw(raw), item))
    }

    /// The ids in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator + use<I, T> {
        (0..self.raw_len()).map(I::from_raw)
    }

    /// The length as a `u32`: the id one past the last (tables are bounded
    /// by the size of a source file, far below 2^32 entries).
    #[inline]
    fn raw_len(&self) -> u32 {
        u32::try_from(self.items.len()).ok().or_never(u32::MAX)
    }

    /// The items as a slice, in id order.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// The items as a vector, in id order.
    pub fn into_vec(self) -> Vec<T> {
        self.items
    }

    /// Removes every item, keeping the allocation.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

impl<I: Id, T: Clone> IdVec<I, T> {
    /// `len` copies of `value`.
    pub fn filled(value: T, len: usize) -> Self {
        IdVec::from(vec![value; len])
    }

    /// Sets every item to `value`.
    pub fn fill(&mut self, value: T) {
        self.items.fill(value);
    }

    /// Resizes to `len` items, filling new places with `value`.
    pub fn resize(&mut self, len: usize, value: T) {
        self.items.resize(len, value);
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        IdVec::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<'a, I, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<'a, I, T> IntoIterator for &'a mut IdVec<I, T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter_mut()
    }
}

impl<I, T> IntoIterator for IdVec<I, T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec::from(Vec::new())
    }
}

impl<I, T: Clone> Clone for IdVec<I, T> {
    fn clone(&self) -> Self {
        IdVec::from(self.items.clone())
    }
}

impl<I, T: PartialEq> PartialEq for IdVec<I, T> {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl<I, T: fmt::Debug> fmt::Debug for IdVec<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.items.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::IdVec;
    use crate::never::OrNever;

    id_type! {
        Letter: "A test id.";
    }

    #[test]
    fn push_returns_the_id_that_gets_the_item() {
        let mut letters: IdVec<Letter, char> = IdVec::new();
        let a = letters.push('a');
        let b = letters.push('b');
        assert_eq!((a, b), (Letter(0), Letter(1)));
        assert_eq!(letters.get(b), Some(&'b'));
        assert_eq!(letters.get(Letter(2)), None);
        assert_eq!(letters.len(), 2);
        let pairs: Vec<(Letter, char)> = letters.iter_enumerated().map(|(i, c)| (i, *c)).collect();
        assert_eq!(pairs, [(a, 'a'), (b, 'b')]);
        assert_eq!(letters.ids().collect::<Vec<_>>(), [a, b]);
        assert_eq!(Letter::from_index(1).index(), 1);
        if let Some(c) = letters.get_mut(a) {
            *c = 'z';
        }
        assert_eq!(letters.iter().collect::<String>(), "zb");
        assert_eq!(letters.get(a).or_never(&'?'), &'z');
    }
}
