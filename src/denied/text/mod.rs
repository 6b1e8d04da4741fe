//! Denial messages in free text (terminal output, CI logs, pasted issues).
//!
//! The text is redacted, then prepared ([`prepare`]: escapes blanked, lines joined into one
//! "flat" string with borders removed, so a message wrapped over several lines reads as
//! one sentence). The shapes of [`shapes::SHAPES`] are found by their markers and read by
//! their family's module:
//!
//! - [`sentence`]: `… is not authorized to perform: ACTION [on resource: RES] [REASON]`,
//!   the sentence every producer prints;
//! - [`sdk`]: the AWS CLI and SDKs' operation markers (`An error occurred (CODE) when
//!   calling the OP operation`, Go v2 `operation error SVC: OP`, Java `(Service: SVC,
//!   Status Code: N`, PHP `Error executing "OP"`) and stack-trace hints;
//! - [`cfn`]: CloudFormation `API: svc:Action` tags, CDK `Call failed: op(…)`, CDK's
//!   `could not be used to assume` / `was not assumed`;
//! - [`terraform`]: Terraform's frame around the SDK messages;
//! - [`encoded`]: encoded authorization failure blobs and decoded documents;
//! - [`cloudtrail`]: `"eventName": "OP"` of a CloudTrail record pasted in text;
//! - [`bare`]: error codes with nothing else (`AccessDenied`).
//!
//! A sentence takes the operation marker of its own message (`… operation: User: …`,
//! `… api error Code: User: …`, the `(Service: …)` right after it, the record it sits in);
//! markers no sentence took become denials of their own, resolved through the operation.
//! A log holding many messages keeps them apart: a part never reaches past the next
//! message's start. [`build`] makes each denial from its parts and the context around it
//! ([`context`], [`tool`]).

mod bare;
mod build;
mod cfn;
mod cloudtrail;
mod context;
mod encoded;
mod prepare;
mod sdk;
mod sentence;
pub mod shapes;
mod terraform;
mod tool;

use serde_json::{Map, Value};

use super::authz::AuthorizationDecoder;
use super::redact::redact;
use super::{Denial, Reason, Tool};
use build::Parts;
pub(crate) use encoded::decode_into;
use prepare::{Prepared, Scan};
use sdk::colon_then_markup;
use sentence::Authz;
use shapes::{Found, Read};

/// How far (in lines) context is looked for around a message.
const WINDOW: usize = 40;

/// An operation marker: what a message says about the call that was denied.
#[derive(Debug, Clone)]
struct Op {
    at: usize,
    end: usize,
    /// The reader that found it (how it pairs with a sentence).
    kind: Read,
    /// The service as the tool names it.
    service: Option<String>,
    /// The service's action prefix, when known from the marker (CloudTrail's event source).
    prefix: Option<&'static str>,
    op: Option<String>,
    code: Option<String>,
    /// Whether the marker itself says the call was denied.
    denied: bool,
    /// Request parameters the marker carries (CDK's call log).
    params: Map<String, Value>,
    /// The request URL (PHP).
    url: Option<String>,
    /// The message after the marker.
    message: Option<String>,
}

impl Op {
    /// A marker of `kind` spanning `at..end` that says nothing yet: each reader fills in
    /// what its shape gives (`Op { op, code, ..Op::new(at, end, kind) }`).
    fn new(at: usize, end: usize, kind: Read) -> Op {
        Op {
            at,
            end,
            kind,
            service: None,
            prefix: None,
            op: None,
            code: None,
            denied: false,
            params: Map::new(),
            url: None,
            message: None,
        }
    }
}

/// What a single message (a CloudTrail `errorMessage`) says.
#[derive(Debug, Default)]
pub(crate) struct Sentence {
    pub principal: Option<String>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub reason: Option<Reason>,
    pub policy: Option<String>,
    pub blob: Option<String>,
}

/// Reads one message on its own.
pub(crate) fn sentence(msg: &str) -> Sentence {
    let r = redact(msg);
    let p = Prepared::new(&r);
    let s = Scan { p: &p };
    let found = Found::scan(&s, &r, |read| matches!(read, Read::Sentence | Read::Blob));
    let a = found.authz.into_iter().next();
    let blob = found.blobs.into_iter().next().map(|b| b.blob);
    match a {
        Some(a) => Sentence {
            principal: a.principal,
            action: a.action,
            resource: a.resource,
            reason: Some(a.reason),
            policy: a.policy,
            blob,
        },
        None => Sentence {
            blob,
            ..Sentence::default()
        },
    }
}

/// Texts larger than this are read in chunks cut at blank lines (memory stays bounded and
/// offsets fit in 32 bits).
const CHUNK: usize = 64 << 20;

/// All denials in a text.
pub(crate) fn parse(input: &str, decoder: &dyn AuthorizationDecoder) -> Vec<Denial> {
    let mut out = Vec::new();
    let mut rest = input;
    let mut lines_before = 0;
    while !rest.is_empty() {
        let mut cut = rest.len();
        if cut > CHUNK {
            let mut limit = CHUNK;
            while !rest.is_char_boundary(limit) {
                limit -= 1;
            }
            let head = &rest[..limit];
            cut = head
                .rfind("\n\n")
                .map(|i| i + 2)
                .or_else(|| head.rfind('\n').map(|i| i + 1))
                .unwrap_or(limit);
        }
        let (chunk, tail) = rest.split_at(cut);
        for mut d in parse_chunk(chunk, decoder) {
            d.line = d.line.map(|l| l + lines_before);
            out.push(d);
        }
        lines_before += memchr::memchr_iter(b'\n', chunk.as_bytes()).count();
        rest = tail;
    }
    out
}

fn parse_chunk(input: &str, decoder: &dyn AuthorizationDecoder) -> Vec<Denial> {
    let r = redact(input);
    let p = Prepared::new(&r);
    let s = Scan { p: &p };
    let Found {
        authz,
        ops,
        tags,
        blobs,
        assumes,
        bare,
        decoded,
    } = Found::scan(&s, &r, |_| true);
    let mut out = Vec::new();
    encoded::decoded_denials(&p, &r, decoded, &mut out);

    // Where each message starts: a part belongs to a message only up to the next one.
    let mut starts: Vec<usize> = authz.iter().map(|a| a.start).collect();
    starts.extend(
        ops.iter()
            .filter(|o| o.kind != Read::ServiceTag)
            .map(|o| o.at),
    );
    starts.sort_unstable();
    let next_start = |x: usize| {
        let i = starts.partition_point(|&s| s <= x);
        starts.get(i).copied().unwrap_or(usize::MAX)
    };
    let mut op_used = vec![false; ops.len()];
    let mut tag_used = vec![false; tags.len()];
    let mut blob_used = vec![false; blobs.len()];
    let same_line = |a: usize, b: usize| p.line(a) == p.line(b);
    // The operation marker a sentence is part of: just before it (CLI, Go, PHP, CDK), the
    // `(Service: …)` right after it, or the record it is in.
    let op_of = |a: &Authz, used: &[bool]| -> Option<usize> {
        ops.iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .filter(|(_, o)| match o.kind {
                Read::ServiceTag => o.at >= a.end && o.at - a.end <= 200,
                Read::TrailText => {
                    let (la, lo) = (p.line(a.at), p.line(o.at));
                    p.para(la) == p.para(lo) && la.abs_diff(lo) <= 60
                }
                // `operation error SVC: Op, … api error Code: User: …`
                Read::GoV2 => {
                    o.end <= a.start
                        && a.start - o.end <= 600
                        && p.para(p.line(o.at)) == p.para(p.line(a.start))
                        && p.text(o.end, a.start).trim_end().ends_with(':')
                }
                // `… when calling the Op operation: User: …`, or with the service's
                // XML error body in between (the CLI prints it when it cannot parse it).
                // (Read in place: the text between can be long when they are far apart.)
                Read::Cli => {
                    o.end <= a.start
                        && match p.str(o.end, a.start) {
                            Some(between) => colon_then_markup(between),
                            None => colon_then_markup(&p.text(o.end, a.start)),
                        }
                }
                _ => o.end <= a.start && same_line(o.at, a.start),
            })
            .filter(|(_, o)| {
                o.kind == Read::TrailText
                    || o.kind == Read::ServiceTag
                    || next_start(o.at) >= a.start
            })
            .min_by_key(|(_, o)| o.at.abs_diff(a.at))
            .map(|(i, _)| i)
    };
    let blob_in = |from: usize, to: usize, used: &[bool]| -> Option<usize> {
        blobs
            .iter()
            .enumerate()
            .find(|(i, b)| !used[*i] && b.at >= from && b.at < to && b.at - from <= 3000)
            .map(|(i, _)| i)
    };
    for a in &authz {
        let op = op_of(a, &op_used).map(|i| {
            op_used[i] = true;
            ops[i].clone()
        });
        let tag = tags
            .iter()
            .enumerate()
            .find(|(i, t)| !tag_used[*i] && t.end <= a.start && a.start - t.end <= 10)
            .map(|(i, t)| {
                tag_used[i] = true;
                t.clone()
            });
        let blob = blob_in(a.start, next_start(a.start), &blob_used).map(|i| {
            blob_used[i] = true;
            blobs[i].clone()
        });
        out.push(s.build(
            Parts {
                authz: Some(a.clone()),
                op,
                tag,
                blob,
                ..Parts::at(a.start, a.end)
            },
            decoder,
        ));
    }
    for (i, o) in ops.iter().enumerate() {
        if op_used[i] || !o.denied {
            continue;
        }
        op_used[i] = true;
        let blob = blob_in(o.at, next_start(o.at), &blob_used).map(|i| {
            blob_used[i] = true;
            blobs[i].clone()
        });
        out.push(s.build(
            Parts {
                op: Some(o.clone()),
                blob,
                ..Parts::at(o.at, o.end)
            },
            decoder,
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        if tag_used[i] || !s.tag_denied(t) {
            continue;
        }
        tag_used[i] = true;
        out.push(s.build(
            Parts {
                tag: Some(t.clone()),
                fallback: Tool::Cloudformation,
                ..Parts::at(t.at, t.end)
            },
            decoder,
        ));
    }
    for (i, b) in blobs.iter().enumerate() {
        if blob_used[i] {
            continue;
        }
        out.push(s.build(
            Parts {
                blob: Some(b.clone()),
                ..Parts::at(b.at, b.end)
            },
            decoder,
        ));
    }
    for (m, arn) in &assumes {
        out.push(s.assume_denial(*m, arn));
    }
    s.bare(&bare, decoder, &mut out);
    out.sort_by_key(|d| d.line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn one(text: &str) -> Denial {
        let mut v = parse(text, &super::super::NotDecoded);
        super::super::dedupe(&mut v);
        assert_eq!(v.len(), 1, "{v:#?}");
        v.remove(0)
    }

    #[test]
    fn a_marker_belongs_to_its_own_message_only() {
        let mut v = parse(
            "upload failed: ./x to s3://b/k An error occurred (AccessDenied) when calling the PutObject operation: Access Denied\n\n\
             User: arn:aws:iam::1:user/u is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/j\"\n",
            &super::super::NotDecoded,
        );
        super::super::dedupe(&mut v);
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0].grants[0].permission.resource, "arn:aws:s3:::b/k");
        assert_eq!(v[0].operation.as_deref(), Some("PutObject"));
        assert_eq!(v[1].operation, None);
        assert_eq!(v[1].grants[0].permission.resource, "arn:aws:s3:::b/j");
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "",
            "not authorized to perform",
            "is not authorized to perform: ",
            "when calling the  operation",
            "operation error : ,",
            "(service: ",
            "Error executing \"",
            "Call failed: x(",
            "\"eventName\": \"",
            "API: ",
            "Encoded authorization failure message:",
            "could not be used to assume '",
            "{\"allowed\":",
            "\"DecodedMessage\":",
            "é is not authorized to perform: s3:GetObject on resource: \"é",
            "%",
            "https://x.s3.amazonaws.com/%e",
        ] {
            let _ = parse(t, &super::super::NotDecoded);
        }
    }
}
