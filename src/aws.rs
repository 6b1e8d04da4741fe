//! AWS SDK configuration shared by everything that calls AWS: the S3 source, `loop
//! --apply` (IAM) and decoding EC2's encoded authorization messages (STS).
//!
//! Credentials and region come from the standard chain (environment, `--profile` or
//! `AWS_PROFILE` with SSO and assumed-role profiles, container and instance
//! credentials); `--endpoint-url` (or `AWS_ENDPOINT_URL`) points at a compatible
//! server. A missing region defaults to `us-east-1` (IAM is global; S3 redirects).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Where and as whom to call AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Named profile (else `AWS_PROFILE`, else the default chain).
    pub profile: Option<String>,
    /// Endpoint for every service (an emulator); else `AWS_ENDPOINT_URL` or AWS.
    pub endpoint_url: Option<String>,
    /// Region (else the chain's, else `us-east-1`).
    pub region: Option<String>,
}

/// Attempts per call (standard retry mode) unless a caller needs its own.
pub const DEFAULT_ATTEMPTS: u32 = 5;

/// Loads the SDK configuration the options describe, retrying throttling, 5xx and
/// transient errors up to `max_attempts` attempts with backoff.
pub async fn load(opts: &AwsOptions, max_attempts: u32) -> SdkConfig {
    let retry = RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    let sdk = loader.load().await;
    if sdk.region().is_some() {
        return sdk;
    }
    sdk.into_builder().region(Region::new("us-east-1")).build()
}

/// A small runtime for blocking callers (the CLI's commands are synchronous).
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// An SDK error as one line: the service's `Code: message` when it answered; else, when
/// no request could be signed, what to do about the credentials or the profile (the
/// S3 source says the same); else the error chain (connection refused). Never the
/// request, so never its signature or credentials. `profile`: the one asked for.
pub fn describe<E>(e: &E, profile: Option<&str>) -> String
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => {
            let detail = chain(e);
            credentials_problem(&detail, profile).unwrap_or(detail)
        }
    }
}

/// An error and its sources, `: `-separated (without the SDK's debug dump).
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}

/// The shared config and credentials files: (path, how it was found).
fn profile_files() -> [(std::path::PathBuf, String); 2] {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| match std::env::var_os(var).filter(|f| !f.is_empty()) {
        Some(f) => {
            let p = std::path::PathBuf::from(f);
            let shown = format!("{} ({var})", p.display());
            (p, shown)
        }
        None => (home.join(default), format!("~/{default}")),
    };
    [
        file("AWS_CONFIG_FILE", ".aws/config"),
        file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    ]
}

/// The profile names a config or credentials file defines (`[name]`, `[profile name]`).
fn profiles_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
        .map(|h| {
            let h = h.trim();
            h.strip_prefix("profile ").unwrap_or(h).trim().to_string()
        })
        .filter(|h| !h.starts_with("sso-session ") && !h.starts_with("services "))
        .collect()
}

/// When `profile` (else `AWS_PROFILE`) names a profile that neither the config nor the
/// credentials file defines: the message that says so, naming the files and the
/// profiles they do define. Checked before any call, so the error names the profile
/// rather than the credential chain's failure.
pub fn undefined_profile(profile: Option<&str>) -> Option<String> {
    let p = profile
        .map(str::to_string)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .filter(|p| !p.is_empty())?;
    let files = profile_files();
    let mut known: Vec<String> = files
        .iter()
        .filter_map(|(f, _)| std::fs::read_to_string(f).ok())
        .flat_map(|t| profiles_in(&t))
        .collect();
    known.sort();
    known.dedup();
    if known.contains(&p) {
        return None;
    }
    let there = if known.is_empty() {
        "they define no profile".to_string()
    } else {
        format!("they define {}", known.join(", "))
    };
    Some(format!(
        "the AWS profile `{p}` is not defined in {} or {} ({there}): check its name, or name another with --profile or AWS_PROFILE",
        files[0].1, files[1].1
    ))
}

/// What to do when a call could not be made for want of credentials, or because the
/// profile does not exist; `None` when `detail` (an error chain of a call that got no
/// answer) is about something else. `profile`: the one asked for (else the one the SDK
/// names, else `AWS_PROFILE`).
pub fn credentials_problem(detail: &str, profile: Option<&str>) -> Option<String> {
    let d = detail.to_ascii_lowercase();
    if !(d.contains("credential") || d.contains("no providers") || d.contains("profile")) {
        return None;
    }
    let named = detail
        .split_once("profile `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(p, _)| p.to_string());
    let profile = profile
        .map(str::to_string)
        .or(named)
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .filter(|p| !p.is_empty());
    if let Some(m) = profile.as_deref().and_then(|p| undefined_profile(Some(p))) {
        return Some(m);
    }
    let whose = profile
        .map(|p| format!(" from profile `{p}`"))
        .unwrap_or_default();
    Some(format!(
        "no usable AWS credentials{whose}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
         name a profile with --profile or AWS_PROFILE (SSO: run `aws sso login` first), \
         or run where instance or container credentials are available (the SDK said: {})",
        detail
            .replace('\n', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_problems_say_what_to_do() {
        let m = credentials_problem(
            "dispatch failure: other: the credential provider was not enabled",
            None,
        )
        .unwrap();
        assert!(
            m.starts_with("no usable AWS credentials") && m.contains("--profile"),
            "{m}"
        );
        // Unset-profile cases look at the real files: use a name nobody has.
        let m = credentials_problem(
            "dispatch failure: other: profile `iamtrail-test-nosuch` was not defined: x",
            None,
        )
        .unwrap();
        assert!(
            m.contains("the AWS profile `iamtrail-test-nosuch` is not defined"),
            "{m}"
        );
        let m = credentials_problem("no credentials", Some("iamtrail-test-p2")).unwrap();
        assert!(m.contains("`iamtrail-test-p2` is not defined"), "{m}");
        assert_eq!(
            credentials_problem("io error: Connection refused", None),
            None
        );
        assert_eq!(
            profiles_in("[default]\n[profile a]\nx=1\n[ sso-session s ]\n[b]\n"),
            ["default", "a", "b"]
        );
    }
}
