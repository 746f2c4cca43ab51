//! Front-end speed: parse + resolve (names, types, units) of the shipped
//! dermatomyositis guideline and of synthetic guidelines up to 10,000 rules.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn front_end(c: &mut Criterion) {
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/guidelines/dermatomyositis.gdl"
    ))
    .unwrap_or_default();
    c.bench_function("check/dermatomyositis", |b| {
        b.iter(|| gdl::compile(black_box(&shipped)))
    });
    let mut group = c.benchmark_group("check/synthetic");
    group.sample_size(10);
    for rules in [1_000usize, 10_000] {
        let text = common::guideline(rules, 30);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("check", rules), &text, |b, text| {
            b.iter(|| gdl::compile(black_box(text)))
        });
        group.bench_with_input(BenchmarkId::new("parse-only", rules), &text, |b, text| {
            b.iter(|| gdl::syntax::parse(black_box(text)))
        });
    }
    group.finish();
}

criterion_group!(benches, front_end);
criterion_main!(benches);
