//! Context around a message that names less than a grant needs: ARNs and S3 references
//! nearby (bucket and key from `s3://`, S3 URLs, boto3's and Terraform's own wording), a
//! `User:` principal, an error code written near it.

use memchr::memmem;

use super::prepare::{Scan, denied_code, is_token_char, trim_token};
use super::{sdk, terraform};
use crate::percent::percent_decode;

/// An S3 reference: bucket, key (may be empty), region.
pub(super) type S3Ref = (String, String, Option<String>);

impl Scan<'_> {
    /// The ARNs written in `[a, b)`, each once, in order.
    pub(super) fn arns_in(&self, a: usize, b: usize) -> Vec<String> {
        let p = self.p;
        let mut out: Vec<String> = Vec::new();
        for x in memmem::find_iter(&p.lb[a..b.min(p.len())], b"arn:") {
            let s = a + x;
            if s > 0 && p.fb()[s - 1].is_ascii_alphanumeric() {
                continue;
            }
            let e = p.run(s, |c| {
                !c.is_ascii_whitespace() && !matches!(c, b'"' | b'\'' | b'`' | b',')
            });
            let t = trim_token(&p.text(s, e)).to_string();
            if t.matches(':').count() >= 5 && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The S3 references nearest the message's `line`: its own line, then the lines before
    /// and after it, one step at a time, within `window` (its paragraph), so that a log of
    /// several transfers gives each denial its own URL.
    pub(super) fn nearest_s3_refs(&self, line: usize, window: (usize, usize)) -> Vec<S3Ref> {
        let p = self.p;
        let (first, last) = (p.line(window.0), p.line(window.1.saturating_sub(1)));
        for k in 0..=line.saturating_sub(first).max(last.saturating_sub(line)) {
            for l in [line.checked_sub(k), line.checked_add(k).filter(|_| k > 0)]
                .into_iter()
                .flatten()
                .filter(|l| (first..=last).contains(l))
            {
                let (a, b) = p.f_lines(l, l);
                let refs = self.s3_refs(a.max(window.0), b.min(window.1));
                if !refs.is_empty() {
                    return refs;
                }
            }
        }
        Vec::new()
    }

    /// Bucket and key references: `s3://b/k`, S3 URLs, boto3's `Failed to upload F to
    /// b/k:`, Terraform's `S3 Bucket (b)`. Returns (bucket, key, region).
    pub(super) fn s3_refs(&self, a: usize, b: usize) -> Vec<S3Ref> {
        let p = self.p;
        let text = p.text(a, b);
        let mut out = Vec::new();
        let mut push = |bucket: &str, key: &str, region: Option<String>| {
            let bucket = bucket.trim();
            if !bucket.is_empty()
                && bucket
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
            {
                let e = (bucket.to_string(), key.to_string(), region);
                if !out.contains(&e) {
                    out.push(e);
                }
            }
        };
        for tok in text.split_whitespace() {
            let tok = trim_token(tok);
            if let Some(rest) = tok.strip_prefix("s3://") {
                let (bk, key) = rest.split_once('/').unwrap_or((rest, ""));
                push(bk, key, None);
            } else if let Some(rest) = tok
                .strip_prefix("https://")
                .or_else(|| tok.strip_prefix("http://"))
            {
                let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                let path = path.split(['?', '#']).next().unwrap_or_default();
                let host_l = host.to_ascii_lowercase();
                if !host_l.ends_with(".amazonaws.com") {
                    continue;
                }
                let labels: Vec<&str> = host_l.split('.').collect();
                let region = |l: &str| {
                    l.strip_prefix("s3-")
                        .filter(|r| r.contains('-'))
                        .map(str::to_owned)
                };
                if let Some(i) = labels
                    .iter()
                    .position(|l| *l == "s3" || l.starts_with("s3-"))
                {
                    let reg = region(labels[i]).or_else(|| {
                        labels
                            .get(i + 1)
                            .filter(|r| r.contains('-') && **r != "dualstack")
                            .map(|r| r.to_string())
                    });
                    if i == 0 {
                        let (bk, key) = path.split_once('/').unwrap_or((path, ""));
                        push(bk, &percent_decode(key, false), reg);
                    } else {
                        push(
                            &host[..host_l.find(".s3").unwrap_or(0)],
                            &percent_decode(path, false),
                            reg,
                        );
                    }
                }
            }
        }
        let lower = text.to_ascii_lowercase();
        sdk::boto3_upload_refs(&text, &lower, &mut push);
        terraform::bucket_refs(&text, &lower, &mut push);
        out
    }

    /// A principal named after `User:` between `a` and `b`.
    pub(super) fn user_in(&self, a: usize, b: usize) -> Option<String> {
        let p = self.p;
        let x = p.find(a, b, b"user: ")?;
        let s = p.skip_ws(x + 6);
        let t = trim_token(&p.text(s, p.run(s, is_token_char))).to_string();
        (!t.is_empty()).then_some(t)
    }

    /// An error code written near a message (`api error X:`, `(code=X)`,
    /// `HandlerErrorCode: X`, `code: 'X'`, `<Code>X</Code>`, `X: User:`).
    pub(super) fn code_near(&self, a: usize, b: usize) -> Option<String> {
        let p = self.p;
        for (pat, stop) in [
            (&b"api error "[..], b':'),
            (b"(code=", b')'),
            (b"handlererrorcode: ", b')'),
            (b"code: '", b'\''),
            (b"\"code\": \"", b'"'),
            (b"\"code\":\"", b'"'),
            (b"<code>", b'<'),
        ] {
            if let Some(x) = p.find(a, b, pat) {
                let s = x + pat.len();
                let e = p.run(s, |c| c != stop && !c.is_ascii_whitespace() && c != b',');
                let c = p.text(s, e);
                if denied_code(&c) {
                    return Some(c);
                }
            }
        }
        self.code_word(a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use crate::denied::NotDecoded;

    #[test]
    fn a_bare_s3_error_takes_the_nearest_url() {
        // `set -x` output of a script: the upload before went through; the download's
        // HeadObject was denied, and the CLI's `fatal error` line names no object.
        let log = "+ aws s3 cp ./a.txt s3://b/one.txt\n\
                   upload: ./a.txt to s3://b/one.txt\n\
                   + aws s3 cp s3://b/two.txt ./x\n\
                   fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden\n";
        let v = parse(log, &NotDecoded);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].grants[0].permission.action.to_string(), "s3:GetObject");
        assert_eq!(v[0].grants[0].permission.resource, "arn:aws:s3:::b/two.txt");
    }
}
