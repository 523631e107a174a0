//! Queries on `ticket_history`: one row per field of a ticket changed.

use rusqlite::{Connection, OptionalExtension, params};
use tms_core::Role;
use tms_core::api::{HistoryActor, HistoryEntry, Ticket};
use tms_core::timefmt::{Timestamp, to_micros};

use crate::store::{Field, LastChange, TicketState, Timeline, field_changes, shown_value};

/// Records every field that differs between `old` and `new`, changed by `actor` at `now`.
pub fn record(
    conn: &Connection,
    old: &Ticket,
    new: &TicketState<'_>,
    actor: i64,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO ticket_history (ticket_id, at, actor_id, kind, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (field, was, is) in field_changes(old, new) {
        insert.execute(params![
            old.id,
            to_micros(now),
            actor,
            field.as_str(),
            was,
            is
        ])?;
    }
    Ok(())
}

pub fn last_change(
    conn: &Connection,
    ticket_id: i64,
    field: Field,
) -> rusqlite::Result<Option<LastChange>> {
    conn.prepare_cached(
        "SELECT actor_id, old_value FROM ticket_history
         WHERE ticket_id = ?1 AND kind = ?2 ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![ticket_id, field.as_str()], |r| {
        Ok(LastChange {
            actor_id: r.get(0)?,
            old_value: r.get(1)?,
        })
    })
    .optional()
}

/// A stored value as the history API shows it: an assignee by username, a resolution date in
/// the wire form, anything else as stored.
fn shown(conn: &Connection, kind: &str, value: Option<String>) -> rusqlite::Result<Option<String>> {
    let Some(v) = value else { return Ok(None) };
    if let Some(shown) = shown_value(kind, &v) {
        return Ok(Some(shown));
    }
    let id: i64 = v.parse().unwrap_or_default();
    Ok(Some(
        conn.prepare_cached("SELECT username FROM users WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .unwrap_or(v),
    ))
}

fn actor(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<HistoryActor> {
    Ok(HistoryActor {
        id: row.get(at)?,
        username: row.get(at + 1)?,
        role: super::wire::<Role>(row, at + 2)?,
    })
}

/// The history of ticket `t`, oldest first: its filing (by whoever the activity log says filed
/// it, else its requester), every recorded field change, and every comment.
pub fn of_ticket(conn: &Connection, t: &Ticket) -> rusqlite::Result<Vec<HistoryEntry>> {
    let filer: i64 = conn
        .prepare_cached(
            "SELECT user_id FROM activity_log
             WHERE ticket_id = ?1 AND activity_type = 'Create' AND details = ?2 ORDER BY id LIMIT 1",
        )?
        .query_row(params![t.id, format!("created ticket {}", t.id)], |r| r.get(0))
        .optional()?
        .unwrap_or(t.requester_id);
    // The title it was filed with: before its first rename, if any.
    let filed_title: String = conn
        .prepare_cached(
            "SELECT old_value FROM ticket_history WHERE ticket_id = ?1 AND kind = 'title'
             ORDER BY id LIMIT 1",
        )?
        .query_row([t.id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten()
        .unwrap_or_else(|| t.title.clone());
    let created_by = conn
        .prepare_cached("SELECT id, username, role FROM users WHERE id = ?1")?
        .query_row([filer], |r| actor(r, 0))?;
    let mut timeline = Timeline::new(t, created_by, filed_title);
    let mut changes = conn.prepare_cached(
        "SELECT h.at, h.kind, h.old_value, h.new_value, u.id, u.username, u.role, h.id
         FROM ticket_history h JOIN users u ON u.id = h.actor_id
         WHERE h.ticket_id = ?1 ORDER BY h.id",
    )?;
    let rows = changes.query_map([t.id], |r| {
        Ok((
            super::ts(r, 0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            actor(r, 4)?,
            r.get::<_, i64>(7)?,
        ))
    })?;
    for row in rows {
        let (at, kind, from, to, who, seq) = row?;
        let (from, to) = (shown(conn, &kind, from)?, shown(conn, &kind, to)?);
        timeline.change(seq, at, &kind, from, to, who);
    }
    let mut comments = conn.prepare_cached(
        "SELECT c.creation_date, c.description, u.id, u.username, u.role, c.id, c.is_internal
         FROM comments c JOIN users u ON u.id = c.commented_by_id
         WHERE c.ticket_id = ?1 ORDER BY c.id",
    )?;
    let rows = comments.query_map([t.id], |r| {
        Ok((
            super::ts(r, 0)?,
            r.get::<_, String>(1)?,
            actor(r, 2)?,
            r.get::<_, i64>(5)?,
            r.get::<_, bool>(6)?,
        ))
    })?;
    for row in rows {
        let (at, text, who, id, internal) = row?;
        timeline.comment(id, at, text, internal, who);
    }
    Ok(timeline.into_entries())
}
