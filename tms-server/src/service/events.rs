//! The live event stream of one caller (`GET /api/v1/events`, docs/API.md, "Live events"):
//! the committed changes it may see, each with the object as it was read after the change.
//!
//! Every open stream renders every batch for its caller, but the objects a batch's events
//! carry are read once for all of them ([`BatchReads`]): with N streams open, a change costs
//! one read, not N.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tms_core::api::{Comment, TicketListItem};
use tms_core::{Actor, rules};
use tokio::sync::OnceCell;

use super::ServiceError;
use crate::events::{Batch, Change};
use crate::state::AppState;
use crate::store::Read;

/// What one event of a batch needs from the store, read once for every stream.
#[derive(Debug, Clone)]
enum Object {
    /// A created or changed ticket, with its people (`None`: gone since); boxed, being far
    /// larger than the others.
    Ticket(Option<Box<TicketListItem>>),
    /// A created or changed comment, with the requester of its ticket.
    Comment(Option<(Comment, i64)>),
    /// The requester of the ticket a comment was deleted from (`None`: the ticket is gone).
    Requester(Option<i64>),
    Nothing,
}

/// A batch's objects, read by the first stream that renders the batch.
type SharedRead = Arc<OnceCell<Arc<Vec<Object>>>>;

/// How many of the latest batches' reads are kept for streams still rendering them.
const KEPT_READS: usize = 256;

/// The objects of the latest batches, each batch read once, by the first stream that renders
/// it; the others wait for that read and share it.
#[derive(Default)]
pub struct BatchReads {
    batches: Mutex<VecDeque<(u64, SharedRead)>>,
    /// How many reads were made.
    reads: AtomicU64,
}

impl BatchReads {
    /// How many batches' objects were read from the store so far (for tests: one read per
    /// batch, however many streams render it).
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// The objects of `batch`'s events, in order.
    async fn of(&self, app: &AppState, batch: &Batch) -> Result<Arc<Vec<Object>>, ServiceError> {
        let cell = {
            let mut kept = self
                .batches
                .lock()
                .map_err(|_| ServiceError::Internal("event reads poisoned".into()))?;
            match kept.iter().find(|(seq, _)| *seq == batch.seq) {
                Some((_, cell)) => Arc::clone(cell),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    kept.push_back((batch.seq, Arc::clone(&cell)));
                    if kept.len() > KEPT_READS {
                        kept.pop_front();
                    }
                    cell
                }
            }
        };
        let events = batch.events.clone();
        cell.get_or_try_init(|| async move {
            self.reads.fetch_add(1, Ordering::Relaxed);
            let objects = app
                .store
                .read(move |r| read_objects(r, &events).map_err(ServiceError::from))
                .await?;
            Ok::<_, ServiceError>(Arc::new(objects))
        })
        .await
        .cloned()
    }
}

/// Reads what each event needs, in one read.
fn read_objects(
    r: &dyn Read,
    events: &[crate::events::Event],
) -> crate::store::StoreResult<Vec<Object>> {
    events
        .iter()
        .map(|e| {
            Ok(match e.change {
                Change::TicketCreated | Change::TicketUpdated => {
                    Object::Ticket(r.ticket_item(e.ticket_id)?.map(Box::new))
                }
                Change::CommentCreated | Change::CommentUpdated => match e.comment_id {
                    Some(c) => Object::Comment(r.comment_with_requester(c)?),
                    None => Object::Nothing,
                },
                Change::CommentDeleted => {
                    Object::Requester(r.ticket(e.ticket_id)?.map(|t| t.requester_id))
                }
                Change::TicketDeleted => Object::Nothing,
            })
        })
        .collect()
}

/// One server-sent event: its id, its name and its JSON data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub id: Option<String>,
    pub event: &'static str,
    pub data: String,
}

/// An event id: the server's epoch (events are numbered per server process), the batch's
/// number and the event's place in it.
pub fn event_id(epoch: u64, seq: u64, index: usize) -> String {
    format!("{epoch:016x}-{seq}-{index}")
}

/// The `(epoch, seq, index)` of an event id from `Last-Event-ID`.
pub fn parse_event_id(raw: &str) -> Option<(u64, u64, usize)> {
    let mut parts = raw.trim().splitn(3, '-');
    let epoch = u64::from_str_radix(parts.next()?, 16).ok()?;
    let seq = parts.next()?.parse().ok()?;
    let index = parts.next()?.parse().ok()?;
    Some((epoch, seq, index))
}

/// "Read everything again": events were missed.
pub fn resync(id: Option<String>, reason: &str) -> Outgoing {
    Outgoing {
        id,
        event: "resync",
        data: json!({ "reason": reason }).to_string(),
    }
}

/// The events of `batch` that `actor` may see, from its `from`-th on, each with the ticket or
/// comment as `actor` reads it after the change (a change whose object is gone by then is
/// skipped: its deletion follows). The objects are read once per batch for every stream
/// ([`BatchReads`]); what `actor` may see of them is decided here, per stream.
pub async fn render(
    app: &AppState,
    actor: Actor,
    epoch: u64,
    batch: &Batch,
    from: usize,
) -> Result<Vec<Outgoing>, ServiceError> {
    if batch.resync {
        return Ok(vec![resync(
            Some(event_id(epoch, batch.seq, 0)),
            "the link between servers broke and came back; events may have been missed",
        )]);
    }
    let objects = app.event_reads.of(app, batch).await?;
    let mut out = Vec::new();
    for (index, e) in batch.events.iter().enumerate().skip(from) {
        let id = Some(event_id(epoch, batch.seq, index));
        let change = serde_json::to_value(e.change).unwrap_or_default();
        let t = e.ticket_id;
        let object = objects.get(index).unwrap_or(&Object::Nothing);
        match (e.change, object) {
            (Change::TicketCreated | Change::TicketUpdated, Object::Ticket(item)) => {
                if let Some(item) = item
                    .as_ref()
                    .filter(|i| rules::can_see_ticket(actor, i.ticket.requester_id))
                {
                    let mut item = TicketListItem::clone(item);
                    super::tickets::redact(actor, &mut item.ticket);
                    out.push(Outgoing {
                        id,
                        event: "ticket",
                        data: json!({"ticket_id": t, "change": change, "ticket": item}).to_string(),
                    });
                }
            }
            // Who asked for a deleted ticket is gone with it: staff only.
            (Change::TicketDeleted, _) if actor.role.is_staff() => out.push(Outgoing {
                id,
                event: "ticket",
                data: json!({"ticket_id": t, "change": change}).to_string(),
            }),
            // An internal note, even its deletion, is for staff only.
            (Change::CommentCreated | Change::CommentUpdated | Change::CommentDeleted, _)
                if !rules::can_see_comment(actor, e.internal) => {}
            (Change::CommentCreated | Change::CommentUpdated, Object::Comment(found)) => {
                let Some(c) = e.comment_id else { continue };
                if let Some((comment, _)) = found.as_ref().filter(|(c, requester)| {
                    rules::can_see_ticket(actor, *requester)
                        && rules::can_see_comment(actor, c.is_internal)
                }) {
                    out.push(Outgoing {
                        id,
                        event: "comment",
                        data: json!({"ticket_id": t, "comment_id": c, "change": change, "comment": comment})
                            .to_string(),
                    });
                }
            }
            (Change::CommentDeleted, Object::Requester(requester))
                if requester.is_some_and(|r| rules::can_see_ticket(actor, r)) =>
            {
                out.push(Outgoing {
                    id,
                    event: "comment",
                    data: json!({"ticket_id": t, "comment_id": e.comment_id, "change": change})
                        .to_string(),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}
