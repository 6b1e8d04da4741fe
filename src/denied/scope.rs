//! Whose denial it is: a policy is for one principal, so a denial another principal got,
//! or a grant in an account other than the principal's, is reported and never merged
//! (unless the caller allows cross-account grants on purpose).

use crate::iam::arn::Arn;
use crate::select::PrincipalMatch;

/// The principal a policy is for, and how far its grants may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The principal; denials that name another one are not added.
    pub principal: Option<PrincipalMatch>,
    /// The principal's account; grants on resources of other accounts are not added.
    pub account: Option<String>,
    /// Add grants in other accounts anyway (`--allow-cross-account`).
    pub allow_cross_account: bool,
}

impl Scope {
    /// A scope for `principal` (its account too, when the principal names one).
    pub fn of(principal: PrincipalMatch, allow_cross_account: bool) -> Scope {
        Scope {
            account: account_of(&principal),
            principal: Some(principal),
            allow_cross_account,
        }
    }

    /// Why a denial that names `printed` as its principal is not this policy's, if it is
    /// not. A denial that names no principal, or names it in a form that cannot be told
    /// apart (an access key filter), is kept.
    pub fn other_principal(&self, printed: Option<&str>) -> Option<String> {
        let (p, printed) = (self.principal.as_ref()?, printed?);
        let theirs = matches_printed(p, printed);
        (theirs == Some(false)).then(|| {
            format!("the denial is another principal's ({printed}); this policy is for the principal given with --principal")
        })
    }

    /// Why a grant on `resource` is outside the principal's account, if it is.
    pub fn other_account(&self, resource: &str) -> Option<String> {
        if self.allow_cross_account {
            return None;
        }
        let mine = self.account.as_deref()?;
        let theirs = resource_account(resource)?;
        (theirs != mine).then(|| {
            format!(
                "the resource is in account {theirs}, not the principal's account {mine}: a cross-account grant also needs the other account's resource policy; add it with --allow-cross-account if it is meant"
            )
        })
    }
}

/// The account of an IAM/STS principal ARN, or a bare account id.
pub fn account_of(p: &PrincipalMatch) -> Option<String> {
    match p {
        PrincipalMatch::Role { account, .. }
        | PrincipalMatch::User { account, .. }
        | PrincipalMatch::Root { account } => Some(account.clone()),
        PrincipalMatch::Session(arn) => Arn::parse(arn).ok().map(|a| a.account().to_owned()),
        PrincipalMatch::AccessKey(_) => None,
    }
    .filter(|a| !a.is_empty())
}

/// The account field of an ARN, when it names one (not empty, not a wildcard).
fn resource_account(resource: &str) -> Option<&str> {
    let a = Arn::parse(resource).ok()?.account();
    (a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())).then_some(a)
}

/// Whether a principal as a message prints it (`arn:aws:sts::1:assumed-role/ci/s`,
/// `arn:aws:iam::1:user/x`) is `p`; `None` when it cannot be told.
fn matches_printed(p: &PrincipalMatch, printed: &str) -> Option<bool> {
    let arn = Arn::parse(printed.trim()).ok()?;
    let (service, account, resource) = (arn.service(), arn.account(), arn.resource());
    let mut r = resource.split('/');
    let kind = r.next().unwrap_or_default();
    let last = resource.rsplit('/').next().unwrap_or_default();
    Some(match p {
        PrincipalMatch::Role { account: a, name } => match (service, kind) {
            ("iam", "role") => a == account && name == last,
            ("sts", "assumed-role") => a == account && r.next() == Some(name.as_str()),
            _ => false,
        },
        PrincipalMatch::User { account: a, name } => {
            service == "iam" && kind == "user" && a == account && name == last
        }
        PrincipalMatch::Root { account: a } => service == "iam" && kind == "root" && a == account,
        PrincipalMatch::Session(arn) => arn == printed.trim(),
        PrincipalMatch::AccessKey(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(p: &str) -> Scope {
        Scope::of(p.parse().unwrap(), false)
    }

    #[test]
    fn denials_of_other_principals_are_told_apart() {
        let ci = scope("arn:aws:iam::111122223333:role/ci");
        for mine in [
            None,
            Some("arn:aws:sts::111122223333:assumed-role/ci/build-7"),
            Some("arn:aws:iam::111122223333:role/path/ci"),
            Some("AIDAEXAMPLE"),
        ] {
            assert_eq!(ci.other_principal(mine), None, "{mine:?}");
        }
        for theirs in [
            "arn:aws:sts::111122223333:assumed-role/deploy/build-7",
            "arn:aws:sts::999999999999:assumed-role/ci/build-7",
            "arn:aws:iam::111122223333:user/ci",
        ] {
            assert!(ci.other_principal(Some(theirs)).is_some(), "{theirs}");
        }
        assert_eq!(
            Scope::default().other_principal(Some("arn:aws:iam::1:user/x")),
            None
        );
    }

    #[test]
    fn grants_stay_in_the_principal_s_account() {
        let ci = scope("arn:aws:iam::111122223333:role/ci");
        assert_eq!(ci.other_account("arn:aws:s3:::bucket/key"), None);
        assert_eq!(ci.other_account("*"), None);
        assert_eq!(
            ci.other_account("arn:aws:sqs:us-east-1:111122223333:q"),
            None
        );
        assert_eq!(ci.other_account("arn:aws:sqs:*:*:q"), None);
        let e = ci
            .other_account("arn:aws:sqs:us-east-1:999999999999:q")
            .unwrap();
        assert!(e.contains("account 999999999999") && e.contains("--allow-cross-account"));
        let open = Scope::of("arn:aws:iam::111122223333:role/ci".parse().unwrap(), true);
        assert_eq!(
            open.other_account("arn:aws:sqs:us-east-1:999999999999:q"),
            None
        );
    }
}
