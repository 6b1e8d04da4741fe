//! CloudTrail records with a denied `errorCode` (`AccessDenied`, `AccessDeniedException`,
//! `UnauthorizedOperation`, `Client.UnauthorizedOperation`, …), in any layout the
//! decoder reads. The record itself says the operation, its parameters and the caller,
//! so the mapper resolves resources (and `iam:PassRole` with its condition) exactly as
//! `generate` does; the `errorMessage`, when it names the denied action, narrows the
//! grant to that action and gives the reason.

use super::authz::AuthorizationDecoder;
use super::redact::redact;
use super::resolve::{self, Context};
use super::text;
use super::{Denial, Encoded, Grant, GrantVia, Reason, Tool};
use crate::decode::{Decoder, ObjectKind, Record};
use crate::map::{FailureClass, Mapper, Outcome, prefix_of};
use crate::select::is_aws_service_event;

/// Denials from a CloudTrail input, or `None` when the input holds no CloudTrail record
/// (then it is read as text).
pub(crate) fn from_records(
    input: &[u8],
    decoder: &dyn AuthorizationDecoder,
) -> Option<Vec<Denial>> {
    let trimmed = input.trim_ascii_start();
    let gzip = input.len() >= 2 && input[0] == 0x1f && input[1] == 0x8b;
    if !gzip && !matches!(trimmed.first(), Some(b'{' | b'[')) {
        return None;
    }
    let mut data = input.to_vec();
    let mut mapper = Mapper::new(&[FailureClass::Denied]);
    let mut out = Vec::new();
    let mut valid = 0usize;
    let result = Decoder::default().decode(&mut data, &mut |i, rec| {
        let Ok(r) = rec else { return };
        valid += 1;
        if let Some(d) = denial(&r, i, &mut mapper, decoder) {
            out.push(d);
        }
    });
    match result {
        Ok(ObjectKind::Records) if valid > 0 => Some(out),
        _ => None,
    }
}

fn denial(
    r: &Record<'_>,
    i: usize,
    mapper: &mut Mapper,
    decoder: &dyn AuthorizationDecoder,
) -> Option<Denial> {
    let code = r.error_code()?;
    if FailureClass::of(code) != FailureClass::Denied {
        return None;
    }
    let source = r.event_source().unwrap_or_default().trim();
    let name = r.event_name().unwrap_or_default().trim();
    let msg = redact(r.error_message().unwrap_or_default()).into_owned();
    let mut d = Denial::new(Tool::Cloudtrail, &format!("{source} {name} {code}: {msg}"));
    d.record = Some(i);
    d.error_code = Some(code.to_string());
    d.service = Some(source.to_string());
    d.operation = Some(name.to_string());
    d.principal = r.identity_str("arn").map(str::to_owned);
    if is_aws_service_event(r) {
        d.unresolved = Some(
            "AWS made this call itself (AWSService identity): no identity policy of yours is involved"
                .into(),
        );
        return Some(d);
    }
    let (outcome, needs) = mapper.map(r);
    let from_record: Vec<Grant> = needs
        .iter()
        .map(|n| n.to_need())
        .map(|n| Grant {
            permission: n.permission,
            unknown: n.unknown,
            via: GrantVia::Record,
        })
        .collect();
    let s = text::sentence(&msg);
    let mut ctx = Context {
        prefix: prefix_of(source),
        op: Some(name.to_string()),
        principal: d.principal.clone().or_else(|| s.principal.clone()),
        region: r.region().map(str::to_owned),
        ..Context::default()
    };
    ctx.arns = r.resources().map(|(arn, _)| arn.to_string()).collect();
    if d.principal.is_none() {
        d.principal.clone_from(&s.principal);
    }
    d.reason = s.reason.unwrap_or(Reason::Unstated);
    d.policy = s.policy;
    if let Some(a) = s.action {
        d.action = Some(a.clone());
        d.resource.clone_from(&s.resource);
        match resolve::action_grants(
            &a,
            s.resource.as_deref(),
            &ctx,
            GrantVia::Message,
            &mut d.notes,
        ) {
            Ok(mut gs) => {
                for g in gs.iter_mut() {
                    // The record knows what the message leaves out: the resource, the
                    // service a role was passed to.
                    let (p, unknown) = (&mut g.permission, &mut g.unknown);
                    if let Some(rg) = from_record.iter().find(|x| x.permission.action == p.action) {
                        if !unknown.is_empty() && rg.unknown.len() < unknown.len() {
                            p.resource.clone_from(&rg.permission.resource);
                            unknown.clone_from(&rg.unknown);
                            g.via = GrantVia::Record;
                        }
                        if p.condition.is_none() {
                            p.condition.clone_from(&rg.permission.condition);
                        }
                    }
                }
                d.grants = gs;
            }
            Err(why) => d.unresolved = Some(why),
        }
    } else {
        match outcome {
            Outcome::Mapped => d.grants = from_record,
            Outcome::Free(why) => {
                d.unresolved = Some(format!("{source} {name} needs no IAM permission ({why})"))
            }
            Outcome::Unmapped(u) => d.unresolved = Some(format!("{source} {name}: {u}")),
            Outcome::FailedNotCounted(c) => {
                d.unresolved = Some(format!("failed call of class {}", c.as_str()))
            }
        }
    }
    if let Some(blob) = s.blob {
        d.encoded = Some(Encoded {
            message: blob.clone(),
            decoded: false,
            note: None,
        });
        text::decode_into(&mut d, &ctx, &blob, decoder);
    }
    Some(d)
}
