//! zlib-ng vs flate2 + zlib-rs (iamtrail's configuration) on whole gzip objects, one thread,
//! in one run: `zlib-ng-probe DIR [REPEATS]` (every file under DIR is a gzip member).
//! Run by benches/zlib-ng.sh; see benches/README.md.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn isize_of(gz: &[u8]) -> usize {
    let n = gz.len();
    u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]) as usize
}

unsafe extern "C" fn zalloc(
    _: *mut std::ffi::c_void,
    items: u32,
    size: u32,
) -> *mut std::ffi::c_void {
    let n = items as usize * size as usize + 16;
    let Ok(layout) = std::alloc::Layout::from_size_align(n, 16) else {
        return std::ptr::null_mut();
    };
    // SAFETY: n > 0; the size header is written inside the block.
    unsafe {
        let p = std::alloc::alloc(layout);
        if p.is_null() {
            return std::ptr::null_mut();
        }
        (p as *mut usize).write(n);
        p.add(16).cast()
    }
}

unsafe extern "C" fn zfree(_: *mut std::ffi::c_void, p: *mut std::ffi::c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: `p` came from zalloc, which stored the block size 16 bytes before it.
    unsafe {
        let base = (p as *mut u8).sub(16);
        let n = (base as *mut usize).read();
        std::alloc::dealloc(base, std::alloc::Layout::from_size_align_unchecked(n, 16));
    }
}

struct Ng(Box<libz_ng_sys::z_stream>);

impl Ng {
    fn new() -> Ng {
        let mut s = Box::new(libz_ng_sys::z_stream {
            next_in: std::ptr::null_mut(),
            avail_in: 0,
            total_in: 0,
            next_out: std::ptr::null_mut(),
            avail_out: 0,
            total_out: 0,
            msg: std::ptr::null_mut(),
            state: std::ptr::null_mut(),
            zalloc,
            zfree,
            opaque: std::ptr::null_mut(),
            data_type: 0,
            adler: 0,
            reserved: 0,
        });
        // SAFETY: a fully initialized stream; windowBits 15 + 16 = gzip.
        let rc = unsafe {
            libz_ng_sys::inflateInit2_(
                &mut *s,
                31,
                libz_ng_sys::zlibVersion(),
                std::mem::size_of::<libz_ng_sys::z_stream>() as i32,
            )
        };
        assert_eq!(rc, libz_ng_sys::Z_OK);
        Ng(s)
    }

    fn inflate(&mut self, gz: &[u8], out: &mut Vec<u8>) -> usize {
        let n = isize_of(gz);
        out.clear();
        out.reserve(n + 1);
        let s = &mut *self.0;
        // SAFETY: the pointers and lengths describe live buffers for the call.
        unsafe {
            assert_eq!(libz_ng_sys::inflateReset(s), libz_ng_sys::Z_OK);
            s.next_in = gz.as_ptr() as *mut u8;
            s.avail_in = gz.len() as u32;
            s.next_out = out.as_mut_ptr();
            s.avail_out = (n + 1) as u32;
            assert_eq!(
                libz_ng_sys::inflate(s, libz_ng_sys::Z_FINISH),
                libz_ng_sys::Z_STREAM_END
            );
            out.set_len(s.total_out as usize);
        }
        out.len()
    }
}

impl Drop for Ng {
    fn drop(&mut self) {
        // SAFETY: initialized by inflateInit2.
        unsafe {
            libz_ng_sys::inflateEnd(&mut *self.0);
        }
    }
}

fn median(repeats: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut t = Vec::new();
    let mut bytes = 0;
    for _ in 0..repeats {
        let s = Instant::now();
        bytes = f();
        t.push(s.elapsed());
    }
    t.sort();
    (t[t.len() / 2], bytes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("usage: zlib-ng-probe DIR [REPEATS]"));
    let repeats: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut list = Vec::new();
    files(&dir, &mut list);
    let objects: Vec<Vec<u8>> = list
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .collect();
    let mut out = Vec::new();
    let mut ng = Ng::new();
    let (t_ng, b_ng) = median(repeats, || {
        objects.iter().map(|g| ng.inflate(g, &mut out)).sum()
    });
    let (t_rs, b_rs) = median(repeats, || {
        objects
            .iter()
            .map(|g| {
                out.clear();
                flate2::read::MultiGzDecoder::new(&g[..])
                    .read_to_end(&mut out)
                    .expect("gzip")
            })
            .sum()
    });
    assert_eq!(b_ng, b_rs, "both inflate the same bytes");
    // SAFETY: zlibVersion returns a static C string.
    let version = unsafe { std::ffi::CStr::from_ptr(libz_ng_sys::zlibVersion()) };
    println!(
        "{} objects, {:.1} MB of JSON, in memory, 1 thread, median of {repeats}",
        objects.len(),
        b_ng as f64 / 1e6
    );
    println!(
        "| zlib-ng {} (libz-ng-sys), inflate(Z_FINISH) one call | {:.0} MB/s |",
        version.to_string_lossy(),
        b_ng as f64 / 1e6 / t_ng.as_secs_f64()
    );
    println!(
        "| flate2 + zlib-rs{}, MultiGzDecoder (same run) | {:.0} MB/s |",
        if cfg!(feature = "runtime-detection") {
            " + runtime_detection"
        } else {
            " (as iamtrail: no runtime_detection)"
        },
        b_rs as f64 / 1e6 / t_rs.as_secs_f64()
    );
}
