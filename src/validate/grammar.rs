//! The document and statement structure: elements, Version, Statement, Sid, Effect, the
//! element pairs, principals, SCP and role trust policy rules, and size quotas.

use std::collections::BTreeMap;

use super::{Ctx, PolicyType, is_empty_array, join, members, strings};
use crate::iam::policy::json::{Json, Spanned};
use crate::iam::policy::operator::did_you_mean;

const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
/// The versions of the policy language ("IAM JSON policy elements: Version").
const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];
/// The principal keys ("AWS JSON policy elements: Principal").
const PRINCIPAL_KEYS: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];
/// Size quotas outside identity policies ("IAM and AWS STS quotas", "Quotas for AWS
/// Organizations"): SCPs 5,120 characters, role trust policies 2,048 by default.
const SCP_QUOTA: usize = 5_120;
const TRUST_QUOTA: usize = 2_048;

/// Validates a whole document.
pub(crate) fn document(root: &Spanned, text: &str, cx: &mut Ctx<'_>) {
    let Some(m) = members(root) else {
        cx.at(
            "DATA_TYPE_MISMATCH",
            "",
            root,
            "The text does not match the expected JSON data type Object: a policy is a JSON object.".into(),
        );
        return;
    };
    for (k, v) in m {
        if !DOCUMENT_KEYS.contains(&k.as_str()) {
            cx.at(
                "INVALID_POLICY_ELEMENT",
                k,
                v,
                format!(
                    "The policy element {k} is not valid{}.",
                    did_you_mean(k, DOCUMENT_KEYS)
                ),
            );
        }
    }
    let version = root.get("Version");
    match version {
        None => cx.add(
            "MISSING_VERSION",
            "",
            root.at,
            "Add the Version element (\"2012-10-17\"): without it policy variables are read as literal text.".into(),
        ),
        Some(v) => match v.as_str() {
            None => cx.at(
                "DATA_TYPE_MISMATCH",
                "Version",
                v,
                "The text does not match the expected JSON data type String.".into(),
            ),
            Some(s) if !VERSIONS.contains(&s) => cx.at(
                "INVALID_VERSION",
                "Version",
                v,
                format!("The version {s:?} is not valid. Use one of the following versions: 2012-10-17, 2008-10-17."),
            ),
            _ => {}
        },
    }
    let old_language = version.is_none_or(|v| v.as_str() == Some("2008-10-17"));
    let statements: Vec<(String, &Spanned)> = match root.get("Statement") {
        None => {
            cx.add(
                "MISSING_STATEMENT",
                "",
                root.at,
                "Add a statement to the policy.".into(),
            );
            Vec::new()
        }
        Some(s) => match &s.v {
            Json::Array(items) if items.is_empty() => {
                cx.at(
                    "MISSING_STATEMENT",
                    "Statement",
                    s,
                    "Add a statement to the policy: the Statement list is empty.".into(),
                );
                Vec::new()
            }
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, x)| (format!("Statement[{i}]"), x))
                .collect(),
            Json::Object(_) => vec![("Statement".to_string(), s)],
            _ => {
                cx.at(
                    "DATA_TYPE_MISMATCH",
                    "Statement",
                    s,
                    "The text does not match the expected JSON data type Array or Object.".into(),
                );
                Vec::new()
            }
        },
    };
    for (path, s) in &statements {
        statement(s, path, old_language, cx);
    }
    sids(&statements, cx);
    redundant_statements(&statements, cx);
    size(root, text, cx);
}

fn statement(s: &Spanned, path: &str, old_language: bool, cx: &mut Ctx<'_>) {
    let Some(m) = members(s) else {
        cx.at(
            "DATA_TYPE_MISMATCH",
            path,
            s,
            "The text does not match the expected JSON data type Object: a statement is a JSON object.".into(),
        );
        return;
    };
    for (k, v) in m {
        if !STATEMENT_KEYS.contains(&k.as_str()) {
            cx.at(
                "INVALID_POLICY_ELEMENT",
                &join(path, k),
                v,
                format!(
                    "The policy element {k} is not valid{}.",
                    did_you_mean(k, STATEMENT_KEYS)
                ),
            );
        }
    }
    let ty = cx.opts.policy_type;
    let allow = effect(s, path, cx);
    for (a, b) in [
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ] {
        if let (Some(_), Some(vb)) = (s.get(a), s.get(b)) {
            cx.at(
                "UNSUPPORTED_ELEMENT_COMBINATION",
                &join(path, b),
                vb,
                format!("The policy elements {a} and {b} can not be used in the same statement. Remove one of these elements."),
            );
        }
    }
    if s.get("Action").is_none() && s.get("NotAction").is_none() {
        cx.add(
            "MISSING_ACTION",
            path,
            s.at,
            "Add an Action or NotAction element to the policy statement.".into(),
        );
    }
    let resource = s.get("Resource").or_else(|| s.get("NotResource"));
    match ty {
        PolicyType::Identity | PolicyType::Scp if resource.is_none() => cx.add(
            "MISSING_RESOURCE",
            path,
            s.at,
            "Add a Resource or NotResource element to the policy statement.".into(),
        ),
        PolicyType::Trust => {
            if let Some(r) = resource {
                cx.at(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                    path,
                    r,
                    "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element.".into(),
                );
            }
        }
        _ => {}
    }
    if let Some(sid) = s.get("Sid") {
        let p = join(path, "Sid");
        match sid.as_str() {
            None => cx.at(
                "DATA_TYPE_MISMATCH",
                &p,
                sid,
                "The text does not match the expected JSON data type String.".into(),
            ),
            Some("") => cx.at(
                "EMPTY_SID_VALUE",
                &p,
                sid,
                "Add a value to the empty string in the Sid element.".into(),
            ),
            Some(t)
                if matches!(ty, PolicyType::Identity | PolicyType::Scp)
                    && !t.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                cx.at(
                    "UNSUPPORTED_SID",
                    &p,
                    sid,
                    format!(
                        "The Sid {t:?} has characters outside [a-z, A-Z, 0-9]; use only those."
                    ),
                )
            }
            _ => {}
        }
    }
    principals(s, path, allow, cx);
    if ty == PolicyType::Scp {
        scp(s, path, allow, cx);
    }
    for (name, empty_id) in [
        ("Action", "EMPTY_ARRAY_ACTION"),
        ("NotAction", "EMPTY_ARRAY_ACTION"),
        ("Resource", "EMPTY_ARRAY_RESOURCE"),
        ("NotResource", "EMPTY_ARRAY_RESOURCE"),
    ] {
        if let Some(v) = s.get(name)
            && is_empty_array(v)
        {
            let what = if name.ends_with("Action") {
                "actions"
            } else {
                "resources"
            };
            cx.at(
                empty_id,
                &join(path, name),
                v,
                format!("This statement includes no {what} and does not affect the policy. Specify {what}."),
            );
        }
    }
    super::actions::statement(s, path, allow, cx);
    super::resources::statement(s, path, old_language, cx);
    super::conditions::statement(s, path, old_language, cx);
    variables_outside(s, path, cx);
}

/// The statement's Effect; `Some(true)` for Allow.
fn effect(s: &Spanned, path: &str, cx: &mut Ctx<'_>) -> Option<bool> {
    let p = join(path, "Effect");
    match s.get("Effect") {
        None => {
            cx.add(
                "MISSING_EFFECT",
                path,
                s.at,
                "Add an Effect element to the policy statement with a value of Allow or Deny."
                    .into(),
            );
            None
        }
        Some(v) => match v.as_str() {
            Some("Allow") => Some(true),
            Some("Deny") => Some(false),
            Some(other) => {
                cx.at(
                    "INVALID_EFFECT",
                    &p,
                    v,
                    format!(
                        "The effect {other:?} is not valid. Use Allow or Deny{}.",
                        did_you_mean(other, &["Allow", "Deny"])
                    ),
                );
                None
            }
            None => {
                cx.at(
                    "DATA_TYPE_MISMATCH",
                    &p,
                    v,
                    "The text does not match the expected JSON data type String.".into(),
                );
                None
            }
        },
    }
}

/// Principal and NotPrincipal, by policy type.
fn principals(s: &Spanned, path: &str, allow: Option<bool>, cx: &mut Ctx<'_>) {
    let ty = cx.opts.policy_type;
    let principal = s.get("Principal");
    let not_principal = s.get("NotPrincipal");
    for (name, v) in [("Principal", principal), ("NotPrincipal", not_principal)] {
        let Some(v) = v else { continue };
        let p = join(path, name);
        match ty {
            PolicyType::Identity => {
                cx.at(
                    "UNSUPPORTED_PRINCIPAL",
                    &p,
                    v,
                    format!("The policy type identity policy does not support the {name} element. Remove the {name} element."),
                );
                continue;
            }
            PolicyType::Scp => {
                cx.at(
                    "SCP_SYNTAX_ERROR_PRINCIPAL",
                    &p,
                    v,
                    "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.".into(),
                );
                continue;
            }
            PolicyType::Trust if name == "NotPrincipal" => cx.at(
                "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                &p,
                v,
                "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.".into(),
            ),
            _ => {}
        }
        if name == "NotPrincipal" && allow == Some(true) {
            cx.at(
                "ALLOW_WITH_NOTPRINCIPAL",
                &p,
                v,
                "Using Allow with NotPrincipal can be overly permissive (it can grant anonymous principals). Use Principal instead.".into(),
            );
        }
        principal_value(v, &p, s, cx);
    }
    if matches!(ty, PolicyType::Resource | PolicyType::Trust)
        && principal.is_none()
        && not_principal.is_none()
    {
        cx.add(
            "MISSING_PRINCIPAL",
            path,
            s.at,
            "Add a Principal element to the policy statement.".into(),
        );
    }
}

/// The contents of a Principal: `"*"` or an object of principal keys.
fn principal_value(v: &Spanned, path: &str, stmt: &Spanned, cx: &mut Ctx<'_>) {
    let trust = cx.opts.policy_type == PolicyType::Trust;
    match &v.v {
        Json::String(s) if s == "*" => {
            if trust {
                cx.at(
                    "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    path,
                    v,
                    "\"Principal\": \"*\" is not supported in the principal element of a role trust policy. Replace the wildcard with a valid principal value.".into(),
                );
            }
        }
        Json::Object(m) if m.is_empty() => cx.at(
            "EMPTY_OBJECT_PRINCIPAL",
            path,
            v,
            "This statement includes no principals and does not affect the policy. Specify principals.".into(),
        ),
        Json::Object(m) => {
            for (k, pv) in m {
                let kp = join(path, k);
                if !PRINCIPAL_KEYS.contains(&k.as_str()) {
                    cx.at(
                        "INVALID_PRINCIPAL_KEY",
                        &kp,
                        pv,
                        format!(
                            "The principal key {k} is not valid{}. Use AWS, Service, Federated or CanonicalUser.",
                            did_you_mean(k, PRINCIPAL_KEYS)
                        ),
                    );
                    continue;
                }
                if is_empty_array(pv) {
                    cx.at(
                        "EMPTY_ARRAY_PRINCIPAL",
                        &kp,
                        pv,
                        "This statement includes no principals and does not affect the policy. Specify principals.".into(),
                    );
                    continue;
                }
                let items = strings(pv, &kp, false, cx);
                for it in &items {
                    principal_item(k, it, cx);
                }
                trust_principals(k, &items, stmt, cx);
            }
            redundant_sessions(m, path, cx);
        }
        _ => cx.at(
            "INVALID_PRINCIPAL_FORMAT",
            path,
            v,
            "The Principal element contents are not valid. Specify a key-value pair in the Principal element (\"Principal\": {\"AWS\": \"123456789012\"}).".into(),
        ),
    }
}

fn principal_item(key: &str, it: &super::Item<'_>, cx: &mut Ctx<'_>) {
    let t = it.text;
    let ty = cx.opts.policy_type;
    let wild = t.contains(['*', '?']);
    match key {
        "AWS" => {
            if t == "*" {
                if ty == PolicyType::Trust {
                    cx.at(
                        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                        &it.path,
                        it.v,
                        "\"AWS\": \"*\" is not supported in a role trust policy. Replace the wildcard with a valid principal value.".into(),
                    );
                }
            } else if wild {
                cx.at(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    &it.path,
                    it.v,
                    format!("Wildcards (*, ?) are not supported with the principal key AWS ({t:?}). Replace the wildcard with a valid principal value."),
                );
            } else if t.starts_with("AROA") && t.len() >= 16 {
                cx.at(
                    "INVALID_ROLE_REFERENCE",
                    &it.path,
                    it.v,
                    format!("The Principal element includes the IAM role ID {t}. We recommend that you use a role ARN instead."),
                );
            } else if t.starts_with("AIDA") && t.len() >= 16 {
                cx.at(
                    "INVALID_USER_REFERENCE",
                    &it.path,
                    it.v,
                    format!("The Principal element includes the IAM user ID {t}. We recommend that you use a user ARN instead."),
                );
            } else if !(t.starts_with("arn:")
                || (t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit())))
            {
                cx.at(
                    "INVALID_PRINCIPAL_FORMAT",
                    &it.path,
                    it.v,
                    format!("The AWS principal {t:?} is not valid: use a 12-digit account ID or an IAM ARN."),
                );
            }
        }
        "Service" => {
            if wild {
                cx.at(
                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                    &it.path,
                    it.v,
                    format!("Wildcards (*, ?) are not supported with the principal key Service ({t:?}). Replace the wildcard with a valid principal value."),
                );
            } else if !t.contains('.') {
                cx.at(
                    "INVALID_PRINCIPAL_FORMAT",
                    &it.path,
                    it.v,
                    format!("The service principal {t:?} is not valid: use the form service.amazonaws.com."),
                );
            }
        }
        "Federated" => {
            if ty == PolicyType::Resource {
                cx.at(
                    "FEDERATED_PRINCIPAL_NOT_SUPPORTED",
                    &it.path,
                    it.v,
                    "The policy type does not support a federated identity provider in the principal element. Use a supported principal.".into(),
                );
            } else if ty == PolicyType::Trust
                && !(t.contains(":saml-provider/")
                    || t.contains(":oidc-provider/")
                    || (!t.starts_with("arn:") && t.contains('.') && !t.contains(['/', ' '])))
            {
                cx.at(
                    "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
                    &it.path,
                    it.v,
                    format!("The federated principal {t:?} does not match the expected format. Use a domain name (cognito-identity.amazonaws.com) or a SAML or OIDC provider ARN."),
                );
            }
        }
        _ => {}
    }
}

/// Role trust policy checks that need the principal and the statement: the actions a
/// federated or Roles Anywhere principal needs, and conditions for OIDC principals.
fn trust_principals(key: &str, items: &[super::Item<'_>], stmt: &Spanned, cx: &mut Ctx<'_>) {
    if cx.opts.policy_type != PolicyType::Trust {
        return;
    }
    let mut scratch = cx.scratch();
    let actions: Vec<String> = stmt
        .get("Action")
        .map(|a| {
            strings(a, "", false, &mut scratch)
                .iter()
                .map(|i| i.text.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let has = |a: &str| actions.iter().any(|x| x == a || x == "sts:*" || x == "*");
    let condition_keys: Vec<String> = stmt
        .get("Condition")
        .and_then(members)
        .map(|ops| {
            ops.iter()
                .filter_map(|(_, keys)| members(keys))
                .flatten()
                .map(|(k, _)| k.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    for it in items {
        let t = it.text;
        if key == "Service" && t == "rolesanywhere.amazonaws.com" {
            let missing: Vec<&str> = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
                .into_iter()
                .filter(|a| !has(&a.to_ascii_lowercase()))
                .collect();
            if !missing.is_empty() {
                cx.at(
                    "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
                    &it.path,
                    it.v,
                    format!("The rolesanywhere.amazonaws.com service principal requires sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession; add {}.", missing.join(", ")),
                );
            }
        }
        if key != "Federated" {
            continue;
        }
        let saml = t.contains(":saml-provider/");
        let oidc = !saml;
        let wrong =
            if saml && has("sts:assumerolewithwebidentity") && !has("sts:assumerolewithsaml") {
                Some("sts:AssumeRoleWithWebIdentity")
            } else if oidc && has("sts:assumerolewithsaml") && !has("sts:assumerolewithwebidentity")
            {
                Some("sts:AssumeRoleWithSAML")
            } else {
                None
            };
        if let Some(a) = wrong {
            cx.at(
                "MISMATCHED_ACTION_FOR_PRINCIPAL",
                &it.path,
                it.v,
                format!("The {a} action is invalid with the principal {t}. Use a SAML provider principal with sts:AssumeRoleWithSAML or an OIDC provider principal with sts:AssumeRoleWithWebIdentity."),
            );
        }
        if !oidc {
            continue;
        }
        // The provider's host, which prefixes its condition keys.
        let host = t
            .rsplit_once(":oidc-provider/")
            .map_or(t, |(_, h)| h)
            .to_ascii_lowercase();
        let github = host == "token.actions.githubusercontent.com";
        let keyed = condition_keys
            .iter()
            .any(|k| k.starts_with(&format!("{host}:")));
        if github
            && !condition_keys
                .iter()
                .any(|k| k == "token.actions.githubusercontent.com:sub")
        {
            cx.at(
                "MISSING_GITHUB_REPO_CONDITION_KEY",
                &it.path,
                it.v,
                "Granting a federated GitHub principal without a condition on token.actions.githubusercontent.com:sub lets any repository assume the role. Add the key with the repository and branch.".into(),
            );
        } else if !github && !keyed {
            cx.at(
                "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                &it.path,
                it.v,
                format!("Using the OpenID Connect principal {t} without a condition can be overly permissive. Add condition keys with the prefix {host}:."),
            );
        }
    }
}

/// An assumed-role session named next to its role.
fn redundant_sessions(m: &[(String, Spanned)], path: &str, cx: &mut Ctx<'_>) {
    if cx.opts.policy_type != PolicyType::Trust {
        return;
    }
    let Some((_, aws)) = m.iter().find(|(k, _)| k == "AWS") else {
        return;
    };
    let mut scratch = cx.scratch();
    let items = strings(aws, &join(path, "AWS"), false, &mut scratch);
    for it in &items {
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION → arn:aws:iam::ACCOUNT:role/ROLE
        let Some((head, rest)) = it.text.split_once(":assumed-role/") else {
            continue;
        };
        let Some((role, _)) = rest.split_once('/') else {
            continue;
        };
        let parent = format!("{}:role/{role}", head.replacen(":sts:", ":iam:", 1));
        if items.iter().any(|o| o.text == parent) {
            cx.at(
                "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                &it.path,
                it.v,
                format!("The assumed-role principal {} is redundant with its parent role {parent}. Remove the assumed-role principal.", it.text),
            );
        }
    }
}

/// The SCP syntax rules of the reference (SCPs as Organizations first defined them).
fn scp(s: &Spanned, path: &str, allow: Option<bool>, cx: &mut Ctx<'_>) {
    if let Some(v) = s.get("NotResource") {
        cx.at(
            "SCP_SYNTAX_ERROR_NOTRESOURCE",
            &join(path, "NotResource"),
            v,
            "SCPs do not support the NotResource element. Update the policy to use Resource instead.".into(),
        );
    }
    if allow == Some(true) {
        if let Some(v) = s.get("Condition") {
            cx.at(
                "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
                &join(path, "Condition"),
                v,
                "SCPs do not support the Condition element with effect Allow. Update the element Condition or the effect.".into(),
            );
        }
        if let Some(v) = s.get("NotAction") {
            cx.at(
                "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
                &join(path, "NotAction"),
                v,
                "SCPs do not support NotAction with effect Allow. Update the element NotAction or the effect.".into(),
            );
        }
        if let Some(v) = s.get("Resource")
            && !matches!(&v.v, Json::String(r) if r == "*")
            && !matches!(&v.v, Json::Array(a) if a.iter().all(|x| x.as_str() == Some("*")))
        {
            cx.at(
                "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
                &join(path, "Resource"),
                v,
                "SCPs do not support Resource with effect Allow (other than \"*\"). Update the element Resource or the effect.".into(),
            );
        }
    }
    let mut scratch = cx.scratch();
    for name in ["Action", "NotAction"] {
        let Some(v) = s.get(name) else { continue };
        for it in strings(v, &join(path, name), false, &mut scratch) {
            let t = it.text;
            let inner = t.trim_end_matches('*');
            if t != "*" && (inner.contains(['*', '?'])) {
                cx.at(
                    "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                    &it.path,
                    it.v,
                    format!("SCP actions can include wildcards (*) only at the end of a string. Update {t}."),
                );
            }
        }
    }
}

/// Policy variables in elements that do not support them (Sid, Effect, Action,
/// Principal: "IAM policy elements: Variables and tags").
fn variables_outside(s: &Spanned, path: &str, cx: &mut Ctx<'_>) {
    fn walk(
        v: &Spanned,
        path: &str,
        out: &mut Vec<(String, String, Option<crate::iam::policy::Position>)>,
    ) {
        match &v.v {
            Json::String(t) if t.contains("${") => out.push((path.to_string(), t.clone(), v.at)),
            Json::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| walk(x, &format!("{path}[{i}]"), out)),
            Json::Object(m) => m.iter().for_each(|(k, x)| walk(x, &join(path, k), out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for name in [
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Principal",
        "NotPrincipal",
    ] {
        if let Some(v) = s.get(name) {
            walk(v, &join(path, name), &mut found);
        }
    }
    for (p, t, at) in found {
        cx.add(
            "VARIABLE_UNSUPPORTED_IN_ELEMENT",
            &p,
            at,
            format!("Policy variables are supported in the Resource and Condition elements. Remove the policy variable from {t:?}."),
        );
    }
}

/// Duplicate Sids: an error where the policy type requires unique ones (SCPs, resource
/// policies), a warning elsewhere.
fn sids(statements: &[(String, &Spanned)], cx: &mut Ctx<'_>) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (path, s) in statements {
        let Some(sid) = s.get("Sid") else { continue };
        let Some(t) = sid.as_str().filter(|t| !t.is_empty()) else {
            continue;
        };
        if let Some(first) = seen.get(t) {
            let required = matches!(cx.opts.policy_type, PolicyType::Scp | PolicyType::Resource);
            cx.at(
                if required {
                    "UNIQUE_SIDS_REQUIRED"
                } else {
                    "UNIQUE_SIDS_RECOMMENDED"
                },
                &join(path, "Sid"),
                sid,
                format!("The Sid {t:?} is also the Sid of {first}. Use statement IDs that are unique to the policy."),
            );
        } else {
            seen.insert(t, path);
        }
    }
}

/// Plain JSON of a statement without its Sid, for comparing statements.
fn plain(v: &Spanned) -> serde_json::Value {
    use serde_json::Value as V;
    match &v.v {
        Json::Null => V::Null,
        Json::Bool(b) => V::Bool(*b),
        Json::Number(n) => V::String(n.clone()),
        Json::String(s) => V::String(s.clone()),
        Json::Array(a) => V::Array(a.iter().map(plain).collect()),
        Json::Object(m) => V::Object(
            m.iter()
                .filter(|(k, _)| k != "Sid")
                .map(|(k, x)| (k.clone(), plain(x)))
                .collect(),
        ),
    }
}

fn redundant_statements(statements: &[(String, &Spanned)], cx: &mut Ctx<'_>) {
    let plains: Vec<serde_json::Value> = statements.iter().map(|(_, s)| plain(s)).collect();
    for (i, (path, s)) in statements.iter().enumerate() {
        if let Some(j) = plains[..i].iter().position(|p| *p == plains[i]) {
            cx.at(
                "REDUNDANT_STATEMENT",
                path,
                s,
                format!("The statement is redundant with {}: they provide identical permissions. Remove one of them.", statements[j].0),
            );
        }
    }
}

/// Size against the policy type's quota: characters, whitespace not counted.
fn size(root: &Spanned, text: &str, cx: &mut Ctx<'_>) {
    let n = text.chars().filter(|c| !c.is_whitespace()).count();
    let (id, quota, what) = match cx.opts.policy_type {
        PolicyType::Identity => (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            cx.opts.attached_as.quota(),
            "identity policy",
        ),
        PolicyType::Scp => (
            "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
            SCP_QUOTA,
            "service control policy",
        ),
        PolicyType::Trust => (
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            TRUST_QUOTA,
            "role trust policy",
        ),
        PolicyType::Resource => return,
    };
    if n > quota {
        cx.add(
            id,
            "",
            root.at,
            format!("The {n} characters in the {what}, excluding whitespace, exceed the {quota} character maximum. Split it into several policies."),
        );
    }
}
