//! A grant expanded to the catalog actions it allows, each decided by the evaluator
//! (`crate::iam::eval`) so `unused` and `simulate` share one semantics.
//!
//! An action is granted when some resource of its kind is allowed. The resources tried
//! ("candidates") are the grant's own `Resource` patterns narrowed to each of the
//! action's ARN templates (their intersection, `crate::iam::pattern::intersect`), and
//! the templates themselves with their variables written `*` (for a grant on `*` or
//! with `NotResource`); an action with no resource-level permission is tried on `*`
//! (AWS, "Service Authorization Reference": an action whose Resource types column is
//! empty supports only `"Resource": "*"`, so `arn:aws:s3:::*` does not grant
//! `s3:ListAllMyBuckets`). A candidate pattern is passed to the evaluator as the request's
//! resource, its wildcards read as literal characters, so an `Allow` applies when its
//! pattern covers the candidate and a `Deny` only when it covers all of it (a deny of
//! one bucket leaves the others allowed). Two denies that only together cover a
//! candidate are not noticed: the action then counts as granted.
//!
//! Conditions are decided twice (AWS, "IAM JSON policy elements: Condition": a
//! statement applies only when its conditions hold): the action is *granted* when it is
//! allowed with every condition of an `Allow` holding and every conditional `Deny`
//! avoided, and granted *unconditionally* when it is allowed by unconditional `Allow`s
//! alone with every conditional `Deny` applying. Between the two it is "allowed under
//! conditions".

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::catalog::ArnTemplate;
use crate::catalog::arn::Segment;
use crate::catalog::{self, ActionId, Levels};
use crate::iam::eval::{Deciding, Decision, PolicySet, Request};
use crate::iam::pattern::{intersect, literal_of, wildcard_match};
use crate::iam::policy::{Document, Effect, Statement};

/// A statement of the grant, as findings name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct StatementRef {
    /// The document's name (its file, `[i]` when a file holds several).
    pub document: String,
    /// The statement's `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Its element path (`Statement[2]`).
    pub path: String,
}

impl From<Deciding> for StatementRef {
    fn from(d: Deciding) -> Self {
        StatementRef {
            document: d.document,
            sid: d.sid,
            path: d.path,
        }
    }
}

impl std::fmt::Display for StatementRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.document, self.path)?;
        if let Some(s) = &self.sid {
            write!(f, " ({s})")?;
        }
        Ok(())
    }
}

/// One catalog action the grant allows.
#[derive(Debug, Clone)]
pub struct Granted {
    /// The action.
    pub action: ActionId,
    /// Allowed only when some condition holds (or some conditional Deny does not).
    pub conditional: bool,
    /// The `Allow` statements that allow it.
    pub by: Vec<StatementRef>,
}

/// The grant: named identity policy documents.
#[derive(Debug, Clone)]
pub struct Grant {
    documents: Vec<(String, Document)>,
    /// Allows with their conditions dropped, conditional denies left out: what some
    /// request context can get.
    possible: Vec<(String, Document)>,
    /// Unconditional allows only, conditional denies always applying: what every
    /// request context gets.
    certain: Vec<(String, Document)>,
}

impl Grant {
    /// The grant made of these documents (name, document).
    pub fn new(documents: Vec<(String, Document)>) -> Grant {
        // Each statement rewritten in place (statement indexes stay those of the file).
        let variant = |rewrite: fn(&Statement) -> Statement| -> Vec<(String, Document)> {
            documents
                .iter()
                .map(|(n, d)| {
                    let mut d = d.clone();
                    d.statements = d.statements.iter().map(rewrite).collect();
                    (n.clone(), d)
                })
                .collect()
        };
        let possible = variant(|s| match (s.effect, &s.condition) {
            (Effect::Allow, Some(_)) => Statement {
                condition: None,
                ..s.clone()
            },
            (Effect::Deny, Some(_)) => never(s),
            _ => s.clone(),
        });
        let certain = variant(|s| match (s.effect, &s.condition) {
            (Effect::Allow, Some(_)) => never(s),
            (Effect::Deny, Some(_)) => Statement {
                condition: None,
                ..s.clone()
            },
            _ => s.clone(),
        });
        Grant {
            documents,
            possible,
            certain,
        }
    }

    /// The documents as given.
    pub fn documents(&self) -> &[(String, Document)] {
        &self.documents
    }

    fn set(docs: &[(String, Document)]) -> PolicySet<'_> {
        docs.iter()
            .fold(PolicySet::new(), |s, (n, d)| s.with_identity(n.as_str(), d))
    }

    /// Every catalog action the grant allows, sorted.
    pub fn expand(&self, principal: Option<&str>) -> Vec<Granted> {
        let possible = Grant::set(&self.possible);
        let certain = Grant::set(&self.certain);
        let partition = partition_of(principal);
        let owned = self.allow_patterns(principal);
        let allow_patterns: Vec<&str> = owned.iter().map(String::as_str).collect();
        let open = self.allows().any(|s| s.not_resource.is_some());
        let mut cache = Narrowings {
            open,
            star: open || allow_patterns.iter().any(|p| wildcard_match(p, "*", false)),
            ..Narrowings::default()
        };
        let mut out = Vec::new();
        for prefix in catalog::service_prefixes() {
            if !self.may_touch(prefix) {
                continue;
            }
            let Some(svc) = catalog::service(prefix) else {
                continue;
            };
            for a in &svc.actions {
                let Some(id) = ActionId::find(prefix, a.name) else {
                    continue;
                };
                let full = id.to_string();
                let cands = candidates(id, partition, &allow_patterns, &mut cache);
                let mut by = None;
                for r in &cands {
                    let e = possible.evaluate(&request(&full, r, principal));
                    if e.decision == Decision::Allowed {
                        by = Some(e.deciding);
                        break;
                    }
                }
                let Some(by) = by else { continue };
                let conditional = !cands.iter().any(|r| {
                    certain.evaluate(&request(&full, r, principal)).decision == Decision::Allowed
                });
                out.push(Granted {
                    action: id,
                    conditional,
                    by: by.into_iter().map(StatementRef::from).collect(),
                });
            }
        }
        out.sort_by_key(|g| g.action);
        out
    }

    /// Whether some Allow statement could match an action of service `prefix` (a quick
    /// filter before the evaluator; `NotAction` could match any).
    fn may_touch(&self, prefix: &str) -> bool {
        self.allows().any(|s| match (&s.action, &s.not_action) {
            (Some(a), _) => a.0.iter().any(|p| match p.split_once(':') {
                Some((svc, _)) => wildcard_match(svc, prefix, true),
                None => p.contains('*'),
            }),
            (None, Some(_)) => true,
            (None, None) => false,
        })
    }

    fn allows(&self) -> impl Iterator<Item = &Statement> {
        self.documents
            .iter()
            .flat_map(|(_, d)| &d.statements)
            .filter(|s| s.effect == Effect::Allow)
    }

    /// The Allow statements' resource patterns, with the policy variables the principal's
    /// ARN gives filled in (the evaluator fills them in the policy, so a candidate must
    /// hold their values).
    fn allow_patterns(&self, principal: Option<&str>) -> Vec<String> {
        let vars = principal_vars(principal);
        let mut v: Vec<String> = self
            .allows()
            .filter_map(|s| s.resource.as_ref())
            .flat_map(|r| r.0.iter().map(|p| fill(p, &vars)))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether `action` (`prefix:Action`) on the resource pattern `resource` is allowed
    /// by the grant under some request context.
    pub fn allows_on(&self, action: &str, resource: &str, principal: Option<&str>) -> bool {
        Grant::set(&self.possible)
            .evaluate(&request(action, resource, principal))
            .decision
            == Decision::Allowed
    }

    /// The `Allow` statements whose actions include `action`, with the resources they
    /// name that fit the action's ARN templates (`None`: written as `NotResource`).
    pub fn allowing(&self, action: ActionId) -> Vec<(StatementRef, Option<Vec<String>>)> {
        let full = action.to_string();
        let templates = templates(action, "*");
        let mut out = Vec::new();
        for (name, d) in &self.documents {
            for (i, s) in d.statements.iter().enumerate() {
                if s.effect != Effect::Allow {
                    continue;
                }
                let matches = match (&s.action, &s.not_action) {
                    (Some(a), _) => a.0.iter().any(|p| wildcard_match(p, &full, true)),
                    (None, Some(na)) => !na.0.iter().any(|p| wildcard_match(p, &full, true)),
                    (None, None) => false,
                };
                if !matches {
                    continue;
                }
                let sref = StatementRef {
                    document: name.clone(),
                    sid: s.sid.clone(),
                    path: format!("Statement[{i}]"),
                };
                let resources = s.resource.as_ref().map(|r| {
                    r.0.iter()
                        .filter(|p| {
                            p.as_str() == "*"
                                || templates.is_empty()
                                || templates.iter().any(|t| fits(t, p))
                        })
                        .cloned()
                        .collect::<Vec<_>>()
                });
                if resources.as_ref().is_some_and(Vec::is_empty) {
                    continue;
                }
                out.push((sref, resources));
            }
        }
        out
    }
}

/// A statement left out of a variant, kept as one that never applies (an Allow of no
/// action) so statement indexes stay those of the file.
fn never(s: &Statement) -> Statement {
    Statement {
        effect: Effect::Allow,
        action: Some(Default::default()),
        not_action: None,
        condition: None,
        ..s.clone()
    }
}

/// The policy variables a principal's ARN gives (AWS, "IAM policy elements: Variables
/// and tags": `aws:username` for IAM users, `aws:PrincipalAccount`).
fn principal_vars(principal: Option<&str>) -> Vec<(&'static str, String)> {
    let Some(p) = principal else {
        return Vec::new();
    };
    let mut v = Vec::new();
    if let Some(account) = p.split(':').nth(4).filter(|a| !a.is_empty()) {
        v.push(("aws:PrincipalAccount", account.to_string()));
    }
    if let Some((_, user)) = p.split_once(":user/").filter(|(h, _)| h.contains(":iam:")) {
        v.push((
            "aws:username",
            user.rsplit('/').next().unwrap_or(user).to_string(),
        ));
    }
    v
}

/// `pattern` with `${key}` replaced by the value of each known key (names compared
/// ignoring case, as condition keys are).
fn fill(pattern: &str, vars: &[(&str, String)]) -> String {
    let mut out = pattern.to_string();
    for (k, val) in vars {
        let token = format!("${{{k}}}");
        while let Some(at) = out.to_ascii_lowercase().find(&token.to_ascii_lowercase()) {
            out.replace_range(at..at + token.len(), val);
        }
    }
    out
}

fn request(action: &str, resource: &str, principal: Option<&str>) -> Request {
    let r = Request::new(action, resource);
    match principal {
        Some(p) => r.by(p),
        None => r,
    }
}

/// The partition of the principal's ARN (`aws` when unknown).
fn partition_of(principal: Option<&str>) -> &str {
    principal
        .and_then(|p| p.strip_prefix("arn:"))
        .and_then(|p| p.split(':').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The action's ARN templates, each with its pattern: the partition filled, every other
/// variable `?*` (a variable is never empty). Empty for an action with no resource-level
/// permission.
fn templates(action: ActionId, partition: &str) -> Vec<(&'static ArnTemplate, String)> {
    let svc = action.service();
    let mut v: Vec<(&'static ArnTemplate, String)> = action
        .def()
        .resources
        .iter()
        .filter_map(|r| svc.resources.get(r.index))
        .map(|rt| {
            let p = rt
                .arn
                .segments
                .iter()
                .map(|s| match s {
                    Segment::Literal(l) => *l,
                    Segment::Var("Partition") => partition,
                    Segment::Var(_) => "?*",
                })
                .collect();
            (&rt.arn, p)
        })
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v.dedup_by(|a, b| a.1 == b.1);
    v
}

/// The resources a grant's `pattern` names among those of a template: their
/// intersection, when it is an instance of the template (variables without `:`).
fn narrowed(template: &(&ArnTemplate, String), pattern: &str) -> Option<String> {
    if !prefixes_agree(&template.1, pattern) {
        return None;
    }
    intersect(&template.1, pattern).filter(|r| {
        let arn = literal_of(r);
        template.0.captures(&arn).is_some_and(|vars| {
            vars.iter()
                .all(|(v, at)| !(NO_SLASH.contains(v) && arn[at.clone()].contains('/')))
        })
    })
}

/// Template variables whose values never hold a `/`, though the catalog's matcher lets
/// a last variable run to the end (AWS, "General purpose bucket naming rules": bucket
/// names consist of lowercase letters, numbers, periods and hyphens), so that
/// `arn:aws:s3:::*/*` names objects and never a bucket.
const NO_SLASH: &[&str] = &["BucketName"];

/// Whether a grant's pattern names resources of a template.
fn fits(template: &(&ArnTemplate, String), pattern: &str) -> bool {
    narrowed(template, pattern).is_some()
}

/// The resources an action is tried on (see the module doc).
fn candidates(
    action: ActionId,
    partition: &str,
    allow_patterns: &[&str],
    cache: &mut Narrowings,
) -> Vec<String> {
    let ts = templates(action, partition);
    // A candidate no Allow pattern names (nor a NotResource) cannot be allowed: it is
    // left out before the evaluator sees it.
    let named = |r: &str| cache.open || allow_patterns.iter().any(|p| wildcard_match(p, r, false));
    if ts.is_empty() {
        return if cache.star {
            vec!["*".into()]
        } else {
            Vec::new()
        };
    }
    // Each pattern narrowed to the resources of the action's kinds (`table/*` for
    // GetRecords: the streams of those tables). Actions of a service share their
    // resource types: each (template, pattern) is narrowed once per run.
    let mut out = Vec::new();
    for t in &ts {
        let got = cache.narrowed.entry(t.0.text).or_insert_with(|| {
            allow_patterns
                .iter()
                .filter(|p| **p != "*")
                .filter_map(|p| narrowed(t, p))
                .collect()
        });
        out.extend(got.iter().cloned());
    }
    for (t, p) in ts {
        let keep = match cache.templates.get(t.text) {
            Some(k) => *k,
            None => {
                let k = named(&p);
                cache.templates.insert(t.text, k);
                k
            }
        };
        if keep {
            out.push(p);
        }
    }
    out
}

/// What [`candidates`] works out once per run (for one grant and partition).
#[derive(Default)]
struct Narrowings {
    /// Some Allow is written with `NotResource`: any resource may be named.
    open: bool,
    /// Some Allow pattern names `*` itself (actions without resource-level permission).
    star: bool,
    /// The grant's patterns narrowed to a template, by template text.
    narrowed: HashMap<&'static str, Vec<String>>,
    /// Whether a template's own pattern is named by the grant, by template text.
    templates: HashMap<&'static str, bool>,
}

/// Whether two patterns can share a string, judged by their text before the first
/// wildcard: one must start the other (a quick test before [`intersect`]).
fn prefixes_agree(a: &str, b: &str) -> bool {
    let head = |s: &str| s.find(['*', '?', '$']).map_or(s.len(), |i| i);
    let (a, b) = (&a[..head(a)], &b[..head(b)]);
    a.starts_with(b) || b.starts_with(a)
}

/// The access level a report groups an action under (the catalog's most significant).
pub fn access_level(action: ActionId) -> &'static str {
    let l = action.def().levels;
    if l.has(Levels::PERMISSIONS) {
        "Permissions management"
    } else {
        l.primary()
    }
}

/// The access levels in report order.
pub const LEVELS: [&str; 5] = ["List", "Read", "Write", "Permissions management", "Tagging"];

/// Per access level: (granted, used).
pub type LevelCounts = BTreeMap<&'static str, (usize, usize)>;
