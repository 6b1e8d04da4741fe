//! Running the workload: its output goes through to the terminal as it comes, and is
//! kept (each stream's last [`KEEP`] bytes) for the denial parser.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
        let (program, args) = self
            .argv
            .split_first()
            .ok_or_else(|| std::io::Error::other("no command given"))?;
        let start = Instant::now();
        let mut child = Command::new(program)
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
        };
        let r = w.run(7).unwrap();
        assert!(!r.success);
        assert_eq!(r.code, Some(3));
        assert_eq!(r.stdout, b"out\nit=7\n");
        assert_eq!(r.stderr, b"err\n");
        assert!(
            CommandWorkload {
                argv: vec!["/nonexistent/program".into()],
                pass_through: false
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
