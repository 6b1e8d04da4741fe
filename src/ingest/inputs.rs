//! What a command reads: files, directories, standard input and `s3://` URLs, mixed
//! (their results merged). Chooses the source for each input and runs the ingest over
//! it; the command line only parses arguments and shows progress.

use std::path::PathBuf;

use super::{Cache, Config, Ingested, Progress, run_cached};
use crate::source::local::LocalSource;
use crate::source::s3::layout::S3Url;
use crate::source::s3::{S3Error, S3Options, S3Source, is_s3};
use crate::source::{
    FetchError, Fetched, ListError, ListFilter, Listing, ObjectRef, Source, Stats,
};

/// The inputs of a run.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Files, directories (recursive), `-` (standard input) and `s3://BUCKET/[PREFIX]`.
    pub paths: Vec<PathBuf>,
    /// How to reach S3.
    pub s3: S3Options,
    /// Where per-object results are kept (`--cache`; objects with an identity only, which
    /// today are S3 objects).
    pub cache: Option<PathBuf>,
}

impl Inputs {
    /// Whether any input names S3.
    pub fn has_s3(&self) -> bool {
        self.paths.iter().any(|p| p.to_str().is_some_and(is_s3))
    }
}

/// Why the inputs could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// An `s3://` input that is not a valid URL (a usage error).
    #[error("{0}")]
    Url(String),
    /// A listing failed.
    #[error(transparent)]
    List(#[from] ListError),
    /// S3 could not be set up (no such profile, no runtime).
    #[error(transparent)]
    S3(#[from] S3Error),
    /// The cache folder cannot be used.
    #[error("cannot use the cache folder {dir}: {message}")]
    Cache {
        /// The folder.
        dir: String,
        /// Why.
        message: String,
    },
}

/// Lists and ingests `inputs` (local ones first, then S3), with `progress` started once
/// per source.
pub fn read(
    inputs: &Inputs,
    cfg: &Config,
    progress: &dyn Progress,
) -> Result<Ingested, InputError> {
    let (remote, local): (Vec<&PathBuf>, Vec<&PathBuf>) = inputs
        .paths
        .iter()
        .partition(|p| p.to_str().is_some_and(is_s3));
    let local = (!local.is_empty()).then(|| LocalSource::new(local.into_iter().cloned().collect()));
    let remote = if remote.is_empty() {
        None
    } else {
        let urls = remote
            .iter()
            .map(|p| p.to_str().unwrap_or_default().parse::<S3Url>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(InputError::Url)?;
        Some(S3Source::new(inputs.s3.clone())?.reading(urls))
    };
    // The cache stores one usage set per object, for objects with an identity (S3's): a
    // run keeping calls (`replay`) or one usage set per principal (`--each-principal`)
    // reads every object.
    let cache = match &inputs.cache {
        Some(dir) if remote.is_some() && cfg.calls.is_none() && cfg.each.is_none() => {
            Some(Cache::open(dir, cfg).map_err(|e| InputError::Cache {
                dir: dir.display().to_string(),
                message: e.to_string(),
            })?)
        }
        _ => None,
    };
    // One run over both, so an event in a local file and in S3 counts once.
    let source = Mixed { local, remote };
    Ok(run_cached(&source, cfg, cache.as_ref(), progress)?)
}

/// Local inputs and S3 read as one source: the local listing, then S3's; each object
/// fetched from the source that listed it (`s3://` names are S3's).
struct Mixed {
    local: Option<LocalSource>,
    remote: Option<S3Source>,
}

impl Mixed {
    fn of(&self, obj: &ObjectRef) -> Option<&dyn Source> {
        if is_s3(&obj.name) {
            self.remote.as_ref().map(|s| s as &dyn Source)
        } else {
            self.local.as_ref().map(|s| s as &dyn Source)
        }
    }
}

impl Source for Mixed {
    fn list(&self, filter: &ListFilter) -> Result<Listing<'_>, ListError> {
        let local = self
            .local
            .as_ref()
            .map(|s| Source::list(s, filter))
            .transpose()?;
        let remote = self
            .remote
            .as_ref()
            .map(|s| Source::list(s, filter))
            .transpose()?;
        Ok(match (local, remote) {
            (Some(l), None) => l,
            (None, Some(r)) => r,
            (Some(l), Some(r)) => Listing {
                total: l.total.zip(r.total).map(|(a, b)| a + b),
                objects: Box::new(l.objects.chain(r.objects)),
            },
            (None, None) => Listing::of(Vec::new()),
        })
    }

    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
        match self.of(obj) {
            Some(s) => s.fetch_into(obj, buf),
            None => Err(FetchError(format!("no source reads {}", obj.name))),
        }
    }

    fn read_ahead(&self) -> usize {
        self.remote.as_ref().map_or(0, Source::read_ahead)
    }

    fn prefetch(&self, obj: &ObjectRef) {
        if let Some(s) = self.of(obj) {
            s.prefetch(obj);
        }
    }

    fn stats(&self) -> Option<Stats> {
        self.remote.as_ref().and_then(Source::stats)
    }

    fn rereadable(&self, obj: &ObjectRef) -> bool {
        self.of(obj).is_some_and(|s| s.rereadable(obj))
    }
}
