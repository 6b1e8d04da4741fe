//! `audit external --live`: the resources of an account with their policies, listed
//! through the SDK with the configuration every AWS caller of iamtrail uses
//! (`crate::aws`: profile, region, endpoint, retries with backoff for throttling).
//!
//! Covered: S3 buckets (with Block Public Access), IAM role trust policies, SQS queues,
//! SNS topics, KMS keys (their `default` policy), Lambda functions, Secrets Manager
//! secrets (GetResourcePolicy), ECR repositories (GetRepositoryPolicy), EFS file systems
//! (DescribeFileSystemPolicy) and DynamoDB tables (GetResourcePolicy). A resource whose
//! policy cannot be read (AccessDenied, throttling past the retries) is listed with its
//! error and the scan goes on; a type whose listing fails is one entry with the error.

use aws_config::SdkConfig;
use aws_sdk_s3::error::ProvideErrorMetadata;

use crate::aws::{self, AwsOptions};
use crate::percent::percent_decode;

use super::types::{self, ResourceType};
use super::verdict::BlockPublicAccess;

/// One resource found, with its policy or why it could not be read.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its ARN (or, for a listing that failed, `TYPE in REGION`).
    pub arn: String,
    /// Its type.
    pub rtype: &'static ResourceType,
    /// The region it was listed in (`global` for IAM).
    pub region: String,
    /// Its policy text (`None`: it has none), or the error reading it.
    pub policy: Result<Option<String>, String>,
    /// S3 only: its Block Public Access settings.
    pub block_public_access: BlockPublicAccess,
}

/// Why the account cannot be listed at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot tell which account the credentials are for (sts:GetCallerIdentity: {0})")]
pub struct LiveError(pub String);

/// Types `--live` lists.
pub const LISTED: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::IAM::Role",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::Lambda::Function",
    "AWS::SecretsManager::Secret",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::DynamoDB::Table",
];

fn rt(name: &str) -> &'static ResourceType {
    types::by_name(name).expect("a type of the table")
}

/// The account the credentials belong to.
pub async fn account(opts: &AwsOptions) -> Result<String, LiveError> {
    if let Some(m) = aws::undefined_profile(opts.profile.as_deref()) {
        return Err(LiveError(m));
    }
    let sdk = aws::load(opts, aws::DEFAULT_ATTEMPTS).await;
    let out = aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| LiveError(aws::describe(&e, opts.profile.as_deref())))?;
    out.account()
        .map(str::to_string)
        .ok_or_else(|| LiveError("the answer names no account".into()))
}

/// Lists the resources of `wanted` types (all of [`LISTED`] when empty) in `region`;
/// the global ones (S3 buckets, IAM roles) only when `global`.
pub async fn list(
    opts: &AwsOptions,
    region: &str,
    global: bool,
    wanted: &[&'static ResourceType],
) -> Vec<Listed> {
    let mut o = opts.clone();
    o.region = Some(region.to_string());
    let sdk = aws::load(&o, aws::DEFAULT_ATTEMPTS).await;
    let want = |name: &str| wanted.is_empty() || wanted.iter().any(|t| t.name == name);
    let p = opts.profile.as_deref();
    let mut out = Vec::new();
    if global && want("AWS::S3::Bucket") {
        out.extend(s3(&sdk, opts, p).await);
    }
    if global && want("AWS::IAM::Role") {
        out.extend(roles(&sdk, p).await);
    }
    if want("AWS::SQS::Queue") {
        out.extend(sqs(&sdk, region, p).await);
    }
    if want("AWS::SNS::Topic") {
        out.extend(sns(&sdk, region, p).await);
    }
    if want("AWS::KMS::Key") {
        out.extend(kms(&sdk, region, p).await);
    }
    if want("AWS::Lambda::Function") {
        out.extend(lambda(&sdk, region, p).await);
    }
    if want("AWS::SecretsManager::Secret") {
        out.extend(secrets(&sdk, region, p).await);
    }
    if want("AWS::ECR::Repository") {
        out.extend(ecr(&sdk, region, p).await);
    }
    if want("AWS::EFS::FileSystem") {
        out.extend(efs(&sdk, region, p).await);
    }
    if want("AWS::DynamoDB::Table") {
        out.extend(dynamodb(&sdk, region, p).await);
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}

/// An entry for a listing that failed.
fn failed(name: &str, region: &str, e: String) -> Listed {
    Listed {
        arn: format!("{name} in {region}"),
        rtype: rt(name),
        region: region.to_string(),
        policy: Err(e),
        block_public_access: BlockPublicAccess::default(),
    }
}

fn entry(arn: String, name: &str, region: &str, policy: Result<Option<String>, String>) -> Listed {
    Listed {
        arn,
        rtype: rt(name),
        region: region.to_string(),
        policy,
        block_public_access: BlockPublicAccess::default(),
    }
}

/// A policy read, where `absent` error codes mean "no policy".
fn policy_of<E, R>(
    r: Result<R, E>,
    get: impl FnOnce(R) -> Option<String>,
    absent: &[&str],
    profile: Option<&str>,
) -> Result<Option<String>, String>
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    match r {
        Ok(v) => Ok(get(v)),
        Err(e) if e.code().is_some_and(|c| absent.contains(&c)) => Ok(None),
        Err(e) => Err(aws::describe(&e, profile)),
    }
}

async fn s3(sdk: &SdkConfig, opts: &AwsOptions, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::S3::Bucket";
    let endpoint = opts.endpoint_url.is_some() || sdk.endpoint_url().is_some();
    let client = |region: Option<&str>| {
        let mut b = aws_sdk_s3::config::Builder::from(sdk).force_path_style(endpoint);
        if let Some(r) = region {
            b = b.region(aws_config::Region::new(r.to_string()));
        }
        aws_sdk_s3::Client::from_conf(b.build())
    };
    let c = client(None);
    let buckets = match c.list_buckets().send().await {
        Ok(b) => b,
        Err(e) => return vec![failed(T, "global", aws::describe(&e, p))],
    };
    let here = sdk.region().map_or("us-east-1", |r| r.as_ref()).to_string();
    // A bucket answers only in its own region (elsewhere: PermanentRedirect), so each
    // is read through a client for its region: ListBuckets names it, else
    // GetBucketLocation (empty means us-east-1, `EU` is eu-west-1).
    let mut clients: std::collections::BTreeMap<String, aws_sdk_s3::Client> =
        std::collections::BTreeMap::from([(here.clone(), c.clone())]);
    let mut out = Vec::new();
    for b in buckets.buckets() {
        let Some(name) = b.name() else { continue };
        let region = match b.bucket_region() {
            Some(r) => r.to_string(),
            None => match c.get_bucket_location().bucket(name).send().await {
                Ok(o) => match o.location_constraint().map(|l| l.as_str()) {
                    None | Some("") => "us-east-1".to_string(),
                    Some("EU") => "eu-west-1".to_string(),
                    Some(r) => r.to_string(),
                },
                Err(_) => here.clone(),
            },
        };
        let c = clients
            .entry(region.clone())
            .or_insert_with(|| client(Some(&region)))
            .clone();
        let r = c.get_bucket_policy().bucket(name).send().await;
        let policy = policy_of(
            r,
            |o| o.policy().map(str::to_string),
            &["NoSuchBucketPolicy"],
            p,
        );
        let mut e = entry(format!("arn:aws:s3:::{name}"), T, &region, policy);
        match c.get_public_access_block().bucket(name).send().await {
            Ok(o) => {
                if let Some(cfg) = o.public_access_block_configuration() {
                    e.block_public_access = BlockPublicAccess {
                        block_public_acls: cfg.block_public_acls().unwrap_or(false),
                        ignore_public_acls: cfg.ignore_public_acls().unwrap_or(false),
                        block_public_policy: cfg.block_public_policy().unwrap_or(false),
                        restrict_public_buckets: cfg.restrict_public_buckets().unwrap_or(false),
                    };
                }
            }
            Err(err)
                if err
                    .code()
                    .is_some_and(|c| c == "NoSuchPublicAccessBlockConfiguration") => {}
            Err(err) => {
                // Without the settings the verdict could overstate: say so.
                if e.policy.is_ok() {
                    e.policy = Err(format!(
                        "cannot read Block Public Access: {}",
                        aws::describe(&err, p)
                    ));
                }
            }
        }
        out.push(e);
    }
    out
}

async fn roles(sdk: &SdkConfig, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::IAM::Role";
    let c = aws_sdk_iam::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                for r in page.roles() {
                    // IAM returns the trust policy URL-encoded.
                    let policy = r
                        .assume_role_policy_document()
                        .map(|d| percent_decode(d, false));
                    out.push(entry(r.arn().to_string(), T, "global", Ok(policy)));
                }
            }
            Err(e) => {
                out.push(failed(T, "global", aws::describe(&e, p)));
                break;
            }
        }
    }
    out
}

async fn sqs(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    const T: &str = "AWS::SQS::Queue";
    let c = aws_sdk_sqs::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_queues().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for url in page.queue_urls() {
            let r = c
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(A::Policy)
                .attribute_names(A::QueueArn)
                .send()
                .await;
            let (arn, policy) = match r {
                Ok(o) => {
                    let attrs = o.attributes();
                    let arn = attrs.and_then(|a| a.get(&A::QueueArn)).cloned();
                    (arn, Ok(attrs.and_then(|a| a.get(&A::Policy)).cloned()))
                }
                Err(e) => (None, Err(aws::describe(&e, p))),
            };
            out.push(entry(
                arn.unwrap_or_else(|| url.to_string()),
                T,
                region,
                policy,
            ));
        }
    }
    out
}

async fn sns(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::SNS::Topic";
    let c = aws_sdk_sns::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_topics().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for t in page.topics() {
            let Some(arn) = t.topic_arn() else { continue };
            let r = c.get_topic_attributes().topic_arn(arn).send().await;
            let policy = policy_of(
                r,
                |o| o.attributes().and_then(|a| a.get("Policy")).cloned(),
                &[],
                p,
            );
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn kms(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::KMS::Key";
    let c = aws_sdk_kms::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_keys().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for k in page.keys() {
            let Some(arn) = k.key_arn() else { continue };
            let r = c
                .get_key_policy()
                .key_id(arn)
                .policy_name("default")
                .send()
                .await;
            let policy = policy_of(r, |o| o.policy().map(str::to_string), &[], p);
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn lambda(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::Lambda::Function";
    let c = aws_sdk_lambda::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for f in page.functions() {
            let Some(arn) = f.function_arn() else {
                continue;
            };
            let r = c.get_policy().function_name(arn).send().await;
            let policy = policy_of(
                r,
                |o| o.policy().map(str::to_string),
                &["ResourceNotFoundException"],
                p,
            );
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn secrets(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::SecretsManager::Secret";
    let c = aws_sdk_secretsmanager::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_secrets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for s in page.secret_list() {
            let Some(arn) = s.arn() else { continue };
            // GetResourcePolicy answers without `ResourcePolicy` when the secret has none.
            let r = c.get_resource_policy().secret_id(arn).send().await;
            let policy = policy_of(r, |o| o.resource_policy().map(str::to_string), &[], p);
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn ecr(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::ECR::Repository";
    let c = aws_sdk_ecr::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.describe_repositories().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for r in page.repositories() {
            let (Some(arn), Some(name)) = (r.repository_arn(), r.repository_name()) else {
                continue;
            };
            let res = c.get_repository_policy().repository_name(name).send().await;
            let policy = policy_of(
                res,
                |o| o.policy_text().map(str::to_string),
                &["RepositoryPolicyNotFoundException"],
                p,
            );
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn efs(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::EFS::FileSystem";
    let c = aws_sdk_efs::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.describe_file_systems().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for f in page.file_systems() {
            let id = f.file_system_id();
            let arn = f.file_system_arn().unwrap_or(id);
            let r = c
                .describe_file_system_policy()
                .file_system_id(id)
                .send()
                .await;
            let policy = policy_of(
                r,
                |o| o.policy().map(str::to_string),
                &["PolicyNotFound"],
                p,
            );
            out.push(entry(arn.to_string(), T, region, policy));
        }
    }
    out
}

async fn dynamodb(sdk: &SdkConfig, region: &str, p: Option<&str>) -> Vec<Listed> {
    const T: &str = "AWS::DynamoDB::Table";
    let c = aws_sdk_dynamodb::Client::new(sdk);
    let mut out = Vec::new();
    let mut pages = c.list_tables().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                out.push(failed(T, region, aws::describe(&e, p)));
                break;
            }
        };
        for name in page.table_names() {
            // GetResourcePolicy takes the table's ARN, which ListTables does not give.
            let arn = match c.describe_table().table_name(name).send().await {
                Ok(o) => o.table().and_then(|t| t.table_arn()).map(str::to_string),
                Err(e) => {
                    out.push(entry(
                        format!("table/{name} in {region}"),
                        T,
                        region,
                        Err(aws::describe(&e, p)),
                    ));
                    continue;
                }
            };
            let Some(arn) = arn else { continue };
            let r = c.get_resource_policy().resource_arn(&arn).send().await;
            let policy = policy_of(
                r,
                |o| o.policy().map(str::to_string),
                &["PolicyNotFoundException"],
                p,
            );
            out.push(entry(arn, T, region, policy));
        }
    }
    out
}
