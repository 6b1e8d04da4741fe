//! Fetching the credential report and the account settings from a live account through
//! the SDK configuration every AWS caller shares (`crate::aws`).
//!
//! GenerateCredentialReport starts a report (or reuses one under four hours old) and
//! answers `STARTED`, `INPROGRESS` or `COMPLETE`; GetCredentialReport then returns it
//! with its `GeneratedTime` (IAM API Reference). Root hardware MFA (1.6) needs
//! GetAccountSummary (`AccountMFAEnabled`) and ListVirtualMFADevices; the password
//! policy (1.8, 1.9) GetAccountPasswordPolicy, whose `NoSuchEntity` means no policy;
//! unused roles ListRoles and GetRole (`RoleLastUsed`); unused permissions ListUsers and,
//! per user and role, GenerateServiceLastAccessedDetails then
//! GetServiceLastAccessedDetails until `JobStatus` is `COMPLETED` (a failed job or call
//! is that principal's error, and the audit goes on).

use std::time::Duration;

use aws_sdk_iam::types::{AssignmentStatusType, ReportStateType, SummaryKeyType};

use super::access::{ServiceAccess, ServiceUse};
use super::check::{AccountFacts, PasswordPolicy, RoleUse};
use super::report::{CredentialReport, ReportError};
use crate::aws::{self, AwsOptions};

/// What a live run fetched.
#[derive(Debug, Clone)]
pub struct Live {
    /// The report.
    pub report: CredentialReport,
    /// Its `GeneratedTime` (epoch seconds), when IAM gave one.
    pub generated: Option<i64>,
    /// The account settings.
    pub facts: AccountFacts,
}

/// Why the account could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// A call failed (the service's error, or the credentials problem).
    #[error("{call}: {detail}")]
    Call {
        /// The IAM or STS operation.
        call: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The report never reached `COMPLETE`.
    #[error("GenerateCredentialReport: the report was not ready after {0} s")]
    NotReady(u64),
    /// The report IAM returned does not parse.
    #[error("the credential report IAM returned: {0}")]
    Report(#[from] ReportError),
}

/// How long to wait for the report, and how often to ask.
const POLL: Duration = Duration::from_secs(2);
const POLLS: u32 = 60;

fn call<'a, E>(call: &'static str, profile: Option<&'a str>) -> impl FnOnce(E) -> LiveError + 'a
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    move |e| LiveError::Call {
        call,
        detail: aws::describe(&e, profile),
    }
}

/// Fetches the report and the account settings.
pub async fn fetch(opts: &AwsOptions) -> Result<Live, LiveError> {
    let profile = opts.profile.as_deref();
    let sdk = aws::load(opts, aws::DEFAULT_ATTEMPTS).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let sts = aws_sdk_sts::Client::new(&sdk);
    let account = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| call("GetCallerIdentity", profile)(e.into_service_error()))?
        .account
        .unwrap_or_default();
    let mut polls = 0;
    loop {
        let state = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| call("GenerateCredentialReport", profile)(e.into_service_error()))?
            .state;
        if state == Some(ReportStateType::Complete) {
            break;
        }
        polls += 1;
        if polls >= POLLS {
            return Err(LiveError::NotReady(POLL.as_secs() * u64::from(POLLS)));
        }
        tokio::time::sleep(POLL).await;
    }
    let got = iam
        .get_credential_report()
        .send()
        .await
        .map_err(|e| call("GetCredentialReport", profile)(e.into_service_error()))?;
    let bytes = got.content.map(|b| b.into_inner()).unwrap_or_default();
    let report = CredentialReport::parse(&bytes)?;
    let generated = got.generated_time.map(|t| t.secs());

    let summary = iam
        .get_account_summary()
        .send()
        .await
        .map_err(|e| call("GetAccountSummary", profile)(e.into_service_error()))?;
    let root_mfa_enabled = summary
        .summary_map
        .as_ref()
        .and_then(|m| m.get(&SummaryKeyType::AccountMfaEnabled))
        .is_some_and(|n| *n > 0);
    let mut root_virtual_mfa = Vec::new();
    let mut pages = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| call("ListVirtualMFADevices", profile)(e.into_service_error()))?;
        for d in page.virtual_mfa_devices {
            // The root user's device names the account root as its user.
            if d.user.as_ref().is_some_and(|u| u.arn.ends_with(":root")) {
                root_virtual_mfa.push(d.serial_number);
            }
        }
    }
    root_virtual_mfa.sort();
    let password_policy = match iam.get_account_password_policy().send().await {
        Ok(o) => o.password_policy.map(|p| PasswordPolicy {
            minimum_length: p.minimum_password_length,
            reuse_prevention: p.password_reuse_prevention,
        }),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_no_such_entity_exception() {
                None
            } else {
                return Err(call("GetAccountPasswordPolicy", profile)(e));
            }
        }
    };
    let roles = roles(&iam, profile).await?;
    let mut principals = Vec::new();
    let mut pages = iam.list_users().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| call("ListUsers", profile)(e.into_service_error()))?;
        for u in page.users {
            principals.push(("user", u.user_name, u.arn, u.create_date.secs()));
        }
    }
    for r in &roles {
        principals.push(("role", r.name.clone(), r.arn.clone(), r.created));
    }
    let mut last_accessed = Vec::new();
    for (kind, name, arn, created) in principals {
        let services = last_accessed_of(&iam, &arn, profile).await;
        last_accessed.push(ServiceAccess {
            kind,
            name,
            arn,
            created,
            services,
        });
    }
    last_accessed.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(Live {
        report,
        generated,
        facts: AccountFacts {
            account,
            root_mfa_enabled,
            root_virtual_mfa,
            password_policy,
            roles,
            last_accessed,
        },
    })
}

/// The services `arn`'s policies grant with when each was last accessed, or the error.
async fn last_accessed_of(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    profile: Option<&str>,
) -> Result<Vec<ServiceUse>, String> {
    use aws_sdk_iam::types::JobStatusType;
    let describe = |e: aws_sdk_iam::Error| aws::describe(&e, profile);
    let job = iam
        .generate_service_last_accessed_details()
        .arn(arn)
        .send()
        .await
        .map_err(|e| format!("GenerateServiceLastAccessedDetails: {}", describe(e.into())))?
        .job_id
        .ok_or("GenerateServiceLastAccessedDetails returned no JobId")?;
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    let mut polls = 0;
    loop {
        let got = iam
            .get_service_last_accessed_details()
            .job_id(&job)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| format!("GetServiceLastAccessedDetails: {}", describe(e.into())))?;
        match got.job_status {
            JobStatusType::Completed => {
                out.extend(got.services_last_accessed.into_iter().map(|s| ServiceUse {
                    namespace: s.service_namespace,
                    name: s.service_name,
                    last_authenticated: s.last_authenticated.map(|t| t.secs()),
                }));
                // Up to 100 services a page; `Marker` asks for the next.
                match got.marker.filter(|_| got.is_truncated) {
                    Some(m) => marker = Some(m),
                    None => {
                        out.sort_by(|a, b| a.namespace.cmp(&b.namespace));
                        return Ok(out);
                    }
                }
            }
            JobStatusType::Failed => {
                let why = got.error.map(|e| e.message).unwrap_or_default();
                return Err(format!("the last-accessed job failed: {why}"));
            }
            _ => {
                polls += 1;
                if polls >= POLLS {
                    break;
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }
    Err(format!(
        "the last-accessed job was not COMPLETED after {} s",
        POLL.as_secs() * u64::from(POLLS)
    ))
}

/// Every role but the service-linked ones, with `RoleLastUsed` (ListRoles leaves it out:
/// GetRole per role).
async fn roles(
    iam: &aws_sdk_iam::Client,
    profile: Option<&str>,
) -> Result<Vec<RoleUse>, LiveError> {
    let mut out = Vec::new();
    let mut pages = iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| call("ListRoles", profile)(e.into_service_error()))?;
        for r in page.roles {
            if r.path.starts_with("/aws-service-role/") {
                continue;
            }
            let got = iam
                .get_role()
                .role_name(&r.role_name)
                .send()
                .await
                .map_err(|e| call("GetRole", profile)(e.into_service_error()))?;
            let last_used = got
                .role
                .and_then(|role| role.role_last_used)
                .and_then(|u| u.last_used_date)
                .map(|t| t.secs());
            out.push(RoleUse {
                name: r.role_name,
                arn: r.arn,
                created: r.create_date.secs(),
                last_used,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
