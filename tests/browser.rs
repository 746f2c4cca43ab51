//! The HTML pages in a real browser: headless Chromium, driven over the
//! DevTools protocol by a small Node script with no package
//! (`tests/browser/cdp.mjs`), loads the page of `gdl run --format html`
//! for a dermatomyositis, an atrial fibrillation and a pneumonia example,
//! the flowchart page of `gdl graph --format html`, and a page of a
//! guideline whose strings are markup. For each page:
//!
//! - no console error, no uncaught exception, no browser error in the log,
//!   no request but the page itself (the page is self-contained), no
//!   script;
//! - the summary heading and its first item are visible above the fold of
//!   a 1280×800 window;
//! - every numbered reference links to the PubMed page of its PMID (or to
//!   doi.org for a DOI), as the guideline declares it, and every in-page
//!   citation `[n]` points at a reference on the page;
//! - every mark (✓ ✗ ? !) is a character, never colour alone;
//! - the rendered text, every `<details>` opened and the flowchart hidden,
//!   is a snapshot.
//!
//! Chromium and Node must be installed: `.ci/run` installs Chromium with
//! the system package manager when it is missing (`docs/ci.md`). Without
//! them this test fails and says how to install them. `GDL_CHROMIUM`
//! names another browser binary.
//!
//! Regenerate the snapshots: INSTA_UPDATE=always cargo test --test browser
//! (or cargo insta review), then review the diff.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]

mod support;
use support::{HTML_EXAMPLES as EXAMPLES, gdl_succeeding, shipped_guideline_for_example};

use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "the text Chromium renders for a gdl HTML page (details opened, flowchart hidden). Regenerate: INSTA_UPDATE=always cargo test --test browser (or cargo insta review), then review the diff";

const INSTALL: &str = "install it (Debian/Ubuntu, as root: apt-get update && apt-get install -y chromium nodejs); .ci/run does this in CI";

/// The browser binary: `GDL_CHROMIUM`, else the first of the usual names
/// on the `PATH`.
fn chromium() -> String {
    if let Some(named) = std::env::var_os("GDL_CHROMIUM") {
        return named.to_string_lossy().into_owned();
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        if std::env::split_paths(&path).any(|dir| dir.join(name).is_file()) {
            return name.to_owned();
        }
    }
    panic!("this test needs Chromium, and none is on the PATH: {INSTALL}");
}

fn node() -> &'static str {
    let found = Command::new("node").arg("--version").output();
    if !found.is_ok_and(|out| out.status.success()) {
        panic!("this test needs Node (to drive Chromium): {INSTALL}");
    }
    "node"
}

/// A fresh directory under the system's temporary directory, removed when
/// dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("gdl-browser-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `cdp.mjs` saw of one page.
struct Seen {
    report: serde_json::Value,
}

impl Seen {
    fn page(&self) -> &serde_json::Value {
        &self.report["page"]
    }
}

/// Loads `html` in headless Chromium; `name` names the files.
fn load(name: &str, html: &str) -> Seen {
    let dir = TempDir::new(name);
    let file = dir.0.join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let profile = dir.0.join("profile");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/cdp.mjs");
    let url = format!("file://{}", file.display());
    let mut command = Command::new(node());
    command.arg(&script).arg(chromium()).arg(&profile).arg(&url);
    // To look at the pages: GDL_BROWSER_SHOTS=DIR writes DIR/NAME.png
    // (the first 1280×800) and DIR/NAME.pdf (as printed).
    if let Some(shots) = std::env::var_os("GDL_BROWSER_SHOTS") {
        let shots = PathBuf::from(shots);
        command
            .arg(shots.join(format!("{name}.png")))
            .arg(shots.join(format!("{name}.pdf")));
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}; {INSTALL}"));
    assert!(
        output.status.success(),
        "{name}: the browser run failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{name}: cdp.mjs wrote no JSON: {e}"));
    let replaced = report["page"]["text"]
        .as_str()
        .unwrap_or_default()
        .replace(&file.display().to_string(), "PAGE");
    let mut report = report;
    report["page"]["text"] = serde_json::Value::String(replaced);
    Seen { report }
}

/// The checks every page passes: nothing wrong in the console or the
/// log, nothing loaded, no script, every mark a character, and the
/// references' links those the guideline declares.
fn check_page(name: &str, seen: &Seen, guideline: &str) {
    let report = &seen.report;
    let page = seen.page();
    for list in ["consoleErrors", "logErrors", "otherRequests"] {
        let items = report[list].as_array().map(Vec::len).unwrap_or(1);
        assert_eq!(items, 0, "{name}: {list}: {}", report[list]);
    }
    assert_eq!(page["scripts"], 0, "{name}: the page has a script");
    for mark in page["marks"].as_array().into_iter().flatten() {
        let mark = mark.as_str().unwrap_or_default();
        assert!(
            ["✓", "✗", "?", "!"].contains(&mark),
            "{name}: mark {mark:?}"
        );
    }
    let model = gdl::compile(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(guideline))
            .unwrap_or_else(|e| panic!("{guideline}: {e}")),
    )
    .model
    .unwrap_or_else(|| panic!("{guideline} does not compile"));
    let listed = page["references"].as_array().cloned().unwrap_or_default();
    assert!(!listed.is_empty(), "{name}: no references");
    let mut numbers = Vec::new();
    for item in &listed {
        let key = item["key"].as_str().unwrap_or_default();
        let number = item["number"].as_u64().unwrap_or(0) as usize;
        let (index, reference) = model
            .references
            .iter()
            .enumerate()
            .find(|(_, r)| r.key == key)
            .unwrap_or_else(|| panic!("{name}: reference {key} is not the guideline's"));
        assert_eq!(number, index + 1, "{name}: {key} is numbered {number}");
        assert_eq!(item["id"], format!("ref-{number}"), "{name}: {key}");
        let hrefs: Vec<&str> = item["hrefs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str())
            .collect();
        let first = hrefs.first().copied();
        match (reference.pmid, &reference.doi) {
            (Some(pmid), _) => {
                let pubmed = format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/");
                assert_eq!(first, Some(pubmed.as_str()), "{name}: {key}'s first link");
                let other_pubmed = hrefs
                    .iter()
                    .filter(|h| h.contains("pubmed") && **h != pubmed)
                    .count();
                assert_eq!(
                    other_pubmed, 0,
                    "{name}: {key} links another PMID: {hrefs:?}"
                );
            }
            (None, Some(doi)) => {
                assert_eq!(
                    first,
                    Some(format!("https://doi.org/{doi}").as_str()),
                    "{name}: {key}"
                );
            }
            (None, None) => {
                for href in &hrefs {
                    assert!(
                        reference.urls.iter().any(|u| u == href),
                        "{name}: {key}: {href}"
                    );
                }
            }
        }
        numbers.push(number);
    }
    for citation in page["citations"].as_array().into_iter().flatten() {
        let target = citation.as_str().unwrap_or_default();
        let number = target
            .strip_prefix("#ref-")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("{name}: an in-page link to {target}"));
        assert!(
            numbers.contains(&number),
            "{name}: [{number}] is not in the references"
        );
    }
}

/// The summary's heading and first item lie within the first screen.
fn check_above_the_fold(name: &str, seen: &Seen) {
    let page = seen.page();
    let fold = page["viewport"]["height"].as_f64().unwrap_or(0.0);
    assert_eq!(fold, 800.0, "{name}: the window");
    for part in ["summaryHeading", "summaryFirstItem"] {
        let part_box = &page[part];
        assert_eq!(
            part_box["visible"], true,
            "{name}: {part} hidden: {part_box}"
        );
        let (top, bottom) = (
            part_box["top"].as_f64().unwrap_or(-1.0),
            part_box["bottom"].as_f64().unwrap_or(f64::MAX),
        );
        assert!(
            top >= 0.0 && bottom <= fold,
            "{name}: {part} at {top}..{bottom}, below the fold"
        );
    }
    let headings: Vec<&str> = page["headings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str())
        .collect();
    assert!(
        headings.first().is_some_and(|h| h.starts_with("H1 ")),
        "{name}: {headings:?}"
    );
    assert_eq!(headings.get(1), Some(&"H2 Summary"), "{name}: {headings:?}");
}

fn snapshot(name: &str, seen: &Seen) {
    let text = seen.page()["text"].as_str().unwrap_or_default().to_owned();
    insta::with_settings!({ description => REGENERATE, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn the_pages_render_cleanly_in_chromium() {
    // Fail early, with the message, when a tool is missing.
    let _ = (chromium(), node());
    let mut pages: Vec<(String, String, String)> = EXAMPLES
        .iter()
        .map(|example| {
            let guideline = shipped_guideline_for_example(Path::new(example));
            let name = Path::new(example)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("example")
                .to_owned();
            let html = gdl_succeeding(&["run", "--format", "html", &guideline, example]).stdout;
            (name, guideline, html)
        })
        .collect();
    pages.push((
        "graph-af".to_owned(),
        "guidelines/af-anticoagulation.gdl".to_owned(),
        gdl_succeeding(&[
            "graph",
            "--format",
            "html",
            "guidelines/af-anticoagulation.gdl",
        ])
        .stdout,
    ));
    pages.push((
        "hostile".to_owned(),
        "tests/html/hostile.gdl".to_owned(),
        gdl_succeeding(&[
            "run",
            "--format",
            "html",
            "tests/html/hostile.gdl",
            "tests/html/hostile.json",
        ])
        .stdout,
    ));
    // Two browsers at a time: the pages are independent.
    let seen: Vec<Seen> = std::thread::scope(|scope| {
        let handles: Vec<_> = pages
            .chunks(pages.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(name, _, html)| load(name, html))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|_| panic!("a browser run failed")))
            .collect()
    });
    for ((name, guideline, _), seen) in pages.iter().zip(&seen) {
        check_page(name, seen, guideline);
        if name != "graph-af" {
            check_above_the_fold(name, seen);
        }
        if name != "hostile" {
            snapshot(name, seen);
        }
    }
    // The hostile page's title is text, not markup that ran.
    let hostile = seen.last().map(|s| s.page()["title"].clone());
    assert_eq!(
        hostile,
        Some(serde_json::Value::String(
            "<script>alert('title')</script> & \"quotes\": <script>alert('patient')</script>"
                .to_owned()
        ))
    );
}
