//! gdl: clinical practice guidelines as executable, checkable rules.
//!
//! The pipeline, one module per stage: [`syntax`] (text → AST with spans),
//! [`sema`] (names, types, units → a resolved [`sema::Model`]),
//! [`diagnostics`] (one model for every stage's problems), and the CLI on top.
//!
//! The modules are layers, each using only those below it, in the order
//! `docs/architecture.md` gives (never → id_vec → span → units → index_set → diagnostics →
//! syntax → fmt → sema → eval → facts → analysis → this root → report →
//! graph → testing → diff → lsp → cli); `tests/architecture.rs` checks every import
//! against it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
pub mod calendar;
pub mod cli;
pub mod diagnostics;
pub mod diff;
pub mod eval;
pub mod facts;
pub mod fmt;
pub mod graph;
pub mod id_vec;
mod index_set;
pub mod lsp;
mod never;
pub mod report;
pub mod sema;
pub mod span;
pub mod syntax;
pub mod testing;
pub mod units;

use diagnostics::Diagnostic;
pub use syntax::limits::{BOM, strip_bom};

/// The model of a guideline that must compile, for unit tests.
#[cfg(test)]
pub(crate) fn test_model(text: &str) -> sema::Model {
    let compiled = compile(text);
    match compiled.model {
        Some(model) => model,
        None => panic!("{:?}", compiled.diagnostics),
    }
}

/// The result of reading a guideline through the front end.
#[derive(Debug)]
pub struct Compiled {
    /// The model, when there were no errors.
    pub model: Option<sema::Model>,
    /// All diagnostics, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
}

/// `gdl check`: the front end, then, when there are no errors, the logic
/// analyses; all diagnostics sorted by location.
pub fn check_bytes(bytes: &[u8]) -> (String, Compiled) {
    let (text, mut compiled) = compile_bytes(bytes);
    if let Some(model) = &compiled.model {
        compiled.diagnostics.extend(analysis::analyze(model));
        diagnostics::sort(&mut compiled.diagnostics);
    }
    (text, compiled)
}

/// [`check_bytes`] on text.
pub fn check(text: &str) -> Compiled {
    check_bytes(text.as_bytes()).1
}

/// Runs the front end on raw file bytes: skip a byte-order mark, decode,
/// parse, resolve. Also returns the text to render diagnostics against,
/// without the byte-order mark, so lines and columns are those an editor
/// shows. When the bytes are not UTF-8 it is a lossy decoding, exact up to
/// the first bad byte, which is where the diagnostic points; nothing after
/// it is read, and a note gives that byte's offset in the file.
pub fn compile_bytes(bytes: &[u8]) -> (String, Compiled) {
    let body = strip_bom(bytes);
    match syntax::limits::decode(body) {
        Ok(text) => {
            let compiled = compile(&text);
            (text, compiled)
        }
        Err(mut diagnostic) => {
            // A NUL byte is UTF-8, just not text: no note for it.
            if diagnostic.code == diagnostics::Code::NotText && std::str::from_utf8(body).is_err() {
                let at = diagnostic.primary_span().start_usize();
                if let Some(byte) = body.get(at) {
                    let offset = at + (bytes.len() - body.len());
                    diagnostic = diagnostic.note(format!(
                        "the first byte that is not UTF-8 text is 0x{byte:02X}, at byte offset {offset} of the file"
                    ));
                }
            }
            (
                String::from_utf8_lossy(body).into_owned(),
                Compiled {
                    model: None,
                    diagnostics: vec![diagnostic],
                },
            )
        }
    }
}

/// Runs the front end on text: parse, then resolve names, types and units.
/// A lowering error (a number too large, a reserved word) does not stop
/// the front end: the rest of the file is still resolved, so every error is
/// reported, but such a file never gets a model.
pub fn compile(text: &str) -> Compiled {
    compile_with_tree(text).1
}

/// [`compile`], also returning the tree the front end read (`None` after a
/// syntax error or a guard; it may hold lowering placeholders when there
/// are diagnostics), for tools that point into the source: the language
/// server finds names, declarations and uses in it.
pub fn compile_with_tree(text: &str) -> (Option<syntax::ast::File>, Compiled) {
    let parsed = syntax::parse_recovering(text);
    let Some(file) = parsed.file else {
        let compiled = Compiled {
            model: None,
            diagnostics: parsed.diagnostics,
        };
        return (None, compiled);
    };
    let (model, mut diagnostics) = sema::resolve(&file);
    let model = model.filter(|_| parsed.diagnostics.is_empty());
    if !parsed.diagnostics.is_empty() {
        diagnostics.extend(parsed.diagnostics);
        diagnostics::sort(&mut diagnostics);
    }
    (Some(file), Compiled { model, diagnostics })
}
