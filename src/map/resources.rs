//! Which resources (ARNs) an action was authorized on, from a record: the record's
//! `resources` array first, then request parameters through the catalog's ARN templates
//! and the variable rules of `action-map/curated/resources.tsv`.

use std::borrow::Cow;

use rustc_hash::FxHashSet;

use simd_json::prelude::*;

use crate::catalog::curated::{ParamSource, PathStep, ResourceRole, Transform, VarRule, curated};
use crate::catalog::{ActionId, ResourceType, Service};
use crate::decode::Record;
use crate::decode::record::Json;
use crate::percent::percent_decode;
use crate::policy::escape::escape;

/// Upper bound on resources one action of one record expands to (arrays of names).
const MAX_PER_ACTION: usize = 256;

/// A resolved resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Policy-ready resource string (data escaped, unknown parts `*`).
    pub arn: String,
    /// Template variables that could not be known (written as `*`).
    pub unknown: Vec<&'static str>,
}

/// What the record says about where the call happened.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: &'a str,
    /// `awsRegion`.
    pub region: &'a str,
    /// Account that owns the resources (recipientAccountId, else the caller's).
    pub account: &'a str,
}

impl<'a> Place<'a> {
    /// Derives the place from a record.
    pub fn of(r: &Record<'a>) -> Place<'a> {
        let region = r.region().unwrap_or("");
        let partition = r
            .identity_str("arn")
            .and_then(|a| a.strip_prefix("arn:"))
            .and_then(|a| a.split(':').next())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| partition_of_region(region));
        let account = r
            .recipient_account()
            .or(r.identity_str("accountId"))
            .unwrap_or("");
        Place {
            partition,
            region,
            account,
        }
    }
}

/// The partition a region belongs to.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// Values found at a parameter path (walking arrays). Only strings and numbers count.
pub fn values_at<'v>(root: Json<'v>, path: &[PathStep], out: &mut Vec<Json<'v>>) {
    let scalar = |v: &Json<'v>| v.as_str().is_some() || v.as_f64().is_some();
    let Some((step, rest)) = path.split_first() else {
        match root.as_array() {
            Some(items) => out.extend(items.iter().filter(|v| scalar(v))),
            None if scalar(&root) => out.push(root),
            None => {}
        }
        return;
    };
    let Some(next) = root.get(step.key) else {
        return;
    };
    if step.array {
        for item in next.as_array().into_iter().flat_map(|a| a.iter()) {
            values_at(item, rest, out);
        }
    } else {
        values_at(next, rest, out);
    }
}

/// Whether the path holds something: present, not null, not empty.
pub fn present(root: Json<'_>, path: &[PathStep]) -> bool {
    let Some((step, rest)) = path.split_first() else {
        return match root.value_type() {
            simd_json::ValueType::Null => false,
            simd_json::ValueType::String => root.as_str().is_some_and(|s| !s.is_empty()),
            simd_json::ValueType::Array => root.as_array().is_some_and(|a| !a.is_empty()),
            simd_json::ValueType::Object => root.as_object().is_some_and(|o| !o.is_empty()),
            _ => true,
        };
    };
    match root.get(step.key) {
        Some(next) if step.array => next
            .as_array()
            .into_iter()
            .flat_map(|a| a.iter())
            .any(|i| present(i, rest)),
        Some(next) => present(next, rest),
        None => false,
    }
}

fn text(v: Json<'_>) -> Option<Cow<'_, str>> {
    if let Some(s) = v.into_string() {
        return Some(Cow::Borrowed(s));
    }
    v.as_i64()
        .map(|n| n.to_string())
        .or_else(|| v.as_u64().map(|n| n.to_string()))
        .or_else(|| v.as_f64().map(|n| n.to_string()))
        .map(Cow::Owned)
}

/// The tree a path reads from: `responseElements.…` reads the response,
/// `userIdentity.…` the caller (IAM calls without a user name act on the caller),
/// anything else `requestParameters`.
pub fn root_of<'a, 'p>(r: &Record<'a>, path: &'p [PathStep]) -> Option<(Json<'a>, &'p [PathStep])> {
    match path.split_first() {
        Some((first, rest)) if first.key == "responseElements" && !first.array => {
            Some((r.response_elements()?, rest))
        }
        Some((first, rest)) if first.key == "userIdentity" && !first.array => {
            Some((r.user_identity()?, rest))
        }
        _ => Some((r.request_parameters()?, path)),
    }
}

/// One way of filling variables, from one value.
#[derive(Debug, Clone, Default)]
struct Fill {
    vars: Vec<(&'static str, String)>,
    arn: Option<String>,
}

fn apply(t: Transform, raw: &str, var: &'static str) -> Option<Fill> {
    let esc = |s: &str| escape(s).into_owned();
    let whole = |s: &str| {
        Some(Fill {
            arn: Some(esc(s)),
            ..Default::default()
        })
    };
    if raw.is_empty() {
        return None;
    }
    if raw.starts_with("arn:") && !matches!(t, Transform::CopySource | Transform::InstanceProfile) {
        return whole(raw);
    }
    let one = |v: &str| {
        (!v.is_empty()).then(|| Fill {
            vars: vec![(var, esc(v))],
            arn: None,
        })
    };
    match t {
        Transform::None | Transform::InstanceProfile => one(raw),
        Transform::TrimSlash => one(raw.strip_prefix('/').unwrap_or(raw)),
        Transform::Last => one(raw.rsplit(['/', ':']).next().unwrap_or(raw)),
        Transform::Secret => one(raw).map(|mut f| {
            // Secret ARNs end in `-` and six random characters the record never shows.
            f.vars[0].1.push_str("-??????");
            f
        }),
        Transform::SqsUrl => {
            // https://sqs.us-east-1.amazonaws.com/111122223333/name (also legacy hosts)
            let path = raw.split_once("://").map_or(raw, |(_, rest)| rest);
            let mut parts = path.split('/');
            let host = parts.next()?;
            let (account, name) = (parts.next()?, parts.next()?);
            if account.is_empty() || name.is_empty() || !account.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let mut vars = vec![("QueueName", esc(name)), ("Account", esc(account))];
            if let Some(region) = host.strip_prefix("sqs.").and_then(|h| h.split('.').next())
                && region.contains('-')
            {
                vars.push(("Region", esc(region)));
            }
            Some(Fill { vars, arn: None })
        }
        Transform::KmsKey => match raw.strip_prefix("alias/") {
            Some(alias) => Some(Fill {
                vars: vec![("Alias", esc(alias))],
                arn: None,
            }),
            None => Some(Fill {
                vars: vec![("KeyId", esc(raw))],
                arn: None,
            }),
        },
        Transform::CopySource => {
            let decoded =
                percent_decode(raw.split_once("?versionId=").map_or(raw, |(p, _)| p), true);
            let path = decoded.strip_prefix('/').unwrap_or(&decoded);
            if let Some(arn) = path.strip_prefix("arn:") {
                // Access point form: arn:aws:s3:region:acct:accesspoint/name/object/key
                return whole(&format!("arn:{arn}"));
            }
            let (bucket, key) = path.split_once('/')?;
            (!bucket.is_empty() && !key.is_empty()).then(|| Fill {
                vars: vec![("BucketName", esc(bucket)), ("ObjectName", esc(key))],
                arn: None,
            })
        }
    }
}

/// The variable rules that apply to a resource type for an event, event scope first.
fn rules_for(scope: &str, prefix: &str, rt: &ResourceType) -> Vec<&'static VarRule> {
    let c = curated();
    let mut out: Vec<&'static VarRule> = Vec::new();
    // Event-scoped lines first, then service-wide ones for variables still open; within a
    // scope, lines for the same variable are tried in file order (see fills_from_params).
    if let Some(rules) = c.resources.get(scope).and_then(|m| m.get(rt.name)) {
        out.extend(rules.iter());
    }
    if let Some(rules) = c.resources.get(prefix).and_then(|m| m.get(rt.name)) {
        let scoped = out.len();
        for r in rules {
            if !out[..scoped].iter().any(|s| s.var == r.var) {
                out.push(r);
            }
        }
    }
    out
}

/// Candidate fills of one template for the record, from parameters. For each variable
/// the first source (across its lines, in order) that is present wins; copy-source
/// sources only describe the `@source` resource and are skipped here.
fn fills_from_params(r: &Record<'_>, rules: &[&VarRule]) -> Vec<Fill> {
    let mut combos: Vec<Fill> = vec![Fill::default()];
    let mut filled: Vec<&'static str> = Vec::new();
    for rule in rules {
        if filled.contains(&rule.var) {
            continue;
        }
        let mut options: Vec<Fill> = Vec::new();
        for src in rule
            .sources
            .iter()
            .filter(|s| s.transform != Transform::CopySource)
        {
            if let Some(found) = values_from(r, src, rule.var) {
                options = found;
                break;
            }
        }
        if !options.is_empty() {
            filled.push(rule.var);
        }
        if options.is_empty() {
            continue;
        }
        let mut next = Vec::with_capacity(combos.len() * options.len());
        for c in &combos {
            for o in &options {
                if next.len() >= MAX_PER_ACTION {
                    break;
                }
                let mut f = c.clone();
                f.vars.extend(o.vars.iter().cloned());
                if f.arn.is_none() {
                    f.arn.clone_from(&o.arn);
                }
                next.push(f);
            }
        }
        combos = next;
    }
    combos
}

fn values_from(r: &Record<'_>, src: &ParamSource, var: &'static str) -> Option<Vec<Fill>> {
    let (root, path) = root_of(r, &src.path)?;
    let mut vals = Vec::new();
    values_at(root, path, &mut vals);
    let fills: Vec<Fill> = vals
        .iter()
        .filter_map(|v| text(*v))
        .filter_map(|t| apply(src.transform, &t, var))
        .collect();
    (!fills.is_empty()).then_some(fills)
}

/// Resources of one resource type for this record.
fn resolve_type(
    place: &Place<'_>,
    rt: &ResourceType,
    fills: &[Fill],
    from_record: &[&str],
) -> Vec<Resolved> {
    let mut out: Vec<Resolved> = from_record
        .iter()
        .filter(|a| rt.arn.matches(a))
        .map(|a| Resolved {
            arn: escape(a).into_owned(),
            unknown: Vec::new(),
        })
        .collect();
    if !out.is_empty() {
        return out;
    }
    for f in fills {
        if let Some(arn) = f.arn.as_ref().filter(|a| rt.arn.matches(a)) {
            out.push(Resolved {
                arn: arn.clone(),
                unknown: Vec::new(),
            });
            continue;
        }
        let (arn, unknown) = rt.arn.fill(|v| {
            if let Some((_, val)) = f.vars[..].iter().rev().find(|(k, _)| *k == v) {
                return Some(val.clone());
            }
            match v {
                "Partition" => Some(place.partition.to_owned()),
                "Region" if !place.region.is_empty() => Some(escape(place.region).into_owned()),
                "Account" if !place.account.is_empty() => Some(escape(place.account).into_owned()),
                _ => None,
            }
        });
        out.push(Resolved { arn, unknown });
    }
    out
}

/// The resource an AccessDenied `errorMessage` names (`… on resource: arn:… because …`).
/// A denied call's record often has no parameters; the message still says what it wanted.
pub fn denied_resource<'a>(r: &Record<'a>) -> Option<&'a str> {
    r.error_code()?;
    let msg = r.error_message()?;
    let start = msg.find("on resource: ")? + "on resource: ".len();
    let rest = &msg[start..];
    let arn = rest
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()?
        .trim_end_matches(['.', ',', ';']);
    // A `*` in the message is AWS's own pattern (CloudFormation writes `stack/name/*`), not
    // a name: escaping it would grant nothing, leaving it bare could widen. Use only exact ARNs.
    (arn.starts_with("arn:") && !arn.contains(['*', '?'])).then_some(arn)
}

/// Resolves the resources `action` was authorized on in this record. `scope` is the
/// event key (`prefix:EventName`) for event-scoped rules. Returns `[("*", [])]` when the
/// action supports no resource-level permission.
pub fn resolve(
    r: &Record<'_>,
    place: &Place<'_>,
    scope: &str,
    action: ActionId,
    role: ResourceRole,
) -> Vec<Resolved> {
    let svc: &Service = action.service();
    let def = action.def();
    if def.resources.is_empty() {
        return vec![Resolved {
            arn: "*".into(),
            unknown: Vec::new(),
        }];
    }
    if role == ResourceRole::Source {
        // The source of a copy: only `x-amz-copy-source` says what it is.
        let src = ParamSource {
            path: vec![PathStep {
                key: "x-amz-copy-source",
                array: false,
            }],
            transform: Transform::CopySource,
        };
        let fills = values_from(r, &src, "ObjectName").unwrap_or_default();
        let Some(rt) = def
            .resources
            .iter()
            .map(|x| &svc.resources[x.index])
            .find(|rt| rt.name == "object")
        else {
            return vec![Resolved {
                arn: "*".into(),
                unknown: vec!["source"],
            }];
        };
        return resolve_type(place, rt, &fills, &[]);
    }
    let mut from_record: Vec<&str> = r.resources().map(|(a, _)| a).collect();
    if let Some(arn) = denied_resource(r) {
        from_record.push(arn);
    }
    let prefix = action.prefix;
    let mut per_type: Vec<(bool, &ResourceType, Vec<Resolved>)> = def
        .resources
        .iter()
        .map(|ar| {
            let rt = &svc.resources[ar.index];
            let rules = rules_for(scope, prefix, rt);
            let fills = fills_from_params(r, &rules);
            (
                ar.required,
                rt,
                resolve_type(place, rt, &fills, &from_record),
            )
        })
        .collect();
    let mut out = Vec::new();
    if per_type.iter().any(|(req, _, _)| *req) {
        for (req, _, res) in per_type.iter_mut() {
            if *req {
                out.append(res);
            }
        }
    } else {
        // Only optional types: the request is authorized on the one the record names.
        // Take the fully known ones, else the best partially known, else `*`.
        let service_vars = |rt: &ResourceType| {
            rt.arn
                .vars()
                .filter(|v| !matches!(*v, "Partition" | "Region" | "Account"))
                .count()
        };
        let complete =
            |res: &[Resolved]| !res.is_empty() && res.iter().all(|x| x.unknown.is_empty());
        if per_type.iter().any(|(_, _, res)| complete(res)) {
            for (_, _, res) in per_type.iter_mut() {
                if complete(res) {
                    out.append(res);
                }
            }
        } else {
            // Score: how many of the type's own variables are known (fewest unknown wins).
            let best = per_type
                .iter()
                .enumerate()
                .filter_map(|(i, (_, rt, res))| {
                    let unknown = res.iter().map(|x| x.unknown.len()).max()?;
                    (unknown < service_vars(rt))
                        .then(|| (service_vars(rt) - unknown, std::cmp::Reverse(i)))
                })
                .max();
            match best {
                Some((_, std::cmp::Reverse(i))) => out.append(&mut per_type[i].2),
                None => out.push(Resolved {
                    arn: "*".into(),
                    unknown: vec!["resource"],
                }),
            }
        }
    }
    if out.len() > 1 {
        // First occurrence of each ARN, without copying them.
        let keep: Vec<bool> = {
            let mut seen = FxHashSet::default();
            out.iter().map(|x| seen.insert(x.arn.as_str())).collect()
        };
        let mut keep = keep.into_iter();
        out.retain(|_| keep.next().unwrap_or(false));
    }
    out.truncate(MAX_PER_ACTION);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms() {
        let f = apply(
            Transform::SqsUrl,
            "https://sqs.us-west-2.amazonaws.com/444455556666/jobs",
            "QueueName",
        )
        .unwrap();
        assert_eq!(
            f.vars,
            [
                ("QueueName", "jobs".into()),
                ("Account", "444455556666".into()),
                ("Region", "us-west-2".into())
            ]
        );
        let f = apply(
            Transform::CopySource,
            "src-bucket/a%2Fb%2A.txt?versionId=3",
            "ObjectName",
        )
        .unwrap();
        assert_eq!(
            f.vars,
            [
                ("BucketName", "src-bucket".into()),
                ("ObjectName", "a/b${*}.txt".into())
            ]
        );
        assert_eq!(
            apply(Transform::Secret, "ci/docker", "SecretId")
                .unwrap()
                .vars[0]
                .1,
            "ci/docker-??????"
        );
        assert_eq!(
            apply(Transform::TrimSlash, "/a/b", "P").unwrap().vars[0].1,
            "a/b"
        );
        assert_eq!(
            apply(Transform::Last, "arn-like/x/name", "P").unwrap().vars[0].1,
            "name"
        );
        assert!(
            apply(Transform::None, "arn:aws:s3:::b", "P")
                .unwrap()
                .arn
                .is_some()
        );
        assert_eq!(
            apply(Transform::KmsKey, "alias/app", "KeyId").unwrap().vars,
            [("Alias", "app".into())]
        );
        assert!(apply(Transform::SqsUrl, "not a url", "QueueName").is_none());
    }
}
