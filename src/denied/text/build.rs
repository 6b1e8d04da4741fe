//! One denial from its parts (the sentence, the operation marker, the tag, the blob it was
//! paired with) and the context around it: the only place the text scanner fills a
//! [`Denial`] from what it read, and the grants resolved from it.

use super::Op;
use super::WINDOW;
use super::cfn::Tag;
use super::encoded::{Blob, decode_into};
use super::prepare::Scan;
use super::sentence::Authz;
use super::shapes::Read;
use crate::denied::authz::AuthorizationDecoder;
use crate::denied::resolve::{self, Context};
use crate::denied::{Denial, Encoded, GrantVia, Tool};

/// What one denial is made of before it is resolved.
pub(super) struct Parts {
    /// Where the message starts (its line is the denial's).
    pub(super) at: usize,
    /// Where what was read of it ends.
    pub(super) end: usize,
    pub(super) authz: Option<Authz>,
    pub(super) op: Option<Op>,
    pub(super) tag: Option<Tag>,
    pub(super) blob: Option<Blob>,
    /// The tool when nothing around the message says.
    pub(super) fallback: Tool,
}

impl Parts {
    /// A message at `at..end` with no parts yet.
    pub(super) fn at(at: usize, end: usize) -> Parts {
        Parts {
            at,
            end,
            authz: None,
            op: None,
            tag: None,
            blob: None,
            fallback: Tool::Unknown,
        }
    }
}

impl Scan<'_> {
    /// The denial `parts` make, resolved (and decoded through `decoder` when it has a blob).
    pub(super) fn build(&self, parts: Parts, decoder: &dyn AuthorizationDecoder) -> Denial {
        let p = self.p;
        let Parts {
            at,
            end,
            authz,
            op,
            tag,
            blob,
            fallback,
        } = parts;
        let line = p.line(at);
        let (wa, wb) = p.window(line, WINDOW);
        let (na, nb) = p.window(line, 3);
        let fallback = match (&tag, &op) {
            (Some(_), _) => Tool::Cloudformation,
            (_, Some(o)) if o.kind == Read::CdkCall => Tool::Cdk,
            _ => fallback,
        };
        // A message inside an error body the tool printed raw: the tool shows on the
        // operation marker's line.
        let tool = match (self.tool(at, fallback), &op) {
            (Tool::Unknown, Some(o)) => self.tool(o.at, fallback),
            (t, _) => t,
        };
        let mut d = Denial::new(tool, &p.excerpt(at, end));
        d.line = Some(line);
        let mut ctx = Context::default();
        if let Some(o) = &op {
            d.service.clone_from(&o.service);
            d.operation.clone_from(&o.op);
            d.error_code.clone_from(&o.code);
            ctx.service.clone_from(&o.service);
            ctx.prefix = o.prefix;
            ctx.op.clone_from(&o.op);
            ctx.params.extend(o.params.clone());
            if let Some(m) = &o.message {
                ctx.s3 |=
                    m.eq_ignore_ascii_case("access denied") || m.eq_ignore_ascii_case("forbidden");
            }
        }
        if ctx.op.is_none() {
            let (js_op, js_svc) = self.js_hints(wa, wb);
            if let Some((svc, op)) = self.java_frame(wa, wb) {
                ctx.service.get_or_insert(svc);
                ctx.op = Some(op);
            } else if js_op.is_some() {
                ctx.op = js_op;
            }
            if ctx.service.is_none() {
                ctx.service = js_svc;
            }
            if d.operation.is_none() {
                d.operation.clone_from(&ctx.op);
            }
            if d.service.is_none() {
                d.service.clone_from(&ctx.service);
            }
        }
        if d.error_code.is_none() {
            d.error_code = self.code_near(na, nb.max(end));
        }
        if let Some(a) = &authz {
            d.principal.clone_from(&a.principal);
            d.action.clone_from(&a.action);
            d.resource.clone_from(&a.resource);
            d.reason = a.reason;
            d.policy.clone_from(&a.policy);
            if a.null_action {
                d.notes
                    .push("the message names the action as `null`".into());
            }
            if a.resource_cut {
                d.notes.push(
                    "the resource was cut off in the input (no closing quote): not used as the resource".into(),
                );
            }
        } else if let Some(t) = &tag {
            d.action = Some(t.action.clone());
        }
        if d.principal.is_none() {
            d.principal = self.user_in(at, nb.max(end));
        }
        ctx.principal.clone_from(&d.principal);
        let refs = self.nearest_s3_refs(line, (na, nb));
        if let Some(o) = &op
            && let Some(url) = &o.url
        {
            let (ua, ub) = (o.at, o.at + url.len() + 40);
            for r in self.s3_refs(ua, ub) {
                ctx.region = ctx.region.or(r.2.clone());
                ctx.params.insert("bucketName".into(), r.0.clone().into());
                if !r.1.is_empty() {
                    ctx.params.insert("key".into(), r.1.clone().into());
                }
            }
        }
        if !refs.is_empty() && !ctx.params.contains_key("bucketName") {
            let copy = ctx.op.as_deref().is_some_and(|o| o.contains("Copy"));
            let (src, dst) = if copy && refs.len() >= 2 {
                (Some(&refs[0]), &refs[1])
            } else {
                (None, &refs[0])
            };
            ctx.params.insert("bucketName".into(), dst.0.clone().into());
            if !dst.1.is_empty() {
                ctx.params.insert("key".into(), dst.1.clone().into());
            }
            if let Some(s) = src {
                ctx.params.insert(
                    "x-amz-copy-source".into(),
                    format!("{}/{}", s.0, s.1).into(),
                );
            }
            ctx.region = ctx.region.or(dst.2.clone());
        }
        let near = p.lower(na, nb);
        ctx.s3 |= !refs.is_empty()
            || near.contains("hostid")
            || near.contains("extended request id")
            || ctx.service.as_deref().is_some_and(|s| {
                s.eq_ignore_ascii_case("s3") || s.eq_ignore_ascii_case("amazon s3")
            });
        ctx.ec2 |= d
            .error_code
            .as_deref()
            .is_some_and(|c| c.contains("Unauthorized"))
            || blob.is_some();
        ctx.arns = self.arns_in(na, nb);
        let cut = authz
            .as_ref()
            .filter(|a| a.resource_cut)
            .and_then(|a| a.resource.clone());
        if let Some(c) = &cut {
            ctx.arns
                .retain(|x| !c.starts_with(x.as_str()) && !x.starts_with(c.as_str()));
            // What survives of a cut S3 ARN still names the bucket.
            if let Some(bucket) = c
                .strip_prefix("arn:aws:s3:::")
                .and_then(|r| r.split('/').next())
                .filter(|b| !b.is_empty())
            {
                ctx.params
                    .entry("bucketName")
                    .or_insert_with(|| bucket.into());
            }
        }
        if let Some(b) = &blob {
            d.encoded = Some(Encoded {
                message: b.blob.clone(),
                decoded: false,
                note: None,
            });
        }
        let printed = d.resource.clone();
        if cut.is_some() {
            d.resource = None;
        }
        resolve_grants(&mut d, &ctx);
        d.resource = printed;
        if let Some(b) = blob {
            decode_into(&mut d, &ctx, &b.blob, decoder);
        }
        d
    }
}

/// Works out `d.grants` from what `d` and the context say.
pub(crate) fn resolve_grants(d: &mut Denial, ctx: &Context) {
    let result = match d.action.clone() {
        Some(a) => resolve::action_grants(
            &a,
            d.resource.as_deref(),
            ctx,
            GrantVia::Message,
            &mut d.notes,
        ),
        None if ctx.op.is_some() => resolve::op_grants(ctx),
        None => Err(match &ctx.service {
            Some(s) => format!(
                "the message names the service ({s}) but neither the action nor the operation"
            ),
            None => "the message names no action and no operation".into(),
        }),
    };
    match result {
        Ok(g) if !g.is_empty() => {
            d.grants = g;
            d.unresolved = None;
        }
        Ok(_) => d.unresolved = Some("nothing to grant".into()),
        Err(why) => d.unresolved = Some(why),
    }
}
