//! From what the proxy saw to what a trail says: an [`Exchange`] routed ([`route`]) and
//! written as a CloudTrail record ([`record`]).

use serde_json::Value;

use super::who::Identity;
use super::{Exchange, Outcome, Request, RouteError, Who, record, route};

/// The CloudTrail record of one exchange, or why the router could not name its call.
pub fn to_record(x: &Exchange, who: &Identity) -> Result<Value, RouteError> {
    let headers = header_pairs(&x.request_headers);
    let call = route(&request_of(x, &headers, &x.request_body))?;
    let response_headers = header_pairs(&x.response_headers);
    let outcome = Outcome {
        status: x.status,
        headers: &response_headers,
        body: &x.response_body,
    };
    let who = Who {
        arn: who.arn.as_deref().unwrap_or(""),
        account_id: &who.account,
    };
    let mut r = record(&call, &outcome, &who, x.start);
    // No response at all: the call never reached AWS (connection, TLS verification).
    if let Some(e) = &x.upstream_error {
        r["errorCode"] = Value::String("ConnectionError".into());
        r["errorMessage"] = Value::String(e.clone());
    }
    Ok(r)
}

/// The router's view of an exchange's request, with its headers as [`header_pairs`] and
/// the `body` to read (the kept copy, or none when only the signature matters).
pub(crate) fn request_of<'a>(
    x: &'a Exchange,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
) -> Request<'a> {
    let (path, query) = x
        .path_and_query
        .split_once('?')
        .unwrap_or((&x.path_and_query, ""));
    Request {
        method: x.method.as_str(),
        host: &x.host,
        path,
        query,
        headers,
        body,
    }
}

/// Headers as (name, value) pairs; values that are not text are left out.
pub(crate) fn header_pairs(h: &hyper::HeaderMap) -> Vec<(&str, &str)> {
    h.iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)))
        .collect()
}
