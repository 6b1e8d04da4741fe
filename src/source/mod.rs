//! Sources: where CloudTrail objects come from. Each source lists objects and fetches
//! their bytes; the ingest pipeline does the rest the same way for all of them.

pub mod local;
pub mod s3;

/// One object to read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// How reports name it (a path, `s3://bucket/key`, `<stdin>`).
    pub name: String,
    /// Size in bytes when known before reading (progress).
    pub size: Option<u64>,
}

/// Why an object could not be fetched.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FetchError(pub String);

/// A place objects come from.
pub trait Source: Sync {
    /// Fetches one listed object's bytes.
    fn fetch(&self, obj: &ObjectRef) -> Result<Vec<u8>, FetchError>;

    /// Fetches one listed object's bytes into `buf` (its contents replaced), so a worker
    /// can reuse one buffer for every object it reads.
    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<(), FetchError> {
        *buf = self.fetch(obj)?;
        Ok(())
    }
}
