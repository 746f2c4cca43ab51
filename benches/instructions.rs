//! One pass of evaluation over a cohort, for counting instructions under
//! callgrind, where criterion's repeated timing would count its own loop:
//! instruction counts do not depend on the machine's load, so two runs side
//! by side give a ratio a busy machine cannot blur.
//!
//! `cargo bench --bench instructions --no-run`, then
//! `valgrind --tool=callgrind --toggle-collect='instructions::run_*' target/release/deps/instructions-… PROGRAM COHORT`
//! with PROGRAM `kleene` (no exact decisions over unknown facts), `recycle`
//! (Kleene, each evaluation handed back to its buffers as `gdl run` does),
//! `exact` (as `gdl run` has it), `native-reuse` (the AF baseline writing
//! into one reused output) or `native` (the hand-written baseline of
//! `benches/native`), and COHORT `standard` (the `evaluate` benchmark's:
//! half complete, the rest missing 5–35%), `complete` or `unknown30` (30%
//! of facts unknown) of `guidelines/dermatomyositis.gdl`, or `small` (the
//! `evaluate-small` benchmark's rule set, `benches/small`, and cohort;
//! `native` is then `small::evaluate`), or `af` (the first 10,000
//! patients of the `evaluate-af` benchmark's cohort of
//! `guidelines/af-anticoagulation.gdl`, `benches/af`; `native` is then
//! `af::evaluate`). The toggle counts
//! the evaluation alone (`run_interpreter`, `run_native`: patients are
//! parsed, or converted to the native struct, before); without it parsing
//! is counted too, the same for both programs. PROGRAM `print` writes the
//! cohort as NDJSON instead, for timing `gdl run` on it, and `table N` (or
//! `table-complete N`) writes the benchmarks' decision table of N rows, for
//! timing `gdl check` on it.
#![allow(clippy::expect_used, reason = "a benchmark may stop on a broken setup")]

mod af;
mod common;
mod native;
mod small;

// The allocator the `gdl` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use gdl::eval::{Patient, Program, Scratch, evaluate_in};
use gdl::facts::Reader;
use std::hint::black_box;

const COHORT: usize = 10_000;

/// The interpreter over every patient, each evaluation new (as the
/// `evaluate/interpreter` benchmark runs it); returns the escalations.
#[inline(never)]
fn run_interpreter(program: &Program<'_>, patients: &[Patient]) -> usize {
    let mut scratch = Scratch::default();
    let mut escalations = 0;
    for patient in patients {
        let evaluation = evaluate_in(program, black_box(patient), &mut scratch);
        escalations += evaluation.escalations.len();
    }
    escalations
}

/// [`run_interpreter`], each evaluation handed back to the scratch buffers
/// as `gdl run` does (the `interpreter-recycle` benchmark).
#[inline(never)]
fn run_interpreter_recycling(program: &Program<'_>, patients: &[Patient]) -> usize {
    let mut scratch = Scratch::default();
    let mut escalations = 0;
    for patient in patients {
        let evaluation = evaluate_in(program, black_box(patient), &mut scratch);
        escalations += evaluation.escalations.len();
        scratch.recycle(evaluation);
    }
    escalations
}

/// [`run_native_af`], one output reused (the `native-reuse` benchmark).
#[inline(never)]
fn run_native_af_reusing(cohort: &[af::Facts]) -> usize {
    let mut escalations = 0;
    let mut out = af::Decisions::default();
    for facts in cohort {
        af::evaluate_into(black_box(facts), &mut out);
        escalations += out.escalations.len();
    }
    escalations
}

/// The hand-written baseline over every patient, each output new (as the
/// `evaluate/native` benchmark runs it); returns the escalations.
#[inline(never)]
fn run_native(cohort: &[native::Facts]) -> usize {
    let mut escalations = 0;
    for facts in cohort {
        escalations += native::evaluate(black_box(facts)).escalations.len();
    }
    escalations
}

/// [`run_native`] for the second rule set.
#[inline(never)]
fn run_native_small(cohort: &[small::Facts]) -> usize {
    let mut escalations = 0;
    for facts in cohort {
        escalations += small::evaluate(black_box(facts)).escalations.len();
    }
    escalations
}

/// [`run_native`] for the AF guideline.
#[inline(never)]
fn run_native_af(cohort: &[af::Facts]) -> usize {
    let mut escalations = 0;
    for facts in cohort {
        escalations += af::evaluate(black_box(facts)).escalations.len();
    }
    escalations
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let (Some(which), Some(cohort)) = (arguments.first(), arguments.get(1)) else {
        eprintln!("usage: instructions kleene|exact|native standard|complete|unknown30|small|af");
        std::process::exit(2);
    };
    if let Some(complete) = which.strip_prefix("table") {
        let rows = cohort.parse().unwrap_or(100);
        print!("{}", common::decision_table(rows, complete == "-complete"));
        return;
    }
    let path = match cohort.as_str() {
        "small" => small::GUIDELINE,
        "af" => af::GUIDELINE,
        _ => concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/guidelines/dermatomyositis.gdl"
        ),
    };
    let text = std::fs::read_to_string(path).expect("the guideline");
    let model = gdl::compile(&text).model.expect("it compiles");
    let program = match which.as_str() {
        "exact" => Program::new(&model),
        _ => Program::new(&model).kleene_only(),
    };
    let reader = Reader::new(&program);
    let lines = match cohort.as_str() {
        "complete" => common::dermatomyositis_cohort_missing(COHORT, 0x00c0_ffee, 10, 0),
        "unknown30" => common::dermatomyositis_cohort_missing(COHORT, 0x5eed_0030, 10, 300),
        "small" => small::cohort(COHORT, 0x5a11_c0de),
        "af" => af::cohort(COHORT, 0x00af_c0de),
        _ => common::dermatomyositis_cohort(COHORT, 0x00c0_ffee, 10),
    };
    if which == "print" {
        for line in &lines {
            println!("{line}");
        }
        return;
    }
    let patients: Vec<Patient> = lines
        .iter()
        .map(|line| reader.parse_patient(line).expect("valid facts"))
        .collect();
    let escalations = if which == "native" && cohort == "small" {
        let facts: Vec<small::Facts> = patients.iter().map(small::Facts::from_patient).collect();
        run_native_small(&facts)
    } else if which == "native-reuse" && cohort == "af" {
        let facts: Vec<af::Facts> = patients.iter().map(af::Facts::from_patient).collect();
        run_native_af_reusing(&facts)
    } else if which == "recycle" {
        run_interpreter_recycling(&program, &patients)
    } else if which == "native" && cohort == "af" {
        let facts: Vec<af::Facts> = patients.iter().map(af::Facts::from_patient).collect();
        run_native_af(&facts)
    } else if which == "native" {
        let facts: Vec<native::Facts> = patients.iter().map(native::Facts::from_patient).collect();
        run_native(&facts)
    } else {
        run_interpreter(&program, &patients)
    };
    println!(
        "{which} {cohort}: {} patients, {escalations} escalations",
        lines.len()
    );
}
