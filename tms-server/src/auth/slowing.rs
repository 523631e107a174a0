//! Where attempt slowing counts failures: in this process ([`Limiter`]) when one server owns
//! the database, or in the database itself when several servers share it, so that a guesser
//! spreading attempts over every server behind a load balancer is slowed as if there were
//! one. Both keep the same sliding window: an attempt is refused while `max` failures under
//! one of its keys are younger than the window, and counts as a failure until it succeeds.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tms_core::timefmt;

use super::limiter::{Key, Limiter, LocalAttempt};
use crate::service::ServiceError;
use crate::store::Store;

/// How often the database's expired failures are swept out by this server.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// An attempt in progress: counted as a failure under its keys until it succeeds.
#[derive(Debug)]
pub enum Attempt {
    Local(LocalAttempt),
    /// The ids of its failure rows.
    Shared(Vec<i64>),
}

/// Attempt slowing, in memory or in the database.
pub enum Slowing {
    Local(Limiter),
    Shared {
        store: Store,
        window: Duration,
        swept: Mutex<Instant>,
    },
}

impl Key {
    /// The key as the database stores it: emails and device nonces (whatever a client sent)
    /// by their SHA-256, which holds no character a database could refuse.
    fn stored(&self) -> String {
        use sha2::Digest;
        let digest = |s: &str| hex::encode(sha2::Sha256::digest(s.as_bytes()));
        match self {
            Key::Account(email) => format!("account:{}", digest(email)),
            Key::Device(nonce) => format!("device:{}", digest(nonce)),
            Key::Address(ip) => format!("address:{ip}"),
            Key::Signup(ip) => format!("signup:{ip}"),
            Key::Password(id) => format!("password:{id}"),
        }
    }
}

impl Slowing {
    /// Slowing for a server on `store`, over `window`.
    pub fn new(store: &Store, window: Duration) -> Self {
        if store.shared() {
            Slowing::Shared {
                store: store.clone(),
                window,
                swept: Mutex::new(Instant::now()),
            }
        } else {
            Slowing::Local(Limiter::new(window))
        }
    }

    /// Starts an attempt under `limits` (each key with its maximum of failures): refused with
    /// [`ServiceError::TooManyAttempts`] if any key is at its maximum; otherwise counted as a
    /// failure under every key at once, atomically with the check.
    pub async fn begin(&self, limits: &[(Key, u32)]) -> Result<Attempt, ServiceError> {
        let (store, window) = match self {
            Slowing::Local(l) => {
                return l
                    .begin(limits)
                    .map(Attempt::Local)
                    .map_err(ServiceError::TooManyAttempts);
            }
            Slowing::Shared { store, window, .. } => (store, *window),
        };
        self.sweep().await;
        let mut keys: Vec<(String, u32)> = limits.iter().map(|(k, m)| (k.stored(), *m)).collect();
        // One lock order on every server: no two attempts wait for each other.
        keys.sort();
        let now = timefmt::now();
        let since = now - window;
        let counted = store
            .write(move |tx| {
                for (key, _) in &keys {
                    tx.lock_attempts(key)?;
                }
                let mut wait: Option<u64> = None;
                for (key, max) in &keys {
                    let times = tx.failures(key, since)?;
                    if times.len() >= *max as usize
                        && let Some(oldest) = times.first()
                    {
                        let left = window.saturating_sub((now - *oldest).unsigned_abs());
                        wait = wait.max(Some(left.as_secs().max(1)));
                    }
                }
                if let Some(secs) = wait {
                    return Ok(Err(secs));
                }
                let ids = keys
                    .iter()
                    .map(|(key, _)| tx.add_failure(key, now))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok::<_, ServiceError>(Ok(ids))
            })
            .await?;
        counted
            .map(Attempt::Shared)
            .map_err(ServiceError::TooManyAttempts)
    }

    /// The attempt succeeded (or was never judged): it no longer counts as a failure, and
    /// every failure under `forget` is cleared.
    pub async fn succeed(&self, attempt: &Attempt, forget: &[Key]) {
        match (self, attempt) {
            (Slowing::Local(l), Attempt::Local(a)) => l.succeed(a, forget),
            (Slowing::Shared { store, .. }, Attempt::Shared(ids)) => {
                let ids = ids.clone();
                let forget: Vec<String> = forget.iter().map(Key::stored).collect();
                let done = store
                    .write(move |tx| {
                        tx.remove_failures(&ids)?;
                        for key in &forget {
                            tx.forget_failures(key)?;
                        }
                        Ok::<_, ServiceError>(())
                    })
                    .await;
                if let Err(e) = done {
                    tracing::warn!(error = %e, "could not take back a counted attempt");
                }
            }
            _ => {}
        }
    }

    /// Keys remembered in memory (for tests and metrics; 0 when counted in the database).
    pub fn len(&self) -> usize {
        match self {
            Slowing::Local(l) => l.len(),
            Slowing::Shared { .. } => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes the database's failures older than the window, at most once a minute per
    /// server.
    async fn sweep(&self) {
        let Slowing::Shared {
            store,
            window,
            swept,
        } = self
        else {
            return;
        };
        {
            let Ok(mut last) = swept.lock() else { return };
            if last.elapsed() < SWEEP_EVERY {
                return;
            }
            *last = Instant::now();
        }
        let before = timefmt::now() - *window;
        let done = store
            .write(move |tx| tx.expire_failures(before).map_err(ServiceError::from))
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not sweep expired attempts");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Engine;
    use crate::store::sqlite::Db;

    /// The database-backed slowing, here over SQLite (the two-server tests run it on
    /// PostgreSQL): the same sliding window as the in-memory limiter.
    #[tokio::test]
    async fn failures_counted_in_the_database_slow_and_are_taken_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(Engine::Sqlite(
            Db::open(&dir.path().join("t.db"), 1).unwrap(),
        ));
        let slowing = Slowing::Shared {
            store,
            window: Duration::from_secs(60),
            swept: Mutex::new(Instant::now()),
        };
        let limits = |email: &str| [(Key::Account(email.into()), 3)];
        for _ in 0..3 {
            slowing.begin(&limits("a@x.io")).await.unwrap();
        }
        let refused = slowing.begin(&limits("a@x.io")).await.unwrap_err();
        assert!(
            matches!(refused, ServiceError::TooManyAttempts(1..=60)),
            "{refused:?}"
        );
        // Another key is not slowed; its success is taken back and forgets a@x.io's failures.
        let b = slowing.begin(&limits("b@x.io")).await.unwrap();
        slowing.succeed(&b, &[Key::Account("a@x.io".into())]).await;
        for _ in 0..3 {
            let a = slowing.begin(&limits("a@x.io")).await.unwrap();
            slowing.succeed(&a, &[]).await;
        }
        assert!(slowing.begin(&limits("a@x.io")).await.is_ok());
    }
}
