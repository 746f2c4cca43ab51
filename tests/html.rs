//! `gdl run --format html` and `gdl graph --format html`: the page for one
//! patient, and the flowchart page, without a browser (`tests/browser.rs`
//! loads them in one).
//!
//! Snapshots of the page for three shipped examples (dermatomyositis,
//! atrial fibrillation, pneumonia), with the inline flowchart cut out: the
//! flowchart must be, byte for byte, what `gdl graph --format svg --facts`
//! draws (its own tests are in `tests/graph.rs`). A guideline whose every
//! string is markup (`tests/html/hostile.gdl`) must come out escaped, with
//! no link but to the page itself or to an http(s) address. A cohort is
//! refused with a usage error. The same input gives the same bytes.
//!
//! Regenerate the snapshots: INSTA_UPDATE=always cargo test --test html
//! (or cargo insta review), then review the diff.

#![allow(clippy::panic, reason = "test helpers fail the test by panicking")]
#![allow(
    clippy::expect_used,
    reason = "test helpers fail the test on a missing part"
)]
#![allow(
    clippy::indexing_slicing,
    reason = "a test may index: a panic is a failed test"
)]

mod support;
use support::{HTML_EXAMPLES as EXAMPLES, gdl, gdl_succeeding, shipped_guideline_for_example};

const HOSTILE: &str = "tests/html/hostile.gdl";
const HOSTILE_PATIENT: &str = "tests/html/hostile.json";

const REGENERATE: &str = "gdl run --format html, the inline SVG cut out. Regenerate: INSTA_UPDATE=always cargo test --test html (or cargo insta review), then review the diff";

/// `gdl ARGS`'s standard output; it must succeed quietly.
fn run(args: &[&str]) -> String {
    let output = gdl_succeeding(args);
    assert!(output.stderr.is_empty(), "{}", output.stderr);
    output.stdout
}

/// The page with its one `<svg>…</svg>` replaced by a line, and the SVG.
fn cut_svg(html: &str) -> (String, String) {
    let start = html.find("<svg ").expect("the page has a flowchart");
    let end = html.find("</svg>").expect("the flowchart is closed") + "</svg>".len();
    assert_eq!(
        html.matches("<svg ").count(),
        1,
        "one flowchart on the page"
    );
    let svg = html[start..end].to_owned();
    let page = format!(
        "{}[the flowchart: {} lines of SVG, as gdl graph --format svg draws it]{}",
        &html[..start],
        svg.lines().count(),
        &html[end..]
    );
    (page, svg)
}

#[test]
fn the_page_of_each_example() {
    for example in EXAMPLES {
        let guideline = shipped_guideline_for_example(std::path::Path::new(example));
        let html = run(&["run", "--format", "html", &guideline, example]);
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{example}");
        assert!(html.ends_with("</html>\n"), "{example}");
        let (page, svg) = cut_svg(&html);
        let drawn = run(&["graph", "--format", "svg", "--facts", example, &guideline]);
        assert_eq!(
            svg,
            drawn.trim_end(),
            "{example}: the flowchart is gdl graph's"
        );
        // The summary comes before everything but the header.
        let summary = page.find("id=\"summary\"").expect("a summary");
        for later in [
            "id=\"flowchart\"",
            "id=\"detail\"",
            "id=\"explain\"",
            "id=\"references\"",
        ] {
            let at = page
                .find(later)
                .unwrap_or_else(|| panic!("{example}: no {later}"));
            assert!(summary < at, "{example}: {later} before the summary");
        }
        assert!(!page.contains("<script"), "{example}: a script");
        assert!(!page.contains("src="), "{example}: loads something");
        let name = std::path::Path::new(example)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("example");
        insta::with_settings!({ description => REGENERATE, omit_expression => true }, {
            insta::assert_snapshot!(name, page);
        });
    }
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let example = EXAMPLES[1];
    let guideline = shipped_guideline_for_example(std::path::Path::new(example));
    let args = ["run", "--format", "html", guideline.as_str(), example];
    assert_eq!(run(&args), run(&args));
}

/// Every `href="…"` value of a page.
fn hrefs(html: &str) -> Vec<&str> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap_or(rest.len())])
        .collect()
}

#[test]
fn guideline_strings_are_escaped_and_only_web_addresses_are_links() {
    let pages = [
        run(&["run", "--format", "html", HOSTILE, HOSTILE_PATIENT]),
        run(&[
            "graph",
            "--format",
            "html",
            "--facts",
            HOSTILE_PATIENT,
            HOSTILE,
        ]),
        run(&["graph", "--format", "html", HOSTILE]),
    ];
    for page in &pages {
        let lower = page.to_lowercase();
        for markup in [
            "<script",
            "<img",
            "<b>",
            "<i>",
            "</h4><",
            "<line>",
            "<weakness>",
        ] {
            assert!(
                !lower.contains(markup),
                "`{markup}` not escaped in:\n{page}"
            );
        }
        for href in hrefs(page) {
            assert!(
                href.starts_with("#ref-")
                    || href.starts_with("https://")
                    || href.starts_with("http://"),
                "a link to {href:?}"
            );
        }
        assert!(!lower.contains("href=\"javascript"), "{page}");
    }
    // The escaped text is there: nothing was dropped.
    assert!(pages[0].contains("&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;"));
    assert!(pages[0].contains("Patient <strong>&lt;script&gt;alert(&#39;patient&#39;)"));
    assert!(pages[0].contains("<a href=\"https://pubmed.ncbi.nlm.nih.gov/11111111/\">"));
}

#[test]
fn the_flowchart_page_links_every_reference() {
    let html = run(&[
        "graph",
        "--format",
        "html",
        "guidelines/dermatomyositis.gdl",
    ]);
    let (page, svg) = cut_svg(&html);
    let drawn = run(&["graph", "--format", "svg", "guidelines/dermatomyositis.gdl"]);
    assert_eq!(svg, drawn.trim_end());
    assert!(page.contains("<h2 id=\"flowchart-heading\">Flowchart</h2>"));
    assert!(!page.contains("id=\"summary\""), "no patient, no summary");
    let model = gdl::compile(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("guidelines/dermatomyositis.gdl"),
        )
        .expect("the guideline"),
    )
    .model
    .expect("it compiles");
    for (index, reference) in model.references.iter().enumerate() {
        let item = format!("<li id=\"ref-{}\" value=\"{}\"", index + 1, index + 1);
        assert!(
            page.contains(&item),
            "{} is not numbered {}",
            reference.key,
            index + 1
        );
        if let Some(pmid) = reference.pmid {
            assert!(page.contains(&format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/")));
        }
    }
}

#[test]
fn a_cohort_is_refused() {
    let output = gdl(
        &[
            "run",
            "--format",
            "html",
            "guidelines/dermatomyositis.gdl",
            "guidelines/examples/cohort.ndjson",
        ],
        None,
    );
    assert_eq!(output.code, Some(2), "{}", output.stderr);
    assert!(output.stdout.is_empty());
    assert!(
        output.stderr.contains("--format html is for one patient"),
        "{}",
        output.stderr
    );
    let output = gdl(
        &[
            "run",
            "--format",
            "html",
            "--ndjson",
            "guidelines/dermatomyositis.gdl",
            "-",
        ],
        Some("{}\n"),
    );
    assert_eq!(output.code, Some(2), "{}", output.stderr);
}
