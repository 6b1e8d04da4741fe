//! The workload: its environment and its exit code.
//!
//! The proxy and the CA reach the child only through its environment; nothing is
//! installed system-wide. The CA certificate (public) goes to a file in a private
//! temporary folder removed at exit; its key never leaves memory.
//!
//! | variable | read by |
//! |---|---|
//! | `HTTPS_PROXY`, `HTTP_PROXY`, `https_proxy`, `http_proxy` | the AWS CLI, boto3/botocore, curl, Go's `net/http`, most SDKs |
//! | `AWS_CA_BUNDLE` | botocore (AWS CLI, boto3), the AWS SDKs for Go v2, JavaScript v3 (file), Ruby, PHP |
//! | `REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE` | Python `requests`, curl |
//! | `SSL_CERT_FILE` | OpenSSL and everything on it (Python `ssl`, Ruby, curl), Go (Linux) |
//! | `NODE_EXTRA_CA_CERTS` | Node.js (added to its own roots) |
//! | `IAMTRAIL_CAPTURE_PROXY`, `IAMTRAIL_CAPTURE_CA` | scripts that configure something else (the proxy URL, the CA file) |
//!
//! `SSL_CERT_FILE`, `AWS_CA_BUNDLE`, `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE` replace the
//! bundle a client trusts, so they name a bundle of the system roots plus the CA: the
//! child's other HTTPS keeps working.
//!
//! Not covered by the environment alone:
//! - the JVM reads no proxy or CA variable: pass
//!   `JAVA_TOOL_OPTIONS="-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=PORT -Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=PORT -Djavax.net.ssl.trustStore=STORE"`
//!   where STORE is a copy of the JDK's `cacerts` with `$IAMTRAIL_CAPTURE_CA` imported
//!   (`keytool -importcert -noprompt -alias iamtrail -file "$IAMTRAIL_CAPTURE_CA" -keystore STORE -storepass changeit`);
//! - Go honours `HTTPS_PROXY` and `SSL_CERT_FILE`, but never proxies `localhost` or
//!   loopback addresses: an endpoint on 127.0.0.1 is not seen (use a host name that
//!   resolves to it, such as `localhost.localstack.cloud`);
//! - Node's own `https` and the AWS SDK for JavaScript v3 ignore `HTTPS_PROXY` unless the
//!   program sets an agent (or Node ≥ 24 runs with `NODE_USE_ENV_PROXY=1`).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

use rustls::pki_types::CertificateDer;

/// What to tell the user when no AWS call went through the proxy while the workload ran.
pub const IGNORED_PROXY: &str = "If the workload calls AWS, it ignores \
    the proxy settings: the AWS CLI, boto3, Go and most SDKs read HTTPS_PROXY and \
    AWS_CA_BUNDLE, which capture sets; a program that builds its own HTTP client must \
    be pointed at $IAMTRAIL_CAPTURE_PROXY and trust $IAMTRAIL_CAPTURE_CA (the JVM: \
    -Dhttps.proxyHost/-Dhttps.proxyPort and a trust store; Node: an agent), and Go never \
    proxies 127.0.0.1 or localhost endpoints";

/// Domains whose traffic must reach the proxy: entries of `NO_PROXY` that cover them are
/// dropped.
const AWS_DOMAINS: &[&str] = &["amazonaws.com", "amazonaws.com.cn", "api.aws"];

/// The child's environment, and the folder holding the CA files (removed on drop).
#[derive(Debug)]
pub struct ChildEnv {
    _dir: tempfile::TempDir,
    /// The CA certificate alone (PEM).
    pub ca_file: PathBuf,
    /// The system roots plus the CA (PEM).
    pub bundle_file: PathBuf,
    /// Variables to set.
    pub set: Vec<(String, OsString)>,
    /// Variables to remove.
    pub unset: Vec<String>,
}

/// Writes the CA files and works out the child's variables. `env`: the variables the
/// child would inherit (`std::env::vars_os()`).
pub fn prepare(
    proxy_url: &str,
    ca_pem: &str,
    system_roots: &[CertificateDer<'_>],
    env: &[(OsString, OsString)],
) -> std::io::Result<ChildEnv> {
    let dir = tempfile::Builder::new()
        .prefix("iamtrail-capture-")
        .tempdir()?;
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem)?;
    let mut bundle = String::with_capacity(system_roots.len() * 2048 + ca_pem.len());
    for c in system_roots {
        bundle.push_str(&pem::encode(&pem::Pem::new("CERTIFICATE", c.to_vec())));
    }
    bundle.push_str(ca_pem);
    let bundle_file = dir.path().join("bundle.pem");
    std::fs::write(&bundle_file, bundle)?;

    let get = |k: &str| {
        env.iter()
            .find(|(n, _)| n == OsStr::new(k))
            .and_then(|(_, v)| v.to_str())
    };
    let mut set: Vec<(String, OsString)> = Vec::new();
    for k in ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"] {
        set.push((k.into(), proxy_url.into()));
    }
    for k in [
        "AWS_CA_BUNDLE",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
    ] {
        set.push((k.into(), bundle_file.clone().into()));
    }
    set.push(("NODE_EXTRA_CA_CERTS".into(), ca_file.clone().into()));
    set.push(("IAMTRAIL_CAPTURE_PROXY".into(), proxy_url.into()));
    set.push(("IAMTRAIL_CAPTURE_CA".into(), ca_file.clone().into()));

    // Endpoints the workload is pointed at must go through the proxy too.
    let mut must: Vec<String> = AWS_DOMAINS.iter().map(|d| d.to_string()).collect();
    for (k, v) in env {
        let (Some(k), Some(v)) = (k.to_str(), v.to_str()) else {
            continue;
        };
        if k.starts_with("AWS_ENDPOINT_URL")
            && let Ok(u) = v.parse::<hyper::Uri>()
            && let Some(h) = u.host()
        {
            must.push(
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_ascii_lowercase(),
            );
        }
    }
    let mut unset = Vec::new();
    let current = get("NO_PROXY").or_else(|| get("no_proxy"));
    if let Some(current) = current {
        let kept = no_proxy_without(current, &must);
        if kept.is_empty() {
            unset.extend(["NO_PROXY".to_string(), "no_proxy".to_string()]);
        } else {
            set.push(("NO_PROXY".into(), kept.clone().into()));
            set.push(("no_proxy".into(), kept.into()));
        }
    }
    Ok(ChildEnv {
        _dir: dir,
        ca_file,
        bundle_file,
        set,
        unset,
    })
}

/// `NO_PROXY` (comma-separated) without the entries that would send any of `must`
/// (hosts or domains) around the proxy: `*`, the host itself, a domain above it, or one
/// below it.
pub fn no_proxy_without(current: &str, must: &[String]) -> String {
    current
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter(|e| {
            let d = e
                .trim_start_matches("*.")
                .trim_start_matches('.')
                .to_ascii_lowercase();
            // An entry may carry a port (`host:8080`); a bare IPv6 address has colons.
            let d = match d.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => {
                    h.to_string()
                }
                _ => d,
            };
            let d = d.trim_start_matches('[').trim_end_matches(']');
            d != "*"
                && !must.iter().any(|m| {
                    m == d || m.ends_with(&format!(".{d}")) || d.ends_with(&format!(".{m}"))
                })
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A child's exit status as an exit code: its own, or 128 + the signal that ended it.
pub fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(s) = status.signal() {
            return 128 + s;
        }
    }
    status.code().unwrap_or(1)
}

/// Runs `cmd` (program and arguments) with `env`, stdio inherited, and waits for it.
/// SIGTERM and SIGHUP sent to iamtrail are passed on to it; SIGINT is not taken (the
/// terminal sends it to the child as well), so the capture is still written.
pub async fn run(cmd: &[OsString], env: &ChildEnv) -> std::io::Result<ExitStatus> {
    run_with(cmd, env, false).await
}

/// As [`run`]; with `stdout_to_stderr`, the child's standard output goes to this
/// process's standard error (when this one's standard output carries a result).
pub async fn run_with(
    cmd: &[OsString],
    env: &ChildEnv,
    stdout_to_stderr: bool,
) -> std::io::Result<ExitStatus> {
    let (program, args) = cmd
        .split_first()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "no command"))?;
    let mut c = tokio::process::Command::new(program);
    c.args(args);
    #[cfg(unix)]
    if stdout_to_stderr {
        use std::os::fd::AsFd;
        c.stdout(std::io::stderr().as_fd().try_clone_to_owned()?);
    }
    #[cfg(not(unix))]
    let _ = stdout_to_stderr;
    for k in &env.unset {
        c.env_remove(k);
    }
    for (k, v) in &env.set {
        c.env(k, v);
    }
    let mut child = c.spawn().map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot run {}: {e}", Path::new(program).display()),
        )
    })?;
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let pid = child.id();
        let pass = |sig: rustix::process::Signal| {
            if let Some(p) = pid.and_then(|p| rustix::process::Pid::from_raw(p as i32)) {
                let _ = rustix::process::kill_process(p, sig);
            }
        };
        loop {
            tokio::select! {
                s = child.wait() => return s,
                _ = int.recv() => {}
                _ = term.recv() => pass(rustix::process::Signal::TERM),
                _ = hup.recv() => pass(rustix::process::Signal::HUP),
            }
        }
    }
    #[cfg(not(unix))]
    child.wait().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_keeps_what_need_not_go_through_us() {
        let must = vec!["amazonaws.com".to_string(), "127.0.0.1".to_string()];
        assert_eq!(
            no_proxy_without(
                "localhost, .amazonaws.com,s3.amazonaws.com,*.corp.example,127.0.0.1:5000,169.254.169.254",
                &must
            ),
            "localhost,*.corp.example,169.254.169.254"
        );
        assert_eq!(no_proxy_without("*", &must), "");
        assert_eq!(no_proxy_without("aws.amazon.com", &must), "aws.amazon.com");
    }

    #[test]
    fn environment_names_the_proxy_and_the_ca() {
        let env = vec![
            (
                OsString::from("NO_PROXY"),
                OsString::from("*.amazonaws.com,intranet"),
            ),
            (
                OsString::from("AWS_ENDPOINT_URL"),
                OsString::from("http://localhost:4566"),
            ),
        ];
        let ce = prepare("http://127.0.0.1:9", "PEM\n", &[], &env).unwrap();
        let get = |k: &str| ce.set.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(get("HTTPS_PROXY").unwrap(), "http://127.0.0.1:9");
        assert_eq!(get("NO_PROXY").unwrap(), "intranet");
        assert_eq!(
            get("AWS_CA_BUNDLE").unwrap(),
            ce.bundle_file.clone().into_os_string()
        );
        assert_eq!(std::fs::read_to_string(&ce.ca_file).unwrap(), "PEM\n");
        let dir = ce.ca_file.parent().unwrap().to_path_buf();
        drop(ce);
        assert!(!dir.exists());
    }
}
