//! Sources: where CloudTrail objects come from. A source lists objects and fetches their
//! bytes; the ingest (`crate::ingest::run`) does everything else the same way for all of
//! them.
//!
//! **Adding a source** (capture output, query results, …): implement [`Source`] —
//! [`Source::list`] streams [`ObjectRef`]s for a [`ListFilter`] (prune by it where the
//! layout allows, or ignore it: selection filters every record anyway), and
//! [`Source::fetch_into`] fills a buffer with one object's bytes. Give objects an
//! [`ObjectRef::identity`] that changes whenever their bytes do, and the ingest's
//! per-object cache works for them too. A source that is slow per object (a network)
//! fetches ahead: it asks for a [`Source::read_ahead`] and starts fetching on
//! [`Source::prefetch`]. Nothing else needs to change: the ingest decodes, selects, maps,
//! deduplicates, caches and reports.

pub mod local;
pub mod s3;

/// One object to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// How reports name it (a path, `s3://bucket/key`, `<stdin>`); also how its source
    /// finds it again.
    pub name: String,
    /// Size in bytes when known before reading (progress).
    pub size: Option<u64>,
    /// What changes whenever the object's bytes do (an S3 ETag), when the source knows:
    /// per-object results are cached under (name, identity).
    pub identity: Option<String>,
}

impl ObjectRef {
    /// An object known by name only.
    pub fn named(name: impl Into<String>, size: Option<u64>) -> ObjectRef {
        ObjectRef {
            name: name.into(),
            size,
            identity: None,
        }
    }
}

/// What a listing may leave out: what a CloudTrail key layout can prune by (built from
/// the run's selection by the ingest). Records are still checked one by one, so a source
/// may ignore any of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Records at or after this time (epoch seconds).
    pub start: Option<i64>,
    /// Records before this time.
    pub end: Option<i64>,
    /// Only these regions (empty: all).
    pub regions: Vec<String>,
    /// Only these accounts (empty: all).
    pub accounts: Vec<String>,
    /// Now (epoch seconds): nothing is delivered later, which bounds an open-ended window.
    pub now: i64,
    /// Whether object sizes are wanted before reading (a progress bar's total); a source
    /// for which they cost a request per object may leave them out otherwise.
    pub sizes: bool,
}

/// Why a source could not be listed (the run stops).
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A local path could not be read. The I/O error is part of the message, not a
    /// `source` too: a report that prints the chain would say it twice.
    #[error("{path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// Anything else, as a message (e.g. an S3 listing refused).
    #[error("{0}")]
    Other(String),
}

/// Why an object could not be fetched (reported by its name; the run goes on).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

/// What a fetch learned about the object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    /// The identity of the bytes fetched, when the source tells (an object may change
    /// between listing and fetching): the object's results are cached under it.
    pub identity: Option<String>,
}

/// The objects a listing found, as they are found.
pub struct Listing<'a> {
    /// The objects (an error ends the listing).
    pub objects: Box<dyn Iterator<Item = Result<ObjectRef, ListError>> + Send + 'a>,
    /// Their total size (of the sizes listed), when known before reading (a progress
    /// bar's length).
    pub total: Option<u64>,
}

impl<'a> Listing<'a> {
    /// A listing of objects known up front.
    pub fn of(objects: Vec<ObjectRef>) -> Listing<'a> {
        let total = objects.iter().filter_map(|o| o.size).sum();
        Listing {
            objects: Box::new(objects.into_iter().map(Ok)),
            total: Some(total),
        }
    }
}

/// What a remote source did, for the report (requests, objects, bytes; the ingest adds
/// what its cache did).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// ListObjectsV2 requests (pages).
    pub list_requests: u64,
    /// Distinct prefixes listed (the layout pruning shows here).
    pub prefixes_listed: u64,
    /// Objects the listing selected for reading.
    pub objects_listed: u64,
    /// Objects downloaded.
    pub objects_downloaded: u64,
    /// Bytes downloaded.
    pub bytes_downloaded: u64,
    /// Objects whose results came from `--cache`.
    pub objects_from_cache: u64,
    /// Objects that could not be read (named in `problems`).
    pub objects_failed: u64,
    /// Results that could not be written to `--cache` (the run is complete without them).
    pub cache_write_errors: u64,
}

impl Stats {
    /// Adds `o`'s counts to these.
    pub fn add(&mut self, o: &Stats) {
        self.zip(o, |a, b| a + b);
    }

    /// What was counted since `before` (counts of the same source taken earlier).
    pub fn since(&self, before: &Stats) -> Stats {
        let mut d = self.clone();
        d.zip(before, u64::saturating_sub);
        d
    }

    fn zip(&mut self, o: &Stats, f: impl Fn(u64, u64) -> u64) {
        // Destructured so that a new field is a compile error here, not a silent loss.
        let Stats {
            list_requests,
            prefixes_listed,
            objects_listed,
            objects_downloaded,
            bytes_downloaded,
            objects_from_cache,
            objects_failed,
            cache_write_errors,
        } = self;
        for (a, b) in [
            (list_requests, o.list_requests),
            (prefixes_listed, o.prefixes_listed),
            (objects_listed, o.objects_listed),
            (objects_downloaded, o.objects_downloaded),
            (bytes_downloaded, o.bytes_downloaded),
            (objects_from_cache, o.objects_from_cache),
            (objects_failed, o.objects_failed),
            (cache_write_errors, o.cache_write_errors),
        ] {
            *a = f(*a, b);
        }
    }
}

/// A place objects come from. See the module documentation for how a new one plugs in.
pub trait Source: Sync {
    /// Lists the objects to read. A source may still be listing while the first objects
    /// are read (the listing is pulled as readers need objects).
    fn list(&self, filter: &ListFilter) -> Result<Listing<'_>, ListError>;

    /// Fetches one listed object's bytes into `buf` (its contents replaced), so a reader
    /// can reuse one buffer for every object it reads.
    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError>;

    /// Fetches one listed object's bytes.
    fn fetch(&self, obj: &ObjectRef) -> Result<Vec<u8>, FetchError> {
        let mut buf = Vec::new();
        self.fetch_into(obj, &mut buf)?;
        Ok(buf)
    }

    /// How many listed objects the reader announces ([`Source::prefetch`]) ahead of the
    /// ones it reads: 0 (the default) for sources that are fast per object.
    fn read_ahead(&self) -> usize {
        0
    }

    /// `obj` will be fetched soon (in announcement order): a source that fetches ahead
    /// starts here. Objects never announced are fetched on demand.
    fn prefetch(&self, obj: &ObjectRef) {
        let _ = obj;
    }

    /// What the source did so far, for the report (`None`: nothing to tell).
    fn stats(&self) -> Option<Stats> {
        None
    }

    /// Whether `obj` can be fetched again once read (standard input cannot): a run past
    /// its eventID memory budget reads a few objects again (`ingest::Seen`).
    fn rereadable(&self, obj: &ObjectRef) -> bool {
        let _ = obj;
        true
    }
}

/// A source reading only objects listed earlier (from `inner`): objects that changed or
/// went away since are reported like any unreadable object.
pub struct Listed<'a> {
    inner: &'a dyn Source,
    objects: Vec<ObjectRef>,
}

impl<'a> Listed<'a> {
    /// Reads `objects` from `inner`.
    pub fn new(inner: &'a dyn Source, objects: Vec<ObjectRef>) -> Listed<'a> {
        Listed { inner, objects }
    }
}

impl Source for Listed<'_> {
    fn list(&self, _: &ListFilter) -> Result<Listing<'_>, ListError> {
        Ok(Listing::of(self.objects.clone()))
    }

    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
        self.inner.fetch_into(obj, buf)
    }

    fn read_ahead(&self) -> usize {
        self.inner.read_ahead()
    }

    fn prefetch(&self, obj: &ObjectRef) {
        self.inner.prefetch(obj);
    }

    fn stats(&self) -> Option<Stats> {
        self.inner.stats()
    }

    fn rereadable(&self, obj: &ObjectRef) -> bool {
        self.inner.rereadable(obj)
    }
}
