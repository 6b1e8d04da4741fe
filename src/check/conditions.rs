//! Conditions as constraints: does one `Condition` block imply another (every request
//! that satisfies the first satisfies the second), and a request context that satisfies
//! a block, for witnesses.
//!
//! Implication is proved for the common cases only and is otherwise `false` ("cannot
//! prove"), which a check reads as "may differ", never as "same". A block implies
//! another when every clause of the other is implied by one clause of the first with the
//! same key (AWS, "IAM JSON policy elements: Condition operators" for each rule):
//! - the same clause;
//! - a positive operator (`StringEquals`, `StringLike`, `ArnLike`, `IpAddress`, `Bool`,
//!   `NumericEquals`, …) whose values are a subset of the other's: a request value equal
//!   to (or matched by) one of the narrower values is matched by one of the wider ones;
//!   `StringEquals` ⊆ `StringLike` and `ArnEquals` ⊆ `ArnLike` with pattern containment;
//!   `IpAddress` ranges by range containment;
//! - a negated operator (`StringNotEquals`, `NotIpAddress`, …) whose values are a
//!   superset of the other's (it excludes more);
//! - an upper (lower) bound below (above) the other's, for `Numeric…`/`Date…` `LessThan`
//!   and `GreaterThan` with or without `Equals`;
//! - `IfExists` on the implied side only (an absent key satisfies `…IfExists`, not the
//!   plain operator), the same set qualifier on both sides.

use std::collections::BTreeMap;

use super::containment::{Pattern, subset};
use crate::iam::arn;
use crate::iam::pattern::literal_of;
use crate::iam::policy::values::{self, Cidr};
use crate::iam::policy::{ConditionKeys, Conditions, Family, Operator, OperatorBase, SetQualifier};

/// One clause: operator, key, values.
#[derive(Debug, Clone, Copy)]
pub struct Clause<'a> {
    /// The operator.
    pub op: Operator,
    /// The key as written.
    pub key: &'a str,
    /// The values.
    pub values: &'a [String],
}

/// The clauses of a block, in order.
pub fn clauses(block: Option<&Conditions>) -> Vec<Clause<'_>> {
    let mut out = Vec::new();
    for (op, keys) in block.into_iter().flatten() {
        out.extend(clauses_of(*op, keys));
    }
    out
}

fn clauses_of(op: Operator, keys: &ConditionKeys) -> impl Iterator<Item = Clause<'_>> {
    keys.iter().map(move |(k, v)| Clause {
        op,
        key: k,
        values: &v.0,
    })
}

/// Whether every request that satisfies `stronger` satisfies `weaker` (proved, see the
/// module doc); no conditions is `true` everywhere.
pub fn implies(stronger: Option<&Conditions>, weaker: Option<&Conditions>) -> bool {
    let strong = clauses(stronger);
    clauses(weaker)
        .iter()
        .all(|w| strong.iter().any(|s| clause_implies(s, w)))
}

fn same_values(a: &[String], b: &[String]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a.dedup();
    b.dedup();
    a == b
}

/// Whether every value `narrow` matches, `wide` matches too, for operator family
/// `base` (positive form); `false` when not proved.
fn values_within(
    base: OperatorBase,
    narrow_op: OperatorBase,
    narrow: &[String],
    wide: &[String],
) -> bool {
    use OperatorBase::*;
    match base.family() {
        Family::String => {
            let ignore_case = matches!(base, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
            let lc = |s: &String| {
                if ignore_case {
                    s.to_lowercase()
                } else {
                    s.clone()
                }
            };
            let to_pat = |op: OperatorBase, s: &String| {
                let p = Pattern::parse(&lc(s), true);
                if matches!(op, StringLike | StringNotLike) {
                    p
                } else {
                    // Exact operators: `*` and `?` are themselves; variables stay opaque.
                    p.literal_wildcards()
                }
            };
            let wide: Vec<Pattern> = wide.iter().map(|w| to_pat(base, w)).collect();
            narrow
                .iter()
                .all(|n| subset(&to_pat(narrow_op, n), &wide).unwrap_or(false))
        }
        // ARN operators match part by part (a `*` stays within its part), so only a
        // plain ARN is checked against the wider patterns, with the evaluator's matcher;
        // a narrower pattern must be one of the wider values.
        Family::Arn => narrow.iter().all(|n| {
            if n.contains(['*', '?', '$']) {
                wide.contains(n)
            } else {
                wide.iter().any(|w| !w.contains('$') && arn::like(w, n))
            }
        }),
        Family::Ip => narrow.iter().all(|n| {
            if Cidr::parse(n).is_none() {
                return false;
            }
            wide.iter()
                .filter_map(|w| Cidr::parse(w))
                .any(|wc| cidr_within(&wc, n))
        }),
        Family::Bool => narrow.iter().all(|n| {
            wide.iter()
                .any(|w| values::boolean(n).is_some() && values::boolean(n) == values::boolean(w))
        }),
        Family::Numeric if matches!(base, NumericEquals | NumericNotEquals) => {
            narrow.iter().all(|n| {
                wide.iter()
                    .any(|w| values::number(n).is_some() && values::number(n) == values::number(w))
            })
        }
        Family::Date if matches!(base, DateEquals | DateNotEquals) => narrow.iter().all(|n| {
            wide.iter()
                .any(|w| values::date(n).is_some() && values::date(n) == values::date(w))
        }),
        _ => same_values(narrow, wide),
    }
}

/// Range `text` inside range `w`: its first and last addresses are (host bits written
/// in `text` are cleared first, as a range means its whole aligned block).
fn cidr_within(w: &Cidr, text: &str) -> bool {
    use std::net::IpAddr;
    let (addr, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().ok()),
        None => (text.trim(), None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return false;
    };
    // The block as (first, last) over 128 bits, IPv4 in the low 32.
    let (bits, width) = match ip {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    };
    let host = width - prefix.unwrap_or(width).min(width);
    let mask = if host == 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let back = |b: u128| match ip {
        // Truncation is exact: an IPv4 block stays within 32 bits.
        IpAddr::V4(_) => IpAddr::V4((b as u32).into()),
        IpAddr::V6(_) => IpAddr::V6(b.into()),
    };
    w.contains(back(bits & !mask)) && w.contains(back(bits | mask))
}

/// The positive operator a value comparison uses, and whether the operator negates it.
fn positive(base: OperatorBase) -> (OperatorBase, bool) {
    use OperatorBase::*;
    match base {
        StringNotEquals => (StringEquals, true),
        StringNotEqualsIgnoreCase => (StringEqualsIgnoreCase, true),
        StringNotLike => (StringLike, true),
        NumericNotEquals => (NumericEquals, true),
        DateNotEquals => (DateEquals, true),
        NotIpAddress => (IpAddress, true),
        ArnNotEquals => (ArnEquals, true),
        ArnNotLike => (ArnLike, true),
        b => (b, false),
    }
}

/// The operators whose values compare the same way, so one's values can be checked
/// against the other's: the same operator, `StringEquals` within `StringLike`,
/// `ArnEquals` and `ArnLike` (IAM treats them alike).
fn comparable(narrow: OperatorBase, wide: OperatorBase) -> bool {
    use OperatorBase::*;
    narrow == wide
        || matches!(
            (narrow, wide),
            (StringEquals, StringLike) | (ArnEquals | ArnLike, ArnEquals | ArnLike)
        )
}

/// Upper and lower bounds (`NumericLessThan`, `DateGreaterThanEquals`, …): a request
/// value below the narrower bound is below the wider one. With several values a bound
/// holds when the value is below any of them, so the largest (smallest) one counts.
/// `None` when the clauses are not two bounds in the same direction.
fn bound_implies(s: &Clause<'_>, w: &Clause<'_>) -> Option<bool> {
    use OperatorBase::*;
    // (direction: +1 upper / -1 lower, strict)
    let dir = |b: OperatorBase| match b {
        NumericLessThan | DateLessThan => Some((1, true)),
        NumericLessThanEquals | DateLessThanEquals => Some((1, false)),
        NumericGreaterThan | DateGreaterThan => Some((-1, true)),
        NumericGreaterThanEquals | DateGreaterThanEquals => Some((-1, false)),
        _ => None,
    };
    let ((sd, s_strict), (wd, w_strict)) = (dir(s.op.base)?, dir(w.op.base)?);
    if sd != wd || s.op.base.family() != w.op.base.family() {
        return None;
    }
    let num = |v: &String| match s.op.base.family() {
        Family::Numeric => values::number(v),
        // Dates as seconds: exact in an f64 for any date IAM takes.
        _ => values::date(v).map(|d| d as f64),
    };
    let extreme = |vals: &[String]| -> Option<f64> {
        let ns: Option<Vec<f64>> = vals.iter().map(num).collect();
        let ns = ns?;
        if sd > 0 {
            ns.into_iter().reduce(f64::max)
        } else {
            ns.into_iter().reduce(f64::min)
        }
    };
    let (Some(sb), Some(wb)) = (extreme(s.values), extreme(w.values)) else {
        return Some(false);
    };
    // Upper bounds: v (<|≤) sb implies v (<|≤) wb when sb < wb, or sb == wb and the
    // wider one is not stricter than the narrower; mirrored for lower bounds.
    let (sb, wb) = if sd > 0 { (sb, wb) } else { (-sb, -wb) };
    Some(sb < wb || (sb == wb && (s_strict || !w_strict)))
}

fn clause_implies(s: &Clause<'_>, w: &Clause<'_>) -> bool {
    if !s.key.eq_ignore_ascii_case(w.key) {
        return false;
    }
    if s.op == w.op && same_values(s.values, w.values) {
        return true;
    }
    if s.op.set != w.op.set || (s.op.if_exists && !w.op.if_exists) {
        return false;
    }
    if s.op.base == OperatorBase::Null || w.op.base == OperatorBase::Null {
        return s.op.base == w.op.base && same_values(s.values, w.values);
    }
    let ((sp, sneg), (wp, wneg)) = (positive(s.op.base), positive(w.op.base));
    if sneg != wneg {
        return false;
    }
    if let Some(proved) = bound_implies(s, w) {
        return proved;
    }
    if !sneg {
        // ForAllValues: every request value in s's values ⊆ w's; ForAnyValue / plain: the
        // value that matched s matches w. Both need s's values within w's.
        comparable(sp, wp) && values_within(wp, sp, s.values, w.values)
    } else {
        // Negated: s excludes at least what w excludes.
        matches!(s.op.set, None | Some(SetQualifier::ForAnyValue))
            && comparable(wp, sp)
            && values_within(sp, wp, w.values, s.values)
    }
}

/// A context (key → values) meant to satisfy `block`: each positive clause gets its
/// first value (a pattern's wildcards filled, a range's first address, a bound moved
/// past), negated and `IfExists` clauses leave the key absent. Best effort: callers
/// verify the request with the evaluator before they show it.
pub fn satisfying_context(block: Option<&Conditions>) -> BTreeMap<String, Vec<String>> {
    use OperatorBase::*;
    let mut ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in clauses(block) {
        let Some(v) = c.values.first() else { continue };
        let absent_ok = c.op.if_exists
            || c.op.set == Some(SetQualifier::ForAllValues)
            || (c.op.base.is_negated() && c.op.set.is_none());
        if c.op.base == Null {
            if values::boolean(v) == Some(false) {
                ctx.insert(c.key.to_string(), vec!["iamtrail-witness".into()]);
            }
            continue;
        }
        if absent_ok {
            continue;
        }
        let value = match c.op.base {
            _ if c.op.base.is_negated() => "iamtrail-witness".to_string(),
            StringLike | ArnLike | ArnEquals => literal_of(v),
            IpAddress => v.split('/').next().unwrap_or(v).to_string(),
            NumericLessThan => values::number(v).map_or(v.clone(), |n| (n - 1.0).to_string()),
            NumericGreaterThan => values::number(v).map_or(v.clone(), |n| (n + 1.0).to_string()),
            DateLessThan => values::date(v).map_or(v.clone(), |n| (n - 1).to_string()),
            DateGreaterThan => values::date(v).map_or(v.clone(), |n| (n + 1).to_string()),
            _ => v.clone(),
        };
        ctx.insert(c.key.to_string(), vec![value]);
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::Document;

    fn cond(json: &str) -> Conditions {
        let d = Document::from_text(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{json}}}]}}"#
        ))
        .unwrap();
        d.statements[0].condition.clone().unwrap()
    }

    #[test]
    fn implication_rules() {
        let cases = [
            (
                r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
                r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}"#,
                true,
            ),
            (
                r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"]}}"#,
                r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
                false,
            ),
            (
                r#"{"StringEquals":{"aws:PrincipalTag/team":"a"}}"#,
                r#"{"StringLike":{"aws:PrincipalTag/team":"*"}}"#,
                true,
            ),
            (
                r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#,
                r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
                false,
            ),
            (
                r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
                r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#,
                true,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}"#,
                r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
                true,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"10.0.255.0/16"}}"#,
                r#"{"IpAddress":{"aws:SourceIp":"10.0.255.0/24"}}"#,
                false,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
                r#"{"IpAddress":{"aws:SourceIp":"10.1.0.0/16"}}"#,
                false,
            ),
            (
                r#"{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#,
                r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#,
                true,
            ),
            (
                r#"{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}"#,
                r#"{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#,
                false,
            ),
            (
                r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
                r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
                true,
            ),
            (
                r#"{"NumericLessThan":{"s3:max-keys":"5"}}"#,
                r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
                true,
            ),
            (
                r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
                r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#,
                false,
            ),
            (
                r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}"#,
                r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#,
                true,
            ),
            (
                r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#,
                r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-06-01T00:00:00Z"}}"#,
                false,
            ),
        ];
        for (s, w, want) in cases {
            assert_eq!(implies(Some(&cond(s)), Some(&cond(w))), want, "{s} ⇒ {w}");
        }
        assert!(implies(Some(&cond(cases[0].0)), None));
        assert!(!implies(None, Some(&cond(cases[0].0))));
    }
}
