//! The delivery worker: one tokio task per server, started with it (`crate::serve_locked`).
//!
//! Each round it claims up to [`BATCH`] due outbox rows (`NotifyWrite::claim`: on PostgreSQL
//! `FOR UPDATE SKIP LOCKED`, so servers sharing a database take different rows), delivers them
//! at once, and stores each outcome under its lease: sent; a retry after an exponential,
//! jittered delay; or failed (email after `email_attempts`, webhooks `webhook_retry_for` after
//! the change, an address refused at once). A server killed mid-delivery leaves its rows
//! leased: they fall due again when the lease ends (on SQLite, which one server serves, at its
//! next start), and are sent again with the same Message-ID or `X-Tms-Delivery` — at least
//! once, recognisably.
//!
//! Between rounds it sleeps until the earliest due row, at most `poll`, and wakes early on
//! committed changes (the event hub: a change that queued a delivery publishes events), at
//! most every [`MIN_GAP`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tms_core::timefmt::{self, Timestamp};
use tokio::sync::watch;

use super::Settings;
use super::mail::{Mailer, Sent};
use super::webhook::{self, Attempt};
use crate::store::notify::{Destination, Job, Outcome};
use crate::store::{Store, StoreError};

/// Deliveries claimed, and attempted at once, per round.
const BATCH: u32 = 16;
/// The shortest time between two looks at the outbox when changes wake the worker.
const MIN_GAP: Duration = Duration::from_millis(100);
/// How often sent and failed deliveries past their keeping are deleted (a bounded number
/// each time).
const PRUNE_EVERY: Duration = Duration::from_secs(600);
const PRUNE_ROWS: u32 = 10_000;

/// The gauge of pending deliveries (`--metrics-bind`).
pub const BACKLOG: &str = "tms_outbox_pending";

/// The delay before attempt `attempts + 1`: `base` doubled per attempt made after the first,
/// at most `cap`, of which a random half is taken off (jitter: servers retrying a receiver
/// that came back do not all call at once).
pub fn backoff(base: Duration, cap: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let full = base.saturating_mul(1u32 << doublings).min(cap);
    let half = full / 2;
    half + half.mul_f64(rand::random::<f64>())
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    t + time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// The delivery worker of one server.
pub struct Worker {
    store: Store,
    settings: Arc<Settings>,
    mailer: Option<Mailer>,
    hooks: webhook::Sender,
    /// Tells this database's Message-IDs from another's.
    digest: String,
    /// Deliveries taken and not yet settled: given back when the worker stops.
    held: Mutex<HashMap<i64, i64>>,
}

impl Worker {
    /// A worker for `store` (the settings were checked when the server opened).
    pub async fn new(store: Store, settings: Arc<Settings>) -> Result<Self, String> {
        let mailer = match (&settings.smtp_url, &settings.mail_from) {
            (Some(url), Some(from)) => Some(Mailer::new(url, from, settings.smtp_timeout)?),
            _ => None,
        };
        let hooks = webhook::Sender::new(settings.webhook_allow_private, settings.webhook_timeout)?;
        let key = store
            .write(|tx| tx.server_key("message_id", 32))
            .await
            .map_err(|e: StoreError| e.to_string())?;
        let digest = hex::encode(&Sha256::digest(&key)[..6]);
        Ok(Self {
            store,
            settings,
            mailer,
            hooks,
            digest,
            held: Mutex::new(HashMap::new()),
        })
    }

    /// Delivers until `stop` turns true, then gives back what it holds.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if !self.store.shared() {
            // One server serves a SQLite file: a lease left by an earlier process (killed
            // mid-delivery) is no one's now.
            let now = timefmt::now();
            match self
                .store
                .write(move |tx| tx.notify().release_all(now))
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(n, "deliveries interrupted by a stop are due again"),
                Err(e) => tracing::warn!(error = %e, "cannot release the outbox's leases"),
            }
        }
        let mut events = Some(self.store.events().subscribe());
        let mut pruned = tokio::time::Instant::now();
        loop {
            if *stop.borrow() {
                break;
            }
            let round = tokio::select! {
                r = self.round() => r,
                _ = stop.changed() => break,
            };
            match round {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the delivery worker cannot reach the outbox");
                }
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = tokio::time::Instant::now();
                self.prune().await;
            }
            let wait = self.until_due().await;
            let woke = async {
                match events.as_mut() {
                    Some(rx) => !matches!(
                        rx.recv().await,
                        Err(tokio::sync::broadcast::error::RecvError::Closed)
                    ),
                    None => std::future::pending().await,
                }
            };
            let open = tokio::select! {
                () = tokio::time::sleep(wait) => true,
                open = woke => {
                    if open {
                        tokio::time::sleep(MIN_GAP).await;
                    }
                    open
                }
                _ = stop.changed() => break,
            };
            if !open {
                events = None;
            }
            if let Some(rx) = events.as_mut() {
                // Everything that came meanwhile is seen by the next look.
                while !matches!(
                    rx.try_recv(),
                    Err(tokio::sync::broadcast::error::TryRecvError::Empty
                        | tokio::sync::broadcast::error::TryRecvError::Closed)
                ) {}
            }
        }
        self.give_back().await;
    }

    /// How long to sleep: until the earliest pending delivery is due, at most `poll`.
    async fn until_due(&self) -> Duration {
        let poll = self.settings.poll;
        let metrics = crate::metrics::enabled();
        let read = self
            .store
            .read(move |r| {
                let due = r.notify_read().next_due()?;
                let backlog = if metrics {
                    Some(r.notify_read().pending()?)
                } else {
                    None
                };
                Ok::<_, StoreError>((due, backlog))
            })
            .await;
        match read {
            Ok((due, backlog)) => {
                if let Some(n) = backlog {
                    metrics::gauge!(BACKLOG).set(n as f64);
                }
                match due {
                    None => poll,
                    Some(due) => {
                        let left = due - timefmt::now();
                        Duration::try_from(left).unwrap_or(Duration::ZERO).min(poll)
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "the delivery worker cannot read the outbox");
                poll
            }
        }
    }

    /// One round: claims due deliveries and attempts them all; whether there were any.
    async fn round(&self) -> Result<bool, StoreError> {
        let now = timefmt::now();
        let lease = plus(now, self.settings.lease());
        let jobs = self
            .store
            .write(move |tx| tx.notify().claim(now, lease, BATCH))
            .await?;
        if jobs.is_empty() {
            return Ok(false);
        }
        {
            let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            held.extend(jobs.iter().map(|j| (j.id, j.lease)));
        }
        let mut attempts = futures_util::stream::iter(jobs)
            .map(|job| async move {
                let outcome = self.attempt(&job).await;
                (job, outcome)
            })
            .buffer_unordered(BATCH as usize);
        while let Some((job, outcome)) = attempts.next().await {
            self.settle(&job, outcome).await;
        }
        Ok(true)
    }

    /// Stores the outcome of `job`'s attempt.
    async fn settle(&self, job: &Job, outcome: Outcome) {
        match &outcome {
            Outcome::Sent { .. } => {
                tracing::debug!(id = job.id, event = %job.event, "notification sent");
            }
            Outcome::Retry { error, .. } => {
                tracing::info!(id = job.id, attempts = job.attempts, %error, "notification not delivered; will retry");
            }
            Outcome::Failed { error, .. } => {
                tracing::warn!(id = job.id, attempts = job.attempts, %error, "notification failed for good");
            }
        }
        let (id, lease, now) = (job.id, job.lease, timefmt::now());
        match self
            .store
            .write(move |tx| tx.notify().finish(id, lease, &outcome, now))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(id, "a delivery's lease ended before its outcome was stored")
            }
            Err(e) => tracing::warn!(id, error = %e, "cannot store a delivery's outcome"),
        }
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// One attempt at `job`, bounded in time, and what becomes of it.
    async fn attempt(&self, job: &Job) -> Outcome {
        match &job.to {
            Destination::Webhook { url, secret } => {
                let body = match webhook::body(&job.event, job.id, job.created_at, &job.body) {
                    Ok(b) => b,
                    Err(e) => {
                        return Outcome::Failed {
                            status: None,
                            error: format!("the stored delivery is not valid: {e}"),
                        };
                    }
                };
                let limit = self.settings.webhook_timeout + Duration::from_secs(5);
                let sent = tokio::time::timeout(
                    limit,
                    self.hooks.send(url, secret, job.id, &job.event, body),
                )
                .await
                .unwrap_or_else(|_| Attempt::Unreachable("no answer in time".into()));
                match sent {
                    Attempt::Delivered(status) => Outcome::Sent {
                        status: Some(i64::from(status)),
                    },
                    Attempt::Answered(status) => self.webhook_retry(
                        job,
                        Some(i64::from(status)),
                        format!("the receiver answered {status}"),
                    ),
                    Attempt::Unreachable(why) => self.webhook_retry(job, None, why),
                    Attempt::Refused(why) => Outcome::Failed {
                        status: None,
                        error: why,
                    },
                }
            }
            Destination::Email { recipient, subject } => {
                let Some(mailer) = &self.mailer else {
                    return Outcome::Retry {
                        at: plus(timefmt::now(), self.settings.retry_cap),
                        status: None,
                        error: "this server has no SMTP relay (--smtp-url); another may send it"
                            .into(),
                    };
                };
                let message =
                    match mailer.message(job.id, &self.digest, recipient, subject, &job.body) {
                        Ok(m) => m,
                        Err(error) => {
                            return Outcome::Failed {
                                status: None,
                                error,
                            };
                        }
                    };
                let limit = self.settings.smtp_timeout + Duration::from_secs(5);
                let sent = tokio::time::timeout(limit, mailer.send(message))
                    .await
                    .unwrap_or_else(|_| {
                        Sent::Transient(None, "the relay did not answer in time".into())
                    });
                match sent {
                    Sent::Accepted(code) => Outcome::Sent {
                        status: Some(i64::from(code)),
                    },
                    Sent::Permanent(code, error) => Outcome::Failed {
                        status: code.map(i64::from),
                        error,
                    },
                    Sent::Transient(code, error) => {
                        let status = code.map(i64::from);
                        if job.attempts >= i64::from(self.settings.email_attempts) {
                            Outcome::Failed {
                                status,
                                error: format!("gave up after {} attempts: {error}", job.attempts),
                            }
                        } else {
                            Outcome::Retry {
                                at: plus(timefmt::now(), self.delay(job)),
                                status,
                                error,
                            }
                        }
                    }
                }
            }
        }
    }

    fn delay(&self, job: &Job) -> Duration {
        backoff(
            self.settings.retry_base,
            self.settings.retry_cap,
            job.attempts,
        )
    }

    /// A webhook attempt that failed: tried again after the delay, the last time when its
    /// retry window ends, then failed.
    fn webhook_retry(&self, job: &Job, status: Option<i64>, error: String) -> Outcome {
        let now = timefmt::now();
        let deadline = plus(job.created_at, self.settings.webhook_retry_for);
        if now >= deadline {
            return Outcome::Failed {
                status,
                error: format!(
                    "gave up after {} attempts in {} h: {error}",
                    job.attempts,
                    self.settings.webhook_retry_for.as_secs_f64() / 3600.0
                ),
            };
        }
        Outcome::Retry {
            at: plus(now, self.delay(job)).min(deadline),
            status,
            error,
        }
    }

    async fn prune(&self) {
        let before = timefmt::now()
            - time::Duration::try_from(self.settings.keep).unwrap_or(time::Duration::MAX);
        match self
            .store
            .write(move |tx| tx.notify().prune(before, PRUNE_ROWS))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::debug!(n, "old deliveries deleted"),
            Err(e) => tracing::warn!(error = %e, "cannot prune the outbox"),
        }
    }

    /// Gives back the deliveries taken and not settled (their attempts were dropped), due
    /// now, so that another server need not wait for their leases to end.
    async fn give_back(&self) {
        let held: Vec<(i64, i64)> = self
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        if held.is_empty() {
            return;
        }
        let now = timefmt::now();
        if let Err(e) = self
            .store
            .write(move |tx| tx.notify().release(&held, now))
            .await
        {
            tracing::warn!(error = %e, "cannot give back deliveries in progress");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_at_most_half_taken_off() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(300);
        for (attempts, full) in [
            (1, 10),
            (2, 20),
            (3, 40),
            (4, 80),
            (5, 160),
            (6, 300),
            (60, 300),
        ] {
            for _ in 0..50 {
                let d = backoff(base, cap, attempts);
                let full = Duration::from_secs(full);
                assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
            }
        }
        // Jitter: not always the same delay.
        let seen: std::collections::HashSet<Duration> =
            (0..20).map(|_| backoff(base, cap, 3)).collect();
        assert!(seen.len() > 1);
    }
}
