//! CloudFormation and CDK: `API: svc:Action` tags of stack events, CDK's SDK call log
//! (`Call failed: op({…}) => … (code=X)`), and CDK's notes that a role was not assumed
//! (`could not be used to assume 'ARN'`, `Lookup role ARN was not assumed`).

use serde_json::{Map, Value};

use super::Op;
use super::build::resolve_grants;
use super::prepare::{Scan, denied_code, is_action_char, pascal, trim_token};
use super::shapes::Read;
use crate::denied::resolve::{self, Context};
use crate::denied::{Denial, Tool};

/// An `API: svc:Action` tag (the action a CloudFormation event names).
#[derive(Debug, Clone)]
pub(super) struct Tag {
    pub(super) at: usize,
    pub(super) end: usize,
    pub(super) action: String,
}

impl Scan<'_> {
    /// CDK's `Call failed: op({params}) => message (code=X)` at `m` (marker ends at `after`).
    pub(super) fn op_cdk_call(&self, m: usize, after: usize) -> Option<Op> {
        let p = self.p;
        let s = after;
        let e = p.run(s, |b| b.is_ascii_alphanumeric());
        if e == s || p.fb().get(e) != Some(&b'(') {
            return None;
        }
        let op = pascal(&p.text(s, e));
        let arrow = p.find(e, e + 4000, b") => ")?;
        let mut params = Map::new();
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&p.text(e + 1, arrow)) {
            for (k, v) in o {
                // CloudTrail writes S3's `Bucket` as `bucketName`; other members lcfirst.
                let key = match k.as_str() {
                    "Bucket" => "bucketName".to_string(),
                    "Key" => "key".to_string(),
                    _ => {
                        let mut c = k.chars();
                        c.next()
                            .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
                            .unwrap_or_default()
                    }
                };
                params.insert(key, v);
            }
        }
        let line = p.line(arrow);
        let (_, le) = p.f_lines(line, line);
        let code = p.find(arrow, le, b"(code=").map(|x| {
            let cs = x + "(code=".len();
            p.text(cs, p.run(cs, |b| b != b')' && !b.is_ascii_whitespace()))
        });
        let message = p.text(arrow + 4, le).trim().to_string();
        let denied = code.as_deref().is_some_and(denied_code)
            || message.to_ascii_lowercase().starts_with("access denied");
        Some(Op {
            op: Some(op),
            code,
            denied,
            params,
            message: Some(message),
            ..Op::new(m, arrow, Read::CdkCall)
        })
    }

    /// An `API: svc:Action` tag at `m` (marker ends at `after`), when the action is one.
    pub(super) fn tag(&self, m: usize, after: usize) -> Option<Tag> {
        let p = self.p;
        if !(m == 0 || matches!(p.fb()[m - 1], b' ' | b'"' | b'\'' | b'`' | b'(')) {
            return None;
        }
        let e = p.run(after, is_action_char);
        let action = trim_token(&p.text(after, e)).to_string();
        (action.contains(':') && resolve::lookup_action(&action).is_some()).then_some(Tag {
            at: m,
            end: e,
            action,
        })
    }

    /// Whether a tag no sentence took is a denial on its own (`API: s3:PutBucketPolicy
    /// Access Denied`).
    pub(super) fn tag_denied(&self, t: &Tag) -> bool {
        let tail = self.p.lower(t.end, t.end + 40);
        tail.trim_start().starts_with("access denied") || tail.contains("accessdenied")
    }

    /// `current credentials could not be used to assume 'ARN'`: the role.
    pub(super) fn assume_quoted(&self, after: usize) -> Option<String> {
        let p = self.p;
        let e = p.run(after, |b| b != b'\'' && !b.is_ascii_whitespace());
        let arn = p.text(after, e);
        arn.starts_with("arn:").then_some(arn)
    }

    /// `Lookup role ARN was not assumed` (the marker at `m`): the role.
    pub(super) fn assume_lookup(&self, m: usize) -> Option<String> {
        let p = self.p;
        let lo = m.saturating_sub(300);
        let before = p.text(lo, m);
        let tok = before.split_whitespace().last()?;
        (tok.starts_with("arn:") && tok.contains(":role/")).then(|| trim_token(tok).to_string())
    }

    /// The denial of a role CDK could not assume (the note at `m`).
    pub(super) fn assume_denial(&self, m: usize, arn: &str) -> Denial {
        let p = self.p;
        let line = p.line(m);
        let (ls, le) = p.f_lines(line, line);
        let mut d = Denial::new(Tool::Cdk, &p.excerpt(ls.max(m.saturating_sub(200)), le));
        d.line = Some(line);
        d.action = Some("sts:AssumeRole".into());
        d.resource = Some(arn.to_string());
        d.notes.push(
            "CDK could not assume this role and went on with the current credentials; granting sts:AssumeRole helps only if the role's trust policy trusts this principal (cdk bootstrap --trust)".into(),
        );
        resolve_grants(&mut d, &Context::default());
        d
    }
}
