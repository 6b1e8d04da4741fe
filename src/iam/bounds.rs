//! Which condition keys bound who can get in: ONE table, shared by `check
//! no-public-access` (which reads conditions syntactically) and `audit external` (which
//! builds an outsider's requests and asks the evaluator).
//!
//! A key bounds access when its value in a request is set by AWS from facts an outsider
//! cannot choose (who they are, which organization and network they are in, which
//! resource a service acts for). Every other key is the outsider's to choose
//! (`aws:SecureTransport`, `aws:UserAgent`, `s3:prefix`, request tags, …): it may take
//! any value, including none. Keys match case-insensitively, as IAM matches them.
//!
//! Each row of [`BOUNDS`] says where the value comes from ([`Fact`]), the AWS
//! documentation sentence behind it, the resource types it applies to (empty: all), the
//! kind of its values (which decides when a value covers everyone: `o-*`, `0.0.0.0/0`,
//! an ARN with a wildcard account), and whether it can be absent from an outsider's
//! request ([`Presence`]), which decides `…IfExists` and negated operators:
//!
//! - positive operator (`StringEquals`, `ArnLike`, `IpAddress`, …): bounds when every
//!   value names one scope; with `…IfExists` only when the key is always present
//!   ("IAM JSON policy elements: Condition operators, …IfExists": if the key is not
//!   present the condition evaluates to true); `ForAllValues:` never (true on an
//!   absent key, same page);
//! - negated operator (`StringNotEquals`, `NotIpAddress`, …) in an Allow never bounds
//!   (every other value, and an absent key, satisfies it); in a Deny it denies every
//!   caller outside the values, absent or not ([`negated_bound`]).
//!
//! Decisions where the two commands used to disagree (each decided from the AWS
//! documentation named on the row):
//! - `aws:SourceIp`: any range but the whole address space (`/0`) bounds. The S3
//!   definition of public ("PublicAccessBlockConfiguration": "the policy limits access
//!   to a set of CIDRs using aws:SourceIp") sets no prefix length; `check` used to
//!   require `/8` or narrower (IPv4) and `/32` or narrower (IPv6), which no AWS page says.
//! - `kms:ViaService`: not a bound. "AWS KMS condition keys, kms:ViaService" limits use
//!   of a key to requests that come through a named service; an outsider can send its
//!   own request through that service, so the key says which route, not who. Only
//!   paired with `kms:CallerAccount` (the AWS managed key policy) is access bounded.
//! - `kms:CallerAccount`: bounds on KMS keys only (it is a KMS key's condition key); on
//!   any other resource type it is read like a key the caller sets.
//! - `aws:userid`: bounds when the unique-id part (before `:`) is literal, so
//!   `AROAEXAMPLE:*` (every session of one role) bounds: a unique ID is one principal
//!   of one account ("IAM identifiers: unique identifiers"). S3 is stricter for bucket
//!   policies (it counts only aws:userid values "outside the pattern AROLEID:*"); the
//!   evaluator, which `audit external` runs, answers as IAM evaluates.
//! - `sts:ExternalId`: not a bound ([`NOT_BOUNDS`]).
//! - OIDC claims ([`claim`]): `…:sub` bounds; `…:aud` bounds except for providers whose
//!   audience the caller chooses (GitHub Actions).
//! - `aws:ResourceAccount`, `aws:ResourceOrgID`: AWS sets them from the resource, so an
//!   outsider cannot change them, but they are the same for every caller: they never
//!   bound who gets in ([`Bound::bounds_caller`] is false).

use std::net::IpAddr;

use super::policy::{Operator, OperatorBase, SetQualifier};

/// Where a bounding key's value comes from in an outsider's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The caller's account id.
    PrincipalAccount,
    /// The caller's ARN.
    PrincipalArn,
    /// The caller's organization id.
    PrincipalOrgId,
    /// The caller's organization path.
    PrincipalOrgPaths,
    /// The caller's unique id (`AROA…:session`).
    UserId,
    /// The account a service acts for (`aws:SourceAccount`, `aws:SourceOwner`).
    SourceAccount,
    /// The ARN of the resource a service acts for.
    SourceArn,
    /// The organization of the resource a service acts for.
    SourceOrgId,
    /// The organization path of the resource a service acts for.
    SourceOrgPaths,
    /// The VPC the request came through.
    SourceVpc,
    /// The VPC endpoint the request came through.
    SourceVpce,
    /// The caller's IP address.
    SourceIp,
    /// The account that owns the resource: the owner's, never the outsider's.
    ResourceAccount,
    /// The organization of the resource's account.
    ResourceOrgId,
}

/// What a bounding key's values are, which decides when a value names one scope rather
/// than covering everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An identifier (`o-a1b2c3`, `111122223333`, `vpce-1a2b`): one scope when it has
    /// no wildcard or policy variable.
    Id,
    /// A unique id, optionally with a session (`AROAEXAMPLE:*`): one scope when the id
    /// part (before `:`) is literal.
    UserId,
    /// An organization path (`o-a1/r-ab/ou-ab-1/`): one scope when its organization
    /// part has no wildcard.
    OrgPath,
    /// An ARN: one scope when its account (fifth part) is a literal account id.
    Arn,
    /// An IP range or address: one scope unless it is the whole address space (`/0`).
    Cidr,
}

/// Whether a key can be missing from an outsider's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always in the request context ("always included" in the key's documentation).
    Always,
    /// Present only in some requests (the text says when).
    Sometimes(&'static str),
}

/// One key that AWS sets from facts an outsider cannot choose.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The key, as AWS spells it.
    pub key: &'static str,
    /// Where its value comes from.
    pub fact: Fact,
    /// The kind of its values.
    pub kind: ValueKind,
    /// When it can be absent.
    pub presence: Presence,
    /// Whether a condition on it limits who gets in (false: the value is the resource's,
    /// the same for every caller).
    pub bounds_caller: bool,
    /// The resource types (Access Analyzer's names) it applies to; empty: all.
    pub types: &'static [&'static str],
    /// What it pins down, for messages.
    pub scope: &'static str,
    /// The documentation: page title and what it says.
    pub doc: &'static str,
}

const fn row(
    key: &'static str,
    fact: Fact,
    kind: ValueKind,
    presence: Presence,
    scope: &'static str,
    doc: &'static str,
) -> Bound {
    Bound {
        key,
        fact,
        kind,
        presence,
        bounds_caller: true,
        types: &[],
        scope,
        doc,
    }
}

const OFF_ORG: Presence = Presence::Sometimes("only when the account is in an organization");
const SERVICE: Presence =
    Presence::Sometimes("only when a service principal calls on behalf of a resource");
const OFF_VPCE: Presence =
    Presence::Sometimes("only when the request comes through a VPC endpoint");

/// The keys AWS sets from facts an outsider cannot choose (besides identity-provider
/// claims, [`claim`]).
pub const BOUNDS: &[Bound] = &[
    row(
        "aws:PrincipalAccount",
        Fact::PrincipalAccount,
        ValueKind::Id,
        Presence::Always,
        "the caller's account",
        "AWS global condition context keys, aws:PrincipalAccount: the account to which the requesting principal belongs; always included in the request context",
    ),
    row(
        "aws:PrincipalArn",
        Fact::PrincipalArn,
        ValueKind::Arn,
        Presence::Always,
        "the caller's ARN",
        "AWS global condition context keys, aws:PrincipalArn: the ARN of the principal that made the request; always included in the request context",
    ),
    row(
        "aws:PrincipalOrgID",
        Fact::PrincipalOrgId,
        ValueKind::Id,
        OFF_ORG,
        "the caller's organization",
        "AWS global condition context keys, aws:PrincipalOrgID: the identifier of the organization the requesting principal's account belongs to; included only if the principal is a member of an organization",
    ),
    row(
        "aws:PrincipalOrgPaths",
        Fact::PrincipalOrgPaths,
        ValueKind::OrgPath,
        OFF_ORG,
        "the caller's organization path",
        "AWS global condition context keys, aws:PrincipalOrgPaths: the AWS Organizations path of the principal making the request; included only if the principal is a member of an organization",
    ),
    row(
        "aws:userid",
        Fact::UserId,
        ValueKind::UserId,
        Presence::Always,
        "the caller's unique id",
        "AWS global condition context keys, aws:userid: the requester's principal identifier; always included in the request context (IAM identifiers: a unique ID names one principal)",
    ),
    Bound {
        types: &["AWS::KMS::Key"],
        ..row(
            "kms:CallerAccount",
            Fact::PrincipalAccount,
            ValueKind::Id,
            Presence::Always,
            "the caller's account",
            "AWS KMS condition keys, kms:CallerAccount: controls access based on the AWS account of the caller (a KMS key's condition key; IAM Access Analyzer filter keys list condition.kms:CallerAccount)",
        )
    },
    row(
        "aws:SourceAccount",
        Fact::SourceAccount,
        ValueKind::Id,
        SERVICE,
        "the account of the resource a service acts for",
        "AWS global condition context keys, aws:SourceAccount: the account of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource",
    ),
    row(
        "aws:SourceOwner",
        Fact::SourceAccount,
        ValueKind::Id,
        SERVICE,
        "the account of the resource a service acts for",
        "IAM Access Analyzer filter keys: condition.aws:SourceOwner, the account that owns the source resource a service acts for",
    ),
    row(
        "aws:SourceArn",
        Fact::SourceArn,
        ValueKind::Arn,
        SERVICE,
        "the resource a service acts for",
        "AWS global condition context keys, aws:SourceArn: the ARN of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource",
    ),
    row(
        "aws:SourceOrgID",
        Fact::SourceOrgId,
        ValueKind::Id,
        SERVICE,
        "the organization of the resource a service acts for",
        "AWS global condition context keys, aws:SourceOrgID: the organization of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource in an organization",
    ),
    row(
        "aws:SourceOrgPaths",
        Fact::SourceOrgPaths,
        ValueKind::OrgPath,
        SERVICE,
        "the organization path of the resource a service acts for",
        "AWS global condition context keys, aws:SourceOrgPaths: the organization path of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource in an organization",
    ),
    row(
        "aws:SourceVpc",
        Fact::SourceVpc,
        ValueKind::Id,
        OFF_VPCE,
        "the VPC the request comes from",
        "AWS global condition context keys, aws:SourceVpc: the VPC the request travels through; included only if the requester uses a VPC endpoint",
    ),
    row(
        "aws:SourceVpce",
        Fact::SourceVpce,
        ValueKind::Id,
        OFF_VPCE,
        "the VPC endpoint the request comes through",
        "AWS global condition context keys, aws:SourceVpce: the VPC endpoint identifier; included only if the requester uses a VPC endpoint",
    ),
    row(
        "aws:SourceIp",
        Fact::SourceIp,
        ValueKind::Cidr,
        Presence::Sometimes("absent when an AWS service calls from its own network"),
        "the caller's IP range",
        "Amazon S3 PublicAccessBlockConfiguration: a bucket policy is not public when it limits access to a set of CIDRs using aws:SourceIp (no prefix length is named; /0 is every address)",
    ),
    Bound {
        bounds_caller: false,
        ..row(
            "aws:ResourceAccount",
            Fact::ResourceAccount,
            ValueKind::Id,
            Presence::Always,
            "the resource's account",
            "AWS global condition context keys, aws:ResourceAccount: the account of the resource owner; always included (the same for every caller)",
        )
    },
    Bound {
        bounds_caller: false,
        ..row(
            "aws:ResourceOrgID",
            Fact::ResourceOrgId,
            ValueKind::Id,
            Presence::Sometimes("only when the owner's account is in an organization"),
            "the resource's organization",
            "AWS global condition context keys, aws:ResourceOrgID: the organization of the account that owns the resource (the same for every caller)",
        )
    },
];

/// Keys that look like bounds but are the caller's to choose, with the reason.
pub const NOT_BOUNDS: &[(&str, &str)] = &[
    (
        "kms:ViaService",
        "AWS KMS condition keys, kms:ViaService: limits use of a KMS key to requests from specified AWS services; an outsider can make its own request through that service, so the key bounds the route, not the caller",
    ),
    (
        "sts:ExternalId",
        "IAM User Guide, Access to AWS accounts owned by third parties: the external ID is a value the third party passes when it assumes the role, not a secret and not an identity; anyone who knows it can pass it",
    ),
];

/// The row for `key` on resource type `rtype` (Access Analyzer's name), if it bounds
/// there. A row limited to other types is not a bound on `rtype`.
pub fn bound(key: &str, rtype: &str) -> Option<&'static Bound> {
    BOUNDS.iter().find(|b| {
        b.key.eq_ignore_ascii_case(key)
            && (b.types.is_empty() || b.types.iter().any(|t| t.eq_ignore_ascii_case(rtype)))
    })
}

fn wild(s: &str) -> bool {
    s.contains(['*', '?']) || s.contains("${")
}

impl Bound {
    /// Whether `value` names one scope rather than covering everyone.
    pub fn names_one(&self, value: &str) -> bool {
        match self.kind {
            ValueKind::Id => !value.is_empty() && !wild(value),
            ValueKind::UserId => {
                let id = value.split(':').next().unwrap_or_default();
                !id.is_empty() && !wild(id)
            }
            ValueKind::OrgPath => value
                .split('/')
                .next()
                .is_some_and(|o| o.starts_with("o-") && !wild(o)),
            ValueKind::Arn => {
                let acct = value.split(':').nth(4).unwrap_or_default();
                acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())
            }
            ValueKind::Cidr => match value.trim().split_once('/') {
                None => value.trim().parse::<IpAddr>().is_ok(),
                Some((a, p)) => a.parse::<IpAddr>().is_ok() && p.parse::<u8>().is_ok_and(|p| p > 0),
            },
        }
    }
}

/// The row when the condition `op key values` of an Allow keeps out every caller outside
/// one scope on `rtype` (see the module doc), else `None`.
pub fn positive_bound(
    op: &Operator,
    key: &str,
    values: &[String],
    rtype: &str,
) -> Option<&'static Bound> {
    caller_bound(op, key, values, rtype, false)
}

/// The row when the condition `op key values` of a Deny holds for every caller outside
/// its scope (`StringNotEquals aws:PrincipalOrgID o-1`), else `None`. An absent key
/// satisfies a negated operator, with or without `IfExists`.
pub fn negated_bound(
    op: &Operator,
    key: &str,
    values: &[String],
    rtype: &str,
) -> Option<&'static Bound> {
    caller_bound(op, key, values, rtype, true)
}

/// [`positive_bound`] (`negated` false) and [`negated_bound`] (`negated` true): the
/// row, when the operator fits and every value names one scope.
fn caller_bound(
    op: &Operator,
    key: &str,
    values: &[String],
    rtype: &str,
    negated: bool,
) -> Option<&'static Bound> {
    use OperatorBase::*;
    let b = bound(key, rtype).filter(|b| b.bounds_caller)?;
    let op_ok = if negated {
        matches!(
            op.base,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | ArnNotEquals
                | ArnNotLike
                | NotIpAddress
        ) && op.set.is_none()
    } else {
        matches!(
            op.base,
            StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike | IpAddress
        ) && (!op.if_exists || b.presence == Presence::Always)
            && op.set != Some(SetQualifier::ForAllValues)
    };
    (op_ok && !values.is_empty() && values.iter().all(|v| b.names_one(v))).then_some(b)
}

/// A claim of a web identity (OIDC) provider's token, as IAM names it
/// (`token.actions.githubusercontent.com:sub`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Set by the provider to who the caller is (the repository and ref for GitHub):
    /// an outsider gets their own subject, never the owner's.
    Subject,
    /// Set by the provider to the application the token was issued for.
    Audience,
}

/// Identity providers whose audience the caller chooses: GitHub Actions ("Configuring
/// OpenID Connect in Amazon Web Services": the audience is `sts.amazonaws.com` for
/// every repository and a workflow may ask for any audience), so only `sub` bounds.
pub const AUDIENCE_CHOSEN_BY_CALLER: &[&str] = &["token.actions.githubusercontent.com"];

/// For a key of a web identity provider `provider` (the host in its ARN): which claim
/// bounds access, `None` when the key is the caller's to choose. IAM ("Available keys
/// for AWS web identity federation"): `…:sub` is the end user's id, `…:aud` the
/// application id (the identity pool for Cognito, the client id for Google, `app_id`
/// for Facebook and Amazon); IAM Access Analyzer filter keys list these as the
/// conditions of a federated finding.
pub fn claim(provider: &str, key: &str) -> Option<Claim> {
    let (prefix, name) = key.rsplit_once(':')?;
    if !prefix.eq_ignore_ascii_case(provider) {
        return None;
    }
    let chosen = AUDIENCE_CHOSEN_BY_CALLER
        .iter()
        .any(|p| p.eq_ignore_ascii_case(provider));
    match name.to_ascii_lowercase().as_str() {
        "sub" | "id" | "user_id" => Some(Claim::Subject),
        "aud" | "app_id" | "oaud" if !chosen => Some(Claim::Audience),
        _ => None,
    }
}

/// The provider's name in its condition keys: the host of an OIDC provider ARN
/// (`token.actions.githubusercontent.com`), the name itself otherwise.
pub fn provider_host(p: &str) -> &str {
    p.split_once(":oidc-provider/").map_or(p, |(_, h)| h)
}

/// Whether a federated principal is a SAML provider: the owner's own identity provider,
/// whose users are external to the account but never the public.
pub fn is_saml(p: &str) -> bool {
    p.contains(":saml-provider/")
}

/// The value a claim has in a token an outsider gets from `provider` (their own
/// repository for GitHub, their own subject or application elsewhere).
pub fn outsider_claim(provider: &str, c: Claim) -> &'static str {
    match c {
        Claim::Subject if provider.eq_ignore_ascii_case("token.actions.githubusercontent.com") => {
            "repo:iamtrail-outsider/repo:ref:refs/heads/main"
        }
        Claim::Subject => "iamtrail-outsider-subject",
        Claim::Audience => "iamtrail-outsider-audience",
    }
}

/// The claim when the condition `op key values` of an Allow keeps out a token an
/// outsider gets from `provider`: a positive string operator (no `IfExists`, not
/// `ForAllValues:`, both true on an absent claim) on a bounding claim, none of whose
/// values matches the outsider's claim ([`outsider_claim`]); `repo:*` keeps out no one.
pub fn claim_bound(provider: &str, op: &Operator, key: &str, values: &[String]) -> Option<Claim> {
    use OperatorBase::*;
    let c = claim(provider, key)?;
    let op_ok = matches!(op.base, StringEquals | StringEqualsIgnoreCase | StringLike)
        && !op.if_exists
        && op.set != Some(SetQualifier::ForAllValues);
    let theirs = outsider_claim(provider, c);
    let matched = values.iter().any(|v| {
        if op.base == StringLike {
            super::pattern::wildcard_match(v, theirs, false)
        } else {
            v.eq_ignore_ascii_case(theirs)
        }
    });
    (op_ok && !values.is_empty() && !matched).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(s: &str) -> Operator {
        s.parse().unwrap()
    }

    fn v(s: &str) -> Vec<String> {
        vec![s.to_string()]
    }

    #[test]
    fn values_that_name_one_scope() {
        let org = bound("AWS:PrincipalOrgId", "AWS::S3::Bucket").unwrap();
        assert!(org.names_one("o-a1b2c3d4e5"));
        assert!(!org.names_one("o-*"));
        let ip = bound("aws:SourceIp", "AWS::S3::Bucket").unwrap();
        assert!(ip.names_one("203.0.113.0/24"));
        // Any range but /0 (S3: "limits access to a set of CIDRs").
        assert!(ip.names_one("0.0.0.0/1"));
        assert!(ip.names_one("2001:db8::/16"));
        assert!(!ip.names_one("0.0.0.0/0"));
        assert!(!ip.names_one("::/0"));
        let arn = bound("aws:PrincipalArn", "AWS::SQS::Queue").unwrap();
        assert!(arn.names_one("arn:aws:iam::111122223333:role/*"));
        assert!(!arn.names_one("arn:aws:iam::*:role/admin"));
        let uid = bound("aws:userid", "AWS::S3::Bucket").unwrap();
        assert!(uid.names_one("AROAEXAMPLEID:*"));
        assert!(!uid.names_one("*:admin"));
    }

    #[test]
    fn rows_apply_to_their_resource_types() {
        assert!(bound("kms:CallerAccount", "AWS::KMS::Key").is_some());
        assert!(bound("kms:CallerAccount", "AWS::S3::Bucket").is_none());
        assert!(bound("aws:username", "AWS::S3::Bucket").is_none());
        for (k, _) in NOT_BOUNDS {
            assert!(bound(k, "AWS::KMS::Key").is_none(), "{k}");
        }
    }

    #[test]
    fn if_exists_bounds_only_keys_always_present() {
        let s3 = "AWS::S3::Bucket";
        let ife = op("StringEqualsIfExists");
        assert!(positive_bound(&ife, "aws:PrincipalAccount", &v("111122223333"), s3).is_some());
        assert!(positive_bound(&ife, "aws:SourceVpce", &v("vpce-1"), s3).is_none());
        assert!(positive_bound(&op("StringEquals"), "aws:SourceVpce", &v("vpce-1"), s3).is_some());
        assert!(
            positive_bound(
                &op("ForAllValues:StringEquals"),
                "aws:SourceVpce",
                &v("vpce-1"),
                s3
            )
            .is_none()
        );
        // Resource facts never bound the caller.
        assert!(
            positive_bound(
                &op("StringEquals"),
                "aws:ResourceAccount",
                &v("111122223333"),
                s3
            )
            .is_none()
        );
        // A negated operator bounds only in a Deny.
        let ne = op("StringNotEqualsIfExists");
        assert!(positive_bound(&ne, "aws:PrincipalOrgID", &v("o-a1"), s3).is_none());
        assert!(negated_bound(&ne, "aws:PrincipalOrgID", &v("o-a1"), s3).is_some());
    }

    #[test]
    fn claims_by_provider() {
        let gh = "token.actions.githubusercontent.com";
        assert_eq!(claim(gh, &format!("{gh}:sub")), Some(Claim::Subject));
        assert_eq!(claim(gh, &format!("{gh}:aud")), None);
        let cog = "cognito-identity.amazonaws.com";
        assert_eq!(claim(cog, &format!("{cog}:aud")), Some(Claim::Audience));
        assert_eq!(claim(cog, &format!("{cog}:amr")), None);
        assert_eq!(claim(gh, "accounts.google.com:sub"), None);
        let like = op("StringLike");
        let sub = format!("{gh}:sub");
        assert!(claim_bound(gh, &like, &sub, &v("repo:example-org/deploy:*")).is_some());
        assert!(claim_bound(gh, &like, &sub, &v("repo:*")).is_none());
    }
}
