//! `Principal` / `NotPrincipal` of a resource-based policy against the caller.
//!
//! IAM's rules (AWS JSON policy elements: Principal): an account id or
//! `arn:aws:iam::ACCOUNT:root` names every principal of the account (and delegates to its
//! identity policies); a user or role ARN names that user or role; an assumed-role
//! session matches its session ARN and its role's ARN; `"*"` (or `"AWS": "*"`) names
//! everyone; service, federated and canonical-user principals match by name.

use crate::iam::policy::{Principal, PrincipalKind};

/// How a resource policy statement named the caller; it fixes what the statement can
/// grant on its own (see the evaluator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Named {
    /// The caller's account (id or `:root`): delegates to the account's identity
    /// policies, grants nothing alone in the same account.
    Account,
    /// The role of a session, or a role caller by its ARN: limited by the role's
    /// permissions boundary.
    Role,
    /// The caller itself: a user ARN, the session's own ARN, a service.
    Caller,
    /// Everyone (`"*"`).
    Anyone,
}

/// The account of an ARN: field 5 when it is an account id (`arn:aws:iam::aws:policy/…`
/// names AWS, S3 ARNs none).
pub(super) fn account_of(arn: &str) -> Option<&str> {
    let acct = arn.split(':').nth(4)?;
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

/// `arn:P:iam::A:role/path/R` or `arn:P:sts::A:assumed-role/R/S` → (A, R, is session).
fn role_of(arn: &str) -> Option<(&str, &str, bool)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return None;
    }
    let (svc, acct, res) = (parts[2], parts[4], parts[5]);
    if svc == "sts" {
        let rest = res.strip_prefix("assumed-role/")?;
        let (role, _session) = rest.split_once('/')?;
        return Some((acct, role, true));
    }
    if svc == "iam" {
        let rest = res.strip_prefix("role/")?;
        return Some((acct, rest.rsplit('/').next()?, false));
    }
    None
}

fn aws_value(value: &str, caller: &str) -> Option<Named> {
    if value == "*" {
        return Some(Named::Anyone);
    }
    let acct = account_of(caller);
    let named_account = if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Some(value)
    } else {
        value
            .strip_suffix(":root")
            .and_then(|v| v.strip_prefix("arn:"))
            .and_then(|v| v.split(':').nth(3))
            .filter(|_| value.contains(":iam::"))
    };
    if let Some(a) = named_account {
        return (acct == Some(a)).then_some(Named::Account);
    }
    if value == caller {
        return Some(match role_of(caller) {
            Some((_, _, false)) => Named::Role,
            _ => Named::Caller,
        });
    }
    // A session matches its role's ARN (whatever the role's path).
    match (role_of(value), role_of(caller)) {
        (Some((va, vr, false)), Some((ca, cr, true))) if va == ca && vr == cr => Some(Named::Role),
        _ => None,
    }
}

/// How `p` names `caller` (`None`: it does not). An anonymous caller (no ARN) is
/// named only by `"*"`.
pub(super) fn names(p: &Principal, caller: Option<&str>) -> Option<Named> {
    let named = match p {
        Principal::Any => return Some(Named::Anyone),
        Principal::Named(m) => m,
    };
    let mut best = None;
    for (kind, values) in named {
        for v in &values.0 {
            let got = match (kind, caller) {
                (PrincipalKind::Aws, _) if v == "*" => Some(Named::Anyone),
                (PrincipalKind::Aws, Some(c)) => aws_value(v, c),
                (PrincipalKind::Service, Some(c)) => {
                    v.eq_ignore_ascii_case(c).then_some(Named::Caller)
                }
                (_, Some(c)) => (v == c).then_some(Named::Caller),
                (_, None) => None,
            };
            best = best.max(got);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::iam::policy::OneOrMany;

    fn aws(v: &str) -> Principal {
        Principal::Named(BTreeMap::from([(
            PrincipalKind::Aws,
            OneOrMany(vec![v.to_string()]),
        )]))
    }

    #[test]
    fn accounts_roles_sessions_and_everyone() {
        let session = "arn:aws:sts::111111111111:assumed-role/Dev/alice";
        let user = "arn:aws:iam::111111111111:user/bob";
        assert_eq!(
            names(&aws("111111111111"), Some(user)),
            Some(Named::Account)
        );
        assert_eq!(
            names(&aws("arn:aws:iam::111111111111:root"), Some(session)),
            Some(Named::Account)
        );
        assert_eq!(names(&aws("222222222222"), Some(user)), None);
        assert_eq!(names(&aws(user), Some(user)), Some(Named::Caller));
        assert_eq!(
            names(
                &aws("arn:aws:iam::111111111111:role/team/Dev"),
                Some(session)
            ),
            Some(Named::Role)
        );
        assert_eq!(names(&aws(session), Some(session)), Some(Named::Caller));
        assert_eq!(
            names(&aws("arn:aws:iam::222222222222:role/Dev"), Some(session)),
            None
        );
        assert_eq!(names(&aws("*"), None), Some(Named::Anyone));
        assert_eq!(names(&Principal::Any, Some(user)), Some(Named::Anyone));
        assert_eq!(names(&aws(user), None), None);
        let svc = Principal::Named(BTreeMap::from([(
            PrincipalKind::Service,
            OneOrMany(vec!["lambda.amazonaws.com".into()]),
        )]));
        assert_eq!(
            names(&svc, Some("lambda.amazonaws.com")),
            Some(Named::Caller)
        );
    }
}
