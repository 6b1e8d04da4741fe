//! S3: read trails straight from the bucket CloudTrail writes to.
//!
//! `s3://bucket/[prefix]` inputs are listed with the pruning of [`layout`] (only the
//! accounts, regions and day folders the listing filter can use; digest folders never).
//! A tokio runtime lists (a few prefixes at once, handing objects out through a bounded
//! channel as pages arrive, so reading starts before listing ends) and downloads: the
//! ingest announces the next objects it will read ([`Source::prefetch`],
//! [`DEFAULT_CONCURRENCY`] ahead by default) and each is downloaded at once (at most
//! `concurrency` in flight, a semaphore); [`Source::fetch_into`] then waits for its
//! download. Memory is bounded by the objects announced, whatever the number of objects.
//!
//! Credentials, region and profile come from the standard AWS chain (environment
//! variables, `--profile` or `AWS_PROFILE` with SSO and assumed-role profiles, web
//! identity, container and instance credentials); `--bucket-region` sets the client's
//! region, `--endpoint-url` an S3-compatible server. Throttling, 5xx and transient
//! network errors are retried with exponential backoff and jitter (the SDK's standard
//! retry mode, [`MAX_ATTEMPTS`] attempts); an object that still fails is reported by its
//! `s3://` name as unreadable and the rest of the run goes on. Objects carry their ETag
//! as identity, which is what the ingest's per-object cache keys results by.

pub mod layout;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;

use crate::aws::AwsOptions;
use crate::source::{
    FetchError, Fetched, ListError, ListFilter, Listing, ObjectRef, Source, Stats,
};
use layout::{Prune, S3Url, Step};

/// Objects in flight by default (`--s3-concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 32;

/// Attempts per request (first try and retries) for throttling, 5xx and transient errors.
pub const MAX_ATTEMPTS: u32 = 6;

/// Attempts to read an object's body when the connection breaks mid-way (the SDK
/// retries requests, not bodies).
const BODY_ATTEMPTS: u32 = 3;

/// Listings in flight at once.
const LIST_CONCURRENCY: usize = 8;

/// Objects listed ahead of the readers (names and sizes only: a few hundred bytes each).
const LISTED_AHEAD: usize = 4096;

/// Whether an input names S3.
pub fn is_s3(input: &str) -> bool {
    input.starts_with("s3://")
}

/// How to reach S3.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// Named profile (else `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The client's region (else the standard chain, else `us-east-1`).
    pub bucket_region: Option<String>,
    /// An S3-compatible endpoint (also `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Path-style addressing (`http://host/bucket/key`); implied by an endpoint that is
    /// an IP address or `localhost`.
    pub path_style: bool,
    /// Objects in flight.
    pub concurrency: usize,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options {
            profile: None,
            bucket_region: None,
            endpoint_url: None,
            path_style: false,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

/// Why an S3 run could not be done (listing failed, no credentials, bad cache folder).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct S3Error(pub String);

/// An object the listing selected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Listed {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// ETag, as listed.
    pub etag: Option<String>,
}

impl Listed {
    /// How reports name it.
    pub fn name(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The object as sources hand objects out (named `s3://bucket/key`, ETag as
    /// identity).
    pub fn object(&self) -> ObjectRef {
        ObjectRef {
            name: self.name(),
            size: Some(self.size),
            identity: self.etag.clone(),
        }
    }
}

/// The bucket and key of an object named `s3://bucket/key`.
fn bucket_key(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix("s3://")?.split_once('/')
}

fn implies_path_style(endpoint: &str) -> bool {
    let host = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

/// The S3 client the options describe (standard credential and region chain, explicit
/// retry policy).
pub async fn client(opts: &S3Options) -> Client {
    let aws = AwsOptions {
        profile: opts.profile.clone(),
        endpoint_url: opts.endpoint_url.clone(),
        region: opts.bucket_region.clone(),
    };
    let sdk = crate::aws::load(&aws, MAX_ATTEMPTS).await;
    let b = aws_sdk_s3::config::Builder::from(&sdk);
    let path_style = opts.path_style
        || opts
            .endpoint_url
            .as_deref()
            .or(sdk.endpoint_url())
            .is_some_and(implies_path_style);
    Client::from_conf(b.force_path_style(path_style).build())
}

/// The `aws` partition of a region, for ARNs in messages.
fn partition(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "aws-cn",
        Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
        _ => "aws",
    }
}

/// What went wrong with a request, in pieces a message can be made of.
#[derive(Debug, Default)]
struct Failure {
    code: Option<String>,
    message: Option<String>,
    status: Option<u16>,
    /// `x-amz-bucket-region` of a redirect.
    bucket_region: Option<String>,
    /// The error chain, for anything not recognized.
    detail: String,
}

fn failure<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let raw = e.raw_response();
    Failure {
        code: e.as_service_error().and_then(|s| s.code()).map(Into::into),
        message: e
            .as_service_error()
            .and_then(|s| s.message())
            .map(Into::into),
        status: raw.map(|r| r.status().as_u16()),
        bucket_region: raw
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(Into::into),
        detail: crate::aws::chain(e),
    }
}

impl Failure {
    fn is(&self, code: &str, status: u16) -> bool {
        self.code.as_deref() == Some(code) || (self.code.is_none() && self.status == Some(status))
    }

    /// A hint for errors that are not about one object or prefix.
    fn general(&self, region: Option<&str>) -> Option<String> {
        if self.status.is_none()
            && let Some(m) = crate::aws::credentials_problem(&self.detail, None)
        {
            return Some(m);
        }
        if matches!(
            self.code.as_deref(),
            Some(
                "PermanentRedirect"
                    | "AuthorizationHeaderMalformed"
                    | "IllegalLocationConstraintException"
            )
        ) || self.status == Some(301)
        {
            let there = self
                .bucket_region
                .as_deref()
                .map_or("another region".to_string(), |r| format!("region {r}"));
            return Some(format!(
                "the bucket is in {there}, not {}: pass --bucket-region {}",
                region.unwrap_or("the client's region"),
                self.bucket_region.as_deref().unwrap_or("REGION")
            ));
        }
        if matches!(
            self.code.as_deref(),
            Some("InvalidAccessKeyId" | "SignatureDoesNotMatch" | "ExpiredToken" | "InvalidToken")
        ) {
            return Some(format!(
                "the credentials were refused ({}: {}); check the profile or access keys",
                self.code.as_deref().unwrap_or_default(),
                self.message.as_deref().unwrap_or_default()
            ));
        }
        if self.status.is_none() {
            return Some(format!("cannot reach S3: {}", self.detail));
        }
        None
    }

    fn code_and_message(&self) -> String {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            _ => self.detail.clone(),
        }
    }
}

/// The message for a listing that failed (the run stops).
fn list_message(f: &Failure, bucket: &str, prefix: &str, region: Option<&str>) -> String {
    let at = format!("s3://{bucket}/{prefix}");
    if let Some(g) = f.general(region) {
        return format!("cannot list {at}: {g}");
    }
    if f.is("AccessDenied", 403) {
        let p = partition(region);
        return format!(
            "access denied listing {at}: reading a trail needs s3:ListBucket on \
             arn:{p}:s3:::{bucket} (for this prefix), s3:GetObject on arn:{p}:s3:::{bucket}/{prefix}*, \
             and kms:Decrypt on the trail's KMS key if it uses SSE-KMS"
        );
    }
    if f.is("NoSuchBucket", 404) {
        return format!("cannot list {at}: there is no bucket named {bucket}");
    }
    format!("cannot list {at}: {}", f.code_and_message())
}

/// The message for an object that could not be read (reported, the run goes on).
fn get_message(f: &Failure, bucket: &str, key: &str, region: Option<&str>) -> String {
    if let Some(g) = f.general(region) {
        return g;
    }
    let p = partition(region);
    if f.is("AccessDenied", 403) {
        let m = f.message.as_deref().unwrap_or_default();
        if m.to_ascii_lowercase().contains("kms") {
            return format!(
                "access denied by KMS ({m}): reading an SSE-KMS trail needs kms:Decrypt on the trail's KMS key"
            );
        }
        return format!(
            "access denied: reading needs s3:GetObject on arn:{p}:s3:::{bucket}/{key} \
             (and kms:Decrypt on the trail's KMS key if the trail uses SSE-KMS)"
        );
    }
    if f.code.as_deref().is_some_and(|c| c.starts_with("KMS.")) {
        return format!(
            "KMS refused to decrypt ({}): reading an SSE-KMS trail needs kms:Decrypt on the trail's KMS key",
            f.code_and_message()
        );
    }
    if f.is("NoSuchKey", 404) {
        return "the object was deleted after it was listed (NoSuchKey)".into();
    }
    format!("cannot read: {}", f.code_and_message())
}

/// Counters of one run.
#[derive(Debug, Default)]
struct Counters {
    list_requests: AtomicU64,
    prefixes_listed: AtomicU64,
    objects_listed: AtomicU64,
    objects_downloaded: AtomicU64,
    bytes_downloaded: AtomicU64,
    objects_failed: AtomicU64,
}

impl Counters {
    fn bump(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    fn stats(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            list_requests: g(&self.list_requests),
            prefixes_listed: g(&self.prefixes_listed),
            objects_listed: g(&self.objects_listed),
            objects_downloaded: g(&self.objects_downloaded),
            bytes_downloaded: g(&self.bytes_downloaded),
            objects_failed: g(&self.objects_failed),
            ..Stats::default()
        }
    }
}

/// What the listing side of a run shares.
struct Lister {
    client: Client,
    region: Option<String>,
    tx: mpsc::Sender<Result<ObjectRef, ListError>>,
    counters: Arc<Counters>,
}

impl Lister {
    /// Runs one listing step: hands out the objects it selects and returns the steps
    /// that follow (none once the readers are gone).
    async fn list(&self, bucket: &str, step: Step, prune: &Prune) -> Result<Vec<Step>, S3Error> {
        Counters::bump(&self.counters.prefixes_listed, 1);
        let mut folders = Vec::new();
        let mut token: Option<String> = None;
        loop {
            Counters::bump(&self.counters.list_requests, 1);
            let page = page(
                &self.client,
                self.region.as_deref(),
                bucket,
                &step,
                token.take(),
            )
            .await?;
            folders.extend(page.folders);
            for o in page.objects {
                Counters::bump(&self.counters.objects_listed, 1);
                if self.tx.send(Ok(o.object())).await.is_err() {
                    return Ok(Vec::new());
                }
            }
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(step.next(&folders, prune))
    }
}

/// One page of a listing step.
struct Page {
    folders: Vec<String>,
    /// The objects the step reads.
    objects: Vec<Listed>,
    /// The continuation token, when there are more pages.
    next: Option<String>,
}

async fn page(
    client: &Client,
    region: Option<&str>,
    bucket: &str,
    step: &Step,
    token: Option<String>,
) -> Result<Page, S3Error> {
    let mut req = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(step.prefix());
    if step.delimited() {
        req = req.delimiter("/");
    }
    if let Some(t) = token {
        req = req.continuation_token(t);
    }
    let out = req
        .send()
        .await
        .map_err(|e| S3Error(list_message(&failure(&e), bucket, step.prefix(), region)))?;
    Ok(Page {
        folders: out
            .common_prefixes()
            .iter()
            .filter_map(|p| p.prefix().map(str::to_owned))
            .collect(),
        objects: out
            .contents()
            .iter()
            .filter_map(|o| {
                let key = o.key().filter(|k| step.reads(k))?;
                Some(Listed {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    size: o.size().unwrap_or(0).max(0) as u64,
                    etag: o.e_tag().map(str::to_owned),
                })
            })
            .collect(),
        next: match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => Some(t.to_owned()),
            _ => None,
        },
    })
}

/// Downloads one object: its bytes and ETag, or the message to report.
async fn get(
    client: &Client,
    bucket: &str,
    key: &str,
    region: Option<&str>,
) -> Result<(Vec<u8>, Option<String>), String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let out = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| get_message(&failure(&e), bucket, key, region))?;
        let etag = out.e_tag().map(str::to_owned);
        let len = out.content_length().unwrap_or(0).clamp(0, 1 << 30) as usize;
        let mut body = out.body;
        let mut buf = Vec::with_capacity(len);
        let broke = loop {
            match body.try_next().await {
                Ok(Some(chunk)) => buf.extend_from_slice(&chunk),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        match broke {
            None => return Ok((buf, etag)),
            Some(e) if attempt >= BODY_ATTEMPTS => {
                return Err(format!(
                    "the download broke off {attempt} times: {}",
                    crate::aws::chain(&e)
                ));
            }
            Some(_) => tokio::time::sleep(Duration::from_millis(200 << attempt)).await,
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, S3Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("iamtrail-s3")
        .enable_all()
        .build()
        .map_err(|e| S3Error(format!("cannot start the S3 runtime: {e}")))
}

/// A download started ahead of its reader: its bytes and ETag, or the message to report.
type Download = oneshot::Receiver<Result<(Vec<u8>, Option<String>), String>>;

/// Reads `s3://` inputs.
pub struct S3Source {
    rt: tokio::runtime::Runtime,
    client: Client,
    region: Option<String>,
    opts: S3Options,
    urls: Vec<S3Url>,
    counters: Arc<Counters>,
    /// Downloads in flight (at most `concurrency`).
    slots: Arc<Semaphore>,
    /// Downloads started by [`Source::prefetch`], by object name (in announcement order
    /// for a name listed twice).
    ahead: Mutex<HashMap<String, VecDeque<Download>>>,
}

impl S3Source {
    /// A source with its own runtime and a client from the options.
    pub fn new(opts: S3Options) -> Result<S3Source, S3Error> {
        if let Some(m) = crate::aws::undefined_profile(opts.profile.as_deref()) {
            return Err(S3Error(m));
        }
        let rt = runtime()?;
        let client = rt.block_on(client(&opts));
        Ok(S3Source::on(rt, client, opts))
    }

    /// A source reading with `client` (built by the caller, e.g. with explicit
    /// credentials); of the options, only the concurrency applies.
    pub fn with_client(client: Client, opts: S3Options) -> Result<S3Source, S3Error> {
        Ok(S3Source::on(runtime()?, client, opts))
    }

    fn on(rt: tokio::runtime::Runtime, client: Client, opts: S3Options) -> S3Source {
        let region = client.config().region().map(|r| r.to_string());
        S3Source {
            rt,
            client,
            region,
            slots: Arc::new(Semaphore::new(opts.concurrency.max(1))),
            opts,
            urls: Vec::new(),
            counters: Arc::default(),
            ahead: Mutex::default(),
        }
    }

    /// The source listing `urls` (what [`Source::list`] reads).
    pub fn reading(mut self, urls: Vec<S3Url>) -> S3Source {
        self.urls = urls;
        self
    }

    /// The client (for callers that need other S3 calls with the same configuration).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The runtime the client runs on.
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }

    /// Lists `urls` with the pruning `filter` allows, whole and sorted (what
    /// [`Source::list`] streams for the source's own URLs).
    pub fn list_urls(&self, urls: &[S3Url], filter: &ListFilter) -> Result<Vec<Listed>, S3Error> {
        let prune = Prune::new(filter);
        let mut out = std::collections::BTreeSet::new();
        for u in urls {
            let mut todo: VecDeque<Step> = layout::start(&u.prefix, &prune).into();
            while let Some(step) = todo.pop_front() {
                let (mut token, mut folders) = (None, Vec::new());
                loop {
                    let region = self.region.as_deref();
                    let p =
                        self.rt
                            .block_on(page(&self.client, region, &u.bucket, &step, token))?;
                    folders.extend(p.folders);
                    out.extend(p.objects);
                    match p.next {
                        Some(t) => token = Some(t),
                        None => break,
                    }
                }
                todo.extend(step.next(&folders, &prune));
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Starts downloading `name` (once a slot is free).
    fn start(&self, name: &str) -> Option<Download> {
        let (bucket, key) = bucket_key(name)?;
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let (tx, rx) = oneshot::channel();
        let (client, region) = (self.client.clone(), self.region.clone());
        let (slots, counters) = (Arc::clone(&self.slots), Arc::clone(&self.counters));
        self.rt.spawn(async move {
            let Ok(_slot) = slots.acquire_owned().await else {
                return;
            };
            let got = download(&client, &counters, &bucket, &key, region.as_deref()).await;
            // The receiver is gone only when the run is over.
            let _ = tx.send(got);
        });
        Some(rx)
    }
}

/// Downloads one object and counts it.
async fn download(
    client: &Client,
    counters: &Counters,
    bucket: &str,
    key: &str,
    region: Option<&str>,
) -> Result<(Vec<u8>, Option<String>), String> {
    let got = get(client, bucket, key, region).await;
    match &got {
        Ok((bytes, _)) => {
            Counters::bump(&counters.objects_downloaded, 1);
            Counters::bump(&counters.bytes_downloaded, bytes.len() as u64);
        }
        Err(_) => Counters::bump(&counters.objects_failed, 1),
    }
    got
}

impl Source for S3Source {
    fn list(&self, filter: &ListFilter) -> Result<Listing<'_>, ListError> {
        // Downloads announced by an earlier run that stopped early are not waited for.
        self.ahead.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let prune = Arc::new(Prune::new(filter));
        let starts: Vec<(Arc<str>, Step)> = self
            .urls
            .iter()
            .flat_map(|u| {
                let bucket: Arc<str> = u.bucket.as_str().into();
                layout::start(&u.prefix, &prune)
                    .into_iter()
                    .map(move |s| (Arc::clone(&bucket), s))
            })
            .collect();
        let (tx, mut rx) = mpsc::channel(LISTED_AHEAD);
        let lister = Arc::new(Lister {
            client: self.client.clone(),
            region: self.region.clone(),
            tx: tx.clone(),
            counters: Arc::clone(&self.counters),
        });
        let walking = self.rt.spawn(walk(lister, starts, prune));
        // The listing's end: an error is handed out after the objects listed before it.
        self.rt.spawn(async move {
            let failed = match walking.await {
                Ok(Ok(())) => return,
                Ok(Err(e)) => e.0,
                Err(e) => format!("the S3 listing stopped: {e}"),
            };
            let _ = tx.send(Err(ListError::Other(failed))).await;
        });
        Ok(Listing {
            objects: Box::new(std::iter::from_fn(move || rx.blocking_recv())),
            total: None,
        })
    }

    fn read_ahead(&self) -> usize {
        self.opts.concurrency.max(1)
    }

    fn prefetch(&self, obj: &ObjectRef) {
        if let Some(rx) = self.start(&obj.name) {
            self.ahead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(obj.name.clone())
                .or_default()
                .push_back(rx);
        }
    }

    fn fetch_into(&self, obj: &ObjectRef, buf: &mut Vec<u8>) -> Result<Fetched, FetchError> {
        let started = {
            let mut ahead = self.ahead.lock().unwrap_or_else(|e| e.into_inner());
            match ahead.get_mut(&obj.name) {
                Some(queue) => {
                    let rx = queue.pop_front();
                    if queue.is_empty() {
                        ahead.remove(&obj.name);
                    }
                    rx
                }
                None => None,
            }
        };
        let rx = match started.or_else(|| self.start(&obj.name)) {
            Some(rx) => rx,
            None => return Err(FetchError(format!("`{}` is not an s3:// object", obj.name))),
        };
        match rx.blocking_recv() {
            Ok(Ok((bytes, etag))) => {
                *buf = bytes;
                Ok(Fetched { identity: etag })
            }
            Ok(Err(message)) => Err(FetchError(message)),
            Err(_) => Err(FetchError("the S3 download stopped".into())),
        }
    }

    fn stats(&self) -> Option<Stats> {
        Some(self.counters.stats())
    }
}

/// Walks the listing steps, a few listings at a time.
async fn walk(
    lister: Arc<Lister>,
    starts: Vec<(Arc<str>, Step)>,
    prune: Arc<Prune>,
) -> Result<(), S3Error> {
    let mut todo: VecDeque<(Arc<str>, Step)> = starts.into();
    let mut running = JoinSet::new();
    loop {
        while running.len() < LIST_CONCURRENCY {
            let Some((bucket, step)) = todo.pop_front() else {
                break;
            };
            let (lister, prune) = (Arc::clone(&lister), Arc::clone(&prune));
            running.spawn(async move {
                let next = lister.list(&bucket, step, &prune).await?;
                Ok::<_, S3Error>((bucket, next))
            });
        }
        match running.join_next().await {
            None => return Ok(()),
            Some(Ok(Ok((bucket, next)))) => {
                todo.extend(next.into_iter().map(|s| (Arc::clone(&bucket), s)));
            }
            Some(Ok(Err(e))) => return Err(e),
            Some(Err(e)) => return Err(S3Error(format!("an S3 listing stopped: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_style_for_local_endpoints() {
        for yes in [
            "http://127.0.0.1:9000",
            "http://localhost:4566/",
            "https://[::1]:9000",
            "http://10.0.0.5",
        ] {
            assert!(implies_path_style(yes), "{yes}");
        }
        for no in [
            "https://s3.us-west-2.amazonaws.com",
            "https://minio.example.org:9000",
        ] {
            assert!(!implies_path_style(no), "{no}");
        }
    }

    fn f(code: &str, status: u16, message: &str) -> Failure {
        Failure {
            code: Some(code.into()),
            message: Some(message.into()),
            status: Some(status),
            bucket_region: None,
            detail: format!("service error: {code}"),
        }
    }

    #[test]
    fn messages_name_the_permission_needed() {
        let m = list_message(
            &f("AccessDenied", 403, "Access Denied"),
            "trail",
            "AWSLogs/",
            Some("us-east-1"),
        );
        assert!(m.contains("s3:ListBucket on arn:aws:s3:::trail"), "{m}");
        assert!(
            m.contains("s3:GetObject on arn:aws:s3:::trail/AWSLogs/*"),
            "{m}"
        );
        assert!(m.contains("kms:Decrypt"), "{m}");
        let m = get_message(
            &f("AccessDenied", 403, "Access Denied"),
            "trail",
            "k.json.gz",
            Some("cn-north-1"),
        );
        assert!(
            m.contains("s3:GetObject on arn:aws-cn:s3:::trail/k.json.gz"),
            "{m}"
        );
        let m = get_message(
            &f(
                "AccessDenied",
                403,
                "User: x is not authorized to perform: kms:Decrypt",
            ),
            "trail",
            "k",
            None,
        );
        assert!(
            m.contains("needs kms:Decrypt on the trail's KMS key"),
            "{m}"
        );
        let m = get_message(
            &f("NoSuchKey", 404, "The specified key does not exist."),
            "b",
            "k",
            None,
        );
        assert!(m.contains("deleted after it was listed"), "{m}");
        let m = list_message(&f("NoSuchBucket", 404, "nope"), "b", "", None);
        assert!(m.contains("no bucket named b"), "{m}");
        let mut redirect = f("PermanentRedirect", 301, "use the right endpoint");
        redirect.bucket_region = Some("eu-west-1".into());
        let m = list_message(&redirect, "b", "", Some("us-east-1"));
        assert!(m.contains("pass --bucket-region eu-west-1"), "{m}");
        let creds = Failure {
            detail: "dispatch failure: other: the credential provider was not enabled".into(),
            ..Failure::default()
        };
        let m = list_message(&creds, "b", "", None);
        assert!(
            m.contains("no usable AWS credentials") && m.contains("--profile"),
            "{m}"
        );
        let unreachable = Failure {
            detail: "dispatch failure: io error: Connection refused".into(),
            ..Failure::default()
        };
        assert!(list_message(&unreachable, "b", "", None).contains("cannot reach S3"));
    }
}
