//! `iamtrail loop`: run a workload until the policy lets it through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;

use super::refine::{ScopeArgs, UnknownArgs, load_policy_file};
use super::{UsageError, exit};
use iamtrail::apply::{Apply, IamApplier, Target};
use iamtrail::aws::AwsOptions;
use iamtrail::capture::session::Setup;
use iamtrail::capture::who::{self, Identity};
use iamtrail::denied::refine::Options as RefineOptions;
use iamtrail::denied::sts::StsDecoder;
use iamtrail::denied::{AuthorizationDecoder, NotDecoded};
use iamtrail::feedback::{
    self, CheckpointError, CommandWorkload, History, LoopOptions, Observer, Outcome,
};
use iamtrail::iam::policy::Document;
use iamtrail::policy::emit::render_json;
use iamtrail::policy::split::SizeLimit;

/// `loop`.
#[derive(Debug, Args)]
pub struct LoopArgs {
    /// The policy to start from and to keep refined (an IAM policy document, an array of
    /// them, or `generate --json` output). Rewritten after every iteration; a file that
    /// does not exist yet starts the loop from an empty policy.
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,

    /// Put the policy on this identity through the IAM API before the first run and
    /// after every change: `role:NAME` or `user:NAME` (an ARN after the colon works).
    #[arg(long, value_name = "role:NAME|user:NAME")]
    pub apply: Option<Target>,

    /// Name of the inline policy (and prefix of managed ones when it must be split).
    #[arg(long, value_name = "NAME", default_value = "iamtrail", value_parser = policy_name)]
    pub policy_name: String,

    /// Runs of the workload at most.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
    pub max_iterations: usize,

    /// Where to write the history of the iterations (default: next to the policy,
    /// `<policy>.history.json`).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// Size quota the policy file is split by (`--apply` places it by IAM's quotas).
    #[arg(long, value_name = "LIMIT", default_value = "managed")]
    pub size_limit: SizeLimit,

    /// What to grant for resources a message does not show.
    #[command(flatten)]
    pub unknown: UnknownArgs,

    /// Keep going while a run that succeeds still prints denials (a workload that
    /// catches its errors).
    #[arg(long)]
    pub until_clean: bool,

    /// Extra seconds to wait after applying, once IAM returns the new policy (each apply
    /// reads the policy back until IAM returns what was written), before running again.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    pub settle: f64,

    /// Do not run the workload under capture: learn only from the denials it prints.
    /// By default every AWS call it makes goes through a local proxy and is recorded,
    /// so a denied call is known with its exact parameters (and resource) even when the
    /// message names none.
    #[arg(long)]
    pub no_capture: bool,

    /// Extra runs when every denial is already allowed right after an apply: IAM
    /// returned the new policy but enforcement lags (waits of 1 s, doubling each time).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub propagation_retries: usize,

    /// Do not call sts:DecodeAuthorizationMessage for encoded messages (report them).
    #[arg(long)]
    pub no_decode: bool,

    /// AWS profile for the IAM and STS calls (not the workload's: it runs with the
    /// environment it is given).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// IAM/STS-compatible endpoint (also AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Only iamtrail's summary line (the workload's output still passes through).
    #[arg(long, short)]
    pub quiet: bool,

    /// Whose policy this is.
    #[command(flatten)]
    pub scope: ScopeArgs,

    /// The workload: a command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// An IAM policy name short enough for the managed parts' `-<role|user>-<entity>-<n>`.
fn policy_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 48
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err("expected 1 to 48 of A-Z a-z 0-9 + = , . @ _ -".into())
    }
}

/// Writes the policy and history files and prints progress.
struct Files {
    policy: PathBuf,
    history: PathBuf,
    quiet: bool,
}

/// Writes through a temporary file, so a reader never sees half a policy.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("iamtrail-tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

impl Observer for Files {
    fn note(&mut self, line: &str) {
        if !self.quiet {
            eprintln!("iamtrail: loop: {line}");
        }
    }

    fn checkpoint(
        &mut self,
        policy: &[Document],
        history: &History,
    ) -> Result<(), CheckpointError> {
        let fail = |path: &Path, source| CheckpointError {
            path: path.to_owned(),
            source,
        };
        write_atomically(&self.policy, &render_json(policy)).map_err(|e| fail(&self.policy, e))?;
        let text = serde_json::to_string_pretty(history).expect("history serializes") + "\n";
        write_atomically(&self.history, &text).map_err(|e| fail(&self.history, e))
    }
}

/// Whose calls the captured records are: the `--apply` target (the identity the policy
/// goes on; its account from the caller identity of the loop's own credentials), else
/// the caller identity of the credentials the workload inherits.
fn loop_identity(aws: &AwsOptions, target: Option<&Target>) -> Result<Identity> {
    let rt = iamtrail::aws::runtime().context("cannot start the async runtime")?;
    let Some(t) = target else {
        return Ok(rt.block_on(who::caller_identity(&AwsOptions::default()))?);
    };
    let me = rt.block_on(who::caller_identity(aws))?;
    let partition = me
        .arn
        .as_deref()
        .and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_string();
    let shown = t.to_string();
    let (kind, name) = shown.split_once(':').unwrap_or(("user", &shown));
    Ok(Identity {
        arn: Some(format!("arn:{partition}:iam::{}:{kind}/{name}", me.account)),
        account: me.account,
    })
}

fn default_history(policy: &Path) -> PathBuf {
    let stem = policy
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "policy".into());
    policy.with_file_name(format!("{stem}.history.json"))
}

/// Runs `loop`.
pub fn run(a: LoopArgs) -> Result<u8> {
    if a.policy.as_os_str() == "-" {
        return Err(UsageError(
            "--policy must be a file: the loop rewrites it after every iteration".into(),
        )
        .into());
    }
    if !(a.settle.is_finite() && a.settle >= 0.0) {
        return Err(UsageError("--settle must be a number of seconds, at least 0".into()).into());
    }
    let mut named = None;
    let policy = if a.policy.exists() {
        let (docs, principal) = load_policy_file(&a.policy)?;
        named = principal;
        docs
    } else {
        if !a.quiet {
            eprintln!(
                "iamtrail: loop: {} does not exist: starting from an empty policy",
                a.policy.display()
            );
        }
        vec![Document::new(Vec::new())]
    };
    let aws = AwsOptions {
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
        region: None,
    };
    let mut applier = match &a.apply {
        Some(t) => Some(
            IamApplier::new(&aws, t.clone(), &a.policy_name)
                .context("cannot set up the IAM client")?,
        ),
        None => None,
    };
    if let Some(ap) = applier.as_mut() {
        let broad = ap.broad_grants()?;
        for arn in broad {
            eprintln!(
                "iamtrail: loop: warning: {arn} is attached to {}: nothing will be denied while it is; detach it to let the loop find what the workload needs",
                a.apply.as_ref().expect("applier has a target")
            );
        }
    }
    let sts = StsDecoder::new(aws.clone());
    let decoder: &dyn AuthorizationDecoder = if a.no_decode { &NotDecoded } else { &sts };
    let opts = LoopOptions {
        max_iterations: a.max_iterations,
        refine: RefineOptions {
            size_limit: a.size_limit,
            unknown: a.unknown.mode(),
            pin: a.unknown.pin,
            scope: a.scope.scope(named.as_deref()),
        },
        until_clean: a.until_clean,
        propagation_retries: a.propagation_retries,
        settle: Duration::from_secs_f64(a.settle),
    };
    let mut history = History {
        command: a.command.clone(),
        apply: a.apply.as_ref().map(ToString::to_string),
        initial_apply: None,
        iterations: Vec::new(),
        outcome: None,
    };
    let mut files = Files {
        history: a
            .history
            .clone()
            .unwrap_or_else(|| default_history(&a.policy)),
        policy: a.policy.clone(),
        quiet: a.quiet,
    };
    let capture = if a.no_capture {
        None
    } else {
        match loop_identity(&aws, a.apply.as_ref()) {
            Ok(who) => {
                if !a.quiet {
                    eprintln!(
                        "iamtrail: loop: capturing the workload's AWS calls as {}",
                        who.arn.as_deref().unwrap_or(&who.account)
                    );
                }
                Some((who, Setup::default()))
            }
            Err(e) => {
                eprintln!(
                    "iamtrail: loop: warning: no capture: {e}; learning only from the denials the workload prints (--apply names the identity; --no-capture silences this)"
                );
                None
            }
        }
    };
    let mut workload = CommandWorkload {
        argv: a.command.clone(),
        pass_through: true,
        capture,
    };
    feedback::run(
        policy,
        &mut workload,
        applier.as_mut().map(|x| x as &mut dyn Apply),
        decoder,
        &opts,
        &mut history,
        &mut files,
    )?;
    let added: usize = history.iterations.iter().map(|i| i.added.len()).sum();
    let runs = history.iterations.len();
    let outcome = history.outcome.unwrap_or(Outcome::MaxIterations);
    let how = match outcome {
        Outcome::Succeeded => "the workload succeeded",
        Outcome::NoProgress => "stopped: the last run taught nothing new (see the denials above)",
        Outcome::CommandFailed => "stopped: the workload failed without an access-denied message",
        Outcome::MaxIterations => "stopped: --max-iterations reached with denials left",
    };
    eprintln!(
        "iamtrail: loop: {how}; {runs} {}, {added} {} added; policy in {}, history in {}",
        if runs == 1 { "run" } else { "runs" },
        if added == 1 {
            "permission"
        } else {
            "permissions"
        },
        files.policy.display(),
        files.history.display()
    );
    Ok(match outcome {
        Outcome::Succeeded => exit::OK,
        Outcome::NoProgress | Outcome::MaxIterations => exit::UNFIXED,
        Outcome::CommandFailed => exit::WORKLOAD_FAILED,
    })
}
