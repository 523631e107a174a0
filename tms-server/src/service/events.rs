//! The live event stream of one caller (`GET /api/v1/events`, docs/API.md, "Live events"):
//! the committed changes it may see, each with the object as it would read it now.

use serde_json::json;
use tms_core::{Actor, rules};

use super::ServiceError;
use crate::events::{Batch, Change};
use crate::state::AppState;

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
/// comment as `actor` reads it now (a change whose object is gone by now is skipped: its
/// deletion follows).
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
    let mut out = Vec::new();
    for (index, e) in batch.events.iter().enumerate().skip(from) {
        let id = Some(event_id(epoch, batch.seq, index));
        let change = serde_json::to_value(e.change).unwrap_or_default();
        let t = e.ticket_id;
        match e.change {
            Change::TicketCreated | Change::TicketUpdated => {
                let item = app
                    .store
                    .read(move |r| r.ticket_item(t).map_err(ServiceError::from))
                    .await?;
                if let Some(mut item) =
                    item.filter(|i| rules::can_see_ticket(actor, i.ticket.requester_id))
                {
                    super::tickets::redact(actor, &mut item.ticket);
                    out.push(Outgoing {
                        id,
                        event: "ticket",
                        data: json!({"ticket_id": t, "change": change, "ticket": item}).to_string(),
                    });
                }
            }
            // Who asked for a deleted ticket is gone with it: staff only.
            Change::TicketDeleted if actor.role.is_staff() => out.push(Outgoing {
                id,
                event: "ticket",
                data: json!({"ticket_id": t, "change": change}).to_string(),
            }),
            Change::TicketDeleted => {}
            // An internal note, even its deletion, is for staff only.
            Change::CommentCreated | Change::CommentUpdated | Change::CommentDeleted
                if !rules::can_see_comment(actor, e.internal) => {}
            Change::CommentCreated | Change::CommentUpdated => {
                let Some(c) = e.comment_id else { continue };
                let found = app
                    .store
                    .read(move |r| r.comment_with_requester(c).map_err(ServiceError::from))
                    .await?;
                if let Some((comment, _)) = found.filter(|(c, requester)| {
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
            Change::CommentDeleted => {
                let ticket = app
                    .store
                    .read(move |r| r.ticket(t).map_err(ServiceError::from))
                    .await?;
                if ticket.is_some_and(|tk| rules::can_see_ticket(actor, tk.requester_id)) {
                    out.push(Outgoing {
                        id,
                        event: "comment",
                        data: json!({"ticket_id": t, "comment_id": e.comment_id, "change": change})
                            .to_string(),
                    });
                }
            }
        }
    }
    Ok(out)
}
