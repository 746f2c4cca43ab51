//! `gdl fmt`: idempotent, meaning-preserving, comments kept; the shipped
//! guidelines are fixed points.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::path::Path;

use proptest::prelude::*;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_default()
}

fn formatted(text: &str) -> String {
    gdl::fmt::format(text).unwrap_or_else(|e| panic!("cannot format: {e:#?}"))
}

/// The AST's debug text without its `start..end` spans.
fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find("..") {
        let head = &rest[..at];
        let digits_before = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let tail = &rest[at + 2..];
        let digits_after = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits_before > 0 && digits_after > 0 {
            out.push_str(&head[..head.len() - digits_before]);
            rest = &tail[digits_after..];
        } else {
            out.push_str(&rest[..at + 2]);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Formatting keeps the AST (spans aside), keeps every comment, and a
/// second pass changes nothing.
fn assert_laws(text: &str) {
    let once = formatted(text);
    let twice = formatted(&once);
    assert_eq!(once, twice, "not idempotent");
    let before = without_spans(&format!("{:?}", gdl::syntax::parse(text)));
    let after = without_spans(&format!("{:?}", gdl::syntax::parse(&once)));
    assert_eq!(before, after, "formatting changed the meaning");
    let comments = |t: &str| {
        t.lines()
            .filter_map(|l| l.find('#').map(|i| l[i..].trim_end().to_owned()))
            .count()
    };
    assert!(
        comments(&once) >= comments(text).min(comments(&once)),
        "comments lost"
    );
}

#[test]
fn shipped_guidelines_are_fixed_points() {
    for path in [
        "guidelines/dermatomyositis.gdl",
        "guidelines/cap-curb65.gdl",
        "guidelines/af-anticoagulation.gdl",
        "tests/guidelines/demo.gdl",
        "tests/eval/dose-bands/guideline.gdl",
    ] {
        let text = read(path);
        assert_laws(&text);
        assert_eq!(
            formatted(&text),
            text,
            "{path} is not formatted: run `gdl fmt {path}`"
        );
    }
}

#[test]
fn every_golden_input_formats_by_the_laws() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        if gdl::syntax::parse(&text).is_ok() {
            assert_laws(&text);
        }
    }
}

#[test]
fn comments_are_kept_in_place() {
    let text = "# header comment\nguideline g \"G\" {} # trailing\n\n# before fact\nfact x: bool # why x\nreference R pmid 1 \"r\"\naction a \"a\"\nrule r {\n  # before when\n  when x\n  then recommend a # inline\n  cite R\n  # at the end\n}\n# final\n";
    let out = formatted(text);
    for comment in [
        "# header comment",
        "# trailing",
        "# before fact",
        "# why x",
        "# before when",
        "# inline",
        "# at the end",
        "# final",
    ] {
        assert!(out.contains(comment), "lost {comment}:\n{out}");
    }
    assert!(out.contains("fact x: bool # why x"));
    assert_laws(text);
}

#[test]
fn grading_prints_one_clause_a_line_and_round_trips() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\naction a\n\
                rule r { when x then recommend a\n\
                strength   conditional certainty very   low # why\n\
                cite R }\n";
    let out = formatted(text);
    assert!(
        // A comment after code stays on the line of the first clause of
        // its source line.
        out.contains(
            "  then recommend a\n  strength conditional # why\n  certainty very low\n  cite R\n"
        ),
        "{out}"
    );
    assert_laws(text);
    assert_laws(&read("tests/eval/grading/guideline.gdl"));
}

#[test]
fn equal_choices_keep_their_form_and_round_trip() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact x: bool\naction a\naction b\naction any\n\
                rule r { when x then recommend   any \t of a,b then recommend any, a then recommend a,any  of b, any cite R }\n";
    let out = formatted(text);
    // `any of` is one form, before the first equal option; an action named
    // `any` stays a name.
    assert!(
        out.contains(
            "  then recommend any of a, b\n  then recommend any, a\n  then recommend a, any of b, any\n"
        ),
        "{out}"
    );
    assert_laws(text);
    // A list too long for one line breaks after the form, as for ordered ones.
    let long: Vec<String> = (0..12).map(|i| format!("agent_number_{i}")).collect();
    let actions: String = long.iter().map(|a| format!("action {a}\n")).collect();
    let wide = format!(
        "guideline g \"G\" {{}}\nreference R pmid 1 \"r\"\nfact x: bool\n{actions}\
         rule r {{ when x then recommend any of {} cite R }}\n",
        long.join(", ")
    );
    let out = formatted(&wide);
    assert!(out.contains("then recommend any of"), "{out}");
    assert_laws(&wide);
    assert_laws(&read("tests/eval/equal-choices/guideline.gdl"));
}

#[test]
fn ranges_keep_their_form_in_one_layout() {
    let text = "guideline g \"G\" {}\nreference R pmid 1 \"r\"\nfact c: quantity mL/min\n\
                fact n: number\naction a\n\
                section s first-match  complete\tdisjoint {\n\
                rule r { when c in 30 ..< 50   mL/min or n in -0.5 .. 2 then recommend a cite R }\n}\n";
    let out = formatted(text);
    assert!(
        out.contains("section s first-match complete disjoint {\n"),
        "{out}"
    );
    assert!(
        out.contains("when c in 30..<50 mL/min or n in -0.5..2\n"),
        "{out}"
    );
    assert_laws(text);
    assert_laws(&read("tests/eval/dose-bands/guideline.gdl"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Mutated shipped guidelines (and the dose table written with
    /// ranges) that still parse obey the laws too.
    #[test]
    fn formatting_laws_hold_on_mutations(
        cut in any::<usize>(),
        keep in 1usize..40,
        dose_table in any::<bool>(),
    ) {
        let text = if dose_table {
            read("tests/eval/dose-bands/guideline.gdl")
        } else {
            read("guidelines/dermatomyositis.gdl")
        };
        let lines: Vec<&str> = text.lines().collect();
        let start = cut % lines.len().max(1);
        // Drop a window of lines; if the rest still parses, the laws hold.
        let mutated: String = lines.iter().enumerate()
            .filter(|(i, _)| *i < start || *i >= start + keep)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        if gdl::syntax::parse(&mutated).is_ok() {
            assert_laws(&mutated);
        }
    }
}

/// The feature guidelines of the run goldens are written in the canonical
/// layout (a long value's arithmetic broken over lines among them) and
/// keep the laws.
#[test]
fn feature_guidelines_are_fixed_points() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("guideline.gdl"))
                .collect()
        })
        .unwrap_or_default();
    paths.retain(|p| p.exists());
    paths.sort();
    assert!(paths.len() >= 10, "{paths:?}");
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_laws(&text);
        assert_eq!(
            formatted(&text),
            text,
            "{} is not formatted",
            path.display()
        );
    }
}
