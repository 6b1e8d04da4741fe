//! The zone of trust, and the outsiders a policy could let in: everyone, the accounts,
//! organizations, identity providers and service-for-account pairs it names.
//!
//! AWS ("IAM Access Analyzer findings"): "Any principal in the organization or account
//! that you choose for the analyzer is considered trusted"; a finding is raised for
//! "a resource-based policy that grants access to a resource within your zone of trust
//! to a principal that is not within your zone of trust".

use std::collections::BTreeSet;

use crate::iam::policy::{Document, Effect, Principal, PrincipalKind};

use crate::iam::bounds::{self, Fact};

/// Who is trusted: accounts, and organizations with the accounts known to be in them.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    /// Trusted account ids.
    pub accounts: BTreeSet<String>,
    /// Trusted organization ids (`o-…`).
    pub orgs: BTreeSet<String>,
    /// Accounts in the trusted organizations (`--org-accounts`).
    pub org_accounts: BTreeSet<String>,
}

/// Why a zone-of-trust entry is not one.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is neither a 12-digit account id nor an organization id (o-…)")]
pub struct ZoneError(pub String);

/// Whether `s` is a 12-digit account id.
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` looks like an organization id (`o-` and 10 to 32 lowercase letters or
/// digits, as Organizations defines it).
pub fn is_org(s: &str) -> bool {
    s.strip_prefix("o-").is_some_and(|r| {
        (10..=32).contains(&r.len())
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

impl Zone {
    /// A zone from account and organization ids, and the accounts of those
    /// organizations.
    pub fn new<'a>(
        trusted: impl IntoIterator<Item = &'a str>,
        org_accounts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Zone, ZoneError> {
        let mut z = Zone::default();
        for t in trusted {
            let t = t.trim();
            if is_account(t) {
                z.accounts.insert(t.to_string());
            } else if is_org(t) {
                z.orgs.insert(t.to_string());
            } else {
                return Err(ZoneError(t.to_string()));
            }
        }
        for a in org_accounts {
            let a = a.trim();
            if !is_account(a) {
                return Err(ZoneError(a.to_string()));
            }
            z.org_accounts.insert(a.to_string());
        }
        Ok(z)
    }

    /// Whether the zone trusts an account.
    pub fn trusts_account(&self, account: &str) -> bool {
        self.accounts.contains(account)
            || (!self.orgs.is_empty() && self.org_accounts.contains(account))
    }

    /// The organization an account is in, when the zone knows it.
    pub fn org_of(&self, account: &str) -> Option<&str> {
        self.org_accounts
            .contains(account)
            .then(|| self.orgs.iter().next().map(String::as_str))
            .flatten()
    }

    /// An account id the zone does not trust, for "anyone else".
    pub fn outsider_account(&self) -> String {
        (0u64..)
            .map(|i| format!("{:012}", 999_999_999_999 - i))
            .find(|a| !self.trusts_account(a))
            .unwrap_or_default()
    }
}

/// Who a candidate outsider is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// Any principal anywhere: a finding for it is public.
    Anyone,
    /// A principal of another account, named as the account or by its ARN.
    Account {
        /// The account id.
        account: String,
        /// The ARN the policy names, if it named one.
        arn: Option<String>,
    },
    /// Any principal of another organization.
    Org(String),
    /// Users of a web identity or SAML provider (its ARN, or its name for
    /// `cognito-identity.amazonaws.com`, `accounts.google.com`, …).
    Federated(String),
    /// A service acting for a resource of another account.
    Service {
        /// The service principal (`*`: any service, for a statement naming everyone).
        service: String,
        /// The account it acts for.
        account: String,
    },
    /// An S3 canonical user.
    Canonical(String),
}

impl Who {
    /// The finding's principal as reported.
    pub fn principal(&self) -> String {
        match self {
            Who::Anyone => "*".into(),
            Who::Account { account, arn } => arn.clone().unwrap_or_else(|| account.clone()),
            Who::Org(o) => o.clone(),
            Who::Federated(p) | Who::Canonical(p) => p.clone(),
            Who::Service { account, .. } => account.clone(),
        }
    }

    /// The entry in `external_principals`: account ids, organization ids, provider
    /// ARNs, `*`.
    pub fn external_principal(&self) -> String {
        match self {
            Who::Account { account, .. } | Who::Service { account, .. } => account.clone(),
            _ => self.principal(),
        }
    }

    /// The principal's kind, as Access Analyzer's finding names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Who::Anyone | Who::Account { .. } => "AWS",
            Who::Org(_) => "Organization",
            Who::Federated(_) => "Federated",
            Who::Service { .. } => "Service",
            Who::Canonical(_) => "CanonicalUser",
        }
    }
}

pub use crate::iam::bounds::{is_saml, provider_host};

/// The account of an ARN, when field 5 is an account id.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| is_account(a))
}

/// A value a wildcard pattern matches, for use as a request value: `*` and `?` become
/// `x`.
pub fn instance(pattern: &str) -> String {
    pattern.replace(['*', '?'], "x")
}

/// Every principal value of a statement, by kind (`"*"` as `(Aws, "*")`).
fn principal_values(p: &Principal) -> Vec<(PrincipalKind, &str)> {
    match p {
        Principal::Any => vec![(PrincipalKind::Aws, "*")],
        Principal::Named(m) => m
            .iter()
            .flat_map(|(k, v)| v.0.iter().map(move |s| (*k, s.as_str())))
            .collect(),
    }
}

/// The condition values a statement gives to keys whose fact is one of `facts`.
fn condition_values<'d>(doc: &'d Document, rtype: &str, facts: &[Fact]) -> Vec<&'d str> {
    let mut out = Vec::new();
    for st in &doc.statements {
        for keys in st.condition.iter().flat_map(|c| c.values()) {
            for (k, v) in keys {
                if bounds::bound(k, rtype).is_some_and(|b| facts.contains(&b.fact)) {
                    out.extend(v.0.iter().map(String::as_str));
                }
            }
        }
    }
    out
}

/// The outsiders to try for `doc`: everyone, then every account, organization,
/// provider and service-for-account the policy names outside the zone (in principals
/// or in the conditions that bound them). Sorted, no duplicates.
pub fn candidates(doc: &Document, rtype: &str, zone: &Zone) -> Vec<Who> {
    let mut out = BTreeSet::from([Who::Anyone]);
    let mut services = BTreeSet::new();
    let add_account = |out: &mut BTreeSet<Who>, account: &str, arn: Option<&str>| {
        if is_account(account) && !zone.trusts_account(account) {
            out.insert(Who::Account {
                account: account.to_string(),
                arn: arn.map(instance),
            });
        }
    };
    for st in &doc.statements {
        let named = st.principal.iter().chain(&st.not_principal);
        for p in named {
            for (kind, v) in principal_values(p) {
                match kind {
                    // Everyone includes every service, acting for any account.
                    PrincipalKind::Aws if v == "*" && st.effect == Effect::Allow => {
                        services.insert("*".to_string());
                    }
                    PrincipalKind::Aws if v == "*" => {}
                    PrincipalKind::Aws if is_account(v) => add_account(&mut out, v, None),
                    PrincipalKind::Aws => {
                        if let Some(a) = arn_account(v) {
                            // `:root` names the account.
                            let arn = (!v.ends_with(":root")).then_some(v);
                            add_account(&mut out, a, arn);
                        }
                    }
                    PrincipalKind::Federated => {
                        out.insert(Who::Federated(v.to_string()));
                    }
                    PrincipalKind::Service if st.effect == Effect::Allow => {
                        services.insert(v.to_string());
                    }
                    PrincipalKind::Service => {}
                    PrincipalKind::CanonicalUser => {
                        out.insert(Who::Canonical(v.to_string()));
                    }
                }
            }
        }
    }
    for v in condition_values(doc, rtype, &[Fact::PrincipalAccount]) {
        add_account(&mut out, v, None);
    }
    for v in condition_values(doc, rtype, &[Fact::PrincipalArn]) {
        if let Some(a) = arn_account(v) {
            add_account(&mut out, a, Some(v));
        }
    }
    for v in condition_values(doc, rtype, &[Fact::PrincipalOrgId]) {
        if !zone.orgs.contains(v) && v.starts_with("o-") {
            out.insert(Who::Org(v.to_string()));
        }
    }
    for v in condition_values(doc, rtype, &[Fact::PrincipalOrgPaths]) {
        if let Some(o) = v.split('/').next().filter(|o| o.starts_with("o-"))
            && !zone.orgs.contains(o)
            && !o.contains(['*', '?'])
        {
            out.insert(Who::Org(o.to_string()));
        }
    }
    // A service principal is no finding by itself; acting for another account's
    // resource (its account in aws:SourceAccount / SourceOwner / SourceArn) it is.
    let mut source_accounts: BTreeSet<String> =
        condition_values(doc, rtype, &[Fact::SourceAccount])
            .into_iter()
            .filter(|a| is_account(a))
            .map(str::to_string)
            .collect();
    source_accounts.extend(
        condition_values(doc, rtype, &[Fact::SourceArn])
            .into_iter()
            .filter_map(arn_account)
            .map(str::to_string),
    );
    for s in &services {
        for a in source_accounts.iter().filter(|a| !zone.trusts_account(a)) {
            out.insert(Who::Service {
                service: s.clone(),
                account: a.clone(),
            });
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_entries_and_outsider() {
        let z = Zone::new(["111122223333", "o-abcdefghij"], ["444455556666"]).unwrap();
        assert!(z.trusts_account("111122223333"));
        assert!(z.trusts_account("444455556666"));
        assert!(!z.trusts_account("777788889999"));
        assert_eq!(z.org_of("444455556666"), Some("o-abcdefghij"));
        assert!(!z.trusts_account(&z.outsider_account()));
        assert!(Zone::new(["1234"], []).is_err());
        assert!(Zone::new(["o-x"], []).is_err());
        // Without a trusted organization, --org-accounts trusts nobody by itself.
        let z = Zone::new(["111122223333"], ["444455556666"]).unwrap();
        assert!(!z.trusts_account("444455556666"));
    }
}
