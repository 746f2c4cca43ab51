//! Syntax: text → [`ast::File`] with spans. The grammar is
//! `grammar/gdl.pest`; `parser` is the only module that sees pest.

pub mod ast;
pub mod limits;
mod parser;

pub use parser::parse;
