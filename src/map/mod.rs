//! Mapping: one CloudTrail record → the IAM actions and resources it needed.
//!
//! Per event (eventSource, eventName) a *plan* is worked out once and cached:
//! 1. eventSource → IAM prefix (`action-map/curated/services.tsv`, else
//!    `action-map/models/event-sources.tsv`, else the first label of the eventSource when
//!    the catalog knows it);
//! 2. event → actions: a curated line (`events.tsv`) wins; else `prefix:eventName` when
//!    the catalog knows that action; else the same with an API-version suffix removed
//!    (`ListFunctions20150331`, `GetFunction20150331v2`, `CreateDistribution2020_05_31`);
//!    else the event is *unmapped* — reported, never guessed.
//!
//! Per record, each planned action gets its resources ([`resources`]); `passrole.tsv`
//! (and `models/passrole.tsv`, derived from the SDK models) adds `iam:PassRole` on role
//! ARNs found in request parameters (CloudTrail never logs it), and `tag-on-create.tsv` adds tagging actions when a create call carries tags.

pub mod content;
pub mod failure;
pub mod resources;

use std::sync::Arc;

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use rustc_hash::FxHashMap;

use crate::catalog::curated::{
    EventRule, LineRef, ParamActionRule, PassRoleRule, ResourceRole, TagRule, Transform, curated,
};
use crate::catalog::{ActionId, has_service};
use crate::decode::Record;
use crate::iam::pattern::{escape_in, literal_in};
use crate::iam::permission::{ConditionRef, Permission, PermissionRef};
pub use failure::FailureClass;
use resources::{Place, Resolved, resolve, root_of};

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

/// One permission a record needed, with why, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The action on a policy-ready resource, under its condition.
    pub permission: Permission<ActionId>,
    /// Why.
    pub via: Via,
    /// Parts of the resource that were unknown and written as `*`.
    pub unknown: Vec<&'static str>,
}

impl Need {
    /// A borrowed view.
    pub fn as_ref(&self) -> NeedRef<'_> {
        NeedRef {
            permission: self.permission.as_ref(),
            via: self.via,
            unknown: &self.unknown,
        }
    }
}

/// One need as [`Mapper::map`] gives it: borrowed from the mapper's per-record arena
/// (and the record), valid until the mapper maps the next record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedRef<'a> {
    /// The action on a policy-ready resource, under its condition.
    pub permission: PermissionRef<'a, ActionId>,
    /// Why.
    pub via: Via,
    /// Parts of the resource that were unknown and written as `*`.
    pub unknown: &'a [&'static str],
}

impl NeedRef<'_> {
    /// An owned copy.
    pub fn to_need(self) -> Need {
        Need {
            permission: self.permission.to_permission(),
            via: self.via,
            unknown: self.unknown.to_vec(),
        }
    }
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
        params: &'static [ParamActionRule],
    },
    Unmapped(Unmapped),
}

/// Maps records; holds a per-thread plan cache, so make one per worker.
///
/// Everything one record's mapping builds (ARNs, escaped names, candidate fills) goes
/// into an arena that is reset when the next record is mapped: once it has grown to the
/// largest record's needs, mapping allocates nothing (`tests/no_alloc.rs`).
#[derive(Debug)]
pub struct Mapper {
    plans: FxHashMap<Box<str>, FxHashMap<Box<str>, Arc<Plan>>>,
    counted: [bool; 7],
    scratch: Bump,
}

impl Default for Mapper {
    fn default() -> Self {
        Self::new(&FailureClass::DEFAULT)
    }
}

/// The IAM prefix for an eventSource: a curated line (`services.tsv`), else a line derived
/// from the SDK models (`models/event-sources.tsv`: endpoint prefix and signing name hosts),
/// else the first label of the host when the catalog knows it as a prefix.
pub fn prefix_of(event_source: &str) -> Option<&'static str> {
    let c = curated();
    if let Some(p) = c
        .services
        .get(event_source)
        .or_else(|| c.derived_services.get(event_source))
    {
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
    let params: &'static [ParamActionRule] = c
        .param_actions
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
                params,
            },
        };
    }
    if let Some(a) = ActionId::find(prefix, name) {
        return Plan::Actions {
            scope,
            actions: vec![(a, ResourceRole::Target, Via::Catalog)],
            passrole,
            tags,
            params,
        };
    }
    if let Some(a) = strip_version(name).and_then(|base| ActionId::find(prefix, base)) {
        return Plan::Actions {
            scope,
            actions: vec![(a, ResourceRole::Target, Via::Versioned)],
            passrole,
            tags,
            params,
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
            scratch: Bump::new(),
        }
    }

    /// Maps one record (already selected): what it needed, valid until the next call.
    pub fn map<'m, 'r: 'm>(&'m mut self, r: &Record<'r>) -> (Outcome, &'m [NeedRef<'m>]) {
        let Mapper {
            plans,
            counted,
            scratch,
        } = self;
        scratch.reset();
        let bump: &'m Bump = scratch;
        let r: &Record<'m> = r;
        let (Some(source), Some(name)) = (r.event_source(), r.event_name()) else {
            return (Outcome::Unmapped(Unmapped::UnknownService), &[]);
        };
        // AWS documentation shows an eventName with a trailing space; no API has one.
        let (source, name) = (source.trim(), name.trim());
        if let Some(code) = r.error_code() {
            let class = FailureClass::of(code);
            if !counted[FailureClass::ALL
                .iter()
                .position(|x| *x == class)
                .unwrap_or(0)]
            {
                return (Outcome::FailedNotCounted(class), &[]);
            }
        }
        let plan = cached_plan(plans, source, name);
        let mut out = BumpVec::new_in(bump);
        let (scope, actions, passrole, tags, params) = match &*plan {
            Plan::Free(reason) => return (Outcome::Free(reason), &[]),
            Plan::Unmapped(u) => return (Outcome::Unmapped(u.clone()), &[]),
            Plan::Content(rule) => {
                let found = content::needs(bump, *rule, r, &Place::of(r));
                if found.is_empty() {
                    let prefix = prefix_of(source).unwrap_or("?");
                    return (Outcome::Unmapped(Unmapped::UnknownAction(prefix)), &[]);
                }
                out.extend(found.iter().map(|&(action, resource)| NeedRef {
                    permission: PermissionRef::new(action, resource),
                    via: Via::Content,
                    unknown: &[],
                }));
                return (Outcome::Mapped, out.into_bump_slice());
            }
            Plan::Actions {
                scope,
                actions,
                passrole,
                tags,
                params,
            } => (scope.as_str(), actions, *passrole, *tags, *params),
        };
        let place = Place::of(r);
        for &(action, role, via) in actions {
            for res in resolve(bump, r, &place, scope, action, role) {
                out.push(NeedRef {
                    permission: PermissionRef::new(action, res.arn),
                    via,
                    unknown: res.unknown,
                });
            }
        }
        add_passrole(bump, r, &place, passrole, &mut out);
        let created = out.len();
        if !tags.is_empty() {
            add_tag_on_create(bump, r, &place, scope, tags, created, &mut out);
        }
        add_param_actions(bump, r, &place, params, &mut out);
        (Outcome::Mapped, out.into_bump_slice())
    }
}

/// The plan for an event, worked out on its first record.
fn cached_plan(
    plans: &mut FxHashMap<Box<str>, FxHashMap<Box<str>, Arc<Plan>>>,
    source: &str,
    name: &str,
) -> Arc<Plan> {
    if let Some(p) = plans.get(source).and_then(|m| m.get(name)) {
        return Arc::clone(p);
    }
    let p = Arc::new(plan(source, name));
    plans
        .entry(source.into())
        .or_default()
        .insert(name.into(), Arc::clone(&p));
    p
}

fn add_passrole<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    place: &Place<'a>,
    rules: &[PassRoleRule],
    out: &mut BumpVec<'a, NeedRef<'a>>,
) {
    if rules.is_empty() {
        return;
    }
    let pass = ActionId::find("iam", "PassRole").expect("catalog has iam:PassRole");
    for rule in rules {
        let profile = rule.source.transform == Transform::InstanceProfile;
        resources::strings_at(r, &rule.source.path, &mut |v| {
            let role = role_resource(bump, v, place, profile);
            out.push(NeedRef {
                permission: PermissionRef {
                    action: pass,
                    resource: role.arn,
                    condition: Some(ConditionRef {
                        op: crate::iam::policy::Operator::STRING_EQUALS,
                        key: "iam:PassedToService",
                        value: rule.service,
                    }),
                },
                via: Via::PassRole(rule.at),
                unknown: role.unknown,
            });
        });
    }
}

/// Extra actions on the resources that parameters name (`param-actions.tsv`, e.g. the KMS
/// key a secret is encrypted with): only values that name a resource completely count.
fn add_param_actions<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    place: &Place<'a>,
    rules: &[ParamActionRule],
    out: &mut BumpVec<'a, NeedRef<'a>>,
) {
    for rule in rules {
        resources::strings_at(r, &rule.source.path, &mut |v| {
            for &action in &rule.actions {
                if let Some(res) =
                    resources::resolve_value(bump, place, action, rule.source.transform, v)
                {
                    out.push(NeedRef {
                        permission: PermissionRef::new(action, res.arn),
                        via: Via::Curated(rule.at),
                        unknown: &[],
                    });
                }
            }
        });
    }
}

/// The role resource for a value that names a role (ARN or name) or an instance profile.
fn role_resource<'a>(bump: &'a Bump, v: &'a str, place: &Place<'a>, profile: bool) -> Resolved<'a> {
    // The role inside an instance profile is not in the record.
    let inside_profile = |arn: &str| Resolved {
        arn: bumpalo::format!(in bump, "{}:role/*", arn).into_bump_str(),
        unknown: &["RoleNameWithPath"],
    };
    let account = || escape_in(bump, place.account);
    if !v.starts_with("arn:") {
        if profile {
            return inside_profile(
                bumpalo::format!(in bump, "arn:{}:iam::{}", place.partition, account())
                    .into_bump_str(),
            );
        }
        return Resolved {
            arn: bumpalo::format!(in bump,
                "arn:{}:iam::{}:role/{}",
                place.partition,
                account(),
                escape_in(bump, v)
            )
            .into_bump_str(),
            unknown: &[],
        };
    }
    if !v.contains(":role/")
        && let Some(i) = v.find(":instance-profile/")
    {
        return inside_profile(escape_in(bump, &v[..i]));
    }
    Resolved {
        arn: escape_in(bump, v),
        unknown: &[],
    }
}

/// Tags on a create call are authorized on the resource being created: the event's own
/// resources (`out[..created]`) where they are of a type the tagging action takes, else
/// resolved afresh.
fn add_tag_on_create<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    place: &Place<'a>,
    scope: &str,
    rules: &[TagRule],
    created: usize,
    out: &mut BumpVec<'a, NeedRef<'a>>,
) {
    for rule in rules {
        let Some((root, path)) = root_of(r, &rule.source.path) else {
            continue;
        };
        if !resources::present(root, path) {
            continue;
        }
        let svc = rule.action.service();
        let fits = |arn: &'a str| {
            let arn = literal_in(bump, arn);
            rule.action
                .def()
                .resources
                .iter()
                .any(|t| svc.resources[t.index].arn.matches(arn))
        };
        let mut same: BumpVec<'a, Resolved<'a>> = BumpVec::new_in(bump);
        same.extend(
            out[..created]
                .iter()
                .filter(|n| fits(n.permission.resource))
                .map(|n| Resolved {
                    arn: n.permission.resource,
                    unknown: &[],
                }),
        );
        let targets = if same.is_empty() {
            resolve(bump, r, place, scope, rule.action, ResourceRole::Target)
        } else {
            same
        };
        out.extend(targets.iter().map(|res| NeedRef {
            permission: PermissionRef::new(rule.action, res.arn),
            via: Via::TagOnCreate(rule.at),
            unknown: res.unknown,
        }));
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
