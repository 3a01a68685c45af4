//! `FastMap`: the map the registries key by channel and event name, a vector of entries
//! sorted by key, looked up by binary search.
//!
//! Chosen for size (BENCHMARKS.md, "Issue 11: size levers"): std's `HashMap` brings hashbrown
//! (about 14 KB of wasm), a `BTreeMap` more. A lookup costs O(log n) key comparisons (14 at
//! 10,000 channels), so the per-event cost grows with the log of the channel count, not with
//! the count; inserting and removing move the entries after the slot (a `memmove` of 16-byte
//! entries on wasm32), which is measured for joining and leaving 10,000 channels. Iteration
//! is in key order.
//!
//! It is also the crate's only way to put things in order: the shipped code calls no
//! `sort` (a `FastMap<T, ()>` is a sorted set), because each `sort_unstable` instantiation
//! links several KB of wasm; `tests/layers/size_guards.test.mjs` checks that.

use std::borrow::Borrow;

/// A map kept as a key-sorted vector (see the module docs).
#[derive(Debug, Clone)]
pub struct FastMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for FastMap<K, V> {
    fn default() -> Self {
        FastMap { entries: Vec::new() }
    }
}

impl<K: Ord, V> FastMap<K, V> {
    /// Where `key` is (`Ok`) or would go (`Err`).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &self.entries[at].1)
    }

    /// The value for `key`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|at| &mut self.entries[at].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let at = self.find(key).ok()?;
        let (_, value) = self.entries.remove(at);
        // Give memory back after a mass leave (the vector never shrinks on its own).
        if self.entries.capacity() > 64 && self.entries.len() < self.entries.capacity() / 4 {
            self.entries.shrink_to(self.entries.len() * 2);
        }
        Some(value)
    }

    /// The value for `key`, inserted with `make` when absent.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let at = match self.find(&key) {
            Ok(at) => at,
            Err(at) => {
                self.entries.insert(at, (key, make()));
                at
            }
        };
        &mut self.entries[at].1
    }

    /// Keeps the entries for which `keep` says true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for FastMap<K, V> {
    /// Sorted by key; of equal keys the last one stays, as inserting them one by one would.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(items: I) -> Self {
        let mut map = FastMap::default();
        for (key, value) in items {
            map.insert(key, value);
        }
        map
    }
}

impl<K, V> FastMap<K, V> {
    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in key order, values mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::FastMap;

    #[test]
    fn behaves_as_a_map_in_key_order() {
        let mut map: FastMap<String, u32> = FastMap::default();
        for (i, name) in ["b", "d", "a", "c"].iter().enumerate() {
            assert_eq!(map.insert((*name).to_owned(), i as u32), None);
        }
        assert_eq!(map.insert("a".into(), 9), Some(2));
        assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(map.get("a"), Some(&9));
        assert!(map.contains_key("c") && !map.contains_key("e"));
        *map.get_or_insert_with("e".into(), || 5) += 1;
        *map.get_or_insert_with("e".into(), || 100) += 1;
        assert_eq!(map.get("e"), Some(&7));
        assert_eq!(map.remove("b"), Some(0));
        assert_eq!(map.remove("b"), None);
        map.retain(|k, v| {
            *v += 1;
            k != "d"
        });
        assert_eq!(map.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 10), ("c", 4), ("e", 8)]);
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn gives_memory_back_after_a_mass_removal() {
        let mut map: FastMap<u32, u32> = FastMap::default();
        for i in 0..10_000 {
            map.insert(i, i);
        }
        for i in 0..9_990 {
            assert_eq!(map.remove(&i), Some(i));
        }
        assert!(map.entries.capacity() < 1_000, "capacity {}", map.entries.capacity());
        assert_eq!(map.values().copied().collect::<Vec<_>>(), (9_990..10_000).collect::<Vec<_>>());
    }
}
