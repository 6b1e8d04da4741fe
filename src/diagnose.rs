//! Why a selection matched nothing. A policy built from no record is empty, and an empty
//! policy handed over without an error breaks the job it was made for; these errors say
//! which part of the selection the input does not hold, and what it holds instead.

use std::collections::BTreeMap;

use crate::iam::arn::Arn;
use crate::report::Summary;
use crate::select::{FilterReason, PrincipalFilter, PrincipalMatch, Selection};

/// A selection value the input does not hold, or an input with nothing to select from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Nothing {
    /// No CloudTrail record at all.
    #[error(
        "the input holds no CloudTrail record ({objects}); give the folder a trail delivers to (AWSLogs/…), delivery objects (.json.gz), NDJSON or `aws cloudtrail lookup-events` output"
    )]
    NoRecords {
        /// What the objects were, e.g. `3 objects: 2 not CloudTrail, 1 unreadable`.
        objects: String,
    },
    /// A `--principal` that made no record of the input.
    #[error("--principal {principal}: no record of the input was made by it; {hint}")]
    Principal {
        /// The value as typed.
        principal: String,
        /// Did-you-mean, or where to find the principals.
        hint: String,
    },
    /// A `--region` or `--account` value no record has.
    #[error("--{flag} {value}: no record of the input has it; the records hold {seen}")]
    Value {
        /// `region` or `account`.
        flag: &'static str,
        /// The value as typed.
        value: String,
        /// The values seen, with record counts.
        seen: String,
    },
    /// The time window leaves no record.
    #[error(
        "the time window {window} leaves no record of the selection; the records read span {range} (UTC)"
    )]
    Window {
        /// The window as given.
        window: String,
        /// First … last eventTime read.
        range: String,
    },
    /// Each part matches something, but no record matches them all.
    #[error("no record matches the selection: {why}")]
    Combined {
        /// The filter counts.
        why: String,
    },
}

/// Records the selection kept (whatever became of them after).
pub fn selected(s: &Summary) -> u64 {
    let r = &s.records;
    r.used + r.free + r.unmapped + r.failed_not_counted
}

/// The first reason the selection matched nothing, or a selection value the input does
/// not hold (a typo among several `--principal`/`--region` values is an error even when
/// the others matched). `None` when every part of the selection matched.
pub fn nothing_selected(sel: &Selection, s: &Summary) -> Option<Nothing> {
    // Input that was there but could not be read is the partial-input case (named in
    // the report, exit 3), not a selection that matched nothing.
    if s.records.read == s.records.skipped && s.has_skips() {
        return None;
    }
    if s.records.read == 0 {
        let mut objects = objects(s);
        if s.s3.is_some() && !(sel.regions.is_empty() && sel.accounts.is_empty()) {
            objects.push_str(
                "; in S3, only the folders of the --region and --account values are listed",
            );
        }
        return Some(Nothing::NoRecords { objects });
    }
    let kept = selected(s);
    for p in &sel.principals {
        if let Some(hint) = missing_principal(p, s, kept) {
            return Some(Nothing::Principal {
                principal: format!("{:?}", p.raw),
                hint,
            });
        }
    }
    for (flag, values, seen) in [
        ("region", &sel.regions, &s.seen.regions),
        ("account", &sel.accounts, &s.seen.accounts),
    ] {
        if let Some(v) = values.iter().find(|v| !seen.contains_key(v.as_str())) {
            return Some(Nothing::Value {
                flag,
                value: v.clone(),
                seen: counts(seen),
            });
        }
    }
    if kept > 0 {
        return None;
    }
    let outside = s
        .filtered
        .get(FilterReason::OutsideWindow.as_str())
        .copied();
    if outside.is_some() && (sel.start.is_some() || sel.end.is_some()) {
        let t = |x: Option<i64>| x.map(crate::decode::format_time);
        let window = match (t(sel.start), t(sel.end)) {
            (Some(a), Some(b)) => format!("{a} … {b}"),
            (Some(a), None) => format!("from {a}"),
            (None, Some(b)) => format!("before {b}"),
            (None, None) => String::new(),
        };
        return Some(Nothing::Window {
            window,
            range: s.seen.time_range(),
        });
    }
    // Calls AWS made itself need no permission of anyone: an empty policy is right.
    if s.filtered
        .keys()
        .all(|k| *k == FilterReason::AwsService.as_str())
    {
        return None;
    }
    Some(Nothing::Combined {
        why: if s.filtered.is_empty() {
            "no record was made by a principal".into()
        } else {
            s.filtered
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    })
}

fn objects(s: &Summary) -> String {
    let o = &s.objects;
    let mut parts = Vec::new();
    for (n, what) in [
        (o.not_cloudtrail, "not CloudTrail"),
        (o.digest, "digest files"),
        (o.unreadable, "unreadable"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let n = o.read;
    let head = format!("{n} object{}", if n == 1 { "" } else { "s" });
    if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join(", "))
    }
}

fn counts(m: &BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} ({v})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(account, kind, name)` of an IAM ARN as the report keys principals.
fn parts(arn: &str) -> Option<(&str, &str, &str)> {
    let a = Arn::parse(arn).ok()?;
    let kind = a.resource().split('/').next()?;
    Some((a.account(), kind, a.resource_name()))
}

/// Whether a principal the report lists is the one the filter names.
fn is(p: &PrincipalMatch, id: &str) -> bool {
    match p {
        PrincipalMatch::Role { account, name } | PrincipalMatch::User { account, name } => {
            let want = if matches!(p, PrincipalMatch::Role { .. }) {
                "role"
            } else {
                "user"
            };
            parts(id).is_some_and(|(a, k, n)| a == account && k == want && n == name)
        }
        PrincipalMatch::Root { account } => {
            parts(id).is_some_and(|(a, k, _)| a == account && k == "root")
        }
        // Sessions and access keys are not what the report keys principals by.
        PrincipalMatch::Session(_) | PrincipalMatch::AccessKey(_) => false,
    }
}

/// `None` when the principal made records; else the hint for the error.
fn missing_principal(p: &PrincipalFilter, s: &Summary, kept: u64) -> Option<String> {
    let known: Vec<&str> = s.principals.keys().map(String::as_str).collect();
    match &p.matcher {
        // Only the records say whether a session or key was there: trust the count.
        PrincipalMatch::Session(_) | PrincipalMatch::AccessKey(_) if kept > 0 => return None,
        PrincipalMatch::Session(_) | PrincipalMatch::AccessKey(_) => {}
        m if known.iter().any(|id| is(m, id)) => return None,
        _ => {}
    }
    Some(match suggest(&p.raw, &known) {
        Some(s) => s,
        None if known.is_empty() => "the input names no principal".into(),
        None => "`iamtrail principals INPUT` lists the principals of the input".into(),
    })
}

/// A did-you-mean for a principal that made no record: the same name with other case
/// (IAM names are case-insensitive, the trail writes one spelling), without a trailing
/// `/` or spaces, the role of a session ARN, or the nearest principal by edit distance.
pub fn suggest(raw: &str, known: &[&str]) -> Option<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed != raw
        && let Some(k) = known.iter().find(|k| same(k, trimmed))
    {
        return Some(format!(
            "did you mean --principal {k} (without the trailing `/` or spaces)?"
        ));
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(k) = known.iter().find(|k| same(&k.to_ascii_lowercase(), &lower)) {
        return Some(format!(
            "did you mean --principal {k}? IAM names are case-insensitive, and the trail writes it this way"
        ));
    }
    if let Some(role) = session_role(trimmed)
        && let Some(k) = known.iter().find(|k| same(k, &role))
    {
        return Some(format!(
            "that session made no record, but its role did: --principal {k} takes all the role's sessions"
        ));
    }
    let nearest = known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .min()?;
    Some(format!(
        "the nearest principal in the input is {} (`iamtrail principals INPUT` lists them all)",
        nearest.1
    ))
}

/// Whether an ARN from the report names the same IAM identity as `arn` (the path of a
/// role or user may be left out).
fn same(known: &str, arn: &str) -> bool {
    known == arn
        || match (parts(known), parts(arn)) {
            (Some(a), Some(b)) => a == b && a.1 != "root",
            _ => false,
        }
}

/// `arn:P:sts::ACCT:assumed-role/NAME/SESSION` → `arn:P:iam::ACCT:role/NAME`.
fn session_role(arn: &str) -> Option<String> {
    let a = Arn::parse(arn).ok().filter(|a| a.service() == "sts")?;
    let mut r = a.resource().split('/');
    (r.next()? == "assumed-role").then_some(())?;
    let role = format!("role/{}", r.next()?);
    Some(Arn::new(a.partition(), "iam", "", a.account(), &role).to_string())
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "arn:aws:iam::111122223333:role/service-role/CodeBuild-App",
        "arn:aws:iam::111122223333:user/alice",
    ];

    #[test]
    fn suggestions() {
        let s = |raw| suggest(raw, KNOWN).unwrap();
        assert!(
            s("arn:aws:iam::111122223333:role/codebuild-app")
                .contains("--principal arn:aws:iam::111122223333:role/service-role/CodeBuild-App?")
        );
        assert!(s("arn:aws:iam::111122223333:user/alice/").contains("trailing"));
        assert!(s("arn:aws:iam::111122223333:user/alice ").contains("trailing"));
        assert!(
            s("arn:aws:sts::111122223333:assumed-role/CodeBuild-App/build-9")
                .contains("its role did: --principal arn:aws:iam::111122223333:role/service-role/CodeBuild-App")
        );
        assert!(
            s("arn:aws:iam::111122223333:user/alcie")
                .contains("nearest principal in the input is arn:aws:iam::111122223333:user/alice")
        );
        assert_eq!(suggest("x", &[]), None);
    }

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("ab", "ab"), 0);
    }

    #[test]
    fn what_was_selected_decides() {
        let mut s = Summary::default();
        let sel = Selection::default();
        assert!(matches!(
            nothing_selected(&sel, &s),
            Some(Nothing::NoRecords { .. })
        ));
        // Only unreadable input: the partial-input report and exit code say so.
        s.objects.unreadable = 1;
        assert_eq!(nothing_selected(&sel, &s), None);
        s.objects.unreadable = 0;
        s.records.read = 2;
        s.records.used = 1;
        s.records.filtered = 1;
        s.seen
            .note(Some(0), Some("us-east-1"), Some("111122223333"));
        assert_eq!(nothing_selected(&sel, &s), None);
        let typo = Selection {
            regions: vec!["us-east-1".into(), "us-esat-2".into()],
            ..Selection::default()
        };
        let e = nothing_selected(&typo, &s).unwrap().to_string();
        assert!(
            e.contains("--region us-esat-2") && e.contains("us-east-1 (1)"),
            "{e}"
        );
    }
}
