//! The run summary: every record accounted for
//! (`read = used + free + unmapped + failed-not-counted + filtered + skipped + duplicate`), every
//! object that could not be read named, every unmapped event counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::select::PrincipalKind;
use crate::usage::{earliest, latest};

/// A problem with the input, by object and record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    /// Object (file path, `s3://…`, `<stdin>`).
    pub object: String,
    /// 0-based record index (element or line − 1) when the problem is one record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.record {
            Some(i) => write!(f, "{}: record {}: {}", self.object, i, self.message),
            None => write!(f, "{}: {}", self.object, self.message),
        }
    }
}

/// Object counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectCounts {
    /// Objects opened.
    pub read: u64,
    /// Objects that held records.
    pub with_records: u64,
    /// CloudTrail digest files (skipped).
    pub digest: u64,
    /// JSON that is not CloudTrail (skipped).
    pub not_cloudtrail: u64,
    /// Objects that could not be read (named in `problems`).
    pub unreadable: u64,
}

/// Record counts; `read` is the sum of the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Records seen.
    pub read: u64,
    /// Selected and mapped to at least one action.
    pub used: u64,
    /// Selected; the call needs no IAM permission.
    pub free: u64,
    /// Selected; no known action matches.
    pub unmapped: u64,
    /// Selected; failed in a way that shows no need (see `--failed-calls`).
    pub failed_not_counted: u64,
    /// Left out by selection.
    pub filtered: u64,
    /// Unusable records (named in `problems`).
    pub skipped: u64,
    /// Selected, but another record with the same eventID was counted (CloudTrail
    /// delivers some events more than once; overlapping inputs repeat them).
    #[serde(default)]
    pub duplicate: u64,
}

/// A principal seen in the input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalSeen {
    /// What it is.
    pub kind: Option<String>,
    /// Records it made.
    pub records: u64,
}

/// An event with no known action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedEvent {
    /// Records.
    pub count: u64,
    /// Why.
    pub reason: String,
}

/// What the records read hold, before selection: the values a selection can name, so a
/// selection that matches nothing can say what would have matched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// Earliest eventTime (epoch seconds, UTC).
    #[serde(serialize_with = "ser_time")]
    pub first: Option<i64>,
    /// Latest eventTime.
    #[serde(serialize_with = "ser_time")]
    pub last: Option<i64>,
    /// awsRegion → records.
    pub regions: BTreeMap<String, u64>,
    /// Account (recipientAccountId, else the caller's) → records.
    pub accounts: BTreeMap<String, u64>,
}

fn ser_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::decode::format_time(*t)),
        None => s.serialize_none(),
    }
}

impl Seen {
    /// Notes one record's time, region and account; allocates only for a new value.
    pub fn note(&mut self, time: Option<i64>, region: Option<&str>, account: Option<&str>) {
        if let Some(t) = time {
            self.first = earliest(self.first, Some(t));
            self.last = latest(self.last, Some(t));
        }
        fn count(m: &mut BTreeMap<String, u64>, k: Option<&str>) {
            let Some(k) = k else { return };
            match m.get_mut(k) {
                Some(n) => *n += 1,
                None => {
                    m.insert(k.to_owned(), 1);
                }
            }
        }
        count(&mut self.regions, region);
        count(&mut self.accounts, account);
    }

    /// Folds another in.
    pub fn merge(&mut self, o: Seen) {
        self.first = earliest(self.first, o.first);
        self.last = latest(self.last, o.last);
        for (k, v) in o.regions {
            *self.regions.entry(k).or_default() += v;
        }
        for (k, v) in o.accounts {
            *self.accounts.entry(k).or_default() += v;
        }
    }

    /// `2026-11-20T09:00:00Z … 2026-11-22T18:30:00Z`, or `no record has an eventTime`.
    pub fn time_range(&self) -> String {
        match (self.first, self.last) {
            (Some(f), Some(l)) => format!(
                "{} … {}",
                crate::decode::format_time(f),
                crate::decode::format_time(l)
            ),
            _ => "no record has an eventTime".into(),
        }
    }
}

/// The whole summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Objects.
    pub objects: ObjectCounts,
    /// Records.
    pub records: RecordCounts,
    /// Filter reason → records.
    pub filtered: BTreeMap<&'static str, u64>,
    /// Skip reason → records.
    pub skipped: BTreeMap<String, u64>,
    /// Failure class → records not counted.
    pub failed_not_counted: BTreeMap<&'static str, u64>,
    /// Failure class → records counted as needs anyway.
    pub failed_counted: BTreeMap<&'static str, u64>,
    /// `prefix:EventName` → records that needed no permission.
    pub free: BTreeMap<String, u64>,
    /// eventSource → eventName → unmapped records.
    pub unmapped: BTreeMap<String, BTreeMap<String, UnmappedEvent>>,
    /// Principal → records (all records, before selection).
    pub principals: BTreeMap<String, PrincipalSeen>,
    /// Input problems, sorted.
    pub problems: Vec<Problem>,
    /// Objects skipped as digest files or not CloudTrail, with why, sorted.
    pub skipped_objects: Vec<Problem>,
    /// Time range, regions and accounts of the records read.
    pub seen: Seen,
    /// What reading `s3://` inputs took (absent for local inputs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3Stats>,
    /// What deduplication did past its memory budget (absent when every eventID kept
    /// fit in memory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduplication: Option<DedupeStats>,
}

/// Deduplication past its memory budget (`ingest::Seen`): eventIDs written to disk, and
/// records counted twice because their copies fell on both sides, taken back after the
/// pass by reading objects again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DedupeStats {
    /// eventIDs written to disk (each once per run it went to).
    pub ids_to_disk: u64,
    /// Records taken back (counted as duplicates in the end).
    pub taken_back: u64,
    /// Objects read again to take them back.
    pub objects_read_again: u64,
}

/// What reading `s3://` inputs took: requests, objects and bytes (a remote source's
/// [`Stats`](crate::source::Stats)).
pub use crate::source::Stats as S3Stats;

impl Summary {
    /// Whether any input was unreadable or skipped.
    pub fn has_skips(&self) -> bool {
        self.objects.unreadable > 0 || self.records.skipped > 0
    }

    /// Notes a principal.
    pub fn principal(&mut self, id: &str, kind: PrincipalKind) {
        match self.principals.get_mut(id) {
            Some(p) => p.records += 1,
            None => {
                self.principals.insert(
                    id.to_owned(),
                    PrincipalSeen {
                        kind: Some(format!("{kind:?}").to_lowercase()),
                        records: 1,
                    },
                );
            }
        }
    }

    /// Notes an unmapped event.
    pub fn unmapped(&mut self, source: &str, name: &str, reason: &dyn std::fmt::Display) {
        self.records.unmapped += 1;
        let by_name = match self.unmapped.get_mut(source) {
            Some(m) => m,
            None => self.unmapped.entry(source.to_owned()).or_default(),
        };
        match by_name.get_mut(name) {
            Some(e) => e.count += 1,
            None => {
                by_name.insert(
                    name.to_owned(),
                    UnmappedEvent {
                        count: 1,
                        reason: reason.to_string(),
                    },
                );
            }
        }
    }

    /// Takes back the tallies past deduplication of the records `o` counted (records
    /// counted twice, found after the pass): they count as duplicates instead. What
    /// `o` counted before deduplication (records read, principals, time range) stays.
    /// Returns how many records were taken back.
    pub fn take_back(&mut self, o: &Summary) -> u64 {
        let (a, b) = (&mut self.records, &o.records);
        let undone = b.used + b.free + b.unmapped + b.failed_not_counted;
        a.used = a.used.saturating_sub(b.used);
        a.free = a.free.saturating_sub(b.free);
        a.unmapped = a.unmapped.saturating_sub(b.unmapped);
        a.failed_not_counted = a.failed_not_counted.saturating_sub(b.failed_not_counted);
        a.duplicate += undone;
        fn sub<K: Ord + Clone>(a: &mut BTreeMap<K, u64>, b: &BTreeMap<K, u64>) {
            for (k, v) in b {
                if let Some(n) = a.get_mut(k) {
                    *n = n.saturating_sub(*v);
                    if *n == 0 {
                        a.remove(k);
                    }
                }
            }
        }
        sub(&mut self.failed_not_counted, &o.failed_not_counted);
        sub(&mut self.failed_counted, &o.failed_counted);
        sub(&mut self.free, &o.free);
        for (source, names) in &o.unmapped {
            if let Some(mine) = self.unmapped.get_mut(source) {
                for (name, e) in names {
                    if let Some(m) = mine.get_mut(name) {
                        m.count = m.count.saturating_sub(e.count);
                        if m.count == 0 {
                            mine.remove(name);
                        }
                    }
                }
                if mine.is_empty() {
                    self.unmapped.remove(source);
                }
            }
        }
        undone
    }

    /// Folds another summary in (per-thread summaries; order never shows).
    pub fn merge(&mut self, o: Summary) {
        let (a, b) = (&mut self.objects, o.objects);
        a.read += b.read;
        a.with_records += b.with_records;
        a.digest += b.digest;
        a.not_cloudtrail += b.not_cloudtrail;
        a.unreadable += b.unreadable;
        let (a, b) = (&mut self.records, o.records);
        a.read += b.read;
        a.used += b.used;
        a.free += b.free;
        a.unmapped += b.unmapped;
        a.failed_not_counted += b.failed_not_counted;
        a.filtered += b.filtered;
        a.skipped += b.skipped;
        a.duplicate += b.duplicate;
        fn add<K: Ord>(a: &mut BTreeMap<K, u64>, b: BTreeMap<K, u64>) {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
        }
        add(&mut self.filtered, o.filtered);
        add(&mut self.skipped, o.skipped);
        add(&mut self.failed_not_counted, o.failed_not_counted);
        add(&mut self.failed_counted, o.failed_counted);
        add(&mut self.free, o.free);
        for (src, names) in o.unmapped {
            let m = self.unmapped.entry(src).or_default();
            for (n, e) in names {
                let x = m.entry(n).or_insert_with(|| UnmappedEvent {
                    count: 0,
                    reason: e.reason.clone(),
                });
                x.count += e.count;
            }
        }
        for (p, s) in o.principals {
            let x = self.principals.entry(p).or_insert_with(|| PrincipalSeen {
                kind: s.kind.clone(),
                records: 0,
            });
            x.records += s.records;
        }
        self.problems.extend(o.problems);
        self.skipped_objects.extend(o.skipped_objects);
        self.seen.merge(o.seen);
        if let Some(b) = o.deduplication {
            let a = self.deduplication.get_or_insert_with(DedupeStats::default);
            a.ids_to_disk += b.ids_to_disk;
            a.taken_back += b.taken_back;
            a.objects_read_again += b.objects_read_again;
        }
        if let Some(b) = o.s3 {
            self.s3.get_or_insert_with(S3Stats::default).add(&b);
        }
    }

    /// Sorts what parallel workers produced in arbitrary order.
    pub fn finish(&mut self) {
        self.problems.sort();
        self.skipped_objects.sort();
    }

    /// Checks the accounting identity.
    pub fn balanced(&self) -> bool {
        let r = &self.records;
        r.read
            == r.used
                + r.free
                + r.unmapped
                + r.failed_not_counted
                + r.filtered
                + r.skipped
                + r.duplicate
    }
}
