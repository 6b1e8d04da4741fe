//! `check no-public-access`: does a resource policy of a given type grant access to
//! anyone (Access Analyzer's CheckNoPublicAccess)?
//!
//! An Allow statement is public when it names everyone (`"Principal": "*"`,
//! `{"AWS": "*"}`, or a `NotPrincipal`, which with Allow grants everyone but the
//! principals it lists; AWS "IAM JSON policy elements: NotPrincipal") and is bounded by
//! neither
//! - one of its own conditions that an outsider cannot satisfy ([`crate::iam::bounds`]:
//!   `aws:PrincipalOrgID`, `aws:SourceVpce`, `aws:SourceIp` with a range, …, positive
//!   operators, `IfExists` only on keys always present), nor
//! - a Deny that names everyone, covers all of its actions and resources (exact set and
//!   pattern containment) and whose every condition denies every caller outside a
//!   bound (`StringNotEquals aws:PrincipalOrgID o-…`).

use super::conditions::clauses;
use super::containment::Question;
use super::{OUTSIDER, Outcome, PolicyFile, Stmt, allows, candidates, names_everyone, statements};
use crate::check::actions::Universe;
use crate::iam::bounds::{Bound, negated_bound, positive_bound};
use crate::iam::bounds::{claim_bound, is_saml, provider_host};
use crate::iam::eval::PolicyKind;
use crate::iam::policy::{DocumentKind, Principal, PrincipalKind};

/// A resource type Access Analyzer's public access check knows.
#[derive(Debug, Clone, Copy)]
pub struct ResourceType {
    /// Access Analyzer's name (`AWS::S3::Bucket`).
    pub name: &'static str,
    /// Short forms accepted on the command line.
    pub short: &'static [&'static str],
    /// How its policy reads (a role trust policy, or a resource policy).
    pub kind: DocumentKind,
}

const fn rt(name: &'static str, short: &'static [&'static str]) -> ResourceType {
    ResourceType {
        name,
        short,
        kind: DocumentKind::Resource,
    }
}

/// The resource types of CheckNoPublicAccess (AWS "IAM Access Analyzer API Reference:
/// CheckNoPublicAccess", `resourceType`), plus ECR repositories, which Access Analyzer's
/// external access analysis covers.
pub const RESOURCE_TYPES: &[ResourceType] = &[
    rt("AWS::S3::Bucket", &["s3", "bucket", "s3-bucket"]),
    rt("AWS::S3::AccessPoint", &["s3-access-point", "access-point"]),
    rt("AWS::S3::Glacier", &["glacier"]),
    rt(
        "AWS::S3Express::DirectoryBucket",
        &["s3express", "directory-bucket"],
    ),
    rt("AWS::S3Express::AccessPoint", &["s3express-access-point"]),
    rt(
        "AWS::S3Outposts::Bucket",
        &["s3outposts", "s3-outposts-bucket"],
    ),
    rt(
        "AWS::S3Outposts::AccessPoint",
        &["s3-outposts-access-point"],
    ),
    rt("AWS::S3Tables::TableBucket", &["s3tables", "table-bucket"]),
    rt("AWS::S3Tables::Table", &["s3-table"]),
    rt("AWS::KMS::Key", &["kms", "key", "kms-key"]),
    rt("AWS::SQS::Queue", &["sqs", "queue"]),
    rt("AWS::SNS::Topic", &["sns", "topic"]),
    rt("AWS::Lambda::Function", &["lambda", "function"]),
    ResourceType {
        name: "AWS::IAM::AssumeRolePolicyDocument",
        short: &["trust", "role", "assume-role", "iam"],
        kind: DocumentKind::Trust,
    },
    rt("AWS::SecretsManager::Secret", &["secretsmanager", "secret"]),
    rt("AWS::ECR::Repository", &["ecr", "repository"]),
    rt(
        "AWS::EFS::FileSystem",
        &["efs", "filesystem", "file-system"],
    ),
    rt("AWS::DynamoDB::Table", &["dynamodb", "table"]),
    rt("AWS::DynamoDB::Stream", &["dynamodb-stream"]),
    rt("AWS::Kinesis::Stream", &["kinesis", "stream"]),
    rt("AWS::Kinesis::StreamConsumer", &["kinesis-consumer"]),
    rt("AWS::OpenSearchService::Domain", &["opensearch", "es"]),
    rt("AWS::ApiGateway::RestApi", &["apigateway", "api"]),
    rt("AWS::CodeArtifact::Domain", &["codeartifact"]),
    rt("AWS::Backup::BackupVault", &["backup", "backup-vault"]),
    rt("AWS::CloudTrail::Dashboard", &["cloudtrail-dashboard"]),
    rt(
        "AWS::CloudTrail::EventDataStore",
        &["cloudtrail", "event-data-store"],
    ),
];

impl ResourceType {
    /// The type named `name` (Access Analyzer's name or a short form, any case).
    pub fn find(name: &str) -> Option<&'static ResourceType> {
        RESOURCE_TYPES.iter().find(|t| {
            t.name.eq_ignore_ascii_case(name)
                || t.short.iter().any(|s| s.eq_ignore_ascii_case(name))
        })
    }
}

/// Whether Deny `d` removes public access from Allow `s`: it names everyone, covers its
/// actions and resources, and denies every caller outside a bound.
fn denied_outside_bound(d: &Stmt<'_>, s: &Stmt<'_>, rtype: &str) -> Option<&'static Bound> {
    if !(names_everyone(d.st) && d.st.principal.is_some()) {
        return None;
    }
    let cl = clauses(d.st.condition.as_ref());
    let bounds: Vec<&'static Bound> = cl
        .iter()
        .filter_map(|c| negated_bound(&c.op, c.key, c.values, rtype))
        .collect();
    if cl.is_empty() || bounds.len() != cl.len() || !s.actions.is_subset(&d.actions) {
        return None;
    }
    let mut q = Question::new();
    let (si, di) = (q.add(&s.resources), q.add(&d.resources));
    q.require(si);
    matches!(q.find(|m| m.has(si) && !m.has(di)), Ok(None)).then(|| bounds[0])
}

/// The OIDC provider (not SAML: the owner's own identity provider) that Allow `s` lets
/// in without a condition on a claim the provider sets ([`crate::iam::bounds::claim_bound`]):
/// every user of that provider gets in ("Configuring OpenID Connect in Amazon Web
/// Services": without a `sub` condition any repository's workflow can assume the role).
fn open_provider(s: &Stmt<'_>) -> Option<String> {
    let Some(Principal::Named(m)) = &s.st.principal else {
        return None;
    };
    let own = clauses(s.st.condition.as_ref());
    m.get(&PrincipalKind::Federated)?
        .0
        .iter()
        .find(|p| {
            let host = provider_host(p);
            !is_saml(p)
                && !own
                    .iter()
                    .any(|c| claim_bound(host, &c.op, c.key, c.values).is_some())
        })
        .cloned()
}

/// Runs the check over the resource policy `files` of type `rtype`.
pub fn no_public_access(files: &[PolicyFile], rtype: &ResourceType) -> Outcome {
    let u = Universe::new(files.iter().flat_map(|f| &f.documents));
    let stmts = statements(&u, files);
    let mut reasons = Vec::new();
    for s in stmts.iter().filter(|s| s.is_allow()) {
        if let Some(p) = open_provider(s) {
            let names: Vec<String> = s.actions.iter().map(|a| u.name(a).to_string()).collect();
            reasons.push(s.reason(
                format!("lets in every user of the identity provider {p}: no condition on a claim the provider sets (sub, or aud where the caller cannot choose it)"),
                &names,
                None,
            ));
        }
    }
    for s in stmts
        .iter()
        .filter(|s| s.is_allow() && names_everyone(s.st))
    {
        let own = clauses(s.st.condition.as_ref());
        if own
            .iter()
            .any(|c| positive_bound(&c.op, c.key, c.values, rtype.name).is_some())
        {
            continue;
        }
        if stmts
            .iter()
            .filter(|d| !d.is_allow())
            .any(|d| denied_outside_bound(d, s, rtype.name).is_some())
        {
            continue;
        }
        let acts: Vec<usize> = s.actions.iter().collect();
        if acts.is_empty() {
            continue; // NotAction of every action: grants nothing
        }
        let names: Vec<String> = acts.iter().map(|a| u.name(*a).to_string()).collect();
        let mut q = Question::new();
        let si = q.add(&s.resources);
        q.require(si);
        let witness = match q.find_preferring(s.resources.padded(), |m| m.has(si)) {
            Ok(Some(word)) => acts.iter().take(3).find_map(|a| {
                candidates(u.name(*a), &word, s.st, &[Some(OUTSIDER.to_string())])
                    .into_iter()
                    .find(|w| allows(&stmts, PolicyKind::Resource, &w.request()))
            }),
            _ => None,
        };
        let who = if s.st.not_principal.is_some() {
            "everyone but the principals of its NotPrincipal"
        } else {
            "everyone (Principal *)"
        };
        let what = match names.as_slice() {
            [] => "no known action".to_string(),
            [one] => one.clone(),
            [one, rest @ ..] => format!("{one} and {} more actions", rest.len()),
        };
        let cond = if own.is_empty() {
            "with no condition".to_string()
        } else {
            "under conditions an outsider can satisfy (none bounds the caller's organization, account, principal, network or endpoint)".to_string()
        };
        reasons.push(s.reason(format!("grants {what} to {who} {cond}"), &names, witness));
    }
    Outcome::new(
        reasons,
        "The resource policy grants no public access.",
        "The resource policy might grant public access.",
    )
}
