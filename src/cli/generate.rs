//! `iamtrail generate`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::render::{ingest, selection};
use super::report::{self, Level, Line, details, generated_lines, summary_lines};
use super::{GenerateArgs, exit};
use iamtrail::capture::session::{self, Setup};
use iamtrail::capture::{child, who};
use iamtrail::diagnose::{Nothing, nothing_selected};
use iamtrail::generate::{build, explain};
use iamtrail::ingest::Config;
use iamtrail::policy::emit::{
    EmitError, OutputFile, check_name, is_output_file, policy_name, render, render_files,
};
use iamtrail::policy::split::quota_warnings;
use iamtrail::policy::synth::Options;

/// Runs `generate`.
pub fn run(mut a: GenerateArgs) -> Result<u8> {
    // A bad name is known before reading anything.
    if let Some(n) = &a.name
        && let Err(e) = check_name(n, 1)
    {
        report::print_error(&e.to_string());
        report::print_exit(exit::USAGE, "usage error (see above); nothing written");
        return Ok(exit::USAGE);
    }
    // `-- CMD`: the captured records are the input (kept until the end of the run).
    let _captured = if a.command.is_empty() {
        None
    } else {
        let (dir, path) = capture_input(&a)?;
        a.input.inputs = vec![path];
        Some(dir)
    };
    if a.each_principal {
        return super::each::run(&a);
    }
    let mut sel = selection(&a.input)?;
    sel.principals = a.principal.clone();
    let cfg = Config {
        selection: sel,
        counted: a.failed_calls.0.clone(),
        skim: !a.parse_all,
        ..Config::default()
    };
    let mut got = ingest(&a.input, &cfg)?;
    let quiet = a.input.quiet;
    // A selection that matches nothing gives an empty policy: that is an error, never
    // a policy.
    if let Some(n) = nothing_selected(&cfg.selection, &got.summary) {
        report::print(&summary_lines(&got.summary), quiet);
        let (code, why) = match n {
            Nothing::NoRecords { .. } => (exit::FAILED, "the input holds no CloudTrail record"),
            _ => (exit::USAGE, "the selection matches no record"),
        };
        report::print_error(&n.to_string());
        report::print_exit(code, &format!("{why}; no policy written"));
        return Ok(code);
    }
    let stdin_taken = a.input.inputs.iter().any(|p| p.as_os_str() == "-");
    let from_denials =
        super::refine::denials_into_usage(&a.denied, &a.principal, &mut got.usage, stdin_taken)?;
    let s = &got.summary;

    // With no principal named, a policy is for the one principal the input holds; with
    // several, merging them silently would grant each what the others did.
    let mut principal_arn: Option<String> = (!a.principal.is_empty()).then(|| {
        a.principal
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    });
    if a.principal.is_empty() && !a.all_principals {
        match s.principals.len() {
            0 => {}
            1 => {
                let only = s.principals.keys().next().expect("one").clone();
                if !quiet {
                    eprintln!("iamtrail: the input holds one principal, {only}; generating for it");
                }
                principal_arn = Some(only);
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
                        "no policy written: rerun with --principal and one of the {n} above (the busiest: --principal {busiest}), or --all-principals"
                    ),
                );
                return Ok(exit::USAGE);
            }
        }
    }

    let opts = Options {
        generalize: a.generalize,
        pin: a.pin,
    };
    let generated = match build(&got.usage, opts, a.size_limit) {
        Ok(g) => g,
        Err(e) => {
            report::print(&summary_lines(s), quiet);
            return Err(e).context(
                "cannot fit the policy into the size limit (try --size-limit with a larger quota)",
            );
        }
    };
    let name = a
        .name
        .clone()
        .unwrap_or_else(|| policy_name(principal_arn.as_deref()));
    let description = format!(
        "Generated by iamtrail from CloudTrail records of {}",
        principal_arn.as_deref().unwrap_or("the input")
    );

    if a.json {
        let mut report = serde_json::to_value(s)?;
        report["generalizations"] = serde_json::to_value(
            generated
                .synthesis
                .generalizations
                .iter()
                .map(|g| serde_json::json!({"action": g.action.to_string(), "pattern": g.pattern, "replaced": g.replaced, "rules": g.rules, "examples": g.examples, "varied": g.varied}))
                .collect::<Vec<_>>(),
        )?;
        report["sensitive"] = serde_json::to_value(&generated.sensitive)?;
        report["wide"] = serde_json::to_value(&generated.wide)?;
        if !a.denied.is_empty() {
            report["from_denials"] = serde_json::to_value(&from_denials)?;
        }
        report["quota_warnings"] =
            serde_json::to_value(quota_warnings(&generated.documents, a.size_limit))?;
        report["sizes"] = serde_json::to_value(
            generated
                .documents
                .iter()
                .map(|d| d.iam_size())
                .collect::<Vec<_>>(),
        )?;
        if a.explain {
            report["explain"] = serde_json::to_value(explain(&generated))?;
        }
        let out = serde_json::json!({ "principal": principal_arn, "policies": generated.documents, "report": report });
        write_out(&a, &(serde_json::to_string_pretty(&out)? + "\n"))?;
        // The report is on stdout; stderr keeps what must never go unseen.
        report::print(&summary_lines(s), true);
    } else {
        let written = match &a.output_dir {
            Some(dir) => render_files(&generated.documents, a.format.into(), &name, &description)
                .map(|files| write_dir(dir, &files, &a, &name)),
            None => render(&generated.documents, a.format.into(), &name, &description)
                .map(|text| write_out(&a, &text)),
        };
        match written {
            Ok(result) => result?,
            Err(e @ EmitError::Name(_)) => {
                report::print_error(&e.to_string());
                report::print_exit(exit::USAGE, "usage error (see above); nothing written");
                return Ok(exit::USAGE);
            }
            Err(e) => return Err(e.into()),
        }
        let mut lines: Vec<Line> = summary_lines(s);
        lines.extend(details(from_denials.added_lines()));
        lines.extend(from_denials.not_added_lines().into_iter().map(|text| Line {
            level: Level::Warning,
            text,
        }));
        lines.extend(generated_lines(&generated, a.size_limit.chars()));
        lines.extend(
            quota_warnings(&generated.documents, a.size_limit)
                .into_iter()
                .map(|w| Line {
                    level: Level::Warning,
                    text: format!("warning: {w}"),
                }),
        );
        report::print(&lines, quiet);
        if a.explain {
            for st in &generated.synthesis.statements {
                eprintln!(
                    "explain: {} ({} actions, {} resources)",
                    st.sid,
                    st.actions.len(),
                    st.resources.len()
                );
                for e in explain(&generated).iter().filter(|e| e.sid == st.sid) {
                    eprintln!(
                        "  {} on {}: {} records, {} … {}, e.g. {}; because {}",
                        e.action,
                        e.resource,
                        e.records,
                        e.first_seen.as_deref().unwrap_or("?"),
                        e.last_seen.as_deref().unwrap_or("?"),
                        e.sample_event_ids.join(", "),
                        e.because.join("; ")
                    );
                    if let Some(x) = &e.generalized {
                        eprintln!(
                            "    generalized by {} from {} exact {}, e.g. {}{}",
                            x.rules.join("+"),
                            x.replaced,
                            if x.replaced == 1 {
                                "resource"
                            } else {
                                "resources"
                            },
                            x.examples.join(", "),
                            if x.varied.is_empty() {
                                String::new()
                            } else {
                                format!("; the number varies: {}", x.varied.join(", "))
                            }
                        );
                    }
                }
            }
        }
    }
    if got.usage.is_empty() {
        eprintln!(
            "iamtrail: no record of the selection needed a permission (see `free` above); the policy is empty"
        );
    }
    let (code, why) = report::exit_reason(s, a.input.allow_partial);
    report::print_exit(code, &why);
    Ok(code)
}

fn write_out(a: &GenerateArgs, text: &str) -> Result<()> {
    match &a.output {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))
        }
        _ => super::write_stdout(text),
    }
}

/// Writes one file per document into `dir`; points out files an earlier run with more
/// parts left there (they would still be deployed with the directory).
fn write_dir(dir: &Path, files: &[OutputFile], a: &GenerateArgs, name: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for f in files {
        let path = dir.join(&f.file_name);
        std::fs::write(&path, &f.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        if !a.input.quiet {
            eprintln!("iamtrail: wrote {}", path.display());
        }
    }
    let mut stale: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| {
            is_output_file(n, a.format.into(), name) && !files.iter().any(|f| &f.file_name == n)
        })
        .collect();
    stale.sort();
    for n in stale {
        eprintln!(
            "iamtrail: warning: {} is not part of this policy (left by an earlier run?); remove it before deploying the directory",
            dir.join(n).display()
        );
    }
    Ok(())
}

/// Runs `-- CMD` under capture and writes its records to `--capture-output`, or to a
/// private temporary folder (returned, removed when dropped); returns the file.
fn capture_input(a: &GenerateArgs) -> Result<(Option<tempfile::TempDir>, PathBuf)> {
    // The one --principal, when it is an IAM or STS ARN, names whose calls these are.
    let named = match a.principal.as_slice() {
        [p] => who::from_args(Some(&p.to_string()), None).ok().flatten(),
        _ => None,
    };
    let (dir, path) = match &a.capture_output {
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
    let got = session::run(&a.command, &env, who, &setup)?;
    std::fs::write(&path, got.ndjson())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let program = a.command[0].to_string_lossy();
    match &got.status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!(
            "iamtrail: warning: {program} exited {}: the policy covers the calls it made before it stopped",
            child::exit_code(*s)
        ),
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    }
    if !a.input.quiet {
        eprintln!(
            "iamtrail: capture: {} AWS call(s) recorded ({} denied){}",
            got.records.len(),
            got.counts.denied,
            if a.capture_output.is_some() {
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
