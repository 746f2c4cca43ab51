//! The wording of the errors about arithmetic and computed values: a name
//! that is no number (E0301), sides that measure different things, a value
//! whose arithmetic does not measure what its type says, `round` of a
//! quantity (E0302), a value used before it is computed (E0314) and a
//! divisor that may be zero (E0315). Each function turns one variant's data
//! into its diagnostic.

use super::{Joined, NonNumber, describe_type};
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::model::{FactId, Model};
use crate::span::{Span, Spanned};
use crate::units::{Dimension, Unit};

pub(super) fn not_a_number(
    code: Code,
    model: &Model,
    name: &Spanned<String>,
    is: &NonNumber,
) -> Diagnostic {
    let what = match is {
        NonNumber::Fact(id) => describe_type(model, &model.facts.at(*id).ty),
        NonNumber::Definition => "a definition (a yes/no condition)".to_owned(),
        NonNumber::Score => "a score".to_owned(),
    };
    let help = match is {
        NonNumber::Score => {
            "a score is tested in conditions (`curb65 >= 2`); arithmetic reads number and quantity facts and values"
        }
        _ => "arithmetic reads number and quantity facts, values and constants",
    };
    Diagnostic::new(code, format!("`{}` is {what}, not a number", name.node))
        .primary(name.span, "used in arithmetic here")
        .help(help)
}

pub(super) fn joined(
    code: Code,
    span: Span,
    joined_by: Joined,
    left: Dimension,
    right: Dimension,
) -> Diagnostic {
    let (what, label) = match joined_by {
        Joined::Operator(op) => (format!("the two sides of `{}`", op.symbol()), "these sides"),
        Joined::Extreme => (
            "the arguments of `min` or `max`".to_owned(),
            "these arguments",
        ),
        Joined::Branches => (
            "the two branches of `if … then … else …`".to_owned(),
            "these branches",
        ),
        Joined::Comparison => ("the two sides of the comparison".to_owned(), "these sides"),
    };
    Diagnostic::new(
        code,
        format!("{what} measure different things: {left} and {right}"),
    )
    .primary(span, label)
    .help(
        "only quantities of one dimension add, subtract or compare; multiply or divide by a \
         quantity, e.g. `1 kg`, to change what a side measures",
    )
}

pub(super) fn value_type(
    code: Code,
    name: &Spanned<String>,
    declared: Option<&Unit>,
    found: Dimension,
    body: Span,
) -> Diagnostic {
    let declared_text = match declared {
        Some(unit) => format!("a quantity in {} ({})", unit.text, unit.dimension),
        None => "a plain number".to_owned(),
    };
    Diagnostic::new(
        code,
        format!(
            "value `{}` is declared {declared_text}, but its arithmetic measures {found}",
            name.node
        ),
    )
    .primary(body, format!("this measures {found}"))
    .secondary(name.span, "declared here")
    .help(
        "declare the value with a unit of what the arithmetic measures, or multiply or divide \
         by quantities (such as `1 mL/min`) until it measures the declared unit",
    )
}

pub(super) fn date_arithmetic(code: Code, span: Span) -> Diagnostic {
    Diagnostic::new(
        code,
        "a date can only be subtracted from a date, moved by a duration or compared with a date"
            .to_owned(),
    )
    .primary(span, "a date used here")
    .help(
        "a date minus a date is a duration (e.g. `as_of - last_dose`), a date plus a \
         duration is a date (e.g. `last_dose + 90 d`), and an age is e.g. \
         `years_between(date_of_birth, as_of)`",
    )
}

pub(super) fn round_quantity(code: Code, span: Span, found: Dimension) -> Diagnostic {
    Diagnostic::new(
        code,
        format!("`round` needs a plain number, but this measures {found}"),
    )
    .primary(span, "rounded here")
    .help("divide by the unit to round in, then multiply back: `round(weight / 1 kg) * 1 kg`")
}

pub(super) fn declared_later(
    code: Code,
    model: &Model,
    value: FactId,
    used: Span,
    within: FactId,
) -> Diagnostic {
    let (used_fact, within_fact) = (model.facts.at(value), model.facts.at(within));
    let diagnostic = |message: String| {
        Diagnostic::new(code, message)
            .primary(used, "used here")
            .secondary(used_fact.span, "declared here")
    };
    if value == within {
        return diagnostic(format!("value `{}` uses itself", used_fact.name))
            .help("a value is computed from facts and earlier values, never from itself");
    }
    diagnostic(format!(
        "value `{}` uses value `{}`, which is declared after it",
        within_fact.name, used_fact.name
    ))
    .help(format!(
        "values are computed in the order they are declared: move `{}` above `{}`",
        used_fact.name, within_fact.name
    ))
}

pub(super) fn division_by_zero(
    code: Code,
    model: &Model,
    divisor: Span,
    fact: Option<FactId>,
) -> Diagnostic {
    let diagnostic = Diagnostic::new(code, "this divisor may be zero".to_owned())
        .primary(divisor, "may be zero for a plausible patient");
    let Some(fact) = fact.map(|fact| model.facts.at(fact)) else {
        return diagnostic.help(
            "the invariants allow values that make it zero: declare invariants on the facts it \
             reads that keep it away from zero, or divide by something they do",
        );
    };
    let unit = match &fact.ty {
        crate::sema::model::Type::Quantity(unit) => format!(" {}", unit.text),
        _ => String::new(),
    };
    diagnostic.help(format!(
        "no invariant keeps `{name}` away from zero: declare the range a real patient's value \
         lies in, e.g. `invariant {name} > 0{unit}`, so that a patient outside it is reported \
         as implausible",
        name = fact.name
    ))
}
