//! Semantic model: AST → [`Model`] with names resolved to indices, types
//! and units checked, constants converted to their fact's unit, and
//! definitions ordered so that each uses only earlier ones. Problems are
//! typed [`Error`]s, worded in one place ([`error`]).

pub mod error;
pub mod grade;
pub mod model;
pub mod names;
pub mod points;
mod resolve;

pub use error::Error;
pub use grade::{Certainty, Strength};
pub use model::*;
pub use resolve::{MAX_POINTS, MAX_SET_VALUES, resolve};
