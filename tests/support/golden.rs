//! Golden snapshots that hold their input beside the expectation, as
//! gleam's `assert_error!` does: a diagnostics snapshot is the guideline
//! source and then its rendered diagnostics; a report snapshot is the
//! guideline, the patient's facts and then the report. The command that
//! regenerates a snapshot is in its header (`description:`).

use gdl::diagnostics::Code;
use gdl::diagnostics::render::{self, HumanStyle, SourceFile};

/// The header of every diagnostics snapshot.
pub const REGENERATE_DIAGNOSTICS: &str = "source, then its diagnostics. Regenerate: INSTA_UPDATE=always cargo test --test diagnostics (or cargo insta review), then review the diff";

/// The header of every report snapshot of `tests/eval/`.
pub const REGENERATE_REPORTS: &str = "guideline, facts, then the report. Regenerate: INSTA_UPDATE=always cargo test --test run (or cargo insta review), then review the diff";

/// Snapshots the diagnostics of a guideline with its source above them, and
/// returns the codes found. `assert_diagnostics!(source)` names the input
/// `input.gdl`; `assert_diagnostics!(name, bytes)` names it `name` (the
/// file name shown in the rendering). Inside `insta::glob!` the snapshot
/// takes the glob's name; elsewhere, the test's.
#[macro_export]
macro_rules! assert_diagnostics {
    ($source:expr $(,)?) => {
        $crate::assert_diagnostics!("input.gdl", $source)
    };
    ($name:expr, $source:expr $(,)?) => {{
        let (snapshot, codes) = $crate::support::golden::diagnostics_snapshot($name, $source);
        insta::with_settings!({
            description => $crate::support::golden::REGENERATE_DIAGNOSTICS,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(snapshot);
        });
        codes
    }};
}

/// The snapshot text for `source` named `name`: the source, then every
/// diagnostic rendered as the CLI would (plain, then short), then the
/// edits that help texts propose. Also the codes, in order.
pub fn diagnostics_snapshot(name: &str, source: impl AsRef<[u8]>) -> (String, Vec<Code>) {
    let bytes = source.as_ref();
    let mut out = format!("----- SOURCE CODE: {name}\n{}", shown(bytes));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("----- DIAGNOSTICS\n");
    let (rendered, codes) = rendered_diagnostics(name, bytes);
    out.push_str(&rendered);
    (out, codes)
}

/// Every diagnostic for `bytes` both ways, as the CLI would, and the fixes.
pub fn rendered_diagnostics(name: &str, bytes: &[u8]) -> (String, Vec<Code>) {
    let (text, compiled) = gdl::check_bytes(bytes);
    let source = SourceFile::new(name, text);
    let mut out = String::new();
    for diagnostic in &compiled.diagnostics {
        out.push_str(&render::human(diagnostic, &source, HumanStyle::PLAIN));
        out.push('\n');
    }
    out.push_str("----- SHORT\n");
    for diagnostic in &compiled.diagnostics {
        out.push_str(&render::short(diagnostic, &source));
        out.push('\n');
    }
    // The edits help texts propose, as data (tests/fixes.rs applies them).
    let fixes: Vec<_> = compiled
        .diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .collect();
    if !fixes.is_empty() {
        out.push_str("----- FIXES\n");
        for fix in fixes {
            let (line, column) = source.line_col(fix.span.start_usize());
            let old = source
                .text()
                .get(fix.span.start_usize()..fix.span.end as usize);
            out.push_str(&format!(
                "{line}:{column}: replace {:?} with {:?}\n",
                old.unwrap_or(""),
                fix.replacement
            ));
        }
    }
    let codes = compiled.diagnostics.iter().map(|d| d.code).collect();
    (out, codes)
}

/// Bytes as a snapshot can hold them: text as it is, a byte that is not
/// UTF-8 as `�`, and control characters and the byte-order mark escaped.
pub fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() || c == '\u{feff}' => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}
