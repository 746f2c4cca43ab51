//! Logic analysis speed on synthetic guidelines (generator in
//! benches/common/mod.rs; the numeric-only variant below): 100 to 10,000
//! rules over 30 facts, and 5,000 rules over 7 numeric facts, the size of the
//! largest published DMN table-analysis experiments. One core.
//!
//! `table/…`: one first-match section of N rows over 7 numeric and enum
//! columns (`common::decision_table`, the shape of a DMN decision table),
//! with and without `complete`; select sizes with criterion's filter, e.g.
//! `cargo bench --bench analysis -- 'table/first-match/1000$'`; `table/sat-only/…`
//! answers the same questions by SAT alone (the times before the box search).

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// `rules` rules over `facts` quantity facts, each rule a conjunction of two
/// or three interval tests on random facts, in first-match sections of 20.
fn numeric_guideline(rules: usize, facts: usize) -> String {
    let mut rng = common::Rng::new(0xdada);
    let mut out = String::from("guideline numeric \"Numeric\" { version \"1\" }\n");
    out.push_str("reference R1 pmid 14501840 \"Synthetic reference\"\n");
    for fact in 0..facts {
        out.push_str(&format!("fact n{fact}: quantity mg \"Fact {fact}\"\n"));
    }
    for action in 0..10 {
        out.push_str(&format!("action a{action} \"Action {action}\"\n"));
    }
    for section in 0..rules.div_ceil(20) {
        out.push_str(&format!(
            "section s{section} \"Section {section}\" first-match {{\n"
        ));
        for i in 0..20.min(rules - section * 20) {
            let terms: Vec<String> = (0..2 + rng.below(2))
                .map(|_| {
                    let fact = rng.below(facts as u64);
                    let low = 10 * rng.below(20);
                    format!(
                        "n{fact} >= {low} mg and n{fact} < {} mg",
                        low + 10 * (1 + rng.below(5))
                    )
                })
                .collect();
            out.push_str(&format!(
                "  rule r{section}_{i} {{\n    when {}\n    then recommend a{}\n    cite R1\n  }}\n",
                terms.join(" and "),
                rng.below(10)
            ));
        }
        out.push_str("}\n");
    }
    out
}

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    for rules in [100usize, 200, 1_000, 10_000] {
        let text = common::guideline(rules, 30);
        let model = gdl::compile(&text).model.unwrap_or_default();
        group.bench_with_input(BenchmarkId::new("30-facts", rules), &model, |b, model| {
            b.iter(|| gdl::analysis::findings(black_box(model)))
        });
    }
    let text = numeric_guideline(5_000, 7);
    let model = gdl::compile(&text).model.unwrap_or_default();
    group.bench_with_input(
        BenchmarkId::new("7-numeric-facts", 5_000),
        &model,
        |b, model| b.iter(|| gdl::analysis::findings(black_box(model))),
    );
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    ))
    .unwrap_or_default();
    let model = gdl::compile(&shipped).model.unwrap_or_default();
    group.bench_function("dermatomyositis", |b| {
        b.iter(|| gdl::analysis::findings(black_box(&model)))
    });
    group.finish();
}

/// First-match decision tables of 100 to 10,000 rows × 7 columns.
fn tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("table");
    group.sample_size(10);
    for rules in [100usize, 200, 400, 1_000, 5_000, 10_000] {
        for complete in [false, true] {
            let name = if complete {
                "first-match-complete"
            } else {
                "first-match"
            };
            let model = gdl::compile(&common::decision_table(rules, complete))
                .model
                .unwrap_or_default();
            group.bench_with_input(BenchmarkId::new(name, rules), &model, |b, model| {
                b.iter(|| gdl::analysis::findings(black_box(model)))
            });
        }
    }
    // The same tables by SAT alone (a budget of 0 turns the box search
    // off): the times before the box search, at the sizes it can afford.
    for rules in [100usize, 200, 400] {
        let model = gdl::compile(&common::decision_table(rules, false))
            .model
            .unwrap_or_default();
        group.bench_with_input(BenchmarkId::new("sat-only", rules), &model, |b, model| {
            b.iter(|| gdl::analysis::findings_within(black_box(model), 0))
        });
    }
    group.finish();
}

criterion_group!(benches, analysis, tables);
criterion_main!(benches);
