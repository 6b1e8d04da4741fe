//! eventIDs past [`super::Seen`]'s memory budget: sorted runs on disk, merged at the end.
//!
//! Each part of `Seen` writes its keys to a run file when it holds its share of the
//! budget, then starts empty. A key is counted once per run at most (the part's memory
//! deduplicates within a run), so an event counted in `n` runs was counted `n - 1` times
//! too many: merging the runs finds it, with the object to read it again from (see
//! `ingest::take_back_missed`). Runs are merged a level at a time ([`FAN_IN`] runs of a
//! level make one of the next), so each key is rewritten about log₁₆(keys / budget) times
//! and a part never holds more than [`FAN_IN`] runs per level.

use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// One key in a run: the eventID's key, the first object (by registration) it was
/// counted in, and how many times it was counted (once per run holding it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    /// [`super::event_key`].
    pub key: u128,
    /// The object registered first among those that counted it ([`UNKNOWN`] for one
    /// that cannot be read again).
    pub object: u32,
    /// Times counted.
    pub copies: u32,
}

/// The object of a key counted while reading one that cannot be read again (standard
/// input): sorts after every registered object, so a copy elsewhere is chosen.
pub(super) const UNKNOWN: u32 = u32::MAX;

/// Bytes an entry takes on disk.
const ENTRY: usize = 24;

/// Runs of one level merged into one of the next.
const FAN_IN: usize = 16;

impl Entry {
    fn to_bytes(self) -> [u8; ENTRY] {
        let mut b = [0; ENTRY];
        b[..16].copy_from_slice(&self.key.to_le_bytes());
        b[16..20].copy_from_slice(&self.object.to_le_bytes());
        b[20..].copy_from_slice(&self.copies.to_le_bytes());
        b
    }

    fn from_bytes(b: &[u8; ENTRY]) -> Entry {
        let word =
            |r: std::ops::Range<usize>| u32::from_le_bytes(b[r].try_into().unwrap_or([0; 4]));
        Entry {
            key: u128::from_le_bytes(b[..16].try_into().unwrap_or([0; 16])),
            object: word(16..20),
            copies: word(20..24),
        }
    }

    /// Folds another count of the same key in.
    fn absorb(&mut self, o: Entry) {
        self.object = self.object.min(o.object);
        self.copies = self.copies.saturating_add(o.copies);
    }
}

/// One sorted run on disk.
#[derive(Debug)]
struct Run {
    path: PathBuf,
    level: u32,
}

/// One part's runs, in files under the run's spill folder.
#[derive(Debug, Default)]
pub(super) struct Runs {
    runs: Vec<Run>,
    /// Files written so far (names them).
    written: u64,
}

impl Runs {
    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Writes `sorted` (sorted by key, each key once) as a new run in `dir` (file names
    /// start with `stem`), merging a level's runs into one once it has [`FAN_IN`]. An
    /// error means the run was not written (nothing changed); a merge that fails leaves
    /// its runs as they were.
    pub fn push(&mut self, dir: &Path, stem: &str, sorted: &[Entry]) -> io::Result<()> {
        let path = self.next_path(dir, stem);
        if let Err(e) = write_run(&path, sorted.iter().copied()) {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        self.runs.push(Run { path, level: 0 });
        while let Some(level) = self.runs.last().map(|r| r.level) {
            let same = self
                .runs
                .iter()
                .rev()
                .take_while(|r| r.level == level)
                .count();
            if same < FAN_IN {
                break;
            }
            let path = self.next_path(dir, stem);
            let tail = &self.runs[self.runs.len() - same..];
            let merged = Writer::create(&path).and_then(|mut out| {
                merge(tail, &[], |e| out.put(e))?;
                out.finish()
            });
            if merged.is_err() {
                let _ = std::fs::remove_file(&path);
                break;
            }
            for r in self.runs.drain(self.runs.len() - same..) {
                let _ = std::fs::remove_file(&r.path);
            }
            self.runs.push(Run {
                path,
                level: level + 1,
            });
        }
        Ok(())
    }

    fn next_path(&mut self, dir: &Path, stem: &str) -> PathBuf {
        self.written += 1;
        dir.join(format!("{stem}-{}", self.written))
    }

    /// Merges every run with `last` (sorted by key, each key once), calling `each` once
    /// per key with its counts folded together, in key order.
    pub fn merge_with(
        &self,
        last: &[Entry],
        each: impl FnMut(Entry) -> io::Result<()>,
    ) -> io::Result<()> {
        merge(&self.runs, last, each)
    }
}

impl Drop for Runs {
    fn drop(&mut self) {
        for r in &self.runs {
            let _ = std::fs::remove_file(&r.path);
        }
    }
}

fn write_run(path: &Path, entries: impl Iterator<Item = Entry>) -> io::Result<()> {
    let mut out = Writer::create(path)?;
    for e in entries {
        out.put(e)?;
    }
    out.finish()
}

/// Writes entries to a run file.
struct Writer(BufWriter<File>);

impl Writer {
    fn create(path: &Path) -> io::Result<Writer> {
        Ok(Writer(BufWriter::with_capacity(
            64 << 10,
            File::create(path)?,
        )))
    }

    fn put(&mut self, e: Entry) -> io::Result<()> {
        self.0.write_all(&e.to_bytes())
    }

    fn finish(mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Reads one run file's entries in order.
struct Reader(BufReader<File>);

impl Reader {
    fn next(&mut self) -> io::Result<Option<Entry>> {
        let mut b = [0; ENTRY];
        match self.0.read_exact(&mut b) {
            Ok(()) => Ok(Some(Entry::from_bytes(&b))),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A k-way merge of `runs` and `last`: `each` once per key, counts folded.
fn merge(
    runs: &[Run],
    last: &[Entry],
    mut each: impl FnMut(Entry) -> io::Result<()>,
) -> io::Result<()> {
    let mut readers = runs
        .iter()
        .map(|r| {
            Ok(Reader(BufReader::with_capacity(
                64 << 10,
                File::open(&r.path)?,
            )))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut last = last.iter().copied();
    // The heap holds each source's next entry (source `readers.len()` is `last`).
    let mut heap = BinaryHeap::with_capacity(readers.len() + 1);
    for (i, r) in readers.iter_mut().enumerate() {
        if let Some(e) = r.next()? {
            heap.push(std::cmp::Reverse((e.key, i, e.object, e.copies)));
        }
    }
    let tail = readers.len();
    if let Some(e) = last.next() {
        heap.push(std::cmp::Reverse((e.key, tail, e.object, e.copies)));
    }
    let mut current: Option<Entry> = None;
    while let Some(std::cmp::Reverse((key, i, object, copies))) = heap.pop() {
        let e = Entry {
            key,
            object,
            copies,
        };
        match &mut current {
            Some(c) if c.key == key => c.absorb(e),
            _ => {
                if let Some(done) = current.replace(e) {
                    each(done)?;
                }
            }
        }
        let next = if i == tail {
            last.next()
        } else {
            readers[i].next()?
        };
        if let Some(n) = next {
            heap.push(std::cmp::Reverse((n.key, i, n.object, n.copies)));
        }
    }
    if let Some(done) = current {
        each(done)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(keys: &[u128], object: u32) -> Vec<Entry> {
        let mut v: Vec<_> = keys
            .iter()
            .map(|&key| Entry {
                key,
                object,
                copies: 1,
            })
            .collect();
        v.sort_by_key(|e| e.key);
        v.dedup_by_key(|e| e.key);
        v
    }

    /// However many runs (and merges of levels) they take, the keys come out once each,
    /// in order, with every run's count and the first object.
    #[test]
    fn runs_merge_to_one_count_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut runs = Runs::default();
        let mut want = std::collections::BTreeMap::<u128, (u32, u32)>::new();
        // 40 runs: two levels merge on the way (16 → 1, twice).
        for r in 0..40u32 {
            let keys: Vec<u128> = (0..50u128)
                .map(|i| (i * 7 + u128::from(r) * 3) % 200)
                .collect();
            let run = entries(&keys, 100 - r);
            for e in &run {
                let w = want.entry(e.key).or_insert((u32::MAX, 0));
                w.0 = w.0.min(e.object);
                w.1 += 1;
            }
            runs.push(dir.path(), "p", &run).unwrap();
        }
        assert!(
            runs.runs.len() < 16,
            "levels were merged: {}",
            runs.runs.len()
        );
        let last = entries(&[1, 2, 3, 500], 0);
        for e in &last {
            let w = want.entry(e.key).or_insert((u32::MAX, 0));
            w.0 = w.0.min(e.object);
            w.1 += 1;
        }
        let mut got = Vec::new();
        runs.merge_with(&last, |e| {
            got.push((e.key, (e.object, e.copies)));
            Ok(())
        })
        .unwrap();
        assert_eq!(got, want.into_iter().collect::<Vec<_>>());
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, runs.runs.len(), "merged runs' files are removed");
        drop(runs);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn entries_round_trip() {
        let e = Entry {
            key: u128::MAX - 5,
            object: 7,
            copies: 3,
        };
        assert_eq!(Entry::from_bytes(&e.to_bytes()), e);
    }
}
