//! Attempt slowing: after too many failures under one key inside a window (an account, a
//! trusted device, a client address, a user's password changes), further attempts under that
//! key are refused with 429 until the oldest failure has left the window. Which keys a login,
//! a signup and a password change count under is stated in `SECURITY.md` ("Accounts and
//! passwords") and chosen in `service::auth`.
//!
//! In memory, and bounded: every entry expires a window after its last failure (a sweep runs
//! at most once a second), and past [`MAX_KEYS`] the entries whose last failure is oldest are
//! dropped. A restart forgets everything, which only ever helps a legitimate user.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most keys remembered; each holds at most its limit of instants and a short name.
const MAX_KEYS: usize = 100_000;
/// How often expired keys are swept out.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// What failures are counted under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// Logins to an account (lower-cased email, at most 254 bytes) from clients it does not
    /// know.
    Account(String),
    /// Logins from one trusted device (the nonce of its device token).
    Device(String),
    /// Logins from one client address (IPv6 per /64).
    Address(IpAddr),
    /// Signups from one client address (IPv6 per /64).
    Signup(IpAddr),
    /// Password changes of one user.
    Password(i64),
}

impl Key {
    /// The address key of `addr`: IPv4 as it is, IPv6 by its /64 network (one customer's
    /// allocation), an IPv4-mapped IPv6 address as the IPv4 address.
    pub fn network(addr: IpAddr) -> IpAddr {
        match addr {
            IpAddr::V4(_) => addr,
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
        }
    }
}

#[derive(Default)]
struct Failures {
    /// Times of recent failures, oldest first; never more than the key's limit.
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

    fn last(&self) -> Option<Instant> {
        self.times.last().copied()
    }
}

struct Entries {
    map: HashMap<Key, Failures>,
    swept: Instant,
}

/// An attempt in progress: counted as a failure under its keys until it succeeds.
#[derive(Debug)]
pub struct LocalAttempt {
    keys: Vec<Key>,
    at: Instant,
}

/// Failure counts per key.
pub struct Limiter {
    window: Duration,
    entries: Mutex<Entries>,
}

impl Limiter {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                swept: Instant::now(),
            }),
        }
    }

    /// Starts an attempt under `limits` (each key with its maximum of failures): `Err(seconds)`
    /// if any key is at its maximum; otherwise the attempt is counted as a failure under every
    /// key at once, under the same lock as the check, so a burst of concurrent attempts cannot
    /// all pass the check before the first has failed. [`Limiter::succeed`] takes it back.
    pub fn begin(&self, limits: &[(Key, u32)]) -> Result<LocalAttempt, u64> {
        let now = Instant::now();
        let Ok(mut e) = self.entries.lock() else {
            return Err(self.window.as_secs().max(1));
        };
        self.sweep(&mut e, now);
        let mut wait = None;
        for (key, max) in limits {
            if let Some(f) = e.map.get_mut(key) {
                f.prune(now, self.window);
                wait = wait.max(f.locked_for(now, self.window, *max));
            }
        }
        if let Some(secs) = wait {
            return Err(secs);
        }
        for (key, _) in limits {
            let f = e.map.entry(key.clone()).or_default();
            f.times.push(now);
        }
        Ok(LocalAttempt {
            keys: limits.iter().map(|(k, _)| k.clone()).collect(),
            at: now,
        })
    }

    /// The attempt succeeded: it no longer counts as a failure, and every failure under
    /// `forget` (e.g. the account's) is cleared.
    pub fn succeed(&self, attempt: &LocalAttempt, forget: &[Key]) {
        let Ok(mut e) = self.entries.lock() else {
            return;
        };
        for key in &attempt.keys {
            if let Some(f) = e.map.get_mut(key)
                && let Some(i) = f.times.iter().rposition(|t| *t == attempt.at)
            {
                f.times.remove(i);
            }
        }
        for key in forget {
            e.map.remove(key);
        }
    }

    /// Keys remembered now (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.map.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops keys whose last failure left the window, at most once per [`SWEEP_EVERY`]; and
    /// beyond [`MAX_KEYS`], the keys whose last failure is oldest.
    fn sweep(&self, e: &mut Entries, now: Instant) {
        let full = e.map.len() >= MAX_KEYS;
        if !full && now.duration_since(e.swept) < SWEEP_EVERY {
            return;
        }
        e.swept = now;
        let window = self.window;
        e.map
            .retain(|_, f| f.last().is_some_and(|t| now.duration_since(t) < window));
        if e.map.len() >= MAX_KEYS {
            let mut lasts: Vec<Instant> = e.map.values().filter_map(Failures::last).collect();
            let keep = MAX_KEYS * 3 / 4;
            let cut = lasts.len() - keep;
            let (_, nth, _) = lasts.select_nth_unstable(cut);
            let cutoff = *nth;
            e.map.retain(|_, f| f.last().is_some_and(|t| t > cutoff));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn login(account: &str, addr: &str) -> [(Key, u32); 2] {
        [
            (Key::Account(account.into()), 3),
            (Key::Address(Key::network(ip(addr))), 100),
        ]
    }

    #[test]
    fn locks_an_account_after_max_failures() {
        let l = Limiter::new(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(l.begin(&login("a@x.io", "10.0.0.1")).is_ok());
        }
        let secs = l.begin(&login("a@x.io", "10.0.0.1")).unwrap_err();
        assert!((1..=60).contains(&secs));
        let b = l.begin(&login("b@x.io", "10.0.0.1")).unwrap();
        l.succeed(&b, &[Key::Account("b@x.io".into())]);
        l.succeed(&b, &[Key::Account("a@x.io".into())]);
        assert!(l.begin(&login("a@x.io", "10.0.0.1")).is_ok());
    }

    #[test]
    fn locks_an_address_across_accounts_and_ipv6_per_64() {
        let l = Limiter::new(Duration::from_secs(60));
        let limits = |a: &str, addr: &str| {
            [
                (Key::Account(a.into()), 100),
                (Key::Address(Key::network(ip(addr))), 2),
            ]
        };
        l.begin(&limits("a@x.io", "2001:db8:1:2::1")).unwrap();
        l.begin(&limits("b@x.io", "2001:db8:1:2:ffff::9")).unwrap();
        assert!(l.begin(&limits("c@x.io", "2001:db8:1:2::77")).is_err());
        assert!(l.begin(&limits("c@x.io", "2001:db8:1:3::1")).is_ok());
        assert_eq!(Key::network(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
    }

    #[test]
    fn a_success_is_not_counted_against_the_address() {
        let l = Limiter::new(Duration::from_secs(60));
        let limits = |a: &str| {
            [
                (Key::Account(a.into()), 100),
                (Key::Address(ip("10.0.0.4")), 2),
            ]
        };
        for _ in 0..5 {
            let attempt = l.begin(&limits("a@x.io")).unwrap();
            l.succeed(&attempt, &[Key::Account("a@x.io".into())]);
        }
        l.begin(&limits("b@x.io")).unwrap();
        l.begin(&limits("c@x.io")).unwrap();
        assert!(l.begin(&limits("a@x.io")).is_err());
    }

    #[test]
    fn keys_expire_with_the_window_and_stay_bounded() {
        let l = Limiter::new(Duration::from_millis(30));
        for i in 0..1000 {
            l.begin(&[(Key::Account(format!("u{i}@x.io")), 5)]).unwrap();
        }
        assert_eq!(l.len(), 1000);
        std::thread::sleep(SWEEP_EVERY + Duration::from_millis(50));
        l.begin(&[(Key::Password(1), 5)]).unwrap();
        assert_eq!(l.len(), 1, "expired keys were swept");

        let l = Limiter::new(Duration::from_secs(600));
        for i in 0..MAX_KEYS + 10 {
            l.begin(&[(Key::Password(i as i64), 5)]).unwrap();
        }
        assert!(l.len() <= MAX_KEYS, "{} keys", l.len());
        // The newest failures are the ones kept.
        assert!(
            l.begin(&[(Key::Password((MAX_KEYS + 9) as i64), 1)])
                .is_err()
        );
    }
}
