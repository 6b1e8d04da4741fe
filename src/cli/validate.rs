//! `iamtrail validate`: IAM Access Analyzer's policy checks, offline
//! (`iamtrail::validate`), printed as text, JSON or SARIF 2.1.0.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::{UsageError, exit, sarif, write_stdout};
use iamtrail::validate::{self, AttachedAs, Finding, Options, PolicyType, Severity};

/// Exit code when a finding is at or above `--fail-on` (the same code as a failed
/// command: the policy did not pass).
pub const FINDINGS: u8 = exit::FAILED;

/// `iamtrail validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Policy files (`-`: standard input); a file may hold one document or a JSON list of
    /// documents.
    #[arg(required = true, value_name = "POLICY")]
    pub policies: Vec<PathBuf>,
    /// Exit non-zero (1) when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "security-warning")]
    pub fail_on: SeverityArg,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
    /// Shorthand for `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// What the policies are.
    #[arg(long, value_enum, default_value = "identity")]
    pub policy_type: PolicyTypeArg,
    /// Resource policies: the CloudFormation type of the resource they are attached to
    /// (`AWS::S3::Bucket`); actions and ARNs of other services are findings.
    #[arg(long, value_name = "TYPE")]
    pub resource_type: Option<String>,
    /// Identity policies: what they are attached as, which fixes the size quota.
    #[arg(long, value_enum, default_value = "managed")]
    pub attached_as: AttachedAsArg,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    /// ERROR.
    Error,
    /// SECURITY_WARNING and above.
    SecurityWarning,
    /// WARNING and above.
    Warning,
    /// Any finding.
    Suggestion,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Error => Severity::Error,
            SeverityArg::SecurityWarning => Severity::SecurityWarning,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Suggestion => Severity::Suggestion,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `file:line:col SEVERITY ID path: message`, one finding a line.
    Text,
    /// `{"findings": […], "summary": {…}}`.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// `--policy-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyTypeArg {
    /// Identity-based policies (also permissions boundaries and session policies).
    Identity,
    /// Resource-based policies.
    Resource,
    /// Service control policies.
    Scp,
    /// Role trust policies.
    Trust,
}

/// `--attached-as`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AttachedAsArg {
    /// Managed policy (6,144 characters).
    Managed,
    /// Inline in a user (2,048).
    UserInline,
    /// Inline in a role (10,240).
    RoleInline,
    /// Inline in a group (5,120).
    GroupInline,
}

/// The findings of one file.
struct FileFindings {
    name: String,
    findings: Vec<Finding>,
}

fn read(path: &PathBuf) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        return Ok(("-".into(), s));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| UsageError(format!("{} is not UTF-8 text", path.display())))?;
    Ok((path.display().to_string(), text))
}

/// Runs `iamtrail validate`.
pub fn run(a: ValidateArgs) -> Result<u8> {
    let opts = Options {
        policy_type: match a.policy_type {
            PolicyTypeArg::Identity => PolicyType::Identity,
            PolicyTypeArg::Resource => PolicyType::Resource,
            PolicyTypeArg::Scp => PolicyType::Scp,
            PolicyTypeArg::Trust => PolicyType::Trust,
        },
        resource_type: a.resource_type.clone(),
        attached_as: match a.attached_as {
            AttachedAsArg::Managed => AttachedAs::Managed,
            AttachedAsArg::UserInline => AttachedAs::UserInline,
            AttachedAsArg::RoleInline => AttachedAs::RoleInline,
            AttachedAsArg::GroupInline => AttachedAs::GroupInline,
        },
    };
    if a.policies.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(UsageError("`-` (standard input) can be given once".into()).into());
    }
    // Read everything first: an unreadable file is a usage error before any output.
    let texts: Vec<(String, String)> = a.policies.iter().map(read).collect::<Result<_>>()?;
    let files: Vec<FileFindings> = texts
        .iter()
        .map(|(name, text)| FileFindings {
            name: name.clone(),
            findings: validate::validate(text, &opts),
        })
        .collect();
    let fail_on: Severity = a.fail_on.into();
    let failed = files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity <= fail_on);
    let format = if a.json { OutputFormat::Json } else { a.format };
    let out = match format {
        OutputFormat::Text => text(&files),
        OutputFormat::Json => {
            serde_json::to_string_pretty(&json_report(&files, fail_on, failed))? + "\n"
        }
        OutputFormat::Sarif => serde_json::to_string_pretty(&sarif(&files))? + "\n",
    };
    write_stdout(&out)?;
    Ok(if failed { FINDINGS } else { exit::OK })
}

fn counts(files: &[FileFindings]) -> [usize; 4] {
    let mut c = [0; 4];
    for f in files.iter().flat_map(|f| &f.findings) {
        c[f.severity as usize] += 1;
    }
    c
}

fn text(files: &[FileFindings]) -> String {
    let mut out = String::new();
    for f in files {
        for x in &f.findings {
            let (l, c) = x.at.map_or((1, 1), |p| (p.line, p.column));
            let path = if x.path.is_empty() {
                String::new()
            } else {
                format!(" {}:", x.path)
            };
            out += &format!(
                "{}:{l}:{c} {} {}{path} {}\n",
                f.name, x.severity, x.id, x.message
            );
        }
    }
    let c = counts(files);
    let total: usize = c.iter().sum();
    out += &format!(
        "{total} finding{} in {} file{}: {} error, {} security warning, {} warning, {} suggestion\n",
        if total == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        c[0],
        c[1],
        c[2],
        c[3]
    );
    out
}

fn json_report(files: &[FileFindings], fail_on: Severity, failed: bool) -> Value {
    let findings: Vec<Value> = files
        .iter()
        .flat_map(|f| {
            f.findings.iter().map(move |x| {
                json!({
                    "file": f.name,
                    "id": x.id,
                    "severity": x.severity.name(),
                    "message": x.message,
                    "path": x.path,
                    "line": x.at.map(|p| p.line),
                    "column": x.at.map(|p| p.column),
                    "learn_more": x.link(),
                })
            })
        })
        .collect();
    let c = counts(files);
    json!({
        "findings": findings,
        "summary": {
            "files": files.len(),
            "total": c.iter().sum::<usize>(),
            "ERROR": c[0],
            "SECURITY_WARNING": c[1],
            "WARNING": c[2],
            "SUGGESTION": c[3],
            "fail_on": fail_on.name(),
            "failed": failed,
        },
    })
}

/// SARIF's level for a severity.
fn level(s: Severity) -> sarif::Level {
    match s {
        Severity::Error => sarif::Level::Error,
        Severity::SecurityWarning | Severity::Warning => sarif::Level::Warning,
        Severity::Suggestion => sarif::Level::Note,
    }
}

fn sarif(files: &[FileFindings]) -> Value {
    let mut ids: Vec<&'static str> = files
        .iter()
        .flat_map(|f| f.findings.iter().map(|x| x.id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rules: Vec<sarif::Rule> = ids
        .iter()
        .map(|id| {
            let c = validate::checks::check(id);
            sarif::Rule {
                id: c.id.into(),
                name: c.title.into(),
                short: c.title.into(),
                full: None,
                help_uri: Some(c.link()),
                level: level(c.severity),
                properties: Some(json!({"accessAnalyzerFindingType": c.severity.name()})),
            }
        })
        .collect();
    let results: Vec<sarif::Finding> = files
        .iter()
        .flat_map(|f| {
            f.findings.iter().map(move |x| {
                let (l, c) = x.at.map_or((1, 1), |p| (p.line, p.column));
                sarif::Finding {
                    rule: x.id.into(),
                    level: level(x.severity),
                    message: x.message.clone(),
                    location: sarif::Location {
                        file: Some((f.name.clone(), l, Some(c))),
                        logical: (!x.path.is_empty()).then(|| (x.path.clone(), None)),
                    },
                    properties: None,
                }
            })
        })
        .collect();
    sarif::log(
        &sarif::Tool {
            information_uri: Some(validate::checks::REFERENCE),
            rules: &rules,
        },
        &results,
    )
}
