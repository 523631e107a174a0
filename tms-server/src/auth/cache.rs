//! An in-process cache of live sessions, so that authenticating a request costs no database
//! round trip. Every path that ends a session or changes a user (logout, password, role,
//! deactivation, profile edits) evicts here before it replies, so revocation still takes effect
//! on the very next request. Valid because one server process owns the SQLite database.

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
pub struct SessionCache {
    map: Mutex<HashMap<Vec<u8>, Cached>>,
}

impl SessionCache {
    /// The session of `token_hash` if cached and still within both expiries; marks it used.
    pub fn get(&self, token_hash: &[u8], now: Timestamp, idle: time::Duration) -> Option<Cached> {
        let mut map = self.map.lock().ok()?;
        let entry = map.get_mut(token_hash)?;
        if entry.expires_at <= now || entry.last_seen + idle <= now {
            map.remove(token_hash);
            return None;
        }
        entry.last_seen = now;
        Some(entry.clone())
    }

    pub fn insert(&self, token_hash: Vec<u8>, entry: Cached) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(token_hash, entry);
        }
    }

    /// Records that `last_seen` was written to the database.
    pub fn stored(&self, token_hash: &[u8], at: Timestamp) {
        if let Some(e) = self
            .map
            .lock()
            .ok()
            .as_mut()
            .and_then(|m| m.get_mut(token_hash))
        {
            e.stored_last_seen = at;
        }
    }

    pub fn remove_session(&self, session_id: i64) {
        if let Ok(mut map) = self.map.lock() {
            map.retain(|_, e| e.session_id != session_id);
        }
    }

    /// Forgets every session of a user (after any change to the user).
    pub fn remove_user(&self, user_id: i64) {
        if let Ok(mut map) = self.map.lock() {
            map.retain(|_, e| e.user.id != user_id);
        }
    }
}
