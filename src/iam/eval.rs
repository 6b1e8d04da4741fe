//! One evaluator: is this request allowed by this set of policies, and which statements
//! decided it?
//!
//! Today's policy set holds identity policies, evaluated as IAM does: an explicit `Deny`
//! wins; otherwise any matching `Allow`; otherwise an implicit deny. Action names match
//! case-insensitively with `*`/`?` wildcards; resources match case-sensitively with
//! wildcards and the `${*}`, `${?}`, `${$}` escapes. Conditions: every operator family
//! IAM has (String, Numeric, Date, Bool, Binary, IpAddress, Arn, Null), with `IfExists`
//! and the `ForAnyValue:` / `ForAllValues:` set qualifiers. Operators are typed when the
//! policy is read, so an unknown one is a parse error, never a statement that silently
//! does not apply. [`PolicySet`] and [`PolicyKind`] leave room for permissions
//! boundaries, SCPs and resource policies.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::iam::arn;
use crate::iam::pattern::wildcard_match;
use crate::iam::policy::{
    Document, Effect, Family, Operator, OperatorBase, SetQualifier, Statement, values,
};

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

/// A request to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The principal's ARN, when known: the value of `aws:PrincipalArn` unless the
    /// context gives one (and, later, what resource policies' `Principal` matches).
    pub principal: Option<String>,
    /// `prefix:Action`.
    pub action: String,
    /// Resource ARN (or `*`).
    pub resource: String,
    /// Condition keys (matched case-insensitively) → values.
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
}

/// What kind of policy a document is, which fixes its part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PolicyKind {
    /// Attached to (or inline in) the principal.
    Identity,
}

/// A named policy document.
#[derive(Debug, Clone)]
pub struct Named<'p> {
    /// Its name in findings (a file, `document 2 of 3`, a policy name).
    pub name: Cow<'p, str>,
    /// Its kind.
    pub kind: PolicyKind,
    /// The document.
    pub document: &'p Document,
}

/// The policies that bear on a request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'p> {
    policies: Vec<Named<'p>>,
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
    pub fn with_identity(mut self, name: impl Into<Cow<'p, str>>, document: &'p Document) -> Self {
        self.policies.push(Named {
            name: name.into(),
            kind: PolicyKind::Identity,
            document,
        });
        self
    }

    /// The policies, in the order they were added.
    pub fn policies(&self) -> &[Named<'p>] {
        &self.policies
    }

    /// Evaluates `req` against the set.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let (mut allows, mut denies) = (Vec::new(), Vec::new());
        for p in &self.policies {
            for (i, st) in p.document.statements.iter().enumerate() {
                if applies(st, req) {
                    let d = Deciding {
                        document: p.name.to_string(),
                        kind: p.kind,
                        statement: i,
                        sid: st.sid.clone(),
                        path: format!("Statement[{i}]"),
                    };
                    match st.effect {
                        Effect::Deny => denies.push(d),
                        Effect::Allow => allows.push(d),
                    }
                }
            }
        }
        let (decision, deciding) = if !denies.is_empty() {
            (Decision::ExplicitDeny, denies)
        } else if !allows.is_empty() {
            (Decision::Allowed, allows)
        } else {
            (Decision::ImplicitDeny, Vec::new())
        };
        Evaluation { decision, deciding }
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

fn any_match(list: &[String], value: &str, ignore_case: bool) -> bool {
    list.iter().any(|p| wildcard_match(p, value, ignore_case))
}

fn applies(st: &Statement, req: &Request) -> bool {
    let action_ok = match (&st.action, &st.not_action) {
        (Some(a), _) => any_match(&a.0, &req.action, true),
        (None, Some(na)) => !any_match(&na.0, &req.action, true),
        (None, None) => false,
    };
    let resource_ok = match (&st.resource, &st.not_resource) {
        (Some(r), _) => any_match(&r.0, &req.resource, false),
        (None, Some(nr)) => !any_match(&nr.0, &req.resource, false),
        (None, None) => false,
    };
    action_ok
        && resource_ok
        && st.condition.as_ref().is_none_or(|block| {
            block.iter().all(|(op, keys)| {
                keys.iter()
                    .all(|(key, wanted)| condition_holds(*op, req.values(key), &wanted.0))
            })
        })
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
