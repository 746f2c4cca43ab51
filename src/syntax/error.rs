//! The wording of every problem found while reading a guideline: pest's
//! syntax errors turned into words (what was expected, named the way an
//! author writes it, and the common mistakes named outright), the
//! problems lowering finds (a number too large, a reserved word, a chained
//! `implies`, a `not` too deep), the guards before pest, and the internal
//! error for a grammar and lowering that disagree.
//!
//! Input: a pest error and the text, or the spans a check found. Output:
//! [`Diagnostic`]s. Invariant: no other `syntax` module writes prose for a
//! diagnostic; they call a function here.

use pest::error::{ErrorVariant, InputLocation};

use super::limits::{MAX_DEPTH, MAX_FILE_BYTES};
use super::parse::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// How a grammar rule is named in a syntax error. Punctuation and keywords
/// are written in backticks, which also marks them as tokens for lowering.
pub(super) fn token_word(grammar_rule: Rule) -> Option<&'static str> {
    Some(match grammar_rule {
        Rule::tok_lbrace => "`{`",
        Rule::tok_rbrace => "`}`",
        Rule::tok_lparen => "`(`",
        Rule::tok_rparen => "`)`",
        Rule::tok_comma => "`,`",
        Rule::tok_colon => "`:`",
        Rule::tok_eq => "`=`",
        Rule::kw_guideline => "`guideline`",
        Rule::kw_reference => "`reference`",
        Rule::kw_pmid => "`pmid`",
        Rule::kw_doi => "`doi`",
        Rule::kw_url => "`url`",
        Rule::kw_enum => "`enum`",
        Rule::kw_fact => "`fact`",
        Rule::kw_bool => "`bool`",
        Rule::kw_number => "`number`",
        Rule::kw_quantity => "`quantity`",
        Rule::kw_duration => "`duration`",
        Rule::kw_set => "`set`",
        Rule::kw_of => "`of`",
        Rule::kw_define => "`define`",
        Rule::kw_invariant => "`invariant`",
        Rule::kw_exclusive => "`exclusive`",
        Rule::kw_action => "`action`",
        Rule::kw_contraindicated_if => "`contraindicated-if`",
        Rule::kw_caution_if => "`caution-if`",
        Rule::kw_because => "`because`",
        Rule::kw_section => "`section`",
        Rule::kw_rule => "`rule`",
        Rule::kw_when => "`when`",
        Rule::kw_then => "`then`",
        Rule::kw_else_escalate => "`else-escalate`",
        Rule::kw_cite => "`cite`",
        Rule::kw_expect => "`expect`",
        Rule::kw_implies => "`implies`",
        Rule::kw_or => "`or`",
        Rule::kw_and => "`and`",
        Rule::kw_not => "`not`",
        Rule::kw_in => "`in`",
        _ => return None,
    })
}

/// How a literal token is named in a syntax error; `None` for tokens that
/// blanks, comments or a named rule already account for.
fn literal_word(token: &str) -> Option<&'static str> {
    Some(match token {
        "{" => "`{`",
        "}" => "`}`",
        "(" => "`(`",
        ")" => "`)`",
        "," => "`,`",
        ":" => "`:`",
        "=" => "`=`",
        _ => return None,
    })
}

/// How any rule is named in a syntax error.
fn describe(grammar_rule: Rule) -> &'static str {
    if let Some(word) = token_word(grammar_rule) {
        return word;
    }
    match grammar_rule {
        Rule::EOI => "end of file",
        Rule::ident | Rule::test => "a name",
        Rule::string => "a string in double quotes",
        Rule::number | Rule::quantity_literal => "a number",
        Rule::unit => "a unit such as `mg` or `mL/min/1.73m2`",
        Rule::cmp_op => "a comparison (`<`, `<=`, `>`, `>=`, `=`, `!=`)",
        Rule::expr => "a condition",
        Rule::comparison | Rule::membership => "a condition",
        Rule::boolean => "`true` or `false`",
        Rule::set_literal => "`{`",
        Rule::meta => "`version`, `source`, `authors`, `reviewed`, `status` or `publisher`",
        Rule::meta_key => "`version`, `source`, `authors`, `reviewed`, `status` or `publisher`",
        Rule::pmid | Rule::pmid_value => "a PubMed ID",
        Rule::doi => "`doi`",
        Rule::url => "`url`",
        Rule::guideline => "`guideline`",
        Rule::reference => "`reference`",
        Rule::enum_decl => "`enum`",
        Rule::fact => "`fact`",
        Rule::define => "`define`",
        Rule::invariant => "`invariant`",
        Rule::exclusive => "`exclusive`",
        Rule::action => "`action`",
        Rule::rule => "`rule`",
        Rule::section => "`section`",
        Rule::section_modifier => "`first-match`, `complete`",
        Rule::contraindication => "`contraindicated-if`",
        Rule::caution => "`caution-if`",
        Rule::because => "`because`",
        Rule::when => "`when`",
        Rule::then => "`then`",
        Rule::outcome => "`recommend` or `avoid`",
        Rule::else_escalate => "`else-escalate`",
        Rule::cite => "`cite`",
        Rule::expect => "`expect`",
        Rule::lint_name => "a lint name such as `unreachable-rule`",
        Rule::bool_type
        | Rule::number_type
        | Rule::quantity_type
        | Rule::duration_type
        | Rule::set_type
        | Rule::named_type => {
            "a type (`bool`, `number`, `quantity UNIT`, `duration UNIT`, `set of ENUM` or an enum name)"
        }
        _ => "something else",
    }
}

/// The one syntax error pest reports, in words: what was expected at the
/// furthest point reached and what was found there.
pub(super) fn syntax_error(text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
    let mut at = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let mut expected: Vec<&'static str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().map(|r| describe(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // The detailed attempts know the furthest position reached, including
    // silent punctuation; when they got further, they describe the error.
    if let Some(attempts) = error.parse_attempts().filter(|a| a.max_position >= at) {
        if attempts.max_position > at {
            at = attempts.max_position;
            expected.clear();
        }
        for stack in attempts.call_stacks() {
            let deepest = stack.deepest.get_rule();
            // A declaration or clause rule is the context of a failed token,
            // not something that could stand here.
            let is_context = |r: &&Rule| {
                matches!(
                    r,
                    Rule::file
                        | Rule::guideline
                        | Rule::reference
                        | Rule::enum_decl
                        | Rule::fact
                        | Rule::define
                        | Rule::invariant
                        | Rule::exclusive
                        | Rule::action
                        | Rule::rule
                        | Rule::section
                        | Rule::contraindication
                        | Rule::caution
                        | Rule::set_type
                        | Rule::set_literal
                )
            };
            if let Some(grammar_rule) = deepest.filter(|r| !is_context(r)) {
                expected.push(describe(*grammar_rule));
            }
        }
        let tokens = attempts.expected_tokens();
        expected.extend(tokens.iter().filter_map(|t| literal_word(&t.to_string())));
        expected.retain(|word| *word != "something else");
    }
    expected.sort_unstable();
    expected.dedup();
    let found = found_at(text, at);
    let message = match expected.as_slice() {
        [] => format!("unexpected {found}"),
        [only] => format!("expected {only}, found {found}"),
        [init @ .., last] => format!("expected {} or {last}, found {found}", init.join(", ")),
    };
    let end = at + found_len(text, at);
    if let Some(diagnostic) = known_mistake(text, at, end, &expected) {
        return diagnostic;
    }
    let mut diagnostic =
        Diagnostic::new(Code::SyntaxError, message).primary(Span::new(at, end), "unexpected here");
    if let Some(help) = syntax_help(text, at, &expected) {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// Mistakes common enough to deserve their own words instead of the list of
/// expected tokens: a unit written against its number, and arithmetic.
fn known_mistake(text: &str, at: usize, end: usize, expected: &[&str]) -> Option<Diagnostic> {
    let rest = text.get(at..)?;
    let before = text.get(..at)?;
    let after_operand = expected.contains(&"`and`");
    // `60kg` or `92%`: a number directly followed by a unit.
    if before.ends_with(|c: char| c.is_ascii_digit()) && after_operand {
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace() || matches!(c, ')' | '}' | ',' | '#'))
            .map_or(rest.len(), |(i, _)| i);
        let unit = rest.get(..unit_len)?;
        if crate::units::parse_unit(unit).is_ok() {
            let number_start = before
                .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
                .map_or(0, |i| i + 1);
            let number = before.get(number_start..)?;
            return Some(
                Diagnostic::new(
                    Code::SyntaxError,
                    format!("a unit is separated from its number by a space: `{number} {unit}`"),
                )
                .primary(
                    Span::new(at, at + unit_len),
                    "unit written against the number",
                )
                .help(format!("write a space: `{number} {unit}`"))
                .fix(Span::new(at, at), " "),
            );
        }
    }
    // `a + b > 3`: arithmetic after an operand.
    let arithmetic = rest.starts_with('+') || (after_operand && rest.starts_with(['-', '*', '/']));
    if arithmetic {
        return Some(
            Diagnostic::new(Code::SyntaxError, "arithmetic is not supported yet")
                .primary(Span::new(at, end), "an arithmetic operator")
                .help(
                    "compare each fact with a constant; a computed value (a sum, a ratio, \
                     a score) needs a fact of its own, which the record system computes",
                ),
        );
    }
    None
}

/// A short description of the text at `at`: the word, symbol or end of file.
fn found_at(text: &str, at: usize) -> String {
    let rest = text.get(at..).unwrap_or("");
    match rest.chars().next() {
        None => "end of file".to_owned(),
        Some(_) => {
            let len = found_len(text, at);
            let token = rest.get(..len).unwrap_or(rest);
            format!("`{}`", token.escape_debug())
        }
    }
}

fn found_len(text: &str, at: usize) -> usize {
    let rest = text.get(at..).unwrap_or("");
    let word: usize = rest
        .char_indices()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '-')
        .map(|(i, c)| i + c.len_utf8())
        .last()
        .unwrap_or(0);
    if word > 0 {
        // At most 40 bytes, cut at a character boundary.
        (0..=word.min(40))
            .rev()
            .find(|&len| rest.is_char_boundary(len))
            .unwrap_or(0)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    }
}

fn syntax_help(text: &str, at: usize, expected: &[&str]) -> Option<String> {
    let rest = text.get(at..).unwrap_or("");
    if rest.starts_with('\'') {
        return Some("strings use double quotes: \"like this\"".to_owned());
    }
    if rest.starts_with("&&") || rest.starts_with("||") || rest.starts_with('!') {
        return Some("write conditions with `and`, `or` and `not`".to_owned());
    }
    let previous = text.get(..at).and_then(|t| t.chars().next_back());
    if let Some(c) = rest
        .chars()
        .next()
        .filter(|c| !c.is_ascii() && !c.is_alphanumeric())
        && previous.is_some_and(|p| p.is_alphanumeric() || p == '_')
    {
        return Some(format!(
            "names are made of letters (of any script), digits and `_`; `{c}` cannot be part of one"
        ));
    }
    if rest.starts_with("==") {
        return Some("equality is a single `=`".to_owned());
    }
    if expected.contains(&"`}`") && rest.is_empty() {
        return Some("a `{` is not closed".to_owned());
    }
    None
}

/// A file that parsed without detail but not with it: pest disagrees with
/// itself, which no input should cause.
pub(super) fn unparsable() -> Diagnostic {
    Diagnostic::new(Code::SyntaxError, "the file could not be parsed")
}

/// A number lowering cannot represent exactly enough.
pub(super) fn number_too_large(span: Span) -> Diagnostic {
    Diagnostic::new(Code::NumberOutOfRange, "number is too large")
        .primary(span, "this number")
        .help("gdl numbers must be smaller than 10^15 in magnitude; use a larger unit")
}

/// A second `implies` in one run of a condition.
pub(super) fn implies_chained(second: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::SyntaxError, "`implies` cannot be chained")
        .primary(second, "a second `implies`")
        .secondary(first, "the first")
        .help("add parentheses: `(a implies b) implies c` or `a implies (b implies c)`")
}

/// A reserved word written where a name belongs.
pub(super) fn reserved_word(word: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::SyntaxError,
        format!("`{word}` is a reserved word and cannot be used as a name"),
    )
    .primary(span, "reserved word")
    .help("choose another name, e.g. with a suffix such as `_flag`")
}

/// Nesting beyond [`MAX_DEPTH`].
pub(super) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::NestingTooDeep,
        format!("nesting deeper than {MAX_DEPTH} levels"),
    )
    .primary(span, "too deep here")
    .help("name part of the condition with `define` and use that name instead")
}

/// A file over [`MAX_FILE_BYTES`].
pub(super) fn file_too_large(len: usize) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!("file is {len} bytes; gdl reads guideline files of at most {MAX_FILE_BYTES} bytes"),
    )
    .help("split the guideline into smaller files, or check that this is the file you meant")
}

/// Bytes that are not UTF-8 text, `label` saying what is at `at`.
pub(super) fn not_text(at: usize, label: &str) -> Diagnostic {
    Diagnostic::new(Code::NotText, "the file is not UTF-8 text")
        .primary(Span::new(at, at), label)
        .help("gdl reads UTF-8 text files; re-save the file as UTF-8, or check that this is a .gdl file")
}

/// The grammar produced a pair lowering did not expect, or left out one it
/// did: grammar and lowering disagree. Reported instead of dropping the
/// item silently; `expected` says what lowering looked for, `found` what
/// the grammar gave (`None` when nothing was there).
pub(super) fn internal(span: Span, expected: &str, found: Option<Rule>) -> Diagnostic {
    let found = found.map_or_else(|| "nothing".to_owned(), |given| format!("`{given:?}`"));
    Diagnostic::new(
        Code::SyntaxError,
        format!(
            "internal error: the parser expected {expected} here, but the grammar gave {found}"
        ),
    )
    .primary(span, "this part could not be read")
    .help("this is a bug in gdl, not in the guideline; please report it with this file")
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse;

    #[test]
    fn missing_punctuation_is_named_where_it_is_missing() {
        let error = parse("rule r \"t\" when x").err().unwrap_or_default();
        assert_eq!(error[0].message, "expected `{`, found `when`");
        assert_eq!(error[0].primary_span().start, 11);
    }

    #[test]
    fn syntax_errors_name_tokens_in_words() {
        let error = parse("rule r { when x then }").err().unwrap_or_default();
        let message = &error[0].message;
        assert!(message.contains("`recommend` or `avoid`"), "{message}");
    }
}
