//! `iamtrail capture [-o FILE] [--principal ARN] [--account ID] -- CMD [ARGS…]`: runs CMD
//! behind the capture proxy and writes one CloudTrail-shaped record per AWS call it
//! made. The exit code is CMD's.

use anyhow::Context;
use clap::Args;
use std::ffi::OsString;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use super::UsageError;
use super::report::{Level, Line, print};
use iamtrail::capture::child;
use iamtrail::capture::session::{self, Setup};
use iamtrail::capture::sink::{Lines, Tee};
use iamtrail::capture::who::{self, Identity};
use iamtrail::capture::{Exchange, Recorder};

/// `capture`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Write the records (NDJSON) to FILE instead of standard output (written after CMD
    /// ends, so they never mix with CMD's own output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The principal the calls are attributed to (default: the caller identity of the
    /// credentials CMD inherits, from sts:GetCallerIdentity).
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,

    /// The account the calls are attributed to (default: the principal's).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,

    /// Also trust this CA (PEM, one or more certificates) for upstream servers, besides
    /// the system roots (a private endpoint; tests).
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Option<PathBuf>,

    /// Write what the proxy saw, one redacted JSON line per AWS exchange (no bodies, no
    /// credentials), to FILE: what to look at when a call is missing from the records.
    #[arg(long, value_name = "FILE")]
    pub exchanges: Option<PathBuf>,

    /// The workload and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}

fn create(path: &PathBuf) -> anyhow::Result<std::fs::File> {
    std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))
}

/// The caller identity of the credentials the workload inherits (sts:GetCallerIdentity).
pub fn caller_identity() -> anyhow::Result<Identity> {
    let rt = iamtrail::aws::runtime().context("cannot start the async runtime")?;
    Ok(rt.block_on(who::caller_identity(&iamtrail::aws::AwsOptions::default()))?)
}

/// Runs the command; returns CMD's exit code.
pub fn run(args: CaptureArgs) -> anyhow::Result<u8> {
    let given = who::from_args(args.principal.as_deref(), args.account.as_deref())
        .map_err(|e| UsageError(e.to_string()))?;
    let upstream_ca = match &args.upstream_ca {
        None => Vec::new(),
        Some(f) => {
            let text = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            let certs: Vec<_> = pem::parse_many(&text)
                .with_context(|| format!("{} is not PEM", f.display()))?
                .into_iter()
                .filter(|p| p.tag() == "CERTIFICATE")
                .map(|p| rustls::pki_types::CertificateDer::from(p.into_contents()))
                .collect();
            if certs.is_empty() {
                return Err(UsageError(format!("{} holds no PEM certificate", f.display())).into());
            }
            certs
        }
    };
    // Files first: a bad path fails before the workload runs.
    let (records_out, records_back) = match &args.output {
        Some(p) => (create(p)?, None),
        None => {
            let f = tempfile::tempfile().context("cannot create a temporary file")?;
            let back = f.try_clone().context("cannot create a temporary file")?;
            (f, Some(back))
        }
    };
    let exchanges_out = args.exchanges.as_ref().map(create).transpose()?;

    let who = match given {
        Some(w) => w,
        None => caller_identity()?,
    };
    let (recorder, written) = recorders(records_out, exchanges_out, who);
    let setup = Setup {
        upstream_ca,
        stdout_to_stderr: false,
    };
    let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let (status, counts) = session::with_proxy(&setup, recorder, &env, |ce, rt| {
        match rt.block_on(child::run(&args.command, ce)) {
            Ok(s) => Some(s),
            Err(e) => {
                super::report::print_error(&e.to_string());
                None
            }
        }
    })?;

    if let Some(mut back) = records_back {
        let mut text = String::new();
        back.rewind()
            .and_then(|()| back.read_to_string(&mut text))
            .context("cannot read back the records")?;
        super::write_stdout(&text)?;
    }
    let records = written.load(std::sync::atomic::Ordering::SeqCst);
    let code = match status {
        Some(s) => child::exit_code(s),
        // As shells do: 127 when the command was not found, 126 when it could not run.
        None => {
            if which(&args.command[0]) {
                126
            } else {
                127
            }
        }
    };
    let mut lines = vec![Line {
        level: Level::Detail,
        text: format!(
            "capture: {} recorded ({} denied), {} non-AWS {} and {} other {} passed through{}; {} exited {code}",
            plural(records, "AWS call", "AWS calls"),
            counts.denied,
            counts.passed_requests,
            if counts.passed_requests == 1 {
                "request"
            } else {
                "requests"
            },
            counts.passed_tunnels,
            if counts.passed_tunnels == 1 {
                "connection"
            } else {
                "connections"
            },
            if counts.upstream_errors > 0 {
                format!(
                    ", {} could not reach their server (answered 502)",
                    counts.upstream_errors
                )
            } else {
                String::new()
            },
            args.command[0].to_string_lossy(),
        ),
    }];
    if counts.recorded > records {
        lines.push(Line {
            level: Level::Warning,
            text: format!(
                "capture: {} signed like AWS but not recognized as a call of a known service and operation; not recorded (--exchanges FILE lists them)",
                plural(counts.recorded - records, "request was", "requests were")
            ),
        });
    }
    if counts.recorded == 0 && status.is_some() {
        lines.push(Line {
            level: Level::Warning,
            text: format!(
                "capture: no AWS call went through the proxy. {}",
                child::IGNORED_PROXY
            ),
        });
    }
    print(&lines, false);
    Ok((code & 0xff) as u8)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `program` names an existing file (so it exists but could not be run).
fn which(program: &OsString) -> bool {
    let p = std::path::Path::new(program);
    if p.components().count() > 1 {
        return p.exists();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(p).is_file()))
}

/// The recorders: records (NDJSON) to `records`, redacted exchanges to `exchanges`;
/// with the counter of records written.
fn recorders(
    records: std::fs::File,
    exchanges: Option<std::fs::File>,
    who: Identity,
) -> (
    Box<dyn Recorder>,
    std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    let out: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(records));
    let lines = Lines::new(
        out,
        Box::new(move |x: &Exchange| iamtrail::capture::exchange::to_record(x, &who).ok()),
    );
    let written = lines.counter();
    let mut all: Vec<Box<dyn Recorder>> = vec![Box::new(lines)];
    if let Some(f) = exchanges {
        all.push(Box::new(Lines::new(
            Box::new(std::io::BufWriter::new(f)),
            Box::new(|x: &Exchange| Some(x.summary())),
        )));
    }
    (Box::new(Tee(all)), written)
}
