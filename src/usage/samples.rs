//! The few smallest eventIDs kept as a need's samples, without a heap allocation for
//! CloudTrail's own eventIDs (lowercase UUIDs, held as their 128 bits).
//!
//! Samples are ordered as text, so merges give the same samples whatever their order; a
//! lowercase UUID's text orders as its number does, and only the rare comparison of a UUID
//! with other text (`denial:…` samples, hand-written records) formats the UUID, on the
//! stack.

use std::cmp::Ordering;

/// How many sample eventIDs to keep per entry (the smallest, so merges are order-free).
pub const SAMPLES: usize = 3;

const UUID_LEN: usize = 36;
const DASHES: [usize; 4] = [8, 13, 18, 23];

/// One eventID as text, or as the 128 bits of a lowercase UUID (which gives back the very
/// same text).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum EventId {
    /// A lowercase hyphenated UUID, high and low 64 bits.
    Uuid([u64; 2]),
    /// Anything else, as written.
    Text(Box<str>),
}

/// The bits of a lowercase hyphenated UUID; `None` for any other text (upper case included,
/// which would not give back the same text).
fn uuid_bits(s: &str) -> Option<[u64; 2]> {
    let b = s.as_bytes();
    if b.len() != UUID_LEN || DASHES.iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let mut n = 0u128;
    for (i, &c) in b.iter().enumerate() {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'-' if DASHES.contains(&i) => continue,
            _ => return None,
        };
        n = n << 4 | u128::from(d);
    }
    Some([(n >> 64) as u64, n as u64])
}

fn uuid_text(bits: [u64; 2], buf: &mut [u8; UUID_LEN]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let n = u128::from(bits[0]) << 64 | u128::from(bits[1]);
    let mut shift = 128;
    for (i, out) in buf.iter_mut().enumerate() {
        if DASHES.contains(&i) {
            *out = b'-';
        } else {
            shift -= 4;
            *out = HEX[(n >> shift) as usize & 0xf];
        }
    }
    // Only ASCII was written.
    std::str::from_utf8(buf).unwrap_or_default()
}

impl EventId {
    /// The eventID `s`.
    pub fn new(s: &str) -> EventId {
        match uuid_bits(s) {
            Some(bits) => EventId::Uuid(bits),
            None => EventId::Text(s.into()),
        }
    }

    /// Compares with the text of another eventID, as text.
    fn cmp_str(&self, other: &str) -> Ordering {
        match self {
            EventId::Text(t) => (**t).cmp(other),
            EventId::Uuid(bits) => uuid_text(*bits, &mut [0; UUID_LEN]).cmp(other),
        }
    }
}

impl Ord for EventId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (EventId::Uuid(a), EventId::Uuid(b)) => a.cmp(b),
            (EventId::Text(a), EventId::Text(b)) => a.cmp(b),
            (a, EventId::Text(b)) => a.cmp_str(b),
            (EventId::Text(a), b) => b.cmp_str(a).reverse(),
        }
    }
}

impl PartialOrd for EventId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventId::Text(t) => f.write_str(t),
            EventId::Uuid(bits) => f.write_str(uuid_text(*bits, &mut [0; UUID_LEN])),
        }
    }
}

/// The [`SAMPLES`] smallest distinct eventIDs seen, in order.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Samples {
    /// Filled from the front, sorted.
    ids: [Option<EventId>; SAMPLES],
}

impl Samples {
    /// The samples, smallest first.
    pub fn iter(&self) -> impl Iterator<Item = &EventId> {
        self.ids.iter().map_while(Option::as_ref)
    }

    /// The smallest.
    pub fn first(&self) -> Option<&EventId> {
        self.ids[0].as_ref()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ids[0].is_none()
    }

    /// The samples as text, smallest first.
    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(ToString::to_string).collect()
    }

    /// Notes the eventID `id`: kept when it is among the smallest. A known or larger
    /// eventID costs a few comparisons and no allocation.
    pub fn add(&mut self, id: &str) {
        match uuid_bits(id) {
            // Read once, compared as numbers.
            Some(bits) => self.add_id(&EventId::Uuid(bits)),
            None => {
                if self.wants(|s| s.cmp_str(id).reverse()) {
                    self.put(EventId::Text(id.into()));
                }
            }
        }
    }

    /// Notes an eventID already made.
    pub fn add_id(&mut self, id: &EventId) {
        if self.wants(|s| id.cmp(s)) {
            self.put(id.clone());
        }
    }

    /// Whether an eventID that compares to each sample as `vs` says (new vs sample) is
    /// to be kept: distinct from all, and smaller than the largest when they are full.
    fn wants(&self, vs: impl Fn(&EventId) -> Ordering) -> bool {
        let mut full = true;
        for s in &self.ids {
            match s {
                None => full = false,
                Some(s) => match vs(s) {
                    Ordering::Equal => return false,
                    Ordering::Less => return true,
                    Ordering::Greater => {}
                },
            }
        }
        !full
    }

    /// Inserts a wanted eventID in order, dropping the largest when full.
    fn put(&mut self, id: EventId) {
        let at = self
            .ids
            .iter()
            .position(|s| s.as_ref().is_none_or(|s| id < *s))
            .unwrap_or(SAMPLES - 1);
        self.ids[at..].rotate_right(1);
        self.ids[at] = Some(id);
    }

    /// Folds in another entry's samples.
    pub fn merge(&mut self, other: &Samples) {
        for id in other.iter() {
            self.add_id(id);
        }
    }
}

impl<'a> FromIterator<&'a str> for Samples {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut s = Samples::default();
        for id in iter {
            s.add(id);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(ids: &[String]) -> Vec<String> {
        let mut v: Vec<String> = ids.to_vec();
        v.sort();
        v.dedup();
        v.truncate(SAMPLES);
        v
    }

    /// UUID-shaped, mostly lowercase: upper case, broken dashes and other text mixed in.
    fn event_id() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => any::<u128>().prop_map(|n| {
                let h = format!("{n:032x}");
                format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
            }),
            1 => "[0-9a-fA-F]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            1 => "[0-9a-f-]{30,40}",
            1 => "(denial:)?[0-9a-z:-]{0,12}",
            1 => "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{11}",
        ]
    }

    proptest! {
        /// The samples are the smallest distinct eventIDs as text, whatever the order
        /// they come in and however they are merged; each gives back its text.
        #[test]
        fn smallest_distinct_as_text(ids in proptest::collection::vec(event_id(), 0..12), split in 0usize..12) {
            let want = model(&ids);
            let all: Samples = ids.iter().map(String::as_str).collect();
            prop_assert_eq!(all.to_strings(), want.clone());
            let split = split.min(ids.len());
            let mut a: Samples = ids[..split].iter().map(String::as_str).collect();
            let b: Samples = ids[split..].iter().map(String::as_str).collect();
            a.merge(&b);
            prop_assert_eq!(&a, &all);
            let rev: Samples = ids.iter().rev().map(String::as_str).collect();
            prop_assert_eq!(&rev, &all);
            prop_assert_eq!(all.len(), want.len());
            prop_assert_eq!(all.first().map(ToString::to_string), want.first().cloned());
        }

        /// Ordering two eventIDs agrees with ordering their texts.
        #[test]
        fn order_is_text_order(a in event_id(), b in event_id()) {
            prop_assert_eq!(EventId::new(&a).cmp(&EventId::new(&b)), a.cmp(&b));
            prop_assert_eq!(EventId::new(&a).to_string(), a.clone());
            prop_assert_eq!(EventId::new(&a) == EventId::new(&b), a == b);
        }
    }

    #[test]
    fn cloudtrail_ids_are_held_inline() {
        let id = "4e0c1b9a-8f3d-4c2e-9a7b-0123456789ab";
        assert!(matches!(EventId::new(id), EventId::Uuid(_)));
        assert!(matches!(EventId::new(&id.to_uppercase()), EventId::Text(_)));
        assert!(matches!(EventId::new("denial:x"), EventId::Text(_)));
    }
}
