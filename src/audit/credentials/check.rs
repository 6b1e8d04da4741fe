//! Judging a credential report (and, live, the account's settings) by a benchmark's
//! controls: one [`Finding`] per failed credential, with the dates behind it, its age
//! and the command that fixes it.

use serde::Serialize;

use super::cis::{Benchmark, Control, Rule, Scope, Severity};
use super::report::{AccessKey, CredentialReport, Stamp, UserRow};

const DAY: i64 = 86_400;

/// Which credential a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// The console password.
    Password,
    /// The first access key.
    #[serde(rename = "access_key_1")]
    AccessKey1,
    /// The second access key.
    #[serde(rename = "access_key_2")]
    AccessKey2,
    /// The MFA device.
    Mfa,
    /// Both access keys together.
    AccessKeys,
    /// The root user's sign-in as a whole.
    Root,
    /// The account password policy.
    PasswordPolicy,
    /// An IAM role.
    Role,
    /// The services a user's or role's policies grant (last-accessed data).
    Permissions,
}

impl Credential {
    /// Its name in output.
    pub fn name(self) -> &'static str {
        match self {
            Credential::Password => "password",
            Credential::AccessKey1 => "access_key_1",
            Credential::AccessKey2 => "access_key_2",
            Credential::Mfa => "mfa",
            Credential::AccessKeys => "access_keys",
            Credential::Root => "root",
            Credential::PasswordPolicy => "password_policy",
            Credential::Role => "role",
            Credential::Permissions => "permissions",
        }
    }

    fn key(n: usize) -> Credential {
        if n == 0 {
            Credential::AccessKey1
        } else {
            Credential::AccessKey2
        }
    }
}

/// A report column's value behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateField {
    /// The column (`access_key_1_last_rotated`).
    pub column: String,
    /// Its value (`2026-01-01T00:00:00Z`, `N/A`…).
    pub value: String,
}

/// How old the credential is, from the date the verdict turns on to "now".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Age {
    /// The column the age counts from.
    pub since: String,
    /// Seconds.
    pub seconds: i64,
    /// Whole days (rounded down).
    pub days: i64,
    /// `45 days 0 hours`.
    pub text: String,
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The user's name (`<root_account>` for the root user, `<account>` for settings).
    pub user: String,
    /// The user's ARN (the account root's for settings).
    pub arn: String,
    /// The control's number (`1.12`).
    pub control: &'static str,
    /// The control's title.
    pub title: &'static str,
    /// Security Hub's control for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<&'static str>,
    /// Severity.
    pub severity: Severity,
    /// Which credential.
    pub credential: Credential,
    /// The report's values behind the verdict.
    pub dates: Vec<DateField>,
    /// The age the verdict computed, for the time-based controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<Age>,
    /// Why it fails, in a sentence.
    pub reason: String,
    /// How to fix it: the `aws iam` command(s).
    pub fix: String,
    /// The report line of the user's row (0: not from a report row).
    #[serde(skip_serializing_if = "is_zero")]
    pub line: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The account's settings that the credential report does not hold (`--live`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFacts {
    /// The account id.
    pub account: String,
    /// `GetAccountSummary`'s `AccountMFAEnabled` (root MFA of any kind).
    pub root_mfa_enabled: bool,
    /// Serial numbers of virtual MFA devices assigned to the root user
    /// (`ListVirtualMFADevices`).
    pub root_virtual_mfa: Vec<String>,
    /// The password policy; `None`: the account has none (`NoSuchEntity`).
    pub password_policy: Option<PasswordPolicy>,
    /// The account's roles (service-linked ones left out), with when each was last used.
    pub roles: Vec<RoleUse>,
    /// Each user's and role's services granted, with when each was last accessed.
    pub last_accessed: Vec<super::access::ServiceAccess>,
}

/// A role and its `RoleLastUsed` (GetRole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleUse {
    /// `RoleName`.
    pub name: String,
    /// `Arn`.
    pub arn: String,
    /// `CreateDate` (epoch seconds).
    pub created: i64,
    /// `RoleLastUsed.LastUsedDate`, when IAM has one.
    pub last_used: Option<i64>,
}

/// The parts of the account password policy the benchmark checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// `MinimumPasswordLength`.
    pub minimum_length: Option<i32>,
    /// `PasswordReusePrevention` (absent: reuse allowed).
    pub reuse_prevention: Option<i32>,
}

/// A control's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Checked, nothing failed.
    Pass,
    /// Checked, something failed.
    Fail,
    /// Needs the account (`--live`).
    NeedsLive,
    /// The report has no `<root_account>` row to judge.
    NoRootRow,
}

/// One control's line in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlResult {
    /// Number.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// Security Hub's control.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<&'static str>,
    /// Severity of a failure.
    pub severity: Severity,
    /// Outcome.
    pub status: Status,
    /// Findings it produced.
    pub findings: usize,
}

/// The result of an audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Audit {
    /// The benchmark's title.
    pub benchmark: &'static str,
    /// "Now", as `YYYY-MM-DDTHH:MM:SSZ`.
    pub as_of: String,
    /// IAM users judged (the root row not counted).
    pub users_checked: usize,
    /// Whether the report has the root user's row.
    pub root_checked: bool,
    /// Controls judged (pass or fail).
    pub controls_checked: usize,
    /// Every control of the benchmark, in order.
    pub controls: Vec<ControlResult>,
    /// The findings: by user (root first), then control, then credential.
    pub findings: Vec<Finding>,
}

/// Judges `report` (and `facts`, when live) by `bench` at `now` (epoch seconds).
pub fn audit(
    report: &CredentialReport,
    facts: Option<&AccountFacts>,
    bench: &Benchmark,
    now: i64,
) -> Audit {
    let root = report.rows.iter().find(|r| r.is_root());
    let users: Vec<&UserRow> = report.rows.iter().filter(|r| !r.is_root()).collect();
    // The root user as the account settings name it (no report row; live only).
    let account_root = facts.map(|f| UserRow {
        line: 0,
        user: super::report::ROOT_USER.into(),
        arn: format!("arn:aws:iam::{}:root", f.account),
        created: Stamp::NotApplicable,
        password_enabled: None,
        password_last_used: Stamp::NotApplicable,
        password_last_changed: Stamp::NotApplicable,
        password_next_rotation: Stamp::NotApplicable,
        mfa_active: f.root_mfa_enabled,
        keys: std::array::from_fn(|_| AccessKey {
            active: false,
            last_rotated: Stamp::NotApplicable,
            last_used: Stamp::NotApplicable,
            last_used_region: "N/A".into(),
            last_used_service: "N/A".into(),
        }),
        certs_active: [false; 2],
        certs_rotated: [Stamp::NotApplicable; 2],
    });
    let mut findings = Vec::new();
    let mut controls = Vec::new();
    for c in bench.controls {
        let before = findings.len();
        let status = if c.needs_live && facts.is_none() {
            Status::NeedsLive
        } else {
            match c.scope {
                Scope::Root => match (root, &account_root) {
                    (Some(r), _) => {
                        root_rule(c, r, facts, now, &mut findings);
                        Status::Pass
                    }
                    // The account's settings judge 1.6 without the report's root row.
                    (None, Some(r)) if c.rule == Rule::RootHardwareMfa => {
                        root_rule(c, r, facts, now, &mut findings);
                        Status::Pass
                    }
                    _ => Status::NoRootRow,
                },
                Scope::Users => {
                    for u in &users {
                        user_rule(c, u, now, &mut findings);
                    }
                    Status::Pass
                }
                Scope::Account => {
                    if let Some(f) = facts {
                        account_rule(c, f, now, &mut findings);
                    }
                    Status::Pass
                }
            }
        };
        let n = findings.len() - before;
        controls.push(ControlResult {
            id: c.id,
            title: c.title,
            security_hub: c.security_hub,
            severity: c.severity,
            status: if n > 0 { Status::Fail } else { status },
            findings: n,
        });
    }
    let order = |f: &Finding| {
        let c = bench.controls.iter().position(|c| c.id == f.control);
        (
            f.user != super::report::ROOT_USER,
            f.user.clone(),
            c,
            f.credential,
        )
    };
    findings.sort_by_key(order);
    Audit {
        benchmark: bench.title,
        as_of: crate::time::format_time(now),
        users_checked: users.len(),
        root_checked: root.is_some(),
        controls_checked: controls
            .iter()
            .filter(|c| matches!(c.status, Status::Pass | Status::Fail))
            .count(),
        controls,
        findings,
    }
}

/// `45d 0h 0m`, `90d 0h 1m`, `-2d 1h 0m` (a date after "now"); seconds are dropped.
pub fn age_text(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{}d {}h {}m", s / 86_400, s / 3600 % 24, s / 60 % 60)
}

pub(super) fn age(since: &str, at: i64, now: i64) -> Age {
    let seconds = now - at;
    Age {
        since: since.to_string(),
        seconds,
        days: seconds.div_euclid(DAY),
        text: age_text(seconds),
    }
}

pub(super) fn date(column: impl Into<String>, s: Stamp) -> DateField {
    DateField {
        column: column.into(),
        value: s.show(),
    }
}

/// A value for a shell command line: as is when it needs no quoting (IAM names are
/// `[\w+=,.@-]+`), else in single quotes.
pub fn sh(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// How to get the id of access key `n` (the report has no key ids).
fn key_id_hint(user: &str, key: &AccessKey) -> String {
    format!(
        "<AccessKeyId with CreateDate {} in: aws iam list-access-keys --user-name {}>",
        key.last_rotated.show(),
        sh(user)
    )
}

fn finding(c: &Control, u: &UserRow, credential: Credential) -> Finding {
    Finding {
        user: u.user.clone(),
        arn: u.arn.clone(),
        control: c.id,
        title: c.title,
        security_hub: c.security_hub,
        severity: c.severity,
        credential,
        dates: Vec::new(),
        age: None,
        reason: String::new(),
        fix: String::new(),
        line: u.line,
    }
}

fn key_columns(n: usize, k: &AccessKey) -> Vec<DateField> {
    let p = format!("access_key_{}", n + 1);
    vec![
        DateField {
            column: format!("{p}_active"),
            value: if k.active { "TRUE" } else { "FALSE" }.into(),
        },
        date(format!("{p}_last_rotated"), k.last_rotated),
        date(format!("{p}_last_used_date"), k.last_used),
    ]
}

fn root_rule(
    c: &Control,
    r: &UserRow,
    facts: Option<&AccountFacts>,
    now: i64,
    out: &mut Vec<Finding>,
) {
    match c.rule {
        Rule::RootAccessKeys => {
            for (n, k) in r.keys.iter().enumerate().filter(|(_, k)| k.active) {
                let mut f = finding(c, r, Credential::key(n));
                f.dates = key_columns(n, k);
                f.reason = format!(
                    "the root user has an active access key (access_key_{})",
                    n + 1
                );
                f.fix = "signed in as the root user: aws iam list-access-keys, then aws iam delete-access-key --access-key-id <AccessKeyId> for each (or the console: account menu → Security credentials → Access keys → Delete)".into();
                out.push(f);
            }
        }
        Rule::RootMfa if !r.mfa_active => {
            let mut f = finding(c, r, Credential::Mfa);
            f.dates = vec![DateField {
                column: "mfa_active".into(),
                value: "FALSE".into(),
            }];
            f.reason = "the root user has no MFA device".into();
            f.fix = "signed in as the root user, in the console: account menu → Security credentials → Multi-factor authentication → Assign MFA device (a hardware device for 1.6)".into();
            out.push(f);
        }
        Rule::RootHardwareMfa => {
            let Some(facts) = facts else { return };
            let reason = if !facts.root_mfa_enabled {
                "the root user has no MFA device (GetAccountSummary: AccountMFAEnabled 0)"
                    .to_string()
            } else if !facts.root_virtual_mfa.is_empty() {
                format!(
                    "the root user's MFA is a virtual device ({})",
                    facts.root_virtual_mfa.join(", ")
                )
            } else {
                return;
            };
            let mut f = finding(c, r, Credential::Mfa);
            f.reason = reason;
            f.fix = "signed in as the root user, in the console: Security credentials → Assign MFA device → Hardware TOTP token or security key; then remove the virtual device".into();
            out.push(f);
        }
        Rule::RootNotUsedWithin { days } => {
            let mut uses: Vec<(String, i64)> = Vec::new();
            if let Some(t) = r.password_last_used.at() {
                uses.push(("password_last_used".into(), t));
            }
            for (n, k) in r.keys.iter().enumerate() {
                if let Some(t) = k.last_used.at() {
                    uses.push((format!("access_key_{}_last_used_date", n + 1), t));
                }
            }
            let Some((col, last)) = uses.iter().max_by_key(|(_, t)| *t).cloned() else {
                return;
            };
            if now - last < days * DAY {
                let mut f = finding(c, r, Credential::Root);
                f.dates = uses
                    .iter()
                    .map(|(c, t)| date(c.clone(), Stamp::At(*t)))
                    .collect();
                f.age = Some(age(&col, last, now));
                f.reason = format!(
                    "the root user was used {} ago ({col}), within the {days}-day window",
                    age_text(now - last)
                );
                f.fix = "use an IAM role or IAM Identity Center user for administration; keep the root user for the tasks only it can do, and delete its access keys (1.4)".into();
                out.push(f);
            }
        }
        _ => {}
    }
}

fn user_rule(c: &Control, u: &UserRow, now: i64, out: &mut Vec<Finding>) {
    let name = sh(&u.user);
    let console = u.password_enabled == Some(true);
    let active: Vec<(usize, &AccessKey)> = u
        .keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.active && k.exists())
        .collect();
    match c.rule {
        Rule::MfaForConsoleUsers if console && !u.mfa_active => {
            let mut f = finding(c, u, Credential::Mfa);
            f.dates = vec![
                DateField {
                    column: "password_enabled".into(),
                    value: "TRUE".into(),
                },
                DateField {
                    column: "mfa_active".into(),
                    value: "FALSE".into(),
                },
            ];
            f.reason = "has a console password and no MFA device".into();
            f.fix = format!(
                "aws iam create-virtual-mfa-device --virtual-mfa-device-name {name} --outfile {name}-mfa.png --bootstrap-method QRCodePNG, then aws iam enable-mfa-device --user-name {name} --serial-number <SerialNumber from the first command> --authentication-code1 <code> --authentication-code2 <next code>; or, if the user needs no console: aws iam delete-login-profile --user-name {name}"
            );
            out.push(f);
        }
        Rule::NoKeysAtSetup => {
            if !console {
                return;
            }
            for (n, k) in active.iter().filter(|(_, k)| k.last_used.at().is_none()) {
                let mut f = finding(c, u, Credential::key(*n));
                f.dates = vec![date("user_creation_time", u.created)];
                f.dates.extend(key_columns(*n, k));
                f.reason = format!(
                    "a console user with an active access key (access_key_{}) that was never used",
                    n + 1
                );
                f.fix = format!(
                    "aws iam delete-access-key --user-name {name} --access-key-id {}",
                    key_id_hint(&u.user, k)
                );
                out.push(f);
            }
        }
        Rule::UnusedCredentials { days } => {
            if console {
                let (col, basis) = match (u.password_last_used, u.password_last_changed, u.created)
                {
                    (Stamp::At(t), _, _) => ("password_last_used", Some(t)),
                    (_, Stamp::At(t), _) => ("password_last_changed", Some(t)),
                    (_, _, Stamp::At(t)) => ("user_creation_time", Some(t)),
                    _ => ("", None),
                };
                if let Some(t) = basis.filter(|t| now - t >= days * DAY) {
                    let mut f = finding(c, u, Credential::Password);
                    f.dates = vec![
                        date("password_last_used", u.password_last_used),
                        date("password_last_changed", u.password_last_changed),
                        date("user_creation_time", u.created),
                    ];
                    f.age = Some(age(col, t, now));
                    f.reason = if col == "password_last_used" {
                        format!(
                            "console password unused for {} ({days} days or greater)",
                            age_text(now - t)
                        )
                    } else {
                        format!(
                            "console password never used, set {} ago ({col}; {days} days or greater)",
                            age_text(now - t)
                        )
                    };
                    f.fix = format!("aws iam delete-login-profile --user-name {name}");
                    out.push(f);
                }
            }
            for (n, k) in &active {
                let (col, t) = match (k.last_used, k.last_rotated) {
                    (Stamp::At(t), _) => ("last_used_date", t),
                    (_, Stamp::At(t)) => ("last_rotated", t),
                    _ => continue,
                };
                if now - t >= days * DAY {
                    let mut f = finding(c, u, Credential::key(*n));
                    f.dates = key_columns(*n, k);
                    let col = format!("access_key_{}_{col}", n + 1);
                    f.reason = if col.ends_with("used_date") {
                        format!(
                            "active access key unused for {} ({days} days or greater)",
                            age_text(now - t)
                        )
                    } else {
                        format!(
                            "active access key never used, created {} ago ({col}; {days} days or greater)",
                            age_text(now - t)
                        )
                    };
                    f.age = Some(age(&col, t, now));
                    f.fix = format!(
                        "aws iam update-access-key --user-name {name} --access-key-id {} --status Inactive (or delete-access-key with the same arguments)",
                        key_id_hint(&u.user, k)
                    );
                    out.push(f);
                }
            }
        }
        Rule::OneActiveKey if active.len() == 2 => {
            let mut f = finding(c, u, Credential::AccessKeys);
            f.dates = key_columns(0, &u.keys[0]);
            f.dates.extend(key_columns(1, &u.keys[1]));
            f.reason = "two active access keys".into();
            let older = active
                .iter()
                .min_by_key(|(_, k)| k.last_rotated.at())
                .map(|(_, k)| *k)
                .unwrap_or(&u.keys[0]);
            f.fix = format!(
                "deactivate the one no longer in use, e.g. the older: aws iam update-access-key --user-name {name} --access-key-id {} --status Inactive",
                key_id_hint(&u.user, older)
            );
            out.push(f);
        }
        Rule::KeyRotation { days } => {
            for (n, k) in &active {
                let Some(t) = k.last_rotated.at() else {
                    continue;
                };
                if now - t > days * DAY {
                    let mut f = finding(c, u, Credential::key(*n));
                    f.dates = key_columns(*n, k);
                    let col = format!("access_key_{}_last_rotated", n + 1);
                    f.age = Some(age(&col, t, now));
                    f.reason = format!(
                        "active access key created {} ago, more than {days} days",
                        age_text(now - t)
                    );
                    f.fix = format!(
                        "aws iam create-access-key --user-name {name}, move the workload to the new key, then aws iam update-access-key --user-name {name} --access-key-id {} --status Inactive, and later aws iam delete-access-key with the same ids",
                        key_id_hint(&u.user, k)
                    );
                    out.push(f);
                }
            }
        }
        _ => {}
    }
}

fn account_rule(c: &Control, facts: &AccountFacts, now: i64, out: &mut Vec<Finding>) {
    if let Rule::UnusedPermissions { days } = c.rule {
        for p in &facts.last_accessed {
            super::access::judge(c, days, p, now, out);
        }
        return;
    }
    if let Rule::UnusedRoles { days } = c.rule {
        for r in &facts.roles {
            let (col, t) = match r.last_used {
                Some(t) => ("RoleLastUsed.LastUsedDate", t),
                None => ("CreateDate", r.created),
            };
            if now - t < days * DAY {
                continue;
            }
            let mut dates = vec![date("CreateDate", Stamp::At(r.created))];
            dates.push(date(
                "RoleLastUsed.LastUsedDate",
                r.last_used.map_or(Stamp::NotApplicable, Stamp::At),
            ));
            out.push(Finding {
                user: r.name.clone(),
                arn: r.arn.clone(),
                control: c.id,
                title: c.title,
                security_hub: c.security_hub,
                severity: c.severity,
                credential: Credential::Role,
                dates,
                age: Some(age(col, t, now)),
                reason: if r.last_used.is_some() {
                    format!("role unused for {} ({days} days or greater)", age_text(now - t))
                } else {
                    format!("role never used, created {} ago ({days} days or greater)", age_text(now - t))
                },
                fix: format!(
                    "if nothing needs it: aws iam list-attached-role-policies --role-name {n}, aws iam list-role-policies --role-name {n} and aws iam list-instance-profiles-for-role --role-name {n}; detach, delete and remove each, then aws iam delete-role --role-name {n}",
                    n = sh(&r.name)
                ),
                line: 0,
            });
        }
        return;
    }
    let policy = facts.password_policy.as_ref();
    let (have, want, param, what) = match c.rule {
        Rule::PasswordMinLength { min } => (
            policy.and_then(|p| p.minimum_length),
            min,
            "--minimum-password-length",
            "minimum password length",
        ),
        Rule::PasswordReuse { min } => (
            policy.and_then(|p| p.reuse_prevention),
            min,
            "--password-reuse-prevention",
            "passwords remembered",
        ),
        _ => return,
    };
    if have.is_some_and(|h| h >= want) {
        return;
    }
    let reason = match (policy, have) {
        (None, _) => {
            format!("the account has no password policy (NoSuchEntity), so no {what} is enforced")
        }
        (Some(_), None) => format!("the password policy sets no {what}"),
        (Some(_), Some(h)) => format!("the password policy's {what} is {h}, below {want}"),
    };
    out.push(Finding {
        user: "<account>".into(),
        arn: format!("arn:aws:iam::{}:root", facts.account),
        control: c.id,
        title: c.title,
        security_hub: c.security_hub,
        severity: c.severity,
        credential: Credential::PasswordPolicy,
        dates: Vec::new(),
        age: None,
        reason,
        fix: format!(
            "aws iam update-account-password-policy {param} {want} (the call replaces the whole policy: repeat the settings you keep)"
        ),
        line: 0,
    });
}
