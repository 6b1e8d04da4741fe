//! What a command reads: files, directories, standard input and `s3://` URLs, mixed
//! (their results merged). Chooses the source for each input and runs the ingest over
//! it; the command line only parses arguments and shows progress.

use std::path::PathBuf;

use super::{Cache, Config, Ingested, Progress, run_cached};
use crate::source::ListError;
use crate::source::local::LocalSource;
use crate::source::s3::layout::S3Url;
use crate::source::s3::{S3Error, S3Options, S3Source, is_s3};

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
    let mut out: Option<Ingested> = None;
    if !local.is_empty() {
        let source = LocalSource::new(local.into_iter().cloned().collect());
        out = Some(run_cached(&source, cfg, None, progress)?);
    }
    if !remote.is_empty() {
        let urls = remote
            .iter()
            .map(|p| p.to_str().unwrap_or_default().parse::<S3Url>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(InputError::Url)?;
        let source = S3Source::new(inputs.s3.clone())?.reading(urls);
        // The cache stores one usage set per object: a run keeping calls (`replay`) or one
        // usage set per principal (`--each-principal`) reads every object.
        let cache = match &inputs.cache {
            Some(dir) if cfg.calls.is_none() && cfg.each.is_none() => {
                Some(Cache::open(dir, cfg).map_err(|e| InputError::Cache {
                    dir: dir.display().to_string(),
                    message: e.to_string(),
                })?)
            }
            _ => None,
        };
        let got = run_cached(&source, cfg, cache.as_ref(), progress)?;
        out = Some(match out {
            None => got,
            Some(both) => {
                let mut both = both.merge(got);
                both.summary.finish();
                both
            }
        });
    }
    Ok(out.unwrap_or_default())
}
