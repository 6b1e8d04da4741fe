//! The AWS CLI and the SDKs: their operation markers (`An error occurred (CODE) when calling
//! the OP operation` of the CLI and boto3, `operation error SVC: OP, … StatusCode: N … api
//! error CODE` of Go v2, `(Service: SVC, Status Code: N; Error Code: X …)` of Java, `Error
//! executing "OP" on "URL"` of PHP), and the hints their stack traces leave (Java frames,
//! JavaScript v3 deserializers).

use super::Op;
use super::prepare::{Scan, denied_code, pascal};
use super::shapes::Read;

impl Scan<'_> {
    /// The CLI's `… when calling the OP operation[ (reached max retries: N)]: message` at
    /// `m` (marker ends at `after`), with the code in the `(…)` before it.
    pub(super) fn op_cli(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let s = after;
        let e = p.find(s, s + 100, b" operation")?;
        let op = p.text(s, e);
        if op.is_empty() || !op.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let lo = m.saturating_sub(200);
        let code = [&b"error occurred ("[..], b"client error ("]
            .into_iter()
            .filter_map(|pat| p.rfind(lo, m, pat).map(|x| x + pat.len()))
            .max()
            .and_then(|cs| {
                let ce = p.find(cs, m, b")")?;
                Some(p.text(cs, ce))
            });
        let mut end = e + " operation".len();
        if p.starts(end, b" (reached max retries") {
            end = p.find(end, end + 60, b")").map_or(end, |x| x + 1);
        }
        let message = self
            .message_after(end, 400)
            .trim_start_matches(':')
            .trim()
            .to_string();
        let ml = message.to_ascii_lowercase();
        let denied = match &code {
            Some(c) => denied_code(c) || (c == "403" && ml.starts_with("forbidden")),
            None => ml.contains("access denied") || ml.contains("not authorized"),
        };
        Some(Op {
            op: Some(op),
            code,
            denied,
            message: Some(message),
            ..Op::new(m, end, Read::Cli)
        })
    }

    /// Go v2's `operation error SVC: OP, … StatusCode: N, … api error CODE: …` at `m`.
    pub(super) fn op_go(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let s = after;
        let colon = p.find(s, s + 60, b": ")?;
        let service = p.text(s, colon).trim().to_string();
        if service.is_empty() || service.contains(',') {
            return None;
        }
        let os = colon + 2;
        let oe = p.run(os, |b| b.is_ascii_alphanumeric());
        let op = p.text(os, oe);
        if op.is_empty() {
            return None;
        }
        let next = p
            .find(oe, oe + 1200, b"operation error ")
            .unwrap_or((oe + 1200).min(p.len()));
        let status = p.find(oe, next, b"statuscode: ").and_then(|x| {
            let ds = x + "statuscode: ".len();
            p.text(ds, p.run(ds, |b| b.is_ascii_digit()))
                .parse::<u16>()
                .ok()
        });
        let code = p
            .find(oe, next, b"api error ")
            .map(|x| {
                let cs = x + "api error ".len();
                p.text(cs, p.run(cs, |b| b.is_ascii_alphanumeric() || b == b'.'))
            })
            .or_else(|| self.code_word(oe, next));
        let denied = code.as_deref().is_some_and(denied_code)
            || (status == Some(403) && code.as_deref().is_none_or(|c| c == "Forbidden"));
        Some(Op {
            service: Some(service),
            op: Some(op),
            code,
            denied,
            ..Op::new(m, oe, Read::GoV2)
        })
    }

    /// Java's `(Service: SVC, Status Code: N, Error Code: X, …)` at `m` (after a message).
    pub(super) fn op_service_tag(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let s = after;
        let e = p.run(s, |b| !matches!(b, b',' | b';' | b')'));
        if e - s > 60 || e == s {
            return None;
        }
        let service = p.text(s, e).trim().to_string();
        let close = p.find(e, e + 600, b")").unwrap_or((e + 600).min(p.len()));
        let status = p.find(e, close, b"status code: ").and_then(|x| {
            let ds = x + "status code: ".len();
            p.text(ds, p.run(ds, |b| b.is_ascii_digit()))
                .parse::<u16>()
                .ok()
        });
        let code = p.find(e, close, b"error code: ").map(|x| {
            let cs = x + "error code: ".len();
            p.text(cs, p.run(cs, |b| b.is_ascii_alphanumeric()))
        });
        let denied = code.as_deref().is_some_and(denied_code) || status == Some(403);
        Some(Op {
            service: Some(service),
            code,
            denied,
            ..Op::new(m, close, Read::ServiceTag)
        })
    }

    /// PHP's `Error executing "OP" on "URL"; AWS HTTP error: … 403 Forbidden … AccessDenied`.
    pub(super) fn op_php(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let s = after;
        let e = p.run(s, |b| b.is_ascii_alphanumeric());
        if e == s || p.fb().get(e) != Some(&b'"') {
            return None;
        }
        let op = p.text(s, e);
        let url = if p.starts(e + 1, b" on \"") {
            let us = e + 6;
            let ue = p.run(us, |b| b != b'"' && !b.is_ascii_whitespace());
            Some(p.text(us, ue))
        } else {
            None
        };
        let tail = p.lower(e, e + 1200);
        let denied = tail.contains("accessdenied") || tail.contains("403 forbidden");
        let code = tail
            .contains("accessdenied")
            .then(|| "AccessDenied".to_string());
        Some(Op {
            op: Some(op),
            code,
            denied,
            url,
            ..Op::new(m, e, Read::Php)
        })
    }

    /// `AmazonS3Client.getObject(`), with the service.
    pub(super) fn java_frame(&self, a: usize, b: usize) -> Option<(String, String)> {
        let p = self.p;
        let text = p.text(a, b);
        for frame in text.split_whitespace() {
            let Some(call) = frame.split('(').next() else {
                continue;
            };
            if !(call.contains("awssdk.services.") || call.contains("amazonaws.services.")) {
                continue;
            }
            let mut parts = call.rsplit('.');
            let (Some(method), Some(class)) = (parts.next(), parts.next()) else {
                continue;
            };
            let svc = class
                .strip_prefix("Default")
                .or_else(|| class.strip_prefix("Amazon"))
                .and_then(|c| c.strip_suffix("Client"));
            if let Some(svc) = svc
                && !svc.is_empty()
                && method
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
            {
                return Some((svc.to_string(), pascal(method)));
            }
        }
        None
    }

    /// The operation of a JavaScript SDK v3 stack (`deserializeAws_restXmlPutObjectCommandError`,
    /// `de_PutObjectCommandError`) and the client package (`@aws-sdk/client-s3`).
    pub(super) fn js_hints(&self, a: usize, b: usize) -> (Option<String>, Option<String>) {
        let p = self.p;
        let text = p.text(a, b);
        let mut op = None;
        for proto in [
            "deserializeAws_restXml",
            "deserializeAws_restJson1",
            "deserializeAws_json1_1",
            "deserializeAws_json1_0",
            "deserializeAws_query",
            "deserializeAws_ec2",
            "de_",
        ] {
            for (x, _) in text.match_indices(proto) {
                let rest = &text[x + proto.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                if let Some(o) = name
                    .strip_suffix("CommandError")
                    .or_else(|| name.strip_suffix("Command"))
                    && !o.is_empty()
                    && o.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                {
                    op = Some(o.to_string());
                    break;
                }
            }
            if op.is_some() {
                break;
            }
        }
        let mut service = None;
        for pat in ["@aws-sdk/client-", "aws-sdk/lib/services/"] {
            if let Some(x) = text.find(pat) {
                let name: String = text[x + pat.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if !name.is_empty() {
                    service = Some(name);
                    break;
                }
            }
        }
        (op, service)
    }
}

/// `:` and then nothing, or an XML error body (`<?xml …?><ErrorResponse>…<Message>`): what
/// separates the CLI's operation marker from the message, also when the CLI prints a
/// body it could not parse.
pub(super) fn colon_then_markup(between: &str) -> bool {
    let Some(rest) = between.trim().strip_prefix(':') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty()
        || (rest.starts_with('<') && rest.trim_end().ends_with('>') && rest.len() <= 600)
}

/// boto3's `Failed to upload FILE to BUCKET/KEY: …` in `text` (`lower` is its lowercase).
pub(super) fn boto3_upload_refs(
    text: &str,
    lower: &str,
    push: &mut impl FnMut(&str, &str, Option<String>),
) {
    for (x, _) in lower.match_indices("failed to upload ") {
        let from = x + "failed to upload ".len();
        if let Some(to) = lower[from..].find(" to ").map(|t| from + t + 4)
            && let Some(colon) = lower[to..].find(": ").map(|c| to + c)
            && let Some((bk, key)) = text.get(to..colon).and_then(|s| s.split_once('/'))
        {
            push(bk, key, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::one;
    use crate::denied::Tool;

    #[test]
    fn cli_bare_access_denied_uses_the_operation() {
        let d = one(
            "upload failed: ./baz to s3://mybucket/foo/bar/baz An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
        );
        assert_eq!(d.tool, Tool::AwsCli);
        assert_eq!(d.operation.as_deref(), Some("PutObject"));
        assert_eq!(d.grants.len(), 1, "{d:#?}");
        assert_eq!(d.grants[0].permission.action.to_string(), "s3:PutObject");
        assert_eq!(
            d.grants[0].permission.resource,
            "arn:aws:s3:::mybucket/foo/bar/baz"
        );
    }
}
