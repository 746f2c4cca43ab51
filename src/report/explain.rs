//! `--explain`: proof trees for every decision in a report, rendered with
//! the guideline's source text and line:column positions.

use serde::Serialize;

use crate::diagnostics::render::SourceFile;
use crate::eval::proof::{Target, proof_tree};
use crate::eval::{EscalationCause, Evaluation, Patient, Program, RuleStatus, Withholding};
use crate::facts::write::FactJson;
use crate::id_vec::SliceAt;
use crate::sema::{FactId, NumKind};

/// The proof tree of one decision.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Explanation {
    /// What is explained, e.g. "rule `r` (fired)".
    pub subject: String,
    /// Pre-order nodes.
    pub steps: Vec<ExplainLine>,
}

/// One node of a proof tree.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ExplainLine {
    /// Nesting depth.
    pub depth: usize,
    /// `true`, `false` or `unknown`.
    pub value: &'static str,
    /// The condition as written (whitespace collapsed).
    pub text: String,
    /// 1-based line in the guideline.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Explanations for every rule that fired or could not be decided, and for
/// every contraindication that withheld an action.
pub fn build(
    program: &Program<'_>,
    patient: &Patient,
    evaluation: &Evaluation,
    source: &SourceFile,
) -> Vec<Explanation> {
    let model = program.model;
    let mut out = Vec::new();
    for (index, status) in evaluation.rules.iter_enumerated() {
        let word = match status {
            RuleStatus::Fired => "applies",
            RuleStatus::Undecided => "cannot be decided",
            _ => continue,
        };
        out.push(Explanation {
            subject: format!("rule `{}` {word}", model.rules.at(index).name),
            steps: lines(program, patient, Target::Rule(index), source),
        });
    }
    for withheld in evaluation.withheld() {
        let clauses = match &withheld.why {
            Withholding::Contraindicated(clauses) => clauses,
            Withholding::Unsettled { clauses, .. } => clauses,
            _ => continue,
        };
        for &clause in clauses {
            let action = withheld.action;
            let subject = format!("contraindication of `{}`", model.actions.at(action).name);
            if out.iter().any(|e: &Explanation| e.subject == subject) {
                continue;
            }
            out.push(Explanation {
                subject,
                steps: lines(
                    program,
                    patient,
                    Target::Contraindication(action, clause),
                    source,
                ),
            });
        }
    }
    for escalation in &evaluation.escalations {
        if let EscalationCause::ImplausibleFacts { invariant } = escalation.cause {
            let span = model.invariants.at(invariant).condition.span;
            let (line, column) = source.line_col(span.start_usize());
            out.push(Explanation {
                subject: "invariant violated".to_owned(),
                steps: vec![ExplainLine {
                    depth: 0,
                    value: "false",
                    text: snippet(source, span),
                    line,
                    column,
                }],
            });
        }
    }
    out
}

fn lines(
    program: &Program<'_>,
    patient: &Patient,
    target: Target,
    source: &SourceFile,
) -> Vec<ExplainLine> {
    proof_tree(program, patient, target)
        .into_iter()
        .flat_map(|step| {
            let computed = step
                .computed
                .and_then(|fact| computed_line(program, patient, fact, step.depth + 1, source));
            let (line, column) = source.line_col(step.span.start_usize());
            let mut text = snippet(source, step.span);
            if let Some(name) = step.definition.filter(|name| *name != text) {
                text = format!("{name} = {text}");
            }
            if let Some(points) = step.points {
                text = format!("{points:+} if {text}");
            }
            match step.sum {
                Some((low, high)) if low == high => text = format!("{text} (sum {low})"),
                Some((low, high)) => text = format!("{text} (sum {low} to {high})"),
                None => {}
            }
            std::iter::once(ExplainLine {
                depth: step.depth,
                value: step.value.word(),
                text,
                line,
                column,
            })
            .chain(computed)
        })
        .collect()
}

/// How a computed fact came out for the patient: its arithmetic, its
/// value, and the facts it read (`crcl = (140 - age / 1 a) * … = 28.7
/// mL/min, from age = 80 a, weight = 55 kg, …`).
fn computed_line(
    program: &Program<'_>,
    patient: &Patient,
    fact: FactId,
    depth: usize,
    source: &SourceFile,
) -> Option<ExplainLine> {
    let model = program.model;
    let declared = model.facts.get(fact)?;
    let derived = declared.derived.as_ref()?;
    let shown_in = |patient: &Patient, id: FactId| {
        let value = FactJson::new(model, id, patient.get(id));
        format!(
            "{} = {}",
            model.facts.at(id).name,
            super::text::fact_value(value)
        )
    };
    let formula = if derived.declared {
        format!(
            "{} = {}",
            declared.name,
            one_line(source, derived.expr.span)
        )
    } else {
        declared.name.clone()
    };
    let mut read: Vec<FactId> = derived.inputs.clone();
    derived.expr.walk(&mut |expr| {
        if let NumKind::Fact { fact, .. } = expr.kind
            && !read.contains(&fact)
        {
            read.push(fact);
        }
    });
    read.sort_unstable();
    let from: Vec<String> = read.into_iter().map(|id| shown_in(patient, id)).collect();
    let (line, column) = source.line_col(derived.expr.span.start_usize());
    let value = FactJson::new(model, fact, patient.get(fact));
    // Unknown only through a sex or a yes or no: the value for each.
    let each = program
        .few_valued_completions(patient, [fact])
        .map(|completions| {
            let cases: Vec<String> = completions
                .iter()
                .map(|(given, completed)| {
                    let value = FactJson::new(model, fact, completed.get(fact));
                    let given: Vec<String> = given
                        .iter()
                        .map(|(id, _)| shown_in(completed, *id))
                        .collect();
                    format!(
                        "{} if {}",
                        super::text::fact_value(value),
                        given.join(" and ")
                    )
                })
                .collect();
            format!(" ({})", cases.join("; "))
        })
        .unwrap_or_default();
    Some(ExplainLine {
        depth,
        value: "value",
        text: format!(
            "{formula} = {}{each}, from {}",
            super::text::fact_value(value),
            from.join(", ")
        ),
        line,
        column,
    })
}

/// The source text at `span` on one line, blanks collapsed.
fn one_line(source: &SourceFile, span: crate::span::Span) -> String {
    let text = source
        .text()
        .get(span.start_usize()..span.end as usize)
        .unwrap_or("");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// [`one_line`], cut to 100 characters.
fn snippet(source: &SourceFile, span: crate::span::Span) -> String {
    let joined = one_line(source, span);
    if joined.chars().count() > 100 {
        let short: String = joined.chars().take(97).collect();
        format!("{short}...")
    } else {
        joined
    }
}

/// Renders explanations as indented text.
pub fn render(explanations: &[Explanation], file: &str) -> String {
    if explanations.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nEXPLANATION\n");
    for explanation in explanations {
        out.push_str(&format!("  {}\n", explanation.subject));
        for step in &explanation.steps {
            out.push_str(&format!(
                "    {}[{}] {}  ({file}:{}:{})\n",
                "  ".repeat(step.depth),
                step.value,
                step.text,
                step.line,
                step.column
            ));
        }
    }
    out
}
