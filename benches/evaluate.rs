//! Evaluation speed (issue 3), on `guidelines/dermatomyositis.gdl` and a
//! synthetic cohort of 10,000 patients (`common::dermatomyositis_cohort`):
//!
//! - `evaluate/interpreter`: `gdl::eval::evaluate_in` over already-parsed
//!   patients, with one reused `Scratch` as `gdl run` keeps per core (each
//!   `Evaluation` is still new);
//! - `evaluate/native`: the same decisions by hand-written Rust
//!   (`native::evaluate`, checked equal by `tests/native_baseline.rs`), over
//!   the same cohort converted to its struct; `evaluate/native-reuse` reuses
//!   the output vectors (no allocation at all);
//! - `evaluate-small/interpreter` and `evaluate-small/native`: the same race
//!   on the second rule set of issue 18, `benches/small/type2-diabetes.gdl`
//!   (12 rules over 20 facts; `small::evaluate` is checked equal, `needs`
//!   included, by `tests/native_small.rs`), over 10,000 synthetic patients;
//! - `evaluate-af/interpreter/100k` and `evaluate-af/native/100k`: the
//!   scored guideline of issue 19, `guidelines/af-anticoagulation.gdl`
//!   (CHA2DS2-VASc, HAS-BLED, Cockcroft–Gault dose bands), over one
//!   100,000-patient synthetic cohort (`af::cohort`, 30% of patients
//!   missing a fact); `af::evaluate` is checked equal, `needs` included, by
//!   `tests/native_af.rs`; `interpreter-exact/100k` is the interpreter as
//!   `gdl run` has it (exact decisions over unknown facts);
//!   `interpreter-recycle/100k` hands each evaluation back to the
//!   `Scratch` as `gdl run` does, against `native-reuse/100k`, which
//!   reuses its output vectors;
//! - `batch/ndjson-end-to-end`: what `gdl run` does per NDJSON line, on one
//!   core: parse the facts, evaluate, write the JSON report (straight from
//!   the evaluation, `report::json::write_evaluation`);
//! - `batch/ndjson-end-to-end-2-threads`: the same with the lines split over
//!   two threads (`std::thread::scope`), for the 2-core figure.
//!
//! - `cli/gdl-run-ndjson-100k`: the `gdl` binary on a 100,000-line cohort
//!   file, reports to /dev/null: the figure a user sees;
//!
//! - `batch-stages/*`: the end-to-end loop stopped after parsing and after
//!   evaluating, to show where time goes; `parse+evaluate+build` adds the
//!   `Report` a library user builds (the cohort path writes without one).
//!
//! Throughput is in patients (elements) per second.
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark may stop on a broken setup"
)]

// The allocator the `gdl` binary uses, for interpreter and native alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod af;
mod common;
mod native;
mod small;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gdl::eval::{Patient, Program, Scratch, evaluate, evaluate_in};
use gdl::facts::Reader;
use gdl::report;
use std::hint::black_box;
use std::time::Duration;

const COHORT: usize = 10_000;
const CLI_COHORT: usize = 100_000;
const AF_COHORT: usize = 100_000;

/// parse → evaluate → JSON for each line, written as `gdl run`
/// writes them: into one reused buffer, handed on every megabyte. Returns
/// the bytes of JSON produced (so nothing is optimised away).
fn end_to_end(program: &Program<'_>, lines: &[String]) -> usize {
    let fragments = report::json::Fragments::new(program.model);
    let reader = Reader::new(program);
    let mut out = Vec::with_capacity(2 << 20);
    let mut scratch = Scratch::default();
    let mut bytes = 0;
    for line in lines {
        let patient = reader.parse_patient(line).expect("valid facts");
        let evaluation = evaluate_in(program, &patient, &mut scratch);
        report::json::write_evaluation(program, &patient, &evaluation, &fragments, &mut out);
        scratch.recycle(evaluation);
        out.push(b'\n');
        if out.len() > 1 << 20 {
            bytes += black_box(&out).len();
            out.clear();
        }
    }
    bytes + out.len()
}

fn evaluation(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    ))
    .expect("the shipped guideline");
    let model = gdl::compile(&text)
        .model
        .expect("the shipped guideline compiles");
    let program = Program::new(&model);
    let reader = Reader::new(&program);
    // The native baseline implements Kleene logic alone: it races the
    // interpreter without exact decisions over unknown facts (`kleene`),
    // and the interpreter as `gdl run` has it runs beside both.
    let kleene = Program::new(&model).kleene_only();

    let lines = common::dermatomyositis_cohort(COHORT, 0x00c0_ffee, 10);
    let patients: Vec<Patient> = lines
        .iter()
        .map(|line| reader.parse_patient(line).expect("valid facts"))
        .collect();
    let facts: Vec<native::Facts> = patients.iter().map(native::Facts::from_patient).collect();
    // The two sides must agree on this cohort too, or the race is meaningless.
    // The interpreter's `needs` are a precise subset of the native's (the
    // unknown facts a decision reads); `tests/native_baseline.rs` checks that.
    for (patient, facts) in patients.iter().zip(&facts) {
        assert_eq!(
            native::Decisions::from_evaluation(&evaluate(&kleene, patient))
                .split_needs()
                .0,
            native::evaluate(facts).split_needs().0
        );
    }

    let mut group = c.benchmark_group("evaluate");
    group.throughput(Throughput::Elements(COHORT as u64));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("interpreter", |b| {
        // One scratch per thread, as `gdl run` keeps: buffers the
        // interpreter works in, not its output (each evaluation is new).
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                black_box(evaluate_in(&kleene, black_box(patient), &mut scratch));
            }
        })
    });
    group.bench_function("interpreter-exact", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                black_box(evaluate_in(&program, black_box(patient), &mut scratch));
            }
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for facts in &facts {
                black_box(native::evaluate(black_box(facts)));
            }
        })
    });
    group.bench_function("native-reuse", |b| {
        let mut out = native::Decisions::default();
        b.iter(|| {
            for facts in &facts {
                native::evaluate_into(black_box(facts), &mut out);
                black_box(&out);
            }
        })
    });
    group.finish();

    small_rule_set(c);
    af_guideline(c);

    // A cohort with 30% of facts unknown: where exact decisions over
    // unknown facts do their work.
    let unknown: Vec<Patient> =
        common::dermatomyositis_cohort_missing(COHORT, 0x5eed_0030, 10, 300)
            .iter()
            .map(|line| reader.parse_patient(line).expect("valid facts"))
            .collect();
    let mut group = c.benchmark_group("evaluate-30pct-unknown");
    group.throughput(Throughput::Elements(COHORT as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    for (name, program) in [
        ("interpreter-kleene", &kleene),
        ("interpreter-exact", &program),
    ] {
        group.bench_function(name, |b| {
            let mut scratch = Scratch::default();
            b.iter(|| {
                for patient in &unknown {
                    black_box(evaluate_in(program, black_box(patient), &mut scratch));
                }
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("batch");
    group.throughput(Throughput::Elements(COHORT as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("ndjson-end-to-end", |b| {
        b.iter(|| black_box(end_to_end(&program, black_box(&lines))))
    });
    group.bench_function("ndjson-end-to-end-2-threads", |b| {
        b.iter(|| {
            let (first, second) = lines.split_at(lines.len() / 2);
            let program = &program;
            let bytes = std::thread::scope(|scope| {
                let other = scope.spawn(move || end_to_end(program, black_box(second)));
                let mine = end_to_end(program, black_box(first));
                mine + other.join().expect("worker thread")
            });
            black_box(bytes)
        })
    });
    group.finish();

    // The command itself, as a user runs it: a 100,000-patient cohort file,
    // reports to /dev/null (reading, both cores, writing, process start).
    let cohort_path = std::env::temp_dir().join("gdl-bench-cohort.ndjson");
    let big = common::dermatomyositis_cohort(CLI_COHORT, 0x5eed_cafe, 10);
    std::fs::write(&cohort_path, big.join("\n") + "\n").expect("temporary cohort file");
    let guideline = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    );
    let mut group = c.benchmark_group("cli");
    group.throughput(Throughput::Elements(CLI_COHORT as u64));
    group.sample_size(10);
    group.bench_function("gdl-run-ndjson-100k", |b| {
        b.iter(|| {
            let status = std::process::Command::new(env!("CARGO_BIN_EXE_gdl"))
                .args(["run", guideline, "--facts"])
                .arg(&cohort_path)
                .stdout(std::process::Stdio::null())
                .status()
                .expect("gdl runs");
            assert!(status.success());
        })
    });
    group.finish();

    // Where the end-to-end time goes: the same loop stopped after each stage.
    let mut group = c.benchmark_group("batch-stages");
    group.throughput(Throughput::Elements(COHORT as u64));
    group.sample_size(10);
    group.bench_function("parse", |b| {
        b.iter(|| {
            for line in &lines {
                black_box(reader.parse_patient(black_box(line)).expect("valid facts"));
            }
        })
    });
    group.bench_function("parse+evaluate", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for line in &lines {
                let patient = reader.parse_patient(black_box(line)).expect("valid facts");
                black_box(evaluate_in(&program, &patient, &mut scratch));
            }
        })
    });
    group.bench_function("parse+evaluate+build", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for line in &lines {
                let patient = reader.parse_patient(black_box(line)).expect("valid facts");
                let evaluation = evaluate_in(&program, &patient, &mut scratch);
                black_box(report::build(&program, &patient, &evaluation));
            }
        })
    });
    group.finish();
}

/// `evaluate-small/*`: interpreter and native on the second rule set.
fn small_rule_set(c: &mut Criterion) {
    let text = std::fs::read_to_string(small::GUIDELINE).expect("the benchmark rule set");
    let model = gdl::compile(&text).model.expect("it compiles");
    let kleene = Program::new(&model).kleene_only();
    let reader = Reader::new(&kleene);
    let patients: Vec<Patient> = small::cohort(COHORT, 0x5a11_c0de)
        .iter()
        .map(|line| reader.parse_patient(line).expect("valid facts"))
        .collect();
    let facts: Vec<small::Facts> = patients.iter().map(small::Facts::from_patient).collect();
    for (patient, facts) in patients.iter().zip(&facts) {
        assert_eq!(
            small::Decisions::from_evaluation(&evaluate(&kleene, patient)),
            small::evaluate(facts)
        );
    }
    let mut group = c.benchmark_group("evaluate-small");
    group.throughput(Throughput::Elements(COHORT as u64));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("interpreter", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                black_box(evaluate_in(&kleene, black_box(patient), &mut scratch));
            }
        })
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for facts in &facts {
                black_box(small::evaluate(black_box(facts)));
            }
        })
    });
    group.finish();
}

/// `evaluate-af/*`: interpreter and native on the AF guideline, 100,000
/// patients.
fn af_guideline(c: &mut Criterion) {
    let text = std::fs::read_to_string(af::GUIDELINE).expect("the shipped guideline");
    let model = gdl::compile(&text).model.expect("it compiles");
    let exact = Program::new(&model);
    let kleene = Program::new(&model).kleene_only();
    let reader = Reader::new(&kleene);
    let patients: Vec<Patient> = af::cohort(AF_COHORT, 0x00af_c0de)
        .iter()
        .map(|line| reader.parse_patient(line).expect("valid facts"))
        .collect();
    let facts: Vec<af::Facts> = patients.iter().map(af::Facts::from_patient).collect();
    for (patient, facts) in patients.iter().zip(&facts) {
        assert_eq!(
            af::Decisions::from_evaluation(&evaluate(&kleene, patient)),
            af::evaluate(facts)
        );
    }
    let mut group = c.benchmark_group("evaluate-af");
    group.throughput(Throughput::Elements(AF_COHORT as u64));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("interpreter/100k", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                black_box(evaluate_in(&kleene, black_box(patient), &mut scratch));
            }
        })
    });
    group.bench_function("native/100k", |b| {
        b.iter(|| {
            for facts in &facts {
                black_box(af::evaluate(black_box(facts)));
            }
        })
    });
    group.bench_function("interpreter-exact/100k", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                black_box(evaluate_in(&exact, black_box(patient), &mut scratch));
            }
        })
    });
    group.bench_function("interpreter-recycle/100k", |b| {
        let mut scratch = Scratch::default();
        b.iter(|| {
            for patient in &patients {
                let evaluation = evaluate_in(&kleene, black_box(patient), &mut scratch);
                scratch.recycle(black_box(evaluation));
            }
        })
    });
    group.bench_function("native-reuse/100k", |b| {
        let mut out = af::Decisions::default();
        b.iter(|| {
            for facts in &facts {
                af::evaluate_into(black_box(facts), &mut out);
                black_box(&out);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, evaluation);
criterion_main!(benches);
