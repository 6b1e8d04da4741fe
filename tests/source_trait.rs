//! A new source needs nothing but the `Source` trait: an in-memory source, written here
//! outside the crate, is driven through `ingest::run` (and its per-object cache) and gives
//! exactly what reading the same objects as local files gives.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use iamtrail::ingest::{self, Cache, Config, Ingested, NoProgress, Progress};
use iamtrail::source::local::LocalSource;
use iamtrail::source::{
    FetchError, Fetched, ListError, ListFilter, Listing, ObjectRef, Source, Stats,
};

const CI: &str = "arn:aws:iam::111122223333:role/ci";

/// Objects held in memory, with a version as identity; it fetches ahead when asked to,
/// and counts what it did.
struct Memory {
    objects: Vec<(String, Vec<u8>)>,
    ahead: usize,
    announced: Mutex<Vec<String>>,
    fetched: Mutex<Vec<String>>,
    /// The filter the ingest listed with.
    filter: Mutex<Option<ListFilter>>,
}

impl Memory {
    fn new(objects: Vec<(String, Vec<u8>)>, ahead: usize) -> Memory {
        Memory {
            objects,
            ahead,
            announced: Mutex::default(),
            fetched: Mutex::default(),
            filter: Mutex::default(),
        }
    }
}

impl Source for Memory {
    fn list(&self, filter: &ListFilter) -> Result<Listing<'_>, ListError> {
        *self.filter.lock().unwrap() = Some(filter.clone());
        let objects = self.objects.iter().map(|(name, bytes)| {
            Ok(ObjectRef {
                name: name.clone(),
                size: Some(bytes.len() as u64),
                identity: Some("v1".into()),
            })
        });
        // Streamed, as a remote source would.
        Ok(Listing {
            objects: Box::new(objects),
            total: None,
        })
    }

    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
        self.fetched.lock().unwrap().push(obj.name.clone());
        let (_, bytes) = self
            .objects
            .iter()
            .find(|(n, _)| *n == obj.name)
            .ok_or_else(|| FetchError("gone".into()))?;
        buf.clone_from(bytes);
        Ok(Fetched::default())
    }

    fn read_ahead(&self) -> usize {
        self.ahead
    }

    fn prefetch(&self, obj: &ObjectRef) {
        self.announced.lock().unwrap().push(obj.name.clone());
    }

    fn stats(&self) -> Option<Stats> {
        Some(Stats {
            objects_downloaded: self.fetched.lock().unwrap().len() as u64,
            ..Stats::default()
        })
    }
}

/// Counts what progress was told.
#[derive(Default)]
struct Counted {
    started: Mutex<Vec<Option<u64>>>,
    bytes: Mutex<u64>,
    records: Mutex<u64>,
    finished: Mutex<u32>,
}

impl Progress for Counted {
    fn start(&self, total: Option<u64>) {
        self.started.lock().unwrap().push(total);
    }
    fn advance(&self, bytes: u64, records: u64) {
        *self.bytes.lock().unwrap() += bytes;
        *self.records.lock().unwrap() += records;
    }
    fn finish(&self) {
        *self.finished.lock().unwrap() += 1;
    }
    fn visible(&self) -> bool {
        true
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(p) = todo.pop() {
        if p.is_dir() {
            todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn config() -> Config {
    let mut cfg = Config::default();
    cfg.selection.principals.push(CI.parse().unwrap());
    cfg.selection.regions = vec!["us-east-1".into(), "us-west-2".into()];
    cfg
}

/// Everything observable of a result but the source's stats.
fn observable(g: &Ingested) -> String {
    let mut summary = g.summary.clone();
    summary.s3 = None;
    format!(
        "{:?}\n{}",
        g.usage.sorted(),
        serde_json::to_string_pretty(&summary).unwrap()
    )
}

#[test]
fn an_in_memory_source_reads_like_local_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-trails/AWSLogs");
    let objects: Vec<(String, Vec<u8>)> = files(&dir)
        .into_iter()
        .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
        .collect();
    let cfg = config();
    let local = ingest::run(&LocalSource::new(vec![dir.clone()]), &cfg, &NoProgress).unwrap();
    assert!(local.summary.records.used > 0);
    assert!(local.summary.s3.is_none());
    let bytes: u64 = objects.iter().map(|(_, b)| b.len() as u64).sum();

    for ahead in [0, 4] {
        let memory = Memory::new(objects.clone(), ahead);
        let progress = Counted::default();
        let got = ingest::run(&memory, &cfg, &progress).unwrap();
        assert_eq!(observable(&got), observable(&local), "read ahead {ahead}");
        // The listing filter comes from the selection.
        let filter = memory.filter.lock().unwrap().clone().unwrap();
        assert_eq!(filter.regions, cfg.selection.regions);
        assert!(filter.sizes, "a visible progress wants sizes");
        // Every object fetched once, announced ahead only when asked for.
        assert_eq!(memory.fetched.lock().unwrap().len(), objects.len());
        let announced = memory.announced.lock().unwrap().len();
        assert_eq!(announced, if ahead > 0 { objects.len() } else { 0 });
        assert_eq!(*progress.started.lock().unwrap(), [None]);
        assert_eq!(*progress.finished.lock().unwrap(), 1);
        assert_eq!(*progress.bytes.lock().unwrap(), bytes);
        assert_eq!(*progress.records.lock().unwrap(), got.summary.records.read);
        assert_eq!(
            got.summary.s3.as_ref().unwrap().objects_downloaded,
            objects.len() as u64
        );
    }

    // The per-object cache works for it through its identity: a second run fetches
    // nothing and gives the same. A cached object's results hold every record, so a
    // cached run reads without the prefilter: compare with a local run that does too.
    let full = ingest::Config {
        prefilter: false,
        ..cfg.clone()
    };
    let local = ingest::run(&LocalSource::new(vec![dir.clone()]), &full, &NoProgress).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache::open(tmp.path(), &cfg).unwrap();
    let first = Memory::new(objects.clone(), 2);
    let a = ingest::run_cached(&first, &cfg, Some(&cache), &NoProgress).unwrap();
    assert_eq!(observable(&a), observable(&local));
    let second = Memory::new(objects.clone(), 2);
    let b = ingest::run_cached(&second, &cfg, Some(&cache), &NoProgress).unwrap();
    assert_eq!(observable(&b), observable(&local));
    assert!(second.fetched.lock().unwrap().is_empty());
    let stats = b.summary.s3.unwrap();
    assert_eq!(stats.objects_from_cache, objects.len() as u64);
}

/// A listing that fails part-way stops the run with its error.
#[test]
fn a_failed_listing_stops_the_run() {
    struct Broken;
    impl Source for Broken {
        fn list(&self, _: &ListFilter) -> Result<Listing<'_>, ListError> {
            let objects = [
                Ok(ObjectRef::named("a", None)),
                Err(ListError::Other("the listing broke".into())),
                Ok(ObjectRef::named("b", None)),
            ];
            Ok(Listing {
                objects: Box::new(objects.into_iter()),
                total: None,
            })
        }
        fn fetch_into(&self, _: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
            buf.clear();
            buf.extend_from_slice(br#"{"Records":[]}"#);
            Ok(Fetched::default())
        }
    }
    let err = ingest::run(&Broken, &Config::default(), &NoProgress).unwrap_err();
    assert_eq!(err.to_string(), "the listing broke");
}
