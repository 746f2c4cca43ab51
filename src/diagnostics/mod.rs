//! One diagnostic model for the whole tool. Every stage reports problems as
//! plain [`Diagnostic`] values (code, message, labels, help); the renderer is
//! chosen at the edge (see [`render`]).

mod codes;
pub mod machine;
pub mod render;

pub use codes::Code;

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; does not fail `check` unless denied.
    Warning,
    /// The input cannot be used.
    Error,
}

impl Severity {
    /// Lower-case word for one-line output.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with a message. The primary label says where the problem is;
/// secondary labels point at related places.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
    /// The main location of the diagnostic.
    pub primary: bool,
}

/// A problem found in a guideline or a facts file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Severity (the code's default unless overridden).
    pub severity: Severity,
    /// One-sentence statement of the problem.
    pub message: String,
    /// Source locations, primary first.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further explanation, such as an example patient.
    pub notes: Vec<String>,
    /// The edit the help proposes, when it proposes exactly one; `None`
    /// when the help only explains. `tests/fixes.rs` applies every fix in
    /// the test corpus and checks that it removes the diagnostic. Boxed:
    /// most diagnostics have none, and diagnostics travel in `Result`s.
    pub fix: Option<Box<Fix>>,
}

/// One concrete edit: replace the text at `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// The text to replace (empty to insert).
    pub span: Span,
    /// What to write instead (empty to delete).
    pub replacement: String,
}

impl Fix {
    /// Applies the edit to `text`; `None` if the span is not in it.
    pub fn apply(&self, text: &str) -> Option<String> {
        let before = text.get(..self.span.start_usize())?;
        let after = text.get(self.span.end as usize..)?;
        Some(format!("{before}{}{after}", self.replacement))
    }
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no labels.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            fix: None,
        }
    }

    /// Adds the primary label.
    pub fn primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: true,
        });
        self
    }

    /// Adds a secondary label.
    pub fn secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Sets the help text.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the edit the help proposes: replace `span` with `replacement`.
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Box::new(Fix {
            span,
            replacement: replacement.into(),
        }));
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The primary label's span, or an empty span at the start.
    pub fn primary_span(&self) -> Span {
        self.labels
            .iter()
            .find(|label| label.primary)
            .or(self.labels.first())
            .map(|label| label.span)
            .unwrap_or_default()
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by location, then code, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.primary_span(), a.code, &a.message).cmp(&(b.primary_span(), b.code, &b.message))
    });
}

/// "Did you mean …?" for a misspelled name, from the candidates in scope.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// The candidate closest to a misspelled name, if any is close enough to be
/// what was meant (the name a "did you mean" and its fix propose).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&name.to_lowercase(), &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(s, c)| score > s || (score == s && candidate < c)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["egfr", "hypertension", "muscle_weakness"];
        assert_eq!(
            did_you_mean("egrf", names).as_deref(),
            Some("did you mean `egfr`?")
        );
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
