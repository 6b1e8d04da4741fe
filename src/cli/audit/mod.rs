//! `iamtrail audit …`: account audits.

mod external;

use anyhow::Result;
use clap::{Args, Subcommand};

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
    /// Which resources principals outside the zone of trust (accounts, organizations) can
    /// reach through resource-based policies: public, external or internal, with the
    /// statements, conditions and actions behind each finding.
    External(ExternalArgs),
}

/// Runs `iamtrail audit …`.
pub fn run(a: AuditArgs) -> Result<u8> {
    match a.command {
        AuditCommand::External(a) => external::run(a),
    }
}
