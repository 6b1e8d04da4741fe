//! Mapping: one CloudTrail record → the IAM actions and resources it needed.
//!
//! Per event (eventSource, eventName) a *plan* is worked out once and cached:
//! 1. eventSource → IAM prefix (`action-map/curated/services.tsv`, else the first label
//!    of the eventSource when the catalog knows it);
//! 2. event → actions: a curated line (`events.tsv`) wins; else `prefix:eventName` when
//!    the catalog knows that action; else the same with an API-version suffix removed
//!    (`ListFunctions20150331`, `GetFunction20150331v2`, `CreateDistribution2020_05_31`);
//!    else the event is *unmapped* — reported, never guessed.
//!
//! Per record, each planned action gets its resources ([`resources`]); `passrole.tsv`
//! adds `iam:PassRole` on role ARNs found in request parameters (CloudTrail never logs
//! it), and `tag-on-create.tsv` adds tagging actions when a create call carries tags.

pub mod content;
pub mod failure;
pub mod resources;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::catalog::curated::{
    EventRule, LineRef, PassRoleRule, ResourceRole, TagRule, Transform, curated,
};
use crate::catalog::{ActionId, has_service};
use crate::decode::Record;
use crate::policy::escape::{escape, literal_of};
pub use failure::FailureClass;
use resources::{Place, Resolved, resolve, root_of, values_at};

/// Why an action is in the policy: shown by `--explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// `prefix:eventName` is a catalog action.
    Catalog,
    /// `prefix:eventName` minus an API-version suffix.
    Versioned,
    /// A curated event line.
    Curated(LineRef),
    /// Inferred `iam:PassRole`.
    PassRole(LineRef),
    /// Tags on a create call.
    TagOnCreate(LineRef),
    /// The request's content decides the action (see [`content`]).
    Content,
}

impl std::fmt::Display for Via {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Catalog => write!(f, "event name is the action"),
            Via::Versioned => write!(f, "event name minus its API-version suffix"),
            Via::Curated(at) => write!(f, "curated event map ({at})"),
            Via::PassRole(at) => write!(f, "role passed in a request parameter ({at})"),
            Via::TagOnCreate(at) => write!(f, "tags on a create call ({at})"),
            Via::Content => write!(f, "the request's content (src/map/content.rs)"),
        }
    }
}

/// A condition attached to a need (today: `iam:PassedToService` on PassRole).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Condition {
    /// Operator (`StringEquals`).
    pub op: &'static str,
    /// Key (`iam:PassedToService`).
    pub key: &'static str,
    /// Value.
    pub value: String,
}

/// One (action, resource[, condition]) a record needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The action.
    pub action: ActionId,
    /// Policy-ready resource.
    pub resource: String,
    /// Condition, if any.
    pub condition: Option<Condition>,
    /// Why.
    pub via: Via,
    /// Parts of the resource that were unknown and written as `*`.
    pub unknown: Vec<&'static str>,
}

/// Why an event maps to nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unmapped {
    /// The eventSource names no IAM service the catalog knows.
    UnknownService,
    /// The service is known but no action matches the event name.
    UnknownAction(&'static str),
}

impl std::fmt::Display for Unmapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unmapped::UnknownService => {
                write!(f, "eventSource is not an IAM service prefix in the catalog")
            }
            Unmapped::UnknownAction(p) => write!(
                f,
                "no `{p}:` action matches the event name (console-internal or unlisted API)"
            ),
        }
    }
}

/// What mapping made of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Needs were appended.
    Mapped,
    /// The call needs no IAM permission of the caller.
    Free(&'static str),
    /// The call failed in a way that does not show a need (see [`failure`]).
    FailedNotCounted(FailureClass),
    /// Nothing known matches.
    Unmapped(Unmapped),
}

#[derive(Debug, Clone)]
enum Plan {
    Free(&'static str),
    Content(content::ContentRule),
    Actions {
        scope: String,
        actions: Vec<(ActionId, ResourceRole, Via)>,
        passrole: &'static [PassRoleRule],
        tags: &'static [TagRule],
    },
    Unmapped(Unmapped),
}

/// Maps records; holds a per-thread plan cache, so make one per worker.
#[derive(Debug)]
pub struct Mapper {
    plans: FxHashMap<Box<str>, FxHashMap<Box<str>, Arc<Plan>>>,
    counted: [bool; 7],
    needs_buf: Vec<Resolved>,
}

impl Default for Mapper {
    fn default() -> Self {
        Self::new(&FailureClass::DEFAULT)
    }
}

/// The IAM prefix for an eventSource.
pub fn prefix_of(event_source: &str) -> Option<&'static str> {
    let c = curated();
    if let Some(p) = c.services.get(event_source) {
        return Some(p);
    }
    let first = event_source.split('.').next()?;
    crate::catalog::service(first)
        .filter(|_| has_service(first))
        .map(|s| s.prefix)
}

/// `ListFunctions20150331` → `ListFunctions`, `GetFunction20150331v2` → `GetFunction`,
/// `CreateDistribution2020_05_31` → `CreateDistribution`.
pub fn strip_version(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    // CloudFront style: YYYY_MM_DD
    if b.len() > 10 {
        let tail = &b[b.len() - 10..];
        if tail[4] == b'_'
            && tail[7] == b'_'
            && tail
                .iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        {
            return Some(&name[..name.len() - 10]);
        }
    }
    // Lambda style: YYYYMMDD with an optional vN
    let mut end = b.len();
    if let Some(v) = name.rfind('v')
        && v + 1 < b.len()
        && b[v + 1..].iter().all(u8::is_ascii_digit)
    {
        end = v;
    }
    if end >= 9 && b[end - 8..end].iter().all(u8::is_ascii_digit) && !b[end - 9].is_ascii_digit() {
        return Some(&name[..end - 8]);
    }
    None
}

fn plan(source: &str, name: &str) -> Plan {
    let Some(prefix) = prefix_of(source) else {
        return Plan::Unmapped(Unmapped::UnknownService);
    };
    // Request-parameter rules (resources, PassRole, tags) are written for the API's name;
    // a versioned event name (`CreateFunction20150331`) uses its base name's rules.
    let base = strip_version(name)
        .filter(|b| ActionId::find(prefix, b).is_some())
        .unwrap_or(name);
    let scope = format!("{prefix}:{base}");
    if let Some(rule) = content::ContentRule::for_event(&scope) {
        return Plan::Content(rule);
    }
    let c = curated();
    let passrole: &'static [PassRoleRule] =
        c.passrole.get(scope.as_str()).map_or(&[], Vec::as_slice);
    let tags: &'static [TagRule] = c
        .tag_on_create
        .get(scope.as_str())
        .map_or(&[], Vec::as_slice);
    if let Some(rule) = c
        .events
        .get(format!("{prefix}:{name}").as_str())
        .or_else(|| c.events.get(scope.as_str()))
    {
        return match rule {
            EventRule::Free { reason, .. } => Plan::Free(reason),
            EventRule::Actions { actions, at, .. } => Plan::Actions {
                scope,
                actions: actions
                    .iter()
                    .map(|(a, role)| (*a, *role, Via::Curated(*at)))
                    .collect(),
                passrole,
                tags,
            },
        };
    }
    if let Some(a) = ActionId::find(prefix, name) {
        return Plan::Actions {
            scope,
            actions: vec![(a, ResourceRole::Target, Via::Catalog)],
            passrole,
            tags,
        };
    }
    if let Some(a) = strip_version(name).and_then(|base| ActionId::find(prefix, base)) {
        return Plan::Actions {
            scope,
            actions: vec![(a, ResourceRole::Target, Via::Versioned)],
            passrole,
            tags,
        };
    }
    Plan::Unmapped(Unmapped::UnknownAction(prefix))
}

impl Mapper {
    /// A mapper that counts failed calls of the given classes as needed.
    pub fn new(counted: &[FailureClass]) -> Self {
        let mut c = [false; 7];
        for class in counted {
            c[FailureClass::ALL
                .iter()
                .position(|x| x == class)
                .expect("known class")] = true;
        }
        Mapper {
            plans: FxHashMap::default(),
            counted: c,
            needs_buf: Vec::new(),
        }
    }

    fn plan(&mut self, source: &str, name: &str) -> Arc<Plan> {
        if let Some(p) = self.plans.get(source).and_then(|m| m.get(name)) {
            return Arc::clone(p);
        }
        let p = Arc::new(plan(source, name));
        self.plans
            .entry(source.into())
            .or_default()
            .insert(name.into(), Arc::clone(&p));
        p
    }

    /// Maps one record (already selected), appending its needs to `out`.
    pub fn map(&mut self, r: &Record<'_>, out: &mut Vec<Need>) -> Outcome {
        let (Some(source), Some(name)) = (r.event_source(), r.event_name()) else {
            return Outcome::Unmapped(Unmapped::UnknownService);
        };
        // AWS documentation shows an eventName with a trailing space; no API has one.
        let (source, name) = (source.trim(), name.trim());
        if let Some(code) = r.error_code() {
            let class = FailureClass::of(code);
            if !self.counted[FailureClass::ALL
                .iter()
                .position(|x| *x == class)
                .unwrap_or(0)]
            {
                return Outcome::FailedNotCounted(class);
            }
        }
        let plan = self.plan(source, name);
        let (scope, actions, passrole, tags) = match &*plan {
            Plan::Free(reason) => return Outcome::Free(reason),
            Plan::Unmapped(u) => return Outcome::Unmapped(u.clone()),
            Plan::Content(rule) => {
                let rule = *rule;
                let found = content::needs(rule, r, &Place::of(r));
                if found.is_empty() {
                    return Outcome::Unmapped(Unmapped::UnknownAction(
                        prefix_of(source).unwrap_or("?"),
                    ));
                }
                for (action, resource) in found {
                    out.push(Need {
                        action,
                        resource,
                        condition: None,
                        via: Via::Content,
                        unknown: Vec::new(),
                    });
                }
                return Outcome::Mapped;
            }
            Plan::Actions {
                scope,
                actions,
                passrole,
                tags,
            } => (scope.as_str(), actions, *passrole, *tags),
        };
        let place = Place::of(r);
        let first = out.len();
        for (action, role, via) in actions.iter().copied() {
            self.needs_buf = resolve(r, &place, scope, action, role);
            for res in self.needs_buf.drain(..) {
                out.push(Need {
                    action,
                    resource: res.arn,
                    condition: None,
                    via,
                    unknown: res.unknown,
                });
            }
        }
        add_passrole(r, &place, passrole, out);
        if !tags.is_empty() {
            let created: Vec<String> = out[first..].iter().map(|n| n.resource.clone()).collect();
            add_tag_on_create(r, &place, scope, tags, &created, out);
        }
        Outcome::Mapped
    }
}

fn add_passrole(r: &Record<'_>, place: &Place<'_>, rules: &[PassRoleRule], out: &mut Vec<Need>) {
    if rules.is_empty() {
        return;
    }
    let pass = ActionId::find("iam", "PassRole").expect("catalog has iam:PassRole");
    for rule in rules {
        let Some((root, path)) = root_of(r, &rule.source.path) else {
            continue;
        };
        let mut vals = Vec::new();
        values_at(root, path, &mut vals);
        let profile = rule.source.transform == Transform::InstanceProfile;
        for v in vals
            .iter()
            .filter_map(|v| simd_json::prelude::ValueAsScalar::as_str(v))
            .filter(|s| !s.is_empty())
        {
            let (resource, unknown) = role_resource(v, place, profile);
            out.push(Need {
                action: pass,
                resource,
                condition: Some(Condition {
                    op: "StringEquals",
                    key: "iam:PassedToService",
                    value: rule.service.to_owned(),
                }),
                via: Via::PassRole(rule.at),
                unknown,
            });
        }
    }
}

/// The role resource for a value that names a role (ARN or name) or an instance profile.
fn role_resource(v: &str, place: &Place<'_>, profile: bool) -> (String, Vec<&'static str>) {
    if profile && !v.starts_with("arn:") {
        // The role inside an instance profile is not in the record.
        return (
            format!(
                "arn:{}:iam::{}:role/*",
                place.partition,
                escape(place.account)
            ),
            vec!["RoleNameWithPath"],
        );
    }
    if v.starts_with("arn:") {
        if v.contains(":role/") {
            return (escape(v).into_owned(), Vec::new());
        }
        if let Some(i) = v.find(":instance-profile/") {
            // The role inside an instance profile is not in the record.
            return (
                format!("{}:role/*", escape(&v[..i])),
                vec!["RoleNameWithPath"],
            );
        }
        return (escape(v).into_owned(), Vec::new());
    }
    (
        format!(
            "arn:{}:iam::{}:role/{}",
            place.partition,
            escape(place.account),
            escape(v)
        ),
        Vec::new(),
    )
}

/// Tags on a create call are authorized on the resource being created: the event's own
/// resources where they are of a type the tagging action takes, else resolved afresh.
fn add_tag_on_create(
    r: &Record<'_>,
    place: &Place<'_>,
    scope: &str,
    rules: &[TagRule],
    created: &[String],
    out: &mut Vec<Need>,
) {
    for rule in rules {
        let Some((root, path)) = root_of(r, &rule.source.path) else {
            continue;
        };
        if !resources::present(root, path) {
            continue;
        }
        let svc = rule.action.service();
        let fits = |arn: &String| {
            rule.action
                .def()
                .resources
                .iter()
                .any(|t| svc.resources[t.index].arn.matches(&literal_of(arn)))
        };
        let same: Vec<Resolved> = created
            .iter()
            .filter(|a| fits(a))
            .map(|a| Resolved {
                arn: a.clone(),
                unknown: Vec::new(),
            })
            .collect();
        let targets = if same.is_empty() {
            resolve(r, place, scope, rule.action, ResourceRole::Target)
        } else {
            same
        };
        for res in targets {
            out.push(Need {
                action: rule.action,
                resource: res.arn,
                condition: None,
                via: Via::TagOnCreate(rule.at),
                unknown: res.unknown,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_api_versions_only() {
        assert_eq!(
            strip_version("ListFunctions20150331"),
            Some("ListFunctions")
        );
        assert_eq!(strip_version("GetFunction20150331v2"), Some("GetFunction"));
        assert_eq!(
            strip_version("UpdateFunctionConfiguration20150331v2"),
            Some("UpdateFunctionConfiguration")
        );
        assert_eq!(
            strip_version("CreateDistribution2020_05_31"),
            Some("CreateDistribution")
        );
        assert_eq!(strip_version("GetObject"), None);
        assert_eq!(strip_version("DescribeVolumesv2"), None);
        assert_eq!(strip_version("X123456789"), None);
        assert_eq!(strip_version("v"), None);
    }

    #[test]
    fn never_invents_actions() {
        assert!(matches!(
            plan("s3.amazonaws.com", "NoSuchApiAtAll"),
            Plan::Unmapped(Unmapped::UnknownAction("s3"))
        ));
        assert!(matches!(
            plan("nonexistent.amazonaws.com", "Foo"),
            Plan::Unmapped(Unmapped::UnknownService)
        ));
        assert!(matches!(
            plan("lambda.amazonaws.com", "ListFunctions20150331"),
            Plan::Actions { .. }
        ));
    }
}
