//! The pest driver: text → pest pairs → [`super::lower`]. Runs the trivia
//! scan (the depth guard) first, splits a large file at top-level
//! declarations to parse the pieces on several threads, and on a syntax
//! error parses again with pest's error detail to word it
//! ([`super::error`]).
//!
//! Input: source text. Output: a [`Parsed`]: the tree (unless pest
//! rejected the text or a guard stopped it) and every diagnostic.
//! Invariant: parsing never panics and never stops at a lowering error;
//! every span is absolute in the text it was given.

use pest::Parser as _;
use pest::iterators::Pairs;

use super::ast::File;
use super::error;
use super::lower::Lower;
use super::trivia::{self, Trivia};
use crate::diagnostics::Diagnostic;
use crate::span::Span;

/// The pest-generated parser, kept in its own module so that pest's
/// `Rule` (a grammar rule) is only ever named [`GrammarRule`] and never
/// read as `ast::Rule` (a guideline's rule).
mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/gdl.pest"]
    pub(super) struct GdlParser;
}

use grammar::GdlParser;
/// A rule of the pest grammar (`grammar/gdl.pest`), not a guideline's rule.
pub(super) use grammar::Rule as GrammarRule;

/// Files at least this large are parsed in chunks on several threads.
const PARALLEL_BYTES: usize = 256 * 1024;

/// What reading a guideline found.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The tree; `None` when pest rejected the text or a guard stopped it.
    /// When `diagnostics` is not empty the tree may hold placeholders where
    /// lowering could not read a part (see `lower`): good enough to resolve
    /// the rest of the file for more diagnostics, never to run.
    pub file: Option<File>,
    /// Every problem found, in source order within each piece.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a guideline. Returns the AST, or the diagnostics that stopped it
/// (pest stops at the first syntax error; lowering reports all it finds).
pub fn parse(text: &str) -> Result<File, Vec<Diagnostic>> {
    let parsed = parse_recovering(text);
    match parsed.file {
        Some(file) if parsed.diagnostics.is_empty() => Ok(file),
        Some(_) | None => Err(parsed.diagnostics),
    }
}

/// Parses a guideline and keeps going after a lowering error: the tree
/// comes back whenever pest accepted the text, with every diagnostic.
pub fn parse_recovering(text: &str) -> Parsed {
    let trivia = trivia::scan(text);
    if let Some(at) = trivia.too_deep {
        return Parsed {
            file: None,
            diagnostics: vec![error::too_deep(Span::new(at, at + 1))],
        };
    }
    if text.len() >= PARALLEL_BYTES
        && let Some(parsed) = parse_in_chunks(text, &trivia)
    {
        return parsed;
    }
    parse_chunk(text, 0, &trivia).unwrap_or_else(|| Parsed {
        file: None,
        diagnostics: vec![detailed_syntax_error(text)],
    })
}

/// Parses and lowers `chunk`, which starts at byte `base` of the file that
/// `trivia` scanned; `None` on a syntax error (the caller words it from the
/// whole file).
fn parse_chunk(chunk: &str, base: usize, trivia: &Trivia) -> Option<Parsed> {
    let pairs: Pairs<'_, GrammarRule> = GdlParser::parse(GrammarRule::file, chunk).ok()?;
    let (file, diagnostics) = Lower::new(base, trivia).file(pairs);
    Some(Parsed {
        file: Some(file),
        diagnostics,
    })
}

/// Splits a large file at top-level declarations and parses the pieces on
/// every core. `None` when it cannot help or a piece fails to parse: the
/// caller then parses the whole file, so results never depend on the split.
fn parse_in_chunks(text: &str, trivia: &Trivia) -> Option<Parsed> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 {
        return None;
    }
    let mut bounds = vec![0usize];
    for k in 1..threads {
        let target = text.len() * k / threads;
        let after = bounds.last().copied().unwrap_or(0);
        let next = trivia
            .top_level_starts
            .iter()
            .copied()
            .find(|&s| s >= target && s > after);
        if let Some(start) = next {
            bounds.push(start);
        }
    }
    bounds.push(text.len());
    if bounds.len() < 3 {
        return None;
    }
    let pieces: Vec<Option<Parsed>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (start, end) = (w.first().copied(), w.get(1).copied());
                scope.spawn(move || parse_chunk(text.get(start?..end?)?, start?, trivia))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut whole = File::default();
    let mut diagnostics = Vec::new();
    for piece in pieces {
        let piece = piece?;
        whole.items.extend(piece.file?.items);
        diagnostics.extend(piece.diagnostics);
    }
    Some(Parsed {
        file: Some(whole),
        diagnostics,
    })
}

/// Parses again with pest's error detail on, which records the literal
/// tokens expected at the failure, and words the error from that. Only the
/// failure path pays for the detail. The flag is global and only ever turned
/// on, so concurrent parses stay correct (at worst a little slower).
fn detailed_syntax_error(text: &str) -> Diagnostic {
    pest::set_error_detail(true);
    match GdlParser::parse(GrammarRule::file, text) {
        Ok(_) => error::unparsable(),
        Err(failure) => error::syntax_error(text, &failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    fn large_file(rules: usize) -> String {
        let mut text =
            String::from("guideline g \"G\" {}\nfact x: bool\n# a comment with rule in it\n");
        for i in 0..rules {
            text.push_str(&format!(
                "section s{i} \"S\" first-match {{\n  rule r{i} \"rule {{\" {{\n    when x and (x or not x)\n    then recommend a\n    cite R\n  }}\n}}\ndefine d{i} =\n  x\n"
            ));
        }
        text
    }

    #[test]
    fn chunked_parse_equals_whole_file_parse() {
        let text = large_file(4000);
        assert!(text.len() >= PARALLEL_BYTES);
        let trivia = trivia::scan(&text);
        let whole = format!("{:?}", parse_chunk(&text, 0, &trivia));
        let chunked = format!("{:?}", parse_in_chunks(&text, &trivia));
        assert_eq!(whole, chunked);
        assert!(
            parse_in_chunks(&text, &trivia)
                .is_some_and(|p| p.file.is_some() && p.diagnostics.is_empty())
        );
    }

    #[test]
    fn chunked_parse_reports_reserved_words_at_absolute_positions() {
        let mut text = large_file(4000);
        text.push_str("fact and: bool\n");
        let errors = parse(&text).err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].primary_span().start as usize, text.len() - 10);
    }

    #[test]
    fn chunked_parse_falls_back_for_syntax_errors() {
        let mut text = large_file(4000);
        text.push_str("rule broken { when }\n");
        let errors = parse(&text).err().unwrap_or_default();
        assert_eq!(errors[0].code, Code::SyntaxError);
        assert!(errors[0].primary_span().start as usize > text.len() - 10);
    }
}
