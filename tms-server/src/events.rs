//! The event channel: what changed, told to whoever listens in this server and, on
//! PostgreSQL, in every server on the database (`docs/ARCHITECTURE.md`, "Events").
//!
//! The storage layer records an [`Event`] for every change of a ticket or comment a
//! transaction makes (`store::recorder`), so no use case can forget one; once the transaction
//! has committed, [`Store::write`](crate::store::Store::write) publishes them on the [`Hub`].
//! On PostgreSQL the engine relays them to the other servers (`NOTIFY`) and publishes theirs
//! here (`LISTEN`), marked as heard from elsewhere. Events are a signal, not a record: a
//! listener that falls behind, or a server whose link to the database broke, gets a
//! [`Batch::resync`] and must read again what it shows.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// What happened to a ticket or its thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    TicketCreated,
    TicketUpdated,
    TicketDeleted,
    CommentCreated,
    CommentUpdated,
    CommentDeleted,
}

/// One change, committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub change: Change,
    pub ticket_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<i64>,
}

impl Event {
    pub fn ticket(change: Change, ticket_id: i64) -> Self {
        Self {
            change,
            ticket_id,
            comment_id: None,
        }
    }

    pub fn comment(change: Change, ticket_id: i64, comment_id: i64) -> Self {
        Self {
            change,
            ticket_id,
            comment_id: Some(comment_id),
        }
    }
}

/// The events of one transaction, or a call to read everything again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    pub events: Vec<Event>,
    /// Made through another server on the same database.
    pub remote: bool,
    /// Events may have been missed (the link to the other servers broke): whatever a
    /// listener shows must be read again.
    pub resync: bool,
}

/// How many batches a slow listener may fall behind before it is told to resync.
const BACKLOG: usize = 1024;

/// Fans committed changes out to this server's listeners.
pub struct Hub {
    sender: broadcast::Sender<Arc<Batch>>,
    /// This process among the servers on one database: its own relayed events come back to
    /// it and are not published twice.
    origin: u64,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            origin: rand::random(),
        }
    }
}

impl Hub {
    /// Listens from now on. A receiver that lags gets `RecvError::Lagged`: treat it as a
    /// resync.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.sender.subscribe()
    }

    /// This process's id among the servers, carried by what it relays.
    pub fn origin(&self) -> u64 {
        self.origin
    }

    /// Publishes the committed events of this server's transaction.
    pub fn publish(&self, events: Vec<Event>) {
        self.send(Batch {
            events,
            remote: false,
            resync: false,
        });
    }

    /// Publishes events another server committed.
    pub fn heard(&self, events: Vec<Event>) {
        self.send(Batch {
            events,
            remote: true,
            resync: false,
        });
    }

    /// Tells every listener that events may have been missed.
    pub fn resync(&self) {
        self.send(Batch {
            events: Vec::new(),
            remote: true,
            resync: true,
        });
    }

    fn send(&self, batch: Batch) {
        if batch.events.is_empty() && !batch.resync {
            return;
        }
        // No listener is not an error.
        let _ = self.sender.send(Arc::new(batch));
    }
}

/// What one server relays to the others: its events, marked with its origin.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Relayed {
    pub origin: u64,
    pub events: Vec<Event>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn listeners_get_published_batches_in_order_and_empty_ones_are_dropped() {
        let hub = Hub::default();
        let mut rx = hub.subscribe();
        hub.publish(vec![Event::ticket(Change::TicketCreated, 7)]);
        hub.publish(Vec::new());
        hub.heard(vec![Event::comment(Change::CommentCreated, 7, 3)]);
        hub.resync();
        let first = rx.recv().await.unwrap();
        assert_eq!(first.events, vec![Event::ticket(Change::TicketCreated, 7)]);
        assert!(!first.remote && !first.resync);
        let second = rx.recv().await.unwrap();
        assert!(second.remote);
        assert_eq!(second.events[0].comment_id, Some(3));
        assert!(rx.recv().await.unwrap().resync);
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn relayed_events_have_a_stable_wire_form() {
        let r = Relayed {
            origin: 5,
            events: vec![
                Event::ticket(Change::TicketUpdated, 1),
                Event::comment(Change::CommentDeleted, 1, 2),
            ],
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(
            text,
            r#"{"origin":5,"events":[{"change":"ticket_updated","ticket_id":1},{"change":"comment_deleted","ticket_id":1,"comment_id":2}]}"#
        );
        assert_eq!(serde_json::from_str::<Relayed>(&text).unwrap(), r);
    }
}
