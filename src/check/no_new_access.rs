//! `check no-new-access`: does the updated policy allow any request the existing one does
//! not (Access Analyzer's CheckNoNewAccess)?
//!
//! Each Allow statement `s` of the updated policy must be covered by the existing one.
//! Its actions are split into classes of actions that the same other statements match
//! (so one question per class, not per action). For a class, a resource `x` of `s` is
//! new access when the updated policy does not deny it outright (a Deny without
//! conditions, naming every caller) and either
//! - no Allow of the existing policy whose principals include `s`'s and whose
//!   conditions `s`'s conditions imply covers `x`, or
//! - a Deny of the existing policy covers `x` and no Deny of the updated policy whose
//!   conditions that Deny's imply covers it (the existing policy denied it, the updated
//!   one may not).
//!
//! Whether such an `x` exists is one [`super::containment`] question, decided exactly.
//! Conditions are the only approximation, and it errs on the side of FAIL: a statement
//! whose coverage needs an implication that cannot be proved fails with "cannot prove",
//! and a witness is shown only when the evaluator confirms that the updated policy
//! allows it and the existing one does not.

use std::collections::BTreeMap;

use super::conditions::implies;
use super::containment::Question;
use super::{
    Outcome, PolicyFile, PolicyType, Stmt, allows, candidates, names_everyone,
    principal_candidates, principal_covers, statements,
};
use crate::check::actions::Universe;
use crate::iam::policy::Principal;

/// How many actions of a class are tried as the witness's action.
const TRIED_ACTIONS: usize = 3;

/// Runs the check: `existing` is the policy in place, `updated` the proposed one.
pub fn no_new_access(existing: &[PolicyFile], updated: &[PolicyFile], ty: PolicyType) -> Outcome {
    let docs = existing.iter().chain(updated).flat_map(|f| &f.documents);
    let u = Universe::new(docs);
    let old = statements(&u, existing);
    let new = statements(&u, updated);
    let kind = ty.kind();
    let resource = ty == PolicyType::Resource;
    // The statements an action's class is decided by.
    let others: Vec<(&Stmt<'_>, bool)> = old
        .iter()
        .map(|s| (s, true))
        .chain(new.iter().filter(|s| !s.is_allow()).map(|s| (s, false)))
        .collect();
    let mut reasons = Vec::new();
    for s in new.iter().filter(|s| s.is_allow()) {
        if resource && s.st.principal.is_none() && s.st.not_principal.is_none() {
            continue; // names no one: grants nothing
        }
        let mut classes: BTreeMap<Vec<bool>, Vec<usize>> = BTreeMap::new();
        for a in s.actions.iter() {
            let sig = others.iter().map(|(o, _)| o.actions.has(a)).collect();
            classes.entry(sig).or_default().push(a);
        }
        let mut new_actions: Vec<usize> = Vec::new();
        let mut first: Option<(&str, Option<super::Witness>)> = None;
        for (sig, acts) in &classes {
            let in_class: Vec<(&Stmt<'_>, bool)> = others
                .iter()
                .zip(sig)
                .filter(|(_, m)| **m)
                .map(|(o, _)| *o)
                .collect();
            let old_allows: Vec<&Stmt<'_>> = in_class
                .iter()
                .filter(|(o, is_old)| *is_old && o.is_allow())
                .map(|(o, _)| *o)
                .collect();
            let covering: Vec<&Stmt<'_>> = old_allows
                .iter()
                .copied()
                .filter(|o| !resource || principal_covers(o.st, s.st))
                .filter(|o| implies(s.st.condition.as_ref(), o.st.condition.as_ref()))
                .collect();
            let old_denies: Vec<&Stmt<'_>> = in_class
                .iter()
                .filter(|(o, is_old)| *is_old && !o.is_allow())
                .map(|(o, _)| *o)
                .collect();
            let new_denies: Vec<&Stmt<'_>> = in_class
                .iter()
                .filter(|(_, is_old)| !*is_old)
                .map(|(o, _)| *o)
                .collect();
            let mut q = Question::new();
            let s_set = q.add(&s.resources);
            q.require(s_set);
            let cov: Vec<usize> = covering.iter().map(|o| q.add(&o.resources)).collect();
            // For the message only: the existing Allows that were not proved to cover.
            let other_allows: Vec<usize> = old_allows
                .iter()
                .filter(|o| !covering.iter().any(|c| std::ptr::eq(*c, **o)))
                .map(|o| q.add(&o.resources))
                .collect();
            // A Deny that applies to every caller under every condition removes access.
            let everyone =
                |d: &Stmt<'_>| !resource || (names_everyone(d.st) && d.st.principal.is_some());
            let outright: Vec<usize> = new_denies
                .iter()
                .filter(|d| d.st.condition.is_none() && everyone(d))
                .map(|d| q.add(&d.resources))
                .collect();
            let lost: Vec<(usize, Vec<usize>)> = old_denies
                .iter()
                .map(|d| {
                    let blockers = new_denies
                        .iter()
                        .filter(|n| implies(d.st.condition.as_ref(), n.st.condition.as_ref()))
                        .filter(|n| {
                            !resource
                                || matches!(n.st.principal, Some(Principal::Any))
                                || principal_covers(n.st, d.st)
                        })
                        .map(|n| q.add(&n.resources))
                        .collect();
                    (q.add(&d.resources), blockers)
                })
                .collect();
            let found = q.find_preferring(s.resources.padded(), |m| {
                m.has(s_set)
                    && !m.any(&outright)
                    && (!m.any(&cov) || lost.iter().any(|(d, b)| m.has(*d) && !m.any(b)))
            });
            let word = match found {
                Ok(None) => continue,
                Ok(Some(w)) => Some(w),
                Err(_) => None,
            };
            new_actions.extend(acts);
            if first.as_ref().is_some_and(|(_, w)| w.is_some()) {
                continue;
            }
            let Some(word) = word else {
                first.get_or_insert((
                    "the resource patterns are too complex to compare exactly",
                    None,
                ));
                continue;
            };
            let m = q.membership(&word);
            let cause = if old_allows.is_empty() {
                "the existing policy allows none of these actions"
            } else if m.any(&cov) {
                "the existing policy denies this request and the updated one does not"
            } else if m.any(&other_allows) {
                "the existing policy allows it only for other principals or under conditions this statement's do not imply"
            } else {
                "the existing policy allows these actions only on other resources"
            };
            let principals: Vec<Option<String>> = if resource {
                principal_candidates(s.st).into_iter().map(Some).collect()
            } else {
                vec![None]
            };
            let witness = acts.iter().take(TRIED_ACTIONS).find_map(|a| {
                candidates(u.name(*a), &word, s.st, &principals)
                    .into_iter()
                    .find(|w| {
                        let req = w.request();
                        allows(&new, kind, &req) && !allows(&old, kind, &req)
                    })
            });
            if witness.is_some() || first.is_none() {
                first = Some((cause, witness));
            }
        }
        if let Some((cause, witness)) = first {
            new_actions.sort_unstable();
            let names: Vec<String> = new_actions.iter().map(|a| u.name(*a).to_string()).collect();
            let description = match &witness {
                Some(w) => format!(
                    "allows {} on {} which the existing policy does not: {cause}",
                    w.action, w.resource
                ),
                None => format!(
                    "cannot prove that the existing policy allows what this statement allows: {cause}"
                ),
            };
            reasons.push(s.reason(description, &names, witness));
        }
    }
    Outcome::new(
        reasons,
        "The updated policy grants no new access.",
        "The updated policy might grant new access.",
    )
}
