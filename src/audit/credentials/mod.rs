//! `audit credentials`: the IAM credential report judged by the CIS AWS Foundations
//! Benchmark, offline from the CSV file or live from the account.
//!
//! - [`csv`]: RFC 4180 records; [`report`]: the documented 22-column report;
//! - [`cis`]: the benchmarks as data tables; [`check`]: the verdicts ([`Finding`]s);
//! - [`live`]: GenerateCredentialReport / GetCredentialReport and the account settings
//!   the report does not hold (root hardware MFA, the password policy, unused roles);
//! - [`access`]: unused permissions by last-accessed data.

pub mod access;
pub mod check;
pub mod cis;
pub mod csv;
pub mod live;
pub mod report;

pub use check::{AccountFacts, Audit, Credential, Finding, PasswordPolicy, RoleUse, Status, audit};
pub use cis::{BENCHMARKS, Benchmark, Severity, benchmark};
pub use report::{CredentialReport, ReportError};
