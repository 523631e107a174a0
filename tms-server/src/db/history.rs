//! Queries on `ticket_history`: one row per field of a ticket changed.

use rusqlite::{Connection, OptionalExtension, params};
use tms_core::api::Ticket;
use tms_core::timefmt::{Timestamp, to_micros};

use super::tickets::TicketState;

/// A field of a ticket, as `ticket_history.kind` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Description,
    Status,
    Priority,
    Assignee,
    ResolutionDate,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Description => "description",
            Field::Status => "status",
            Field::Priority => "priority",
            Field::Assignee => "assignee",
            Field::ResolutionDate => "resolution_date",
        }
    }
}

/// Each field's value in the text form history stores.
fn values(
    title: &str,
    description: &str,
    status: tms_core::Status,
    priority: tms_core::Priority,
    assignee: Option<i64>,
    resolved: Option<Timestamp>,
) -> [(Field, Option<String>); 6] {
    [
        (Field::Title, Some(title.to_string())),
        (Field::Description, Some(description.to_string())),
        (Field::Status, Some(status.to_string())),
        (Field::Priority, Some(priority.to_string())),
        (Field::Assignee, assignee.map(|a| a.to_string())),
        (
            Field::ResolutionDate,
            resolved.map(|t| to_micros(t).to_string()),
        ),
    ]
}

/// The stored text of `field`'s value in `t`.
pub fn value_of(t: &Ticket, field: Field) -> Option<String> {
    let all = values(
        &t.title,
        &t.description,
        t.status,
        t.priority,
        t.assigned_agent_id,
        t.resolution_date,
    );
    all.into_iter()
        .find(|(f, _)| *f == field)
        .and_then(|(_, v)| v)
}

/// Records every field that differs between `old` and `new`, changed by `actor` at `now`.
pub fn record(
    conn: &Connection,
    old: &Ticket,
    new: &TicketState<'_>,
    actor: i64,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let before = values(
        &old.title,
        &old.description,
        old.status,
        old.priority,
        old.assigned_agent_id,
        old.resolution_date,
    );
    let after = values(
        new.title,
        new.description,
        new.status,
        new.priority,
        new.assigned_agent_id,
        new.resolution_date,
    );
    let mut insert = conn.prepare_cached(
        "INSERT INTO ticket_history (ticket_id, at, actor_id, kind, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for ((field, was), (_, is)) in before.into_iter().zip(after) {
        if was != is {
            insert.execute(params![
                old.id,
                to_micros(now),
                actor,
                field.as_str(),
                was,
                is
            ])?;
        }
    }
    Ok(())
}

/// The latest change of `field` of ticket `id`: who made it and the value it replaced.
pub struct LastChange {
    pub actor_id: i64,
    pub old_value: Option<String>,
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
