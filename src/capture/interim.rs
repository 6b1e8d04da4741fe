//! A stand-in for the router and record builder (`capture::route`, `capture::record`,
//! being written in parallel): the CloudTrail fields an exchange shows without the
//! service models — eventSource and awsRegion from the SigV4 scope, eventName from
//! `X-Amz-Target` or a query-protocol `Action`, errorCode, the identity — and no
//! requestParameters. The lead replaces [`to_record`] with
//! `record(&route(&request)?, &outcome, &who, time)`.

use std::hash::{BuildHasher, Hasher};

use serde_json::{Value, json};

use super::Exchange;
use super::who::Identity;

/// The CloudTrail record of an exchange, or `None` when it has no SigV4 scope.
pub fn to_record(x: &Exchange, who: &Identity) -> Option<Value> {
    let scope = x.scope()?;
    let time = x
        .start
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let header =
        |h: &hyper::HeaderMap, n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let name = header(&x.request_headers, "x-amz-target")
        .and_then(|t| t.rsplit('.').next().map(str::to_string))
        .or_else(|| action(x.query()))
        .or_else(|| {
            let form = header(&x.request_headers, "content-type")
                .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
            form.then(|| action(&String::from_utf8_lossy(&x.request_body)))
                .flatten()
        });
    let mut r = json!({
        "eventVersion": "1.08",
        "userIdentity": identity(who, &scope.access_key),
        "eventTime": crate::decode::record::format_time(time),
        "eventSource": format!("{}.amazonaws.com", scope.service),
        "eventName": name,
        "awsRegion": scope.region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": header(&x.request_headers, "user-agent"),
        "requestParameters": null,
        "responseElements": null,
        "requestID": header(&x.response_headers, "x-amzn-requestid")
            .or_else(|| header(&x.response_headers, "x-amz-request-id")),
        "eventID": event_id(),
        "eventType": "AwsApiCall",
        "recipientAccountId": who.account,
    });
    if let Some(code) = x.error_code() {
        r["errorCode"] = Value::String(code);
    } else if let Some(e) = &x.upstream_error {
        r["errorCode"] = Value::String("ConnectionError".into());
        r["errorMessage"] = Value::String(e.clone());
    }
    Some(r)
}

fn action(form: &str) -> Option<String> {
    form.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(|a| crate::percent::percent_decode(a, true))
}

/// `userIdentity` for an identity ARN.
fn identity(who: &Identity, access_key: &str) -> Value {
    let Some(arn) = &who.arn else {
        return json!({"type": "Unknown", "accountId": who.account, "accessKeyId": access_key});
    };
    let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
    let partition = arn.split(':').nth(1).unwrap_or("aws");
    if let Some(rest) = resource.strip_prefix("assumed-role/") {
        let role = rest.split('/').next().unwrap_or(rest);
        let role_arn = format!("arn:{partition}:iam::{}:role/{role}", who.account);
        return json!({
            "type": "AssumedRole",
            "arn": arn,
            "accountId": who.account,
            "accessKeyId": access_key,
            "sessionContext": {"sessionIssuer": {
                "type": "Role", "arn": role_arn, "accountId": who.account, "userName": role
            }}
        });
    }
    let kind = if resource == "root" {
        "Root"
    } else if resource.starts_with("user/") {
        "IAMUser"
    } else if resource.starts_with("federated-user/") {
        "FederatedUser"
    } else {
        "Unknown"
    };
    let mut v =
        json!({"type": kind, "arn": arn, "accountId": who.account, "accessKeyId": access_key});
    if kind == "IAMUser" {
        v["userName"] = Value::String(resource.rsplit('/').next().unwrap_or("").to_string());
    }
    v
}

/// A random (version 4) UUID.
fn event_id() -> String {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
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
