//! `iamtrail replay`: had these policies been in place, which of the recorded calls
//! would have been denied?

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::policies::{Loaded, PolicyArgs};
use super::render::{config, ingest};
use super::report::{self, summary_lines};
use super::{InputArgs, UsageError, exit, write_stdout};
use iamtrail::calls::CallOptions;
use iamtrail::diagnose::nothing_selected;
use iamtrail::iam::eval::{PolicyKind, PolicySet};
use iamtrail::ingest::Config;
use iamtrail::map::FailureClass;
use iamtrail::replay::{Replay, replay, stand_in};
use iamtrail::report::Summary;
use iamtrail::select::{PrincipalFilter, Selection};
use iamtrail::time::format_time;

/// What `replay` evaluates, shown by `iamtrail replay --help`.
pub const SEMANTICS: &str = "\
What is evaluated: every recorded call the selection keeps (by default only calls that succeeded, the \
ones a swap can break; --all-calls adds failed ones) becomes the requests `generate` derives from it \
(the same mapper: actions, resources, iam:PassedToService), each evaluated as IAM does with the context \
keys its record carries: aws:SourceIp, aws:SourceVpce, aws:RequestedRegion, aws:PrincipalArn, \
aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:username, aws:MultiFactorAuthPresent, \
aws:ViaAWSService/CalledVia, aws:SecureTransport, aws:UserAgent, and aws:CurrentTime/EpochTime when a \
policy reads them. A key the record does not tell is absent. A call is denied when any request it needed is.

With --policy, the identity policies are the proposed ones (for one principal: name it with --principal \
when the input holds several). Without --policy, the question is what the guardrails (--scp, --rcp, \
--boundary, --session-policy, --endpoint-policy, --resource-policy) would have blocked: the call \
succeeded, so the caller's own policies are assumed to allow it (an allow-all stand-in identity policy), \
every principal of the input is replayed, and the result names the accounts and principals that would \
have been broken. Each --scp/--rcp file is one level of the organization, root first. SCPs are not \
applied to service-linked roles (they do not affect them); they do not apply to the management account \
either, which replay cannot tell from the trail: leave it out (--account) when replaying an organization \
trail. Without --resource-policy, a cross-account call is taken as allowed by its resource's own policy.

Exit codes: 0 nothing would have been denied, 1 something would, 2 usage error (a policy file that \
cannot be read or parsed included), 3 partial input (see --allow-partial).";

/// `iamtrail replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Inputs and selection.
    #[command(flatten)]
    pub input: InputArgs,
    /// The proposed policies and guardrails.
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// A resource-based policy; its statements apply to the resources they name. Without
    /// one, a cross-account call is taken as allowed by its resource's own policy (it
    /// succeeded).
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Vec<PathBuf>,
    /// The principal whose calls are replayed (as for `generate`); repeatable.
    #[arg(long, short, value_name = "PRINCIPAL")]
    pub principal: Vec<PrincipalFilter>,
    /// Replay every principal's calls against --policy.
    #[arg(long, conflicts_with = "principal")]
    pub all_principals: bool,
    /// Also replay calls that failed (errorCode).
    #[arg(long)]
    pub all_calls: bool,
    /// Parse every record in full (see `generate --parse-all`).
    #[arg(long)]
    pub parse_all: bool,
    /// Print one JSON object (`denied`, `broken`, `summary`) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Reads the policy files; one that cannot be read or parsed is a usage error naming it.
fn load(a: &ReplayArgs) -> Result<Loaded> {
    Loaded::read(a.policies.paths(&a.resource_policy))
        .map_err(|e| UsageError(format!("{e:#}")).into())
}

/// The name the stand-in identity policy goes by in findings.
const STAND_IN_NAME: &str = "(stand-in: the caller's own policies, which allowed the call)";

/// Runs `iamtrail replay`.
pub fn run(a: ReplayArgs) -> Result<u8> {
    if a.policies.is_empty() && a.resource_policy.is_empty() {
        return Err(UsageError(
            "give the proposed policies: --policy, or guardrails (--scp, --rcp, --boundary, …)"
                .into(),
        )
        .into());
    }
    let loaded = load(&a)?;
    let guardrails_only = a.policies.policy.is_empty();
    let stand_in = stand_in();
    let timed = loaded.documents().any(|d| {
        let t = format!("{d:?}").to_ascii_lowercase();
        t.contains("aws:currenttime") || t.contains("aws:epochtime")
    });
    let mut set: PolicySet<'_> = loaded.set();
    if guardrails_only {
        set = set.with(PolicyKind::Identity, STAND_IN_NAME, &stand_in);
    }

    let base = config(&a.input)?;
    let cfg = Config {
        selection: Selection {
            principals: a.principal.clone(),
            ..base.selection.clone()
        },
        counted: if a.all_calls {
            FailureClass::ALL.to_vec()
        } else {
            Vec::new()
        },
        skim: !a.parse_all,
        calls: Some(CallOptions { timed }),
        ..base
    };
    let got = ingest(&a.input, &cfg)?;
    let s = &got.summary;
    let quiet = a.input.quiet;
    if let Some(n) = nothing_selected(&cfg.selection, s) {
        report::print(&summary_lines(s), quiet);
        // No record at all, or a selection that matches none: either way nothing was
        // evaluated, which must not read as "nothing would be denied".
        report::print_error(&n.to_string());
        report::print_exit(exit::USAGE, "nothing to replay");
        return Ok(exit::USAGE);
    }
    // A proposed identity policy is one principal's: replaying several principals'
    // calls against it silently would blame it for what others did.
    if !guardrails_only && a.principal.is_empty() && !a.all_principals && s.principals.len() > 1 {
        let mut rows: Vec<_> = s.principals.iter().collect();
        rows.sort_by(|x, y| y.1.records.cmp(&x.1.records).then(x.0.cmp(y.0)));
        eprintln!(
            "iamtrail: the input holds {} principals; name the one --policy is for with --principal (or --all-principals):",
            rows.len()
        );
        for (p, seen) in rows {
            eprintln!("  {:>8}  {p}", seen.records);
        }
        report::print_exit(exit::USAGE, "nothing replayed");
        return Ok(exit::USAGE);
    }
    let r = replay(&got.calls, &set, a.resource_policy.is_empty());
    if r.evaluated == 0 {
        report::print(&summary_lines(s), quiet);
        report::print_error(
            "no call of the selection needed a permission (see the summary); nothing to replay",
        );
        report::print_exit(exit::USAGE, "nothing replayed");
        return Ok(exit::USAGE);
    }
    if a.json {
        let out = serde_json::json!({
            "denied": r.denied.iter().map(|g| serde_json::json!({
                "action": g.action,
                "resource": g.resource,
                "count": g.evidence.count,
                "decision": g.decision.name(),
                "first_seen": g.evidence.first.map(format_time),
                "last_seen": g.evidence.last.map(format_time),
                "event_id": g.evidence.samples.first(),
                "event_ids": g.evidence.samples,
                "deciding": g.why.to_string(),
                "deciding_statements": g.why,
                "principals": g.principals,
            })).collect::<Vec<_>>(),
            "broken": r.broken.iter().map(|b| serde_json::json!({
                "account": b.account,
                "principal": b.principal,
                "count": b.evidence.count,
                "actions": b.actions,
                "first_seen": b.evidence.first.map(format_time),
                "last_seen": b.evidence.last.map(format_time),
                "event_id": b.evidence.samples.first(),
            })).collect::<Vec<_>>(),
            "summary": accounting(&r, s, a.all_calls),
        });
        write_stdout(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
    } else {
        write_stdout(&text(&r, guardrails_only))?;
    }
    let mut lines = summary_lines(s);
    lines.extend(report::details(vec![format!(
        "replay: {} calls evaluated = {} allowed + {} would be denied ({} requests)",
        r.evaluated, r.allowed, r.denied_calls, r.requests
    )]));
    report::print(&lines, quiet || a.json);
    let (code, why) = report::exit_reason(s, a.input.allow_partial);
    if r.denied_calls > 0 {
        report::print_exit(
            exit::FAILED,
            &format!(
                "{} of {} calls would have been denied",
                r.denied_calls, r.evaluated
            ),
        );
        return Ok(exit::FAILED);
    }
    report::print_exit(
        code,
        &format!(
            "no call would have been denied ({} evaluated); {why}",
            r.evaluated
        ),
    );
    Ok(code)
}

/// Every record accounted for: evaluated (allowed + denied) or skipped, and why.
fn accounting(r: &Replay, s: &Summary, all_calls: bool) -> serde_json::Value {
    let c = &s.records;
    serde_json::json!({
        "records": c.read,
        "evaluated": r.evaluated,
        "allowed": r.allowed,
        "denied": r.denied_calls,
        "requests": r.requests,
        "skipped": {
            "free": c.free,
            "unmapped": c.unmapped,
            (if all_calls { "failed_not_counted" } else { "failed" }): c.failed_not_counted,
            "filtered": c.filtered,
            "unreadable": c.skipped,
            "duplicate": c.duplicate,
        },
        "filtered_by": s.filtered,
        "principals": s.principals.keys().collect::<Vec<_>>(),
    })
}

fn text(r: &Replay, guardrails_only: bool) -> String {
    if r.denied.is_empty() {
        return format!(
            "no call would have been denied: {} calls evaluated, all allowed\n",
            r.evaluated
        );
    }
    let mut out = format!(
        "would have been denied: {} of {} calls ({} action/resource groups)\n",
        r.denied_calls,
        r.evaluated,
        r.denied.len()
    );
    let t = |x: Option<i64>| x.map(format_time).unwrap_or_else(|| "?".into());
    for g in &r.denied {
        out += &format!(
            "{}  {} on {}  ×{}  {} … {}  e.g. {}\n    {}\n",
            g.decision.name(),
            g.action,
            g.resource,
            g.evidence.count,
            t(g.evidence.first),
            t(g.evidence.last),
            g.evidence.samples.first().map_or("?", String::as_str),
            g.why
        );
    }
    if guardrails_only || r.broken.len() > 1 {
        out += &format!("would have broken {} principal(s):\n", r.broken.len());
        for b in &r.broken {
            out += &format!(
                "  {}  {}  ×{}  {}\n",
                if b.account.is_empty() {
                    "?"
                } else {
                    &b.account
                },
                b.principal,
                b.evidence.count,
                b.actions.iter().cloned().collect::<Vec<_>>().join(", ")
            );
        }
    }
    out
}
