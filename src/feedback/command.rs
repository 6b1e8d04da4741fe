//! Running the workload: its output goes through to the terminal as it comes, and is
//! kept (each stream's last [`KEEP`] bytes) for the denial parser. By default it runs
//! under capture ([`crate::capture::session`]): every AWS call it makes is recorded as a
//! CloudTrail record, so a denial is known with its exact parameters even when the
//! message names no resource.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::capture::session::{self, Records, Setup};
use crate::capture::who::Identity;

/// Bytes of each stream kept for parsing: the denial that stops a run is near its end.
pub const KEEP: usize = 32 << 20;

/// One run of the workload.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    /// What it wrote to standard output (the last [`KEEP`] bytes).
    pub stdout: Vec<u8>,
    /// What it wrote to standard error (the last [`KEEP`] bytes).
    pub stderr: Vec<u8>,
    /// Bytes dropped from the front of either stream.
    pub dropped: u64,
    /// Wall time.
    pub duration: Duration,
    /// The AWS calls seen under capture (`None` when not captured).
    pub captured: Option<Capture>,
}

/// What the capture saw in one run.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// One CloudTrail record per AWS call (NDJSON), in the order the calls ended.
    pub records: Vec<u8>,
    /// Calls recorded.
    pub calls: usize,
    /// Of the exchanges the proxy saw, those refused for want of permission.
    pub denied: u64,
}

/// Anything the loop can run (a command; a test double).
pub trait Workload {
    /// Runs it once; `iteration` counts from 1.
    fn run(&mut self, iteration: usize) -> std::io::Result<RunOutput>;
}

/// A command line, run with the caller's environment plus `IAMTRAIL_LOOP_ITERATION`.
#[derive(Debug, Clone)]
pub struct CommandWorkload {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Pass the output through to this process's stdout/stderr.
    pub pass_through: bool,
    /// Run under capture, the calls attributed to this identity (`None`: no capture).
    pub capture: Option<(Identity, Setup)>,
}

/// Copies `from` into `sink` (when passing through) and keeps the tail of it.
fn pump(mut from: impl Read, mut sink: Option<Box<dyn Write + Send>>) -> (Vec<u8>, u64) {
    let mut kept = Vec::new();
    let mut dropped = 0u64;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if let Some(s) = sink.as_mut() {
            // A closed terminal must not stop the workload: keep reading, stop echoing.
            if s.write_all(&buf[..n]).and_then(|_| s.flush()).is_err() {
                sink = None;
            }
        }
        kept.extend_from_slice(&buf[..n]);
        if kept.len() > 2 * KEEP {
            let cut = kept.len() - KEEP;
            kept.drain(..cut);
            dropped += cut as u64;
        }
    }
    if kept.len() > KEEP {
        let cut = kept.len() - KEEP;
        kept.drain(..cut);
        dropped += cut as u64;
    }
    (kept, dropped)
}

impl Workload for CommandWorkload {
    fn run(&mut self, iteration: usize) -> std::io::Result<RunOutput> {
        let Some((who, setup)) = &self.capture else {
            return self.run_with(iteration, &[], &[]);
        };
        let records = Records::new(who.clone());
        let env: Vec<_> = std::env::vars_os().collect();
        let (out, counts) = session::with_proxy(setup, Box::new(records.clone()), &env, |ce, _| {
            self.run_with(iteration, &ce.set, &ce.unset)
        })
        .map_err(std::io::Error::other)?;
        let mut out = out?;
        let records = records.take();
        out.captured = Some(Capture {
            records: session::ndjson(&records),
            calls: records.len(),
            denied: counts.denied,
        });
        Ok(out)
    }
}

impl CommandWorkload {
    /// One run with `set` added to the environment and `unset` removed from it.
    fn run_with(
        &self,
        iteration: usize,
        set: &[(String, std::ffi::OsString)],
        unset: &[String],
    ) -> std::io::Result<RunOutput> {
        let (program, args) = self
            .argv
            .split_first()
            .ok_or_else(|| std::io::Error::other("no command given"))?;
        let start = Instant::now();
        let mut cmd = Command::new(program);
        for k in unset {
            cmd.env_remove(k);
        }
        cmd.envs(set.iter().map(|(k, v)| (k, v)));
        let mut child = cmd
            .args(args)
            .env("IAMTRAIL_LOOP_ITERATION", iteration.to_string())
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot run `{program}`: {e}")))?;
        let out = child.stdout.take().expect("piped");
        let err = child.stderr.take().expect("piped");
        let pass = self.pass_through;
        let t_out = std::thread::spawn(move || {
            pump(
                out,
                pass.then(|| Box::new(std::io::stdout()) as Box<dyn Write + Send>),
            )
        });
        let t_err = std::thread::spawn(move || {
            pump(
                err,
                pass.then(|| Box::new(std::io::stderr()) as Box<dyn Write + Send>),
            )
        });
        let status = child.wait()?;
        let (stdout, d1) = t_out.join().unwrap_or_default();
        let (stderr, d2) = t_err.join().unwrap_or_default();
        Ok(RunOutput {
            success: status.success(),
            code: status.code(),
            stdout,
            stderr,
            dropped: d1 + d2,
            duration: start.elapsed(),
            captured: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_both_streams_and_the_status() {
        let mut w = CommandWorkload {
            argv: vec![
                "sh".into(),
                "-c".into(),
                "echo out; echo err >&2; echo \"it=$IAMTRAIL_LOOP_ITERATION\"; exit 3".into(),
            ],
            pass_through: false,
            capture: None,
        };
        let r = w.run(7).unwrap();
        assert!(!r.success);
        assert_eq!(r.code, Some(3));
        assert_eq!(r.stdout, b"out\nit=7\n");
        assert_eq!(r.stderr, b"err\n");
        assert!(
            CommandWorkload {
                argv: vec!["/nonexistent/program".into()],
                pass_through: false,
                capture: None,
            }
            .run(1)
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/program")
        );
    }

    #[test]
    fn keeps_only_the_tail_of_a_long_stream() {
        let data = vec![b'x'; 2 * KEEP + 10];
        let (kept, dropped) = pump(&data[..], None);
        assert_eq!(kept.len(), KEEP);
        assert_eq!(dropped, (KEEP + 10) as u64);
    }
}
