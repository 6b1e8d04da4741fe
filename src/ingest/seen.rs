//! Deduplication by eventID: CloudTrail may deliver an event more than once, and exports
//! people concatenate overlap; a run counts each eventID once.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use hashbrown::{HashMap, HashSet};
use rustc_hash::FxBuildHasher;

use super::spill::{Entry, Runs, UNKNOWN};
use crate::source::ObjectRef;

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

pub(super) type KeySet = HashSet<u128, FxBuildHasher>;

/// A part's keys in memory, each with the object that counted it (a key as two words:
/// an entry takes 24 bytes, not the 32 a `u128` key's alignment would).
type KeyMap = HashMap<(u64, u64), u32, FxBuildHasher>;

fn split(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, key as u64)
}

fn join((hi, lo): (u64, u64)) -> u128 {
    u128::from(hi) << 64 | u128::from(lo)
}

/// The default [`Seen::spilling`] budget: 64 parts of 14,336 keys (7/8 of 16,384
/// buckets, the most a part holds before its table doubles), about 26 MB.
pub const BUDGET: usize = SHARDS * 14_336;

/// Objects a spilling run names in memory before it writes their names to disk.
const NAMES_IN_MEMORY: usize = 4096;

/// The eventIDs (as [`event_key`]s) of the records a run kept, shared by its workers.
///
/// In memory, up to a budget ([`Seen::spilling`]): past it, each part writes its keys,
/// sorted, to a run on disk and starts empty (`spill`), so memory stays bounded whatever
/// the number of records. A duplicate whose copies fall in different runs is then
/// counted more than once; [`Seen::missed`] finds those after the pass, with an object
/// to read each again from (objects are numbered as they first count a record: see
/// [`Seen::register`]), and the ingest takes their counts back. Without a budget
/// ([`Seen::default`]) memory grows with the records used.
#[derive(Debug)]
pub struct Seen {
    parts: [Mutex<Part>; SHARDS],
    /// Keys a part holds before spilling (`usize::MAX`: never).
    part_budget: usize,
    /// The spill folder, made at the first spill (`None` inside: it could not be made).
    dir: OnceLock<Option<tempfile::TempDir>>,
    /// Spilling failed: keys stay in memory from then on.
    broken: AtomicBool,
    /// Objects that counted a record, by number.
    names: Mutex<Names>,
    /// What went wrong spilling (the run goes on in memory).
    problems: Mutex<Vec<String>>,
    /// Keys written to disk.
    to_disk: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct Part {
    keys: KeyMap,
    runs: Runs,
}

/// Objects by number: in memory, then (past [`NAMES_IN_MEMORY`]) in a file of JSON
/// lines `[name, size, identity]`, line `n` for object `n`.
#[derive(Debug, Default)]
struct Names {
    count: u32,
    memory: Vec<ObjectRef>,
    file: Option<(PathBuf, BufWriter<File>)>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen::with_budget(usize::MAX)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Seen {
    /// A set holding about `budget` keys in memory, the rest in runs on disk (under the
    /// system's temporary folder, removed when the set is dropped).
    pub fn spilling(budget: usize) -> Seen {
        Seen::with_budget((budget / SHARDS).max(1))
    }

    fn with_budget(part_budget: usize) -> Seen {
        Seen {
            parts: std::array::from_fn(|_| Mutex::default()),
            part_budget,
            dir: OnceLock::new(),
            broken: AtomicBool::new(false),
            names: Mutex::default(),
            problems: Mutex::default(),
            to_disk: Default::default(),
        }
    }

    /// Whether keys may still go to disk.
    pub(super) fn spills(&self) -> bool {
        self.part_budget != usize::MAX && !self.broken.load(Ordering::Relaxed)
    }

    fn fail(&self, message: String) {
        self.broken.store(true, Ordering::Relaxed);
        lock(&self.problems).push(message);
    }

    fn dir(&self) -> Option<&Path> {
        self.dir
            .get_or_init(|| match tempfile::Builder::new().prefix("iamtrail-ids-").tempdir() {
                Ok(d) => Some(d),
                Err(e) => {
                    self.fail(format!(
                        "cannot make a folder for eventIDs past the memory budget: {e}; they are kept in memory"
                    ));
                    None
                }
            })
            .as_ref()
            .map(|d| d.path())
    }

    /// Numbers an object that counts a record (`None`: one that cannot be read again,
    /// such as standard input). Only a spilling set keeps the names.
    pub(super) fn register(&self, obj: Option<&ObjectRef>) -> u32 {
        let Some(obj) = obj else { return UNKNOWN };
        if self.part_budget == usize::MAX {
            return 0;
        }
        let mut names = lock(&self.names);
        let n = names.count;
        if n == UNKNOWN - 1 {
            return UNKNOWN;
        }
        names.count += 1;
        if names.file.is_none()
            && names.memory.len() >= NAMES_IN_MEMORY
            && self.spills()
            && let Some(dir) = self.dir()
        {
            let path = dir.join("objects");
            match File::create(&path) {
                Ok(f) => {
                    let mut w = BufWriter::new(f);
                    let moved = std::mem::take(&mut names.memory);
                    if moved.iter().all(|o| write_name(&mut w, o).is_ok()) {
                        names.file = Some((path, w));
                    } else {
                        names.memory = moved;
                    }
                }
                Err(e) => self.fail(format!("cannot write {}: {e}", path.display())),
            }
        }
        let failed = match &mut names.file {
            Some((path, w)) => write_name(w, obj)
                .err()
                .map(|e| format!("cannot write {}: {e}", path.display())),
            None => {
                names.memory.push(obj.clone());
                None
            }
        };
        if let Some(message) = failed {
            // The object's keys must not be spilled: the run stays in memory.
            drop(names);
            self.fail(message);
            return UNKNOWN;
        }
        n
    }

    /// Whether `key` is new (and now claimed, counted by `object`).
    pub(super) fn claim(&self, key: u128, object: u32) -> bool {
        let i = key as usize % SHARDS;
        let mut part = lock(&self.parts[i]);
        let new = match part.keys.entry(split(key)) {
            hashbrown::hash_map::Entry::Vacant(v) => {
                v.insert(object);
                true
            }
            hashbrown::hash_map::Entry::Occupied(_) => false,
        };
        if new && part.keys.len() >= self.part_budget {
            self.spill(i, &mut part);
        }
        new
    }

    pub(super) fn contains(&self, key: u128) -> bool {
        lock(&self.parts[key as usize % SHARDS])
            .keys
            .contains_key(&split(key))
    }

    /// Claims all of `keys` (counted by `object`) when none of them is claimed yet;
    /// `false` (claiming nothing) when some are. Holds every part meanwhile (taken in
    /// order), so two objects committing at once cannot both claim one eventID.
    pub(super) fn commit(&self, keys: &KeySet, object: u32) -> bool {
        if keys.is_empty() {
            return true;
        }
        let mut parts: Vec<_> = self.parts.iter().map(lock).collect();
        if keys
            .iter()
            .any(|&k| parts[k as usize % SHARDS].keys.contains_key(&split(k)))
        {
            return false;
        }
        // A part these keys would take past its budget spills first, so its table never
        // grows past the budget (a large object commits hundreds of keys per part).
        let mut incoming = [0usize; SHARDS];
        for &k in keys {
            incoming[k as usize % SHARDS] += 1;
        }
        for (i, part) in parts.iter_mut().enumerate() {
            if incoming[i] > 0 && part.keys.len() + incoming[i] > self.part_budget {
                self.spill(i, part);
            }
        }
        for &k in keys {
            parts[k as usize % SHARDS].keys.insert(split(k), object);
        }
        true
    }

    /// Writes part `i`'s keys to a new run and empties it (keeping its table's
    /// capacity); keeps them when they cannot be written.
    fn spill(&self, i: usize, part: &mut Part) {
        if !self.spills() {
            return;
        }
        let Some(dir) = self.dir() else { return };
        let run = sorted(&part.keys);
        match part.runs.push(dir, &format!("part{i}"), &run) {
            Ok(()) => {
                self.to_disk.fetch_add(run.len() as u64, Ordering::Relaxed);
                part.keys.clear();
            }
            Err(e) => self.fail(format!(
                "cannot write eventIDs past the memory budget to {}: {e}; they are kept in memory",
                dir.display()
            )),
        }
    }

    /// Keys written to disk (0: [`Seen::missed`] has no work).
    pub(super) fn to_disk(&self) -> u64 {
        self.to_disk.load(Ordering::Relaxed)
    }

    /// The keys counted more than once (their copies fell in different runs): `copies - 1`
    /// counts too many, and `object` names an object holding one copy ([`UNKNOWN`] when
    /// none can be read again). Sorted by object. Memory grows with these duplicates
    /// only (few, unless inputs overlap). Errors name what could not be read.
    pub(super) fn missed(&self) -> Result<Vec<Entry>, String> {
        let mut found = Vec::new();
        for part in &self.parts {
            let part = lock(part);
            if part.runs.is_empty() {
                continue;
            }
            let last = sorted(&part.keys);
            part.runs
                .merge_with(&last, |e| {
                    if e.copies > 1 {
                        found.push(e);
                    }
                    Ok(())
                })
                .map_err(|e| format!("cannot read eventIDs spilled to disk: {e}"))?;
        }
        found.sort_unstable_by_key(|e| (e.object, e.key));
        Ok(found)
    }

    /// The objects `entries` name.
    pub(super) fn objects(&self, entries: &[Entry]) -> Result<HashMap<u32, ObjectRef>, String> {
        let wanted: HashSet<u32> = entries
            .iter()
            .map(|e| e.object)
            .filter(|&o| o != UNKNOWN)
            .collect();
        let mut names = lock(&self.names);
        let mut out = HashMap::new();
        match &mut names.file {
            None => {
                for &o in &wanted {
                    if let Some(obj) = names.memory.get(o as usize) {
                        out.insert(o, obj.clone());
                    }
                }
            }
            Some((path, w)) => {
                let cannot =
                    |e: &dyn std::fmt::Display| format!("cannot read {}: {e}", path.display());
                w.flush().map_err(|e| cannot(&e))?;
                let f = File::open(&*path).map_err(|e| cannot(&e))?;
                for (n, line) in std::io::BufRead::lines(std::io::BufReader::new(f)).enumerate() {
                    let line = line.map_err(|e| cannot(&e))?;
                    let n = n as u32;
                    if wanted.contains(&n) {
                        let (name, size, identity): (String, Option<u64>, Option<String>) =
                            serde_json::from_str(&line).map_err(|e| cannot(&e))?;
                        out.insert(
                            n,
                            ObjectRef {
                                name,
                                size,
                                identity,
                            },
                        );
                    }
                }
            }
        }
        Ok(out)
    }

    /// What went wrong spilling, if anything (the run went on in memory).
    pub(super) fn problems(&self) -> Vec<String> {
        lock(&self.problems).clone()
    }

    /// Distinct eventIDs held in memory.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|m| lock(m).keys.len()).sum()
    }

    /// Whether no eventID is held in memory.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A part's keys as a run: sorted by key, each counted once.
fn sorted(keys: &KeyMap) -> Vec<Entry> {
    let mut run: Vec<Entry> = keys
        .iter()
        .map(|(&k, &object)| Entry {
            key: join(k),
            object,
            copies: 1,
        })
        .collect();
    run.sort_unstable_by_key(|e| e.key);
    run
}

fn write_name(w: &mut impl Write, o: &ObjectRef) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, &(&o.name, o.size, &o.identity))?;
    w.write_all(b"\n")
}

/// A worker's [`Seen`]: its own, or its run's.
pub(super) enum SeenRef<'c> {
    /// Its own.
    Own(Box<Seen>),
    /// Its run's.
    Shared(&'c Seen),
}

impl SeenRef<'_> {
    pub(super) fn get(&self) -> &Seen {
        match self {
            SeenRef::Own(s) => s,
            SeenRef::Shared(s) => s,
        }
    }
}
