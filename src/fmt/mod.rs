//! `gdl fmt`: one canonical layout for a guideline, comments kept.
//!
//! Input: source text (parsed here with [`crate::syntax::parse`]). Output:
//! the same AST printed in the canonical layout. Invariants: formatting is
//! idempotent, and the formatted text parses to the same AST (spans aside;
//! nested `and`/`or` keep their parentheses so even grouping is preserved).
//! Comments are found by the trivia scan ([`crate::syntax::trivia`]) and
//! re-attached by position: a comment on its own line goes before the next
//! element; a comment after code on the same line stays at the end of that
//! element's line.

use crate::diagnostics::Diagnostic;
use crate::span::Span;
use crate::syntax::ast::*;
use crate::syntax::trivia::{self, Comment};

/// Lines longer than this are broken where the layout allows.
const WIDTH: usize = 100;

/// Formats a guideline, or returns the diagnostics that prevent parsing it.
/// Keeps the file's line endings: CRLF throughout when its first line ends
/// in CRLF (as rustfmt's `newline_style = "Auto"`), LF otherwise, so a file
/// saved on Windows is not rewritten line by line.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    if !text.contains('\r') {
        return format_lf(text);
    }
    // Parsed as given first, so diagnostics point into `text` itself.
    crate::syntax::parse(text)?;
    let formatted = format_lf(&text.replace("\r\n", "\n"))?;
    Ok(if first_line_ends_in_crlf(text) {
        formatted.replace('\n', "\r\n")
    } else {
        formatted
    })
}

/// Whether the first line ending of `text` is CRLF.
pub fn first_line_ends_in_crlf(text: &str) -> bool {
    text.find('\n')
        .is_some_and(|at| at > 0 && text.as_bytes().get(at - 1) == Some(&b'\r'))
}

/// [`format`] for text whose line endings are all LF: the printer's own
/// line breaks are `\n`, and a `\r` kept at the end of a comment would
/// double the ending.
fn format_lf(text: &str) -> Result<String, Vec<Diagnostic>> {
    let file = crate::syntax::parse(text)?;
    let mut printer = Printer {
        text,
        comments: trivia::scan(text).comments,
        next: 0,
        out: String::new(),
        last: 0,
    };
    for item in &file.items {
        printer.item(item);
    }
    printer.comments_before(text.len(), "");
    let mut out = printer.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

/// The canonical text of each declaration and each rule, without comments,
/// keyed by kind and name, in source order: what `gdl diff` compares.
/// Sections appear as their header and member names; their rules appear on
/// their own.
pub fn declarations(text: &str, file: &File) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut printer = Printer {
        text,
        comments: Vec::new(),
        next: 0,
        out: String::new(),
        last: 0,
    };
    let take = |printer: &mut Printer<'_>| std::mem::take(&mut printer.out);
    let mut sections: Vec<&Section> = Vec::new();
    for item in &file.items {
        let (kind, name) = match item {
            Item::Guideline(g) => ("guideline", g.id.node.clone()),
            Item::Reference(r) => ("reference", r.key.node.clone()),
            Item::Enum(e) => ("enum", e.name.node.clone()),
            Item::Fact(f) => ("fact", f.name.node.clone()),
            Item::Define(d) => ("definition", d.name.node.clone()),
            Item::Score(x) => ("score", x.name.node.clone()),
            Item::Value(x) => ("value", x.name.node.clone()),
            Item::Invariant(i) => ("invariant", expr(&i.condition, 0)),
            Item::Exclusive(x) => ("exclusive", names(&x.actions)),
            Item::Action(a) => ("action", a.name.node.clone()),
            Item::Rule(r) => ("rule", r.name.node.clone()),
            Item::Section(s) => {
                sections.push(s);
                continue;
            }
        };
        printer.item(item);
        out.push((kind, name, take(&mut printer)));
    }
    while let Some(section) = sections.pop() {
        let members: Vec<&str> = section
            .items
            .iter()
            .map(|m| match m {
                SectionItem::Rule(r) => r.name.node.as_str(),
                SectionItem::Section(s) => s.name.node.as_str(),
            })
            .collect();
        let header = format!(
            "section {} {} first-match={} complete={} disjoint={} [{}]",
            section.name.node,
            section
                .title
                .as_ref()
                .map(|t| string(&t.node))
                .unwrap_or_default(),
            section.first_match,
            section.complete,
            section.disjoint,
            members.join(", ")
        );
        out.push(("section", section.name.node.clone(), header));
        for member in section.items.iter().rev() {
            match member {
                SectionItem::Rule(r) => {
                    printer.rule(r, "");
                    out.push(("rule", r.name.node.clone(), take(&mut printer)));
                }
                SectionItem::Section(s) => sections.push(s),
            }
        }
    }
    out
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next: usize,
    out: String,
    /// Source position of the last thing printed, to find blank lines.
    last: usize,
}

impl Printer<'_> {
    /// Emits, on their own lines, the comments that start before `position`
    /// (the start of the next element), keeping one blank line wherever the
    /// source had blank lines.
    fn comments_before(&mut self, position: usize, indent: &str) {
        while let Some(comment) = self.comments.get(self.next) {
            if comment.start >= position {
                break;
            }
            let Comment { start, end, .. } = *comment;
            self.gap(start);
            self.out.push_str(indent);
            self.out.push_str(self.text.get(start..end).unwrap_or("#"));
            self.out.push('\n');
            self.next += 1;
            self.last = end;
        }
        self.gap(position);
    }

    /// One blank line if the source has a blank line between the last thing
    /// printed and `position`.
    fn gap(&mut self, position: usize) {
        let between = self.text.get(self.last..position).unwrap_or("");
        if trivia::has_blank_line(between) && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        self.last = self.last.max(position);
    }

    /// Writes one line of code, with the trailing comment that follows
    /// `anchor` (a source position on the line the code came from) on the
    /// same source line, if any.
    fn line(&mut self, indent: &str, code: &str, anchor: usize) {
        self.out.push_str(indent);
        self.out.push_str(code);
        if let Some(comment) = self.comments.get(self.next) {
            let between = self.text.get(anchor..comment.start).unwrap_or("\n");
            if comment.trailing && comment.start >= anchor && !between.contains('\n') {
                let Comment { start, end, .. } = *comment;
                self.out.push(' ');
                self.out.push_str(self.text.get(start..end).unwrap_or("#"));
                self.last = end;
                self.next += 1;
            }
        }
        self.out.push('\n');
        self.last = self.last.max(anchor);
    }

    /// Like [`Printer::line`] for the first line of an element printed on
    /// several lines: its trailing comment is the one on the element's first
    /// source line.
    fn head(&mut self, indent: &str, code: &str, start: usize) {
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n);
        let before_comment = self
            .comments
            .get(self.next)
            .filter(|c| c.trailing && c.start > start && c.start < line_end)
            .map(|c| c.start);
        self.line(indent, code, before_comment.unwrap_or(line_end));
    }

    fn item(&mut self, item: &Item) {
        let span = item.span();
        self.comments_before(span.start_usize(), "");
        match item {
            Item::Guideline(g) => {
                let header = format!("guideline {} {} {{", g.id.node, string(&g.title.node));
                if g.meta.is_empty() {
                    self.line("", &format!("{header}}}"), span.end as usize);
                    return;
                }
                self.line("", &header, g.title.span.end as usize);
                for (key, value) in &g.meta {
                    self.comments_before(key.span.start_usize(), "  ");
                    self.line(
                        "  ",
                        &format!("{} {}", key.node, string(&value.node)),
                        value.span.end as usize,
                    );
                }
                self.comments_before(span.end as usize, "  ");
                self.line("", "}", span.end as usize);
            }
            Item::Reference(r) => {
                let mut head = format!("reference {}", r.key.node);
                if let Some(pmid) = &r.pmid {
                    head.push_str(&format!(" pmid {}", pmid.node));
                }
                if let Some(doi) = &r.doi {
                    head.push_str(&format!(" doi {}", string(&doi.node)));
                }
                let urls: Vec<String> = r
                    .urls
                    .iter()
                    .map(|u| format!("url {}", string(&u.node)))
                    .collect();
                let citation = string(&r.citation.node);
                let one_line = std::iter::once(head.clone())
                    .chain(urls.iter().cloned())
                    .chain(std::iter::once(citation.clone()))
                    .collect::<Vec<_>>()
                    .join(" ");
                if one_line.len() <= WIDTH {
                    self.line("", &one_line, span.end as usize);
                } else {
                    self.head("", &head, span.start_usize());
                    for url in &urls {
                        self.out.push_str("  ");
                        self.out.push_str(url);
                        self.out.push('\n');
                    }
                    self.line("  ", &citation, span.end as usize);
                }
            }
            Item::Enum(e) => {
                let values: Vec<&str> = e.values.iter().map(|v| v.node.as_str()).collect();
                let one_line = format!("enum {} {{ {} }}", e.name.node, values.join(", "));
                if one_line.len() <= WIDTH {
                    self.line("", &one_line, span.end as usize);
                } else {
                    self.head("", &format!("enum {} {{", e.name.node), span.start_usize());
                    for value in &e.values {
                        self.comments_before(value.span.start_usize(), "  ");
                        self.line("  ", &format!("{},", value.node), value.span.end as usize);
                    }
                    self.comments_before(span.end as usize, "  ");
                    self.line("", "}", span.end as usize);
                }
            }
            Item::Fact(f) => {
                let head = format!("fact {}: {}", f.name.node, type_text(&f.ty.node));
                self.with_description(&head, f.description.as_ref(), span);
            }
            Item::Define(d) => {
                let head = format!("define {} =", d.name.node);
                self.condition_with_description(&head, &d.body, d.description.as_ref(), span);
            }
            Item::Score(x) => {
                let mut head = format!("score {}", x.name.node);
                if let Some(title) = &x.title {
                    head.push_str(&format!(" {}", string(&title.node)));
                }
                self.head("", &format!("{head} {{"), span.start_usize());
                for item in &x.items {
                    self.comments_before(item.span.start_usize(), "  ");
                    let points = item.points.node;
                    let sign = if points < 0 { "" } else { "+" };
                    let text = format!("{sign}{points} if {}", expr(&item.condition, 0));
                    self.line("  ", &text, item.span.end as usize);
                }
                self.comments_before(span.end as usize, "  ");
                self.line("", "}", span.end as usize);
            }
            Item::Value(v) => {
                let head = format!("value {}: {} =", v.name.node, type_text(&v.ty.node));
                let one_line = format!("{head} {}", arithmetic(&v.body));
                if one_line.len() <= WIDTH {
                    self.with_description(&one_line, v.description.as_ref(), span);
                } else {
                    // The arithmetic on lines of its own, broken before the
                    // operators of its outermost chain.
                    self.head("", &head, span.start_usize());
                    let lines = broken_arith(&v.body, "    ");
                    let last = lines.len().saturating_sub(1);
                    for (index, line) in lines.iter().enumerate() {
                        if index == last && v.description.is_none() {
                            self.line("", line, span.end as usize);
                        } else {
                            self.out.push_str(line);
                            self.out.push('\n');
                        }
                    }
                    if let Some(d) = &v.description {
                        self.line("    ", &string(&d.node), span.end as usize);
                    }
                }
            }
            Item::Invariant(i) => {
                self.condition_with_description(
                    "invariant",
                    &i.condition,
                    i.description.as_ref(),
                    span,
                );
            }
            Item::Exclusive(x) => {
                let actions: Vec<&str> = x.actions.iter().map(|a| a.node.as_str()).collect();
                let head = format!("exclusive {}", actions.join(", "));
                self.with_description(&head, x.description.as_ref(), span);
            }
            Item::Action(a) => self.action(a),
            Item::Rule(r) => self.rule(r, ""),
            Item::Section(s) => self.section(s, ""),
        }
    }

    /// `head "description"` on one line, or the description on the next.
    fn with_description(&mut self, head: &str, description: Option<&StrLit>, span: Span) {
        match description {
            None => self.line("", head, span.end as usize),
            Some(d) => {
                let one_line = format!("{head} {}", string(&d.node));
                if one_line.len() <= WIDTH {
                    self.line("", &one_line, span.end as usize);
                } else {
                    self.head("", head, span.start_usize());
                    self.line("    ", &string(&d.node), span.end as usize);
                }
            }
        }
    }

    fn condition_with_description(
        &mut self,
        head: &str,
        condition: &Expr,
        description: Option<&StrLit>,
        span: Span,
    ) {
        let text = expr(condition, 0);
        let tail = description
            .map(|d| format!(" {}", string(&d.node)))
            .unwrap_or_default();
        let one_line = format!("{head} {text}{tail}");
        if one_line.len() <= WIDTH {
            self.line("", &one_line, span.end as usize);
            return;
        }
        // The description moves to its own line before the condition breaks.
        let condition_line = format!("{head} {text}");
        if let Some(d) = description.filter(|_| condition_line.len() <= WIDTH) {
            self.head("", &condition_line, span.start_usize());
            self.line("    ", &string(&d.node), span.end as usize);
            return;
        }
        self.head("", head, span.start_usize());
        let lines = broken(condition, "  ");
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            if i == last && description.is_none() {
                self.line("", line, span.end as usize);
            } else {
                self.out.push_str(line);
                self.out.push('\n');
            }
        }
        if let Some(d) = description {
            self.line("  ", &string(&d.node), span.end as usize);
        }
    }

    fn action(&mut self, action: &ActionDecl) {
        let span = action.span;
        let keyword = if action.goal { "goal" } else { "action" };
        let mut head = format!("{keyword} {}", action.name.node);
        let label = action.label.as_ref().map(|l| string(&l.node));
        let open = if action.clauses.is_empty() { "" } else { " {" };
        match &label {
            Some(label) if format!("{head} {label}{open}").len() <= WIDTH => {
                head = format!("{head} {label}{open}");
                let end = if action.clauses.is_empty() {
                    span.end as usize
                } else {
                    action.name.span.end as usize
                };
                self.line("", &head, end);
            }
            Some(label) => {
                self.head("", &head, span.start_usize());
                let end = action
                    .label
                    .as_ref()
                    .map_or(action.name.span.end, |l| l.span.end)
                    as usize;
                self.line("    ", &format!("{label}{open}"), end);
            }
            None => self.line("", &format!("{head}{open}"), action.name.span.end as usize),
        }
        if action.clauses.is_empty() {
            return;
        }
        for clause in &action.clauses {
            self.comments_before(clause.span.start_usize(), "  ");
            let keyword = match clause.kind {
                ClauseKind::Contraindication => "contraindicated-if",
                ClauseKind::Caution => "caution-if",
            };
            let condition = expr(&clause.condition, 0);
            let because = clause
                .because
                .as_ref()
                .map(|b| format!("because {}", string(&b.node)));
            let cite = (!clause.cite.is_empty()).then(|| format!("cite {}", names(&clause.cite)));
            let mut parts = vec![format!("{keyword} {condition}")];
            parts.extend(because.clone());
            parts.extend(cite.clone());
            let one_line = parts.join(" ");
            if one_line.len() + 2 <= WIDTH {
                self.line("  ", &one_line, clause.span.end as usize);
                continue;
            }
            let first = format!("  {keyword} {condition}");
            let lines = if first.len() <= WIDTH {
                vec![first]
            } else {
                broken_with(&clause.condition, "  ", keyword)
            };
            for line in &lines {
                self.out.push_str(line);
                self.out.push('\n');
            }
            let rest: Vec<String> = because.into_iter().chain(cite).collect();
            let last = rest.len().saturating_sub(1);
            for (i, part) in rest.iter().enumerate() {
                if i == last {
                    self.line("    ", part, clause.span.end as usize);
                } else {
                    self.out.push_str("    ");
                    self.out.push_str(part);
                    self.out.push('\n');
                }
            }
        }
        self.comments_before(span.end as usize, "  ");
        self.line("", "}", span.end as usize);
    }

    fn section(&mut self, section: &Section, indent: &str) {
        self.comments_before(section.span.start_usize(), indent);
        let mut head = format!("section {}", section.name.node);
        if let Some(title) = &section.title {
            head.push_str(&format!(" {}", string(&title.node)));
        }
        if section.first_match {
            head.push_str(" first-match");
        }
        if section.complete {
            head.push_str(" complete");
        }
        if section.disjoint {
            head.push_str(" disjoint");
        }
        head.push_str(" {");
        let header_end = section
            .title
            .as_ref()
            .map_or(section.name.span.end, |t| t.span.end) as usize;
        match &section.title {
            Some(title) if indent.len() + head.len() > WIDTH => {
                self.head(
                    indent,
                    &format!("section {}", section.name.node),
                    section.span.start_usize(),
                );
                let rest = head
                    .trim_start_matches(&format!("section {} ", section.name.node))
                    .to_owned();
                let _ = title;
                self.line(&format!("{indent}    "), &rest, header_end);
            }
            _ => self.line(indent, &head, header_end),
        }
        let inner = format!("{indent}  ");
        for member in &section.items {
            match member {
                SectionItem::Rule(r) => self.rule(r, &inner),
                SectionItem::Section(s) => self.section(s, &inner),
            }
        }
        self.comments_before(section.span.end as usize, &inner);
        self.line(indent, "}", section.span.end as usize);
    }

    fn rule(&mut self, rule: &Rule, indent: &str) {
        self.comments_before(rule.span.start_usize(), indent);
        let mut head = format!("rule {}", rule.name.node);
        if let Some(title) = &rule.title {
            head.push_str(&format!(" {}", string(&title.node)));
        }
        let header_end = rule
            .title
            .as_ref()
            .map_or(rule.name.span.end, |t| t.span.end) as usize;
        match &rule.title {
            Some(title) if indent.len() + head.len() + 2 > WIDTH => {
                self.head(
                    indent,
                    &format!("rule {}", rule.name.node),
                    rule.span.start_usize(),
                );
                self.line(
                    &format!("{indent}    "),
                    &format!("{} {{", string(&title.node)),
                    header_end,
                );
            }
            _ => self.line(indent, &format!("{head} {{"), header_end),
        }
        let inner = format!("{indent}  ");
        if let Some(when) = &rule.when {
            self.comments_before(when.span.start_usize(), &inner);
            let one_line = format!("{inner}when {}", expr(when, 0));
            if one_line.len() <= WIDTH {
                self.line("", &one_line, when.span.end as usize);
            } else {
                let lines = broken_with(when, &inner, "when");
                let last = lines.len().saturating_sub(1);
                for (i, line) in lines.iter().enumerate() {
                    if i == last {
                        self.line("", line, when.span.end as usize);
                    } else {
                        self.out.push_str(line);
                        self.out.push('\n');
                    }
                }
            }
        }
        for then in &rule.thens {
            self.comments_before(then.span.start_usize(), &inner);
            let outcome = match then.outcome {
                Outcome::Recommend => "then recommend",
                Outcome::Avoid => "then avoid",
            };
            // `any of` goes before the first equal option.
            let options_from = then.kind.in_order(then.actions.len());
            let names: Vec<String> = then
                .actions
                .iter()
                .enumerate()
                .map(|(position, name)| match then.kind {
                    ChoiceKind::Equal { .. } if position == options_from => {
                        format!("any of {}", name.node)
                    }
                    _ => name.node.clone(),
                })
                .collect();
            self.list(&inner, outcome, &names, then.span.end as usize);
        }
        if let Some(escalate) = &rule.escalate {
            self.comments_before(escalate.span.start_usize(), &inner);
            let one_line = format!("else-escalate {}", string(&escalate.node));
            if inner.len() + one_line.len() <= WIDTH {
                self.line(&inner, &one_line, escalate.span.end as usize);
            } else {
                self.head(&inner, "else-escalate", escalate.span.start_usize());
                self.line(
                    &format!("{inner}  "),
                    &string(&escalate.node),
                    escalate.span.end as usize,
                );
            }
        }
        let grading = rule.grading.as_deref();
        let strength = grading.and_then(|g| g.strength.as_ref());
        let certainty = grading.and_then(|g| g.certainty.as_ref());
        for (keyword, word) in [("strength", strength), ("certainty", certainty)] {
            if let Some(word) = word {
                self.comments_before(word.span.start_usize(), &inner);
                let text = format!("{keyword} {}", word.node);
                self.line(&inner, &text, word.span.end as usize);
            }
        }
        if let Some(first) = rule.cite.first() {
            self.comments_before(first.span.start_usize(), &inner);
            let end = rule.cite.last().map_or(first.span.end, |c| c.span.end) as usize;
            let keys: Vec<String> = rule.cite.iter().map(|key| key.node.clone()).collect();
            self.list(&inner, "cite", &keys, end);
        }
        for expect in &rule.expects {
            self.comments_before(expect.span.start_usize(), &inner);
            self.line(
                &inner,
                &format!(
                    "expect {} {}",
                    expect.lint.node,
                    string(&expect.reason.node)
                ),
                expect.span.end as usize,
            );
        }
        self.comments_before(rule.span.end as usize, &inner);
        self.line(indent, "}", rule.span.end as usize);
    }

    /// `keyword a, b, c`, wrapped after commas to stay within the width.
    fn list(&mut self, indent: &str, keyword: &str, names: &[String], end: usize) {
        let continuation = " ".repeat(indent.len() + keyword.len() + 1);
        let mut line = format!("{indent}{keyword} ");
        let mut lines = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let piece = if i + 1 < names.len() {
                format!("{name},")
            } else {
                name.clone()
            };
            let fresh = line.trim_end().ends_with(keyword) || line.trim().is_empty();
            if !fresh && line.len() + piece.len() > WIDTH {
                lines.push(line.trim_end().to_owned());
                line = continuation.clone();
            }
            line.push_str(&piece);
            line.push(' ');
        }
        lines.push(line.trim_end().to_owned());
        let last = lines.len() - 1;
        for (i, text) in lines.iter().enumerate() {
            if i == last {
                self.line("", text, end);
            } else {
                self.out.push_str(text);
                self.out.push('\n');
            }
        }
    }
}

fn names(names: &[Ident]) -> String {
    names
        .iter()
        .map(|n| n.node.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A long condition as lines: `{keyword} first` then `{indent}  and next`
/// at its top-level `and`/`or`.
fn broken_with(condition: &Expr, indent: &str, keyword: &str) -> Vec<String> {
    let (word, parts) = match &condition.kind {
        ExprKind::And(parts) => ("and", parts),
        ExprKind::Or(parts) => ("or", parts),
        _ => return vec![format!("{indent}{keyword} {}", expr(condition, 0))],
    };
    let level = precedence(condition);
    let mut lines = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let text = child(part, level);
        if i == 0 {
            lines.push(format!("{indent}{keyword} {text}"));
        } else {
            lines.push(format!("{indent}  {word} {text}"));
        }
    }
    lines
}

/// A long condition on its own lines (for `define` and `invariant`).
fn broken(condition: &Expr, indent: &str) -> Vec<String> {
    let mut lines = broken_with(condition, indent, "");
    if let Some(first) = lines.first_mut() {
        *first = format!("{indent}{}", first.trim_start());
    }
    lines
}

fn precedence(expr: &Expr) -> u8 {
    match expr.kind {
        ExprKind::Implies(..) => 1,
        ExprKind::Or(_) => 2,
        ExprKind::And(_) => 3,
        ExprKind::Not(_) => 4,
        _ => 5,
    }
}

/// An operand of an `and`/`or` at `level`: parenthesised when it binds
/// looser, when it is the same operator (keeping the source's grouping), and
/// an `and` inside an `or`, for the reader.
fn child(operand: &Expr, level: u8) -> String {
    let own = precedence(operand);
    if own < level || (own == level && level <= 3) || (level == 2 && own == 3) {
        format!("({})", expr(operand, 0))
    } else {
        expr(operand, 0)
    }
}

fn expr(e: &Expr, _level: u8) -> String {
    match &e.kind {
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Name(name) => name.clone(),
        ExprKind::Not(inner) => {
            if precedence(inner) < 4 {
                format!("not ({})", expr(inner, 0))
            } else {
                format!("not {}", expr(inner, 0))
            }
        }
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            let word = if matches!(e.kind, ExprKind::And(_)) {
                " and "
            } else {
                " or "
            };
            let level = precedence(e);
            parts
                .iter()
                .map(|p| child(p, level))
                .collect::<Vec<_>>()
                .join(word)
        }
        ExprKind::Implies(left, right) => {
            let side = |s: &Expr| {
                if precedence(s) <= 1 {
                    format!("({})", expr(s, 0))
                } else {
                    expr(s, 0)
                }
            };
            format!("{} implies {}", side(left), side(right))
        }
        ExprKind::Compare { fact, op, operand } => {
            let value = match &operand.node {
                Operand::Number { value, unit } => match unit {
                    Some(unit) => format!("{value} {}", unit.node),
                    None => format!("{value}"),
                },
                Operand::Bool(b) => b.to_string(),
                Operand::Name(name) => name.clone(),
            };
            format!("{} {} {value}", fact.node, op.symbol())
        }
        ExprKind::Relation { left, op, right } => {
            format!("{} {} {}", arithmetic(left), op.symbol(), arithmetic(right))
        }
        ExprKind::Count {
            at_least,
            count,
            parts,
        } => {
            let bound = if *at_least { "at least" } else { "at most" };
            let parts: Vec<String> = parts.iter().map(|p| expr(p, 0)).collect();
            format!("{bound} {} of ({})", count.node, parts.join(", "))
        }
        ExprKind::In { element, set } => match &set.node {
            SetExpr::Fact(name) => format!("{} in {}", element.node, name.node),
            SetExpr::Literal(values) => format!("{} in {{{}}}", element.node, names(values)),
        },
        ExprKind::InRange { fact, range } => {
            let Range {
                low,
                high,
                kind,
                unit,
            } = &range.node;
            let unit = unit
                .as_ref()
                .map(|unit| format!(" {}", unit.node))
                .unwrap_or_default();
            format!("{} in {low}{}{high}{unit}", fact.node, kind.symbol())
        }
    }
}

/// How tightly an arithmetic form binds: sums, then products, then the
/// rest (numbers, names, calls, parenthesised conditionals).
fn arith_precedence(a: &Arith) -> u8 {
    match &a.kind {
        ArithKind::Binary {
            op: ArithOp::Add | ArithOp::Sub,
            ..
        } => 1,
        ArithKind::Binary { .. } => 2,
        _ => 3,
    }
}

/// An operand of an operator binding at `level`, in parentheses where the
/// tree needs them: a looser left operand, and a right operand that binds
/// no tighter than its operator, so `a - (b - c)` keeps its grouping.
fn operand(operand: &Arith, level: u8, right_side: bool) -> String {
    let own = arith_precedence(operand);
    if own < level || (right_side && own == level) {
        format!("({})", arithmetic(operand))
    } else {
        arithmetic(operand)
    }
}

/// Long arithmetic over several lines at `indent`: the operands of its
/// outermost chain of one precedence (`a * b / c`, or `a + b - c`), a line
/// broken before an operator when the next operand would pass [`WIDTH`].
fn broken_arith(a: &Arith, indent: &str) -> Vec<String> {
    let level = arith_precedence(a);
    // The chain, left to right: its first operand, then (operator, operand).
    let mut rest: Vec<(ArithOp, &Arith)> = Vec::new();
    let mut first = a;
    while let ArithKind::Binary { op, left, right } = &first.kind {
        if arith_precedence(first) != level {
            break;
        }
        rest.push((*op, right));
        first = left;
    }
    rest.reverse();
    let mut lines = vec![format!("{indent}{}", operand(first, level, false))];
    for (op, right) in rest {
        let piece = format!("{} {}", op.symbol(), operand(right, level, true));
        match lines.last_mut() {
            Some(line) if line.len() + 1 + piece.len() <= WIDTH => {
                line.push(' ');
                line.push_str(&piece);
            }
            _ => lines.push(format!("{indent}{piece}")),
        }
    }
    lines
}

/// Arithmetic in one line, in the canonical layout (also what names the
/// value a comparison with arithmetic computes, `a - 1.5 * b`).
pub fn arithmetic(a: &Arith) -> String {
    match &a.kind {
        ArithKind::Number { value, unit } => match unit {
            Some(unit) => format!("{value} {}", unit.node),
            None => format!("{value}"),
        },
        ArithKind::Name(name) => name.clone(),
        ArithKind::Binary { op, left, right } => {
            let own = arith_precedence(a);
            format!(
                "{} {} {}",
                operand(left, own, false),
                op.symbol(),
                operand(right, own, true)
            )
        }
        ArithKind::Call { function, args } => {
            let args: Vec<String> = args.iter().map(arithmetic).collect();
            format!("{}({})", function.name(), args.join(", "))
        }
        ArithKind::If {
            condition,
            then,
            otherwise,
        } => format!(
            "(if {} then {} else {})",
            expr(condition, 0),
            arithmetic(then),
            arithmetic(otherwise)
        ),
    }
}

fn type_text(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Bool => "bool".to_owned(),
        TypeExpr::Number => "number".to_owned(),
        TypeExpr::Quantity(unit) => format!("quantity {}", unit.node),
        TypeExpr::Duration(unit) => format!("duration {}", unit.node),
        TypeExpr::Date => "date".to_owned(),
        TypeExpr::SetOf(name) => format!("set of {}", name.node),
        TypeExpr::Named(name) => name.node.clone(),
    }
}

/// A string literal with the escapes the grammar reads.
fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod line_ending_tests {
    use super::*;

    const MESSY: &str = "guideline g \"G\" {}\n# why\nfact   x :bool   # because\n";

    #[test]
    fn a_crlf_file_is_formatted_with_crlf_endings() {
        let lf = format(MESSY).unwrap_or_default();
        assert_eq!(lf, "guideline g \"G\" {}\n# why\nfact x: bool # because\n");
        let crlf = format(&MESSY.replace('\n', "\r\n")).unwrap_or_default();
        assert_eq!(crlf, lf.replace('\n', "\r\n"));
        assert_eq!(format(&crlf).as_ref(), Ok(&crlf), "idempotent");
    }

    #[test]
    fn mixed_endings_follow_the_first_line() {
        let lf_first = MESSY.replacen("# why\n", "# why\r\n", 1);
        assert_eq!(format(&lf_first), format(MESSY));
        let crlf_first = MESSY.replacen('\n', "\r\n", 1);
        assert_eq!(
            format(&crlf_first).unwrap_or_default(),
            format(MESSY).unwrap_or_default().replace('\n', "\r\n")
        );
    }

    #[test]
    fn errors_in_a_crlf_file_point_into_it() {
        let text = "guideline g \"G\" {}\r\n\r\nfact x: bool\r\nrule {\r\n";
        let errors = format(text).err().unwrap_or_default();
        let at = errors.first().map(|d| d.primary_span().start_usize());
        assert!(
            at.is_some_and(|at| at >= text.find("rule").unwrap_or(0)),
            "{errors:?}"
        );
    }
}
