//! `iamtrail check`: Access Analyzer's custom policy checks (`no-new-access`,
//! `access-not-granted`, `no-public-access`), decided exactly from the policy structure
//! (`iamtrail::check`). Exit 0 for PASS, 1 for FAIL, 2 for bad usage or a file that is
//! not a policy.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};

use super::{UsageError, exit, write_stdout};
use iamtrail::check::{self, Outcome, PolicyFile, PolicyType, ResourceType, Verdict};
use iamtrail::iam::policy::DocumentKind;

/// `iamtrail check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The check.
    #[command(subcommand)]
    pub check: CheckCommand,
}

/// The checks.
#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// FAIL when the updated policy allows any request the existing one does not; prints
    /// each offending statement and a request that shows it.
    NoNewAccess(NoNewAccessArgs),
    /// FAIL when the policy grants any of the listed actions (on any listed resource).
    AccessNotGranted(AccessNotGrantedArgs),
    /// FAIL when a resource policy grants access to anyone, not bounded by a condition
    /// an outsider cannot satisfy.
    NoPublicAccess(NoPublicAccessArgs),
}

/// `--policy-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyTypeArg {
    /// Identity policies (attached to users, groups, roles).
    Identity,
    /// Resource-based policies (with `Principal`).
    Resource,
}

impl From<PolicyTypeArg> for PolicyType {
    fn from(p: PolicyTypeArg) -> PolicyType {
        match p {
            PolicyTypeArg::Identity => PolicyType::Identity,
            PolicyTypeArg::Resource => PolicyType::Resource,
        }
    }
}

/// `iamtrail check no-new-access`.
#[derive(Debug, Args)]
pub struct NoNewAccessArgs {
    /// The policy in place (one document or a JSON array of documents).
    #[arg(long, value_name = "OLD")]
    pub existing: PathBuf,
    /// The updated policy.
    #[arg(value_name = "NEW")]
    pub updated: PathBuf,
    /// What kind of policies both are.
    #[arg(long, value_enum, default_value = "identity")]
    pub policy_type: PolicyTypeArg,
    /// Print Access Analyzer's response shape as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `iamtrail check access-not-granted`.
#[derive(Debug, Args)]
pub struct AccessNotGrantedArgs {
    /// Actions that must not be granted (`s3:GetObject`, wildcards allowed), comma
    /// separated or repeated.
    #[arg(long, value_delimiter = ',', required = true, value_name = "ACTION")]
    pub actions: Vec<String>,
    /// Resources the actions must not be granted on (ARNs, wildcards allowed); default:
    /// any resource.
    #[arg(long, value_delimiter = ',', value_name = "ARN")]
    pub resources: Vec<String>,
    /// The policy.
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,
    /// What kind of policy it is.
    #[arg(long, value_enum, default_value = "identity")]
    pub policy_type: PolicyTypeArg,
    /// Print Access Analyzer's response shape as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `iamtrail check no-public-access`.
#[derive(Debug, Args)]
pub struct NoPublicAccessArgs {
    /// The resource type, as Access Analyzer names it (`AWS::S3::Bucket`,
    /// `AWS::KMS::Key`, `AWS::IAM::AssumeRolePolicyDocument`, …) or a short form (`s3`,
    /// `kms`, `sqs`, `sns`, `lambda`, `trust`, `secret`, `ecr`, `efs`, `dynamodb`).
    #[arg(long, value_name = "TYPE")]
    pub resource_type: String,
    /// The resource policy.
    #[arg(value_name = "POLICY")]
    pub policy: PathBuf,
    /// Print Access Analyzer's response shape as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The documents of one file ([`super::policies::read`]); a file that cannot be read or
/// is not a policy is a usage error (exit 2) naming the file, element, line and column.
fn read(path: &Path, kind: DocumentKind) -> Result<PolicyFile> {
    let documents = super::policies::read(path, kind).map_err(|e| UsageError(format!("{e:#}")))?;
    if documents.is_empty() {
        return Err(UsageError(format!("{} holds no policy document", path.display())).into());
    }
    Ok(PolicyFile {
        name: path.display().to_string(),
        documents,
    })
}

fn doc_kind(t: PolicyType) -> DocumentKind {
    match t {
        PolicyType::Identity => DocumentKind::Identity,
        PolicyType::Resource => DocumentKind::Resource,
    }
}

/// Runs `iamtrail check`.
pub fn run(a: CheckArgs) -> Result<u8> {
    let (outcome, json) = match a.check {
        CheckCommand::NoNewAccess(a) => {
            let t = a.policy_type.into();
            let old = read(&a.existing, doc_kind(t))?;
            let new = read(&a.updated, doc_kind(t))?;
            (check::no_new_access(&[old], &[new], t), a.json)
        }
        CheckCommand::AccessNotGranted(a) => {
            let actions: Vec<String> = a
                .actions
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if let Some(bad) = actions.iter().find(|s| *s != "*" && !s.contains(':')) {
                return Err(UsageError(format!(
                    "--actions {bad:?} must be SERVICE:ACTION (s3:GetObject)"
                ))
                .into());
            }
            if actions.is_empty() {
                return Err(UsageError("--actions lists no action".into()).into());
            }
            let resources: Vec<String> = a
                .resources
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let t = a.policy_type.into();
            let f = read(&a.policy, doc_kind(t))?;
            (
                check::access_not_granted(&[f], t, &actions, &resources),
                a.json,
            )
        }
        CheckCommand::NoPublicAccess(a) => {
            let Some(rt) = ResourceType::find(a.resource_type.trim()) else {
                let names: Vec<&str> = check::no_public_access::RESOURCE_TYPES
                    .iter()
                    .map(|t| t.name)
                    .collect();
                return Err(UsageError(format!(
                    "--resource-type {:?} is not one Access Analyzer checks; one of: {}",
                    a.resource_type,
                    names.join(", ")
                ))
                .into());
            };
            let f = read(&a.policy, rt.kind)?;
            (check::no_public_access(&[f], rt), a.json)
        }
    };
    if json {
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&outcome)?))?;
    } else {
        write_stdout(&text(&outcome))?;
    }
    Ok(match outcome.result {
        Verdict::Pass => exit::OK,
        Verdict::Fail => exit::CHECK_FAILED,
    })
}

/// The result as text: the verdict and message, then each offending statement with
/// where it is, why, the actions concerned and the witness request.
fn text(o: &Outcome) -> String {
    let verdict = match o.result {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    let mut out = format!("{verdict}: {}\n", o.message);
    for r in &o.reasons {
        let sid = r
            .statement_id
            .as_deref()
            .map(|s| format!(" (Sid {s:?})"))
            .unwrap_or_default();
        out += &format!("  {} {}{sid}: {}\n", r.document, r.path, r.description);
        if !r.actions.is_empty() {
            let more = if r.action_count > r.actions.len() {
                format!(" … {} in all", r.action_count)
            } else {
                String::new()
            };
            out += &format!("    actions: {}{more}\n", r.actions.join(", "));
        }
        if let Some(w) = &r.witness {
            out += &format!("    witness: {} on {}", w.action, w.resource);
            if let Some(p) = &w.principal {
                out += &format!(" by {p}");
            }
            for (k, v) in &w.context {
                out += &format!(" {k}={}", v.join(","));
            }
            out += "\n";
        }
    }
    out
}
