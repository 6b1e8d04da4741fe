//! The hand-curated map (`action-map/curated/*.tsv`): what the catalog alone cannot say
//! about CloudTrail events. The file formats are specified in `action-map/README.md`.
//!
//! Parsing never fails at run time: a malformed line is left out and listed by
//! [`Curated::problems`], which the test suite requires to be empty.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{ActionId, curated_sources, has_service, service};

/// Where a curated (or model-derived) line came from, for `--explain` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineRef {
    /// File name inside `action-map/curated/`, or `models/<name>` for a table derived from
    /// the SDK service models (`action-map/models/`).
    pub file: &'static str,
    /// 1-based line number.
    pub line: usize,
}

impl std::fmt::Display for LineRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.file.contains('/') {
            write!(f, "action-map/{}:{}", self.file, self.line)
        } else {
            write!(f, "action-map/curated/{}:{}", self.file, self.line)
        }
    }
}

/// Which resource of a record an action in an event rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceRole {
    /// The event's own resource.
    Target,
    /// The copy source (`x-amz-copy-source`).
    Source,
}

/// What an event needs, per `events.tsv`.
#[derive(Debug, Clone)]
pub enum EventRule {
    /// No IAM permission of the caller is checked.
    Free {
        /// Why.
        reason: &'static str,
        /// Where.
        at: LineRef,
    },
    /// These actions (canonical `prefix:Action`), each on a resource of the record.
    Actions {
        /// Actions with the resource each applies to.
        actions: Vec<(ActionId, ResourceRole)>,
        /// Why.
        reason: &'static str,
        /// Where.
        at: LineRef,
    },
}

/// How a value is turned into template variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// As is (a whole matching ARN is used as the resource).
    None,
    /// Drop one leading `/`.
    TrimSlash,
    /// After the last `/` or `:`.
    Last,
    /// Queue URL → `QueueName` and account.
    SqsUrl,
    /// Secret name → `name-??????`.
    Secret,
    /// KMS key id, alias or ARN.
    KmsKey,
    /// S3 copy source → `BucketName`, `ObjectName`.
    CopySource,
    /// An instance profile name or ARN (passrole.tsv): the role inside is unknown.
    InstanceProfile,
    /// `:id=<prefix>`: an id of the form `<prefix>-<hex>` (EC2's `ami-0abc…`, `vol-…`);
    /// any other value is not of this resource type and is skipped. Lets one list of ids
    /// (`resourcesSet.items[].resourceId`) fill the resource type each id names.
    IdPrefix(&'static str),
}

/// One step of a dotted request-parameter path; `array` walks every element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// Object key.
    pub key: &'static str,
    /// `key[]`: the value is an array, visit each element.
    pub array: bool,
}

/// A request-parameter source: path plus transform.
#[derive(Debug, Clone)]
pub struct ParamSource {
    /// Path into `requestParameters`.
    pub path: Vec<PathStep>,
    /// The transform to apply.
    pub transform: Transform,
    /// `path?other=Value`: the source counts only when the parameter at `other` is the
    /// string `Value` (SSM tag calls say in `resourceType` what `resourceId` names).
    pub when: Option<(Vec<PathStep>, &'static str)>,
}

/// `resources.tsv`: how to fill one template variable of a resource type.
#[derive(Debug, Clone)]
pub struct VarRule {
    /// Template variable (`FunctionName`).
    pub var: &'static str,
    /// Candidates, first present wins.
    pub sources: Vec<ParamSource>,
    /// Where.
    pub at: LineRef,
}

/// `passrole.tsv`: a parameter that hands a role to a service.
#[derive(Debug, Clone)]
pub struct PassRoleRule {
    /// Path of the role ARN or name.
    pub source: ParamSource,
    /// Service principal for `iam:PassedToService`.
    pub service: &'static str,
    /// Why.
    pub reason: &'static str,
    /// Where.
    pub at: LineRef,
}

/// `tag-on-create.tsv`: tags on a create call need the tagging action too.
#[derive(Debug, Clone)]
pub struct TagRule {
    /// Path of the tags parameter.
    pub source: ParamSource,
    /// The tagging action.
    pub action: ActionId,
    /// Why.
    pub reason: &'static str,
    /// Where.
    pub at: LineRef,
}

/// `param-actions.tsv`: a request parameter that names a resource (a KMS key) on which the
/// call also needs other actions, checked by the service with the caller's credentials.
#[derive(Debug, Clone)]
pub struct ParamActionRule {
    /// Path of the parameter naming the resource, with its transform (`:kms-key`).
    pub source: ParamSource,
    /// The extra actions, each on the resource the value names.
    pub actions: Vec<ActionId>,
    /// Why.
    pub reason: &'static str,
    /// Where.
    pub at: LineRef,
}

/// The parsed curated map.
#[derive(Debug, Default)]
pub struct Curated {
    /// eventSource → IAM prefix.
    pub services: HashMap<&'static str, &'static str>,
    /// eventSource → IAM prefix, derived from the SDK models (`models/event-sources.tsv`);
    /// [`Curated::services`] wins.
    pub derived_services: HashMap<&'static str, &'static str>,
    /// `prefix:EventName` → rule.
    pub events: HashMap<&'static str, EventRule>,
    /// `prefix` or `prefix:EventName` → resource type (the catalog's spelling) → rules.
    pub resources: HashMap<&'static str, HashMap<&'static str, Vec<VarRule>>>,
    /// `prefix:Action` → resource type → variable rules derived from the SDK models
    /// (`models/resources.tsv`), used after the curated ones for variables they leave open.
    /// Not checked against the catalog when parsed (that would parse every service at
    /// start-up); `tests/derived_map.rs` checks every line.
    pub derived_resources: HashMap<&'static str, HashMap<&'static str, Vec<VarRule>>>,
    /// `prefix:EventName` → PassRole rules: curated lines, then the lines of
    /// `models/passrole.tsv` for paths no curated line of the event names.
    pub passrole: HashMap<&'static str, Vec<PassRoleRule>>,
    /// `prefix:EventName` → tagging rules.
    pub tag_on_create: HashMap<&'static str, Vec<TagRule>>,
    /// `prefix:EventName` → extra actions on a resource a parameter names.
    pub param_actions: HashMap<&'static str, Vec<ParamActionRule>>,
    /// Privilege-escalation-capable action → why, worded for exact and for wildcard
    /// resources.
    pub sensitive: HashMap<ActionId, SensitiveWhy>,
    problems: Vec<String>,
    entries: usize,
}

/// Why a sensitive action matters, in words true of the grant: a grant on named
/// resources reaches only those, one on `*` or a pattern reaches whatever it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensitiveWhy {
    /// For a grant on exact resources.
    pub exact: &'static str,
    /// For a grant on `*` or a pattern.
    pub wildcard: &'static str,
}

impl SensitiveWhy {
    /// The wording for a grant on `resource`.
    pub fn for_resource(&self, resource: &str) -> &'static str {
        if crate::iam::pattern::is_pattern(resource) {
            self.wildcard
        } else {
            self.exact
        }
    }
}

/// The curated map, parsed on first use.
pub fn curated() -> &'static Curated {
    static C: OnceLock<Curated> = OnceLock::new();
    C.get_or_init(|| Curated::parse(curated_sources()))
}

fn parse_source(s: &'static str) -> Result<ParamSource, String> {
    let (path, transform) = match s.split_once(':') {
        Some((p, t)) => (
            p,
            match t {
                "trim-slash" => Transform::TrimSlash,
                "last" => Transform::Last,
                "sqs-url" => Transform::SqsUrl,
                "secret" => Transform::Secret,
                "kms-key" => Transform::KmsKey,
                "copy-source" => Transform::CopySource,
                "instance-profile" => Transform::InstanceProfile,
                other => match other.strip_prefix("id=") {
                    Some(p)
                        if !p.is_empty()
                            && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') =>
                    {
                        Transform::IdPrefix(p)
                    }
                    _ => return Err(format!("unknown transform `{other}`")),
                },
            },
        ),
        None => (s, Transform::None),
    };
    let (path, when) = match path.split_once('?') {
        Some((path, cond)) => {
            let (other, value) = cond
                .split_once('=')
                .filter(|(o, v)| !o.is_empty() && !v.is_empty())
                .ok_or_else(|| format!("bad condition `?{cond}`: expected ?parameter=Value"))?;
            (path, Some((parse_path(other, s)?, value)))
        }
        None => (path, None),
    };
    Ok(ParamSource {
        path: parse_path(path, s)?,
        transform,
        when,
    })
}

/// A dotted path (`a.b[].c`) into steps.
fn parse_path(path: &'static str, whole: &str) -> Result<Vec<PathStep>, String> {
    if path.is_empty() {
        return Err("empty parameter path".into());
    }
    let steps = path
        .split('.')
        .map(|k| match k.strip_suffix("[]") {
            Some(key) => PathStep { key, array: true },
            None => PathStep {
                key: k,
                array: false,
            },
        })
        .collect::<Vec<_>>();
    if steps.iter().any(|p| p.key.is_empty()) {
        return Err(format!("bad parameter path `{whole}`"));
    }
    Ok(steps)
}

/// The catalog's id for a known `prefix:Action` (any case).
fn canonical_action(full: &str) -> Result<ActionId, String> {
    ActionId::lookup(full).ok_or_else(|| format!("`{full}` is not an action in the IAM catalog"))
}

/// Splits an event key `prefix:EventName`, checking the prefix.
fn event_key(s: &'static str) -> Result<&'static str, String> {
    let (p, e) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}` is not prefix:EventName"))?;
    if !has_service(p) || e.is_empty() {
        return Err(format!(
            "`{s}`: `{p}` is not a service prefix in the IAM catalog"
        ));
    }
    Ok(s)
}

impl Curated {
    /// Parses the embedded files.
    pub fn parse(files: &[(&'static str, &'static str)]) -> Curated {
        let mut c = Curated::default();
        for &(file, text) in files {
            for (i, line) in text.lines().enumerate() {
                let at = LineRef { file, line: i + 1 };
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let cols: Vec<&'static str> = line.split('\t').map(str::trim).collect();
                match c.parse_line(file, &cols, at) {
                    Ok(()) => c.entries += 1,
                    Err(e) => c.problems.push(format!("{at}: {e}")),
                }
            }
        }
        c
    }

    fn parse_line(&mut self, file: &str, cols: &[&'static str], at: LineRef) -> Result<(), String> {
        let want = match file {
            "services.tsv" | "models/event-sources.tsv" => 3,
            "events.tsv" => 3,
            "resources.tsv"
            | "passrole.tsv"
            | "tag-on-create.tsv"
            | "param-actions.tsv"
            | "models/passrole.tsv"
            | "models/resources.tsv" => 4,
            "sensitive.tsv" => 3,
            _ => return Err("unknown curated file".into()),
        };
        if cols.len() != want {
            return Err(format!(
                "expected {want} tab-separated columns, found {}",
                cols.len()
            ));
        }
        let reason = cols[want - 1];
        if reason.is_empty() {
            return Err("the reason/source column is empty".into());
        }
        match file {
            "services.tsv" | "models/event-sources.tsv" => {
                if !has_service(cols[1]) {
                    return Err(format!(
                        "`{}` is not a service prefix in the IAM catalog",
                        cols[1]
                    ));
                }
                let map = if file == "services.tsv" {
                    &mut self.services
                } else {
                    &mut self.derived_services
                };
                if map.insert(cols[0], cols[1]).is_some() {
                    return Err(format!("`{}` is listed twice", cols[0]));
                }
            }
            "events.tsv" => {
                let key = event_key(cols[0])?;
                let rule = if cols[1] == "-" {
                    EventRule::Free { reason, at }
                } else {
                    let actions = cols[1]
                        .split(',')
                        .map(|a| {
                            let (name, role) = match a.trim().split_once('@') {
                                Some((n, "source")) => (n, ResourceRole::Source),
                                Some((_, r)) => {
                                    return Err(format!("unknown resource role `@{r}`"));
                                }
                                None => (a.trim(), ResourceRole::Target),
                            };
                            Ok((canonical_action(name)?, role))
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                    EventRule::Actions {
                        actions,
                        reason,
                        at,
                    }
                };
                if self.events.insert(key, rule).is_some() {
                    return Err(format!("`{key}` is listed twice"));
                }
            }
            "models/resources.tsv" => {
                let (var, sources) = cols[2].split_once('=').ok_or("expected Variable=source")?;
                let sources = sources
                    .split('|')
                    .map(parse_source)
                    .collect::<Result<Vec<_>, _>>()?;
                self.derived_resources
                    .entry(cols[0])
                    .or_default()
                    .entry(cols[1])
                    .or_default()
                    .push(VarRule { var, sources, at });
            }
            "resources.tsv" => {
                let scope = cols[0];
                let prefix = scope.split(':').next().unwrap_or_default();
                let svc = service(prefix).ok_or_else(|| {
                    format!("`{prefix}` is not a service prefix in the IAM catalog")
                })?;
                let rt = svc
                    .resource_type(cols[1])
                    .ok_or_else(|| format!("`{}` is not a resource type of `{prefix}`", cols[1]))?;
                let (var, sources) = cols[2].split_once('=').ok_or("expected Variable=source")?;
                if !rt.arn.vars().any(|v| v == var) {
                    return Err(format!("`{var}` is not a variable of {}", rt.arn.text));
                }
                let sources = sources
                    .split('|')
                    .map(parse_source)
                    .collect::<Result<Vec<_>, _>>()?;
                self.resources
                    .entry(scope)
                    .or_default()
                    .entry(rt.name)
                    .or_default()
                    .push(VarRule { var, sources, at });
            }
            "passrole.tsv" | "models/passrole.tsv" => {
                let key = event_key(cols[0])?;
                let source = parse_source(cols[1])?;
                if !cols[2].contains('.') {
                    return Err(format!(
                        "`{}` does not look like a service principal",
                        cols[2]
                    ));
                }
                let rules = self.passrole.entry(key).or_default();
                if file != "passrole.tsv" && rules.iter().any(|r| r.source.path == source.path) {
                    // A curated line for the same parameter says it better (service, kind).
                    return Ok(());
                }
                rules.push(PassRoleRule {
                    source,
                    service: cols[2],
                    reason,
                    at,
                });
            }
            "tag-on-create.tsv" => {
                let key = event_key(cols[0])?;
                let source = parse_source(cols[1])?;
                let action = canonical_action(cols[2])?;
                self.tag_on_create.entry(key).or_default().push(TagRule {
                    source,
                    action,
                    reason,
                    at,
                });
            }
            "param-actions.tsv" => {
                let key = event_key(cols[0])?;
                let source = parse_source(cols[1])?;
                let actions = cols[2]
                    .split(',')
                    .map(|a| {
                        let id = canonical_action(a.trim())?;
                        if id.def().resources.is_empty() {
                            return Err(format!("`{id}` has no resource type to scope"));
                        }
                        Ok(id)
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                self.param_actions
                    .entry(key)
                    .or_default()
                    .push(ParamActionRule {
                        source,
                        actions,
                        reason,
                        at,
                    });
            }
            "sensitive.tsv" => {
                let action = canonical_action(cols[0])?;
                let exact = cols[1];
                if exact.is_empty() || exact == "-" {
                    return Err("the exact-resource reason is empty".into());
                }
                let wildcard = if reason == "-" { exact } else { reason };
                self.sensitive
                    .insert(action, SensitiveWhy { exact, wildcard });
            }
            _ => unreachable!("checked above"),
        }
        Ok(())
    }

    /// Lines that could not be used, with file and line number. Empty in a good build.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// How many curated lines were accepted.
    pub fn entries(&self) -> usize {
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unknown_names_with_line_numbers() {
        let files: &[(&str, &str)] = &[
            (
                "events.tsv",
                "# comment\ns3:HeadObject\ts3:GetObject\tok\ns3:Foo\ts3:NotAnAction\treason\ns3:Bar\ts3:GetObject\t\n",
            ),
            (
                "resources.tsv",
                "lambda\tfunction\tFunctionName=functionName:last\tr\nlambda\tfunction\tNope=x\tr\n",
            ),
        ];
        let c = Curated::parse(files);
        assert_eq!(c.entries(), 2);
        let p = c.problems();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("events.tsv:3") && p[0].contains("s3:NotAnAction"));
        assert!(p[1].contains("events.tsv:4") && p[1].contains("empty"));
        assert!(p[2].contains("resources.tsv:2") && p[2].contains("Nope"));
    }

    #[test]
    fn sources_conditions_transforms_and_derived_lines() {
        let s = parse_source("resourceId?resourceType=Parameter:trim-slash").unwrap();
        assert_eq!(s.transform, Transform::TrimSlash);
        assert_eq!(s.path[0].key, "resourceId");
        let (when, value) = s.when.unwrap();
        assert_eq!((when[0].key, value), ("resourceType", "Parameter"));
        assert_eq!(
            parse_source("resourcesSet.items[].resourceId:id=tgw-attach")
                .unwrap()
                .transform,
            Transform::IdPrefix("tgw-attach")
        );
        for bad in ["x?=V", "x?y=", "x?y", "x:id=", "x:id=AMI"] {
            assert!(parse_source(bad).is_err(), "{bad}");
        }
        // A derived PassRole line for a path a curated line names is not loaded; one for
        // another path is. Derived lines come after curated ones (src/build.rs).
        let files: &[(&str, &str)] = &[
            (
                "passrole.tsv",
                "lambda:CreateFunction\trole\tlambda.amazonaws.com\tr\n",
            ),
            (
                "models/passrole.tsv",
                "lambda:CreateFunction\trole\tother.amazonaws.com\tr\nlambda:CreateFunction\tx.roleArn\tlambda.amazonaws.com\tr\n",
            ),
            (
                "models/event-sources.tsv",
                "api.ecr.amazonaws.com\tecr\tr\n",
            ),
        ];
        let c = Curated::parse(files);
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        let rules = &c.passrole["lambda:CreateFunction"];
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].service, "lambda.amazonaws.com");
        assert_eq!(rules[0].at.to_string(), "action-map/curated/passrole.tsv:1");
        assert_eq!(rules[1].at.to_string(), "action-map/models/passrole.tsv:2");
        assert_eq!(c.derived_services["api.ecr.amazonaws.com"], "ecr");
    }

    #[test]
    fn sensitive_wording_follows_the_resource() {
        let files: &[(&str, &str)] = &[(
            "sensitive.tsv",
            "sts:AssumeRole\tonly these roles\tevery matching role\niam:CreateRole\tcreates roles\t-\n",
        )];
        let c = Curated::parse(files);
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        let assume = c.sensitive[&canonical_action("sts:AssumeRole").unwrap()];
        assert_eq!(
            assume.for_resource("arn:aws:iam::1:role/ci"),
            "only these roles"
        );
        assert_eq!(assume.for_resource("*"), "every matching role");
        assert_eq!(
            assume.for_resource("arn:aws:iam::1:role/cdk-*"),
            "every matching role"
        );
        // An escaped star names a role called `*`, not every role.
        assert_eq!(
            assume.for_resource("arn:aws:iam::1:role/${*}"),
            "only these roles"
        );
        let create = c.sensitive[&canonical_action("iam:CreateRole").unwrap()];
        assert_eq!(create.for_resource("*"), "creates roles");
    }
}
