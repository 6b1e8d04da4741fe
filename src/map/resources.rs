//! Which resources (ARNs) an action was authorized on, from a record: the record's
//! `resources` array first, then request parameters through the catalog's ARN templates
//! and the variable rules of `action-map/curated/resources.tsv`.
//!
//! Everything a record's resolution builds (escaped names, ARNs, candidate fills) lives
//! in the mapper's per-record arena, which is reset for the next record: resolving takes
//! no heap allocation once the arena has grown (see `Mapper`).

use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use simd_json::prelude::{TypedValue as _, ValueAsScalar as _, ValueIntoString as _};

use crate::catalog::curated::{PathStep, ResourceRole, Transform, VarRule, curated};
use crate::catalog::{ActionId, ResourceType, Service};
use crate::decode::Record;
use crate::decode::record::Json;
use crate::iam::arn::Arn;
use crate::iam::pattern::escape_in;
use crate::percent::percent_decode_in;

/// Upper bound on resources one action of one record expands to (arrays of names).
const MAX_PER_ACTION: usize = 256;

/// A resolved resource, in the mapper's arena (or borrowed from the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// Policy-ready resource string (data escaped, unknown parts `*`).
    pub arn: &'a str,
    /// Template variables that could not be known (written as `*`).
    pub unknown: &'a [&'static str],
}

impl Resolved<'_> {
    /// Every resource: for actions without resource-level permissions.
    const ANY: Resolved<'static> = Resolved {
        arn: "*",
        unknown: &[],
    };
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
            .and_then(|a| Arn::parse(a).ok())
            .map(|a| a.partition())
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

/// Visits the values found at a parameter path (walking arrays). Only strings and
/// numbers count.
pub fn values_at<'v>(root: Json<'v>, path: &[PathStep], visit: &mut impl FnMut(Json<'v>)) {
    let scalar = |v: &Json<'v>| v.as_str().is_some() || v.as_f64().is_some();
    let Some((step, rest)) = path.split_first() else {
        match root.as_array() {
            Some(items) => items.iter().filter(|v| scalar(v)).for_each(visit),
            None if scalar(&root) => visit(root),
            None => {}
        }
        return;
    };
    let Some(next) = root.get(step.key) else {
        return;
    };
    if step.array {
        for item in next.as_array().into_iter().flat_map(|a| a.iter()) {
            values_at(item, rest, visit);
        }
    } else {
        values_at(next, rest, visit);
    }
}

/// Visits the non-empty strings a record holds at a curated source path (read from the
/// tree [`root_of`] picks).
pub fn strings_at<'a>(r: &Record<'a>, path: &[PathStep], visit: &mut impl FnMut(&'a str)) {
    let Some((root, path)) = root_of(r, path) else {
        return;
    };
    values_at(root, path, &mut |v| {
        if let Some(s) = v.into_string().filter(|s| !s.is_empty()) {
            visit(s);
        }
    });
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

fn text<'a>(bump: &'a Bump, v: Json<'a>) -> Option<&'a str> {
    if let Some(s) = v.into_string() {
        return Some(s);
    }
    if let Some(n) = v.as_i64() {
        return Some(bumpalo::format!(in bump, "{}", n).into_bump_str());
    }
    if let Some(n) = v.as_u64() {
        return Some(bumpalo::format!(in bump, "{}", n).into_bump_str());
    }
    if let Some(n) = v.as_f64() {
        return Some(bumpalo::format!(in bump, "{}", n).into_bump_str());
    }
    None
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
#[derive(Debug, Clone, Copy, Default)]
struct Fill<'a> {
    vars: &'a [(&'static str, &'a str)],
    arn: Option<&'a str>,
}

fn apply<'a>(bump: &'a Bump, t: Transform, raw: &'a str, var: &'static str) -> Option<Fill<'a>> {
    let esc = |s: &'a str| escape_in(bump, s);
    let vars = |v: &[(&'static str, &'a str)]| &*bump.alloc_slice_copy(v);
    let whole = |s: &'a str| {
        Some(Fill {
            arn: Some(esc(s)),
            vars: &[],
        })
    };
    if raw.is_empty() {
        return None;
    }
    if raw.starts_with("arn:") && !matches!(t, Transform::CopySource | Transform::InstanceProfile) {
        return whole(raw);
    }
    let one = |v: &'a str| {
        (!v.is_empty()).then(|| Fill {
            vars: vars(&[(var, esc(v))]),
            arn: None,
        })
    };
    match t {
        Transform::None | Transform::InstanceProfile => one(raw),
        Transform::TrimSlash => one(raw.strip_prefix('/').unwrap_or(raw)),
        Transform::Last => one(raw.rsplit(['/', ':']).next().unwrap_or(raw)),
        // Secret ARNs end in `-` and six random characters the record never shows.
        Transform::Secret => Some(Fill {
            vars: vars(&[(
                var,
                bumpalo::format!(in bump, "{}-??????", esc(raw)).into_bump_str(),
            )]),
            arn: None,
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
            let mut found = [
                ("QueueName", esc(name)),
                ("Account", esc(account)),
                ("Region", ""),
            ];
            let mut n = 2;
            if let Some(region) = host.strip_prefix("sqs.").and_then(|h| h.split('.').next())
                && region.contains('-')
            {
                found[2].1 = esc(region);
                n = 3;
            }
            Some(Fill {
                vars: vars(&found[..n]),
                arn: None,
            })
        }
        Transform::IdPrefix(prefix) => raw
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .filter(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|_| one(raw)),
        Transform::KmsKey => Some(Fill {
            vars: match raw.strip_prefix("alias/") {
                Some(alias) => vars(&[("Alias", esc(alias))]),
                None => vars(&[("KeyId", esc(raw))]),
            },
            arn: None,
        }),
        Transform::CopySource => {
            let path = raw.split_once("?versionId=").map_or(raw, |(p, _)| p);
            let decoded = percent_decode_in(bump, path, true);
            let path = decoded.strip_prefix('/').unwrap_or(decoded);
            if path.starts_with("arn:") {
                // Access point form: arn:aws:s3:region:acct:accesspoint/name/object/key
                return whole(path);
            }
            let (bucket, key) = path.split_once('/')?;
            (!bucket.is_empty() && !key.is_empty()).then(|| Fill {
                vars: vars(&[("BucketName", esc(bucket)), ("ObjectName", esc(key))]),
                arn: None,
            })
        }
    }
}

/// The variable rules that apply to a resource type for an event: curated event scope first,
/// then curated service-wide, then derived (`models/resources.tsv`).
fn rules_for<'a>(
    bump: &'a Bump,
    scope: &str,
    prefix: &str,
    rt: &ResourceType,
) -> BumpVec<'a, &'static VarRule> {
    let c = curated();
    let mut out = BumpVec::new_in(bump);
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
    // Then what the SDK models say (same-named request member), for variables still open.
    if let Some(rules) = c.derived_resources.get(scope).and_then(|m| m.get(rt.name)) {
        let curated = out.len();
        for r in rules {
            if !out[..curated].iter().any(|s| s.var == r.var) {
                out.push(r);
            }
        }
    }
    out
}

/// Candidate fills of one template for the record, from parameters. For each variable
/// the first source (across its lines, in order) that is present wins; copy-source
/// sources only describe the `@source` resource and are skipped here.
fn fills_from_params<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    rules: &[&VarRule],
) -> BumpVec<'a, Fill<'a>> {
    let mut combos = bumpalo::vec![in bump; Fill::default()];
    let mut filled: BumpVec<'a, &'static str> = BumpVec::new_in(bump);
    for rule in rules {
        if filled.contains(&rule.var) {
            continue;
        }
        let Some(options) = rule
            .sources
            .iter()
            .filter(|s| s.transform != Transform::CopySource)
            .filter(|s| holds(r, s.when.as_ref()))
            .find_map(|src| values_from(bump, r, &src.path, src.transform, rule.var))
        else {
            continue;
        };
        filled.push(rule.var);
        let mut next =
            BumpVec::with_capacity_in((combos.len() * options.len()).min(MAX_PER_ACTION), bump);
        'combos: for c in &combos {
            for o in &options {
                if next.len() >= MAX_PER_ACTION {
                    break 'combos;
                }
                let vars = if c.vars.is_empty() {
                    o.vars
                } else {
                    let mut v = BumpVec::with_capacity_in(c.vars.len() + o.vars.len(), bump);
                    v.extend_from_slice(c.vars);
                    v.extend_from_slice(o.vars);
                    v.into_bump_slice()
                };
                next.push(Fill {
                    vars,
                    arn: c.arn.or(o.arn),
                });
            }
        }
        combos = next;
    }
    combos
}

/// Whether a source's `?parameter=Value` condition holds for the record (no condition: yes).
fn holds(r: &Record<'_>, when: Option<&(Vec<PathStep>, &'static str)>) -> bool {
    let Some((path, want)) = when else {
        return true;
    };
    let Some((root, path)) = root_of(r, path) else {
        return false;
    };
    let mut found = false;
    values_at(root, path, &mut |v| found |= v.as_str() == Some(*want));
    found
}

fn values_from<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    path: &[PathStep],
    transform: Transform,
    var: &'static str,
) -> Option<BumpVec<'a, Fill<'a>>> {
    let (root, path) = root_of(r, path)?;
    let mut fills = BumpVec::new_in(bump);
    values_at(root, path, &mut |v| {
        if let Some(f) = text(bump, v).and_then(|t| apply(bump, transform, t, var)) {
            fills.push(f);
        }
    });
    (!fills.is_empty()).then_some(fills)
}

/// Resources of one resource type for this record.
fn resolve_type<'a>(
    bump: &'a Bump,
    place: &Place<'a>,
    rt: &ResourceType,
    fills: &[Fill<'a>],
    from_record: &[&'a str],
) -> BumpVec<'a, Resolved<'a>> {
    let mut out = BumpVec::new_in(bump);
    out.extend(
        from_record
            .iter()
            .filter(|a| rt.arn.matches(a))
            .map(|a| Resolved {
                arn: escape_in(bump, a),
                unknown: &[],
            }),
    );
    if !out.is_empty() {
        return out;
    }
    for f in fills {
        if let Some(arn) = f.arn.filter(|a| rt.arn.matches(a)) {
            out.push(Resolved { arn, unknown: &[] });
            continue;
        }
        let (arn, unknown) = rt.arn.fill(bump, |v| {
            if let Some((_, val)) = f.vars.iter().rev().find(|(k, _)| *k == v) {
                return Some(*val);
            }
            match v {
                "Partition" => Some(place.partition),
                "Region" if !place.region.is_empty() => Some(escape_in(bump, place.region)),
                "Account" if !place.account.is_empty() => Some(escape_in(bump, place.account)),
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

/// Where the source of a copy is named: only `x-amz-copy-source` says what it is.
const COPY_SOURCE: &[PathStep] = &[PathStep {
    key: "x-amz-copy-source",
    array: false,
}];

/// Resolves the resources `action` was authorized on in this record, in `bump` (the
/// mapper's per-record arena). `scope` is the event key (`prefix:EventName`) for
/// event-scoped rules. Returns `["*"]` when the action supports no resource-level
/// permission.
pub fn resolve<'a>(
    bump: &'a Bump,
    r: &Record<'a>,
    place: &Place<'a>,
    scope: &str,
    action: ActionId,
    role: ResourceRole,
) -> BumpVec<'a, Resolved<'a>> {
    let svc: &Service = action.service();
    let def = action.def();
    if def.resources.is_empty() {
        return bumpalo::vec![in bump; Resolved::ANY];
    }
    if role == ResourceRole::Source {
        let fills = values_from(bump, r, COPY_SOURCE, Transform::CopySource, "ObjectName")
            .unwrap_or_else(|| BumpVec::new_in(bump));
        let Some(rt) = def
            .resources
            .iter()
            .map(|x| &svc.resources[x.index])
            .find(|rt| rt.name == "object")
        else {
            return bumpalo::vec![in bump; Resolved {
                arn: "*",
                unknown: &["source"],
            }];
        };
        return resolve_type(bump, place, rt, &fills, &[]);
    }
    let mut from_record: BumpVec<'a, &'a str> = BumpVec::new_in(bump);
    from_record.extend(r.resources().map(|(a, _)| a));
    if let Some(arn) = denied_resource(r) {
        from_record.push(arn);
    }
    let prefix = action.prefix;
    let mut per_type: BumpVec<'a, (bool, &ResourceType, BumpVec<'a, Resolved<'a>>)> =
        BumpVec::with_capacity_in(def.resources.len(), bump);
    for ar in &def.resources {
        let rt = &svc.resources[ar.index];
        let rules = rules_for(bump, scope, prefix, rt);
        let fills = fills_from_params(bump, r, &rules);
        per_type.push((
            ar.required,
            rt,
            resolve_type(bump, place, rt, &fills, &from_record),
        ));
    }
    let mut out = BumpVec::new_in(bump);
    if per_type.iter().any(|(req, _, _)| *req) {
        for (req, _, res) in &per_type {
            if *req {
                out.extend_from_slice(res);
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
            for (_, _, res) in &per_type {
                if complete(res) {
                    out.extend_from_slice(res);
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
                Some((_, std::cmp::Reverse(i))) => out.extend_from_slice(&per_type[i].2),
                None => out.push(Resolved {
                    arn: "*",
                    unknown: &["resource"],
                }),
            }
        }
    }
    first_of_each(&mut out);
    out
}

/// The resource one parameter value names for `action` (`param-actions.tsv`): the value,
/// through its transform, filled into each of the action's resource types. Only a resource
/// the value names completely is returned — an `alias/…` where the action takes a `key`, or
/// anything that would leave part of the ARN `*`, gives nothing: these extra grants are
/// never wider than what the record shows.
pub fn resolve_value<'a>(
    bump: &'a Bump,
    place: &Place<'a>,
    action: ActionId,
    transform: Transform,
    value: &'a str,
) -> Option<Resolved<'a>> {
    let svc: &Service = action.service();
    action.def().resources.iter().find_map(|ar| {
        let rt = &svc.resources[ar.index];
        let var = rt
            .arn
            .vars()
            .find(|v| !matches!(*v, "Partition" | "Region" | "Account"))?;
        let fill = apply(bump, transform, value, var)?;
        resolve_type(bump, place, rt, &[fill], &[])
            .into_iter()
            .find(|r| r.unknown.is_empty() && rt.arn.matches(r.arn))
    })
}

/// Keeps the first occurrence of each ARN, at most [`MAX_PER_ACTION`] of them, in order.
/// Quadratic, but bounded by the cap and allocation-free (lists are short).
fn first_of_each(out: &mut BumpVec<'_, Resolved<'_>>) {
    let mut kept = 0;
    for i in 0..out.len() {
        if kept == MAX_PER_ACTION {
            break;
        }
        let x = out[i];
        if !out[..kept].iter().any(|k| k.arn == x.arn) {
            out[kept] = x;
            kept += 1;
        }
    }
    out.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms() {
        let bump = Bump::new();
        let apply = |t, raw, var| apply(&bump, t, raw, var);
        let f = apply(
            Transform::SqsUrl,
            "https://sqs.us-west-2.amazonaws.com/444455556666/jobs",
            "QueueName",
        )
        .unwrap();
        assert_eq!(
            f.vars,
            [
                ("QueueName", "jobs"),
                ("Account", "444455556666"),
                ("Region", "us-west-2")
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
            [("BucketName", "src-bucket"), ("ObjectName", "a/b${*}.txt")]
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
            [("Alias", "app")]
        );
        assert!(apply(Transform::SqsUrl, "not a url", "QueueName").is_none());
        let ami = |raw| apply(Transform::IdPrefix("ami"), raw, "ImageId");
        assert_eq!(
            ami("ami-0aa1d83d0b0985c86").unwrap().vars,
            [("ImageId", "ami-0aa1d83d0b0985c86")]
        );
        assert!(ami("vol-0aa1d83d").is_none(), "another type's id");
        assert!(ami("ami-").is_none() && ami("amiX-01").is_none());
        let tgw = |raw| apply(Transform::IdPrefix("tgw"), raw, "TransitGatewayId");
        assert!(tgw("tgw-0123abcd").is_some());
        assert!(
            tgw("tgw-attach-0123abcd").is_none(),
            "an attachment, not a gateway"
        );
    }
}
