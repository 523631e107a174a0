//! Remembered totals of full-text searches.
//!
//! A list's `total` for a search is a count of every match: for a term in one ticket out of ten
//! that is a walk over 100,000 index entries at a million tickets, ~15 ms, paid again for every
//! page a user turns and by every agent who runs the same search. The count only changes when
//! tickets or comments do, so it is kept, tagged with the data generation it was computed in,
//! and reused until the next committed change to either table moves the generation on.
//!
//! Ordering makes this exact: a reader reads the generation *before* its count starts its read
//! snapshot, and the writer moves the generation on only *after* its commit. A count can thus
//! only be tagged with a generation at or before the data it saw: if the data changed since,
//! the tag is older than the current generation and the count is never used again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Entries kept at most; past that, stale entries go first, then everything.
const CAPACITY: usize = 512;

/// Search totals by query, valid for one data generation.
#[derive(Default)]
pub struct CountCache {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (u64, u64)>>,
}

impl CountCache {
    /// The current data generation. Read it before the count that will be stored under it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The count stored for `key`, if it was computed in `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<u64> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .and_then(|&(g, n)| (g == generation).then_some(n))
    }

    /// Stores `count` for `key`, computed in `generation`.
    pub fn put(&self, key: String, generation: u64, count: u64) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            let current = self.generation();
            entries.retain(|_, &mut (g, _)| g == current);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (generation, count));
    }

    /// Tickets or comments changed (and the change is committed): every stored count is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts stored, for tests.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_used_only_in_its_own_generation() {
        let c = CountCache::default();
        let g = c.generation();
        c.put("printer".into(), g, 42);
        assert_eq!(c.get("printer", g), Some(42));
        assert_eq!(c.get("vpn", g), None);
        c.invalidate();
        assert_eq!(c.get("printer", c.generation()), None);
        // A count computed before the change but stored after it is not used either.
        c.put("vpn".into(), g, 7);
        assert_eq!(c.get("vpn", c.generation()), None);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let c = CountCache::default();
        for i in 0..CAPACITY * 3 {
            c.put(format!("q{i}"), c.generation(), 1);
            if i % 100 == 0 {
                c.invalidate();
            }
        }
        assert!(c.len() <= CAPACITY);
        assert!(!c.is_empty());
    }
}
