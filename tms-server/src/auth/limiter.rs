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

    /// `Some(seconds)` if this attempt must be refused now.
    pub fn check(&self, account: &str, addr: Option<IpAddr>) -> Option<u64> {
        let now = Instant::now();
        let by_account = self.accounts.lock().ok().and_then(|mut m| {
            let f = m.get_mut(account)?;
            f.prune(now, self.window);
            f.locked_for(now, self.window, self.max_account)
        });
        let by_address = addr.and_then(|a| {
            self.addresses.lock().ok().and_then(|mut m| {
                let f = m.get_mut(&a)?;
                f.prune(now, self.window);
                f.locked_for(now, self.window, self.max_address)
            })
        });
        by_account.max(by_address)
    }

    /// Records a failed attempt.
    pub fn fail(&self, account: &str, addr: Option<IpAddr>) {
        let now = Instant::now();
        if let Ok(mut m) = self.accounts.lock() {
            if m.len() > 100_000 {
                m.retain(|_, f| {
                    f.times
                        .last()
                        .is_some_and(|t| now.duration_since(*t) < self.window)
                });
            }
            let f = m.entry(account.to_string()).or_default();
            f.prune(now, self.window);
            f.times.push(now);
        }
        if let (Some(a), Ok(mut m)) = (addr, self.addresses.lock()) {
            if m.len() > 100_000 {
                m.retain(|_, f| {
                    f.times
                        .last()
                        .is_some_and(|t| now.duration_since(*t) < self.window)
                });
            }
            let f = m.entry(a).or_default();
            f.prune(now, self.window);
            f.times.push(now);
        }
    }

    /// A successful login clears the account's failures (not the address's).
    pub fn succeed(&self, account: &str) {
        if let Ok(mut m) = self.accounts.lock() {
            m.remove(account);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_an_account_after_max_failures() {
        let l = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(l.check("a@x.io", Some(ip)), None);
            l.fail("a@x.io", Some(ip));
        }
        let secs = l.check("a@x.io", Some(ip)).unwrap();
        assert!((1..=60).contains(&secs));
        assert_eq!(l.check("b@x.io", Some(ip)), None);
        l.succeed("a@x.io");
        assert_eq!(l.check("a@x.io", Some(ip)), None);
    }

    #[test]
    fn locks_an_address_across_accounts() {
        let l = LoginLimiter::new(Duration::from_secs(60), 100, 2);
        let ip: IpAddr = "10.0.0.2".parse().unwrap();
        l.fail("a@x.io", Some(ip));
        l.fail("b@x.io", Some(ip));
        assert!(l.check("c@x.io", Some(ip)).is_some());
        assert!(
            l.check("c@x.io", Some("10.0.0.3".parse().unwrap()))
                .is_none()
        );
    }
}
