//! Lowering: pest pairs → [`ast`]. The only code that walks pest `Pair`s;
//! everything it returns owns its data and carries absolute `u32` spans.
//!
//! Input: the pairs of one piece of text, the piece's offset in the file
//! and the file's [`Trivia`]. Output: the piece's items and diagnostics.
//! Invariants:
//! - A lowering error never stops lowering. It is reported and the part is
//!   replaced by a placeholder that later stages check like the part it
//!   replaces (a number too large reads as `0`, keeping its unit; a chained
//!   `implies` as the conjunction of its sides; an operand with too many
//!   `not`s as the operand alone; a reserved word stays a name), so names,
//!   types and units in the rest of the file are still checked, and no
//!   error follows from the placeholder itself.
//! - A pair the grammar produced that lowering does not expect, or one it
//!   expects and does not find, is an internal diagnostic
//!   ([`error::internal`]); only then is an item dropped. Every `None` a
//!   lowering function returns has pushed a diagnostic.

mod expr;

use pest::iterators::{Pair, Pairs};
use unicode_normalization::UnicodeNormalization as _;

use super::ast::{self, *};
use super::error;
use super::parse::GrammarRule;
use super::trivia::Trivia;
use crate::diagnostics::Diagnostic;
use crate::span::{Span, Spanned};

/// Words that cannot be names: they would make conditions ambiguous.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "implies",
    "in",
    "because",
    "cite",
    "when",
    "then",
    "true",
    "false",
    "recommend",
    "avoid",
    "expect",
    "if",
    "else",
];

/// The state of lowering one piece of a file.
pub(super) struct Lower<'t> {
    /// Byte offset, within the whole file, of the piece being lowered: a
    /// large file is parsed in pieces, and spans stay absolute.
    base: usize,
    /// The whole file's trivia, to end spans before trailing comments.
    trivia: &'t Trivia,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Lower<'t> {
    /// Lowering for the piece that starts at byte `base` of the file that
    /// `trivia` scanned.
    pub(super) fn new(base: usize, trivia: &'t Trivia) -> Self {
        Lower {
            base,
            trivia,
            diagnostics: Vec::new(),
        }
    }

    /// Lowers a whole `file` pair: its items and every diagnostic found.
    pub(super) fn file(mut self, mut pairs: Pairs<'_, GrammarRule>) -> (File, Vec<Diagnostic>) {
        let mut file = File::default();
        match pairs.next() {
            Some(file_pair) if file_pair.as_rule() == GrammarRule::file => {
                for pair in file_pair.into_inner() {
                    if pair.as_rule() == GrammarRule::EOI {
                        continue;
                    }
                    if let Some(item) = self.item(pair) {
                        file.items.push(item);
                    }
                }
            }
            other => {
                let at = Span::new(self.base, self.base);
                let found = other.map(|p| p.as_rule());
                self.diagnostics.push(error::internal(at, "a file", found));
            }
        }
        (file, self.diagnostics)
    }

    fn item(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Item> {
        Some(match pair.as_rule() {
            GrammarRule::guideline => Item::Guideline(self.guideline(pair)?),
            GrammarRule::reference => Item::Reference(self.reference(pair)?),
            GrammarRule::enum_decl => Item::Enum(self.enum_decl(pair)?),
            GrammarRule::fact => Item::Fact(self.fact(pair)?),
            GrammarRule::define => Item::Define(self.define(pair)?),
            GrammarRule::score => Item::Score(self.score(pair)?),
            GrammarRule::value => Item::Value(self.value(pair)?),
            GrammarRule::invariant => Item::Invariant(self.invariant(pair)?),
            GrammarRule::exclusive => Item::Exclusive(self.exclusive(pair)?),
            GrammarRule::action => Item::Action(self.action(pair)?),
            GrammarRule::rule => Item::Rule(self.rule(pair)?),
            GrammarRule::section => Item::Section(self.section(pair)?),
            _ => return self.unexpected(&pair, "a declaration"),
        })
    }

    fn guideline(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Guideline> {
        let (span, id, mut inner) = self.named(pair)?;
        let title = self.read(&mut inner, span, GrammarRule::string, Self::string)?;
        let mut meta = Vec::new();
        for part in inner {
            match part.as_rule() {
                GrammarRule::meta => {
                    let meta_span = self.span_of(&part);
                    let mut parts = part.into_inner();
                    let key = self.take(&mut parts, GrammarRule::meta_key, meta_span)?;
                    let key = self.spanned_text(&key);
                    let value =
                        self.read(&mut parts, meta_span, GrammarRule::string, Self::string)?;
                    meta.push((key, value));
                }
                _ => return self.unexpected(&part, "a header entry"),
            }
        }
        Some(Guideline {
            id,
            title,
            meta,
            span,
        })
    }

    fn reference(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Reference> {
        let (span, key, inner) = self.named(pair)?;
        let mut reference = Reference {
            key,
            pmid: None,
            doi: None,
            urls: Vec::new(),
            citation: Spanned::new(String::new(), span),
            span,
        };
        for part in inner {
            let part_span = self.span_of(&part);
            match part.as_rule() {
                GrammarRule::pmid => {
                    let value =
                        self.take(&mut significant(part), GrammarRule::pmid_value, part_span)?;
                    reference.pmid = Some(self.spanned_text(&value));
                }
                GrammarRule::doi => {
                    reference.doi = Some(self.read(
                        &mut significant(part),
                        part_span,
                        GrammarRule::string,
                        Self::string,
                    )?)
                }
                GrammarRule::url => reference.urls.push(self.read(
                    &mut significant(part),
                    part_span,
                    GrammarRule::string,
                    Self::string,
                )?),
                GrammarRule::string => reference.citation = self.string(&part),
                _ => return self.unexpected(&part, "a part of a reference"),
            }
        }
        Some(reference)
    }

    fn enum_decl(&mut self, pair: Pair<'_, GrammarRule>) -> Option<EnumDecl> {
        let (span, name, inner) = self.named(pair)?;
        let values = self.idents(inner)?;
        Some(EnumDecl { name, values, span })
    }

    fn fact(&mut self, pair: Pair<'_, GrammarRule>) -> Option<FactDecl> {
        let (span, name, mut inner) = self.named(pair)?;
        let ty_pair = self.next(&mut inner, span, "a type")?;
        let ty = self.type_expr(ty_pair)?;
        let description = self.description(inner)?;
        Some(FactDecl {
            name,
            ty,
            description,
            span,
        })
    }

    fn value(&mut self, pair: Pair<'_, GrammarRule>) -> Option<ValueDecl> {
        let (span, name, mut inner) = self.named(pair)?;
        let ty_pair = self.next(&mut inner, span, "a type")?;
        let ty = self.type_expr(ty_pair)?;
        let body_pair = self.take(&mut inner, GrammarRule::sum, span)?;
        let body = self.arith(body_pair)?;
        let description = self.description(inner)?;
        Some(ValueDecl {
            name,
            ty,
            body,
            description,
            span,
        })
    }

    fn type_expr(&mut self, ty_pair: Pair<'_, GrammarRule>) -> Option<Spanned<TypeExpr>> {
        let ty_span = self.span_of(&ty_pair);
        let ty = match ty_pair.as_rule() {
            GrammarRule::bool_type => TypeExpr::Bool,
            GrammarRule::number_type => TypeExpr::Number,
            GrammarRule::quantity_type => TypeExpr::Quantity(self.unit_in(ty_pair)?),
            GrammarRule::duration_type => TypeExpr::Duration(self.unit_in(ty_pair)?),
            GrammarRule::date_type => TypeExpr::Date,
            GrammarRule::set_type => TypeExpr::SetOf(self.read(
                &mut significant(ty_pair),
                ty_span,
                GrammarRule::ident,
                Self::ident,
            )?),
            GrammarRule::named_type => TypeExpr::Named(self.read(
                &mut ty_pair.into_inner(),
                ty_span,
                GrammarRule::ident,
                Self::ident,
            )?),
            _ => return self.unexpected(&ty_pair, "a type"),
        };
        Some(Spanned::new(ty, ty_span))
    }

    fn define(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Define> {
        let (span, name, mut inner) = self.named(pair)?;
        let body = self.read(&mut inner, span, GrammarRule::expr, Self::condition)??;
        let description = self.description(inner)?;
        Some(Define {
            name,
            body,
            description,
            span,
        })
    }

    fn score(&mut self, pair: Pair<'_, GrammarRule>) -> Option<ScoreDecl> {
        let (span, name, inner) = self.named(pair)?;
        let mut score = ScoreDecl {
            name,
            title: None,
            items: Vec::new(),
            span,
        };
        for part in inner {
            match part.as_rule() {
                GrammarRule::string => score.title = Some(self.string(&part)),
                GrammarRule::score_item => {
                    let item_span = self.span_of(&part);
                    let mut parts = significant(part);
                    let points = self.take(&mut parts, GrammarRule::points, item_span)?;
                    let points = self.points(&points);
                    let condition =
                        self.read(&mut parts, item_span, GrammarRule::expr, Self::condition)??;
                    score.items.push(ScoreItem {
                        points,
                        condition,
                        span: item_span,
                    });
                }
                _ => return self.unexpected(&part, "a score item"),
            }
        }
        Some(score)
    }

    /// `+2` or `-1`. Points beyond what `i64` holds are reported and read
    /// as `0`, the placeholder.
    fn points(&mut self, pair: &Pair<'_, GrammarRule>) -> Spanned<i64> {
        let span = self.span_of(pair);
        let text = pair.as_str();
        let value = text.strip_prefix('+').unwrap_or(text).parse::<i64>();
        let value = value.unwrap_or_else(|_| {
            self.diagnostics.push(error::number_too_large(span));
            0
        });
        Spanned::new(value, span)
    }

    fn invariant(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Invariant> {
        let span = self.span_of(&pair);
        let mut inner = significant(pair);
        let condition = self.read(&mut inner, span, GrammarRule::expr, Self::condition)??;
        let description = self.description(inner)?;
        Some(Invariant {
            condition,
            description,
            span,
        })
    }

    fn exclusive(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Exclusive> {
        let span = self.span_of(&pair);
        let mut actions = Vec::new();
        let mut description = None;
        for part in significant(pair) {
            match part.as_rule() {
                GrammarRule::ident => actions.push(self.ident(&part)),
                GrammarRule::string => description = Some(self.string(&part)),
                _ => return self.unexpected(&part, "an action or a description"),
            }
        }
        Some(Exclusive {
            actions,
            description,
            span,
        })
    }

    fn action(&mut self, pair: Pair<'_, GrammarRule>) -> Option<ActionDecl> {
        let goal = pair
            .clone()
            .into_inner()
            .next()
            .is_some_and(|first| first.as_rule() == GrammarRule::kw_goal);
        let (span, name, inner) = self.named(pair)?;
        let mut label = None;
        let mut clauses = Vec::new();
        for part in inner {
            match part.as_rule() {
                GrammarRule::string => label = Some(self.string(&part)),
                GrammarRule::contraindication => {
                    clauses.push(self.clause(part, ClauseKind::Contraindication)?)
                }
                GrammarRule::caution => clauses.push(self.clause(part, ClauseKind::Caution)?),
                _ => return self.unexpected(&part, "a label or a clause"),
            }
        }
        Some(ActionDecl {
            name,
            label,
            clauses,
            goal,
            span,
        })
    }

    fn clause(&mut self, pair: Pair<'_, GrammarRule>, kind: ClauseKind) -> Option<ActionClause> {
        let span = self.span_of(&pair);
        let mut inner = significant(pair);
        let condition = self.read(&mut inner, span, GrammarRule::expr, Self::condition)??;
        let mut because = None;
        let mut cite = Vec::new();
        for part in inner {
            let part_span = self.span_of(&part);
            match part.as_rule() {
                GrammarRule::because => {
                    because = Some(self.read(
                        &mut significant(part),
                        part_span,
                        GrammarRule::string,
                        Self::string,
                    )?);
                }
                GrammarRule::cite => cite = self.idents(significant(part))?,
                _ => return self.unexpected(&part, "`because` or `cite`"),
            }
        }
        Some(ActionClause {
            kind,
            condition,
            because,
            cite,
            span,
        })
    }

    fn section(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Section> {
        let (span, name, inner) = self.named(pair)?;
        let mut section = Section {
            name,
            title: None,
            first_match: false,
            complete: false,
            disjoint: false,
            items: Vec::new(),
            span,
        };
        for part in inner {
            match part.as_rule() {
                GrammarRule::string => section.title = Some(self.string(&part)),
                GrammarRule::section_modifier => match part.as_str() {
                    "first-match" => section.first_match = true,
                    "complete" => section.complete = true,
                    "disjoint" => section.disjoint = true,
                    _ => return self.unexpected(&part, "`first-match`, `complete` or `disjoint`"),
                },
                GrammarRule::rule => section.items.push(SectionItem::Rule(self.rule(part)?)),
                GrammarRule::section => section
                    .items
                    .push(SectionItem::Section(self.section(part)?)),
                _ => return self.unexpected(&part, "a part of a section"),
            }
        }
        Some(section)
    }

    fn rule(&mut self, pair: Pair<'_, GrammarRule>) -> Option<ast::Rule> {
        let (span, name, inner) = self.named(pair)?;
        let mut rule = ast::Rule {
            name,
            title: None,
            when: None,
            thens: Vec::new(),
            escalate: None,
            grading: None,
            cite: Vec::new(),
            expects: Vec::new(),
            span,
        };
        for part in inner {
            let part_span = self.span_of(&part);
            match part.as_rule() {
                GrammarRule::string => rule.title = Some(self.string(&part)),
                GrammarRule::when => {
                    rule.when = Some(self.read(
                        &mut significant(part),
                        part_span,
                        GrammarRule::expr,
                        Self::condition,
                    )??)
                }
                GrammarRule::then => rule.thens.push(self.then(part)?),
                GrammarRule::else_escalate => {
                    rule.escalate = Some(self.read(
                        &mut significant(part),
                        part_span,
                        GrammarRule::string,
                        Self::string,
                    )?);
                }
                GrammarRule::strength => {
                    let word = self.grade_word(part, part_span)?;
                    rule.grading.get_or_insert_default().strength = Some(word);
                }
                GrammarRule::certainty => {
                    let word = self.grade_word(part, part_span)?;
                    rule.grading.get_or_insert_default().certainty = Some(word);
                }
                GrammarRule::cite => rule.cite = self.idents(significant(part))?,
                GrammarRule::expect => {
                    let mut parts = significant(part);
                    let lint = self.take(&mut parts, GrammarRule::lint_name, part_span)?;
                    let lint = self.spanned_text(&lint);
                    let reason =
                        self.read(&mut parts, part_span, GrammarRule::string, Self::string)?;
                    rule.expects.push(Expect {
                        lint,
                        reason,
                        span: part_span,
                    });
                }
                _ => return self.unexpected(&part, "a part of a rule"),
            }
        }
        Some(rule)
    }

    fn then(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Then> {
        let span = self.span_of(&pair);
        let clause = pair.as_str();
        let mut parts = significant(pair);
        let outcome_pair = self.take(&mut parts, GrammarRule::outcome, span)?;
        let outcome = match outcome_pair.as_str() {
            "recommend" => Outcome::Recommend,
            "avoid" => Outcome::Avoid,
            _ => return self.unexpected(&outcome_pair, "`recommend` or `avoid`"),
        };
        // The names, and where `any of` starts the equal options.
        let mut actions = Vec::new();
        let mut kind = ChoiceKind::Ordered;
        for part in parts {
            if part.as_rule() == GrammarRule::any_of {
                if outcome == Outcome::Avoid {
                    // The words and the blanks after them go.
                    let input = part.get_input();
                    let after = input.get(part.as_span().end()..).unwrap_or("");
                    let blanks = after.len() - after.trim_start().len();
                    let words = self.span_of(&part);
                    let removed = Span::new(words.start_usize(), words.end as usize + blanks);
                    let offset = removed.start_usize().saturating_sub(span.start_usize());
                    let fixed = format!(
                        "{}{}",
                        clause.get(..offset).unwrap_or(""),
                        clause.get(offset + removed.len()..).unwrap_or("")
                    );
                    self.diagnostics
                        .push(error::any_of_after_avoid(words, removed, &fixed));
                }
                kind = ChoiceKind::Equal {
                    preferred: actions.len(),
                };
                continue;
            }
            if part.as_rule() != GrammarRule::ident {
                return self.unexpected(&part, "a name or `any of`");
            }
            actions.push(self.ident(&part));
        }
        Some(Then {
            outcome,
            kind,
            actions,
            span,
        })
    }

    /// The word of a `strength` or `certainty` clause, its blanks made one
    /// space (`very  low` is `very low`).
    fn grade_word(&mut self, pair: Pair<'_, GrammarRule>, at: Span) -> Option<Spanned<String>> {
        let word = self.take(&mut significant(pair), GrammarRule::grade_word, at)?;
        let text = word
            .as_str()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        Some(Spanned::new(text, self.span_of(&word)))
    }

    /// The preamble of a named declaration: its span, its name and the
    /// significant pairs after the name.
    fn named<'i>(
        &mut self,
        pair: Pair<'i, GrammarRule>,
    ) -> Option<(
        Span,
        Ident,
        impl Iterator<Item = Pair<'i, GrammarRule>> + use<'i>,
    )> {
        let span = self.span_of(&pair);
        let mut inner = significant(pair);
        let name = self.read(&mut inner, span, GrammarRule::ident, Self::ident)?;
        Some((span, name, inner))
    }

    /// The span of `pair` in the whole file, ending where its code ends.
    fn span_of(&self, pair: &Pair<'_, GrammarRule>) -> Span {
        let start = self.base + pair.as_span().start();
        Span::new(start, start + self.trivia.code_len(pair.as_str(), start))
    }

    fn spanned_text(&self, pair: &Pair<'_, GrammarRule>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_owned(), self.span_of(pair))
    }

    /// Reports a pair the grammar produced where lowering expected
    /// `expected`; `None` for the caller to pass up.
    fn unexpected<T>(&mut self, pair: &Pair<'_, GrammarRule>, expected: &str) -> Option<T> {
        let span = self.span_of(pair);
        self.diagnostics
            .push(error::internal(span, expected, Some(pair.as_rule())));
        None
    }

    /// The next inner pair (or operand), or an internal diagnostic at `at`
    /// (the parent's span) when the grammar gave none.
    fn next<T>(
        &mut self,
        items: &mut impl Iterator<Item = T>,
        at: Span,
        expected: &str,
    ) -> Option<T> {
        let item = items.next();
        if item.is_none() {
            self.diagnostics.push(error::internal(at, expected, None));
        }
        item
    }

    /// The next inner pair, which must be of `grammar_rule`.
    fn take<'i>(
        &mut self,
        pairs: &mut impl Iterator<Item = Pair<'i, GrammarRule>>,
        grammar_rule: GrammarRule,
        at: Span,
    ) -> Option<Pair<'i, GrammarRule>> {
        let expected = format!("`{grammar_rule:?}`");
        let pair = self.next(pairs, at, &expected)?;
        if pair.as_rule() == grammar_rule {
            Some(pair)
        } else {
            self.unexpected(&pair, &expected)
        }
    }

    /// The next inner pair, which must be of `grammar_rule`, read by
    /// `read` (e.g. [`Lower::ident`]).
    fn read<'i, T>(
        &mut self,
        pairs: &mut impl Iterator<Item = Pair<'i, GrammarRule>>,
        at: Span,
        grammar_rule: GrammarRule,
        read: impl FnOnce(&mut Self, &Pair<'i, GrammarRule>) -> T,
    ) -> Option<T> {
        let pair = self.take(pairs, grammar_rule, at)?;
        Some(read(self, &pair))
    }

    /// A condition at the top of a declaration or clause.
    fn condition(&mut self, pair: &Pair<'_, GrammarRule>) -> Option<Expr> {
        self.expr(pair.clone(), 0)
    }

    /// The unit of `quantity UNIT` or `duration UNIT`.
    fn unit_in(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Spanned<String>> {
        let span = self.span_of(&pair);
        let unit = self.take(&mut significant(pair), GrammarRule::unit, span)?;
        Some(self.spanned_text(&unit))
    }

    /// The optional description that ends a declaration: nothing, or one
    /// string.
    fn description<'i>(
        &mut self,
        mut rest: impl Iterator<Item = Pair<'i, GrammarRule>>,
    ) -> Option<Option<StrLit>> {
        let Some(pair) = rest.next() else {
            return Some(None);
        };
        if pair.as_rule() != GrammarRule::string {
            return self.unexpected(&pair, "a description");
        }
        let description = self.string(&pair);
        match rest.next() {
            Some(extra) => self.unexpected(&extra, "the end of the declaration"),
            None => Some(Some(description)),
        }
    }

    /// Every remaining pair as a name.
    fn idents<'i>(
        &mut self,
        pairs: impl Iterator<Item = Pair<'i, GrammarRule>>,
    ) -> Option<Vec<Ident>> {
        let mut names = Vec::new();
        for pair in pairs {
            if pair.as_rule() != GrammarRule::ident {
                return self.unexpected(&pair, "a name");
            }
            names.push(self.ident(&pair));
        }
        Some(names)
    }

    /// A name, in NFC so that two spellings of `fièvre` (precomposed `è`
    /// or `e` and a combining accent) are one name; reserved words are
    /// reported here, while lowering, because excluding them in the grammar
    /// would slow every identifier down. A reserved word stays the name it
    /// was written as, so its uses still resolve.
    fn ident(&mut self, pair: &Pair<'_, GrammarRule>) -> Ident {
        let text = pair.as_str();
        let span = self.span_of(pair);
        if RESERVED.contains(&text) {
            self.diagnostics.push(error::reserved_word(text, span));
        }
        if text.is_ascii() {
            return Spanned::new(text.to_owned(), span);
        }
        Spanned::new(text.nfc().collect(), span)
    }

    /// A string literal, its escapes decoded.
    fn string(&mut self, pair: &Pair<'_, GrammarRule>) -> StrLit {
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        Spanned::new(unescape(body), self.span_of(pair))
    }
}

/// Inner pairs without the punctuation and keyword tokens.
fn significant<'i>(pair: Pair<'i, GrammarRule>) -> impl Iterator<Item = Pair<'i, GrammarRule>> {
    pair.into_inner()
        .filter(|p| error::token_word(p.as_rule()).is_none())
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                out.push(decoded.unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
