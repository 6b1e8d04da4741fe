//! AccessDenied feedback: the denial messages tools print, parsed into what was denied,
//! to whom and why, and resolved to the (action, resource) pairs an identity policy needs.
//!
//! Inputs are whatever a user pastes or a pipeline logs: AWS CLI and boto3 errors and
//! tracebacks, SDK errors (JavaScript v3, Java v1/v2, Go v1/v2, .NET, PHP), CDK and
//! CloudFormation deploy output, Terraform AWS provider errors, EC2's encoded
//! authorization failures, the output of `aws sts decode-authorization-message`, and
//! CloudTrail records with a denied `errorCode` (any layout `generate` reads).
//!
//! - [`parse`] never panics and never echoes secrets: the text is redacted
//!   ([`redact`]) before anything is looked at, so excerpts and reports cannot carry a
//!   session token or an `Authorization` header from pasted debug output.
//! - An action the message names is used as is (checked against the catalog). When the
//!   message names only the operation (S3's bare `Access Denied`, EC2's encoded
//!   failures), the operation goes through the same mapper `generate` uses
//!   (`action-map/curated/events.tsv`: `HeadObject` → `s3:GetObject`, …).
//! - The reason is kept exactly: only an implicit deny for lack of an identity-based
//!   allow (or a message that states no reason) can be fixed by adding to an identity
//!   policy; [`refine`] reports every other denial instead of widening anything.

pub mod authz;
pub mod redact;
pub mod refine;
mod resolve;
pub mod scope;
pub mod sts;
mod text;
mod trail;

use serde::Serialize;
use serde::ser::SerializeStruct;

use crate::catalog::ActionId;
use crate::iam::permission::Permission;
use crate::usage::Usage;
pub use authz::{AuthorizationDecoder, DecodeError, NotDecoded};
pub use text::shapes;

/// Which tool printed a message (a best guess from its shape, for the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// `aws …` (AWS CLI).
    AwsCli,
    /// boto3 / botocore (Python).
    Boto3,
    /// AWS SDK for JavaScript v3.
    JsSdkV3,
    /// AWS SDK for JavaScript v2.
    JsSdkV2,
    /// AWS SDK for Java 2.x.
    JavaSdkV2,
    /// AWS SDK for Java 1.x.
    JavaSdkV1,
    /// AWS SDK for Go v2.
    GoSdkV2,
    /// AWS SDK for Go v1.
    GoSdkV1,
    /// AWS SDK for .NET.
    DotnetSdk,
    /// AWS SDK for PHP.
    PhpSdk,
    /// AWS CDK CLI.
    Cdk,
    /// CloudFormation stack events.
    Cloudformation,
    /// Terraform AWS provider.
    Terraform,
    /// A CloudTrail record.
    Cloudtrail,
    /// Output of `aws sts decode-authorization-message`.
    DecodedMessage,
    /// Not recognized.
    Unknown,
}

/// The kind of policy a message blames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// Identity-based policies (what `refine` edits).
    IdentityBased,
    /// AWS Organizations service control policy.
    ServiceControl,
    /// AWS Organizations resource control policy.
    ResourceControl,
    /// IAM permissions boundary.
    PermissionsBoundary,
    /// Session policy.
    Session,
    /// Resource-based policy (bucket policy, key policy, …).
    ResourceBased,
    /// VPC endpoint policy.
    VpcEndpoint,
    /// A role's trust policy.
    RoleTrust,
    /// The message says "explicit deny" without naming the policy type.
    Unspecified,
}

impl PolicyKind {
    fn code(self) -> &'static str {
        match self {
            PolicyKind::IdentityBased => "identity-based-policy",
            PolicyKind::ServiceControl => "service-control-policy",
            PolicyKind::ResourceControl => "resource-control-policy",
            PolicyKind::PermissionsBoundary => "permissions-boundary",
            PolicyKind::Session => "session-policy",
            PolicyKind::ResourceBased => "resource-based-policy",
            PolicyKind::VpcEndpoint => "vpc-endpoint-policy",
            PolicyKind::RoleTrust => "role-trust-policy",
            PolicyKind::Unspecified => "unspecified-policy",
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            PolicyKind::IdentityBased => "an identity-based policy",
            PolicyKind::ServiceControl => "a service control policy (AWS Organizations)",
            PolicyKind::ResourceControl => "a resource control policy (AWS Organizations)",
            PolicyKind::PermissionsBoundary => "the permissions boundary",
            PolicyKind::Session => "the session policy",
            PolicyKind::ResourceBased => "the resource-based policy",
            PolicyKind::VpcEndpoint => "the VPC endpoint policy",
            PolicyKind::RoleTrust => "the role trust policy",
            PolicyKind::Unspecified => "a policy the message does not name",
        }
    }
}

/// Why the request was denied, as the message says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// `because no <kind> allows the … action` (implicit deny).
    Implicit(PolicyKind),
    /// `with an explicit deny in <kind>`.
    Explicit(PolicyKind),
    /// The message gives no reason (S3's bare `Access Denied`, EC2's encoded failures).
    Unstated,
}

impl Reason {
    /// Whether adding to an identity-based policy can fix it: an implicit deny for lack
    /// of an identity-based allow, or a message that states no reason (most of those are
    /// that; the report says the reason was assumed).
    pub fn fixable(self) -> bool {
        matches!(
            self,
            Reason::Implicit(PolicyKind::IdentityBased | PolicyKind::Unspecified)
                | Reason::Unstated
        )
    }

    /// A stable code (`implicit-deny:identity-based-policy`, `explicit-deny:…`, `unstated`).
    pub fn code(self) -> String {
        match self {
            Reason::Implicit(k) => format!("implicit-deny:{}", k.code()),
            Reason::Explicit(k) => format!("explicit-deny:{}", k.code()),
            Reason::Unstated => "unstated".into(),
        }
    }

    /// A sentence for the report.
    pub fn describe(self) -> String {
        match self {
            Reason::Implicit(PolicyKind::IdentityBased) => {
                "no identity-based policy allows it".into()
            }
            Reason::Implicit(PolicyKind::Unspecified) => {
                "implicit deny (the decoded message does not say by which policy type)".into()
            }
            Reason::Implicit(k) => format!("{} does not allow it", k.phrase()),
            Reason::Explicit(k) => format!("explicit deny in {}", k.phrase()),
            Reason::Unstated => "the message states no reason".into(),
        }
    }

    /// What the user can do about a denial an identity policy cannot fix.
    pub fn remedy(self) -> &'static str {
        match self {
            Reason::Explicit(PolicyKind::IdentityBased) => {
                "remove or narrow the Deny statement in the identity-based policy"
            }
            Reason::Explicit(PolicyKind::ServiceControl)
            | Reason::Implicit(PolicyKind::ServiceControl) => {
                "an identity policy cannot override an SCP: change the SCP or ask the organization's administrators"
            }
            Reason::Explicit(PolicyKind::ResourceControl)
            | Reason::Implicit(PolicyKind::ResourceControl) => {
                "an identity policy cannot override an RCP: change the RCP or ask the organization's administrators"
            }
            Reason::Explicit(PolicyKind::PermissionsBoundary)
            | Reason::Implicit(PolicyKind::PermissionsBoundary) => {
                "widen the permissions boundary (or remove it); the identity policy is capped by it"
            }
            Reason::Explicit(PolicyKind::Session) | Reason::Implicit(PolicyKind::Session) => {
                "change the session policy passed when the role was assumed"
            }
            Reason::Explicit(PolicyKind::ResourceBased)
            | Reason::Implicit(PolicyKind::ResourceBased) => {
                "change the resource-based policy (bucket, key, topic, secret, … policy)"
            }
            Reason::Explicit(PolicyKind::VpcEndpoint)
            | Reason::Implicit(PolicyKind::VpcEndpoint) => "change the VPC endpoint policy",
            Reason::Explicit(PolicyKind::RoleTrust) | Reason::Implicit(PolicyKind::RoleTrust) => {
                "change the trust policy of the role being assumed"
            }
            Reason::Explicit(PolicyKind::Unspecified) => {
                "find the Deny statement (identity policy, boundary, SCP, session or resource policy) and change it"
            }
            _ => "add the permission to an identity-based policy",
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// How a grant was worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantVia {
    /// The message names the action (and resource).
    Message,
    /// The message names the operation; the mapper turned it into actions.
    Operation,
    /// A CloudTrail record, through the mapper.
    Record,
    /// A decoded authorization message.
    Decoded,
}

/// One permission an identity policy needs for a denial to go away.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    /// A catalog action; a policy-ready resource (names escaped; `*` only for what is
    /// unknown (listed in `unknown`), for actions without resource-level permissions, or
    /// where AWS itself printed a wildcard segment); a condition (`iam:PassedToService`
    /// on `iam:PassRole`).
    pub permission: Permission<ActionId>,
    /// Parts of the resource the message does not say (written `*`).
    pub unknown: Vec<&'static str>,
    /// How it was worked out.
    pub via: GrantVia,
}

impl Serialize for Grant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = &self.permission;
        let n = 3 + usize::from(p.condition.is_some()) + usize::from(!self.unknown.is_empty());
        let mut st = s.serialize_struct("Grant", n)?;
        st.serialize_field("action", &p.action.to_string())?;
        st.serialize_field("resource", &p.resource)?;
        if let Some(c) = &p.condition {
            st.serialize_field("condition", c)?;
        }
        if !self.unknown.is_empty() {
            st.serialize_field("unknown", &self.unknown)?;
        }
        st.serialize_field("via", &self.via)?;
        st.end()
    }
}

/// An encoded authorization failure message (EC2 and a few others).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encoded {
    /// The blob as printed (may be empty when a tool cut it off).
    pub message: String,
    /// Whether it was decoded (through an [`AuthorizationDecoder`]).
    pub decoded: bool,
    /// Why not, and what to run instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One denial found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Denial {
    /// Where the input came from (file name, `<stdin>`), set by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1-based line of the message in a text input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 0-based record index in a CloudTrail input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
    /// Which tool printed it.
    pub tool: Tool,
    /// Error code (`AccessDenied`, `AccessDeniedException`, `UnauthorizedOperation`, `403`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Who was denied, as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The service as the tool named it (`S3`, `Elastic Load Balancing v2`, `Iam`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The API operation (`PutObject`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The action the message names, as printed (`SNS:Publish`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource the message names, as printed (`arn:…`, `role NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Why.
    pub reason: Reason,
    /// The denying policy, when the message names it (an SCP's ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// An encoded authorization failure message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded: Option<Encoded>,
    /// What an identity policy needs (empty when unresolved).
    pub grants: Vec<Grant>,
    /// Why `grants` is empty, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unresolved: Option<String>,
    /// Anything else worth saying.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How many times the same denial appeared (tools repeat them).
    pub occurrences: usize,
    /// The message's line, redacted and shortened.
    pub excerpt: String,
}

impl Denial {
    fn new(tool: Tool, excerpt: &str) -> Denial {
        Denial {
            source: None,
            line: None,
            record: None,
            tool,
            error_code: None,
            principal: None,
            service: None,
            operation: None,
            action: None,
            resource: None,
            reason: Reason::Unstated,
            policy: None,
            encoded: None,
            grants: Vec::new(),
            unresolved: None,
            notes: Vec::new(),
            occurrences: 1,
            excerpt: shorten(excerpt),
        }
    }

    /// Where it came from, for reports: `errors.txt:12 (aws-cli)`.
    pub fn location(&self) -> String {
        let src = self.source.as_deref().unwrap_or("input");
        let at = match (self.line, self.record) {
            (Some(l), _) => format!("{src}:{l}"),
            (None, Some(r)) => format!("{src} record {r}"),
            (None, None) => src.to_string(),
        };
        let tool = serde_json::to_value(self.tool)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("{at} ({tool})")
    }

    /// What makes two reports the same denial (tools print one several times).
    fn key(&self) -> DenialKey {
        (
            self.principal.clone(),
            self.action.as_deref().map(str::to_ascii_lowercase),
            self.resource.clone(),
            self.operation.clone(),
            self.reason,
            self.encoded.as_ref().map(|e| e.message.clone()),
            self.grants.clone(),
            self.record,
        )
    }
}

type DenialKey = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Reason,
    Option<String>,
    Vec<Grant>,
    Option<usize>,
);

/// At most this many characters of a message line are kept as its excerpt.
pub const EXCERPT_CHARS: usize = 240;

fn shorten(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(EXCERPT_CHARS).collect();
    if s.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Parses denials from an input (text or CloudTrail JSON, plain or gzip). Encoded
/// authorization messages are reported, not decoded.
pub fn parse(input: &[u8]) -> Vec<Denial> {
    parse_with(input, &NotDecoded)
}

/// Parses denials, decoding encoded authorization messages through `decoder`.
pub fn parse_with(input: &[u8], decoder: &dyn AuthorizationDecoder) -> Vec<Denial> {
    let mut denials = match trail::from_records(input, decoder) {
        Some(d) => d,
        None => text::parse(&String::from_utf8_lossy(input), decoder),
    };
    dedupe(&mut denials);
    denials
}

fn dedupe(denials: &mut Vec<Denial>) {
    let mut seen: std::collections::HashMap<DenialKey, usize> = std::collections::HashMap::new();
    let mut out: Vec<Denial> = Vec::with_capacity(denials.len());
    for d in denials.drain(..) {
        let key = d.key();
        match seen.get(&key) {
            Some(&i) => out[i].occurrences += d.occurrences,
            None => {
                seen.insert(key, out.len());
                out.push(d);
            }
        }
    }
    *denials = out;
}

/// A denial's grants as usage entries (for `generate --denied`): only denials an
/// identity policy can fix. Each entry's evidence names the denial (`denial:FILE:LINE`).
pub fn usage_entries(denials: &[Denial]) -> Vec<(Permission<ActionId>, Usage)> {
    let mut out = Vec::new();
    for d in denials.iter().filter(|d| d.reason.fixable()) {
        let at = d.location();
        let at = at.split(" (").next().unwrap_or_default();
        for g in &d.grants {
            let usage = Usage {
                count: d.occurrences as u64,
                samples: [format!("denial:{at}").as_str()].into_iter().collect(),
                unknown: g.unknown.iter().copied().collect(),
                ..Usage::default()
            };
            out.push((g.permission.clone(), usage));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_fixable_only_for_identity_gaps() {
        assert!(Reason::Implicit(PolicyKind::IdentityBased).fixable());
        assert!(Reason::Unstated.fixable());
        for k in [
            PolicyKind::ServiceControl,
            PolicyKind::ResourceControl,
            PolicyKind::PermissionsBoundary,
            PolicyKind::Session,
            PolicyKind::ResourceBased,
            PolicyKind::VpcEndpoint,
            PolicyKind::RoleTrust,
        ] {
            assert!(!Reason::Implicit(k).fixable(), "{k:?}");
            assert!(!Reason::Explicit(k).fixable(), "{k:?}");
        }
        assert!(!Reason::Explicit(PolicyKind::IdentityBased).fixable());
        assert!(!Reason::Explicit(PolicyKind::Unspecified).fixable());
        assert_eq!(
            Reason::Explicit(PolicyKind::ServiceControl).code(),
            "explicit-deny:service-control-policy"
        );
    }

    #[test]
    fn excerpts_are_bounded() {
        let long = "x".repeat(1000);
        assert_eq!(shorten(&long).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(shorten("  a  "), "a");
    }
}
