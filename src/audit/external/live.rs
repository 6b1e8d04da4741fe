//! `audit external --live`: the resources of an account with their policies, listed
//! through the SDK with the configuration every AWS caller of iamtrail uses
//! (`crate::aws`: profile, region, endpoint, retries with backoff for throttling).
//!
//! One table, [`KINDS`], says per resource type how it is listed, how its policy is read,
//! which error codes mean "no policy", and what else is read with it (S3 Block Public
//! Access of the bucket and of the account, Lambda function URLs); one loop, [`list`], runs it. Covered: S3 buckets, IAM
//! role trust policies, SQS queues, SNS topics, KMS keys (their `default` policy), Lambda
//! functions, Secrets Manager secrets, ECR repositories, EFS file systems and DynamoDB
//! tables. A resource whose policy cannot be read (AccessDenied, throttling past the
//! retries) is listed with its error and the scan goes on; a type whose listing fails
//! is one entry with the error (after what was listed before it failed).

use std::future::Future;
use std::pin::Pin;

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
    /// S3 only: the bucket ACL's grants (GetBucketAcl).
    pub acl: Vec<super::acl::Grant>,
    /// Lambda only: the function's URL, when it has one.
    pub function_url: Option<FunctionUrl>,
    /// Lambda only: GetFunctionUrlConfig answered (with the URL, or that there is none),
    /// so `function_url` is a fact and not a gap.
    pub function_url_read: bool,
    /// What could not be read beside the policy (a function URL's configuration).
    pub notes: Vec<String>,
}

impl Listed {
    /// The condition keys its configuration fixes: a Lambda function's URL auth type
    /// once GetFunctionUrlConfig answered (with a URL, or that it has none); nothing when
    /// the read failed, so the outsider keeps every value.
    pub fn known(&self) -> Vec<super::verdict::KnownKey> {
        if !self.function_url_read {
            return Vec::new();
        }
        vec![super::verdict::KnownKey::function_url_auth_type(
            self.function_url.as_ref().map(|u| u.auth_type.as_str()),
        )]
    }
}

/// A Lambda function URL (GetFunctionUrlConfig).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FunctionUrl {
    /// The URL.
    pub url: String,
    /// `NONE` (Lambda authenticates no caller) or `AWS_IAM`.
    pub auth_type: String,
}

/// Why the account cannot be listed at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot tell which account the credentials are for (sts:GetCallerIdentity: {0})")]
pub struct LiveError(pub String);

/// Types `--live` lists, in [`KINDS`]' order.
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

/// A boxed future borrowing the clients.
type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A listing: the resources, and the error that stopped it, if one did.
type Listing = (Vec<Listed>, Option<String>);

/// A policy read: the text (`None`: no policy) or the SDK error.
type PolicyRead = Result<Option<String>, Fail>;

/// An SDK error: its code (to tell "no policy" apart) and its description.
struct Fail {
    code: Option<String>,
    message: String,
}

fn fail<E>(e: &E, profile: Option<&str>) -> Fail
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    Fail {
        code: e.code().map(str::to_string),
        message: aws::describe(e, profile),
    }
}

/// One resource type of the live listing.
struct Kind {
    /// Access Analyzer's type name.
    name: &'static str,
    /// Listed once (S3 buckets, IAM roles), not per region.
    global: bool,
    /// Lists the resources (policy not read yet), and the error that stopped the
    /// listing, if one did.
    list: for<'a> fn(&'a Clients) -> Fut<'a, Listing>,
    /// Reads one resource's policy (`None`: it has none); may correct its ARN.
    policy: for<'a> fn(&'a Clients, &'a mut Listed) -> Fut<'a, PolicyRead>,
    /// Error codes of `policy` that mean the resource has no policy.
    absent: &'static [&'static str],
    /// What else is read for a resource whose policy was read.
    extra: Option<for<'a> fn(&'a Clients, &'a mut Listed) -> Fut<'a, ()>>,
}

/// The table: how each type is listed and its policy read.
const KINDS: &[Kind] = &[
    Kind {
        name: "AWS::S3::Bucket",
        global: true,
        list: |c| Box::pin(s3_list(c)),
        policy: |c, l| Box::pin(s3_policy(c, l)),
        absent: &["NoSuchBucketPolicy"],
        extra: Some(|c, l| Box::pin(s3_extra(c, l))),
    },
    Kind {
        name: "AWS::IAM::Role",
        global: true,
        list: |c| Box::pin(roles_list(c)),
        // The trust policy comes with the listing.
        policy: |_, l| Box::pin(async { Ok(l.policy.clone().unwrap_or_default()) }),
        absent: &[],
        extra: None,
    },
    Kind {
        name: "AWS::SQS::Queue",
        global: false,
        list: |c| Box::pin(sqs_list(c)),
        policy: |c, l| Box::pin(sqs_policy(c, l)),
        absent: &[],
        extra: None,
    },
    Kind {
        name: "AWS::SNS::Topic",
        global: false,
        list: |c| Box::pin(sns_list(c)),
        policy: |c, l| Box::pin(sns_policy(c, l)),
        absent: &[],
        extra: None,
    },
    Kind {
        name: "AWS::KMS::Key",
        global: false,
        list: |c| Box::pin(kms_list(c)),
        policy: |c, l| Box::pin(kms_policy(c, l)),
        absent: &[],
        extra: None,
    },
    Kind {
        name: "AWS::Lambda::Function",
        global: false,
        list: |c| Box::pin(lambda_list(c)),
        policy: |c, l| Box::pin(lambda_policy(c, l)),
        absent: &["ResourceNotFoundException"],
        extra: Some(|c, l| Box::pin(lambda_url(c, l))),
    },
    Kind {
        name: "AWS::SecretsManager::Secret",
        global: false,
        list: |c| Box::pin(secrets_list(c)),
        // GetResourcePolicy answers without `ResourcePolicy` when the secret has none.
        policy: |c, l| Box::pin(secrets_policy(c, l)),
        absent: &[],
        extra: None,
    },
    Kind {
        name: "AWS::ECR::Repository",
        global: false,
        list: |c| Box::pin(ecr_list(c)),
        policy: |c, l| Box::pin(ecr_policy(c, l)),
        absent: &["RepositoryPolicyNotFoundException"],
        extra: None,
    },
    Kind {
        name: "AWS::EFS::FileSystem",
        global: false,
        list: |c| Box::pin(efs_list(c)),
        policy: |c, l| Box::pin(efs_policy(c, l)),
        absent: &["PolicyNotFound"],
        extra: None,
    },
    Kind {
        name: "AWS::DynamoDB::Table",
        global: false,
        list: |c| Box::pin(dynamodb_list(c)),
        policy: |c, l| Box::pin(dynamodb_policy(c, l)),
        absent: &["PolicyNotFoundException"],
        extra: None,
    },
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
    account: &str,
    region: &str,
    global: bool,
    wanted: &[&'static ResourceType],
) -> Vec<Listed> {
    let mut o = opts.clone();
    o.region = Some(region.to_string());
    let sdk = aws::load(&o, aws::DEFAULT_ATTEMPTS).await;
    let c = Clients {
        path_style: opts.endpoint_url.is_some() || sdk.endpoint_url().is_some(),
        sdk,
        account: account.to_string(),
        region: region.to_string(),
        profile: opts.profile.clone(),
    };
    let mut out = Vec::new();
    for k in KINDS {
        if (k.global && !global) || !(wanted.is_empty() || wanted.iter().any(|t| t.name == k.name))
        {
            continue;
        }
        let (mut items, stopped) = (k.list)(&c).await;
        for l in &mut items {
            l.policy = match (k.policy)(&c, l).await {
                Ok(p) => Ok(p),
                Err(f) if f.code.as_deref().is_some_and(|c| k.absent.contains(&c)) => Ok(None),
                Err(f) => Err(f.message),
            };
            if let (Ok(_), Some(extra)) = (&l.policy, k.extra) {
                extra(&c, l).await;
            }
        }
        out.extend(items);
        if let Some(e) = stopped {
            let at = if k.global { "global" } else { region };
            out.push(failed(k.name, at, e));
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}

/// What every call needs: the SDK configuration for the region, and the profile (for
/// error messages).
struct Clients {
    sdk: SdkConfig,
    /// The account the credentials are for (S3 Control takes it).
    account: String,
    region: String,
    profile: Option<String>,
    /// S3 through an endpoint (moto, a proxy) is addressed path-style.
    path_style: bool,
}

impl Clients {
    fn p(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    fn s3(&self, region: Option<&str>) -> aws_sdk_s3::Client {
        let mut b = aws_sdk_s3::config::Builder::from(&self.sdk).force_path_style(self.path_style);
        if let Some(r) = region {
            b = b.region(aws_config::Region::new(r.to_string()));
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    /// A resource listed in this region, its policy not read yet.
    fn entry(&self, name: &str, arn: String) -> Listed {
        entry(arn, name, &self.region, Ok(None))
    }
}

/// An entry for a listing that failed.
fn failed(name: &str, region: &str, e: String) -> Listed {
    entry(format!("{name} in {region}"), name, region, Err(e))
}

fn entry(arn: String, name: &str, region: &str, policy: Result<Option<String>, String>) -> Listed {
    Listed {
        arn,
        rtype: rt(name),
        region: region.to_string(),
        policy,
        block_public_access: BlockPublicAccess::default(),
        acl: Vec::new(),
        function_url: None,
        function_url_read: false,
        notes: Vec::new(),
    }
}

/// Runs a paginator: each page's resources through `each`, and the error that stopped
/// it (what was listed before stays listed).
macro_rules! pages {
    ($paginator:expr, $c:expr, |$page:ident| $each:expr) => {{
        let mut out = Vec::new();
        let mut stopped = None;
        let mut pages = $paginator.into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok($page) => out.extend($each),
                Err(e) => {
                    stopped = Some(aws::describe(&e, $c.p()));
                    break;
                }
            }
        }
        (out, stopped)
    }};
}

async fn s3_list(c: &Clients) -> Listing {
    const T: &str = "AWS::S3::Bucket";
    let s3 = c.s3(None);
    let buckets = match s3.list_buckets().send().await {
        Ok(b) => b,
        Err(e) => return (Vec::new(), Some(aws::describe(&e, c.p()))),
    };
    let (account_bpa, account_note) = account_block_public_access(c).await;
    let here = c
        .sdk
        .region()
        .map_or("us-east-1", |r| r.as_ref())
        .to_string();
    let mut out = Vec::new();
    for b in buckets.buckets() {
        let Some(name) = b.name() else { continue };
        // A bucket answers only in its own region (elsewhere: PermanentRedirect), so each
        // is read through a client for its region: ListBuckets names it, else
        // GetBucketLocation (empty means us-east-1, `EU` is eu-west-1).
        let region = match b.bucket_region() {
            Some(r) => r.to_string(),
            None => match s3.get_bucket_location().bucket(name).send().await {
                Ok(o) => match o.location_constraint().map(|l| l.as_str()) {
                    None | Some("") => "us-east-1".to_string(),
                    Some("EU") => "eu-west-1".to_string(),
                    Some(r) => r.to_string(),
                },
                Err(_) => here.clone(),
            },
        };
        let mut l = entry(format!("arn:aws:s3:::{name}"), T, &region, Ok(None));
        l.block_public_access = account_bpa;
        l.notes.extend(account_note.clone());
        out.push(l);
    }
    (out, None)
}

/// The account's Block Public Access settings (S3 Control GetPublicAccessBlock), and a
/// note when they are on or cannot be read. "Configuring block public access settings
/// for your S3 buckets": "S3 applies the most restrictive setting between bucket-level
/// and effective account-level configurations", so each bucket starts from the
/// account's and the bucket's settings are added to them.
async fn account_block_public_access(c: &Clients) -> (BlockPublicAccess, Option<String>) {
    let mut b = aws_sdk_s3control::config::Builder::from(&c.sdk);
    if c.path_style {
        // S3 Control addresses `ACCOUNT.HOST`; an emulator or proxy given as the endpoint
        // serves the endpoint as given (as S3 is addressed path-style there).
        if let Some(url) = c.sdk.endpoint_url() {
            b = b.endpoint_resolver(AsGiven(url.to_string()));
        }
    }
    let r = aws_sdk_s3control::Client::from_conf(b.build())
        .get_public_access_block()
        .account_id(&c.account)
        .send()
        .await;
    match r {
        Ok(o) => {
            let Some(cfg) = o.public_access_block_configuration() else {
                return (BlockPublicAccess::default(), None);
            };
            let bpa = BlockPublicAccess {
                block_public_acls: cfg.block_public_acls().unwrap_or(false),
                ignore_public_acls: cfg.ignore_public_acls().unwrap_or(false),
                block_public_policy: cfg.block_public_policy().unwrap_or(false),
                restrict_public_buckets: cfg.restrict_public_buckets().unwrap_or(false),
            };
            let on: Vec<&str> = [
                ("BlockPublicAcls", bpa.block_public_acls),
                ("IgnorePublicAcls", bpa.ignore_public_acls),
                ("BlockPublicPolicy", bpa.block_public_policy),
                ("RestrictPublicBuckets", bpa.restrict_public_buckets),
            ]
            .into_iter()
            .filter_map(|(n, v)| v.then_some(n))
            .collect();
            let note = (!on.is_empty()).then(|| {
                format!(
                    "the account's Block Public Access has {} on (it applies to every bucket)",
                    on.join(", ")
                )
            });
            (bpa, note)
        }
        Err(e)
            if e.code()
                .is_some_and(|c| c == "NoSuchPublicAccessBlockConfiguration") =>
        {
            (BlockPublicAccess::default(), None)
        }
        Err(e) => (
            BlockPublicAccess::default(),
            Some(format!(
                "cannot read the account's Block Public Access ({}); the verdict takes the bucket's settings only",
                aws::describe(&e, c.p())
            )),
        ),
    }
}

/// An S3 Control endpoint used as given.
#[derive(Debug)]
struct AsGiven(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for AsGiven {
    fn resolve_endpoint<'a>(
        &'a self,
        _: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

fn bucket(l: &Listed) -> &str {
    l.arn.trim_start_matches("arn:aws:s3:::")
}

async fn s3_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let r = c
        .s3(Some(&l.region))
        .get_bucket_policy()
        .bucket(bucket(l))
        .send()
        .await;
    r.map(|o| o.policy().map(str::to_string))
        .map_err(|e| fail(&e, c.p()))
}

async fn s3_extra(c: &Clients, l: &mut Listed) {
    s3_acl(c, l).await;
    s3_block_public_access(c, l).await;
}

/// The bucket ACL's grants; one that cannot be read is a note (the policy's verdict
/// stands, but a public ACL could be missed).
async fn s3_acl(c: &Clients, l: &mut Listed) {
    let r = c
        .s3(Some(&l.region))
        .get_bucket_acl()
        .bucket(bucket(l))
        .send()
        .await;
    match r {
        Ok(o) => {
            l.acl = o
                .grants()
                .iter()
                .filter_map(|g| {
                    let who = g.grantee()?;
                    Some(super::acl::Grant {
                        grantee: super::acl::Grantee {
                            kind: who.r#type().as_str().to_string(),
                            uri: who.uri().map(str::to_string),
                        },
                        permission: g.permission()?.as_str().to_string(),
                    })
                })
                .collect()
        }
        Err(e) => l.notes.push(format!(
            "cannot read the bucket ACL: {}",
            aws::describe(&e, c.p())
        )),
    }
}

async fn s3_block_public_access(c: &Clients, l: &mut Listed) {
    let r = c
        .s3(Some(&l.region))
        .get_public_access_block()
        .bucket(bucket(l))
        .send()
        .await;
    match r {
        Ok(o) => {
            if let Some(cfg) = o.public_access_block_configuration() {
                // The most restrictive of the account's (already here) and the bucket's.
                let a = &mut l.block_public_access;
                a.block_public_acls |= cfg.block_public_acls().unwrap_or(false);
                a.ignore_public_acls |= cfg.ignore_public_acls().unwrap_or(false);
                a.block_public_policy |= cfg.block_public_policy().unwrap_or(false);
                a.restrict_public_buckets |= cfg.restrict_public_buckets().unwrap_or(false);
            }
        }
        Err(e)
            if e.code()
                .is_some_and(|c| c == "NoSuchPublicAccessBlockConfiguration") => {}
        Err(e) => {
            // Without the settings the verdict could overstate: say so.
            l.policy = Err(format!(
                "cannot read Block Public Access: {}",
                aws::describe(&e, c.p())
            ));
        }
    }
}

async fn roles_list(c: &Clients) -> Listing {
    const T: &str = "AWS::IAM::Role";
    let iam = aws_sdk_iam::Client::new(&c.sdk);
    pages!(iam.list_roles(), c, |page| page.roles().iter().map(|r| {
        // IAM returns the trust policy URL-encoded.
        let policy = r
            .assume_role_policy_document()
            .map(|d| percent_decode(d, false));
        entry(r.arn().to_string(), T, "global", Ok(policy))
    }))
}

async fn sqs_list(c: &Clients) -> Listing {
    const T: &str = "AWS::SQS::Queue";
    let sqs = aws_sdk_sqs::Client::new(&c.sdk);
    // Listed by URL; the policy read gives the ARN.
    pages!(sqs.list_queues(), c, |page| page
        .queue_urls()
        .iter()
        .map(|u| c.entry(T, u.clone())))
}

async fn sqs_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let o = aws_sdk_sqs::Client::new(&c.sdk)
        .get_queue_attributes()
        .queue_url(&l.arn)
        .attribute_names(A::Policy)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    let attrs = o.attributes();
    if let Some(arn) = attrs.and_then(|a| a.get(&A::QueueArn)) {
        l.arn = arn.clone();
    }
    Ok(attrs.and_then(|a| a.get(&A::Policy)).cloned())
}

async fn sns_list(c: &Clients) -> Listing {
    const T: &str = "AWS::SNS::Topic";
    let sns = aws_sdk_sns::Client::new(&c.sdk);
    pages!(sns.list_topics(), c, |page| page
        .topics()
        .iter()
        .filter_map(|t| t.topic_arn())
        .map(|a| c.entry(T, a.to_string())))
}

async fn sns_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let o = aws_sdk_sns::Client::new(&c.sdk)
        .get_topic_attributes()
        .topic_arn(&l.arn)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.attributes().and_then(|a| a.get("Policy")).cloned())
}

async fn kms_list(c: &Clients) -> Listing {
    const T: &str = "AWS::KMS::Key";
    let kms = aws_sdk_kms::Client::new(&c.sdk);
    pages!(kms.list_keys(), c, |page| page
        .keys()
        .iter()
        .filter_map(|k| k.key_arn())
        .map(|a| c.entry(T, a.to_string())))
}

async fn kms_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let o = aws_sdk_kms::Client::new(&c.sdk)
        .get_key_policy()
        .key_id(&l.arn)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.policy().map(str::to_string))
}

async fn lambda_list(c: &Clients) -> Listing {
    const T: &str = "AWS::Lambda::Function";
    let lambda = aws_sdk_lambda::Client::new(&c.sdk);
    pages!(lambda.list_functions(), c, |page| page
        .functions()
        .iter()
        .filter_map(|f| f.function_arn())
        .map(|a| c.entry(T, a.to_string())))
}

async fn lambda_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let o = aws_sdk_lambda::Client::new(&c.sdk)
        .get_policy()
        .function_name(&l.arn)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.policy().map(str::to_string))
}

/// The function's URL (GetFunctionUrlConfig on the unqualified function): with AuthType
/// NONE, Lambda authenticates no caller and the resource policy alone decides who may
/// call it.
async fn lambda_url(c: &Clients, l: &mut Listed) {
    let r = aws_sdk_lambda::Client::new(&c.sdk)
        .get_function_url_config()
        .function_name(&l.arn)
        .send()
        .await;
    match r {
        Ok(o) => {
            l.function_url = Some(FunctionUrl {
                url: o.function_url().to_string(),
                auth_type: o.auth_type().as_str().to_string(),
            });
            l.function_url_read = true;
        }
        Err(e) if e.code() == Some("ResourceNotFoundException") => l.function_url_read = true,
        Err(e) => l.notes.push(format!(
            "cannot read the function URL configuration: {}",
            aws::describe(&e, c.p())
        )),
    }
}

async fn secrets_list(c: &Clients) -> Listing {
    const T: &str = "AWS::SecretsManager::Secret";
    let sm = aws_sdk_secretsmanager::Client::new(&c.sdk);
    pages!(sm.list_secrets(), c, |page| page
        .secret_list()
        .iter()
        .filter_map(|s| s.arn())
        .map(|a| c.entry(T, a.to_string())))
}

async fn secrets_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let o = aws_sdk_secretsmanager::Client::new(&c.sdk)
        .get_resource_policy()
        .secret_id(&l.arn)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.resource_policy().map(str::to_string))
}

async fn ecr_list(c: &Clients) -> Listing {
    const T: &str = "AWS::ECR::Repository";
    let ecr = aws_sdk_ecr::Client::new(&c.sdk);
    pages!(ecr.describe_repositories(), c, |page| page
        .repositories()
        .iter()
        .filter_map(|r| r.repository_arn())
        .map(|a| c.entry(T, a.to_string())))
}

async fn ecr_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    // The repository's name is what follows `repository/` in its ARN.
    let name = l.arn.split_once(":repository/").map_or("", |(_, n)| n);
    let o = aws_sdk_ecr::Client::new(&c.sdk)
        .get_repository_policy()
        .repository_name(name)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.policy_text().map(str::to_string))
}

async fn efs_list(c: &Clients) -> Listing {
    const T: &str = "AWS::EFS::FileSystem";
    let efs = aws_sdk_efs::Client::new(&c.sdk);
    pages!(efs.describe_file_systems(), c, |page| page
        .file_systems()
        .iter()
        .map(|f| c.entry(
            T,
            f.file_system_arn()
                .unwrap_or(f.file_system_id())
                .to_string()
        )))
}

async fn efs_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    // DescribeFileSystemPolicy takes the id, the ARN's last part.
    let id = l.arn.rsplit('/').next().unwrap_or(&l.arn);
    let o = aws_sdk_efs::Client::new(&c.sdk)
        .describe_file_system_policy()
        .file_system_id(id)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.policy().map(str::to_string))
}

async fn dynamodb_list(c: &Clients) -> Listing {
    const T: &str = "AWS::DynamoDB::Table";
    let ddb = aws_sdk_dynamodb::Client::new(&c.sdk);
    // Listed by name; the policy read gives the ARN.
    pages!(ddb.list_tables(), c, |page| page
        .table_names()
        .iter()
        .map(|n| c.entry(T, format!("table/{n} in {}", c.region))))
}

async fn dynamodb_policy(c: &Clients, l: &mut Listed) -> PolicyRead {
    let ddb = aws_sdk_dynamodb::Client::new(&c.sdk);
    // GetResourcePolicy takes the table's ARN, which ListTables does not give.
    let name = l
        .arn
        .strip_prefix("table/")
        .and_then(|n| n.split_once(" in "))
        .map_or("", |(n, _)| n);
    let o = ddb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    if let Some(arn) = o.table().and_then(|t| t.table_arn()) {
        l.arn = arn.to_string();
    }
    let o = ddb
        .get_resource_policy()
        .resource_arn(&l.arn)
        .send()
        .await
        .map_err(|e| fail(&e, c.p()))?;
    Ok(o.policy().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_url_read_is_a_known_key_and_a_failed_read_is_not() {
        let mut l = entry(
            "arn:aws:lambda:us-east-1:111122223333:function:f".into(),
            "AWS::Lambda::Function",
            "us-east-1",
            Ok(None),
        );
        // GetFunctionUrlConfig failed: unknown.
        assert!(l.known().is_empty());
        // It answered that there is no URL: the key is absent from every request.
        l.function_url_read = true;
        let k = l.known();
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].key, "lambda:FunctionUrlAuthType");
        assert_eq!(k[0].value, None);
        l.function_url = Some(FunctionUrl {
            url: "https://x.lambda-url.us-east-1.on.aws".into(),
            auth_type: "AWS_IAM".into(),
        });
        assert_eq!(l.known()[0].value.as_deref(), Some("AWS_IAM"));
    }
}
