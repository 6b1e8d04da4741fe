//! Shared CLI plumbing: building the selection and running the ingest with a progress
//! bar (the report is `report.rs`).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{InputArgs, UsageError};
use crate::decode::parse_time;
use crate::ingest::{Config, Ingested, run};
use crate::select::{Selection, check_account, check_region, parse_duration};
use crate::source::local::LocalSource;
use crate::source::s3::layout::S3Url;
use crate::source::s3::{S3Options, S3Source, is_s3};

fn time_arg(name: &str, v: &Option<String>) -> Result<Option<i64>, UsageError> {
    v.as_deref()
        .map(|s| {
            parse_time(s).ok_or_else(|| {
                UsageError(format!(
                    "--{name} {s:?}: expected a date (2026-11-20) or time (2026-11-20T09:00:00Z)"
                ))
            })
        })
        .transpose()
}

/// The selection the input arguments describe (principals are added by the caller);
/// a malformed value is a [`UsageError`].
pub fn selection(a: &InputArgs) -> Result<Selection, UsageError> {
    for r in &a.regions {
        check_region(r).map_err(|e| UsageError(e.to_string()))?;
    }
    for x in &a.accounts {
        check_account(x).map_err(|e| UsageError(e.to_string()))?;
    }
    let now = match time_arg("now", &a.now)? {
        Some(t) => t,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let mut start = time_arg("start", &a.start)?;
    if let Some(s) = &a.since {
        let d = parse_duration(s).ok_or_else(|| {
            UsageError(format!(
                "--since {s:?}: expected a duration like 90m, 36h, 7d or 2w"
            ))
        })?;
        start = Some(now - d);
    }
    let end = time_arg("end", &a.end)?;
    if let (Some(s), Some(e)) = (start, end)
        && s >= e
    {
        return Err(UsageError(
            "the time window is empty: the start is not before the end; check --start/--since and --end".into(),
        ));
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
            .map_err(|e| UsageError(e.to_string()))?;
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
