//! AWS SDK configuration shared by the commands that call IAM and STS (`loop --apply`,
//! decoding EC2's encoded authorization messages).
//!
//! Credentials and region come from the standard chain (environment, `--profile` or
//! `AWS_PROFILE` with SSO and assumed-role profiles, container and instance
//! credentials); `--endpoint-url` (or `AWS_ENDPOINT_URL`) points at an IAM-compatible
//! server. IAM is global, so a missing region defaults to `us-east-1`.

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
}

/// Loads the SDK configuration the options describe.
pub async fn load(opts: &AwsOptions) -> SdkConfig {
    let retry = RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
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
