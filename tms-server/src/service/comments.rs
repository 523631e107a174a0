//! Comments: add to a ticket the caller sees; edit and delete under the ownership rules.

use tms_core::api::{Comment, CommentUpdate, NewCommentRequest, Ticket};
use tms_core::timefmt::{self, Timestamp};
use tms_core::validate::Body;
use tms_core::{ActivityType, Actor, Status, ValidationError, rules};

use super::ServiceError;
use super::notify::{self, Notify};
use crate::state::AppState;
use crate::store::{TicketState, Write};

fn not_found(id: i64) -> ServiceError {
    ServiceError::NotFound(format!("Comment with the id {id} doesn't exist"))
}

/// Comment `id`, if `actor` may edit or delete it. Its ticket is locked first (the order of
/// comment creation and ticket deletion), then the comment read again: a comment deleted
/// meanwhile is a 404, and two servers editing one thread take turns.
fn editable(tx: &dyn Write, actor: Actor, id: i64) -> Result<Comment, ServiceError> {
    let (c, _) = tx
        .comment_with_requester(id)?
        .ok_or_else(|| not_found(id))?;
    tx.ticket_for_update(c.ticket_id)?;
    let (c, requester) = tx
        .comment_with_requester(id)?
        .filter(|(c, _)| rules::can_see_comment(actor, c.is_internal))
        .ok_or_else(|| not_found(id))?;
    rules::check_edit_comment(actor, c.commented_by_id, requester)
        .map_err(|d| ServiceError::denied(d, || not_found(id)))?;
    Ok(c)
}

/// Adds a comment (staff: or an internal note) to a ticket the caller may comment on. A
/// Requester's reply to a ticket Waiting on them, or Resolved, moves it back to Open
/// (`rules::status_after_comment`), recorded and logged as a change of its own.
pub async fn create(
    app: &AppState,
    actor: Actor,
    req: NewCommentRequest,
) -> Result<Comment, ServiceError> {
    let text = Body::parse("description", &req.description).map_err(ServiceError::invalid)?;
    let internal = req.is_internal;
    let ticket_id = req.ticket_id;
    let now = timefmt::now();
    let n = Notify::of(app);
    app.store
        .write(move |tx| {
            let t = tx
                .ticket_for_update(ticket_id)?
                .ok_or_else(|| ServiceError::ticket_not_found(ticket_id))?;
            rules::check_comment(actor, t.requester_id).map_err(|d| {
                ServiceError::denied(d, || ServiceError::ticket_not_found(ticket_id))
            })?;
            if internal {
                rules::check_internal_note(actor)?;
            }
            let c = tx.insert_comment(ticket_id, actor.id, text.as_str(), internal, now)?;
            let what = if internal {
                "an internal note"
            } else {
                "a comment"
            };
            let details = format!("created {what} on ticket {ticket_id}");
            tx.insert_log(
                actor.id,
                ActivityType::Create,
                &details,
                Some(ticket_id),
                now,
            )?;
            notify::comment_created(tx, n, actor, &t, &c, now)?;
            if !internal && actor.role.is_staff() {
                super::sla::on_reply(tx, &t, now)?;
            }
            match rules::status_after_comment(actor, t.status, internal) {
                Some(status) => reopen(tx, n, actor, &t, status, now)?,
                // An internal note leaves the ticket as its requester sees it: neither its
                // `updated_at` nor its version moves, and no `ticket_updated` is sent, so
                // nothing tells them a note was written (docs/API.md, "Internal notes").
                None if internal => {}
                None => tx.touch_ticket(ticket_id, now)?,
            }
            Ok(c)
        })
        .await
}

/// Moves ticket `t` to `status` because of `actor`'s reply, as a change of its own: stored
/// (which also marks the ticket changed), in its history and in the activity log.
fn reopen(
    tx: &dyn Write,
    n: Notify,
    actor: Actor,
    t: &Ticket,
    status: Status,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let new = TicketState {
        status,
        resolution_date: None,
        updated_at: now,
        ..TicketState::of(t)
    };
    super::sla::on_change(tx, t, status, t.priority, now)?;
    let changed = tx.update_ticket(t.id, &new)?;
    tx.record_history(t, &new, actor.id, now)?;
    let details = format!(
        "updated ticket {}: status {} → {status} (the requester replied)",
        t.id, t.status
    );
    tx.insert_log(actor.id, ActivityType::Update, &details, Some(t.id), now)?;
    notify::ticket_changed(tx, n, actor, t, &changed, now)?;
    Ok(())
}

/// Edits a comment's text (its author, or staff on a ticket they see).
pub async fn update(
    app: &AppState,
    actor: Actor,
    id: i64,
    req: CommentUpdate,
) -> Result<Comment, ServiceError> {
    let text = req
        .description
        .as_deref()
        .map(|d| Body::parse("description", d))
        .transpose()
        .map_err(ServiceError::invalid)?;
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let c = editable(tx, actor, id)?;
            if req.ticket_id.is_some_and(|t| t != c.ticket_id) {
                return Err(ServiceError::invalid(ValidationError::new(
                    "ticket_id",
                    "value_error.ticket_id",
                    "a comment cannot be moved to another ticket",
                )));
            }
            let Some(text) = text.filter(|t| t.as_str() != c.description) else {
                return Ok(c);
            };
            let updated = tx.update_comment(id, text.as_str(), now)?;
            notify::comment_updated(tx, &updated, now)?;
            if !c.is_internal {
                tx.touch_ticket(c.ticket_id, now)?;
            }
            let details = format!("updated comment {id} on ticket {}", c.ticket_id);
            let kind = ActivityType::Update;
            tx.insert_log(actor.id, kind, &details, Some(c.ticket_id), now)?;
            Ok(updated)
        })
        .await
}

/// Deletes a comment (its author, or staff on a ticket they see).
pub async fn delete(app: &AppState, actor: Actor, id: i64) -> Result<Comment, ServiceError> {
    let now = timefmt::now();
    app.store
        .write(move |tx| {
            let c = editable(tx, actor, id)?;
            tx.delete_comment(id)?;
            notify::comment_deleted(tx, &c, now)?;
            if !c.is_internal {
                tx.touch_ticket(c.ticket_id, now)?;
            }
            let details = format!("deleted comment {id}");
            let kind = ActivityType::Delete;
            tx.insert_log(actor.id, kind, &details, Some(c.ticket_id), now)?;
            Ok(c)
        })
        .await
}
