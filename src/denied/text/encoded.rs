//! Encoded authorization messages: `Encoded authorization failure message: BLOB` (EC2 and
//! a few others; decoded through an [`AuthorizationDecoder`] when one is given), and decoded
//! documents pasted in the input (`{"DecodedMessage": "…"}` of `aws sts
//! decode-authorization-message`, or the inner `{"allowed": false, …}` document).

use serde_json::Value;

use super::prepare::{Prepared, Scan};
use crate::denied::authz::{self, AuthorizationDecoder};
use crate::denied::resolve::{self, Context};
use crate::denied::{Denial, GrantVia, PolicyKind, Reason, Tool};

/// An encoded authorization failure message.
#[derive(Debug, Clone)]
pub(super) struct Blob {
    pub(super) at: usize,
    pub(super) end: usize,
    /// The blob (empty when the tool printed none).
    pub(super) blob: String,
}

impl Scan<'_> {
    /// The blob after `Encoded authorization failure message:` (the marker at `m` ends at
    /// `after`).
    pub(super) fn blob(&self, m: usize, after: usize) -> Blob {
        let p = self.p;
        let s = p.skip_ws(after);
        let e = p.run(s, |b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        // Some tools print nothing after the colon; the next word is not a blob.
        let blob = if e - s >= 20 {
            p.text(s, e)
        } else {
            String::new()
        };
        Blob {
            at: m,
            end: e,
            blob,
        }
    }
}

/// Decodes an encoded message into `d` when the decoder can.
pub(crate) fn decode_into(
    d: &mut Denial,
    ctx: &Context,
    blob: &str,
    decoder: &dyn AuthorizationDecoder,
) {
    let decoded = decoder.decode(blob).and_then(|json| {
        authz::parse_decoded(&json).ok_or(authz::DecodeError::Empty(
            "the decoder returned no decoded message",
        ))
    });
    match decoded {
        Ok(dm) => {
            if let Some(e) = &mut d.encoded {
                e.decoded = true;
                e.note = None;
            }
            apply_decoded(d, ctx, &dm);
        }
        Err(note) => {
            if let Some(e) = &mut d.encoded {
                e.note = Some(note.to_string());
            }
            if !d.grants.is_empty() {
                d.notes
                    .push("action known from the operation; the details are encoded".into());
            }
        }
    }
}

fn apply_decoded(d: &mut Denial, ctx: &Context, dm: &authz::Decoded) {
    d.principal = dm.principal.clone().or(d.principal.take());
    d.action = dm.action.clone().or(d.action.take());
    d.resource = dm.resource.clone().or(d.resource.take());
    d.reason = if dm.explicit_deny {
        Reason::Explicit(PolicyKind::Unspecified)
    } else {
        Reason::Implicit(PolicyKind::Unspecified)
    };
    let mut ctx = ctx.clone();
    ctx.principal.clone_from(&d.principal);
    if let Some(svc) = dm.condition("aws:Service") {
        ctx.service = Some(svc.to_string());
    }
    let mut grants = match &d.action {
        Some(a) => resolve::action_grants(
            a,
            d.resource.as_deref(),
            &ctx,
            GrantVia::Decoded,
            &mut d.notes,
        ),
        None => Err("the decoded message names no action".into()),
    };
    if let (Ok(gs), Some(svc)) = (&mut grants, dm.condition("iam:PassedToService")) {
        for g in gs.iter_mut().filter(|g| {
            g.permission.action.prefix == "iam" && g.permission.action.name == "PassRole"
        }) {
            g.permission.condition = Some(Box::new(crate::iam::permission::Condition {
                op: crate::iam::policy::Operator::STRING_EQUALS,
                key: "iam:PassedToService",
                value: svc.to_string(),
            }));
        }
    }
    match grants {
        Ok(g) => {
            d.grants = g;
            d.unresolved = None;
        }
        Err(why) => {
            d.grants.clear();
            d.unresolved = Some(why);
        }
    }
}

/// `"DecodedMessage": "…"` in the redacted input `r`, the key at `m` ending at `after`:
/// the document in the JSON string.
pub(super) fn decoded_wrapped(r: &str, after: usize) -> Option<authz::Decoded> {
    let rest = r.as_bytes().get(after..)?;
    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let tail = r.get(after + colon + 1..)?;
    let mut it = serde_json::Deserializer::from_str(tail.trim_start()).into_iter::<String>();
    match it.next() {
        Some(Ok(s)) => authz::parse_decoded(&s),
        _ => None,
    }
}

/// A decoded document (`{"allowed": …}`) starting at `m` in the redacted input `r`.
pub(super) fn decoded_doc(r: &str, m: usize) -> Option<authz::Decoded> {
    let tail = r.get(m..)?;
    let mut it = serde_json::Deserializer::from_str(tail).into_iter::<Value>();
    match it.next() {
        Some(Ok(v)) => authz::from_value(&v),
        _ => None,
    }
}

/// The denials of decoded documents found at positions of `r` (not the allowed ones).
pub(super) fn decoded_denials(
    p: &Prepared,
    r: &str,
    found: Vec<(usize, authz::Decoded)>,
    out: &mut Vec<Denial>,
) {
    for (m, dm) in found {
        if dm.allowed {
            continue;
        }
        let line = p.line_of_u(m);
        let raw = p.raw_line(r, line);
        let mut d = Denial::new(Tool::DecodedMessage, raw);
        d.line = Some(line);
        d.encoded = None;
        apply_decoded(&mut d, &Context::default(), &dm);
        out.push(d);
    }
}
