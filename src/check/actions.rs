//! Actions as a finite set: every action of the catalog, plus the actions the policies
//! name that the catalog does not know (kept literally), so `NotAction`, `s3:Get*` and
//! `*` compare exactly as sets rather than as patterns.

use std::collections::BTreeSet;

use crate::catalog;
use crate::iam::pattern::{is_pattern, literal_of, wildcard_match};
use crate::iam::policy::{Document, Statement};

/// A set of actions of a [`Universe`], as bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionSet(Vec<u64>);

impl ActionSet {
    fn empty(n: usize) -> ActionSet {
        ActionSet(vec![0; n.div_ceil(64)])
    }

    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    /// Whether action `i` is in the set.
    pub fn has(&self, i: usize) -> bool {
        self.0[i / 64] >> (i % 64) & 1 == 1
    }

    /// The actions, by index.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, bits)| {
            (0..64)
                .filter(move |b| bits >> b & 1 == 1)
                .map(move |b| w * 64 + b)
        })
    }

    /// Whether no action is in the set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// Whether every action of `self` is in `other`.
    pub fn is_subset(&self, other: &ActionSet) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & !b == 0)
    }

    /// The actions in both.
    pub fn and(&self, other: &ActionSet) -> ActionSet {
        ActionSet(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }
}

/// Every action a question can be about.
#[derive(Debug)]
pub struct Universe {
    /// `prefix:Action` as the catalog spells it (or as the policy wrote an unknown one).
    names: Vec<String>,
    /// The same, lowercase, for matching (actions compare case-insensitively).
    lower: Vec<String>,
    /// Catalog services and the index range of their actions.
    services: Vec<(&'static str, std::ops::Range<usize>)>,
    /// Lowercase name → index, for the literal actions most policies list.
    by_name: std::collections::HashMap<String, usize>,
}

impl Universe {
    /// The catalog's actions plus the actions `documents` name that it does not know: a
    /// literal unknown action as written, a pattern over an unknown service by one
    /// representative (its wildcards filled), so a grant of `newsvc:*` is not lost.
    pub fn new<'d>(documents: impl IntoIterator<Item = &'d Document>) -> Universe {
        Universe::with(documents, &[])
    }

    /// [`Universe::new`], with `named` (actions a check lists) treated as if a policy
    /// named them.
    pub fn with<'d>(
        documents: impl IntoIterator<Item = &'d Document>,
        named: &[String],
    ) -> Universe {
        let mut names = Vec::new();
        let mut services = Vec::new();
        for prefix in catalog::service_prefixes() {
            let Some(svc) = catalog::service(prefix) else {
                continue;
            };
            let from = names.len();
            names.extend(svc.actions.iter().map(|a| format!("{prefix}:{}", a.name)));
            services.push((prefix, from..names.len()));
        }
        let known: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut extra = BTreeSet::new();
        let mut written: Vec<&String> = named.iter().collect();
        for d in documents {
            for st in &d.statements {
                written.extend(st.action.iter().chain(&st.not_action).flat_map(|l| &l.0));
            }
        }
        for a in written {
            let Some((svc, _)) = a.split_once(':') else {
                continue;
            };
            let lower = a.to_ascii_lowercase();
            if known.contains(&lower) {
                continue;
            }
            if !is_pattern(a) {
                extra.insert(a.clone());
            } else if !is_pattern(svc) && catalog::service(&svc.to_ascii_lowercase()).is_none() {
                extra.insert(literal_of(a));
            }
        }
        names.extend(extra);
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let by_name = lower
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Universe {
            names,
            lower,
            services,
            by_name,
        }
    }

    /// The number of actions.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is none (never, with the catalog).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Action `i` as `prefix:Action`.
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// The actions any of `patterns` matches.
    pub fn matching(&self, patterns: &[String]) -> ActionSet {
        let mut set = ActionSet::empty(self.len());
        let catalog_end = self.services.last().map_or(0, |(_, r)| r.end);
        for p in patterns {
            let lp = p.to_ascii_lowercase();
            if !is_pattern(&lp) {
                if let Some(i) = self.by_name.get(&lp) {
                    set.insert(*i);
                }
                continue;
            }
            // Only the named service's actions can match a pattern whose service part
            // has no wildcard (plus the unknown ones at the end).
            let range = match lp.split_once(':') {
                Some((svc, _)) if !is_pattern(svc) => self
                    .services
                    .binary_search_by(|(s, _)| (*s).cmp(svc))
                    .map_or(0..0, |i| self.services[i].1.clone()),
                _ => 0..catalog_end,
            };
            for i in range.chain(catalog_end..self.len()) {
                if wildcard_match(&lp, &self.lower[i], false) {
                    set.insert(i);
                }
            }
        }
        set
    }

    /// The actions a statement's `Action` (or everything but its `NotAction`) covers.
    pub fn of(&self, st: &Statement) -> ActionSet {
        match (&st.action, &st.not_action) {
            (Some(a), _) => self.matching(&a.0),
            (None, Some(na)) => {
                let not = self.matching(&na.0);
                let mut set = ActionSet::empty(self.len());
                for i in (0..self.len()).filter(|i| !not.has(*i)) {
                    set.insert(i);
                }
                set
            }
            (None, None) => ActionSet::empty(self.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_against_the_catalog() {
        let d = Document::from_text(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["newsvc:*","s3:MadeUp"],"Resource":"*"}]}"#,
        )
        .unwrap();
        let u = Universe::new([&d]);
        let get = u.matching(&["s3:Get*".into()]);
        let one = u.matching(&["S3:getobject".into()]);
        assert!(one.is_subset(&get) && !get.is_subset(&one));
        assert_eq!(
            one.iter().map(|i| u.name(i)).collect::<Vec<_>>(),
            ["s3:GetObject"]
        );
        assert_eq!(u.matching(&["newsvc:*".into()]).iter().count(), 1);
        assert_eq!(u.matching(&["s3:madeup".into()]).iter().count(), 1);
        assert!(u.matching(&["*".into()]).iter().count() > 10_000);
    }
}
