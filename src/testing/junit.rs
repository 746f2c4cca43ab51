//! JUnit XML, the test-report format CI systems read (GitLab, Jenkins,
//! GitHub actions that publish test results): `testsuites` → one
//! `testsuite` per case file → one `testcase` per case, with a `failure`
//! for a failed case and an `error` for a file that could not be run.
//!
//! Input: [`Suite`]s built by `gdl test`. Output: one XML 1.0 document.
//! Invariants: every name and message is escaped for its place (attribute
//! or text), and characters XML 1.0 cannot hold at all (control
//! characters other than tab, newline and carriage return; U+FFFE, U+FFFF)
//! are written as `\u{..}` so that the document stays well-formed.

use std::fmt::Write as _;

/// One case file.
#[derive(Debug, Default)]
pub struct Suite {
    /// The case file's path.
    pub name: String,
    /// Its cases, in order.
    pub cases: Vec<TestCase>,
    /// Why the file could not be run at all.
    pub error: Option<Problem>,
}

/// One case.
#[derive(Debug, Default)]
pub struct TestCase {
    /// The case's name.
    pub name: String,
    /// The guideline it runs against (JUnit's "class").
    pub classname: String,
    /// Why it failed, when it did.
    pub failure: Option<Problem>,
}

/// A failure or an error: a one-line message and the full text.
#[derive(Debug, Default)]
pub struct Problem {
    /// One line, shown in CI summaries.
    pub message: String,
    /// Everything, shown when the case is opened.
    pub text: String,
}

/// Writes the document.
pub fn write(suites: &[Suite]) -> String {
    let failures_of = |suite: &Suite| suite.cases.iter().filter(|c| c.failure.is_some()).count();
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(failures_of).sum();
    let errors = suites.iter().filter(|s| s.error.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"gdl test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for suite in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            attribute(&suite.name),
            suite.cases.len(),
            failures_of(suite),
            usize::from(suite.error.is_some()),
        );
        if let Some(error) = &suite.error {
            let _ = writeln!(
                out,
                "    <error message=\"{}\">{}</error>",
                attribute(&error.message),
                text(&error.text)
            );
        }
        for case in &suite.cases {
            let head = format!(
                "    <testcase name=\"{}\" classname=\"{}\"",
                attribute(&case.name),
                attribute(&case.classname)
            );
            match &case.failure {
                None => {
                    let _ = writeln!(out, "{head}/>");
                }
                Some(failure) => {
                    let _ = writeln!(
                        out,
                        "{head}>\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        attribute(&failure.message),
                        text(&failure.text)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes character data.
fn text(value: &str) -> String {
    escape(value, Context::Text)
}

/// Escapes an attribute value in double quotes; whitespace other than a
/// space is written as a character reference so that attribute-value
/// normalisation keeps it.
fn attribute(value: &str) -> String {
    escape(value, Context::Attribute)
}

/// Where an escaped value goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Character data between tags.
    Text,
    /// An attribute value in double quotes.
    Attribute,
}

fn escape(value: &str, context: Context) -> String {
    let in_attribute = context == Context::Attribute;
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if in_attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\t' | '\n' => out.push(c),
            // A bare carriage return would be read back as a newline.
            '\r' => out.push_str("&#13;"),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_forbidden_characters() {
        assert_eq!(text("a<b & c>d"), "a&lt;b &amp; c&gt;d");
        assert_eq!(
            attribute("say \"hi\"\n'x'"),
            "say &quot;hi&quot;&#10;&apos;x&apos;"
        );
        assert_eq!(text("bell\u{7}\u{ffff}"), "bell\\u{7}\\u{ffff}");
        assert_eq!(text("line\r\n"), "line&#13;\n");
    }

    #[test]
    fn counts_failures_and_errors() {
        let suites = [
            Suite {
                name: "a.cases.json".to_owned(),
                cases: vec![
                    TestCase {
                        name: "ok".to_owned(),
                        classname: "g.gdl".to_owned(),
                        failure: None,
                    },
                    TestCase {
                        name: "bad".to_owned(),
                        classname: "g.gdl".to_owned(),
                        failure: Some(Problem::default()),
                    },
                ],
                error: None,
            },
            Suite {
                name: "b.cases.json".to_owned(),
                cases: Vec::new(),
                error: Some(Problem::default()),
            },
        ];
        let xml = write(&suites);
        assert!(
            xml.contains("<testsuites name=\"gdl test\" tests=\"2\" failures=\"1\" errors=\"1\">")
        );
        assert!(
            xml.contains(
                "<testsuite name=\"b.cases.json\" tests=\"0\" failures=\"0\" errors=\"1\">"
            )
        );
    }
}
