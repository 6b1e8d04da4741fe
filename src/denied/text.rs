//! Denial messages in free text (terminal output, CI logs, pasted issues).
//!
//! The text is redacted, JSON string escapes are blanked (length-preserving, so offsets
//! keep pointing into the input), and lines are joined into one "flat" string with
//! line-leading borders (`│` of Terraform, `>` of quotes) removed, so a message wrapped
//! over several lines reads as one sentence. Then:
//!
//! 1. sentences `… is not authorized to perform: ACTION [on resource: RES] [REASON]`;
//! 2. operation markers: `An error occurred (CODE) when calling the OP operation` (CLI,
//!    boto3), `operation error SVC: OP, … StatusCode: N … api error CODE` (Go v2,
//!    Terraform), `(Service: SVC, Status Code: N …)` (Java, CloudFormation),
//!    `Error executing "OP" on "URL"` (PHP), `Call failed: op({…}) => … (code=X)` (CDK),
//!    `"eventName": "OP"` of a pasted CloudTrail record;
//! 3. `API: svc:Action` tags (CloudFormation), `Encoded authorization failure message:`
//!    blobs, CDK's `could not be used to assume '…'` / `… was not assumed`, decoded
//!    authorization messages, and error codes with nothing else (`AccessDenied`).
//!
//! A sentence takes the operation marker of its own message (`… operation: User: …`,
//! `… api error Code: User: …`, the `(Service: …)` right after it, the record it sits in);
//! markers no sentence took become denials of their own, resolved through the operation.
//! A log holding many messages keeps them apart: a part never reaches past the next
//! message's start.

use memchr::memmem;

use crate::percent::percent_decode;
use serde_json::{Map, Value};

use super::authz::{self, AuthorizationDecoder};
use super::redact::redact;
use super::resolve::{self, Context};
use super::{Denial, Encoded, GrantVia, PolicyKind, Reason, Tool};
use crate::map::{FailureClass, prefix_of};

/// Characters that start a line only as decoration (Terraform's box, mail quotes).
const BORDERS: [char; 7] = ['│', '┃', '║', '╷', '╵', '>', '|'];

/// Lines around a denial within which a bare error code is taken to be part of it.
const NEAR: usize = 8;

/// How far (in lines) context is looked for around a message.
const WINDOW: usize = 40;

/// Blanks JSON string escapes without changing any offset.
fn unescape(r: &str) -> String {
    let mut b = r.as_bytes().to_vec();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' {
            match b[i + 1] {
                b'"' | b'/' | b'\'' => b[i] = b' ',
                b'n' | b't' | b'r' | b'\\' => {
                    b[i] = b' ';
                    b[i + 1] = b' ';
                }
                _ => {}
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

struct Prepared {
    u: String,
    fb: Vec<u8>,
    lb: Vec<u8>,
    /// Flat position → position in `u` (inputs are cut into chunks well below 4 GiB).
    f2u: Vec<u32>,
    line_starts: Vec<usize>,
    /// Paragraph of each line (0-based line index); `u32::MAX` for blank lines.
    para: Vec<u32>,
}

fn is_border_line(l: &str) -> bool {
    l.chars().all(|c| c.is_whitespace() || BORDERS.contains(&c))
}

impl Prepared {
    fn new(r: &str) -> Prepared {
        let u = unescape(r);
        let mut fb = Vec::with_capacity(u.len());
        let mut f2u = Vec::with_capacity(u.len());
        let mut chars = u.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\n' {
                fb.push(b' ');
                f2u.push(i as u32);
                while let Some(&(_, d)) = chars.peek() {
                    if d == ' ' || d == '\t' || d == '\r' || BORDERS.contains(&d) {
                        chars.next();
                    } else {
                        break;
                    }
                }
                continue;
            }
            if c == '\r' || c == '\t' {
                fb.push(b' ');
                f2u.push(i as u32);
                continue;
            }
            let mut buf = [0u8; 4];
            for (k, byte) in c.encode_utf8(&mut buf).bytes().enumerate() {
                fb.push(byte);
                f2u.push((i + k) as u32);
            }
        }
        let lb = fb.to_ascii_lowercase();
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', u.as_bytes()).map(|i| i + 1));
        let mut para = Vec::with_capacity(line_starts.len());
        let (mut id, mut prev_blank) = (0u32, false);
        for l in u.split('\n') {
            if is_border_line(l) {
                para.push(u32::MAX);
                prev_blank = true;
            } else {
                if prev_blank {
                    id += 1;
                }
                para.push(id);
                prev_blank = false;
            }
        }
        Prepared {
            u,
            fb,
            lb,
            f2u,
            line_starts,
            para,
        }
    }

    fn len(&self) -> usize {
        self.fb.len()
    }

    /// `i`, moved forward to the start of a character.
    fn boundary(&self, mut i: usize) -> usize {
        while i < self.len() && (self.fb[i] & 0xC0) == 0x80 {
            i += 1;
        }
        i.min(self.len())
    }

    /// 1-based line of a flat position.
    fn line(&self, f: usize) -> usize {
        let u = self.f2u.get(f).map_or(self.u.len(), |&x| x as usize);
        self.line_of_u(u)
    }

    fn line_of_u(&self, u: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= u).max(1)
    }

    fn para(&self, line: usize) -> u32 {
        self.para
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// Flat position of a position in `u`.
    fn f_of_u(&self, u: usize) -> usize {
        self.f2u.partition_point(|&x| (x as usize) < u)
    }

    /// Flat range of lines `first..=last` (1-based, clamped).
    fn f_lines(&self, first: usize, last: usize) -> (usize, usize) {
        let first = first.max(1);
        let last = last.min(self.line_starts.len()).max(first);
        let a = self
            .line_starts
            .get(first - 1)
            .copied()
            .unwrap_or(self.u.len());
        let b = self.line_starts.get(last).copied().unwrap_or(self.u.len());
        (self.f_of_u(a), self.f_of_u(b))
    }

    /// Flat range of the lines around `line` that belong to its paragraph.
    fn window(&self, line: usize, around: usize) -> (usize, usize) {
        let p = self.para(line);
        let mut first = line;
        while first > 1 && line - first < around && self.para(first - 1) == p {
            first -= 1;
        }
        let mut last = line;
        while last < self.line_starts.len() && last - line < around && self.para(last + 1) == p {
            last += 1;
        }
        self.f_lines(first, last)
    }

    fn text(&self, a: usize, b: usize) -> String {
        let a = a.min(self.len());
        let b = b.min(self.len()).max(a);
        String::from_utf8_lossy(&self.fb[a..b]).into_owned()
    }

    fn lower(&self, a: usize, b: usize) -> String {
        let a = a.min(self.len());
        let b = b.min(self.len()).max(a);
        String::from_utf8_lossy(&self.lb[a..b]).into_owned()
    }

    fn starts(&self, i: usize, pat: &[u8]) -> bool {
        self.lb.get(i..).is_some_and(|s| s.starts_with(pat))
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while i < self.len() && self.fb[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    }

    /// End of the run of bytes from `i` for which `keep` holds.
    fn run(&self, mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
        while i < self.len() && keep(self.fb[i]) {
            i += 1;
        }
        i
    }

    fn find(&self, from: usize, to: usize, pat: &[u8]) -> Option<usize> {
        let to = to.min(self.len());
        let from = from.min(to);
        memmem::find(&self.lb[from..to], pat).map(|p| from + p)
    }

    fn rfind(&self, from: usize, to: usize, pat: &[u8]) -> Option<usize> {
        let to = to.min(self.len());
        let from = from.min(to);
        memmem::rfind(&self.lb[from..to], pat).map(|p| from + p)
    }

    fn newline_between(&self, a: usize, b: usize) -> bool {
        let (Some(&ua), Some(&ub)) = (self.f2u.get(a), self.f2u.get(b)) else {
            return false;
        };
        let (ua, ub) = (ua as usize, ub as usize);
        self.u.as_bytes()[ua.min(ub)..ub.max(ua)].contains(&b'\n')
    }

    /// An excerpt of the message at `at` on its line(s), for the report.
    fn excerpt(&self, at: usize, end: usize) -> String {
        let line = self.line(at);
        let (ls, _) = self.f_lines(line, line);
        let (_, le) = self.f_lines(self.line(end.max(at)), self.line(end.max(at)));
        let start = if at.saturating_sub(ls) > 100 {
            self.boundary(at - 60)
        } else {
            ls
        };
        let stop = le.min(at + 600).max(end.min(self.len()));
        let mut s = self.text(start, stop).trim().to_string();
        if start > ls {
            s.insert(0, '…');
        }
        s
    }
}

fn is_action_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-' | b'*' | b'.')
}

fn is_token_char(b: u8) -> bool {
    !b.is_ascii_whitespace()
}

fn trim_token(s: &str) -> &str {
    let mut s = s.trim_start_matches(['"', '\'', '`', '(', '[', '{']);
    if s.ends_with('>') && !s.contains('<') {
        s = &s[..s.len() - 1];
    }
    s = s.trim_end_matches(['.', ',', ';', '"', '\'', '`']);
    if s.ends_with(')') && !s.contains('(') {
        s = &s[..s.len() - 1];
    }
    if s.ends_with(']') && !s.contains('[') {
        s = &s[..s.len() - 1];
    }
    s.trim_end_matches(['.', ',', ';', '"', '\'', '`'])
}

fn pascal(op: &str) -> String {
    let mut c = op.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn denied_code(code: &str) -> bool {
    code == "403" || FailureClass::of(code) == FailureClass::Denied
}

fn kind_of(phrase: &str) -> PolicyKind {
    let p = phrase.to_ascii_lowercase();
    if p.contains("vpc endpoint") {
        PolicyKind::VpcEndpoint
    } else if p.contains("service control") {
        PolicyKind::ServiceControl
    } else if p.contains("resource control") {
        PolicyKind::ResourceControl
    } else if p.contains("identity") {
        PolicyKind::IdentityBased
    } else if p.contains("permissions boundary") || p.contains("permission boundary") {
        PolicyKind::PermissionsBoundary
    } else if p.contains("session") {
        PolicyKind::Session
    } else if p.contains("resource-based") || p.contains("resource based") {
        PolicyKind::ResourceBased
    } else if p.contains("trust") {
        PolicyKind::RoleTrust
    } else {
        PolicyKind::Unspecified
    }
}

/// `… is not authorized to perform: ACTION …`
#[derive(Debug, Clone)]
struct Authz {
    start: usize,
    at: usize,
    end: usize,
    principal: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    reason: Reason,
    policy: Option<String>,
    null_action: bool,
    resource_cut: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpKind {
    Cli,
    GoV2,
    ServiceTag,
    Php,
    CdkCall,
    TrailText,
}

#[derive(Debug, Clone)]
struct Op {
    at: usize,
    end: usize,
    kind: OpKind,
    service: Option<String>,
    prefix: Option<&'static str>,
    op: Option<String>,
    code: Option<String>,
    denied: bool,
    params: Map<String, Value>,
    url: Option<String>,
    message: Option<String>,
}

#[derive(Debug, Clone)]
struct Tag {
    at: usize,
    end: usize,
    action: String,
}

#[derive(Debug, Clone)]
struct Blob {
    at: usize,
    end: usize,
    blob: String,
}

struct Scan<'a> {
    p: &'a Prepared,
}

impl Scan<'_> {
    fn all(&self, pat: &str) -> Vec<usize> {
        memmem::find_iter(&self.p.lb, pat.as_bytes()).collect()
    }

    // ---- sentences -------------------------------------------------------------

    fn authz_all(&self) -> Vec<Authz> {
        self.all("not authorized to perform")
            .into_iter()
            .filter_map(|m| self.authz(m))
            .collect()
    }

    fn authz(&self, m: usize) -> Option<Authz> {
        let p = self.p;
        let mut i = p.skip_ws(m + "not authorized to perform".len());
        if p.fb.get(i) == Some(&b':') {
            i = p.skip_ws(i + 1);
        }
        for generic in [
            &b"this operation"[..],
            b"the operation",
            b"this action",
            b"the action",
        ] {
            if p.starts(i, generic) {
                return None;
            }
        }
        let a_start = i;
        let raw_end = p.run(i, is_action_char);
        let mut action = trim_token(&p.text(a_start, raw_end)).to_string();
        let mut a_end = a_start + action.len();
        if action.contains(':') && resolve::lookup_action(&action).is_none() {
            // A terminal or table wrapped the action name: `iam:PutRolePo` / `licy`.
            let j = p.skip_ws(a_end);
            if j > a_end && p.newline_between(a_end, j) {
                let k = p.run(j, |b| b.is_ascii_alphanumeric());
                let joined = format!("{action}{}", p.text(j, k));
                if resolve::lookup_action(&joined).is_some() {
                    action = joined;
                    a_end = k;
                }
            }
        }
        let null_action = action.eq_ignore_ascii_case("null");
        let action = action.contains(':').then_some(action);
        let mut i = a_end;
        let mut resource = None;
        let mut resource_cut = false;
        let j = p.skip_ws(i);
        if let Some(pat) = [&b"on resource:"[..], b"on resource "]
            .into_iter()
            .find(|pat| p.starts(j, pat))
        {
            let k = p.skip_ws(j + pat.len());
            if p.starts(k, b"because") || p.starts(k, b"with an explicit") {
                i = k;
            } else {
                let (r, e, cut) = self.resource_value(k);
                resource = r;
                resource_cut = cut;
                i = e;
            }
        } else if p.starts(j, b"on the resource") {
            i = j + "on the resource".len();
        }
        let (reason, policy, end) = self.reason_at(i);
        let (principal, start) = self.principal_before(m);
        Some(Authz {
            start,
            at: m,
            end: end.max(i),
            principal,
            action,
            resource,
            reason,
            policy,
            null_action,
            resource_cut,
        })
    }

    /// The resource value at `k`, where it ends, and whether it was cut off.
    fn resource_value(&self, k: usize) -> (Option<String>, usize, bool) {
        let p = self.p;
        if p.fb.get(k) == Some(&b'"') {
            let s = k + 1;
            let limit = (s + 4096).min(p.len());
            if let Some(q) = p.fb[s..limit].iter().position(|&b| b == b'"') {
                let v = p.text(s, s + q).trim().to_string();
                return ((!v.is_empty()).then_some(v), s + q + 1, false);
            }
            // Cut off before its closing quote: up to the next space, and say so.
            let e = p.run(s, is_token_char);
            let v = trim_token(&p.text(s, e)).to_string();
            return ((!v.is_empty()).then_some(v), e, true);
        }
        for kind in ["role ", "policy ", "user ", "group ", "instance-profile "] {
            if p.starts(k, kind.as_bytes()) {
                let s = p.skip_ws(k + kind.len());
                let e = p.run(s, is_token_char);
                let name = trim_token(&p.text(s, e)).to_string();
                if !name.is_empty() {
                    return (Some(format!("{kind}{name}")), e, false);
                }
            }
        }
        let e = p.run(k, |b| is_token_char(b) && !matches!(b, b'"' | b'\'' | b'`'));
        let v = trim_token(&p.text(k, e)).to_string();
        ((!v.is_empty()).then_some(v), e, false)
    }

    fn reason_at(&self, i: usize) -> (Reason, Option<String>, usize) {
        let p = self.p;
        let mut j = p.skip_ws(i);
        while matches!(p.fb.get(j), Some(b'"' | b'\'')) {
            j = p.skip_ws(j + 1);
        }
        if p.starts(j, b"because no ") {
            let s = j + "because no ".len();
            if let Some(a) = p.find(s, s + 80, b" allow") {
                return (Reason::Implicit(kind_of(&p.lower(s, a))), None, a + 6);
            }
        }
        if p.starts(j, b"because the role trust policy") {
            return (Reason::Implicit(PolicyKind::RoleTrust), None, j + 29);
        }
        for lead in [&b"with an explicit deny"[..], b"due to an explicit deny"] {
            if !p.starts(j, lead) {
                continue;
            }
            let s = j + lead.len();
            let (kind, mut e) = if p.starts(s, b" in ") {
                let t = s + 4;
                let stop = p
                    .find(t, t + 80, b" policy")
                    .map(|x| x + 7)
                    .or_else(|| p.find(t, t + 80, b"boundary").map(|x| x + 8))
                    .unwrap_or(t);
                (kind_of(&p.lower(t, stop)), stop)
            } else {
                (PolicyKind::Unspecified, s)
            };
            if p.starts(e, b" transitively through") {
                e = p.find(e, e + 80, b" policy").map_or(e, |x| x + 7);
            }
            let mut policy = None;
            if p.starts(e, b": arn:") {
                let s = e + 2;
                let pe = p.run(s, is_token_char);
                policy = Some(trim_token(&p.text(s, pe)).to_string());
                e = pe;
            }
            return (Reason::Explicit(kind), policy, e);
        }
        (Reason::Unstated, None, i)
    }

    fn principal_before(&self, m: usize) -> (Option<String>, usize) {
        let p = self.p;
        let lo = p.boundary(m.saturating_sub(400));
        let before = p.lower(lo, m);
        let t = before.trim_end();
        let t = t
            .strip_suffix("is")
            .or_else(|| t.strip_suffix("are"))
            .unwrap_or(t)
            .trim_end();
        let end = lo + t.len();
        let start = lo
            + t.char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace())
                .map_or(0, |(x, c)| x + c.len_utf8());
        let tok = trim_token(&p.text(start, end)).to_string();
        let user_before = p
            .lower(start.saturating_sub(12), start)
            .trim_end()
            .ends_with("user:");
        let span_start = if user_before {
            p.rfind(start.saturating_sub(12), start, b"user:")
                .unwrap_or(start)
        } else {
            start
        };
        if tok.starts_with("arn:") || (user_before && !tok.is_empty() && !tok.ends_with(':')) {
            (Some(tok), span_start)
        } else {
            (None, m)
        }
    }

    // ---- operation markers -------------------------------------------------------

    fn ops_all(&self) -> Vec<Op> {
        let mut out = Vec::new();
        out.extend(
            self.all("when calling the ")
                .into_iter()
                .filter_map(|m| self.op_cli(m)),
        );
        out.extend(
            self.all("operation error ")
                .into_iter()
                .filter_map(|m| self.op_go(m)),
        );
        out.extend(
            self.all("(service: ")
                .into_iter()
                .filter_map(|m| self.op_service_tag(m)),
        );
        out.extend(
            self.all("error executing \"")
                .into_iter()
                .filter_map(|m| self.op_php(m)),
        );
        out.extend(
            self.all("call failed: ")
                .into_iter()
                .filter_map(|m| self.op_cdk_call(m)),
        );
        out.extend(
            self.all("\"eventname\"")
                .into_iter()
                .filter_map(|m| self.op_trail(m)),
        );
        out.sort_by_key(|o| o.at);
        out
    }

    /// The rest of a message after `i` (to the end of its line, at most `n` bytes).
    fn message_after(&self, i: usize, n: usize) -> String {
        let line = self.p.line(i);
        let (_, le) = self.p.f_lines(line, line);
        self.p.text(i, le.min(i + n)).trim().to_string()
    }

    fn op_cli(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let s = m + "when calling the ".len();
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
            at: m,
            end,
            kind: OpKind::Cli,
            service: None,
            prefix: None,
            op: Some(op),
            code,
            denied,
            params: Map::new(),
            url: None,
            message: Some(message),
        })
    }

    /// An error code among the words of `[a, b)`: a word that the failure classes call
    /// denied (`AccessDeniedException:`).
    fn code_word(&self, a: usize, b: usize) -> Option<String> {
        let p = self.p;
        let mut i = a;
        while i < b.min(p.len()) {
            let s = p.run(i, |c| !c.is_ascii_alphanumeric() && c != b'.');
            let e = p.run(s, |c| c.is_ascii_alphanumeric() || c == b'.');
            if e >= b.min(p.len()) || s == e {
                break;
            }
            let w = p.text(s, e);
            if w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && p.fb.get(e) == Some(&b':')
                && FailureClass::of(&w) == FailureClass::Denied
            {
                return Some(w);
            }
            i = e;
        }
        None
    }

    fn op_go(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let s = m + "operation error ".len();
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
            at: m,
            end: oe,
            kind: OpKind::GoV2,
            service: Some(service),
            prefix: None,
            op: Some(op),
            code,
            denied,
            params: Map::new(),
            url: None,
            message: None,
        })
    }

    fn op_service_tag(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let s = m + "(service: ".len();
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
            at: m,
            end: close,
            kind: OpKind::ServiceTag,
            service: Some(service),
            prefix: None,
            op: None,
            code,
            denied,
            params: Map::new(),
            url: None,
            message: None,
        })
    }

    fn op_php(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let s = m + "error executing \"".len();
        let e = p.run(s, |b| b.is_ascii_alphanumeric());
        if e == s || p.fb.get(e) != Some(&b'"') {
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
            at: m,
            end: e,
            kind: OpKind::Php,
            service: None,
            prefix: None,
            op: Some(op),
            code,
            denied,
            params: Map::new(),
            url,
            message: None,
        })
    }

    fn op_cdk_call(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let s = m + "call failed: ".len();
        let e = p.run(s, |b| b.is_ascii_alphanumeric());
        if e == s || p.fb.get(e) != Some(&b'(') {
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
            at: m,
            end: arrow,
            kind: OpKind::CdkCall,
            service: None,
            prefix: None,
            op: Some(op),
            code,
            denied,
            params,
            url: None,
            message: Some(message),
        })
    }

    /// A JSON string value after `"key"` at `m` (`"key": "value"`).
    fn json_str_after(&self, m: usize, key_len: usize) -> Option<(String, usize)> {
        let p = self.p;
        let mut i = p.skip_ws(m + key_len);
        if p.fb.get(i) != Some(&b':') {
            return None;
        }
        i = p.skip_ws(i + 1);
        if p.fb.get(i) != Some(&b'"') {
            return None;
        }
        let s = i + 1;
        let e = p.run(s, |b| b != b'"');
        Some((p.text(s, e).trim().to_string(), e))
    }

    fn op_trail(&self, m: usize) -> Option<Op> {
        let p = self.p;
        let (op, _) = self.json_str_after(m, "\"eventname\"".len())?;
        let (a, b) = p.window(p.line(m), 60);
        let near = |key: &str| {
            let hits: Vec<usize> = memmem::find_iter(&p.lb[a..b], key.as_bytes())
                .map(|x| a + x)
                .collect();
            hits.into_iter()
                .min_by_key(|x| x.abs_diff(m))
                .and_then(|x| self.json_str_after(x, key.len()))
                .map(|(v, _)| v)
        };
        let code = near("\"errorcode\"")?;
        if !denied_code(&code) {
            return None;
        }
        let source = near("\"eventsource\"");
        Some(Op {
            at: m,
            end: m + 12,
            kind: OpKind::TrailText,
            service: source.clone(),
            prefix: source.as_deref().and_then(prefix_of),
            op: Some(op.trim().to_string()),
            code: Some(code),
            denied: true,
            params: Map::new(),
            url: None,
            message: None,
        })
    }

    // ---- tags, blobs, CDK ----------------------------------------------------------

    fn tags_all(&self) -> Vec<Tag> {
        let p = self.p;
        self.all("api: ")
            .into_iter()
            .filter(|&m| m == 0 || matches!(p.fb[m - 1], b' ' | b'"' | b'\'' | b'`' | b'('))
            .filter_map(|m| {
                let s = m + 5;
                let e = p.run(s, is_action_char);
                let action = trim_token(&p.text(s, e)).to_string();
                (action.contains(':') && resolve::lookup_action(&action).is_some()).then_some(Tag {
                    at: m,
                    end: e,
                    action,
                })
            })
            .collect()
    }

    fn blobs_all(&self) -> Vec<Blob> {
        let p = self.p;
        self.all("encoded authorization failure message:")
            .into_iter()
            .map(|m| {
                let s = p.skip_ws(m + "encoded authorization failure message:".len());
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
            })
            .collect()
    }

    /// CDK: `current credentials could not be used to assume 'ARN'` and
    /// `Lookup role ARN was not assumed`.
    fn assumes(&self) -> Vec<(usize, String)> {
        let p = self.p;
        let mut out = Vec::new();
        for m in self.all("could not be used to assume '") {
            let s = m + "could not be used to assume '".len();
            let e = p.run(s, |b| b != b'\'' && !b.is_ascii_whitespace());
            let arn = p.text(s, e);
            if arn.starts_with("arn:") {
                out.push((m, arn));
            }
        }
        for m in self.all(" was not assumed") {
            let lo = m.saturating_sub(300);
            let before = p.text(lo, m);
            if let Some(tok) = before.split_whitespace().last()
                && tok.starts_with("arn:")
                && tok.contains(":role/")
            {
                out.push((m, trim_token(tok).to_string()));
            }
        }
        out.sort();
        out
    }

    // ---- context -------------------------------------------------------------------

    fn arns_in(&self, a: usize, b: usize) -> Vec<String> {
        let p = self.p;
        let mut out: Vec<String> = Vec::new();
        for x in memmem::find_iter(&p.lb[a..b.min(p.len())], b"arn:") {
            let s = a + x;
            if s > 0 && p.fb[s - 1].is_ascii_alphanumeric() {
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
    fn nearest_s3_refs(
        &self,
        line: usize,
        window: (usize, usize),
    ) -> Vec<(String, String, Option<String>)> {
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
    fn s3_refs(&self, a: usize, b: usize) -> Vec<(String, String, Option<String>)> {
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
        for (x, _) in lower.match_indices("failed to upload ") {
            let from = x + "failed to upload ".len();
            if let Some(to) = lower[from..].find(" to ").map(|t| from + t + 4)
                && let Some(colon) = lower[to..].find(": ").map(|c| to + c)
                && let Some((bk, key)) = text.get(to..colon).and_then(|s| s.split_once('/'))
            {
                push(bk, key, None);
            }
        }
        for (x, _) in lower.match_indices("s3 bucket (") {
            let s = x + "s3 bucket (".len();
            if let Some(e) = lower[s..].find(')') {
                push(text.get(s..s + e).unwrap_or_default(), "", None);
            }
        }
        out
    }

    /// An operation named by a Java SDK stack frame (`DefaultS3Client.listObjectsV2(`,
    /// `AmazonS3Client.getObject(`), with the service.
    fn java_frame(&self, a: usize, b: usize) -> Option<(String, String)> {
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
    fn js_hints(&self, a: usize, b: usize) -> (Option<String>, Option<String>) {
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

    /// A principal named after `User:` between `a` and `b`.
    fn user_in(&self, a: usize, b: usize) -> Option<String> {
        let p = self.p;
        let x = p.find(a, b, b"user: ")?;
        let s = p.skip_ws(x + 6);
        let t = trim_token(&p.text(s, p.run(s, is_token_char))).to_string();
        (!t.is_empty()).then_some(t)
    }

    /// An error code written near a message (`api error X:`, `(code=X)`,
    /// `HandlerErrorCode: X`, `code: 'X'`, `<Code>X</Code>`, `X: User:`).
    fn code_near(&self, a: usize, b: usize) -> Option<String> {
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

    fn tool(&self, at: usize, fallback: Tool) -> Tool {
        let p = self.p;
        let line = p.line(at);
        let (ls, le) = p.f_lines(line, line);
        let l = p.lower(ls, le);
        let (wa, wb) = p.window(line, WINDOW);
        let w = p.lower(wa, wb);
        let (ua, ub) = (
            p.line_starts[line.saturating_sub(WINDOW).max(1) - 1],
            p.line_starts
                .get(line + WINDOW)
                .copied()
                .unwrap_or(p.u.len()),
        );
        let raw = p.u.get(ua..ub).unwrap_or_default();
        let terraform = w.contains("with aws_")
            || w.contains(".tf line")
            || w.contains("error applying plan")
            || w.contains("* aws_")
            || w.contains("terraform")
            || raw.contains("│ Error:");
        // Go SDK v1 prints `status code: 403, request id: …` on the line after the message.
        let (ns, ne) = p.f_lines(line + 1, line + 1);
        let next = p.lower(ns, ne);
        let go_v1_status = [l.as_str(), next.as_str()].iter().any(|x| {
            x.trim_start_matches(|c: char| c.is_whitespace() || BORDERS.contains(&c) || c == '*')
                .starts_with("status code: 4")
        }) || l.contains(" status code: 403, request id");
        let event_table = l.contains("aws::")
            && ["_failed", "_in_progress", "_complete"]
                .iter()
                .any(|s| l.contains(s));
        if l.contains('❌') || l.contains("failed bootstrapping") {
            Tool::Cdk
        } else if l.contains("resource handler returned message")
            || event_table
            || l.trim_start().starts_with("api: ")
            || l.contains("\"api: ")
        {
            Tool::Cloudformation
        } else if l.contains("proceeding with default credentials")
            || l.contains("proceeding anyway")
            || l.contains(">cdk ")
            || w.contains("aws-cdk/")
        {
            Tool::Cdk
        } else if l.contains("operation error ") {
            if terraform {
                Tool::Terraform
            } else {
                Tool::GoSdkV2
            }
        } else if w.contains("botocore")
            || w.contains("boto3")
            || w.contains("traceback (most recent call last)")
        {
            Tool::Boto3
        } else if l.contains("an error occurred (") || l.contains("a client error (") {
            Tool::AwsCli
        } else if w.contains("software.amazon.awssdk") {
            Tool::JavaSdkV2
        } else if w.contains("com.amazonaws") || l.contains("(service: amazon") {
            Tool::JavaSdkV1
        } else if w.contains("$fault")
            || w.contains("@aws-sdk/")
            || w.contains("de_commanderror")
            || w.contains("deserializeaws_")
        {
            Tool::JsSdkV3
        } else if w.contains("aws-sdk/lib/") || w.contains("\"retryable\":") {
            Tool::JsSdkV2
        } else if w.contains("amazon.runtime") {
            Tool::DotnetSdk
        } else if l.contains("error executing \"") || w.contains("aws http error") {
            Tool::PhpSdk
        } else if w.contains("\"errorcode\"") || w.contains("\"errormessage\"") {
            Tool::Cloudtrail
        } else if l.contains("(service: ") && !l.contains("(service: amazon") {
            Tool::JavaSdkV2
        } else if l.trim_start().starts_with("error: error ") {
            Tool::Terraform
        } else if w.contains("respmetadata") || w.contains("message_:") {
            Tool::GoSdkV1
        } else if go_v1_status {
            if terraform {
                Tool::Terraform
            } else {
                Tool::GoSdkV1
            }
        } else if terraform {
            Tool::Terraform
        } else {
            fallback
        }
    }
}

/// What one denial is made of before it is resolved.
struct Parts {
    at: usize,
    end: usize,
    authz: Option<Authz>,
    op: Option<Op>,
    tag: Option<Tag>,
    blob: Option<Blob>,
    fallback: Tool,
}

impl Scan<'_> {
    fn build(&self, parts: Parts, decoder: &dyn AuthorizationDecoder) -> Denial {
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
            (_, Some(o)) if o.kind == OpKind::CdkCall => Tool::Cdk,
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

/// Decodes an encoded message into `d` when the decoder can.
pub(crate) fn decode_into(
    d: &mut Denial,
    ctx: &Context,
    blob: &str,
    decoder: &dyn AuthorizationDecoder,
) {
    let decoded = decoder.decode(blob).and_then(|json| {
        authz::parse_decoded(&json)
            .ok_or_else(|| "the decoder returned no decoded message".to_string())
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
                e.note = Some(note);
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
            g.permission.condition = Some(crate::iam::permission::Condition {
                op: "StringEquals",
                key: "iam:PassedToService",
                value: svc.to_string(),
            });
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

/// Decoded authorization messages pasted in the input (`{"DecodedMessage": "…"}` or
/// the inner document).
fn decoded_docs(p: &Prepared, r: &str, out: &mut Vec<Denial>) {
    let mut found: Vec<(usize, authz::Decoded)> = Vec::new();
    for m in memmem::find_iter(r.as_bytes(), b"\"DecodedMessage\"") {
        let rest = &r.as_bytes()[m + 16..];
        let Some(colon) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        if rest[colon] != b':' {
            continue;
        }
        let start = m + 16 + colon + 1;
        let Some(tail) = r.get(start..) else { continue };
        let mut it = serde_json::Deserializer::from_str(tail.trim_start()).into_iter::<String>();
        if let Some(Ok(s)) = it.next()
            && let Some(dm) = authz::parse_decoded(&s)
        {
            found.push((m, dm));
        }
    }
    for m in memmem::find_iter(r.as_bytes(), b"{\"allowed\":") {
        let Some(tail) = r.get(m..) else { continue };
        let mut it = serde_json::Deserializer::from_str(tail).into_iter::<Value>();
        if let Some(Ok(v)) = it.next()
            && let Some(dm) = authz::from_value(&v)
        {
            found.push((m, dm));
        }
    }
    for (m, dm) in found {
        if dm.allowed {
            continue;
        }
        let line = p.line_of_u(m);
        let raw = r.lines().nth(line - 1).unwrap_or_default();
        let mut d = Denial::new(Tool::DecodedMessage, raw);
        d.line = Some(line);
        d.encoded = None;
        apply_decoded(&mut d, &Context::default(), &dm);
        out.push(d);
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
    let a = s.authz_all().into_iter().next();
    let blob = s.blobs_all().into_iter().next().map(|b| b.blob);
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
/// `:` and then nothing, or an XML error body (`<?xml …?><ErrorResponse>…<Message>`): what
/// separates the CLI's operation marker from the message, also when the CLI prints a
/// body it could not parse.
fn colon_then_markup(between: &str) -> bool {
    let Some(rest) = between.trim().strip_prefix(':') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty()
        || (rest.starts_with('<') && rest.trim_end().ends_with('>') && rest.len() <= 600)
}

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
    let mut out = Vec::new();
    decoded_docs(&p, &r, &mut out);

    let authz = s.authz_all();
    let ops = s.ops_all();
    let tags = s.tags_all();
    let blobs = s.blobs_all();
    // Where each message starts: a part belongs to a message only up to the next one.
    let mut starts: Vec<usize> = authz.iter().map(|a| a.start).collect();
    starts.extend(
        ops.iter()
            .filter(|o| o.kind != OpKind::ServiceTag)
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
                OpKind::ServiceTag => o.at >= a.end && o.at - a.end <= 200,
                OpKind::TrailText => {
                    let (la, lo) = (p.line(a.at), p.line(o.at));
                    p.para(la) == p.para(lo) && la.abs_diff(lo) <= 60
                }
                // `operation error SVC: Op, … api error Code: User: …`
                OpKind::GoV2 => {
                    o.end <= a.start
                        && a.start - o.end <= 600
                        && p.para(p.line(o.at)) == p.para(p.line(a.start))
                        && p.text(o.end, a.start).trim_end().ends_with(':')
                }
                // `… when calling the Op operation: User: …`, or with the service's
                // XML error body in between (the CLI prints it when it cannot parse it).
                OpKind::Cli => o.end <= a.start && colon_then_markup(&p.text(o.end, a.start)),
                _ => o.end <= a.start && same_line(o.at, a.start),
            })
            .filter(|(_, o)| {
                o.kind == OpKind::TrailText
                    || o.kind == OpKind::ServiceTag
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
                at: a.start,
                end: a.end,
                authz: Some(a.clone()),
                op,
                tag,
                blob,
                fallback: Tool::Unknown,
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
                at: o.at,
                end: o.end,
                authz: None,
                op: Some(o.clone()),
                tag: None,
                blob,
                fallback: Tool::Unknown,
            },
            decoder,
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        let tail = p.lower(t.end, t.end + 40);
        if tag_used[i]
            || !(tail.trim_start().starts_with("access denied") || tail.contains("accessdenied"))
        {
            continue;
        }
        tag_used[i] = true;
        out.push(s.build(
            Parts {
                at: t.at,
                end: t.end,
                authz: None,
                op: None,
                tag: Some(t.clone()),
                blob: None,
                fallback: Tool::Cloudformation,
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
                at: b.at,
                end: b.end,
                authz: None,
                op: None,
                tag: None,
                blob: Some(b.clone()),
                fallback: Tool::Unknown,
            },
            decoder,
        ));
    }
    for (m, arn) in s.assumes() {
        let line = p.line(m);
        let (ls, le) = p.f_lines(line, line);
        let mut d = Denial::new(Tool::Cdk, &p.excerpt(ls.max(m.saturating_sub(200)), le));
        d.line = Some(line);
        d.action = Some("sts:AssumeRole".into());
        d.resource = Some(arn.clone());
        d.notes.push(
            "CDK could not assume this role and went on with the current credentials; granting sts:AssumeRole helps only if the role's trust policy trusts this principal (cdk bootstrap --trust)".into(),
        );
        resolve_grants(&mut d, &Context::default());
        out.push(d);
    }
    // Error codes with nothing else to go on.
    let mut taken: Vec<usize> = out.iter().filter_map(|d| d.line).collect();
    taken.sort_unstable();
    let near_taken = |line: usize, para: u32| {
        let i = taken.partition_point(|&l| l < line.saturating_sub(NEAR));
        taken[i..]
            .iter()
            .take_while(|&&l| l <= line + NEAR)
            .any(|&l| p.para(l) == para)
    };
    let mut seen_para = std::collections::BTreeSet::new();
    let mut markers: Vec<usize> = Vec::new();
    for pat in [
        "accessdenied",
        "unauthorizedoperation",
        "not authorized to access this resource",
        "not authorized to perform this operation",
        ": access denied",
        "access denied (service",
    ] {
        markers.extend(s.all(pat));
    }
    markers.sort_unstable();
    for m in markers {
        let line = p.line(m);
        let para = p.para(line);
        if seen_para.contains(&para) || near_taken(line, para) || !seen_para.insert(para) {
            continue;
        }
        // Start the excerpt at the beginning of the code word.
        let start = (m.saturating_sub(40)..m)
            .rev()
            .find(|&i| p.fb[i].is_ascii_whitespace())
            .map_or(m, |i| i + 1);
        out.push(s.build(
            Parts {
                at: start,
                end: m,
                authz: None,
                op: None,
                tag: None,
                blob: None,
                fallback: Tool::Unknown,
            },
            decoder,
        ));
    }
    out.sort_by_key(|d| d.line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Denial {
        let mut v = parse(text, &super::super::NotDecoded);
        super::super::dedupe(&mut v);
        assert_eq!(v.len(), 1, "{v:#?}");
        v.remove(0)
    }

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

    #[test]
    fn sentence_with_reason_and_wrapped_lines() {
        let d = one(
            "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: \n  codedeploy:ListDeployments on resource: arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in a VPC endpoint policy",
        );
        assert_eq!(d.reason, Reason::Explicit(PolicyKind::VpcEndpoint));
        assert_eq!(
            d.principal.as_deref(),
            Some("arn:aws:iam::123456789012:user/JohnDoe")
        );
        assert_eq!(d.action.as_deref(), Some("codedeploy:ListDeployments"));
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
    fn a_bare_s3_error_takes_the_nearest_url() {
        // `set -x` output of a script: the upload before went through; the download's
        // HeadObject was denied, and the CLI's `fatal error` line names no object.
        let log = "+ aws s3 cp ./a.txt s3://b/one.txt\n\
                   upload: ./a.txt to s3://b/one.txt\n\
                   + aws s3 cp s3://b/two.txt ./x\n\
                   fatal error: An error occurred (403) when calling the HeadObject operation: Forbidden\n";
        let v = parse(log, &super::super::NotDecoded);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(v[0].grants[0].permission.action.to_string(), "s3:GetObject");
        assert_eq!(v[0].grants[0].permission.resource, "arn:aws:s3:::b/two.txt");
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
