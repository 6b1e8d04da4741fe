//! The ingest pipeline: any [`Source`] → decode → select → map → usage set, in parallel.
//!
//! [`run`] lists the source (pruned by a [`ListFilter`] built from the selection), and
//! every thread of the rayon pool keeps one [`Worker`] (decoder buffers, mapper plan
//! cache, usage set, summary) that fetches objects into a reused buffer and processes
//! them; the workers' results are merged once at the end. Nothing is shared on the hot
//! path but the eventIDs kept ([`Seen`]), and merging is commutative, so the result does
//! not depend on scheduling. A source that is slow per object asks for objects to be
//! announced ahead ([`Source::read_ahead`]): one more thread then walks the listing, looks
//! each object up in the [`Cache`] and announces the rest to the source, a bounded number
//! ahead of the workers.

pub mod cache;
pub mod each;
pub mod inputs;
mod s3;
mod seen;
mod spill;
mod worker;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::calls::{CallOptions, CallSet};
use crate::map::FailureClass;
use crate::report::Summary;
use crate::select::Selection;
use crate::source::{ListError, ListFilter, ObjectRef, Source};
use crate::usage::UsageSet;
pub use cache::Cache;
pub use each::{ByPrincipal, EachPrincipal, PrincipalUsage};
pub use seen::{BUDGET, Seen, event_key};
pub use worker::{TimeSpan, Worker};

/// The filter reason of records the prefilter counted without reading them (see
/// [`Config::prefilter`]).
pub const PREFILTERED: &str =
    "other principal or made by AWS (never naming the selected principals: counted, not read)";

/// What to select and how to map.
#[derive(Debug, Clone)]
pub struct Config {
    /// Which records count.
    pub selection: Selection,
    /// Failed-call classes counted as needed.
    pub counted: Vec<FailureClass>,
    /// With principals selected, read other principals' records only as far as selection
    /// needs (see `Decoder::decode_selecting`); `false` parses every record in full, which
    /// also reports damage inside records the run does not use.
    pub skim: bool,
    /// With principals selected and `skim`, records whose text holds none of their
    /// identifying substrings are counted, not skimmed (`decode::Prefilter`): they count
    /// as filtered under [`PREFILTERED`], not by caller or reason, and give the report
    /// no time, Region, account or caller.
    pub prefilter: bool,
    /// Objects at least this large (bytes as read, compressed) are decoded a part at a
    /// time (slices of records, or records as they are skimmed) with their results kept
    /// apart until the object is decoded, so memory stays bounded and a part that fails
    /// late can be taken back. Smaller objects are checked whole before any record
    /// counts, which is cheaper than keeping their results apart.
    pub isolate: usize,
    /// Count a record the selection keeps only once per eventID: CloudTrail may deliver
    /// an event more than once, and exports people concatenate overlap. The others are
    /// counted as `duplicate`.
    pub dedupe: bool,
    /// eventIDs a run holds in memory to deduplicate by; past it, the rest go to sorted
    /// runs on disk and records counted twice are taken back after the pass, by reading
    /// their objects again (see [`Seen`]). Memory then stays bounded however many records
    /// are used.
    pub dedupe_memory: usize,
    /// Also keep every mapped call with its caller and request context in
    /// [`Ingested::calls`] (what `replay` evaluates). Allocates per record: off by default.
    pub calls: Option<CallOptions>,
    /// One usage set per principal ([`Ingested::each`]) instead of one for the run
    /// (`generate --each-principal`); `None` for the run's one set.
    pub each: Option<EachPrincipal>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            selection: Selection::default(),
            counted: FailureClass::DEFAULT.to_vec(),
            skim: true,
            prefilter: true,
            isolate: ISOLATE,
            dedupe: true,
            dedupe_memory: seen::BUDGET,
            calls: None,
            each: None,
        }
    }
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Distinct needs with evidence.
    pub usage: UsageSet,
    /// Accounting.
    pub summary: Summary,
    /// Distinct calls with their context, with [`Config::calls`].
    pub calls: CallSet,
    /// Per principal, in an each-principal run ([`Config::each`]; `usage` is then empty).
    pub each: ByPrincipal,
}

impl Ingested {
    pub(crate) fn merge(mut self, o: Ingested) -> Ingested {
        self.usage.merge(o.usage);
        self.summary.merge(o.summary);
        self.calls.merge(o.calls);
        self.each.merge(o.each);
        self
    }

    /// Takes back what the records `o` counted added (they were duplicates counted again):
    /// their needs' and calls' counts, their principals' record counts and the summary's tallies
    /// past deduplication; they count as duplicates instead. Times and eventID samples
    /// stay: the copy kept has the same ones. Returns how many records were taken back.
    fn take_back(&mut self, o: Ingested) -> u64 {
        self.usage.take_back(&o.usage);
        self.calls.take_back(&o.calls);
        self.each.take_back(&o.each);
        self.summary.take_back(&o.summary)
    }
}

/// The default [`Config::isolate`]: compressed objects this large may hold more JSON
/// than `decode::CHUNK`, the most parsed at once.
const ISOLATE: usize = 64 << 10;

/// How many usage entries a worker holds before handing them over (see
/// `on_every_thread`). Each-principal runs hand over more often (every hand-over empties
/// the worker's sets, so needs it meets again are new entries again), yet 32K here
/// measured no faster on the 1 GB bench corpus (user time 4.81 s vs 4.67 s at 1 thread)
/// and took 23–44 MB more peak RSS.
const HAND_OVER: usize = 2048;

/// Shows how a run goes (a progress bar in the CLI). Called from every worker thread.
pub trait Progress: Sync {
    /// Reading starts; `total` bytes when the listing knows them.
    fn start(&self, total: Option<u64>) {
        let _ = total;
    }

    /// An object was read: its bytes (as fetched) and the records in it.
    fn advance(&self, bytes: u64, records: u64) {
        let _ = (bytes, records);
    }

    /// Reading is over.
    fn finish(&self) {}

    /// Whether anyone sees it: sources look up object sizes only for a visible one.
    fn visible(&self) -> bool {
        false
    }
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Now, in epoch seconds (what bounds an open-ended window's listing).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a listing may leave out under `sel` (its time window, regions and accounts).
pub fn filter(sel: &Selection, now: i64, sizes: bool) -> ListFilter {
    ListFilter {
        start: sel.start,
        end: sel.end,
        regions: sel.regions.clone(),
        accounts: sel.accounts.clone(),
        now,
        sizes,
    }
}

/// What the cache did in a run.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    from_cache: AtomicU64,
    write_errors: AtomicU64,
}

impl Counts {
    pub(crate) fn note_write_error(&self) {
        self.write_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// Reads every object `source` lists for `cfg`'s selection, on the current rayon pool.
/// A listing that fails stops the run (the objects listed before are read, then the
/// error is returned).
pub fn run(
    source: &dyn Source,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Ingested, ListError> {
    run_cached(source, cfg, None, progress)
}

/// [`run`], with per-object results kept in `cache` for objects with an identity: an
/// object whose results are stored (and whose records all lie in the window) is not
/// fetched at all.
pub fn run_cached(
    source: &dyn Source,
    cfg: &Config,
    cache: Option<&Cache>,
    progress: &dyn Progress,
) -> Result<Ingested, ListError> {
    let before = source.stats();
    let listing = source.list(&filter(&cfg.selection, now(), progress.visible()))?;
    progress.start(listing.total);
    let counts = Counts::default();
    let seen = Seen::spilling(cfg.dedupe_memory);
    let failed = Mutex::new(None);
    let ahead = source.read_ahead();
    // Fused, and emptied by an error: the listing ends there.
    let mut objects: Box<dyn Iterator<Item = _> + Send> = Box::new(listing.objects.fuse());
    let failed_at = &failed;
    // Takes the next listed object and decides how it is read: from the cache when it
    // holds its results, else announced to the source.
    let mut plan = move || match objects.next()? {
        Ok(obj) => {
            if let Some(stored) = cache
                .zip(obj.identity.as_deref())
                .and_then(|(c, id)| c.read(&obj.name, id))
            {
                return Some(Item::Stored(obj, stored));
            }
            if ahead > 0 {
                source.prefetch(&obj);
            }
            Some(Item::Read(obj))
        }
        Err(e) => {
            objects = Box::new(std::iter::empty());
            failed_at
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(e);
            None
        }
    };
    let step = |w: &mut Worker<'_>, item: Item| match item {
        Item::Read(obj) => w.read(source, &obj, cache.map(|c| (c, &counts)), progress),
        Item::Stored(obj, stored) => {
            let (start, end) = (cfg.selection.start, cfg.selection.end);
            match cache.and_then(|c| c.parse(&obj.name, obj.identity.as_deref()?, &stored)) {
                Some(entry) if entry.span.within(start, end) => {
                    counts.from_cache.fetch_add(1, Ordering::Relaxed);
                    w.add(entry.ingested);
                }
                // Damaged, or not for this window: read (and stored again if it fits).
                _ => w.read(source, &obj, cache.map(|c| (c, &counts)), progress),
            }
        }
    };
    let mut got = if ahead == 0 {
        let queue = Mutex::new(plan);
        on_every_thread(
            || Worker::sharing(cfg, &seen),
            || (queue.lock().unwrap_or_else(|e| e.into_inner()))(),
            step,
        )
    } else {
        // One thread walks the listing and announces objects, at most `ahead` of the
        // workers (the channel's bound).
        let (tx, rx) = std::sync::mpsc::sync_channel(ahead);
        let rx = Mutex::new(rx);
        std::thread::scope(|s| {
            s.spawn(move || {
                while let Some(item) = plan() {
                    if tx.send(item).is_err() {
                        break;
                    }
                }
            });
            let next = || rx.lock().unwrap_or_else(|e| e.into_inner()).recv().ok();
            on_every_thread(|| Worker::sharing(cfg, &seen), next, step)
        })
    };
    progress.finish();
    if let Some(e) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    take_back_missed(source, cfg, &seen, &mut got);
    if let Some(after) = source.stats() {
        let mut stats = after.since(&before.unwrap_or_default());
        stats.objects_from_cache += counts.from_cache.into_inner();
        stats.cache_write_errors += counts.write_errors.into_inner();
        got.summary.s3 = Some(stats);
    }
    Ok(got)
}

/// How a worker reads a listed object.
enum Item {
    /// Fetched from the source.
    Read(ObjectRef),
    /// From the cache (its stored bytes, parsed by the worker).
    Stored(ObjectRef, Vec<u8>),
}

/// Runs `step` on every thread of the current rayon pool, each with one [`Worker`] for
/// the whole run, over the items `next` hands out; merges the workers' results. One
/// worker per thread (not per rayon job, as `fold` would make) keeps the decoder's
/// buffers and the mapper's plans warm across objects, which is what small objects need.
/// The result does not depend on which thread took which item: merging is commutative.
fn on_every_thread<'c, T>(
    worker: impl Fn() -> Worker<'c> + Sync,
    next: impl Fn() -> Option<T> + Sync,
    step: impl Fn(&mut Worker<'c>, T) + Sync,
) -> Ingested {
    let threads = rayon::current_num_threads().max(1);
    let results = Mutex::new(Vec::with_capacity(threads));
    // Workers hand their usage entries over to one set whenever they hold HAND_OVER of
    // them, so each distinct need is held about once, not once per thread: memory then
    // grows with the distinct needs, not with them times the threads.
    let usage = Mutex::new((UsageSet::default(), ByPrincipal::default()));
    let hand_over = |w: &mut Worker<'_>| {
        let mut run = usage.lock().unwrap_or_else(|e| e.into_inner());
        run.0.absorb(&mut w.out.usage);
        run.1.absorb(&mut w.out.each);
    };
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| {
                let mut w = worker();
                while let Some(item) = next() {
                    step(&mut w, item);
                    if w.out.usage.len() >= HAND_OVER || w.out.each.entries() >= HAND_OVER {
                        hand_over(&mut w);
                    }
                }
                hand_over(&mut w);
                let done = w.finish();
                results.lock().unwrap_or_else(|e| e.into_inner()).push(done);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut done = results
        .into_iter()
        .reduce(Ingested::merge)
        .unwrap_or_default();
    (done.usage, done.each) = usage.into_inner().unwrap_or_else(|e| e.into_inner());
    done.summary.finish();
    done
}

/// Takes back the counts of records counted more than once because their copies fell in
/// different runs of a spilled [`Seen`]: reads one object holding each such eventID
/// again, counts that record once per extra copy, and subtracts. What cannot be taken back
/// (an object gone or changed since, or spilled eventIDs that cannot be read) is named
/// among the run's problems.
fn take_back_missed(source: &dyn Source, cfg: &Config, seen: &Seen, got: &mut Ingested) {
    let mut problems: Vec<String> = seen.problems();
    let mut lost = 0u64;
    let to_disk = seen.to_disk();
    let mut stats = crate::report::DedupeStats {
        ids_to_disk: to_disk,
        ..Default::default()
    };
    let missed = if to_disk > 0 {
        seen.missed().unwrap_or_else(|e| {
            problems.push(format!("{e}; some duplicate records may be counted twice"));
            Vec::new()
        })
    } else {
        Vec::new()
    };
    // A batch of whole objects (sorted by object) holding about the budget's worth of
    // eventIDs: each object is read once per extra copy its eventIDs have.
    let budget = cfg.dedupe_memory.max(1);
    let mut rest = &missed[..];
    while !rest.is_empty() {
        let mut end = budget.min(rest.len());
        while end < rest.len() && rest[end].object == rest[end - 1].object {
            end += 1;
        }
        let (batch, after) = rest.split_at(end);
        rest = after;
        let objects = match seen.objects(batch) {
            Ok(o) => o,
            Err(e) => {
                problems.push(format!("{e}; some duplicate records may be counted twice"));
                break;
            }
        };
        let rounds = batch.iter().map(|e| e.copies - 1).max().unwrap_or(0);
        for round in 1..=rounds {
            let (known, unknown): (Vec<&spill::Entry>, Vec<&spill::Entry>) = batch
                .iter()
                .filter(|e| e.copies > round)
                .partition(|e| objects.contains_key(&e.object));
            lost += unknown.len() as u64;
            let undo: worker::Undo = known.iter().map(|e| (e.key, e.object)).collect();
            let mut todo: Vec<u32> = known.iter().map(|e| e.object).collect();
            todo.dedup();
            stats.objects_read_again += todo.len() as u64;
            let todo = Mutex::new(todo.into_iter());
            let again = on_every_thread(
                || Worker::undoing(cfg, &undo),
                || todo.lock().unwrap_or_else(|e| e.into_inner()).next(),
                |w, n| w.read_again(source, n, &objects[&n]),
            );
            for p in &again.summary.problems {
                if p.record.is_none() {
                    problems.push(format!(
                        "{}: read again to take back records counted twice, but: {}",
                        p.object, p.message
                    ));
                }
            }
            stats.taken_back += got.take_back(again);
        }
    }
    if to_disk > 0 {
        got.summary.deduplication = Some(stats);
    }
    if lost > 0 {
        problems.push(format!(
            "{lost} duplicate records were counted twice: their other copy was read from standard input, which cannot be read again"
        ));
    }
    for message in problems {
        got.summary.problems.push(crate::report::Problem {
            object: "eventID deduplication".into(),
            record: None,
            message,
        });
    }
}

/// The whole pipeline over in-memory objects, on this thread (tests, embedding).
pub fn from_objects(objects: Vec<(String, Vec<u8>)>, cfg: &Config) -> Ingested {
    let mut w = Worker::new(cfg);
    for (name, bytes) in objects {
        w.object(&name, bytes);
    }
    let mut out = w.finish();
    out.summary.finish();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FetchError, Fetched, Listing};
    use std::collections::BTreeMap;
    use std::io::Write;

    /// Objects in memory, optionally announced ahead; one named `stdin` cannot be read
    /// again.
    struct Memory {
        objects: Vec<(String, Vec<u8>)>,
        ahead: usize,
        announced: Mutex<Vec<String>>,
    }

    impl Source for Memory {
        fn list(&self, _: &ListFilter) -> Result<Listing<'_>, ListError> {
            let objects = self.objects.iter().map(|(n, _)| ObjectRef::named(n, None));
            Ok(Listing::of(objects.collect()))
        }

        fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
            let (_, b) = self.objects.iter().find(|(n, _)| *n == obj.name).unwrap();
            buf.clone_from(b);
            Ok(Fetched::default())
        }

        fn read_ahead(&self) -> usize {
            self.ahead
        }

        fn prefetch(&self, obj: &ObjectRef) {
            self.announced.lock().unwrap().push(obj.name.clone());
        }

        fn rereadable(&self, obj: &ObjectRef) -> bool {
            obj.name != "stdin"
        }
    }

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    /// A large object whose last slice does not parse counts as unreadable with no
    /// records, exactly as when it is parsed whole, and takes nothing back from the
    /// objects before it.
    #[test]
    fn a_late_bad_slice_takes_back_only_its_own_object() {
        let rec = |i: usize| {
            format!(
                r#"{{"eventVersion":"1.08","eventSource":"s3.amazonaws.com","eventName":"GetObject","eventID":"{i:064}","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"}},"requestParameters":{{"bucketName":"b","key":"k{i}"}}}}"#
            )
        };
        let recs: Vec<String> = (0..20_000).map(rec).collect();
        let good = format!(r#"{{"Records":[{}]}}"#, recs[..3].join(","));
        let bad = format!(r#"{{"Records":[{},{{"eventVersion":x]}}"#, recs.join(","));
        let big = gz(bad.as_bytes());
        assert!(big.len() >= ISOLATE && bad.len() > 3 * crate::decode::CHUNK);
        let cfg = Config::default();
        let out = from_objects(
            vec![("good".into(), gz(good.as_bytes())), ("bad".into(), big)],
            &cfg,
        );
        let s = &out.summary;
        assert_eq!((s.objects.read, s.objects.unreadable), (2, 1));
        assert_eq!((s.records.read, s.records.used), (3, 3));
        assert_eq!(out.usage.len(), 3);
        assert!(
            s.problems[0].message.contains("not valid JSON"),
            "{:?}",
            s.problems
        );
    }

    /// Objects sharing eventIDs, read by several threads both ways objects are read
    /// (records final as they come, and large objects collecting theirs until they are
    /// decoded): each event counts once, whichever thread read it first, and the results
    /// equal those of reading each event once.
    #[test]
    fn each_event_counts_once_across_objects_and_threads() {
        let rec = |i: usize| {
            format!(
                r#"{{"eventVersion":"1.08","eventSource":"sqs.amazonaws.com","eventName":"SendMessage","eventID":"{i:08}-0000-4000-8000-000000000000","eventTime":"2026-11-20T09:00:00Z","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"}},"requestParameters":{{"queueUrl":"https://sqs.us-east-1.amazonaws.com/1/q{}"}}}}"#,
                i % 7
            )
        };
        let object = |ids: std::ops::Range<usize>| {
            let recs: Vec<String> = ids.map(rec).collect();
            gz(format!(r#"{{"Records":[{}]}}"#, recs.join(",")).as_bytes())
        };
        // 40 objects of 50 events, each overlapping the next by 25: 2,000 records, 1,025
        // distinct events.
        let objects: Vec<(String, Vec<u8>)> = (0..40)
            .map(|k| (format!("o{k:02}"), object(k * 25..k * 25 + 50)))
            .collect();
        let once = from_objects(vec![("all".into(), object(0..1025))], &Config::default());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for isolate in [usize::MAX, 0] {
            let cfg = Config {
                isolate,
                ..Config::default()
            };
            for ahead in [0, 3] {
                let source = Memory {
                    objects: objects.clone(),
                    ahead,
                    announced: Mutex::default(),
                };
                let out = pool.install(|| run(&source, &cfg, &NoProgress)).unwrap();
                assert_eq!(source.announced.lock().unwrap().len(), ahead.min(1) * 40);
                let r = &out.summary.records;
                assert!(out.summary.balanced(), "{r:?}");
                assert_eq!((r.read, r.used, r.duplicate), (2000, 1025, 975), "{r:?}");
                assert_eq!(out.usage.sorted(), once.usage.sorted());
            }
        }
        // Off: every copy counts.
        let cfg = Config {
            dedupe: false,
            ..Config::default()
        };
        let out = from_objects(objects.clone(), &cfg);
        assert_eq!(out.summary.records.used, 2000);
        // Per-object results (a cache's): only within the object.
        let defaults = Config::default();
        let mut w = Worker::new(&defaults);
        let (own, _) = w.object_own("a", object(0..10));
        let (again, _) = w.object_own("b", object(5..10));
        assert_eq!(
            (own.summary.records.used, again.summary.records.used),
            (10, 5)
        );
        let (dup, _) = w.object_own("c", [object(0..3), object(0..3)].concat());
        assert_eq!(
            (dup.summary.records.used, dup.summary.records.duplicate),
            (3, 3)
        );
    }

    /// Past its memory budget the eventID set goes to disk, and records whose copies fell
    /// in different runs are taken back after the pass. Whatever the budget (down to one
    /// key per part, which spills at every record and merges levels of runs), the threads,
    /// the way objects are read, and with an object that cannot be read again among them,
    /// the results equal a run holding every eventID in memory: counts of used, free,
    /// unmapped and failed records, each need's count, each principal's.
    #[test]
    fn a_run_past_its_eventid_budget_takes_back_what_it_counted_twice() {
        let rec = |i: usize| {
            let (source, name, extra) = match i % 5 {
                0 | 1 => ("sqs", "SendMessage", ""),
                2 => ("sts", "GetCallerIdentity", ""),
                3 => ("example", "DoThing", ""),
                _ if i.is_multiple_of(2) => {
                    ("sqs", "SendMessage", r#""errorCode":"AccessDenied","#)
                }
                _ => (
                    "sqs",
                    "SendMessage",
                    r#""errorCode":"ValidationException","#,
                ),
            };
            format!(
                r#"{{"eventVersion":"1.08","eventSource":"{source}.amazonaws.com","eventName":"{name}",{extra}"eventID":"{i:08}-0000-4000-8000-000000000000","eventTime":"2026-11-20T09:{:02}:00Z","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u{}","accountId":"1"}},"requestParameters":{{"queueUrl":"https://sqs.us-east-1.amazonaws.com/1/q{}"}}}}"#,
                i % 60,
                i % 3,
                i % 7
            )
        };
        let object = |ids: &mut dyn Iterator<Item = usize>| {
            let recs: Vec<String> = ids.map(rec).collect();
            gz(format!(r#"{{"Records":[{}]}}"#, recs.join(",")).as_bytes())
        };
        // 30 objects of 60 events overlapping the next by 20, one repeated twice more
        // (three copies: two taken back), one within itself, and standard input sharing
        // events with the first objects.
        let mut objects: Vec<(String, Vec<u8>)> = (0..30)
            .map(|k| (format!("o{k:02}"), object(&mut (k * 40..k * 40 + 60))))
            .collect();
        objects.push(("again1".into(), object(&mut (300..360))));
        objects.push(("again2".into(), object(&mut (300..360))));
        objects.push(("twice".into(), object(&mut (500..530).chain(500..530))));
        objects.push(("stdin".into(), object(&mut (0..90).step_by(3))));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let source = Memory {
            objects,
            ahead: 0,
            announced: Mutex::default(),
        };
        let kept = Some(crate::calls::CallOptions { timed: true });
        for (each, calls) in [
            (None, None),
            (Some(EachPrincipal::default()), None),
            (None, kept),
        ] {
            let in_memory = Config {
                dedupe_memory: usize::MAX,
                each,
                calls,
                ..Config::default()
            };
            let want = pool
                .install(|| run(&source, &in_memory, &NoProgress))
                .unwrap();
            let r = &want.summary.records;
            assert!(
                r.duplicate > 300 && r.free > 0 && r.unmapped > 0 && r.failed_not_counted > 0,
                "{r:?}"
            );
            assert!(!want.summary.failed_counted.is_empty());
            for dedupe_memory in [1, 64, 500] {
                for isolate in [usize::MAX, 0] {
                    let cfg = Config {
                        dedupe_memory,
                        isolate,
                        ..in_memory.clone()
                    };
                    let got = pool.install(|| run(&source, &cfg, &NoProgress)).unwrap();
                    let (g, w) = (&got.summary, &want.summary);
                    let at = format!(
                        "budget {dedupe_memory}, isolate {isolate}, each {each:?}, calls {calls:?}"
                    );
                    assert!(g.problems.is_empty(), "{at}: {:?}", g.problems);
                    assert_eq!(g.records, w.records, "{at}");
                    assert!(g.balanced(), "{at}");
                    assert_eq!(g.free, w.free, "{at}");
                    assert_eq!(g.failed_counted, w.failed_counted, "{at}");
                    assert_eq!(g.failed_not_counted, w.failed_not_counted, "{at}");
                    let counts =
                        |u: &BTreeMap<String, BTreeMap<String, crate::report::UnmappedEvent>>| {
                            u.iter()
                                .flat_map(|(s, m)| {
                                    m.iter().map(move |(n, e)| (s.clone(), n.clone(), e.count))
                                })
                                .collect::<Vec<_>>()
                        };
                    assert_eq!(counts(&g.unmapped), counts(&w.unmapped), "{at}");
                    assert_eq!(got.usage.sorted(), want.usage.sorted(), "{at}");
                    assert_eq!(got.calls.sorted(), want.calls.sorted(), "{at}");
                    assert_eq!(got.calls.is_empty(), calls.is_none(), "{at}");
                    let principals = |b: &ByPrincipal| {
                        b.clone()
                            .into_sorted()
                            .into_iter()
                            .map(|(id, p)| {
                                let usage: Vec<_> = p
                                    .usage
                                    .sorted()
                                    .into_iter()
                                    .map(|(k, u)| (k.clone(), u.clone()))
                                    .collect();
                                (id, p.records, p.used, p.first, p.last, usage)
                            })
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(principals(&got.each), principals(&want.each), "{at}");
                    if each.is_some() {
                        assert_eq!(got.each.len(), 3, "{at}");
                    }
                }
            }
        }
    }

    #[test]
    fn event_keys() {
        let a = event_key("d6be9842-ec03-4870-b29b-4f033399b567");
        assert_eq!(a, 0xd6be9842_ec03_4870_b29b_4f033399b567);
        assert_eq!(a, event_key("D6BE9842-EC03-4870-B29B-4F033399B567"));
        assert_ne!(event_key("x"), event_key("y"));
        assert_eq!(event_key("x"), event_key("x"));
        assert_ne!(event_key("g6be9842-ec03-4870-b29b-4f033399b567"), 0);
    }
}
