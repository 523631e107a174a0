//! Remembered results of full-text lookups: search totals, and the index's words that a search
//! word begins (its prefix expansion, see `store::sqlite::search`).
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
//!
//! On SQLite the writer thread moves the generation on after each commit that touched tickets
//! or comments. On PostgreSQL, where other servers write too, it moves on after this server's
//! own committed changes and when another server's are heard (`store::postgres::relay`); a
//! change heard late is remembered wrongly only until then, and the generation also moves on
//! every 30 seconds in case a notification was lost.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Entries kept at most; past that, stale entries go first, then everything.
const CAPACITY: usize = 512;

/// How long a count of SLA states is used after a state it counts could have changed (µs):
/// totals of SLA-filtered lists are at most this far behind the clock (docs/API.md, "SLA
/// clocks").
pub const TIMED_LAG_US: i64 = 1_000_000;

/// Values by key, each tagged with the data generation it was computed in.
struct Tagged<V> {
    entries: Mutex<HashMap<String, (u64, V)>>,
}

impl<V> Default for Tagged<V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Tagged<V> {
    fn get(&self, key: &str, generation: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .and_then(|(g, v)| (*g == generation).then(|| v.clone()))
    }

    fn put(&self, key: String, generation: u64, current: u64, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.retain(|_, (g, _)| *g == current);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (generation, value));
    }

    fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }
}

/// Search totals by query and prefix expansions by word, valid for one data generation.
#[derive(Default)]
pub struct CountCache {
    generation: AtomicU64,
    counts: Tagged<u64>,
    /// Counts that also stay true only until an instant (µs): (until, counted at, count).
    timed: Tagged<(i64, i64, u64)>,
    expansions: Tagged<std::sync::Arc<[String]>>,
    /// The dashboard's counts that depend on the data alone (not the clock), by window.
    stats: Tagged<Arc<crate::store::StatsCounts>>,
    /// One lock per key being counted (`count_once`).
    counting: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl CountCache {
    /// The current data generation. Read it before the count that will be stored under it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The count stored for `key`, if it was computed in `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<u64> {
        self.counts.get(key, generation)
    }

    /// Stores `count` for `key`, computed in `generation`.
    pub fn put(&self, key: String, generation: u64, count: u64) {
        self.counts.put(key, generation, self.generation(), count);
    }

    /// The count of `key` for the current generation: remembered, or counted by `count` —
    /// by one caller at a time per key, the others waiting for its result (sixteen agents
    /// opening the same common search at once count it once, not sixteen times over).
    pub fn count_once<E>(
        &self,
        key: &str,
        count: impl FnOnce() -> Result<u64, E>,
    ) -> Result<u64, E> {
        // Read before the count starts its snapshot (see the module's comment).
        let generation = self.generation();
        if let Some(n) = self.get(key, generation) {
            return Ok(n);
        }
        let turn = {
            let Ok(mut counting) = self.counting.lock() else {
                return count();
            };
            if counting.len() >= CAPACITY {
                counting.retain(|_, t| Arc::strong_count(t) > 1);
            }
            Arc::clone(counting.entry(key.to_string()).or_default())
        };
        let _mine = turn.lock();
        // Counted while this caller waited?
        let generation = self.generation();
        if let Some(n) = self.get(key, generation) {
            return Ok(n);
        }
        let n = count()?;
        self.put(key.to_string(), generation, n);
        Ok(n)
    }

    /// The count of `key` at `now` (µs) for a list whose rows depend on the time too (SLA
    /// states): remembered while the data generation stays and `now` is before the instant
    /// `count` said it stays true until — or, past that instant, for [`TIMED_LAG_US`] after it
    /// was counted, so that a busy helpdesk whose clocks tick every moment counts a state's
    /// tickets at most once a second, not once a request. Otherwise counted by `count` (which
    /// returns the count and that instant), by one caller at a time per key.
    pub fn count_until<E>(
        &self,
        key: &str,
        now: i64,
        count: impl FnOnce() -> Result<(u64, i64), E>,
    ) -> Result<u64, E> {
        let fresh = |generation| {
            self.timed
                .get(key, generation)
                .filter(|(until, at, _)| now < *until || now < at.saturating_add(TIMED_LAG_US))
                .map(|(_, _, n)| n)
        };
        // Read before the count starts its snapshot (see the module's comment).
        if let Some(n) = fresh(self.generation()) {
            return Ok(n);
        }
        let turn = self.turn(key);
        let _mine = turn.as_ref().map(|t| t.lock());
        let generation = self.generation();
        if let Some(n) = fresh(generation) {
            return Ok(n);
        }
        let (n, until) = count()?;
        self.timed.put(
            key.to_string(),
            generation,
            self.generation(),
            (until, now, n),
        );
        Ok(n)
    }

    /// The lock that lets one caller at a time count `key`.
    fn turn(&self, key: &str) -> Option<Arc<Mutex<()>>> {
        let mut counting = self.counting.lock().ok()?;
        if counting.len() >= CAPACITY {
            counting.retain(|_, t| Arc::strong_count(t) > 1);
        }
        Some(Arc::clone(counting.entry(key.to_string()).or_default()))
    }

    /// The dashboard's counts over the window `key`, if read in `generation`.
    pub fn stats(&self, key: &str, generation: u64) -> Option<Arc<crate::store::StatsCounts>> {
        self.stats.get(key, generation)
    }

    /// Stores the dashboard's counts over the window `key`, read in `generation`.
    pub fn put_stats(&self, key: String, generation: u64, stats: Arc<crate::store::StatsCounts>) {
        self.stats.put(key, generation, self.generation(), stats);
    }

    /// The words of the index that `prefix` begins, if looked up in `generation`.
    pub fn expansion(&self, prefix: &str, generation: u64) -> Option<std::sync::Arc<[String]>> {
        self.expansions.get(prefix, generation)
    }

    /// Stores the words `prefix` begins, looked up in `generation`.
    pub fn put_expansion(&self, prefix: String, generation: u64, words: std::sync::Arc<[String]>) {
        self.expansions
            .put(prefix, generation, self.generation(), words);
    }

    /// Tickets or comments changed (and the change is committed): every stored count is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Counts stored, for tests.
    pub fn len(&self) -> usize {
        self.counts.len()
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
    fn a_timed_count_holds_until_its_instant_and_its_generation() {
        let c = CountCache::default();
        let mut runs = 0;
        let mut count = |n: u64| {
            runs += 1;
            Ok::<_, ()>((n, 100))
        };
        let lag = TIMED_LAG_US;
        assert_eq!(c.count_until("late", 10, || count(3)), Ok(3));
        assert_eq!(c.count_until("late", 99, || count(4)), Ok(3), "still true");
        assert_eq!(
            c.count_until("late", 100, || count(5)),
            Ok(3),
            "within the lag"
        );
        let later = c.count_until("late", 10 + lag, || count(6));
        assert_eq!(later, Ok(6), "a state changed a while ago");
        c.invalidate();
        let changed = c.count_until("late", 11 + lag, || count(7));
        assert_eq!(changed, Ok(7), "the data changed");
        assert_eq!(runs, 3);
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
