//! Decoding: one input object (bytes) → CloudTrail records.
//!
//! Formats are detected by content, never by name: gzip by its magic bytes (also
//! multi-member gzip), then one of
//! - a CloudTrail delivery object `{"Records":[…]}` (also plain uncompressed JSON),
//! - the output of `aws cloudtrail lookup-events` (`{"Events":[{"CloudTrailEvent":"…"}]}`),
//! - one record per line (NDJSON, as Athena/CloudTrail Lake exports and `jq -c` produce),
//! - a CloudWatch Logs export of a trail's log group (one `<timestamp> <record>` per line,
//!   as `aws logs create-export-task` writes), or `aws logs filter-log-events` /
//!   `get-log-events` output (`{"events":[{"message":"…"}]}`),
//! - a JSON array of records, or a single record,
//! - several of these documents one after another (`zcat *.json.gz`, `cat` of exports).
//!
//! CloudTrail digest files and JSON that is not CloudTrail are recognized and skipped
//! (counted by the caller). Damage is reported at the smallest unit that holds it: a
//! truncated gzip or unparsable document loses the object; a bad line in NDJSON or a
//! bad element of `Records` loses only that record.

mod inflate;
mod layout;
pub mod prefilter;
pub mod record;
mod skim;

use std::io::Read;

use flate2::read::MultiGzDecoder;
use simd_json::tape::Tape;
use simd_json::{Buffers, INPUT_PADDING, fill_tape_padded};

pub use prefilter::{Candidate, NeedleOwner, Plan, Prefilter};
use record::Json;

pub use record::{Record, civil, format_time, parse_time};

/// Decompressed objects larger than this are refused (a gzip bomb, not a trail object:
/// CloudTrail delivers objects of a few MB).
pub const MAX_INFLATED: u64 = 4 << 30;

/// Why a whole object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The gzip stream is damaged.
    #[error("gzip data is corrupt or truncated ({0})")]
    Gzip(std::io::Error),
    /// Inflates beyond [`MAX_INFLATED`].
    #[error("decompresses to more than {} bytes; refusing", MAX_INFLATED)]
    TooLarge,
    /// Zero bytes (or only whitespace).
    #[error("empty file")]
    Empty,
    /// The document is not JSON (or not UTF-8).
    #[error("not valid JSON ({0})")]
    Json(String),
}

/// Why one record was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The record (a line, or a lookup-events `CloudTrailEvent` string) is not JSON.
    #[error("not valid JSON ({0})")]
    Json(String),
    /// The element is not a JSON object.
    #[error("not a JSON object")]
    NotAnObject,
    /// A field every CloudTrail record has is missing.
    #[error("no `{0}` field")]
    MissingField(&'static str),
    /// One of several documents one after another in an object (`zcat *.json.gz`) does
    /// not decode: its records, however many, are lost (counted as this one record).
    #[error("document {number} of the concatenated input (at byte {at}): {reason}")]
    Document {
        /// 1-based position of the document in the object.
        number: usize,
        /// Where it starts (byte offset in the decompressed text).
        at: usize,
        /// Why it does not decode.
        reason: String,
    },
}

/// What an object turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// CloudTrail records (any of the accepted layouts).
    Records,
    /// A CloudTrail digest file: no records, skipped.
    Digest,
    /// Valid JSON that is not CloudTrail: skipped.
    NotCloudTrail,
}

/// Buffers above this size (bytes) are freed after the object that needed them instead of
/// being kept for the next one: a worker keeps what ordinary CloudTrail objects need
/// (a few MB gzipped, up to ~40 MB of JSON), and one odd huge object does not pin its
/// memory for the rest of the run.
pub const RETAIN: usize = 64 << 20;

/// Deflate expands at most 1032:1; a gzip trailer claiming more than this per compressed
/// byte is not believed (the object then goes through the streaming inflater, which
/// finds out what it really holds).
const MAX_RATIO: u64 = 1032;

/// Spare capacity past its end an input buffer should have: plain JSON is then parsed
/// where it lies, without the buffer growing (the parser reads this far past the text).
pub const SLACK: usize = INPUT_PADDING;

/// How many bytes of records [`Decoder::decode_staged`] parses at a time.
pub const CHUNK: usize = 1 << 20;

/// What the sliced parse or the skim of an object came to.
enum Chunked {
    /// All records were handed over.
    Done(ObjectKind),
    /// Not a `{"Records":[…]}` object (larger than [`CHUNK`], for slices): parse it whole.
    NotApplicable,
    /// A slice or record did not parse (after records were handed over, if `emitted`).
    Failed { emitted: bool },
}

/// Reusable decoding state: one per worker thread, so the hot path does not allocate
/// per object or per record: the inflater, its output buffer, the parser's buffers and
/// the tapes are kept and reused (up to [`RETAIN`] bytes each).
pub struct Decoder {
    inflater: inflate::Inflater,
    buffers: Buffers,
    /// For slices of records: one level less deep than `buffers` allows, because a
    /// slice `[…]` sits one level higher than the records in `{"Records":[…]}` do, so a
    /// slice parses exactly when the whole document would.
    chunk_buffers: Buffers,
    /// For single records (skimming): two levels less deep, as records sit two levels
    /// down in `{"Records":[…]}`.
    record_buffers: Buffers,
    /// Inflated JSON, followed by at least [`INPUT_PADDING`] bytes for the parser. Its
    /// length is a high-water mark, so reuse never re-zeroes it.
    inflated: Vec<u8>,
    scratch: Vec<u8>,
    /// One document at a time of several one after another (see `layout::several`).
    segment: Vec<u8>,
    /// The last whole-document parse failed: the object may hold several documents.
    trailing: bool,
    /// What a checked skim found, record by record (empty between calls: kept for its
    /// allocation, see [`relifetime`]).
    skimmed: Vec<Skimmed<'static>>,
    // Empty between calls; `Tape::reset` re-lifetimes them for each input.
    tape: Option<Tape<'static>>,
    inner_tape: Option<Tape<'static>>,
    /// Records that never name a selected principal are counted, not skimmed (only when
    /// [`Decoder::decode_selecting`] is given `want`).
    prefilter: Option<Prefilter>,
    /// Whether the next calls use `prefilter`.
    prefilter_on: bool,
    /// Records of the last object the prefilter counted without reading them.
    prefiltered: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder {
            inflater: inflate::Inflater::new(),
            buffers: Buffers::default(),
            chunk_buffers: Buffers::with_max_depth(0, simd_json::DEFAULT_MAX_DEPTH - 1),
            record_buffers: Buffers::with_max_depth(0, simd_json::DEFAULT_MAX_DEPTH - 2),
            inflated: Vec::new(),
            scratch: Vec::new(),
            segment: Vec::new(),
            trailing: false,
            skimmed: Vec::new(),
            tape: Some(Tape::null().reset()),
            inner_tape: Some(Tape::null().reset()),
            prefilter: None,
            prefilter_on: false,
            prefiltered: 0,
        }
    }
}

/// One record of a checked skim: its index in the object, and its head when it goes
/// over light, `None` when it is parsed in full (wanted, or odd).
type Skimmed<'a> = (usize, Option<skim::Head<'a>>);

/// One record a checked skim reads: its index, where it starts, what skimming found;
/// `Err` when the structure is not what the skimmer follows.
type SkimItem<'a> = Result<(usize, usize, skim::Scan<'a>), ()>;

/// An empty vector of another lifetime on the same allocation (collecting a vector's
/// iterator into one of the same layout reuses its buffer), so the buffer outlives the
/// text its entries borrowed.
fn relifetime<'x, 'y>(mut v: Vec<Skimmed<'x>>) -> Vec<Skimmed<'y>> {
    v.clear();
    v.into_iter().map(|_| (0, None)).collect()
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder").finish_non_exhaustive()
    }
}

/// The text inflated without its checksum does not match the trailer's CRC-32.
#[derive(Debug)]
struct Damaged;

/// Calls `sink(index, record)` for every record; `index` is the 0-based position in the
/// object (element of `Records`/`Events`, or line number − 1 for NDJSON).
pub type Sink<'s> = dyn FnMut(usize, Result<Record<'_>, RecordError>) + 's;

/// Which records the caller wants whole: asked of a light record (see
/// [`Record::is_light`]); the records it turns down are handed over light.
pub type Want<'w> = dyn Fn(&Record<'_>) -> bool + 'w;

fn is_gzip(b: &[u8]) -> bool {
    b.len() >= 2 && b[0] == 0x1f && b[1] == 0x8b
}

fn json_err(e: simd_json::Error) -> String {
    e.to_string()
}

/// Hands one element to the sink as a record, or as the reason it is not one (the
/// fields the pipeline relies on are checked, so later stages can assume them).
fn emit(sink: &mut Sink<'_>, i: usize, v: Json<'_>) {
    sink(i, Record::checked(v));
}

impl Decoder {
    /// Sets the prefilter that [`Decoder::decode_selecting`] applies when given `want`
    /// (see [`Prefilter`]); `None` decodes every object.
    pub fn set_prefilter(&mut self, p: Option<Prefilter>) {
        self.prefilter_on = p.is_some();
        self.prefilter = p;
    }

    /// Turns the prefilter set by [`Decoder::set_prefilter`] off or back on.
    pub fn use_prefilter(&mut self, on: bool) {
        self.prefilter_on = on && self.prefilter.is_some();
    }

    /// How many records of the last object the prefilter counted without handing them
    /// to the sink (they cannot be selected); 0 when it did not apply.
    pub fn prefiltered(&self) -> usize {
        self.prefiltered
    }

    /// Reads `text` by the prefilter's plan (on, and `want` given): only the records that
    /// may be selected are skimmed and handed over, the others counted in
    /// `self.prefiltered`. `None` when the plan does not apply or its skim fails (after
    /// `restart` when records were handed over): read the object as before. With
    /// `restart`, records are handed over about [`CHUNK`] bytes of them at a time.
    fn prefiltered_read<'r>(
        &mut self,
        text: &[u8],
        sink: &mut Sink<'_>,
        want: Option<&Want<'_>>,
        restart: Option<&mut (dyn FnMut() + 'r)>,
        unsummed: Option<u32>,
    ) -> Result<Option<ObjectKind>, Damaged> {
        let summed = |text: &[u8]| unsummed.is_none_or(|crc| inflate::crc32(0, text) == crc);
        let (Some(want), Some(mut pf)) =
            (want.filter(|_| self.prefilter_on), self.prefilter.take())
        else {
            return if summed(text) { Ok(None) } else { Err(Damaged) };
        };
        let mut crc = 0;
        let plan = pf.plan_summing(text, unsummed.is_some().then_some(&mut crc));
        if unsummed.is_some_and(|want| want != crc) {
            self.prefilter = Some(pf);
            return Err(Damaged);
        }
        let done = match plan {
            Some(plan) if plan.candidates.is_empty() => Some(plan.records),
            Some(plan) => {
                let items = plan.candidates.iter().map(|c| {
                    skim::record(text, c.start)
                        .filter(|scan| {
                            text.get(scan.end..c.limit)
                                .is_some_and(|gap| gap.trim_ascii().is_empty())
                        })
                        .map(|scan| (c.index, c.start, scan))
                        .ok_or(())
                });
                let batches = restart.is_some();
                match self.skim_checked_items(text, items, sink, want, batches) {
                    Chunked::Done(_) => Some(plan.records - plan.candidates.len()),
                    Chunked::Failed { emitted: true } => {
                        if let Some(restart) = restart {
                            restart();
                        }
                        None
                    }
                    Chunked::Failed { emitted: false } | Chunked::NotApplicable => None,
                }
            }
            None => None,
        };
        self.prefilter = Some(pf);
        let Some(done) = done else {
            return Ok(None);
        };
        self.prefiltered = done;
        Ok(Some(ObjectKind::Records))
    }

    /// Decodes one object. `data` is consumed as scratch space (the JSON parser works in
    /// place).
    pub fn decode(
        &mut self,
        data: &mut Vec<u8>,
        sink: &mut Sink<'_>,
    ) -> Result<ObjectKind, ObjectError> {
        self.decode_staged(data, sink, None)
    }

    /// Like [`Decoder::decode`], and when `restart` is given, a large gzip CloudTrail
    /// object (`{"Records":[…]}`) is parsed a slice of records at a time, so the parser's
    /// memory is bounded by [`CHUNK`] instead of growing with the object (its tape takes
    /// about twice the JSON). Should a later slice turn out not to parse, `restart` is
    /// called: the records already handed to `sink` must be forgotten, because the object
    /// is then decoded again whole and its result (records from index 0, or the error
    /// the whole document gives) is exactly what [`Decoder::decode`] would have produced.
    pub fn decode_staged(
        &mut self,
        data: &mut Vec<u8>,
        sink: &mut Sink<'_>,
        restart: Option<&mut dyn FnMut()>,
    ) -> Result<ObjectKind, ObjectError> {
        self.decode_selecting(data, sink, restart, None)
    }

    /// Like [`Decoder::decode_staged`], and when `want` is given, a `{"Records":[…]}`
    /// object is skimmed instead of parsed: each record is first read only as far as
    /// selection needs (module `skim`), and parsed in full only when `want` takes it; the
    /// others reach `sink` light. That is several times cheaper than parsing records a
    /// run does not use. A structure the skimmer cannot follow, or a wanted record that
    /// does not parse, decodes the object whole, with the whole document's result:
    /// - with `restart`, records are handed over as they are skimmed, and `restart` is
    ///   called first if some were;
    /// - without, the whole object is skimmed and its wanted records parsed before any
    ///   record is handed over (the object's records are held meanwhile: for objects of
    ///   ordinary size, whose results the caller does not keep apart).
    ///
    /// Skimming does not validate what it does not read: damage inside the values of
    /// records `want` turns down (a bad literal, invalid UTF-8 in their parameters) is
    /// not reported, where a whole-document parse would lose the object to it.
    pub fn decode_selecting(
        &mut self,
        data: &mut Vec<u8>,
        sink: &mut Sink<'_>,
        mut restart: Option<&mut dyn FnMut()>,
        want: Option<&Want<'_>>,
    ) -> Result<ObjectKind, ObjectError> {
        let big = data.len() > RETAIN;
        self.trailing = false;
        self.prefiltered = 0;
        let result = if is_gzip(data) {
            // The prefilter checksums the text as it scans it (see `inflate_unsummed`).
            let planning = want.is_some() && self.prefilter_on && self.prefilter.is_some();
            let (mut len, unsummed) = match self.inflate_unsummed(data, planning) {
                Some((len, crc)) => (len, Some(crc)),
                None => (self.inflate(data)?, None),
            };
            let mut doc = std::mem::take(&mut self.inflated);
            let planned = match self.prefiltered_read(
                &doc[..len],
                sink,
                want,
                restart.as_deref_mut(),
                unsummed,
            ) {
                Ok(planned) => planned,
                Err(Damaged) => {
                    // What the streaming inflater says of the damage is the report.
                    self.inflated = doc;
                    len = self.inflate_stream(data)?;
                    doc = std::mem::take(&mut self.inflated);
                    None
                }
            };
            let r = match (planned, restart, want) {
                (Some(kind), ..) => Ok(kind),
                (None, Some(restart), Some(want)) => {
                    self.skimmed_or_whole(&mut doc, len, sink, restart, want)
                }
                (None, Some(restart), None) => match self.chunked(&mut doc, len, sink) {
                    Chunked::Done(r) => Ok(r),
                    Chunked::NotApplicable => self.document(&mut doc, len, sink),
                    Chunked::Failed { emitted } => {
                        // Slices parse in place, so the text is no longer the original:
                        // inflate it again and decode it whole.
                        if emitted {
                            restart();
                        }
                        self.inflated = doc;
                        let len = self.inflate(data)?;
                        doc = std::mem::take(&mut self.inflated);
                        self.document(&mut doc, len, sink)
                    }
                },
                (None, None, Some(want)) => self.checked_or_whole(&mut doc, len, sink, want),
                (None, None, None) => self.document(&mut doc, len, sink),
            };
            let r = match r {
                Err(ObjectError::Json(_)) if self.trailing => {
                    // Parsed in place: inflate the original text again.
                    self.inflated = doc;
                    let len = self.inflate(data)?;
                    doc = std::mem::take(&mut self.inflated);
                    self.several(&doc[..len], sink, want).map_or(r, Ok)
                }
                r => r,
            };
            self.inflated = doc;
            r
        } else if let Ok(Some(kind)) =
            self.prefiltered_read(data, sink, want, restart.as_deref_mut(), None)
        {
            Ok(kind)
        } else {
            // The parser reads up to INPUT_PADDING bytes past the document.
            let len = data.len();
            data.resize(len + INPUT_PADDING, b' ');
            // Skims read the text where it lies; a whole parse works on a copy, so the
            // original is still there should it hold several documents.
            let skimmed = match (restart, want) {
                (Some(restart), Some(want)) => match self.skimmed(data, len, sink, want) {
                    Chunked::Done(r) => Some(r),
                    Chunked::NotApplicable | Chunked::Failed { emitted: false } => None,
                    Chunked::Failed { emitted: true } => {
                        restart();
                        None
                    }
                },
                (None, Some(want)) => match self.skimmed_checked(data, len, sink, want) {
                    Chunked::Done(r) => Some(r),
                    Chunked::NotApplicable | Chunked::Failed { .. } => None,
                },
                (_, None) => None,
            };
            let r = match skimmed {
                Some(kind) => Ok(kind),
                None => {
                    let mut doc = std::mem::take(&mut self.inflated);
                    doc.clear();
                    doc.extend_from_slice(&data[..len]);
                    doc.resize(len + INPUT_PADDING, b' ');
                    let r = self.document(&mut doc, len, sink);
                    self.inflated = doc;
                    match r {
                        Err(ObjectError::Json(_)) if self.trailing => {
                            self.several(&data[..len], sink, want).map_or(r, Ok)
                        }
                        r => r,
                    }
                }
            };
            data.truncate(len);
            r
        };
        if big || self.inflated.capacity() > RETAIN {
            self.release();
        }
        result
    }

    /// Skims `buf[..len]`, or parses it whole when it is not `{"Records":[…]}` or the skim
    /// fails (then, if records were handed over, after `restart`). Skimming leaves the
    /// text as it was, so the whole parse reads the original.
    fn skimmed_or_whole(
        &mut self,
        buf: &mut [u8],
        len: usize,
        sink: &mut Sink<'_>,
        restart: &mut dyn FnMut(),
        want: &Want<'_>,
    ) -> Result<ObjectKind, ObjectError> {
        match self.skimmed(buf, len, sink, want) {
            Chunked::Done(r) => return Ok(r),
            Chunked::NotApplicable | Chunked::Failed { emitted: false } => {}
            Chunked::Failed { emitted: true } => restart(),
        }
        self.document(buf, len, sink)
    }

    /// Skims `{"Records":[…]}` in `buf[..len]` (see [`Decoder::decode_selecting`]). The
    /// records `want` takes, and the ones the skimmer cannot read exactly, are copied out
    /// and parsed alone, so the document stays intact for a whole parse after a failure.
    fn skimmed(&mut self, buf: &[u8], len: usize, sink: &mut Sink<'_>, want: &Want<'_>) -> Chunked {
        let text = &buf[..len];
        let Some(records) = skim::records(text) else {
            return Chunked::NotApplicable;
        };
        let mut tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
        let (mut index, mut emitted) = (0usize, false);
        let result = 'skim: {
            for item in records {
                let Ok((start, scan)) = item else {
                    break 'skim Chunked::Failed { emitted };
                };
                if !scan.odd {
                    let light = Record::light(scan.head);
                    if !want(&light) {
                        sink(index, Ok(light));
                        index += 1;
                        emitted = true;
                        continue;
                    }
                }
                let n = scan.end - start;
                self.scratch.clear();
                self.scratch.extend_from_slice(&text[start..scan.end]);
                self.scratch.resize(n + INPUT_PADDING, b' ');
                let mut t = tape.reset();
                let parsed =
                    fill_tape_padded(&mut self.scratch, n, &mut self.record_buffers, &mut t);
                if parsed.is_ok() {
                    emit(sink, index, t.as_value());
                }
                tape = t.reset();
                if parsed.is_err() {
                    break 'skim Chunked::Failed { emitted };
                }
                index += 1;
                emitted = true;
            }
            Chunked::Done(ObjectKind::Records)
        };
        self.tape = Some(tape);
        if self.scratch.capacity() > RETAIN {
            self.scratch = Vec::new();
        }
        result
    }

    /// Skims `buf[..len]` checking it all before handing anything over, or parses it
    /// whole when it is not `{"Records":[…]}` or the skim fails.
    fn checked_or_whole(
        &mut self,
        buf: &mut [u8],
        len: usize,
        sink: &mut Sink<'_>,
        want: &Want<'_>,
    ) -> Result<ObjectKind, ObjectError> {
        match self.skimmed_checked(buf, len, sink, want) {
            Chunked::Done(r) => Ok(r),
            Chunked::NotApplicable | Chunked::Failed { .. } => self.document(buf, len, sink),
        }
    }

    /// Skims `{"Records":[…]}` in `buf[..len]` and hands records over only once the
    /// whole object is known to decode: light records from their heads, the others
    /// (wanted or odd) copied out and parsed together as one array, `[r, r, …]`. That
    /// array sits one level higher than the records do in the document, so it is parsed
    /// one level less deep (as slices are): it parses exactly when its records would in
    /// the document. A failure has handed nothing over and needs no restart.
    fn skimmed_checked(
        &mut self,
        buf: &[u8],
        len: usize,
        sink: &mut Sink<'_>,
        want: &Want<'_>,
    ) -> Chunked {
        let text = &buf[..len];
        let Some(records) = skim::records(text) else {
            return Chunked::NotApplicable;
        };
        let items = records
            .enumerate()
            .map(|(i, item)| item.map(|(start, scan)| (i, start, scan)));
        self.skim_checked_items(text, items, sink, want, false)
    }

    /// The records `items` of `text`, checked as [`Decoder::skimmed_checked`] checks a
    /// whole object's: light ones handed over from their heads, the others parsed
    /// together first; nothing is handed over unless all of them decode. With `batches`
    /// (the caller can take records back), they are parsed and handed over whenever
    /// about [`CHUNK`] bytes of them are copied out, so the parser's memory is bounded by
    /// that, not by how much of a large object the selection wants.
    fn skim_checked_items<'t>(
        &mut self,
        text: &'t [u8],
        items: impl Iterator<Item = SkimItem<'t>>,
        sink: &mut Sink<'_>,
        want: &Want<'_>,
        batches: bool,
    ) -> Chunked {
        let mut found: Vec<Skimmed<'_>> = relifetime(std::mem::take(&mut self.skimmed));
        // Records parsed whole, copied into `scratch` as one array.
        let mut whole = 0usize;
        let mut emitted = false;
        self.scratch.clear();
        self.scratch.push(b'[');
        let result = 'skim: {
            for item in items {
                let Ok((index, start, scan)) = item else {
                    break 'skim Chunked::Failed { emitted };
                };
                if !scan.odd && !want(&Record::light(scan.head)) {
                    found.push((index, Some(scan.head)));
                    continue;
                }
                if whole > 0 {
                    self.scratch.push(b',');
                }
                self.scratch.extend_from_slice(&text[start..scan.end]);
                whole += 1;
                found.push((index, None));
                if batches && self.scratch.len() > CHUNK {
                    if !self.hand_over_parsed(&mut found, whole, sink) {
                        break 'skim Chunked::Failed { emitted };
                    }
                    emitted = true;
                    whole = 0;
                }
            }
            if self.hand_over_parsed(&mut found, whole, sink) {
                Chunked::Done(ObjectKind::Records)
            } else {
                Chunked::Failed { emitted }
            }
        };
        self.skimmed = relifetime(found);
        if self.scratch.capacity() > RETAIN {
            self.scratch = Vec::new();
        }
        result
    }

    /// Parses the `whole` records copied into `scratch` (after its `[`) as one array and
    /// hands `found` over in order: light records from their heads, the others from the
    /// array. `false`, handing nothing over, when the array does not parse into `whole`
    /// items. Leaves `found` empty and `scratch` holding `[` for the next batch.
    fn hand_over_parsed(
        &mut self,
        found: &mut Vec<Skimmed<'_>>,
        whole: usize,
        sink: &mut Sink<'_>,
    ) -> bool {
        let mut ok = true;
        if whole == 0 {
            for &(i, f) in found.iter() {
                if let Some(head) = f {
                    sink(i, Ok(Record::light(head)));
                }
            }
        } else {
            self.scratch.push(b']');
            let n = self.scratch.len();
            self.scratch.resize(n + INPUT_PADDING, b' ');
            let mut tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
            let mut t = tape.reset();
            let parsed = fill_tape_padded(&mut self.scratch, n, &mut self.chunk_buffers, &mut t);
            ok = match (parsed, t.as_value().as_array()) {
                (Ok(()), Some(items)) if items.len() == whole => {
                    let mut items = items.iter();
                    for &(i, f) in found.iter() {
                        match f {
                            Some(head) => sink(i, Ok(Record::light(head))),
                            // Counted: one item per record parsed whole.
                            None => {
                                if let Some(v) = items.next() {
                                    emit(sink, i, v);
                                }
                            }
                        }
                    }
                    true
                }
                _ => false,
            };
            tape = t.reset();
            self.tape = Some(tape);
        }
        found.clear();
        self.scratch.clear();
        self.scratch.push(b'[');
        ok
    }

    /// Parses `{"Records":[…]}` in `buf[..len]` a slice of about [`CHUNK`] bytes of
    /// records at a time. Slices end where the next record starts: `,{"eventVersion":`,
    /// the first key CloudTrail writes. That text cannot occur inside a JSON string (its
    /// `"` would end the string, and a letter cannot follow a string), only at an
    /// object's start; a nested object starting so would leave a slice unbalanced, which
    /// then fails to parse and sends the object down the whole-document path.
    fn chunked(&mut self, buf: &mut [u8], len: usize, sink: &mut Sink<'_>) -> Chunked {
        const HEAD: &[u8] = b"{\"Records\":[";
        const NEXT: &[u8] = b",{\"eventVersion\":";
        if len <= CHUNK {
            return Chunked::NotApplicable;
        }
        let text = &buf[..len];
        let lead = text.len() - text.trim_ascii_start().len();
        let body = text.trim_ascii();
        if !body.starts_with(HEAD) || !body.ends_with(b"]}") || body.len() < HEAD.len() + 2 {
            return Chunked::NotApplicable;
        }
        // Records lie in buf[first..end]: between the `[` and the closing `]`.
        let first = lead + HEAD.len();
        let end = lead + body.len() - 2;
        if first >= end {
            return Chunked::NotApplicable;
        }
        let finder = memchr::memmem::Finder::new(NEXT);
        let mut tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
        let (mut at, mut index, mut emitted) = (first, 0usize, false);
        let mut failed = false;
        while at < end {
            let stop = match at.checked_add(CHUNK).filter(|&s| s < end) {
                Some(s) => finder.find(&buf[s..end]).map_or(end, |i| s + i),
                None => end,
            };
            // Parse `[` records `]` in place: borrow the byte before (`[` or `,`) and the
            // one after (`]` or `,`), and put them back afterwards.
            let (before, after) = (buf[at - 1], buf[stop]);
            buf[at - 1] = b'[';
            buf[stop] = b']';
            let slice_len = stop + 1 - (at - 1);
            let mut t = tape.reset();
            let parsed = fill_tape_padded(
                &mut buf[at - 1..],
                slice_len,
                &mut self.chunk_buffers,
                &mut t,
            );
            match parsed {
                Ok(()) => {
                    if let Some(items) = t.as_value().as_array() {
                        for r in items.iter() {
                            emit(sink, index, r);
                            index += 1;
                            emitted = true;
                        }
                    }
                }
                Err(_) => failed = true,
            }
            tape = t.reset();
            buf[at - 1] = before;
            buf[stop] = after;
            if failed {
                break;
            }
            at = stop + 1;
        }
        self.tape = Some(tape);
        if failed {
            Chunked::Failed { emitted }
        } else {
            Chunked::Done(ObjectKind::Records)
        }
    }

    /// Frees the buffers a huge object left behind.
    fn release(&mut self) {
        self.inflated = Vec::new();
        self.buffers = Buffers::default();
        self.chunk_buffers = Buffers::with_max_depth(0, simd_json::DEFAULT_MAX_DEPTH - 1);
        self.record_buffers = Buffers::with_max_depth(0, simd_json::DEFAULT_MAX_DEPTH - 2);
        self.scratch = Vec::new();
        self.tape = Some(Tape::null().reset());
    }

    /// Inflates a gzip object into `self.inflated[..len]` (padded for the parser) and
    /// returns `len`. A single gzip member (what CloudTrail writes) is inflated in one
    /// call into a buffer sized from its trailer; anything else (several members, a
    /// trailer that does not add up, damage) goes through the streaming inflater, whose
    /// errors are the ones reported.
    fn inflate(&mut self, data: &[u8]) -> Result<usize, ObjectError> {
        if let Some(len) = self.inflate_whole(data) {
            return Ok(len);
        }
        self.inflate_stream(data)
    }

    /// The streaming inflater, for what [`Decoder::inflate`] cannot take in one call.
    fn inflate_stream(&mut self, data: &[u8]) -> Result<usize, ObjectError> {
        self.inflated.clear();
        let mut dec = MultiGzDecoder::new(data).take(MAX_INFLATED + 1);
        let read = dec.read_to_end(&mut self.inflated);
        if let Err(e) = read {
            self.inflated.clear();
            return Err(ObjectError::Gzip(e));
        }
        let len = self.inflated.len();
        if len as u64 > MAX_INFLATED {
            self.release();
            return Err(ObjectError::TooLarge);
        }
        self.inflated.resize(len + INPUT_PADDING, b' ');
        Ok(len)
    }

    /// The size an object's gzip trailer claims, when it is one the one-call paths
    /// believe, with `self.inflated` grown to hold it.
    fn claimed_size(&mut self, data: &[u8]) -> Option<usize> {
        let n = data.len();
        if n < 18 {
            return None;
        }
        let isize = u32::from_le_bytes(data[n - 4..].try_into().ok()?);
        let len = isize as usize;
        // The buffer is sized from the trailer before anything is inflated, so only
        // believe sizes deflate can reach and a worker keeps anyway; a bigger (or forged)
        // claim goes through the streaming inflater, which grows only with real output.
        if u64::from(isize) > (n as u64).saturating_mul(MAX_RATIO) || len > RETAIN {
            return None;
        }
        if self.inflated.len() < len + INPUT_PADDING {
            self.inflated.resize(len + INPUT_PADDING, b' ');
        }
        Some(len)
    }

    /// With `defer`, the one-call path without the checksum: the object's one gzip
    /// member inflated into `self.inflated[..len]`, and the CRC-32 its trailer claims,
    /// which the caller must check before using the text (the prefilter computes it while
    /// it scans, so the text is read from memory once instead of twice). `None` when
    /// not deferring, or when the object is not provably one whole member.
    fn inflate_unsummed(&mut self, data: &[u8], defer: bool) -> Option<(usize, u32)> {
        if !defer {
            return None;
        }
        let len = self.claimed_size(data)?;
        let n = data.len();
        let head = inflate::gzip_header_len(data)?;
        let (used, got) = self
            .inflater
            .deflate(data.get(head..n - 8)?, &mut self.inflated[..len])?;
        // One member, ending with the object's 8-byte trailer.
        if head + used + 8 != n || got != len {
            return None;
        }
        let crc = u32::from_le_bytes(data[n - 8..n - 4].try_into().ok()?);
        Some((len, crc))
    }

    /// The one-call path: `None` when the object is not provably one whole gzip member.
    fn inflate_whole(&mut self, data: &[u8]) -> Option<usize> {
        let len = self.claimed_size(data)?;
        let n = data.len();
        // The parser needs whitespace-or-anything padding: leftovers of an earlier object
        // are fine (see `fill_tape_padded`).
        let (used, got) = self.inflater.gzip_member(data, &mut self.inflated[..len])?;
        // libdeflate inflates the first member only and checks it against its own
        // trailer: it is the whole object when it ends where the object does.
        if used != n || got != len {
            return None;
        }
        Some(len)
    }

    /// Parses one document: `buf[..len]` is the text, `buf[len..]` at least
    /// [`INPUT_PADDING`] bytes the parser may read.
    fn document(
        &mut self,
        buf: &mut [u8],
        len: usize,
        sink: &mut Sink<'_>,
    ) -> Result<ObjectKind, ObjectError> {
        let start = if buf[..len].starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let (buf, len) = (&mut buf[start..], len - start);
        let text = &buf[..len];
        if text.trim_ascii().is_empty() {
            return Err(ObjectError::Empty);
        }
        if layout::looks_stamped(text) {
            return Ok(self.decode_lines(&mut buf[..len], sink, true));
        }
        // Text that cannot even start a JSON object or array is some other file (a README
        // next to the logs): not CloudTrail, not damage.
        if !matches!(text.trim_ascii_start().first(), Some(b'{' | b'[')) {
            return Ok(ObjectKind::NotCloudTrail);
        }
        if layout::looks_like_ndjson(text) {
            return Ok(self.decode_lines(&mut buf[..len], sink, false));
        }
        let mut tape = self
            .tape
            .take()
            .unwrap_or_else(|| Tape::null().reset())
            .reset();
        let parsed = fill_tape_padded(buf, len, &mut self.buffers, &mut tape);
        let result = match parsed {
            Err(e) => {
                // Maybe several documents one after another, which the parser reports
                // as one of several errors at the first one's end: the caller looks, on
                // the original text (this one was parsed in place).
                self.trailing = true;
                Err(ObjectError::Json(json_err(e)))
            }
            Ok(()) => Ok(self.classify(tape.as_value(), sink)),
        };
        self.tape = Some(tape.reset());
        result
    }

    fn classify(&mut self, doc: Json<'_>, sink: &mut Sink<'_>) -> ObjectKind {
        if let Some(o) = doc.as_object() {
            if let Some(records) = o.get("Records") {
                let Some(items) = records.as_array() else {
                    return ObjectKind::NotCloudTrail;
                };
                items.iter().enumerate().for_each(|(i, r)| emit(sink, i, r));
                ObjectKind::Records
            } else if let Some(events) = o.get("Events").filter(|e| e.as_array().is_some()) {
                self.embedded(events, "CloudTrailEvent", sink);
                ObjectKind::Records
            } else if let Some(events) = o.get("events").filter(|&e| layout::is_log_events(doc, e))
            {
                // A trail's CloudWatch Logs group: each event's message is one record.
                self.embedded(events, "message", sink);
                ObjectKind::Records
            } else if o.get("digestStartTime").is_some()
                || o.get("digestPublicKeyFingerprint").is_some()
            {
                ObjectKind::Digest
            } else if o.get("eventSource").is_some() && o.get("eventName").is_some() {
                emit(sink, 0, doc);
                ObjectKind::Records
            } else {
                ObjectKind::NotCloudTrail
            }
        } else if let Some(items) = doc
            .as_array()
            .filter(|a| a.iter().any(|r| r.get("eventSource").is_some()))
        {
            items.iter().enumerate().for_each(|(i, r)| emit(sink, i, r));
            ObjectKind::Records
        } else {
            ObjectKind::NotCloudTrail
        }
    }
}

#[cfg(test)]
mod tests;
