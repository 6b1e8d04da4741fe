//! The AccessDenied feedback loop (`iamtrail loop -- CMD`): run the workload under the
//! policy, read what was denied, add exactly that ([`crate::denied::refine`]), put the
//! policy in place, run again.
//!
//! What was denied comes from two places. By default the workload runs under capture
//! ([`command`]): every denied AWS call is a CloudTrail record with its exact parameters,
//! read through [`crate::denied::trail`], so its exact resource is granted (generalized by
//! the per-run rules, as `refine` does) even when the printed message names none, and one
//! run teaches every denial the workload survived. The printed messages are the fallback
//! (calls the proxy did not see) and the cross-check: one denial seen in both counts once.
//!
//! IAM propagation, with an applier: each apply reads the policy back (GetUserPolicy,
//! GetRolePolicy, GetPolicyVersion) until IAM returns the version just written, within a
//! bounded number of reads; `settle` is an extra wait on top (0 by default). Enforcement
//! can still lag behind that read: see "already allowed" below.
//!
//! It stops when
//! - the workload succeeds (exit status 0; with `until_clean`, only when it also printed
//!   no denial),
//! - an iteration learns nothing: every denial is unfixable by an identity policy, shows
//!   no resource, or is already allowed by the policy. "Already allowed" right after an
//!   apply is most often IAM still propagating the change, so that case is retried with
//!   growing waits, up to `propagation_retries` times, before it counts as no progress,
//! - the workload fails without printing a denial (not a permission problem),
//! - or after `max_iterations` runs.
//!
//! Every iteration is recorded ([`History`]); the caller writes the policy and the
//! history after each one, so an interrupted loop leaves both behind.

pub mod command;

use std::time::Duration;

use serde::Serialize;

use crate::apply::{Applied, Apply, ApplyError, Placement};
use crate::denied::refine::{Added, Options as RefineOptions, Remaining, Status, refine};
use crate::denied::{self, AuthorizationDecoder, Denial, Reason};
use crate::iam::policy::Document;
use crate::policy::split::TooLarge;
pub use command::{Capture, CommandWorkload, RunOutput, Workload};

/// Loop options.
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Runs at most this many times.
    pub max_iterations: usize,
    /// How denials become grants.
    pub refine: RefineOptions,
    /// Keep going while a successful run still prints denials.
    pub until_clean: bool,
    /// Extra runs when every denial is already allowed right after an apply.
    pub propagation_retries: usize,
    /// Extra wait after an apply, once IAM returns the new policy, before running again.
    pub settle: Duration,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            max_iterations: 10,
            refine: RefineOptions::default(),
            until_clean: false,
            propagation_retries: 5,
            settle: Duration::ZERO,
        }
    }
}

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The workload succeeded.
    Succeeded,
    /// An iteration learned nothing new; denials remain.
    NoProgress,
    /// The workload failed without printing a denial.
    CommandFailed,
    /// `max_iterations` runs, and the last one still failed.
    MaxIterations,
}

/// A denial, as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DenialSummary {
    /// Where it was printed (`iteration 2 stderr:14 (aws-cli)`).
    pub location: String,
    /// Action, as printed or worked out from the operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Resource, as printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Why it was denied.
    pub reason: Reason,
    /// The message (redacted, shortened).
    pub excerpt: String,
}

impl From<&Denial> for DenialSummary {
    fn from(d: &Denial) -> Self {
        DenialSummary {
            location: d.location(),
            action: d.action.clone().or_else(|| {
                d.grants
                    .first()
                    .map(|g| g.permission.action.to_string())
                    .or_else(|| d.operation.clone())
            }),
            resource: d.resource.clone(),
            reason: d.reason,
            excerpt: d.excerpt.clone(),
        }
    }
}

/// One iteration.
#[derive(Debug, Clone, Serialize)]
pub struct Iteration {
    /// 1-based.
    pub iteration: usize,
    /// The workload's exit code (absent when a signal ended it).
    pub exit_code: Option<i32>,
    /// Wall time of the run, milliseconds.
    pub duration_ms: u128,
    /// Denials it printed.
    pub denials: Vec<DenialSummary>,
    /// What was added to the policy because of them.
    pub added: Vec<Added>,
    /// What could not be added, and why.
    pub remaining: Vec<Remaining>,
    /// What applying the new policy did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<Applied>,
    /// Anything else (a propagation retry, output that was cut).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The whole loop, as written to the history file.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    /// The workload.
    pub command: Vec<String>,
    /// Where the policy was applied (`user:NAME`), if anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply: Option<String>,
    /// How the initial policy was applied, before the first run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_apply: Option<Applied>,
    /// The iterations so far.
    pub iterations: Vec<Iteration>,
    /// How it ended (absent while running).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// Why the loop itself could not go on.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    /// The workload could not be started.
    #[error("cannot run the workload: {0}")]
    Run(#[from] std::io::Error),
    /// Putting the policy in place failed.
    #[error("cannot apply the policy: {0}")]
    Apply(#[from] ApplyError),
    /// The refined policy cannot be split to the size limit.
    #[error("{0} (try a larger --size-limit)")]
    TooLarge(#[from] TooLarge),
    /// The caller's per-iteration checkpoint (writing files) failed.
    #[error("{0}")]
    Checkpoint(#[from] CheckpointError),
}

/// A checkpoint file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct CheckpointError {
    /// The file.
    pub path: std::path::PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Events the caller reports as they happen (progress lines on stderr).
pub trait Observer {
    /// Something worth one line.
    fn note(&mut self, line: &str);
    /// After each iteration (and after the initial apply): persist the policy and history.
    fn checkpoint(&mut self, policy: &[Document], history: &History)
    -> Result<(), CheckpointError>;
}

/// Denials of one run, each located by iteration and stream (or `capture`), and how
/// many printed ones the capture had already seen.
///
/// Captured records are the evidence: each denied call with its exact parameters. The
/// printed messages are the fallback (a call the proxy did not see) and the cross-check:
/// a printed denial of an action or operation the capture holds a resolved denial for is
/// the same call, counted once.
fn denials_of(
    run: &RunOutput,
    iteration: usize,
    decoder: &dyn AuthorizationDecoder,
) -> (Vec<Denial>, usize) {
    let mut out = Vec::new();
    if let Some(c) = &run.captured
        && !c.records.is_empty()
    {
        let mut ds = denied::parse_with(&c.records, decoder);
        for d in &mut ds {
            d.source = Some(format!("iteration {iteration} capture"));
        }
        out.extend(ds);
    }
    let captured = out.len();
    let mut same = 0;
    for (name, bytes) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for mut d in denied::parse_with(bytes, decoder) {
            d.source = Some(format!("iteration {iteration} {name}"));
            match out[..captured].iter_mut().find(|c| same_call(c, &d)) {
                // The same call: the record's evidence, the message the user saw.
                Some(c) => {
                    c.excerpt = d.excerpt;
                    same += 1;
                }
                None => out.push(d),
            }
        }
    }
    (out, same)
}

/// Whether the printed denial `printed` is the call the captured denial `captured` shows
/// (only a captured denial that resolved to grants stands in for a printed one).
fn same_call(captured: &Denial, printed: &Denial) -> bool {
    if captured.grants.is_empty() {
        return false;
    }
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if let (Some(a), Some(b)) = (&captured.operation, &printed.operation)
        && eq(a, b)
    {
        return true;
    }
    let actions = |d: &Denial| -> Vec<String> {
        d.action
            .iter()
            .cloned()
            .chain(d.grants.iter().map(|g| g.permission.action.to_string()))
            .collect()
    };
    let theirs = actions(printed);
    actions(captured)
        .iter()
        .any(|a| theirs.iter().any(|b| eq(a, b)))
}

/// Runs the loop from `policy`. With an applier, the initial policy is put in place
/// before the first run.
pub fn run(
    mut policy: Vec<Document>,
    workload: &mut dyn Workload,
    mut applier: Option<&mut dyn Apply>,
    decoder: &dyn AuthorizationDecoder,
    opts: &LoopOptions,
    history: &mut History,
    observer: &mut dyn Observer,
) -> Result<Vec<Document>, LoopError> {
    let settle = |observer: &mut dyn Observer, d: Duration| {
        if !d.is_zero() {
            observer.note(&format!(
                "waiting {}s for IAM to propagate the change",
                d.as_secs_f64()
            ));
            std::thread::sleep(d);
        }
    };
    if let Some(a) = applier.as_deref_mut() {
        let applied = a.apply(&policy)?;
        observer.note(&match applied.placement {
            Placement::None => {
                "the initial policy is empty: nothing applied (and iamtrail's earlier policies removed, if any)".to_string()
            }
            Placement::Inline => format!(
                "applied the initial policy inline ({} characters)",
                applied.size
            ),
            Placement::Managed => format!(
                "applied the initial policy as {} managed policies ({} characters)",
                applied.written.len(),
                applied.size
            ),
        });
        history.initial_apply = Some(applied);
        observer
            .checkpoint(&policy, history)
            .map_err(LoopError::Checkpoint)?;
        settle(observer, opts.settle);
    }
    let initial = policy.clone();
    let mut learned: Vec<Denial> = Vec::new();
    let mut propagation_waits = 0usize;
    let mut last_denials: Vec<Denial> = Vec::new();
    for i in 1..=opts.max_iterations.max(1) {
        observer.note(&format!("run {i}: {}", history.command.join(" ")));
        let run = workload.run(i)?;
        let (denials, same) = denials_of(&run, i, decoder);
        let mut it = Iteration {
            iteration: i,
            exit_code: run.code,
            duration_ms: run.duration.as_millis(),
            denials: denials.iter().map(DenialSummary::from).collect(),
            added: Vec::new(),
            remaining: Vec::new(),
            applied: None,
            notes: Vec::new(),
        };
        if same > 0 {
            it.notes.push(format!(
                "{same} printed denial(s) are calls the capture recorded: counted once"
            ));
        }
        if let Some(c) = &run.captured
            && c.calls == 0
            && !run.success
        {
            it.notes.push(format!(
                "the capture saw no AWS call. {}",
                crate::capture::child::IGNORED_PROXY
            ));
        }
        if run.dropped > 0 {
            it.notes.push(format!(
                "the output was longer than {} MiB per stream; {} bytes at its start were not parsed",
                command::KEEP >> 20,
                run.dropped
            ));
        }
        if run.success && (denials.is_empty() || !opts.until_clean) {
            if !denials.is_empty() {
                it.notes.push(format!(
                    "the workload succeeded but printed {} denial(s); not added (use --until-clean to add them)",
                    denials.len()
                ));
            }
            observer.note(&format!("run {i} succeeded"));
            history.iterations.push(it);
            history.outcome = Some(Outcome::Succeeded);
            observer
                .checkpoint(&policy, history)
                .map_err(LoopError::Checkpoint)?;
            return Ok(policy);
        }
        if denials.is_empty() {
            observer.note(&format!(
                "run {i} failed ({}) without an access-denied message: not a permission problem iamtrail can fix",
                run.code
                    .map_or("killed by a signal".to_string(), |c| format!("exit code {c}"))
            ));
            history.iterations.push(it);
            history.outcome = Some(Outcome::CommandFailed);
            observer
                .checkpoint(&policy, history)
                .map_err(LoopError::Checkpoint)?;
            return Ok(policy);
        }
        // What is new against the current policy (and what cannot be fixed)...
        let refined = refine(&policy, &denials, &opts.refine)?;
        it.remaining = refined.remaining.clone();
        if refined.added.is_empty() {
            let lagging = refined
                .remaining
                .iter()
                .all(|r| r.status == Status::AlreadyAllowed);
            if lagging && applier.is_some() && propagation_waits < opts.propagation_retries {
                propagation_waits += 1;
                let wait = opts.settle.max(Duration::from_millis(500)) * (1 << propagation_waits);
                it.notes.push(format!(
                    "every denial is already allowed by the applied policy: waiting {:.1}s for IAM propagation and running again ({propagation_waits}/{})",
                    wait.as_secs_f64(),
                    opts.propagation_retries
                ));
                observer.note(it.notes.last().expect("just pushed"));
                history.iterations.push(it);
                observer
                    .checkpoint(&policy, history)
                    .map_err(LoopError::Checkpoint)?;
                std::thread::sleep(wait);
                last_denials = denials;
                continue;
            }
            for r in &refined.remaining {
                observer.note(&format!("run {i}: not added: {}: {}", r.location, r.detail));
            }
            if let Some(d) = denials.last() {
                observer.note(&format!("last denial: {}", d.excerpt));
            }
            history.iterations.push(it);
            history.outcome = Some(Outcome::NoProgress);
            observer
                .checkpoint(&policy, history)
                .map_err(LoopError::Checkpoint)?;
            return Ok(policy);
        }
        // ...and the policy rebuilt from the initial one with everything learned so far,
        // so statements are grouped as one refine of all denials would group them, not by
        // the order the workload happened to hit them.
        learned.extend(denials.iter().cloned());
        let full = refine(&initial, &learned, &opts.refine)?;
        // What this run added, matched by action and resource.
        let pair = |a: &Added| (a.permission.action, a.permission.resource.clone());
        let new: std::collections::BTreeSet<_> = refined.added.iter().map(pair).collect();
        it.added = full
            .added
            .iter()
            .filter(|a| new.contains(&pair(a)))
            .cloned()
            .collect();
        for a in &it.added {
            let wide = if a.unknown.is_empty() {
                String::new()
            } else {
                format!(
                    "; wide: the message does not show the {}",
                    a.unknown.join(", ")
                )
            };
            observer.note(&format!(
                "run {i}: added {} on {} ({}){wide}",
                a.permission.action, a.permission.resource, a.location
            ));
        }
        propagation_waits = 0;
        policy = full.documents;
        if let Some(a) = applier.as_deref_mut() {
            let applied = a.apply(&policy)?;
            if applied.read_backs > 0 {
                observer.note(&format!(
                    "IAM returns the new policy ({} read{})",
                    applied.read_backs,
                    if applied.read_backs == 1 { "" } else { "s" }
                ));
            }
            it.applied = Some(applied);
        }
        history.iterations.push(it);
        observer
            .checkpoint(&policy, history)
            .map_err(LoopError::Checkpoint)?;
        last_denials = denials;
        if i < opts.max_iterations && applier.is_some() {
            settle(observer, opts.settle);
        }
    }
    if let Some(d) = last_denials.last() {
        observer.note(&format!("last denial: {}", d.excerpt));
    }
    history.outcome = Some(Outcome::MaxIterations);
    observer
        .checkpoint(&policy, history)
        .map_err(LoopError::Checkpoint)?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::denied::NotDecoded;
    use crate::iam::eval::{Decision, PolicySet, Request};

    /// A workload that needs `needs` (action, message) and prints the message of the
    /// first need the current policy file does not allow, as the AWS CLI would.
    struct Script {
        needs: Vec<(&'static str, &'static str, &'static str)>,
        policy: std::rc::Rc<std::cell::RefCell<Vec<Document>>>,
        runs: usize,
    }

    impl Workload for Script {
        fn run(&mut self, _: usize) -> std::io::Result<RunOutput> {
            self.runs += 1;
            let p = self.policy.borrow();
            for (action, resource, msg) in &self.needs {
                let req = Request {
                    principal: None,
                    action: action.to_string(),
                    resource: resource.to_string(),
                    context: Default::default(),
                };
                if PolicySet::identity(&p).evaluate(&req).decision != Decision::Allowed {
                    return Ok(RunOutput {
                        success: false,
                        code: Some(254),
                        stderr: format!("\n{msg}\n").into_bytes(),
                        ..RunOutput::default()
                    });
                }
            }
            Ok(RunOutput {
                success: true,
                code: Some(0),
                ..RunOutput::default()
            })
        }
    }

    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<Document>>>, usize);
    impl Apply for Shared {
        fn apply(&mut self, docs: &[Document]) -> Result<Applied, ApplyError> {
            *self.0.borrow_mut() = docs.to_vec();
            self.1 += 1;
            Ok(Applied {
                placement: Placement::Inline,
                written: vec!["iamtrail".into()],
                removed: vec![],
                size: docs.iter().map(Document::iam_size).sum(),
                read_backs: 1,
            })
        }
        fn broad_grants(&mut self) -> Result<Vec<String>, ApplyError> {
            Ok(vec![])
        }
    }

    #[derive(Default)]
    struct Quiet(Vec<String>, usize);
    impl Observer for Quiet {
        fn note(&mut self, line: &str) {
            self.0.push(line.to_string());
        }
        fn checkpoint(&mut self, _: &[Document], _: &History) -> Result<(), CheckpointError> {
            self.1 += 1;
            Ok(())
        }
    }

    fn empty() -> Vec<Document> {
        vec![Document::new(vec![])]
    }

    fn history() -> History {
        History {
            command: vec!["./deploy.sh".into()],
            apply: None,
            initial_apply: None,
            iterations: vec![],
            outcome: None,
        }
    }

    fn opts() -> LoopOptions {
        LoopOptions {
            settle: Duration::ZERO,
            max_iterations: 10,
            ..LoopOptions::default()
        }
    }

    const S3: (&str, &str, &str) = (
        "s3:PutObject",
        "arn:aws:s3:::artifacts/build/app.zip",
        "upload failed: ./app.zip to s3://artifacts/build/app.zip An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
    );
    const SQS: (&str, &str, &str) = (
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:111122223333:jobs",
        "An error occurred (AccessDenied) when calling the SendMessage operation: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:111122223333:jobs because no identity-based policy allows the sqs:SendMessage action",
    );

    #[test]
    fn converges_one_denial_per_run_and_grants_exactly_what_was_denied() {
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![S3, SQS],
            policy: shared.clone(),
            runs: 0,
        };
        let mut a = Shared(shared.clone(), 0);
        let mut h = history();
        let mut obs = Quiet::default();
        let p = run(
            empty(),
            &mut w,
            Some(&mut a),
            &NotDecoded,
            &opts(),
            &mut h,
            &mut obs,
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::Succeeded));
        assert_eq!(w.runs, 3);
        assert_eq!(a.1, 3, "initial apply + one per learning run");
        assert_eq!(h.iterations.len(), 3);
        assert_eq!(h.iterations[0].added.len(), 1);
        assert_eq!(
            h.iterations[0].added[0].permission.action.to_string(),
            "s3:PutObject"
        );
        assert_eq!(h.iterations[1].added[0].permission.resource, SQS.1);
        assert!(h.iterations[2].added.is_empty());
        let grants: Vec<(String, String)> = p
            .iter()
            .flat_map(|d| d.statements.iter())
            .flat_map(|s| {
                let r = s.resource.clone().unwrap().0;
                s.action
                    .clone()
                    .unwrap()
                    .0
                    .into_iter()
                    .flat_map(move |a| r.clone().into_iter().map(move |r| (a.clone(), r)))
            })
            .collect();
        let mut want = vec![
            (S3.0.to_string(), S3.1.to_string()),
            (SQS.0.to_string(), SQS.1.to_string()),
        ];
        want.sort();
        let mut got = grants;
        got.sort();
        assert_eq!(got, want);
        assert_eq!(obs.1, 4, "checkpoint after the initial apply and each run");
    }

    #[test]
    fn captured_denials_carry_the_resource_and_printed_ones_count_once() {
        let record = |op: &str, key: &str| {
            serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-12-01T00:00:00Z",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accountId": "111122223333"},
                "eventSource": "s3.amazonaws.com", "eventName": op, "awsRegion": "us-east-1",
                "requestParameters": {"bucketName": "artifacts", "key": key},
                "errorCode": "AccessDenied", "errorMessage": "Access Denied",
                "recipientAccountId": "111122223333", "eventID": "e"})
        };
        let records = [
            record("GetObject", "old/app.zip"),
            record("PutObject", "build/app.zip"),
        ];
        let run = RunOutput {
            code: Some(1),
            stderr: b"\nAn error occurred (AccessDenied) when calling the PutObject operation: Access Denied\n"
                .to_vec(),
            captured: Some(Capture {
                records: crate::capture::session::ndjson(&records),
                calls: 2,
                denied: 2,
            }),
            ..RunOutput::default()
        };
        let (ds, same) = denials_of(&run, 1, &NotDecoded);
        assert_eq!((ds.len(), same), (2, 1));
        let pairs: Vec<(String, String)> = ds
            .iter()
            .map(|d| {
                let g = &d.grants[0].permission;
                (g.action.to_string(), g.resource.clone())
            })
            .collect();
        assert_eq!(
            pairs,
            [
                (
                    "s3:GetObject".into(),
                    "arn:aws:s3:::artifacts/old/app.zip".into()
                ),
                (
                    "s3:PutObject".into(),
                    "arn:aws:s3:::artifacts/build/app.zip".into()
                )
            ]
        );
        // The message the user saw, on the record's evidence.
        assert!(
            ds[1]
                .excerpt
                .contains("when calling the PutObject operation")
        );
        assert_eq!(
            ds[1].location(),
            "iteration 1 capture record 1 (cloudtrail)"
        );
    }

    #[test]
    fn stops_when_nothing_new_is_learned() {
        // The policy file is never applied: the denial stays, and is already allowed.
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![S3],
            policy: shared,
            runs: 0,
        };
        let mut h = history();
        let mut obs = Quiet::default();
        run(
            empty(),
            &mut w,
            None,
            &NotDecoded,
            &opts(),
            &mut h,
            &mut obs,
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::NoProgress));
        assert_eq!(w.runs, 2);
        assert_eq!(h.iterations[1].remaining[0].status, Status::AlreadyAllowed);
        assert!(
            obs.0
                .iter()
                .any(|l| l.starts_with("last denial: upload failed"))
        );
    }

    #[test]
    fn an_explicit_deny_is_reported_not_fixed() {
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![(
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                "An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:iam::111122223333:user/ci is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a service control policy",
            )],
            policy: shared.clone(),
            runs: 0,
        };
        let mut a = Shared(shared, 0);
        let mut h = history();
        let p = run(
            empty(),
            &mut w,
            Some(&mut a),
            &NotDecoded,
            &opts(),
            &mut h,
            &mut Quiet::default(),
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::NoProgress));
        assert_eq!(w.runs, 1);
        assert_eq!(h.iterations[0].remaining[0].status, Status::Unfixable);
        assert_eq!(p, empty());
    }

    #[test]
    fn another_principal_s_denial_is_reported_not_added() {
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![SQS],
            policy: shared.clone(),
            runs: 0,
        };
        let mut a = Shared(shared, 0);
        let mut h = history();
        let mut o = opts();
        o.refine.scope = crate::denied::scope::Scope::of(
            "arn:aws:iam::111122223333:role/deployer".parse().unwrap(),
            false,
        );
        let p = run(
            empty(),
            &mut w,
            Some(&mut a),
            &NotDecoded,
            &o,
            &mut h,
            &mut Quiet::default(),
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::NoProgress));
        assert_eq!(h.iterations[0].remaining[0].status, Status::OtherPrincipal);
        assert_eq!(p, empty());
    }

    #[test]
    fn propagation_lag_is_retried_a_bounded_number_of_times() {
        // Applies that never take effect look like IAM propagation lag.
        struct Lagging(usize);
        impl Apply for Lagging {
            fn apply(&mut self, docs: &[Document]) -> Result<Applied, ApplyError> {
                self.0 += 1;
                Ok(Applied {
                    placement: Placement::Inline,
                    written: vec![],
                    removed: vec![],
                    size: docs.len(),
                    read_backs: 1,
                })
            }
            fn broad_grants(&mut self) -> Result<Vec<String>, ApplyError> {
                Ok(vec![])
            }
        }
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![S3],
            policy: shared,
            runs: 0,
        };
        let mut h = history();
        let o = LoopOptions {
            propagation_retries: 2,
            settle: Duration::from_millis(1),
            ..opts()
        };
        let start = std::time::Instant::now();
        run(
            empty(),
            &mut w,
            Some(&mut Lagging(0)),
            &NotDecoded,
            &o,
            &mut h,
            &mut Quiet::default(),
        )
        .unwrap();
        // run 1 learns; runs 2 and 3 wait (1 s, 2 s); run 4 gives up.
        assert_eq!(w.runs, 4);
        assert_eq!(h.outcome, Some(Outcome::NoProgress));
        assert_eq!(h.iterations[1].notes.len(), 1);
        assert!(start.elapsed() >= Duration::from_secs(3));
    }

    #[test]
    fn a_failure_without_denials_stops_and_max_iterations_bounds() {
        struct Fails;
        impl Workload for Fails {
            fn run(&mut self, _: usize) -> std::io::Result<RunOutput> {
                Ok(RunOutput {
                    code: Some(1),
                    stderr: b"error: compilation failed\n".to_vec(),
                    ..RunOutput::default()
                })
            }
        }
        let mut h = history();
        run(
            empty(),
            &mut Fails,
            None,
            &NotDecoded,
            &opts(),
            &mut h,
            &mut Quiet::default(),
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::CommandFailed));
        let shared = std::rc::Rc::new(std::cell::RefCell::new(empty()));
        let mut w = Script {
            needs: vec![S3, SQS],
            policy: shared.clone(),
            runs: 0,
        };
        let mut h = history();
        let o = LoopOptions {
            max_iterations: 1,
            ..opts()
        };
        run(
            empty(),
            &mut w,
            Some(&mut Shared(shared, 0)),
            &NotDecoded,
            &o,
            &mut h,
            &mut Quiet::default(),
        )
        .unwrap();
        assert_eq!(h.outcome, Some(Outcome::MaxIterations));
        assert_eq!(w.runs, 1);
    }
}
