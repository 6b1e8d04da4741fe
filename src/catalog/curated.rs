//! The hand-curated map (`action-map/curated/*.tsv`): what the catalog alone cannot say
//! about CloudTrail events. The file formats are specified in `action-map/README.md`.
//!
//! Parsing never fails at run time: a malformed line is left out and listed by
//! [`Curated::problems`], which the test suite requires to be empty.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{ActionId, curated_sources, has_service, service};

/// Where a curated line came from, for `--explain` and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineRef {
    /// File name inside `action-map/curated/`.
    pub file: &'static str,
    /// 1-based line number.
    pub line: usize,
}

impl std::fmt::Display for LineRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "action-map/curated/{}:{}", self.file, self.line)
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

/// The parsed curated map.
#[derive(Debug, Default)]
pub struct Curated {
    /// eventSource → IAM prefix.
    pub services: HashMap<&'static str, &'static str>,
    /// `prefix:EventName` → rule.
    pub events: HashMap<&'static str, EventRule>,
    /// `prefix` or `prefix:EventName` → resource type (the catalog's spelling) → rules.
    pub resources: HashMap<&'static str, HashMap<&'static str, Vec<VarRule>>>,
    /// `prefix:EventName` → PassRole rules.
    pub passrole: HashMap<&'static str, Vec<PassRoleRule>>,
    /// `prefix:EventName` → tagging rules.
    pub tag_on_create: HashMap<&'static str, Vec<TagRule>>,
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
        if crate::policy::escape::is_pattern(resource) {
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
                other => return Err(format!("unknown transform `{other}`")),
            },
        ),
        None => (s, Transform::None),
    };
    if path.is_empty() {
        return Err("empty parameter path".into());
    }
    let path = path
        .split('.')
        .map(|k| match k.strip_suffix("[]") {
            Some(key) => PathStep { key, array: true },
            None => PathStep {
                key: k,
                array: false,
            },
        })
        .collect::<Vec<_>>();
    if path.iter().any(|p| p.key.is_empty()) {
        return Err(format!("bad parameter path `{s}`"));
    }
    Ok(ParamSource { path, transform })
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
            "services.tsv" => 3,
            "events.tsv" => 3,
            "resources.tsv" | "passrole.tsv" | "tag-on-create.tsv" => 4,
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
            "services.tsv" => {
                if !has_service(cols[1]) {
                    return Err(format!(
                        "`{}` is not a service prefix in the IAM catalog",
                        cols[1]
                    ));
                }
                self.services.insert(cols[0], cols[1]);
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
            "passrole.tsv" => {
                let key = event_key(cols[0])?;
                let source = parse_source(cols[1])?;
                if !cols[2].contains('.') {
                    return Err(format!(
                        "`{}` does not look like a service principal",
                        cols[2]
                    ));
                }
                self.passrole.entry(key).or_default().push(PassRoleRule {
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
