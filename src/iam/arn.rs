//! Amazon Resource Names: `arn:partition:service:region:account:resource`.
//!
//! [`Arn`] is a borrowed view of an ARN's six parts (no allocation: the mapper reads ARNs
//! per record), with the accessors IAM's rules need. [`like`] is IAM's `ArnLike`: each of
//! the six colon-separated parts is matched on its own, so a wildcard never crosses a
//! `:` in the first five parts.

use std::fmt;

use crate::iam::pattern::wildcard_match;

/// What makes a string not an ARN. It holds no copy of the text (parsing stays
/// allocation-free on the per-record path): callers name the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ArnError {
    /// It does not start with `arn:`.
    #[error("not an ARN: it does not start with `arn:`")]
    NoPrefix,
    /// Fewer than six colon-separated parts.
    #[error(
        "not an ARN: it has {0} colon-separated parts, an ARN has six (arn:partition:service:region:account:resource)"
    )]
    TooFewParts(usize),
    /// A part that must not be empty is.
    #[error("not an ARN: its {0} is empty")]
    Empty(&'static str),
}

/// A parsed ARN, borrowing the text it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`. Region and account may be
    /// empty (S3 buckets, IAM); partition, service and resource may not. The resource keeps
    /// any further `:` (`log-group:NAME:log-stream:S`).
    pub fn parse(text: &'a str) -> Result<Arn<'a>, ArnError> {
        let rest = text.strip_prefix("arn:").ok_or(ArnError::NoPrefix)?;
        let mut it = rest.splitn(5, ':');
        let mut next = || it.next();
        let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
            (next(), next(), next(), next(), next())
        else {
            return Err(ArnError::TooFewParts(1 + rest.split(':').count()));
        };
        for (part, v) in [
            ("partition", partition),
            ("service", service),
            ("resource", resource),
        ] {
            if v.is_empty() {
                return Err(ArnError::Empty(part));
            }
        }
        Ok(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// An ARN from its parts (for building one to print).
    pub fn new(
        partition: &'a str,
        service: &'a str,
        region: &'a str,
        account: &'a str,
        resource: &'a str,
    ) -> Arn<'a> {
        Arn {
            partition,
            service,
            region,
            account,
            resource,
        }
    }

    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub fn partition(&self) -> &'a str {
        self.partition
    }

    /// The service namespace (`s3`, `iam`, `sts`).
    pub fn service(&self) -> &'a str {
        self.service
    }

    /// The region; empty for global resources.
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The account id; empty for S3 buckets and objects.
    pub fn account(&self) -> &'a str {
        self.account
    }

    /// Everything after the fifth `:`.
    pub fn resource(&self) -> &'a str {
        self.resource
    }

    /// The resource type of a `type/id` or `type:id` resource (`role`, `log-group`):
    /// the text before the first `/` or `:`. `None` when the resource has neither
    /// (an S3 bucket, `root`).
    pub fn resource_type(&self) -> Option<&'a str> {
        self.resource.find(['/', ':']).map(|i| &self.resource[..i])
    }

    /// The resource id of a `type/id` or `type:id` resource (`path/name` of a role, the
    /// log group name and what follows): the text after the first `/` or `:`.
    pub fn resource_id(&self) -> Option<&'a str> {
        self.resource
            .find(['/', ':'])
            .map(|i| &self.resource[i + 1..])
    }

    /// The last `/`-separated segment of the resource (a role's or user's name without
    /// its path).
    pub fn resource_name(&self) -> &'a str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }

    /// Whether `pattern` (IAM `ArnLike`) matches this ARN.
    pub fn matches(&self, pattern: &str) -> bool {
        let [p0, p1, p2, p3, p4, p5] = match parts(pattern) {
            Some(p) => p,
            None => return pattern == "*",
        };
        p0 == "arn"
            && wildcard_match(p1, self.partition, false)
            && wildcard_match(p2, self.service, false)
            && wildcard_match(p3, self.region, false)
            && wildcard_match(p4, self.account, false)
            && wildcard_match(p5, self.resource, false)
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The six colon-separated parts (the last keeps its own `:`).
fn parts(s: &str) -> Option<[&str; 6]> {
    let mut it = s.splitn(6, ':');
    let mut next = || it.next();
    Some([next()?, next()?, next()?, next()?, next()?, next()?])
}

/// IAM's `ArnLike` (and `ArnEquals`, which IAM evaluates the same way): case-sensitive,
/// `*` and `?` wildcards, each of the six colon-separated parts matched on its own. A
/// value that is not six parts long matches only the pattern `*` or, when neither has a
/// `:`, a plain wildcard match.
pub fn like(pattern: &str, value: &str) -> bool {
    match (parts(pattern), parts(value)) {
        (Some(p), Some(v)) => p.iter().zip(v).all(|(p, v)| wildcard_match(p, v, false)),
        _ if pattern == "*" => true,
        _ if !pattern.contains(':') && !value.contains(':') => {
            wildcard_match(pattern, value, false)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts_and_prints_back() {
        let a = Arn::parse("arn:aws:logs:us-east-1:1:log-group:/aws/x:log-stream:s").unwrap();
        assert_eq!(
            (a.partition(), a.service(), a.region(), a.account()),
            ("aws", "logs", "us-east-1", "1")
        );
        assert_eq!(a.resource(), "log-group:/aws/x:log-stream:s");
        assert_eq!(a.resource_type(), Some("log-group"));
        assert_eq!(a.resource_id(), Some("/aws/x:log-stream:s"));
        assert_eq!(
            a.to_string(),
            "arn:aws:logs:us-east-1:1:log-group:/aws/x:log-stream:s"
        );
        let r = Arn::parse("arn:aws-cn:iam::1:role/path/ci").unwrap();
        assert_eq!(r.resource_type(), Some("role"));
        assert_eq!(r.resource_id(), Some("path/ci"));
        assert_eq!(r.resource_name(), "ci");
        let b = Arn::parse("arn:aws:s3:::bucket").unwrap();
        assert_eq!((b.region(), b.account(), b.resource_type()), ("", "", None));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = |s: &str| Arn::parse(s).unwrap_err().to_string();
        assert!(e("s3:::b").contains("does not start with `arn:`"));
        assert!(e("arn:aws:s3:b").contains("has 4 colon-separated parts"));
        assert!(e("arn::s3:::b").contains("partition is empty"));
        assert!(e("arn:aws::::b").contains("service is empty"));
        assert!(e("arn:aws:iam::1:").contains("resource is empty"));
    }

    #[test]
    fn like_matches_each_part_on_its_own() {
        assert!(like("arn:aws:iam::*:role/ci-*", "arn:aws:iam::1:role/ci-x"));
        assert!(like("arn:*:s3:::b/*", "arn:aws-cn:s3:::b/k:with:colons"));
        // A wildcard does not cross a `:` in the first five parts.
        assert!(!like("arn:aws:*:role/x", "arn:aws:iam::1:role/x"));
        assert!(!like("arn:aws:iam::1?:role/x", "arn:aws:iam::1:role/x"));
        assert!(like("arn:aws:iam::?:role/x", "arn:aws:iam::1:role/x"));
        // Case-sensitive.
        assert!(!like("arn:aws:iam::1:role/CI", "arn:aws:iam::1:role/ci"));
        assert!(like("*", "arn:aws:iam::1:role/ci"));
        assert!(like("*", "anything"));
        assert!(!like("arn:aws:iam::1:role/*", "not-an-arn"));
        let a = Arn::parse("arn:aws:sqs:us-east-1:1:q").unwrap();
        assert!(a.matches("arn:aws:sqs:*:1:*"));
        assert!(!a.matches("arn:aws:sqs:*:2:*"));
        assert!(a.matches("*"));
    }
}
