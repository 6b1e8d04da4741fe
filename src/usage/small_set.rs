//! A sorted set that holds one element without a heap allocation: a need's reasons and
//! unknown template parts are almost always one element or none, and a usage set holds
//! hundreds of thousands of needs in `--each-principal` runs (a `BTreeSet` allocates a
//! node of eleven slots for the first element).

/// A sorted set of `Copy` values; zero or one element live inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallSet<T>(Repr<T>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr<T> {
    Zero,
    One(T),
    /// Two or more, sorted and distinct.
    Many(Vec<T>),
}

impl<T> Default for SmallSet<T> {
    fn default() -> Self {
        SmallSet(Repr::Zero)
    }
}

impl<T: Ord + Copy> SmallSet<T> {
    /// Adds `v`; whether it was new.
    pub fn insert(&mut self, v: T) -> bool {
        match &mut self.0 {
            Repr::Zero => self.0 = Repr::One(v),
            Repr::One(x) if *x == v => return false,
            Repr::One(x) => {
                let x = *x;
                self.0 = Repr::Many(if x < v { vec![x, v] } else { vec![v, x] });
            }
            Repr::Many(xs) => match xs.binary_search(&v) {
                Ok(_) => return false,
                Err(i) => xs.insert(i, v),
            },
        }
        true
    }

    /// The elements, in order.
    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            Repr::Zero => &[],
            Repr::One(x) => std::slice::from_ref(x),
            Repr::Many(xs) => xs,
        }
    }

    /// The elements, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        matches!(self.0, Repr::Zero)
    }

    /// Whether `v` is in the set.
    pub fn contains(&self, v: &T) -> bool {
        self.as_slice().binary_search(v).is_ok()
    }
}

impl<T: Ord + Copy> Extend<T> for SmallSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

impl<T: Ord + Copy> FromIterator<T> for SmallSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut s = SmallSet::default();
        s.extend(iter);
        s
    }
}

impl<'a, T: Ord + Copy> IntoIterator for &'a SmallSet<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is inserted, in whatever order, the set equals a `BTreeSet` of it.
        #[test]
        fn behaves_as_a_btreeset(values in proptest::collection::vec(0u8..12, 0..20)) {
            let mut small = SmallSet::default();
            let mut model = std::collections::BTreeSet::new();
            for v in &values {
                prop_assert_eq!(small.insert(*v), model.insert(*v));
                prop_assert_eq!(small.len(), model.len());
                prop_assert!(small.contains(v));
            }
            prop_assert_eq!(small.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            prop_assert_eq!(small.is_empty(), model.is_empty());
            let rebuilt: SmallSet<u8> = model.iter().rev().copied().collect();
            prop_assert_eq!(rebuilt, small);
        }
    }
}
