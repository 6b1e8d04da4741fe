//! The sentence every producer shares: `[User: P] is not authorized to perform: ACTION
//! [on resource: RES] [because no <kind> allows …| with an explicit deny in <kind>[: arn]]`.

use super::prepare::{Scan, is_action_char, is_token_char, trim_token};
use crate::denied::resolve;
use crate::denied::{PolicyKind, Reason};

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
pub(super) struct Authz {
    /// Where the message starts (`User: …` before the marker, else the marker).
    pub(super) start: usize,
    /// The marker.
    pub(super) at: usize,
    /// Where the sentence (with its reason) ends.
    pub(super) end: usize,
    pub(super) principal: Option<String>,
    /// The action as printed, when it has a `:` (`SNS:Publish`).
    pub(super) action: Option<String>,
    pub(super) resource: Option<String>,
    pub(super) reason: Reason,
    /// The denying policy's ARN, when printed.
    pub(super) policy: Option<String>,
    /// The action was printed as `null`.
    pub(super) null_action: bool,
    /// The resource was cut off before its closing quote.
    pub(super) resource_cut: bool,
}

impl Scan<'_> {
    /// The sentence whose marker (`not authorized to perform`) is at `m` and ends at `after`.
    pub(super) fn authz(&self, m: usize, after: usize) -> Option<Authz> {
        let p = self.p;
        let mut i = p.skip_ws(after);
        if p.fb().get(i) == Some(&b':') {
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
        if p.fb().get(k) == Some(&b'"') {
            let s = k + 1;
            let limit = (s + 4096).min(p.len());
            if let Some(q) = p.fb()[s..limit].iter().position(|&b| b == b'"') {
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
        while matches!(p.fb().get(j), Some(b'"' | b'\'')) {
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
}

#[cfg(test)]
mod tests {
    use super::super::tests::one;
    use crate::denied::{PolicyKind, Reason};

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
}
