//! `iamtrail simulate`: one request against the policies that bear on it, evaluated as
//! IAM does (`iamtrail::iam::eval`), with the statements that decided it.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::policies::{Loaded, PolicyArgs};
use super::{UsageError, exit, write_stdout};
use iamtrail::iam::eval::{Decision, PolicyKind, PolicySet, Request};

/// `iamtrail simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The action (`s3:GetObject`).
    #[arg(long, value_name = "SERVICE:ACTION")]
    pub action: String,
    /// The resource ARN (or `*`).
    #[arg(long, value_name = "ARN")]
    pub resource: String,
    /// The caller: a user, role or assumed-role session ARN, or a service principal.
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// The account that owns the resource (S3 ARNs name none); default: the resource
    /// ARN's account, else the principal's.
    #[arg(long, value_name = "ID")]
    pub resource_account: Option<String>,
    /// A condition key's value; repeat a key for a multi-valued key.
    #[arg(long, value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// The resource-based policy of the resource (its statements may omit Resource).
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    /// The policies the request is evaluated against.
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Print a JSON object (`decision`, `deciding`) instead of text.
    #[arg(long)]
    pub json: bool,
}

fn request(a: &SimulateArgs) -> Result<Request> {
    if !a.action.contains(':') {
        return Err(UsageError(format!(
            "--action {:?} must be SERVICE:ACTION (s3:GetObject)",
            a.action
        ))
        .into());
    }
    let mut req = Request::new(a.action.trim(), a.resource.trim());
    if let Some(p) = &a.principal {
        req = req.by(p.trim());
    }
    if let Some(acct) = &a.resource_account {
        req = req.owned_by(acct.trim());
    }
    for kv in &a.context {
        let Some((k, v)) = kv.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
            return Err(UsageError(format!(
                "--context {kv:?} must be KEY=VALUE (aws:SourceIp=10.0.0.1)"
            ))
            .into());
        };
        req = req.with(k.trim(), v);
    }
    Ok(req)
}

/// Runs `iamtrail simulate`: exit 0 for any decision printed.
pub fn run(a: SimulateArgs) -> Result<u8> {
    let req = request(&a)?;
    let loaded = Loaded::read(a.policies.paths(a.resource_policy.as_slice()))?;
    let set = loaded.set();
    let e = set.evaluate(&req);
    if a.json {
        let json = serde_json::json!({
            "decision": e.decision.name(),
            "deciding": e.deciding,
            "request": {
                "action": req.action,
                "resource": req.resource,
                "principal": req.principal,
                "cross_account": req.is_cross_account(),
            },
        });
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&json)?))?;
        return Ok(exit::OK);
    }
    let mut out = format!("{}\n", e.decision.name());
    for d in &e.deciding {
        let sid = d
            .sid
            .as_deref()
            .map(|s| format!(" Sid {s:?}"))
            .unwrap_or_default();
        out += &format!(
            "  {} statement {}{sid} at {} ({})\n",
            d.document,
            d.statement,
            d.path,
            d.kind.name()
        );
    }
    if e.decision == Decision::ImplicitDeny {
        out += &format!("  {}\n", why_implicit(&set));
    }
    write_stdout(&out)?;
    Ok(exit::OK)
}

/// What an implicit deny means for this set of policies.
fn why_implicit(set: &PolicySet<'_>) -> &'static str {
    let kinds: Vec<PolicyKind> = set.policies().iter().map(|p| p.kind).collect();
    if kinds.is_empty() {
        "no policy given: nothing allows the request"
    } else if kinds.len() == 1 {
        "no statement allows the request"
    } else {
        "no statement denies, but the policies that must allow it (identity or resource policy, boundary, session policy, each SCP level, endpoint policy) do not all allow it"
    }
}
