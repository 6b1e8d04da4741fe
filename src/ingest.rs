//! The ingest pipeline: objects → decode → select → map → usage set, in parallel.
//!
//! Every stage from decoding to the usage set is per object, so each rayon worker keeps
//! its own [`Worker`] (decoder buffers, mapper plan cache, usage set, summary) and the
//! workers' results are merged once at the end. Nothing is shared on the hot path, and
//! merging is commutative, so the result does not depend on scheduling.

use hashbrown::HashSet;
use indicatif::ProgressBar;
use rustc_hash::FxBuildHasher;

use crate::decode::{Decoder, ObjectKind, RecordError, parse_time};
use crate::map::{FailureClass, Mapper, Outcome};
use crate::report::{Problem, Summary};
use crate::select::{Selection, caller};
use crate::source::{ObjectRef, Source};
use crate::usage::{UsageSet, earliest, latest};

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            selection: Selection::default(),
            counted: FailureClass::DEFAULT.to_vec(),
            skim: true,
            isolate: ISOLATE,
            dedupe: true,
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
}

impl Ingested {
    fn merge(mut self, o: Ingested) -> Ingested {
        self.usage.merge(o.usage);
        self.summary.merge(o.summary);
        self
    }
}

/// The default [`Config::isolate`]: compressed objects this large may hold more JSON
/// than `decode::CHUNK`, the most parsed at once.
const ISOLATE: usize = 64 << 10;

/// How many usage entries a worker holds before handing them over (see
/// `on_every_thread`).
const HAND_OVER: usize = 2048;

/// The key a record's eventID is deduplicated by: CloudTrail's eventIDs are UUIDs, whose
/// 128 bits are the key exactly; any other text is hashed to 128 bits (two SipHashes with
/// fixed keys, so every run gives the same keys).
pub fn event_key(id: &str) -> u128 {
    let b = id.as_bytes();
    if b.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-') {
        let mut k = 0u128;
        let mut hex = true;
        for &c in b.iter().filter(|&&c| c != b'-') {
            match (c as char).to_digit(16) {
                Some(d) => k = k << 4 | u128::from(d),
                None => hex = false,
            }
        }
        if hex {
            return k;
        }
    }
    #[allow(deprecated)] // SipHasher: the only keyed std hasher whose output is fixed.
    let hash = |seed: u64| {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::SipHasher::new_with_keys(seed, !seed);
        id.hash(&mut h);
        h.finish()
    };
    u128::from(hash(0x6961_6d74_7261_696c)) << 64 | u128::from(hash(0x6576_656e_7449_4400))
}

/// How many parts [`Seen`] is split into: workers claiming eventIDs at once rarely wait
/// for the same lock.
const SHARDS: usize = 64;

type KeySet = HashSet<u128, FxBuildHasher>;

/// The eventIDs (as [`event_key`]s) of the records a run kept, shared by its workers:
/// memory grows with the records used, not with the records read.
#[derive(Debug)]
pub struct Seen([std::sync::Mutex<KeySet>; SHARDS]);

impl Default for Seen {
    fn default() -> Self {
        Seen(std::array::from_fn(|_| std::sync::Mutex::default()))
    }
}

fn lock(m: &std::sync::Mutex<KeySet>) -> std::sync::MutexGuard<'_, KeySet> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Seen {
    fn shard(&self, key: u128) -> &std::sync::Mutex<KeySet> {
        // The low bits of a UUID are random (and a hash's are, too).
        &self.0[key as usize % SHARDS]
    }

    /// Whether `key` is new (and now claimed).
    fn claim(&self, key: u128) -> bool {
        lock(self.shard(key)).insert(key)
    }

    fn contains(&self, key: u128) -> bool {
        lock(self.shard(key)).contains(&key)
    }

    /// Claims all of `keys` when none of them is claimed yet; `false` (claiming nothing)
    /// when some are. Holds every part meanwhile (taken in order), so two objects
    /// committing at once cannot both claim one eventID.
    fn commit(&self, keys: &KeySet) -> bool {
        if keys.is_empty() {
            return true;
        }
        let mut parts: Vec<_> = self.0.iter().map(lock).collect();
        if keys
            .iter()
            .any(|&k| parts[k as usize % SHARDS].contains(&k))
        {
            return false;
        }
        for &k in keys {
            parts[k as usize % SHARDS].insert(k);
        }
        true
    }

    /// Distinct eventIDs kept.
    pub fn len(&self) -> usize {
        self.0.iter().map(|m| lock(m).len()).sum()
    }

    /// Whether no eventID was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A worker's [`Seen`]: its own, or its run's.
enum SeenRef<'c> {
    Own(Box<Seen>),
    Shared(&'c Seen),
}

impl SeenRef<'_> {
    fn get(&self) -> &Seen {
        match self {
            SeenRef::Own(s) => s,
            SeenRef::Shared(s) => s,
        }
    }
}

/// How an object's records are deduplicated against the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dedupe {
    /// Records handed over are final (the object is checked before): claim each eventID
    /// in the run's set as it comes.
    Claim,
    /// Records may be taken back (a large object decoded a part at a time): collect the
    /// object's eventIDs and claim them all once the object is done; should another
    /// object have claimed some, decode it again [`Dedupe::Recheck`]ing.
    Collect,
    /// [`Dedupe::Collect`], also looking each eventID up in the run's set.
    Recheck,
    /// Results kept per object (a cache entry): only within the object.
    Object,
}

/// Per-thread state.
pub struct Worker<'c> {
    cfg: &'c Config,
    decoder: Decoder,
    mapper: Mapper,
    /// The bytes of the object being read, kept for the next one.
    read_buf: Vec<u8>,
    /// Scratch for summary keys.
    key: String,
    out: Ingested,
    /// The eventIDs kept so far.
    seen: SeenRef<'c>,
    /// The eventIDs the object being read kept (see [`Dedupe::Collect`]).
    pending: HashSet<u128, FxBuildHasher>,
}

fn skip_reason(e: &RecordError) -> String {
    match e {
        RecordError::Json(_) => "invalid JSON".into(),
        RecordError::NotAnObject => "not a JSON object".into(),
        RecordError::MissingField(f) => format!("no `{f}` field"),
        RecordError::Document { .. } => "invalid JSON document".into(),
    }
}

impl<'c> Worker<'c> {
    /// A fresh worker, which deduplicates the records it reads among themselves.
    pub fn new(cfg: &'c Config) -> Self {
        Self::with_seen(cfg, SeenRef::Own(Box::default()))
    }

    /// A fresh worker of a run whose workers deduplicate records against `seen`.
    pub fn sharing(cfg: &'c Config, seen: &'c Seen) -> Self {
        Self::with_seen(cfg, SeenRef::Shared(seen))
    }

    fn with_seen(cfg: &'c Config, seen: SeenRef<'c>) -> Self {
        Worker {
            cfg,
            decoder: Decoder::default(),
            mapper: Mapper::new(&cfg.counted),
            read_buf: Vec::new(),
            key: String::new(),
            out: Ingested::default(),
            seen,
            pending: HashSet::default(),
        }
    }

    /// Notes an object that could not be fetched or decoded.
    pub fn unreadable(&mut self, name: &str, message: String) {
        self.out.summary.objects.read += 1;
        self.out.summary.objects.unreadable += 1;
        self.out.summary.problems.push(Problem {
            object: name.to_owned(),
            record: None,
            message,
        });
    }

    /// Processes one object's bytes.
    pub fn object(&mut self, name: &str, mut data: Vec<u8>) {
        self.object_with_span(name, &mut data, None);
    }

    /// Processes one object's bytes into results of its own (merge them in with
    /// [`Worker::add`]), with the time span of its records: what a per-object cache
    /// stores.
    pub fn object_own(&mut self, name: &str, mut data: Vec<u8>) -> (Ingested, TimeSpan) {
        let mine = std::mem::take(&mut self.out);
        let mut span = TimeSpan::default();
        self.object_in(name, &mut data, Some(&mut span), Dedupe::Object);
        (std::mem::replace(&mut self.out, mine), span)
    }

    /// Merges results computed elsewhere (another worker, a cache) into this worker's.
    pub fn add(&mut self, other: Ingested) {
        let mine = std::mem::take(&mut self.out);
        self.out = mine.merge(other);
    }

    fn object_with_span(&mut self, name: &str, data: &mut Vec<u8>, span: Option<&mut TimeSpan>) {
        let dedupe = if data.len() >= self.cfg.isolate {
            Dedupe::Collect
        } else {
            Dedupe::Claim
        };
        self.object_in(name, data, span, dedupe);
    }

    fn object_in(
        &mut self,
        name: &str,
        data: &mut Vec<u8>,
        mut span: Option<&mut TimeSpan>,
        dedupe: Dedupe,
    ) {
        let apart = data.len() >= self.cfg.isolate;
        let before = apart.then(|| std::mem::take(&mut self.out));
        let mut dedupe = dedupe;
        loop {
            self.pending.clear();
            let result = self.decode_one(name, data, span.as_deref_mut(), apart, dedupe);
            if matches!(dedupe, Dedupe::Collect | Dedupe::Recheck)
                && self.cfg.dedupe
                && !self.seen.get().commit(&self.pending)
            {
                // Another object kept some of these eventIDs: decode this one again (its
                // bytes are intact), and those records count as duplicates. Its results
                // are kept apart (`Collect` is for such objects): nothing else is undone.
                // Only objects holding duplicates pay for this.
                dedupe = Dedupe::Recheck;
                self.out = Ingested::default();
                if let Some(s) = span.as_deref_mut() {
                    *s = TimeSpan::default();
                }
                continue;
            }
            let summary = &mut self.out.summary;
            summary.objects.read += 1;
            match result {
                Ok(ObjectKind::Records) => summary.objects.with_records += 1,
                Ok(ObjectKind::Digest) => {
                    summary.objects.digest += 1;
                    summary.skipped_objects.push(Problem {
                        object: name.to_owned(),
                        record: None,
                        message: "CloudTrail digest file".into(),
                    });
                }
                Ok(ObjectKind::NotCloudTrail) => {
                    summary.objects.not_cloudtrail += 1;
                    summary.skipped_objects.push(Problem {
                        object: name.to_owned(),
                        record: None,
                        message: "not CloudTrail".into(),
                    });
                }
                Err(e) => {
                    summary.objects.unreadable += 1;
                    summary.problems.push(Problem {
                        object: name.to_owned(),
                        record: None,
                        message: e.to_string(),
                    });
                }
            }
            break;
        }
        if self.pending.capacity() > HAND_OVER * 64 {
            self.pending = HashSet::default();
        }
        if let Some(before) = before {
            let mine = std::mem::take(&mut self.out);
            self.out = before.merge(mine);
        }
    }

    /// Decodes, selects and maps one object's records into `self.out`.
    fn decode_one(
        &mut self,
        name: &str,
        data: &mut Vec<u8>,
        mut span: Option<&mut TimeSpan>,
        apart: bool,
        dedupe: Dedupe,
    ) -> Result<ObjectKind, crate::decode::ObjectError> {
        // A large object is decoded a part at a time and keeps its results apart until it
        // is decoded, so a slice that fails late (or a skim that must start over) can take
        // back what earlier ones added; a smaller one is checked whole before any record
        // counts (see `Decoder::decode_selecting`). Skimming pays off when most records
        // belong to principals the run does not ask about.
        let skim = self.cfg.skim && !self.cfg.selection.principals.is_empty();
        let restarted = std::cell::Cell::new(false);
        let Worker {
            cfg,
            decoder,
            mapper,
            key,
            out,
            seen,
            pending,
            ..
        } = self;
        let seen = seen.get();
        let result = {
            let mut on_record = |i: usize, rec: Result<crate::decode::Record<'_>, RecordError>| {
                if restarted.take() {
                    *out = Ingested::default();
                    pending.clear();
                    if let Some(s) = span.as_deref_mut() {
                        *s = TimeSpan::default();
                    }
                }
                let summary = &mut out.summary;
                let usage = &mut out.usage;
                summary.records.read += 1;
                let r = match rec {
                    Ok(r) => r,
                    Err(e) => {
                        summary.records.skipped += 1;
                        *summary.skipped.entry(skip_reason(&e)).or_default() += 1;
                        summary.problems.push(Problem {
                            object: name.to_owned(),
                            record: Some(i),
                            message: e.to_string(),
                        });
                        return;
                    }
                };
                let time = r.event_time().and_then(parse_time);
                if let Some(s) = span.as_deref_mut() {
                    s.note(time);
                }
                summary.seen.note(
                    time,
                    r.region(),
                    r.recipient_account().or(r.identity_str("accountId")),
                );
                if let Some(c) = caller(&r) {
                    summary.principal(c.id.as_str(key), c.kind);
                }
                if let Err(reason) = cfg.selection.check(&r) {
                    summary.records.filtered += 1;
                    *summary.filtered.entry(reason.as_str()).or_default() += 1;
                    return;
                }
                // Light records are only handed over when selection turned them down.
                debug_assert!(!r.is_light(), "a light record was selected");
                if cfg.dedupe
                    && let Some(id) = r.event_id()
                {
                    let k = event_key(id);
                    let new = match dedupe {
                        Dedupe::Claim => seen.claim(k),
                        Dedupe::Collect | Dedupe::Object => pending.insert(k),
                        Dedupe::Recheck => !seen.contains(k) && pending.insert(k),
                    };
                    if !new {
                        summary.records.duplicate += 1;
                        return;
                    }
                }
                let (outcome, needs) = mapper.map(&r);
                match outcome {
                    Outcome::Mapped => {
                        summary.records.used += 1;
                        if let Some(code) = r.error_code() {
                            *summary
                                .failed_counted
                                .entry(FailureClass::of(code).as_str())
                                .or_default() += 1;
                        }
                        for &n in needs {
                            usage.add(n, time, r.event_id());
                        }
                    }
                    Outcome::Free(_) => {
                        summary.records.free += 1;
                        // Looked up through a reused buffer: a new key only the first time.
                        key.clear();
                        key.push_str(r.event_source().unwrap_or_default());
                        key.push(':');
                        key.push_str(r.event_name().unwrap_or_default());
                        match summary.free.get_mut(key.as_str()) {
                            Some(n) => *n += 1,
                            None => {
                                summary.free.insert(key.clone(), 1);
                            }
                        }
                    }
                    Outcome::FailedNotCounted(class) => {
                        summary.records.failed_not_counted += 1;
                        *summary
                            .failed_not_counted
                            .entry(class.as_str())
                            .or_default() += 1;
                    }
                    Outcome::Unmapped(u) => summary.unmapped(
                        r.event_source().unwrap_or_default(),
                        r.event_name().unwrap_or_default(),
                        &u,
                    ),
                }
            };
            let mut restart = || restarted.set(true);
            let want = |r: &crate::decode::Record<'_>| cfg.selection.check(r).is_ok();
            decoder.decode_selecting(
                data,
                &mut on_record,
                apart.then_some(&mut restart as &mut dyn FnMut()),
                skim.then_some(&want as &crate::decode::Want<'_>),
            )
        };
        if restarted.get() {
            // Restarted, and the whole document then gave no records.
            *out = Ingested::default();
            pending.clear();
            if let Some(s) = span {
                *s = TimeSpan::default();
            }
        }
        result
    }

    /// Processes one fetched object, or notes why it could not be fetched.
    fn feed(
        &mut self,
        name: &str,
        bytes: Result<&mut Vec<u8>, crate::source::FetchError>,
        progress: &ProgressBar,
    ) {
        match bytes {
            Ok(bytes) => {
                progress.inc(bytes.len() as u64);
                let before = self.out.summary.records.read;
                self.object_with_span(name, bytes, None);
                if !progress.is_hidden() {
                    seen(self.out.summary.records.read - before);
                }
            }
            Err(e) => self.unreadable(name, e.to_string()),
        }
    }

    /// Reads one object from `source` into the worker's reused buffer and processes it:
    /// no allocation (or fresh pages to fault in) per object once the buffer has grown.
    fn read_and_feed(&mut self, source: &dyn Source, obj: &ObjectRef, progress: &ProgressBar) {
        let mut buf = std::mem::take(&mut self.read_buf);
        let fetched = source.fetch_into(obj, &mut buf);
        self.feed(&obj.name, fetched.map(|()| &mut buf), progress);
        if buf.capacity() <= crate::decode::RETAIN {
            self.read_buf = buf;
        }
    }

    /// The worker's results.
    pub fn finish(self) -> Ingested {
        self.out
    }
}

/// The eventTime span of an object's decoded records. A per-object result computed
/// under one time window is the same under any other window that contains the span
/// (the window check then passes for every record), which is what lets a cache reuse it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeSpan {
    /// Earliest eventTime (epoch seconds).
    pub first: Option<i64>,
    /// Latest eventTime.
    pub last: Option<i64>,
    /// Records without a parseable eventTime.
    pub untimed: u64,
}

impl TimeSpan {
    fn note(&mut self, t: Option<i64>) {
        match t {
            Some(t) => {
                self.first = earliest(self.first, Some(t));
                self.last = latest(self.last, Some(t));
            }
            None => self.untimed += 1,
        }
    }

    /// Whether every record lies in `[start, end)`, so the window filtered none of them
    /// (always true when there is no window).
    pub fn within(&self, start: Option<i64>, end: Option<i64>) -> bool {
        if start.is_none() && end.is_none() {
            return true;
        }
        self.untimed == 0
            && start.is_none_or(|s| self.first.is_none_or(|f| f >= s))
            && end.is_none_or(|e| self.last.is_none_or(|l| l < e))
    }
}

/// One object as a caching source hands it over.
#[derive(Debug)]
pub enum Piece<T> {
    /// Fetched bytes (or why not), with the source's tag for the object (what its
    /// cache needs to store the result).
    Fetched(ObjectRef, Result<Vec<u8>, crate::source::FetchError>, T),
    /// An object's results computed earlier (a cache hit).
    Done(Box<Ingested>),
}

/// Runs `step` on every thread of the current rayon pool, each with one [`Worker`] for
/// the whole run, over the items `next` hands out; merges the workers' results. One
/// worker per thread (not per rayon job, as `fold` would make) keeps the decoder's
/// buffers and the mapper's plans warm across objects, which is what small objects need.
/// The result does not depend on which thread took which item: merging is commutative.
fn on_every_thread<T>(
    cfg: &Config,
    next: impl Fn() -> Option<T> + Sync,
    step: impl Fn(&mut Worker<'_>, T) + Sync,
) -> Ingested {
    let threads = rayon::current_num_threads().max(1);
    let results = std::sync::Mutex::new(Vec::with_capacity(threads));
    // Workers hand their usage entries over to one set whenever they hold HAND_OVER of
    // them, so each distinct need is held about once, not once per thread: memory then
    // grows with the distinct needs, not with them times the threads.
    let usage = std::sync::Mutex::new(UsageSet::default());
    let seen = Seen::default();
    let hand_over = |w: &mut Worker<'_>| {
        usage
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .absorb(&mut w.out.usage);
    };
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| {
                let mut w = Worker::sharing(cfg, &seen);
                while let Some(item) = next() {
                    step(&mut w, item);
                    if w.out.usage.len() >= HAND_OVER {
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
    done.usage = usage.into_inner().unwrap_or_else(|e| e.into_inner());
    done.summary.finish();
    done
}

/// Records read while a progress bar is shown, for its records/s (display only: one
/// count per process, reset by [`records_seen_reset`] when a bar starts).
static RECORDS_SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn seen(n: u64) {
    RECORDS_SEEN.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}

/// Records read so far by runs with a visible progress bar.
pub fn records_seen() -> u64 {
    RECORDS_SEEN.load(std::sync::atomic::Ordering::Relaxed)
}

/// Starts [`records_seen`] over (when a new progress bar starts).
pub fn records_seen_reset() {
    RECORDS_SEEN.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// Hands out the items of an iterator to several threads, one at a time.
fn shared<I: Iterator + Send>(objects: I) -> impl Fn() -> Option<I::Item> + Sync {
    let objects = std::sync::Mutex::new(objects);
    move || objects.lock().unwrap_or_else(|e| e.into_inner()).next()
}

/// Like [`run_stream`], for sources that keep per-object results: each fetched object is
/// processed into results of its own, handed to `keep` with its time span and tag (to
/// store), then merged; [`Piece::Done`] results are merged as they are. The merged
/// result is the same as `run_stream` over the same objects (merging is commutative).
pub fn run_stream_each<I, T, K>(
    objects: I,
    cfg: &Config,
    progress: &ProgressBar,
    keep: K,
) -> Ingested
where
    I: Iterator<Item = Piece<T>> + Send,
    T: Send,
    K: Fn(T, &Ingested, &TimeSpan) + Sync,
{
    on_every_thread(cfg, shared(objects), |w, piece| match piece {
        Piece::Fetched(obj, Ok(bytes), tag) => {
            progress.inc(bytes.len() as u64);
            let (own, span) = w.object_own(&obj.name, bytes);
            if !progress.is_hidden() {
                seen(own.summary.records.read);
            }
            keep(tag, &own, &span);
            w.add(own);
        }
        Piece::Fetched(obj, Err(e), _) => w.unreadable(&obj.name, e.to_string()),
        Piece::Done(own) => w.add(*own),
    })
}

/// A fetched object, as a streaming source hands it over.
pub type Fetched = (ObjectRef, Result<Vec<u8>, crate::source::FetchError>);

/// Processes objects as they arrive from `objects` (for sources that fetch ahead, such
/// as S3: the source keeps a bounded number of objects in flight and sends them through a
/// bounded channel; the pool's threads decode and map them as they come). Memory is
/// bounded by the channel, not by the number of objects.
pub fn run_stream<I>(objects: I, cfg: &Config, progress: &ProgressBar) -> Ingested
where
    I: Iterator<Item = Fetched> + Send,
{
    on_every_thread(cfg, shared(objects), |w, (obj, bytes)| match bytes {
        Ok(mut bytes) => w.feed(&obj.name, Ok(&mut bytes), progress),
        Err(e) => w.feed(&obj.name, Err(e), progress),
    })
}

/// Reads `objects` from `source` in parallel, on the current rayon pool.
pub fn run(
    source: &dyn Source,
    objects: &[ObjectRef],
    cfg: &Config,
    progress: &ProgressBar,
) -> Ingested {
    let at = std::sync::atomic::AtomicUsize::new(0);
    let next = || objects.get(at.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    on_every_thread(cfg, next, |w, obj| w.read_and_feed(source, obj, progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
        let out = crate::generate::from_objects(
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
        let once = crate::generate::from_objects(
            vec![("all".into(), object(0..1025))],
            &Config::default(),
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for isolate in [usize::MAX, 0] {
            let cfg = Config {
                isolate,
                ..Config::default()
            };
            for _ in 0..3 {
                let fetched = objects.iter().map(|(n, b)| {
                    let obj = ObjectRef {
                        name: n.clone(),
                        size: Some(b.len() as u64),
                    };
                    (obj, Ok(b.clone()))
                });
                let out = pool.install(|| run_stream(fetched, &cfg, &ProgressBar::hidden()));
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
        let out = crate::generate::from_objects(objects.clone(), &cfg);
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
