//! Fitting statements into IAM's policy size quotas.
//!
//! IAM counts characters without whitespace: 6,144 for a managed policy; inline policies
//! share 2,048 per user, 5,120 per group and 10,240 per role (all inline policies of the
//! identity together). Statements are packed first-fit in their output order; a
//! statement too large on its own is cut by resources (then by actions) into parts that
//! each fit, Sids suffixed `Part1`, `Part2`, ….

use crate::iam::policy::{Document, Statement};

/// Named size quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeLimit {
    /// Customer managed policy: 6,144.
    Managed,
    /// All inline policies of a role: 10,240.
    InlineRole,
    /// All inline policies of a user: 2,048.
    InlineUser,
    /// All inline policies of a group: 5,120.
    InlineGroup,
    /// A custom number of characters.
    Chars(usize),
}

impl SizeLimit {
    /// The limit in characters (whitespace not counted).
    pub fn chars(self) -> usize {
        match self {
            SizeLimit::Managed => 6_144,
            SizeLimit::InlineRole => 10_240,
            SizeLimit::InlineUser => 2_048,
            SizeLimit::InlineGroup => 5_120,
            SizeLimit::Chars(n) => n,
        }
    }
}

impl std::str::FromStr for SizeLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "managed" => SizeLimit::Managed,
            "inline-role" => SizeLimit::InlineRole,
            "inline-user" => SizeLimit::InlineUser,
            "inline-group" => SizeLimit::InlineGroup,
            n => SizeLimit::Chars(n.parse().ok().filter(|n| *n >= 200).ok_or_else(|| {
                format!("`{s}`: expected managed, inline-role, inline-user, inline-group or a number of characters (at least 200)")
            })?),
        })
    }
}

/// Why statements could not be made to fit.
#[derive(Debug, thiserror::Error)]
#[error("statement {sid} cannot fit in {limit} characters even with one action and one resource")]
pub struct TooLarge {
    /// The statement.
    pub sid: String,
    /// The limit.
    pub limit: usize,
}

fn size_of(statements: &[Statement]) -> usize {
    Document::new(statements.to_vec()).iam_size()
}

/// Cuts one statement into parts that each fit alone.
fn cut(st: &Statement, limit: usize, out: &mut Vec<Statement>) -> Result<(), TooLarge> {
    if size_of(std::slice::from_ref(st)) <= limit {
        out.push(st.clone());
        return Ok(());
    }
    let res = st
        .resource
        .as_ref()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let act = st.action.as_ref().map(|a| a.0.clone()).unwrap_or_default();
    let halve = |v: &[String]| (v[..v.len() / 2].to_vec(), v[v.len() / 2..].to_vec());
    let (a, b) = if res.len() > 1 {
        let (x, y) = halve(&res);
        let mut a = st.clone();
        a.resource.as_mut().expect("has resources").0 = x;
        let mut b = st.clone();
        b.resource.as_mut().expect("has resources").0 = y;
        (a, b)
    } else if act.len() > 1 {
        let (x, y) = halve(&act);
        let mut a = st.clone();
        a.action.as_mut().expect("has actions").0 = x;
        let mut b = st.clone();
        b.action.as_mut().expect("has actions").0 = y;
        (a, b)
    } else {
        return Err(TooLarge {
            sid: st.sid.clone().unwrap_or_default(),
            limit,
        });
    };
    cut(&a, limit, out)?;
    cut(&b, limit, out)
}

/// Packs statements into as few documents as fit under `limit`.
pub fn split(statements: &[Statement], limit: SizeLimit) -> Result<Vec<Document>, TooLarge> {
    let limit = limit.chars();
    let mut parts = Vec::new();
    for st in statements {
        let before = parts.len();
        cut(st, limit, &mut parts)?;
        let n = parts.len() - before;
        if n > 1 {
            for (i, p) in parts[before..].iter_mut().enumerate() {
                p.sid = p.sid.as_ref().map(|s| format!("{s}Part{}", i + 1));
            }
        }
    }
    // A document's size is the empty document's plus each statement's own characters
    // plus a comma between statements, so each statement is measured once rather than
    // every trial document re-serialized.
    let empty = size_of(&[]);
    let mut docs: Vec<(Vec<Statement>, usize)> = Vec::new();
    for st in parts {
        let own = size_of(std::slice::from_ref(&st)) - empty;
        match docs.iter().position(|(_, size)| size + 1 + own <= limit) {
            Some(i) => {
                docs[i].1 += 1 + own;
                docs[i].0.push(st);
            }
            None => docs.push((vec![st], empty + own)),
        }
    }
    debug_assert!(docs.iter().all(|(d, size)| size_of(d) == *size));
    if docs.is_empty() {
        docs.push((Vec::new(), empty));
    }
    Ok(docs.into_iter().map(|(d, _)| Document::new(d)).collect())
}

/// IAM's default quota of managed policies attached to one role, user or group.
pub const MANAGED_ATTACHMENTS: usize = 10;

/// Warnings for documents that together break a per-identity quota: more managed
/// policies than IAM attaches to one identity by default, or inline documents whose sum
/// is over the quota all inline policies of the identity share.
pub fn quota_warnings(docs: &[Document], limit: SizeLimit) -> Vec<String> {
    let inline = match limit {
        SizeLimit::InlineRole => Some(("role", SizeLimit::InlineRole)),
        SizeLimit::InlineUser => Some(("user", SizeLimit::InlineUser)),
        SizeLimit::InlineGroup => Some(("group", SizeLimit::InlineGroup)),
        SizeLimit::Managed | SizeLimit::Chars(_) => None,
    };
    let total: usize = docs.iter().map(Document::iam_size).sum();
    let mut out = Vec::new();
    match inline {
        Some((kind, quota)) if docs.len() > 1 && total > quota.chars() => out.push(format!(
            "the {} inline policy documents are {total} characters together, over the {} characters that all inline policies of a {kind} share: attach them as managed policies instead (--size-limit managed)",
            docs.len(),
            quota.chars()
        )),
        Some(_) => {}
        None if docs.len() > MANAGED_ATTACHMENTS => out.push(format!(
            "{} managed policies: IAM attaches at most {MANAGED_ATTACHMENTS} to a role, user or group by default (Service Quotas can raise it to 20); split the work over several roles or narrow the selection",
            docs.len()
        )),
        None => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::{Effect, OneOrMany};

    fn st(sid: &str, n: usize) -> Statement {
        Statement {
            sid: Some(sid.into()),
            effect: Effect::Allow,
            principal: None,
            not_principal: None,
            action: Some(OneOrMany(vec!["s3:GetObject".into()])),
            not_action: None,
            resource: Some(OneOrMany(
                (0..n)
                    .map(|i| format!("arn:aws:s3:::bucket-{sid}/key-{i:04}"))
                    .collect(),
            )),
            not_resource: None,
            condition: None,
        }
    }

    #[test]
    fn every_part_fits_and_nothing_is_lost() {
        let input = vec![st("A", 10), st("B", 400), st("C", 3)];
        let docs = split(&input, SizeLimit::Managed).unwrap();
        assert!(docs.len() > 1);
        let mut all: Vec<String> = Vec::new();
        for d in &docs {
            assert!(d.iam_size() <= 6_144, "{}", d.iam_size());
            for s in &d.statements {
                all.extend(s.resource.clone().unwrap().0);
            }
        }
        let mut want: Vec<String> = input
            .iter()
            .flat_map(|s| s.resource.clone().unwrap().0)
            .collect();
        all.sort();
        want.sort();
        assert_eq!(all, want);
        assert_eq!(split(&input[..1], SizeLimit::Managed).unwrap().len(), 1);
        assert!(split(&[st(&"X".repeat(300), 1)], SizeLimit::Chars(200)).is_err());
        assert!("12".parse::<SizeLimit>().is_err());
    }

    #[test]
    fn warns_past_per_identity_quotas() {
        let docs = |n: usize, size: usize| -> Vec<Document> {
            (0..n)
                .map(|i| Document::new(vec![st(&format!("S{i}"), size)]))
                .collect()
        };
        assert!(quota_warnings(&docs(10, 1), SizeLimit::Managed).is_empty());
        let w = quota_warnings(&docs(11, 1), SizeLimit::Managed);
        assert!(
            w[0].contains("11 managed policies") && w[0].contains("at most 10"),
            "{w:?}"
        );
        let big = docs(2, 40);
        assert!(big[0].iam_size() > 1_024 && big[0].iam_size() <= 2_048);
        let w = quota_warnings(&big, SizeLimit::InlineUser);
        assert!(w[0].contains("2,048") || w[0].contains("2048"), "{w:?}");
        assert!(quota_warnings(&big, SizeLimit::InlineRole).is_empty());
        assert!(quota_warnings(&docs(1, 40), SizeLimit::InlineUser).is_empty());
    }
}
