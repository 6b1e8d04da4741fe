//! One capture, the path `capture -- CMD`, `loop -- CMD` and `generate -- CMD` share:
//! start the proxy on a runtime of its own, give the workload its environment (proxy and
//! CA variables, [`child`](super::child)), run it, stop the proxy after a grace period,
//! and turn what it saw into CloudTrail records for one identity.
//!
//! How the workload is run is the caller's ([`with_proxy`] takes a closure): `capture`
//! inherits the terminal, the loop keeps the output for the denial parser. [`Records`]
//! keeps the records in memory; [`run`] is the whole thing for a command whose output
//! goes to the terminal.

use std::ffi::OsString;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use serde_json::Value;

use super::child::{self, ChildEnv};
use super::proxy::{Counts, Proxy, ProxyConfig, ProxyError, system_roots};
use super::who::Identity;
use super::{Exchange, Recorder};

/// How long exchanges still in flight when the workload ends may take to finish.
pub const GRACE: Duration = Duration::from_secs(2);

/// A capture could not be set up (the workload did not run).
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The async runtime the proxy runs on.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The proxy.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The CA files handed to the workload.
    #[error("cannot write the capture CA files: {0}")]
    Files(#[source] std::io::Error),
}

/// What a capture is set up with.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Extra CAs trusted for upstream servers, besides the system roots.
    pub upstream_ca: Vec<CertificateDer<'static>>,
    /// [`run`]: the workload's standard output goes to standard error (where standard
    /// output carries a result, as `generate -- CMD`'s policy).
    pub stdout_to_stderr: bool,
}

/// Runs `workload` with the proxy up: it gets the child's environment and a handle on
/// the proxy's runtime (for async child code), and is called on this thread, outside
/// the runtime. `inherited`: the variables the workload would inherit. Returns what the
/// workload returned and the proxy's counters, once every exchange reached `recorder`.
pub fn with_proxy<T>(
    setup: &Setup,
    recorder: Box<dyn Recorder>,
    inherited: &[(OsString, OsString)],
    workload: impl FnOnce(&ChildEnv, &tokio::runtime::Handle) -> T,
) -> Result<(T, Counts), CaptureError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CaptureError::Runtime)?;
    let cfg = ProxyConfig {
        upstream_ca: setup.upstream_ca.clone(),
        no_system_roots: false,
    };
    let roots = system_roots();
    let proxy = rt.block_on(Proxy::start_with_roots(&cfg, roots.clone(), recorder))?;
    let result = match child::prepare(&proxy.url(), &proxy.ca().cert_pem(), &roots, inherited) {
        Ok(env) => {
            let out = workload(&env, rt.handle());
            let counts = rt.block_on(proxy.stop(GRACE));
            drop(env);
            Ok((out, counts))
        }
        Err(e) => {
            rt.block_on(proxy.stop(Duration::ZERO));
            Err(CaptureError::Files(e))
        }
    };
    rt.shutdown_timeout(Duration::from_millis(200));
    result
}

/// A recorder that keeps the CloudTrail record of every AWS call it can route, in the
/// order the calls ended. Clones share the records.
#[derive(Clone)]
pub struct Records {
    who: Arc<Identity>,
    kept: Arc<Mutex<Vec<Value>>>,
}

impl Records {
    /// Records attributed to `who`.
    pub fn new(who: Identity) -> Records {
        Records {
            who: Arc::new(who),
            kept: Arc::default(),
        }
    }

    /// The records so far (taken out).
    pub fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Recorder for Records {
    fn exchange(&self, x: Exchange) {
        if let Ok(r) = super::exchange::to_record(&x, &self.who) {
            self.kept.lock().unwrap_or_else(|p| p.into_inner()).push(r);
        }
    }
}

/// One captured run: the workload's exit status (or why it could not run), the records
/// and the proxy's counters.
#[derive(Debug)]
pub struct Captured {
    /// How the workload ended, or why it could not start.
    pub status: std::io::Result<ExitStatus>,
    /// One CloudTrail record per AWS call routed, in the order the calls ended.
    pub records: Vec<Value>,
    /// What the proxy saw.
    pub counts: Counts,
}

impl Captured {
    /// The records as NDJSON (what `generate` and the denial reader take).
    pub fn ndjson(&self) -> Vec<u8> {
        ndjson(&self.records)
    }
}

/// Records as NDJSON, one per line.
pub fn ndjson(records: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        out.extend_from_slice(r.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// Runs `cmd` (program and arguments, terminal inherited) under capture, its calls
/// attributed to `who`; `env`: the variables it inherits.
pub fn run(
    cmd: &[OsString],
    env: &[(OsString, OsString)],
    who: Identity,
    setup: &Setup,
) -> Result<Captured, CaptureError> {
    let records = Records::new(who);
    let (status, counts) = with_proxy(setup, Box::new(records.clone()), env, |ce, rt| {
        rt.block_on(child::run_with(cmd, ce, setup.stdout_to_stderr))
    })?;
    Ok(Captured {
        status,
        records: records.take(),
        counts,
    })
}
