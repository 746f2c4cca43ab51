//! gdl: clinical practice guidelines as executable, checkable rules.
//!
//! The pipeline, one module per stage: [`syntax`] (text → AST with spans),
//! [`sema`] (names, types, units → a resolved [`sema::Model`]),
//! [`diagnostics`] (one model for every stage's problems), and the CLI on top.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diagnostics;
pub mod syntax;
pub mod cli;
pub mod sema;

use diagnostics::Diagnostic;

/// The result of reading a guideline through the front end.
#[derive(Debug)]
pub struct Compiled {
    /// The model, when there were no errors.
    pub model: Option<sema::Model>,
    /// All diagnostics, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the front end on raw file bytes: decode, parse, resolve.
pub fn compile_bytes(bytes: &[u8]) -> (Option<String>, Compiled) {
    match syntax::limits::decode(bytes) {
        Ok(text) => {
            let compiled = compile(&text);
            (Some(text), compiled)
        }
        Err(diagnostic) => (
            None,
            Compiled {
                model: None,
                diagnostics: vec![diagnostic],
            },
        ),
    }
}

/// Runs the front end on text: parse, then resolve names, types and units.
pub fn compile(text: &str) -> Compiled {
    let file = match syntax::parse(text) {
        Ok(file) => file,
        Err(diagnostics) => {
            return Compiled {
                model: None,
                diagnostics,
            };
        }
    };
    let (model, diagnostics) = sema::resolve(&file);
    Compiled { model, diagnostics }
}
