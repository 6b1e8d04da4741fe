//! Access Analyzer's three custom policy checks, decided exactly from the policy
//! structure instead of by probing a few requests:
//!
//! - [`no_new_access`]: does an updated policy allow any request the existing one does
//!   not?
//! - [`access_not_granted`]: does a policy grant any of these actions (on any of these
//!   resources)?
//! - [`no_public_access`]: does a resource policy grant access to anyone, not bounded by
//!   a condition an outsider cannot satisfy ([`crate::iam::bounds`])?
//!
//! How: actions are a finite set ([`actions::Universe`]: the catalog plus the unknown
//! actions the policies name), so `NotAction` and wildcards compare as sets; resources
//! are wildcard patterns compared by an exact automaton construction ([`containment`]);
//! conditions by proved implication ([`conditions`]), and where implication cannot be
//! proved the check fails with "cannot prove" — never a false pass. Every witness
//! request shown is one the evaluator (`iam::eval`) confirms.
//!
//! The results have Access Analyzer's response shape (`result`, `message`, `reasons`
//! with `description`, `statementIndex`, `statementId`), AWS "IAM Access Analyzer API
//! Reference: CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess, ReasonSummary".

pub mod access_not_granted;
pub mod actions;
pub mod conditions;
pub mod containment;
pub mod no_new_access;
pub mod no_public_access;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::iam::eval::{PolicyKind, Request, statement_applies};
use crate::iam::policy::{Document, Effect, Principal, PrincipalKind, Statement};
use actions::{ActionSet, Universe};
use containment::{Pattern, PatternSet, Word};

pub use access_not_granted::access_not_granted;
pub use no_new_access::no_new_access;
pub use no_public_access::{ResourceType, no_public_access};

/// `PASS` or `FAIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// The check holds.
    #[serde(rename = "PASS")]
    Pass,
    /// It does not, or it could not be proved to.
    #[serde(rename = "FAIL")]
    Fail,
}

/// A request that shows a failure, confirmed by the evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// `prefix:Action`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// The caller (resource policies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Condition keys the request carries.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<String, Vec<String>>,
}

impl Witness {
    /// The request it stands for.
    pub fn request(&self) -> Request {
        let mut r = Request::new(&self.action, &self.resource);
        r.principal = self.principal.clone();
        r.context = self.context.clone();
        r
    }
}

/// Why a check failed, for one statement (Access Analyzer's `ReasonSummary`, plus where
/// the statement is and what shows it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// What is wrong.
    pub description: String,
    /// The statement's index in its document.
    pub statement_index: usize,
    /// Its `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// The file (and document) it is in.
    pub document: String,
    /// Its JSON path (`Statement[2]`, `[1].Statement[0]`).
    pub path: String,
    /// The actions concerned (sorted; the first ones when there are many).
    pub actions: Vec<String>,
    /// How many actions are concerned.
    pub action_count: usize,
    /// A request that shows it, when one was confirmed with the evaluator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
}

/// A check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// `PASS` or `FAIL`.
    pub result: Verdict,
    /// One line saying what the result means.
    pub message: String,
    /// One per offending statement.
    pub reasons: Vec<Reason>,
}

impl Outcome {
    fn new(reasons: Vec<Reason>, pass: &str, fail: &str) -> Outcome {
        let (result, message) = if reasons.is_empty() {
            (Verdict::Pass, pass)
        } else {
            (Verdict::Fail, fail)
        };
        Outcome {
            result,
            message: message.to_string(),
            reasons,
        }
    }
}

/// Whether the documents are identity or resource-based policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// Identity policies (no `Principal`).
    Identity,
    /// Resource-based policies (with `Principal`; `Resource` may be left out).
    Resource,
}

impl PolicyType {
    fn kind(self) -> PolicyKind {
        match self {
            PolicyType::Identity => PolicyKind::Identity,
            PolicyType::Resource => PolicyKind::Resource,
        }
    }
}

/// A policy file: its name in results and its documents.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The name (a path).
    pub name: String,
    /// The documents it holds.
    pub documents: Vec<Document>,
}

/// The most actions a reason lists.
const SHOWN_ACTIONS: usize = 10;

/// One statement of a policy file, with its action and resource sets.
struct Stmt<'a> {
    file: &'a PolicyFile,
    doc: usize,
    index: usize,
    st: &'a Statement,
    actions: ActionSet,
    resources: PatternSet,
}

impl Stmt<'_> {
    fn document(&self) -> &Document {
        &self.file.documents[self.doc]
    }

    fn path(&self) -> String {
        if self.file.documents.len() > 1 {
            format!("[{}].Statement[{}]", self.doc, self.index)
        } else {
            format!("Statement[{}]", self.index)
        }
    }

    fn reason(&self, description: String, actions: &[String], witness: Option<Witness>) -> Reason {
        Reason {
            description,
            statement_index: self.index,
            statement_id: self.st.sid.clone(),
            document: self.file.name.clone(),
            path: self.path(),
            actions: actions.iter().take(SHOWN_ACTIONS).cloned().collect(),
            action_count: actions.len(),
            witness,
        }
    }

    fn is_allow(&self) -> bool {
        self.st.effect == Effect::Allow
    }
}

/// Every statement of `files`, with its sets over `u`.
fn statements<'a>(u: &Universe, files: &'a [PolicyFile]) -> Vec<Stmt<'a>> {
    let mut out = Vec::new();
    for file in files {
        for (doc, d) in file.documents.iter().enumerate() {
            for (index, st) in d.statements.iter().enumerate() {
                out.push(Stmt {
                    file,
                    doc,
                    index,
                    st,
                    actions: u.of(st),
                    resources: resources_of(st, d),
                });
            }
        }
    }
    out
}

/// The resources a statement covers: its `Resource` patterns, everything but its
/// `NotResource` ones, or every resource when it names none (a resource policy's
/// statement applies to the resource it is attached to, whatever its ARN).
fn resources_of(st: &Statement, d: &Document) -> PatternSet {
    let vars = d.version != "2008-10-17";
    let parse = |l: &[String]| l.iter().map(|r| Pattern::parse(r, vars)).collect();
    match (&st.resource, &st.not_resource) {
        (Some(r), _) => PatternSet {
            patterns: parse(&r.0),
            negated: false,
        },
        (None, Some(nr)) => PatternSet {
            patterns: parse(&nr.0),
            negated: true,
        },
        (None, None) => PatternSet::all(),
    }
}

/// What the policies of one side say about `req` on their own: some Allow applies and
/// no Deny does (the evaluator's statement matching, `iam::eval::statement_applies`).
fn allows(stmts: &[Stmt<'_>], kind: PolicyKind, req: &Request) -> bool {
    let applies = |s: &Stmt<'_>| statement_applies(s.document(), s.index, kind, req);
    stmts.iter().any(|s| s.is_allow() && applies(s))
        && !stmts.iter().any(|s| !s.is_allow() && applies(s))
}

/// An account no example policy names, for callers from outside.
const OUTSIDER: &str = "arn:aws:iam::999988887777:user/iamtrail-outsider";

/// Callers a resource policy statement names, for witnesses: each named principal (an
/// account by a user in it), and an outsider for `*` and `NotPrincipal`.
fn principal_candidates(st: &Statement) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Principal::Named(m)) = &st.principal {
        for (kind, values) in m {
            for v in &values.0 {
                let c = match kind {
                    PrincipalKind::Aws if v == "*" => OUTSIDER.to_string(),
                    PrincipalKind::Aws
                        if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        format!("arn:aws:iam::{v}:user/iamtrail-witness")
                    }
                    PrincipalKind::Aws if v.ends_with(":root") => {
                        let acct = v.split(':').nth(4).unwrap_or_default();
                        format!("arn:aws:iam::{acct}:user/iamtrail-witness")
                    }
                    _ => crate::iam::pattern::literal_of(v),
                };
                out.push(c);
            }
        }
    }
    out.push(OUTSIDER.to_string());
    out.sort();
    out.dedup();
    out
}

/// The account a principal value names on its own (`111122223333`, `…:root`).
fn account_principal(v: &str) -> Option<&str> {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v);
    }
    v.strip_suffix(":root")
        .filter(|_| v.contains(":iam::"))
        .and_then(|x| x.split(':').nth(4))
}

/// Whether statement `o`'s principals include every principal `s`'s name: `*` includes
/// all, an account every principal of the account, otherwise the same value. A
/// `NotPrincipal` is only proved to include another when both are the same.
fn principal_covers(o: &Statement, s: &Statement) -> bool {
    let covers_value = |kind: PrincipalKind, ov: &str, v: &str| {
        (kind == PrincipalKind::Aws && ov == "*")
            || ov == v
            || (kind == PrincipalKind::Aws
                && account_principal(ov).is_some_and(|a| {
                    account_principal(v) == Some(a) || v.split(':').nth(4) == Some(a)
                }))
    };
    match (
        &o.principal,
        &o.not_principal,
        &s.principal,
        &s.not_principal,
    ) {
        (Some(Principal::Any), ..) => true,
        (Some(Principal::Named(om)), _, Some(Principal::Named(sm)), _) => {
            if om
                .get(&PrincipalKind::Aws)
                .is_some_and(|v| v.0.iter().any(|x| x == "*"))
            {
                return true;
            }
            sm.iter().all(|(k, vs)| {
                vs.0.iter().all(|v| {
                    om.get(k)
                        .is_some_and(|ovs| ovs.0.iter().any(|ov| covers_value(*k, ov, v)))
                })
            })
        }
        (None, Some(onp), None, Some(snp)) => onp == snp,
        _ => false,
    }
}

/// Whether a statement names everyone (`"*"`, `{"AWS": "*"}`, or is a `NotPrincipal`).
fn names_everyone(st: &Statement) -> bool {
    match (&st.principal, &st.not_principal) {
        (Some(Principal::Any), _) => true,
        (Some(Principal::Named(m)), _) => m
            .get(&PrincipalKind::Aws)
            .is_some_and(|v| v.0.iter().any(|x| x == "*")),
        (None, Some(_)) => true,
        (None, None) => false,
    }
}

/// The value a witness gives a policy variable.
const VAR_VALUE: &str = "iamtrail-witness";

/// Requests to try as witnesses for `action` on a resource `word`: each caller, with the
/// context that satisfies `st`'s conditions and with none; the variables the resource
/// uses get [`VAR_VALUE`] in the context.
fn candidates(
    action: &str,
    word: &Word,
    st: &Statement,
    principals: &[Option<String>],
) -> Vec<Witness> {
    let resource = match word.render(|_| VAR_VALUE.to_string()) {
        // `*` matches the empty string too; a request names `*` instead.
        r if r.is_empty() => "*".to_string(),
        r => r,
    };
    let mut vars: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in word.vars() {
        vars.insert(v.to_string(), vec![VAR_VALUE.to_string()]);
    }
    let mut out = Vec::new();
    for ctx in [
        conditions::satisfying_context(st.condition.as_ref()),
        BTreeMap::new(),
    ] {
        for p in principals {
            let mut context = ctx.clone();
            context.extend(vars.clone());
            out.push(Witness {
                action: action.to_string(),
                resource: resource.clone(),
                principal: p.clone(),
                context,
            });
        }
    }
    out
}
