//! Account audits: credential hygiene from the IAM credential report, judged by the
//! CIS AWS Foundations Benchmark (`credentials`), and SARIF output for code-scanning
//! UIs (`sarif`).

pub mod credentials;
pub mod sarif;
