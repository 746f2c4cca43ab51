//! The human-readable report.

use std::fmt::Write as _;

use super::{BranchItem, FactJson, Facts, RecommendedItem, Report, RuleInfo};
use crate::sema::{Outcome, ReferenceId};

/// Renders a report as text, sections in a fixed order.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let version = report
        .guideline
        .version
        .as_ref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}{version}: {}",
        report.guideline.id, report.guideline.title
    );
    if let Some(patient) = &report.patient {
        let _ = writeln!(out, "patient: {patient}");
    }
    if report.nothing_applies {
        out.push_str("\nNOTHING APPLIES\n  No rule of this guideline applies to this patient, and nothing needs a clinician's decision.\n");
        return out;
    }
    if !report.recommended.is_empty() {
        out.push_str("\nRECOMMENDED\n");
        for group in recommendation_groups(&report.recommended) {
            let Some(first) = group.first() else {
                continue;
            };
            if first.any_of.is_some() {
                // One decision: the clinician gives any one of the options.
                let options: Vec<String> = group
                    .iter()
                    .map(|item| format!("{}{}", item.action, label(item.label)))
                    .collect();
                let _ = writeln!(out, "  + any of: {}", options.join(", "));
            } else {
                let _ = writeln!(out, "  + {}{}", first.action, label(first.label));
            }
            let _ = writeln!(out, "      rule: {}", rule(&first.rule));
            grade(&mut out, &first.rule, Outcome::Recommend);
            let because = first.deciding.as_ref().unwrap_or(&first.because);
            let _ = writeln!(out, "      because: {}", values(because));
            for item in group {
                for caution in &item.cautions {
                    let status = if caution.status == "applies" {
                        "caution"
                    } else {
                        "caution (may apply)"
                    };
                    // Among options, say which one the caution is on.
                    let on = if first.any_of.is_some() {
                        format!(" on {}", item.action)
                    } else {
                        String::new()
                    };
                    let because = caution.because.unwrap_or("use with care");
                    let _ = write!(out, "      {status}{on}: {because}");
                    if !caution.needs.is_empty() {
                        let _ = write!(out, " [needs {}]", caution.needs.join_names(", "));
                    }
                    out.push('\n');
                    citations(&mut out, report, &caution.citations, "        ");
                }
            }
            citations(&mut out, report, &first.citations, "      ");
        }
    }
    if !report.withheld.is_empty() {
        out.push_str("\nWITHHELD\n");
        for item in &report.withheld {
            let _ = writeln!(
                out,
                "  - {}{}: {}",
                item.action,
                label(item.label),
                item.reason.replace('-', " ")
            );
            let _ = writeln!(out, "      listed by rule: {}", rule(&item.rule));
            for because in &item.because {
                let _ = writeln!(out, "      why: {because}");
            }
            if !item.values.is_empty() {
                let _ = writeln!(out, "      values: {}", values(&item.values));
            }
            if !item.needs.is_empty() {
                let _ = writeln!(out, "      needs: {}", item.needs.join_names(", "));
            }
            citations(&mut out, report, &item.citations, "      ");
        }
    }
    if !report.avoid.is_empty() {
        out.push_str("\nAVOID\n");
        for item in &report.avoid {
            let _ = writeln!(out, "  x {}{}", item.action, label(item.label));
            let _ = writeln!(out, "      rule: {}", rule(&item.rule));
            grade(&mut out, &item.rule, Outcome::Avoid);
            let because = item.deciding.as_ref().unwrap_or(&item.because);
            let _ = writeln!(out, "      because: {}", values(because));
            citations(&mut out, report, &item.citations, "      ");
        }
    }
    if !report.escalations.is_empty() {
        out.push_str("\nESCALATE TO A CLINICIAN\n");
        for item in &report.escalations {
            let _ = writeln!(out, "  ! {}", item.reason);
            if let Some(r) = &item.rule {
                let _ = writeln!(out, "      rule: {}", rule(r));
            }
            if !item.needs.is_empty() {
                let _ = writeln!(out, "      needs: {}", item.needs.join_names(", "));
            }
            if !item.values.is_empty() {
                let _ = writeln!(out, "      values: {}", values(&item.values));
            }
            answers(&mut out, &item.answers);
        }
    }
    reference_list(&mut out, report);
    out
}

/// The recommendations as the decisions a clinician makes: an ordered
/// choice's alternative alone, the options of one equal choice together
/// (the interpreter lists them one after the other).
fn recommendation_groups<'r, 'a>(
    items: &'r [RecommendedItem<'a>],
) -> impl Iterator<Item = &'r [RecommendedItem<'a>]> {
    items.chunk_by(|first, next| {
        first.any_of.is_some()
            && next.any_of.is_some()
            && first.rule.id == next.rule.id
            && first.choice == next.choice
    })
}

/// `what each answer leads to:` and a line per branch.
fn answers(out: &mut String, branches: &[BranchItem]) {
    if branches.is_empty() {
        return;
    }
    out.push_str("      what each answer leads to:\n");
    for branch in branches {
        let answers: Vec<&str> = branch
            .answers
            .iter()
            .map(|a| a.condition.as_str())
            .collect();
        let condition = if answers.is_empty() {
            "whatever the answers".to_owned()
        } else {
            format!("if {}", answers.join(" and "))
        };
        let decisions: Vec<String> = branch.decisions.iter().map(|d| d.to_string()).collect();
        let decisions = if decisions.is_empty() {
            "nothing more is decided".to_owned()
        } else {
            decisions.join("; ")
        };
        let _ = writeln!(out, "        {condition}: {decisions}");
    }
}

/// `GRADE: conditional recommendation, low certainty evidence`, as much of
/// it as the rule states; nothing when it states neither.
fn grade(out: &mut String, rule: &RuleInfo, outcome: Outcome) {
    let strength = rule.strength.map(|strength| {
        let against = match outcome {
            Outcome::Recommend => "",
            Outcome::Avoid => " against",
        };
        format!("{} recommendation{against}", strength.word())
    });
    let certainty = rule
        .certainty
        .map(|certainty| format!("{} certainty evidence", certainty.word()));
    let parts: Vec<String> = strength.into_iter().chain(certainty).collect();
    if !parts.is_empty() {
        let _ = writeln!(out, "      GRADE: {}", parts.join(", "));
    }
}

fn label(label: Option<&str>) -> String {
    label
        .as_ref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default()
}

fn rule(rule: &RuleInfo) -> String {
    match &rule.title {
        Some(title) => format!("{} \"{title}\"", rule.name),
        None => rule.name.to_owned(),
    }
}

/// `a = true, egfr = 45 mL/min/1.73m2, failed = {x, y}, b = unknown`
pub fn values(facts: &Facts) -> String {
    if facts.is_empty() {
        return "always".to_owned();
    }
    facts
        .values()
        .map(|v| format!("{} = {}", v.fact, fact_value(v.value)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A fact's value as the text report writes it (`45 mL/min/1.73m2`).
pub(crate) fn fact_value(value: FactJson<'_>) -> String {
    match value {
        FactJson::Unknown => "unknown".to_owned(),
        FactJson::Bool(b) => b.to_string(),
        FactJson::Number(x) => number(x),
        FactJson::Quantity(x, unit) => format!("{} {unit}", number(x)),
        FactJson::Enum(name) => name.to_owned(),
        FactJson::Date(days) => crate::calendar::format_date(days),
        FactJson::Set(values, bits) => format!(
            "{{{}}}",
            FactJson::set_members(values, bits)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Integral values without a decimal point; others to 10 significant
/// digits, so a computed value reads `1.35744`, not the
/// `1.3574400000000002` its arithmetic left (the JSON report keeps every
/// digit).
pub(crate) fn number(x: f64) -> String {
    let integral = |x: f64| x.fract() == 0.0 && x.abs() < 1e15;
    let shortest = |x: f64| {
        serde_json::Number::from_f64(x).map_or_else(|| "unknown".to_owned(), |n| n.to_string())
    };
    if integral(x) {
        return format!("{}", x as i64);
    }
    let written = shortest(x);
    // Ten significant digits need at most 12 characters (sign and point):
    // only a longer number is arithmetic's noise to round away.
    if written.len() <= 12 {
        return written;
    }
    let rounded: f64 = format!("{x:.9e}").parse().unwrap_or(x);
    if integral(rounded) {
        format!("{}", rounded as i64)
    } else {
        shortest(rounded)
    }
}

/// One `evidence:` line naming the cited references by key; their full
/// citations are listed once, at the end of the report.
fn citations(out: &mut String, report: &Report, ids: &[ReferenceId], indent: &str) {
    let keys: Vec<String> = ids
        .iter()
        .filter_map(|id| report.reference(*id))
        .map(|citation| format!("[{}]", citation.key))
        .collect();
    if !keys.is_empty() {
        let _ = writeln!(out, "{indent}evidence: {}", keys.join(" "));
    }
}

/// Every cited reference once, by key, with its full citation.
fn reference_list(out: &mut String, report: &Report) {
    if report.references.is_empty() {
        return;
    }
    out.push_str("\nREFERENCES\n");
    for citation in &report.references {
        let _ = write!(out, "  [{}] {}", citation.key, citation.citation);
        if let Some(pmid) = citation.pmid {
            let _ = write!(out, " PMID {pmid}");
        }
        if let Some(link) = &citation.link {
            let _ = write!(out, " <{link}>");
        }
        out.push('\n');
    }
}

/// Renders the summary a clinician reads first (`report::summary`): the
/// decisions in the guideline's words by section, what not to give, what
/// to find out, other escalations, goals, and numbered references.
pub fn render_summary(report: &Report, summary: &super::summary::Summary) -> String {
    let mut out = String::new();
    let version = report
        .guideline
        .version
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    let _ = write!(
        out,
        "{}{version}: {}",
        report.guideline.id, report.guideline.title
    );
    if let Some(patient) = report.patient {
        let _ = write!(out, " (patient {patient})");
    }
    out.push('\n');
    if summary.nothing_applies {
        out.push_str("\nNOTHING APPLIES\n  No rule of this guideline applies to this patient, and nothing needs a clinician's decision.\n");
        return out;
    }
    if !summary.give.is_empty() {
        out.push_str("\nGIVE\n");
        for block in &summary.give {
            let indent = match &block.section {
                Some(section) => {
                    let _ = writeln!(out, "  {section}");
                    "    "
                }
                None => "  ",
            };
            for decision in &block.decisions {
                let what = if decision.any_of {
                    format!("any of: {}", decision.options.join(" | "))
                } else {
                    decision.options.join(", ")
                };
                let _ = writeln!(out, "{indent}+ {what}{}", notes(&decision.notes));
                if let Some(grade) = &decision.grade {
                    let _ = writeln!(out, "{indent}    GRADE: {grade}");
                }
                for caution in &decision.cautions {
                    let _ = writeln!(
                        out,
                        "{indent}    caution: {}{}",
                        caution.text,
                        notes(&caution.notes)
                    );
                }
                if !decision.next.is_empty() {
                    let _ = writeln!(
                        out,
                        "{indent}    next if not possible: {}",
                        decision.next.join(", then ")
                    );
                }
            }
        }
    }
    if !summary.do_not_give.is_empty() {
        out.push_str("\nDO NOT GIVE\n");
        for item in &summary.do_not_give {
            let _ = writeln!(
                out,
                "  x {}: {}{}",
                item.action,
                item.reasons.join("; "),
                notes(&item.notes)
            );
        }
    }
    if !summary.find_out.is_empty() {
        out.push_str("\nFIND OUT\n");
        for question in &summary.find_out {
            let _ = writeln!(
                out,
                "  ? {} [{}]: decides {}",
                question.fact,
                question.name,
                question.decides.join("; ")
            );
            for answer in &question.answers {
                let _ = writeln!(out, "      {answer}");
            }
        }
    }
    if !summary.escalations.is_empty() {
        out.push_str("\nFOR A CLINICIAN\n");
        for referral in &summary.escalations {
            let _ = writeln!(out, "  ! {}: {}", referral.kind, referral.text);
        }
    }
    if !summary.goals.is_empty() {
        let _ = writeln!(out, "\nGOALS: {}", summary.goals.join("; "));
    }
    if !summary.references.is_empty() {
        out.push_str("\nREFERENCES\n");
        for footnote in &summary.references {
            let _ = write!(out, "  [{}] {}", footnote.number, footnote.short);
            if let Some(pmid) = footnote.pmid {
                let _ = write!(out, ", PMID {pmid}");
            }
            if let Some(link) = &footnote.link {
                let _ = write!(out, " <{link}>");
            }
            out.push('\n');
        }
    }
    out
}

/// ` [1, 3–5]`: footnote numbers, runs shortened; nothing for none.
fn notes(numbers: &[usize]) -> String {
    if numbers.is_empty() {
        return String::new();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    while let Some(&start) = numbers.get(index) {
        let mut end = start;
        while numbers.get(index + 1) == Some(&(end + 1)) {
            end += 1;
            index += 1;
        }
        index += 1;
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start}, {end}"),
            _ => format!("{start}–{end}"),
        });
    }
    format!(" [{}]", parts.join(", "))
}
