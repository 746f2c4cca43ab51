//! Text → AST. The only file that walks pest `Pair`s; everything it returns
//! owns its data and carries `u32` spans.

use std::cell::Cell;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use unicode_normalization::UnicodeNormalization as _;

use super::ast::{self, *};
use super::limits::{self, MAX_DEPTH};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::{Span, Spanned};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/gdl.pest"]
struct GdlParser;

/// Files at least this large are parsed in chunks on several threads.
const PARALLEL_BYTES: usize = 256 * 1024;

thread_local! {
    /// Byte offset, within the whole file, of the text this thread is
    /// lowering: a large file is parsed in chunks, and spans stay absolute.
    static BASE: Cell<usize> = const { Cell::new(0) };
}

/// Parses a guideline. Returns the AST, or the diagnostics that stopped it
/// (pest stops at the first syntax error; lowering reports all it finds).
pub fn parse(text: &str) -> Result<File, Vec<Diagnostic>> {
    limits::check_nesting(text).map_err(|d| vec![d])?;
    if text.len() >= PARALLEL_BYTES
        && let Some(result) = parse_in_chunks(text)
    {
        return result;
    }
    parse_chunk(text, 0).unwrap_or_else(|| Err(vec![detailed_syntax_error(text)]))
}

/// Parses and lowers `chunk`, which starts at byte `base` of the file;
/// `None` on a syntax error (the caller words it from the whole file).
fn parse_chunk(chunk: &str, base: usize) -> Option<Result<File, Vec<Diagnostic>>> {
    let mut pairs = GdlParser::parse(Rule::file, chunk).ok()?;
    BASE.with(|b| b.set(base));
    let mut lower = Lower::default();
    let mut file = File::default();
    if let Some(file_pair) = pairs.next() {
        for pair in file_pair.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            if let Some(item) = lower.item(pair) {
                file.items.push(item);
            }
        }
    }
    BASE.with(|b| b.set(0));
    Some(if lower.diagnostics.is_empty() {
        Ok(file)
    } else {
        Err(lower.diagnostics)
    })
}

/// Splits a large file at top-level declarations and parses the pieces on
/// every core. `None` when it cannot help or a piece fails to parse: the
/// caller then parses the whole file, so results never depend on the split.
fn parse_in_chunks(text: &str) -> Option<Result<File, Vec<Diagnostic>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 {
        return None;
    }
    let starts = limits::top_level_starts(text);
    let mut bounds = vec![0usize];
    for k in 1..threads {
        let target = text.len() * k / threads;
        let next = starts
            .iter()
            .copied()
            .find(|&s| s >= target && s > bounds[bounds.len() - 1]);
        if let Some(start) = next {
            bounds.push(start);
        }
    }
    bounds.push(text.len());
    if bounds.len() < 3 {
        return None;
    }
    let pieces: Vec<Option<Result<File, Vec<Diagnostic>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let (start, end) = (w[0], w[1]);
                scope.spawn(move || parse_chunk(text.get(start..end)?, start))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().ok().flatten())
            .collect()
    });
    let mut file = File::default();
    let mut diagnostics = Vec::new();
    for piece in pieces {
        match piece? {
            Ok(part) => file.items.extend(part.items),
            Err(found) => diagnostics.extend(found),
        }
    }
    Some(if diagnostics.is_empty() {
        Ok(file)
    } else {
        Err(diagnostics)
    })
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let base = BASE.with(Cell::get);
    let span = pair.as_span();
    let end = span.start() + code_len(pair.as_str());
    Span::new(base + span.start(), base + end)
}

/// The length of `text` without the blanks and comments pest's implicit
/// skipping leaves at the end of a rule whose last, optional part is absent.
fn code_len(text: &str) -> usize {
    let mut text = text.trim_end();
    loop {
        let line_start = text.rfind('\n').map_or(0, |i| i + 1);
        let Some(hash) = comment_start(&text[line_start..]) else {
            return text.len();
        };
        text = text[..line_start + hash].trim_end();
    }
}

/// Where a `#` comment starts on a line, outside strings.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return Some(index),
            _ => {}
        }
    }
    None
}

#[derive(Default)]
struct Lower {
    diagnostics: Vec<Diagnostic>,
}

/// Pulls the next inner pair; the grammar guarantees its presence, so a
/// missing one only happens if grammar and lowering disagree.
fn next<'i>(pairs: &mut impl Iterator<Item = Pair<'i, Rule>>) -> Option<Pair<'i, Rule>> {
    pairs.next()
}

impl Lower {
    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        Some(match pair.as_rule() {
            Rule::guideline => Item::Guideline(self.guideline(pair)?),
            Rule::reference => Item::Reference(self.reference(pair)?),
            Rule::enum_decl => Item::Enum(self.enum_decl(pair)?),
            Rule::fact => Item::Fact(self.fact(pair)?),
            Rule::define => Item::Define(self.define(pair)?),
            Rule::invariant => Item::Invariant(self.invariant(pair)?),
            Rule::exclusive => Item::Exclusive(self.exclusive(pair)?),
            Rule::action => Item::Action(self.action(pair)?),
            Rule::rule => Item::Rule(self.rule(pair)?),
            Rule::section => Item::Section(self.section(pair)?),
            _ => return None,
        })
    }

    fn guideline(&mut self, pair: Pair<'_, Rule>) -> Option<Guideline> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let id = self.ident(next(&mut inner)?);
        let title = self.string(next(&mut inner)?);
        let mut meta = Vec::new();
        for pair in inner.filter(|p| p.as_rule() == Rule::meta) {
            let mut parts = pair.into_inner();
            let key = self.ident(next(&mut parts)?);
            let value = self.string(next(&mut parts)?);
            meta.push((key, value));
        }
        Some(Guideline {
            id,
            title,
            meta,
            span,
        })
    }

    fn reference(&mut self, pair: Pair<'_, Rule>) -> Option<Reference> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let key = self.ident(next(&mut inner)?);
        let mut reference = Reference {
            key,
            pmid: None,
            doi: None,
            urls: Vec::new(),
            citation: Spanned::new(String::new(), span),
            span,
        };
        for part in inner {
            match part.as_rule() {
                Rule::pmid => {
                    let value = significant(part).next()?;
                    reference.pmid = Some(Spanned::new(value.as_str().to_owned(), span_of(&value)));
                }
                Rule::doi => reference.doi = Some(self.string(significant(part).next()?)),
                Rule::url => reference.urls.push(self.string(significant(part).next()?)),
                Rule::string => reference.citation = self.string(part),
                _ => {}
            }
        }
        Some(reference)
    }

    fn enum_decl(&mut self, pair: Pair<'_, Rule>) -> Option<EnumDecl> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let values = inner.map(|p| self.ident(p)).collect();
        Some(EnumDecl { name, values, span })
    }

    fn fact(&mut self, pair: Pair<'_, Rule>) -> Option<FactDecl> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let ty_pair = next(&mut inner)?;
        let ty_span = span_of(&ty_pair);
        let ty = match ty_pair.as_rule() {
            Rule::bool_type => TypeExpr::Bool,
            Rule::number_type => TypeExpr::Number,
            Rule::quantity_type => TypeExpr::Quantity(spanned_text(significant(ty_pair).next()?)),
            Rule::duration_type => TypeExpr::Duration(spanned_text(significant(ty_pair).next()?)),
            Rule::set_type => TypeExpr::SetOf(self.ident(significant(ty_pair).next()?)),
            _ => TypeExpr::Named(self.ident(ty_pair.into_inner().next()?)),
        };
        let description = inner.next().map(|p| self.string(p));
        Some(FactDecl {
            name,
            ty: Spanned::new(ty, ty_span),
            description,
            span,
        })
    }

    fn define(&mut self, pair: Pair<'_, Rule>) -> Option<Define> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let body = self.expr(next(&mut inner)?, 0)?;
        let description = inner.next().map(|p| self.string(p));
        Some(Define {
            name,
            body,
            description,
            span,
        })
    }

    fn invariant(&mut self, pair: Pair<'_, Rule>) -> Option<Invariant> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let condition = self.expr(next(&mut inner)?, 0)?;
        let description = inner.next().map(|p| self.string(p));
        Some(Invariant {
            condition,
            description,
            span,
        })
    }

    fn exclusive(&mut self, pair: Pair<'_, Rule>) -> Option<Exclusive> {
        let span = span_of(&pair);
        let mut actions = Vec::new();
        let mut description = None;
        for part in significant(pair) {
            match part.as_rule() {
                Rule::ident => actions.push(self.ident(part)),
                _ => description = Some(self.string(part)),
            }
        }
        Some(Exclusive {
            actions,
            description,
            span,
        })
    }

    fn action(&mut self, pair: Pair<'_, Rule>) -> Option<ActionDecl> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let mut label = None;
        let mut clauses = Vec::new();
        for part in inner {
            match part.as_rule() {
                Rule::string => label = Some(self.string(part)),
                Rule::contraindication => {
                    clauses.push(self.clause(part, ClauseKind::Contraindication)?)
                }
                Rule::caution => clauses.push(self.clause(part, ClauseKind::Caution)?),
                _ => {}
            }
        }
        Some(ActionDecl {
            name,
            label,
            clauses,
            span,
        })
    }

    fn clause(&mut self, pair: Pair<'_, Rule>, kind: ClauseKind) -> Option<ActionClause> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let condition = self.expr(next(&mut inner)?, 0)?;
        let mut because = None;
        let mut cite = Vec::new();
        for part in inner {
            match part.as_rule() {
                Rule::because => because = Some(self.string(significant(part).next()?)),
                Rule::cite => cite = significant(part).map(|p| self.ident(p)).collect(),
                _ => {}
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

    fn section(&mut self, pair: Pair<'_, Rule>) -> Option<Section> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let mut section = Section {
            name,
            title: None,
            first_match: false,
            complete: false,
            items: Vec::new(),
            span,
        };
        for part in inner {
            match part.as_rule() {
                Rule::string => section.title = Some(self.string(part)),
                Rule::section_modifier => match part.as_str() {
                    "first-match" => section.first_match = true,
                    _ => section.complete = true,
                },
                Rule::rule => section.items.push(SectionItem::Rule(self.rule(part)?)),
                Rule::section => section
                    .items
                    .push(SectionItem::Section(self.section(part)?)),
                _ => {}
            }
        }
        Some(section)
    }

    fn rule(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Rule> {
        let span = span_of(&pair);
        let mut inner = significant(pair);
        let name = self.ident(next(&mut inner)?);
        let mut rule = ast::Rule {
            name,
            title: None,
            when: None,
            thens: Vec::new(),
            escalate: None,
            cite: Vec::new(),
            expects: Vec::new(),
            span,
        };
        for part in inner {
            match part.as_rule() {
                Rule::string => rule.title = Some(self.string(part)),
                Rule::when => rule.when = Some(self.expr(significant(part).next()?, 0)?),
                Rule::then => {
                    let then_span = span_of(&part);
                    let mut parts = significant(part);
                    let outcome = match next(&mut parts)?.as_str() {
                        "avoid" => Outcome::Avoid,
                        _ => Outcome::Recommend,
                    };
                    rule.thens.push(Then {
                        outcome,
                        actions: parts.map(|p| self.ident(p)).collect(),
                        span: then_span,
                    });
                }
                Rule::else_escalate => rule.escalate = Some(self.string(significant(part).next()?)),
                Rule::cite => rule.cite = significant(part).map(|p| self.ident(p)).collect(),
                Rule::expect => {
                    let expect_span = span_of(&part);
                    let mut parts = significant(part);
                    let lint = spanned_text(next(&mut parts)?);
                    let reason = self.string(next(&mut parts)?);
                    rule.expects.push(Expect {
                        lint,
                        reason,
                        span: expect_span,
                    });
                }
                _ => {}
            }
        }
        Some(rule)
    }

    /// Applies precedence to a flat run of operands and operators: `and`
    /// binds tighter than `or`, which binds tighter than `implies`; chains
    /// of `and` or `or` become one n-ary node; `implies` does not chain.
    fn combine(&mut self, operands: Vec<Expr>, operators: Vec<(Rule, Span)>) -> Option<Expr> {
        // [implies side][or operand][and operand]
        let mut sides: Vec<Vec<Vec<Expr>>> = vec![vec![Vec::new()]];
        let mut operands = operands.into_iter();
        sides.last_mut()?.last_mut()?.push(operands.next()?);
        let mut implies_spans = Vec::new();
        for (operator, operator_span) in operators {
            let operand = operands.next()?;
            match operator {
                Rule::kw_and => sides.last_mut()?.last_mut()?.push(operand),
                Rule::kw_or => sides.last_mut()?.push(vec![operand]),
                _ => {
                    implies_spans.push(operator_span);
                    sides.push(vec![vec![operand]]);
                }
            }
        }
        if let Some(&second) = implies_spans.get(1) {
            self.diagnostics.push(
                Diagnostic::new(Code::SyntaxError, "`implies` cannot be chained")
                    .primary(second, "a second `implies`")
                    .secondary(implies_spans[0], "the first")
                    .help(
                        "add parentheses: `(a implies b) implies c` or `a implies (b implies c)`",
                    ),
            );
            return None;
        }
        let join = |mut parts: Vec<Expr>, or: bool| -> Option<Expr> {
            if parts.len() == 1 {
                return parts.pop();
            }
            let span = parts.first()?.span.to(parts.last()?.span);
            let kind = if or {
                ExprKind::Or(parts)
            } else {
                ExprKind::And(parts)
            };
            Some(Expr { kind, span })
        };
        let mut conditions = Vec::new();
        for side in sides {
            let disjuncts = side
                .into_iter()
                .map(|conjuncts| join(conjuncts, false))
                .collect::<Option<Vec<Expr>>>()?;
            conditions.push(join(disjuncts, true)?);
        }
        let right = conditions.pop()?;
        match conditions.pop() {
            Some(left) => Some(Expr {
                span: left.span.to(right.span),
                kind: ExprKind::Implies(Box::new(left), Box::new(right)),
            }),
            None => Some(right),
        }
    }

    /// Lowers a condition. `depth` counts enclosing parentheses and `not`s;
    /// recursion happens only through parentheses, which `limits` bounds.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Option<Expr> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let mut operands: Vec<Expr> = Vec::new();
                let mut operators: Vec<(Rule, Span)> = Vec::new();
                let mut nots: Vec<Span> = Vec::new();
                // The operand being read: its primary, then its closing
                // parenthesis, then the `not`s before it wrap it.
                let mut pending: Option<Expr> = None;
                let mut open: Option<Span> = None;
                let flush =
                    |pending: &mut Option<Expr>, nots: &mut Vec<Span>, operands: &mut Vec<Expr>| {
                        if let Some(mut operand) = pending.take() {
                            for not_span in nots.drain(..).rev() {
                                operand = Expr {
                                    span: not_span.to(operand.span),
                                    kind: ExprKind::Not(Box::new(operand)),
                                };
                            }
                            operands.push(operand);
                        }
                    };
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::kw_not => nots.push(span_of(&part)),
                        Rule::tok_lparen => open = Some(span_of(&part)),
                        Rule::tok_rparen => {
                            if let (Some(operand), Some(start)) = (pending.as_mut(), open.take()) {
                                operand.span = start.to(span_of(&part));
                            }
                        }
                        Rule::kw_and | Rule::kw_or | Rule::kw_implies => {
                            flush(&mut pending, &mut nots, &mut operands);
                            operators.push((part.as_rule(), span_of(&part)));
                        }
                        _ => {
                            let depth = depth + nots.len();
                            if depth > MAX_DEPTH {
                                let at = nots.last().copied().unwrap_or(span);
                                self.diagnostics.push(limits::too_deep(at));
                                return None;
                            }
                            pending = Some(self.expr(part, depth + 1)?);
                        }
                    }
                }
                flush(&mut pending, &mut nots, &mut operands);
                self.combine(operands, operators)
            }
            Rule::boolean => Some(Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            }),
            Rule::test => {
                let mut parts = pair.into_inner();
                let name = self.ident(next(&mut parts)?);
                // The pair's own span may include blanks skipped before an
                // absent tail; the test spans from its name to its tail.
                let Some(tail) = parts.next() else {
                    return Some(Expr {
                        span: name.span,
                        kind: ExprKind::Name(name.node),
                    });
                };
                let span = name.span.to(span_of(&tail));
                let mut tail_parts = significant(tail.clone());
                let kind = if tail.as_rule() == Rule::comparison {
                    let op = match next(&mut tail_parts)?.as_str() {
                        "<" => CmpOp::Lt,
                        "<=" => CmpOp::Le,
                        ">" => CmpOp::Gt,
                        ">=" => CmpOp::Ge,
                        "=" => CmpOp::Eq,
                        _ => CmpOp::Ne,
                    };
                    let operand = self.operand(next(&mut tail_parts)?)?;
                    ExprKind::Compare {
                        fact: name,
                        op,
                        operand,
                    }
                } else {
                    let set_pair = next(&mut tail_parts)?;
                    let set_span = span_of(&set_pair);
                    let set = match set_pair.as_rule() {
                        Rule::set_literal => {
                            SetExpr::Literal(significant(set_pair).map(|p| self.ident(p)).collect())
                        }
                        _ => SetExpr::Fact(self.ident(set_pair)),
                    };
                    ExprKind::In {
                        element: name,
                        set: Spanned::new(set, set_span),
                    }
                };
                Some(Expr { kind, span })
            }
            _ => None,
        }
    }

    fn operand(&mut self, pair: Pair<'_, Rule>) -> Option<Spanned<Operand>> {
        let span = span_of(&pair);
        let operand = match pair.as_rule() {
            Rule::quantity_literal => {
                let mut parts = pair.into_inner();
                let number = next(&mut parts)?;
                let value = self.number(&number)?;
                let unit = parts.next().map(spanned_text);
                Operand::Number { value, unit }
            }
            Rule::boolean => Operand::Bool(pair.as_str() == "true"),
            _ => Operand::Name(self.ident(pair).node),
        };
        Some(Spanned::new(operand, span))
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Option<f64> {
        match pair.as_str().parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() < 1e15 => Some(value),
            _ => {
                self.diagnostics.push(
                    Diagnostic::new(Code::NumberOutOfRange, "number is too large")
                        .primary(span_of(pair), "this number")
                        .help("gdl numbers must be smaller than 10^15 in magnitude; use a larger unit"),
                );
                None
            }
        }
    }

    /// A name, in NFC so that two spellings of `fièvre` (precomposed `è`
    /// or `e` and a combining accent) are one name; reserved words are
    /// reported here, while lowering, because excluding them in the grammar
    /// would slow every identifier down.
    fn ident(&mut self, pair: Pair<'_, Rule>) -> Ident {
        if RESERVED.contains(&pair.as_str()) {
            self.diagnostics.push(
                Diagnostic::new(
                    Code::SyntaxError,
                    format!(
                        "`{}` is a reserved word and cannot be used as a name",
                        pair.as_str()
                    ),
                )
                .primary(span_of(&pair), "reserved word")
                .help("choose another name, e.g. with a suffix such as `_flag`"),
            );
        }
        let text = pair.as_str();
        if text.is_ascii() {
            return spanned_text(pair);
        }
        Spanned::new(text.nfc().collect(), span_of(&pair))
    }

    /// Decodes a string literal's escapes.
    fn string(&mut self, pair: Pair<'_, Rule>) -> StrLit {
        let span = span_of(&pair);
        let raw = pair.as_str();
        let body = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        Spanned::new(unescape(body), span)
    }
}

/// Inner pairs without the punctuation and keyword tokens.
fn significant<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

fn is_token(grammar_rule: Rule) -> bool {
    token_word(grammar_rule).is_some_and(|word| word.starts_with('`'))
}

fn spanned_text(pair: Pair<'_, Rule>) -> Spanned<String> {
    Spanned::new(pair.as_str().to_owned(), span_of(&pair))
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

/// How a grammar rule is named in a syntax error. Punctuation and keywords
/// are written in backticks, which also marks them as tokens for lowering.
fn token_word(grammar_rule: Rule) -> Option<&'static str> {
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
];

/// Parses again with pest's error detail on, which records the literal
/// tokens expected at the failure, and words the error from that. Only the
/// failure path pays for the detail. The flag is global and only ever turned
/// on, so concurrent parses stay correct (at worst a little slower).
fn detailed_syntax_error(text: &str) -> Diagnostic {
    pest::set_error_detail(true);
    match GdlParser::parse(Rule::file, text) {
        Ok(_) => Diagnostic::new(Code::SyntaxError, "the file could not be parsed"),
        Err(error) => syntax_error(text, &error),
    }
}

fn syntax_error(text: &str, error: &pest::error::Error<Rule>) -> Diagnostic {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> Expr {
        let file = parse(&format!("define d = {text}")).unwrap_or_default();
        match file.items.into_iter().next() {
            Some(Item::Define(define)) => define.body,
            other => panic!("not a define: {other:?}"),
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let parsed = expr("a or b and c");
        let ExprKind::Or(parts) = parsed.kind else {
            panic!("expected or")
        };
        assert_eq!(parts.len(), 2);
        assert!(matches!(parts[1].kind, ExprKind::And(_)));
    }

    #[test]
    fn implies_binds_loosest_and_does_not_chain() {
        let parsed = expr("a and b implies c or d");
        let ExprKind::Implies(left, right) = parsed.kind else {
            panic!("expected implies")
        };
        assert!(matches!(left.kind, ExprKind::And(_)));
        assert!(matches!(right.kind, ExprKind::Or(_)));
        let error = parse("define d = a implies b implies c")
            .err()
            .unwrap_or_default();
        assert_eq!(error[0].message, "`implies` cannot be chained");
    }

    #[test]
    fn parentheses_keep_grouping_and_span() {
        let text = "define d = not (a or b) and c";
        let parsed = expr("not (a or b) and c");
        let ExprKind::And(parts) = parsed.kind else {
            panic!("expected and")
        };
        let ExprKind::Not(inner) = &parts[0].kind else {
            panic!("expected not")
        };
        assert!(matches!(inner.kind, ExprKind::Or(_)));
        let start = text.find("(").unwrap_or(0);
        assert_eq!(inner.span.start as usize, start);
        assert_eq!(
            &text[inner.span.start as usize..inner.span.end as usize],
            "(a or b)"
        );
    }

    #[test]
    fn quantity_literal_keeps_its_unit() {
        let parsed = expr("egfr < 60 mL/min/1.73m2 and x");
        let ExprKind::And(parts) = parsed.kind else {
            panic!("expected and")
        };
        let ExprKind::Compare { operand, .. } = &parts[0].kind else {
            panic!("expected comparison")
        };
        let Operand::Number { value, unit } = &operand.node else {
            panic!("expected number")
        };
        assert_eq!(*value, 60.0);
        assert_eq!(
            unit.as_ref().map(|u| u.node.as_str()),
            Some("mL/min/1.73m2")
        );
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(unescape(r#"a\"b\\c\n\u{e9}"#), "a\"b\\c\né");
    }

    #[test]
    fn many_nots_are_bounded() {
        let text = format!("define d = {} x", "not ".repeat(1000));
        let error = parse(&text).err().unwrap_or_default();
        assert_eq!(error.first().map(|d| d.code), Some(Code::NestingTooDeep));
    }

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
        let whole = format!("{:?}", parse_chunk(&text, 0));
        let chunked = format!("{:?}", parse_in_chunks(&text));
        assert_eq!(whole, chunked);
        assert!(parse_in_chunks(&text).is_some_and(|r| r.is_ok()));
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

    #[test]
    fn reserved_words_are_not_names() {
        let error = parse("fact and: bool").err().unwrap_or_default();
        assert!(
            error[0].message.contains("reserved word"),
            "{}",
            error[0].message
        );
    }

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
