//! Selection: which records belong to the principal, time window, regions and accounts
//! the user asked about, and who the principal of a record is.

use crate::decode::{Record, parse_time};
use crate::iam::arn::Arn;

/// The principal a record's caller stands for, as a policy is attached to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// An IAM user (also its federated-user sessions).
    User,
    /// An IAM role, across all its sessions.
    Role,
    /// The account root user.
    Root,
    /// Another account, or an identity the trail names only by account.
    Account,
    /// A principal that is not an IAM identity (SAML/web identity callers, Identity
    /// Center users, unknown).
    Other,
}

/// Who made a call: the IAM identity whose policy governs it.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// User/role/root ARN (role ARN for assumed-role sessions), or a descriptive id.
    pub id: CallerId<'a>,
    /// What `id` is.
    pub kind: PrincipalKind,
}

/// A caller's id, borrowed from the record: telling a record's caller allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerId<'a> {
    /// The record names it whole.
    Named(&'a str),
    /// An IAM user the record names only by account and user name (console sign-in
    /// steps such as `CheckMfa`): `arn:{partition}:iam::{account}:user/{name}`.
    User {
        /// Partition, from the region.
        partition: &'static str,
        /// `userIdentity.accountId`.
        account: &'a str,
        /// `userIdentity.userName`.
        name: &'a str,
    },
}

impl<'a> CallerId<'a> {
    /// The id as text; built in `buf` when the record does not hold it whole.
    pub fn as_str<'b>(&self, buf: &'b mut String) -> &'b str
    where
        'a: 'b,
    {
        match *self {
            CallerId::Named(id) => id,
            CallerId::User { .. } => {
                buf.clear();
                use std::fmt::Write;
                let _ = write!(buf, "{self}");
                buf
            }
        }
    }
}

impl std::fmt::Display for CallerId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallerId::Named(id) => f.write_str(id),
            CallerId::User {
                partition,
                account,
                name,
            } => write!(f, "arn:{partition}:iam::{account}:user/{name}"),
        }
    }
}

/// Whether AWS itself made the call (`AwsServiceEvent`, `userIdentity.type` `AWSService`):
/// no principal's policy is involved.
pub fn is_aws_service_event(r: &Record<'_>) -> bool {
    r.event_type() == Some("AwsServiceEvent") || r.identity_str("type") == Some("AWSService")
}

/// The caller of a record, or `None` when AWS itself made it.
pub fn caller<'a>(r: &Record<'a>) -> Option<Caller<'a>> {
    if is_aws_service_event(r) {
        return None;
    }
    let ty = r.identity_str("type").unwrap_or("Unknown");
    let arn = r.identity_str("arn");
    let c = |id: &'a str, kind| {
        Some(Caller {
            id: CallerId::Named(id),
            kind,
        })
    };
    match ty {
        "AssumedRole" => match r.issuer_str("arn") {
            Some(role) => c(role, PrincipalKind::Role),
            None => c(arn.unwrap_or("unknown assumed role"), PrincipalKind::Role),
        },
        "IAMUser" => match (arn, r.identity_str("accountId"), r.identity_str("userName")) {
            (Some(arn), _, _) => c(arn, PrincipalKind::User),
            // Console sign-in steps (CheckMfa) name the user without an ARN.
            (None, Some(account), Some(name)) => Some(Caller {
                id: CallerId::User {
                    partition: crate::map::resources::partition_of_region(r.region().unwrap_or("")),
                    account,
                    name,
                },
                kind: PrincipalKind::User,
            }),
            (None, _, name) => c(name.unwrap_or("unknown IAM user"), PrincipalKind::User),
        },
        "FederatedUser" => match r.issuer_str("arn") {
            Some(user) => c(user, PrincipalKind::User),
            None => c(arn.unwrap_or("unknown federated user"), PrincipalKind::User),
        },
        "Root" => c(arn.unwrap_or("root"), PrincipalKind::Root),
        "AWSAccount" => c(
            r.identity_str("accountId")
                .or(r.identity_str("principalId"))
                .unwrap_or("unknown account"),
            PrincipalKind::Account,
        ),
        _ => c(
            arn.or(r.identity_str("principalId"))
                .or(r.identity_str("userName"))
                .unwrap_or(ty),
            PrincipalKind::Other,
        ),
    }
}

/// A principal as the user named it on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalFilter {
    /// What the user typed.
    pub raw: String,
    /// How records are matched.
    pub matcher: PrincipalMatch,
}

impl std::fmt::Display for PrincipalFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

/// How a [`PrincipalFilter`] matches records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalMatch {
    /// `arn:…:iam::ACCT:role/[path/]NAME`: every session of the role.
    Role {
        /// Account id.
        account: String,
        /// Role name (path ignored: names are unique in an account).
        name: String,
    },
    /// `arn:…:iam::ACCT:user/[path/]NAME`.
    User {
        /// Account id.
        account: String,
        /// User name.
        name: String,
    },
    /// `arn:…:iam::ACCT:root`.
    Root {
        /// Account id.
        account: String,
    },
    /// `arn:…:sts::ACCT:assumed-role/NAME/SESSION`: one session.
    Session(String),
    /// An access key id (`AKIA…`, `ASIA…`).
    AccessKey(String),
}

/// Why a `--principal` value was not understood.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{0}` is not a principal iamtrail understands: give an IAM user or role ARN (arn:aws:iam::123456789012:role/ci), an assumed-role session ARN (arn:aws:sts::123456789012:assumed-role/ci/session), the root ARN, or an access key id"
)]
pub struct BadPrincipal(pub String);

impl std::str::FromStr for PrincipalFilter {
    type Err = BadPrincipal;
    fn from_str(s: &str) -> Result<Self, BadPrincipal> {
        Ok(PrincipalFilter {
            raw: s.to_string(),
            matcher: s.parse()?,
        })
    }
}

impl std::str::FromStr for PrincipalMatch {
    type Err = BadPrincipal;
    fn from_str(s: &str) -> Result<Self, BadPrincipal> {
        let bad = || BadPrincipal(s.to_string());
        if (s.starts_with("AKIA") || s.starts_with("ASIA"))
            && s.len() >= 16
            && s.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Ok(PrincipalMatch::AccessKey(s.to_string()));
        }
        let arn = Arn::parse(s).map_err(|_| bad())?;
        let (service, account, resource) =
            (arn.service(), arn.account().to_string(), arn.resource());
        let last = |r: &str| r.rsplit('/').next().unwrap_or_default().to_string();
        match (service, resource.split('/').next()) {
            ("iam", Some("role")) if resource.len() > 5 => Ok(PrincipalMatch::Role {
                account,
                name: last(resource),
            }),
            ("iam", Some("user")) if resource.len() > 5 => Ok(PrincipalMatch::User {
                account,
                name: last(resource),
            }),
            ("iam", Some("root")) => Ok(PrincipalMatch::Root { account }),
            ("sts", Some("assumed-role")) if resource.matches('/').count() >= 2 => {
                Ok(PrincipalMatch::Session(s.to_string()))
            }
            _ => Err(bad()),
        }
    }
}

impl PrincipalFilter {
    /// Whether the record was made by this principal.
    pub fn matches(&self, r: &Record<'_>) -> bool {
        self.matcher.matches(r)
    }
}

/// Splits `arn:P:S::ACCT:kind/path/name` into (account, kind, name).
fn iam_arn_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let a = Arn::parse(arn).ok()?;
    let kind = a.resource().split('/').next()?;
    Some((a.account(), kind, a.resource_name()))
}

impl PrincipalMatch {
    /// Bytes that the JSON text of every record [`PrincipalMatch::matches`] takes holds
    /// (unless spelled with `\u` escapes: see `decode::Prefilter`), for skipping the
    /// records without them. A role's or user's caller ARN (or a console sign-in's
    /// `userName`) ends with its name, so its JSON string ends `NAME"`; a session's ARN
    /// ends with the session name. No needle holds a `/`, which a JSON writer may escape.
    pub fn needle(&self) -> Vec<u8> {
        let last = |s: &str| format!("{}\"", s.rsplit('/').next().unwrap_or(s)).into_bytes();
        match self {
            PrincipalMatch::AccessKey(k) => k.as_bytes().to_vec(),
            PrincipalMatch::Session(arn) => last(arn),
            PrincipalMatch::Root { .. } => br#""Root""#.to_vec(),
            PrincipalMatch::Role { name, .. } | PrincipalMatch::User { name, .. } => last(name),
        }
    }

    /// Where a hit of [`PrincipalMatch::needle`] must lie to count, when that can be
    /// told from the text: a role is only ever matched by a caller ARN in its account
    /// (the session issuer's, or the caller's own), never by a bare name, so a hit in a
    /// same-named role's ARN in another account (a role a StackSet made in every
    /// account), or in a `userName`, is not its record. A session is matched by its
    /// ARN only. Users are also matched by a bare `userName` (console sign-in), so they
    /// have no owner.
    pub fn needle_owner(&self) -> Option<crate::decode::NeedleOwner> {
        use crate::decode::NeedleOwner;
        match self {
            PrincipalMatch::Role { account, .. } => Some(NeedleOwner::arn_in(account)),
            // The needle is what follows the ARN's last `/`.
            PrincipalMatch::Session(arn) if arn.contains('/') => Arn::parse(arn)
                .ok()
                .map(|a| NeedleOwner::arn_in(a.account())),
            _ => None,
        }
    }

    /// Whether the record was made by this principal.
    pub fn matches(&self, r: &Record<'_>) -> bool {
        match self {
            PrincipalMatch::AccessKey(k) => r.identity_str("accessKeyId") == Some(k),
            PrincipalMatch::Session(arn) => r.identity_str("arn") == Some(arn),
            PrincipalMatch::Root { account } => {
                r.identity_str("type") == Some("Root")
                    && r.identity_str("accountId").is_none_or(|a| a == account)
            }
            PrincipalMatch::Role { account, name } | PrincipalMatch::User { account, name } => {
                let want = if matches!(self, PrincipalMatch::Role { .. }) {
                    "role"
                } else {
                    "user"
                };
                caller(r).is_some_and(|c| match c.id {
                    // Most records are someone else's: the name settles that cheaply.
                    CallerId::Named(id) => {
                        id.ends_with(name.as_str())
                            && iam_arn_parts(id).is_some_and(|(a, kind, n)| {
                                a == account && kind == want && n == name
                            })
                    }
                    CallerId::User {
                        account: a,
                        name: n,
                        ..
                    } => {
                        want == "user"
                            && a == account
                            && !a.contains(':')
                            && n.rsplit('/').next() == Some(name.as_str())
                    }
                })
            }
        }
    }
}

/// Everything that narrows the records a policy is built from.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Principals to include (any of them); empty = not filtered by principal.
    pub principals: Vec<PrincipalFilter>,
    /// Inclusive lower bound, epoch seconds.
    pub start: Option<i64>,
    /// Exclusive upper bound, epoch seconds.
    pub end: Option<i64>,
    /// Regions to include; empty = all.
    pub regions: Vec<String>,
    /// Accounts (recipientAccountId) to include; empty = all.
    pub accounts: Vec<String>,
}

/// Why a record was left out by selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterReason {
    /// AWS made the call itself; no principal's permission is involved.
    AwsService,
    /// Another principal.
    OtherPrincipal,
    /// Outside `--start`/`--end`/`--since`.
    OutsideWindow,
    /// Another region.
    OtherRegion,
    /// Another account.
    OtherAccount,
}

impl FilterReason {
    /// Short name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterReason::AwsService => "made by AWS itself (needs no permission of any principal)",
            FilterReason::OtherPrincipal => "other principal",
            FilterReason::OutsideWindow => "outside the time window",
            FilterReason::OtherRegion => "other region",
            FilterReason::OtherAccount => "other account",
        }
    }
}

impl Selection {
    /// `Ok` if the record is selected.
    pub fn check(&self, r: &Record<'_>) -> Result<(), FilterReason> {
        if is_aws_service_event(r) {
            return Err(FilterReason::AwsService);
        }
        if !self.principals.is_empty() && !self.principals.iter().any(|p| p.matches(r)) {
            return Err(FilterReason::OtherPrincipal);
        }
        if self.start.is_some() || self.end.is_some() {
            let t = r.event_time().and_then(parse_time);
            let inside = t.is_some_and(|t| {
                self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t < e)
            });
            if !inside {
                return Err(FilterReason::OutsideWindow);
            }
        }
        if !self.regions.is_empty()
            && !r
                .region()
                .is_some_and(|g| self.regions.iter().any(|x| x == g))
        {
            return Err(FilterReason::OtherRegion);
        }
        if !self.accounts.is_empty() {
            let acct = r.recipient_account().or(r.identity_str("accountId"));
            if !acct.is_some_and(|a| self.accounts.iter().any(|x| x == a)) {
                return Err(FilterReason::OtherAccount);
            }
        }
        Ok(())
    }
}

/// A `--region` or `--account` value that cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadValue {
    /// Not shaped like a region code.
    #[error(
        "--region {0:?} is not a region code: expected one like us-east-1, eu-central-2, cn-north-1 or us-gov-west-1"
    )]
    Region(String),
    /// Not 12 digits.
    #[error("--account {0:?} is not an account id: expected 12 digits, like 111122223333")]
    Account(String),
}

/// Checks the shape of a region code: `area[-qualifier]-direction-N`, lower case
/// (`us-east-1`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`).
pub fn check_region(s: &str) -> Result<(), BadValue> {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let ok = parts.len() >= 3
        && (2..=4).contains(&parts[0].len())
        && parts[..parts.len() - 1].iter().all(|p| letters(p))
        && parts
            .last()
            .is_some_and(|n| (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(BadValue::Region(s.to_string()))
    }
}

/// Checks the shape of an account id: 12 digits.
pub fn check_account(s: &str) -> Result<(), BadValue> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(BadValue::Account(s.to_string()))
    }
}

/// Parses `--since` values: `90m`, `36h`, `7d`, `2w` → seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    let mul = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn with_record<T>(json: &str, f: impl FnOnce(Record<'_>) -> T) -> T {
        let mut b = json.as_bytes().to_vec();
        let tape = simd_json::to_tape(&mut b).unwrap();
        f(Record::new(tape.as_value()).unwrap())
    }

    const ROLE_SESSION: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2026-11-20T10:00:00Z","awsRegion":"us-east-1","recipientAccountId":"111122223333",
      "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ci/build-1","accountId":"111122223333","accessKeyId":"ASIAEXAMPLEEXAMPLE01",
      "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/service-role/ci","userName":"ci"}}}}"#;

    #[test]
    fn principals_match_all_their_forms() {
        with_record(ROLE_SESSION, |r| {
            let c = caller(&r).unwrap();
            assert_eq!(
                (c.id.to_string().as_str(), c.kind),
                (
                    "arn:aws:iam::111122223333:role/service-role/ci",
                    PrincipalKind::Role
                )
            );
            for yes in [
                "arn:aws:iam::111122223333:role/ci",
                "arn:aws:iam::111122223333:role/service-role/ci",
                "arn:aws:sts::111122223333:assumed-role/ci/build-1",
                "ASIAEXAMPLEEXAMPLE01",
            ] {
                assert!(yes.parse::<PrincipalFilter>().unwrap().matches(&r), "{yes}");
            }
            for no in [
                "arn:aws:iam::111122223333:role/cix",
                "arn:aws:iam::999999999999:role/ci",
                "arn:aws:iam::111122223333:user/ci",
                "arn:aws:sts::111122223333:assumed-role/ci/build-2",
            ] {
                assert!(!no.parse::<PrincipalFilter>().unwrap().matches(&r), "{no}");
            }
        });
        assert!("arn:aws:s3:::bucket".parse::<PrincipalFilter>().is_err());
        assert!("ci".parse::<PrincipalFilter>().is_err());
    }

    /// Whatever a principal matches, the prefilter built from its needle and owner keeps.
    #[test]
    fn a_record_a_principal_matches_is_a_prefilter_candidate() {
        let console = r#"{"eventSource":"signin.amazonaws.com","eventName":"CheckMfa","awsRegion":"us-east-1",
          "userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"111122223333","accessKeyId":"","userName":"bert"}}"#;
        let cases: [(&str, &[&str]); 2] = [
            (
                ROLE_SESSION,
                &[
                    "arn:aws:iam::111122223333:role/ci",
                    "arn:aws:iam::111122223333:role/service-role/ci",
                    "arn:aws:sts::111122223333:assumed-role/ci/build-1",
                    "ASIAEXAMPLEEXAMPLE01",
                ],
            ),
            (console, &["arn:aws:iam::111122223333:user/bert"]),
        ];
        for (rec, principals) in cases {
            let text = format!(
                r#"{{"Records":[{{"eventVersion":"1.08","eventID":"x",{}]}}"#,
                &rec.trim()[1..]
            );
            for p in principals {
                let m = p.parse::<PrincipalFilter>().unwrap().matcher;
                assert!(with_record(rec, |r| m.matches(&r)), "{p}");
                let mut pf =
                    crate::decode::Prefilter::owned([(m.needle(), m.needle_owner())]).unwrap();
                let plan = pf.plan(text.as_bytes()).expect("a plan");
                assert_eq!(plan.candidates.len(), 1, "{p}");
            }
        }
        // The same role and session in another account: not candidates.
        let other = ROLE_SESSION.replace("111122223333", "999988887777");
        let text = format!(
            r#"{{"Records":[{{"eventVersion":"1.08","eventID":"x",{}]}}"#,
            &other.trim()[1..]
        );
        for p in [
            "arn:aws:iam::111122223333:role/ci",
            "arn:aws:sts::111122223333:assumed-role/ci/build-1",
        ] {
            let m = p.parse::<PrincipalFilter>().unwrap().matcher;
            let mut pf = crate::decode::Prefilter::owned([(m.needle(), m.needle_owner())]).unwrap();
            assert_eq!(
                pf.plan(text.as_bytes()).expect("a plan").candidates.len(),
                0,
                "{p}"
            );
        }
    }

    #[test]
    fn a_user_named_without_arn_gets_its_arn() {
        let rec = r#"{"eventSource":"signin.amazonaws.com","eventName":"CheckMfa","awsRegion":"us-east-1",
          "userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","accountId":"111122223333","accessKeyId":"","userName":"bert"}}"#;
        with_record(rec, |r| {
            let id = caller(&r).unwrap().id;
            assert_eq!(id.to_string(), "arn:aws:iam::111122223333:user/bert");
            assert_eq!(
                id.as_str(&mut String::new()),
                "arn:aws:iam::111122223333:user/bert"
            );
            assert!(
                "arn:aws:iam::111122223333:user/bert"
                    .parse::<PrincipalFilter>()
                    .unwrap()
                    .matches(&r)
            );
        });
    }

    #[test]
    fn selection_reasons() {
        with_record(ROLE_SESSION, |r| {
            let mut s = Selection {
                start: parse_time("2026-11-20"),
                end: parse_time("2026-11-21"),
                ..Default::default()
            };
            assert_eq!(s.check(&r), Ok(()));
            s.regions = vec!["us-west-2".into()];
            assert_eq!(s.check(&r), Err(FilterReason::OtherRegion));
            s.regions.clear();
            s.end = parse_time("2026-11-20T10:00:00Z");
            assert_eq!(s.check(&r), Err(FilterReason::OutsideWindow));
        });
        assert_eq!(parse_duration("7d"), Some(604_800));
        for good in [
            "us-east-1",
            "cn-north-1",
            "us-gov-west-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert_eq!(check_region(good), Ok(()), "{good}");
        }
        for bad in [
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1 ",
            "",
            "arn:aws",
            "us--east-1",
        ] {
            assert!(check_region(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_account("111122223333"), Ok(()));
        for bad in [
            "11112222333",
            "1111-2222-3333",
            "abcdefabcdef",
            " 111122223333",
        ] {
            assert!(check_account(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_duration("7"), None);
        assert_eq!(parse_duration("d"), None);
    }
}
