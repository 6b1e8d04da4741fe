//! `iamtrail unused`: what a principal's current grant allows that its trails never used,
//! with the policy `generate` gives for the same trails as the suggestion.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::policies::{name, read};
use super::report::{self, summary_lines};
use super::setup::{build_within_limit, capture_input, one_principal, read_trails};
use super::{InputArgs, ReadArgs, ShapeArgs, exit, write_stdout};
use iamtrail::iam::policy::DocumentKind;
use iamtrail::policy::emit::{Format, policy_name, render};
use iamtrail::select::PrincipalFilter;
use iamtrail::unused::{Analysis, Grant, LEVELS, analyze};

/// `iamtrail unused`.
#[derive(Debug, Args)]
pub struct UnusedArgs {
    /// Inputs and selection (as for `generate`).
    #[command(flatten)]
    pub input: InputArgs,

    /// The principal's current grant: an identity policy file (one document or a JSON
    /// array of documents); repeat for every policy attached.
    #[arg(long, required = true, value_name = "FILE")]
    pub policy: Vec<PathBuf>,

    /// The principal whose trails count (as for `generate`); default: the one principal
    /// the input holds.
    #[arg(long, short, value_name = "PRINCIPAL")]
    pub principal: Vec<PrincipalFilter>,

    /// Count every principal of the input as one.
    #[arg(long, conflicts_with = "principal")]
    pub all_principals: bool,

    /// How records are read (as for `generate`).
    #[command(flatten)]
    pub read: ReadArgs,

    /// How the suggested policy is shaped (as for `generate`).
    #[command(flatten)]
    pub shape: ShapeArgs,

    /// Write the suggested policy (what `generate` prints for the same arguments) to
    /// FILE.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print one JSON object (`unused`, `unused_services`, `used` with its records,
    /// `resources`, `suggested_policy`, `diff`, `summary`) instead of text.
    #[arg(long)]
    pub json: bool,

    /// Exit 1 when the grant has an unused action or a resource wider than used (as
    /// Access Analyzer counts them as findings); without it, a report is exit 0.
    #[arg(long)]
    pub fail_on_unused: bool,

    /// With `-- CMD`: also write the captured records (NDJSON) to FILE.
    #[arg(long, value_name = "FILE", requires = "command")]
    pub capture_output: Option<PathBuf>,

    /// Capture instead of reading INPUTs: run CMD (after `--`) behind the capture proxy
    /// and count the AWS calls it made as used (as `generate -- CMD`).
    #[arg(last = true, value_name = "CMD", conflicts_with = "inputs")]
    pub command: Vec<std::ffi::OsString>,
}

/// Runs `unused`.
pub fn run(mut a: UnusedArgs) -> Result<u8> {
    // The grant is read first: a bad policy file fails before the trails are read.
    let mut documents = Vec::new();
    for p in &a.policy {
        let docs = read(p, DocumentKind::Identity)?;
        let n = docs.len();
        documents.extend(
            docs.into_iter()
                .enumerate()
                .map(|(i, d)| (name(p, i, n, None), d)),
        );
    }
    let grant = Grant::new(documents);
    let _captured = if a.command.is_empty() {
        None
    } else {
        let (dir, path) = capture_input(
            &a.command,
            &a.principal,
            a.capture_output.as_ref(),
            a.input.quiet,
            "only the calls it made before it stopped count as used",
        )?;
        a.input.inputs = vec![path];
        Some(dir)
    };
    let nothing = "nothing reported";
    let got = match read_trails(
        &a.input,
        &a.principal,
        a.read.failed_calls.0.clone(),
        !a.read.parse_all,
        None,
        nothing,
    )? {
        Ok(got) => got,
        Err(code) => return Ok(code),
    };
    let quiet = a.input.quiet;
    let s = &got.summary;
    let principal = match one_principal(
        &a.principal,
        a.all_principals,
        s,
        quiet,
        "analysing it",
        nothing,
    ) {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let opts = a.shape.options();
    let generated = build_within_limit(
        &got.usage,
        opts,
        a.shape.size_limit,
        s,
        quiet,
        "the suggested policy",
    )?;
    // The suggestion is exactly `generate`'s output for the same run.
    let suggested = render(
        &generated.documents,
        Format::Json,
        &policy_name(principal.as_deref()),
        "",
    )?;
    // Policy variables and the partition need one ARN: the one principal named.
    let arn = match a.principal.as_slice() {
        [p] if p.to_string().starts_with("arn:") => Some(p.to_string()),
        [] => principal.clone(),
        _ => None,
    };
    let analysis = analyze(&grant, &generated, arn.as_deref());
    if let Some(path) = &a.output {
        std::fs::write(path, &suggested)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if a.json {
        let value: serde_json::Value = serde_json::from_str(&suggested)?;
        let mut out = serde_json::to_value(&analysis)?;
        out["principal"] = serde_json::to_value(&principal)?;
        out["policies"] = serde_json::to_value(
            a.policy
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
        )?;
        out["suggested_policy"] = value;
        out["report"] = serde_json::to_value(s)?;
        write_stdout(&(serde_json::to_string_pretty(&out)? + "\n"))?;
    } else {
        write_stdout(&text(&analysis, principal.as_deref(), &a))?;
    }
    report::print(&summary_lines(s), quiet || a.json);
    if got.usage.is_empty() {
        eprintln!(
            "iamtrail: warning: no record of the selection needed a permission: every granted action is unused"
        );
    }
    let c = &analysis.summary;
    if a.fail_on_unused && (c.unused_actions > 0 || c.resource_findings > 0) {
        report::print_exit(
            exit::FAILED,
            &format!(
                "{} unused actions, {} resource findings (--fail-on-unused)",
                c.unused_actions, c.resource_findings
            ),
        );
        return Ok(exit::FAILED);
    }
    let (code, why) = report::exit_reason(s, a.input.allow_partial);
    report::print_exit(code, &why);
    Ok(code)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The text report: totals, used services with their levels and unused actions, unused
/// services, resource findings, and the diff to the suggestion.
fn text(x: &Analysis, principal: Option<&str>, a: &UnusedArgs) -> String {
    let c = &x.summary;
    let mut o = String::new();
    let policies: Vec<String> = a.policy.iter().map(|p| p.display().to_string()).collect();
    o += &format!(
        "unused access of {} granted by {}\n",
        principal.unwrap_or("every principal of the input"),
        policies.join(", ")
    );
    o += &format!(
        "  granted: {} in {} ({} under conditions); used: {} in {}; unused: {} and {} never used\n",
        plural(c.granted_actions, "action", "actions"),
        plural(c.granted_services, "service", "services"),
        c.conditional_actions,
        plural(c.used_actions, "action", "actions"),
        plural(c.used_services, "service", "services"),
        plural(c.unused_actions, "action", "actions"),
        plural(c.unused_services, "service", "services"),
    );
    let used_services: Vec<_> = x.services.iter().filter(|s| s.used > 0).collect();
    if !used_services.is_empty() {
        o += "\nservices used:\n";
    }
    for s in used_services {
        let levels: Vec<String> = s
            .levels
            .iter()
            .map(|l| format!("{} {}/{}", l.level, l.used, l.granted))
            .collect();
        o += &format!(
            "  {}: {} of {} granted actions used ({})\n",
            s.service,
            s.used,
            s.granted,
            levels.join(", ")
        );
        for u in x
            .used
            .iter()
            .filter(|u| u.service == s.service && u.granted)
        {
            let records: u64 = u.resources.iter().map(|r| r.records).sum();
            let first = u
                .resources
                .iter()
                .filter_map(|r| r.first_seen.as_deref())
                .min();
            let last = u
                .resources
                .iter()
                .filter_map(|r| r.last_seen.as_deref())
                .max();
            let eg = u
                .resources
                .iter()
                .flat_map(|r| r.event_ids.first())
                .next()
                .map(|e| format!(", e.g. {e}"))
                .unwrap_or_default();
            o += &format!(
                "    used {}: {}, {} … {}{eg}\n",
                u.action,
                plural(records as usize, "record", "records"),
                first.unwrap_or("?"),
                last.unwrap_or("?")
            );
        }
        for level in LEVELS {
            let names: Vec<String> = x
                .unused
                .iter()
                .filter(|u| u.service == s.service && u.access_level == level)
                .map(|u| {
                    let n = u.action.split_once(':').map_or(&*u.action, |(_, n)| n);
                    if u.conditional {
                        format!("{n} (under conditions)")
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            if !names.is_empty() {
                o += &format!("    unused {level}: {}\n", names.join(", "));
            }
        }
    }
    if !x.unused_services.is_empty() {
        o += "\nservices never used (every granted action unused):\n";
        for s in &x.unused_services {
            o += &format!(
                "  {} ({}): 0 of {} granted actions used\n",
                s.service, s.name, s.granted_actions
            );
        }
    }
    if !x.resources.is_empty() {
        o += "\nresources granted wider than used:\n";
        for r in &x.resources {
            o += &format!(
                "  {}: granted {}{} by {}; used {}\n",
                r.action,
                if r.not_resource { "all but " } else { "" },
                r.granted.join(", "),
                r.statement,
                r.used.join(", ")
            );
        }
    }
    let not_granted: Vec<_> = x.used.iter().filter(|u| !u.granted).collect();
    if !not_granted.is_empty() {
        o +=
            "\nused but not allowed by the grant (failed calls, or another policy allowed them):\n";
        for u in not_granted {
            let ids: Vec<&str> = u
                .resources
                .iter()
                .flat_map(|r| r.event_ids.iter().map(String::as_str))
                .take(3)
                .collect();
            o += &format!("  {} (e.g. {})\n", u.action, ids.join(", "));
        }
    }
    let d = &x.diff;
    o += "\ndiff from the grant to the suggested policy";
    match &a.output {
        Some(p) => o += &format!(" (written to {}):\n", p.display()),
        None => o += " (write it with --output FILE):\n",
    }
    if !d.removed_services.is_empty() {
        o += &format!(
            "  - {} removed: {}\n",
            plural(d.removed_services.len(), "service", "services"),
            d.removed_services.join(", ")
        );
    }
    if !d.removed_actions.is_empty() {
        o += &format!(
            "  - {} removed from the services kept: {}\n",
            plural(d.removed_actions.len(), "action", "actions"),
            d.removed_actions.join(", ")
        );
    }
    for n in &d.narrowed {
        o += &format!(
            "  ~ {}: {} -> {}\n",
            n.action,
            n.granted.join(", "),
            n.suggested.join(", ")
        );
    }
    for add in &d.added {
        o += &format!("  + {add} (used, not allowed by the grant)\n");
    }
    if d.removed_services.is_empty()
        && d.removed_actions.is_empty()
        && d.narrowed.is_empty()
        && d.added.is_empty()
    {
        o += "  (none: the grant is what the trails used)\n";
    }
    o
}
