//! The wording of the errors about scores and counts: a score used as a
//! condition or compared with something other than a whole number (E0301),
//! points that add up to too much (E0313), and a score item testing a score
//! not yet declared (E0314). Each function turns one variant's data into
//! its diagnostic.

use super::ScoreOperand;
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::MAX_POINTS;
use crate::sema::model::{CmpOp, Model, Score, ScoreId};
use crate::span::Span;

/// The score an error refers to: its id was minted by the resolver for
/// this very model.
fn score(model: &Model, id: ScoreId) -> &Score {
    model.scores.at(id)
}

pub(super) fn not_a_condition(code: Code, model: &Model, id: ScoreId, span: Span) -> Diagnostic {
    let score = score(model, id);
    let name = &score.name;
    Diagnostic::new(
        code,
        format!("`{name}` is a score, but a condition needs a yes/no value"),
    )
    .primary(span, "used as a condition here")
    .secondary(score.span, "declared here")
    .help(format!(
        "compare it with a whole number, e.g. `{name} >= 2`"
    ))
}

pub(super) fn compared(
    code: Code,
    model: &Model,
    id: ScoreId,
    op: CmpOp,
    operand: Span,
    with: &ScoreOperand,
) -> Diagnostic {
    let score = score(model, id);
    let name = &score.name;
    let diagnostic = |message: String, label: &str| {
        Diagnostic::new(code, message)
            .primary(operand, label)
            .secondary(score.span, "declared here")
    };
    match with {
        ScoreOperand::Fraction(value) => {
            let message = format!("`{name}` is a whole number of points, never {value}");
            let diagnostic = diagnostic(message, "not a whole number");
            // The whole number that keeps the comparison's meaning for
            // every score: `>= 2.5` holds exactly when `>= 3` does.
            let whole = match op {
                CmpOp::Ge | CmpOp::Lt => value.ceil(),
                CmpOp::Gt | CmpOp::Le => value.floor(),
                CmpOp::Eq | CmpOp::Ne => {
                    let always = if op == CmpOp::Eq { "false" } else { "true" };
                    return diagnostic.help(format!(
                        "`{name} {} {value}` is always {always}: compare with a whole number",
                        op.symbol()
                    ));
                }
            };
            let whole = format!("{whole}");
            diagnostic
                .help(format!(
                    "write `{name} {} {whole}`, which means the same",
                    op.symbol()
                ))
                .fix(operand, whole)
        }
        ScoreOperand::Unit { value } => {
            let message = format!("`{name}` is a number of points, which has no unit");
            diagnostic(message, "a unit here")
                .help(format!("write the number alone: `{value}`"))
                .fix(operand, format!("{value}"))
        }
        ScoreOperand::NotANumber => {
            let message = format!("`{name}` is a score and can only be compared with a number");
            diagnostic(message, "not a number").help(format!(
                "compare it with a whole number, e.g. `{name} >= 2`"
            ))
        }
    }
}

pub(super) fn too_large(
    code: Code,
    model: &Model,
    id: Option<ScoreId>,
    span: Span,
    total: u64,
) -> Diagnostic {
    let what = match id {
        Some(id) => format!("score `{}`", score(model, id).name),
        None => "this count".to_owned(),
    };
    Diagnostic::new(
        code,
        format!("the points of {what} add up to {total}, more than {MAX_POINTS}"),
    )
    .primary(span, "declared here")
    .note(format!(
        "gdl decides a test of a score exactly over every combination of its items, and \
         bounds that work by allowing at most {MAX_POINTS} points (in magnitude) in one \
         score or count"
    ))
}

pub(super) fn declared_later(
    code: Code,
    model: &Model,
    used: ScoreId,
    span: Span,
    within: Option<ScoreId>,
) -> Diagnostic {
    let used = score(model, used);
    let diagnostic = |message: String| {
        Diagnostic::new(code, message)
            .primary(span, "tested here")
            .secondary(used.span, "declared here")
    };
    let Some(within) = within else {
        return diagnostic(format!("score `{}` is tested in a value", used.name)).help(
            "values are computed before scores, so a value cannot test one: test the score in a rule or definition",
        );
    };
    let within = score(model, within);
    if used.name == within.name {
        return diagnostic(format!("score `{}` tests itself", used.name))
            .help("a score's items cannot test the score they add up to");
    }
    diagnostic(format!(
        "score `{}` tests score `{}`, which is declared after it",
        within.name, used.name
    ))
    .help(format!(
        "a score item may test only scores declared before its own: move `{}` above `{}`",
        used.name, within.name
    ))
}
