//! Failed-login slowing: after too many failures for one account or from one client address
//! inside a window, further attempts are refused with 429 until the window has passed.
//! In memory: a restart forgets, which only ever helps a legitimate user.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
struct Failures {
    /// Times of recent failures, oldest first.
    times: Vec<Instant>,
}

impl Failures {
    fn prune(&mut self, now: Instant, window: Duration) {
        self.times.retain(|t| now.duration_since(*t) < window);
    }

    /// Seconds until one failure leaves the window, if `max` are inside it.
    fn locked_for(&self, now: Instant, window: Duration, max: u32) -> Option<u64> {
        if self.times.len() < max as usize {
            return None;
        }
        let oldest = self.times.first()?;
        let left = window.saturating_sub(now.duration_since(*oldest));
        Some(left.as_secs().max(1))
    }
}

/// Per-account and per-address failure counts.
pub struct LoginLimiter {
    window: Duration,
    max_account: u32,
    max_address: u32,
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

impl LoginLimiter {
    pub fn new(window: Duration, max_account: u32, max_address: u32) -> Self {
        Self {
            window,
            max_account,
            max_address,
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a login attempt: `Err(seconds)` if it must be refused now; otherwise it is
    /// counted as a failure at once, under the same lock as the check, so that a burst of
    /// concurrent attempts cannot all pass the check before the first has failed.
    /// [`LoginLimiter::succeed`] takes it back.
    pub fn begin(&self, account: &str, addr: Option<IpAddr>) -> Result<Instant, u64> {
        let now = Instant::now();
        // Always accounts, then addresses: one lock order.
        let (Ok(mut accounts), Ok(mut addresses)) = (self.accounts.lock(), self.addresses.lock())
        else {
            return Err(self.window.as_secs().max(1));
        };
        let by_account = accounts.get_mut(account).and_then(|f| {
            f.prune(now, self.window);
            f.locked_for(now, self.window, self.max_account)
        });
        let by_address = addr.and_then(|a| {
            let f = addresses.get_mut(&a)?;
            f.prune(now, self.window);
            f.locked_for(now, self.window, self.max_address)
        });
        if let Some(secs) = by_account.max(by_address) {
            return Err(secs);
        }
        record(&mut accounts, account.to_string(), now, self.window);
        if let Some(a) = addr {
            record(&mut addresses, a, now, self.window);
        }
        Ok(now)
    }

    /// The attempt begun at `attempt` succeeded: the account's failures are cleared, and the
    /// address forgets this attempt (but not its earlier failures).
    pub fn succeed(&self, account: &str, addr: Option<IpAddr>, attempt: Instant) {
        if let Ok(mut m) = self.accounts.lock() {
            m.remove(account);
        }
        if let (Some(a), Ok(mut m)) = (addr, self.addresses.lock())
            && let Some(f) = m.get_mut(&a)
            && let Some(i) = f.times.iter().rposition(|t| *t == attempt)
        {
            f.times.remove(i);
        }
    }
}

/// Adds a failure at `now` for `key`, first dropping stale keys if the map grew large.
fn record<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    key: K,
    now: Instant,
    window: Duration,
) {
    if map.len() > 100_000 {
        map.retain(|_, f| {
            f.times
                .last()
                .is_some_and(|t| now.duration_since(*t) < window)
        });
    }
    let f = map.entry(key).or_default();
    f.prune(now, window);
    f.times.push(now);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_max_failures() {
        let l = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(l.begin("a@x.io", Some(ip)).is_ok());
        }
        let secs = l.begin("a@x.io", Some(ip)).unwrap_err();
        assert!((1..=60).contains(&secs));
        let b = l.begin("b@x.io", Some(ip)).unwrap();
        l.succeed("b@x.io", Some(ip), b);
        l.succeed("a@x.io", Some(ip), b);
        assert!(l.begin("a@x.io", Some(ip)).is_ok());
    }

    #[test]
    fn locks_an_address_across_accounts() {
        let l = LoginLimiter::new(Duration::from_secs(60), 100, 2);
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        l.begin("a@x.io", Some(ip)).unwrap();
        l.begin("b@x.io", Some(ip)).unwrap();
        assert!(l.begin("c@x.io", Some(ip)).is_err());
        assert!(l.begin("c@x.io", Some("10.0.0.3".parse().unwrap())).is_ok());
    }

    #[test]
    fn a_success_is_not_counted_against_the_address() {
        let l = LoginLimiter::new(Duration::from_secs(60), 100, 2);
        let ip: IpAddr = "10.0.0.4".parse().unwrap();
        for _ in 0..5 {
            let attempt = l.begin("a@x.io", Some(ip)).unwrap();
            l.succeed("a@x.io", Some(ip), attempt);
        }
        l.begin("b@x.io", Some(ip)).unwrap();
        l.begin("c@x.io", Some(ip)).unwrap();
        assert!(l.begin("a@x.io", Some(ip)).is_err());
    }
}
