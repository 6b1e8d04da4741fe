//! Putting a policy on an IAM role or user (`loop --apply role:NAME|user:NAME`).
//!
//! IAM caps the inline policies of an identity *together* (10,240 characters per role,
//! 2,048 per user, whitespace not counted), so splitting into several inline policies
//! does not help. The policy goes in as one inline policy (named `iamtrail` unless told
//! otherwise) when it fits beside the identity's other inline policies; otherwise it is
//! split into customer managed policies of 6,144 characters, under the path
//! `/iamtrail/` and named `<name>-<role|user>-<entity>-<n>`, attached to the identity.
//! Whatever iamtrail put there before and no longer needs (the inline policy after a
//! move to managed, managed parts beyond the new count) is removed *after* the new
//! grants are in place, so the identity never loses a permission mid-way.
//!
//! IAM is eventually consistent: after each write the document is read back until IAM
//! returns what was written (bounded retries); the caller then waits for the change to
//! reach the services that enforce it.

use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::PolicyScopeType;
use serde::Serialize;

use crate::aws::{self, AwsOptions};
use crate::iam::policy::{Document, Statement};
use crate::percent::percent_decode;
use crate::policy::split::{SizeLimit, split};

/// The identity a policy is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An IAM role, by name.
    Role(String),
    /// An IAM user, by name.
    User(String),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}`: expected role:NAME or user:NAME");
        let (kind, name) = s.split_once(':').ok_or_else(bad)?;
        // A role or user ARN works too: keep the last path segment.
        let name = name.rsplit('/').next().unwrap_or(name);
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !valid {
            return Err(format!("`{s}`: `{name}` is not an IAM role or user name"));
        }
        match kind {
            "role" => Ok(Target::Role(name.into())),
            "user" => Ok(Target::User(name.into())),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Role(n) => write!(f, "role:{n}"),
            Target::User(n) => write!(f, "user:{n}"),
        }
    }
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Target::Role(_) => "role",
            Target::User(_) => "user",
        }
    }

    fn name(&self) -> &str {
        match self {
            Target::Role(n) | Target::User(n) => n,
        }
    }

    /// The quota all inline policies of the identity share.
    pub fn inline_limit(&self) -> SizeLimit {
        match self {
            Target::Role(_) => SizeLimit::InlineRole,
            Target::User(_) => SizeLimit::InlineUser,
        }
    }
}

/// An IAM call that failed.
#[derive(Debug, thiserror::Error)]
#[error("{target}: {what}: {detail}")]
pub struct ApplyError {
    /// The identity.
    pub target: String,
    /// What was being done (`iam:PutUserPolicy iamtrail`).
    pub what: String,
    /// The service's answer.
    pub detail: String,
}

/// How the policy was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// One inline policy.
    Inline,
    /// Customer managed policies, attached.
    Managed,
    /// Nothing: the policy has no statement (IAM rejects an empty one), so what iamtrail
    /// had put there is removed.
    None,
}

/// What one apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Inline or managed.
    pub placement: Placement,
    /// Policies written (inline name, or managed ARNs).
    pub written: Vec<String>,
    /// Policies iamtrail had put there before and removed.
    pub removed: Vec<String>,
    /// Size as IAM counts it, all parts together.
    pub size: usize,
    /// Read-backs until IAM returned what was written.
    pub read_backs: usize,
}

/// Anything that can put a policy on the identity (the IAM API; a test double).
pub trait Apply {
    /// Puts `docs` (one logical policy) on the identity, replacing what was put before.
    fn apply(&mut self, docs: &[Document]) -> Result<Applied, ApplyError>;
    /// Managed policies attached to the identity that grant everything
    /// (`AdministratorAccess`, …): the loop cannot learn anything while they are there.
    fn broad_grants(&mut self) -> Result<Vec<String>, ApplyError>;
}

/// AWS managed policies that make a least-privilege loop meaningless.
const BROAD: &[&str] = &[
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
];

/// Applies through the IAM API.
pub struct IamApplier {
    rt: tokio::runtime::Runtime,
    client: Client,
    target: Target,
    name: String,
    profile: Option<String>,
    read_back_tries: usize,
}

/// Whether a document IAM returned is the one written (compared as JSON).
fn same_document(returned: &str, written: &Document) -> bool {
    let text = if returned.trim_start().starts_with('{') {
        returned.to_string()
    } else {
        percent_decode(returned, false)
    };
    let want = serde_json::to_value(written).expect("policy serializes");
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v == want)
}

/// Every item of a listing IAM pages with `Marker`/`IsTruncated`: `page` gets the marker
/// and returns (items, truncated, next marker).
fn paginate<T>(
    mut page: impl FnMut(Option<String>) -> Result<(Vec<T>, bool, Option<String>), ApplyError>,
) -> Result<Vec<T>, ApplyError> {
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let (items, truncated, next) = page(marker)?;
        all.extend(items);
        if !truncated || next.is_none() {
            return Ok(all);
        }
        marker = next;
    }
}

/// One IAM call on the identity: the role's operation for a role, the user's for a user
/// (the SDK has a builder type per operation, so the two arms are spelled out by the macro).
/// `$args` adds the parameters after the role/user name; `$out` picks from the response.
macro_rules! on_identity {
    ($self:ident, ($role_name:literal, $role_op:ident), ($user_name:literal, $user_op:ident),
     |$b:ident| $args:expr, |$r:ident| $out:expr) => {
        match &$self.target {
            Target::Role(n) => {
                let $b = $self.client.$role_op().role_name(n);
                $self
                    .rt
                    .block_on($args.send())
                    .map(|$r| $out)
                    .map_err(|e| $self.err(concat!("iam:", $role_name).to_string(), e))
            }
            Target::User(n) => {
                let $b = $self.client.$user_op().user_name(n);
                $self
                    .rt
                    .block_on($args.send())
                    .map(|$r| $out)
                    .map_err(|e| $self.err(concat!("iam:", $user_name).to_string(), e))
            }
        }
    };
}

impl IamApplier {
    /// A client for `target`; `name` names the inline policy and prefixes managed ones.
    pub fn new(opts: &AwsOptions, target: Target, name: &str) -> Result<IamApplier, ApplyError> {
        if let Some(m) = aws::undefined_profile(opts.profile.as_deref()) {
            return Err(ApplyError {
                target: target.to_string(),
                what: "read the AWS profile".into(),
                detail: m,
            });
        }
        let rt = aws::runtime().map_err(|e| ApplyError {
            target: target.to_string(),
            what: "start the AWS runtime".into(),
            detail: e.to_string(),
        })?;
        let sdk = rt.block_on(aws::load(opts, aws::DEFAULT_ATTEMPTS));
        Ok(IamApplier {
            client: Client::new(&sdk),
            rt,
            target,
            name: name.to_string(),
            profile: opts.profile.clone(),
            read_back_tries: 10,
        })
    }

    fn err<E>(&self, what: String, e: E) -> ApplyError
    where
        E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
    {
        ApplyError {
            target: self.target.to_string(),
            what,
            detail: aws::describe(&e, self.profile.as_deref()),
        }
    }

    /// `<name>-<kind>-<entity>`, within IAM's 128 characters for the `-<n>` names.
    fn managed_base(&self) -> String {
        let mut base = format!(
            "{}-{}-{}",
            self.name,
            self.target.kind(),
            self.target.name()
        );
        base.truncate(120);
        base
    }

    fn inline_names(&self) -> Result<Vec<String>, ApplyError> {
        paginate(|marker| {
            on_identity!(
                self,
                ("ListRolePolicies", list_role_policies),
                ("ListUserPolicies", list_user_policies),
                |b| b.set_marker(marker),
                |r| (r.policy_names, r.is_truncated, r.marker)
            )
        })
    }

    fn get_inline(&self, policy: &str) -> Result<String, ApplyError> {
        on_identity!(
            self,
            ("GetRolePolicy", get_role_policy),
            ("GetUserPolicy", get_user_policy),
            |b| b.policy_name(policy),
            |r| r.policy_document
        )
    }

    fn put_inline(&self, doc: &Document) -> Result<(), ApplyError> {
        let body = doc.to_compact();
        on_identity!(
            self,
            ("PutRolePolicy", put_role_policy),
            ("PutUserPolicy", put_user_policy),
            |b| b.policy_name(&self.name).policy_document(body),
            |_r| ()
        )
    }

    fn delete_inline(&self, policy: &str) -> Result<(), ApplyError> {
        on_identity!(
            self,
            ("DeleteRolePolicy", delete_role_policy),
            ("DeleteUserPolicy", delete_user_policy),
            |b| b.policy_name(policy),
            |_r| ()
        )
    }

    fn attached(&self) -> Result<Vec<String>, ApplyError> {
        let attached = paginate(|marker| {
            on_identity!(
                self,
                ("ListAttachedRolePolicies", list_attached_role_policies),
                ("ListAttachedUserPolicies", list_attached_user_policies),
                |b| b.set_marker(marker),
                |r| (
                    r.attached_policies.unwrap_or_default(),
                    r.is_truncated,
                    r.marker
                )
            )
        })?;
        Ok(attached.into_iter().filter_map(|p| p.policy_arn).collect())
    }

    fn attach(&self, arn: &str) -> Result<(), ApplyError> {
        on_identity!(
            self,
            ("AttachRolePolicy", attach_role_policy),
            ("AttachUserPolicy", attach_user_policy),
            |b| b.policy_arn(arn),
            |_r| ()
        )
    }

    fn detach(&self, arn: &str) -> Result<(), ApplyError> {
        on_identity!(
            self,
            ("DetachRolePolicy", detach_role_policy),
            ("DetachUserPolicy", detach_user_policy),
            |b| b.policy_arn(arn),
            |_r| ()
        )
    }

    /// iamtrail's managed policies for this identity: (name, ARN), by name.
    fn own_managed(&self) -> Result<Vec<(String, String)>, ApplyError> {
        let base = self.managed_base();
        let policies = paginate(|marker| {
            self.rt
                .block_on(
                    self.client
                        .list_policies()
                        .scope(PolicyScopeType::Local)
                        .path_prefix("/iamtrail/")
                        .set_marker(marker)
                        .send(),
                )
                .map(|r| (r.policies.unwrap_or_default(), r.is_truncated, r.marker))
                .map_err(|e| self.err("iam:ListPolicies".into(), e))
        })?;
        let mut out: Vec<(String, String)> = policies
            .into_iter()
            .filter_map(|p| Some((p.policy_name?, p.arn?)))
            .filter(|(name, _)| {
                name.strip_prefix(&base)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|n| n.parse::<usize>().is_ok())
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Creates the managed policy, or makes `doc` its default version (deleting the
    /// oldest non-default version when all five are taken). Returns its ARN.
    fn put_managed(
        &self,
        name: &str,
        existing: Option<&str>,
        doc: &Document,
    ) -> Result<String, ApplyError> {
        let c = &self.client;
        let Some(arn) = existing else {
            let r = self
                .rt
                .block_on(
                    c.create_policy()
                        .policy_name(name)
                        .path("/iamtrail/")
                        .description(format!(
                            "Written by iamtrail loop for {} (part of a split policy)",
                            self.target
                        ))
                        .policy_document(doc.to_compact())
                        .send(),
                )
                .map_err(|e| self.err(format!("iam:CreatePolicy {name}"), e))?;
            return r.policy.and_then(|p| p.arn).ok_or_else(|| ApplyError {
                target: self.target.to_string(),
                what: format!("iam:CreatePolicy {name}"),
                detail: "the answer has no policy ARN".into(),
            });
        };
        let versions = self
            .rt
            .block_on(c.list_policy_versions().policy_arn(arn).send())
            .map_err(|e| self.err(format!("iam:ListPolicyVersions {arn}"), e))?
            .versions
            .unwrap_or_default();
        if versions.len() >= 5 {
            let oldest = versions
                .iter()
                .filter(|v| !v.is_default_version)
                .min_by_key(|v| v.create_date.map(|d| d.as_nanos()))
                .and_then(|v| v.version_id.clone());
            if let Some(id) = oldest {
                self.rt
                    .block_on(
                        c.delete_policy_version()
                            .policy_arn(arn)
                            .version_id(&id)
                            .send(),
                    )
                    .map_err(|e| self.err(format!("iam:DeletePolicyVersion {arn} {id}"), e))?;
            }
        }
        self.rt
            .block_on(
                c.create_policy_version()
                    .policy_arn(arn)
                    .policy_document(doc.to_compact())
                    .set_as_default(true)
                    .send(),
            )
            .map_err(|e| self.err(format!("iam:CreatePolicyVersion {arn}"), e))?;
        Ok(arn.to_string())
    }

    fn get_managed(&self, arn: &str) -> Result<String, ApplyError> {
        let c = &self.client;
        let p = self
            .rt
            .block_on(c.get_policy().policy_arn(arn).send())
            .map_err(|e| self.err(format!("iam:GetPolicy {arn}"), e))?;
        let version = p
            .policy
            .and_then(|p| p.default_version_id)
            .unwrap_or_default();
        let v = self
            .rt
            .block_on(
                c.get_policy_version()
                    .policy_arn(arn)
                    .version_id(&version)
                    .send(),
            )
            .map_err(|e| self.err(format!("iam:GetPolicyVersion {arn}"), e))?;
        Ok(v.policy_version
            .and_then(|v| v.document)
            .unwrap_or_default())
    }

    /// Detaches and deletes one of iamtrail's managed policies (its versions first).
    fn remove_managed(&self, arn: &str, attached: bool) -> Result<(), ApplyError> {
        if attached {
            self.detach(arn)?;
        }
        let c = &self.client;
        let still_used = self
            .rt
            .block_on(c.get_policy().policy_arn(arn).send())
            .ok()
            .and_then(|r| r.policy)
            .and_then(|p| p.attachment_count)
            .unwrap_or(0);
        if still_used > 0 {
            return Ok(());
        }
        let versions = self
            .rt
            .block_on(c.list_policy_versions().policy_arn(arn).send())
            .map_err(|e| self.err(format!("iam:ListPolicyVersions {arn}"), e))?
            .versions
            .unwrap_or_default();
        for v in versions.iter().filter(|v| !v.is_default_version) {
            if let Some(id) = &v.version_id {
                self.rt
                    .block_on(
                        c.delete_policy_version()
                            .policy_arn(arn)
                            .version_id(id)
                            .send(),
                    )
                    .map_err(|e| self.err(format!("iam:DeletePolicyVersion {arn} {id}"), e))?;
            }
        }
        self.rt
            .block_on(c.delete_policy().policy_arn(arn).send())
            .map_err(|e| self.err(format!("iam:DeletePolicy {arn}"), e))?;
        Ok(())
    }

    /// Reads a written document back until IAM returns it; returns the reads.
    fn confirm(
        &self,
        what: &str,
        doc: &Document,
        read: impl Fn() -> Result<String, ApplyError>,
    ) -> Result<usize, ApplyError> {
        let mut wait = Duration::from_millis(200);
        for n in 1..=self.read_back_tries {
            // A read can fail while the write propagates (NoSuchEntity): retry it too.
            if read().is_ok_and(|text| same_document(&text, doc)) {
                return Ok(n);
            }
            std::thread::sleep(wait);
            wait = (wait * 2).min(Duration::from_secs(5));
        }
        Err(ApplyError {
            target: self.target.to_string(),
            what: format!("read back {what}"),
            detail: format!(
                "IAM did not return the written document after {} reads",
                self.read_back_tries
            ),
        })
    }
}

impl Apply for IamApplier {
    fn apply(&mut self, docs: &[Document]) -> Result<Applied, ApplyError> {
        let statements: Vec<Statement> = docs.iter().flat_map(|d| d.statements.clone()).collect();
        let too_large = |e: crate::policy::split::TooLarge| ApplyError {
            target: self.target.to_string(),
            what: "split the policy".into(),
            detail: e.to_string(),
        };
        // Inline quota left beside the identity's other inline policies.
        let inline = self.inline_names()?;
        let mut others = 0;
        for n in inline.iter().filter(|n| **n != self.name) {
            let text = self.get_inline(n)?;
            let text = if text.trim_start().starts_with('{') {
                text
            } else {
                percent_decode(&text, false)
            };
            others += text.chars().filter(|c| !c.is_whitespace()).count();
        }
        let room = self.target.inline_limit().chars().saturating_sub(others);
        let one = split(&statements, SizeLimit::Chars(room.max(1)));
        let attached = self.attached()?;
        let own = self.own_managed()?;
        let mut applied = Applied {
            placement: Placement::Inline,
            written: Vec::new(),
            removed: Vec::new(),
            size: 0,
            read_backs: 0,
        };
        match one {
            _ if statements.is_empty() => {
                applied.placement = Placement::None;
                for (_, arn) in &own {
                    self.remove_managed(arn, attached.contains(arn))?;
                    applied.removed.push(arn.clone());
                }
                if inline.contains(&self.name) {
                    self.delete_inline(&self.name)?;
                    applied.removed.push(self.name.clone());
                }
            }
            Ok(parts) if parts.len() == 1 => {
                let doc = &parts[0];
                self.put_inline(doc)?;
                applied.read_backs +=
                    self.confirm(&self.name, doc, || self.get_inline(&self.name))?;
                applied.size = doc.iam_size();
                applied.written.push(self.name.clone());
                for (_, arn) in &own {
                    self.remove_managed(arn, attached.contains(arn))?;
                    applied.removed.push(arn.clone());
                }
            }
            _ => {
                let parts = split(&statements, SizeLimit::Managed).map_err(too_large)?;
                applied.placement = Placement::Managed;
                let base = self.managed_base();
                for (i, doc) in parts.iter().enumerate() {
                    let name = format!("{base}-{}", i + 1);
                    let existing = own
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, a)| a.as_str());
                    let arn = self.put_managed(&name, existing, doc)?;
                    if !attached.contains(&arn) {
                        self.attach(&arn)?;
                    }
                    applied.read_backs += self.confirm(&name, doc, || self.get_managed(&arn))?;
                    applied.size += doc.iam_size();
                    applied.written.push(arn);
                }
                for (name, arn) in &own {
                    let n: usize = name[base.len() + 1..].parse().unwrap_or(usize::MAX);
                    if n > parts.len() {
                        self.remove_managed(arn, attached.contains(arn))?;
                        applied.removed.push(arn.clone());
                    }
                }
                if inline.contains(&self.name) {
                    self.delete_inline(&self.name)?;
                    applied.removed.push(self.name.clone());
                }
            }
        }
        Ok(applied)
    }

    fn broad_grants(&mut self) -> Result<Vec<String>, ApplyError> {
        Ok(self
            .attached()?
            .into_iter()
            .filter(|a| BROAD.contains(&a.as_str()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_names_and_arns() {
        assert_eq!("role:ci".parse(), Ok(Target::Role("ci".into())));
        assert_eq!(
            "role:arn:aws:iam::111122223333:role/path/ci-deployer".parse(),
            Ok(Target::Role("ci-deployer".into()))
        );
        assert_eq!(
            "user:cdk.deploy@x".parse(),
            Ok(Target::User("cdk.deploy@x".into()))
        );
        for bad in ["ci", "group:x", "role:", "role:a b", "user:a*"] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
        assert_eq!(Target::User("u".into()).inline_limit().chars(), 2_048);
        assert_eq!(Target::Role("r".into()).inline_limit().chars(), 10_240);
    }

    #[test]
    fn documents_compare_encoded_or_not() {
        let doc: Document = serde_json::from_str(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a b"}]}"#,
        )
        .unwrap();
        let compact = doc.to_compact();
        assert!(same_document(&compact, &doc));
        let encoded: String = compact
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(same_document(&encoded, &doc));
        assert!(!same_document("%7B%7D", &doc));
    }
}
