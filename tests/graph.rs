//! `gdl graph`: the flowchart of a guideline, as DOT, Mermaid and SVG.
//!
//! Snapshots of DOT and Mermaid for a small guideline (`tests/graph/`) and
//! the dermatomyositis guideline, with and without a patient; the SVG is
//! checked for shape (one `<svg>` element, every tag closed) and for being
//! the same bytes every time, and the pictures committed in `docs/` and
//! the README's Mermaid block must be what `gdl graph` draws now. Every rule and action
//! of the guideline must be on the graph, and a patient's marked path must
//! be the interpreter's decisions.
//!
//! Regenerate the snapshots: INSTA_UPDATE=always cargo test --test graph
//! (or cargo insta review), then review the diff. Redraw the pictures in
//! the docs with the commands of docs/graph.md.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]

mod support;
use support::gdl;

const DM: &str = "guidelines/dermatomyositis.gdl";
const DM_PATIENT: &str = "guidelines/examples/refractory-muscle.json";
const SMALL: &str = "tests/graph/small.gdl";
const SMALL_PATIENT: &str = "tests/graph/small.json";

const REGENERATE: &str = "gdl graph output. Regenerate: INSTA_UPDATE=always cargo test --test graph (or cargo insta review), then review the diff";

/// `gdl graph ARGS`'s standard output; it must succeed.
fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    let output = gdl(&all, None);
    assert_eq!(
        output.code,
        Some(0),
        "gdl {}: {}",
        all.join(" "),
        output.stderr
    );
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    output.stdout
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ description => REGENERATE, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn small_guideline_dot_and_mermaid() {
    snapshot("small_dot", &graph(&[SMALL]));
    snapshot("small_mermaid", &graph(&["--format", "mermaid", SMALL]));
    snapshot(
        "small_dot_patient",
        &graph(&["--facts", SMALL_PATIENT, SMALL]),
    );
    snapshot(
        "small_mermaid_patient",
        &graph(&["--format", "mermaid", "--facts", SMALL_PATIENT, SMALL]),
    );
}

#[test]
fn dermatomyositis_dot_and_mermaid() {
    snapshot("dermatomyositis_dot", &graph(&[DM]));
    snapshot(
        "dermatomyositis_mermaid",
        &graph(&["--format", "mermaid", DM]),
    );
    snapshot(
        "dermatomyositis_dot_patient",
        &graph(&["--facts", DM_PATIENT, DM]),
    );
    snapshot(
        "dermatomyositis_mermaid_patient",
        &graph(&["--format", "mermaid", "--facts", DM_PATIENT, DM]),
    );
}

/// The number of tags of an SVG document, opening and closing: `Ok` when every
/// opened tag is closed in order, else the first problem.
fn balanced(svg: &str) -> Result<usize, String> {
    let mut open: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            return Err(format!("unclosed `<` at …{}", &rest[start..]));
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        count += 1;
        if let Some(name) = tag.strip_prefix('/') {
            match open.pop() {
                Some(opened) if opened == name.trim() => {}
                other => return Err(format!("`</{name}>` closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            open.push(name);
        }
        if open.is_empty() && !rest.trim().is_empty() {
            return Err(format!("text after the root element: {}", rest.trim()));
        }
    }
    match open.as_slice() {
        [] => Ok(count),
        left => Err(format!("never closed: {left:?}")),
    }
}

#[test]
fn svg_is_one_balanced_document_and_deterministic() {
    for args in [
        vec!["--format", "svg", DM],
        vec!["--format", "svg", "--facts", DM_PATIENT, DM],
        vec!["--format", "svg", SMALL],
        vec!["--format", "svg", "--facts", SMALL_PATIENT, SMALL],
    ] {
        let first = graph(&args);
        assert!(first.starts_with("<svg "), "{args:?}: {}", &first[..40]);
        assert!(first.ends_with("</svg>\n"), "{args:?}");
        let tags = balanced(&first).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(tags > 100, "{args:?}: only {tags} tags");
        assert!(!first.contains("NaN"), "{args:?}");
        let second = graph(&args);
        assert!(first == second, "{args:?}: two runs differ");
    }
    // Within one process too: nothing hashes with a random seed.
    let text = std::fs::read_to_string(DM).unwrap_or_default();
    let model = gdl::compile(&text)
        .model
        .unwrap_or_else(|| panic!("{DM} compiles"));
    let drawn = gdl::graph::build(&model, None);
    assert_eq!(
        gdl::graph::svg::write(&drawn),
        gdl::graph::svg::write(&gdl::graph::build(&model, None))
    );
}

#[test]
fn balanced_finds_what_is_not() {
    assert_eq!(balanced("<svg><g/><text>a</text></svg>"), Ok(5));
    assert!(balanced("<svg><g></svg>").is_err());
    assert!(balanced("<svg><text>").is_err());
    assert!(balanced("<svg></svg><svg></svg>").is_err());
}

#[test]
fn the_pictures_in_the_docs_are_current() {
    for (file, args) in [
        ("docs/dermatomyositis.svg", vec!["--format", "svg", DM]),
        (
            "docs/dermatomyositis-refractory-muscle.svg",
            vec!["--format", "svg", "--facts", DM_PATIENT, DM],
        ),
    ] {
        let committed = std::fs::read_to_string(file).unwrap_or_default();
        let drawn = graph(&args);
        assert!(
            committed == drawn,
            "{file} is not what `gdl graph {}` draws: redraw it (docs/graph.md)",
            args.join(" ")
        );
    }
}

#[test]
fn every_rule_and_action_of_the_guideline_is_drawn() {
    let text = std::fs::read_to_string(DM).unwrap_or_default();
    let model = gdl::compile(&text)
        .model
        .unwrap_or_else(|| panic!("{DM} compiles"));
    assert!(model.rules.len() > 40 && model.actions.len() > 30);
    for format in ["dot", "mermaid", "svg"] {
        let out = graph(&["--format", format, DM]);
        let mut missing = Vec::new();
        for rule in model.rules.iter() {
            if !out.contains(&format!("rule {}<", rule.name)) {
                missing.push(format!("rule {}", rule.name));
            }
            if let Some(title) = &rule.title
                && format != "mermaid"
                && !out.contains(&gdl_escape(title))
            {
                missing.push(format!("title of rule {}", rule.name));
            }
        }
        for action in model.actions.iter() {
            if !out.contains(&format!("action {}<", action.name)) {
                missing.push(format!("action {}", action.name));
            }
        }
        for reference in model.references.iter() {
            if !out.contains(&reference.key) {
                missing.push(format!("reference {}", reference.key));
            }
        }
        assert!(missing.is_empty(), "{format}: not drawn: {missing:?}");
    }
    // Every box of an action with contraindications carries them, as
    // red "✗ not if" lines; an avoided action's box needs none.
    let drawn = gdl::graph::build(&model, None);
    let mut unguarded = Vec::new();
    for action in model.actions.iter() {
        let wanted = format!("action {}", action.name);
        let boxes: Vec<_> = drawn
            .nodes()
            .into_iter()
            .filter(|n| n.shape == gdl::graph::Shape::Action)
            .filter(|n| n.lines.iter().any(|l| l.text == wanted))
            .collect();
        let guards = |n: &gdl::graph::Node| {
            n.lines
                .iter()
                .filter(|l| l.kind == gdl::graph::LineKind::Guard && l.text.starts_with("✗ not if"))
                .count()
        };
        for node in boxes {
            if guards(node) != action.contraindications.len() {
                unguarded.push(node.id.clone());
            }
        }
    }
    assert!(
        unguarded.is_empty(),
        "contraindications missing on {unguarded:?}"
    );
}

/// A title as DOT and SVG write it in a tooltip or `<title>`.
fn gdl_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The action boxes marked taken are exactly what `gdl run` recommends,
/// offers and avoids; the ones marked withheld, what it withholds.
#[test]
fn the_marked_path_is_the_interpreters() {
    use gdl::graph::{Mark, Shape};
    let text = std::fs::read_to_string(DM).unwrap_or_default();
    let model = gdl::compile(&text)
        .model
        .unwrap_or_else(|| panic!("{DM} compiles"));
    let program = gdl::eval::Program::new(&model);
    let reader = gdl::facts::Reader::new(&program);
    let mut examples: Vec<_> = std::fs::read_dir("guidelines/examples")
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    examples.sort();
    let mut checked = 0;
    for path in examples {
        let bytes = std::fs::read(&path).unwrap_or_default();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(patient) = reader.parse_patient_bytes(&bytes).1 else {
            continue; // another guideline's patient
        };
        let evaluation = gdl::eval::evaluate(&program, &patient);
        let drawn = gdl::graph::build(
            &model,
            Some(&gdl::graph::PatientPath {
                patient: &patient,
                evaluation: &evaluation,
            }),
        );
        let marked = |mark: Mark| -> Vec<(String, String)> {
            let mut found: Vec<(String, String)> = drawn
                .nodes()
                .into_iter()
                .filter(|n| matches!(n.shape, Shape::Action | Shape::Avoid) && n.mark == mark)
                .map(|n| {
                    let action = n
                        .lines
                        .iter()
                        .find_map(|l| l.text.strip_prefix("action "))
                        .unwrap_or_default()
                        .to_owned();
                    let rule = model
                        .rules
                        .iter()
                        .map(|r| r.name.as_str())
                        .filter(|r| n.id.starts_with(&format!("a_{r}_")))
                        .max_by_key(|r| r.len())
                        .unwrap_or_default()
                        .to_owned();
                    (rule, action)
                })
                .collect();
            found.sort();
            found
        };
        let name = |rule: gdl::sema::RuleId, action: gdl::sema::ActionId| {
            (
                model.rules.at(rule).name.clone(),
                model.actions.at(action).name.clone(),
            )
        };
        let mut given: Vec<(String, String)> = evaluation
            .recommended
            .iter()
            .map(|r| name(r.rule, r.action))
            .chain(evaluation.avoided.iter().map(|a| name(a.rule, a.action)))
            .collect();
        given.sort();
        assert_eq!(marked(Mark::Taken), given, "{}", path.display());
        let mut withheld: Vec<(String, String)> = evaluation
            .withheld()
            .filter(|w| {
                matches!(
                    w.why,
                    gdl::eval::Withholding::Contraindicated(_) | gdl::eval::Withholding::Avoided(_)
                )
            })
            .map(|w| name(w.rule, w.action))
            .collect();
        withheld.sort();
        withheld.dedup();
        assert_eq!(marked(Mark::Withheld), withheld, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} example patients");
}

#[test]
fn bad_input_fails_as_gdl_run_does() {
    // A guideline with errors: its diagnostics, exit 1.
    let broken = gdl(
        &["graph", "-"],
        Some("guideline g \"G\" {}\nrule r { when nope }\n"),
    );
    assert_eq!(broken.code, Some(1), "{}", broken.stderr);
    assert!(broken.stderr.contains("error"), "{}", broken.stderr);
    assert!(broken.stdout.is_empty());
    let run = gdl(
        &["run", "-", SMALL_PATIENT],
        Some("guideline g \"G\" {}\nrule r { when nope }\n"),
    );
    let first_line = |text: &str| text.lines().next().unwrap_or_default().to_owned();
    assert_eq!(first_line(&broken.stderr), first_line(&run.stderr));
    // Facts that do not fit the guideline: the facts diagnostic, exit 1.
    let bad_facts = gdl(&["graph", "--facts", DM_PATIENT, SMALL], None);
    assert_eq!(bad_facts.code, Some(1), "{}", bad_facts.stderr);
    assert!(bad_facts.stderr.contains("E05"), "{}", bad_facts.stderr);
    assert!(bad_facts.stdout.is_empty());
    // Files that cannot be read, and an unknown format: usage, exit 2.
    for args in [
        vec!["graph", "no/such.gdl"],
        vec!["graph", "--facts", "no/such.json", SMALL],
        vec!["graph", "--format", "png", SMALL],
    ] {
        let output = gdl(&args, None);
        assert_eq!(output.code, Some(2), "{args:?}: {}", output.stderr);
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// The first fenced block of `info` in `text`.
fn block<'t>(text: &'t str, info: &str) -> &'t str {
    let fence = format!("```{info}\n");
    let start = text
        .find(&fence)
        .unwrap_or_else(|| panic!("no ```{info} block"))
        + fence.len();
    let end = text[start..]
        .find("```")
        .unwrap_or_else(|| panic!("unclosed ```{info} block"));
    &text[start..start + end]
}

/// The README's Mermaid picture is what `gdl graph --format mermaid` draws
/// for the README's own guideline.
#[test]
fn the_readme_flowchart_is_its_guideline() {
    let readme = std::fs::read_to_string("README.md").unwrap_or_default();
    let model = gdl::compile(block(&readme, "gdl"))
        .model
        .unwrap_or_else(|| panic!("the README's guideline compiles"));
    let drawn = gdl::graph::mermaid::write(&gdl::graph::build(&model, None));
    assert!(
        block(&readme, "mermaid") == drawn,
        "README.md's ```mermaid block is not `gdl graph --format mermaid` of its ```gdl block:\n{drawn}"
    );
    assert!(readme.contains("](docs/dermatomyositis.svg)"));
}
