//! `iamtrail audit credentials`: the credential report judged by a CIS benchmark table
//! (`iamtrail::audit::credentials`), printed as text grouped by user, JSON or SARIF.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::cli::{UsageError, exit, report, sarif, write_stdout};
use iamtrail::audit::credentials::{
    self as cred, AccountFacts, Audit, BENCHMARKS, Benchmark, CredentialReport, Severity, Status,
};
use iamtrail::aws::AwsOptions;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Findings grouped by user, then the controls.
    Text,
    /// A JSON object: `findings` and `summary`.
    Json,
    /// SARIF 2.1.0, for code-scanning UIs.
    Sarif,
}

/// `--fail-on`: the least severity that makes the exit code non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Low,
    /// Medium, high or critical findings.
    Medium,
    /// High or critical findings.
    High,
    /// Critical findings only.
    Critical,
    /// Never (exit 0 whatever the findings).
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::None => None,
        }
    }
}

/// `iamtrail audit credentials`.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    /// The credential report CSV (`aws iam get-credential-report --query Content
    /// --output text | base64 -d`); `-` reads standard input.
    #[arg(
        value_name = "REPORT.csv",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    pub report: Option<PathBuf>,
    /// Fetch the report from the account (GenerateCredentialReport, GetCredentialReport)
    /// and check what only the account shows: root hardware MFA (1.6), the password
    /// policy (1.8, 1.9) and unused roles.
    #[arg(long)]
    pub live: bool,
    /// AWS profile (default: AWS_PROFILE, else the default credential chain).
    #[arg(long, value_name = "NAME", requires = "live")]
    pub profile: Option<String>,
    /// Region of the IAM client (IAM is global; default: the chain's, else us-east-1).
    #[arg(long, value_name = "REGION", requires = "live")]
    pub region: Option<String>,
    /// IAM-compatible endpoint (also AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL", requires = "live")]
    pub endpoint_url: Option<String>,
    /// "Now" for every age (2026-11-20 or 2026-11-20T09:00:00Z), for reproducible
    /// results. Default: the report's generation time when known (--live), else the
    /// clock.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// The benchmark and version whose controls and thresholds apply.
    #[arg(long, value_name = "NAME", default_value = "cis-3.0", value_parser = benchmark_names())]
    pub benchmark: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Exit 6 when a finding of this severity or above exists.
    #[arg(long, value_enum, default_value_t = FailOn::Low, value_name = "SEVERITY")]
    pub fail_on: FailOn,
}

fn benchmark_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(BENCHMARKS.iter().map(|b| b.name))
}

/// Where "now" came from, said in the output.
fn as_of(a: &CredentialsArgs, generated: Option<i64>) -> Result<(i64, String)> {
    if let Some(t) = &a.as_of {
        let at = iamtrail::decode::parse_time(t.trim()).ok_or_else(|| {
            UsageError(format!(
                "--as-of {t:?}: not a time (2026-11-20 or 2026-11-20T09:00:00Z)"
            ))
        })?;
        return Ok((at, "--as-of".into()));
    }
    if let Some(g) = generated {
        return Ok((g, "the report's generation time".into()));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok((now, "the clock; --as-of fixes it".into()))
}

/// Runs the audit; returns the exit code.
pub fn run(a: CredentialsArgs) -> Result<u8> {
    let bench = cred::benchmark(&a.benchmark)
        .ok_or_else(|| UsageError(format!("unknown benchmark {}", a.benchmark)))?;
    let (report, generated, facts, source) = if a.live {
        let opts = AwsOptions {
            profile: a.profile.clone(),
            endpoint_url: a.endpoint_url.clone(),
            region: a.region.clone(),
        };
        if let Some(why) = iamtrail::aws::undefined_profile(opts.profile.as_deref()) {
            return Err(UsageError(why).into());
        }
        let rt = iamtrail::aws::runtime().context("cannot start the AWS client runtime")?;
        let live = rt
            .block_on(cred::live::fetch(&opts))
            .context("cannot read the credential report from the account")?;
        let source = format!("the account {} (live)", live.facts.account);
        (live.report, live.generated, Some(live.facts), source)
    } else {
        let path = a.report.clone().unwrap_or_default();
        let shown = path.display().to_string();
        let bytes = if shown == "-" {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
                .context("cannot read standard input")?;
            b
        } else {
            std::fs::read(&path).with_context(|| format!("cannot read {shown}"))?
        };
        let report = CredentialReport::parse(&bytes)
            .with_context(|| format!("{shown} is not an IAM credential report"))?;
        (report, None, None, shown)
    };
    let (now, now_source) = as_of(&a, generated)?;
    let audit = cred::audit(&report, facts.as_ref(), bench, now);
    let format = if a.json { OutputFormat::Json } else { a.format };
    let out = match format {
        OutputFormat::Text => text(&audit, bench, &source, &now_source, facts.is_some()),
        OutputFormat::Json => json(&audit, &source, &now_source, facts.as_ref())?,
        OutputFormat::Sarif => sarif_log(&audit, bench, (!a.live).then_some(source.as_str()))?,
    };
    write_stdout(&out)?;
    let failing = a.fail_on.threshold().map_or(0, |t| {
        audit.findings.iter().filter(|f| f.severity >= t).count()
    });
    if failing > 0 {
        report::print_exit(
            exit::FINDINGS,
            &format!(
                "{failing} finding(s) at or above --fail-on {}",
                format!("{:?}", a.fail_on).to_lowercase()
            ),
        );
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}

fn status_text(s: Status, n: usize) -> String {
    match s {
        Status::Pass => "pass".into(),
        Status::Fail => format!("FAIL ({n})"),
        Status::NeedsLive => "not checked: needs --live".into(),
        Status::NoRootRow => "not checked: no <root_account> row".into(),
    }
}

/// Findings grouped by user, then one line per control.
fn text(audit: &Audit, bench: &Benchmark, source: &str, now_source: &str, live: bool) -> String {
    let mut out = format!(
        "{}: credential report of {source}\nas of {} ({now_source})\n{} IAM user(s){} checked; {} of {} controls checked\n",
        audit.benchmark,
        audit.as_of,
        audit.users_checked,
        if audit.root_checked {
            " and the root user"
        } else {
            ""
        },
        audit.controls_checked,
        bench.controls.len()
    );
    let mut user: Option<&str> = None;
    for f in &audit.findings {
        if user != Some(f.user.as_str()) {
            out += &format!("\n{}  {}\n", f.user, f.arn);
            user = Some(&f.user);
        }
        out += &format!(
            "  FAIL {} {} [{}, {}]\n       {}\n",
            f.control,
            f.title,
            f.credential.name(),
            f.severity.name(),
            f.reason
        );
        if !f.dates.is_empty() {
            let d: Vec<String> = f
                .dates
                .iter()
                .map(|d| format!("{} {}", d.column, d.value))
                .collect();
            out += &format!("       {}\n", d.join(", "));
        }
        if let Some(age) = &f.age {
            out += &format!("       age {} (since {})\n", age.text, age.since);
        }
        out += &format!("       fix: {}\n", f.fix);
    }
    if audit.findings.is_empty() {
        out += "\nno findings\n";
    }
    out += "\ncontrols:\n";
    for c in &audit.controls {
        out += &format!(
            "  {:<5} {:<36} {}{}\n",
            c.id,
            status_text(c.status, c.findings),
            c.title,
            c.security_hub
                .map(|s| format!(" (Security Hub {s})"))
                .unwrap_or_default()
        );
    }
    if !live && audit.controls.iter().any(|c| c.status == Status::NeedsLive) {
        out += "the credential report does not show root hardware MFA, the password policy, roles or last-accessed data: run with --live to check them\n";
    }
    out
}

fn json(
    audit: &Audit,
    source: &str,
    now_source: &str,
    facts: Option<&AccountFacts>,
) -> Result<String> {
    let mut by_severity = serde_json::Map::new();
    for s in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ] {
        let n = audit.findings.iter().filter(|f| f.severity == s).count();
        by_severity.insert(s.name().into(), n.into());
    }
    let v = serde_json::json!({
        "benchmark": audit.benchmark,
        "source": source,
        "live": facts.is_some(),
        "as_of": audit.as_of,
        "as_of_source": now_source,
        "summary": {
            "users_checked": audit.users_checked,
            "root_checked": audit.root_checked,
            "controls_checked": audit.controls_checked,
            "findings": audit.findings.len(),
            "findings_by_severity": by_severity,
            "controls": audit.controls,
        },
        "findings": audit.findings,
    });
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}

fn level(s: Severity) -> sarif::Level {
    match s {
        Severity::Critical | Severity::High => sarif::Level::Error,
        Severity::Medium => sarif::Level::Warning,
        Severity::Low => sarif::Level::Note,
    }
}

fn sarif_log(audit: &Audit, bench: &Benchmark, file: Option<&str>) -> Result<String> {
    // Benchmark controls are `CIS-1.12`; iamtrail's own checks (`roles`) are not CIS's.
    let rule_id = |id: &str| {
        if id.starts_with(|c: char| c.is_ascii_digit()) {
            format!("CIS-{id}")
        } else {
            format!("iamtrail-{id}")
        }
    };
    let rules: Vec<sarif::Rule> = bench
        .controls
        .iter()
        .map(|c| sarif::Rule {
            id: rule_id(c.id),
            name: rule_id(c.id),
            short: c.title.into(),
            full: Some(c.text.into()),
            help_uri: None,
            level: level(c.severity),
            properties: None,
        })
        .collect();
    let results: Vec<sarif::Finding> = audit
        .findings
        .iter()
        .map(|f| sarif::Finding {
            rule: rule_id(f.control),
            level: level(f.severity),
            message: format!(
                "{} ({}): {}. Fix: {}",
                f.user,
                f.credential.name(),
                f.reason,
                f.fix
            ),
            location: sarif::Location {
                file: file
                    .filter(|_| f.line > 0)
                    .map(|p| (p.to_string(), f.line, None)),
                logical: Some((
                    f.arn.clone(),
                    Some(if f.user == "<account>" {
                        "account"
                    } else {
                        "user"
                    }),
                )),
            },
            properties: Some(serde_json::json!({
                "user": f.user,
                "credential": f.credential.name(),
                "severity": f.severity.name(),
                "securityHub": f.security_hub,
                "age": f.age,
                "dates": f.dates,
            })),
        })
        .collect();
    let log = sarif::log(
        &sarif::Tool {
            information_uri: None,
            rules: &rules,
        },
        &results,
    );
    Ok(format!("{}\n", serde_json::to_string_pretty(&log)?))
}
