//! Which condition keys bound a principal: a condition on one of these keys, with a
//! value that names one organization, account, principal, network or endpoint, is one
//! a caller outside that scope cannot satisfy. A resource policy that grants `*` under
//! such a condition is not public. The table is data, shared by `check no-public-access`
//! and the account audit; each key's meaning is AWS's ("AWS global condition context
//! keys" in the IAM User Guide, "AWS KMS condition keys" for `kms:CallerAccount`).
//!
//! A clause bounds the caller when all of:
//! - its key is in [`BOUNDS`] (for the resource type, when the entry names types);
//! - its operator is a positive one (`StringEquals`, `StringLike`, `ArnLike`,
//!   `IpAddress`, …) without `IfExists` and without `ForAllValues:` (both hold when the
//!   key is absent, and a caller can leave these keys absent: a request from outside a
//!   VPC endpoint has no `aws:SourceVpce`);
//! - every value names one scope ([`Bound::names_one`]): `o-*`, `0.0.0.0/0` or an ARN
//!   with a wildcard account bound nothing.
//!
//! A Deny bounds the other way: `StringNotEquals aws:PrincipalOrgID o-1` denies
//! every caller outside the organization (with or without `IfExists`: an absent key
//! satisfies a negated operator), see [`negated_bound`].

use super::conditions::Clause;
use crate::iam::policy::{OperatorBase, SetQualifier};

/// What the values of a bounding key are, which decides when a value names one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An identifier (`o-a1b2c3`, `111122223333`, `vpce-1a2b`): bounded when it has no
    /// wildcard.
    Id,
    /// An organization path (`o-a1/r-ab/ou-ab-1/`): bounded when its organization part
    /// (up to the first `/`) has no wildcard.
    OrgPath,
    /// An ARN: bounded when its account (fifth part) is a literal account id, or it
    /// names an AWS service principal's resource in a literal account.
    Arn,
    /// An IP range: bounded when narrower than a `/8` (IPv4) or `/32` (IPv6); `0.0.0.0/0`
    /// is everyone.
    Cidr,
}

/// One key that can bound who calls.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The key as AWS spells it (compared ignoring case).
    pub key: &'static str,
    /// What a value pins down, for messages.
    pub scope: &'static str,
    /// The values' kind.
    pub kind: ValueKind,
    /// The resource types (Access Analyzer's names) the key bounds on; empty: all.
    pub types: &'static [&'static str],
}

/// The keys that bound the caller (see the module doc).
pub const BOUNDS: &[Bound] = &[
    Bound {
        key: "aws:PrincipalOrgID",
        scope: "the caller's organization",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:PrincipalOrgPaths",
        scope: "the caller's organization path",
        kind: ValueKind::OrgPath,
        types: &[],
    },
    Bound {
        key: "aws:PrincipalAccount",
        scope: "the caller's account",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:PrincipalArn",
        scope: "the caller's ARN",
        kind: ValueKind::Arn,
        types: &[],
    },
    Bound {
        key: "aws:userid",
        scope: "the caller's unique id",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceAccount",
        scope: "the account of the resource a service acts for",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceOwner",
        scope: "the account of the resource a service acts for",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceArn",
        scope: "the resource a service acts for",
        kind: ValueKind::Arn,
        types: &[],
    },
    Bound {
        key: "aws:SourceOrgID",
        scope: "the organization of the resource a service acts for",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceOrgPaths",
        scope: "the organization path of the resource a service acts for",
        kind: ValueKind::OrgPath,
        types: &[],
    },
    Bound {
        key: "aws:SourceVpce",
        scope: "the VPC endpoint the request comes through",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceVpc",
        scope: "the VPC the request comes from",
        kind: ValueKind::Id,
        types: &[],
    },
    Bound {
        key: "aws:SourceIp",
        scope: "the caller's IP range",
        kind: ValueKind::Cidr,
        types: &[],
    },
    Bound {
        key: "kms:CallerAccount",
        scope: "the caller's account",
        kind: ValueKind::Id,
        types: &["AWS::KMS::Key"],
    },
];

/// The entry for `key` on resource type `rtype`, if it bounds there.
pub fn bound(key: &str, rtype: &str) -> Option<&'static Bound> {
    BOUNDS.iter().find(|b| {
        b.key.eq_ignore_ascii_case(key) && (b.types.is_empty() || b.types.contains(&rtype))
    })
}

impl Bound {
    /// Whether `value` names one scope rather than a wildcard over many.
    pub fn names_one(&self, value: &str) -> bool {
        let wild = |s: &str| s.contains(['*', '?']) || s.contains("${");
        match self.kind {
            ValueKind::Id => !value.is_empty() && !wild(value),
            ValueKind::OrgPath => value
                .split('/')
                .next()
                .is_some_and(|o| o.starts_with("o-") && !wild(o)),
            ValueKind::Arn => {
                let acct = value.split(':').nth(4).unwrap_or_default();
                acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())
            }
            ValueKind::Cidr => match value.trim().split_once('/') {
                None => value.trim().parse::<std::net::IpAddr>().is_ok(),
                Some((a, p)) => {
                    let Ok(ip) = a.parse::<std::net::IpAddr>() else {
                        return false;
                    };
                    let Ok(p) = p.parse::<u8>() else { return false };
                    if ip.is_ipv4() {
                        (8..=32).contains(&p)
                    } else {
                        (32..=128).contains(&p)
                    }
                }
            },
        }
    }
}

fn bounded_values(b: &Bound, values: &[String]) -> bool {
    !values.is_empty() && values.iter().all(|v| b.names_one(v))
}

/// The entry when clause `c` of an Allow bounds the caller on `rtype` (see the module
/// doc), else `None`.
pub fn positive_bound(c: &Clause<'_>, rtype: &str) -> Option<&'static Bound> {
    use OperatorBase::*;
    let b = bound(c.key, rtype)?;
    let op_ok = matches!(
        c.op.base,
        StringEquals | StringEqualsIgnoreCase | StringLike | ArnEquals | ArnLike | IpAddress
    ) && !c.op.if_exists
        && c.op.set != Some(SetQualifier::ForAllValues);
    (op_ok && bounded_values(b, c.values)).then_some(b)
}

/// The entry when clause `c` of a Deny holds for every caller outside its scope
/// (`StringNotEquals aws:PrincipalOrgID o-1`), else `None`.
pub fn negated_bound(c: &Clause<'_>, rtype: &str) -> Option<&'static Bound> {
    use OperatorBase::*;
    let b = bound(c.key, rtype)?;
    let op_ok = matches!(
        c.op.base,
        StringNotEquals
            | StringNotEqualsIgnoreCase
            | StringNotLike
            | ArnNotEquals
            | ArnNotLike
            | NotIpAddress
    ) && c.op.set.is_none();
    (op_ok && bounded_values(b, c.values)).then_some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_name_one_scope() {
        let org = bound("AWS:PrincipalOrgId", "AWS::S3::Bucket").unwrap();
        assert!(org.names_one("o-a1b2c3d4e5"));
        assert!(!org.names_one("o-*"));
        let ip = bound("aws:SourceIp", "AWS::S3::Bucket").unwrap();
        assert!(ip.names_one("203.0.113.0/24"));
        assert!(!ip.names_one("0.0.0.0/0"));
        let arn = bound("aws:PrincipalArn", "AWS::SQS::Queue").unwrap();
        assert!(arn.names_one("arn:aws:iam::111122223333:role/*"));
        assert!(!arn.names_one("arn:aws:iam::*:role/admin"));
        assert!(bound("kms:CallerAccount", "AWS::KMS::Key").is_some());
        assert!(bound("kms:CallerAccount", "AWS::S3::Bucket").is_none());
        assert!(bound("aws:username", "AWS::S3::Bucket").is_none());
    }
}
