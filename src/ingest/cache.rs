//! `--cache DIR`: per-object results, so a run over a growing window reads only the
//! objects it has not seen.
//!
//! Each object with an identity (an S3 ETag: see
//! [`ObjectRef::identity`](crate::source::ObjectRef::identity)) is processed into results
//! of its own (its usage set and summary,
//! [`Worker::object_own`](crate::ingest::Worker::object_own)); those are stored under
//! `DIR/<config>/<hh>/<hash>.json`, keyed by the object's name and identity (an object
//! that changes gets a new identity, so it is read again). Merging per-object results is
//! commutative, so a policy built from cached results is byte-identical to one built
//! from the objects.
//!
//! **What the `<config>` folder is keyed by.** Everything that changes what one object
//! maps to: the principals (`--principal`), `--region` and `--account` filters, the
//! failed-call classes counted (`--failed-calls`), the crate version, the embedded IAM
//! catalog's version, the contents of the curated map, the cache format, and the iamtrail
//! executable itself (its size and modification time, so a rebuilt binary starts afresh).
//! The time window is *not* part of the key: an entry also stores the eventTime span of
//! the object's records, and is used only when the run's window contains that span (the
//! window then filters none of its records, so the result is the same under any such
//! window); objects straddling a window edge are read again and not stored. That is what
//! makes `--since 14d` runs on consecutive days reuse all but the newest objects.
//!
//! The folder for a configuration is created on first use; old ones can be deleted at
//! any time (`config.txt` in each says what it is for).

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Serialize};

use super::{Config, Ingested, TimeSpan};
use crate::catalog::curated::LineRef;
use crate::catalog::{ActionId, catalog_version, curated_sources};
use crate::iam::permission::{Condition, Permission};
use crate::map::Via;
use crate::report::{
    ObjectCounts, PrincipalSeen, Problem, RecordCounts, Seen, Summary, UnmappedEvent,
};
use crate::usage::{SmallSet, Usage, UsageSet};

/// Bumped whenever the entry format changes.
const FORMAT: u32 = 3;

/// An object's results as stored.
#[derive(Debug)]
pub struct Entry {
    /// The eventTime span of its records.
    pub span: TimeSpan,
    /// Its usage set and summary.
    pub ingested: Ingested,
}

/// A cache directory for one configuration.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    seq: AtomicU64,
}

/// FNV-1a, 64 bits: stable across builds and platforms (names files; every entry also
/// stores the name and identity it is for, so a collision is only a miss).
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for &b in *p {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h = (h ^ 0xff).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The description of everything that keys a configuration's folder (see the module
/// documentation); its hash names the folder.
pub fn config_key(cfg: &Config) -> String {
    let mut principals: Vec<String> = cfg
        .selection
        .principals
        .iter()
        .map(ToString::to_string)
        .collect();
    principals.sort();
    principals.dedup();
    let mut regions = cfg.selection.regions.clone();
    regions.sort();
    let mut accounts = cfg.selection.accounts.clone();
    accounts.sort();
    let mut counted: Vec<&str> = cfg.counted.iter().map(|c| c.as_str()).collect();
    counted.sort();
    counted.dedup();
    let curated = curated_sources()
        .iter()
        .fold(Vec::new(), |mut v: Vec<&[u8]>, (name, text)| {
            v.push(name.as_bytes());
            v.push(text.as_bytes());
            v
        });
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} bytes, modified {mtime}", m.len())
        })
        .unwrap_or_else(|_| "unknown".into());
    format!(
        "iamtrail {version}, cache format {FORMAT}\n\
         catalog: {catalog}\n\
         curated map: {curated:016x}\n\
         executable: {exe}\n\
         principals: {principals:?}\n\
         regions: {regions:?}\n\
         accounts: {accounts:?}\n\
         failed calls counted: {counted:?}\n\
         duplicates within an object: {dedupe}\n",
        dedupe = if cfg.dedupe { "counted once" } else { "kept" },
        version = env!("CARGO_PKG_VERSION"),
        catalog = catalog_version(),
        curated = fnv(&curated),
    )
}

impl Cache {
    /// Opens (creating it if needed) the folder for `cfg` under `root`.
    pub fn open(root: &Path, cfg: &Config) -> std::io::Result<Cache> {
        let key = config_key(cfg);
        let dir = root.join(format!("{:016x}", fnv(&[key.as_bytes()])));
        std::fs::create_dir_all(&dir)?;
        let desc = dir.join("config.txt");
        if std::fs::read_to_string(&desc).ok().as_deref() != Some(key.as_str()) {
            std::fs::write(&desc, &key)?;
        }
        Ok(Cache {
            dir,
            seq: AtomicU64::new(0),
        })
    }

    /// The folder of this configuration.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str, identity: &str) -> PathBuf {
        let h = fnv(&[name.as_bytes(), identity.as_bytes()]);
        self.dir
            .join(format!("{:02x}", h >> 56))
            .join(format!("{h:016x}.json"))
    }

    /// The stored results of an object, if any (an unreadable entry is a miss).
    pub fn get(&self, name: &str, identity: &str) -> Option<Entry> {
        self.parse(name, identity, &self.read(name, identity)?)
    }

    /// The stored bytes of an object's entry, if any (see [`Cache::parse`]): the cheap
    /// half of [`Cache::get`], which tells whether there is an entry at all.
    pub fn read(&self, name: &str, identity: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(name, identity)).ok()
    }

    /// An entry's bytes (from [`Cache::read`]) as results, when they are a valid entry for
    /// this object.
    pub fn parse(&self, name: &str, identity: &str, text: &[u8]) -> Option<Entry> {
        let stored: Stored = serde_json::from_slice(text).ok()?;
        if stored.format != FORMAT || stored.name != name || stored.identity != identity {
            return None;
        }
        Some(Entry {
            span: stored.span,
            ingested: Ingested {
                usage: usage_from(stored.usage)?,
                summary: summary_from(stored.summary)?,
                calls: Default::default(),
                each: Default::default(),
            },
        })
    }

    /// Stores an object's results (atomically: a reader sees the old entry, the new one,
    /// or none).
    pub fn put(
        &self,
        name: &str,
        identity: &str,
        span: &TimeSpan,
        got: &Ingested,
    ) -> std::io::Result<()> {
        let stored = Stored {
            format: FORMAT,
            name: name.to_owned(),
            identity: identity.to_owned(),
            span: *span,
            usage: usage_to(&got.usage),
            summary: summary_to(&got.summary),
        };
        let path = self.path(name, identity);
        let parent = path.parent().expect("entries live in a subfolder");
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            self.seq.fetch_add(1, Ordering::Relaxed)
        ));
        let mut f = std::fs::File::create(&tmp)?;
        let written = serde_json::to_writer(&mut f, &stored)
            .map_err(std::io::Error::other)
            .and_then(|()| f.flush());
        drop(f);
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(())
    }
}

/// A `&'static str` for a stored name (report keys, condition keys, template variable
/// names): the vocabulary is small and fixed, so each distinct name is leaked once.
/// Names that are too long or too many (a damaged cache) are refused, which makes the
/// entry a miss.
fn intern(s: &str) -> Option<&'static str> {
    const MAX_NAMES: usize = 100_000;
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(x) = names.get(s) {
        return Some(x);
    }
    if s.len() > 256 || names.len() >= MAX_NAMES {
        return None;
    }
    let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
    names.insert(leaked);
    Some(leaked)
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    name: String,
    identity: String,
    span: TimeSpan,
    usage: Vec<StoredUsage>,
    summary: StoredSummary,
}

#[derive(Serialize, Deserialize)]
struct StoredUsage {
    action: String,
    resource: String,
    condition: Option<(String, String, String)>,
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    samples: Vec<String>,
    vias: Vec<StoredVia>,
    unknown: Vec<String>,
}

#[derive(Serialize, Deserialize)]
enum StoredVia {
    Catalog,
    Versioned,
    Curated(String, usize),
    PassRole(String, usize),
    TagOnCreate(String, usize),
    Content,
}

#[derive(Serialize, Deserialize)]
struct StoredSummary {
    objects: ObjectCounts,
    records: RecordCounts,
    filtered: BTreeMap<String, u64>,
    skipped: BTreeMap<String, u64>,
    failed_not_counted: BTreeMap<String, u64>,
    failed_counted: BTreeMap<String, u64>,
    free: BTreeMap<String, u64>,
    unmapped: BTreeMap<String, BTreeMap<String, UnmappedEvent>>,
    principals: BTreeMap<String, PrincipalSeen>,
    problems: Vec<Problem>,
    skipped_objects: Vec<Problem>,
    seen: StoredSeen,
}

/// [`Seen`] with plain times (its JSON form writes them as text).
#[derive(Serialize, Deserialize)]
struct StoredSeen {
    first: Option<i64>,
    last: Option<i64>,
    regions: BTreeMap<String, u64>,
    accounts: BTreeMap<String, u64>,
}

fn usage_to(u: &UsageSet) -> Vec<StoredUsage> {
    u.sorted()
        .into_iter()
        .map(|(k, v)| {
            let Permission {
                action,
                resource,
                condition,
            } = k;
            let Usage {
                count,
                first,
                last,
                samples,
                vias,
                unknown,
            } = v;
            StoredUsage {
                action: action.to_string(),
                resource: resource.clone(),
                condition: condition
                    .as_ref()
                    .map(|c| (c.op.to_string(), c.key.to_owned(), c.value.clone())),
                count: *count,
                first: *first,
                last: *last,
                samples: samples.to_strings(),
                vias: vias
                    .iter()
                    .map(|v| match v {
                        Via::Catalog => StoredVia::Catalog,
                        Via::Versioned => StoredVia::Versioned,
                        Via::Curated(at) => StoredVia::Curated(at.file.into(), at.line),
                        Via::PassRole(at) => StoredVia::PassRole(at.file.into(), at.line),
                        Via::TagOnCreate(at) => StoredVia::TagOnCreate(at.file.into(), at.line),
                        Via::Content => StoredVia::Content,
                    })
                    .collect(),
                unknown: unknown.iter().map(|s| (*s).to_owned()).collect(),
            }
        })
        .collect()
}

fn line_ref(file: &str, line: usize) -> Option<LineRef> {
    let (file, _) = curated_sources().iter().find(|(f, _)| *f == file)?;
    Some(LineRef { file, line })
}

fn usage_from(stored: Vec<StoredUsage>) -> Option<UsageSet> {
    let mut set = UsageSet::default();
    for s in stored {
        let (prefix, name) = s.action.split_once(':')?;
        let key = Permission {
            action: ActionId::find(prefix, name)?,
            resource: s.resource,
            condition: match s.condition {
                Some((op, key, value)) => Some(Box::new(Condition {
                    op: op.parse().ok()?,
                    key: intern(&key)?,
                    value,
                })),
                None => None,
            },
        };
        let vias = s
            .vias
            .into_iter()
            .map(|v| {
                Some(match v {
                    StoredVia::Catalog => Via::Catalog,
                    StoredVia::Versioned => Via::Versioned,
                    StoredVia::Curated(f, l) => Via::Curated(line_ref(&f, l)?),
                    StoredVia::PassRole(f, l) => Via::PassRole(line_ref(&f, l)?),
                    StoredVia::TagOnCreate(f, l) => Via::TagOnCreate(line_ref(&f, l)?),
                    StoredVia::Content => Via::Content,
                })
            })
            .collect::<Option<SmallSet<_>>>()?;
        let unknown = s
            .unknown
            .iter()
            .map(|u| intern(u))
            .collect::<Option<SmallSet<_>>>()?;
        let usage = Usage {
            count: s.count,
            first: s.first,
            last: s.last,
            samples: s.samples.iter().map(String::as_str).collect(),
            vias,
            unknown,
        };
        set.add_usage(key, &usage);
    }
    Some(set)
}

fn owned<K: ToString>(m: &BTreeMap<K, u64>) -> BTreeMap<String, u64> {
    m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn interned(m: BTreeMap<String, u64>) -> Option<BTreeMap<&'static str, u64>> {
    m.into_iter().map(|(k, v)| Some((intern(&k)?, v))).collect()
}

fn summary_to(s: &Summary) -> StoredSummary {
    // Destructured so that a new field is a compile error here, not a silent loss.
    let Summary {
        objects,
        records,
        filtered,
        skipped,
        failed_not_counted,
        failed_counted,
        free,
        unmapped,
        principals,
        problems,
        skipped_objects,
        seen,
        s3: _,
        deduplication: _,
    } = s;
    StoredSummary {
        objects: objects.clone(),
        records: records.clone(),
        filtered: owned(filtered),
        skipped: skipped.clone(),
        failed_not_counted: owned(failed_not_counted),
        failed_counted: owned(failed_counted),
        free: free.clone(),
        unmapped: unmapped.clone(),
        principals: principals.clone(),
        problems: problems.clone(),
        skipped_objects: skipped_objects.clone(),
        seen: StoredSeen {
            first: seen.first,
            last: seen.last,
            regions: seen.regions.clone(),
            accounts: seen.accounts.clone(),
        },
    }
}

fn summary_from(s: StoredSummary) -> Option<Summary> {
    Some(Summary {
        objects: s.objects,
        records: s.records,
        filtered: interned(s.filtered)?,
        skipped: s.skipped,
        failed_not_counted: interned(s.failed_not_counted)?,
        failed_counted: interned(s.failed_counted)?,
        free: s.free,
        unmapped: s.unmapped,
        principals: s.principals,
        problems: s.problems,
        skipped_objects: s.skipped_objects,
        seen: Seen {
            first: s.seen.first,
            last: s.seen.last,
            regions: s.seen.regions,
            accounts: s.seen.accounts,
        },
        s3: None,
        deduplication: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Worker;

    fn sample_objects() -> Vec<(String, Vec<u8>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        // The sample corpus and its deliberately damaged delivery.
        let mut todo = vec![
            root.join("sample-trails/AWSLogs"),
            root.join("tests/fixtures/damaged-trails/AWSLogs"),
        ];
        while let Some(p) = todo.pop() {
            if p.is_dir() {
                todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
        out.sort();
        out
    }

    /// Everything observable of a result: the usage set with evidence, and the summary.
    fn observable(g: &Ingested) -> String {
        let usage: Vec<String> = g
            .usage
            .sorted()
            .iter()
            .map(|(k, v)| format!("{k:?} {v:?}"))
            .collect();
        format!(
            "{usage:#?}\n{}",
            serde_json::to_string_pretty(&g.summary).unwrap()
        )
    }

    #[test]
    fn entries_round_trip_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::default();
        let cache = Cache::open(dir.path(), &cfg).unwrap();
        let mut w = Worker::new(&cfg);
        let mut whole = Ingested::default();
        let mut vias = HashSet::new();
        for (i, (name, bytes)) in sample_objects().into_iter().enumerate() {
            let (own, span) = w.object_own(&name, bytes);
            let etag = format!("\"etag-{i}\"");
            cache.put(&name, &etag, &span, &own).unwrap();
            let back = cache.get(&name, &etag).expect("stored entry reads back");
            assert_eq!(back.span, span);
            assert_eq!(observable(&back.ingested), observable(&own), "{name}");
            for (_, u) in own.usage.sorted() {
                vias.extend(u.vias.iter().map(std::mem::discriminant));
            }
            whole.usage.merge(back.ingested.usage);
            whole.summary.merge(back.ingested.summary);
            // Another identity or name is a miss.
            assert!(cache.get(&name, "\"other\"").is_none());
            assert!(cache.get(&format!("{name}x"), &etag).is_none());
        }
        // The corpus exercises curated, PassRole, tag-on-create and catalog lines.
        assert!(vias.len() >= 4, "{vias:?}");
        whole.summary.finish();
        let direct = crate::ingest::from_objects(sample_objects(), &cfg);
        assert_eq!(observable(&whole), observable(&direct));
        assert!(
            !whole.summary.problems.is_empty(),
            "the corpus has a corrupt object"
        );
    }

    #[test]
    fn the_key_follows_the_mapping_configuration_not_the_window() {
        let mut a = Config::default();
        let base = config_key(&a);
        a.selection.start = Some(1);
        a.selection.end = Some(2);
        assert_eq!(config_key(&a), base);
        a.selection.regions = vec!["us-east-1".into()];
        assert_ne!(config_key(&a), base);
        let mut b = Config::default();
        b.selection.principals = vec!["arn:aws:iam::111122223333:role/ci".parse().unwrap()];
        assert_ne!(config_key(&b), base);
        let mut c = Config::default();
        c.counted.clear();
        assert_ne!(config_key(&c), base);
        assert!(base.contains(env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn damaged_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Config::default();
        let cache = Cache::open(dir.path(), &cfg).unwrap();
        let path = cache.path("s3://b/k", "e");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        assert!(cache.get("s3://b/k", "e").is_none());
        let got = Ingested::default();
        cache
            .put("s3://b/k", "e", &TimeSpan::default(), &got)
            .unwrap();
        assert!(cache.get("s3://b/k", "e").is_some());
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(&format!("\"format\":{FORMAT}"), "\"format\":999");
        std::fs::write(&path, text).unwrap();
        assert!(cache.get("s3://b/k", "e").is_none());
    }
}
