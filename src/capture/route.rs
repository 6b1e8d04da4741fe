//! Which AWS API call a raw HTTP request is.
//!
//! - Service and region come from the SigV4 credential scope (`Authorization:
//!   AWS4-HMAC-SHA256 Credential=AKID/20261204/us-east-1/s3/aws4_request, …`, or a presigned
//!   URL's `X-Amz-Credential`), so custom endpoints (moto, LocalStack, `AWS_ENDPOINT_URL`)
//!   route as well as real hosts. Only the access key id is kept: never the signature or
//!   the session token.
//! - The operation comes from the protocol: `X-Amz-Target` (json), the `Action` parameter
//!   (query, ec2, and the older SQS), the `/service/S/operation/Op` path (Smithy RPC v2
//!   CBOR, whose body is not decoded), or the method and the most specific URI template of
//!   the service models (rest-json, rest-xml). S3's virtual-hosted requests
//!   (`bucket.s3.amazonaws.com/key`) are routed as their path-style form.
//! - The parameters are named as CloudTrail names them in `requestParameters`: the member
//!   name with its first letter lower-cased (S3: `bucketName`, `key`, `Host` and the wire
//!   names of query parameters and `x-amz-*` headers); secret values are replaced by
//!   [`HIDDEN`].

use serde_json::{Map, Value};

use super::table::{self, Location, Operation, Protocol, Segment, Service, UriTemplate};
use super::wire::{self, cloudtrail_value, is_secret, lcfirst, pairs};
use crate::percent::percent_decode;

pub use super::wire::HIDDEN;

/// One HTTP request as the proxy saw it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// The `Host` header (a port is ignored).
    pub host: &'a str,
    /// The raw, percent-encoded path (`/my-bucket/a%20b.txt`). An absolute URI
    /// (`http://host/path`, a plain-HTTP proxy request) and a `?query` tail are accepted.
    pub path: &'a str,
    /// The raw query string without `?` (empty if none).
    pub query: &'a str,
    /// Headers in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body, or its first bytes (only form, JSON and XML bodies are read; an S3 object
    /// body never is).
    pub body: &'a [u8],
}

impl<'a> Request<'a> {
    /// The first header with this name (ASCII case ignored).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// An AWS API call: what a CloudTrail record says about the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The SDK's service name (`s3`, `s3control`, `dynamodb`).
    pub service: &'static str,
    /// The eventSource CloudTrail logs it under (`s3.amazonaws.com`).
    pub event_source: &'static str,
    /// The SigV4 signing name of the credential scope (`s3`).
    pub signing_name: String,
    /// The region of the credential scope (`us-east-1`).
    pub region: String,
    /// The access key id of the credential (never the secret, signature or token).
    pub access_key_id: String,
    /// The operation (`PutObject`): CloudTrail's eventName.
    pub operation: String,
    /// The protocol the request used (an SQS request may use query or json).
    pub protocol: Protocol,
    /// The request parameters as CloudTrail names them, secrets hidden.
    pub parameters: Map<String, Value>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// Whether the operation only reads (by its name: Get, List, Describe, Head, …).
    pub read_only: bool,
}

/// Why a request is not a routable AWS call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No SigV4 credential scope: not an AWS API call (or an unsigned one).
    #[error("not a SigV4-signed request (no Authorization credential, no X-Amz-Credential)")]
    NotSigned,
    /// The credential scope could not be read.
    #[error("malformed SigV4 credential scope `{0}`")]
    BadCredential(String),
    /// No service model signs with the scope's service.
    #[error("no AWS service model signs as `{0}`")]
    UnknownService(String),
    /// The service is known but no operation matches the request.
    #[error("no `{service}` operation matches {method} {path}")]
    UnknownOperation {
        /// The signing name.
        service: String,
        /// HTTP method.
        method: String,
        /// The request's path.
        path: String,
    },
}

/// The credential scope's parts.
pub(crate) struct Scope {
    pub(crate) access_key_id: String,
    pub(crate) region: String,
    pub(crate) service: String,
}

/// Routes one request to its AWS call.
pub fn route(req: &Request<'_>) -> Result<Call, RouteError> {
    let (host, path, query) = split_target(req);
    let host = host_name(host);
    let query_pairs = pairs(query);
    let scope = scope(req, &query_pairs)?;
    let mut candidates: Vec<&'static Service> = table::by_signing_name(&scope.service).collect();
    if candidates.is_empty() {
        candidates = table::services()
            .iter()
            .filter(|s| s.endpoint_prefix.eq_ignore_ascii_case(&scope.service))
            .collect();
    }
    if candidates.is_empty() {
        return Err(RouteError::UnknownService(scope.service));
    }
    // Services whose endpoint the host names come first (real hosts; a custom endpoint
    // names none), then the service named as it signs (`rds` before `docdb`).
    candidates.sort_by_key(|s| (!host_names(&host, s), s.name != scope.service));
    let unknown = || RouteError::UnknownOperation {
        service: scope.service.clone(),
        method: req.method.to_owned(),
        path: path.to_owned(),
    };

    let form = is_form(req);
    let (service, op_name, protocol, parameters) = if let Some(target) = req.header("x-amz-target")
    {
        let (prefix, name) = target.rsplit_once('.').unwrap_or(("", target));
        let svc = candidates
            .iter()
            .find(|s| s.target_prefix.eq_ignore_ascii_case(prefix))
            .or_else(|| candidates.iter().find(|s| s.operation(name).is_some()))
            .copied()
            .ok_or_else(unknown)?;
        let op = svc.operation(name);
        let params = json_body(op, req.body);
        (svc, name.to_owned(), Protocol::Json, params)
    } else if let Some(name) = cbor_operation(req, path) {
        // Smithy RPC v2 CBOR (newer SDKs for some services): the operation is in the path;
        // the CBOR body is not decoded, so the call has no parameters.
        let svc = candidates
            .iter()
            .find(|s| s.operation(name).is_some())
            .copied()
            .ok_or_else(unknown)?;
        (svc, name.to_owned(), Protocol::Cbor, Map::new())
    } else if let Some(action) = form_action(req, form, &query_pairs, &candidates) {
        let (action, version, params) = action;
        let svc = candidates
            .iter()
            .max_by_key(|s| {
                (
                    s.operation(&action).is_some(),
                    version.as_deref() == Some(s.api_version),
                    matches!(s.protocol, Protocol::Query | Protocol::Ec2),
                    std::cmp::Reverse(candidates.iter().position(|c| c.name == s.name)),
                )
            })
            .copied()
            .ok_or_else(unknown)?;
        let op = svc.operation(&action);
        let protocol = match svc.protocol {
            Protocol::Ec2 => Protocol::Ec2,
            _ => Protocol::Query,
        };
        let mut params = wire::unflatten(op, &params);
        if svc.signing_name == "sqs" && !params.contains_key("queueUrl") {
            // The older SQS clients post to the queue's own URL instead of naming it.
            let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            if segs.len() == 2 {
                params.insert("queueUrl".into(), format!("https://{host}{path}").into());
            }
        }
        (svc, action, protocol, params)
    } else {
        let (svc, op, labels) =
            match_rest(&candidates, req, &host, path, &query_pairs).ok_or_else(unknown)?;
        let params = rest_params(svc, op, req, &host, &labels, &query_pairs);
        (svc, op.name.to_owned(), svc.protocol, params)
    };
    Ok(Call {
        service: service.name,
        event_source: service.event_source,
        signing_name: scope.service,
        region: scope.region,
        access_key_id: scope.access_key_id,
        read_only: read_only(&op_name),
        operation: op_name,
        protocol,
        parameters,
        user_agent: req.header("user-agent").map(str::to_owned),
    })
}

/// Host, path and query of the request, whether the proxy gave an absolute URI or a path
/// with its query attached.
fn split_target<'a>(req: &Request<'a>) -> (&'a str, &'a str, &'a str) {
    let mut host = req.host;
    let mut path = req.path;
    for scheme in ["http://", "https://"] {
        if let Some(rest) = path.strip_prefix(scheme) {
            let end = rest.find('/').unwrap_or(rest.len());
            if host.is_empty() {
                host = &rest[..end];
            }
            path = &rest[end..];
        }
    }
    let (path, query) = match path.split_once('?') {
        Some((p, q)) if req.query.is_empty() => (p, q),
        Some((p, _)) => (p, req.query),
        None => (path, req.query),
    };
    (host, if path.is_empty() { "/" } else { path }, query)
}

/// The host without its port, lower-cased.
fn host_name(host: &str) -> String {
    let h = match host.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(']') || host.starts_with('[') => {
            if port.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        }
        _ => host,
    };
    h.to_ascii_lowercase()
}

/// Whether the host is one of the service's endpoints (`sqs.us-east-1.amazonaws.com`,
/// `123456789012.s3-control.us-east-1.amazonaws.com`).
fn host_names(host: &str, s: &Service) -> bool {
    let ep = s.endpoint_prefix;
    host.strip_prefix(ep).is_some_and(|r| r.starts_with('.')) || host.contains(&format!(".{ep}."))
}

/// The credential scope from the `Authorization` header or a presigned URL.
pub(crate) fn scope(req: &Request<'_>, query: &[(String, String)]) -> Result<Scope, RouteError> {
    let credential = if let Some(auth) = req.header("authorization") {
        let Some(at) = auth.find("Credential=") else {
            return Err(RouteError::NotSigned);
        };
        let rest = &auth[at + "Credential=".len()..];
        rest.split([',', ' ']).next().unwrap_or_default().to_owned()
    } else if let Some((_, c)) = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("X-Amz-Credential"))
    {
        c.clone()
    } else {
        return Err(RouteError::NotSigned);
    };
    let parts: Vec<&str> = credential.split('/').collect();
    let bad = || RouteError::BadCredential(redact(&credential));
    let (akid, region, service) = match parts.as_slice() {
        [akid, _date, region, service, "aws4_request"] => (*akid, region.to_string(), *service),
        // SigV4a: no region in the scope; the region set travels in its own header.
        [akid, _date, service, "aws4_request"] => {
            let set = req.header("x-amz-region-set").unwrap_or("*");
            (
                *akid,
                set.split(',').next().unwrap_or("*").to_owned(),
                *service,
            )
        }
        _ => return Err(bad()),
    };
    if akid.is_empty() || service.is_empty() || region.is_empty() {
        return Err(bad());
    }
    Ok(Scope {
        access_key_id: akid.to_owned(),
        region,
        service: service.to_owned(),
    })
}

/// A credential scope for an error message: the access key id is cut to its prefix.
fn redact(credential: &str) -> String {
    match credential.split_once('/') {
        Some((akid, rest)) => format!("{}…/{rest}", akid.get(..4).unwrap_or("")),
        None => "…".into(),
    }
}

fn is_form(req: &Request<'_>) -> bool {
    req.header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"))
}

/// The operation of a Smithy RPC v2 CBOR request (`/service/S/operation/Op` with
/// `smithy-protocol: rpc-v2-cbor`).
fn cbor_operation<'a>(req: &Request<'_>, path: &'a str) -> Option<&'a str> {
    if !req
        .header("smithy-protocol")
        .is_some_and(|p| p.eq_ignore_ascii_case("rpc-v2-cbor"))
    {
        return None;
    }
    let rest = path.strip_prefix("/service/")?;
    let (_, op) = rest.split_once("/operation/")?;
    (!op.is_empty() && !op.contains('/')).then_some(op)
}

/// The query protocols' `Action`, `Version` and other parameters (from a form body and
/// the query string), if the request names an Action.
#[allow(clippy::type_complexity)]
fn form_action(
    req: &Request<'_>,
    form: bool,
    query: &[(String, String)],
    candidates: &[&Service],
) -> Option<(String, Option<String>, Vec<(String, String)>)> {
    // REST services have no Action parameter: a query parameter of that name is data.
    if candidates.iter().all(|s| s.protocol.is_rest()) {
        return None;
    }
    let mut all: Vec<(String, String)> = query.to_vec();
    if form {
        all.extend(pairs(&String::from_utf8_lossy(req.body)));
    }
    let action = all.iter().find(|(k, _)| k == "Action")?.1.clone();
    if action.is_empty() {
        return None;
    }
    let version = all
        .iter()
        .find(|(k, _)| k == "Version")
        .map(|p| p.1.clone());
    all.retain(|(k, _)| {
        k != "Action" && k != "Version" && !k.to_ascii_lowercase().starts_with("x-amz-")
    });
    Some((action, version, all))
}

/// A JSON protocol body's members.
fn json_body(op: Option<&Operation>, body: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => match cloudtrail_value(op, "", rename_body(op, v)) {
            Value::Object(m) => m,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}

/// Body members sent under another wire name get their member name back.
fn rename_body(op: Option<&Operation>, v: Value) -> Value {
    let (Some(op), Value::Object(m)) = (op, &v) else {
        return v;
    };
    if !op.members.iter().any(|x| x.location == Location::Body) {
        return v;
    }
    let mut out = Map::new();
    for (k, val) in m {
        let name = op
            .members
            .iter()
            .find(|x| x.location == Location::Body && x.wire == k)
            .map_or(k.as_str(), |x| x.name);
        out.insert(name.to_owned(), val.clone());
    }
    Value::Object(out)
}

/// The most specific REST operation matching the request, with its URI label values.
#[allow(clippy::type_complexity)]
fn match_rest(
    candidates: &[&'static Service],
    req: &Request<'_>,
    host: &str,
    path: &str,
    query: &[(String, String)],
) -> Option<(
    &'static Service,
    &'static Operation,
    Vec<(&'static str, String)>,
)> {
    let mut best: Option<(
        (usize, usize, usize, usize),
        usize,
        &Service,
        &Operation,
        Vec<_>,
    )> = None;
    for (rank, svc) in candidates.iter().enumerate() {
        if !svc.protocol.is_rest() {
            continue;
        }
        let path = match (svc.name, s3_bucket(host)) {
            ("s3", Some(bucket)) => format!("/{bucket}{path}"),
            _ => path.to_owned(),
        };
        for op in svc.operations() {
            if !op.method.eq_ignore_ascii_case(req.method) {
                continue;
            }
            let Some((labels, literals, greedy)) = match_path(&op.uri, &path) else {
                continue;
            };
            let Some((query_literals, required)) = match_query(op, query, req) else {
                continue;
            };
            let score = (literals, query_literals, required, usize::from(!greedy));
            let better = match &best {
                None => true,
                Some((s, r, ..)) => score > *s || (score == *s && rank < *r),
            };
            if better {
                best = Some((score, rank, svc, op, labels));
            }
        }
    }
    best.map(|(_, _, s, o, l)| (s, o, l))
}

/// The bucket of a virtual-hosted S3 request (`my-bucket.s3.us-east-1.amazonaws.com`,
/// `my-bucket.s3-us-west-2.amazonaws.com`, `my-bucket.localhost`), if the host names one.
fn s3_bucket(host: &str) -> Option<String> {
    if let Some(b) = host.strip_suffix(".localhost") {
        return (!b.is_empty()).then(|| b.to_owned());
    }
    if !(host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let i = labels.iter().position(|l| {
        *l == "s3"
            || (l.starts_with("s3-")
                && !matches!(
                    *l,
                    "s3-control" | "s3-accesspoint" | "s3-outposts" | "s3-object-lambda"
                ))
    })?;
    (i > 0).then(|| labels[..i].join("."))
}

/// Matches a path against a template: label values (decoded), the number of literal
/// segments, and whether a greedy label matched. A trailing slash after the last segment
/// names the same resource (`/bucket/`).
#[allow(clippy::type_complexity)]
fn match_path(t: &UriTemplate, path: &str) -> Option<(Vec<(&'static str, String)>, usize, bool)> {
    let mut rest = path.strip_prefix('/').unwrap_or(path);
    let mut labels = Vec::new();
    let (mut literals, mut greedy) = (0, false);
    for seg in &t.segments {
        if let Segment::Label {
            prefix,
            name,
            suffix,
            greedy: true,
        } = seg
        {
            let v = rest.strip_prefix(prefix)?.strip_suffix(suffix)?;
            if v.is_empty() {
                return None;
            }
            labels.push((*name, percent_decode(v, false)));
            rest = "";
            greedy = true;
            continue;
        }
        if rest.is_empty() {
            return None;
        }
        let (raw, after) = rest.split_once('/').unwrap_or((rest, ""));
        rest = after;
        match seg {
            Segment::Literal(l) => {
                if percent_decode(raw, false) != *l {
                    return None;
                }
                literals += 1;
            }
            Segment::Label {
                prefix,
                name,
                suffix,
                ..
            } => {
                let v = raw.strip_prefix(prefix)?.strip_suffix(suffix)?;
                if v.is_empty() {
                    return None;
                }
                labels.push((*name, percent_decode(v, false)));
            }
        }
    }
    rest.is_empty().then_some((labels, literals, greedy))
}

/// Checks the template's query literals and the operation's required query and header
/// members against the request (CopyObject is PutObject's method and template plus a
/// required `x-amz-copy-source`): how many literals and required members it carries, or
/// `None` if one is missing or different. (`x-id`, which some SDKs add and others do not,
/// only has to agree when present.)
fn match_query(
    op: &Operation,
    query: &[(String, String)],
    headers: &Request<'_>,
) -> Option<(usize, usize)> {
    let get = |k: &str| query.iter().find(|(n, _)| n.eq_ignore_ascii_case(k));
    let mut literals = 0;
    for (k, v) in &op.uri.query {
        match (get(k), v) {
            (Some((_, got)), Some(want)) if got != want => return None,
            (Some(_), _) => literals += 1,
            (None, _) if *k == "x-id" => {}
            (None, _) => return None,
        }
    }
    let mut required = 0;
    for m in op.members.iter().filter(|m| m.required) {
        match m.location {
            Location::Query => {
                get(m.wire)?;
            }
            Location::Header => {
                headers.header(m.wire)?;
            }
            _ => continue,
        }
        required += 1;
    }
    Some((literals, required))
}

/// The parameters of a REST request: URI labels, query, headers, body.
fn rest_params(
    svc: &Service,
    op: &Operation,
    req: &Request<'_>,
    host: &str,
    labels: &[(&'static str, String)],
    query: &[(String, String)],
) -> Map<String, Value> {
    // S3 (and S3 Control) requests are written with S3's own names: bucketName, key,
    // Host, and the wire names of query parameters and x-amz-* headers.
    let s3 = svc.signing_name == "s3";
    let mut out = Map::new();
    let put = |out: &mut Map<String, Value>, member: &str, key: String, v: Value| {
        let v = if is_secret(Some(op), member) {
            Value::String(HIDDEN.into())
        } else {
            v
        };
        out.insert(key, v);
    };
    for (label, value) in labels {
        let member = op
            .members
            .iter()
            .find(|m| m.location == Location::Uri && m.wire.eq_ignore_ascii_case(label))
            .map_or(*label, |m| m.name);
        let key = match (s3, *label) {
            (true, "Bucket") => "bucketName".to_owned(),
            (true, "Key") => "key".to_owned(),
            (true, l) => l.to_owned(),
            (false, _) => lcfirst(member),
        };
        put(&mut out, member, key, value.clone().into());
    }
    if s3 {
        out.insert("Host".into(), host.to_owned().into());
    }
    for (k, v) in query {
        if k.to_ascii_lowercase().starts_with("x-amz-") || k == "x-id" {
            continue;
        }
        let member = op
            .members
            .iter()
            .find(|m| m.location == Location::Query && m.wire.eq_ignore_ascii_case(k))
            .map_or(k.as_str(), |m| m.name);
        let key = if s3 { k.clone() } else { lcfirst(member) };
        put(&mut out, member, key, v.clone().into());
    }
    for m in &op.members {
        match m.location {
            Location::Header => {
                let Some(v) = req.header(m.wire) else {
                    continue;
                };
                if s3 && !m.wire.to_ascii_lowercase().starts_with("x-amz-") {
                    continue;
                }
                let key = if s3 {
                    m.wire.to_ascii_lowercase()
                } else {
                    lcfirst(m.name)
                };
                put(&mut out, m.name, key, v.to_owned().into());
            }
            Location::HeaderPrefix => {
                let prefix = m.wire.to_ascii_lowercase();
                let found: Map<String, Value> = req
                    .headers
                    .iter()
                    .filter_map(|(k, v)| {
                        let k = k.to_ascii_lowercase();
                        let key = k.strip_prefix(&prefix)?;
                        Some((key.to_owned(), Value::String((*v).to_owned())))
                    })
                    .collect();
                if !found.is_empty() {
                    put(&mut out, m.name, lcfirst(m.name), Value::Object(found));
                }
            }
            _ => {}
        }
    }
    let payload = op
        .members
        .iter()
        .find(|m| matches!(m.location, Location::Payload | Location::Blob));
    let text = std::str::from_utf8(req.body).unwrap_or("");
    match (svc.protocol, payload) {
        // A blob payload (an object's bytes, a function's invocation) is never read.
        (_, Some(p)) if p.location == Location::Blob || is_secret(Some(op), p.name) => {}
        (Protocol::RestXml, Some(p)) => {
            if let Some((root, v)) = wire::xml(text) {
                let key = if s3 { root } else { lcfirst(p.name) };
                out.insert(key, v);
            }
        }
        (Protocol::RestXml, None) => {
            if let Some((_, Value::Object(m))) = wire::xml(text) {
                for (k, v) in m {
                    let v = cloudtrail_value(Some(op), &k, v);
                    put(&mut out, &k, lcfirst(&k), v);
                }
            }
        }
        (_, Some(p)) => {
            if let Ok(v @ Value::Object(_)) = serde_json::from_slice::<Value>(req.body) {
                put(
                    &mut out,
                    p.name,
                    lcfirst(p.name),
                    cloudtrail_value(Some(op), p.name, v),
                );
            }
        }
        (_, None) => out.extend(json_body(Some(op), req.body)),
    }
    out
}

/// Whether an operation only reads, by its name.
fn read_only(op: &str) -> bool {
    [
        "Get", "List", "Describe", "Head", "BatchGet", "Lookup", "Search", "Scan", "Query",
    ]
    .iter()
    .any(|p| {
        op.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with(|c: char| c.is_ascii_uppercase()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates_by_literals_labels_and_greedy_tails() {
        let t = UriTemplate::parse("/{Bucket}/{Key+}");
        let (labels, lits, greedy) = match_path(&t, "/b/dir/a%20b%E2%82%AC.txt").unwrap();
        assert_eq!(
            labels,
            vec![("Bucket", "b".into()), ("Key", "dir/a b€.txt".into())]
        );
        assert_eq!((lits, greedy), (0, true));
        assert!(match_path(&t, "/b").is_none());
        assert!(match_path(&t, "/b/").is_none());
        let t = UriTemplate::parse("/{Bucket}");
        assert!(match_path(&t, "/b").is_some());
        assert!(match_path(&t, "/b/").is_some());
        assert!(match_path(&t, "/b/k").is_none());
        let t = UriTemplate::parse("/2015-03-31/functions/{FunctionName}/invocations");
        assert_eq!(
            match_path(&t, "/2015-03-31/functions/f/invocations")
                .unwrap()
                .1,
            3
        );
        assert!(match_path(&t, "/2015-03-31/functions/f").is_none());
        let t = UriTemplate::parse("/");
        assert!(match_path(&t, "/").is_some());
        assert!(match_path(&t, "/b").is_none());
    }

    #[test]
    fn hosts_lose_ports_and_name_virtual_buckets() {
        assert_eq!(host_name("LocalHost:5000"), "localhost");
        assert_eq!(host_name("[::1]:443"), "[::1]");
        assert_eq!(
            s3_bucket("my.bucket.s3.us-east-1.amazonaws.com").as_deref(),
            Some("my.bucket")
        );
        assert_eq!(
            s3_bucket("b.s3-us-west-2.amazonaws.com").as_deref(),
            Some("b")
        );
        assert_eq!(s3_bucket("s3.amazonaws.com"), None);
        assert_eq!(s3_bucket("123.s3-control.us-east-1.amazonaws.com"), None);
        assert_eq!(s3_bucket("localhost"), None);
    }

    #[test]
    fn read_only_follows_the_verb() {
        assert!(read_only("GetObject") && read_only("ListBuckets") && read_only("Query"));
        assert!(!read_only("PutObject") && !read_only("Getaway"));
    }
}
