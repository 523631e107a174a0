//! An in-process cache of live sessions, so that authenticating a request costs no database
//! round trip. Every path that ends a session or changes a user (logout, password, role,
//! deactivation, profile edits) evicts here after its commit and before it replies, so
//! revocation takes effect on the very next request. Valid because one server process owns the
//! SQLite database.
//!
//! A first use reads the session from the database and then caches it. A revocation that
//! commits and evicts between that read and the insert would leave the old session cached, so
//! every eviction bumps an epoch, and an insert is refused when the epoch moved since the
//! caller's read began (see [`SessionCache::insert_if_current`]).

use std::collections::HashMap;
use std::sync::Mutex;

use tms_core::api::User;
use tms_core::timefmt::Timestamp;

/// More live sessions than this and the cache starts over (it refills from the database).
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone)]
pub struct Cached {
    pub session_id: i64,
    pub user: User,
    pub expires_at: Timestamp,
    /// Last use seen by this process.
    pub last_seen: Timestamp,
    /// Last use written to the database.
    pub stored_last_seen: Timestamp,
}

#[derive(Default)]
struct Entries {
    map: HashMap<Vec<u8>, Cached>,
    /// Evictions so far; see the module documentation.
    epoch: u64,
}

#[derive(Default)]
pub struct SessionCache {
    inner: Mutex<Entries>,
}

impl SessionCache {
    /// The session of `token_hash` if cached and still within both expiries; marks it used.
    pub fn get(&self, token_hash: &[u8], now: Timestamp, idle: time::Duration) -> Option<Cached> {
        let mut inner = self.inner.lock().ok()?;
        let entry = inner.map.get_mut(token_hash)?;
        if entry.expires_at <= now || entry.last_seen + idle <= now {
            inner.map.remove(token_hash);
            return None;
        }
        entry.last_seen = now;
        Some(entry.clone())
    }

    /// The current eviction epoch: read it before reading a session from the database.
    pub fn epoch(&self) -> u64 {
        self.inner.lock().map_or(u64::MAX, |i| i.epoch)
    }

    /// Caches `entry`, read from the database after [`SessionCache::epoch`] returned `seen`,
    /// unless an eviction happened since: the entry may then predate a revocation. Returns
    /// whether it was cached.
    pub fn insert_if_current(&self, token_hash: Vec<u8>, entry: Cached, seen: u64) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        if inner.epoch != seen {
            return false;
        }
        if inner.map.len() >= MAX_ENTRIES {
            inner.map.clear();
        }
        inner.map.insert(token_hash, entry);
        true
    }

    /// Records that `last_seen` was written to the database.
    pub fn stored(&self, token_hash: &[u8], at: Timestamp) {
        if let Ok(mut inner) = self.inner.lock()
            && let Some(e) = inner.map.get_mut(token_hash)
        {
            e.stored_last_seen = at;
        }
    }

    pub fn remove_session(&self, session_id: i64) {
        self.evict(|e| e.session_id == session_id);
    }

    /// Forgets every session of a user (after any change to the user).
    pub fn remove_user(&self, user_id: i64) {
        self.evict(|e| e.user.id == user_id);
    }

    fn evict(&self, gone: impl Fn(&Cached) -> bool) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.epoch = inner.epoch.wrapping_add(1);
            inner.map.retain(|_, e| !gone(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(session_id: i64, user_id: i64) -> Cached {
        let now = tms_core::timefmt::now();
        Cached {
            session_id,
            user: tms_core::api::User {
                id: user_id,
                username: "u".into(),
                email: "u@example.com".into(),
                role: tms_core::Role::Requester,
                is_active: true,
                is_away: false,
                created_at: now,
            },
            expires_at: now + time::Duration::hours(1),
            last_seen: now,
            stored_last_seen: now,
        }
    }

    #[test]
    fn a_read_that_began_before_an_eviction_is_not_cached() {
        let cache = SessionCache::default();
        let now = tms_core::timefmt::now();
        let seen = cache.epoch();
        // A logout commits and evicts while the first use is still reading the database.
        cache.remove_session(7);
        assert!(!cache.insert_if_current(b"t".to_vec(), entry(7, 1), seen));
        assert!(cache.get(b"t", now, time::Duration::hours(1)).is_none());
        let seen = cache.epoch();
        assert!(cache.insert_if_current(b"t".to_vec(), entry(7, 1), seen));
        assert!(cache.get(b"t", now, time::Duration::hours(1)).is_some());
        cache.remove_user(1);
        assert!(cache.get(b"t", now, time::Duration::hours(1)).is_none());
    }
}
