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

/// An SDK error as one line: the service's `Code: message` when it answered, else the
/// error chain (connection refused, no credentials). Never the request, so never its
/// signature or credentials.
pub fn describe<E>(e: &E) -> String
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_string(),
        _ => aws_sdk_iam::error::DisplayErrorContext(e).to_string(),
    }
}
