//! JSON reports validate against `docs/report.schema.json` (schema
//! `gdl-report/2`): the reports of the feature goldens (`tests/eval/`), of the
//! shipped examples (`guidelines/examples/`), every line of the shipped
//! cohort and of a cohort with unreadable lines, and the JSON shown in
//! `docs/report.md` and `docs/facts.md`. What JSON Schema cannot say is
//! checked here too: every key an item cites is in the report's
//! `references`, and `references` holds exactly the cited references, once
//! each, in declaration order, with the guideline's data.
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]
#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

mod support;
use support::gdl;

use gdl::eval::{Program, evaluate};
use gdl::facts::Reader;
use gdl::sema::Model;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&read("docs/report.schema.json"))
        .unwrap_or_else(|e| panic!("docs/report.schema.json is not JSON: {e}"));
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("docs/report.schema.json is not a valid schema: {e}"))
}

fn model(path: &str) -> Model {
    let compiled = gdl::compile(&read(path));
    assert!(
        compiled.diagnostics.is_empty(),
        "{path} should check clean: {:#?}",
        compiled.diagnostics
    );
    compiled
        .model
        .unwrap_or_else(|| panic!("{path} has no model"))
}

/// The `*.json` files of a directory, sorted.
fn json_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no facts files in {dir}");
    files
}

/// The compact JSON report of one patient, through the library.
fn report(model: &Model, facts_path: &Path) -> String {
    let program = Program::new(model);
    let text = std::fs::read_to_string(facts_path)
        .unwrap_or_else(|e| panic!("{}: {e}", facts_path.display()));
    let patient = Reader::new(&program)
        .parse_patient(&text)
        .unwrap_or_else(|diagnostic| panic!("{}: {}", facts_path.display(), diagnostic.message));
    let evaluation = evaluate(&program, &patient);
    let built = gdl::report::build(&program, &patient, &evaluation);
    gdl::report::json::to_string(&built)
}

/// The keys of a report's `references` object in the order they are written
/// (serde_json's `Value` sorts keys, so the text is read again).
fn reference_keys_in_order(compact: &str) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> serde::Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeysVisitor;
            impl<'de> Visitor<'de> for KeysVisitor {
                type Value = Vec<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
                    let mut keys = Vec::new();
                    while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                        keys.push(key);
                    }
                    Ok(keys)
                }
            }
            deserializer.deserialize_map(KeysVisitor).map(Keys)
        }
    }
    #[derive(serde::Deserialize)]
    struct References {
        references: Keys,
    }
    serde_json::from_str::<References>(compact)
        .unwrap_or_else(|e| panic!("no references object: {e}\n{compact}"))
        .references
        .0
}

/// Every key cited by an item, with where, in report order.
fn cited_keys(report: &Value) -> Vec<(String, String)> {
    let mut cited = Vec::new();
    let mut collect = |place: String, item: &Value| {
        for key in item["citations"].as_array().into_iter().flatten() {
            cited.push((place.clone(), key.as_str().unwrap_or_default().to_owned()));
        }
    };
    for list in ["recommended", "withheld", "avoid"] {
        for (index, item) in report[list].as_array().into_iter().flatten().enumerate() {
            collect(format!("/{list}/{index}"), item);
            for (c, caution) in item["cautions"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                collect(format!("/{list}/{index}/cautions/{c}"), caution);
            }
        }
    }
    cited
}

/// Problems with a compact report: schema violations, and a `references`
/// table that is not exactly the cited references of `model`, in order.
fn problems(validator: &jsonschema::Validator, model: &Model, compact: &str) -> Vec<String> {
    let report: Value =
        serde_json::from_str(compact).unwrap_or_else(|e| panic!("not JSON: {e}\n{compact}"));
    let mut problems: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if report.get("error").is_some() {
        return problems;
    }
    let table = &report["references"];
    let cited = cited_keys(&report);
    for (place, key) in &cited {
        if table.get(key).is_none() {
            problems.push(format!(
                "{place} cites `{key}`, which is not in `references`"
            ));
        }
    }
    let cited_set: BTreeSet<&str> = cited.iter().map(|(_, key)| key.as_str()).collect();
    let written = reference_keys_in_order(compact);
    let mut seen = BTreeSet::new();
    for key in &written {
        if !cited_set.contains(key.as_str()) {
            problems.push(format!("`references` has `{key}`, which no item cites"));
        }
        if !seen.insert(key.as_str()) {
            problems.push(format!("`references` lists `{key}` more than once"));
        }
    }
    let expected: Vec<&str> = model
        .references
        .iter()
        .map(|r| r.key.as_str())
        .filter(|key| cited_set.contains(key))
        .collect();
    if written != expected {
        problems.push(format!(
            "`references` should list the cited references once each, in declaration order: \
             expected {expected:?}, found {written:?}"
        ));
    }
    for reference in &model.references {
        let Some(entry) = table.get(&reference.key) else {
            continue;
        };
        let want = json!({
            "citation": reference.citation,
            "pmid": reference.pmid,
            "doi": reference.doi,
            "link": reference.link,
        });
        for field in ["citation", "pmid", "doi", "link"] {
            if entry[field] != want[field] {
                problems.push(format!(
                    "/references/{}/{field} is {}, the guideline says {}",
                    reference.key, entry[field], want[field]
                ));
            }
        }
    }
    problems
}

fn assert_valid(validator: &jsonschema::Validator, model: &Model, what: &str, compact: &str) {
    let problems = problems(validator, model, compact);
    assert!(
        problems.is_empty(),
        "{what}: the report does not match docs/report.schema.json:\n{}\n{compact}",
        problems.join("\n")
    );
}

#[test]
fn feature_patient_reports_validate() {
    let validator = validator();
    let mut features: Vec<PathBuf> = std::fs::read_dir(root().join("tests/eval"))
        .unwrap_or_else(|e| panic!("tests/eval: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    features.sort();
    assert!(features.len() >= 10, "{features:?}");
    for feature in features {
        let Some(name) = feature.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let model = model(&format!("tests/eval/{name}/guideline.gdl"));
        // tests/eval/ holds only readable patients (the rejected ones are
        // in tests/facts/), so every file must give a report.
        for path in json_files(&format!("tests/eval/{name}")) {
            let compact = report(&model, &path);
            assert_valid(&validator, &model, &path.display().to_string(), &compact);
        }
    }
}

#[test]
fn shipped_example_reports_validate() {
    let validator = validator();
    let af = model("guidelines/af-anticoagulation.gdl");
    let model = model("guidelines/dermatomyositis.gdl");
    let mut cited = 0;
    for path in json_files("guidelines/examples") {
        let is_af = path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with("af-"));
        let model = if is_af { &af } else { &model };
        let compact = report(model, &path);
        assert_valid(&validator, model, &path.display().to_string(), &compact);
        cited += reference_keys_in_order(&compact).len();
    }
    assert!(cited > 0, "the examples should cite references");
}

#[test]
fn every_line_of_a_cohort_run_validates() {
    let validator = validator();
    let model = model("guidelines/dermatomyositis.gdl");
    let input = read("guidelines/examples/cohort.ndjson");
    let support::Output { code, stdout, .. } = gdl(
        &[
            "run",
            "guidelines/dermatomyositis.gdl",
            "--facts",
            "guidelines/examples/cohort.ndjson",
        ],
        None,
    );
    assert_eq!(code, Some(0), "{stdout}");
    let patients = input.lines().filter(|l| !l.trim().is_empty()).count();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(patients > 0);
    assert_eq!(lines.len(), patients, "one report per patient line");
    for (index, line) in lines.iter().enumerate() {
        assert!(
            !line.contains("\"error\":{"),
            "line {}: the shipped cohort should have no unreadable line",
            index + 1
        );
        assert_valid(
            &validator,
            &model,
            &format!("cohort line {}", index + 1),
            line,
        );
    }
}

#[test]
fn error_records_of_a_cohort_validate() {
    // The cohort of docs/facts.md: bad lines 2 and 5, a blank line 3.
    let cohort = concat!(
        r#"{"@id": "p1", "muscle_weakness": true, "failed": [], "skin_flare": false}"#,
        "\n",
        r#"{"@id": "p2", "muscle_weakness": "yes"}"#,
        "\n\n",
        r#"{"@id": "p3", "muscle_weakness": false, "skin_flare": false}"#,
        "\n",
        r#"{"@id": "p4", "egfr": 45}"#,
        "\n",
    );
    let validator = validator();
    let model = model("tests/guidelines/demo.gdl");
    let support::Output { code, stdout, .. } = gdl(
        &[
            "run",
            "tests/guidelines/demo.gdl",
            "--facts",
            "-",
            "--ndjson",
        ],
        Some(cohort),
    );
    assert_eq!(code, Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (index, line) in lines.iter().enumerate() {
        assert_valid(
            &validator,
            &model,
            &format!("output line {}", index + 1),
            line,
        );
    }
    let errors = lines
        .iter()
        .filter(|l| l.starts_with("{\"error\":"))
        .count();
    assert_eq!(errors, 2, "{stdout}");
}

/// The JSON in fenced blocks of a documentation page that is a report, an
/// NDJSON error record or an `--explain` object: whole ```json blocks, a
/// console block's output after its `$` lines, or its single-line JSON
/// lines.
fn documented_reports(path: &str) -> Vec<(String, String)> {
    let text = read(path);
    let mut found = Vec::new();
    let mut block: Option<(usize, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut block, fence) {
            (None, Some(info)) if info == "json" || info == "console" => {
                block = Some((index + 1, Vec::new()));
            }
            (Some(_), Some(_)) => {
                if let Some((start, lines)) = block.take() {
                    let output: Vec<&str> = lines
                        .iter()
                        .map(|l| l.trim_start())
                        .filter(|l| !l.starts_with("$ "))
                        .collect();
                    let whole = output.join("\n");
                    let candidates = if serde_json::from_str::<Value>(&whole).is_ok() {
                        vec![whole]
                    } else {
                        output
                            .iter()
                            .filter(|l| l.starts_with('{'))
                            .map(|l| (*l).to_owned())
                            .collect()
                    };
                    for candidate in candidates {
                        let Ok(value) = serde_json::from_str::<Value>(&candidate) else {
                            continue;
                        };
                        let place = format!("{path}:{start}");
                        if value.get("schema").is_some() {
                            found.push((place, candidate));
                        } else if value.get("report").is_some() {
                            // Re-serialising would sort the keys; take the
                            // report's text as written instead.
                            #[derive(serde::Deserialize)]
                            struct Explained<'a> {
                                #[serde(borrow)]
                                report: &'a RawValue,
                            }
                            let explained: Explained = serde_json::from_str(&candidate)
                                .unwrap_or_else(|e| panic!("{place}: {e}"));
                            found.push((place, explained.report.get().to_owned()));
                        }
                    }
                }
            }
            (Some((_, lines)), None) => lines.push(line),
            (None, _) => {}
        }
    }
    found
}

#[test]
fn documented_reports_validate() {
    let validator = validator();
    let demo = model("tests/guidelines/demo.gdl");
    // The complete guideline of docs/report.md's exclusive example.
    let exclusive = support::docs_example_model("docs/report.md", "exclusive-conflict");
    let mut count = 0;
    for path in ["docs/report.md", "docs/facts.md"] {
        for (place, text) in documented_reports(path) {
            let value: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{place}: not JSON: {e}\n{text}"));
            let model = if value["guideline"]["id"] == "exclusive_demo" {
                &exclusive
            } else {
                &demo
            };
            let problems = problems(&validator, model, &text);
            assert!(
                problems.is_empty(),
                "{place}: the documented report does not match docs/report.schema.json:\n{}",
                problems.join("\n")
            );
            count += 1;
        }
    }
    assert!(count >= 5, "expected documented reports, found {count}");
}

/// `compact` with its `references` object replaced by `entries`, in that
/// order (editing a `Value` would sort the keys).
fn with_references(compact: &str, entries: &[(&str, &Value)]) -> String {
    let at = compact
        .rfind("\"references\":")
        .unwrap_or_else(|| panic!("no references: {compact}"));
    let entries: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{}:{value}", json!(key)))
        .collect();
    format!(
        "{}\"references\":{{{}}}}}",
        &compact[..at],
        entries.join(",")
    )
}

/// A change that should make a valid report invalid, and what it is.
type Mutation = (&'static str, fn(&mut Value));

#[test]
fn the_checks_are_not_vacuous() {
    let validator = validator();
    let model = model("guidelines/dermatomyositis.gdl");
    let compact = report(
        &model,
        &root().join("guidelines/examples/refractory-muscle.json"),
    );
    assert_valid(&validator, &model, "refractory-muscle", &compact);
    let report: Value = serde_json::from_str(&compact).unwrap_or_else(|e| panic!("{e}"));

    // Each change breaks the schema.
    let mutations: [Mutation; 10] = [
        ("the old schema string", |r| {
            r["schema"] = json!("gdl-report/1")
        }),
        ("a report without references", |r| {
            if let Some(o) = r.as_object_mut() {
                o.remove("references");
            }
        }),
        ("a gdl-report/1 citation object", |r| {
            r["recommended"][0]["citations"][0] = json!({
                "key": "GuidelineText", "citation": "x", "pmid": null, "doi": null, "link": null
            });
        }),
        ("an unknown withheld reason", |r| {
            r["withheld"][0]["reason"] = json!("unsafe");
        }),
        ("needs on a contraindicated item", |r| {
            r["withheld"][0]["needs"] = json!(["egfr"]);
        }),
        ("an unknown escalation kind", |r| {
            r["escalations"] = json!([
                {"kind": "other", "rule": null, "reason": "x", "needs": [], "values": []}
            ]);
        }),
        ("a quantity with an extra key", |r| {
            r["withheld"][0]["values"] = json!([
                {"fact": "egfr", "value": {"value": 45.0, "unit": "mL/min/1.73m2", "note": 1}}
            ]);
        }),
        ("a quantity without a unit", |r| {
            r["withheld"][0]["values"] = json!([{"fact": "egfr", "value": {"value": 45.0}}]);
        }),
        ("a string pmid", |r| {
            if let Some(entry) = r["references"]
                .as_object_mut()
                .and_then(|o| o.values_mut().next())
            {
                entry["pmid"] = json!("14501840");
            }
        }),
        ("nothing_applies with recommendations", |r| {
            r["nothing_applies"] = json!(true);
        }),
    ];
    for (what, mutate) in mutations {
        let mut broken = report.clone();
        mutate(&mut broken);
        assert!(!validator.is_valid(&broken), "the schema accepts {what}");
    }

    // The reference table must be exactly the cited set, in declaration
    // order: edit the text, whose key order is part of the report.
    let keys = reference_keys_in_order(&compact);
    assert!(keys.len() >= 2, "{keys:?}");
    let entries: Vec<(&str, &Value)> = keys
        .iter()
        .map(|key| (key.as_str(), &report["references"][key]))
        .collect();
    let unused = json!({"citation": "x", "pmid": null, "doi": null, "link": null});
    let mut uncited = entries.clone();
    uncited.push(("Unused", &unused));
    let mut twice = entries.clone();
    twice.push(entries[0]);
    let mut reversed = entries.clone();
    reversed.reverse();
    let cases = [
        (
            "a missing cited key",
            &entries[1..],
            "which is not in `references`",
        ),
        ("an uncited reference", &uncited[..], "which no item cites"),
        ("a reference listed twice", &twice[..], "more than once"),
        (
            "references out of order",
            &reversed[..],
            "in declaration order",
        ),
    ];
    for (what, table, message) in cases {
        let text = with_references(&compact, table);
        let found = problems(&validator, &model, &text);
        assert!(
            found.iter().any(|p| p.contains(message)),
            "the reference check misses {what}: {found:?}"
        );
    }
}
