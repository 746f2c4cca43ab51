//! Unit tests of lowering: precedence, spans, escapes, and the
//! placeholders that keep a lowering error from hiding the rest of a file.

use super::unescape;
use crate::diagnostics::Code;
use crate::syntax::ast::{Expr, ExprKind, Item, Operand, Range, RangeKind};
use crate::syntax::{parse, parse_recovering};

fn expr(text: &str) -> Expr {
    let file = parse(&format!("define d = {text}")).unwrap_or_default();
    match file.items.into_iter().next() {
        Some(Item::Define(define)) => define.body,
        other => panic!("not a define: {other:?}"),
    }
}

/// The condition of the first definition, read past lowering errors, and
/// the codes of those errors.
fn recovered(text: &str) -> (Option<Expr>, Vec<Code>) {
    let parsed = parse_recovering(&format!("define d = {text}"));
    let codes = parsed.diagnostics.iter().map(|d| d.code).collect();
    let body = parsed.file.and_then(|f| match f.items.into_iter().next() {
        Some(Item::Define(define)) => Some(define.body),
        _ => None,
    });
    (body, codes)
}

/// How deeply `expr` nests.
fn depth(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::Bool(_)
        | ExprKind::Name(_)
        | ExprKind::Compare { .. }
        | ExprKind::In { .. }
        | ExprKind::Relation { .. }
        | ExprKind::InRange { .. } => 1,
        ExprKind::Not(inner) => 1 + depth(inner),
        ExprKind::And(parts) | ExprKind::Or(parts) | ExprKind::Count { parts, .. } => {
            1 + parts.iter().map(depth).max().unwrap_or(0)
        }
        ExprKind::Implies(left, right) => 1 + depth(left).max(depth(right)),
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
fn a_number_too_large_reads_as_zero_and_keeps_its_unit() {
    let (body, codes) = recovered(&format!("dose > 1{} mg and x", "0".repeat(400)));
    assert_eq!(codes, vec![Code::NumberOutOfRange]);
    let Some(ExprKind::And(parts)) = body.map(|b| b.kind) else {
        panic!("expected and")
    };
    let Some(ExprKind::Compare { operand, .. }) = parts.first().map(|p| &p.kind) else {
        panic!("expected comparison")
    };
    let Operand::Number { value, unit } = &operand.node else {
        panic!("expected number")
    };
    assert_eq!(*value, 0.0);
    assert_eq!(unit.as_ref().map(|u| u.node.as_str()), Some("mg"));
}

#[test]
fn a_chained_implies_reads_as_the_conjunction_of_its_sides() {
    let (body, codes) = recovered("a implies b or c implies d");
    assert_eq!(codes, vec![Code::SyntaxError]);
    let Some(ExprKind::And(sides)) = body.map(|b| b.kind) else {
        panic!("expected and")
    };
    assert_eq!(sides.len(), 3);
    assert!(matches!(
        sides.get(1).map(|s| &s.kind),
        Some(ExprKind::Or(_))
    ));
}

#[test]
fn a_long_chain_of_implies_stays_flat() {
    let (body, codes) = recovered(&vec!["x"; 100_000].join(" implies "));
    assert_eq!(codes, vec![Code::SyntaxError]);
    assert_eq!(body.as_ref().map(depth), Some(2));
}

#[test]
fn an_operand_with_too_many_nots_reads_as_the_operand() {
    let (body, codes) = recovered(&format!("{} x and y", "not ".repeat(100_000)));
    assert_eq!(codes, vec![Code::NestingTooDeep]);
    assert_eq!(body.as_ref().map(depth), Some(2));
}

#[test]
fn a_reserved_word_stays_a_name() {
    let parsed = parse_recovering("fact in: bool\ndefine d = in");
    assert_eq!(parsed.diagnostics.len(), 2);
    assert_eq!(parsed.file.map(|f| f.items.len()), Some(2));
}

#[test]
fn items_after_a_lowering_error_are_kept() {
    let huge = "9".repeat(20);
    let parsed = parse_recovering(&format!(
        "fact x: number\ndefine d = x > {huge}\ndefine e = y\n"
    ));
    let codes: Vec<Code> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![Code::NumberOutOfRange]);
    assert_eq!(parsed.file.map(|f| f.items.len()), Some(3));
}

#[test]
fn strength_and_certainty_keep_their_words_and_very_low_is_one_word() {
    let text =
        "rule r { when x then recommend a strength conditional certainty very \t low cite R }";
    let file = parse(text).unwrap_or_default();
    let Some(Item::Rule(rule)) = file.items.into_iter().next() else {
        panic!("not a rule");
    };
    let grading = rule.grading.unwrap_or_default();
    let word = |w: Option<crate::span::Spanned<String>>| w.map(|w| w.node);
    assert_eq!(word(grading.strength), Some("conditional".to_owned()));
    assert_eq!(word(grading.certainty), Some("very low".to_owned()));
}

#[test]
fn grading_is_optional_and_a_misspelt_word_still_parses() {
    let file = parse("rule r { when x then recommend a cite R }").unwrap_or_default();
    assert!(matches!(&file.items[..], [Item::Rule(rule)] if rule.grading.is_none()));
    let file =
        parse("rule r { when x then recommend a strength stong cite R }").unwrap_or_default();
    let Some(Item::Rule(rule)) = file.items.into_iter().next() else {
        panic!("not a rule");
    };
    let grading = rule.grading.unwrap_or_default();
    assert_eq!(grading.strength.map(|w| w.node), Some("stong".to_owned()));
    assert_eq!(grading.certainty, None);
}

/// The `then` clauses of the only rule of `text`.
fn thens(text: &str) -> Vec<crate::syntax::ast::Then> {
    let file = parse(text).unwrap_or_default();
    match file.items.into_iter().next() {
        Some(Item::Rule(rule)) => rule.thens,
        other => panic!("not a rule: {other:?}"),
    }
}

#[test]
fn recommend_any_of_is_an_equal_choice() {
    use crate::syntax::ast::{ChoiceKind, Outcome};
    let kinds: Vec<(Outcome, ChoiceKind, usize)> = thens(
        "rule r { when x then recommend any  of a, b then recommend a then avoid any \
         then recommend any then recommend p, q, any of a, b then recommend any, any of any }",
    )
    .iter()
    .map(|t| (t.outcome, t.kind, t.actions.len()))
    .collect();
    assert_eq!(
        kinds,
        [
            (Outcome::Recommend, ChoiceKind::Equal { preferred: 0 }, 2),
            (Outcome::Recommend, ChoiceKind::Ordered, 1),
            (Outcome::Avoid, ChoiceKind::Ordered, 1),
            (Outcome::Recommend, ChoiceKind::Ordered, 1),
            (Outcome::Recommend, ChoiceKind::Equal { preferred: 2 }, 4),
            (Outcome::Recommend, ChoiceKind::Equal { preferred: 1 }, 2),
        ]
    );
}

#[test]
fn avoid_any_of_is_a_syntax_error() {
    let parsed = parse_recovering("rule r { when x then avoid any of a, b cite R }");
    let codes: Vec<Code> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::SyntaxError]);
}

#[test]
fn a_range_keeps_its_ends_its_kind_and_its_one_unit() {
    let text = "define d = egfr in 30..<50 mL/min/1.73m2";
    let parsed = expr("egfr in 30..<50 mL/min/1.73m2");
    let ExprKind::InRange { fact, range } = parsed.kind else {
        panic!("expected a range")
    };
    assert_eq!(fact.node, "egfr");
    let Range {
        low,
        high,
        kind,
        unit,
    } = range.node;
    assert_eq!((low, high, kind), (30.0, 50.0, RangeKind::HalfOpen));
    assert_eq!(unit.map(|u| u.node).as_deref(), Some("mL/min/1.73m2"));
    let span = &text[range.span.start as usize..range.span.end as usize];
    assert_eq!(span, "30..<50 mL/min/1.73m2");
    assert_eq!(
        &text[parsed.span.start as usize..],
        "egfr in 30..<50 mL/min/1.73m2"
    );
}

#[test]
fn a_closed_range_may_have_blanks_around_its_operator_and_no_unit() {
    let parsed = expr("(n in -5 .. 2.5) and x");
    let ExprKind::And(parts) = parsed.kind else {
        panic!("expected and")
    };
    let ExprKind::InRange { range, .. } = &parts[0].kind else {
        panic!("expected a range")
    };
    assert_eq!(
        (range.node.low, range.node.high, range.node.kind),
        (-5.0, 2.5, RangeKind::Closed)
    );
    assert_eq!(range.node.unit, None);
}

#[test]
fn a_range_needs_both_ends() {
    for text in [
        "define d = n in 30..",
        "define d = n in ..<50",
        "define d = n in 30",
    ] {
        let errors = parse(text).err().unwrap_or_default();
        assert_eq!(
            errors.first().map(|d| d.code),
            Some(Code::SyntaxError),
            "{text}"
        );
    }
}
