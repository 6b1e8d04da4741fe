//! How a command that reads trails for one principal starts (`generate`, `unused`): the
//! selection, the ingest, the check that the selection matched something, which
//! principal the run is for, and `-- CMD` captured into a trail.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::render::{config, ingest};
use super::report::{self, summary_lines};
use super::{InputArgs, exit};
use iamtrail::capture::session::{self, Setup};
use iamtrail::capture::{child, who};
use iamtrail::diagnose::{Nothing, nothing_selected};
use iamtrail::generate::{Generated, build};
use iamtrail::ingest::{Config, Ingested};
use iamtrail::map::FailureClass;
use iamtrail::policy::split::SizeLimit;
use iamtrail::policy::synth::Options;
use iamtrail::report::Summary;
use iamtrail::select::{PrincipalFilter, Selection};
use iamtrail::usage::UsageSet;

/// Ingests the inputs (or the Athena result `athena` asks for) for `principals` (none:
/// every principal). `Err(code)`: the input
/// holds no record, or the selection matches none; the report and the exit line are
/// printed, `nothing` ends the exit line ("no policy written").
pub fn read_trails(
    input: &InputArgs,
    principals: &[PrincipalFilter],
    counted: Vec<FailureClass>,
    skim: bool,
    athena: Option<&super::athena::AthenaArgs>,
    nothing: &str,
) -> Result<Result<Ingested, u8>> {
    let base = config(input)?;
    let cfg = Config {
        selection: Selection {
            principals: principals.to_vec(),
            ..base.selection.clone()
        },
        counted,
        skim,
        // Hidden switch for comparing runs with and without the prefilter.
        prefilter: std::env::var_os("IAMTRAIL_NO_PREFILTER").is_none(),
        ..base
    };
    // An Athena result, when one is asked for, stands in for the inputs.
    let from_athena = match athena {
        Some(a) => super::athena::ingested(a, input, &cfg)?,
        None => None,
    };
    let got = match from_athena {
        Some(got) => got,
        None => ingest(input, &cfg)?,
    };
    // Saying why nothing was selected (did-you-mean, the regions seen) needs every
    // record's caller, which records the prefilter skipped do not give: read again
    // without it (only on this error path; standard input cannot be read twice).
    let got = if cfg.prefilter
        && got
            .summary
            .filtered
            .contains_key(iamtrail::ingest::PREFILTERED)
        && nothing_selected(&cfg.selection, &got.summary).is_some()
        && !input.inputs.iter().any(|p| p.as_os_str() == "-")
    {
        let again = Config {
            prefilter: false,
            ..cfg.clone()
        };
        ingest(input, &again)?
    } else {
        got
    };
    // A selection that matches nothing gives an empty result: that is an error, never
    // a result.
    if let Some(n) = nothing_selected(&cfg.selection, &got.summary) {
        report::print(&summary_lines(&got.summary), input.quiet);
        let (code, why) = match n {
            Nothing::NoRecords { .. } => (exit::FAILED, "the input holds no CloudTrail record"),
            _ => (exit::USAGE, "the selection matches no record"),
        };
        report::print_error(&n.to_string());
        report::print_exit(code, &format!("{why}; {nothing}"));
        return Ok(Err(code));
    }
    Ok(Ok(got))
}

/// The principal a run is for: the ones named, else the one principal the input holds
/// (said on stderr, `doing` it: "generating for it"). With several and none named (and
/// not `all`), merging them silently would grant each what the others did: the list is
/// printed and the run ends with exit 2 (`Err`).
pub fn one_principal(
    named: &[PrincipalFilter],
    all: bool,
    s: &Summary,
    quiet: bool,
    doing: &str,
    nothing: &str,
) -> Result<Option<String>, u8> {
    if !named.is_empty() {
        return Ok(Some(
            named
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if all {
        return Ok(None);
    }
    match s.principals.len() {
        0 => Ok(None),
        1 => {
            let only = s.principals.keys().next().expect("one").clone();
            if !quiet {
                eprintln!("iamtrail: the input holds one principal, {only}; {doing}");
            }
            Ok(Some(only))
        }
        n => {
            eprintln!(
                "iamtrail: the input holds {n} principals; name one with --principal (or merge them with --all-principals):"
            );
            let mut rows: Vec<_> = s.principals.iter().collect();
            rows.sort_by(|a, b| b.1.records.cmp(&a.1.records).then(a.0.cmp(b.0)));
            let busiest = rows.first().map(|(p, _)| p.to_string()).unwrap_or_default();
            for (p, seen) in rows {
                eprintln!(
                    "  {:>8}  {:<6}  {p}",
                    seen.records,
                    seen.kind.as_deref().unwrap_or("?")
                );
            }
            report::print(&summary_lines(s), quiet);
            // The list can be long: say again, last, what to run.
            report::print_exit(
                exit::USAGE,
                &format!(
                    "{nothing}: rerun with --principal and one of the {n} above (the busiest: --principal {busiest}), or --all-principals"
                ),
            );
            Err(exit::USAGE)
        }
    }
}

/// Runs `command` under capture and writes its records to `output`, or to a private
/// temporary folder (returned, removed when dropped); returns the file. `what` ends the
/// warning when the command fails ("the policy covers the calls it made before it
/// stopped").
pub fn capture_input(
    command: &[OsString],
    principals: &[PrincipalFilter],
    output: Option<&PathBuf>,
    quiet: bool,
    what: &str,
) -> Result<(Option<tempfile::TempDir>, PathBuf)> {
    // The one --principal, when it is an IAM or STS ARN, names whose calls these are.
    let named = match principals {
        [p] => who::from_args(Some(&p.to_string()), None).ok().flatten(),
        _ => None,
    };
    let (dir, path) = match output {
        Some(p) => (None, p.clone()),
        None => {
            let d = tempfile::Builder::new()
                .prefix("iamtrail-generate-")
                .tempdir()
                .context("cannot create a temporary folder")?;
            let p = d.path().join("capture.ndjson");
            (Some(d), p)
        }
    };
    // A bad path fails before the workload runs.
    std::fs::write(&path, b"").with_context(|| format!("cannot write {}", path.display()))?;
    let who = match named {
        Some(w) => w,
        None => super::capture::caller_identity()?,
    };
    let env: Vec<_> = std::env::vars_os().collect();
    let setup = Setup {
        stdout_to_stderr: true,
        ..Setup::default()
    };
    let got = session::run(command, &env, who, &setup)?;
    std::fs::write(&path, got.ndjson())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let program = command[0].to_string_lossy();
    match &got.status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!(
            "iamtrail: warning: {program} exited {}: {what}",
            child::exit_code(*s)
        ),
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    }
    if !quiet {
        eprintln!(
            "iamtrail: capture: {} AWS call(s) recorded ({} denied){}",
            got.records.len(),
            got.counts.denied,
            if output.is_some() {
                format!(", written to {}", path.display())
            } else {
                String::new()
            }
        );
    }
    if got.counts.recorded == 0 {
        eprintln!(
            "iamtrail: warning: capture: no AWS call went through the proxy. {}",
            child::IGNORED_PROXY
        );
    }
    Ok((dir, path))
}

/// Builds the policy for a run's usage; one that cannot fit the size limit is an error
/// naming `what` ("the policy", "the suggested policy"), printed after the summary.
pub fn build_within_limit(
    usage: &UsageSet,
    opts: Options,
    limit: SizeLimit,
    s: &Summary,
    quiet: bool,
    what: &str,
) -> Result<Generated> {
    build(usage, opts, limit).or_else(|e| {
        report::print(&summary_lines(s), quiet);
        Err(e).context(format!(
            "cannot fit {what} into the size limit (try --size-limit with a larger quota)"
        ))
    })
}
