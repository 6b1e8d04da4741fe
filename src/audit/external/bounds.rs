//! Which condition keys bound access to a resource, and the value each one has in a
//! request an outsider makes.
//!
//! A key bounds access when its value in the request is set by AWS from facts an
//! outsider cannot choose (who they are, which organization and network they are in,
//! which resource a service acts for). Every other key is the outsider's to choose
//! (`aws:SecureTransport`, `aws:UserAgent`, `s3:prefix`, tags on the request, …): the
//! analysis lets it take any value, including none. Each row cites the AWS
//! documentation that says where the value comes from. Keys match case-insensitively,
//! as IAM matches them.

/// Where a bounding key's value comes from in an outsider's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The caller's account id; always present.
    PrincipalAccount,
    /// The caller's ARN; always present.
    PrincipalArn,
    /// The caller's organization id; absent when the caller's account is in none.
    PrincipalOrgId,
    /// The caller's organization path; absent like the organization id.
    PrincipalOrgPaths,
    /// The caller's unique id (`AROA…:session`); always present.
    UserId,
    /// The account a service acts for (`aws:SourceAccount`, `aws:SourceOwner`): present
    /// only when a service principal calls.
    SourceAccount,
    /// The ARN of the resource a service acts for: present only when a service calls.
    SourceArn,
    /// The VPC the request came through; absent off a VPC endpoint.
    SourceVpc,
    /// The VPC endpoint the request came through; absent off one.
    SourceVpce,
    /// The caller's IP address: any address on the internet outside the ranges the
    /// policy names (a `/0` range is every address).
    SourceIp,
    /// The service that calls KMS on the caller's behalf; absent for a direct call.
    ViaService,
    /// The account that owns the resource: the owner's, never the outsider's.
    ResourceAccount,
    /// The organization of the resource's account: the zone's, when it is one.
    ResourceOrgId,
}

/// One bounding key.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The key, as AWS spells it.
    pub key: &'static str,
    /// Where its value comes from.
    pub fact: Fact,
    /// The documentation: page title and what it says.
    pub doc: &'static str,
}

/// The bounding keys (besides the identity-provider claims, [`claim`]).
pub const BOUNDS: &[Bound] = &[
    Bound {
        key: "aws:PrincipalAccount",
        fact: Fact::PrincipalAccount,
        doc: "AWS global condition context keys, aws:PrincipalAccount: the account to which the requesting principal belongs; always included in the request context",
    },
    Bound {
        key: "aws:PrincipalArn",
        fact: Fact::PrincipalArn,
        doc: "AWS global condition context keys, aws:PrincipalArn: the ARN of the principal that made the request; always included in the request context",
    },
    Bound {
        key: "aws:PrincipalOrgID",
        fact: Fact::PrincipalOrgId,
        doc: "AWS global condition context keys, aws:PrincipalOrgID: the identifier of the organization the requesting principal's account belongs to; included only if the principal is a member of an organization",
    },
    Bound {
        key: "aws:PrincipalOrgPaths",
        fact: Fact::PrincipalOrgPaths,
        doc: "AWS global condition context keys, aws:PrincipalOrgPaths: the AWS Organizations path of the principal making the request; included only if the principal is a member of an organization",
    },
    Bound {
        key: "aws:userid",
        fact: Fact::UserId,
        doc: "AWS global condition context keys, aws:userid: the requester's principal identifier; always included in the request context",
    },
    Bound {
        key: "kms:CallerAccount",
        fact: Fact::PrincipalAccount,
        doc: "AWS KMS condition keys, kms:CallerAccount: controls access based on the AWS account of the caller (IAM Access Analyzer filter keys list condition.kms:CallerAccount)",
    },
    Bound {
        key: "aws:SourceAccount",
        fact: Fact::SourceAccount,
        doc: "AWS global condition context keys, aws:SourceAccount: the account of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource",
    },
    Bound {
        key: "aws:SourceOwner",
        fact: Fact::SourceAccount,
        doc: "IAM Access Analyzer filter keys: condition.aws:SourceOwner, the account that owns the source resource a service acts for",
    },
    Bound {
        key: "aws:SourceArn",
        fact: Fact::SourceArn,
        doc: "AWS global condition context keys, aws:SourceArn: the ARN of the resource making a service-to-service request; included only when a service principal calls on behalf of a resource",
    },
    Bound {
        key: "aws:SourceVpc",
        fact: Fact::SourceVpc,
        doc: "AWS global condition context keys, aws:SourceVpc: the VPC the request travels through; included only if the requester uses a VPC endpoint",
    },
    Bound {
        key: "aws:SourceVpce",
        fact: Fact::SourceVpce,
        doc: "AWS global condition context keys, aws:SourceVpce: the VPC endpoint identifier; included only if the requester uses a VPC endpoint",
    },
    Bound {
        key: "aws:SourceIp",
        fact: Fact::SourceIp,
        doc: "Amazon S3 PublicAccessBlockConfiguration: a bucket policy is not public when it limits access to a set of CIDRs using aws:SourceIp",
    },
    Bound {
        key: "kms:ViaService",
        fact: Fact::ViaService,
        doc: "AWS KMS condition keys, kms:ViaService: limits use of a KMS key to requests from specified AWS services (IAM Access Analyzer filter keys list condition.kms:ViaService)",
    },
    Bound {
        key: "aws:ResourceAccount",
        fact: Fact::ResourceAccount,
        doc: "AWS global condition context keys, aws:ResourceAccount: the account of the resource owner; always included",
    },
    Bound {
        key: "aws:ResourceOrgID",
        fact: Fact::ResourceOrgId,
        doc: "AWS global condition context keys, aws:ResourceOrgID: the organization of the account that owns the resource",
    },
];

/// The bounding row for `key`, if it bounds.
pub fn bound(key: &str) -> Option<&'static Bound> {
    BOUNDS.iter().find(|b| b.key.eq_ignore_ascii_case(key))
}

/// A claim of a web identity (OIDC) provider's token, as IAM names it
/// (`token.actions.githubusercontent.com:sub`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Set by the provider to who the caller is (the repository and ref for GitHub):
    /// an outsider gets their own subject, never the owner's.
    Subject,
    /// Set by the provider to the application the token was issued for; for GitHub
    /// the workflow chooses it, so it bounds nothing there.
    Audience,
}

/// Identity providers whose audience the caller chooses: GitHub Actions ("Configuring
/// OpenID Connect in Amazon Web Services": the audience is `sts.amazonaws.com` for
/// every repository and a workflow may ask for any audience), so only `sub` bounds.
pub const AUDIENCE_CHOSEN_BY_CALLER: &[&str] = &["token.actions.githubusercontent.com"];

/// For a key of a web identity provider `provider` (the host in its ARN,
/// `token.actions.githubusercontent.com`): which claim bounds access, `None` when the
/// key is the caller's to choose. IAM ("Available keys for AWS web identity
/// federation"): `…:sub` is the end user's id, `…:aud` the application id (the identity
/// pool for Cognito, the client id for Google, `app_id` for Facebook and Amazon);
/// IAM Access Analyzer filter keys list these (condition.cognito-identity.amazonaws.com:aud,
/// condition.accounts.google.com:aud, condition.graph.facebook.com:id,
/// condition.www.amazon.com:app_id) as the conditions of a federated finding.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_case_insensitively_and_claims_by_provider() {
        assert_eq!(
            bound("AWS:principalorgid").unwrap().fact,
            Fact::PrincipalOrgId
        );
        assert!(bound("aws:SecureTransport").is_none());
        assert!(bound("s3:prefix").is_none());
        let gh = "token.actions.githubusercontent.com";
        assert_eq!(claim(gh, &format!("{gh}:sub")), Some(Claim::Subject));
        assert_eq!(claim(gh, &format!("{gh}:aud")), None);
        let cog = "cognito-identity.amazonaws.com";
        assert_eq!(claim(cog, &format!("{cog}:aud")), Some(Claim::Audience));
        assert_eq!(claim(cog, &format!("{cog}:amr")), None);
        assert_eq!(claim(gh, "accounts.google.com:sub"), None);
    }
}
