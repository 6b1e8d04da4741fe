//! Reading S3 objects listed earlier, for callers that list and read in two steps (the S3
//! tests, tools that show what a run would read first). Everything else reads S3 through
//! [`run`](super::run) like any source.

use super::{Config, Ingested, Progress, filter, run};
use crate::source::s3::layout::S3Url;
use crate::source::s3::{Listed, S3Error, S3Source};
use crate::source::{self, ListError};

impl S3Source {
    /// Lists what reading `urls` would read under `cfg`'s selection (pruned by its
    /// window, regions and accounts; `now` bounds an open-ended window), without reading
    /// it. (Not [`Source::list`](crate::source::Source::list), which streams the
    /// source's own URLs.)
    pub fn list(&self, urls: &[S3Url], cfg: &Config, now: i64) -> Result<Vec<Listed>, S3Error> {
        self.list_urls(urls, &filter(&cfg.selection, now, false))
    }

    /// Reads objects listed earlier (by [`S3Source::list`]); objects that changed or went
    /// away since are reported like any unreadable object.
    pub fn ingest_listed(
        &self,
        objects: Vec<Listed>,
        cfg: &Config,
        progress: &dyn Progress,
    ) -> Result<Ingested, ListError> {
        let objects = objects.iter().map(Listed::object).collect();
        run(&source::Listed::new(self, objects), cfg, progress)
    }
}
