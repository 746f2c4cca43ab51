//! Lowering conditions: a flat run of operands and operators → an
//! [`Expr`] tree, with precedence applied here rather than in the grammar
//! (`not` > `and` > `or` > `implies`), and the tests (`x`, `x < 5 mg`,
//! `x in s`, `x in 30..<50 mg`) with their operands.
//!
//! Invariant: the tree is never deeper than the text's parentheses (bounded
//! before parsing) plus [`MAX_DEPTH`] `not`s, so later stages may recurse
//! over it; a problem is reported and a placeholder of the same type takes
//! the part's place (see the parent module).

use pest::iterators::Pair;

use super::{Lower, significant};
use crate::span::{Span, Spanned};
use crate::syntax::ast::{
    Arith, ArithKind, ArithOp, CmpOp, Expr, ExprKind, Function, Operand, Range, RangeKind, SetExpr,
};
use crate::syntax::error;
use crate::syntax::limits::MAX_DEPTH;
use crate::syntax::parse::GrammarRule;

/// Numbers must be smaller than this in magnitude: beyond it, `f64` no
/// longer holds every integer exactly.
const NUMBER_LIMIT: f64 = 1e15;

impl Lower<'_> {
    /// Lowers a condition. `depth` counts enclosing parentheses and `not`s;
    /// recursion happens only through parentheses, which `limits` bounds.
    pub(super) fn expr(&mut self, pair: Pair<'_, GrammarRule>, depth: usize) -> Option<Expr> {
        let span = self.span_of(&pair);
        match pair.as_rule() {
            GrammarRule::expr => self.run(pair, depth, span),
            GrammarRule::boolean => Some(Expr {
                kind: ExprKind::Bool(pair.as_str() == "true"),
                span,
            }),
            GrammarRule::test => self.test(pair),
            GrammarRule::count => self.count(pair, depth),
            GrammarRule::relation => self.relation(pair),
            _ => self.unexpected(&pair, "a condition"),
        }
    }

    /// A run of operands (each its `not`s and a primary) between operators.
    fn run(&mut self, pair: Pair<'_, GrammarRule>, depth: usize, span: Span) -> Option<Expr> {
        let mut operands: Vec<Expr> = Vec::new();
        let mut operators: Vec<(GrammarRule, Span)> = Vec::new();
        let mut nots: Vec<Span> = Vec::new();
        // The operand being read: its primary, then its closing
        // parenthesis, then the `not`s before it wrap it.
        let mut pending: Option<Expr> = None;
        let mut open: Option<Span> = None;
        let flush = |pending: &mut Option<Expr>, nots: &mut Vec<Span>, operands: &mut Vec<Expr>| {
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
                GrammarRule::kw_not => nots.push(self.span_of(&part)),
                GrammarRule::tok_lparen => open = Some(self.span_of(&part)),
                GrammarRule::tok_rparen => {
                    if let (Some(operand), Some(start)) = (pending.as_mut(), open.take()) {
                        operand.span = start.to(self.span_of(&part));
                    }
                }
                GrammarRule::kw_and | GrammarRule::kw_or | GrammarRule::kw_implies => {
                    flush(&mut pending, &mut nots, &mut operands);
                    operators.push((part.as_rule(), self.span_of(&part)));
                }
                _ => {
                    if depth + nots.len() > MAX_DEPTH {
                        let at = nots.last().copied().unwrap_or(span);
                        self.diagnostics.push(error::too_deep(at));
                        // The placeholder: the operand without its `not`s,
                        // which keeps the tree within the limit.
                        nots.clear();
                    }
                    let depth = depth + nots.len();
                    pending = Some(self.expr(part, depth + 1)?);
                }
            }
        }
        flush(&mut pending, &mut nots, &mut operands);
        self.combine(operands, operators, span)
    }

    /// Applies precedence to a flat run of operands and operators: `and`
    /// binds tighter than `or`, which binds tighter than `implies`; chains
    /// of `and` or `or` become one n-ary node; `implies` does not chain.
    fn combine(
        &mut self,
        operands: Vec<Expr>,
        operators: Vec<(GrammarRule, Span)>,
        span: Span,
    ) -> Option<Expr> {
        let mut operands = operands.into_iter();
        let mut current = self.next(&mut operands, span, "an operand")?;
        // Finished operands of the `and` run being read, finished `and`
        // runs of the `or` run being read, finished sides of `implies`.
        let mut conjuncts = Vec::new();
        let mut disjuncts = Vec::new();
        let mut sides = Vec::new();
        let mut implies_spans = Vec::new();
        for (operator, operator_span) in operators {
            let operand = self.next(&mut operands, operator_span, "an operand")?;
            let done = std::mem::replace(&mut current, operand);
            match operator {
                GrammarRule::kw_and => conjuncts.push(done),
                GrammarRule::kw_or => {
                    disjuncts.push(nary(std::mem::take(&mut conjuncts), done, ExprKind::And))
                }
                GrammarRule::kw_implies => {
                    let conjunction = nary(std::mem::take(&mut conjuncts), done, ExprKind::And);
                    sides.push(nary(
                        std::mem::take(&mut disjuncts),
                        conjunction,
                        ExprKind::Or,
                    ));
                    implies_spans.push(operator_span);
                }
                _ => {
                    let found = Some(operator);
                    let expected = "`and`, `or` or `implies`";
                    self.diagnostics
                        .push(error::internal(operator_span, expected, found));
                    return None;
                }
            }
        }
        let conjunction = nary(conjuncts, current, ExprKind::And);
        let last = nary(disjuncts, conjunction, ExprKind::Or);
        if let (Some(&first), Some(&second)) = (implies_spans.first(), implies_spans.get(1)) {
            self.diagnostics.push(error::implies_chained(second, first));
            // The placeholder: every side, as one flat conjunction.
            return Some(nary(sides, last, ExprKind::And));
        }
        Some(match sides.pop() {
            Some(left) => Expr {
                span: left.span.to(last.span),
                kind: ExprKind::Implies(Box::new(left), Box::new(last)),
            },
            None => last,
        })
    }

    /// `x`, `x < 5 mg`, `x in s` or `x in 30..<50 mg`.
    fn test(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Expr> {
        let at = self.span_of(&pair);
        let mut parts = pair.into_inner();
        let name = self.read(&mut parts, at, GrammarRule::ident, Self::ident)?;
        // The pair's own span may include blanks skipped before an absent
        // tail; the test spans from its name to its tail.
        let Some(tail) = parts.next() else {
            return Some(Expr {
                span: name.span,
                kind: ExprKind::Name(name.node),
            });
        };
        let tail_span = self.span_of(&tail);
        let span = name.span.to(tail_span);
        let kind = match tail.as_rule() {
            GrammarRule::comparison => {
                let mut tail_parts = significant(tail);
                let op_pair = self.take(&mut tail_parts, GrammarRule::cmp_op, tail_span)?;
                let op = self.cmp_op(&op_pair)?;
                let operand_pair = self.next(&mut tail_parts, tail_span, "a value")?;
                let operand = self.operand(operand_pair)?;
                ExprKind::Compare {
                    fact: name,
                    op,
                    operand,
                }
            }
            GrammarRule::membership => {
                let set_pair = self.next(&mut significant(tail), tail_span, "a set")?;
                let set_span = self.span_of(&set_pair);
                if set_pair.as_rule() == GrammarRule::range_literal {
                    let range = self.range(set_pair)?;
                    return Some(Expr {
                        kind: ExprKind::InRange { fact: name, range },
                        span,
                    });
                }
                let set = match set_pair.as_rule() {
                    GrammarRule::set_literal => {
                        SetExpr::Literal(self.idents(significant(set_pair))?)
                    }
                    GrammarRule::ident => SetExpr::Fact(self.ident(&set_pair)),
                    _ => return self.unexpected(&set_pair, "a set"),
                };
                ExprKind::In {
                    element: name,
                    set: Spanned::new(set, set_span),
                }
            }
            _ => return self.unexpected(&tail, "a comparison or `in`"),
        };
        Some(Expr { kind, span })
    }

    fn cmp_op(&mut self, pair: &Pair<'_, GrammarRule>) -> Option<CmpOp> {
        Some(match pair.as_str() {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            "=" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            _ => return self.unexpected(pair, "a comparison operator"),
        })
    }

    /// `left op right`. A name against a constant, a name or `true`/`false`
    /// is the simple comparison (`x < 5 mg`, `sex = female`); anything else
    /// is a relation between arithmetic sides.
    fn relation(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Expr> {
        let span = self.span_of(&pair);
        let mut parts = significant(pair);
        let left_pair = self.take(&mut parts, GrammarRule::sum, span)?;
        let left = self.arith(left_pair)?;
        let op_pair = self.take(&mut parts, GrammarRule::cmp_op, span)?;
        let op = self.cmp_op(&op_pair)?;
        let right_pair = self.take(&mut parts, GrammarRule::sum, span)?;
        let right = self.arith(right_pair)?;
        let kind = match (left.kind, right.kind) {
            (ArithKind::Name(name), ArithKind::Number { value, unit }) => ExprKind::Compare {
                fact: Spanned::new(name, left.span),
                op,
                operand: Spanned::new(Operand::Number { value, unit }, right.span),
            },
            (ArithKind::Name(name), ArithKind::Name(other)) => {
                let operand = match other.as_str() {
                    "true" => Operand::Bool(true),
                    "false" => Operand::Bool(false),
                    _ => Operand::Name(other),
                };
                ExprKind::Compare {
                    fact: Spanned::new(name, left.span),
                    op,
                    operand: Spanned::new(operand, right.span),
                }
            }
            (left_kind, right_kind) => ExprKind::Relation {
                left: Arith {
                    kind: left_kind,
                    span: left.span,
                },
                op,
                right: Arith {
                    kind: right_kind,
                    span: right.span,
                },
            },
        };
        Some(Expr { kind, span })
    }

    /// An arithmetic side: sums and products chain to the left; nesting
    /// is only through parentheses (bounded before parsing).
    pub(super) fn arith(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Arith> {
        let span = self.span_of(&pair);
        match pair.as_rule() {
            GrammarRule::sum | GrammarRule::product => {
                let mut parts = significant(pair);
                let first = self.next(&mut parts, span, "a number or a name")?;
                let mut left = self.arith(first)?;
                let mut chained = false;
                while let Some(op_pair) = parts.next() {
                    chained = true;
                    let op = match op_pair.as_str().trim() {
                        "+" => ArithOp::Add,
                        "-" => ArithOp::Sub,
                        "*" => ArithOp::Mul,
                        "/" => ArithOp::Div,
                        _ => return self.unexpected(&op_pair, "an arithmetic operator"),
                    };
                    let operand = self.next(&mut parts, span, "a number or a name")?;
                    let right = self.arith(operand)?;
                    left = Arith {
                        span: left.span.to(right.span),
                        kind: ArithKind::Binary {
                            op,
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                    };
                }
                // The whole chain, its first operand's parentheses included.
                if chained {
                    left.span = span;
                }
                Some(left)
            }
            GrammarRule::quantity_literal => {
                let operand = self.operand(pair)?;
                match operand.node {
                    Operand::Number { value, unit } => Some(Arith {
                        kind: ArithKind::Number { value, unit },
                        span,
                    }),
                    _ => {
                        let found = Some(GrammarRule::quantity_literal);
                        self.diagnostics
                            .push(error::internal(span, "a number", found));
                        None
                    }
                }
            }
            // `x = true` reaches here as a relation: `true` and `false` are
            // the constants, not reserved words misused as names.
            GrammarRule::ident if matches!(pair.as_str(), "true" | "false") => Some(Arith {
                kind: ArithKind::Name(pair.as_str().to_owned()),
                span,
            }),
            GrammarRule::ident => Some(Arith {
                kind: ArithKind::Name(self.ident(&pair).node),
                span,
            }),
            GrammarRule::call => {
                let mut parts = significant(pair);
                let name = self.take(&mut parts, GrammarRule::function, span)?;
                let function = match name.as_str() {
                    "min" => Function::Min,
                    "max" => Function::Max,
                    "years_between" => Function::YearsBetween,
                    "months_between" => Function::MonthsBetween,
                    _ => Function::Round,
                };
                let mut args = Vec::new();
                for part in parts {
                    args.push(self.arith(part)?);
                }
                Some(Arith {
                    kind: ArithKind::Call { function, args },
                    span,
                })
            }
            GrammarRule::conditional => {
                let mut parts = significant(pair);
                let condition = self.take(&mut parts, GrammarRule::expr, span)?;
                let condition = self.expr(condition, 1)?;
                let then = self.take(&mut parts, GrammarRule::sum, span)?;
                let then = self.arith(then)?;
                let otherwise = self.take(&mut parts, GrammarRule::sum, span)?;
                let otherwise = self.arith(otherwise)?;
                Some(Arith {
                    kind: ArithKind::If {
                        condition: Box::new(condition),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    span,
                })
            }
            _ => self.unexpected(&pair, "a number or a name"),
        }
    }

    /// `at least 2 of (a, b, c)`: the parentheses count as one level of
    /// nesting, as any others do.
    fn count(&mut self, pair: Pair<'_, GrammarRule>, depth: usize) -> Option<Expr> {
        let span = self.span_of(&pair);
        let mut parts = significant(pair);
        let bound = self.take(&mut parts, GrammarRule::count_bound, span)?;
        let at_least = bound.as_str().ends_with("least");
        let number = self.take(&mut parts, GrammarRule::count_number, span)?;
        let number_span = self.span_of(&number);
        let count = number.as_str().parse::<u32>().unwrap_or_else(|_| {
            self.diagnostics.push(error::number_too_large(number_span));
            0
        });
        let mut counted = Vec::new();
        for part in parts {
            counted.push(self.expr(part, depth + 1)?);
        }
        Some(Expr {
            kind: ExprKind::Count {
                at_least,
                count: Spanned::new(count, number_span),
                parts: counted,
            },
            span,
        })
    }

    fn operand(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Spanned<Operand>> {
        let span = self.span_of(&pair);
        let operand = match pair.as_rule() {
            GrammarRule::quantity_literal => {
                let mut parts = pair.into_inner();
                let number = self.take(&mut parts, GrammarRule::number, span)?;
                let value = self.number(&number);
                let unit = match parts.next() {
                    None => None,
                    Some(unit) if unit.as_rule() == GrammarRule::unit => {
                        Some(self.spanned_text(&unit))
                    }
                    Some(other) => return self.unexpected(&other, "a unit"),
                };
                Operand::Number { value, unit }
            }
            GrammarRule::boolean => Operand::Bool(pair.as_str() == "true"),
            GrammarRule::ident => Operand::Name(self.ident(&pair).node),
            _ => return self.unexpected(&pair, "a value"),
        };
        Some(Spanned::new(operand, span))
    }

    /// `30..<50 mL/min`: two numbers, the operator between them and the
    /// unit after the upper one.
    fn range(&mut self, pair: Pair<'_, GrammarRule>) -> Option<Spanned<Range>> {
        let span = self.span_of(&pair);
        let mut parts = pair.into_inner();
        let low = self.take(&mut parts, GrammarRule::number, span)?;
        let op = self.take(&mut parts, GrammarRule::range_op, span)?;
        let high = self.take(&mut parts, GrammarRule::number, span)?;
        let kind = match op.as_str() {
            ".." => RangeKind::Closed,
            "..<" => RangeKind::HalfOpen,
            _ => return self.unexpected(&op, "`..` or `..<`"),
        };
        let unit = match parts.next() {
            None => None,
            Some(unit) if unit.as_rule() == GrammarRule::unit => Some(self.spanned_text(&unit)),
            Some(other) => return self.unexpected(&other, "a unit"),
        };
        let range = Range {
            low: self.number(&low),
            high: self.number(&high),
            kind,
            unit,
        };
        Some(Spanned::new(range, span))
    }

    /// A number's value. One too large is reported and read as `0`, the
    /// placeholder: its unit is kept, so the comparison is still checked
    /// like the one written, and a file with it never gets a model.
    fn number(&mut self, pair: &Pair<'_, GrammarRule>) -> f64 {
        match pair.as_str().parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() < NUMBER_LIMIT => value,
            _ => {
                self.diagnostics
                    .push(error::number_too_large(self.span_of(pair)));
                0.0
            }
        }
    }
}

/// `earlier` and `last` joined by one connective; `last` alone when there
/// is nothing earlier.
fn nary(mut earlier: Vec<Expr>, last: Expr, kind: fn(Vec<Expr>) -> ExprKind) -> Expr {
    let Some(first) = earlier.first() else {
        return last;
    };
    let span = first.span.to(last.span);
    earlier.push(last);
    Expr {
        kind: kind(earlier),
        span,
    }
}
