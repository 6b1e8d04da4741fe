//! Each-principal runs: one usage set per principal, filled in one pass.
//!
//! A worker interns the principals it meets (its table maps a caller id to a slot, or to
//! nothing for a caller no policy is generated for), so a record of a principal already
//! known costs a lookup by borrowed text, never an allocation. Workers hand their
//! entries over to the run's table now and then, as they do their usage sets (memory
//! grows with distinct (principal, action, resource) triples, not with records), and the
//! tables merge by principal at the end: the result does not depend on scheduling.

use std::collections::BTreeMap;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use crate::select::{PrincipalKind, PrincipalMatch};
use crate::usage::{UsageSet, earliest, latest};

/// What an each-principal run generates policies for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EachPrincipal {
    /// Also service-linked roles (path `/aws-service-role/`), which AWS defines and
    /// whose policies cannot be edited ("Using service-linked roles", IAM User Guide).
    pub include_service_roles: bool,
}

/// The path every service-linked role has ("Using service-linked roles", IAM User Guide:
/// the role's path is `/aws-service-role/SERVICE-PRINCIPAL/`).
const SERVICE_ROLE_PATH: &str = ":role/aws-service-role/";

impl EachPrincipal {
    /// Whether records of the caller `id` (of `kind`) get a policy of their own: users,
    /// roles (all sessions, Identity Center's included), the root user of an account, and
    /// assumed-role sessions a record names without their role; each only when `id`
    /// is an ARN `generate --principal` accepts (so its policy equals that run's).
    /// Service-linked roles only when asked.
    pub fn wants(&self, id: &str, kind: PrincipalKind) -> bool {
        let eligible_kind = matches!(
            kind,
            PrincipalKind::User | PrincipalKind::Role | PrincipalKind::Root
        );
        eligible_kind
            && id.starts_with("arn:")
            && id
                .parse::<PrincipalMatch>()
                .is_ok_and(|m| !matches!(m, PrincipalMatch::AccessKey(_)))
            && (self.include_service_roles || !id.contains(SERVICE_ROLE_PATH))
    }
}

/// One principal's part of an each-principal run.
#[derive(Debug, Clone)]
pub struct PrincipalUsage {
    /// What the principal is.
    pub kind: PrincipalKind,
    /// Its distinct needs with evidence.
    pub usage: UsageSet,
    /// Records selected (after deduplication).
    pub records: u64,
    /// Of those, records that needed a permission (mapped).
    pub used: u64,
    /// Earliest eventTime of its selected records (epoch seconds).
    pub first: Option<i64>,
    /// Latest eventTime.
    pub last: Option<i64>,
}

impl PrincipalUsage {
    fn new(kind: PrincipalKind) -> Self {
        PrincipalUsage {
            kind,
            usage: UsageSet::default(),
            records: 0,
            used: 0,
            first: None,
            last: None,
        }
    }

    /// Notes one selected record at `time`.
    pub(super) fn note(&mut self, time: Option<i64>) {
        self.records += 1;
        self.first = earliest(self.first, time);
        self.last = latest(self.last, time);
    }

    /// Moves `o`'s counts and entries in, leaving `o` empty (with its capacity).
    fn absorb(&mut self, o: &mut PrincipalUsage) {
        self.records += std::mem::take(&mut o.records);
        self.used += std::mem::take(&mut o.used);
        self.first = earliest(self.first, o.first.take());
        self.last = latest(self.last, o.last.take());
        self.usage.absorb(&mut o.usage);
    }

    fn is_empty(&self) -> bool {
        self.records == 0 && self.usage.is_empty()
    }
}

/// Usage sets per principal, keyed by the caller id records give (see
/// [`crate::select::caller`]).
#[derive(Debug, Clone, Default)]
pub struct ByPrincipal {
    /// Caller id → slot in `slots`, or `None` for a caller that gets no policy.
    ids: HashMap<Box<str>, Option<u32>, FxBuildHasher>,
    slots: Vec<(Box<str>, PrincipalUsage)>,
    /// Entries in all usage sets (what decides a hand-over).
    entries: usize,
}

impl ByPrincipal {
    /// The slot of caller `id`, interned the first time (the only allocation), or `None`
    /// when `each` generates no policy for it.
    pub(super) fn slot(
        &mut self,
        id: &str,
        kind: PrincipalKind,
        each: &EachPrincipal,
    ) -> Option<u32> {
        if let Some(&s) = self.ids.get(id) {
            return s;
        }
        let s = each.wants(id, kind).then(|| {
            self.slots.push((id.into(), PrincipalUsage::new(kind)));
            (self.slots.len() - 1) as u32
        });
        self.ids.insert(id.into(), s);
        s
    }

    /// The principal in slot `s`.
    pub(super) fn at(&mut self, s: u32) -> &mut PrincipalUsage {
        &mut self.slots[s as usize].1
    }

    /// Records that the usage set of slot `s` grew by `by` entries.
    pub(super) fn grew(&mut self, by: usize) {
        self.entries += by;
    }

    /// Entries held in all usage sets (about: entries merged by a hand-over count once
    /// per worker that held them).
    pub fn entries(&self) -> usize {
        self.entries
    }

    fn slot_of(&mut self, id: &str, kind: PrincipalKind) -> &mut PrincipalUsage {
        let s = match self.ids.get(id) {
            Some(Some(s)) => *s,
            _ => {
                self.slots.push((id.into(), PrincipalUsage::new(kind)));
                let s = (self.slots.len() - 1) as u32;
                self.ids.insert(id.into(), Some(s));
                s
            }
        };
        &mut self.slots[s as usize].1
    }

    /// Moves every entry and count of `o` in, leaving `o`'s table (and capacity) for
    /// the worker that keeps filling it.
    pub fn absorb(&mut self, o: &mut ByPrincipal) {
        for (id, p) in &mut o.slots {
            if !p.is_empty() {
                self.slot_of(id, p.kind).absorb(p);
            }
        }
        self.entries = self.slots.iter().map(|(_, p)| p.usage.len()).sum();
        o.entries = 0;
    }

    /// Takes back the records `o` counted (records counted twice; see
    /// [`UsageSet::take_back`]).
    pub(super) fn take_back(&mut self, o: &ByPrincipal) {
        for (id, p) in &o.slots {
            if let Some(Some(s)) = self.ids.get(id) {
                let mine = &mut self.slots[*s as usize].1;
                mine.records = mine.records.saturating_sub(p.records);
                mine.used = mine.used.saturating_sub(p.used);
                mine.usage.take_back(&p.usage);
            }
        }
        self.entries = self.slots.iter().map(|(_, p)| p.usage.len()).sum();
    }

    /// Folds another table in.
    pub fn merge(&mut self, mut o: ByPrincipal) {
        self.absorb(&mut o);
    }

    /// Principals with at least one selected record, by caller id (sorted).
    pub fn into_sorted(self) -> BTreeMap<String, PrincipalUsage> {
        self.slots
            .into_iter()
            .filter(|(_, p)| p.records > 0)
            .map(|(id, p)| (id.into(), p))
            .collect()
    }

    /// Number of principals with a selected record.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|(_, p)| p.records > 0).count()
    }

    /// Whether no principal had a selected record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_gets_a_policy() {
        let each = EachPrincipal::default();
        let all = EachPrincipal {
            include_service_roles: true,
        };
        let slr = "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing";
        for (id, kind, default, with_slr) in [
            (
                "arn:aws:iam::111122223333:role/ci",
                PrincipalKind::Role,
                true,
                true,
            ),
            (
                "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef",
                PrincipalKind::Role,
                true,
                true,
            ),
            (slr, PrincipalKind::Role, false, true),
            (
                "arn:aws:iam::111122223333:user/alice",
                PrincipalKind::User,
                true,
                true,
            ),
            (
                "arn:aws:iam::111122223333:root",
                PrincipalKind::Root,
                true,
                true,
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/ci/s1",
                PrincipalKind::Role,
                true,
                true,
            ),
            ("root", PrincipalKind::Root, false, false),
            ("111122223333", PrincipalKind::Account, false, false),
            (
                "arn:aws:sts::111122223333:federated-user/bob",
                PrincipalKind::User,
                false,
                false,
            ),
            (
                "AROAEXAMPLE:alice@example.com",
                PrincipalKind::Other,
                false,
                false,
            ),
        ] {
            assert_eq!(each.wants(id, kind), default, "{id}");
            assert_eq!(all.wants(id, kind), with_slr, "{id}");
        }
    }

    #[test]
    fn hand_over_moves_counts_once_and_keeps_the_table() {
        let each = EachPrincipal::default();
        let mut w = ByPrincipal::default();
        let s = w
            .slot("arn:aws:iam::1:role/a", PrincipalKind::Role, &each)
            .unwrap();
        assert_eq!(w.slot("1", PrincipalKind::Account, &each), None);
        w.at(s).note(Some(5));
        let mut run = ByPrincipal::default();
        run.absorb(&mut w);
        w.at(s).note(Some(2));
        run.absorb(&mut w);
        run.absorb(&mut w);
        assert_eq!(
            w.slot("arn:aws:iam::1:role/a", PrincipalKind::Role, &each),
            Some(s)
        );
        let got = run.into_sorted();
        let p = &got["arn:aws:iam::1:role/a"];
        assert_eq!((p.records, p.first, p.last), (2, Some(2), Some(5)));
        assert_eq!(got.len(), 1);
    }
}
