//! Shared CLI plumbing: building the selection from the arguments, and the progress bar
//! the ingest reports to (the report is `report.rs`).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{InputArgs, UsageError, WindowArgs};
use iamtrail::decode::parse_time;
use iamtrail::ingest::inputs::{self, InputError, Inputs};
use iamtrail::ingest::{Config, Ingested, Progress};
use iamtrail::select::{Selection, check_account, check_region, parse_duration};
use iamtrail::source::s3::S3Options;

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
    selection_of(&a.window, &a.regions, &a.accounts)
}

/// The ingest's configuration from the input flags (selection, deduplication memory); the
/// rest as by default.
pub fn config(a: &InputArgs) -> Result<Config, UsageError> {
    Ok(Config {
        selection: selection(a)?,
        dedupe_memory: a.dedupe_ids,
        ..Config::default()
    })
}

/// [`selection`] from the flags alone (commands without inputs: `athena-sql`).
pub fn selection_of(
    a: &WindowArgs,
    regions: &[String],
    accounts: &[String],
) -> Result<Selection, UsageError> {
    for r in regions {
        check_region(r).map_err(|e| UsageError(e.to_string()))?;
    }
    for x in accounts {
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
        regions: regions.to_vec(),
        accounts: accounts.to_vec(),
    })
}

/// Lists and ingests the inputs: files, directories, standard input, and `s3://` URLs
/// (local and S3 inputs may be mixed; their results are merged), with a progress bar on
/// a terminal.
pub fn ingest(a: &InputArgs, cfg: &Config) -> Result<Ingested> {
    let inputs = Inputs {
        paths: a.inputs.clone(),
        s3: S3Options {
            profile: a.s3.profile.clone(),
            bucket_region: a.s3.bucket_region.clone(),
            endpoint_url: a.s3.endpoint_url.clone(),
            path_style: a.s3.path_style,
            concurrency: a.s3.s3_concurrency,
        },
        cache: a.s3.cache.clone(),
    };
    let bar = Bar::new(!a.quiet && std::io::stderr().is_terminal());
    let got = match inputs::read(&inputs, cfg, &bar) {
        Ok(got) => got,
        Err(InputError::Url(m)) => return Err(UsageError(m).into()),
        Err(e) => return Err(e.into()),
    };
    if inputs.cache.is_some() && !inputs.has_s3() {
        eprintln!("iamtrail: note: --cache applies to s3:// inputs only");
    }
    Ok(got)
}

/// The progress bar: bytes of a total for local inputs, a spinner for S3 (whose size is
/// not known before reading), with records per second; hidden when not shown.
struct Bar {
    shown: bool,
    bar: RwLock<ProgressBar>,
    /// Records read since the bar started (for its records/s).
    records: Arc<AtomicU64>,
}

impl Bar {
    fn new(shown: bool) -> Bar {
        Bar {
            shown,
            bar: RwLock::new(ProgressBar::hidden()),
            records: Arc::default(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, total: Option<u64>) {
        if !self.shown {
            return;
        }
        let template = match total {
            Some(_) => {
                "{spinner} {bytes}/{total_bytes} read ({bytes_per_sec}, {records_per_sec}, eta {eta}) {wide_bar}"
            }
            None => "{spinner} {bytes} read from S3 ({bytes_per_sec}, {records_per_sec})",
        };
        self.records.store(0, Ordering::Relaxed);
        let records = Arc::clone(&self.records);
        let style = ProgressStyle::with_template(template)
            .expect("valid template")
            .with_key(
                "records_per_sec",
                move |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let secs = s.elapsed().as_secs_f64().max(1e-3);
                    let rate = records.load(Ordering::Relaxed) as f64 / secs;
                    let _ = write!(w, "{:.0}k records/s", rate / 1e3);
                },
            );
        let b = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        b.set_style(style);
        *self.bar.write().unwrap_or_else(|e| e.into_inner()) = b;
    }

    fn advance(&self, bytes: u64, records: u64) {
        if self.shown {
            self.records.fetch_add(records, Ordering::Relaxed);
            self.bar
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .inc(bytes);
        }
    }

    fn finish(&self) {
        self.bar
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .finish_and_clear();
    }

    fn visible(&self) -> bool {
        self.shown
    }
}
