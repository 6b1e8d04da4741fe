//! Evaluating identity policies for one request: does this set of policies allow
//! `action` on `resource` with this context?
//!
//! This is the identity-policy part of IAM's evaluation logic: an explicit `Deny`
//! wins; otherwise any matching `Allow`; otherwise an implicit deny. Action names match
//! case-insensitively with `*`/`?` wildcards; resources match case-sensitively with
//! wildcards and the `${*}`, `${?}`, `${$}` escapes. Condition operators: the String,
//! Arn, Bool, Null and Numeric families, with `IfExists` and the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers. An operator this evaluator does not know makes its
//! statement not apply (for an Allow, that denies: it never grants by accident).

use std::collections::BTreeMap;

use crate::policy::model::{Effect, PolicyDocument, Statement};

/// The outcome of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Decision {
    /// Some statement allows and none denies.
    Allowed,
    /// No statement allows.
    ImplicitDeny,
    /// A statement denies.
    ExplicitDeny,
}

/// A request to evaluate.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// `prefix:Action`.
    pub action: String,
    /// Resource ARN (or `*`).
    pub resource: String,
    /// Condition keys (matched case-insensitively) → values.
    pub context: BTreeMap<String, Vec<String>>,
}

pub use crate::policy::escape::wildcard_match;

fn any_match(list: &[String], value: &str, ignore_case: bool) -> bool {
    list.iter().any(|p| wildcard_match(p, value, ignore_case))
}

fn applies(st: &Statement, req: &Request) -> bool {
    let action_ok = match (&st.action, &st.not_action) {
        (Some(a), _) => any_match(&a.0, &req.action, true),
        (None, Some(na)) => !any_match(&na.0, &req.action, true),
        (None, None) => false,
    };
    let resource_ok = match (&st.resource, &st.not_resource) {
        (Some(r), _) => any_match(&r.0, &req.resource, false),
        (None, Some(nr)) => !any_match(&nr.0, &req.resource, false),
        (None, None) => false,
    };
    action_ok && resource_ok && conditions_hold(st, req)
}

fn context_values<'r>(req: &'r Request, key: &str) -> Option<&'r Vec<String>> {
    req.context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn conditions_hold(st: &Statement, req: &Request) -> bool {
    let Some(block) = &st.condition else {
        return true;
    };
    block.iter().all(|(op, keys)| {
        keys.iter()
            .all(|(key, wanted)| condition_holds(op, key, &wanted.0, req))
    })
}

fn condition_holds(op: &str, key: &str, wanted: &[String], req: &Request) -> bool {
    let (set, op) = match op.split_once(':') {
        Some(("ForAnyValue", o)) => (Some(true), o),
        Some(("ForAllValues", o)) => (Some(false), o),
        Some(_) => return false,
        None => (None, op),
    };
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(o) => (o, true),
        None => (op, false),
    };
    let values = context_values(req, key);
    if op == "Null" {
        let is_null = values.is_none_or(|v| v.is_empty());
        return wanted.iter().any(|w| (w == "true") == is_null);
    }
    let Some(values) = values.filter(|v| !v.is_empty()) else {
        // Missing key: IfExists and ForAllValues hold vacuously; negated operators hold.
        return if_exists
            || set == Some(false)
            || (set.is_none() && op.starts_with("StringNot")
                || op.starts_with("ArnNot")
                || op == "NumericNotEquals");
    };
    let Some(test) = single_test(op) else {
        return false;
    };
    match set {
        Some(true) => values.iter().any(|v| test(v, wanted)),
        Some(false) => values.iter().all(|v| test(v, wanted)),
        None => values.iter().any(|v| test(v, wanted)),
    }
}

type Test = fn(&str, &[String]) -> bool;

fn single_test(op: &str) -> Option<Test> {
    Some(match op {
        "StringEquals" | "ArnEquals" => |v, w| w.iter().any(|x| x == v),
        "StringNotEquals" | "ArnNotEquals" => |v, w| !w.iter().any(|x| x == v),
        "StringEqualsIgnoreCase" => |v, w| w.iter().any(|x| x.eq_ignore_ascii_case(v)),
        "StringNotEqualsIgnoreCase" => |v, w| !w.iter().any(|x| x.eq_ignore_ascii_case(v)),
        "StringLike" | "ArnLike" => |v, w| any_match(w, v, false),
        "StringNotLike" | "ArnNotLike" => |v, w| !any_match(w, v, false),
        "Bool" => |v, w| w.iter().any(|x| x.eq_ignore_ascii_case(v)),
        "NumericEquals" => |v, w| num(v, w, |a, b| a == b),
        "NumericNotEquals" => |v, w| !num(v, w, |a, b| a == b),
        "NumericLessThan" => |v, w| num(v, w, |a, b| a < b),
        "NumericLessThanEquals" => |v, w| num(v, w, |a, b| a <= b),
        "NumericGreaterThan" => |v, w| num(v, w, |a, b| a > b),
        "NumericGreaterThanEquals" => |v, w| num(v, w, |a, b| a >= b),
        _ => return None,
    })
}

fn num(v: &str, w: &[String], f: fn(f64, f64) -> bool) -> bool {
    let Ok(a) = v.parse::<f64>() else {
        return false;
    };
    w.iter()
        .filter_map(|x| x.parse::<f64>().ok())
        .any(|b| f(a, b))
}

/// Evaluates identity policies for a request.
pub fn evaluate(policies: &[PolicyDocument], req: &Request) -> Decision {
    let mut allowed = false;
    for st in policies.iter().flat_map(|p| &p.statement) {
        if applies(st, req) {
            match st.effect {
                Effect::Deny => return Decision::ExplicitDeny,
                Effect::Allow => allowed = true,
            }
        }
    }
    if allowed {
        Decision::Allowed
    } else {
        Decision::ImplicitDeny
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(json: &str) -> PolicyDocument {
        serde_json::from_str(json).unwrap()
    }

    fn req(action: &str, resource: &str, ctx: &[(&str, &str)]) -> Request {
        Request {
            action: action.into(),
            resource: resource.into(),
            context: ctx
                .iter()
                .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
                .collect(),
        }
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(wildcard_match("s3:Get*", "s3:getobject", true));
        assert!(wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/x/y",
            false
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::c/x",
            false
        ));
        assert!(wildcard_match(
            "arn:aws:s3:::b/${*}x",
            "arn:aws:s3:::b/*x",
            false
        ));
        assert!(!wildcard_match(
            "arn:aws:s3:::b/${*}x",
            "arn:aws:s3:::b/ax",
            false
        ));
        assert!(wildcard_match("a?c", "abc", false));
        assert!(!wildcard_match("a${?}c", "abc", false));
        assert!(wildcard_match(
            "secret:ci-??????",
            "secret:ci-AbC123",
            false
        ));
        assert!(wildcard_match("*", "", false));
    }

    #[test]
    fn deny_wins_and_conditions_apply() {
        let p = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/x","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}},
            {"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#);
        let ps = [p];
        assert_eq!(
            evaluate(
                &ps,
                &req(
                    "iam:PassRole",
                    "arn:aws:iam::1:role/x",
                    &[("iam:PassedToService", "lambda.amazonaws.com")]
                )
            ),
            Decision::Allowed
        );
        assert_eq!(
            evaluate(
                &ps,
                &req(
                    "iam:PassRole",
                    "arn:aws:iam::1:role/x",
                    &[("iam:PassedToService", "ec2.amazonaws.com")]
                )
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(&ps, &req("iam:PassRole", "arn:aws:iam::1:role/x", &[])),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate(&ps, &req("s3:GetObject", "arn:aws:s3:::b/k", &[])),
            Decision::Allowed
        );
        assert_eq!(
            evaluate(&ps, &req("S3:DeleteBucket", "arn:aws:s3:::b", &[])),
            Decision::ExplicitDeny
        );
        let unknown = [doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateFuture":{"k":"v"}}}]}"#,
        )];
        assert_eq!(
            evaluate(&unknown, &req("s3:GetObject", "x", &[("k", "v")])),
            Decision::ImplicitDeny
        );
    }
}
