//! Deduplication by eventID: CloudTrail may deliver an event more than once, and exports
//! people concatenate overlap; a run counts each eventID once.

use hashbrown::HashSet;
use rustc_hash::FxBuildHasher;

/// The key a record's eventID is deduplicated by: CloudTrail's eventIDs are UUIDs, whose
/// 128 bits are the key exactly; any other text is hashed to 128 bits (two SipHashes with
/// fixed keys, so every run gives the same keys).
pub fn event_key(id: &str) -> u128 {
    let b = id.as_bytes();
    if b.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-') {
        let mut k = 0u128;
        let mut hex = true;
        for &c in b.iter().filter(|&&c| c != b'-') {
            match (c as char).to_digit(16) {
                Some(d) => k = k << 4 | u128::from(d),
                None => hex = false,
            }
        }
        if hex {
            return k;
        }
    }
    #[allow(deprecated)] // SipHasher: the only keyed std hasher whose output is fixed.
    let hash = |seed: u64| {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::SipHasher::new_with_keys(seed, !seed);
        id.hash(&mut h);
        h.finish()
    };
    u128::from(hash(0x6961_6d74_7261_696c)) << 64 | u128::from(hash(0x6576_656e_7449_4400))
}

/// How many parts [`Seen`] is split into: workers claiming eventIDs at once rarely wait
/// for the same lock.
const SHARDS: usize = 64;

pub(super) type KeySet = HashSet<u128, FxBuildHasher>;

/// The eventIDs (as [`event_key`]s) of the records a run kept, shared by its workers:
/// memory grows with the records used, not with the records read.
#[derive(Debug)]
pub struct Seen([std::sync::Mutex<KeySet>; SHARDS]);

impl Default for Seen {
    fn default() -> Self {
        Seen(std::array::from_fn(|_| std::sync::Mutex::default()))
    }
}

fn lock(m: &std::sync::Mutex<KeySet>) -> std::sync::MutexGuard<'_, KeySet> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Seen {
    fn shard(&self, key: u128) -> &std::sync::Mutex<KeySet> {
        // The low bits of a UUID are random (and a hash's are, too).
        &self.0[key as usize % SHARDS]
    }

    /// Whether `key` is new (and now claimed).
    pub(super) fn claim(&self, key: u128) -> bool {
        lock(self.shard(key)).insert(key)
    }

    pub(super) fn contains(&self, key: u128) -> bool {
        lock(self.shard(key)).contains(&key)
    }

    /// Claims all of `keys` when none of them is claimed yet; `false` (claiming nothing)
    /// when some are. Holds every part meanwhile (taken in order), so two objects
    /// committing at once cannot both claim one eventID.
    pub(super) fn commit(&self, keys: &KeySet) -> bool {
        if keys.is_empty() {
            return true;
        }
        let mut parts: Vec<_> = self.0.iter().map(lock).collect();
        if keys
            .iter()
            .any(|&k| parts[k as usize % SHARDS].contains(&k))
        {
            return false;
        }
        for &k in keys {
            parts[k as usize % SHARDS].insert(k);
        }
        true
    }

    /// Distinct eventIDs kept.
    pub fn len(&self) -> usize {
        self.0.iter().map(|m| lock(m).len()).sum()
    }

    /// Whether no eventID was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A worker's [`Seen`]: its own, or its run's.
pub(super) enum SeenRef<'c> {
    /// Its own.
    Own(Box<Seen>),
    /// Its run's.
    Shared(&'c Seen),
}

impl SeenRef<'_> {
    pub(super) fn get(&self) -> &Seen {
        match self {
            SeenRef::Own(s) => s,
            SeenRef::Shared(s) => s,
        }
    }
}
