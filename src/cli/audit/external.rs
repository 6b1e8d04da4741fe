//! `iamtrail audit external`: the verdict on resource-based policies, from files or
//! (`--live`) from an account, as IAM Access Analyzer's external access analyzer gives
//! it (`iamtrail::audit::external`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::cli::{UsageError, exit, write_stdout};
use iamtrail::audit::external::{
    self as ext, Analysis, BlockPublicAccess, Status, Target, Verdict, Zone, acl, archive, live,
    types,
};
use iamtrail::aws::AwsOptions;
use iamtrail::iam::pattern::wildcard_match;

/// `iamtrail audit external`.
#[derive(Debug, Args)]
pub struct ExternalArgs {
    /// Who is trusted: account ids and organization ids (o-…), comma-separated or
    /// repeated. With --live the account of the credentials is trusted too.
    #[arg(long, value_name = "ACCOUNT|ORG_ID", value_delimiter = ',')]
    pub zone_of_trust: Vec<String>,
    /// The account that owns the resources (default: the first account of
    /// --zone-of-trust; with --live, the credentials' account).
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// The accounts of the trusted organizations, comma-separated or repeated.
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub org_accounts: Vec<String>,
    /// The resource type: Access Analyzer's name (AWS::S3::Bucket) or a short form (s3,
    /// role, kms, sqs, sns, lambda, secret, ecr, efs, dynamodb). Default: read from the
    /// policy's ARNs or actions. With --live: only this type (repeatable).
    #[arg(long, value_name = "TYPE")]
    pub resource_type: Vec<String>,
    /// The resource's ARN when the policy does not name it (one policy file).
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// S3 Block Public Access settings of the bucket (the output of `aws s3api
    /// get-public-access-block`, or its PublicAccessBlockConfiguration object).
    #[arg(long, value_name = "FILE")]
    pub block_public_access: Option<PathBuf>,
    /// S3 bucket policies: the bucket's ACL (the output of `aws s3api get-bucket-acl`);
    /// a grant to AllUsers or AuthenticatedUsers makes the bucket public.
    #[arg(long, value_name = "FILE", conflicts_with = "live")]
    pub bucket_acl: Option<PathBuf>,
    /// Lambda policies: the auth type of the function's URL. A lambda:InvokeFunctionUrl
    /// request carries it as lambda:FunctionUrlAuthType, so the outsider cannot choose
    /// it (--live reads it with GetFunctionUrlConfig). Default: unknown, any value.
    #[arg(long, value_name = "NONE|AWS_IAM", value_parser = ["NONE", "AWS_IAM"], conflicts_with = "live")]
    pub function_url_auth_type: Option<String>,
    /// S3 RestrictPublicBuckets is on for the bucket or its account.
    #[arg(long)]
    pub restrict_public_buckets: bool,
    /// S3 BlockPublicPolicy is on for the bucket or its account.
    #[arg(long)]
    pub block_public_policy: bool,
    /// Archive rules: a JSON list of {"resource": ARN-or-pattern, "principal": …}; the
    /// findings they match are reported as archived and do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Print JSON: one entry per resource.
    #[arg(long)]
    pub json: bool,
    /// List the account's resources (S3 buckets with their ACL and Block Public Access,
    /// IAM roles, SQS queues, SNS topics, KMS keys, Lambda functions with their URL,
    /// Secrets Manager secrets, ECR repositories, EFS file systems, DynamoDB tables) and
    /// judge their policies.
    #[arg(long, conflicts_with_all = ["policies", "resource"])]
    pub live: bool,
    /// AWS profile for --live (default: AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME", requires = "live")]
    pub profile: Option<String>,
    /// Region to list with --live (repeatable; default: the profile's, else us-east-1).
    #[arg(long = "region", value_name = "REGION", requires = "live")]
    pub regions: Vec<String>,
    /// Endpoint for every service with --live (an emulator); also AWS_ENDPOINT_URL.
    #[arg(long, value_name = "URL", requires = "live")]
    pub endpoint_url: Option<String>,
    /// Resource-based policy files (trust policies for roles), one document each.
    #[arg(value_name = "POLICY", required_unless_present = "live")]
    pub policies: Vec<PathBuf>,
}

/// One judged resource, or why it could not be.
struct Judged {
    source: String,
    result: std::result::Result<Analysis, (String, &'static str, String)>,
    /// `--live`, Lambda: the function's URL.
    function_url: Option<live::FunctionUrl>,
}

/// Runs `iamtrail audit external`.
pub fn run(a: ExternalArgs) -> Result<u8> {
    let types = a
        .resource_type
        .iter()
        .map(|t| {
            types::by_name(t).ok_or_else(|| {
                let names: Vec<&str> = types::TYPES.iter().map(|t| t.name).collect();
                UsageError(format!(
                    "--resource-type {t:?} is not one of {} (or their short forms)",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !a.live && types.len() > 1 {
        return Err(UsageError("--resource-type: give one type for policy files".into()).into());
    }
    if a.resource.is_some() && a.policies.len() > 1 {
        return Err(UsageError("--resource names the resource of one policy file".into()).into());
    }
    let rules = match &a.ignore {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            archive::parse(&text).with_context(|| format!("{}", p.display()))?
        }
        None => Vec::new(),
    };
    let mut bpa = match &a.block_public_access {
        Some(p) => read_bpa(p)?,
        None => BlockPublicAccess::default(),
    };
    bpa.restrict_public_buckets |= a.restrict_public_buckets;
    bpa.block_public_policy |= a.block_public_policy;

    let acl = match &a.bucket_acl {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            acl::parse(&text)
                .with_context(|| format!("{}", p.display()))?
                .grants
        }
        None => Vec::new(),
    };
    let mut judged = if a.live {
        run_live(&a, &types, bpa)?
    } else {
        let zone = zone(&a, None)?;
        let owner = owner(&a, &zone, None)?;
        let mut out = Vec::new();
        for p in &a.policies {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let read = ext::read_policy(&text, types.first().copied())
                .with_context(|| format!("{}", p.display()))?;
            let (doc, t) = (&read.document, read.rtype);
            let resource = a
                .resource
                .clone()
                .unwrap_or_else(|| ext::resource_arn(doc, t, &owner, "us-east-1"));
            let known = match &a.function_url_auth_type {
                Some(auth) if t.name == "AWS::Lambda::Function" => {
                    vec![ext::KnownKey::function_url_auth_type(Some(auth))]
                }
                Some(_) => {
                    return Err(UsageError(format!(
                        "--function-url-auth-type is for Lambda function policies; {} is a {} policy",
                        p.display(),
                        t.name
                    ))
                    .into());
                }
                None => Vec::new(),
            };
            let target = Target {
                document: doc,
                rtype: t,
                resource,
                owner: owner.clone(),
                zone: &zone,
                block_public_access: bpa,
                known,
            };
            let mut an = ext::analyze(&target);
            if t.name == "AWS::S3::Bucket" {
                acl::apply(&mut an, &acl, bpa);
            } else if a.bucket_acl.is_some() {
                return Err(UsageError(format!(
                    "--bucket-acl is for S3 bucket policies; {} is a {} policy",
                    p.display(),
                    t.name
                ))
                .into());
            }
            an.notes.extend(read_past(&read));
            out.push(Judged {
                source: p.display().to_string(),
                result: Ok(an),
                function_url: None,
            });
        }
        out
    };
    for j in &mut judged {
        if let Ok(an) = &mut j.result {
            archive::apply(&rules, an);
        }
    }
    let active: usize = judged
        .iter()
        .filter_map(|j| j.result.as_ref().ok())
        .flat_map(|an| &an.findings)
        .filter(|f| f.status == Status::Active)
        .count();
    let errors = judged.iter().filter(|j| j.result.is_err()).count();
    if a.json {
        write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json(&judged))?
        ))?;
    } else {
        write_stdout(&text(&judged))?;
    }
    eprintln!("{}", summary(&judged, active, errors));
    Ok(if active > 0 {
        exit::FINDINGS
    } else if errors > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    })
}

fn read_bpa(p: &Path) -> Result<BlockPublicAccess> {
    let text =
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", p.display()))?;
    let inner = v
        .get("PublicAccessBlockConfiguration")
        .unwrap_or(&v)
        .clone();
    serde_json::from_value(inner).with_context(|| {
        format!(
            "{}: not Block Public Access settings (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets: true/false)",
            p.display()
        )
    })
}

/// The zone of trust from the arguments, plus the live account.
fn zone(a: &ExternalArgs, live_account: Option<&str>) -> Result<Zone> {
    let mut trusted: Vec<&str> = a.zone_of_trust.iter().map(String::as_str).collect();
    trusted.extend(live_account);
    if trusted.is_empty() {
        return Err(UsageError(
            "--zone-of-trust is required: the account ids and organization ids (o-…) you trust"
                .into(),
        )
        .into());
    }
    Zone::new(trusted, a.org_accounts.iter().map(String::as_str))
        .map_err(|e| UsageError(format!("--zone-of-trust / --org-accounts: {e}")).into())
}

fn owner(a: &ExternalArgs, zone: &Zone, live_account: Option<&str>) -> Result<String> {
    if let Some(o) = &a.account {
        if !ext::principals::is_account(o) {
            return Err(UsageError(format!("--account {o:?} is not a 12-digit account id")).into());
        }
        return Ok(o.clone());
    }
    live_account
        .map(str::to_string)
        .or_else(|| {
            a.zone_of_trust
                .iter()
                .find(|t| ext::principals::is_account(t))
                .cloned()
        })
        .or_else(|| zone.org_accounts.iter().next().cloned())
        .ok_or_else(|| {
            UsageError("name the account that owns the resources: --account ACCOUNT".into()).into()
        })
}

fn run_live(
    a: &ExternalArgs,
    types: &[&'static types::ResourceType],
    bpa_args: BlockPublicAccess,
) -> Result<Vec<Judged>> {
    let opts = AwsOptions {
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
        region: a.regions.first().cloned(),
    };
    let rt = iamtrail::aws::runtime().context("cannot start the async runtime")?;
    let account = rt.block_on(live::account(&opts))?;
    let zone = zone(a, Some(&account))?;
    let owner = owner(a, &zone, Some(&account))?;
    let regions: Vec<String> = if a.regions.is_empty() {
        vec![String::new()]
    } else {
        a.regions.clone()
    };
    let mut listed = Vec::new();
    for (i, r) in regions.iter().enumerate() {
        let mut o = opts.clone();
        o.region = (!r.is_empty()).then(|| r.clone());
        let region = rt.block_on(async {
            iamtrail::aws::load(&o, 1)
                .await
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "us-east-1".into())
        });
        listed.extend(rt.block_on(live::list(&opts, &account, &region, i == 0, types)));
    }
    let mut out = Vec::new();
    for l in listed {
        let source = l.region.clone();
        let known = l.known();
        let text = match l.policy {
            Ok(Some(t)) => t,
            // No policy: nothing grants access through it.
            Ok(None) => r#"{"Version":"2012-10-17","Statement":[]}"#.to_string(),
            Err(e) => {
                out.push(Judged {
                    source,
                    result: Err((l.arn, l.rtype.name, e)),
                    function_url: None,
                });
                continue;
            }
        };
        let result = match ext::read_policy(&text, Some(l.rtype)) {
            Ok(read) => {
                let mut bpa = l.block_public_access;
                bpa.restrict_public_buckets |= bpa_args.restrict_public_buckets;
                bpa.block_public_policy |= bpa_args.block_public_policy;
                let mut an = ext::analyze(&Target {
                    document: &read.document,
                    rtype: read.rtype,
                    resource: l.arn.clone(),
                    owner: ext::principals::arn_account(&l.arn)
                        .unwrap_or(&owner)
                        .to_string(),
                    zone: &zone,
                    block_public_access: bpa,
                    known,
                });
                acl::apply(&mut an, &l.acl, bpa);
                an.notes.extend(read_past(&read));
                an.notes.extend(l.notes.iter().cloned());
                if let Some(u) = &l.function_url {
                    an.notes.push(url_note(u, &an));
                }
                Ok(an)
            }
            Err(e) => Err((l.arn.clone(), l.rtype.name, format!("its policy: {e}"))),
        };
        out.push(Judged {
            source,
            result,
            function_url: l.function_url,
        });
    }
    Ok(out)
}

/// What a function URL means with the policy judged. "Control access to Lambda function
/// URLs": with AuthType NONE "Lambda doesn't perform any authentication before invoking
/// your function. However, your function's resource-based policy is always in effect
/// and must grant public access before your function URL can receive requests"; with
/// AWS_IAM, callers are authenticated and authorized by IAM.
fn url_note(u: &live::FunctionUrl, an: &Analysis) -> String {
    let public_invoke = an.findings.iter().any(|f| {
        f.public
            && f.status != Status::Blocked
            && f.actions
                .iter()
                .any(|a| wildcard_match(a, "lambda:InvokeFunctionUrl", true))
    });
    match (u.auth_type.as_str(), public_invoke) {
        ("NONE", true) => format!(
            "function URL {} has AuthType NONE and the policy lets anyone call lambda:InvokeFunctionUrl: anyone on the internet can invoke it without signing",
            u.url
        ),
        ("NONE", false) => format!(
            "function URL {} has AuthType NONE (Lambda authenticates no caller), but no statement lets the public call lambda:InvokeFunctionUrl, so the URL refuses requests",
            u.url
        ),
        (auth, _) => format!(
            "function URL {} has AuthType {auth}: callers must sign their requests with IAM credentials",
            u.url
        ),
    }
}

/// Notes for what reading a policy passed over (IAM would refuse it as written).
fn read_past(r: &ext::Read) -> impl Iterator<Item = String> + '_ {
    r.read_past.iter().map(|p| format!("read past: {p}"))
}

fn json(judged: &[Judged]) -> serde_json::Value {
    let resources: Vec<serde_json::Value> = judged
        .iter()
        .map(|j| match &j.result {
            Ok(an) => {
                let mut v = serde_json::to_value(an).unwrap_or_default();
                v["source"] = j.source.clone().into();
                if let Some(u) = &j.function_url {
                    v["function_url"] = serde_json::to_value(u).unwrap_or_default();
                }
                v
            }
            Err((arn, t, e)) => serde_json::json!({
                "source": j.source,
                "resource": arn,
                "resource_type": t,
                "error": e,
            }),
        })
        .collect();
    serde_json::json!({ "resources": resources })
}

fn text(judged: &[Judged]) -> String {
    let mut out = String::new();
    for j in judged {
        let an = match &j.result {
            Ok(an) => an,
            Err((arn, t, e)) => {
                out += &format!("error     {arn}  {t}\n  {e}\n");
                continue;
            }
        };
        out += &format!(
            "{:<9} {}  {}  ({})\n",
            an.verdict.name(),
            an.resource,
            an.resource_type,
            j.source
        );
        for f in &an.findings {
            let status = match f.status {
                Status::Active => "",
                Status::Archived => " [archived]",
                Status::Blocked => " [blocked]",
            };
            let via = f
                .via_service
                .as_deref()
                .map(|s| format!(" via {s}"))
                .unwrap_or_default();
            let reach = if f.public { "public" } else { "external" };
            let sts: Vec<String> = f
                .statements
                .iter()
                .map(|s| match &s.sid {
                    Some(sid) => format!("Statement[{}] {sid:?}", s.index),
                    None => format!("Statement[{}]", s.index),
                })
                .collect();
            // A finding without statements comes from the bucket ACL (its condition says so).
            let by = if sts.is_empty() {
                "the bucket ACL".to_string()
            } else {
                sts.join(", ")
            };
            out += &format!(
                "  {reach:<8} {} ({}{via}){status}: {}\n           by {by}\n",
                f.principal,
                f.kind,
                f.actions.join(", "),
            );
            for c in &f.conditions {
                out += &format!("           when {c}\n");
            }
        }
        for n in &an.notes {
            out += &format!("  note: {n}\n");
        }
    }
    out
}

fn summary(judged: &[Judged], active: usize, errors: usize) -> String {
    let count = |v: Verdict| {
        judged
            .iter()
            .filter(|j| j.result.as_ref().is_ok_and(|a| a.verdict == v))
            .count()
    };
    let archived: usize = judged
        .iter()
        .filter_map(|j| j.result.as_ref().ok())
        .flat_map(|a| &a.findings)
        .filter(|f| f.status == Status::Archived)
        .count();
    let mut s = format!(
        "{} resource(s): {} public, {} external, {} internal; {active} active finding(s), {archived} archived",
        judged.len(),
        count(Verdict::Public),
        count(Verdict::External),
        count(Verdict::Internal),
    );
    if errors > 0 {
        s += &format!("; {errors} could not be read (see above)");
    }
    s
}
