//! gdl's [`Diagnostic`] → the protocol's: the primary label's range, the
//! code with a link to its entry in `docs/diagnostics.md`
//! (`codeDescription`), the other labels as related information, and the
//! help and notes (a logic finding's witness patient among them) after the
//! message, since the protocol has no field for them.

use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Uri,
};

use super::position::LineIndex;
use crate::diagnostics::{Diagnostic, Severity};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "gdl";

/// One diagnostic of the text at `uri`.
pub fn diagnostic(
    diagnostic: &Diagnostic,
    uri: &Uri,
    text: &str,
    lines: &LineIndex,
) -> lsp_types::Diagnostic {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    for note in &diagnostic.notes {
        message.push_str("\nnote: ");
        message.push_str(note);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .filter(|label| !label.primary)
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(text, label.span)),
            message: label.message.clone(),
        })
        .collect();
    let href = Uri::from_str(&diagnostic.code.docs_url()).ok();
    lsp_types::Diagnostic {
        range: lines.range(text, diagnostic.primary_span()),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.id().to_owned())),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
