//! One worker per thread: decoder buffers, mapper plan cache, usage set and summary, kept
//! across the objects it reads.

use hashbrown::HashSet;
use rustc_hash::FxBuildHasher;

use super::cache::Cache;
use super::seen::{Seen, SeenRef, event_key};
use super::{Config, HAND_OVER, Ingested, Progress};
use crate::decode::{Decoder, ObjectKind, RecordError, parse_time};
use crate::map::{FailureClass, Mapper, Outcome};
use crate::report::Problem;
use crate::select::caller;
use crate::source::{ObjectRef, Source};
use crate::usage::{earliest, latest};

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
    /// Reading an object again to take back records counted twice (see
    /// [`Worker::undoing`]): only the records of eventIDs given for this object, once each.
    Undo,
}

/// eventIDs (as keys) counted more than once, each with the number of the object to take
/// one copy's counts back from (see `ingest::take_back_missed`).
pub(super) type Undo = hashbrown::HashMap<u128, u32, FxBuildHasher>;

/// Per-thread state.
pub struct Worker<'c> {
    cfg: &'c Config,
    decoder: Decoder,
    mapper: Mapper,
    /// The bytes of the object being read, kept for the next one.
    read_buf: Vec<u8>,
    /// Scratch for summary keys.
    key: String,
    pub(super) out: Ingested,
    /// The eventIDs kept so far.
    seen: SeenRef<'c>,
    /// The eventIDs the object being read kept (see [`Dedupe::Collect`]).
    pending: HashSet<u128, FxBuildHasher>,
    /// The number `seen` gave the object being read, once it counted a record (see
    /// [`Seen::register`]).
    number: Option<u32>,
    /// In a pass taking duplicates back, what to take back.
    undo: Option<&'c Undo>,
}

/// Why an each-principal run leaves a selected record out (see [`super::EachPrincipal::wants`]).
const NO_POLICY: &str =
    "caller gets no policy of its own (service-linked role, account, unnamed caller)";

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

    /// A worker reading objects again to count, once each, the records of `undo`'s
    /// eventIDs in the objects `undo` names for them (with [`Worker::read_again`]).
    pub(super) fn undoing(cfg: &'c Config, undo: &'c Undo) -> Self {
        let mut w = Self::new(cfg);
        w.undo = Some(undo);
        w
    }

    fn with_seen(cfg: &'c Config, seen: SeenRef<'c>) -> Self {
        let mut decoder = Decoder::default();
        if cfg.prefilter && cfg.skim {
            decoder.set_prefilter(crate::decode::Prefilter::owned(
                cfg.selection
                    .principals
                    .iter()
                    .map(|p| (p.matcher.needle(), p.matcher.needle_owner())),
            ));
        }
        Worker {
            cfg,
            decoder,
            mapper: Mapper::new(&cfg.counted),
            read_buf: Vec::new(),
            key: String::new(),
            out: Ingested::default(),
            seen,
            pending: HashSet::default(),
            number: None,
            undo: None,
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
        self.object_with_span(name, None, &mut data, None);
    }

    /// Processes one object's bytes into results of its own (merge them in with
    /// [`Worker::add`]), with the time span of its records: what a per-object cache
    /// stores.
    pub fn object_own(&mut self, name: &str, mut data: Vec<u8>) -> (Ingested, TimeSpan) {
        let mine = std::mem::take(&mut self.out);
        let mut span = TimeSpan::default();
        self.object_in(name, None, &mut data, Some(&mut span), Dedupe::Object);
        (std::mem::replace(&mut self.out, mine), span)
    }

    /// Merges results computed elsewhere (another worker, a cache) into this worker's.
    pub fn add(&mut self, other: Ingested) {
        let mine = std::mem::take(&mut self.out);
        self.out = mine.merge(other);
    }

    /// `obj`: the object as listed, when it can be read again (it is numbered once it
    /// counts a record). Where eventIDs may go to disk, one that cannot be read again
    /// has its eventIDs collected, so all its duplicates are found while it is read.
    fn object_with_span(
        &mut self,
        name: &str,
        obj: Option<&ObjectRef>,
        data: &mut Vec<u8>,
        span: Option<&mut TimeSpan>,
    ) {
        let once = obj.is_none() && self.seen.get().spills();
        let dedupe = if data.len() >= self.cfg.isolate || once {
            Dedupe::Collect
        } else {
            Dedupe::Claim
        };
        self.object_in(name, obj, data, span, dedupe);
    }

    fn object_in(
        &mut self,
        name: &str,
        obj: Option<&ObjectRef>,
        data: &mut Vec<u8>,
        mut span: Option<&mut TimeSpan>,
        dedupe: Dedupe,
    ) {
        // Results of a `Collect`ed object are kept apart: a recheck starts it over.
        let apart = data.len() >= self.cfg.isolate || dedupe == Dedupe::Collect;
        let before = apart.then(|| std::mem::take(&mut self.out));
        let mut dedupe = dedupe;
        if dedupe != Dedupe::Undo {
            self.number = None;
        }
        loop {
            self.pending.clear();
            let result = self.decode_one(name, obj, data, span.as_deref_mut(), apart, dedupe);
            if matches!(dedupe, Dedupe::Collect | Dedupe::Recheck)
                && self.cfg.dedupe
                && !self.pending.is_empty()
                && !{
                    let seen = self.seen.get();
                    let number = *self.number.get_or_insert_with(|| seen.register(obj));
                    seen.commit(&self.pending, number)
                }
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
        obj: Option<&ObjectRef>,
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
        let uncached = span.is_none();
        let Worker {
            cfg,
            decoder,
            mapper,
            key,
            out,
            seen,
            pending,
            number,
            undo,
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
                let who = caller(&r);
                if let Some(c) = who {
                    summary.principal(c.id.as_str(key), c.kind);
                }
                if let Err(reason) = cfg.selection.check(&r) {
                    summary.records.filtered += 1;
                    *summary.filtered.entry(reason.as_str()).or_default() += 1;
                    return;
                }
                // Each principal apart: the caller's slot (interned once per worker).
                let slot = match (&cfg.each, who) {
                    (Some(each), Some(c)) => match out.each.slot(c.id.as_str(key), c.kind, each) {
                        Some(s) => Some(s),
                        None => {
                            summary.records.filtered += 1;
                            *summary.filtered.entry(NO_POLICY).or_default() += 1;
                            return;
                        }
                    },
                    _ => None,
                };
                // Light records are only handed over when selection turned them down.
                debug_assert!(!r.is_light(), "a light record was selected");
                if dedupe == Dedupe::Undo && r.event_id().is_none() {
                    return;
                }
                if cfg.dedupe
                    && let Some(id) = r.event_id()
                {
                    let k = event_key(id);
                    let new = match dedupe {
                        Dedupe::Claim => {
                            let n = *number.get_or_insert_with(|| seen.register(obj));
                            seen.claim(k, n)
                        }
                        Dedupe::Collect | Dedupe::Object => pending.insert(k),
                        Dedupe::Recheck => !seen.contains(k) && pending.insert(k),
                        Dedupe::Undo => {
                            // Not one to take back here: not counted at all.
                            let here = undo.and_then(|u| u.get(&k));
                            if !(here.is_some() && here == number.as_ref() && pending.insert(k)) {
                                return;
                            }
                            true
                        }
                    };
                    if !new {
                        summary.records.duplicate += 1;
                        return;
                    }
                }
                if let Some(s) = slot {
                    out.each.at(s).note(time);
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
                        match slot {
                            Some(s) => {
                                let p = out.each.at(s);
                                p.used += 1;
                                let before = p.usage.len();
                                for &n in needs {
                                    p.usage.add(n, time, r.event_id());
                                }
                                let grew = p.usage.len() - before;
                                out.each.grew(grew);
                            }
                            None => {
                                for &n in needs {
                                    out.usage.add(n, time, r.event_id());
                                }
                            }
                        }
                        if let Some(opts) = cfg.calls {
                            let who = caller(&r).map(|c| c.id.to_string()).unwrap_or_default();
                            out.calls.add(&r, who, needs, opts, time);
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
            // A cached object's results must hold its time span, which a skipped object
            // does not give.
            decoder.use_prefilter(uncached);
            decoder.decode_selecting(
                data,
                &mut on_record,
                apart.then_some(&mut restart as &mut dyn FnMut()),
                skim.then_some(&want as &crate::decode::Want<'_>),
            )
        };
        let skipped = decoder.prefiltered() as u64;
        if skipped > 0 {
            let summary = &mut out.summary;
            summary.records.read += skipped;
            summary.records.filtered += skipped;
            *summary.filtered.entry(super::PREFILTERED).or_default() += skipped;
        }
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

    /// Reads one object from `source` into the worker's reused buffer and processes it
    /// (no allocation, or fresh pages to fault in, per object once the buffer has grown),
    /// or notes why it could not be fetched. With `cache`, the object's results are
    /// computed apart and stored under its identity (when its records all lie in the
    /// run's window: see [`TimeSpan`]).
    pub(super) fn read(
        &mut self,
        source: &dyn Source,
        obj: &ObjectRef,
        cache: Option<(&Cache, &super::Counts)>,
        progress: &dyn Progress,
    ) {
        self.fetched(source, obj, |w, fetched, buf| {
            // As read (decoding may replace the buffer's contents).
            let bytes = buf.len() as u64;
            let before = w.out.summary.records.read;
            let identity = fetched.identity.as_deref().or(obj.identity.as_deref());
            let read = match (cache, identity) {
                (Some((cache, counts)), Some(identity)) => {
                    let mine = std::mem::take(&mut w.out);
                    let mut span = TimeSpan::default();
                    w.object_in(&obj.name, None, buf, Some(&mut span), Dedupe::Object);
                    let own = std::mem::replace(&mut w.out, mine);
                    let (start, end) = (w.cfg.selection.start, w.cfg.selection.end);
                    if span.within(start, end)
                        && cache.put(&obj.name, identity, &span, &own).is_err()
                    {
                        counts.note_write_error();
                    }
                    let read = own.summary.records.read;
                    w.add(own);
                    read
                }
                _ => {
                    let again = source.rereadable(obj).then_some(obj);
                    w.object_with_span(&obj.name, again, buf, None);
                    w.out.summary.records.read - before
                }
            };
            progress.advance(bytes, read);
        });
    }

    /// Reads object number `number` again (see [`Worker::undoing`]).
    pub(super) fn read_again(&mut self, source: &dyn Source, number: u32, obj: &ObjectRef) {
        self.fetched(source, obj, |w, _, buf| {
            w.number = Some(number);
            w.object_in(&obj.name, Some(obj), buf, None, Dedupe::Undo);
        });
    }

    /// Fetches `obj` into the worker's reused buffer and hands it to `then` (no
    /// allocation per object once the buffer has grown), or notes why it could not be
    /// fetched; keeps the buffer unless it grew past what a worker retains.
    fn fetched(
        &mut self,
        source: &dyn Source,
        obj: &ObjectRef,
        then: impl FnOnce(&mut Self, crate::source::Fetched, &mut Vec<u8>),
    ) {
        let mut buf = std::mem::take(&mut self.read_buf);
        match source.fetch_into(obj, &mut buf) {
            Ok(fetched) => then(self, fetched, &mut buf),
            Err(e) => self.unreadable(&obj.name, e.to_string()),
        }
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
    pub(super) fn note(&mut self, t: Option<i64>) {
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
