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
use super::parse::GrammarRule;
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;

/// How a grammar rule is named in a syntax error. Punctuation and keywords
/// are written in backticks, which also marks them as tokens for lowering.
pub(super) fn token_word(grammar_rule: GrammarRule) -> Option<&'static str> {
    Some(match grammar_rule {
        GrammarRule::tok_lbrace => "`{`",
        GrammarRule::tok_rbrace => "`}`",
        GrammarRule::tok_lparen => "`(`",
        GrammarRule::tok_rparen => "`)`",
        GrammarRule::tok_comma => "`,`",
        GrammarRule::tok_colon => "`:`",
        GrammarRule::tok_eq => "`=`",
        GrammarRule::kw_guideline => "`guideline`",
        GrammarRule::kw_reference => "`reference`",
        GrammarRule::kw_pmid => "`pmid`",
        GrammarRule::kw_doi => "`doi`",
        GrammarRule::kw_url => "`url`",
        GrammarRule::kw_enum => "`enum`",
        GrammarRule::kw_fact => "`fact`",
        GrammarRule::kw_bool => "`bool`",
        GrammarRule::kw_number => "`number`",
        GrammarRule::kw_quantity => "`quantity`",
        GrammarRule::kw_duration => "`duration`",
        GrammarRule::kw_date => "`date`",
        GrammarRule::kw_set => "`set`",
        GrammarRule::kw_of => "`of`",
        GrammarRule::kw_define => "`define`",
        GrammarRule::kw_invariant => "`invariant`",
        GrammarRule::kw_score => "`score`",
        GrammarRule::kw_if => "`if`",
        GrammarRule::kw_else => "`else`",
        GrammarRule::kw_value => "`value`",
        GrammarRule::kw_exclusive => "`exclusive`",
        GrammarRule::kw_action => "`action`",
        GrammarRule::kw_goal => "`goal`",
        GrammarRule::kw_contraindicated_if => "`contraindicated-if`",
        GrammarRule::kw_caution_if => "`caution-if`",
        GrammarRule::kw_because => "`because`",
        GrammarRule::kw_section => "`section`",
        GrammarRule::kw_rule => "`rule`",
        GrammarRule::kw_when => "`when`",
        GrammarRule::kw_then => "`then`",
        GrammarRule::kw_else_escalate => "`else-escalate`",
        GrammarRule::kw_cite => "`cite`",
        GrammarRule::kw_strength => "`strength`",
        GrammarRule::kw_certainty => "`certainty`",
        GrammarRule::kw_expect => "`expect`",
        GrammarRule::kw_implies => "`implies`",
        GrammarRule::kw_or => "`or`",
        GrammarRule::kw_and => "`and`",
        GrammarRule::kw_not => "`not`",
        GrammarRule::kw_in => "`in`",
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
fn describe(grammar_rule: GrammarRule) -> &'static str {
    if let Some(word) = token_word(grammar_rule) {
        return word;
    }
    match grammar_rule {
        GrammarRule::EOI => "end of file",
        GrammarRule::ident | GrammarRule::test => "a name",
        GrammarRule::string => "a string in double quotes",
        GrammarRule::number | GrammarRule::quantity_literal => "a number",
        GrammarRule::unit => "a unit such as `mg` or `mL/min/1.73m2`",
        GrammarRule::cmp_op => "a comparison (`<`, `<=`, `>`, `>=`, `=`, `!=`)",
        GrammarRule::expr => "a condition",
        GrammarRule::comparison | GrammarRule::membership => "a condition",
        GrammarRule::boolean => "`true` or `false`",
        GrammarRule::set_literal => "`{`",
        GrammarRule::range_literal => "a range such as `30..<50`",
        GrammarRule::range_op => "`..` or `..<`",
        GrammarRule::meta => "`version`, `source`, `authors`, `reviewed`, `status` or `publisher`",
        GrammarRule::meta_key => {
            "`version`, `source`, `authors`, `reviewed`, `status` or `publisher`"
        }
        GrammarRule::pmid | GrammarRule::pmid_value => "a PubMed ID",
        GrammarRule::doi => "`doi`",
        GrammarRule::url => "`url`",
        GrammarRule::guideline => "`guideline`",
        GrammarRule::reference => "`reference`",
        GrammarRule::enum_decl => "`enum`",
        GrammarRule::fact => "`fact`",
        GrammarRule::define => "`define`",
        GrammarRule::invariant => "`invariant`",
        GrammarRule::score => "`score`",
        GrammarRule::score_item | GrammarRule::points => "points such as `+1 if …`",
        GrammarRule::count | GrammarRule::count_bound => "`at least` or `at most`",
        GrammarRule::count_number => "a whole number",
        GrammarRule::value => "`value`",
        GrammarRule::relation | GrammarRule::sum | GrammarRule::product => "a number or a name",
        GrammarRule::add_op | GrammarRule::mul_op => "`+`, `-`, `*` or `/`",
        GrammarRule::call | GrammarRule::function => {
            "`min`, `max`, `round`, `years_between` or `months_between`"
        }
        GrammarRule::conditional => "`if`",
        GrammarRule::exclusive => "`exclusive`",
        GrammarRule::action => "`action`",
        GrammarRule::rule => "`rule`",
        GrammarRule::section => "`section`",
        GrammarRule::section_modifier => "`first-match`, `complete`, `disjoint`",
        GrammarRule::contraindication => "`contraindicated-if`",
        GrammarRule::caution => "`caution-if`",
        GrammarRule::because => "`because`",
        GrammarRule::when => "`when`",
        GrammarRule::then => "`then`",
        GrammarRule::outcome => "`recommend` or `avoid`",
        GrammarRule::any_of => "`any of`",
        GrammarRule::else_escalate => "`else-escalate`",
        GrammarRule::cite => "`cite`",
        GrammarRule::strength => "`strength`",
        GrammarRule::certainty => "`certainty`",
        GrammarRule::grade_word => "a GRADE word such as `conditional` or `low`",
        GrammarRule::expect => "`expect`",
        GrammarRule::lint_name => "a lint name such as `unreachable-rule`",
        GrammarRule::bool_type
        | GrammarRule::number_type
        | GrammarRule::quantity_type
        | GrammarRule::duration_type
        | GrammarRule::date_type
        | GrammarRule::set_type
        | GrammarRule::named_type => {
            "a type (`bool`, `number`, `quantity UNIT`, `duration UNIT`, `date`, `set of ENUM` or an enum name)"
        }
        _ => "something else",
    }
}

/// The one syntax error pest reports, in words: what was expected at the
/// furthest point reached and what was found there.
pub(super) fn syntax_error(text: &str, error: &pest::error::Error<GrammarRule>) -> Diagnostic {
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
            let is_context = |r: &&GrammarRule| {
                matches!(
                    r,
                    GrammarRule::file
                        | GrammarRule::guideline
                        | GrammarRule::reference
                        | GrammarRule::enum_decl
                        | GrammarRule::fact
                        | GrammarRule::define
                        | GrammarRule::invariant
                        | GrammarRule::exclusive
                        | GrammarRule::action
                        | GrammarRule::rule
                        | GrammarRule::section
                        | GrammarRule::contraindication
                        | GrammarRule::caution
                        | GrammarRule::set_type
                        | GrammarRule::set_literal
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
    if let Some(diagnostic) = known_mistake(text, at, &expected) {
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
/// expected tokens: a unit written against its number, and `+` or `-`
/// written against the operand after it.
fn known_mistake(text: &str, at: usize, expected: &[&str]) -> Option<Diagnostic> {
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
    // `a +b > 3`: `+` and `-` need a blank after them (so that `-1` is a
    // number and `+1 if` starts a score item).
    // The parser stops right after the sign, where the blank is missing.
    if let (Some(sign @ ('+' | '-')), Some(next)) =
        (before.chars().next_back(), rest.chars().next())
        && !next.is_whitespace()
        && expected.iter().any(|e| e.contains("`+`"))
    {
        let at = at - 1;
        return Some(
            Diagnostic::new(
                Code::SyntaxError,
                format!("`{sign}` needs a blank after it"),
            )
            .primary(Span::new(at, at + 1), "an arithmetic operator")
            .help(format!(
                "write a space after `{sign}`: `{sign} {next}…`; `{sign}{next}` is read as a \
                 signed number or the points of a score item"
            ))
            .fix(Span::new(at + 1, at + 1), " "),
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

/// `then avoid any of a, b`: an avoid has no options to choose among. The
/// fix removes the words (`removed`, their blanks included), giving the
/// clause `fixed`.
pub(super) fn any_of_after_avoid(words: Span, removed: Span, fixed: &str) -> Diagnostic {
    Diagnostic::new(Code::SyntaxError, "`any of` only follows `recommend`")
        .primary(words, "in an avoid clause")
        .help(format!(
            "write `{fixed}`: an avoid clause already avoids every action it lists"
        ))
        .fix(removed, "")
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
pub(super) fn internal(span: Span, expected: &str, found: Option<GrammarRule>) -> Diagnostic {
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
