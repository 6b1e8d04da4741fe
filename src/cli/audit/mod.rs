//! `iamtrail audit …`: account audits.

mod credentials;
mod external;

use anyhow::Result;
use clap::{Args, Subcommand};

pub use credentials::CredentialsArgs;
pub use external::ExternalArgs;

/// `iamtrail audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The audit.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audits.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Judge the IAM credential report (a file, or `--live` from the account) by the CIS
    /// AWS Foundations Benchmark: stale, shared and unprotected credentials, with the
    /// dates behind each verdict and the `aws iam` command that fixes it.
    Credentials(CredentialsArgs),
    /// Which resources principals outside the zone of trust (accounts, organizations) can
    /// reach through resource-based policies: public, external or internal, with the
    /// statements, conditions and actions behind each finding.
    External(ExternalArgs),
}

/// Runs an audit; returns the exit code.
pub fn run(a: AuditArgs) -> Result<u8> {
    match a.command {
        AuditCommand::Credentials(c) => credentials::run(c),
        AuditCommand::External(a) => external::run(a),
    }
}
