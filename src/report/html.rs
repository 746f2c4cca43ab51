//! The HTML report: one self-contained page for one patient (`gdl run
//! --format html`), and the flowchart alone in the same page shell (`gdl
//! graph --format html`).
//!
//! Input: a [`Report`], the [`Model`] it was built from (for sections and
//! reference numbers), the `--explain` proof trees, and the flowchart as
//! SVG text already drawn by `graph::svg` (the graph layer sits above this
//! one, so the caller draws it and hands it in). Output: one HTML document
//! as a `String`.
//!
//! Invariants: the page loads nothing (inline CSS and SVG, no script, no
//! font, no image), so it works offline and prints the same everywhere;
//! every string from the guideline or the facts is escaped here (they are
//! untrusted: a label may be `<script>`), and a link is written only for
//! `http:` or `https:` addresses; the same input gives the same bytes;
//! every mark (✓ ✗ ? !) is a character with words beside it, never a colour
//! alone.
//!
//! The summary block lays out the [`Summary`] the text report shows first
//! (`report::summary`): one summary, two renderings.

use std::fmt::Write as _;

use super::explain::Explanation;
use super::summary::Summary;
use super::{BranchItem, Facts, Report, RuleInfo};
use crate::sema::{Model, Reference, ReferenceId};

/// What one patient's page shows.
pub struct Page<'p, 'a> {
    /// The report.
    pub report: &'p Report<'a>,
    /// The model the report was built from.
    pub model: &'a Model,
    /// The proof trees of the decisions (`--explain`).
    pub explanations: &'p [Explanation],
    /// The guideline's file name, for the proof trees' positions.
    pub file: &'p str,
    /// The flowchart with the patient's path, as SVG text from
    /// `graph::svg::write` (trusted: it escapes what it writes).
    pub flowchart: Option<&'p str>,
    /// The summary of the report (`report::summary`), shown first.
    pub summary: &'p Summary,
}

/// The page for one patient: header, summary, flowchart, detail, proof
/// trees, references.
pub fn render(page: &Page<'_, '_>) -> String {
    let report = page.report;
    let mut out = String::new();
    let patient = report.patient.unwrap_or("(no @id)");
    head(&mut out, &format!("{}: {patient}", report.guideline.title));
    header(&mut out, page.model, Some(patient));
    out.push_str("<main>\n");
    summary(&mut out, page);
    if let Some(svg) = page.flowchart {
        flowchart(&mut out, svg, "Flowchart, with this patient's path", true);
    }
    detail(&mut out, page);
    explanations(&mut out, page.explanations, page.file);
    let cited: Vec<ReferenceId> = report.references.iter().map(|c| c.id).collect();
    references(&mut out, page.model, &cited);
    out.push_str("</main>\n");
    footer(&mut out, "gdl run --format html");
    out
}

/// The flowchart alone, in the same page shell: `gdl graph --format html`.
/// `patient` is the `@id` of the patient whose path is marked, if any.
pub fn flowchart_page(model: &Model, patient: Option<&str>, svg: &str) -> String {
    let mut out = String::new();
    let title = match patient {
        Some(patient) => format!("{}: flowchart, {patient}", model.header.title),
        None => format!("{}: flowchart", model.header.title),
    };
    head(&mut out, &title);
    header(&mut out, model, patient);
    out.push_str("<main>\n");
    let heading = if patient.is_some() {
        "Flowchart, with this patient's path"
    } else {
        "Flowchart"
    };
    flowchart(&mut out, svg, heading, patient.is_some());
    let all: Vec<ReferenceId> = model.references.ids().collect();
    references(&mut out, model, &all);
    out.push_str("</main>\n");
    footer(&mut out, "gdl graph --format html");
    out
}

/// Text escaped for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"<style>
:root { color-scheme: light; }
*, *::before, *::after { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.45; color: #1b1b1b; background: #ffffff; margin: 0; padding: 0 1.25rem; }
header.gdl-top, footer.gdl-foot { max-width: 60rem; margin: 0 auto; }
main > *, section.gdl-flowchart > h2, section.gdl-flowchart > p { max-width: 60rem; margin-left: auto; margin-right: auto; }
main > section.gdl-flowchart { max-width: none; }
header.gdl-top { padding-top: 1rem; border-bottom: 2px solid #1b1b1b; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.3rem; }
h2 { font-size: 1.3rem; margin: 1.4rem 0 0.5rem; border-bottom: 1px solid #c8c8c8; }
h3 { font-size: 1.1rem; margin: 1rem 0 0.3rem; }
h4 { font-size: 1rem; margin: 0.7rem 0 0.2rem; color: #3a3a3a; }
p.gdl-meta { margin: 0 0 0.8rem; color: #3a3a3a; }
code { font-family: Menlo, Consolas, monospace; font-size: 0.85em; color: #3a3a3a; }
ul.gdl-list { list-style: none; padding-left: 0; margin: 0.2rem 0; }
ul.gdl-list > li { padding: 0.25rem 0 0.25rem 1.9rem; }
.gdl-mark { display: inline-block; width: 1.4rem; margin-left: -1.7rem; margin-right: 0.3rem; text-align: center; font-weight: bold; border-radius: 3px; }
.gdl-yes .gdl-mark { color: #ffffff; background: #1a7f37; }
.gdl-no .gdl-mark { color: #ffffff; background: #b00020; }
.gdl-maybe .gdl-mark { color: #1b1b1b; background: #f2c744; }
.gdl-ask .gdl-mark { color: #ffffff; background: #0b57d0; }
.gdl-why { color: #3a3a3a; }
ul.gdl-settles { margin: 0.1rem 0 0; padding-left: 1.2rem; color: #3a3a3a; }
.gdl-caution { display: block; color: #6b4700; }
.gdl-because { display: block; color: #444; }
.gdl-cite { white-space: nowrap; }
a { color: #0b57d0; }
section.gdl-summary { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.2rem 1rem 0.8rem; margin-top: 1rem; }
section.gdl-summary h2 { border-bottom: none; margin-top: 0.6rem; }
.gdl-figure { width: fit-content; max-width: 100%; margin: 0 auto; overflow-x: auto; border: 1px solid #d0d7de; }
.gdl-figure svg { display: block; }
details { margin: 0.8rem auto; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.3rem 0.8rem; }
details > summary { cursor: pointer; font-weight: bold; font-size: 1.1rem; padding: 0.3rem 0; }
dl.gdl-item { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0.2rem 0 0.8rem 1.9rem; }
dl.gdl-item dt { color: #3a3a3a; }
dl.gdl-item dd { margin: 0; }
ul.gdl-tree { list-style: none; padding-left: 1.2rem; margin: 0; }
ul.gdl-proof { list-style: none; padding-left: 0; margin: 0 0 0.6rem; font-size: 0.92em; }
.gdl-pos { color: #5f6368; font-size: 0.85em; }
ol.gdl-refs { padding-left: 2.6rem; }
ol.gdl-refs li { margin: 0.2rem 0; }
footer.gdl-foot { margin-top: 2rem; padding-bottom: 1.5rem; color: #5f6368; font-size: 0.85rem; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10.5pt; }
  body { padding: 0; }
  header.gdl-top, footer.gdl-foot, main > * { max-width: none; }
  section.gdl-summary { background: none; border: 1px solid #8c8c8c; break-inside: avoid; }
  section.gdl-flowchart { break-before: page; }
  .gdl-figure { overflow: visible; border: none; }
  .gdl-figure svg { max-width: 100%; height: auto; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: block; }
  a { color: #1b1b1b; text-decoration: none; }
  li, dl.gdl-item { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  .gdl-mark { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"#;

fn head(out: &mut String, title: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"gdl\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n");
}

/// The guideline and the patient.
fn header(out: &mut String, model: &Model, patient: Option<&str>) {
    out.push_str("<header class=\"gdl-top\">\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&model.header.title));
    let version = model
        .header
        .meta("version")
        .map(|v| format!(", version {}", escape(v)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<p class=\"gdl-meta\">Guideline <code>{}</code>{version}",
        escape(&model.header.id)
    );
    if let Some(patient) = patient {
        let _ = write!(out, " · Patient <strong>{}</strong>", escape(patient));
    }
    out.push_str("</p>\n</header>\n");
}

fn footer(out: &mut String, command: &str) {
    let _ = writeln!(
        out,
        "<footer class=\"gdl-foot\"><p>Made by <code>{command}</code> from the guideline's rules and this patient's facts; it decides nothing the guideline does not say. A decision aid, not a substitute for clinical judgement.</p></footer>"
    );
    out.push_str("</body>\n</html>\n");
}

fn flowchart(out: &mut String, svg: &str, heading: &str, with_path: bool) {
    out.push_str("<section class=\"gdl-flowchart\" id=\"flowchart\" aria-labelledby=\"flowchart-heading\">\n");
    let _ = writeln!(out, "<h2 id=\"flowchart-heading\">{heading}</h2>");
    out.push_str("<p>");
    if with_path {
        out.push_str("Thick green and ✓: taken for this patient; dashed red and “withheld”: reached but withheld; dotted and ?: could not be decided; thin grey: not taken. ");
    }
    out.push_str("[n] are the numbered references below.</p>\n");
    out.push_str(
        "<div class=\"gdl-figure\" role=\"img\" aria-label=\"Flowchart of the guideline\">\n",
    );
    out.push_str(svg.trim_end());
    out.push_str("\n</div>\n</section>\n");
}

// ---------------------------------------------------------------------
// The summary: what to give, what not to give and why, what to find out.
// ---------------------------------------------------------------------

fn summary(out: &mut String, page: &Page<'_, '_>) {
    let summary = page.summary;
    out.push_str(
        "<section class=\"gdl-summary\" id=\"summary\" aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">Summary</h2>\n",
    );
    if summary.nothing_applies {
        out.push_str("<p><strong>Nothing applies.</strong> No rule of this guideline applies to this patient, and nothing needs a clinician's decision.</p>\n</section>\n");
        return;
    }
    summary_give(out, page);
    summary_not_give(out, page);
    summary_find_out(out, summary);
    summary_clinician(out, summary);
    if !summary.goals.is_empty() {
        out.push_str("<h3>Treatment goals</h3>\n<ul class=\"gdl-list\">\n");
        for goal in &summary.goals {
            let _ = writeln!(out, "<li>{}</li>", escape(goal));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// "What to give", by top-level section ([`Summary::give`]).
fn summary_give(out: &mut String, page: &Page<'_, '_>) {
    let summary = page.summary;
    out.push_str("<h3>What to give</h3>\n");
    if summary.give.is_empty() {
        out.push_str("<p>Nothing is recommended for this patient.</p>\n");
        return;
    }
    for block in &summary.give {
        let section = block.section.as_deref().unwrap_or("Rules outside sections");
        let _ = writeln!(out, "<h4>{}</h4>", escape(section));
        out.push_str("<ul class=\"gdl-list\">\n");
        for decision in &block.decisions {
            out.push_str("<li class=\"gdl-yes\"><span class=\"gdl-mark\">✓</span> ");
            let options: Vec<String> = decision.options.iter().map(|o| escape(o)).collect();
            if decision.any_of {
                out.push_str("<strong>Any one of</strong>: ");
                out.push_str(&options.join("; "));
            } else {
                let _ = write!(out, "<strong>{}</strong>", options.join(", "));
            }
            if let Some(grade) = &decision.grade {
                let _ = write!(out, " <span class=\"gdl-why\">({})</span>", escape(grade));
            }
            cite_notes(out, page, &decision.notes);
            if !decision.because.is_empty() {
                let _ = write!(
                    out,
                    "<span class=\"gdl-because\">because: {}</span>",
                    escape(&decision.because.join("; "))
                );
            }
            for caution in &decision.cautions {
                let _ = write!(
                    out,
                    "<span class=\"gdl-caution\">⚠ Caution: {}",
                    escape(&caution.text)
                );
                cite_notes(out, page, &caution.notes);
                out.push_str("</span>");
            }
            if !decision.next.is_empty() {
                let next: Vec<String> = decision.next.iter().map(|n| escape(n)).collect();
                let _ = write!(
                    out,
                    "<span class=\"gdl-because\">next if not possible: {}</span>",
                    next.join(", then ")
                );
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
}

/// "What not to give, and why": each action once ([`Summary::do_not_give`]),
/// ✗ when settled, ? when it only may be withheld.
fn summary_not_give(out: &mut String, page: &Page<'_, '_>) {
    let summary = page.summary;
    if summary.do_not_give.is_empty() {
        return;
    }
    out.push_str("<h3>What not to give, and why</h3>\n<ul class=\"gdl-list\">\n");
    for item in &summary.do_not_give {
        let settled = item.reasons.iter().any(|r| !r.starts_with("may "));
        let (class, mark, prefix) = if settled {
            ("gdl-no", "✗", "")
        } else {
            ("gdl-maybe", "?", "Not yet settled: ")
        };
        let reasons: Vec<String> = item.reasons.iter().map(|r| escape(r)).collect();
        let _ = write!(
            out,
            "<li class=\"{class}\"><span class=\"gdl-mark\">{mark}</span> {prefix}<strong>{}</strong>: <span class=\"gdl-why\">{}</span>",
            escape(&item.action),
            reasons.join("; ")
        );
        cite_notes(out, page, &item.notes);
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}

/// "What to find out": every fact a decision waits for, once, with what it
/// decides ([`Summary::find_out`]).
fn summary_find_out(out: &mut String, summary: &Summary) {
    if summary.find_out.is_empty() {
        return;
    }
    out.push_str("<h3>What to find out</h3>\n<ul class=\"gdl-list\">\n");
    for question in &summary.find_out {
        let _ = write!(
            out,
            "<li class=\"gdl-maybe\"><span class=\"gdl-mark\">?</span> Find out <strong>{}</strong> <code>{}</code>; it decides:\n<ul class=\"gdl-settles\">",
            escape(&question.fact),
            escape(&question.name)
        );
        for what in question.decides.iter().chain(&question.answers) {
            let _ = write!(out, "<li>{}</li>", escape(what));
        }
        out.push_str("</ul></li>\n");
    }
    out.push_str("</ul>\n");
}

/// "For a clinician to decide": escalations that are not a missing fact,
/// by kind ([`Summary::escalations`]).
fn summary_clinician(out: &mut String, summary: &Summary) {
    if summary.escalations.is_empty() {
        return;
    }
    out.push_str("<h3>For a clinician to decide</h3>\n<ul class=\"gdl-list\">\n");
    for referral in &summary.escalations {
        let _ = writeln!(
            out,
            "<li class=\"gdl-ask\"><span class=\"gdl-mark\">!</span> <strong>{}</strong>: {}</li>",
            escape(referral.kind),
            escape(&referral.text)
        );
    }
    out.push_str("</ul>\n");
}

/// Links for the summary's footnote numbers, numbered as the page's
/// references are (by their place in the guideline, as on the flowchart).
fn cite_notes(out: &mut String, page: &Page<'_, '_>, notes: &[usize]) {
    let ids: Vec<ReferenceId> = notes
        .iter()
        .filter_map(|n| page.summary.references.get(n.checked_sub(1)?))
        .filter_map(|footnote| {
            page.model
                .references
                .iter_enumerated()
                .find(|(_, r)| r.key == footnote.key)
                .map(|(id, _)| id)
        })
        .collect();
    cite(out, page.model, &ids);
}

/// An action's label in bold with its machine name, escaped.
fn action(name: &str, label: Option<&str>) -> String {
    match label {
        Some(label) => format!(
            "<strong>{}</strong> <code>{}</code>",
            escape(label),
            escape(name)
        ),
        None => format!("<strong>{}</strong>", escape(name)),
    }
}

/// A rule's title and name, escaped.
fn rule_words(rule: &RuleInfo<'_>) -> String {
    match rule.title {
        Some(title) => format!("“{}” <code>{}</code>", escape(title), escape(rule.name)),
        None => format!("<code>{}</code>", escape(rule.name)),
    }
}

/// `GRADE: strong recommendation against, low certainty evidence`, or
/// nothing when the rule states neither.
fn grade(rule: &RuleInfo<'_>, recommend: bool) -> String {
    let strength = rule.strength.map(|s| {
        let against = if recommend { "" } else { " against" };
        format!("{} recommendation{against}", s.word())
    });
    let certainty = rule
        .certainty
        .map(|c| format!("{} certainty evidence", c.word()));
    let parts: Vec<String> = strength.into_iter().chain(certainty).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("GRADE: {}", parts.join(", "))
    }
}

/// Fact names, escaped, in `<code>`.
fn names(facts: &Facts<'_>) -> String {
    facts
        .names()
        .map(|n| format!("<code>{}</code>", escape(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A reference's number: its place in the guideline, from 1, as on the
/// flowchart.
fn number(id: ReferenceId) -> usize {
    id.index() + 1
}

/// ` [1] [4]`: links to the numbered references.
fn cite(out: &mut String, model: &Model, ids: &[ReferenceId]) {
    for &id in ids {
        let Some(reference) = model.references.get(id) else {
            continue;
        };
        let n = number(id);
        let _ = write!(
            out,
            " <a class=\"gdl-cite\" href=\"#ref-{n}\" title=\"{}\">[{n}]</a>",
            escape(&reference.key)
        );
    }
}

// ---------------------------------------------------------------------
// The detail, the proof trees, the references.
// ---------------------------------------------------------------------

fn detail(out: &mut String, page: &Page<'_, '_>) {
    let (report, model) = (page.report, page.model);
    if report.nothing_applies {
        return;
    }
    out.push_str("<details class=\"gdl-detail\" id=\"detail\">\n<summary>Full detail: each decision, its rule, this patient's facts and the evidence</summary>\n");
    if !report.recommended.is_empty() {
        out.push_str("<h3>Recommended</h3>\n<ul class=\"gdl-list\">\n");
        for item in &report.recommended {
            let _ = writeln!(
                out,
                "<li class=\"gdl-yes\"><span class=\"gdl-mark\">✓</span> {}</li>",
                action(item.action, item.label)
            );
            out.push_str("<dl class=\"gdl-item\">\n");
            rule_row(out, "rule", &item.rule);
            row(
                out,
                "GRADE",
                &grade(&item.rule, true).replace("GRADE: ", ""),
            );
            if let Some(options) = &item.any_of {
                let options: Vec<String> = options
                    .iter()
                    .map(|o| format!("<code>{}</code>", escape(o)))
                    .collect();
                row(out, "one of", &options.join(", "));
            }
            row(out, "because", &values(&item.because));
            for caution in &item.cautions {
                let mut text = escape(caution.because.unwrap_or("use with care"));
                if !caution.needs.is_empty() {
                    text.push_str(&format!(" (needs {})", names(&caution.needs)));
                }
                cite(&mut text, model, &caution.citations);
                let status = if caution.status == "applies" {
                    "⚠ caution"
                } else {
                    "⚠ caution, may apply"
                };
                row(out, status, &text);
            }
            evidence(out, report, &item.citations);
            out.push_str("</dl>\n");
        }
        out.push_str("</ul>\n");
    }
    if !report.withheld.is_empty() {
        out.push_str("<h3>Withheld</h3>\n<ul class=\"gdl-list\">\n");
        for item in &report.withheld {
            let mark = if item.reason.starts_with("may-") {
                ("gdl-maybe", "?")
            } else {
                ("gdl-no", "✗")
            };
            let _ = writeln!(
                out,
                "<li class=\"{}\"><span class=\"gdl-mark\">{}</span> {}: {}</li>",
                mark.0,
                mark.1,
                action(item.action, item.label),
                escape(&item.reason.replace('-', " "))
            );
            out.push_str("<dl class=\"gdl-item\">\n");
            rule_row(out, "listed by rule", &item.rule);
            for because in &item.because {
                row(out, "why", &escape(because));
            }
            if !item.values.is_empty() {
                row(out, "values", &values(&item.values));
            }
            if !item.needs.is_empty() {
                row(out, "needs", &names(&item.needs));
            }
            evidence(out, report, &item.citations);
            out.push_str("</dl>\n");
        }
        out.push_str("</ul>\n");
    }
    if !report.avoid.is_empty() {
        out.push_str("<h3>Avoid</h3>\n<ul class=\"gdl-list\">\n");
        for item in &report.avoid {
            let _ = writeln!(
                out,
                "<li class=\"gdl-no\"><span class=\"gdl-mark\">✗</span> {}</li>",
                action(item.action, item.label)
            );
            out.push_str("<dl class=\"gdl-item\">\n");
            rule_row(out, "rule", &item.rule);
            row(
                out,
                "GRADE",
                &grade(&item.rule, false).replace("GRADE: ", ""),
            );
            row(out, "because", &values(&item.because));
            evidence(out, report, &item.citations);
            out.push_str("</dl>\n");
        }
        out.push_str("</ul>\n");
    }
    if !report.escalations.is_empty() {
        out.push_str("<h3>Escalate to a clinician</h3>\n<ul class=\"gdl-list\">\n");
        for item in &report.escalations {
            let _ = writeln!(
                out,
                "<li class=\"gdl-ask\"><span class=\"gdl-mark\">!</span> {}</li>",
                escape(&item.reason.to_string())
            );
            out.push_str("<dl class=\"gdl-item\">\n");
            if let Some(rule) = &item.rule {
                rule_row(out, "rule", rule);
            }
            if !item.needs.is_empty() {
                row(out, "needs", &names(&item.needs));
            }
            if !item.values.is_empty() {
                row(out, "values", &values(&item.values));
            }
            if !item.answers.is_empty() {
                row(out, "each answer leads to", &answers(&item.answers));
            }
            out.push_str("</dl>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</details>\n");
}

/// A `<dt>`/`<dd>` pair; nothing when the value is empty. `value` is HTML.
fn row(out: &mut String, term: &str, value: &str) {
    if value.is_empty() {
        return;
    }
    let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", escape(term));
}

fn rule_row(out: &mut String, term: &str, rule: &RuleInfo<'_>) {
    row(out, term, &rule_words(rule));
}

/// One `evidence` row per cited reference, with its number and links.
fn evidence(out: &mut String, report: &Report<'_>, ids: &[ReferenceId]) {
    for id in ids {
        let Some(citation) = report.reference(*id) else {
            continue;
        };
        let n = number(citation.id);
        let _ = writeln!(
            out,
            "<dt>evidence</dt><dd><a href=\"#ref-{n}\">[{n}]</a> {}</dd>",
            escape(citation.key)
        );
    }
}

/// `a = true, egfr = 45 mL/min/1.73m2`, escaped; `always` for no facts.
fn values(facts: &Facts<'_>) -> String {
    if facts.is_empty() {
        return "always (the rule reads no fact)".to_owned();
    }
    facts
        .values()
        .map(|v| {
            format!(
                "<code>{}</code> = {}",
                escape(v.fact),
                escape(&super::text::fact_value(v.value))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What each answer to an escalation's unknown facts leads to, as a list.
fn answers(branches: &[BranchItem<'_>]) -> String {
    let mut out = String::from("<ul class=\"gdl-tree\">");
    for branch in branches {
        let conditions: Vec<String> = branch
            .answers
            .iter()
            .map(|a| format!("<code>{}</code>", escape(&a.condition)))
            .collect();
        let condition = if conditions.is_empty() {
            "whatever the answers".to_owned()
        } else {
            format!("if {}", conditions.join(" and "))
        };
        let decisions: Vec<String> = branch
            .decisions
            .iter()
            .map(|d| escape(&d.to_string()))
            .collect();
        let decisions = if decisions.is_empty() {
            "nothing more is decided".to_owned()
        } else {
            decisions.join("; ")
        };
        let _ = write!(out, "<li>{condition}: {decisions}</li>");
    }
    out.push_str("</ul>");
    out
}

/// The proof trees, one nested list each, in a closed `<details>`.
fn explanations(out: &mut String, explanations: &[Explanation], file: &str) {
    if explanations.is_empty() {
        return;
    }
    out.push_str("<details class=\"gdl-explain\" id=\"explain\">\n<summary>How each decision was reached: proof trees (<code>--explain</code>)</summary>\n");
    out.push_str("<p>Each condition with its value for this patient: ✓ true, ✗ false, ? unknown, = a computed value; the position is where the guideline says it.</p>\n");
    for explanation in explanations {
        let _ = writeln!(out, "<h3>{}</h3>", escape(&explanation.subject));
        out.push_str("<ul class=\"gdl-proof\">\n");
        for step in &explanation.steps {
            let (mark, word) = match step.value {
                "true" => ("✓", "true"),
                "false" => ("✗", "false"),
                "unknown" => ("?", "unknown"),
                _ => ("=", "value"),
            };
            let _ = writeln!(
                out,
                "<li style=\"padding-left: {:.1}rem\"><span title=\"{word}\">{mark}</span> <code>{}</code> <span class=\"gdl-pos\">{}:{}:{}</span></li>",
                step.depth as f64 * 1.2,
                escape(&step.text),
                escape(file),
                step.line,
                step.column
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</details>\n");
}

/// The numbered references, each with its links: PubMed for a PMID, else
/// doi.org for a DOI, and any other web address the guideline gives.
fn references(out: &mut String, model: &Model, ids: &[ReferenceId]) {
    if ids.is_empty() {
        return;
    }
    out.push_str("<section class=\"gdl-references\" id=\"references\" aria-labelledby=\"references-heading\">\n<h2 id=\"references-heading\">References</h2>\n<ol class=\"gdl-refs\">\n");
    for &id in ids {
        let Some(reference) = model.references.get(id) else {
            continue;
        };
        let n = number(id);
        let _ = write!(
            out,
            "<li id=\"ref-{n}\" value=\"{n}\" data-key=\"{}\"><strong>{}</strong>. {}",
            escape(&reference.key),
            escape(&reference.key),
            escape(&reference.citation)
        );
        for (href, text) in links(reference) {
            let _ = write!(out, " <a href=\"{}\">{}</a>", escape(&href), escape(&text));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</section>\n");
}

/// A reference's links, best first: PubMed, doi.org when there is no PMID,
/// then every other `http:`/`https:` address (others are never links).
fn links(reference: &Reference) -> Vec<(String, String)> {
    let mut links: Vec<(String, String)> = Vec::new();
    if let Some(pmid) = reference.pmid {
        links.push((
            format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
            format!("PubMed {pmid}"),
        ));
    } else if let Some(doi) = &reference.doi {
        links.push((format!("https://doi.org/{doi}"), format!("doi:{doi}")));
    }
    for url in reference.urls.iter().chain(&reference.link) {
        let web = url.starts_with("https://") || url.starts_with("http://");
        if web && !links.iter().any(|(href, _)| href == url) {
            links.push((url.clone(), url.clone()));
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(\"x\" & 'y')</script>"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }
}
