//! `iamtrail athena-sql` (the query and the table's DDL) and the Athena inputs of
//! `generate`: `--from-athena-result FILE` and `--athena WORKGROUP`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::WindowArgs;
use super::render::selection_of;
use super::{InputArgs, UsageError, exit};
use iamtrail::athena::client::{self, cost_usd};
use iamtrail::athena::ddl::{Table, commercial_regions, ddl};
use iamtrail::athena::dialect::duckdb_prelude;
use iamtrail::athena::result::{self, Totals};
use iamtrail::athena::sql::{Schema, query};
use iamtrail::aws::AwsOptions;
use iamtrail::ingest::{Config, Ingested, from_objects};
use iamtrail::select::PrincipalFilter;

/// The table `athena-sql` and `generate --athena` query unless told otherwise.
pub const DEFAULT_TABLE: &str = "cloudtrail_logs";

/// `--schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum SchemaArg {
    /// The CloudTrail table over the trail's bucket (`--ddl` prints it).
    #[default]
    Cloudtrail,
    /// Security Lake's CloudTrail table in OCSF
    /// (amazon_security_lake_table_<region>_cloud_trail_mgmt_2_0).
    Ocsf,
}

impl From<SchemaArg> for Schema {
    fn from(s: SchemaArg) -> Schema {
        match s {
            SchemaArg::Cloudtrail => Schema::CloudTrail,
            SchemaArg::Ocsf => Schema::Ocsf,
        }
    }
}

/// `--dialect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum DialectArg {
    /// Athena (Trino): the query as Athena runs it.
    #[default]
    Athena,
    /// The same query after the macros that make DuckDB accept it (for testing on an
    /// embedded engine).
    Duckdb,
}

/// `athena-sql`.
#[derive(Debug, Args)]
pub struct AthenaSqlArgs {
    /// The table's schema.
    #[arg(long, value_enum, default_value = "cloudtrail")]
    pub schema: SchemaArg,

    /// The table (`db.table` or `table`).
    #[arg(long, value_name = "NAME", default_value = DEFAULT_TABLE)]
    pub table: String,

    /// Print the table's CREATE EXTERNAL TABLE (partition projection over
    /// AWSLogs/<account>/CloudTrail/<region>/yyyy/MM/dd) instead of the query (the
    /// CloudTrail schema: Security Lake creates its own tables).
    #[arg(long, requires = "location")]
    pub ddl: bool,

    /// With --ddl: the trail's bucket and prefix before `AWSLogs/` (s3://bucket/[prefix/]).
    #[arg(long, value_name = "S3_URL")]
    pub location: Option<String>,

    /// With --ddl: an organization trail's id folder (`o-…`) under AWSLogs/.
    #[arg(long, value_name = "ORG_ID")]
    pub org: Option<String>,

    /// With --ddl: the first day with logs (YYYY/MM/DD).
    #[arg(long, value_name = "DAY", default_value = "2020/01/01")]
    pub first_day: String,

    /// Which engine's text: athena, or duckdb (the Athena text after DuckDB stand-ins).
    #[arg(long, value_enum, default_value = "athena")]
    pub dialect: DialectArg,

    /// The principal(s), as for `generate`.
    #[arg(long, short, value_name = "PRINCIPAL")]
    pub principal: Vec<PrincipalFilter>,

    /// The time window.
    #[command(flatten)]
    pub window: WindowArgs,

    /// Only records from this region (repeatable); with --ddl, the region folders
    /// (default: every commercial region).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,

    /// Only records for this account (repeatable); with --ddl, the account folders
    /// (required there).
    #[arg(long = "account", value_name = "ACCOUNT")]
    pub accounts: Vec<String>,
}

/// Runs `athena-sql`.
pub fn run(a: AthenaSqlArgs) -> Result<u8> {
    let mut sel = selection_of(&a.window, &a.regions, &a.accounts)?;
    if a.ddl && a.schema != SchemaArg::Cloudtrail {
        return Err(UsageError(
            "--ddl prints the CloudTrail table; Security Lake creates and names its OCSF tables itself".into(),
        )
        .into());
    }
    if a.ddl {
        if a.accounts.is_empty() {
            return Err(UsageError(
                "--ddl needs the account folders the trail delivers for: --account ID (repeatable)"
                    .into(),
            )
            .into());
        }
        let location = a.location.clone().unwrap_or_default();
        if !location.starts_with("s3://") {
            return Err(UsageError(format!(
                "--location {location:?}: expected s3://bucket/[prefix/]"
            ))
            .into());
        }
        let regions = if a.regions.is_empty() {
            commercial_regions()
                .into_iter()
                .map(str::to_string)
                .collect()
        } else {
            a.regions.clone()
        };
        super::write_stdout(&ddl(&Table {
            name: a.table.clone(),
            location,
            org: a.org.clone(),
            accounts: a.accounts.clone(),
            regions,
            first_day: a.first_day.clone(),
        }))?;
        return Ok(exit::OK);
    }
    sel.principals = a.principal.clone();
    let q = query(a.schema.into(), &a.table, &sel);
    let text = match a.dialect {
        DialectArg::Athena => q,
        DialectArg::Duckdb => format!("{}{q}", duckdb_prelude()),
    };
    super::write_stdout(&text)?;
    Ok(exit::OK)
}

/// The Athena inputs of `generate`.
#[derive(Debug, Args, Clone)]
pub struct AthenaArgs {
    /// Generate from the result of the `athena-sql` query instead of INPUTs: Athena's CSV
    /// result, or the JSON lines of an UNLOAD … WITH (format = 'JSON').
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Athena",
        conflicts_with = "athena"
    )]
    pub from_athena_result: Option<PathBuf>,

    /// Run the `athena-sql` query in Athena, in this workgroup, and generate from its
    /// result instead of INPUTs.
    #[arg(long, value_name = "WORKGROUP", help_heading = "Athena")]
    pub athena: Option<String>,

    /// With --athena: where Athena writes the result (s3://…; default: the workgroup's).
    #[arg(
        long,
        value_name = "S3_URL",
        help_heading = "Athena",
        requires = "athena"
    )]
    pub athena_output: Option<String>,

    /// With --athena: the database of the table.
    #[arg(long, value_name = "DB", help_heading = "Athena", requires = "athena")]
    pub athena_database: Option<String>,

    /// With --athena: the table.
    #[arg(long, value_name = "TABLE", help_heading = "Athena", requires = "athena", default_value = DEFAULT_TABLE)]
    pub athena_table: String,

    /// With --athena: the table's schema (cloudtrail, or ocsf for Security Lake).
    #[arg(
        long,
        value_enum,
        value_name = "SCHEMA",
        help_heading = "Athena",
        requires = "athena",
        default_value = "cloudtrail"
    )]
    pub athena_schema: SchemaArg,

    /// With --athena: the Athena region (default: the standard chain, else us-east-1).
    #[arg(
        long,
        value_name = "REGION",
        help_heading = "Athena",
        requires = "athena"
    )]
    pub athena_region: Option<String>,

    /// With --athena: an Athena-compatible endpoint (also AWS_ENDPOINT_URL_ATHENA).
    #[arg(
        long,
        value_name = "URL",
        help_heading = "Athena",
        requires = "athena",
        env = "AWS_ENDPOINT_URL_ATHENA"
    )]
    pub athena_endpoint_url: Option<String>,
}

impl AthenaArgs {
    /// Whether the records come from Athena rather than INPUTs.
    pub fn used(&self) -> bool {
        self.from_athena_result.is_some() || self.athena.is_some()
    }
}

/// The usage of an Athena result (a file, or the query run now), through the same
/// decode → select → map path as a local run; `None` when no Athena input was asked for.
pub fn ingested(a: &AthenaArgs, input: &InputArgs, cfg: &Config) -> Result<Option<Ingested>> {
    if !a.used() {
        return Ok(None);
    }
    if !input.inputs.is_empty() {
        return Err(UsageError(
            "INPUTs and an Athena result are two sources: give one (--from-athena-result and --athena read no INPUT)".into(),
        )
        .into());
    }
    let quiet = input.quiet;
    let (name, rows) = if let Some(path) = &a.from_athena_result {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
        (name.clone(), result::parse(&name, &text)?)
    } else {
        let workgroup = a.athena.clone().expect("used");
        let sql = query(a.athena_schema.into(), &a.athena_table, &cfg.selection);
        let opts = client::Options {
            workgroup,
            output: a.athena_output.clone(),
            database: a.athena_database.clone(),
            aws: AwsOptions {
                profile: input.s3.profile.clone(),
                endpoint_url: a.athena_endpoint_url.clone(),
                region: a.athena_region.clone(),
            },
        };
        let ran = client::run(&opts, &sql, &mut |m| {
            if !quiet {
                eprintln!("iamtrail: athena: {m}");
            }
        })?;
        // The cost is what the run spent: shown even with --quiet.
        eprintln!(
            "iamtrail: athena: query {} scanned {} bytes in {} ms: ${:.6} at the list price ($5 per TB scanned, 10 MB minimum)",
            ran.id,
            ran.bytes_scanned,
            ran.millis,
            cost_usd(ran.bytes_scanned)
        );
        (format!("athena query {}", ran.id), ran.rows)
    };
    if rows.is_empty() {
        // The query did the selecting: no row is a selection that matches nothing (a
        // table that holds nothing reads the same).
        return Err(UsageError(format!(
            "{name}: the result has no row: the selection (principal, window, region, account) matches no record of the table; no policy written"
        ))
        .into());
    }
    let (bytes, Totals { rows: n, records }) = result::to_records(&name, &rows)?;
    if !quiet {
        eprintln!("iamtrail: {name}: {n} result rows standing for {records} records");
    }
    Ok(Some(from_objects(vec![(name, bytes)], cfg)))
}
