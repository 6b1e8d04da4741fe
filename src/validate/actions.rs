//! Actions: unknown services and actions (with did-you-mean from the catalog), wildcards
//! in service names, redundant actions, actions a resource type's policy cannot hold,
//! and `iam:PassRole` / `iam:CreateServiceLinkedRole` granted with wildcards or `Not…`
//! elements.

use super::{Ctx, Item, join, strings};
use crate::catalog;
use crate::iam::pattern::wildcard_match;
use crate::iam::policy::json::Spanned;
use crate::iam::policy::operator::did_you_mean;

/// Validates a statement's Action or NotAction; `allow` is its effect when valid.
pub(crate) fn statement(s: &Spanned, path: &str, allow: Option<bool>, cx: &mut Ctx<'_>) {
    for name in ["Action", "NotAction"] {
        let Some(v) = s.get(name) else { continue };
        let items = strings(v, &join(path, name), false, cx);
        let valid: Vec<&Item<'_>> = items.iter().filter(|it| action(it, cx)).collect();
        redundant(&valid, cx);
        if name == "Action"
            && let Some(prefix) = cx
                .opts
                .resource_type
                .as_deref()
                .and_then(super::resources::resource_type_prefix)
        {
            for it in &valid {
                let svc = it.text.split_once(':').map_or("", |(p, _)| p);
                if it.text != "*" && !svc.eq_ignore_ascii_case(&prefix) && !svc.contains(['*', '?'])
                {
                    let rt = cx.opts.resource_type.clone().unwrap_or_default();
                    cx.at(
                        "UNSUPPORTED_ACTION_IN_POLICY",
                        &it.path,
                        it.v,
                        format!("The action {} is not supported for the resource-based policy attached to the resource type {rt}.", it.text),
                    );
                }
            }
        }
    }
    if allow == Some(true) {
        escalation(s, path, cx, &PASS_ROLE);
        escalation(s, path, cx, &CREATE_SLR);
    }
}

/// Checks one action; true when it names catalog actions (for the redundancy check).
fn action(it: &Item<'_>, cx: &mut Ctx<'_>) -> bool {
    let t = it.text;
    if t == "*" {
        return true;
    }
    let Some((prefix, name)) = t.split_once(':') else {
        cx.at(
            "INVALID_ACTION",
            &it.path,
            it.v,
            format!("The action {t:?} does not exist: actions are written service:ActionName (s3:GetObject)."),
        );
        return false;
    };
    if prefix.contains(['*', '?']) {
        cx.at(
            "WILDCARD_IN_SERVICE_NAME",
            &it.path,
            it.v,
            format!("Avoid using wildcards (*, ?) in the service name {prefix:?}: it can grant access to other services with similar names, now or later."),
        );
        return false;
    }
    let lower = prefix.to_ascii_lowercase();
    let Some(svc) = catalog::service(&lower) else {
        let known: Vec<&str> = catalog::service_prefixes().collect();
        let hint = did_you_mean(prefix, &known);
        let id = if hint.is_empty() {
            "INVALID_SERVICE"
        } else {
            "INVALID_SERVICE_IN_ACTION"
        };
        cx.at(
            id,
            &it.path,
            it.v,
            format!("The service {prefix} specified in the action {t} does not exist{hint}."),
        );
        return false;
    };
    let exists = if name.contains(['*', '?']) {
        svc.actions
            .iter()
            .any(|a| wildcard_match(name, a.name, true))
    } else {
        svc.action(name).is_some()
    };
    if !exists {
        let names: Vec<&str> = svc.actions.iter().map(|a| a.name).collect();
        cx.at(
            "INVALID_ACTION",
            &it.path,
            it.v,
            format!(
                "The action {t} does not exist{}.",
                did_you_mean(name, &names)
                    .replace("(did you mean \"", &format!("(did you mean \"{lower}:"))
            ),
        );
    }
    exists
}

/// An action another one of the list already covers (`s3:GetObject` next to `s3:Get*`,
/// or written twice, in any case). Only a pattern covers another entry; literal entries
/// are compared for equality (keeps long lists linear).
fn redundant(items: &[&Item<'_>], cx: &mut Ctx<'_>) {
    let patterns: Vec<usize> = (0..items.len())
        .filter(|&j| items[j].text.contains(['*', '?']))
        .collect();
    let mut first: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let dup = *first.entry(it.text.to_ascii_lowercase()).or_insert(i);
        let by = if dup != i {
            Some(dup)
        } else {
            patterns.iter().copied().find(|&j| {
                let o = items[j].text;
                j != i
                    && wildcard_match(o, it.text, true)
                    && (!wildcard_match(it.text, o, true) || j < i)
            })
        };
        if let Some(j) = by {
            cx.at(
                "REDUNDANT_ACTION",
                &it.path,
                it.v,
                format!(
                    "The action {} is redundant because {} provides the same permissions. Remove it.",
                    it.text, items[j].text
                ),
            );
        }
    }
}

/// The issue codes of one escalation-prone action granted too widely.
struct Escalation {
    /// The action (`iam:PassRole`).
    action: &'static str,
    /// A condition key that scopes it (`iam:PassedToService`), if any.
    scope_key: Option<&'static str>,
    star_in_resource: &'static str,
    star_in_action_and_resource: &'static str,
    star_in_resource_and_not_action: &'static str,
    not_resource: &'static str,
    star_in_action_and_not_resource: &'static str,
    not_action_and_not_resource: &'static str,
}

const PASS_ROLE: Escalation = Escalation {
    action: "iam:PassRole",
    scope_key: Some("iam:passedtoservice"),
    star_in_resource: "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    star_in_action_and_resource: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
    star_in_resource_and_not_action: "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOTACTION",
    not_resource: "PASS_ROLE_WITH_NOTRESOURCE",
    star_in_action_and_not_resource: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOTRESOURCE",
    not_action_and_not_resource: "PASS_ROLE_WITH_NOTACTION_AND_NOTRESOURCE",
};

const CREATE_SLR: Escalation = Escalation {
    action: "iam:CreateServiceLinkedRole",
    scope_key: None,
    star_in_resource: "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    star_in_action_and_resource: "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
    star_in_resource_and_not_action: "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOTACTION",
    not_resource: "CREATE_SLR_WITH_NOTRESOURCE",
    star_in_action_and_not_resource: "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOTRESOURCE",
    not_action_and_not_resource: "CREATE_SLR_WITH_NOTACTION_AND_NOTRESOURCE",
};

/// Whether a Resource entry is a wildcard over every role: `*`, or an IAM role ARN whose
/// name part is `*` (any account or this one).
fn star_resource(r: &str) -> bool {
    r == "*" || (r.starts_with("arn:") && (r.ends_with(":role/*") || r.ends_with(":*")))
}

/// Allow statements that grant `e.action` on every role.
fn escalation(s: &Spanned, path: &str, cx: &mut Ctx<'_>, e: &Escalation) {
    let mut scratch = cx.scratch();
    let list = |name: &str, scratch: &mut Ctx<'_>| -> Option<Vec<String>> {
        s.get(name).map(|v| {
            strings(v, "", false, scratch)
                .iter()
                .map(|i| i.text.to_string())
                .collect()
        })
    };
    let actions = list("Action", &mut scratch);
    let not_actions = list("NotAction", &mut scratch);
    let resources = list("Resource", &mut scratch);
    let not_resources = list("NotResource", &mut scratch);
    if let Some(key) = e.scope_key
        && let Some(cond) = s.get("Condition").and_then(super::members)
        && cond.iter().any(|(_, keys)| {
            super::members(keys)
                .is_some_and(|ks| ks.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
        })
    {
        return;
    }
    // How the statement grants the action: by an Action entry (with a wildcard or not),
    // or by a NotAction that does not exclude it.
    enum By {
        Exact,
        Star,
        NotAction,
    }
    let by = if let Some(a) = &actions {
        let m: Vec<&String> = a
            .iter()
            .filter(|x| wildcard_match(x, e.action, true))
            .collect();
        if m.is_empty() {
            return;
        }
        if m.iter().any(|x| !x.contains(['*', '?'])) {
            By::Exact
        } else {
            By::Star
        }
    } else if let Some(na) = &not_actions {
        if na.iter().any(|x| wildcard_match(x, e.action, true)) {
            return;
        }
        By::NotAction
    } else {
        return;
    };
    let (id, element) = if let Some(r) = &resources {
        if !r.iter().any(|x| star_resource(x)) {
            return;
        }
        match by {
            By::Exact => (e.star_in_resource, "Resource"),
            By::Star => (e.star_in_action_and_resource, "Resource"),
            By::NotAction => (e.star_in_resource_and_not_action, "Resource"),
        }
    } else if let Some(nr) = &not_resources {
        // A NotResource that excludes every role grants nothing of the action.
        if nr.iter().any(|x| star_resource(x)) {
            return;
        }
        match by {
            By::Exact => (e.not_resource, "NotResource"),
            By::Star => (e.star_in_action_and_not_resource, "NotResource"),
            By::NotAction => (e.not_action_and_not_resource, "NotResource"),
        }
    } else {
        return;
    };
    let p = join(path, element);
    let at = s.get(element).and_then(|v| v.at);
    let scope = e
        .scope_key
        .map(|_| " or add the iam:PassedToService condition key")
        .unwrap_or_default();
    cx.add(
        id,
        &p,
        at,
        format!(
            "This statement allows {} on every role (through {}); specify role ARNs{scope}.",
            e.action,
            match by {
                By::Exact => format!("{element} with a wildcard"),
                By::Star => format!("an action wildcard and {element}"),
                By::NotAction => format!("NotAction and {element}"),
            }
        ),
    );
}
