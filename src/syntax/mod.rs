//! Syntax: text → [`ast::File`] with spans. The grammar is
//! `grammar/gdl.pest`. The stages, one module each: [`trivia`] (one scan
//! for comments, blank lines and depth), `parse` (the pest driver),
//! `lower` (pest pairs → AST, the only walker of pairs) and `error` (the
//! wording of every problem found here); [`limits`] guards the bytes
//! before any of them.

pub mod ast;
mod error;
pub mod limits;
mod lower;
mod parse;
pub mod trivia;

pub use parse::{Parsed, parse, parse_recovering};
