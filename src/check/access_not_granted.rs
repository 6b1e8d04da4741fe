//! `check access-not-granted`: does a policy grant any of the listed actions, on any of
//! the listed resources when some are listed (Access Analyzer's CheckAccessNotGranted)?
//!
//! An Allow statement grants a listed action when the action is in its action set, and
//! a listed resource when its resources and the listed ones share a string that no
//! outright Deny of the policy (no conditions, every caller) covers: one exact
//! [`super::containment`] question per class of actions the same Denies match. An
//! Allow with conditions grants under them, so it fails the check too (a Deny with
//! conditions cannot be relied on to remove access). A witness request is shown when the
//! evaluator confirms it.

use std::collections::BTreeMap;

use super::containment::{Pattern, PatternSet, Question};
use super::{
    Outcome, PolicyFile, PolicyType, Stmt, allows, candidates, names_everyone,
    principal_candidates, statements,
};
use crate::check::actions::Universe;

/// Runs the check over `files` for `actions` (patterns allowed) and, when not empty,
/// `resources` (ARNs or patterns).
pub fn access_not_granted(
    files: &[PolicyFile],
    ty: PolicyType,
    actions: &[String],
    resources: &[String],
) -> Outcome {
    let u = Universe::with(files.iter().flat_map(|f| &f.documents), actions);
    let wanted = u.matching(actions);
    let stmts = statements(&u, files);
    let kind = ty.kind();
    let resource = ty == PolicyType::Resource;
    let listed = if resources.is_empty() {
        PatternSet::all()
    } else {
        PatternSet {
            patterns: resources.iter().map(|r| Pattern::parse(r, true)).collect(),
            negated: false,
        }
    };
    let denies: Vec<&Stmt<'_>> = stmts
        .iter()
        .filter(|d| !d.is_allow() && d.st.condition.is_none())
        .filter(|d| !resource || (names_everyone(d.st) && d.st.principal.is_some()))
        .collect();
    let mut reasons = Vec::new();
    for s in stmts.iter().filter(|s| s.is_allow()) {
        if resource && s.st.principal.is_none() && s.st.not_principal.is_none() {
            continue;
        }
        let acts = s.actions.and(&wanted);
        let mut classes: BTreeMap<Vec<bool>, Vec<usize>> = BTreeMap::new();
        for a in acts.iter() {
            classes
                .entry(denies.iter().map(|d| d.actions.has(a)).collect())
                .or_default()
                .push(a);
        }
        let mut granted: Vec<usize> = Vec::new();
        let mut first = None;
        for (sig, class) in &classes {
            let mut q = Question::new();
            let s_set = q.add(&s.resources);
            let l_set = q.add(&listed);
            q.require(s_set);
            q.require(l_set);
            let d_sets: Vec<usize> = denies
                .iter()
                .zip(sig)
                .filter(|(_, m)| **m)
                .map(|(d, _)| q.add(&d.resources))
                .collect();
            let found = q.find_preferring(s.resources.padded(), |m| {
                m.has(s_set) && m.has(l_set) && !m.any(&d_sets)
            });
            let word = match found {
                Ok(None) => continue,
                Ok(Some(w)) => Some(w),
                // Too complex to rule out: it may grant.
                Err(_) => None,
            };
            granted.extend(class);
            if first
                .as_ref()
                .is_some_and(|w: &Option<super::Witness>| w.is_some())
            {
                continue;
            }
            let principals: Vec<Option<String>> = if resource {
                principal_candidates(s.st).into_iter().map(Some).collect()
            } else {
                vec![None]
            };
            let witness = word.and_then(|word| {
                class.iter().take(3).find_map(|a| {
                    candidates(u.name(*a), &word, s.st, &principals)
                        .into_iter()
                        .find(|w| allows(&stmts, kind, &w.request()))
                })
            });
            first = Some(witness);
        }
        if let Some(witness) = first {
            granted.sort_unstable();
            let names: Vec<String> = granted.iter().map(|a| u.name(*a).to_string()).collect();
            let conditional = if s.st.condition.is_some() {
                " (under its conditions)"
            } else {
                ""
            };
            let description = match &witness {
                Some(w) => format!("grants {} on {}{conditional}", w.action, w.resource),
                None => format!(
                    "grants {}{} on some of the listed resources{conditional}",
                    names[0],
                    if names.len() > 1 {
                        format!(" and {} more listed actions", names.len() - 1)
                    } else {
                        String::new()
                    }
                ),
            };
            reasons.push(s.reason(description, &names, witness));
        }
    }
    Outcome::new(
        reasons,
        "The policy grants none of the listed access.",
        "The policy might grant some of the listed access.",
    )
}
