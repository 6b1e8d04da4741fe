//! Account audits, offline from files and live from an account: credential hygiene from
//! the IAM credential report, judged by the CIS AWS Foundations Benchmark
//! (`credentials`); and which resources can be reached from outside the account or
//! organization (`external`). (SARIF output is the binary's: `cli::sarif`.)

pub mod credentials;
pub mod external;
