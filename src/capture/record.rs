//! One captured call as a CloudTrail record: the fields iamtrail's decoder and mapper read
//! (and the ones a person reading the capture expects), in CloudTrail's shape.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::iam::arn::Arn;
use serde_json::{Map, Value, json};

use super::route::Call;
use super::wire;

/// The CloudTrail record version written (the one current trails carry).
pub const EVENT_VERSION: &str = "1.09";

/// The response to a captured request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Outcome<'a> {
    /// HTTP status; 2xx is success.
    pub status: u16,
    /// Response headers in any case (`x-amzn-ErrorType`, `x-amzn-RequestId`).
    pub headers: &'a [(&'a str, &'a str)],
    /// The response body, or its first bytes (a JSON or XML error document).
    pub body: &'a [u8],
}

impl<'a> Outcome<'a> {
    fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Who made the call: the workload's own identity (its caller identity, or what the user
/// said), never guessed from the request.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    /// The principal's ARN (`arn:aws:iam::111122223333:user/ci`,
    /// `arn:aws:sts::111122223333:assumed-role/deploy/session`).
    pub arn: &'a str,
    /// The account the call was made in (CloudTrail's recipientAccountId).
    pub account_id: &'a str,
}

/// One CloudTrail record for a captured call.
pub fn record(call: &Call, outcome: &Outcome<'_>, who: &Who<'_>, time: SystemTime) -> Value {
    let mut r = Map::new();
    r.insert("eventVersion".into(), EVENT_VERSION.into());
    r.insert(
        "userIdentity".into(),
        user_identity(who, &call.access_key_id),
    );
    r.insert("eventTime".into(), event_time(time).into());
    r.insert("eventSource".into(), call.event_source.into());
    r.insert("eventName".into(), call.operation.clone().into());
    r.insert("awsRegion".into(), call.region.clone().into());
    r.insert("sourceIPAddress".into(), "127.0.0.1".into());
    if let Some(ua) = &call.user_agent {
        r.insert("userAgent".into(), ua.clone().into());
    }
    if let Some((code, message)) = error_of(outcome) {
        r.insert("errorCode".into(), code.into());
        if let Some(m) = message {
            r.insert("errorMessage".into(), m.into());
        }
    }
    let params = if call.parameters.is_empty() {
        Value::Null
    } else {
        Value::Object(call.parameters.clone())
    };
    r.insert("requestParameters".into(), params);
    r.insert("responseElements".into(), Value::Null);
    if let Some(id) = outcome
        .header("x-amzn-requestid")
        .or_else(|| outcome.header("x-amz-request-id"))
    {
        r.insert("requestID".into(), id.into());
    }
    r.insert("eventID".into(), event_id().into());
    r.insert("readOnly".into(), call.read_only.into());
    r.insert("eventType".into(), "AwsApiCall".into());
    r.insert("recipientAccountId".into(), who.account_id.into());
    Value::Object(r)
}

/// `userIdentity` for an ARN, as CloudTrail writes it for that kind of principal.
fn user_identity(who: &Who<'_>, access_key_id: &str) -> Value {
    let mut id = Map::new();
    let (partition, resource) = match Arn::parse(who.arn) {
        Ok(a) => (a.partition(), a.resource()),
        Err(_) => ("aws", ""),
    };
    let (ty, name) = if resource == "root" {
        ("Root", None)
    } else if let Some(r) = resource.strip_prefix("user/") {
        ("IAMUser", r.rsplit('/').next())
    } else if let Some(r) = resource.strip_prefix("assumed-role/") {
        ("AssumedRole", r.split('/').next())
    } else if let Some(r) = resource.strip_prefix("federated-user/") {
        ("FederatedUser", Some(r))
    } else {
        ("Unknown", None)
    };
    id.insert("type".into(), ty.into());
    // Only `--account` given: the principal is unknown, and no `arn` is made up.
    if !who.arn.is_empty() {
        id.insert("arn".into(), who.arn.into());
    }
    id.insert("accountId".into(), who.account_id.into());
    if !access_key_id.is_empty() {
        id.insert("accessKeyId".into(), access_key_id.into());
    }
    match (ty, name) {
        ("IAMUser", Some(n)) => {
            id.insert("userName".into(), n.into());
        }
        ("AssumedRole", Some(role)) => {
            id.insert(
                "sessionContext".into(),
                json!({"sessionIssuer": {
                    "type": "Role",
                    "arn": format!("arn:{partition}:iam::{}:role/{role}", who.account_id),
                    "accountId": who.account_id,
                    "userName": role,
                }}),
            );
        }
        _ => {}
    }
    Value::Object(id)
}

/// The error of a failed call: `errorCode` and `errorMessage` from the `x-amzn-ErrorType`
/// header, a JSON error body (`__type`, `code`, `message`) or an XML one (`<Code>`,
/// `<Message>`); a bodiless 403 (a HEAD) is `AccessDenied`. `None` for a success (2xx,
/// except S3's 200 that carries an `<Error>` document).
pub fn error_of(outcome: &Outcome<'_>) -> Option<(String, Option<String>)> {
    let text = std::str::from_utf8(outcome.body).unwrap_or("");
    let xml = wire::xml(text);
    let success = (200..300).contains(&outcome.status);
    if success && xml.as_ref().is_none_or(|(root, _)| root != "Error") {
        return None;
    }
    // The query-compatible error code (SQS over json) is the one CloudTrail names.
    let query_code = outcome
        .header("x-amzn-query-error")
        .and_then(|v| v.split(';').next())
        .filter(|c| !c.is_empty());
    let header_code = outcome
        .header("x-amzn-errortype")
        .and_then(|v| v.split(':').next())
        .filter(|c| !c.is_empty());
    let (mut code, mut message) = (None, None);
    if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(outcome.body) {
        let field = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| m.get(*n).and_then(Value::as_str).map(str::to_owned))
        };
        code = field(&["__type", "code", "Code"])
            .map(|c| c.rsplit('#').next().unwrap_or(&c).to_owned());
        message = field(&["message", "Message", "errorMessage"]);
    } else if let Some((_, v)) = &xml {
        code = find(v, "Code");
        message = find(v, "Message");
    }
    // Smithy's JSON protocols: the `x-amzn-ErrorType` header names the error when present,
    // the body's `__type`/`code` otherwise.
    let code = query_code
        .or(header_code)
        .map(str::to_owned)
        .or(code)
        .unwrap_or_else(|| match outcome.status {
            403 => "AccessDenied".into(),
            404 => "NotFound".into(),
            s => format!("Http{s}"),
        });
    Some((code, message))
}

/// The first string value under `key` anywhere in `v`.
fn find(v: &Value, key: &str) -> Option<String> {
    match v {
        Value::Object(m) => m
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| m.values().find_map(|x| find(x, key))),
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

/// `2026-12-04T10:00:00Z`.
pub fn event_time(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    crate::decode::record::format_time(secs)
}

/// A fresh version-4 UUID. The bytes come from the standard library's randomly keyed
/// hasher (seeded from the OS per process) over a counter and the clock: unique per call,
/// which is what the decoder's eventID de-duplication needs.
pub fn event_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let state = std::collections::hash_map::RandomState::new();
    let word = |salt: u64| {
        let mut h = state.build_hasher();
        h.write_u64(salt);
        h.write_u64(n);
        h.write_u128(nanos);
        h.finish()
    };
    let (a, b) = (word(1), word(2));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times_are_cloudtrail_utc() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_342_400 + 13 * 3600 + 123);
        assert_eq!(event_time(t), "2026-12-04T13:02:03Z");
        assert_eq!(event_time(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn event_ids_are_fresh_v4_uuids() {
        let a = event_id();
        let b = event_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn errors_come_from_json_xml_and_headers() {
        let o = |status, headers, body| Outcome {
            status,
            headers,
            body,
        };
        assert_eq!(error_of(&o(200, &[], b"{}")), None);
        assert_eq!(
            error_of(&o(
                400,
                &[],
                br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
            )),
            Some((
                "ResourceNotFoundException".into(),
                Some("Requested resource not found".into())
            ))
        );
        assert_eq!(
            error_of(&o(
                403,
                &[],
                b"<?xml version=\"1.0\"?><ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not authorized</Message></Error></ErrorResponse>"
            )),
            Some((
                "AccessDenied".into(),
                Some("User: x is not authorized".into())
            ))
        );
        assert_eq!(
            error_of(&o(
                400,
                &[("X-Amzn-ErrorType", "AccessDeniedException:http://internal")],
                b""
            )),
            Some(("AccessDeniedException".into(), None))
        );
        assert_eq!(
            error_of(&o(
                400,
                &[(
                    "x-amzn-query-error",
                    "AWS.SimpleQueueService.NonExistentQueue;Sender"
                )],
                br#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"gone"}"#
            ))
            .unwrap()
            .0,
            "AWS.SimpleQueueService.NonExistentQueue"
        );
        assert_eq!(
            error_of(&o(403, &[], b"")),
            Some(("AccessDenied".into(), None))
        );
        // S3 can answer 200 and still fail (CompleteMultipartUpload).
        assert_eq!(
            error_of(&o(
                200,
                &[],
                b"<Error><Code>InternalError</Code><Message>m</Message></Error>"
            ))
            .unwrap()
            .0,
            "InternalError"
        );
    }
}
