//! `gdl test` end to end: case-file errors (goldens under
//! `tests/cases/errors/`, one per file, named after the diagnostic they
//! produce when there is one), coverage of items `gdl check` proves
//! unreachable, and the JSON and JUnit formats (the transcripts quoted in
//! `docs/testing.md` are run by `tests/docs.rs`, with every other one).
//! Regenerate snapshots with `INSTA_UPDATE=always cargo test --test testing`
//! and review them.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use gdl::diagnostics::Code;

mod support;
use support::{Output, gdl};

fn transcript(output: &Output) -> String {
    format!(
        "exit: {:?}\n----- STDOUT\n{}----- STDERR\n{}",
        output.code, output.stdout, output.stderr
    )
}

/// Writes `text` as a case file in a fresh directory next to nothing else,
/// runs `gdl` with `args` and the file's path last, and removes it.
fn run_case_text(tag: &str, text: &str, args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("gdl-testing-{}-{tag}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("case.cases.json");
    let _ = std::fs::write(&file, text);
    let path = file.display().to_string();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    let output = gdl(&all, None);
    let _ = std::fs::remove_dir_all(&dir);
    output
}

fn demo_guideline() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/guidelines/demo.gdl")
        .display()
        .to_string()
}

#[test]
fn golden_case_file_errors() {
    insta::glob!("cases/errors/*.cases.json", |path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let relative = format!("tests/cases/errors/{name}");
        let output = gdl(&["test", "--color", "never", &relative], None);
        if let Some(code) = Code::from_name(name.trim_end_matches(".cases.json")) {
            assert!(
                output
                    .stderr
                    .contains(&format!("{}({})", code.id(), code.name())),
                "{name} should produce {}:\n{}",
                code.id(),
                transcript(&output)
            );
            assert_ne!(output.code, Some(0), "{name} must not pass");
        }
        insta::assert_snapshot!(transcript(&output));
    });
}

#[test]
fn a_misspelled_action_in_not_recommended_fails_and_is_named() {
    let text = format!(
        r#"{{"guideline": "{}", "cases": [{{"name": "typo", "facts": {{"muscle_weakness": false, "skin_flare": false}}, "expect": {{"not_recommended": ["methotrexat_typo"]}}}}]}}"#,
        demo_guideline()
    );
    let output = run_case_text("typo", &text, &["test", "--color", "never"]);
    assert_eq!(output.code, Some(1), "{}", transcript(&output));
    assert!(output.stdout.contains("FAIL  typo"));
    assert!(
        output
            .stderr
            .contains("`methotrexat_typo` in `not_recommended` is not an action"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains("did you mean `methotrexate`?"));
    // The excerpt is at the name's line and column in the case file.
    assert!(
        output.stderr.contains("case.cases.json:1:"),
        "{}",
        output.stderr
    );
}

#[test]
fn misspelled_names_in_every_list_are_named() {
    let output = gdl(
        &[
            "test",
            "--color",
            "never",
            "tests/cases/errors/unknown-case-name.cases.json",
        ],
        None,
    );
    assert_eq!(output.code, Some(1));
    for (name, field) in [
        ("methotrexat", "recommended"),
        ("methotrexat_typo", "not_recommended"),
        ("ciclosporn", "withheld"),
        ("ciclosporine", "avoid"),
        ("second_lin", "escalated"),
        ("no-alternatives", "escalated"),
        ("egrf", "needs"),
    ] {
        assert!(
            output.stderr.contains(&format!("`{name}` in `{field}`")),
            "`{name}` in `{field}` not reported:\n{}",
            output.stderr
        );
    }
    assert!(
        output
            .stderr
            .contains("`oral_corticosteroid` is not a value")
    );
}

#[test]
fn case_files_are_utf8_with_an_optional_byte_order_mark() {
    let bom = gdl(
        &["test", "tests/cases/errors/byte-order-mark.cases.json"],
        None,
    );
    assert_eq!(bom.code, Some(0), "{}", transcript(&bom));
    let latin1 = gdl(
        &[
            "test",
            "--color",
            "never",
            "tests/cases/errors/not-text.cases.json",
        ],
        None,
    );
    assert_eq!(latin1.code, Some(2), "{}", transcript(&latin1));
    assert!(latin1.stderr.contains("byte 75 (0xE8) is not valid UTF-8"));
    assert!(!latin1.stdout.contains('\u{fffd}'));
}

#[test]
fn coverage_leaves_out_acknowledged_proofs_only() {
    let text = gdl(
        &["test", "--coverage", "tests/cases/proved.cases.json"],
        None,
    );
    assert_eq!(text.code, Some(0), "{}", transcript(&text));
    // azathioprine (W0404) and impossible_egfr with its alternative (W0401)
    // are acknowledged: out of the totals, but listed.
    assert!(text.stdout.contains(
        "rules 2/2, alternatives 2/3, contraindications 1/1; 3 items proved unreachable (acknowledged), not counted"
    ));
    assert!(text.stdout.contains(
        "proved unreachable (acknowledged): alternative `azathioprine` of rule `second_line`"
    ));
    assert!(
        text.stdout
            .contains("proved unreachable (acknowledged): rule `impossible_egfr` never fires")
    );
    // ciclosporin is proved always withheld (W0403) but not acknowledged:
    // it stays in the denominator, and the line says how to settle it.
    assert!(text.stdout.contains(
        "not covered: alternative `ciclosporin` of rule `hypertensive_weakness` is never the one recommended (`gdl check` proves no patient reaches it: W0403 always-withheld"
    ));
    let gate = gdl(
        &[
            "test",
            "--coverage-threshold",
            "100",
            "tests/cases/proved.cases.json",
        ],
        None,
    );
    assert_eq!(gate.code, Some(1), "{}", transcript(&gate));
    let json = gdl(
        &[
            "test",
            "--coverage",
            "--format",
            "json",
            "tests/cases/proved.cases.json",
        ],
        None,
    );
    insta::assert_snapshot!(format!("{}{}", transcript(&text), transcript(&json)));
}

#[test]
fn json_format_is_one_document() {
    let output = gdl(
        &[
            "test",
            "--format",
            "json",
            "--coverage",
            "tests/cases/demo.cases.json",
            "tests/cases/failing.cases.json",
            "tests/cases/errors/malformed-case-file.cases.json",
        ],
        None,
    );
    assert_eq!(output.code, Some(2), "{}", transcript(&output));
    assert_eq!(output.stderr, "");
    let document: serde_json::Value = serde_json::from_str(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", output.stdout));
    assert_eq!(document["schema"], "gdl-test/1");
    assert_eq!(document["summary"]["cases"], 12);
    assert_eq!(document["summary"]["failed"], 2);
    assert_eq!(document["summary"]["unusable_files"], 1);
    assert_eq!(document["files"][0]["coverage"]["percent"], 100.0);
    assert_eq!(
        document["files"][1]["cases"][1]["diagnostics"][0]["name"],
        "unknown-fact"
    );
    assert_eq!(
        document["files"][2]["error"]["message"],
        "not a valid case file"
    );
    insta::assert_snapshot!(output.stdout);
}

#[test]
fn junit_format_is_well_formed_xml() {
    let output = gdl(
        &[
            "test",
            "--format",
            "junit",
            "--coverage-threshold",
            "90",
            "tests/cases/demo.cases.json",
            "tests/cases/failing.cases.json",
            "tests/cases/errors/malformed-case-file.cases.json",
            "tests/cases/proved.cases.json",
        ],
        None,
    );
    assert_eq!(output.code, Some(2), "{}", transcript(&output));
    let root = xml::parse(&output.stdout).unwrap_or_else(|e| panic!("{e}\n{}", output.stdout));
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attribute("tests"), Some("16"));
    assert_eq!(root.attribute("failures"), Some("4"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let suites: Vec<&xml::Element> = root.children.iter().collect();
    assert_eq!(suites.len(), 4);
    assert!(suites.iter().all(|s| s.name == "testsuite"));
    // proved.cases.json: both cases pass, the coverage gate (83.3% < 90%)
    // is a failed test case of its own.
    let gate = suites.get(3).and_then(|s| {
        s.children
            .iter()
            .find(|c| c.attribute("name") == Some("coverage"))
    });
    assert!(
        gate.is_some_and(|g| g.children.iter().any(|f| f.name == "failure")),
        "{}",
        output.stdout
    );
    insta::assert_snapshot!(output.stdout);
}

#[test]
fn junit_escapes_every_name_and_message() {
    // A case name and story with markup, quotes, an ampersand, a tab, a
    // newline and a control character; and a failure that quotes them.
    let name = "a<b>&\"c\"\t'd'\n\u{1}e";
    let text = format!(
        r#"{{"guideline": {guideline}, "cases": [{{"name": {name}, "story": {name}, "facts": {{"muscle_weakness": false, "skin_flare": false}}, "expect": {{"nothing_applies": false}}}}]}}"#,
        guideline = serde_json::Value::from(demo_guideline()),
        name = serde_json::Value::from(name),
    );
    let output = run_case_text("junit", &text, &["test", "--format", "junit"]);
    assert_eq!(output.code, Some(1), "{}", transcript(&output));
    let root = xml::parse(&output.stdout).unwrap_or_else(|e| panic!("{e}\n{}", output.stdout));
    let case = root
        .children
        .first()
        .and_then(|suite| suite.children.first())
        .unwrap_or_else(|| panic!("no test case:\n{}", output.stdout));
    // Everything XML can hold comes back as written; the control
    // character, which XML 1.0 cannot hold, is spelled out.
    assert_eq!(case.attribute("name"), Some("a<b>&\"c\"\t'd'\n\\u{1}e"));
    let failure = case
        .children
        .first()
        .unwrap_or_else(|| panic!("no failure:\n{}", output.stdout));
    assert!(
        failure.text.starts_with("a<b>&\"c\"\t'd'\n\\u{1}e\n"),
        "{:?}",
        failure.text
    );
}

/// A small XML reader, enough to show that the JUnit output is well
/// formed: elements nest and close, attributes are quoted, every `&` is
/// one of the five predefined entities or a character reference, no `<`
/// in text or attributes, and no character XML 1.0 forbids.
mod xml {
    #[derive(Debug, Default)]
    pub struct Element {
        pub name: String,
        pub attributes: Vec<(String, String)>,
        pub children: Vec<Element>,
        pub text: String,
    }

    impl Element {
        pub fn attribute(&self, name: &str) -> Option<&str> {
            self.attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }
    }

    pub fn parse(document: &str) -> Result<Element, String> {
        if let Some(c) = document.chars().find(|&c| {
            (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}'
        }) {
            return Err(format!("character {:?} is not allowed in XML 1.0", c));
        }
        let body = document
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .ok_or("no XML declaration")?;
        let mut reader = Reader {
            rest: body.trim_start(),
        };
        let root = reader.element()?;
        if !reader.rest.trim().is_empty() {
            return Err(format!("content after the root element: {:?}", reader.rest));
        }
        Ok(root)
    }

    struct Reader<'a> {
        rest: &'a str,
    }

    impl Reader<'_> {
        fn eat(&mut self, prefix: &str) -> Result<(), String> {
            self.rest = self
                .rest
                .strip_prefix(prefix)
                .ok_or_else(|| format!("expected {prefix:?} at {:?}", head(self.rest)))?;
            Ok(())
        }

        fn name(&mut self) -> Result<String, String> {
            let end = self
                .rest
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')))
                .unwrap_or(self.rest.len());
            if end == 0 {
                return Err(format!("expected a name at {:?}", head(self.rest)));
            }
            let (name, rest) = self.rest.split_at(end);
            self.rest = rest;
            Ok(name.to_owned())
        }

        fn element(&mut self) -> Result<Element, String> {
            self.eat("<")?;
            let mut element = Element {
                name: self.name()?,
                ..Element::default()
            };
            loop {
                self.rest = self.rest.trim_start();
                if self.rest.starts_with("/>") {
                    self.eat("/>")?;
                    return Ok(element);
                }
                if self.rest.starts_with('>') {
                    self.eat(">")?;
                    break;
                }
                let name = self.name()?;
                self.eat("=\"")?;
                let end = self.rest.find('"').ok_or("unterminated attribute")?;
                let (raw, rest) = self.rest.split_at(end);
                self.rest = rest;
                self.eat("\"")?;
                if element.attributes.iter().any(|(n, _)| *n == name) {
                    return Err(format!("attribute {name} twice"));
                }
                element.attributes.push((name, unescape(raw)?));
            }
            loop {
                let end = self.rest.find('<').ok_or("unclosed element")?;
                let (raw, rest) = self.rest.split_at(end);
                element.text.push_str(&unescape(raw)?);
                self.rest = rest;
                if self.rest.starts_with("</") {
                    self.eat("</")?;
                    let name = self.name()?;
                    if name != element.name {
                        return Err(format!("</{name}> closes <{}>", element.name));
                    }
                    self.eat(">")?;
                    return Ok(element);
                }
                element.children.push(self.element()?);
            }
        }
    }

    fn head(text: &str) -> String {
        text.chars().take(40).collect()
    }

    fn unescape(raw: &str) -> Result<String, String> {
        if raw.contains('<') {
            return Err(format!("`<` in {raw:?}"));
        }
        let mut out = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find('&') {
            out.push_str(rest.get(..at).unwrap_or_default());
            let after = rest.get(at + 1..).unwrap_or_default();
            let end = after
                .find(';')
                .ok_or_else(|| format!("bare `&` in {raw:?}"))?;
            let entity = after.get(..end).unwrap_or_default();
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => entity
                    .strip_prefix('#')
                    .and_then(|n| n.parse::<u32>().ok())
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{entity};"))?,
            };
            out.push(c);
            rest = after.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[test]
fn every_option_of_an_equal_choice_is_covered_by_the_cases_that_offer_it() {
    let full = gdl(
        &[
            "test",
            "--coverage-threshold",
            "100",
            "tests/cases/equal-choices.cases.json",
        ],
        None,
    );
    assert_eq!(full.code, Some(0), "{}", transcript(&full));
    assert!(
        full.stdout
            .contains("rules 1/1, alternatives 3/3, contraindications 3/3"),
        "{}",
        transcript(&full)
    );
    // One case, where cyclophosphamide is withheld: the two options offered
    // count, the third is missing on its own.
    let guideline = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/eval/equal-choices/guideline.gdl")
        .display()
        .to_string();
    let text = format!(
        r#"{{"guideline": {guideline:?}, "cases": [
  {{"name": "pregnant", "story": "",
   "facts": {{"refractory": true, "pregnant": true, "hepatitis_b": false, "iga_deficiency": false}},
   "expect": {{"offered": ["rituximab", "ivig"]}}}}]}}"#
    );
    let one = run_case_text("equal-coverage", &text, &["test", "--coverage"]);
    assert_eq!(one.code, Some(0), "{}", transcript(&one));
    assert!(
        one.stdout.contains("alternatives 2/3"),
        "{}",
        transcript(&one)
    );
    assert!(
        one.stdout.contains(
            "not covered: option `cyclophosphamide` of rule `third_line` is never offered"
        ),
        "{}",
        transcript(&one)
    );
}

#[test]
fn offered_fails_for_an_alternative_an_ordered_choice_gives() {
    let text = format!(
        r#"{{"guideline": {:?}, "cases": [
  {{"name": "ordered", "story": "",
   "facts": {{"muscle_weakness": true, "failed": ["oral_corticosteroids"], "egfr": {{"value": 90, "unit": "mL/min/1.73m2"}}, "pregnant": false, "sex": "female", "skin_flare": false}},
   "expect": {{"recommended": ["methotrexate"], "offered": ["methotrexate"]}}}}]}}"#,
        demo_guideline()
    );
    let output = run_case_text("offered-ordered", &text, &["test"]);
    assert_eq!(output.code, Some(1), "{}", transcript(&output));
    assert!(
        output.stdout.contains(
            "expected `methotrexate` to be offered as one of equal options; it was recommended by rule `second_line`"
        ),
        "{}",
        transcript(&output)
    );
}
