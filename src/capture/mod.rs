//! Live capture: run a workload behind a local HTTP/HTTPS proxy and see every AWS call
//! it makes (`iamtrail capture -- CMD`), written as CloudTrail-shaped records that
//! `generate` and the loop read like any trail.
//!
//! One concern per file:
//! - [`ca`]: the per-run CA, in memory, and leaf certificates made per host;
//! - [`proxy`]: the proxy (plain forward proxying and `CONNECT` with TLS interception);
//! - [`tap`]: the body wrapper that streams a body through while keeping a capped copy;
//! - [`child`]: the workload's environment (proxy and CA variables) and its exit code;
//! - [`route`]: which AWS call a raw request is (service and region from the SigV4 scope,
//!   operation from the protocol, parameters named as CloudTrail names them), from
//!   [`table`], the routing data derived from the AWS SDK service models
//!   (`action-map/models/routes.tsv`);
//! - [`record`]: the CloudTrail record of a routed call and its outcome;
//! - [`exchange`]: one exchange through both;
//! - [`sink`]: recorders that write what the proxy saw;
//! - [`who`]: whose calls these are (`--principal`/`--account`, else the caller identity);
//! - [`session`]: one capture end to end (proxy up, workload run, records), the path
//!   `capture`, `loop` and `generate -- CMD` share.
//!
//! The socket code hands each finished AWS call to a [`Recorder`] as an [`Exchange`] on a
//! thread of its own, so routing and writing records never run on a connection's task and
//! are tested without sockets. Non-AWS traffic passes through unrecorded: a request is AWS
//! when it carries a SigV4 (or SigV2) `Authorization` header or a presigned
//! `X-Amz-Credential` query; which service and operation it is, the router decides.

pub mod ca;
pub mod child;
pub mod exchange;
pub mod proxy;
pub mod record;
pub mod route;
pub mod session;
pub mod sink;
pub mod table;
pub mod tap;
pub mod who;
mod wire;

pub use record::{Outcome, Who, record};
pub use route::{Call, HIDDEN, Request, RouteError, route};

use std::time::SystemTime;

use bytes::Bytes;
use hyper::{HeaderMap, Method};

/// Bytes of a request body kept for the recorder (the rest streams through uncopied).
pub const REQUEST_CAP: usize = 1 << 20;
/// Bytes of a response body kept for the recorder (enough for any error document).
pub const RESPONSE_CAP: usize = 64 << 10;

/// One AWS call as the proxy saw it: the request, the response, and when.
///
/// It holds the raw request headers, so the `Authorization` header and any session token:
/// whatever turns it into output must drop them ([`Exchange::summary`] does).
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Request method.
    pub method: Method,
    /// `http` or `https` (as the workload spoke to the proxy).
    pub scheme: &'static str,
    /// Host the workload addressed (no port, no brackets).
    pub host: String,
    /// Port the workload addressed.
    pub port: u16,
    /// Path and query, as sent.
    pub path_and_query: String,
    /// Request headers, as sent (hop-by-hop ones removed).
    pub request_headers: HeaderMap,
    /// The first [`REQUEST_CAP`] bytes of the request body.
    pub request_body: Bytes,
    /// Request body bytes seen in all (more than `request_body` when cut).
    pub request_body_len: u64,
    /// Response status (502 when the upstream could not be reached: see `upstream_error`).
    pub status: u16,
    /// Response headers.
    pub response_headers: HeaderMap,
    /// The first [`RESPONSE_CAP`] bytes of the response body.
    pub response_body: Bytes,
    /// Response body bytes seen in all.
    pub response_body_len: u64,
    /// Why no upstream response came (connection, TLS verification), if none did.
    pub upstream_error: Option<String>,
    /// When the request arrived.
    pub start: SystemTime,
    /// When the exchange ended (response body done, or the connection gone).
    pub end: SystemTime,
}

/// Receives every AWS exchange, in the order they end, on one thread of its own.
pub trait Recorder: Send + Sync + 'static {
    /// One finished exchange.
    fn exchange(&self, x: Exchange);
}

/// The SigV4 credential scope of a request: `AKID/date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Access key id (not a secret; CloudTrail logs it).
    pub access_key: String,
    /// Signing region (`us-east-1`; SigV4a may give `*`).
    pub region: String,
    /// Signing name (`s3`, `sqs`, `execute-api`…).
    pub service: String,
}

impl Exchange {
    /// The request body was longer than what was kept.
    pub fn request_body_cut(&self) -> bool {
        self.request_body_len > self.request_body.len() as u64
    }

    /// The response body was longer than what was kept.
    pub fn response_body_cut(&self) -> bool {
        self.response_body_len > self.response_body.len() as u64
    }

    /// The query string (without `?`), if any.
    pub fn query(&self) -> &str {
        self.path_and_query
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
    }

    /// The SigV4 credential scope, from the `Authorization` header or a presigned
    /// query's `X-Amz-Credential` (read by the router's own parser).
    pub fn scope(&self) -> Option<Scope> {
        let headers = exchange::header_pairs(&self.request_headers);
        let req = exchange::request_of(self, &headers, &[]);
        let s = route::scope(&req, &wire::pairs(self.query())).ok()?;
        Some(Scope {
            access_key: s.access_key_id,
            region: s.region,
            service: s.service,
        })
    }

    /// The error code of a failed call, as its record gives it ([`record::error_of`]).
    pub fn error_code(&self) -> Option<String> {
        let headers = exchange::header_pairs(&self.response_headers);
        record::error_of(&Outcome {
            status: self.status,
            headers: &headers,
            body: &self.response_body,
        })
        .map(|(code, _)| code)
    }

    /// The call was refused for want of permission (not for bad credentials).
    pub fn is_denied(&self) -> bool {
        self.error_code().is_some_and(|c| {
            matches!(
                c.as_str(),
                "AccessDenied"
                    | "AccessDeniedException"
                    | "UnauthorizedOperation"
                    | "AuthorizationError"
                    | "AuthorizationErrorException"
                    | "UnauthorizedAccess"
                    | "Forbidden"
            )
        })
    }

    /// What may be shown of the exchange: no header values that carry credentials, no
    /// signature or token in the query, no bodies (parameters may hold secrets).
    pub fn summary(&self) -> serde_json::Value {
        let headers = |h: &HeaderMap| {
            let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            names
                .into_iter()
                .map(|n| {
                    let v = if secret_header(n) {
                        "(hidden)".to_string()
                    } else {
                        h.get_all(n)
                            .iter()
                            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    (n.to_string(), serde_json::Value::String(v))
                })
                .collect::<serde_json::Map<_, _>>()
        };
        let scope = self.scope();
        serde_json::json!({
            "method": self.method.as_str(),
            "scheme": self.scheme,
            "host": self.host,
            "port": self.port,
            "path": redact_query(&self.path_and_query),
            "service": scope.as_ref().map(|s| s.service.clone()),
            "region": scope.as_ref().map(|s| s.region.clone()),
            "requestHeaders": headers(&self.request_headers),
            "requestBodyLen": self.request_body_len,
            "requestBodyKept": self.request_body.len(),
            "status": self.status,
            "errorCode": self.error_code(),
            "responseBodyLen": self.response_body_len,
            "upstreamError": self.upstream_error,
            "millis": self.end.duration_since(self.start).map(|d| d.as_millis() as u64).unwrap_or(0),
        })
    }
}

/// Headers whose values are credentials or tokens.
pub fn secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization"
            | "proxy-authorization"
            | "x-amz-security-token"
            | "cookie"
            | "set-cookie"
            | "x-amz-server-side-encryption-customer-key"
            | "x-amz-copy-source-server-side-encryption-customer-key"
    ) || n.contains("token")
        || n.contains("secret")
        || n.contains("password")
}

/// `path?query` with the values of signature, credential-bearing and token parameters
/// replaced.
pub fn redact_query(path_and_query: &str) -> String {
    let Some((path, q)) = path_and_query.split_once('?') else {
        return path_and_query.to_string();
    };
    let parts: Vec<String> = q
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if secret_param(k) => format!("{k}=(hidden)"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

fn secret_param(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k == "x-amz-signature"
        || k == "signature"
        || k.contains("token")
        || k.contains("secret")
        || k.contains("password")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(auth: Option<&str>, path: &str) -> Exchange {
        let mut h = HeaderMap::new();
        if let Some(a) = auth {
            h.insert("authorization", a.parse().unwrap());
        }
        h.insert(
            "x-amz-security-token",
            "FwoGZXIvYXdzEXAMPLE".parse().unwrap(),
        );
        let now = SystemTime::now();
        Exchange {
            method: Method::GET,
            scheme: "http",
            host: "127.0.0.1".into(),
            port: 5000,
            path_and_query: path.into(),
            request_headers: h,
            request_body: Bytes::new(),
            request_body_len: 0,
            status: 403,
            response_headers: HeaderMap::new(),
            response_body: Bytes::from_static(
                b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>no</Message></Error>",
            ),
            response_body_len: 80,
            upstream_error: None,
            start: now,
            end: now,
        }
    }

    #[test]
    fn scope_from_header_and_presigned_query() {
        let x = exchange(
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261120/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=abcd",
            ),
            "/",
        );
        let s = x.scope().unwrap();
        assert_eq!(
            (s.access_key.as_str(), s.region.as_str(), s.service.as_str()),
            ("AKIDEXAMPLE", "eu-west-1", "sqs")
        );
        let x = exchange(
            None,
            "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261120%2Fus-east-2%2Fs3%2Faws4_request&X-Amz-Signature=ff",
        );
        assert_eq!(x.scope().unwrap().region, "us-east-2");
        assert!(x.is_denied());
        assert_eq!(x.error_code().as_deref(), Some("AccessDenied"));
    }

    #[test]
    fn summary_shows_no_secret() {
        let x = exchange(
            Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20261120/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=deadbeef",
            ),
            "/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok&a=1",
        );
        let s = x.summary().to_string();
        assert!(
            !s.contains("deadbeef") && !s.contains("tok&") && !s.contains("FwoG"),
            "{s}"
        );
        assert!(s.contains("a=1"), "{s}");
    }

    #[test]
    fn error_codes_from_json_and_headers() {
        let mut x = exchange(None, "/");
        x.status = 400;
        x.response_body = Bytes::from_static(
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"no"}"#,
        );
        assert_eq!(x.error_code().as_deref(), Some("AccessDeniedException"));
        assert!(x.is_denied());
        x.response_headers.insert(
            "x-amzn-errortype",
            "ThrottlingException:http://internal".parse().unwrap(),
        );
        assert_eq!(x.error_code().as_deref(), Some("ThrottlingException"));
        assert!(!x.is_denied());
        x.status = 200;
        assert_eq!(x.error_code(), None);
    }
}
