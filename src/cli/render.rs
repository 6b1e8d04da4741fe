//! Shared CLI plumbing: building the selection, running the ingest with a progress bar,
//! and the human-readable report on stderr.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::InputArgs;
use crate::decode::parse_time;
use crate::generate::Generated;
use crate::ingest::{Config, Ingested, run};
use crate::report::Summary;
use crate::select::{Selection, parse_duration};
use crate::source::local::LocalSource;
use crate::source::s3::layout::S3Url;
use crate::source::s3::{S3Options, S3Source, is_s3};

/// How many input problems the human report lists before summarizing.
const SHOW_PROBLEMS: usize = 20;

fn time_arg(name: &str, v: &Option<String>) -> Result<Option<i64>> {
    v.as_deref()
        .map(|s| {
            parse_time(s).with_context(|| {
                format!(
                    "--{name} {s:?}: expected a date (2026-11-20) or time (2026-11-20T09:00:00Z)"
                )
            })
        })
        .transpose()
}

/// The selection the input arguments describe (principals are added by the caller).
pub fn selection(a: &InputArgs) -> Result<Selection> {
    let now = match time_arg("now", &a.now)? {
        Some(t) => t,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let mut start = time_arg("start", &a.start)?;
    if let Some(s) = &a.since {
        let d = parse_duration(s).with_context(|| {
            format!("--since {s:?}: expected a duration like 90m, 36h, 7d or 2w")
        })?;
        start = Some(now - d);
    }
    let end = time_arg("end", &a.end)?;
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        bail!("the time window is empty: start is not before end");
    }
    Ok(Selection {
        principals: Vec::new(),
        start,
        end,
        regions: a.regions.clone(),
        accounts: a.accounts.clone(),
    })
}

/// Lists and ingests the inputs: files, directories, standard input, and `s3://` URLs
/// (local and S3 inputs may be mixed; their results are merged).
pub fn ingest(a: &InputArgs, cfg: &Config) -> Result<Ingested> {
    let (remote, local): (Vec<&PathBuf>, Vec<&PathBuf>) =
        a.inputs.iter().partition(|p| p.to_str().is_some_and(is_s3));
    let mut out: Option<Ingested> = None;
    if !local.is_empty() {
        let local: Vec<PathBuf> = local.into_iter().cloned().collect();
        let source = LocalSource::default();
        let template = "{spinner} {bytes}/{total_bytes} read ({bytes_per_sec}, {records_per_sec}, eta {eta}) {wide_bar}";
        // Sizes cost a system call per file: list them only for a bar that shows.
        let bar = progress_bar(a, Some(0), template);
        let objects = source.list(&local, !bar.is_hidden())?;
        bar.set_length(objects.iter().filter_map(|o| o.size).sum());
        out = Some(run(&source, &objects, cfg, &bar));
        bar.finish_and_clear();
        if a.s3.cache.is_some() && remote.is_empty() {
            eprintln!("iamtrail: note: --cache applies to s3:// inputs only");
        }
    }
    if !remote.is_empty() {
        let urls = remote
            .iter()
            .map(|p| p.to_str().unwrap_or_default().parse::<S3Url>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let source = S3Source::new(S3Options {
            profile: a.s3.profile.clone(),
            bucket_region: a.s3.bucket_region.clone(),
            endpoint_url: a.s3.endpoint_url.clone(),
            path_style: a.s3.path_style,
            concurrency: a.s3.s3_concurrency,
            cache: a.s3.cache.clone(),
        })?;
        let bar = progress_bar(
            a,
            None,
            "{spinner} {bytes} read from S3 ({bytes_per_sec}, {records_per_sec})",
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let got = source.ingest(&urls, cfg, now, &bar)?;
        bar.finish_and_clear();
        out = Some(match out {
            None => got,
            Some(mut both) => {
                both.usage.merge(got.usage);
                both.summary.merge(got.summary);
                both.summary.finish();
                both
            }
        });
    }
    out.context("no input")
}

fn progress_bar(a: &InputArgs, total: Option<u64>, template: &str) -> ProgressBar {
    if a.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    crate::ingest::records_seen_reset();
    let style = ProgressStyle::with_template(template)
        .expect("valid template")
        .with_key(
            "records_per_sec",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let secs = s.elapsed().as_secs_f64().max(1e-3);
                let rate = crate::ingest::records_seen() as f64 / secs;
                let _ = write!(w, "{:.0}k records/s", rate / 1e3);
            },
        );
    b.set_style(style);
    b
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The accounting part of the report.
pub fn summary_lines(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    let o = &s.objects;
    let mut parts = vec![format!("{} with records", o.with_records)];
    if o.digest > 0 {
        parts.push(format!(
            "{} (skipped)",
            plural(o.digest, "digest file", "digest files")
        ));
    }
    if o.not_cloudtrail > 0 {
        parts.push(format!("{} not CloudTrail (skipped)", o.not_cloudtrail));
    }
    if o.unreadable > 0 {
        parts.push(format!("{} unreadable", o.unreadable));
    }
    out.push(format!(
        "{}: {}",
        plural(o.read, "object", "objects"),
        parts.join(", ")
    ));
    if let Some(x) = &s.s3 {
        let mut line = format!(
            "s3: {} over {}; {}: {} downloaded ({:.1} MB)",
            plural(x.list_requests, "list request", "list requests"),
            plural(x.prefixes_listed, "prefix", "prefixes"),
            plural(x.objects_listed, "object", "objects"),
            x.objects_downloaded,
            x.bytes_downloaded as f64 / 1e6,
        );
        if x.objects_from_cache > 0 {
            line.push_str(&format!(", {} from the cache", x.objects_from_cache));
        }
        if x.objects_failed > 0 {
            line.push_str(&format!(", {} failed (listed below)", x.objects_failed));
        }
        if x.cache_write_errors > 0 {
            line.push_str(&format!(
                "; {} could not be written to the cache",
                plural(x.cache_write_errors, "result", "results")
            ));
        }
        out.push(line);
    }
    let r = &s.records;
    out.push(format!(
        "records: {} read = {} used + {} free + {} unmapped + {} failed-not-counted + {} filtered + {} skipped + {} duplicate",
        r.read, r.used, r.free, r.unmapped, r.failed_not_counted, r.filtered, r.skipped, r.duplicate
    ));
    let list = |m: &std::collections::BTreeMap<&'static str, u64>| {
        m.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !s.filtered.is_empty() {
        out.push(format!("  filtered: {}", list(&s.filtered)));
    }
    if !s.skipped.is_empty() {
        out.push(format!(
            "  skipped: {}",
            s.skipped
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !s.free.is_empty() {
        out.push(format!(
            "  free (no permission needed): {}",
            s.free
                .iter()
                .map(|(k, v)| format!("{k} ×{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !s.failed_counted.is_empty() {
        out.push(format!(
            "  failed calls counted as needed: {}",
            list(&s.failed_counted)
        ));
    }
    if !s.failed_not_counted.is_empty() {
        out.push(format!(
            "  failed calls not counted (see --failed-calls): {}",
            list(&s.failed_not_counted)
        ));
    }
    for p in s.problems.iter().take(SHOW_PROBLEMS) {
        out.push(format!("  input problem: {p}"));
    }
    if s.problems.len() > SHOW_PROBLEMS {
        out.push(format!(
            "  … and {} more input problems (--json lists them all)",
            s.problems.len() - SHOW_PROBLEMS
        ));
    }
    if !s.unmapped.is_empty() {
        out.push(
            "unmapped events (no policy line written; check whether the workload needs them):"
                .into(),
        );
        for (src, names) in &s.unmapped {
            for (name, e) in names {
                out.push(format!("  {src} {name} ×{}: {}", e.count, e.reason));
            }
        }
    }
    out
}

/// The synthesis part of the report.
pub fn generated_lines(g: &Generated, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    for x in &g.synthesis.generalizations {
        out.push(format!(
            "generalized: {} on {} ({} resources; --generalize sets the threshold)",
            x.action, x.pattern, x.replaced
        ));
    }
    for w in &g.wide {
        out.push(format!("wide: {} on {}: {}", w.action, w.resource, w.why));
    }
    for s in &g.sensitive {
        let warn = if s.wildcard {
            "WARNING sensitive (wildcard resource)"
        } else {
            "sensitive"
        };
        out.push(format!("{warn}: {} on {}: {}", s.action, s.resource, s.why));
    }
    let sizes: Vec<String> = g
        .documents
        .iter()
        .map(|d| d.iam_size().to_string())
        .collect();
    let statements: usize = g.documents.iter().map(|d| d.statement.len()).sum();
    out.push(format!(
        "policy: {} with {}, {} of {limit} characters",
        plural(g.documents.len() as u64, "document", "documents"),
        plural(statements as u64, "statement", "statements"),
        sizes.join(" + ")
    ));
    out
}

/// Prints report lines to stderr with the tool's prefix.
pub fn eprint_lines(lines: &[String]) {
    for l in lines {
        eprintln!("iamtrail: {l}");
    }
}
