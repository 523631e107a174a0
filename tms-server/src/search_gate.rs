//! A cap on the searches one user runs at once. A search can cost far more than any other read,
//! and reads share a few database threads: without a cap, one account looping broad searches
//! would hold every thread. Beyond the cap a search is refused with 429 at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct SearchGate {
    per_user: usize,
    running: Mutex<HashMap<i64, usize>>,
}

/// A running search; dropping it frees its place.
pub struct SearchPermit {
    gate: Arc<SearchGate>,
    user_id: i64,
}

impl SearchGate {
    pub fn new(per_user: usize) -> Self {
        Self {
            per_user: per_user.max(1),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one more search of `user_id`, if the user has one left.
    pub fn try_start(self: &Arc<Self>, user_id: i64) -> Option<SearchPermit> {
        let mut running = self.running.lock().ok()?;
        let n = running.entry(user_id).or_insert(0);
        if *n >= self.per_user {
            return None;
        }
        *n += 1;
        Some(SearchPermit {
            gate: Arc::clone(self),
            user_id,
        })
    }
}

impl Drop for SearchPermit {
    fn drop(&mut self) {
        if let Ok(mut running) = self.gate.running.lock()
            && let Some(n) = running.get_mut(&self.user_id)
        {
            *n -= 1;
            if *n == 0 {
                running.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_gets_its_own_places() {
        let gate = Arc::new(SearchGate::new(2));
        let a = gate.try_start(1).unwrap();
        let _b = gate.try_start(1).unwrap();
        assert!(gate.try_start(1).is_none());
        assert!(gate.try_start(2).is_some());
        drop(a);
        assert!(gate.try_start(1).is_some());
    }
}
