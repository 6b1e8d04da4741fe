//! Local files, directories (recursive, sorted) and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{FetchError, ObjectRef, Source};

/// The name standard input gets in reports.
pub const STDIN: &str = "<stdin>";

/// Why an input path could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ListError {
    /// The path.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: std::io::Error,
}

/// Files and directories given on the command line; `-` is standard input.
#[derive(Debug, Default)]
pub struct LocalSource {
    stdin: std::sync::Mutex<Option<Vec<u8>>>,
}

impl LocalSource {
    /// Lists every file under `inputs` (directories recursively, in sorted order).
    /// Standard input (`-`) is read now, once.
    pub fn list(&self, inputs: &[PathBuf]) -> Result<Vec<ObjectRef>, ListError> {
        let mut out = Vec::new();
        for p in inputs {
            if p.as_os_str() == "-" {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(|source| ListError {
                        path: STDIN.into(),
                        source,
                    })?;
                out.push(ObjectRef {
                    name: STDIN.into(),
                    size: Some(buf.len() as u64),
                });
                *self.stdin.lock().unwrap_or_else(|e| e.into_inner()) = Some(buf);
                continue;
            }
            walk(p, &mut out)?;
        }
        Ok(out)
    }
}

fn walk(p: &Path, out: &mut Vec<ObjectRef>) -> Result<(), ListError> {
    let meta = std::fs::metadata(p).map_err(|source| ListError {
        path: p.display().to_string(),
        source,
    })?;
    walk_meta(p, &meta, out)
}

fn walk_meta(
    p: &Path,
    meta: &std::fs::Metadata,
    out: &mut Vec<ObjectRef>,
) -> Result<(), ListError> {
    let err = |source| ListError {
        path: p.display().to_string(),
        source,
    };
    if meta.is_dir() {
        // Sorted by name: the same order as sorting the paths, since they share the
        // directory. The entry's own type and metadata (looked up relative to the open
        // directory) save a path walk per file; symbolic links are followed as before.
        let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(p)
            .map_err(err)?
            .filter_map(Result::ok)
            .collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        // Entries are looked at in parallel (a bucket holds ~100,000 small objects per
        // day and listing them is a system call or two each) and put together in order;
        // the first error in that order is the one reported, as when listing one by one.
        let listed: Vec<Result<Vec<ObjectRef>, ListError>> = entries
            .par_iter()
            .map(|e| {
                let path = e.path();
                let meta = match e.file_type() {
                    Ok(t) if !t.is_symlink() => e.metadata(),
                    _ => std::fs::metadata(&path),
                }
                .map_err(|source| ListError {
                    path: path.display().to_string(),
                    source,
                })?;
                let mut found = Vec::new();
                walk_meta(&path, &meta, &mut found)?;
                Ok(found)
            })
            .collect();
        for l in listed {
            out.append(&mut l?);
        }
    } else if meta.is_file() {
        out.push(ObjectRef {
            name: p.display().to_string(),
            size: Some(meta.len()),
        });
    }
    Ok(())
}

impl Source for LocalSource {
    fn fetch(&self, obj: &ObjectRef) -> Result<Vec<u8>, FetchError> {
        if obj.name == STDIN {
            return self
                .stdin
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .ok_or_else(|| FetchError("standard input was already read".into()));
        }
        // The size listed saves asking for it again (one system call per object, which
        // shows with many small objects); the spare bytes find the end in the same read
        // and leave the decoder room to parse plain JSON in place.
        let read = || -> std::io::Result<Vec<u8>> {
            let mut f = std::fs::File::open(&obj.name)?;
            let hint = obj.size.map_or(0, |n| usize::try_from(n).unwrap_or(0));
            let mut buf = Vec::with_capacity(hint.saturating_add(crate::decode::SLACK + 1));
            f.read_to_end(&mut buf)?;
            Ok(buf)
        };
        read().map_err(|e| FetchError(format!("cannot read: {e}")))
    }
}
