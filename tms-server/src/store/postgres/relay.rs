//! Events between the servers on one database (`crate::events`): `NOTIFY` out, `LISTEN` in.
//!
//! Each server keeps two connections of its own outside the pool:
//!
//! - the *notifier* sends this server's committed events, batched (everything queued while
//!   the last batch was on its way goes in the next), as `pg_notify('tms_events', …)` with a
//!   JSON payload of at most [`PAYLOAD_MAX`] bytes. It runs with `synchronous_commit = off`:
//!   a notification is a signal, not data, so it need not wait for a disk. Notifying from
//!   the writing transaction itself would serialise every write's commit on PostgreSQL's
//!   notification queue lock.
//! - the *listener* `LISTEN`s and publishes what other servers relayed on this server's hub
//!   (its own come back too and are skipped), and forgets the remembered search totals.
//!
//! Either link may break: the notifier reconnects (what it held is lost: the other servers
//! learn of it at their next 30-second forgetting, see `store::counts`), the listener
//! reconnects and tells this server's listeners to resync, since it may have missed events.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use super::Pg;
use crate::events::{Event, Hub, Relayed};
use crate::store::counts::CountCache;

/// The channel every server listens on.
const CHANNEL: &str = "tms_events";
/// A payload's largest size (PostgreSQL refuses 8000 bytes and more).
const PAYLOAD_MAX: usize = 7_000;
/// How long a broken link waits before it connects again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// How often remembered totals are forgotten anyway, in case a notification was lost.
pub(super) const FORGET_EVERY: Duration = Duration::from_secs(30);

/// The payloads carrying `events`, each within [`PAYLOAD_MAX`].
fn payloads(origin: u64, events: &[Event]) -> Vec<String> {
    let mut out = Vec::new();
    let mut batch = Relayed {
        origin,
        events: Vec::new(),
    };
    let mut size = 0;
    for e in events {
        // An event is under 100 bytes of JSON.
        if size + 100 > PAYLOAD_MAX && !batch.events.is_empty() {
            out.extend(serde_json::to_string(&batch).ok());
            batch.events.clear();
            size = 0;
        }
        batch.events.push(*e);
        size += 100;
    }
    if !batch.events.is_empty() {
        out.extend(serde_json::to_string(&batch).ok());
    }
    out
}

impl Pg {
    /// Starts relaying events between this server and the others on the database: once per
    /// engine (later calls do nothing).
    pub fn relay(&self, hub: Arc<Hub>) {
        let (tx, rx) = mpsc::unbounded_channel();
        if self.inner.outbox.set(tx).is_err() {
            return;
        }
        let rt = self.handle();
        rt.spawn(notify(self.inner.config.clone(), hub.origin(), rx));
        rt.spawn(listen(
            self.inner.config.clone(),
            hub,
            self.inner.counts.clone(),
        ));
    }

    /// This server committed `events`: its remembered totals are stale, and the other
    /// servers are told.
    pub(crate) fn changed(&self, events: &[Event]) {
        self.inner.counts.invalidate();
        if let Some(outbox) = self.inner.outbox.get() {
            let _ = outbox.send(events.to_vec());
        }
    }
}

async fn notify(config: Config, origin: u64, mut rx: mpsc::UnboundedReceiver<Vec<Event>>) {
    loop {
        let client = match config.connect(NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                client
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to relay events; trying again");
                tokio::time::sleep(RECONNECT_AFTER).await;
                continue;
            }
        };
        if let Err(e) = client.batch_execute("SET synchronous_commit = off").await {
            tracing::warn!(error = %e, "cannot set up the event relay; trying again");
            tokio::time::sleep(RECONNECT_AFTER).await;
            continue;
        }
        loop {
            let Some(mut events) = rx.recv().await else {
                return;
            };
            while let Ok(more) = rx.try_recv() {
                events.extend(more);
            }
            let mut sent = true;
            for payload in payloads(origin, &events) {
                if let Err(e) = client
                    .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
                    .await
                {
                    tracing::warn!(error = %e, "events not relayed to the other servers");
                    sent = false;
                    break;
                }
            }
            if !sent {
                break;
            }
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn listen(config: Config, hub: Arc<Hub>, counts: Arc<CountCache>) {
    let mut first = true;
    loop {
        let (client, mut connection) = match config.connect(NoTls).await {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to hear other servers' events; trying again");
                tokio::time::sleep(RECONNECT_AFTER).await;
                continue;
            }
        };
        let (heard, mut payloads) = mpsc::unbounded_channel();
        let driver = tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                match message {
                    Ok(AsyncMessage::Notification(n)) => {
                        if heard.send(n.payload().to_string()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the link to other servers' events broke");
                        return;
                    }
                }
            }
        });
        match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
            Ok(()) => {
                // Whatever was relayed while this server was not listening is missed.
                if !first {
                    counts.invalidate();
                    hub.resync();
                }
                first = false;
                while let Some(payload) = payloads.recv().await {
                    match serde_json::from_str::<Relayed>(&payload) {
                        Ok(r) if r.origin == hub.origin() => {}
                        Ok(r) => {
                            counts.invalidate();
                            hub.heard(r.events);
                        }
                        Err(e) => tracing::warn!(error = %e, "an unreadable event notification"),
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other servers' events"),
        }
        drop(client);
        driver.abort();
        counts.invalidate();
        hub.resync();
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Change;

    #[test]
    fn payloads_stay_within_postgresql_limit_and_keep_every_event_in_order() {
        let events: Vec<Event> = (0..1000)
            .map(|i| Event::comment(Change::CommentCreated, i64::MAX - i, i64::MAX - i))
            .collect();
        let sent = payloads(9, &events);
        assert!(sent.len() > 1);
        let mut back = Vec::new();
        for p in &sent {
            assert!(p.len() < 8000, "{} bytes", p.len());
            let r: Relayed = serde_json::from_str(p).unwrap();
            assert_eq!(r.origin, 9);
            back.extend(r.events);
        }
        assert_eq!(back, events);
        assert!(payloads(9, &[]).is_empty());
    }
}
