//! Replay: had these policies been in place, which of the recorded calls would have been
//! denied? Every distinct call of a [`CallSet`] (its caller, the permissions the mapper
//! derived from it, the request context its record carries) is evaluated with
//! [`crate::iam::eval`]; a call is denied when any permission it needed is. The denied
//! ones are grouped by action, resource and what decided them, with the records behind
//! each, and by account and principal (what a guardrail would have broken).

use std::collections::{BTreeMap, BTreeSet};

use crate::calls::{CallKey, CallSet};
use crate::iam::eval::{Deciding, Decision, PolicyKind, PolicySet, Request};
use crate::iam::pattern::request_form;
use crate::iam::policy::Document;
use crate::usage::{SAMPLES, Usage};

/// The identity policy that stands in when only guardrails (SCPs, RCPs) are replayed:
/// the call succeeded, so the caller's own policies allowed it; allowing everything
/// leaves the guardrails alone to decide.
pub const STAND_IN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The stand-in identity policy as a document.
pub fn stand_in() -> Document {
    Document::from_text(STAND_IN).expect("the stand-in policy parses")
}

/// The resource-based policy that stands in, for a cross-account call, when none is
/// given: the call succeeded, so the resource's owner allowed it (IAM: across accounts
/// both the identity side and the resource's policy must allow).
pub const RESOURCE_STAND_IN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}"#;

/// The name the resource stand-in goes by in findings.
pub const RESOURCE_STAND_IN_NAME: &str =
    "(stand-in: the resource's own policy, which allowed the cross-account call)";

/// What decided a denial: the denying statements, or the policies that allowed nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Why {
    /// Explicit denies: `document`, statement index, `Sid`, kind.
    Statements(Vec<Statement>),
    /// No statement allows: the kinds of policy (and SCP levels) that allow nothing.
    NoAllow(Vec<String>),
}

/// A deciding statement, ordered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Statement {
    /// The document's name (file, with its index when the file holds several).
    pub document: String,
    /// The statement's index.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// The document's kind, as IAM names it.
    pub kind: &'static str,
}

impl From<&Deciding> for Statement {
    fn from(d: &Deciding) -> Statement {
        Statement {
            document: d.document.clone(),
            statement: d.statement,
            sid: d.sid.clone(),
            kind: d.kind.name(),
        }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Statements(s) => {
                for (i, st) in s.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{} statement {}", st.document, st.statement)?;
                    if let Some(sid) = &st.sid {
                        write!(f, " Sid {sid:?}")?;
                    }
                    write!(f, " ({})", st.kind)?;
                }
                Ok(())
            }
            Why::NoAllow(kinds) => write!(f, "no statement allows (in {})", kinds.join(", ")),
        }
    }
}

/// Evidence of a group of calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Calls (records).
    pub count: u64,
    /// Earliest eventTime (epoch seconds).
    pub first: Option<i64>,
    /// Latest eventTime.
    pub last: Option<i64>,
    /// The smallest few eventIDs.
    pub samples: Vec<String>,
}

impl Evidence {
    fn add(&mut self, u: &Usage) {
        let mut mine = Usage {
            count: self.count,
            first: self.first,
            last: self.last,
            samples: self.samples.iter().map(String::as_str).collect(),
            ..Usage::default()
        };
        mine.merge(u);
        *self = Evidence {
            count: mine.count,
            first: mine.first,
            last: mine.last,
            samples: mine.samples.to_strings(),
        };
        debug_assert!(self.samples.len() <= SAMPLES);
    }
}

/// Denied calls of one action on one resource, decided the same way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeniedGroup {
    /// `prefix:Action`.
    pub action: String,
    /// The resource as the request named it (`*` where the record did not tell).
    pub resource: String,
    /// `ExplicitDeny` or `ImplicitDeny`.
    pub decision: Decision,
    /// What decided it.
    pub why: Why,
    /// The calls.
    pub evidence: Evidence,
    /// The principals that made them.
    pub principals: BTreeSet<String>,
}

/// The denied calls of one principal (what a guardrail would have broken).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    /// The caller's account.
    pub account: String,
    /// The principal.
    pub principal: String,
    /// Its denied calls.
    pub evidence: Evidence,
    /// The actions denied.
    pub actions: BTreeSet<String>,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Replay {
    /// Calls evaluated.
    pub evaluated: u64,
    /// Calls every permission of which was allowed.
    pub allowed: u64,
    /// Calls some permission of which was denied.
    pub denied_calls: u64,
    /// Permissions evaluated (a call may need several).
    pub requests: u64,
    /// Denied permissions, by action, resource and reason (sorted).
    pub denied: Vec<DeniedGroup>,
    /// Denied calls by account and principal (sorted).
    pub broken: Vec<Broken>,
}

/// The request one need of a call makes: its action, its resource as the request names
/// it, the caller (its session ARN, which resource policies match), and the call's
/// context plus the need's own request key (`iam:PassedToService`).
pub fn request_of(call: &CallKey, need: usize) -> Request {
    let n = &call.needs[need];
    let mut req = Request::new(n.action.to_string(), request_form(&n.resource));
    if let Some(p) = call.caller.arn.as_deref().or(Some(call.caller.id.as_str())) {
        req = req.by(p);
    }
    for (k, vs) in &call.context {
        req.context.insert((*k).to_string(), vs.clone());
    }
    if let Some(c) = &n.condition {
        req = req.with(c.key, c.value.clone());
    }
    req
}

/// Replays every call of `calls` against `set`. With `resource_stand_in` (no
/// resource-based policy given), a cross-account request is evaluated with
/// [`RESOURCE_STAND_IN`] as its resource's policy.
pub fn replay(calls: &CallSet, set: &PolicySet<'_>, resource_stand_in: bool) -> Replay {
    let stand_in = Document::from_text_as(
        RESOURCE_STAND_IN,
        crate::iam::policy::DocumentKind::Resource,
    )
    .expect("the resource stand-in parses");
    let crossing = set
        .clone()
        .with(PolicyKind::Resource, RESOURCE_STAND_IN_NAME, &stand_in);
    // AWS Organizations, "Service control policies (SCPs)": "SCPs do not affect
    // service-linked roles" (their path is /aws-service-role/).
    let mut unguarded = PolicySet::new();
    for p in set.policies().iter().filter(|p| p.kind != PolicyKind::Scp) {
        unguarded = unguarded.with(p.kind, p.name.clone(), p.document);
    }
    let unguarded_crossing =
        unguarded
            .clone()
            .with(PolicyKind::Resource, RESOURCE_STAND_IN_NAME, &stand_in);
    let mut out = Replay::default();
    // Keyed by the decision's name (ExplicitDeny sorts before ImplicitDeny).
    let mut groups: BTreeMap<GroupKey, (Evidence, BTreeSet<String>)> = BTreeMap::new();
    let mut broken: BTreeMap<(String, String), (Evidence, BTreeSet<String>)> = BTreeMap::new();
    let mut why_cache: BTreeMap<Request2, Why> = BTreeMap::new();
    for (call, usage) in calls.sorted() {
        out.evaluated += usage.count;
        let mut denied = false;
        for i in 0..call.needs.len() {
            out.requests += usage.count;
            let req = request_of(call, i);
            let linked = call.caller.id.contains(":role/aws-service-role/");
            let cross = resource_stand_in && req.is_cross_account();
            let set = match (linked, cross) {
                (false, false) => set,
                (false, true) => &crossing,
                (true, false) => &unguarded,
                (true, true) => &unguarded_crossing,
            };
            let e = set.evaluate(&req);
            if e.decision == Decision::Allowed {
                continue;
            }
            denied = true;
            let why = match e.decision {
                Decision::ExplicitDeny => {
                    Why::Statements(e.deciding.iter().map(Statement::from).collect())
                }
                _ => why_cache
                    .entry(Request2::of(&req))
                    .or_insert_with(|| Why::NoAllow(missing_allows(set, &req)))
                    .clone(),
            };
            let g = groups
                .entry((req.action, req.resource, e.decision.name(), why))
                .or_default();
            g.0.add(usage);
            g.1.insert(call.caller.id.clone());
            let b = broken
                .entry((
                    call.caller.account.clone().unwrap_or_default(),
                    call.caller.id.clone(),
                ))
                .or_default();
            b.1.insert(call.needs[i].action.to_string());
        }
        if denied {
            out.denied_calls += usage.count;
            let b = broken
                .get_mut(&(
                    call.caller.account.clone().unwrap_or_default(),
                    call.caller.id.clone(),
                ))
                .expect("noted above");
            b.0.add(usage);
        } else {
            out.allowed += usage.count;
        }
    }
    out.denied = groups
        .into_iter()
        .map(
            |((action, resource, decision, why), (evidence, principals))| DeniedGroup {
                action,
                resource,
                decision: if decision == "ExplicitDeny" {
                    Decision::ExplicitDeny
                } else {
                    Decision::ImplicitDeny
                },
                why,
                evidence,
                principals,
            },
        )
        .collect();
    out.broken = broken
        .into_iter()
        .map(|((account, principal), (evidence, actions))| Broken {
            account,
            principal,
            evidence,
            actions,
        })
        .collect();
    out
}

/// Denied requests group by action, resource, decision name and reason.
type GroupKey = (String, String, &'static str, Why);

/// A request's identity for caching why it is implicitly denied.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Request2 {
    principal: Option<String>,
    action: String,
    resource: String,
    context: BTreeMap<String, Vec<String>>,
}

impl Request2 {
    fn of(r: &Request) -> Request2 {
        Request2 {
            principal: r.principal.clone(),
            action: r.action.clone(),
            resource: r.resource.clone(),
            context: r.context.clone(),
        }
    }
}

/// For an implicit deny: which policies that must allow the request allow nothing —
/// the identity policies (with the resource policy), the permissions boundary, the
/// session policy, the VPC endpoint policy, each SCP level. Each is evaluated on its own
/// as if it were the only identity policy.
pub fn missing_allows(set: &PolicySet<'_>, req: &Request) -> Vec<String> {
    let policies = set.policies();
    // Each part is judged on its own side of the account line: as if the resource
    // were the caller's (a cross-account call's resource policy is judged apart).
    let mut own = req.clone();
    if let Some(acct) = req
        .context
        .get("aws:PrincipalAccount")
        .and_then(|v| v.first())
    {
        own.context
            .insert("aws:ResourceAccount".into(), vec![acct.clone()]);
    }
    let allows_alone = |pick: &dyn Fn(PolicyKind, usize) -> bool| {
        let mut sub = PolicySet::new();
        for p in policies.iter().filter(|p| pick(p.kind, p.level)) {
            sub = sub.with(PolicyKind::Identity, p.name.clone(), p.document);
        }
        sub.evaluate(&own).decision == Decision::Allowed
    };
    let mut missing = Vec::new();
    let has = |k: PolicyKind| policies.iter().any(|p| p.kind == k);
    if has(PolicyKind::Identity) || has(PolicyKind::Resource) {
        let identity = allows_alone(&|k, _| k == PolicyKind::Identity);
        let resource = has(PolicyKind::Resource) && {
            // A resource policy allows on its own only when it names the caller: let
            // the evaluator judge it with the resource policy alone.
            let mut sub = PolicySet::new();
            for p in policies.iter().filter(|p| p.kind == PolicyKind::Resource) {
                sub = sub.with(PolicyKind::Resource, p.name.clone(), p.document);
            }
            sub.evaluate(req).decision == Decision::Allowed
        };
        if !identity && !resource {
            missing.push(if has(PolicyKind::Resource) {
                "identity policy or resource-based policy".to_string()
            } else {
                PolicyKind::Identity.name().to_string()
            });
        }
    }
    for kind in [
        PolicyKind::Boundary,
        PolicyKind::Session,
        PolicyKind::Endpoint,
    ] {
        if has(kind) && !allows_alone(&|k, _| k == kind) {
            missing.push(kind.name().to_string());
        }
    }
    for l in 0..set.scp_levels() {
        if !allows_alone(&|k, level| k == PolicyKind::Scp && level == l) {
            missing.push(format!("{} level {}", PolicyKind::Scp.name(), l + 1));
        }
    }
    if missing.is_empty() && req.is_cross_account() {
        missing.push("the resource's own policy (a cross-account call: it must allow too)".into());
    }
    if missing.is_empty() {
        // Each allows alone, yet not together (a cross-account call the resource
        // policy does not grant, a role's grant capped by its boundary).
        missing.push("the policies together".to_string());
    }
    missing
}
