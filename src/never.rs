//! `never!`: a broken invariant is loud in tests and silent for users.
//!
//! Modelled on rust-analyzer's `stdx::never!`. Where the code holds a
//! fallback for a case that cannot happen (an id from the model that does
//! not index the model, a node that is not in the program), falling back
//! silently would hide the bug, and panicking would break the library's
//! promise never to panic. So: in debug and test builds (`debug_assertions`)
//! a broken invariant panics, naming the caller's file and line, and every
//! test that reaches it fails; in release it does nothing and the caller's
//! fallback is used, at no cost (the check compiles away).
//!
//! Only for cases that cannot happen. A fallback that handles real input (a
//! fact the model does not have, a malformed facts file) is ordinary code
//! and stays as it is.

/// Reports a broken invariant: panics in debug and test builds, does
/// nothing in release.
#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn broken(what: std::fmt::Arguments<'_>) {
    #[allow(
        clippy::panic,
        reason = "a broken invariant stops debug and test builds so a test catches it; release goes on"
    )]
    if cfg!(debug_assertions) {
        panic!("broken invariant: {what}");
    }
}

/// `never!(condition)` or `never!(condition, "format", args…)`: `true` when
/// the condition that cannot hold does hold, after reporting it through
/// [`broken`]. Use as `if never!(x > len) { return fallback; }`.
macro_rules! never {
    ($cond:expr) => {
        $crate::never::never!($cond, "{}", stringify!($cond))
    };
    ($cond:expr, $($fmt:tt)+) => {{
        let holds: bool = $cond;
        if cfg!(debug_assertions) && holds {
            $crate::never::broken(format_args!($($fmt)+));
        }
        holds
    }};
}
pub(crate) use never;

/// `Option`s that are always `Some`, and `Result`s always `Ok`, when the
/// program is right (serialising a `serde_json::Value`, reading back JSON
/// gdl wrote itself).
pub(crate) trait OrNever<T> {
    /// The value; when there is none, reports a broken invariant and
    /// returns `fallback`.
    fn or_never(self, fallback: T) -> T;
    /// `self`; when it is `None`, reports a broken invariant first. For a
    /// caller whose fallback is to skip or to return.
    fn never_none(self) -> Option<T>;
}

impl<T> OrNever<T> for Option<T> {
    #[inline]
    #[track_caller]
    fn or_never(self, fallback: T) -> T {
        match self {
            Some(value) => value,
            None => {
                if cfg!(debug_assertions) {
                    broken(format_args!("no {}", std::any::type_name::<T>()));
                }
                fallback
            }
        }
    }

    #[inline]
    #[track_caller]
    fn never_none(self) -> Option<T> {
        if cfg!(debug_assertions) && self.is_none() {
            broken(format_args!("no {}", std::any::type_name::<T>()));
        }
        self
    }
}

impl<T, E: std::fmt::Debug> OrNever<T> for Result<T, E> {
    #[inline]
    #[track_caller]
    fn or_never(self, fallback: T) -> T {
        match self {
            Ok(value) => value,
            Err(error) => {
                if cfg!(debug_assertions) {
                    broken(format_args!("{error:?}"));
                }
                fallback
            }
        }
    }

    #[inline]
    #[track_caller]
    fn never_none(self) -> Option<T> {
        match self {
            Ok(value) => Some(value),
            Err(error) => {
                if cfg!(debug_assertions) {
                    broken(format_args!("{error:?}"));
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrNever;

    #[test]
    fn a_held_invariant_passes_through() {
        assert!(!never!(1 + 1 == 3));
        assert_eq!(Some(2).or_never(0), 2);
        assert_eq!(Some(2).never_none(), Some(2));
    }

    #[test]
    #[should_panic(expected = "broken invariant: the index 7 is past 3")]
    fn a_broken_invariant_panics_in_tests() {
        never!(7 > 3, "the index {} is past {}", 7, 3);
    }

    #[test]
    #[should_panic(expected = "broken invariant: no u32")]
    fn a_missing_value_panics_in_tests() {
        let _ = None::<u32>.or_never(0);
    }
}
