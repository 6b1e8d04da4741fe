//! End-to-end throughput against the decompression limit measured in the same run.
//!
//! ```sh
//! cargo bench --bench throughput                       # 300 MB corpus
//! IAMTRAIL_BENCH_MB=10 cargo bench --bench throughput  # smoke, well under a minute
//! IAMTRAIL_BENCH_RSS=1 cargo bench --bench throughput  # + peak RSS at 1 GB vs 4 GB
//! ```
//!
//! On one corpus (made in `target/bench-corpus/<MB>MB-<seed>/` when missing) and the same
//! thread counts, it measures (a) inflate only, (b) inflate + parse with the decoder's parser,
//! (c) the whole `generate` pipeline through the library, then a corpus of ~2 KB objects,
//! the decompressors on whole objects, and (optionally) the binary's peak RSS. Files are read
//! once before timing (page cache), every figure is the median of several runs, and a
//! markdown table closes the output. Environment: `IAMTRAIL_BENCH_MB` (300),
//! `IAMTRAIL_BENCH_SMALL_MB` (2 × MB: ~100,000 objects at the default), `IAMTRAIL_BENCH_SEED`
//! (1), `IAMTRAIL_BENCH_REPEAT` (5), `IAMTRAIL_BENCH_THREADS` (`1,2`), `IAMTRAIL_BENCH_RSS`
//! (off), `IAMTRAIL_BENCH_RSS_MB` (`1000,4000`). No figure is asserted: the run prints,
//! the reader judges (benches/README.md holds the targets).

#[path = "../sample-trails/corpus.rs"]
mod corpus;
#[path = "support/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::time::Duration;

use measure::{Pass, mbps, median, pool};

fn env_u64(k: &str, default: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The policy files of an each-principal run in `dir` (all but `index.json`, whose record
/// counts differ when the records do), by name.
fn policy_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|f| f != "index.json"))
        .filter_map(|p| {
            Some((
                p.file_name()?.to_string_lossy().into_owned(),
                std::fs::read(&p).ok()?,
            ))
        })
        .collect()
}

/// A corpus in `target/bench-corpus/`, generated (on all cores) when missing.
fn corpus_of(mb: u64, seed: u64, small: bool) -> corpus::Corpus {
    let name = format!("{mb}MB-{seed}{}", if small { "-small" } else { "" });
    let dir = target_dir().join("bench-corpus").join(name);
    let opts = corpus::Options {
        size: mb * 1_000_000,
        seed,
        small_objects: small,
    };
    if let Some(c) = corpus::load(&dir, &opts) {
        return c;
    }
    eprintln!("generating {} ...", dir.display());
    let t = std::time::Instant::now();
    let c = corpus::ensure(&dir, &opts).expect("generating the corpus");
    eprintln!(
        "  {} objects, {} records, {:.1} MB JSON, {:.1} MB gzip in {:.1} s",
        c.objects,
        c.records,
        c.json_bytes as f64 / 1e6,
        c.gz_bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    c
}

/// One measured row.
struct Row {
    label: String,
    threads: usize,
    time: Duration,
    /// CPU time of all threads over `threads × time`: below 1.0 the threads waited (for
    /// work, for each other, or for a CPU another process held).
    busy: f64,
    json_bytes: u64,
    records: u64,
}

impl Row {
    fn mbps(&self) -> f64 {
        mbps(self.json_bytes, self.time)
    }
    fn krps(&self) -> f64 {
        self.records as f64 / 1e3 / self.time.as_secs_f64()
    }
}

struct Bench {
    repeats: usize,
    rows: Vec<Row>,
}

impl Bench {
    /// Times `f` on `threads` threads; checks it saw the corpus whole.
    fn run(
        &mut self,
        label: &str,
        threads: usize,
        c: &corpus::Corpus,
        mut f: impl FnMut() -> Pass + Send,
    ) -> f64 {
        let p = pool(threads);
        let repeats = self.repeats;
        let timed = p.install(|| median(repeats, &mut f));
        let (time, got) = (timed.wall, timed.out);
        let busy = timed.cpu.as_secs_f64() / (time.as_secs_f64() * threads as f64);
        assert_eq!(got.json_bytes, c.json_bytes, "{label}: inflated bytes");
        if got.records != 0 {
            assert_eq!(got.records, c.records, "{label}: records");
        }
        let row = Row {
            label: label.to_string(),
            threads,
            time,
            busy,
            json_bytes: c.json_bytes,
            records: c.records,
        };
        println!(
            "{label:<58} {threads} thr  {:>8.1} ms  {:>7.0} MB/s  {:>7.0} k records/s  cpu {:>3.0}%  load {:.2}",
            time.as_secs_f64() * 1e3,
            row.mbps(),
            row.krps(),
            busy * 100.0,
            measure::loadavg()
        );
        let v = row.mbps();
        self.rows.push(row);
        v
    }

    fn get(&self, label: &str, threads: usize) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.label == label && r.threads == threads)
            .map(Row::mbps)
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

const R: &str = "(0) read the files (page cache), nothing else";
const A: &str = "(a) inflate: libdeflate, whole object (as Decoder)";
const B: &str = "(b) (a) + simd-json fill_tape_padded (Decoder's parser)";
const B2: &str = "(b') inflate + simd-json borrowed value";
const B3: &str = "(b'') Decoder::decode (inflate+parse+checks)";
const C: &str = "(c) generate pipeline (list, ingest::run, build)";
const C2: &str = "(c') (c) with --parse-all (every record parsed, none skimmed)";
const E: &str = "(e) --each-principal: one pass, every principal's policy";
const C8: &str = "(c8) (c) for the principal nearest 8% of records";
const C05: &str = "(c05) (c) for the principal nearest 0.5% of records";
const C8N: &str = "(c8 before) (c8) without the prefilter";
const C05N: &str = "(c05 before) (c05) without the prefilter";
const G: &str = "(g) gzip -dc of every object, one process, to /dev/null";

fn main() {
    let mb = env_u64("IAMTRAIL_BENCH_MB", 300).max(1);
    let small_mb = env_u64("IAMTRAIL_BENCH_SMALL_MB", mb * 2).max(1);
    let seed = env_u64("IAMTRAIL_BENCH_SEED", 1);
    let repeats = env_u64("IAMTRAIL_BENCH_REPEAT", 5) as usize;
    let threads: Vec<usize> = std::env::var("IAMTRAIL_BENCH_THREADS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .filter(|&t| t > 0)
        .collect();
    let max_t = *threads.iter().max().expect("at least one thread count");
    let rss = std::env::var("IAMTRAIL_BENCH_RSS").is_ok_and(|v| v == "1");

    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|s| s.lines().count())
        .unwrap_or(0);
    let load_start = measure::loadavg();
    println!(
        "iamtrail throughput bench: commit {commit}{}, {} ({} cores), repeats {repeats} (median), load average {load_start:.2}",
        if dirty > 0 {
            format!(" + {dirty} modified tracked files")
        } else {
            String::new()
        },
        cpu(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let large = corpus_of(mb, seed, false);
    let files = corpus::files(&large.logs()).expect("listing the corpus");
    println!(
        "corpus {}: {} objects, {} records, {:.1} MB JSON ({:.0} B/record), {:.1} MB gzip (x{:.1}), {:.0} KB/object gzipped",
        large.dir.display(),
        large.objects,
        large.records,
        large.json_bytes as f64 / 1e6,
        large.json_bytes as f64 / large.records as f64,
        large.gz_bytes as f64 / 1e6,
        large.json_bytes as f64 / large.gz_bytes as f64,
        large.gz_bytes as f64 / large.objects as f64 / 1e3,
    );
    measure::warm(&files);

    let mut b = Bench {
        repeats,
        rows: Vec::new(),
    };
    let logs = large.logs();
    let mut generated = None;
    for &t in &threads {
        b.run(R, t, &large, || {
            measure::read_only(&files);
            Pass {
                json_bytes: large.json_bytes,
                records: 0,
            }
        });
        b.run(A, t, &large, || measure::inflate(&files));
        b.run(B, t, &large, || measure::inflate_parse_tape(&files));
        b.run(B2, t, &large, || measure::inflate_parse_borrowed(&files));
        b.run(B3, t, &large, || measure::decode_only(&files));
        b.run(C, t, &large, || {
            let g = measure::pipeline(&logs, corpus::BUSY_PRINCIPAL, true);
            assert_eq!(g.objects, large.objects);
            let p = Pass {
                json_bytes: large.json_bytes,
                records: g.records,
            };
            generated = Some(g);
            p
        });
        b.run(C2, t, &large, || {
            let g = measure::pipeline(&logs, corpus::BUSY_PRINCIPAL, false);
            assert_eq!(Some(g.used), generated.as_ref().map(|c| c.used));
            assert_eq!(
                Some(g.policy_chars),
                generated.as_ref().map(|c| c.policy_chars)
            );
            Pass {
                json_bytes: large.json_bytes,
                records: g.records,
            }
        });
    }
    // Each principal in one pass, then one principal's pass for principals holding about
    // 8% and 0.5% of the records (picked from the each-principal pass's counts).
    let mut each = None;
    for &t in &threads {
        b.run(E, t, &large, || {
            let g = measure::pipeline_each(&logs);
            let p = Pass {
                json_bytes: large.json_bytes,
                records: g.total.records,
            };
            each = Some(g);
            p
        });
    }
    let each = each.expect("measured");
    let nearest = |share: f64| {
        each.principals
            .iter()
            .min_by(|a, b| {
                let d = |n: u64| (n as f64 / large.records as f64 - share).abs();
                d(a.1).total_cmp(&d(b.1))
            })
            .expect("principals")
            .clone()
    };
    let (p8, p05) = (nearest(0.08), nearest(0.005));
    println!(
        "(e) {} principals, {} records used, {} distinct needs, {} documents; last run ({} thr): list {:.0} ms, ingest::run {:.0} ms, build + render all {:.0} ms",
        each.principals.len(),
        each.total.used,
        each.total.needs,
        each.total.documents,
        max_t,
        each.total.phases.list.as_secs_f64() * 1e3,
        each.total.phases.ingest.as_secs_f64() * 1e3,
        each.total.phases.build.as_secs_f64() * 1e3,
    );
    for (label, (p, n)) in [(C8, &p8), (C05, &p05)] {
        println!(
            "{label}: {p}, {n} records ({:.2}%)",
            100.0 * *n as f64 / large.records as f64
        );
    }
    for &t in &threads {
        for (label, p, prefilter) in [
            (C8N, &p8.0, false),
            (C8, &p8.0, true),
            (C05N, &p05.0, false),
            (C05, &p05.0, true),
        ] {
            b.run(label, t, &large, || {
                let g = measure::pipeline_with(&logs, p, true, prefilter);
                Pass {
                    json_bytes: large.json_bytes,
                    records: g.records,
                }
            });
        }
    }
    // One process whatever the thread count; its CPU is the child's, so `cpu` reads ~0.
    let gzip_ok = measure::gzip_dc(&files[..1.min(files.len())]).is_some();
    if gzip_ok {
        b.run(G, 1, &large, || {
            measure::gzip_dc(&files).expect("gzip -dc of the corpus");
            // gzip checked every member; the bytes are the corpus's by construction.
            Pass {
                json_bytes: large.json_bytes,
                records: 0,
            }
        });
    } else {
        println!("{G}: gzip could not be run; not measured");
    }
    if let Some(g) = &generated {
        println!(
            "(c) selected {}: {} records used, {} distinct needs, {} statements in {} document(s), {} chars of JSON; last run ({} thr): list {:.0} ms, ingest::run {:.0} ms, build + render {:.0} ms",
            corpus::BUSY_PRINCIPAL,
            g.used,
            g.needs,
            g.statements,
            g.documents,
            g.policy_chars,
            max_t,
            g.phases.list.as_secs_f64() * 1e3,
            g.phases.ingest.as_secs_f64() * 1e3,
            g.phases.build.as_secs_f64() * 1e3,
        );
    }

    // Small objects.
    let small = corpus_of(small_mb, seed, true);
    let small_files = corpus::files(&small.logs()).expect("listing the small corpus");
    println!(
        "small-object corpus {}: {} objects, {} records, {:.1} MB JSON, {:.0} B/object gzipped",
        small.dir.display(),
        small.objects,
        small.records,
        small.json_bytes as f64 / 1e6,
        small.gz_bytes as f64 / small.objects as f64
    );
    measure::warm(&small_files);
    let small_logs = small.logs();
    for &t in &threads {
        b.run(&format!("small {R}"), t, &small, || {
            measure::read_only(&small_files);
            Pass {
                json_bytes: small.json_bytes,
                records: 0,
            }
        });
        b.run(&format!("small {A}"), t, &small, || {
            measure::inflate(&small_files)
        });
        b.run(&format!("small {B}"), t, &small, || {
            measure::inflate_parse_tape(&small_files)
        });
        let mut phases = None;
        b.run(&format!("small {C}"), t, &small, || {
            let g = measure::pipeline(&small_logs, corpus::BUSY_PRINCIPAL, true);
            phases = Some(g.phases);
            Pass {
                json_bytes: small.json_bytes,
                records: g.records,
            }
        });
        if let Some(p) = phases {
            println!(
                "small (c), last run ({t} thr): list {:.0} ms, ingest::run {:.0} ms, build + render {:.0} ms",
                p.list.as_secs_f64() * 1e3,
                p.ingest.as_secs_f64() * 1e3,
                p.build.as_secs_f64() * 1e3,
            );
        }
    }

    // Decompressors, whole objects, one thread.
    println!("{}", measure::ZLIB_NG_SKIPPED);
    let mut codecs = Vec::new();
    for (i, name) in measure::CODECS.iter().enumerate() {
        let v = b.run(&format!("codec: {name}"), 1, &large, || {
            measure::inflate_with(i, &files)
        });
        let s = b.run(&format!("small codec: {name}"), 1, &small, || {
            measure::inflate_with(i, &small_files)
        });
        codecs.push((*name, v, s));
    }

    // Peak RSS of the binary.
    let mut rss_rows = Vec::new();
    let mut rss_each = Vec::new();
    let mut rss_copies = Vec::new();
    if rss {
        let sizes: Vec<u64> = std::env::var("IAMTRAIL_BENCH_RSS_MB")
            .unwrap_or_else(|_| "1000,4000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        let bin = Path::new(env!("CARGO_BIN_EXE_iamtrail"));
        for &s in &sizes {
            let c = corpus_of(s, seed, false);
            measure::warm(&corpus::files(&c.logs()).expect("listing"));
            let dir = c.logs();
            let args = [
                "generate",
                "--quiet",
                "--principal",
                corpus::BUSY_PRINCIPAL,
                dir.to_str().expect("UTF-8 path"),
            ];
            let (kb, time, code) = measure::peak_rss(bin, &args);
            println!(
                "iamtrail generate on {s} MB: peak RSS {:.1} MB, {:.2} s ({:.0} MB/s), exit {code:?}",
                kb as f64 / 1024.0,
                time.as_secs_f64(),
                mbps(c.json_bytes, time)
            );
            rss_rows.push((s, kb, time, c.json_bytes));
            let out = target_dir().join("bench-each-principal");
            let each_args = [
                "generate",
                "--quiet",
                "--each-principal",
                "--output-dir",
                out.to_str().expect("UTF-8 path"),
                dir.to_str().expect("UTF-8 path"),
            ];
            let (kb, time, code) = measure::peak_rss(bin, &each_args);
            println!(
                "iamtrail generate --each-principal on {s} MB: peak RSS {:.1} MB, {:.2} s ({:.0} MB/s), exit {code:?}",
                kb as f64 / 1024.0,
                time.as_secs_f64(),
                mbps(c.json_bytes, time)
            );
            rss_each.push((s, kb, time, c.json_bytes));
        }
        // Records grow, needs do not: the 1 GB corpus (else the first) read with three
        // copies whose eventIDs differ (none is a duplicate) holds 4× the records and the
        // same distinct (principal, action, resource) triples.
        if let Some(&s) = sizes.iter().find(|&&s| s == 1000).or(sizes.first()) {
            let c = corpus_of(s, seed, false);
            let mut dirs = vec![c.logs()];
            for k in 1..=3u8 {
                let dst = target_dir()
                    .join("bench-corpus")
                    .join(format!("{s}MB-{seed}-ids{k}"));
                dirs.push(measure::with_fresh_ids(&c.dir, &dst, k));
            }
            for d in &dirs {
                measure::warm(&corpus::files(d).expect("listing"));
            }
            let out = target_dir().join("bench-each-principal");
            let mut first = None;
            for n in [1, 4] {
                let mut args = vec![
                    "generate",
                    "--quiet",
                    "--each-principal",
                    "--output-dir",
                    out.to_str().expect("UTF-8 path"),
                ];
                args.extend(dirs[..n].iter().map(|d| d.to_str().expect("UTF-8 path")));
                let _ = std::fs::remove_dir_all(&out);
                let (kb, time, code) = measure::peak_rss(bin, &args);
                let policies = policy_files(&out);
                let same = *first.get_or_insert_with(|| policies.clone()) == policies;
                println!(
                    "iamtrail generate --each-principal on {s} MB × {n} (fresh eventIDs): peak RSS {:.1} MB, {:.2} s, {} policies, the same as × 1: {same}, exit {code:?}",
                    kb as f64 / 1024.0,
                    time.as_secs_f64(),
                    policies.len(),
                );
                rss_copies.push((s, n, kb, time, c.json_bytes * n as u64, same));
            }
        }
    }

    // Summary.
    println!();
    println!(
        "load average: {load_start:.2} at start, {:.2} at end (it counts this bench's own threads: clearly above 2 on 2 cores means other work competed; the cpu% column shows it too)",
        measure::loadavg()
    );
    println!();
    println!(
        "## iamtrail throughput — commit {commit}{}, {mb} MB corpus (seed {seed}), median of {repeats}",
        if dirty > 0 { " (modified tree)" } else { "" }
    );
    println!();
    let ts: Vec<String> = threads.iter().map(|t| format!("{t} thr")).collect();
    println!("| stage (large objects) | {} |", ts.join(" | "));
    println!("|---|{}", "---:|".repeat(threads.len()));
    for label in [R, A, B, B2, B3, C, C2, E, C8, C05] {
        let cells: Vec<String> = threads
            .iter()
            .map(|&t| {
                let r = b
                    .rows
                    .iter()
                    .find(|r| r.label == label && r.threads == t)
                    .expect("measured");
                format!(
                    "{:.0} MB/s, {:.0} k rec/s (cpu {:.0}%)",
                    r.mbps(),
                    r.krps(),
                    r.busy * 100.0
                )
            })
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    let ratio = |x: &str, y: &str, t: usize| -> String {
        match (b.get(x, t), b.get(y, t)) {
            (Some(x), Some(y)) => format!("{:.2}", x / y),
            _ => "–".into(),
        }
    };
    let row = |name: &str, f: &dyn Fn(usize) -> String| {
        let cells: Vec<String> = threads.iter().map(|&t| f(t)).collect();
        println!("| {name} | {} |", cells.join(" | "));
    };
    row("c/a (pipeline ÷ inflate)", &|t| ratio(C, A, t));
    row("c8/a (principal at ~8% ÷ inflate)", &|t| ratio(C8, A, t));
    row("c05/a (principal at ~0.5% ÷ inflate)", &|t| {
        ratio(C05, A, t)
    });
    row("c8/a without the prefilter (before)", &|t| ratio(C8N, A, t));
    row("c05/a without the prefilter (before)", &|t| {
        ratio(C05N, A, t)
    });
    for (name, x) in [
        ("c ÷ gzip -dc (busy principal, 8%)", C),
        ("c8 ÷ gzip -dc", C8),
        ("c05 ÷ gzip -dc", C05),
    ] {
        row(name, &|t| match (b.get(x, t), b.get(G, 1)) {
            (Some(x), Some(g)) => format!("{:.2}", x / g),
            _ => "–".into(),
        });
    }
    row(
        "e time ÷ c time (each-principal ÷ one principal's pass; target ≤ 1.5)",
        &|t| ratio(C, E, t),
    );
    row("c/b (pipeline ÷ inflate+parse)", &|t| ratio(C, B, t));
    row("c/c' (skimming ÷ parsing every record)", &|t| {
        ratio(C, C2, t)
    });
    row("b/a (inflate+parse ÷ inflate)", &|t| ratio(B, A, t));
    let small_c = format!("small {C}");
    let small_a = format!("small {A}");
    let small_b = format!("small {B}");
    let small_r = format!("small {R}");
    row(
        &format!(
            "small objects ({} of ~{:.1} KB gzipped): c small ÷ c large",
            small.objects,
            small.gz_bytes as f64 / small.objects as f64 / 1e3
        ),
        &|t| match (b.get(&small_c, t), b.get(C, t)) {
            (Some(s), Some(l)) => format!("{:.2} ({s:.0} vs {l:.0} MB/s)", s / l),
            _ => "–".into(),
        },
    );
    row(
        "small objects: a small ÷ a large",
        &|t| match (b.get(&small_a, t), b.get(A, t)) {
            (Some(s), Some(l)) => format!("{:.2} ({s:.0} vs {l:.0} MB/s)", s / l),
            _ => "–".into(),
        },
    );
    row(
        "small objects: reading the files alone",
        &|t| match b.get(&small_r, t) {
            Some(s) => format!("{s:.0} MB/s"),
            None => "–".into(),
        },
    );
    row(
        "small objects: b small ÷ b large",
        &|t| match (b.get(&small_b, t), b.get(B, t)) {
            (Some(s), Some(l)) => format!("{:.2} ({s:.0} vs {l:.0} MB/s)", s / l),
            _ => "–".into(),
        },
    );
    if threads.contains(&1) && max_t > 1 {
        println!();
        println!("| speed-up 1 → {max_t} threads | |");
        println!("|---|---:|");
        for label in [A, B, B3, C, small_c.as_str()] {
            if let (Some(one), Some(many)) = (b.get(label, 1), b.get(label, max_t)) {
                println!("| {label} | {:.2}× |", many / one);
            }
        }
    }
    println!();
    println!(
        "| decompressor, whole objects, 1 thread | MB/s, large objects | MB/s, small objects |"
    );
    println!("|---|---:|---:|");
    for (name, v, s) in &codecs {
        println!("| {name} | {v:.0} | {s:.0} |");
    }
    if !rss_rows.is_empty() {
        println!();
        println!("| `iamtrail generate` binary | peak RSS (VmHWM) | wall | MB/s |");
        println!("|---|---:|---:|---:|");
        let each_rows = rss_each.iter().map(|r| ("--each-principal, ", r));
        for (what, (s, kb, time, bytes)) in rss_rows.iter().map(|r| ("", r)).chain(each_rows) {
            println!(
                "| {what}{s} MB corpus | {:.1} MB | {:.2} s | {:.0} |",
                *kb as f64 / 1024.0,
                time.as_secs_f64(),
                mbps(*bytes, *time)
            );
        }
        if let (Some(first), Some(last)) = (rss_rows.first(), rss_rows.last())
            && rss_rows.len() > 1
        {
            println!(
                "| RSS {} MB ÷ {} MB | {:.2} | | |",
                last.0,
                first.0,
                last.1 as f64 / first.1 as f64
            );
        }
        if let (Some(first), Some(last)) = (rss_each.first(), rss_each.last())
            && rss_each.len() > 1
        {
            println!(
                "| --each-principal, RSS {} MB ÷ {} MB | {:.2} | | |",
                last.0,
                first.0,
                last.1 as f64 / first.1 as f64
            );
        }
        for (s, n, kb, time, bytes, same) in &rss_copies {
            let same = if *same {
                "the same policies"
            } else {
                "policies DIFFER"
            };
            println!(
                "| --each-principal, {s} MB corpus × {n} (fresh eventIDs; {same}) | {:.1} MB | {:.2} s | {:.0} |",
                *kb as f64 / 1024.0,
                time.as_secs_f64(),
                mbps(*bytes, *time)
            );
        }
        if let [one, four] = &rss_copies[..] {
            println!(
                "| --each-principal, RSS × 4 records ÷ × 1 (same needs) | {:.2} | | |",
                four.2 as f64 / one.2 as f64
            );
        }
    }
}
