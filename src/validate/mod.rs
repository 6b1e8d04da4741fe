//! `iamtrail validate`: a policy linter with IAM Access Analyzer's findings
//! (`ValidatePolicy`), decided offline from the policy text and the catalog.
//!
//! Every finding carries the issue code and severity of its entry in AWS's "IAM policy
//! validation check reference" ([`checks::CHECKS`] lists every entry, with the reason
//! for the few that need AWS's own data), the JSON path of the element it is about
//! (`Statement[0].Action[2]`) and its line and column. Unlike reading a policy for the
//! evaluator, validation does not stop at the first problem: it walks the JSON tree
//! tolerantly and reports everything it finds.
//!
//! The checks live in one file per family: [`grammar`] (structure, elements, Sid,
//! principals, size), [`actions`] (services, actions, redundancy, PassRole and
//! CreateServiceLinkedRole with wildcards), [`resources`] (ARN fields and resource
//! types) and [`conditions`] (operators, keys, values, variables).

pub mod actions;
pub mod checks;
pub mod conditions;
pub mod grammar;
pub mod resources;

use std::fmt;

use crate::iam::policy::Position;
use crate::iam::policy::json::{self, Json, Spanned};

pub use checks::{CHECKS, Check, Coverage};

/// Access Analyzer's finding types, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// `ERROR`: IAM refuses the policy or the element cannot work.
    Error,
    /// `SECURITY_WARNING`: grants more than it appears to.
    SecurityWarning,
    /// `WARNING`: probably not what was meant, or against best practice.
    Warning,
    /// `SUGGESTION`: no effect on permissions; tidier written otherwise.
    Suggestion,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Error,
        Severity::SecurityWarning,
        Severity::Warning,
        Severity::Suggestion,
    ];

    /// Access Analyzer's spelling (`SECURITY_WARNING`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::SecurityWarning => "SECURITY_WARNING",
            Severity::Warning => "WARNING",
            Severity::Suggestion => "SUGGESTION",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the policy is for (Access Analyzer's `policyType`, with the role trust policy
/// told apart as its checks are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyType {
    /// Identity-based policy (also boundaries, session policies).
    #[default]
    Identity,
    /// Resource-based policy.
    Resource,
    /// Service control policy.
    Scp,
    /// Role trust policy.
    Trust,
}

/// What an identity policy is attached as, which fixes its size quota ("IAM and AWS STS
/// quotas": managed 6,144; inline: user 2,048, role 10,240, group 5,120 characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttachedAs {
    /// A managed policy.
    #[default]
    Managed,
    /// Inline in a user.
    UserInline,
    /// Inline in a role.
    RoleInline,
    /// Inline in a group.
    GroupInline,
}

impl AttachedAs {
    /// The quota in characters, whitespace not counted.
    pub fn quota(self) -> usize {
        match self {
            AttachedAs::Managed => 6_144,
            AttachedAs::UserInline => 2_048,
            AttachedAs::RoleInline => 10_240,
            AttachedAs::GroupInline => 5_120,
        }
    }
}

/// How to validate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// What the policy is for.
    pub policy_type: PolicyType,
    /// For resource policies: the CloudFormation type of the resource it is attached to
    /// (`AWS::S3::Bucket`), which Access Analyzer's `validatePolicyResourceType` names.
    pub resource_type: Option<String>,
    /// For identity policies: what it is attached as (size quota).
    pub attached_as: AttachedAs,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The issue code (`PASS_ROLE_WITH_STAR_IN_RESOURCE`).
    pub id: &'static str,
    /// The finding type.
    pub severity: Severity,
    /// What is wrong, and what to write instead.
    pub message: String,
    /// The element (`Statement[0].Action[2]`; empty for the whole document).
    pub path: String,
    /// Where the element starts.
    pub at: Option<Position>,
}

impl Finding {
    /// The reference entry this finding comes from.
    pub fn check(&self) -> &'static Check {
        checks::check(self.id)
    }

    /// The learn-more link: the entry in AWS's check reference.
    pub fn link(&self) -> String {
        self.check().link()
    }
}

/// Validates one policy document given as text. Findings are sorted by position, then
/// issue code; a document that is not JSON has one finding, `JSON_SYNTAX_ERROR`.
pub fn validate(text: &str, opts: &Options) -> Vec<Finding> {
    let mut cx = Ctx {
        opts,
        out: Vec::new(),
        prefix: String::new(),
    };
    match json::read(text) {
        Err(e) => cx.add(
            "JSON_SYNTAX_ERROR",
            "",
            Some(e.at),
            format!(
                "Fix the JSON syntax error at line {} column {}: {}.",
                e.at.line, e.at.column, e.what
            ),
        ),
        // A list of documents (`generate` splits a policy over several): each one.
        Ok(root) => match &root.v {
            Json::Array(docs) if !docs.is_empty() && docs.iter().all(|d| members(d).is_some()) => {
                for (i, d) in docs.iter().enumerate() {
                    cx.prefix = format!("[{i}]");
                    grammar::document(d, &compact(d), &mut cx);
                }
            }
            _ => grammar::document(&root, text, &mut cx),
        },
    }
    let mut out = cx.out;
    out.sort_by(|a, b| (a.at, &a.path, a.id, &a.message).cmp(&(b.at, &b.path, b.id, &b.message)));
    out.dedup();
    out
}

/// The walk's state: the options and the findings so far.
pub(crate) struct Ctx<'a> {
    pub opts: &'a Options,
    pub out: Vec<Finding>,
    /// The document's place in a list of documents (`[1]`), prefixed to every path.
    pub prefix: String,
}

impl<'a> Ctx<'a> {
    /// A context whose findings are thrown away, for reading elements a second time.
    pub fn scratch(&self) -> Ctx<'a> {
        Ctx {
            opts: self.opts,
            out: Vec::new(),
            prefix: String::new(),
        }
    }

    /// Records a finding of check `id` (its severity from the reference table).
    pub fn add(&mut self, id: &'static str, path: &str, at: Option<Position>, message: String) {
        let path = match (self.prefix.as_str(), path) {
            ("", p) => p.to_string(),
            (pre, "") => pre.to_string(),
            (pre, p) => format!("{pre}.{p}"),
        };
        self.out.push(Finding {
            id,
            severity: checks::check(id).severity,
            message,
            path,
            at,
        });
    }

    /// [`Ctx::add`] about element `v`.
    pub fn at(&mut self, id: &'static str, path: &str, v: &Spanned, message: String) {
        self.add(id, path, v.at, message);
    }
}

/// A string of a policy element, with its path and position.
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    pub text: &'a str,
    pub path: String,
    pub v: &'a Spanned,
}

/// The strings of an element IAM lets you write as a string or a list of strings
/// (`Action`, `Resource`, condition values). Anything else is `DATA_TYPE_MISMATCH`;
/// numbers and booleans are kept as text where `allow_scalars` (condition values).
pub(crate) fn strings<'a>(
    v: &'a Spanned,
    path: &str,
    allow_scalars: bool,
    cx: &mut Ctx<'_>,
) -> Vec<Item<'a>> {
    let one = |v: &'a Spanned, path: String, cx: &mut Ctx<'_>| -> Option<Item<'a>> {
        match &v.v {
            Json::String(s) => Some(Item { text: s, path, v }),
            Json::Number(n) if allow_scalars => Some(Item { text: n, path, v }),
            Json::Bool(b) if allow_scalars => Some(Item {
                text: if *b { "true" } else { "false" },
                path,
                v,
            }),
            _ => {
                cx.at(
                    "DATA_TYPE_MISMATCH",
                    &path,
                    v,
                    format!(
                        "The text does not match the expected JSON data type String at {path}."
                    ),
                );
                None
            }
        }
    };
    match &v.v {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, x)| one(x, format!("{path}[{i}]"), cx))
            .collect(),
        _ => one(v, path.to_string(), cx).into_iter().collect(),
    }
}

/// Whether a JSON value is an empty list.
pub(crate) fn is_empty_array(v: &Spanned) -> bool {
    matches!(&v.v, Json::Array(a) if a.is_empty())
}

/// An element's members, or `None` when it is not an object.
pub(crate) fn members(v: &Spanned) -> Option<&[(String, Spanned)]> {
    match &v.v {
        Json::Object(m) => Some(m),
        _ => None,
    }
}

/// A value as compact JSON text (for the size of one document of a list).
fn compact(v: &Spanned) -> String {
    fn plain(v: &Spanned) -> serde_json::Value {
        use serde_json::Value as V;
        match &v.v {
            Json::Null => V::Null,
            Json::Bool(b) => V::Bool(*b),
            Json::Number(n) => serde_json::from_str(n).unwrap_or(V::Null),
            Json::String(s) => V::String(s.clone()),
            Json::Array(a) => V::Array(a.iter().map(plain).collect()),
            Json::Object(m) => V::Object(m.iter().map(|(k, x)| (k.clone(), plain(x))).collect()),
        }
    }
    plain(v).to_string()
}

/// Joins a path and a member name.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}
