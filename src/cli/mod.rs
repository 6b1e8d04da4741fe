//! The command line: argument parsing (clap derive) and the commands. `main.rs` only maps
//! the result to an exit code.

mod athena;
mod audit;
mod capture;
mod check;
mod each;
mod generate;
mod policies;
mod principals;
mod refine;
mod render;
mod replay;
mod report;
mod run_loop;
mod sarif;
mod setup;
mod simulate;
mod unused;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use athena::{AthenaArgs, AthenaSqlArgs};
pub use audit::AuditArgs;
pub use capture::CaptureArgs;
pub use check::CheckArgs;
use iamtrail::map::FailureClass;
use iamtrail::policy::emit::Format;
use iamtrail::policy::split::SizeLimit;
use iamtrail::select::PrincipalFilter;
pub use refine::RefineArgs;
pub use replay::ReplayArgs;
pub use run_loop::LoopArgs;
pub use simulate::SimulateArgs;
pub use unused::UnusedArgs;
pub use validate::ValidateArgs;

/// Exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The command failed (nothing usable produced; also: the input holds no
    /// CloudTrail record).
    pub const FAILED: u8 = 1;
    /// Bad usage, a choice the user must make (e.g. which principal), or a selection
    /// (principal, region, account, time window) that matches no record of the input.
    pub const USAGE: u8 = 2;
    /// Done, but some input was unreadable or skipped (see the report).
    pub const PARTIAL: u8 = 3;
    /// `refine`: done, but some denials remain that this policy cannot fix (see the
    /// report). `loop`: stopped with denials left (nothing new learned, or
    /// `--max-iterations`).
    pub const UNFIXED: u8 = 4;
    /// `loop`: the workload failed without printing an access-denied message.
    pub const WORKLOAD_FAILED: u8 = 5;
    /// `audit`: findings at or above `--fail-on` remain (not archived by `--ignore`).
    pub const FINDINGS: u8 = 6;
    /// `check`: the check's result is FAIL (the policy may grant the access the check
    /// rules out, or it could not be proved not to). The same code as [`FAILED`], as
    /// Access Analyzer's PASS/FAIL maps to 0/1 in CI.
    pub const CHECK_FAILED: u8 = FAILED;
}

/// Standard output was closed by its reader (`iamtrail … | head -1`): the reader has
/// what it wanted, so the run ends quietly with exit 0, as Unix tools do.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct ClosedStdout;

/// Writes `text` to standard output; a closed pipe is [`ClosedStdout`], any other
/// failure an error that says so.
pub fn write_stdout(text: &str) -> Result<(), anyhow::Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(ClosedStdout.into()),
        r => r.map_err(|e| anyhow::Error::new(e).context("cannot write to standard output")),
    }
}

/// `--format`: the command line's names for [`Format`] (the library knows no clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// The policy document(s) as IAM JSON; several documents as a JSON array.
    Json,
    /// A `jsonencode` local and an `aws_iam_policy` resource per document (HCL).
    Terraform,
    /// A CloudFormation template of `AWS::IAM::ManagedPolicy` resources, in JSON.
    #[value(alias = "cfn")]
    Cloudformation,
    /// The same CloudFormation template in YAML.
    #[value(name = "cloudformation-yaml", alias = "cfn-yaml")]
    CloudformationYaml,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Json => Format::Json,
            FormatArg::Terraform => Format::Terraform,
            FormatArg::Cloudformation => Format::Cloudformation,
            FormatArg::CloudformationYaml => Format::CloudformationYaml,
        }
    }
}

/// A bad argument, or arguments that do not fit the input: exit 2, always.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Least-privilege IAM policies from CloudTrail logs.
#[derive(Debug, Parser)]
#[command(name = "iamtrail", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the smallest policy that allows what the trail shows a principal did.
    Generate(GenerateArgs),
    /// List the principals in the input, with record counts.
    Principals(PrincipalsArgs),
    /// Add to a policy exactly what AccessDenied messages show is missing.
    Refine(RefineArgs),
    /// Run a workload, add what it was denied, apply, and run again until it passes.
    Loop(LoopArgs),
    /// Run a command behind a local proxy and record every AWS call it makes, as
    /// CloudTrail records (NDJSON).
    Capture(CaptureArgs),
    /// Evaluate one request against identity, resource, boundary, session, SCP, RCP and
    /// endpoint policies as IAM does; print the decision and the statements behind it.
    Simulate(SimulateArgs),
    /// What a policy grants that the trails never used (actions, services, resources),
    /// with the records behind every use and the policy `generate` suggests instead.
    Unused(UnusedArgs),
    /// Audit an account: `credentials` judges the IAM credential report by the CIS AWS
    /// Foundations Benchmark; `external` finds resources reachable from outside the zone
    /// of trust.
    Audit(AuditArgs),
    /// Check policies as IAM Access Analyzer's ValidatePolicy does, offline: errors,
    /// security warnings, warnings and suggestions, as text, JSON or SARIF.
    Validate(ValidateArgs),
    /// Print the Athena SQL that selects a principal's records where the trail sits and
    /// reduces them to distinct needs (or, with --ddl, the CloudTrail table's DDL); read
    /// its result back with `generate --from-athena-result`.
    AthenaSql(AthenaSqlArgs),
    /// Access Analyzer's custom policy checks, decided exactly: no-new-access,
    /// access-not-granted, no-public-access (exit 0 PASS, 1 FAIL).
    Check(CheckArgs),
    /// Replay trails against proposed policies (identity, boundary, SCPs, RCPs…): which
    /// recorded calls would they have denied?
    #[command(after_long_help = replay::SEMANTICS)]
    Replay(ReplayArgs),
}

/// Inputs and selection shared by commands.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Files or directories (recursive) of CloudTrail logs: .json or .json.gz (detected by
    /// content), NDJSON, `aws cloudtrail lookup-events` output; `-` reads standard input;
    /// `s3://BUCKET/[PREFIX]` reads the bucket a trail delivers to.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// The time window.
    #[command(flatten)]
    pub window: WindowArgs,

    /// Only records from this region (repeatable); in S3, only these region folders are
    /// listed.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,

    /// Only records delivered for this account id (repeatable); in S3, only these
    /// account folders are listed.
    #[arg(long = "account", value_name = "ACCOUNT")]
    pub accounts: Vec<String>,

    /// No progress bar and no report details; errors (unreadable input) and the reason
    /// for the exit code are still printed.
    #[arg(long, short)]
    pub quiet: bool,

    /// Exit 0 even when some input was unreadable or skipped (the report still names it).
    #[arg(long)]
    pub allow_partial: bool,

    /// eventIDs held in memory to count each event once (24 bytes each); past N, the rest
    /// go to sorted files in the temporary folder and records counted twice are taken back
    /// after the pass by reading their objects again.
    #[arg(long, value_name = "N", default_value_t = iamtrail::ingest::BUDGET, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub dedupe_ids: usize,

    /// S3 reading options.
    #[command(flatten)]
    pub s3: S3Args,
}

/// How the records of a trail are read into needs (`generate`, `unused`).
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Which failed calls count as needed permissions (comma-separated classes: denied,
    /// throttled, server, state, other, malformed, auth; or `all`, `none`).
    #[arg(long, value_name = "CLASSES", default_value = "denied,throttled,server,state,other", value_parser = parse_classes)]
    pub failed_calls: FailureClasses,

    /// Parse every record in full. By default, records of principals other than
    /// --principal are read only as far as telling their caller, which is several times
    /// faster but does not notice damage inside them that leaves their structure intact.
    #[arg(long)]
    pub parse_all: bool,
}

/// How needs are shaped into a policy (`generate`, `unused`).
#[derive(Debug, Args)]
pub struct ShapeArgs {
    /// Collapse more than N sibling resources (object keys, log streams) into a prefix
    /// wildcard; 0 never does.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub generalize: usize,

    /// Keep per-run identifiers exact. By default the parts of a resource that change
    /// from run to run (build numbers that vary, UUIDs, hashes, timestamps, CodeBuild
    /// build ids, log streams) are written `*` in place, each one reported.
    #[arg(long)]
    pub pin: bool,

    /// Size quota to split the policy by: managed (6144), inline-role (10240),
    /// inline-user (2048), inline-group (5120), or a number of characters.
    #[arg(long, value_name = "LIMIT", default_value = "managed")]
    pub size_limit: SizeLimit,
}

impl ShapeArgs {
    /// The synthesis options these flags give.
    pub fn options(&self) -> iamtrail::policy::synth::Options {
        iamtrail::policy::synth::Options {
            generalize: self.generalize,
            pin: self.pin,
        }
    }
}

/// The time window, wherever a command selects records.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// Only records newer than this: 90m, 36h, 7d, 2w (before now).
    #[arg(long, value_name = "DURATION", conflicts_with = "start")]
    pub since: Option<String>,

    /// Only records at or after this time (2026-11-20 or 2026-11-20T09:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,

    /// Only records before this time.
    #[arg(long, visible_alias = "until", value_name = "TIME")]
    pub end: Option<String>,

    /// The time `--since` counts back from (default: now). For reproducible runs.
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

/// Options for `s3://` inputs.
#[derive(Debug, Args)]
pub struct S3Args {
    /// AWS profile for S3 (default: AWS_PROFILE, else the default chain: environment,
    /// SSO and assumed-role profiles, container and instance credentials).
    #[arg(long, help_heading = "S3 inputs", value_name = "NAME")]
    pub profile: Option<String>,

    /// Region of the S3 client (default: the standard chain, AWS_REGION or the
    /// profile's region, else us-east-1). `--region` filters records instead.
    #[arg(long, help_heading = "S3 inputs", value_name = "REGION")]
    pub bucket_region: Option<String>,

    /// S3-compatible endpoint (also AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); an IP
    /// address or localhost implies --path-style.
    #[arg(long, help_heading = "S3 inputs", value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Path-style addressing (http://host/bucket/key), for S3-compatible servers.
    #[arg(long, help_heading = "S3 inputs")]
    pub path_style: bool,

    /// Objects downloaded at once.
    #[arg(long, help_heading = "S3 inputs", value_name = "N", default_value_t = iamtrail::source::s3::DEFAULT_CONCURRENCY, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub s3_concurrency: usize,

    /// Keep per-object results in DIR (keyed by bucket, key and ETag), so a re-run over a
    /// growing window downloads only new objects. The output is the same with or
    /// without it.
    #[arg(long, help_heading = "S3 inputs", value_name = "DIR")]
    pub cache: Option<PathBuf>,
}

/// `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Inputs and selection.
    #[command(flatten)]
    pub input: InputArgs,

    /// The principal: IAM role ARN (all its sessions), user ARN, assumed-role session
    /// ARN, root ARN, or access key id. Repeat to merge several into one policy.
    #[arg(long, short, value_name = "PRINCIPAL")]
    pub principal: Vec<PrincipalFilter>,

    /// Merge every principal in the input into one policy (instead of naming one).
    #[arg(long, conflicts_with = "principal")]
    pub all_principals: bool,

    /// How records are read.
    #[command(flatten)]
    pub read: ReadArgs,

    /// How the policy is shaped.
    #[command(flatten)]
    pub shape: ShapeArgs,

    /// Output format: json (IAM policy JSON), terraform (HCL), cloudformation (alias cfn;
    /// a template in JSON) or cloudformation-yaml (alias cfn-yaml).
    #[arg(long, value_enum, default_value = "json")]
    pub format: FormatArg,

    /// Policy name: the IAM policy name in Terraform, the logical id in CloudFormation,
    /// the file names of --output-dir (1 to 128 of letters, digits and _+=,.@-, starting
    /// with a letter or _); default iamtrail-<principal name>.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Write the policy to FILE instead of standard output (`-`: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write one file per policy document into DIR (created if missing): NAME.EXT, or
    /// NAME-1.EXT, NAME-2.EXT, … when split; EXT is json, tf, cfn.json or cfn.yaml.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["output", "json"])]
    pub output_dir: Option<PathBuf>,

    /// Show, for every statement, the records behind each action and resource.
    #[arg(long)]
    pub explain: bool,

    /// One policy per principal in one pass, into --output-dir (one file each, as
    /// `--principal P` prints it, and index.json): users, roles across their sessions,
    /// the root user of each account; service-linked roles with --include-service-roles.
    #[arg(long, requires = "output_dir", conflicts_with_all = ["principal", "all_principals", "name", "denied", "explain"])]
    pub each_principal: bool,

    /// With --each-principal: service-linked roles get policies too.
    #[arg(long, requires = "each_principal")]
    pub include_service_roles: bool,

    /// Print one JSON object (policies + report) on standard output, for scripts.
    #[arg(long)]
    pub json: bool,

    /// AccessDenied messages (tool output or CloudTrail records) whose denied actions join
    /// the trail's usage (repeatable; see `refine`).
    #[arg(long = "denied", value_name = "FILE")]
    pub denied: Vec<PathBuf>,

    /// With `-- CMD`: also write the captured records (NDJSON) to FILE (otherwise they
    /// are not kept).
    #[arg(long, value_name = "FILE", requires = "command")]
    pub capture_output: Option<PathBuf>,

    /// Capture instead of reading INPUTs: run CMD and its arguments (after `--`) behind
    /// the capture proxy (as `iamtrail capture`) and generate from the AWS calls it made,
    /// attributed to the caller identity of its credentials (or the one --principal ARN).
    #[arg(last = true, value_name = "CMD", conflicts_with = "inputs")]
    pub command: Vec<std::ffi::OsString>,

    /// Athena inputs (instead of INPUTs).
    #[command(flatten)]
    pub athena: Box<AthenaArgs>,
}

/// `principals`.
#[derive(Debug, Args)]
pub struct PrincipalsArgs {
    /// Inputs and selection.
    #[command(flatten)]
    pub input: InputArgs,

    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// A parsed `--failed-calls` value.
#[derive(Debug, Clone)]
pub struct FailureClasses(pub Vec<FailureClass>);

fn parse_classes(s: &str) -> Result<FailureClasses, String> {
    match s {
        "all" => return Ok(FailureClasses(FailureClass::ALL.to_vec())),
        "none" => return Ok(FailureClasses(Vec::new())),
        _ => {}
    }
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| FailureClass::parse(x.trim()).ok_or_else(|| format!("unknown class `{x}` (expected denied, throttled, server, state, other, malformed, auth, all, none)")))
        .collect::<Result<Vec<_>, _>>()
        .map(FailureClasses)
}

/// The command line, parsed. `generate` and `unused` read INPUTs unless they run `-- CMD` (a setting
/// the derive cannot put on a flattened argument).
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    // INPUT is needed unless another source stands in for it (`-- CMD`, or for `generate`
    // an Athena result). `mut_arg` moves the argument to the end: move CMD after it again.
    let or_inputs = |others: &'static [&'static str]| {
        move |g: clap::Command| {
            g.mut_arg("inputs", |a| {
                a.required(false).required_unless_present_any(others)
            })
            .mut_arg("command", |a| a)
        }
    };
    let mut cmd = Cli::command()
        .mut_subcommand(
            "generate",
            or_inputs(&["command", "from_athena_result", "athena"]),
        )
        .mut_subcommand("unused", or_inputs(&["command"]));
    let m = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches(&m).map_err(|e| e.format(&mut cmd))
}

/// Runs the command line; returns the exit code.
pub fn run() -> u8 {
    let cli = match parse() {
        Ok(cli) => cli,
        // --help and --version print to stdout and exit 0; anything else is a usage
        // error, exit 2, with the same last line as every run.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return exit::OK;
        }
        Err(e) => {
            let _ = e.print();
            report::print_exit(exit::USAGE, "usage error (see above); nothing written");
            return exit::USAGE;
        }
    };
    let result = match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Principals(a) => principals::run(a),
        Command::Refine(a) => refine::run(a),
        Command::Loop(a) => run_loop::run(a),
        Command::Capture(a) => capture::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Unused(a) => unused::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Validate(a) => validate::run(a),
        Command::AthenaSql(a) => athena::run(a),
        Command::Check(a) => check::run(a),
        Command::Replay(a) => replay::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.downcast_ref::<ClosedStdout>().is_some() => exit::OK,
        Err(e) => {
            let code = if e.downcast_ref::<UsageError>().is_some() {
                exit::USAGE
            } else {
                exit::FAILED
            };
            report::print_error(&format!("{e:#}"));
            report::print_exit(
                code,
                if code == exit::USAGE {
                    "usage error (see above); nothing written"
                } else {
                    "failed (see above)"
                },
            );
            code
        }
    }
}
