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

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    /// The comment is an internal note: only staff are told of it, even of its deletion.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

impl Event {
    pub fn ticket(change: Change, ticket_id: i64) -> Self {
        Self {
            change,
            ticket_id,
            comment_id: None,
            internal: false,
        }
    }

    pub fn comment(change: Change, c: &tms_core::api::Comment) -> Self {
        Self {
            change,
            ticket_id: c.ticket_id,
            comment_id: Some(c.id),
            internal: c.is_internal,
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
    /// Its place among the batches this hub published, from 1; set by the hub.
    pub seq: u64,
}

/// How many batches a slow listener may fall behind before it is told to resync.
const BACKLOG: usize = 1024;

/// How many of the latest batches are kept for listeners that come back
/// ([`Hub::subscribe_after`]).
pub const RETAINED: usize = 10_000;

/// Fans committed changes out to this server's listeners.
pub struct Hub {
    sender: broadcast::Sender<Arc<Batch>>,
    /// This process among the servers on one database: its own relayed events come back to
    /// it and are not published twice.
    origin: u64,
    /// The latest batches, oldest first, and the number of the last one.
    retained: Mutex<(u64, VecDeque<Arc<Batch>>)>,
    /// The data generation ([`Hub::generation`]).
    generation: AtomicU64,
    /// Whether this hub hears every other server's changes: false while the link that
    /// relays them is down (or not yet up).
    linked: AtomicBool,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            origin: rand::random(),
            retained: Mutex::new((0, VecDeque::new())),
            generation: AtomicU64::new(0),
            linked: AtomicBool::new(true),
        }
    }
}

/// What a listener coming back missed ([`Hub::subscribe_after`]).
#[derive(Debug)]
pub enum Missed {
    /// These batches, oldest first (none if it missed nothing).
    Batches(Vec<Arc<Batch>>),
    /// More than is kept, or its place is not this hub's: it must read everything again.
    /// `last`: the number of the latest batch.
    TooMuch { last: u64 },
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

    /// The data generation: a number that moves on before anyone hears of a committed change
    /// of a ticket, a comment or a person shown with tickets — this server's, or another's
    /// once relayed here — and on every resync. `None` while the link to the other servers
    /// is down: their changes may then go unheard, and nothing read may be trusted to be
    /// current because the generation stood still.
    ///
    /// What was read after this returned `Some(g)` includes every change published before
    /// `g` was reached; so a value remembered under `g` may be served for as long as the
    /// generation is `g` (`service::pages`).
    pub fn generation(&self) -> Option<u64> {
        let g = self.generation.load(Ordering::Acquire);
        self.linked.load(Ordering::Acquire).then_some(g)
    }

    /// Moves the data generation on for a committed change that is no event of its own (a
    /// person renamed: lists and tickets show people).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Says whether the link that relays the other servers' changes is up
    /// (`store::postgres::relay`); the generation moves on either way.
    pub fn set_linked(&self, linked: bool) {
        self.linked.store(linked, Ordering::Release);
        self.touch();
    }

    /// Publishes the committed events of this server's transaction.
    pub fn publish(&self, events: Vec<Event>) {
        self.send(Batch {
            events,
            remote: false,
            resync: false,
            seq: 0,
        });
    }

    /// Publishes events another server committed.
    pub fn heard(&self, events: Vec<Event>) {
        self.send(Batch {
            events,
            remote: true,
            resync: false,
            seq: 0,
        });
    }

    /// Tells every listener that events may have been missed.
    pub fn resync(&self) {
        self.send(Batch {
            events: Vec::new(),
            remote: true,
            resync: true,
            seq: 0,
        });
    }

    fn send(&self, mut batch: Batch) {
        if batch.events.is_empty() && !batch.resync {
            return;
        }
        // Numbered, kept and sent under one lock: a listener subscribing meanwhile sees each
        // batch either in what it missed or in its receiver, never both or neither.
        let Ok(mut retained) = self.retained.lock() else {
            return;
        };
        retained.0 += 1;
        batch.seq = retained.0;
        // Before any listener hears of it, and (on this server's writes) before the write is
        // answered: whoever reads after either sees the new generation.
        self.touch();
        let batch = Arc::new(batch);
        retained.1.push_back(Arc::clone(&batch));
        if retained.1.len() > RETAINED {
            retained.1.pop_front();
        }
        // No listener is not an error.
        let _ = self.sender.send(batch);
    }

    /// Listens from now on, and returns what was published after batch `after` (of this
    /// hub's numbering; `None`: nothing is missed).
    pub fn subscribe_after(&self, after: Option<u64>) -> (Missed, broadcast::Receiver<Arc<Batch>>) {
        let Ok(retained) = self.retained.lock() else {
            return (Missed::TooMuch { last: 0 }, self.sender.subscribe());
        };
        let rx = self.sender.subscribe();
        let Some(after) = after else {
            return (Missed::Batches(Vec::new()), rx);
        };
        let (last, kept) = &*retained;
        let oldest = kept.front().map_or(last + 1, |b| b.seq);
        if after > *last || after + 1 < oldest {
            return (Missed::TooMuch { last: *last }, rx);
        }
        let missed = kept.iter().filter(|b| b.seq > after).cloned().collect();
        (Missed::Batches(missed), rx)
    }
}

/// What one server relays to the others: its events, marked with its origin.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Relayed {
    pub origin: u64,
    pub events: Vec<Event>,
    /// A person shown with tickets changed (their name, email or role): no event, but
    /// what lists show changed ([`Hub::touch`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub people: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment_event(change: Change, ticket_id: i64, id: i64, internal: bool) -> Event {
        Event {
            change,
            ticket_id,
            comment_id: Some(id),
            internal,
        }
    }

    #[tokio::test]
    async fn listeners_get_published_batches_in_order_and_empty_ones_are_dropped() {
        let hub = Hub::default();
        let mut rx = hub.subscribe();
        hub.publish(vec![Event::ticket(Change::TicketCreated, 7)]);
        hub.publish(Vec::new());
        hub.heard(vec![comment_event(Change::CommentCreated, 7, 3, false)]);
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
    fn a_listener_coming_back_gets_what_it_missed_or_is_told_to_read_again() {
        let hub = Hub::default();
        for id in 1..=3 {
            hub.publish(vec![Event::ticket(Change::TicketUpdated, id)]);
        }
        let seqs = |m: Missed| match m {
            Missed::Batches(b) => Some(b.iter().map(|b| b.seq).collect::<Vec<_>>()),
            Missed::TooMuch { .. } => None,
        };
        assert_eq!(seqs(hub.subscribe_after(Some(1)).0), Some(vec![2, 3]));
        assert_eq!(seqs(hub.subscribe_after(Some(3)).0), Some(vec![]));
        assert_eq!(seqs(hub.subscribe_after(None).0), Some(vec![]));
        assert_eq!(
            seqs(hub.subscribe_after(Some(4)).0),
            None,
            "not yet published"
        );
        let (_, mut rx) = hub.subscribe_after(Some(3));
        hub.publish(vec![Event::ticket(Change::TicketDeleted, 9)]);
        assert_eq!(rx.try_recv().unwrap().seq, 4, "the rest arrive live");
        // Beyond what is kept.
        for id in 0..RETAINED as i64 {
            hub.publish(vec![Event::ticket(Change::TicketUpdated, id)]);
        }
        assert_eq!(seqs(hub.subscribe_after(Some(1)).0), None);
        let last = (RETAINED + 4) as u64;
        assert_eq!(
            seqs(hub.subscribe_after(Some(last - 2)).0),
            Some(vec![last - 1, last])
        );
    }

    #[test]
    fn relayed_events_have_a_stable_wire_form() {
        let r = Relayed {
            origin: 5,
            people: false,
            events: vec![
                Event::ticket(Change::TicketUpdated, 1),
                comment_event(Change::CommentDeleted, 1, 2, false),
                comment_event(Change::CommentCreated, 1, 3, true),
            ],
        };
        let text = serde_json::to_string(&r).unwrap();
        assert_eq!(
            text,
            r#"{"origin":5,"events":[{"change":"ticket_updated","ticket_id":1},{"change":"comment_deleted","ticket_id":1,"comment_id":2},{"change":"comment_created","ticket_id":1,"comment_id":3,"internal":true}]}"#
        );
        assert_eq!(serde_json::from_str::<Relayed>(&text).unwrap(), r);
        let people = Relayed {
            origin: 5,
            events: Vec::new(),
            people: true,
        };
        let text = serde_json::to_string(&people).unwrap();
        assert_eq!(text, r#"{"origin":5,"events":[],"people":true}"#);
        assert_eq!(serde_json::from_str::<Relayed>(&text).unwrap(), people);
    }

    #[test]
    fn the_generation_moves_with_every_batch_and_touch_and_is_unknown_while_unlinked() {
        let hub = Hub::default();
        let g0 = hub.generation().unwrap();
        hub.publish(Vec::new());
        assert_eq!(hub.generation(), Some(g0), "nothing published");
        hub.publish(vec![Event::ticket(Change::TicketUpdated, 1)]);
        let g1 = hub.generation().unwrap();
        assert!(g1 > g0);
        hub.heard(vec![Event::ticket(Change::TicketUpdated, 1)]);
        let g2 = hub.generation().unwrap();
        assert!(g2 > g1);
        hub.touch();
        let g3 = hub.generation().unwrap();
        assert!(g3 > g2);
        hub.set_linked(false);
        assert_eq!(hub.generation(), None);
        hub.set_linked(true);
        hub.resync();
        assert!(hub.generation().unwrap() > g3);
    }
}
