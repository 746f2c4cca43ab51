//! The wording of the name errors (E0106, E02xx): unknown, duplicate,
//! recursive, unused and look-alike names, and the header. Each function
//! turns one [`super::Error`] variant's data into its diagnostic.

use super::{CycleStep, Declared, Duplicate, MissingHeader, UnknownName, Unused, suggest};
use crate::diagnostics::{Code, Diagnostic};
use crate::sema::names::Confusable;
use crate::span::{Span, Spanned};

pub(super) fn empty_file(code: Code) -> Diagnostic {
    Diagnostic::new(code, "the file declares nothing")
        .primary(Span::default(), "empty")
        .help("start with a header: guideline my_guideline \"Title\" { version \"1.0\" }")
}

pub(super) fn missing_header(code: Code, missing: &MissingHeader) -> Diagnostic {
    match missing {
        MissingHeader::Missing { at } => {
            Diagnostic::new(code, "the file has no `guideline` header")
                .primary(*at, "expected a header before this")
                .help("add a header: guideline my_guideline \"Title\" { version \"1.0\" }")
        }
        MissingHeader::Second { at, first } => {
            Diagnostic::new(code, "a file has exactly one `guideline` header")
                .primary(*at, "second header")
                .secondary(*first, "first header")
                .help("put each guideline in its own file")
        }
    }
}

pub(super) fn unknown_name(code: Code, unknown: &UnknownName) -> Diagnostic {
    match unknown {
        UnknownName::Condition {
            name,
            span,
            candidates,
        } => {
            let diagnostic = Diagnostic::new(code, format!("unknown name `{name}`"))
                .primary(*span, "not a declared fact or definition");
            match crate::diagnostics::closest(name, candidates.iter().map(String::as_str)) {
                Some(candidate) => {
                    // A parenthesised name's span includes the parentheses;
                    // a name in parentheses is still a valid condition.
                    let replacement = if span.len() == name.len() {
                        candidate.to_owned()
                    } else {
                        format!("({candidate})")
                    };
                    diagnostic
                        .help(format!("did you mean `{candidate}`?"))
                        .fix(*span, replacement)
                }
                None => diagnostic.help(format!(
                    "declare it, e.g. `fact {name}: bool \"…\"` or `define {name} = …`"
                )),
            }
        }
        UnknownName::Type { name, candidates } => {
            let diagnostic = Diagnostic::new(code, format!("unknown type `{}`", name.node))
                .primary(name.span, "not a declared enum or a built-in type");
            if let Some(help) = unsupported_type_help(&name.node) {
                diagnostic.help(help)
            } else if let Some(number) = number_type_alias(&name.node) {
                diagnostic
                    .help(format!("a number is written `{number}`"))
                    .fix(name.span, number)
            } else {
                let candidates = candidates.iter().map(String::as_str);
                suggest(diagnostic, &name.node, name.span, candidates, |d| {
                    d.help("declare it with `enum Name { value, … }`")
                })
            }
        }
        UnknownName::Action { name, candidates } => {
            let diagnostic = Diagnostic::new(code, format!("unknown action `{}`", name.node))
                .primary(name.span, "not a declared action");
            let candidates = candidates.iter().map(String::as_str);
            suggest(diagnostic, &name.node, name.span, candidates, |d| {
                d.help(format!("declare it: action {} \"…\"", name.node))
            })
        }
    }
}

pub(super) fn unknown_reference(
    code: Code,
    key: &Spanned<String>,
    candidates: &[String],
) -> Diagnostic {
    let diagnostic = Diagnostic::new(code, format!("unknown reference `{}`", key.node))
        .primary(key.span, "not a declared reference");
    let candidates = candidates.iter().map(String::as_str);
    suggest(diagnostic, &key.node, key.span, candidates, |d| {
        d.help(format!(
            "declare it: reference {} pmid NNNNNNNN \"Author. Title. Journal. Year\"",
            key.node
        ))
    })
}

pub(super) fn duplicate(code: Code, duplicate: &Duplicate) -> Diagnostic {
    match duplicate {
        Duplicate::Name { kind, name, first } => {
            let kind = match kind {
                Declared::Name => "name",
                Declared::Reference => "reference",
                Declared::Enum => "enum",
                Declared::EnumValue => "enum value",
                Declared::Action => "action",
                Declared::Rule => "rule",
                Declared::Section => "section",
            };
            Diagnostic::new(code, format!("{kind} `{}` is declared twice", name.node))
                .primary(name.span, "declared again here")
                .secondary(*first, "first declared here")
                .help("rename one of them, or delete the second declaration")
        }
        Duplicate::ActionEnum { span } => {
            Diagnostic::new(code, "`Action` is the built-in enum of declared actions")
                .primary(*span, "cannot be redeclared")
                .help("choose another name for this enum")
        }
    }
}

/// The first step's use is the primary label; the help spells the cycle
/// out, back to where it starts.
pub(super) fn recursive(code: Code, cycle: &[CycleStep]) -> Diagnostic {
    let first = cycle.first().map_or("", |step| step.definition.as_str());
    let mut diagnostic = Diagnostic::new(code, format!("definition `{first}` refers to itself"));
    let mut chain: Vec<String> = Vec::with_capacity(cycle.len() + 1);
    for (index, step) in cycle.iter().enumerate() {
        let next = cycle
            .get(index + 1)
            .map_or(first, |n| n.definition.as_str());
        let message = format!("uses `{next}`");
        diagnostic = if index == 0 {
            diagnostic.primary(step.uses_next, message)
        } else {
            diagnostic.secondary(step.uses_next, message)
        };
        chain.push(format!("`{}`", step.definition));
    }
    chain.push(format!("`{first}`"));
    diagnostic.help(format!(
        "definitions cannot be recursive ({}); write the condition out in terms of facts",
        chain.join(" → ")
    ))
}

/// The kinds of declaration W0206–W0209 are about.
#[derive(Clone, Copy)]
pub(super) enum UnusedKind {
    Fact,
    Definition,
    Score,
    Action,
    Reference,
}

/// W0206–W0209: what the declaration is, what "unused" means for it, and
/// the help.
pub(super) fn unused(code: Code, kind: UnusedKind, unused: &Unused) -> Diagnostic {
    let (kind, never, help) = match kind {
        UnusedKind::Fact => (
            "fact",
            "is never used",
            "use it in a condition, or delete it",
        ),
        UnusedKind::Definition => (
            "definition",
            "is never used",
            "use it in a condition, or delete it",
        ),
        UnusedKind::Score => (
            "score",
            "is never tested",
            "compare it in a condition, e.g. `>= 2`, or delete it",
        ),
        UnusedKind::Action => (
            "action",
            "is never recommended or avoided",
            "name it in a rule's `then`, or delete it",
        ),
        UnusedKind::Reference => (
            "reference",
            "is never cited",
            "cite it where it supports a rule or clause, or delete it",
        ),
    };
    Diagnostic::new(code, format!("{kind} `{}` {never}", unused.name))
        .primary(unused.span, "declared here")
        .help(help)
}

pub(super) fn confusable(code: Code, name: &Spanned<String>, found: &Confusable) -> Diagnostic {
    let message = format!(
        "`{}` mixes {} and {} letters",
        name.node, found.main_script, found.odd_script
    );
    let label = format!(
        "`{}` (U+{:04X}) is a {} letter",
        found.odd,
        u32::from(found.odd),
        found.odd_script
    );
    // A rename must reach every use, which one edit cannot do: the help
    // names the spelling and leaves the edit to the author.
    let help = match &found.lookalike {
        Some(lookalike) => format!(
            "it reads as `{lookalike}` but is another name; spell it in {} letters only, \
             here and where it is used",
            found.main_script
        ),
        None => format!(
            "spell it in {} letters only, here and where it is used",
            found.main_script
        ),
    };
    Diagnostic::new(code, message)
        .primary(name.span, label)
        .help(help)
}

pub(super) fn no_rules(code: Code, guideline: &str, header: Span) -> Diagnostic {
    Diagnostic::new(
        code,
        format!("guideline `{guideline}` has no rules: no patient gets a decision"),
    )
    .primary(header, "this guideline")
    .help("add at least one rule (docs/tutorial.md shows how); without rules, every patient's report says only that nothing applies")
}

/// Help for a type gdl does not have but a newcomer may expect, such as
/// `datetime`: an enum would be the wrong fix, so say what to use instead.
fn unsupported_type_help(name: &str) -> Option<&'static str> {
    match name.to_lowercase().as_str() {
        "datetime" | "time" | "timestamp" | "instant" => Some(
            "gdl has calendar dates, not times of day: declare it as `date`, or the time \
             that matters as a duration, e.g. `fact since_onset: duration h`",
        ),
        "string" | "str" | "text" => Some(
            "free text cannot be tested: list the possible values with \
             `enum Name { value, … }`, or use a bool fact",
        ),
        _ => None,
    }
}

/// The built-in type for the usual names of a number type.
fn number_type_alias(name: &str) -> Option<&'static str> {
    match name {
        "int" | "integer" | "float" | "double" | "real" | "decimal" | "num" => Some("number"),
        "boolean" => Some("bool"),
        _ => None,
    }
}
