//! Local files, directories (recursive, sorted) and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{FetchError, Fetched, ListError, ListFilter, Listing, ObjectRef, Source};

/// The name standard input gets in reports.
pub const STDIN: &str = "<stdin>";

fn io_error(path: String) -> impl FnOnce(std::io::Error) -> ListError {
    move |error| ListError::Io { path, error }
}

/// Files and directories given on the command line; `-` is standard input.
#[derive(Debug, Default)]
pub struct LocalSource {
    inputs: Vec<PathBuf>,
    stdin: std::sync::Mutex<Option<Vec<u8>>>,
}

impl LocalSource {
    /// A source reading `inputs` (files, directories, `-`).
    pub fn new(inputs: Vec<PathBuf>) -> LocalSource {
        LocalSource {
            inputs,
            stdin: std::sync::Mutex::default(),
        }
    }

    /// Lists every file under the inputs (directories recursively, in sorted order).
    /// Standard input (`-`) is read now, once. With `sizes`, each file's size is looked
    /// up (a system call per file, which shows with many small objects): only a progress
    /// bar needs them, reading does without.
    pub fn files(&self, sizes: bool) -> Result<Vec<ObjectRef>, ListError> {
        let mut out = Vec::new();
        for p in &self.inputs {
            if p.as_os_str() == "-" {
                if out.iter().any(|o: &ObjectRef| o.name == STDIN) {
                    // It can be read once: a second `-` would read nothing.
                    return Err(ListError::Other(
                        "standard input (`-`) is given more than once".into(),
                    ));
                }
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .map_err(io_error(STDIN.into()))?;
                out.push(ObjectRef::named(STDIN, Some(buf.len() as u64)));
                *self.stdin.lock().unwrap_or_else(|e| e.into_inner()) = Some(buf);
                continue;
            }
            let meta = std::fs::metadata(p).map_err(io_error(p.display().to_string()))?;
            walk(p, Kind::of(&meta, sizes), sizes, &mut out)?;
        }
        Ok(out)
    }
}

/// What a listed path is.
enum Kind {
    Dir,
    File(Option<u64>),
    Other,
}

impl Kind {
    fn of(meta: &std::fs::Metadata, sizes: bool) -> Kind {
        if meta.is_dir() {
            Kind::Dir
        } else if meta.is_file() {
            Kind::File(sizes.then_some(meta.len()))
        } else {
            Kind::Other
        }
    }

    /// The kind of a directory entry: from the directory listing itself when it says
    /// (no system call), else from the entry's metadata; symbolic links are followed.
    fn of_entry(e: &std::fs::DirEntry, path: &Path, sizes: bool) -> std::io::Result<Kind> {
        match e.file_type() {
            Ok(t) if t.is_dir() => Ok(Kind::Dir),
            Ok(t) if t.is_file() && !sizes => Ok(Kind::File(None)),
            Ok(t) if !t.is_symlink() => e.metadata().map(|m| Kind::of(&m, sizes)),
            _ => std::fs::metadata(path).map(|m| Kind::of(&m, sizes)),
        }
    }
}

fn walk(p: &Path, kind: Kind, sizes: bool, out: &mut Vec<ObjectRef>) -> Result<(), ListError> {
    let err = io_error(p.display().to_string());
    match kind {
        Kind::Dir => {
            // Sorted by name: the same order as sorting the paths, since they share the
            // directory.
            let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(p)
                .map_err(err)?
                .filter_map(Result::ok)
                .collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            // Entries are looked at in parallel (a bucket holds ~100,000 small objects
            // per day) and put together in order; the first error in that order is the
            // one reported, as when listing one by one.
            let listed: Vec<Result<Vec<ObjectRef>, ListError>> = entries
                .par_iter()
                .map(|e| {
                    let path = e.path();
                    let kind = Kind::of_entry(e, &path, sizes)
                        .map_err(io_error(path.display().to_string()))?;
                    let mut found = Vec::new();
                    walk(&path, kind, sizes, &mut found)?;
                    Ok(found)
                })
                .collect();
            for l in listed {
                out.append(&mut l?);
            }
        }
        // `display` formats a character at a time; most paths are UTF-8 already.
        Kind::File(size) => out.push(ObjectRef::named(
            p.to_str()
                .map_or_else(|| p.display().to_string(), str::to_owned),
            size,
        )),
        Kind::Other => {}
    }
    Ok(())
}

/// Opens a listed file. Objects are read about in listing order, so a worker's next file
/// is mostly in the directory of its last one: opened relative to that directory
/// (`openat`, one directory handle kept per thread), the kernel looks up one name instead
/// of walking the whole path, which was ~10% of a run over 100,000 small objects.
#[cfg(unix)]
fn open(path: &str) -> std::io::Result<std::fs::File> {
    use std::cell::RefCell;
    use std::fs::File;
    thread_local! {
        static DIR: RefCell<Option<(String, File)>> = const { RefCell::new(None) };
    }
    let Some((dir, name)) = path
        .rsplit_once('/')
        .filter(|(d, n)| !d.is_empty() && !n.is_empty())
    else {
        return File::open(path);
    };
    DIR.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.as_ref().is_none_or(|(d, _)| d != dir) {
            // A directory that cannot be opened itself (execute permission only) still
            // lets its files be opened by path.
            *cell = File::open(dir).ok().map(|handle| (dir.to_owned(), handle));
        }
        match cell.as_ref() {
            Some((_, handle)) => {
                let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC;
                Ok(File::from(rustix::fs::openat(
                    handle,
                    name,
                    flags,
                    rustix::fs::Mode::empty(),
                )?))
            }
            None => File::open(path),
        }
    })
}

#[cfg(not(unix))]
fn open(path: &str) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// Bytes read first from a file whose size was not listed: most CloudTrail objects are
/// smaller; larger ones grow the buffer.
const UNLISTED: usize = 64 << 10;

/// Reads `r` to its end into `buf` (its contents replaced), with room for `capacity`
/// bytes to start with (grown when the file turns out larger than listed). Through
/// `Take`, because `File::read_to_end` asks the file for its size and position first.
fn read_into(r: impl Read, buf: &mut Vec<u8>, capacity: usize) -> std::io::Result<()> {
    buf.clear();
    buf.reserve(capacity);
    r.take(u64::MAX).read_to_end(buf)?;
    Ok(())
}

impl Source for LocalSource {
    /// Local files cannot be pruned by the filter (their names say nothing reliable);
    /// only `sizes` applies.
    fn list(&self, filter: &ListFilter) -> Result<Listing<'_>, ListError> {
        Ok(Listing::of(self.files(filter.sizes)?))
    }

    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
        if obj.name == STDIN {
            *buf = self
                .stdin
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .ok_or_else(|| FetchError("standard input was already read".into()))?;
            return Ok(Fetched::default());
        }
        // The size listed (else room for a typical object) saves asking for it: `fs::read`
        // and `File::read_to_end` ask the file its size and position first (two system
        // calls per object, which show with many small objects). The spare bytes find the
        // end in the same read and leave the decoder room to parse plain JSON in place.
        let hint = obj
            .size
            .map_or(UNLISTED, |n| usize::try_from(n).unwrap_or(UNLISTED));
        open(&obj.name)
            .and_then(|f| read_into(f, buf, hint.saturating_add(crate::decode::SLACK + 1)))
            .map(|()| Fetched::default())
            .map_err(|e| FetchError(format!("cannot read: {e}")))
    }

    fn rereadable(&self, obj: &ObjectRef) -> bool {
        obj.name != STDIN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Listing with and without sizes names the same files in the same order (nested
    /// directories, a symbolic link to a file and one to a directory followed).
    #[test]
    fn lists_the_same_files_with_or_without_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/c")).unwrap();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("b/c/2.json"), b"{}").unwrap();
        std::fs::write(root.join("b/1.json.gz"), b"12345").unwrap();
        std::fs::write(root.join("a/0.json"), b"[]\n").unwrap();
        std::os::unix::fs::symlink(root.join("b/1.json.gz"), root.join("a/link.json")).unwrap();
        std::os::unix::fs::symlink(root.join("b/c"), root.join("d")).unwrap();
        let src = LocalSource::new(vec![root.to_path_buf()]);
        let sized = src.files(true).unwrap();
        let bare = src.files(false).unwrap();
        let names = |l: &[ObjectRef]| l.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
        let want: Vec<String> = [
            "a/0.json",
            "a/link.json",
            "b/1.json.gz",
            "b/c/2.json",
            "d/2.json",
        ]
        .iter()
        .map(|n| root.join(n).display().to_string())
        .collect();
        assert_eq!(names(&sized), want);
        assert_eq!(names(&bare), want);
        let sizes: Vec<Option<u64>> = sized.iter().map(|o| o.size).collect();
        assert_eq!(sizes, [Some(3), Some(5), Some(5), Some(2), Some(2)]);
        // Only a symbolic link is looked up when sizes are not wanted.
        assert!(
            bare.iter()
                .all(|o| o.size.is_none() || o.name.ends_with("link.json"))
        );
        // Read in an order that changes directory at every step and comes back (files
        // are opened relative to the last directory used).
        for o in bare.iter().rev().chain(&bare).chain(bare.iter().step_by(2)) {
            assert_eq!(src.fetch(o).unwrap(), std::fs::read(&o.name).unwrap());
        }
        // Gone since listing: an error, also when its directory is the one last used.
        std::fs::remove_file(root.join("b/c/2.json")).unwrap();
        src.fetch(&bare[3]).unwrap_err();
        let err = src.fetch(&bare[3]).unwrap_err().to_string();
        assert!(err.contains("cannot read"), "{err}");
        assert_eq!(src.fetch(&bare[2]).unwrap(), b"12345");
    }

    /// Whatever size was listed, reading gives the file's bytes.
    #[test]
    fn reads_whole_files_whatever_the_hint() {
        // A reader that hands out at most 777 bytes per call, as pipes do.
        struct Trickle<'a>(&'a [u8]);
        impl std::io::Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = out.len().min(self.0.len()).min(777);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for capacity in [0, 1, 9_999, 10_000, 10_001, 100_000] {
            // A buffer that held a larger file before.
            let mut buf = vec![7u8; 20_000];
            read_into(Trickle(&data), &mut buf, capacity).unwrap();
            assert_eq!(buf, data);
        }
        let mut buf = data.clone();
        read_into(Trickle(&[]), &mut buf, 0).unwrap();
        assert!(buf.is_empty());
    }
}
