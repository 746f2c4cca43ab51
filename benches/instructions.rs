//! One pass of the interpreter over a cohort, for counting instructions
//! under callgrind, where criterion's repeated timing would count its own
//! loop: instruction counts do not depend on the machine's load, so two
//! runs side by side give a ratio a busy machine cannot blur.
//!
//! `cargo bench --bench instructions --no-run`, then
//! `valgrind --tool=callgrind target/release/deps/instructions-… PROGRAM COHORT`
//! with PROGRAM `kleene` (no exact decisions over unknown facts) or `exact`
//! (as `gdl run` has it), and COHORT `standard` (the `evaluate` benchmark's:
//! half complete, the rest missing 5–35%), `complete` or `unknown30` (30%
//! of facts unknown). Parsing the cohort is counted too, the same for both
//! programs; `--toggle-collect=gdl::eval::interp::evaluate_in` counts the
//! evaluation alone. PROGRAM `print` writes the cohort as NDJSON instead,
//! for timing `gdl run` on it, and `table N` (or `table-complete N`) writes
//! the benchmarks' decision table of N rows, for timing `gdl check` on it.
#![allow(clippy::expect_used, reason = "a benchmark may stop on a broken setup")]

mod common;

// The allocator the `gdl` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use gdl::eval::{Program, Scratch, evaluate_in};
use gdl::facts::Reader;
use std::hint::black_box;

const COHORT: usize = 10_000;

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(which), Some(cohort)) = (arguments.first(), arguments.get(1)) else {
        eprintln!("usage: instructions kleene|exact standard|complete|unknown30");
        std::process::exit(2);
    };
    if let Some(complete) = which.strip_prefix("table") {
        let rows = cohort.parse().unwrap_or(100);
        print!("{}", common::decision_table(rows, complete == "-complete"));
        return;
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    ))
    .expect("the shipped guideline");
    let model = gdl::compile(&text).model.expect("it compiles");
    let program = match which.as_str() {
        "kleene" => Program::new(&model).kleene_only(),
        _ => Program::new(&model),
    };
    let reader = Reader::new(&program);
    let lines = match cohort.as_str() {
        "complete" => common::dermatomyositis_cohort_missing(COHORT, 0x00c0_ffee, 10, 0),
        "unknown30" => common::dermatomyositis_cohort_missing(COHORT, 0x5eed_0030, 10, 300),
        _ => common::dermatomyositis_cohort(COHORT, 0x00c0_ffee, 10),
    };
    if which == "print" {
        for line in &lines {
            println!("{line}");
        }
        return;
    }
    let mut scratch = Scratch::default();
    let mut escalations = 0;
    for line in &lines {
        let patient = reader.parse_patient(line).expect("valid facts");
        let evaluation = evaluate_in(&program, black_box(&patient), &mut scratch);
        escalations += evaluation.escalations.len();
        scratch.recycle(evaluation);
    }
    println!(
        "{which} {cohort}: {} patients, {escalations} escalations",
        lines.len()
    );
}
