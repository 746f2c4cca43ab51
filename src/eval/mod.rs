//! Evaluation: [`Program`] (the model compiled to slots and flat nodes),
//! patient facts read from JSON ([`facts`]), and the three-valued
//! interpreter ([`evaluate`]) producing an [`Evaluation`].

pub mod exact;
pub mod explain;
pub mod facts;
mod interp;
mod logic;
mod patient;
mod program;

pub use interp::*;
pub use logic::Tri;
pub use program::{Compiled, Program};
