//! Conditions in clinical words, for the labels of a flowchart: a fact by
//! its name with spaces (`muscle_weakness` → "muscle weakness"), a named
//! condition by its description (the author's own clinical words), values
//! and units as written. Also the wrapping every writer shares, so the
//! picture reads the same in every format.

use crate::sema::{Condition, ConditionKind, FactId, Model, Type};

/// A condition in words: "myositis and not on systemic corticosteroids".
pub fn condition(model: &Model, condition: &Condition) -> String {
    match &condition.kind {
        ConditionKind::Const(true) => "every patient".to_owned(),
        ConditionKind::Const(false) => "never".to_owned(),
        ConditionKind::Fact(fact) => fact_words(model, *fact),
        ConditionKind::Definition(id) => match model.definitions.get(*id) {
            Some(definition) => match &definition.description {
                Some(description) => lower_first(description),
                None => spaced(&definition.name),
            },
            None => String::new(),
        },
        ConditionKind::Not(inner) => format!("not {}", part(model, inner)),
        ConditionKind::And(parts) => joined(model, parts, " and "),
        ConditionKind::Or(parts) => joined(model, parts, " or "),
        ConditionKind::Implies(left, right) => {
            format!("if {} then {}", part(model, left), part(model, right))
        }
        ConditionKind::Compare { fact, op, value } => {
            let unit = match model.facts.get(*fact).map(|f| &f.ty) {
                Some(Type::Quantity(unit)) => format!(" {}", unit.text),
                _ => String::new(),
            };
            let op = match op.symbol() {
                "<=" => "≤",
                ">=" => "≥",
                "!=" => "≠",
                other => other,
            };
            format!("{} {op} {}{unit}", fact_words(model, *fact), number(*value))
        }
        ConditionKind::EnumIn { fact, values } => {
            let names: Vec<String> = values
                .iter()
                .map(|v| enum_value(model, *fact, *v))
                .collect();
            match names.as_slice() {
                [one] => format!("{} is {one}", fact_words(model, *fact)),
                _ => format!(
                    "{} is one of {}",
                    fact_words(model, *fact),
                    names.join(", ")
                ),
            }
        }
        ConditionKind::SetHas { fact, value } => format!(
            "{} in {}",
            enum_value(model, *fact, *value),
            fact_words(model, *fact)
        ),
        ConditionKind::Points(test) => {
            let op = match test.op.symbol() {
                "<=" => "≤",
                ">=" => "≥",
                "!=" => "≠",
                other => other,
            };
            match test.score.and_then(|s| model.scores.get(s)) {
                Some(score) => {
                    let name = score.title.clone().unwrap_or_else(|| spaced(&score.name));
                    format!("{name} {op} {}", test.value)
                }
                None => {
                    let parts: Vec<String> = test
                        .items
                        .iter()
                        .map(|item| part(model, &item.condition))
                        .collect();
                    format!("count of ({}) {op} {}", parts.join(", "), test.value)
                }
            }
        }
    }
}

/// The literals of a condition, as the patient's facts can make them hold:
/// facts, comparisons, memberships, named conditions and scores, each with
/// a `not` in front of it where the condition writes one. Connectives are
/// looked through, so "facts that held" lists what a reader checks.
pub fn literals(condition: &Condition) -> Vec<&Condition> {
    let mut out = Vec::new();
    let mut stack = vec![condition];
    while let Some(next) = stack.pop() {
        match &next.kind {
            ConditionKind::And(parts) | ConditionKind::Or(parts) => {
                stack.extend(parts.iter().rev());
            }
            ConditionKind::Implies(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            ConditionKind::Not(inner) if is_compound(inner) => stack.push(inner),
            ConditionKind::Const(_) => {}
            _ => out.push(next),
        }
    }
    out
}

/// A machine name in words: underscores become spaces.
pub fn spaced(name: &str) -> String {
    name.replace('_', " ")
}

/// Splits `text` into lines of at most `width` characters at spaces (a
/// longer word stays whole on its own line).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Citation numbers, runs shortened: `[1, 3–5, 9]`; empty for none.
pub fn citations(numbers: &[usize]) -> String {
    let mut sorted = numbers.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while let Some(&start) = sorted.get(index) {
        let mut end = start;
        while sorted.get(index + 1) == Some(&(end + 1)) {
            end += 1;
            index += 1;
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}–{end}"),
        });
        index += 1;
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("[{}]", parts.join(", "))
    }
}

fn fact_words(model: &Model, fact: FactId) -> String {
    model
        .facts
        .get(fact)
        .map_or_else(String::new, |f| spaced(&f.name))
}

fn enum_value(model: &Model, fact: FactId, value: u32) -> String {
    let values = match model.facts.get(fact).map(|f| &f.ty) {
        Some(Type::Enum(id) | Type::Set(id)) => model.enums.get(*id).map(|e| &e.values),
        _ => None,
    };
    values
        .and_then(|values| values.get(value as usize))
        .map_or_else(|| value.to_string(), |v| spaced(v))
}

fn is_compound(condition: &Condition) -> bool {
    matches!(
        condition.kind,
        ConditionKind::And(_) | ConditionKind::Or(_) | ConditionKind::Implies(..)
    )
}

/// A sub-condition, in parentheses when it has connectives of its own,
/// or when it is a named condition whose description reads as several
/// ("severe disease, or an acute flare").
fn part(model: &Model, inner: &Condition) -> String {
    let words = condition(model, inner);
    let several = matches!(inner.kind, ConditionKind::Definition(_))
        && [" or ", " and ", ", "].iter().any(|w| words.contains(w));
    if is_compound(inner) || several {
        format!("({words})")
    } else {
        words
    }
}

fn joined(model: &Model, parts: &[Condition], separator: &str) -> String {
    parts
        .iter()
        .map(|p| part(model, p))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A description as the middle of a sentence: "Skin lesions on…" →
/// "skin lesions on…", but "ILD …" and "G6PD …" stay as written.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_owned(),
    }
}

/// A number as a reader writes it: `6`, `1.5`.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_at_spaces() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), [""]);
        assert_eq!(wrap("unbreakable", 4), ["unbreakable"]);
    }

    #[test]
    fn citation_runs_are_shortened() {
        assert_eq!(citations(&[9, 3, 4, 5, 1, 1]), "[1, 3–5, 9]");
        assert_eq!(citations(&[2, 3]), "[2, 3]");
        assert_eq!(citations(&[]), "");
    }

    #[test]
    fn conditions_read_as_words() {
        let model = crate::test_model(
            "guideline g \"G\" {}\nreference R \"R\"\nenum Site { hands, face }\nfact weak_muscle: bool\nfact sites: set of Site\nfact months: duration mo\ndefine facial = face in sites \"Lesions on the face\"\naction a\nrule r {\n  when weak_muscle and not (facial or months < 6 mo)\n  then recommend a\n  cite R\n}\n",
        );
        let rule = model.rules.iter().next().map(|r| &r.condition);
        let words = rule.map(|c| condition(&model, c));
        assert_eq!(
            words.as_deref(),
            Some("weak muscle and not (lesions on the face or months < 6 mo)")
        );
    }
}
