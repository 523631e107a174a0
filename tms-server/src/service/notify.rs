//! What a change tells, and to whom (docs/API.md, "Notifications" and "Webhooks"): the
//! outbox rows a use case writes inside its own transaction, so that a change rolled back
//! tells nobody and a committed one is never lost (docs/ARCHITECTURE.md, "Notifications").
//! The delivery worker (`crate::notify`) sends them after the commit.
//!
//! Each use case calls one function here per change it makes. Webhooks get every change of a
//! ticket or comment, internal notes included (they are staff integrations), with the objects
//! as staff see them; the statement that queues them writes one row per webhook that takes
//! the event, none when there is none, and on PostgreSQL goes out with the commit (no round
//! trip of its own). Email goes only when the server has an SMTP relay (`--smtp-url`), to
//! active users who did not turn it off, never about one's own action — except the
//! acknowledgement of a new ticket, which is its requester's receipt.

use serde::Serialize;
use tms_core::api::{Comment, Ticket, WebhookEvent};
use tms_core::timefmt::Timestamp;
use tms_core::{Actor, Status};

use super::ServiceError;
use crate::state::AppState;
use crate::store::{StoreError, StoreResult, Write};

/// What the server sends besides webhooks, decided once per request from its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notify {
    /// Email is queued (an SMTP relay is configured).
    pub email: bool,
}

impl Notify {
    pub fn of(app: &AppState) -> Self {
        Self {
            email: app.config.notify.smtp_url.is_some(),
        }
    }
}

/// What an email tells (the outbox row's `event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// To the requester: their new ticket was received, with its number.
    Acknowledgement,
    /// To the requester: a public reply of staff.
    Reply,
    /// To the requester: their ticket waits on them.
    Waiting,
    /// To the requester: their ticket was resolved.
    Resolved,
    /// To an agent: a ticket was assigned to them.
    Assigned,
    /// To the assignee: the requester replied.
    RequesterReply,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Acknowledgement => "acknowledgement",
            MailKind::Reply => "reply",
            MailKind::Waiting => "waiting",
            MailKind::Resolved => "resolved",
            MailKind::Assigned => "assigned",
            MailKind::RequesterReply => "requester_reply",
        }
    }
}

/// The objects a webhook delivery carries (its `ticket` and `comment`), as staff see them.
#[derive(Serialize)]
struct Objects<'a> {
    ticket: Option<&'a Ticket>,
    comment: Option<&'a Comment>,
}

fn json(o: &Objects<'_>) -> StoreResult<String> {
    serde_json::to_string(o).map_err(|e| StoreError::Other(e.to_string()))
}

fn webhooks_of_ticket(
    tx: &dyn Write,
    event: WebhookEvent,
    t: &Ticket,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let body = || {
        json(&Objects {
            ticket: Some(t),
            comment: None,
        })
    };
    Ok(tx
        .notify()
        .queue_webhooks(event.as_str(), t.id, &body, now)?)
}

fn webhooks_of_comment(
    tx: &dyn Write,
    event: WebhookEvent,
    c: &Comment,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let body = || {
        json(&Objects {
            ticket: None,
            comment: Some(c),
        })
    };
    Ok(tx
        .notify()
        .queue_webhooks(event.as_str(), c.ticket_id, &body, now)?)
}

/// An email about ticket `t` to user `to`, if they are active and want email (the statement
/// checks both).
fn mail(
    tx: &dyn Write,
    to: i64,
    kind: MailKind,
    t: &Ticket,
    text: &Mail,
    now: Timestamp,
) -> Result<(), ServiceError> {
    Ok(tx
        .notify()
        .queue_email(to, kind.as_str(), t.id, &text.subject, &text.body, now)?)
}

/// The username of `id`, for the text of an email.
fn name(tx: &dyn Write, id: i64) -> Result<String, ServiceError> {
    Ok(tx
        .user(id)?
        .map_or_else(|| format!("user {id}"), |u| u.username))
}

/// Ticket `t` was filed by `actor`; `auto` when auto-assignment chose its assignee.
pub fn ticket_created(
    tx: &dyn Write,
    n: Notify,
    actor: Actor,
    t: &Ticket,
    auto: bool,
    now: Timestamp,
) -> Result<(), ServiceError> {
    webhooks_of_ticket(tx, WebhookEvent::TicketCreated, t, now)?;
    if !n.email {
        return Ok(());
    }
    // The requester's receipt, also when they filed it themselves.
    mail(
        tx,
        t.requester_id,
        MailKind::Acknowledgement,
        t,
        &Mail::acknowledgement(t),
        now,
    )?;
    if let Some(agent) = t.assigned_agent_id.filter(|a| *a != actor.id) {
        let by = if auto {
            "auto-assignment".to_string()
        } else {
            name(tx, actor.id)?
        };
        mail(
            tx,
            agent,
            MailKind::Assigned,
            t,
            &Mail::assigned(t, &by),
            now,
        )?;
    }
    Ok(())
}

/// Ticket `old` became `new` through `actor`'s change (an update, one ticket of a bulk
/// change, a reopening by its requester's reply).
pub fn ticket_changed(
    tx: &dyn Write,
    n: Notify,
    actor: Actor,
    old: &Ticket,
    new: &Ticket,
    now: Timestamp,
) -> Result<(), ServiceError> {
    webhooks_of_ticket(tx, WebhookEvent::TicketUpdated, new, now)?;
    if !n.email {
        return Ok(());
    }
    if new.status != old.status && new.requester_id != actor.id {
        match new.status {
            Status::Waiting => {
                let text = Mail::waiting(new);
                mail(tx, new.requester_id, MailKind::Waiting, new, &text, now)?;
            }
            Status::Resolved => {
                let text = Mail::resolved(new);
                mail(tx, new.requester_id, MailKind::Resolved, new, &text, now)?;
            }
            _ => {}
        }
    }
    if let Some(agent) = new
        .assigned_agent_id
        .filter(|a| Some(*a) != old.assigned_agent_id && *a != actor.id)
    {
        let text = Mail::assigned(new, &name(tx, actor.id)?);
        mail(tx, agent, MailKind::Assigned, new, &text, now)?;
    }
    Ok(())
}

/// Tickets `ids` lost their assignee (deactivated): each is a `ticket.updated`.
pub fn tickets_unassigned(tx: &dyn Write, ids: &[i64], now: Timestamp) -> Result<(), ServiceError> {
    for &id in ids {
        if let Some(t) = tx.ticket(id)? {
            webhooks_of_ticket(tx, WebhookEvent::TicketUpdated, &t, now)?;
        }
    }
    Ok(())
}

/// Ticket `t` (as it was) was deleted.
pub fn ticket_deleted(tx: &dyn Write, t: &Ticket, now: Timestamp) -> Result<(), ServiceError> {
    webhooks_of_ticket(tx, WebhookEvent::TicketDeleted, t, now)
}

/// `actor` added comment `c` to ticket `t` (as it was before).
pub fn comment_created(
    tx: &dyn Write,
    n: Notify,
    actor: Actor,
    t: &Ticket,
    c: &Comment,
    now: Timestamp,
) -> Result<(), ServiceError> {
    webhooks_of_comment(tx, WebhookEvent::CommentCreated, c, now)?;
    if !n.email || c.is_internal {
        // Internal notes are never mailed: only staff may read them.
        return Ok(());
    }
    let requester_replied = actor.id == t.requester_id;
    if actor.role.is_staff() && !requester_replied {
        let text = Mail::reply(t, &name(tx, actor.id)?, &c.description);
        mail(tx, t.requester_id, MailKind::Reply, t, &text, now)?;
    }
    if let Some(agent) = t
        .assigned_agent_id
        .filter(|a| requester_replied && *a != actor.id)
    {
        let text = Mail::requester_reply(t, &name(tx, actor.id)?, &c.description);
        mail(tx, agent, MailKind::RequesterReply, t, &text, now)?;
    }
    Ok(())
}

/// Comment `c` was edited (as it is now).
pub fn comment_updated(tx: &dyn Write, c: &Comment, now: Timestamp) -> Result<(), ServiceError> {
    webhooks_of_comment(tx, WebhookEvent::CommentUpdated, c, now)
}

/// Comment `c` (as it was) was deleted.
pub fn comment_deleted(tx: &dyn Write, c: &Comment, now: Timestamp) -> Result<(), ServiceError> {
    webhooks_of_comment(tx, WebhookEvent::CommentDeleted, c, now)
}

/// The subject and plain text of an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

/// The last line of every email: the mail is one way.
const FOOTER: &str = "\n\n-- \nSent by the tms helpdesk. Replies to this email are not read: \
                      answer in tms.\nTo stop these emails, turn email off in your \
                      notification settings.\n";

impl Mail {
    fn new(t: &Ticket, what: &str, body: String) -> Self {
        Self {
            subject: format!("[Ticket #{}] {what}: {}", t.id, t.title),
            body: format!("{body}{FOOTER}"),
        }
    }

    fn facts(t: &Ticket) -> String {
        format!(
            "Ticket:   #{}\nTitle:    {}\nStatus:   {}\nPriority: {}",
            t.id, t.title, t.status, t.priority
        )
    }

    pub fn acknowledgement(t: &Ticket) -> Self {
        Self::new(
            t,
            "Received",
            format!(
                "Your request has been received as ticket #{}. You will get an email when \
                 the helpdesk answers.\n\n{}\n\n{}",
                t.id,
                Self::facts(t),
                t.description
            ),
        )
    }

    pub fn reply(t: &Ticket, author: &str, text: &str) -> Self {
        Self::new(
            t,
            "New reply",
            format!("{author} replied on ticket #{}:\n\n{text}", t.id),
        )
    }

    pub fn waiting(t: &Ticket) -> Self {
        Self::new(
            t,
            "Waiting for your reply",
            format!(
                "Ticket #{} is waiting for your reply: answer in tms to move it forward.\n\n{}",
                t.id,
                Self::facts(t)
            ),
        )
    }

    pub fn resolved(t: &Ticket) -> Self {
        Self::new(
            t,
            "Resolved",
            format!(
                "Ticket #{} has been resolved. If the problem remains, reply to it in tms and \
                 it opens again.\n\n{}",
                t.id,
                Self::facts(t)
            ),
        )
    }

    pub fn assigned(t: &Ticket, by: &str) -> Self {
        Self::new(
            t,
            "Assigned to you",
            format!(
                "Ticket #{} was assigned to you by {by}.\n\n{}\n\n{}",
                t.id,
                Self::facts(t),
                t.description
            ),
        )
    }

    pub fn requester_reply(t: &Ticket, author: &str, text: &str) -> Self {
        Self::new(
            t,
            "The requester replied",
            format!("{author} replied on ticket #{}:\n\n{text}", t.id),
        )
    }
}
