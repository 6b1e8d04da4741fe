//! Refining a policy with denials: add exactly the denied (action, resource) pairs an
//! identity policy can fix, nothing wider, and say why for each.
//!
//! - Denials an identity policy cannot fix (an explicit deny anywhere; an SCP, RCP,
//!   permissions boundary, session, resource-based or VPC endpoint policy) are reported,
//!   never "fixed" by widening.
//! - Pairs the policy already allows (checked with [`crate::iam::eval`]) are reported
//!   as coming from elsewhere; pairs it explicitly denies, as denied by the policy itself.
//! - Resources the messages do not show are not guessed: reported, unless the caller
//!   asks for `*` in the unknown parts (`--unknown-resource parts`, alias
//!   `--wildcard-unknown`) or for the whole resource (`--unknown-resource any`).
//! - The user's statements are kept as written. A new pair joins an existing statement
//!   only when that adds exactly it (same actions and condition: add the resource; same
//!   resources and condition: add the action); otherwise new statements are synthesized
//!   ([`crate::policy::synth`], no generalization) and appended with unique Sids. The
//!   result is split to the size limit like `generate`'s.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::scope::Scope;
use super::{Denial, Grant, Reason};
use crate::catalog::ActionId;
use crate::iam::eval::{Decision, PolicySet, Request};
use crate::iam::permission::Permission;
use crate::iam::policy::{Document, Effect, Statement, VERSION};
use crate::policy::perrun::{self, Evidence};
use crate::policy::split::{SizeLimit, TooLarge, split};
use crate::policy::synth::{Options as SynthOptions, synthesize};
use crate::usage::UsageSet;

/// What to do with a resource a message does not show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownResources {
    /// Do not grant it; report it (with what would be granted).
    #[default]
    Report,
    /// Grant the ARN with `*` in the parts the message does not show
    /// (`arn:aws:sns:*:123456789012:*`).
    Parts,
    /// Grant `*`. For services that authorize the call on a resource no message shows
    /// (and emulators that authorize every call of a service on `*`); each such grant is
    /// reported as wide.
    Any,
}

/// Refine options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size quota to split the result by.
    pub size_limit: SizeLimit,
    /// What to grant for resources the messages do not show.
    pub unknown: UnknownResources,
    /// Add denied resources exactly, keeping their per-run parts (`--pin`).
    pub pin: bool,
    /// Whose denials count, and which account grants may be in.
    pub scope: Scope,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size_limit: SizeLimit::Managed,
            unknown: UnknownResources::Report,
            pin: false,
            scope: Scope::default(),
        }
    }
}

/// One permission added to the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    /// The permission, its resource as written in the policy (JSON: `action`,
    /// `resource`, `condition`).
    #[serde(flatten)]
    pub permission: Permission<ActionId>,
    /// The statement it went into.
    pub sid: String,
    /// Whether it joined a statement that was already there.
    pub merged: bool,
    /// Index of the denial (in the order given) that asked for it.
    pub denial: usize,
    /// Where that denial is (`errors.txt:3 (aws-cli)`).
    pub location: String,
    /// Why it was added.
    pub because: String,
    /// Parts of the resource the message did not show (only with `--unknown-resource`
    /// `parts` or `any`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<&'static str>,
    /// The denied resources this grant's per-run parts were generalized from (empty when
    /// added exactly).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generalized_from: Vec<String>,
    /// The rules that generalized it ([`crate::policy::perrun::Shape`] names).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<&'static str>,
}

/// Why a denial (or one of its pairs) is still there after refining.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The policy already allows it: the denial comes from elsewhere.
    AlreadyAllowed,
    /// The policy itself explicitly denies it.
    DeniedByThisPolicy,
    /// No identity policy can fix it (explicit deny, SCP, RCP, boundary, …).
    Unfixable,
    /// The message does not show the resource.
    ResourceUnknown,
    /// The action could not be worked out.
    Unresolved,
    /// Another principal was denied (see `--principal`).
    OtherPrincipal,
    /// The resource is in another account than the principal's (see
    /// `--allow-cross-account`).
    OtherAccount,
}

/// A denial, or one of its pairs, that refining did not fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remaining {
    /// Why.
    pub status: Status,
    /// Index of the denial.
    pub denial: usize,
    /// Where the denial is.
    pub location: String,
    /// The action, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// What to do about it.
    pub detail: String,
}

/// What refining produced.
#[derive(Debug, Clone)]
pub struct Refined {
    /// The refined policy (one document unless split).
    pub documents: Vec<Document>,
    /// Pairs added, in statement order.
    pub added: Vec<Added>,
    /// What is left, in denial order.
    pub remaining: Vec<Remaining>,
    /// Anything else worth saying (a changed policy Version).
    pub notes: Vec<String>,
}

/// `${*}` → `*` and so on: the literal resource a request names.
fn literal(resource: &str) -> String {
    resource
        .replace("${*}", "*")
        .replace("${?}", "?")
        .replace("${$}", "$")
}

fn request(p: &Permission<ActionId>) -> Request {
    let mut context = BTreeMap::new();
    if let Some(c) = &p.condition {
        context.insert(c.key.to_string(), vec![c.value.clone()]);
    }
    Request {
        principal: None,
        action: p.action.to_string(),
        resource: literal(&p.resource),
        context,
    }
}

fn because(d: &Denial) -> String {
    match d.reason {
        Reason::Unstated => {
            "the message states no reason; assumed missing from the identity policy".into()
        }
        r => r.describe(),
    }
}

fn unresolved_detail(d: &Denial) -> String {
    let mut s = d
        .unresolved
        .clone()
        .unwrap_or_else(|| "nothing to grant".into());
    if let Some(e) = &d.encoded
        && !e.decoded
    {
        if e.message.is_empty() {
            s.push_str("; the encoded authorization message was cut off in the input");
        } else {
            s.push_str(&format!(
                "; decode the details with: aws sts decode-authorization-message --encoded-message {} --query DecodedMessage --output text, and pass that to --from",
                e.message
            ));
        }
    }
    s
}

fn same_actions(a: &[String], b: &[String]) -> bool {
    let l =
        |v: &[String]| -> BTreeSet<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    l(a) == l(b)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

/// Where a new statement can join without granting anything else.
fn merge_target(statements: &[Statement], new: &Statement) -> Option<(usize, bool)> {
    let (Some(na), Some(nr)) = (&new.action, &new.resource) else {
        return None;
    };
    let plain = |s: &Statement| {
        s.effect == Effect::Allow
            && s.principal.is_none()
            && s.not_principal.is_none()
            && s.not_action.is_none()
            && s.not_resource.is_none()
            && s.condition == new.condition
            && s.action.is_some()
            && s.resource.is_some()
    };
    let by_actions = statements
        .iter()
        .position(|s| plain(s) && same_actions(&s.action.as_ref().expect("plain").0, &na.0));
    if let Some(i) = by_actions {
        return Some((i, true));
    }
    statements
        .iter()
        .position(|s| plain(s) && same_set(&s.resource.as_ref().expect("plain").0, &nr.0))
        .map(|i| (i, false))
}

fn unique_sid(base: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|s| !taken.contains(s))
        .expect("some number is free")
}

/// Refines `policies` (the documents of one policy) with `denials`.
pub fn refine(
    policies: &[Document],
    denials: &[Denial],
    opts: &Options,
) -> Result<Refined, TooLarge> {
    let mut remaining = Vec::new();
    // permission → (denial, unknown parts)
    let mut wanted: BTreeMap<Permission<ActionId>, (usize, Vec<&'static str>)> = BTreeMap::new();
    for (i, d) in denials.iter().enumerate() {
        let left =
            |status, action: Option<String>, resource: Option<String>, detail: String| Remaining {
                status,
                denial: i,
                location: d.location(),
                action,
                resource,
                detail,
            };
        if let Some(why) = opts.scope.other_principal(d.principal.as_deref()) {
            remaining.push(left(
                Status::OtherPrincipal,
                d.action.clone().or_else(|| d.operation.clone()),
                d.resource.clone(),
                why,
            ));
            continue;
        }
        if !d.reason.fixable() {
            remaining.push(left(
                Status::Unfixable,
                d.action.clone(),
                d.resource.clone(),
                format!("{}: {}", d.reason.describe(), d.reason.remedy()),
            ));
            continue;
        }
        if d.grants.is_empty() {
            remaining.push(left(
                Status::Unresolved,
                d.action.clone().or_else(|| d.operation.clone()),
                d.resource.clone(),
                unresolved_detail(d),
            ));
            continue;
        }
        let unknown: Vec<&Grant> = d
            .grants
            .iter()
            .filter(|g| !g.unknown.is_empty() && opts.unknown == UnknownResources::Report)
            .collect();
        if !unknown.is_empty() {
            // One entry per denial, however many resource types the action has.
            let actions: BTreeSet<String> = unknown
                .iter()
                .map(|g| g.permission.action.to_string())
                .collect();
            let parts: BTreeSet<&str> = unknown
                .iter()
                .flat_map(|g| g.unknown.iter().copied())
                .collect();
            let resources: Vec<&str> = unknown
                .iter()
                .map(|g| g.permission.resource.as_str())
                .collect();
            let mut detail = format!(
                "the message does not show the {}: make it visible (the full error, or the CloudTrail record) and refine again, or pass --unknown-resource parts to grant {}",
                parts.into_iter().collect::<Vec<_>>().join(", "),
                resources.join(", ")
            );
            if let Some(e) = &d.encoded
                && !e.decoded
            {
                detail = format!(
                    "{detail}; or {}",
                    unresolved_detail(d).trim_start_matches("nothing to grant; ")
                );
            }
            remaining.push(left(
                Status::ResourceUnknown,
                Some(actions.into_iter().collect::<Vec<_>>().join(", ")),
                Some(resources.join(", ")),
                detail,
            ));
        }
        let widened: Vec<Grant>;
        let grants = if opts.unknown == UnknownResources::Any {
            widened = d
                .grants
                .iter()
                .map(|g| {
                    let mut g = g.clone();
                    if !g.unknown.is_empty() {
                        g.permission.resource = "*".into();
                    }
                    g
                })
                .collect();
            &widened
        } else {
            &d.grants
        };
        for g in grants
            .iter()
            .filter(|g| g.unknown.is_empty() || opts.unknown != UnknownResources::Report)
        {
            let p = &g.permission;
            let (a, r) = (Some(p.action.to_string()), Some(p.resource.clone()));
            if let Some(why) = opts.scope.other_account(&p.resource) {
                remaining.push(left(Status::OtherAccount, a, r, why));
                continue;
            }
            match PolicySet::identity(policies).evaluate(&request(p)).decision {
                Decision::Allowed => remaining.push(left(
                    Status::AlreadyAllowed,
                    a,
                    r,
                    "the denial comes from elsewhere (a permissions boundary, SCP, session, resource or key policy), or this is not the policy attached to the principal".into(),
                )),
                Decision::ExplicitDeny => remaining.push(left(
                    Status::DeniedByThisPolicy,
                    a,
                    r,
                    "this policy denies it explicitly: remove or narrow its Deny statement".into(),
                )),
                Decision::ImplicitDeny => {
                    wanted
                        .entry(p.clone())
                        .or_insert((i, g.unknown.clone()));
                }
            }
        }
    }

    // Per-run parts of what is added are generalized as `generate` does, with the policy's
    // own resources as evidence: a denial on builds/1237 beside a grant on builds/1236
    // adds builds/*, not one more build.
    let evidence = Evidence::from_resources(
        policies
            .iter()
            .flat_map(|p| &p.statements)
            .filter_map(|st| st.resource.as_ref())
            .flat_map(|r| r.0.iter().map(String::as_str))
            .chain(wanted.keys().map(|p| p.resource.as_str())),
    );
    // The permission as granted (resource generalized) → the wanted ones it stands for,
    // and the rules.
    type Wanted<'a> = Vec<&'a Permission<ActionId>>;
    let mut granted: BTreeMap<Permission<ActionId>, (Wanted, BTreeSet<&'static str>)> =
        BTreeMap::new();
    for want in wanted.keys() {
        let rw = (!opts.pin)
            .then(|| perrun::rewrite(want.action, &want.resource, &evidence))
            .flatten();
        let (resource, rules) = match rw {
            Some(rw) => (rw.pattern, rw.rules.iter().map(|s| s.as_str()).collect()),
            None => (want.resource.clone(), BTreeSet::new()),
        };
        let entry = granted
            .entry(Permission {
                resource,
                ..want.clone()
            })
            .or_default();
        entry.0.push(want);
        entry.1.extend(rules);
    }
    let usage: UsageSet = granted.keys().cloned().collect();
    let synthesis = synthesize(
        &usage,
        SynthOptions {
            generalize: 0,
            pin: true,
        },
    );
    let mut statements: Vec<Statement> =
        policies.iter().flat_map(|p| p.statements.clone()).collect();
    let mut taken: BTreeSet<String> = statements.iter().filter_map(|s| s.sid.clone()).collect();
    let mut added = Vec::new();
    for ns in &synthesis.statements {
        let mut st = ns.to_statement();
        let (sid, merged) = match merge_target(&statements, &st) {
            Some((i, by_actions)) => {
                let target = &mut statements[i];
                if by_actions {
                    let list = &mut target.resource.as_mut().expect("merge target").0;
                    for r in &ns.resources {
                        if !list.contains(r) {
                            list.push(r.clone());
                        }
                    }
                } else {
                    let list = &mut target.action.as_mut().expect("merge target").0;
                    for a in &ns.actions {
                        let a = a.to_string();
                        if !list.iter().any(|x| x.eq_ignore_ascii_case(&a)) {
                            list.push(a);
                        }
                    }
                }
                (target.sid.clone().unwrap_or_default(), true)
            }
            None => {
                let sid = unique_sid(&ns.sid, &taken);
                taken.insert(sid.clone());
                st.sid = Some(sid.clone());
                statements.push(st);
                (sid, false)
            }
        };
        for permission in ns.permissions() {
            let Some((originals, rules)) = granted.get(&permission) else {
                continue;
            };
            let Some((i, unknown)) = originals.first().and_then(|k| wanted.get(*k)) else {
                continue;
            };
            let generalized_from: Vec<String> = if rules.is_empty() {
                Vec::new()
            } else {
                originals.iter().map(|k| k.resource.clone()).collect()
            };
            let d = &denials[*i];
            added.push(Added {
                permission,
                sid: sid.clone(),
                merged,
                denial: *i,
                location: d.location(),
                because: because(d),
                unknown: unknown.clone(),
                generalized_from,
                rules: rules.iter().copied().collect(),
            });
        }
    }
    let mut notes = Vec::new();
    if let Some(v) = policies
        .iter()
        .map(|p| p.version.as_str())
        .find(|v| *v != VERSION)
    {
        notes.push(format!(
            "the policy's Version {v} is written as {VERSION} (escapes like ${{*}} and policy variables need it)"
        ));
    }
    let mut documents = split(&statements, opts.size_limit)?;
    if let (Some(first), Some(orig)) = (documents.first_mut(), policies.first()) {
        first.id.clone_from(&orig.id);
    }
    Ok(Refined {
        documents,
        added,
        remaining,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denied::parse;

    fn doc(json: &str) -> Document {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn adds_exactly_and_merges_without_widening() {
        let policy = doc(r#"{"Version":"2012-10-17","Id":"mine","Statement":[
            {"Sid":"Mine","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/a"},
            {"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#);
        let denials = parse(
            b"upload failed: ./x to s3://b/k An error occurred (AccessDenied) when calling the PutObject operation: Access Denied\n\n\
              User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k*\" because no identity-based policy allows the s3:GetObject action\n\n\
              User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a service control policy\n",
        );
        assert_eq!(denials.len(), 3, "{denials:#?}");
        let r = refine(&[policy], &denials, &Options::default()).unwrap();
        let d = &r.documents[0];
        assert_eq!(d.id.as_deref(), Some("mine"));
        assert_eq!(d.statements[0].sid.as_deref(), Some("Mine"));
        assert_eq!(
            d.statements[0].resource.as_ref().unwrap().0,
            ["arn:aws:s3:::b/a", "arn:aws:s3:::b/k"]
        );
        assert_eq!(d.statements[1].sid.as_deref(), Some("Logs"));
        assert_eq!(d.statements[2].action.as_ref().unwrap().0, ["s3:GetObject"]);
        assert_eq!(
            d.statements[2].resource.as_ref().unwrap().0,
            ["arn:aws:s3:::b/k${*}"]
        );
        assert_eq!(r.added.len(), 2);
        let action = |a: &Added| a.permission.action.to_string();
        let put = r
            .added
            .iter()
            .find(|a| action(a) == "s3:PutObject")
            .unwrap();
        assert!(put.merged && put.sid == "Mine");
        assert!(
            r.added
                .iter()
                .any(|a| action(a) == "s3:GetObject" && !a.merged)
        );
        assert_eq!(r.remaining.len(), 1);
        assert_eq!(r.remaining[0].status, Status::Unfixable);
        // Refining again adds nothing: both pairs are now allowed.
        let again = refine(&r.documents, &denials, &Options::default()).unwrap();
        assert!(again.added.is_empty());
        assert_eq!(again.documents, r.documents);
        assert_eq!(
            again
                .remaining
                .iter()
                .filter(|x| x.status == Status::AlreadyAllowed)
                .count(),
            2
        );
    }
}
