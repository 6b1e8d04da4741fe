//! One evaluator: is this request allowed by this set of policies, and which statements
//! decided it?
//!
//! IAM's policy evaluation logic (AWS: "Policy evaluation logic"): an explicit `Deny` in
//! any policy wins; then every guardrail must allow (each SCP level of the organization,
//! root first; the VPC endpoint policies; RCPs are always allowed by the `RCPFullAccess`
//! AWS attaches at every level, so only their denies count); then the identity side
//! (identity policies, within the permissions boundary and the session policy) and the
//! resource-based policy decide: in the same account either allows, across accounts both
//! must. In the same account a resource policy that names the caller itself (a user or
//! a session ARN, or everyone) allows past an implicit deny of the boundary; one that
//! names a role is limited by it, and one that names the account delegates to the
//! identity policies.
//!
//! Actions match case-insensitively with `*`/`?` wildcards; resources case-sensitively
//! with wildcards, the `${*}`, `${?}`, `${$}` escapes and policy variables
//! (`${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}`). Conditions: every
//! operator family IAM has (String, Numeric, Date, Bool, Binary, IpAddress, Arn, Null),
//! with `IfExists` and the `ForAnyValue:` / `ForAllValues:` set qualifiers. Operators are
//! typed when the policy is read, so an unknown one is a parse error, never a statement
//! that silently does not apply.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::iam::arn;
use crate::iam::pattern::wildcard_match;
use crate::iam::policy::{
    Document, Effect, Family, Operator, OperatorBase, SetQualifier, Statement, values,
};

mod principal;
mod vars;

use principal::Named as PrincipalNamed;

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Decision {
    /// Some statement allows and none denies.
    Allowed,
    /// No statement allows.
    ImplicitDeny,
    /// A statement denies.
    ExplicitDeny,
}

impl Decision {
    /// `Allowed`, `ImplicitDeny` or `ExplicitDeny`.
    pub fn name(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ImplicitDeny => "ImplicitDeny",
            Decision::ExplicitDeny => "ExplicitDeny",
        }
    }
}

/// A request to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The principal's ARN (or a service principal's name), when known: what resource
    /// policies' `Principal` matches, the value of `aws:PrincipalArn` unless the context
    /// gives one, and the source of `aws:PrincipalAccount` and `aws:username`.
    pub principal: Option<String>,
    /// `prefix:Action`.
    pub action: String,
    /// Resource ARN (or `*`).
    pub resource: String,
    /// Condition keys (matched case-insensitively) → values. `aws:ResourceAccount`
    /// also says which account owns the resource (S3 ARNs name none); without it, the
    /// resource ARN's account, else the principal's.
    pub context: BTreeMap<String, Vec<String>>,
}

impl Request {
    /// A request for `action` on `resource`, no principal, no context.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            ..Request::default()
        }
    }

    /// Adds a context value for `key`.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Request {
        self.context
            .entry(key.into())
            .or_default()
            .push(value.into());
        self
    }

    /// The request for a resource owned by `account` (sets `aws:ResourceAccount`).
    pub fn owned_by(self, account: impl Into<String>) -> Request {
        self.with("aws:ResourceAccount", account)
    }

    /// The request made by `principal`.
    pub fn by(mut self, principal: impl Into<String>) -> Request {
        self.principal = Some(principal.into());
        self
    }

    /// The request's values of a condition key; `aws:PrincipalArn` defaults to the
    /// principal.
    fn values(&self, key: &str) -> Option<&[String]> {
        self.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_slice())
            .or_else(|| {
                self.principal
                    .as_ref()
                    .filter(|_| key.eq_ignore_ascii_case("aws:PrincipalArn"))
                    .map(std::slice::from_ref)
            })
            .filter(|v| !v.is_empty())
    }

    /// The caller's account (from its ARN).
    fn principal_account(&self) -> Option<&str> {
        self.principal.as_deref().and_then(principal::account_of)
    }

    /// The account that owns the resource: as given, else the ARN's, else the caller's.
    fn owner(&self) -> Option<&str> {
        self.values("aws:ResourceAccount")
            .and_then(|v| v.first())
            .map(String::as_str)
            .or_else(|| principal::account_of(&self.resource))
            .or_else(|| self.principal_account())
    }

    /// Whether the caller and the resource are in different accounts (both known).
    pub fn is_cross_account(&self) -> bool {
        matches!((self.principal_account(), self.owner()), (Some(a), Some(b)) if a != b)
    }

    /// The request with the keys IAM derives from the principal (`aws:PrincipalAccount`,
    /// `aws:username` for IAM users) added where the context does not give them.
    fn derived(&self) -> Cow<'_, Request> {
        let Some(p) = self.principal.as_deref() else {
            return Cow::Borrowed(self);
        };
        let mut extra: Vec<(&str, String)> = Vec::new();
        if let Some(a) = principal::account_of(p) {
            extra.push(("aws:PrincipalAccount", a.to_string()));
        }
        if let Some(user) = p
            .split_once(":user/")
            .filter(|(h, _)| h.contains(":iam:"))
            .and_then(|(_, u)| u.rsplit('/').next())
        {
            extra.push(("aws:username", user.to_string()));
        }
        extra.retain(|(k, _)| self.values(k).is_none());
        if extra.is_empty() {
            return Cow::Borrowed(self);
        }
        let mut r = self.clone();
        for (k, v) in extra {
            r.context.insert(k.to_string(), vec![v]);
        }
        Cow::Owned(r)
    }
}

/// What kind of policy a document is, which fixes its part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PolicyKind {
    /// Attached to (or inline in) the principal.
    Identity,
    /// The resource's own policy (bucket policy, key policy, …): its `Principal` /
    /// `NotPrincipal` must name the caller.
    Resource,
    /// A permissions boundary: caps what identity policies grant.
    Boundary,
    /// A session policy: caps what the session's identity grants.
    Session,
    /// A service control policy, at one level of the organization.
    Scp,
    /// A resource control policy, at one level of the organization.
    Rcp,
    /// A VPC endpoint policy: the request went through the endpoint.
    Endpoint,
}

impl PolicyKind {
    /// IAM's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity policy",
            PolicyKind::Resource => "resource-based policy",
            PolicyKind::Boundary => "permissions boundary",
            PolicyKind::Session => "session policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::Endpoint => "VPC endpoint policy",
        }
    }
}

/// A named policy document.
#[derive(Debug, Clone)]
pub struct Named<'p> {
    /// Its name in findings (a file, `document 2 of 3`, a policy name).
    pub name: Cow<'p, str>,
    /// Its kind.
    pub kind: PolicyKind,
    /// Its organization level for SCPs and RCPs (0 = root); 0 otherwise.
    pub level: usize,
    /// The document.
    pub document: &'p Document,
}

/// The policies that bear on a request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'p> {
    policies: Vec<Named<'p>>,
    scp_levels: usize,
    rcp_levels: usize,
}

impl<'p> PolicySet<'p> {
    /// An empty set (denies everything).
    pub fn new() -> Self {
        PolicySet::default()
    }

    /// Identity policies, named `policy 1`, `policy 2`, …
    pub fn identity(documents: &'p [Document]) -> Self {
        let mut set = PolicySet::new();
        for (i, d) in documents.iter().enumerate() {
            set = set.with_identity(format!("policy {}", i + 1), d);
        }
        set
    }

    /// Adds an identity policy named `name`.
    pub fn with_identity(self, name: impl Into<Cow<'p, str>>, document: &'p Document) -> Self {
        self.with(PolicyKind::Identity, name, document)
    }

    /// Adds a document of `kind` named `name`. For SCPs and RCPs it is attached at the
    /// last level opened ([`PolicySet::with_scp_level`]), or opens the first one.
    pub fn with(
        mut self,
        kind: PolicyKind,
        name: impl Into<Cow<'p, str>>,
        document: &'p Document,
    ) -> Self {
        let levels = match kind {
            PolicyKind::Scp => Some(&mut self.scp_levels),
            PolicyKind::Rcp => Some(&mut self.rcp_levels),
            _ => None,
        };
        let level = match levels {
            Some(n) => {
                *n = (*n).max(1);
                *n - 1
            }
            None => 0,
        };
        self.policies.push(Named {
            name: name.into(),
            kind,
            level,
            document,
        });
        self
    }

    /// Opens the next SCP level (root first) with these documents attached; a level with
    /// none attached denies everything.
    pub fn with_scp_level<N: Into<Cow<'p, str>>>(
        mut self,
        documents: impl IntoIterator<Item = (N, &'p Document)>,
    ) -> Self {
        self.scp_levels += 1;
        for (name, d) in documents {
            self = self.with(PolicyKind::Scp, name, d);
        }
        self
    }

    /// Opens the next RCP level (root first) with these documents attached (besides the
    /// `RCPFullAccess` AWS attaches everywhere, which this evaluator assumes).
    pub fn with_rcp_level<N: Into<Cow<'p, str>>>(
        mut self,
        documents: impl IntoIterator<Item = (N, &'p Document)>,
    ) -> Self {
        self.rcp_levels += 1;
        for (name, d) in documents {
            self = self.with(PolicyKind::Rcp, name, d);
        }
        self
    }

    /// How many SCP levels the set has (a level may have no document attached).
    pub fn scp_levels(&self) -> usize {
        self.scp_levels
    }

    /// The policies, in the order they were added.
    pub fn policies(&self) -> &[Named<'p>] {
        &self.policies
    }

    /// Evaluates `req` against the set.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let req = req.derived();
        let req = req.as_ref();
        let has_boundary = self.policies.iter().any(|p| p.kind == PolicyKind::Boundary);
        let mut denies = Vec::new();
        let mut allows: Vec<(Deciding, Option<PrincipalNamed>, usize)> = Vec::new();
        for p in &self.policies {
            for (i, st) in p.document.statements.iter().enumerate() {
                let Some(named) = applies(st, p, req, has_boundary) else {
                    continue;
                };
                let d = Deciding {
                    document: p.name.to_string(),
                    kind: p.kind,
                    statement: i,
                    sid: st.sid.clone(),
                    path: format!("Statement[{i}]"),
                };
                match st.effect {
                    Effect::Deny => denies.push(d),
                    Effect::Allow => allows.push((d, named, p.level)),
                }
            }
        }
        if !denies.is_empty() {
            return Evaluation {
                decision: Decision::ExplicitDeny,
                deciding: denies,
            };
        }
        let has = |k: PolicyKind| self.policies.iter().any(|p| p.kind == k);
        let allowed_by = |k: PolicyKind| allows.iter().any(|(d, ..)| d.kind == k);
        let implicit = Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
        };
        // Guardrails: every SCP level, and the endpoint policies, must allow.
        let scp_ok = (0..self.scp_levels).all(|l| {
            allows
                .iter()
                .any(|(d, _, level)| d.kind == PolicyKind::Scp && *level == l)
        });
        if !scp_ok || (has(PolicyKind::Endpoint) && !allowed_by(PolicyKind::Endpoint)) {
            return implicit;
        }
        let boundary_ok = !has(PolicyKind::Boundary) || allowed_by(PolicyKind::Boundary);
        let session_ok = !has(PolicyKind::Session) || allowed_by(PolicyKind::Session);
        let identity = allowed_by(PolicyKind::Identity) && boundary_ok && session_ok;
        let named = allows
            .iter()
            .filter(|(d, ..)| d.kind == PolicyKind::Resource)
            .filter_map(|(_, n, _)| *n)
            .max();
        let allowed = if req.is_cross_account() {
            // Both sides: the identity side in its account, the resource policy naming
            // the caller, its role or its account in the other.
            identity && named.is_some()
        } else {
            identity
                || match named {
                    // The account delegates to its identity policies.
                    None | Some(PrincipalNamed::Account) => false,
                    // A role's grant is capped by the role's boundary and session.
                    Some(PrincipalNamed::Role) => boundary_ok && session_ok,
                    // The caller itself: past an implicit deny of the boundary, within
                    // the session policy.
                    Some(PrincipalNamed::Caller | PrincipalNamed::Anyone) => session_ok,
                }
        };
        if !allowed {
            return implicit;
        }
        Evaluation {
            decision: Decision::Allowed,
            deciding: allows.into_iter().map(|(d, ..)| d).collect(),
        }
    }
}

/// A statement that decided an evaluation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deciding {
    /// The document's name in the set.
    pub document: String,
    /// The document's kind.
    pub kind: PolicyKind,
    /// The statement's index in the document.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// Its element path (`Statement[2]`).
    pub path: String,
}

/// The decision and the statements that made it: for `ExplicitDeny` the denying
/// statements, for `Allowed` the allowing ones, for `ImplicitDeny` none.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// The statements that made it.
    pub deciding: Vec<Deciding>,
}

/// Evaluates `req` against `set` ([`PolicySet::evaluate`]).
pub fn evaluate(set: &PolicySet<'_>, req: &Request) -> Evaluation {
    set.evaluate(req)
}

/// Whether statement `index` of `document`, read as a policy of `kind`, applies to `req`
/// (its principal, action, resource and conditions all match), whatever its effect and
/// whatever the other policies say: what a check of one policy on its own asks. `false`
/// for an index out of range.
pub fn statement_applies(
    document: &Document,
    index: usize,
    kind: PolicyKind,
    req: &Request,
) -> bool {
    let Some(st) = document.statements.get(index) else {
        return false;
    };
    let p = Named {
        name: Cow::Borrowed(""),
        kind,
        level: 0,
        document,
    };
    let req = req.derived();
    applies(st, &p, req.as_ref(), false).is_some()
}

fn any_match(list: &[String], value: &str, ignore_case: bool) -> bool {
    list.iter().any(|p| wildcard_match(p, value, ignore_case))
}

/// Whether a policy version reads `${…}` as variables (2012-10-17 does; 2008-10-17
/// reads them literally).
fn has_variables(doc: &Document) -> bool {
    doc.version != "2008-10-17"
}

/// Resource patterns with their variables replaced; a pattern whose variable has no
/// value matches nothing.
fn resource_match(list: &[String], req: &Request, vars: bool) -> bool {
    list.iter().any(|p| {
        let p = if vars {
            vars::substitute(p, req, true)
        } else {
            Some(Cow::Borrowed(p.as_str()))
        };
        p.is_some_and(|p| wildcard_match(&p, &req.resource, false))
    })
}

/// Whether `st` of policy `p` applies to `req`: `None` when not; for a resource policy,
/// how its `Principal` named the caller. `has_boundary`: the caller has a permissions
/// boundary, which a `NotPrincipal` + `Deny` statement always denies (AWS, "Permissions
/// boundaries for IAM entities": "regardless of the values specified in the
/// NotPrincipal element").
fn applies(
    st: &Statement,
    p: &Named<'_>,
    req: &Request,
    has_boundary: bool,
) -> Option<Option<PrincipalNamed>> {
    let vars = has_variables(p.document);
    let named = if p.kind == PolicyKind::Resource {
        let caller = req.principal.as_deref();
        match (&st.principal, &st.not_principal) {
            (Some(pr), _) => Some(principal::names(pr, caller)?),
            (None, Some(np)) => match principal::names(np, caller) {
                Some(_) if !(has_boundary && st.effect == Effect::Deny) => return None,
                Some(_) => Some(PrincipalNamed::Caller),
                None => Some(PrincipalNamed::Caller),
            },
            // A resource policy statement without a principal names no one.
            (None, None) => return None,
        }
    } else {
        None
    };
    let action_ok = match (&st.action, &st.not_action) {
        (Some(a), _) => any_match(&a.0, &req.action, true),
        (None, Some(na)) => !any_match(&na.0, &req.action, true),
        (None, None) => false,
    };
    let resource_ok = match (&st.resource, &st.not_resource) {
        (Some(r), _) => resource_match(&r.0, req, vars),
        (None, Some(nr)) => !resource_match(&nr.0, req, vars),
        // Only resource and trust policies may leave it out: the resource they are on.
        (None, None) => true,
    };
    let holds = action_ok
        && resource_ok
        && st.condition.as_ref().is_none_or(|block| {
            block.iter().all(|(op, keys)| {
                keys.iter().all(|(key, wanted)| {
                    let wanted = if vars {
                        substituted(*op, &wanted.0, req)
                    } else {
                        Cow::Borrowed(wanted.0.as_slice())
                    };
                    condition_holds(*op, req.values(key), &wanted)
                })
            })
        });
    holds.then_some(named)
}

/// Condition values with their variables replaced (values whose variable has no value
/// are dropped: they match nothing).
fn substituted<'w>(op: Operator, wanted: &'w [String], req: &Request) -> Cow<'w, [String]> {
    if !wanted.iter().any(|w| w.contains("${")) {
        return Cow::Borrowed(wanted);
    }
    let keep = matches!(
        op.base,
        OperatorBase::StringLike | OperatorBase::StringNotLike
    ) || op.base.family() == Family::Arn;
    Cow::Owned(
        wanted
            .iter()
            .filter_map(|w| vars::substitute(w, req, keep).map(Cow::into_owned))
            .collect(),
    )
}

/// One condition: `op` over the request's values of a key (`None`: absent) and the
/// policy's values.
fn condition_holds(op: Operator, values: Option<&[String]>, wanted: &[String]) -> bool {
    if op.base == OperatorBase::Null {
        let absent = values.is_none();
        return wanted.iter().any(|w| values::boolean(w) == Some(absent));
    }
    let Some(values) = values else {
        // Absent key: IfExists and ForAllValues hold vacuously, ForAnyValue does not; a
        // plain negated operator holds (nothing equals the value).
        return op.if_exists
            || match op.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.base.is_negated(),
            };
    };
    let one = |v: &String| single(op.base, v, wanted);
    match op.set {
        Some(SetQualifier::ForAllValues) => values.iter().all(one),
        Some(SetQualifier::ForAnyValue) | None => values.iter().any(one),
    }
}

/// One request value against the policy's values.
fn single(base: OperatorBase, v: &str, w: &[String]) -> bool {
    use OperatorBase::*;
    let matched = match base.family() {
        Family::String => match base {
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                w.iter().any(|x| x.eq_ignore_ascii_case(v))
            }
            StringLike | StringNotLike => any_match(w, v, false),
            _ => w.iter().any(|x| x == v),
        },
        Family::Arn => w.iter().any(|x| arn::like(x, v)),
        Family::Bool => {
            values::boolean(v).is_some_and(|b| w.iter().any(|x| values::boolean(x) == Some(b)))
        }
        Family::Binary => w.iter().any(|x| x == v),
        Family::Numeric => {
            let Some(a) = values::number(v) else {
                return base.is_negated();
            };
            let cmp = |b: f64| match base {
                NumericLessThan => a < b,
                NumericLessThanEquals => a <= b,
                NumericGreaterThan => a > b,
                NumericGreaterThanEquals => a >= b,
                _ => a == b,
            };
            w.iter().filter_map(|x| values::number(x)).any(cmp)
        }
        Family::Date => {
            let Some(a) = values::date(v) else {
                return base.is_negated();
            };
            let cmp = |b: i64| match base {
                DateLessThan => a < b,
                DateLessThanEquals => a <= b,
                DateGreaterThan => a > b,
                DateGreaterThanEquals => a >= b,
                _ => a == b,
            };
            w.iter().filter_map(|x| values::date(x)).any(cmp)
        }
        Family::Ip => {
            let Ok(ip) = v.trim().parse::<std::net::IpAddr>() else {
                return base.is_negated();
            };
            w.iter()
                .filter_map(|x| values::Cidr::parse(x))
                .any(|c| c.contains(ip))
        }
        Family::Null => false,
    };
    matched != base.is_negated()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod rules;
