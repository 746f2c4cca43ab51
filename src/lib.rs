//! gdl: clinical practice guidelines as executable, checkable rules.
//!
//! The pipeline, one module per stage: [`syntax`] (text → AST with spans),
//! [`sema`] (names, types, units → a resolved [`sema::Model`]),
//! [`diagnostics`] (one model for every stage's problems), and the CLI on top.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnostics;
pub mod syntax;
