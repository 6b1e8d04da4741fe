//! Criterion micro-benches of the stages, on objects from the synthetic corpus generator:
//!
//! - parse: `Decoder::decode` of one ~1 MB (JSON) gzipped object, records counted;
//! - map: `Mapper::map` over the records of one object (parsed once, outside the loop);
//! - synthesize: `generate::build` on the usage set of the busy principal from ~30 MB;
//! - prefilter: `Prefilter::plan` over one ~1 MB (JSON) object, for the busy principal's
//!   role (its needle and account) and for a name no record holds.
//!
//! `cargo bench --bench micro` (add `-- parse` to run one).

#[path = "../sample-trails/corpus.rs"]
mod corpus;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iamtrail::decode::{Decoder, Record};
use iamtrail::map::{FailureClass, Mapper, Outcome};

fn parse(c: &mut Criterion) {
    let json = corpus::sample_object(1, 1_000_000);
    let gz = corpus::gzip(&json);
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Bytes(json.len() as u64));
    let mut dec = Decoder::default();
    for (name, input) in [
        ("Decoder::decode, 1 MB object (gzip)", &gz),
        ("Decoder::decode, 1 MB object (plain JSON)", &json),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched_ref(
                || input.clone(),
                |data| {
                    let mut n = 0u64;
                    dec.decode(data, &mut |_, r| n += u64::from(r.is_ok()))
                        .expect("valid object");
                    black_box(n)
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn map(c: &mut Criterion) {
    let mut json = corpus::sample_object(2, 1_000_000);
    let tape = simd_json::to_tape(&mut json).expect("valid JSON");
    let doc = tape.as_value();
    let items = doc
        .get("Records")
        .and_then(|r| r.as_array())
        .expect("a Records array");
    let records: Vec<Record<'_>> = items.iter().filter_map(Record::new).collect();
    let mut mapper = Mapper::new(&FailureClass::DEFAULT);
    let mut g = c.benchmark_group("map");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("Mapper::map, records of one 1 MB object", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for r in &records {
                if let (Outcome::Mapped, needs) = mapper.map(r) {
                    n += needs.len();
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

fn synthesize(c: &mut Criterion) {
    let objects: Vec<(String, Vec<u8>)> = (0..30)
        .map(|i| {
            (
                format!("object-{i}"),
                corpus::sample_object(100 + i, 1_000_000),
            )
        })
        .collect();
    let mut selection = iamtrail::select::Selection::default();
    selection
        .principals
        .push(corpus::BUSY_PRINCIPAL.parse().expect("a principal"));
    let cfg = iamtrail::ingest::Config {
        selection,
        ..Default::default()
    };
    let got = iamtrail::generate::from_objects(objects, &cfg);
    let mut g = c.benchmark_group("synthesize");
    g.throughput(Throughput::Elements(got.usage.len() as u64));
    g.bench_function(
        format!(
            "generate::build, usage set of {} needs ({} records)",
            got.usage.len(),
            got.summary.records.used
        ),
        |b| {
            b.iter(|| {
                let g = iamtrail::generate::build(
                    &got.usage,
                    iamtrail::policy::synth::Options::default(),
                    iamtrail::policy::split::SizeLimit::Managed,
                )
                .expect("fits");
                black_box(g.documents.len())
            })
        },
    );
    g.finish();
}

fn prefilter(c: &mut Criterion) {
    use iamtrail::decode::{NeedleOwner, Prefilter};
    let json = corpus::sample_object(3, 1_000_000);
    let mut g = c.benchmark_group("prefilter");
    g.throughput(Throughput::Bytes(json.len() as u64));
    for (name, needle) in [
        ("Prefilter::plan, the busy role", &b"ci-deployer\""[..]),
        (
            "Prefilter::plan, a role no record names",
            &b"no-such-role\""[..],
        ),
    ] {
        let owner = Some(NeedleOwner::arn_in("111122223333"));
        let mut p = Prefilter::owned([(needle.to_vec(), owner)]).expect("a needle");
        g.bench_function(name, |b| {
            b.iter(|| black_box(p.plan(&json).map(|plan| plan.records)))
        });
    }
    g.finish();
}

criterion_group!(benches, parse, map, synthesize, prefilter);
criterion_main!(benches);
