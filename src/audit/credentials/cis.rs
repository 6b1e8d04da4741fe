//! The benchmarks as data: one table per benchmark version, each control with its
//! number, title, the text it implements, its thresholds and what it needs. Adding a
//! benchmark version is adding a table to [`BENCHMARKS`].
//!
//! Control texts are quoted from the CIS Amazon Web Services Foundations Benchmark
//! v3.0.0 (its description and, where the verdict turns on it, its audit procedure);
//! the Security Hub ids are from the Security Hub user guide ("CIS AWS Foundations
//! Benchmark v3.0.0" standard, IAM controls).

use serde::Serialize;

/// How serious a failed control is (Security Hub's severity for its mapped control).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Its name in lowercase.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a control checks, with its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The root user has no access key (active or not).
    RootAccessKeys,
    /// The root user has MFA.
    RootMfa,
    /// The root user's MFA is a hardware device (needs the account, not the report).
    RootHardwareMfa,
    /// The root user's password and keys were not used within `days` of now.
    RootNotUsedWithin {
        /// The window, in days.
        days: i64,
    },
    /// Every user with a console password has MFA.
    MfaForConsoleUsers,
    /// No user with a console password has an active key that was never used.
    NoKeysAtSetup,
    /// No enabled password or active key unused for `days` or more (never-used: since
    /// its creation or last change).
    UnusedCredentials {
        /// Unused this many days or more fails.
        days: i64,
    },
    /// At most one active access key per user.
    OneActiveKey,
    /// Every IAM role (service-linked roles aside) was used within `days`; a role never
    /// used is judged from its creation date.
    UnusedRoles {
        /// Unused this many days or more fails.
        days: i64,
    },
    /// Every service a user's or role's policies grant was accessed within `days`; one
    /// never accessed is judged from the principal's creation date.
    UnusedPermissions {
        /// Unused this many days or more fails.
        days: i64,
    },
    /// Every active key was created or rotated within `days` (exactly `days` passes).
    KeyRotation {
        /// The longest allowed age, in days.
        days: i64,
    },
    /// The account password policy's minimum length is at least `min`.
    PasswordMinLength {
        /// The shortest allowed minimum.
        min: i32,
    },
    /// The account password policy remembers at least `min` passwords.
    PasswordReuse {
        /// Passwords to remember.
        min: i32,
    },
}

/// Whom a control judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The `<root_account>` row only.
    Root,
    /// IAM users only (never the root row).
    Users,
    /// The account's settings (password policy).
    Account,
}

/// One control of a benchmark.
#[derive(Debug, Clone, Copy)]
pub struct Control {
    /// The benchmark's number (`1.12`).
    pub id: &'static str,
    /// The benchmark's title.
    pub title: &'static str,
    /// The benchmark's text this control implements.
    pub text: &'static str,
    /// Security Hub's control for it, if any.
    pub security_hub: Option<&'static str>,
    /// Severity of a failure.
    pub severity: Severity,
    /// Whom it judges.
    pub scope: Scope,
    /// What it checks.
    pub rule: Rule,
    /// Whether it needs the account (`--live`): the credential report does not show it.
    pub needs_live: bool,
}

/// A benchmark version: its controls.
#[derive(Debug, Clone, Copy)]
pub struct Benchmark {
    /// The `--benchmark` name (`cis-3.0`).
    pub name: &'static str,
    /// Its full title.
    pub title: &'static str,
    /// Its controls, in the benchmark's order.
    pub controls: &'static [Control],
}

/// Every benchmark known, default first.
pub const BENCHMARKS: &[Benchmark] = &[CIS_3_0];

/// Looks a benchmark up by its `--benchmark` name.
pub fn benchmark(name: &str) -> Option<&'static Benchmark> {
    BENCHMARKS.iter().find(|b| b.name == name)
}

/// CIS Amazon Web Services Foundations Benchmark v3.0.0, section 1 (IAM), the controls
/// the credential report and the account settings decide.
pub const CIS_3_0: Benchmark = Benchmark {
    name: "cis-3.0",
    title: "CIS Amazon Web Services Foundations Benchmark v3.0.0",
    controls: &[
        Control {
            id: "1.4",
            title: "Ensure no 'root' user account access key exists",
            text: "The 'root' user account is the most privileged user in an AWS account. AWS Access Keys provide programmatic access to a given AWS account. It is recommended that all access keys associated with the 'root' user account be deleted. (Audit: in the credential report, for the <root_account> user, ensure the access_key_1_active and access_key_2_active fields are set to FALSE.)",
            security_hub: Some("IAM.4"),
            severity: Severity::Critical,
            scope: Scope::Root,
            rule: Rule::RootAccessKeys,
            needs_live: false,
        },
        Control {
            id: "1.5",
            title: "Ensure MFA is enabled for the 'root' user account",
            text: "The 'root' user account is the most privileged user in an AWS account. Multi-factor Authentication (MFA) adds an extra layer of protection on top of a username and password. With MFA enabled, when a user signs in to an AWS website, they will be prompted for their username and password as well as for an authentication code from their AWS MFA device.",
            security_hub: Some("IAM.9"),
            severity: Severity::Critical,
            scope: Scope::Root,
            rule: Rule::RootMfa,
            needs_live: false,
        },
        Control {
            id: "1.6",
            title: "Ensure hardware MFA is enabled for the 'root' user account",
            text: "The 'root' user account is the most privileged user in an AWS account. MFA adds an extra layer of protection on top of a user name and password. [...] For Level 2, it is recommended that the 'root' user account be protected with a hardware MFA. (Audit: AccountMFAEnabled is 1 in get-account-summary, and list-virtual-mfa-devices lists no device whose user is the root user.)",
            security_hub: Some("IAM.6"),
            severity: Severity::Critical,
            scope: Scope::Root,
            rule: Rule::RootHardwareMfa,
            needs_live: true,
        },
        Control {
            id: "1.7",
            title: "Eliminate use of the 'root' user for administrative and daily tasks",
            text: "With the creation of an AWS account, a 'root user' is created that cannot be disabled or deleted. That user has unrestricted access to and control over all resources in the AWS account. It is highly recommended that the use of this account be avoided for everyday tasks. (Audit: review password_last_used, access_key_1_last_used_date and access_key_2_last_used_date of the <root_account> row to determine when the root user was last used.) The benchmark sets no window; iamtrail flags use within the last day.",
            security_hub: None,
            severity: Severity::High,
            scope: Scope::Root,
            rule: Rule::RootNotUsedWithin { days: 1 },
            needs_live: false,
        },
        Control {
            id: "1.8",
            title: "Ensure IAM password policy requires minimum length of 14 or greater",
            text: "Password policies are, in part, used to enforce password complexity requirements. IAM password policies can be used to ensure password are at least a given length. It is recommended that the password policy require a minimum password length 14.",
            security_hub: Some("IAM.15"),
            severity: Severity::Medium,
            scope: Scope::Account,
            rule: Rule::PasswordMinLength { min: 14 },
            needs_live: true,
        },
        Control {
            id: "1.9",
            title: "Ensure IAM password policy prevents password reuse",
            text: "IAM password policies can prevent the reuse of a given password by the same user. It is recommended that the password policy prevent the reuse of passwords. (Audit: ensure \"Number of passwords to remember\" is set to 24.)",
            security_hub: Some("IAM.16"),
            severity: Severity::Low,
            scope: Scope::Account,
            rule: Rule::PasswordReuse { min: 24 },
            needs_live: true,
        },
        Control {
            id: "1.10",
            title: "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password",
            text: "Multi-Factor Authentication (MFA) adds an additional layer of authentication assurance beyond traditional credentials. With MFA enabled, when a user signs in to the AWS Console, they will be prompted for their user name and password as well as for an authentication code from their physical or virtual MFA token. It is recommended that MFA be enabled for all accounts that have a console password.",
            security_hub: Some("IAM.5"),
            severity: Severity::Medium,
            scope: Scope::Users,
            rule: Rule::MfaForConsoleUsers,
            needs_live: false,
        },
        Control {
            id: "1.11",
            title: "Do not setup access keys during initial user setup for all IAM users that have a console password",
            text: "AWS console defaults to no check boxes selected when creating a new IAM user. When creating the IAM User credentials you have to determine what type of access they require. (Audit: for any user having password_enabled set to true AND access_key_last_used_date set to N/A refer to the remediation.) iamtrail reads this for an active key that exists (access_key_N_last_rotated is a date): a user without a key also has N/A there.",
            security_hub: None,
            severity: Severity::Low,
            scope: Scope::Users,
            rule: Rule::NoKeysAtSetup,
            needs_live: false,
        },
        Control {
            id: "1.12",
            title: "Ensure credentials unused for 45 days or greater are disabled",
            text: "AWS IAM users can access AWS resources using different types of credentials, such as passwords or access keys. It is recommended that all credentials that have been unused in 45 or greater days be deactivated or removed. Audit: \"For each user having password_enabled set to TRUE, ensure password_last_used_date is less than 45 days ago. When password_enabled is set to TRUE and password_last_used is set to No_Information, ensure password_last_changed is less than 45 days ago. For each user having an access_key_1_active or access_key_2_active to TRUE, ensure the corresponding access_key_n_last_used_date is less than 45 days ago. When a user having an access_key_x_active (where x is 1 or 2) to TRUE and corresponding access_key_x_last_used_date is set to N/A, ensure access_key_x_last_rotated is less than 45 days ago.\" \"root_account is excluded in the audit.\" (\"Less than 45 days\" passes, so exactly 45 days fails. iamtrail reads a password_last_used of N/A as No_Information, and falls back to user_creation_time when password_last_changed is not a date.)",
            security_hub: Some("IAM.22"),
            severity: Severity::Medium,
            scope: Scope::Users,
            rule: Rule::UnusedCredentials { days: 45 },
            needs_live: false,
        },
        Control {
            id: "1.13",
            title: "Ensure there is only one active access key available for any single IAM user",
            text: "Access keys are long-term credentials for an IAM user or the AWS account 'root' user. You can use access keys to sign programmatic requests to the AWS CLI or AWS API (directly or using the AWS SDK). (Audit: a user with both access_key_1_active and access_key_2_active TRUE fails.)",
            security_hub: None,
            severity: Severity::Medium,
            scope: Scope::Users,
            rule: Rule::OneActiveKey,
            needs_live: false,
        },
        Control {
            id: "1.14",
            title: "Ensure access keys are rotated every 90 days or less",
            text: "Access keys consist of an access key ID and secret access key, which are used to sign programmatic requests that you make to AWS. [...] It is recommended that all access keys be regularly rotated. (Audit: access_key_N_last_rotated of every active key is within 90 days; a key rotated exactly 90 days ago is \"90 days or less\" and passes.)",
            security_hub: Some("IAM.3"),
            severity: Severity::Medium,
            scope: Scope::Users,
            rule: Rule::KeyRotation { days: 90 },
            needs_live: false,
        },
        Control {
            id: "roles",
            title: "IAM roles unused for 45 days or greater (iamtrail; not a CIS control)",
            text: "Not in the benchmark: 1.12's threshold applied to roles, which the credential report does not list. IAM's GetRole returns RoleLastUsed (\"the date and time ... that the role was last used\"; IAM tracks it for a trailing 400 days); a role with none is judged from its CreateDate. Service-linked roles (path /aws-service-role/) are AWS's to use and are skipped.",
            security_hub: None,
            severity: Severity::Low,
            scope: Scope::Account,
            rule: Rule::UnusedRoles { days: 45 },
            needs_live: true,
        },
        Control {
            id: "perms",
            title: "Permissions unused for 45 days or greater, by last-accessed data (iamtrail; not a CIS control)",
            text: "Not in the benchmark: 1.12's threshold applied to the services each IAM user's and role's policies grant. IAM's GenerateServiceLastAccessedDetails and GetServiceLastAccessedDetails list \"the services that the identity's policies allow\" with LastAuthenticated; a service not accessed for 45 days or greater fails, and one never accessed is judged from the user's or role's CreateDate (IAM User Guide, \"Refining permissions in AWS using last accessed information\").",
            security_hub: None,
            severity: Severity::Low,
            scope: Scope::Account,
            rule: Rule::UnusedPermissions { days: 45 },
            needs_live: true,
        },
    ],
};
