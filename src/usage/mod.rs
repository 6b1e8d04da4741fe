//! The usage set: distinct permissions (action, resource, condition) a principal needed,
//! with the evidence behind each. Memory grows with distinct permissions, never with
//! records.

mod samples;
mod small_set;

pub use samples::{EventId, SAMPLES, Samples};
pub use small_set::SmallSet;

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use crate::catalog::ActionId;
use crate::iam::permission::Permission;
use crate::map::{NeedRef, Via};

/// The earlier of two optional times (a missing time is no time, not the earliest).
pub fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.into_iter().chain(b).min()
}

/// The later of two optional times.
pub fn latest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.into_iter().chain(b).max()
}

/// Evidence for one entry: no heap allocation of its own for the usual need (one reason,
/// no unknown part, CloudTrail's UUID eventIDs), so a usage set's memory is its keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Records behind it.
    pub count: u64,
    /// Earliest eventTime (epoch seconds), if any record had one.
    pub first: Option<i64>,
    /// Latest eventTime.
    pub last: Option<i64>,
    /// Smallest few eventIDs.
    pub samples: Samples,
    /// Why the action was needed.
    pub vias: SmallSet<Via>,
    /// Template variables that were unknown (written `*`).
    pub unknown: SmallSet<&'static str>,
}

impl Usage {
    fn note(&mut self, time: Option<i64>, event_id: Option<&str>) {
        self.count += 1;
        if let Some(t) = time {
            self.first = earliest(self.first, Some(t));
            self.last = latest(self.last, Some(t));
        }
        if let Some(id) = event_id {
            self.samples.add(id);
        }
    }

    /// Notes one more record behind the entry (its time and eventID).
    pub(crate) fn note_call(&mut self, time: Option<i64>, event_id: Option<&str>) {
        self.note(time, event_id);
    }

    /// Folds another entry's evidence in (commutative: merge order never shows).
    pub fn merge(&mut self, o: &Usage) {
        self.count += o.count;
        self.first = earliest(self.first, o.first);
        self.last = latest(self.last, o.last);
        self.samples.merge(&o.samples);
        self.vias.extend(o.vias.iter().copied());
        self.unknown.extend(o.unknown.iter().copied());
    }
}

/// Takes back the records behind `other`'s entries from `mine`'s counts (records counted
/// twice): an entry left with none goes.
pub(crate) fn take_back<K: std::hash::Hash + Eq>(
    mine: &mut HashMap<K, Usage, FxBuildHasher>,
    other: &HashMap<K, Usage, FxBuildHasher>,
) {
    for (k, v) in other {
        if let Some(u) = mine.get_mut(k) {
            u.count = u.count.saturating_sub(v.count);
            if u.count == 0 {
                mine.remove(k);
            }
        }
    }
}

/// Distinct permissions with evidence.
#[derive(Debug, Clone, Default)]
pub struct UsageSet {
    map: HashMap<Permission<ActionId>, Usage, FxBuildHasher>,
}

impl UsageSet {
    /// Records one need of one record. A need already known costs no allocation: it is
    /// looked up by its borrowed permission, copied only when it is new.
    pub fn add(&mut self, need: NeedRef<'_>, time: Option<i64>, event_id: Option<&str>) {
        let key = need.permission;
        let note = |u: &mut Usage| {
            u.note(time, event_id);
            u.vias.insert(need.via);
            u.unknown.extend(need.unknown.iter().copied());
        };
        match self.map.get_mut(&key) {
            Some(u) => note(u),
            None => {
                let mut u = Usage::default();
                note(&mut u);
                self.map.insert(key.to_permission(), u);
            }
        }
    }

    /// Adds an entry with its evidence as is (denials, cached summaries).
    pub fn add_usage(&mut self, key: Permission<ActionId>, usage: &Usage) {
        self.map.entry(key).or_default().merge(usage);
    }

    /// Folds another set in.
    pub fn merge(&mut self, other: UsageSet) {
        if self.map.len() < other.map.len() {
            let mine = std::mem::replace(&mut self.map, other.map);
            for (k, v) in mine {
                self.map.entry(k).or_default().merge(&v);
            }
        } else {
            for (k, v) in other.map {
                self.map.entry(k).or_default().merge(&v);
            }
        }
    }

    /// Moves every entry of `other` into this set, leaving `other` empty with its
    /// capacity (for a worker that hands its entries over now and then).
    pub fn absorb(&mut self, other: &mut UsageSet) {
        for (k, v) in other.map.drain() {
            match self.map.get_mut(&k) {
                Some(u) => u.merge(&v),
                None => {
                    self.map.insert(k, v);
                }
            }
        }
    }

    /// Takes back the records behind `other`'s entries (records counted twice): each
    /// entry's count goes down by `other`'s, and an entry left with none goes. Times,
    /// samples and reasons stay (the copy kept gave the same).
    pub fn take_back(&mut self, other: &UsageSet) {
        take_back(&mut self.map, &other.map);
    }

    /// Entries in a stable order.
    pub fn sorted(&self) -> Vec<(&Permission<ActionId>, &Usage)> {
        let mut v: Vec<_> = self.map.iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    /// Entries in no particular order (cheaper than [`UsageSet::sorted`] for a caller
    /// that sorts them itself).
    pub fn iter(&self) -> impl Iterator<Item = (&Permission<ActionId>, &Usage)> {
        self.map.iter()
    }

    /// Number of distinct entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing was needed.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A set of permissions each seen once, without evidence (what refine synthesizes from).
impl FromIterator<Permission<ActionId>> for UsageSet {
    fn from_iter<I: IntoIterator<Item = Permission<ActionId>>>(permissions: I) -> Self {
        let once = Usage {
            count: 1,
            ..Usage::default()
        };
        let mut set = UsageSet::default();
        for p in permissions {
            set.add_usage(p, &once);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::permission::{Condition, PermissionRef};

    fn need(res: &str) -> NeedRef<'_> {
        NeedRef {
            permission: PermissionRef::new(ActionId::lookup("s3:GetObject").unwrap(), res),
            via: Via::Catalog,
            unknown: &[],
        }
    }

    /// A borrowed need finds the entry an owned one made (same hash, same key), and
    /// differs from it in any part of the key.
    #[test]
    fn borrowed_and_owned_keys_agree() {
        let pass = |value: &str, resource: &str| crate::map::Need {
            permission: Permission {
                action: ActionId::lookup("iam:PassRole").unwrap(),
                resource: resource.into(),
                condition: Some(Box::new(Condition {
                    op: crate::iam::policy::Operator::STRING_EQUALS,
                    key: "iam:PassedToService",
                    value: value.into(),
                })),
            },
            via: Via::Catalog,
            unknown: vec!["RoleNameWithPath"],
        };
        let mut set = UsageSet::default();
        let role = "arn:aws:iam::1:role/r";
        set.add(
            pass("lambda.amazonaws.com", role).as_ref(),
            Some(1),
            Some("a"),
        );
        let value = String::from("lambda.amazonaws.com");
        set.add(pass(&value, role).as_ref(), Some(2), Some("b"));
        assert_eq!(set.len(), 1);
        set.add(pass("ecs-tasks.amazonaws.com", role).as_ref(), None, None);
        set.add(pass(&value, "arn:aws:iam::1:role/s").as_ref(), None, None);
        set.add(need(role), None, None);
        assert_eq!(set.len(), 4);
        let sorted = set.sorted();
        let (key, usage) = sorted
            .iter()
            .find(|(k, _)| k.condition.as_ref().is_some_and(|c| c.value == value))
            .unwrap();
        assert_eq!(key.resource, role);
        assert_eq!(
            (usage.count, usage.first, usage.last),
            (2, Some(1), Some(2))
        );
        assert_eq!(
            usage.unknown.iter().copied().collect::<Vec<_>>(),
            ["RoleNameWithPath"]
        );
    }

    #[test]
    fn merge_is_order_independent() {
        let mut a = UsageSet::default();
        let mut b = UsageSet::default();
        for (i, id) in ["e5", "e1", "e4", "e2", "e3"].iter().enumerate() {
            let set = if i % 2 == 0 { &mut a } else { &mut b };
            set.add(need("arn:aws:s3:::b/k"), Some(100 + i as i64), Some(id));
        }
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(b);
        ba.merge(a);
        let (x, y) = (ab.sorted(), ba.sorted());
        assert_eq!(x, y);
        assert_eq!(x[0].1.count, 5);
        assert_eq!(x[0].1.samples.to_strings(), ["e1", "e2", "e3"]);
        assert_eq!((x[0].1.first, x[0].1.last), (Some(100), Some(104)));
    }
}
