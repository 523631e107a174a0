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
//! Either link may break: the notifier reconnects and sends what it had not sent yet (a
//! notification sent twice is harmless: events are signals), the listener reconnects and tells
//! this server's listeners to resync, since it may have missed events. While the listener is
//! not listening the hub is marked unlinked (`Hub::set_linked`): nothing this server
//! remembers by data generation (`service::pages`) is used until it listens again. A
//! notification the database accepted but a listener never got is caught by the 30-second
//! forgetting of `store::counts` and the 5-second life of a remembered page.

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
/// Events kept for the other servers while the link to them is down, at most.
const PENDING_MAX: usize = 100_000;
/// How long a broken link waits before it connects again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// How often remembered totals are forgotten anyway, in case a notification was lost.
pub(super) const FORGET_EVERY: Duration = Duration::from_secs(30);

/// A notification's payload, and how many of the events it was made from it carries through
/// (counting those of the payloads before it).
struct Payload {
    text: String,
    through: usize,
}

/// The payloads carrying `events` (and, on the first, that `people` changed), each within
/// [`PAYLOAD_MAX`].
fn payloads(origin: u64, events: &[Event], people: bool) -> Vec<Payload> {
    // An event is under 100 bytes of JSON.
    let per = PAYLOAD_MAX / 100;
    let mut out = Vec::new();
    let mut through = 0;
    let mut chunks: Vec<&[Event]> = events.chunks(per).collect();
    if chunks.is_empty() && people {
        chunks.push(&[]);
    }
    for (i, chunk) in chunks.into_iter().enumerate() {
        through += chunk.len();
        let batch = Relayed {
            origin,
            events: chunk.to_vec(),
            people: people && i == 0,
        };
        if let Ok(text) = serde_json::to_string(&batch) {
            out.push(Payload { text, through });
        }
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
        // Not linked until the listener listens.
        hub.set_linked(false);
        let rt = self.handle();
        rt.spawn(notify(self.inner.config.clone(), hub.origin(), rx));
        rt.spawn(listen(
            self.inner.config.clone(),
            hub,
            self.inner.counts.clone(),
        ));
    }

    /// This server committed `events` (and changed `people` shown with tickets): its
    /// remembered totals are stale, and the other servers are told.
    pub(crate) fn changed(&self, events: &[Event], people: bool) {
        self.inner.counts.invalidate();
        if let Some(outbox) = self.inner.outbox.get() {
            let _ = outbox.send((events.to_vec(), people));
        }
    }
}

async fn notify(config: Config, origin: u64, mut rx: mpsc::UnboundedReceiver<(Vec<Event>, bool)>) {
    // Events not yet sent: kept across a broken link and sent once it is back.
    let mut pending: Vec<Event> = Vec::new();
    let mut people = false;
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
        let prepared = async {
            client.batch_execute("SET synchronous_commit = off").await?;
            client.prepare("SELECT pg_notify($1, $2)").await
        };
        let notify = match prepared.await {
            Ok(statement) => statement,
            Err(e) => {
                tracing::warn!(error = %e, "cannot set up the event relay; trying again");
                tokio::time::sleep(RECONNECT_AFTER).await;
                continue;
            }
        };
        loop {
            if pending.is_empty() && !people {
                match rx.recv().await {
                    Some((events, p)) => (pending, people) = (events, p),
                    None => return,
                }
            }
            while let Ok((more, p)) = rx.try_recv() {
                pending.extend(more);
                people |= p;
            }
            if pending.len() > PENDING_MAX {
                // A link down for long: the other servers forget their totals within 30 s
                // anyway, and their live views resync when their own link comes back.
                tracing::warn!(
                    dropped = pending.len(),
                    "events not relayed: the link was down too long"
                );
                pending.clear();
                continue;
            }
            let mut sent = 0;
            let mut broke = false;
            for (i, payload) in payloads(origin, &pending, people).into_iter().enumerate() {
                match client.execute(&notify, &[&CHANNEL, &payload.text]).await {
                    Ok(_) => {
                        sent = payload.through;
                        if i == 0 {
                            people = false;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the event relay broke; sending again once it is back");
                        broke = true;
                        break;
                    }
                }
            }
            pending.drain(..sent);
            if broke || !pending.is_empty() || people {
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
                hub.set_linked(true);
                while let Some(payload) = payloads.recv().await {
                    match serde_json::from_str::<Relayed>(&payload) {
                        Ok(r) if r.origin == hub.origin() => {}
                        Ok(r) => {
                            counts.invalidate();
                            if r.people {
                                hub.touch();
                            }
                            hub.heard(r.events);
                        }
                        Err(e) => tracing::warn!(error = %e, "an unreadable event notification"),
                    }
                }
                hub.set_linked(false);
            }
            Err(e) => tracing::warn!(error = %e, "cannot listen for other servers' events"),
        }
        // Listeners resync once listening again (above): events may be missed until then.
        drop(client);
        driver.abort();
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
            .map(|i| Event {
                change: Change::CommentCreated,
                ticket_id: i64::MAX - i,
                comment_id: Some(i64::MAX - i),
                internal: i % 2 == 0,
            })
            .collect();
        let sent = payloads(9, &events, false);
        assert!(sent.len() > 1);
        let mut back = Vec::new();
        for p in &sent {
            assert!(p.text.len() < 8000, "{} bytes", p.text.len());
            let r: Relayed = serde_json::from_str(&p.text).unwrap();
            assert_eq!(r.origin, 9);
            back.extend(r.events);
            assert_eq!(p.through, back.len());
        }
        assert_eq!(back, events);
        assert!(payloads(9, &[], false).is_empty());
        let people = payloads(9, &[], true);
        assert_eq!(people.len(), 1);
        let r: Relayed = serde_json::from_str(&people[0].text).unwrap();
        assert!(r.people && r.events.is_empty());
        let both = payloads(9, &events, true);
        let flags: Vec<bool> = both
            .iter()
            .map(|p| serde_json::from_str::<Relayed>(&p.text).unwrap().people)
            .collect();
        assert!(flags[0] && flags[1..].iter().all(|f| !f), "{flags:?}");
    }
}
