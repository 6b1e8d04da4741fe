//! Encoded authorization failure messages (`Encoded authorization failure message:
//! <blob>`, EC2 and a few other services) and their decoded form.
//!
//! Decoding needs an AWS call (`sts:DecodeAuthorizationMessage`, allowed only to
//! principals with that permission), so it sits behind [`AuthorizationDecoder`]:
//! [`super::sts::StsDecoder`] calls STS (`loop` uses it, and `refine --decode`);
//! [`NotDecoded`], the offline default, reports what to run, and [`parse_decoded`]
//! reads what that command prints (`{"DecodedMessage": "…"}`, or the inner JSON), which
//! `refine --from` accepts.

use std::collections::BTreeMap;

/// Why an encoded authorization message was not decoded. Its text becomes the
/// denial's note, so it says what to run instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input holds only part of the message.
    #[error(
        "the encoded message was cut off in the input; find the full error and run `aws sts decode-authorization-message --encoded-message <message>`"
    )]
    CutOff,
    /// No decoder that calls AWS was configured.
    #[error(
        "not decoded: run `aws sts decode-authorization-message --encoded-message <message>` (needs sts:DecodeAuthorizationMessage) and pass its output to iamtrail"
    )]
    Offline,
    /// The AWS runtime could not start.
    #[error("cannot start the AWS runtime: {0}")]
    Runtime(String),
    /// `sts:DecodeAuthorizationMessage` failed; `.0` says why, as the SDK error describes it.
    #[error(
        "sts:DecodeAuthorizationMessage failed ({0}); the caller needs that permission, or run `aws sts decode-authorization-message` where it has it"
    )]
    Call(String),
    /// The call succeeded without a message, or with one that is not a decoded document.
    #[error("{0}")]
    Empty(&'static str),
}

/// Decodes an encoded authorization message into the JSON document AWS returns.
pub trait AuthorizationDecoder {
    /// The decoded JSON (`{"allowed":false,"explicitDeny":…,"context":{…}}`), or why not.
    fn decode(&self, encoded: &str) -> Result<String, DecodeError>;
}

/// The decoder used when no AWS access is configured: never decodes, says what to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotDecoded;

impl AuthorizationDecoder for NotDecoded {
    fn decode(&self, encoded: &str) -> Result<String, DecodeError> {
        Err(if encoded.is_empty() {
            DecodeError::CutOff
        } else {
            DecodeError::Offline
        })
    }
}

/// The parts of a decoded authorization message iamtrail uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    /// Whether the request was allowed.
    pub allowed: bool,
    /// Whether a Deny statement matched.
    pub explicit_deny: bool,
    /// The principal's ARN.
    pub principal: Option<String>,
    /// The action, `prefix:Action` (the prefix is taken from `aws:Service` when the
    /// message writes the bare name, as EC2 does).
    pub action: Option<String>,
    /// The resource.
    pub resource: Option<String>,
    /// Condition keys of the request context.
    pub conditions: BTreeMap<String, Vec<String>>,
}

fn items(v: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    v.get("items")
        .and_then(|i| i.as_array())
        .into_iter()
        .flatten()
}

/// Reads a decoded message: the inner JSON document, or the CLI's
/// `{"DecodedMessage": "<json string>"}` wrapper.
pub fn parse_decoded(json: &str) -> Option<Decoded> {
    let v: serde_json::Value = serde_json::from_str(json.trim()).ok()?;
    from_value(&v)
}

pub(crate) fn from_value(v: &serde_json::Value) -> Option<Decoded> {
    if let Some(inner) = v.get("DecodedMessage").and_then(|d| d.as_str()) {
        return parse_decoded(inner);
    }
    let obj = v.as_object()?;
    let allowed = obj.get("allowed")?.as_bool()?;
    let explicit_deny = obj
        .get("explicitDeny")
        .and_then(|x| x.as_bool())
        .unwrap_or(false);
    let ctx = obj.get("context");
    let s = |x: Option<&serde_json::Value>| x.and_then(|x| x.as_str()).map(str::to_owned);
    let mut conditions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(c) = ctx.and_then(|c| c.get("conditions")) {
        for item in items(c) {
            let Some(key) = item.get("key").and_then(|k| k.as_str()) else {
                continue;
            };
            let values = item
                .get("values")
                .map(|vs| {
                    items(vs)
                        .filter_map(|x| x.get("value").and_then(|v| v.as_str()))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            conditions.insert(key.to_owned(), values);
        }
    }
    let mut action = s(ctx.and_then(|c| c.get("action")));
    if let Some(a) = &action
        && !a.contains(':')
        && let Some(svc) = conditions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("aws:Service"))
            .and_then(|(_, v)| v.first())
    {
        action = Some(format!("{svc}:{a}"));
    }
    Some(Decoded {
        allowed,
        explicit_deny,
        principal: s(ctx
            .and_then(|c| c.get("principal"))
            .and_then(|p| p.get("arn"))),
        action,
        resource: s(ctx.and_then(|c| c.get("resource"))),
        conditions,
    })
}

impl Decoded {
    /// A condition value of the request (first value; keys match case-insensitively).
    pub fn condition(&self, key: &str) -> Option<&str> {
        self.conditions
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_cli_output_and_the_inner_document() {
        let inner = r#"{"allowed":false,"explicitDeny":true,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"AROA:Ana","arn":"arn:aws:sts::111122223333:assumed-role/Developer/Ana"},"action":"RunInstances","resource":"arn:aws:ec2:us-east-1:111122223333:instance/*","conditions":{"items":[{"key":"aws:Service","values":{"items":[{"value":"ec2"}]}},{"key":"ec2:InstanceType","values":{"items":[{"value":"t2.micro"}]}}]}}}"#;
        let wrapped = serde_json::json!({ "DecodedMessage": inner }).to_string();
        for text in [inner, wrapped.as_str()] {
            let d = parse_decoded(text).unwrap();
            assert!(!d.allowed && d.explicit_deny);
            assert_eq!(d.action.as_deref(), Some("ec2:RunInstances"));
            assert_eq!(d.condition("ec2:instancetype"), Some("t2.micro"));
            assert_eq!(
                d.principal.as_deref(),
                Some("arn:aws:sts::111122223333:assumed-role/Developer/Ana")
            );
        }
        assert!(parse_decoded("{}").is_none());
        assert!(parse_decoded("not json").is_none());
        assert_eq!(NotDecoded.decode("abc"), Err(DecodeError::Offline));
        assert!(
            DecodeError::Offline
                .to_string()
                .contains("decode-authorization-message")
        );
    }
}
