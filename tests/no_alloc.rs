//! The hot path allocates nothing per record: decoding, selecting and mapping a record
//! whose needs the usage set already holds takes no heap allocation (issue 4, "no
//! per-record heap allocation on the hot path beyond what the usage set keeps").
//!
//! A counting allocator (this test binary's own) counts the allocations of the thread
//! that runs a worker. An object holding every sample and AWS-documentation record four
//! times must cost exactly what the object holding them once costs: per-object costs
//! (the object's own results, kept apart while it is decoded) are the same for both,
//! so any difference is an allocation per record.
//!
//! The records repeat (the same eventIDs), so the mapping path is measured with
//! deduplication off; `duplicates_allocate_nothing` measures it on, where after the
//! warm-up every record is a duplicate. (A record with a new eventID adds one entry to the
//! run's set of kept eventIDs, which grows like the usage set: amortized, not per record.)

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use iamtrail::ingest::{Config, Worker};
use iamtrail::map::FailureClass;
use iamtrail::select::Selection;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the counter is a const-initialized
// thread-local `Cell`, which neither allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// `{"Records":[…]}` holding `records` `times` times.
fn object(records: &[serde_json::Value], times: usize) -> Vec<u8> {
    let all: Vec<&serde_json::Value> = (0..times).flat_map(|_| records.iter()).collect();
    serde_json::to_vec(&serde_json::json!({ "Records": all })).unwrap()
}

/// The sample and AWS-documentation records that are whole records: a record without
/// `eventSource` or `eventName` is reported by name, which takes memory by design.
fn records() -> Vec<serde_json::Value> {
    let mut r = common::sample_records();
    r.extend(common::aws_doc_records());
    let named = |r: &serde_json::Value, k: &str| r[k].as_str().is_some_and(|s| !s.is_empty());
    r.retain(|r| named(r, "eventSource") && named(r, "eventName"));
    r
}

/// How the records are laid out in objects.
#[derive(Debug, Clone, Copy)]
enum Objects {
    /// One plain JSON object (large: its results are kept apart while it is decoded).
    Plain,
    /// One gzipped object of at least 64 KB (kept apart too).
    LargeGzip,
    /// Gzipped objects of ten records (what CloudTrail mostly writes): their needs go
    /// straight into the worker's usage set.
    SmallGzip,
}

/// The objects of a layout, with every record `times` times (in the same objects).
fn objects(records: &[serde_json::Value], layout: Objects, times: usize) -> Vec<Vec<u8>> {
    match layout {
        Objects::Plain => vec![object(records, times)],
        Objects::LargeGzip => vec![common::gz(&object(records, 2 * times))],
        Objects::SmallGzip => records
            .chunks(10)
            .map(|c| common::gz(&object(c, times)))
            .collect(),
    }
}

/// Allocations the worker makes for `objects` (their bytes are copied beforehand).
fn allocations_for(w: &mut Worker<'_>, objects: &[Vec<u8>]) -> u64 {
    let copies: Vec<Vec<u8>> = objects.to_vec();
    let before = allocations();
    for (i, data) in copies.into_iter().enumerate() {
        w.object(if i % 2 == 0 { "even" } else { "odd" }, data);
    }
    allocations() - before
}

fn check(name: &str, cfg: &Config, layout: Objects) {
    let records = records();
    let (once, four) = (objects(&records, layout, 1), objects(&records, layout, 4));
    let mut w = Worker::new(cfg);
    // Warm-up: plan caches, buffers at size, the usage set's entries.
    allocations_for(&mut w, &four);
    let a1 = allocations_for(&mut w, &once);
    let a4 = allocations_for(&mut w, &four);
    let summary = w.finish().summary;
    assert_eq!(summary.records.skipped, 0, "{name}: {:?}", summary.problems);
    assert!(summary.records.used > 0, "{name}: no record was used");
    let n = records.len()
        * if matches!(layout, Objects::LargeGzip) {
            2
        } else {
            1
        };
    assert_eq!(
        a4,
        a1,
        "{name}, {layout:?}: {a1} allocations for {n} records, {a4} for {} ({:.2} per extra record)",
        4 * n,
        (a4 as f64 - a1 as f64) / (3 * n) as f64
    );
}

#[test]
fn every_principal_parsed_in_full() {
    let cfg = Config {
        counted: FailureClass::ALL.to_vec(),
        dedupe: false,
        ..Config::default()
    };
    for layout in [Objects::Plain, Objects::LargeGzip, Objects::SmallGzip] {
        check("every principal", &cfg, layout);
    }
}

#[test]
fn duplicates_allocate_nothing() {
    let records = records();
    for (isolate, layout) in [
        (usize::MAX, Objects::SmallGzip),
        (0, Objects::SmallGzip),
        (0, Objects::LargeGzip),
    ] {
        let cfg = Config {
            counted: FailureClass::ALL.to_vec(),
            isolate,
            ..Config::default()
        };
        let (once, four) = (objects(&records, layout, 1), objects(&records, layout, 4));
        let mut w = Worker::new(&cfg);
        allocations_for(&mut w, &four);
        let a1 = allocations_for(&mut w, &once);
        let a4 = allocations_for(&mut w, &four);
        let s = w.finish().summary;
        assert!(s.balanced(), "{:?}", s.records);
        assert!(s.records.duplicate > 3 * s.records.used, "{:?}", s.records);
        assert_eq!(a4, a1, "{layout:?}, isolate {isolate}");
    }
}

#[test]
fn one_principal_skimming_the_rest() {
    // With and without the prefilter (`decode::Prefilter`), which skips objects that
    // never name the principal.
    for (principal, prefilter) in [
        ("arn:aws:iam::111122223333:role/ci", true),
        ("arn:aws:iam::111122223333:user/cdk-deploy", true),
        ("arn:aws:iam::111122223333:role/ci", false),
        ("arn:aws:iam::111122223333:user/cdk-deploy", false),
    ] {
        let cfg = Config {
            selection: Selection {
                principals: vec![principal.parse().unwrap()],
                ..Selection::default()
            },
            counted: FailureClass::ALL.to_vec(),
            skim: true,
            prefilter,
            isolate: usize::MAX,
            dedupe: false,
            dedupe_memory: iamtrail::ingest::BUDGET,
            calls: None,
            each: None,
        };
        // Small objects are skimmed checking the object first; with `isolate: 0` every
        // object is skimmed as large ones are, records handed over as they come and the
        // object's results kept apart.
        for (isolate, layout) in [
            (usize::MAX, Objects::SmallGzip),
            (usize::MAX, Objects::LargeGzip),
            (0, Objects::SmallGzip),
            (0, Objects::LargeGzip),
        ] {
            check(
                principal,
                &Config {
                    isolate,
                    ..cfg.clone()
                },
                layout,
            );
        }
    }
}

/// `--each-principal`: once a worker knows a principal (interned the first time), its
/// records cost no allocation either.
#[test]
fn each_principal_interned() {
    let cfg = Config {
        counted: FailureClass::ALL.to_vec(),
        dedupe: false,
        each: Some(iamtrail::ingest::EachPrincipal::default()),
        ..Config::default()
    };
    for layout in [Objects::Plain, Objects::LargeGzip, Objects::SmallGzip] {
        check("each principal", &cfg, layout);
    }
}
