//! Account audits, offline from files and live from an account: credential hygiene from
//! the IAM credential report, judged by the CIS AWS Foundations Benchmark
//! (`credentials`); which resources can be reached from outside the account or
//! organization (`external`); and SARIF output for code-scanning UIs (`sarif`).

pub mod credentials;
pub mod external;
pub mod sarif;
