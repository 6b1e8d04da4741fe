//! The measurements of `benches/throughput.rs`, shared with `tests/bench_smoke.rs` (which
//! runs each once on a tiny corpus so the bench cannot rot).
//!
//! Every measurement works on whole objects read from files (the page cache, once warmed),
//! on the current rayon pool: run it inside `ThreadPool::install` to choose the threads.
//! Each returns what it produced (bytes of JSON, records) so callers can check that all
//! stages saw the same corpus.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

/// What one pass over a corpus produced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Uncompressed JSON bytes.
    pub json_bytes: u64,
    /// Records seen (0 where the stage does not parse).
    pub records: u64,
}

impl std::ops::Add for Pass {
    type Output = Pass;
    fn add(self, o: Pass) -> Pass {
        Pass {
            json_bytes: self.json_bytes + o.json_bytes,
            records: self.records + o.records,
        }
    }
}

/// A rayon pool of `n` threads.
pub fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .expect("a rayon pool")
}

/// Reads every file once (so the page cache holds them and disk is not what is timed);
/// returns the bytes read.
pub fn warm(files: &[PathBuf]) -> u64 {
    files
        .par_iter()
        .map(|f| std::fs::read(f).map_or(0, |b| b.len() as u64))
        .sum()
}

/// CPU time each thread of this process has run so far (ns), by thread id, from
/// `/proc/self/task/*/schedstat`; empty where that is not available.
pub fn cpu_by_thread() -> Vec<(u64, u64)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|t| {
            let tid = t.file_name().to_str()?.parse().ok()?;
            let s = std::fs::read_to_string(t.path().join("schedstat")).ok()?;
            Some((tid, s.split_whitespace().next()?.parse().ok()?))
        })
        .collect()
}

/// CPU time run between two [`cpu_by_thread`] snapshots by the threads alive at the end
/// (threads of dropped pools that exit meanwhile are left out, not subtracted).
pub fn cpu_between(before: &[(u64, u64)], after: &[(u64, u64)]) -> Duration {
    let ns = after
        .iter()
        .map(|&(tid, t)| {
            let was = before.iter().find(|b| b.0 == tid).map_or(0, |b| b.1);
            t.saturating_sub(was)
        })
        .sum();
    Duration::from_nanos(ns)
}

/// The 1-minute load average (other work on the machine shows here).
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// A timed result: the median wall time of several runs, the CPU time of that run (all
/// threads), and the last result.
pub struct Timed<T> {
    /// Median wall time.
    pub wall: Duration,
    /// CPU time of the median run.
    pub cpu: Duration,
    /// What the last run returned.
    pub out: T,
}

/// Runs `f` `repeats` times (at least once); returns the median wall time (with the CPU
/// time of that run) and the last result.
pub fn median<T>(repeats: usize, mut f: impl FnMut() -> T) -> Timed<T> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let c = cpu_by_thread();
        let t = Instant::now();
        let out = f();
        let wall = t.elapsed();
        times.push((wall, cpu_between(&c, &cpu_by_thread())));
        last = Some(out);
    }
    times.sort();
    let (wall, cpu) = times[times.len() / 2];
    Timed {
        wall,
        cpu,
        out: last.expect("ran at least once"),
    }
}

fn read(f: &Path) -> Vec<u8> {
    std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()))
}

/// The gzip trailer's ISIZE: the uncompressed size mod 2^32 (exact for CloudTrail
/// objects, which are far below 4 GB). Used to size output buffers for one-call inflaters.
pub fn isize_of(gz: &[u8]) -> usize {
    let n = gz.len();
    assert!(n >= 18, "not a gzip member");
    u32::from_le_bytes([gz[n - 4], gz[n - 3], gz[n - 2], gz[n - 1]]) as usize
}

thread_local! {
    /// Per-thread measurement state, one slot per state type (see [`over`]).
    static STATE: std::cell::RefCell<Vec<Box<dyn std::any::Any>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Sums `per_object` over all files, in parallel on the current pool. Each pool thread
/// keeps one state of type `S` (made by `init` on first use) for all its objects, so
/// buffers are reused across objects the way a decompression limit assumes (rayon's
/// `map_init` would make one per job split).
fn over<S: 'static>(
    files: &[PathBuf],
    init: impl Fn() -> S + Sync + Send,
    per_object: impl Fn(&mut S, Vec<u8>) -> Pass + Sync + Send,
) -> Pass {
    files
        .par_iter()
        .map(|f| {
            let data = read(f);
            STATE.with(|slots| {
                let mut slots = slots.borrow_mut();
                let i = match slots.iter().position(|s| s.is::<S>()) {
                    Some(i) => i,
                    None => {
                        slots.push(Box::new(init()));
                        slots.len() - 1
                    }
                };
                per_object(slots[i].downcast_mut::<S>().expect("slot type"), data)
            })
        })
        .reduce(Pass::default, |a, b| a + b)
}

/// (0) Reads every file and nothing else: the floor under everything else (open, read
/// from the page cache, close). Returns the bytes read.
pub fn read_only(files: &[PathBuf]) -> u64 {
    files.par_iter().map(|f| read(f).len() as u64).sum()
}

// ---------------------------------------------------------------------------------------
// (a) inflate only, the way the decoder inflates.

/// Inflates one whole gzip object with libdeflate into `out[..ISIZE]`, grown only (never
/// re-zeroed) and followed by `simd_json::INPUT_PADDING` bytes: what
/// `iamtrail::decode::Decoder` does for a single-member object. Returns the JSON length.
fn libdeflate_into(d: &mut libdeflater::Decompressor, out: &mut Vec<u8>, gz: &[u8]) -> usize {
    let n = isize_of(gz);
    if out.len() < n + simd_json::INPUT_PADDING {
        out.resize(n + simd_json::INPUT_PADDING, b' ');
    }
    let got = d.gzip_decompress(gz, &mut out[..n]).expect("valid gzip");
    assert_eq!(got, n, "one member");
    n
}

/// (a) libdeflate, one call per object into a reused buffer: exactly how
/// `iamtrail::decode::Decoder` inflates a CloudTrail object.
pub fn inflate(files: &[PathBuf]) -> Pass {
    over(
        files,
        || (libdeflater::Decompressor::new(), Vec::new()),
        |(d, out), gz| Pass {
            json_bytes: libdeflate_into(d, out, &gz) as u64,
            records: 0,
        },
    )
}

/// flate2 (zlib-rs) `MultiGzDecoder::read_to_end` into a reused buffer: the decoder's
/// fallback for multi-member objects (and what it did for every object before).
pub fn inflate_flate2(files: &[PathBuf]) -> Pass {
    over(files, Vec::new, |out: &mut Vec<u8>, gz| {
        out.clear();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(out)
            .expect("valid gzip");
        Pass {
            json_bytes: out.len() as u64,
            records: 0,
        }
    })
}

// ---------------------------------------------------------------------------------------
// (b) inflate + parse with the decoder's parser (simd-json).

/// Counts the elements of the top-level `Records` array of a parsed tape.
fn records_in_tape(t: &simd_json::tape::Tape<'_>) -> u64 {
    t.as_value()
        .get("Records")
        .and_then(|r| r.as_array())
        .map_or(0, |a| a.len() as u64)
}

/// (b) inflate (as in (a)) + `simd_json::fill_tape_padded` in place into a reused tape
/// and buffers: the parser `Decoder` uses.
pub fn inflate_parse_tape(files: &[PathBuf]) -> Pass {
    use simd_json::tape::Tape;
    struct St {
        d: libdeflater::Decompressor,
        out: Vec<u8>,
        buffers: simd_json::Buffers,
        tape: Option<Tape<'static>>,
    }
    over(
        files,
        || St {
            d: libdeflater::Decompressor::new(),
            out: Vec::new(),
            buffers: simd_json::Buffers::default(),
            tape: Some(Tape::null().reset()),
        },
        |s, gz| {
            let n = libdeflate_into(&mut s.d, &mut s.out, &gz);
            let mut tape = s.tape.take().expect("tape").reset();
            simd_json::fill_tape_padded(&mut s.out, n, &mut s.buffers, &mut tape)
                .expect("valid JSON");
            let records = records_in_tape(&tape);
            s.tape = Some(tape.reset());
            Pass {
                json_bytes: n as u64,
                records,
            }
        },
    )
}

/// (b') inflate (as in (a)) + `simd_json::to_borrowed_value_with_buffers` (a DOM of
/// borrowed strings).
pub fn inflate_parse_borrowed(files: &[PathBuf]) -> Pass {
    use simd_json::prelude::*;
    over(
        files,
        || {
            (
                libdeflater::Decompressor::new(),
                Vec::new(),
                simd_json::Buffers::default(),
            )
        },
        |(d, out, buffers), gz| {
            let n = libdeflate_into(d, out, &gz);
            let json_bytes = n as u64;
            let v = simd_json::to_borrowed_value_with_buffers(&mut out[..n], buffers)
                .expect("valid JSON");
            let records = v
                .get("Records")
                .and_then(|r| r.as_array())
                .map_or(0, |a| a.len() as u64);
            Pass {
                json_bytes,
                records,
            }
        },
    )
}

/// (b'') the public decoder itself (`iamtrail::decode::Decoder::decode`, inflate + parse +
/// per-record checks), with a sink that only counts: everything of (c) but selection,
/// mapping and the usage set.
pub fn decode_only(files: &[PathBuf]) -> Pass {
    over(files, iamtrail::decode::Decoder::default, |d, gz| {
        let json_bytes = isize_of(&gz) as u64;
        let mut data = gz;
        let mut records = 0u64;
        d.decode(&mut data, &mut |_, r| records += u64::from(r.is_ok()))
            .expect("a readable object");
        Pass {
            json_bytes,
            records,
        }
    })
}

// ---------------------------------------------------------------------------------------
// (c) the full generate pipeline through the library.

/// What a pipeline run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Objects listed.
    pub objects: u64,
    /// Records read (all principals).
    pub records: u64,
    /// Records of the selected principal that needed a permission.
    pub used: u64,
    /// Distinct (action, resource) needs.
    pub needs: usize,
    /// Statements in the policy.
    pub statements: usize,
    /// Policy documents (after the size split).
    pub documents: usize,
    /// Characters of the rendered JSON policy.
    pub policy_chars: usize,
    /// Wall time of listing, of `ingest::run`, and of `build` + render (not compared by
    /// `PartialEq`).
    pub phases: Phases,
}

/// Where a pipeline run spent its time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Phases {
    /// `LocalSource::list`.
    pub list: Duration,
    /// `ingest::run`.
    pub ingest: Duration,
    /// `generate::build` and rendering the JSON.
    pub build: Duration,
}

impl PartialEq for Phases {
    fn eq(&self, _: &Phases) -> bool {
        true
    }
}

impl Eq for Phases {}

/// (c) `iamtrail generate --principal PRINCIPAL DIR` as a library call: list with
/// `LocalSource`, `ingest::run`, `generate::build`, render the JSON policy. `skim: false`
/// is `--parse-all` (every record parsed in full).
pub fn pipeline(dir: &Path, principal: &str, skim: bool) -> Generated {
    pipeline_with(dir, principal, skim, true)
}

/// [`pipeline`] with the object prefilter on or off (`IAMTRAIL_NO_PREFILTER`).
pub fn pipeline_with(dir: &Path, principal: &str, skim: bool, prefilter: bool) -> Generated {
    let mut selection = iamtrail::select::Selection::default();
    selection
        .principals
        .push(principal.parse().expect("a principal ARN"));
    let cfg = iamtrail::ingest::Config {
        selection,
        skim,
        prefilter,
        ..Default::default()
    };
    let (got, listed, phases) = ingest_local(dir, &cfg);
    let t2 = Instant::now();
    let g = iamtrail::generate::build(
        &got.usage,
        iamtrail::policy::synth::Options::default(),
        iamtrail::policy::split::SizeLimit::Managed,
    )
    .expect("the policy fits the managed-policy size split");
    let text = iamtrail::policy::emit::render_json(&g.documents);
    Generated {
        objects: listed,
        records: got.summary.records.read,
        used: got.summary.records.used,
        needs: got.usage.len(),
        statements: g.synthesis.statements.len(),
        documents: g.documents.len(),
        policy_chars: text.len(),
        phases: Phases {
            build: t2.elapsed(),
            ..phases
        },
    }
}

/// Lists the corpus under `dir` and runs `ingest::run` over it with `cfg`: the result,
/// how many objects were listed, and the list and ingest phases (`build` left zero).
fn ingest_local(
    dir: &Path,
    cfg: &iamtrail::ingest::Config,
) -> (iamtrail::ingest::Ingested, u64, Phases) {
    let t0 = Instant::now();
    let source = iamtrail::source::local::LocalSource::new(vec![dir.to_path_buf()]);
    let objects = source.files(false).expect("listable corpus");
    let listed = objects.len() as u64;
    let t1 = Instant::now();
    let got = iamtrail::ingest::run(
        &iamtrail::source::Listed::new(&source, objects),
        cfg,
        &iamtrail::ingest::NoProgress,
    )
    .expect("a listed corpus reads");
    let phases = Phases {
        list: t1 - t0,
        ingest: t1.elapsed(),
        build: Duration::ZERO,
    };
    (got, listed, phases)
}

/// What an each-principal pass gave: the totals over every principal's policy (in
/// [`Generated`]) and each principal's selected records, busiest first.
pub struct EachGenerated {
    /// Totals: `needs`, `statements`, `documents` and `policy_chars` summed over the
    /// principals.
    pub total: Generated,
    /// (principal, records selected), busiest first.
    pub principals: Vec<(String, u64)>,
}

/// `generate --each-principal` through the library: one `ingest::run` with a usage set
/// per principal, then every principal's policy built and rendered.
pub fn pipeline_each(dir: &Path) -> EachGenerated {
    let cfg = iamtrail::ingest::Config {
        each: Some(iamtrail::ingest::EachPrincipal::default()),
        ..Default::default()
    };
    let (got, listed, mut phases) = ingest_local(dir, &cfg);
    let t2 = Instant::now();
    let (records, used) = (got.summary.records.read, got.summary.records.used);
    let mut total = Generated {
        objects: listed,
        records,
        used,
        needs: 0,
        statements: 0,
        documents: 0,
        policy_chars: 0,
        phases: Phases::default(),
    };
    // Built on the pool, one principal per job, as `generate --each-principal` builds them.
    let built: Vec<(String, u64, usize, usize, usize, usize)> = got
        .each
        .into_sorted()
        .into_par_iter()
        .map(|(arn, p)| {
            let g = iamtrail::generate::build(
                &p.usage,
                iamtrail::policy::synth::Options::default(),
                iamtrail::policy::split::SizeLimit::Managed,
            )
            .expect("each policy fits the managed-policy size split");
            let chars = iamtrail::policy::emit::render_json(&g.documents).len();
            let counts = (
                p.usage.len(),
                g.synthesis.statements.len(),
                g.documents.len(),
            );
            (arn, p.records, counts.0, counts.1, counts.2, chars)
        })
        .collect();
    let mut principals = Vec::new();
    for (arn, records, needs, statements, documents, chars) in built {
        total.needs += needs;
        total.statements += statements;
        total.documents += documents;
        total.policy_chars += chars;
        principals.push((arn, records));
    }
    principals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    phases.build = t2.elapsed();
    total.phases = phases;
    EachGenerated { total, principals }
}

// ---------------------------------------------------------------------------------------
// Decompressors compared on whole objects (one call per object, output presized from the
// gzip trailer), single-threaded. Each checks the gzip CRC-32 as its library does.

/// The decompressors compared.
pub const CODECS: &[&str] = &[
    "libdeflate (libdeflater), one call into a reused buffer (what Decoder does)",
    "flate2 + zlib-rs (runtime_detection), MultiGzDecoder::read_to_end (Decoder's fallback)",
    "flate2 + zlib-rs (runtime_detection), Decompress::new_gzip, one call, presized buffer",
    "miniz_oxide (flate2's default backend), one call + crc32fast",
];

/// Why zlib-ng is not in [`CODECS`] (measured on the bench machine; see benches/README.md).
pub const ZLIB_NG_SKIPPED: &str = "zlib-ng: not measured in-process. libz-ng-sys builds only with cmake (absent on this machine kind); libz-sys's cc build (feature zlib-ng-no-cmake-experimental-community-maintained) compiles every file with -mavx512f…, so its generic code (chunkset_c, compare256_c, slide_hash_c) holds AVX-512 instructions and dies with SIGILL on CPUs without AVX-512 (this one). benches/zlib-ng.sh measures it with cmake, in a separate run.";

/// Runs decompressor `which` (an index into [`CODECS`]) over all files on the current pool.
pub fn inflate_with(which: usize, files: &[PathBuf]) -> Pass {
    match which {
        0 => inflate(files),
        1 => inflate_flate2(files),
        2 => over(
            files,
            || (Vec::new(), flate2::Decompress::new_gzip(15)),
            |(out, d), gz| {
                let n = isize_of(&gz);
                out.clear();
                out.reserve(n + 1);
                d.reset(true);
                let st = d
                    .decompress_vec(&gz, out, flate2::FlushDecompress::Finish)
                    .expect("valid gzip");
                assert_eq!(st, flate2::Status::StreamEnd, "one call inflates it all");
                Pass {
                    json_bytes: out.len() as u64,
                    records: 0,
                }
            },
        ),
        3 => over(
            files,
            || {
                (
                    Vec::new(),
                    Box::new(miniz_oxide::inflate::core::DecompressorOxide::new()),
                )
            },
            |(out, d), gz| {
                use miniz_oxide::inflate::core::inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
                let n = isize_of(&gz);
                out.clear();
                out.resize(n, 0);
                d.init();
                let body = &gz[gzip_header_len(&gz)..gz.len() - 8];
                let (st, _, written) = miniz_oxide::inflate::core::decompress(
                    d,
                    body,
                    out,
                    0,
                    TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
                );
                assert_eq!(st, miniz_oxide::inflate::TINFLStatus::Done);
                assert_eq!(written, n);
                let crc =
                    u32::from_le_bytes(gz[gz.len() - 8..gz.len() - 4].try_into().expect("4 bytes"));
                assert_eq!(crc32fast::hash(out), crc, "CRC-32");
                Pass {
                    json_bytes: written as u64,
                    records: 0,
                }
            },
        ),
        _ => panic!("no decompressor {which}"),
    }
}

/// Length of a gzip member header (RFC 1952), for inflaters that take raw deflate.
pub fn gzip_header_len(gz: &[u8]) -> usize {
    assert!(
        gz.len() >= 18 && gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8,
        "gzip"
    );
    let flg = gz[3];
    let mut i = 10;
    if flg & 4 != 0 {
        i += 2 + usize::from(u16::from_le_bytes([gz[i], gz[i + 1]]));
    }
    for bit in [8u8, 16] {
        if flg & bit != 0 {
            while gz[i] != 0 {
                i += 1;
            }
            i += 1;
        }
    }
    if flg & 2 != 0 {
        i += 2;
    }
    i
}

// ---------------------------------------------------------------------------------------
// Peak memory of the binary.

/// Peak resident set (VmHWM, KiB) and wall time of a command, polling
/// `/proc/<pid>/status` every millisecond; the exit code comes back too.
pub fn peak_rss(program: &Path, args: &[&str]) -> (u64, Duration, Option<i32>) {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Some(st) = child.try_wait().expect("waiting for the child") {
            return (peak, start.elapsed(), st.code());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// MB/s of `bytes` in `d`.
pub fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// (g) `gzip -dc` of every file in one process, output to `/dev/null`: the single-process
/// reference issue 19 compares a single-principal pass with. gzip checks every member's
/// CRC-32 and exits non-zero on damage; `None` when `gzip` cannot be run or fails.
pub fn gzip_dc(files: &[PathBuf]) -> Option<()> {
    let status = std::process::Command::new("gzip")
        .arg("-dc")
        .args(files)
        .stdout(std::process::Stdio::null())
        .status()
        .ok()?;
    status.success().then_some(())
}

/// A copy of the corpus under `src` (its `AWSLogs/` folder) in `dst`, each eventID's
/// first hex digit moved on by `shift` (1–15): the same records, needs and times, none a
/// duplicate of the original's or of another shift's. Kept across runs (a `done` file
/// holds the source's manifest); returns `dst`'s `AWSLogs/`.
pub fn with_fresh_ids(corpus_dir: &Path, dst: &Path, shift: u8) -> PathBuf {
    let manifest = std::fs::read(corpus_dir.join("corpus.manifest")).expect("corpus manifest");
    let done = dst.join("done");
    let logs = dst.join("AWSLogs");
    if std::fs::read(&done).is_ok_and(|d| d == manifest) {
        return logs;
    }
    let _ = std::fs::remove_dir_all(dst);
    let src = corpus_dir.join("AWSLogs");
    let files = files_under(&src);
    files.par_iter().for_each(|f| {
        let gz = std::fs::read(f).expect("read corpus object");
        let mut json = Vec::new();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut json)
            .expect("inflate corpus object");
        let needle = b"\"eventID\":\"";
        let at: Vec<usize> = memchr::memmem::find_iter(&json, needle).collect();
        for i in at {
            let c = &mut json[i + needle.len()];
            let v = (*c as char)
                .to_digit(16)
                .expect("eventID starts with a hex digit");
            *c = std::char::from_digit((v + u32::from(shift)) % 16, 16).expect("hex") as u8;
        }
        let out = logs.join(f.strip_prefix(&src).expect("under AWSLogs"));
        std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut e, &json).expect("gzip");
        std::fs::write(&out, e.finish().expect("gzip")).expect("write copy");
    });
    std::fs::write(&done, manifest).expect("write done");
    logs
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
