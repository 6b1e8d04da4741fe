//! `iamtrail refine`, and the `--denied` inputs of `generate`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use super::{UsageError, exit};
use iamtrail::aws::AwsOptions;
use iamtrail::denied::refine::{Options, Refined, Status, UnknownResources, refine};
use iamtrail::denied::scope::Scope;
use iamtrail::denied::sts::StsDecoder;
use iamtrail::denied::{self, AuthorizationDecoder, Denial, NotDecoded};
use iamtrail::iam::policy::Document;
use iamtrail::policy::emit::render_json;
use iamtrail::policy::split::{SizeLimit, quota_warnings};
use iamtrail::select::{PrincipalFilter, PrincipalMatch};
use iamtrail::usage::UsageSet;

/// `refine`.
#[derive(Debug, Args)]
pub struct RefineArgs {
    /// The policy to refine: an IAM policy document, a JSON array of documents, or the
    /// output of `generate --json`. Repeat for a policy split over several files.
    #[arg(long, required = true, value_name = "FILE")]
    pub policy: Vec<PathBuf>,

    /// Where the denials are: output of the AWS CLI, SDKs, CDK, CloudFormation or
    /// Terraform, CloudTrail records (JSON, NDJSON, gzip), or decoded authorization
    /// messages; `-` (the default) reads standard input. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub from: Vec<PathBuf>,

    /// Size quota to split the policy by: managed (6144), inline-role (10240),
    /// inline-user (2048), inline-group (5120), or a number of characters.
    #[arg(long, value_name = "LIMIT", default_value = "managed")]
    pub size_limit: SizeLimit,

    /// What to grant for resources a message does not show.
    #[command(flatten)]
    pub unknown: UnknownArgs,

    /// Decode EC2's encoded authorization messages through
    /// sts:DecodeAuthorizationMessage with your credentials (otherwise they are reported
    /// with the command to run).
    #[arg(long)]
    pub decode: bool,

    /// AWS profile for --decode.
    #[arg(long, value_name = "NAME", requires = "decode")]
    pub profile: Option<String>,

    /// STS-compatible endpoint for --decode (also AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL", requires = "decode")]
    pub endpoint_url: Option<String>,

    /// Write the policy to FILE instead of standard output (`-`: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print one JSON object (policies, added, remaining, denials) for scripts.
    #[arg(long)]
    pub json: bool,

    /// Only the summary line on standard error.
    #[arg(long, short)]
    pub quiet: bool,

    /// Whose policy this is.
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// `--principal` and `--allow-cross-account`, shared by `refine` and `loop`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// The principal the policy is for (role, user, session or root ARN): denials of
    /// other principals are reported, not added, and grants stay in its account.
    /// Default: the `principal` of a `generate --json` policy file.
    #[arg(long, short = 'p', value_name = "PRINCIPAL")]
    pub principal: Option<PrincipalFilter>,

    /// Add grants on resources in other accounts than the principal's (otherwise they
    /// are reported: a cross-account call also needs the other account's resource
    /// policy).
    #[arg(long)]
    pub allow_cross_account: bool,
}

impl ScopeArgs {
    /// The scope: `--principal`, else the principal a `generate --json` file names.
    pub fn scope(&self, from_file: Option<&str>) -> Scope {
        let p = self
            .principal
            .as_ref()
            .map(|p| p.matcher.clone())
            .or_else(|| from_file.and_then(|f| f.parse::<PrincipalMatch>().ok()));
        match p {
            Some(p) => Scope::of(p, self.allow_cross_account),
            None => Scope {
                allow_cross_account: self.allow_cross_account,
                ..Scope::default()
            },
        }
    }
}

/// `--unknown-resource`, shared by `refine` and `loop`.
#[derive(Debug, Args)]
pub struct UnknownArgs {
    /// What to do with a resource a message does not show (an S3 error without the
    /// bucket, a message that names only the action): `report` it and add nothing,
    /// grant the ARN with `*` in the unknown `parts`, or grant `any` resource (`*`).
    #[arg(long, value_enum, value_name = "MODE", default_value = "report")]
    pub unknown_resource: UnknownArg,

    /// Same as `--unknown-resource parts`.
    #[arg(long, conflicts_with = "unknown_resource")]
    pub wildcard_unknown: bool,

    /// Add denied resources exactly. By default their per-run parts (a build number the
    /// policy already holds another of, UUIDs, hashes, timestamps) are written `*`, as
    /// `generate` does, so the next run is not denied again.
    #[arg(long)]
    pub pin: bool,
}

impl UnknownArgs {
    /// The chosen mode.
    pub fn mode(&self) -> UnknownResources {
        if self.wildcard_unknown {
            UnknownResources::Parts
        } else {
            self.unknown_resource.into()
        }
    }
}

/// `--unknown-resource`: the command line's names for [`UnknownResources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UnknownArg {
    /// Do not grant it; report it (with what would be granted).
    Report,
    /// Grant the ARN with `*` in the parts the message does not show
    /// (`arn:aws:sns:*:123456789012:*`).
    Parts,
    /// Grant `*`. For services that authorize the call on a resource no message shows
    /// (and emulators that authorize every call of a service on `*`); each such grant is
    /// reported as wide.
    Any,
}

impl From<UnknownArg> for UnknownResources {
    fn from(u: UnknownArg) -> UnknownResources {
        match u {
            UnknownArg::Report => UnknownResources::Report,
            UnknownArg::Parts => UnknownResources::Parts,
            UnknownArg::Any => UnknownResources::Any,
        }
    }
}

/// Reads an input file, or standard input for `-`; returns its name for reports.
fn read_input(path: &Path) -> Result<(String, Vec<u8>)> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        return Ok(("<stdin>".into(), buf));
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((path.display().to_string(), bytes))
}

/// Parses the denials of every input, each tagged with its source.
pub(super) fn read_denials(
    paths: &[PathBuf],
    decoder: &dyn AuthorizationDecoder,
) -> Result<Vec<Denial>> {
    if paths.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        return Err(UsageError("standard input (`-`) can be read only once".into()).into());
    }
    let mut out = Vec::new();
    for path in paths {
        let (name, bytes) = read_input(path)?;
        let mut ds = denied::parse_with(&bytes, decoder);
        for d in &mut ds {
            d.source = Some(name.clone());
        }
        out.extend(ds);
    }
    Ok(out)
}

/// The documents of a policy file, and the principal a `generate --json` file names.
/// Errors name the file, the element and what IAM allows there (a JSON syntax error: its
/// line and column).
pub(super) fn load_policy_file(path: &Path) -> Result<(Vec<Document>, Option<String>)> {
    let (name, bytes) = read_input(path)?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        let what = e.to_string();
        let what = what
            .rsplit_once(" at line ")
            .map_or(what.as_str(), |(w, _)| w);
        anyhow::anyhow!(
            "{name} is not valid JSON (line {}, column {}: {what}); fix the file, or pass the policy document iamtrail wrote",
            e.line(),
            e.column()
        )
    })?;
    let docs = match &v {
        serde_json::Value::Array(items) => items.clone(),
        serde_json::Value::Object(o) if o.contains_key("policies") => o["policies"]
            .as_array()
            .cloned()
            .with_context(|| format!("{name}: `policies` is not a list of policy documents"))?,
        _ => vec![v.clone()],
    };
    // A file that is one document is read again from its text, so findings also give
    // the line and column.
    let text = std::str::from_utf8(&bytes)
        .ok()
        .filter(|_| v.is_object() && v.get("policies").is_none());
    let principal = v
        .get("principal")
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    let n = docs.len();
    let docs = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            text.map_or_else(|| Document::from_json(d), Document::from_text)
                .map_err(|e| {
                    if n == 1 {
                        anyhow::anyhow!("{name} is not an IAM policy document: {e}")
                    } else {
                        anyhow::anyhow!(
                            "{name}: document {} of {n} is not an IAM policy document: {e}",
                            i + 1
                        )
                    }
                })
        })
        .collect::<Result<_>>()?;
    Ok((docs, principal))
}

fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

fn report(refined: &Refined, denials: &[Denial], inputs: usize, quiet: bool) {
    if !quiet {
        for n in &refined.notes {
            eprintln!("iamtrail: note: {n}");
        }
        for a in &refined.added {
            let cond = a
                .permission
                .condition
                .as_ref()
                .map(|c| format!(" if {c}"))
                .unwrap_or_default();
            let how = if a.merged { "joined" } else { "new" };
            let d = &denials[a.denial];
            eprintln!(
                "iamtrail: added {} on {}{cond} ({how} statement {}): {}: {}: {}",
                a.permission.action,
                a.permission.resource,
                a.sid,
                a.location,
                a.because,
                quote(&d.excerpt)
            );
            if !a.generalized_from.is_empty() {
                eprintln!(
                    "iamtrail:   generalized from {} by {} (--pin adds it exactly)",
                    a.generalized_from.join(", "),
                    a.rules.join("+")
                );
            }
            if !a.unknown.is_empty() {
                eprintln!(
                    "iamtrail:   wide: {} not in the message (--unknown-resource)",
                    a.unknown.join(", ")
                );
            }
        }
        for r in &refined.remaining {
            let what = match (&r.action, &r.resource) {
                (Some(a), Some(res)) => format!("{a} on {res}"),
                (Some(a), None) => a.clone(),
                _ => "the denied call".into(),
            };
            let label = match r.status {
                Status::AlreadyAllowed => "already allowed",
                Status::DeniedByThisPolicy => "denied by this policy",
                Status::Unfixable => "not fixable by an identity policy",
                Status::ResourceUnknown => "resource unknown",
                Status::Unresolved => "not resolved",
                Status::OtherPrincipal => "another principal's denial",
                Status::OtherAccount => "another account",
            };
            eprintln!(
                "iamtrail: {label}: {what}: {}: {}: {}",
                r.location,
                r.detail,
                quote(&denials[r.denial].excerpt)
            );
        }
    }
    let count = |s: Status| refined.remaining.iter().filter(|r| r.status == s).count();
    eprintln!(
        "iamtrail: {} {} in {} {}: {} added, {} already allowed, {} denied by this policy, {} not fixable by an identity policy, {} with an unknown resource, {} not resolved, {} of other principals, {} in other accounts",
        denials.len(),
        if denials.len() == 1 {
            "denial"
        } else {
            "denials"
        },
        inputs,
        if inputs == 1 { "input" } else { "inputs" },
        refined.added.len(),
        count(Status::AlreadyAllowed),
        count(Status::DeniedByThisPolicy),
        count(Status::Unfixable),
        count(Status::ResourceUnknown),
        count(Status::Unresolved),
        count(Status::OtherPrincipal),
        count(Status::OtherAccount),
    );
    if denials.is_empty() {
        eprintln!("iamtrail: no access-denied message found in the input; the policy is unchanged");
    }
}

/// Runs `refine`.
pub fn run(a: RefineArgs) -> Result<u8> {
    if a.policy.iter().any(|p| p.as_os_str() == "-")
        && (a.from.is_empty() || a.from.iter().any(|p| p.as_os_str() == "-"))
    {
        return Err(UsageError(
            "the policy and the denials cannot both come from standard input: give --policy or --from a file".into(),
        )
        .into());
    }
    let mut policies = Vec::new();
    let mut named = None;
    for p in &a.policy {
        let (docs, principal) = load_policy_file(p)?;
        policies.extend(docs);
        named = named.or(principal);
    }
    let inputs = if a.from.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        a.from.clone()
    };
    let sts;
    let decoder: &dyn AuthorizationDecoder = if a.decode {
        sts = StsDecoder::new(AwsOptions {
            profile: a.profile.clone(),
            endpoint_url: a.endpoint_url.clone(),
            region: None,
        });
        &sts
    } else {
        &NotDecoded
    };
    let denials = read_denials(&inputs, decoder)?;
    let opts = Options {
        size_limit: a.size_limit,
        unknown: a.unknown.mode(),
        pin: a.unknown.pin,
        scope: a.scope.scope(named.as_deref()),
    };
    let refined = refine(&policies, &denials, &opts).context(
        "cannot fit the policy into the size limit (try --size-limit with a larger quota)",
    )?;
    let text = if a.json {
        let out = serde_json::json!({
            "policies": refined.documents,
            "added": refined.added,
            "remaining": refined.remaining,
            "notes": refined.notes,
            "denials": denials,
        });
        serde_json::to_string_pretty(&out)? + "\n"
    } else {
        render_json(&refined.documents)
    };
    match &a.output {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, &text).with_context(|| format!("cannot write {}", p.display()))?
        }
        _ => super::write_stdout(&text)?,
    }
    report(&refined, &denials, inputs.len(), a.quiet);
    for w in quota_warnings(&refined.documents, a.size_limit) {
        eprintln!("iamtrail: warning: {w}");
    }
    Ok(if refined.remaining.is_empty() {
        exit::OK
    } else {
        exit::UNFIXED
    })
}

/// What `generate --denied` added, for its report.
#[derive(Debug, Default, serde::Serialize)]
pub(super) struct FromDenials {
    /// `ACTION on RESOURCE (FILE:LINE)` for each pair added to the usage set.
    pub added: Vec<String>,
    /// Denials that were not added, and why.
    pub not_added: Vec<String>,
}

impl FromDenials {
    /// Report lines for what was added.
    pub(super) fn added_lines(&self) -> Vec<String> {
        self.added
            .iter()
            .map(|a| format!("from denials: {a}"))
            .collect()
    }

    /// Report lines for what was not, and why.
    pub(super) fn not_added_lines(&self) -> Vec<String> {
        self.not_added
            .iter()
            .map(|n| format!("denial not added: {n}"))
            .collect()
    }
}

/// Reads `--denied` files and adds what an identity policy can fix to `usage`: only
/// denials of `principals` (all, when empty; a denial that names no principal counts).
/// `stdin_taken`: the trail inputs already read standard input.
pub(super) fn denials_into_usage(
    paths: &[PathBuf],
    principals: &[PrincipalFilter],
    usage: &mut UsageSet,
    stdin_taken: bool,
) -> Result<FromDenials> {
    let mut report = FromDenials::default();
    if paths.is_empty() {
        return Ok(report);
    }
    if stdin_taken && paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(UsageError(
            "standard input (`-`) is already the trail input; give --denied a file".into(),
        )
        .into());
    }
    let all = read_denials(paths, &NotDecoded)?;
    let scopes: Vec<Scope> = principals
        .iter()
        .map(|p| Scope::of(p.matcher.clone(), true))
        .collect();
    let (denials, foreign): (Vec<Denial>, Vec<Denial>) = all.into_iter().partition(|d| {
        scopes.is_empty()
            || scopes
                .iter()
                .any(|s| s.other_principal(d.principal.as_deref()).is_none())
    });
    for d in &foreign {
        let what = d
            .action
            .clone()
            .or_else(|| d.operation.clone())
            .unwrap_or_else(|| "?".into());
        report.not_added.push(format!(
            "{what} ({}): another principal's denial ({}); --principal selects whose denials count",
            d.location(),
            d.principal.as_deref().unwrap_or_default()
        ));
    }
    for (key, u) in denied::usage_entries(&denials) {
        let cond = key
            .condition
            .as_ref()
            .map(|c| format!(" if {} {}={}", c.op, c.key, c.value))
            .unwrap_or_default();
        let from = u
            .samples
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        let from = from.trim_start_matches("denial:");
        report
            .added
            .push(format!("{} on {}{cond} ({from})", key.action, key.resource));
        usage.add_usage(key, &u);
    }
    for d in &denials {
        let why = if !d.reason.fixable() {
            format!("{}: {}", d.reason.describe(), d.reason.remedy())
        } else if d.grants.is_empty() {
            d.unresolved
                .clone()
                .unwrap_or_else(|| "nothing to grant".into())
        } else {
            continue;
        };
        let what = d
            .action
            .clone()
            .or_else(|| d.operation.clone())
            .unwrap_or_else(|| "?".into());
        report
            .not_added
            .push(format!("{what} ({}): {why}", d.location()));
    }
    Ok(report)
}
