//! Secrets in pasted debug output (`aws --debug`, SDK wire logs, environment dumps) are
//! replaced before a denial message is looked at, so nothing iamtrail prints or stores
//! can carry them: `Authorization` headers (SigV4 credential scope and signature),
//! security/session tokens, secret access keys, presigned-URL signatures, and strings
//! shaped like STS session tokens wherever they appear. Line breaks are kept, so line
//! numbers still point into the original input.

use std::borrow::Cow;

/// What a secret is replaced with.
pub const MARK: &str = "[REDACTED]";

/// Keys whose value is a secret. `authorization` takes the rest of the line (a SigV4
/// header value has spaces); the others end at whitespace or a delimiter.
const KEYS: &[&str] = &[
    "authorization",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-credential",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "secret_access_key",
    "session_token",
    "secretaccesskey",
    "sessiontoken",
    "securitytoken",
    "x-amz-server-side-encryption-customer-key",
    "password",
    // SigV4 parts, wherever they appear (headers, presigned URLs, logs).
    "credential",
    "signature",
];

/// Prefixes of STS session tokens (base64 of their binary header).
const TOKEN_PREFIXES: &[&str] = &[
    "IQoJb3JpZ2lu",
    "FwoGZXIvYXdzE",
    "FQoGZXIvYXdzE",
    "AQoDYXdzE",
];

fn is_word(b: u8) -> bool {
    // Letters, digits and `_`: a key followed by one of these is part of a longer word.
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'%')
}

/// The byte range of the value after `key` at `at`, if a separator follows the key.
fn value_range(bytes: &[u8], key: &str, at: usize) -> Option<(usize, usize)> {
    let mut i = at + key.len();
    let line_end = bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| i + p);
    // An optional closing quote of a quoted key, spaces, then `:` or `=`.
    if matches!(bytes.get(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if !matches!(bytes.get(i), Some(b':' | b'=')) {
        return None;
    }
    i += 1;
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    // Python bytes literal b'…'
    if bytes.get(i) == Some(&b'b') && matches!(bytes.get(i + 1), Some(b'"' | b'\'')) {
        i += 1;
    }
    let start;
    let end;
    if let Some(&q @ (b'"' | b'\'')) = bytes.get(i) {
        start = i + 1;
        end = bytes[start..line_end]
            .iter()
            .position(|&b| b == q)
            .map_or(line_end, |p| start + p);
    } else if key == "authorization" {
        start = i;
        end = bytes[start..line_end]
            .iter()
            .position(|&b| matches!(b, b'"' | b'\'' | b'}'))
            .map_or(line_end, |p| start + p);
    } else {
        start = i;
        end = bytes[start..line_end]
            .iter()
            .position(|&b| {
                b.is_ascii_whitespace()
                    || matches!(b, b'&' | b',' | b';' | b'"' | b'\'' | b'}' | b')')
            })
            .map_or(line_end, |p| start + p);
    }
    (end > start).then_some((start, end))
}

/// Replaces secrets with [`MARK`]; borrows when there is nothing to replace.
pub fn redact(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for key in KEYS {
        // No check before the key: `AccessDeniedAuthorization: …` (text run together)
        // must not slip through; redacting a little too much is fine.
        for at in memchr::memmem::find_iter(lower.as_bytes(), key.as_bytes()) {
            if bytes
                .get(at + key.len())
                .is_some_and(|&b| is_word(b) || b == b'-')
            {
                continue;
            }
            if let Some(r) = value_range(bytes, key, at) {
                ranges.push(r);
            }
        }
    }
    // botocore logs the signature on the line after `Signature:`.
    for at in memchr::memmem::find_iter(lower.as_bytes(), b"signature:") {
        let rest = &bytes[at + 10..];
        let nl = rest.iter().position(|&b| b == b'\n');
        if let Some(nl) = nl
            && rest[..nl].iter().all(|b| b.is_ascii_whitespace())
        {
            let start = at + 10 + nl + 1;
            let end = bytes[start..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| start + p);
            if bytes[start..end].iter().any(|b| !b.is_ascii_whitespace()) {
                ranges.push((start, end));
            }
        }
    }
    for prefix in TOKEN_PREFIXES {
        for at in memchr::memmem::find_iter(bytes, prefix.as_bytes()) {
            if at > 0 && is_b64(bytes[at - 1]) {
                continue;
            }
            let end = bytes[at..]
                .iter()
                .position(|&b| !is_b64(b))
                .map_or(bytes.len(), |p| at + p);
            ranges.push((at, end));
        }
    }
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e) in ranges {
        if e <= pos {
            continue;
        }
        let s = s.max(pos);
        // Ranges are made of ASCII delimiters around them, so they fall on char
        // boundaries; check anyway rather than risk a panic.
        if !text.is_char_boundary(s) || !text.is_char_boundary(e) {
            continue;
        }
        out.push_str(&text[pos..s]);
        out.push_str(MARK);
        pos = e;
    }
    out.push_str(&text[pos..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_headers_tokens_and_keys() {
        let t = "headers={'X-Amz-Date': b'20201012T074022Z', 'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20201012/ap-south-1/ec2/aws4_request, SignedHeaders=host, Signature=94f6e7'}\n\
                 Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/x, Signature=abc\n\
                 X-Amz-Security-Token: IQoJb3JpZ2luX2VjEXAMPLETOKEN==\n\
                 export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                 {\"SessionToken\": \"FwoGZXIvYXdzEXAMPLE\", \"Expiration\": \"x\"}\n\
                 url=https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Date=1\n\
                 botocore.auth - DEBUG - Signature:\n94f6e7762e65d3eaf9c10bbfbf874cfe\n\
                 token IQoJb3JpZ2luX2VjXYZ in the middle\n\
                 Encoded authorization failure message: abc";
        let r = redact(t);
        for secret in [
            "94f6e7",
            "AKIAIOSFODNN7EXAMPLE",
            "EXAMPLETOKEN",
            "wJalrXUtnFEMI",
            "FwoGZXIvYXdzEXAMPLE",
            "deadbeef",
            "94f6e7762e65",
            "IQoJb3JpZ2luX2VjXYZ",
        ] {
            assert!(!r.contains(secret), "{secret} in {r}");
        }
        assert_eq!(r.lines().count(), t.lines().count());
        assert!(r.contains("X-Amz-Date': b'20201012T074022Z'"));
        assert!(r.contains("\"Expiration\": \"x\""));
        assert!(r.contains("Encoded authorization failure message: abc"));
        assert!(r.contains("X-Amz-Date=1"));
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(redact("authorization failure"), "authorization failure");
    }
}
